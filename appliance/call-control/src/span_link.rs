//! What a span and its B-channels say to each other. Each side holds recipients, never the
//! other's actor type, so neither module imports the other.

use crate::messages::Stamp;
use actix::prelude::*;
use line_boundary::{Cause, LineCommand, LineEvent};
use media_engine::WorkToken;
use std::collections::BTreeMap;

/// A B-channel's actor asks the span's stack to do something for its call.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SpanCommand {
    pub timeslot: u8,
    pub command: LineCommand,
    pub stamp: Stamp,
}

/// A line event of this B-channel's call, from the span's stack.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct BChannelLine {
    pub event: LineEvent,
    pub stamp: Stamp,
}

/// The span's stack refused to place the call this B-channel was asked to place (the
/// channel was taken by the far end's SETUP, the link is down): only the call that asked
/// hears of it, whichever call is attached by now.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct CallOutRefused {
    pub cause: Cause,
    pub stamp: Stamp,
}

/// The span's actor was replaced (after a failure): talk to this one from now on.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetSpan(pub Recipient<SpanCommand>);

/// How a span reaches one of its B-channels.
#[derive(Clone)]
pub struct BChannelLink {
    pub line: Recipient<BChannelLine>,
    pub refused: Recipient<CallOutRefused>,
}

impl BChannelLink {
    pub fn to<A>(addr: &Addr<A>) -> BChannelLink
    where
        A: Actor<Context = Context<A>> + Handler<BChannelLine> + Handler<CallOutRefused>,
    {
        BChannelLink {
            line: addr.clone().recipient(),
            refused: addr.clone().recipient(),
        }
    }
}

/// The span's B-channels, by timeslot (sent by the switchboard after starting them, and
/// again when one is replaced).
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetBChannels(pub BTreeMap<u8, BChannelLink>);

impl crate::containment::Traced for SpanCommand {
    fn work_token(&self) -> WorkToken {
        self.stamp.token.clone()
    }
}

impl crate::containment::Traced for BChannelLine {
    fn work_token(&self) -> WorkToken {
        self.stamp.token.clone()
    }
}

impl crate::containment::Traced for CallOutRefused {
    fn work_token(&self) -> WorkToken {
        self.stamp.token.clone()
    }
}

impl crate::containment::Traced for SetSpan {
    fn work_token(&self) -> WorkToken {
        WorkToken::untracked()
    }
}

impl crate::containment::Traced for SetBChannels {
    fn work_token(&self) -> WorkToken {
        WorkToken::untracked()
    }
}
