//! The legs of a call: each is one line (an analog port or a B-channel) taking part in it.

use line_boundary::{ChannelId, LineKind};
use media_engine::Slot;

/// A leg's index in its call (stable while the call lives; legs are never reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LegId(pub usize);

/// Why a leg is in the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegRole {
    /// The line the call came in on (or the phone that dialled).
    Origin,
    /// Where the call was routed: an extension rung, a trunk dialled out.
    Destination,
    /// Anyone else who joins: a consulted party, a supervisor.
    Other,
}

/// Where a leg is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegState {
    /// In the call, not yet asked to do anything.
    Joined,
    /// Asked to answer: ringing a phone, or a call out waiting for the far end.
    Alerting,
    /// Answered: talking (or the box answered the caller's line).
    Up,
    /// Hung up or cleared: no longer part of the call.
    Gone,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leg {
    pub channel: ChannelId,
    pub slot: Slot,
    pub kind: LineKind,
    pub role: LegRole,
    pub state: LegState,
}

impl Leg {
    pub fn new(channel: ChannelId, slot: Slot, kind: LineKind, role: LegRole) -> Leg {
        Leg {
            channel,
            slot,
            kind,
            role,
            state: LegState::Joined,
        }
    }

    /// A trunk leg: the box answers it (and the carrier bills from then).
    pub fn is_trunk(&self) -> bool {
        matches!(self.kind, LineKind::Fxo | LineKind::E1)
    }
}
