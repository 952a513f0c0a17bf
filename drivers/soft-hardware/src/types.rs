//! Plain data shared by the codec, the box side and the far end.

use std::fmt;
use std::path::{Path, PathBuf};

/// 20 ms of A-law at 8 kHz.
pub const AUDIO_OCTETS: usize = 160;
/// An E1 has 32 timeslots; a port has 1 channel.
pub const MAX_CHANNELS: usize = 32;
/// A-law code word for zero amplitude (with the even-bit inversion applied).
pub const ALAW_SILENCE: u8 = 0xD5;
/// The wire protocol version this crate speaks.
pub const PROTOCOL_VERSION: u8 = 1;

/// One channel of one 20 ms block: the signalling byte and the audio.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ChannelRecord {
    pub signal: u8,
    pub audio: [u8; AUDIO_OCTETS],
}

impl ChannelRecord {
    /// No signalling bits, A-law silence.
    pub const IDLE: ChannelRecord = ChannelRecord {
        signal: 0,
        audio: [ALAW_SILENCE; AUDIO_OCTETS],
    };
}

/// Line condition bits of a BLOCK (defined in `line-boundary`, which the box reads them
/// through; the wire carries the byte as is).
pub use line_boundary::LineConditions;

/// One 20 ms block of a line in one direction.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Block {
    pub seq: u32,
    pub conditions: LineConditions,
    pub channels: heapless::Vec<ChannelRecord, MAX_CHANNELS>,
}

impl Block {
    /// `channels` idle records (clamped to [`MAX_CHANNELS`]), seq 0, no line conditions.
    pub fn idle(channels: usize) -> Block {
        let mut block = Block {
            seq: 0,
            conditions: LineConditions::NONE,
            channels: heapless::Vec::new(),
        };
        block.fill_idle(channels);
        block
    }

    /// Resets `self` to `channels` idle records without allocating.
    pub fn fill_idle(&mut self, channels: usize) {
        self.channels.clear();
        for _ in 0..channels.min(MAX_CHANNELS) {
            // Cannot fail: bounded by MAX_CHANNELS above.
            let _ = self.channels.push(ChannelRecord::IDLE);
        }
    }

    /// Copies `other` into `self` in place (no temporary 5 KiB value on the stack).
    pub fn copy_from(&mut self, other: &Block) {
        self.seq = other.seq;
        self.conditions = other.conditions;
        self.channels.clear();
        // Cannot fail: both have the same capacity.
        let _ = self.channels.extend_from_slice(&other.channels);
    }
}

/// What sits at the box end of the cable.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum DeviceKind {
    /// E1 span: 32 timeslots.
    E1,
    /// FXO port: the box faces a telco line.
    Fxo,
    /// FXS port: the box feeds a phone.
    Fxs,
}

impl DeviceKind {
    pub const fn channels(self) -> usize {
        match self {
            DeviceKind::E1 => 32,
            DeviceKind::Fxo | DeviceKind::Fxs => 1,
        }
    }
    pub const fn socket_prefix(self) -> &'static str {
        match self {
            DeviceKind::E1 => "span",
            DeviceKind::Fxo => "fxo",
            DeviceKind::Fxs => "fxs",
        }
    }
    /// HELLO `kind` byte.
    pub const fn wire(self) -> u8 {
        match self {
            DeviceKind::E1 => 1,
            DeviceKind::Fxo => 2,
            DeviceKind::Fxs => 3,
        }
    }
    pub const fn from_wire(b: u8) -> Option<DeviceKind> {
        match b {
            1 => Some(DeviceKind::E1),
            2 => Some(DeviceKind::Fxo),
            3 => Some(DeviceKind::Fxs),
            _ => None,
        }
    }
}

impl fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeviceKind::E1 => "E1 span",
            DeviceKind::Fxo => "FXO port",
            DeviceKind::Fxs => "FXS port",
        })
    }
}

/// Who drives time (see "Clocking" in WIRE-FORMAT.md).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum ClockMode {
    /// The box sends a block every 20 ms on its own timer.
    RealTime,
    /// The far end drives time; the box answers each block.
    LockStep,
}

impl ClockMode {
    pub const fn wire(self) -> u8 {
        match self {
            ClockMode::RealTime => 0,
            ClockMode::LockStep => 1,
        }
    }
    pub const fn from_wire(b: u8) -> Option<ClockMode> {
        match b {
            0 => Some(ClockMode::RealTime),
            1 => Some(ClockMode::LockStep),
            _ => None,
        }
    }
}

impl fmt::Display for ClockMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClockMode::RealTime => "real-time",
            ClockMode::LockStep => "lock-step",
        })
    }
}

/// A HELLO message. `None` for kind/clock is the far end's "any" (wire `0` / `255`);
/// `channels == 0` is "any" too (see WIRE-FORMAT.md).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Hello {
    pub version: u8,
    pub kind: Option<DeviceKind>,
    pub channels: u8,
    pub clock: Option<ClockMode>,
    pub device_id: u16,
}

impl Hello {
    /// What the box announces for one of its devices.
    pub const fn for_device(kind: DeviceKind, id: u16, clock: ClockMode) -> Hello {
        Hello {
            version: PROTOCOL_VERSION,
            kind: Some(kind),
            channels: kind.channels() as u8,
            clock: Some(clock),
            device_id: id,
        }
    }

    /// What a far end sends: its expectations, `None` meaning "any".
    pub const fn far_end(kind: Option<DeviceKind>, clock: Option<ClockMode>) -> Hello {
        let channels = match kind {
            Some(k) => k.channels() as u8,
            None => 0,
        };
        Hello {
            version: PROTOCOL_VERSION,
            kind,
            channels,
            clock,
            device_id: 0,
        }
    }

    /// Whether a far end's HELLO (`self`) is acceptable to the box's `own`.
    /// Returns the name of the first mismatching field.
    pub fn mismatch_with(&self, own: &Hello) -> Option<&'static str> {
        if self.version != own.version {
            Some("version")
        } else if self.kind.is_some() && self.kind != own.kind {
            Some("kind")
        } else if self.channels != 0 && self.channels != own.channels {
            Some("channel count")
        } else if self.clock.is_some() && self.clock != own.clock {
            Some("clock")
        } else {
            None
        }
    }
}

/// `<dir>/<kind><id>.sock`, e.g. `span1.sock`.
pub fn socket_path(dir: &Path, kind: DeviceKind, id: u16) -> PathBuf {
    dir.join(format!("{}{}.sock", kind.socket_prefix(), id))
}
