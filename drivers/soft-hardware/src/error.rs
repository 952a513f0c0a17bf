//! Errors. Hot-path variants carry a `Copy` [`DeviceName`] rather than a path so that
//! building them never allocates.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::codec::CodecError;
use crate::types::DeviceKind;

/// `span1`, `fxs3`: names a device in messages without allocating.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct DeviceName {
    pub kind: DeviceKind,
    pub id: u16,
}

impl fmt::Display for DeviceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.kind.socket_prefix(), self.id)
    }
}

/// The `code` of an ERROR message.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum ErrorCode {
    HelloMismatch,
    Malformed,
    Busy,
    SequenceGap,
    /// The far end connected and sent no HELLO within the box's HELLO timeout.
    HelloTimeout,
    /// A code this version does not know; kept so it can be reported.
    Other(u16),
}

impl ErrorCode {
    pub const fn wire(self) -> u16 {
        match self {
            ErrorCode::HelloMismatch => 1,
            ErrorCode::Malformed => 2,
            ErrorCode::Busy => 3,
            ErrorCode::SequenceGap => 4,
            ErrorCode::HelloTimeout => 5,
            ErrorCode::Other(c) => c,
        }
    }
    pub const fn from_wire(c: u16) -> ErrorCode {
        match c {
            1 => ErrorCode::HelloMismatch,
            2 => ErrorCode::Malformed,
            3 => ErrorCode::Busy,
            4 => ErrorCode::SequenceGap,
            5 => ErrorCode::HelloTimeout,
            c => ErrorCode::Other(c),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorCode::HelloMismatch => f.write_str("1 (HELLO mismatch)"),
            ErrorCode::Malformed => f.write_str("2 (malformed message)"),
            ErrorCode::Busy => f.write_str("3 (device busy)"),
            ErrorCode::SequenceGap => f.write_str("4 (sequence gap)"),
            ErrorCode::HelloTimeout => f.write_str("5 (no HELLO in time)"),
            ErrorCode::Other(c) => write!(f, "{c} (unknown)"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SoftHwError {
    #[error("cannot create device directory {path}: {source}")]
    CreateDir { path: PathBuf, source: io::Error },
    #[error("{path} exists and is not a socket; refusing to replace it")]
    NotASocket { path: PathBuf },
    #[error("cannot remove stale socket {path}: {source}")]
    RemoveStale { path: PathBuf, source: io::Error },
    #[error("cannot listen on {path}: {source}")]
    Bind { path: PathBuf, source: io::Error },
    #[error("{device}: accepting a far end failed: {source}")]
    Accept {
        device: DeviceName,
        source: io::Error,
    },
    #[error("{device}: block has {got} channels, the device has {expected}")]
    ChannelCount {
        device: DeviceName,
        expected: usize,
        got: usize,
    },

    #[error("cannot connect to {path}: {source}")]
    Connect { path: PathBuf, source: io::Error },
    #[error("{path}: i/o error while {doing}: {source}")]
    Io {
        path: PathBuf,
        doing: &'static str,
        source: io::Error,
    },
    #[error("{path}: timed out after {timeout_ms} ms while {doing}")]
    Timeout {
        path: PathBuf,
        doing: &'static str,
        timeout_ms: u128,
    },
    #[error("{path}: the box closed the connection while {doing}")]
    Disconnected { path: PathBuf, doing: &'static str },
    #[error("{path}: the box sent ERROR {code}: {text}")]
    Remote {
        path: PathBuf,
        code: ErrorCode,
        text: String,
    },
    #[error("{path}: malformed message from the box: {source}")]
    Protocol { path: PathBuf, source: CodecError },
    #[error("{path}: unexpected {what} from the box")]
    Unexpected { path: PathBuf, what: &'static str },
    #[error("{path}: box HELLO does not match: {field} (box sent {hello:?})")]
    HelloMismatch {
        path: PathBuf,
        field: &'static str,
        hello: crate::types::Hello,
    },
    #[error("{path}: sequence gap from the box: expected block {expected}, got {got}")]
    SequenceGap {
        path: PathBuf,
        expected: u32,
        got: u32,
    },
    #[error("encoding a message failed: {0}")]
    Encode(CodecError),

    #[error("real-time clock: {doing}: {source}")]
    Clock {
        doing: &'static str,
        source: nix::Error,
    },
    #[error("waiting for readable devices: {source}")]
    Poll { source: nix::Error },
    #[error("wait_readable supports at most {max} devices, got more")]
    TooManyDevices { max: usize },
}
