//! analog-signalling
