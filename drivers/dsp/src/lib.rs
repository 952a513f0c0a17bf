//! Line DSP: sans-IO, allocation-free per frame, 8 kHz 16-bit linear audio.
//!
//! Everything here is constructed once and then fed or drained frame by frame
//! (`process(&[i16])`, `fill(&mut [i16])`); no I/O, no clocks, no allocation per frame.

pub mod g711;
pub mod level;
mod oscillator;
pub mod tone;

pub use tone::{ToneGenerator, ToneSpec};
pub mod tone_plan;

pub use tone_plan::{TonePlan, TonePlanName, UnknownTonePlan};
pub mod dtmf;

pub use dtmf::{DetectedDigit, DtmfDetector, DtmfDetectorConfig, DtmfError, DtmfGenerator, DtmfGeneratorConfig};
pub mod caller_id;

pub use caller_id::{CallerIdError, CallerIdMessage, FskCallerIdDecoder, FskCallerIdGenerator};
