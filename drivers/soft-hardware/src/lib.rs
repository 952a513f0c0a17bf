//! soft-hardware
