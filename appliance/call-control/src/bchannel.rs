//! One actor per PRI B-channel: the leg a call talks to. It forwards the call's line
//! commands to its span's stack and the span's line events for this timeslot to the call,
//! and offers new calls to the switchboard, just as a port actor does for an analog line.

use crate::messages::{CallId, CallInput, PortInput, Stamp};
use crate::span::{SpanActor, SpanCommand};
use crate::switchboard::{Incoming, PortStatus, Switchboard};
use actix::prelude::*;
use line_boundary::{ChannelId, LineCommand, LineEvent};
use media_engine::{CommandSender, EngineCommand, EngineEvent, Slot, WorkToken};

/// A line event of this B-channel's call, from the span's stack.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct BChannelLine {
    pub event: LineEvent,
    pub stamp: Stamp,
}

/// The span's actor was replaced (after a failure): talk to this one from now on.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetSpan(pub Addr<SpanActor>);

pub struct BChannelActor {
    channel: ChannelId,
    slot: Slot,
    span: Addr<SpanActor>,
    switchboard: Addr<Switchboard>,
    engine: CommandSender,
    call: Option<(CallId, Recipient<CallInput>)>,
    /// The stack has a call on this timeslot (offered or placed, not yet cleared).
    busy: bool,
}

impl BChannelActor {
    pub fn new(
        channel: ChannelId,
        slot: Slot,
        span: Addr<SpanActor>,
        switchboard: Addr<Switchboard>,
        engine: CommandSender,
    ) -> BChannelActor {
        BChannelActor {
            channel,
            slot,
            span,
            switchboard,
            engine,
            call: None,
            busy: false,
        }
    }

    fn timeslot(&self) -> u8 {
        // Timeslots are 1..=31: a B-channel's channel number always fits.
        u8::try_from(self.channel.channel).unwrap_or(0)
    }

    fn report(&self, stamp: &Stamp) {
        let state = if self.busy || self.call.is_some() {
            "busy"
        } else {
            "idle"
        };
        self.switchboard.do_send(PortStatus {
            channel: self.channel,
            state,
            stamp: stamp.clone(),
        });
    }

    fn on_input(&mut self, input: PortInput) {
        match input {
            PortInput::Engine { event, token } => self.on_engine(event, token),
            PortInput::Command { command, stamp } => {
                if matches!(command, LineCommand::CallOut { .. }) {
                    self.busy = true;
                }
                self.span.do_send(SpanCommand {
                    timeslot: self.timeslot(),
                    command,
                    stamp,
                });
            }
            PortInput::Attach { call, to, stamp } => {
                self.call = Some((call, to));
                self.report(&stamp);
            }
            PortInput::Detach { call, stamp } => {
                if self.call.as_ref().is_some_and(|(id, _)| *id == call) {
                    self.call = None;
                }
                self.report(&stamp);
            }
        }
    }

    fn on_engine(&mut self, event: EngineEvent, token: WorkToken) {
        let Some((_, call)) = &self.call else { return };
        let stamp = Stamp {
            at_ms: event.at_ms(),
            token,
        };
        match event {
            // In-band digits from the caller (IVR, fault injection) go straight to the call.
            EngineEvent::Digit { digit, .. } => call.do_send(CallInput::Line {
                channel: self.channel,
                event: LineEvent::Digit { digit },
                stamp,
            }),
            EngineEvent::PlaybackDone { slot, .. } => {
                call.do_send(CallInput::PlaybackDone { slot, stamp })
            }
            _ => {}
        }
    }

    fn on_line(&mut self, event: LineEvent, stamp: Stamp) {
        match event {
            LineEvent::IncomingCall {
                calling,
                called,
                category,
                name,
            } => {
                self.busy = true;
                self.report(&stamp);
                self.switchboard.do_send(Incoming {
                    channel: self.channel,
                    calling,
                    called,
                    category,
                    name,
                    stamp,
                });
            }
            event => {
                let ended = matches!(event, LineEvent::Hangup { .. });
                match &self.call {
                    Some((_, call)) => call.do_send(CallInput::Line {
                        channel: self.channel,
                        event,
                        stamp: stamp.clone(),
                    }),
                    None if ended => {}
                    None => {
                        tracing::debug!(channel = %self.channel, ?event, "line event with no call attached")
                    }
                }
                if ended {
                    self.busy = false;
                    // Nothing plays on a cleared channel.
                    let _ = self
                        .engine
                        .send(EngineCommand::StopPlayback { slot: self.slot });
                    self.report(&stamp);
                }
            }
        }
    }
}

impl Actor for BChannelActor {
    type Context = Context<Self>;

    fn started(&mut self, _ctx: &mut Context<Self>) {
        self.report(&Stamp {
            at_ms: 0,
            token: WorkToken::untracked(),
        });
    }
}

impl Handler<PortInput> for BChannelActor {
    type Result = ();
    fn handle(&mut self, input: PortInput, _ctx: &mut Context<Self>) {
        self.on_input(input);
    }
}

impl Handler<BChannelLine> for BChannelActor {
    type Result = ();
    fn handle(&mut self, line: BChannelLine, _ctx: &mut Context<Self>) {
        self.on_line(line.event, line.stamp);
    }
}

impl Handler<SetSpan> for BChannelActor {
    type Result = ();
    fn handle(&mut self, message: SetSpan, _ctx: &mut Context<Self>) {
        self.span = message.0;
    }
}
