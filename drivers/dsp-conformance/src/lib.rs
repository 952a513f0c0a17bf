//! Test-only bindings to spandsp, the reference our DSP is measured against.
//! Nothing shipped depends on this crate.

pub mod spandsp_dtmf;
pub mod spandsp_fsk;
pub mod spandsp_r2_mf;
pub mod spandsp_tone;
