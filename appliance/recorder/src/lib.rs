//! Call recording. The media engine copies a tapped channel's audio both ways into a ring
//! each tick (`media_engine::TapReader`); recorder threads ([`RecorderPool`], one per core)
//! read the rings, encode stereo Opus (left: what the caller said; right: what the box
//! sent them — agent, IVR, music) and write Ogg pages ([`OggOpusWriter`]) that end at
//! least every second, each in one write, so a killed box leaves a playable file at most a
//! second short. [`ogg_read`] reads a recording back (its length, its audio) and [`wav`]
//! turns it into a WAV download. [`MessagePlayer`] plays a recording's caller side back
//! into a call through the engine's stream ring (voicemail heard on `*98`).

mod file;
pub mod ogg_opus;
pub mod ogg_read;
mod player;
mod pool;
pub mod repair;
pub mod wav;

pub use file::sha256_of;
pub use ogg_opus::{OggOpusWriter, RecordingTags, WriteError};
pub use ogg_read::{decode, read_info, DecodedRecording, ReadError, RecordingInfo};
pub use player::{caller_side, MessagePlayer, PlayError, PlayOutcome};
pub use pool::{
    ClosedFile, FrameSource, RecorderCounters, RecorderPool, RecordingJob, RecordingOutcome,
    RecordingReport,
};
pub use repair::{close_interrupted, RepairError, RepairedFile};
