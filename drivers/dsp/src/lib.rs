//! Line DSP: sans-IO, allocation-free per frame, 8 kHz 16-bit linear audio.
//!
//! Everything here is constructed once and then fed or drained frame by frame
//! (`process(&[i16])`, `fill(&mut [i16])`); no I/O, no clocks, no allocation per frame.

pub mod call_progress;
pub mod caller_id;
pub mod dtmf;
pub mod echo;
pub mod g711;
pub mod level;
pub mod mf_r2;
pub mod mix;
mod oscillator;
pub mod resample;
pub mod tone;
pub mod tone_plan;

pub use caller_id::{CallerIdError, CallerIdMessage, FskCallerIdDecoder, FskCallerIdGenerator};
pub use dtmf::{
    DetectedDigit, DtmfDetector, DtmfDetectorConfig, DtmfError, DtmfGenerator, DtmfGeneratorConfig,
};
pub use echo::{EchoCanceller, EchoCancellerConfig, EchoError};
pub use mf_r2::{
    Direction as MfR2Direction, MfR2Detector, MfR2DetectorConfig, MfR2Error, MfR2Generator,
    MfSignal,
};
pub use mix::{mix, Gain, MixBus};
pub use resample::{ResampleError, Resampler};
pub use tone::{ToneGenerator, ToneSpec};
pub use tone_plan::{TonePlan, TonePlanName, UnknownTonePlan};
