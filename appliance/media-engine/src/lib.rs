//! The media plane: one real-time thread driven by the span clock.
//!
//! Each tick (20 ms of audio) it reads every soft device's block, runs each channel's
//! detectors (DTMF, FSK caller ID), mixes what each channel hears (bridges, listen,
//! whisper, barge, conferences) with what it plays (tones, prompts, digits), hands tapped
//! channels' audio to their tap rings, and sends every device its block. It never allocates, locks or blocks inside a
//! tick but for the device I/O; actors command it and hear from it through bounded
//! lock-free queues ([`CommandSender`], [`EventSink`]).

mod channel;
mod engine;
mod handle;
mod messages;
pub mod modes;
pub mod priority;
mod prompt_swap;
mod prompts;
mod queues;
mod stats;
mod stream;
mod tap;
pub mod testing;
pub mod watchdog;
mod work;

pub use handle::{
    DeviceSpec, EngineError, EngineHandle, EngineSetup, EventSink, StatsSource, StreamRings,
    TapRings,
};
pub use messages::{
    CallerIdFormat, EngineCommand, EngineEvent, Gain, PlaybackId, PromptId, Slot, TapId,
    MAX_DIAL_DIGITS, MAX_SEQUENCE, MAX_SOURCES,
};
pub use prompt_swap::PromptSwapper;
pub use prompts::PromptStore;
pub use queues::{CommandSender, QueueFull, COMMAND_CAPACITY, EVENT_CAPACITY};
pub use stats::{
    DeviceCounts, DeviceStatsSnapshot, EngineStatsSnapshot, LatenessCounts, LatenessSummary,
};
pub use stream::{StreamError, StreamWriter, STREAM_RING_FRAMES};
pub use tap::{TapError, TapFrame, TapReader, TAP_RING_FRAMES};
pub use work::{WorkGauge, WorkToken};
