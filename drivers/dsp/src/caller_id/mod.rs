//! Caller ID (on-hook data transmission): ETSI EN 300 659 over V.23 FSK, Telcordia GR-30
//! over Bell 202 FSK (same framing, mark 1200 / space 2200 Hz, SDMF or MDMF), and caller
//! ID sent as DTMF digits (`dtmf_clip`).
//!
//! Physical layer (EN 300 659-1, V.23): 1200 baud, mark (1) 1300 Hz, space (0) 2100 Hz,
//! asynchronous 8N1 characters, least significant bit first. A transmission is a channel
//! seizure of 300 alternating bits, 180 mark bits, then one message.
//!
//! Presentation layer (EN 300 659-3): message type, message length, body, and a checksum
//! that makes the byte sum of the whole message 0 modulo 256.

mod decoder;
mod demodulator;
pub mod dtmf_clip;
mod generator;
mod message;

pub use decoder::FskCallerIdDecoder;
pub use dtmf_clip::{DtmfClipDecoder, DtmfClipFormat, DtmfClipGenerator};
pub use generator::FskCallerIdGenerator;
pub use message::{
    AbsenceReason, CallerIdDateTime, CallerIdFrame, CallerIdMessage, MAX_FRAME_BYTES,
};

/// The FSK modem carrying the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FskModulation {
    /// ITU-T V.23 (ETSI EN 300 659-1): mark 1300 Hz, space 2100 Hz.
    #[default]
    V23,
    /// Bell 202 (Telcordia GR-30): mark 1200 Hz, space 2200 Hz.
    Bell202,
}

impl FskModulation {
    pub fn mark_hz(self) -> f32 {
        match self {
            FskModulation::V23 => 1300.0,
            FskModulation::Bell202 => 1200.0,
        }
    }

    pub fn space_hz(self) -> f32 {
        match self {
            FskModulation::V23 => 2100.0,
            FskModulation::Bell202 => 2200.0,
        }
    }
}

/// Multiple data message format (EN 300 659-3 "call set-up" message type).
pub const MESSAGE_TYPE_MDMF: u8 = 0x80;
/// Single data message format (Bellcore SDMF, also seen on ETSI-like networks).
pub const MESSAGE_TYPE_SDMF: u8 = 0x04;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CallerIdError {
    #[error("caller ID checksum mismatch: bytes sum to {sum:#04x} instead of 0")]
    ChecksumMismatch { sum: u8 },
    #[error("caller ID message truncated: got {received} of {expected} bytes")]
    Truncated { received: usize, expected: usize },
    #[error("unknown caller ID message type {message_type:#04x}")]
    UnknownMessageType { message_type: u8 },
    #[error("caller ID parameter {parameter:#04x} invalid: {reason}")]
    InvalidParameter { parameter: u8, reason: &'static str },
    #[error("caller ID frame of {length} bytes exceeds the {MAX_FRAME_BYTES}-byte maximum")]
    FrameTooLong { length: usize },
}
