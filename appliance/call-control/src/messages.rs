//! Messages between control-plane actors. Each carries the engine time it refers to and a
//! [`WorkToken`], so that lock-step clocking knows when the control plane is quiet.

use actix::prelude::*;
use line_boundary::{ChannelId, LineCommand, LineEvent};
use media_engine::{EngineEvent, PlaybackId, Slot, WorkToken};
use std::sync::Arc;

/// Engine time (ms) plus the work token of whatever caused this message.
#[derive(Debug, Clone)]
pub struct Stamp {
    pub at_ms: u64,
    pub token: WorkToken,
}

pub type CallId = Arc<str>;

/// To a port actor.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub enum PortInput {
    /// Something the media engine saw on this port's channel.
    Engine {
        event: EngineEvent,
        token: WorkToken,
    },
    /// A call tells its leg what to do.
    Command { command: LineCommand, stamp: Stamp },
    /// From now on this port's line events go to this call.
    Attach {
        call: CallId,
        to: Recipient<CallInput>,
        stamp: Stamp,
    },
    /// The call is over for this port (it goes back to the switchboard's pool).
    Detach { call: CallId, stamp: Stamp },
}

/// To a call actor.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub enum CallInput {
    /// Sent once by the switchboard after the call's legs are attached.
    Start { stamp: Stamp },
    /// A line event from one of the call's legs.
    Line {
        channel: ChannelId,
        event: LineEvent,
        stamp: Stamp,
    },
    /// A prompt, tone burst or digits finished playing on a leg.
    PlaybackDone {
        slot: Slot,
        id: PlaybackId,
        stamp: Stamp,
    },
    /// Once a second of engine time, for the call's timers.
    Second { stamp: Stamp },
}
