//! Q.931 basic call control (ITU-T Q.931 with the ETSI EN 300 403-1 profile) for an E1
//! PRI, user or network side, sans-IO.
//!
//! - [`message`] and [`ie`]: the codec. [`decode`] turns a DL-DATA indication into a
//!   typed [`Message`] plus what was wrong with its elements; [`encode`] writes one into a
//!   caller buffer.
//! - [`Q931`]: call control. Feed it messages from Q.921 ([`Q931::handle_message`]), link
//!   changes ([`Q931::handle_link`]), line commands and time; drain
//!   [`Q931::poll_transmit`] (messages for Q.921 DL-DATA requests), [`Q931::poll_event`]
//!   (line events per call and B-channel), [`Q931::poll_timeout`] and
//!   [`Q931::poll_protocol_error`] (each malformed or unexpected message it answered or
//!   ignored per §5.8, for the log; [`Q931::protocol_errors`] counts them).
//!
//! ```text
//!  Q.921 DL-DATA ind ──► handle_message ─┐            ┌─► poll_transmit ──► Q.921 DL-DATA req
//!  DL-ESTABLISH/RELEASE ► handle_link ────┤   Q931     ├─► poll_event ─────► span actor
//!  span actor commands ─► handle_command ─┤            ├─► poll_protocol_error ─► log
//!  engine time ─────────► handle_timeout ─┘            └─► poll_timeout
//! ```
//!
//! Time is engine time in milliseconds (`now_ms`); the stack reads no clock.

mod call;
pub mod ie;
pub mod message;
mod numbering;
mod protocol_error;
mod stack;
mod writer;

pub use call::{CallHandle, CallState, RestartState, Role, StateDesignation, TimerKind};
pub use message::{
    decode, encode, encode_to_vec, CallRef, DecodeError, Decoded, EncodeError, IeError, Message,
    MessageBuf, MessageType, UnknownIe, MAX_MESSAGE, PROTOCOL_DISCRIMINATOR,
};
pub use numbering::Numbering;
pub use protocol_error::{cause_name, ProtocolError, MAX_QUEUED_PROTOCOL_ERRORS};
pub use stack::{
    causes, CallEvent, CallInfo, ChannelSet, ChannelStatus, Config, ConfigError, Hunt,
    OutgoingCall, Q931Error, Timers, Q931,
};
