//! hil-scenario
