//! Soft hardware: the box's end of a simulated E1 span or analog port, carried over a
//! Unix stream socket (see `WIRE-FORMAT.md` next to this crate).
//!
//! * [`codec`] encodes and decodes the wire messages into caller buffers (no allocation).
//! * [`SoftDevice`] is the box side: bound once, then polled by the media engine every
//!   tick without allocating or blocking.
//! * [`RealTimeClock`] / [`wait_readable`] clock the engine in real-time / lock-step mode.
//! * [`FarEnd`] is a blocking client for the HIL rig and tests.

mod clock;
pub mod codec;
mod device;
mod error;
mod far_end;
mod types;

/// The signalling byte's named bits, defined in `line-boundary` (the box's port and span
/// actors read them from there); the wire carries the byte as is.
pub use line_boundary::signal;

pub use clock::{wait_readable, RealTimeClock, MAX_POLL_DEVICES};
pub use codec::ErrorCode;
pub use device::{DeviceStats, SoftDevice, HELLO_TIMEOUT, RX_QUEUE_BLOCKS, TX_QUEUE_BLOCKS};
pub use error::{DeviceName, SoftHwError};
pub use far_end::FarEnd;
pub use types::{
    socket_path, Block, ChannelRecord, ClockMode, DeviceKind, Hello, LineConditions, ALAW_SILENCE,
    AUDIO_OCTETS, MAX_CHANNELS, PROTOCOL_VERSION,
};
