//! Errors. Hot-path variants carry a `Copy` [`DeviceName`] rather than a path so that
//! building them never allocates.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::codec::{CodecError, ErrorCode};
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
