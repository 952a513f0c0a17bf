//! What every line that can be a call's leg does the same way, whether an analog port or a
//! PRI B-channel: it is attached to one call at a time, forwards its line events and the
//! engine's digits and playback completions to that call, offers the calls its line starts
//! to the switchboard, and tells the call at once when the line refuses what it was asked.

use crate::messages::{CallId, CallInput, Incoming, Stamp, SwitchboardLink};
use actix::prelude::*;
use line_boundary::{Cause, ChannelId, LineCommand, LineEvent};
use media_engine::EngineEvent;

pub struct LegLink {
    channel: ChannelId,
    call: Option<(CallId, Recipient<CallInput>)>,
    switchboard: SwitchboardLink,
}

impl LegLink {
    pub fn new(channel: ChannelId, switchboard: SwitchboardLink) -> LegLink {
        LegLink {
            channel,
            call: None,
            switchboard,
        }
    }

    pub fn switchboard(&self) -> &SwitchboardLink {
        &self.switchboard
    }

    pub fn is_attached(&self) -> bool {
        self.call.is_some()
    }

    pub fn attached(&self) -> Option<&(CallId, Recipient<CallInput>)> {
        self.call.as_ref()
    }

    /// From now on this line's events go to `call`.
    pub fn attach(&mut self, call: CallId, to: Recipient<CallInput>) {
        self.call = Some((call, to));
    }

    /// `call` is over for this line (a later call may already be attached: then nothing).
    pub fn detach(&mut self, call: &CallId) {
        if self.call.as_ref().is_some_and(|(id, _)| id == call) {
            self.call = None;
        }
    }

    /// Hands a line event to the attached call; false if no call is attached.
    pub fn forward(&self, event: LineEvent, stamp: &Stamp) -> bool {
        match &self.call {
            Some((_, call)) => {
                call.do_send(CallInput::Line {
                    channel: self.channel,
                    event,
                    stamp: stamp.clone(),
                });
                true
            }
            None => false,
        }
    }

    /// Hands what the engine heard or finished on this channel to the attached call:
    /// in-band digits (IVR, fault injection) and playback completions.
    pub fn forward_engine(&self, event: &EngineEvent, stamp: &Stamp) {
        let Some((_, call)) = &self.call else { return };
        match *event {
            EngineEvent::Digit { digit, .. } => call.do_send(CallInput::Line {
                channel: self.channel,
                event: LineEvent::Digit { digit },
                stamp: stamp.clone(),
            }),
            EngineEvent::PlaybackDone { slot, id, .. } => call.do_send(CallInput::PlaybackDone {
                slot,
                id,
                stamp: stamp.clone(),
            }),
            _ => {}
        }
    }

    /// Offers a call the line started to the switchboard.
    pub fn offer(&self, event: LineEvent, stamp: &Stamp) {
        if let LineEvent::IncomingCall {
            calling,
            called,
            category,
            name,
        } = event
        {
            self.switchboard.incoming.do_send(Incoming {
                channel: self.channel,
                calling,
                called,
                category,
                name,
                stamp: stamp.clone(),
            });
        }
    }

    /// The line refused `command` (a phone lifted as the box came to ring it, a trunk
    /// seized as the box came to dial out): the offer ends here, at once, as busy or no
    /// circuit. The call hears it as this leg hanging up, and the line is its own again.
    pub fn refused(&mut self, command: &LineCommand, cause: Option<Cause>, stamp: &Stamp) {
        let cause = match (command, cause) {
            (LineCommand::Ring { .. }, None) => Cause::USER_BUSY,
            (LineCommand::CallOut { .. }, None) => Cause::NO_CIRCUIT_AVAILABLE,
            (LineCommand::Ring { .. } | LineCommand::CallOut { .. }, Some(cause)) => cause,
            _ => return,
        };
        if let Some((_, call)) = self.call.take() {
            call.do_send(CallInput::Line {
                channel: self.channel,
                event: LineEvent::Hangup { cause },
                stamp: stamp.clone(),
            });
        }
    }

    /// Hands a failure to the call that asked for it, whichever call is attached by now
    /// (a B-channel whose call out was refused after the far end's SETUP took it).
    pub fn tell(
        &mut self,
        placing: (CallId, Recipient<CallInput>),
        event: LineEvent,
        stamp: &Stamp,
    ) {
        let (id, call) = placing;
        call.do_send(CallInput::Line {
            channel: self.channel,
            event,
            stamp: stamp.clone(),
        });
        self.detach(&id);
    }
}
