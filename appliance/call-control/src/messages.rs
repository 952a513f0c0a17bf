//! Messages between control-plane actors. Each carries the engine time it refers to and a
//! [`WorkToken`], so that lock-step clocking knows when the control plane is quiet.

use crate::containment::ActorFailed;
use crate::session::{CallRecord, LegGrant};
use actix::prelude::*;
use line_boundary::{Alarm, CallerCategory, ChannelId, LineCommand, LineEvent, PhoneNumber};
use media_engine::{EngineEvent, PlaybackId, Slot, WorkToken};
use serde::Serialize;
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
    /// The switchboard's answer to the call's [`RequestLeg`] `request`: the line, when
    /// one was reserved (already attached to the call).
    Leg {
        request: u32,
        grant: LegGrant,
        line: Option<LegLine>,
        stamp: Stamp,
    },
    /// An HTTP lookup the call asked for finished.
    LookupDone {
        id: u32,
        result: Result<std::collections::HashMap<String, String>, ivr::session::LookupFailed>,
        stamp: Stamp,
    },
    /// The ACD tells the call something (an offer, an announcement, ...).
    Acd {
        instruction: crate::session::AcdInstruction,
        stamp: Stamp,
    },
    /// A supervisor asks to join the call from their phone (or change mode); the call's
    /// verdict goes to `reply` (the switchboard checked the call and the phone first).
    Supervise {
        request: crate::session::SuperviseRequest,
        reply: tokio::sync::oneshot::Sender<Result<(), crate::session::SuperviseRefused>>,
        stamp: Stamp,
    },
    /// An agent or supervisor starts (`start`) or stops the call's recording by hand;
    /// the call's verdict goes to `reply`.
    Record {
        start: bool,
        reply: tokio::sync::oneshot::Sender<Result<(), crate::session::RecordingRefused>>,
        stamp: Stamp,
    },
    /// The messages of a mailbox the call asked for (`VoicemailOutput::List`), from the
    /// recordings index.
    Mailbox {
        messages: Result<Vec<crate::session::MailboxMessage>, String>,
        stamp: Stamp,
    },
    /// What the call says about itself, for the live view (`GET /api/calls`).
    Describe {
        reply: tokio::sync::oneshot::Sender<crate::session::SessionView>,
    },
}

/// The ACD reserved `agent` for a callback: the switchboard starts a call that rings the
/// agent's phone (`device`) and then dials `number`. The call speaks to the ACD as
/// `acd_call` (the call that asked for the callback). When the phone cannot be had,
/// `not_placed` hears so.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct PlaceCallback {
    pub acd_call: CallId,
    pub agent: acd::AgentId,
    pub device: String,
    pub number: String,
    pub not_placed: Recipient<CallbackNotPlaced>,
    pub stamp: Stamp,
}

/// A callback's call could not be started (the agent's phone is busy or unknown, or
/// there is no way out to the number): the ACD releases the agent.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct CallbackNotPlaced {
    pub acd_call: CallId,
    pub agent: acd::AgentId,
    pub reason: String,
    /// No way out reaches the number at all: trying again cannot help.
    pub unreachable: bool,
    pub stamp: Stamp,
}

/// A call tells the ACD actor something; `reply` is where the ACD's instructions for
/// this call go.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct CallToAcd {
    pub call: CallId,
    /// The caller's number (caller ID), for VIP matching and callbacks.
    pub caller: Option<String>,
    pub request: crate::session::AcdRequest,
    pub reply: Recipient<CallInput>,
    pub stamp: Stamp,
}

/// The line actor of one leg: a port actor or a B-channel actor.
#[derive(Debug, Clone)]
pub struct LegLine {
    pub channel: ChannelId,
    pub slot: Slot,
    pub port: Recipient<PortInput>,
}

/// A call asks for a line to `number` mid-call (an IVR transfer, a queue ringing its
/// extensions); the switchboard answers with [`CallInput::Leg`].
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct RequestLeg {
    pub call: CallId,
    pub request: u32,
    pub number: PhoneNumber,
    pub stamp: Stamp,
}

/// A call let one of its legs go while it goes on: the channel is free for others.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct LegLeft {
    pub call: CallId,
    pub channel: ChannelId,
    pub stamp: Stamp,
}

/// A line's stack reported a new call (a ringing trunk, a phone that dialled, a SETUP).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Incoming {
    pub channel: ChannelId,
    pub calling: Option<PhoneNumber>,
    pub called: Option<PhoneNumber>,
    pub category: CallerCategory,
    pub name: Option<String>,
    pub stamp: Stamp,
}

/// What a line reports about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineState {
    /// Nothing on the line: it can take a call.
    Idle,
    /// The line is doing something of its own (a phone off hook, a trunk ringing in, a
    /// B-channel still clearing).
    InUse,
    /// Not usable (its actor failed and is being replaced, or not started yet).
    OutOfService,
}

/// A line (analog port or B-channel) reports its state.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct PortStatus {
    pub channel: ChannelId,
    pub line: LineState,
    /// The line's own word for it (its stack's state name), for the status view.
    pub detail: &'static str,
    pub stamp: Stamp,
}

/// A call's destination answered.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct CallAnswered {
    pub call: CallId,
    /// The destination that answered (`None`: the box itself, e.g. the echo test).
    pub channel: Option<ChannelId>,
    pub stamp: Stamp,
}

/// A call is over; its record is final.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct CallEnded {
    pub call: CallId,
    pub record: CallRecord,
    pub stamp: Stamp,
}

/// A span's link or alarm state changed.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SpanState {
    pub device: u16,
    pub connected: bool,
    /// LOS/AIS/RAI bits as received.
    pub conditions: u8,
    pub alarms: Vec<Alarm>,
    /// The D-channel's data link is up (PRI spans).
    pub link_up: bool,
    /// Q.931 protocol errors and Q.921 MDL errors the span's stack saw since it started.
    pub protocol_errors: u64,
    pub link_errors: u64,
    pub stamp: Stamp,
}

/// Another second of engine time.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Second {
    pub stamp: Stamp,
}

/// How line, span and call actors reach the switchboard without knowing its type (so no
/// module imports the switchboard but the ones that start it).
#[derive(Clone)]
pub struct SwitchboardLink {
    pub incoming: Recipient<Incoming>,
    pub line_status: Recipient<PortStatus>,
    pub span_state: Recipient<SpanState>,
    pub answered: Recipient<CallAnswered>,
    pub ended: Recipient<CallEnded>,
    pub request_leg: Recipient<RequestLeg>,
    pub leg_left: Recipient<LegLeft>,
    /// Told when a contained actor panics.
    pub failed: Recipient<ActorFailed>,
}

impl SwitchboardLink {
    pub fn to<A>(addr: &Addr<A>) -> SwitchboardLink
    where
        A: Actor<Context = Context<A>>
            + Handler<Incoming>
            + Handler<PortStatus>
            + Handler<SpanState>
            + Handler<CallAnswered>
            + Handler<CallEnded>
            + Handler<RequestLeg>
            + Handler<LegLeft>
            + Handler<ActorFailed>,
    {
        SwitchboardLink {
            incoming: addr.clone().recipient(),
            line_status: addr.clone().recipient(),
            span_state: addr.clone().recipient(),
            answered: addr.clone().recipient(),
            ended: addr.clone().recipient(),
            request_leg: addr.clone().recipient(),
            leg_left: addr.clone().recipient(),
            failed: addr.clone().recipient(),
        }
    }
}

impl crate::containment::Traced for PortInput {
    fn work_token(&self) -> WorkToken {
        match self {
            PortInput::Engine { token, .. } => token.clone(),
            PortInput::Command { stamp, .. }
            | PortInput::Attach { stamp, .. }
            | PortInput::Detach { stamp, .. } => stamp.token.clone(),
        }
    }
}

impl crate::containment::Traced for CallInput {
    fn work_token(&self) -> WorkToken {
        match self {
            CallInput::Start { stamp }
            | CallInput::Line { stamp, .. }
            | CallInput::PlaybackDone { stamp, .. }
            | CallInput::Second { stamp }
            | CallInput::Leg { stamp, .. }
            | CallInput::LookupDone { stamp, .. }
            | CallInput::Acd { stamp, .. }
            | CallInput::Supervise { stamp, .. }
            | CallInput::Record { stamp, .. }
            | CallInput::Mailbox { stamp, .. } => stamp.token.clone(),
            CallInput::Describe { .. } => WorkToken::untracked(),
        }
    }
}
