//! far-end
