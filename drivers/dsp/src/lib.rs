//! Line DSP: sans-IO, allocation-free per frame, 8 kHz 16-bit linear audio.
//!
//! Everything here is constructed once and then fed or drained frame by frame
//! (`process(&[i16])`, `fill(&mut [i16])`); no I/O, no clocks, no allocation per frame.

pub mod caller_id;
pub mod dtmf;
pub mod g711;
pub mod level;
mod oscillator;
pub mod tone;
pub mod tone_plan;

pub use caller_id::{CallerIdError, CallerIdMessage, FskCallerIdDecoder, FskCallerIdGenerator};
pub use dtmf::{
    DetectedDigit, DtmfDetector, DtmfDetectorConfig, DtmfError, DtmfGenerator, DtmfGeneratorConfig,
};
pub use tone::{ToneGenerator, ToneSpec};
pub use tone_plan::{TonePlan, TonePlanName, UnknownTonePlan};
