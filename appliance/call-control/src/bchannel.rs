//! One actor per PRI B-channel: the leg a call talks to. It forwards the call's line
//! commands to its span's stack and the span's line events for this timeslot to the call,
//! and offers new calls to the switchboard, just as a port actor does for an analog line.
//! Whether the B-channel is free is the span's to say (its stack knows): see
//! `SpanActor::report_channels`.

use crate::messages::{CallId, CallInput, PortInput, Stamp};
use crate::span::{SpanActor, SpanCommand};
use crate::switchboard::{Incoming, Switchboard};
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

/// The span's stack refused to place the call this B-channel was asked to place (the
/// channel was taken by the far end's SETUP, the link is down): only the call that asked
/// hears of it, whichever call is attached by now.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct CallOutRefused {
    pub cause: line_boundary::Cause,
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
    /// The call that last asked this channel to place a call out.
    placing: Option<(CallId, Recipient<CallInput>)>,
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
            placing: None,
        }
    }

    fn timeslot(&self) -> u8 {
        // Timeslots are 1..=31: a B-channel's channel number always fits.
        u8::try_from(self.channel.channel).unwrap_or(0)
    }

    fn on_input(&mut self, input: PortInput) {
        match input {
            PortInput::Engine { event, token } => self.on_engine(event, token),
            PortInput::Command { command, stamp } => {
                if matches!(command, LineCommand::CallOut { .. }) {
                    self.placing = self.call.clone();
                }
                self.span.do_send(SpanCommand {
                    timeslot: self.timeslot(),
                    command,
                    stamp,
                });
            }
            PortInput::Attach { call, to, .. } => {
                self.call = Some((call, to));
            }
            PortInput::Detach { call, .. } => {
                if self.call.as_ref().is_some_and(|(id, _)| *id == call) {
                    self.call = None;
                }
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
            EngineEvent::PlaybackDone { slot, id, .. } => {
                call.do_send(CallInput::PlaybackDone { slot, id, stamp })
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
                    // Nothing plays on a cleared channel.
                    let _ = self
                        .engine
                        .send(EngineCommand::StopPlayback { slot: self.slot });
                }
            }
        }
    }
}

impl Actor for BChannelActor {
    type Context = Context<Self>;
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

impl Handler<CallOutRefused> for BChannelActor {
    type Result = ();
    fn handle(&mut self, refused: CallOutRefused, _ctx: &mut Context<Self>) {
        let Some((id, call)) = self.placing.take() else {
            return;
        };
        call.do_send(CallInput::Line {
            channel: self.channel,
            event: LineEvent::Hangup {
                cause: refused.cause,
            },
            stamp: refused.stamp,
        });
        if self
            .call
            .as_ref()
            .is_some_and(|(attached, _)| *attached == id)
        {
            self.call = None;
        }
    }
}

impl Handler<SetSpan> for BChannelActor {
    type Result = ();
    fn handle(&mut self, message: SetSpan, _ctx: &mut Context<Self>) {
        self.span = message.0;
    }
}
