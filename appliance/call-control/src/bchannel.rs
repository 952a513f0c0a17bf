//! One actor per PRI B-channel: the leg a call talks to. It forwards the call's line
//! commands to its span's stack and the span's line events for this timeslot to the call,
//! and offers new calls to the switchboard, as a port actor does for an analog line (both
//! through [`LegLink`]). Whether the B-channel is free is the span's to say (its stack
//! knows): see `SpanActor::report_channels`.

use crate::contained_handler;
use crate::containment::{ActorFailed, Contained};
use crate::leg::LegLink;
use crate::messages::{CallId, CallInput, PortInput, Stamp, SwitchboardLink};
use crate::span_link::{BChannelLine, CallOutRefused, SetSpan, SpanCommand};
use actix::prelude::*;
use line_boundary::{ChannelId, LineCommand, LineEvent};
use media_engine::{CommandSender, EngineCommand, Slot};
use std::sync::Arc;

/// Dialling this number out of a span with fault injection on makes the B-channel's actor
/// panic: proves a failed B-channel is restarted (its call cleared with cause 41) while
/// the span and its other calls carry on.
pub const BCHANNEL_FAULT_NUMBER: &str = "*996";

pub struct BChannelActor {
    channel: ChannelId,
    slot: Slot,
    span: Recipient<SpanCommand>,
    engine: CommandSender,
    leg: LegLink,
    /// The call that last asked this channel to place a call out.
    placing: Option<(CallId, Recipient<CallInput>)>,
    fault_injection: bool,
    name: Arc<str>,
}

impl BChannelActor {
    pub fn new(
        channel: ChannelId,
        slot: Slot,
        span: Recipient<SpanCommand>,
        switchboard: SwitchboardLink,
        engine: CommandSender,
        fault_injection: bool,
    ) -> BChannelActor {
        BChannelActor {
            channel,
            slot,
            span,
            engine,
            leg: LegLink::new(channel, switchboard),
            placing: None,
            fault_injection,
            name: format!("bchannel {channel}").into(),
        }
    }

    fn timeslot(&self) -> u8 {
        // Timeslots are 1..=31: a B-channel's channel number always fits.
        u8::try_from(self.channel.channel).unwrap_or(0)
    }

    fn on_input(&mut self, input: PortInput, _ctx: &mut Context<Self>) {
        match input {
            PortInput::Engine { event, token } => {
                let stamp = Stamp {
                    at_ms: event.at_ms(),
                    token,
                };
                self.leg.forward_engine(&event, &stamp);
            }
            PortInput::Command { command, stamp } => {
                if let LineCommand::CallOut { called, .. } = &command {
                    if self.fault_injection && called.as_str() == BCHANNEL_FAULT_NUMBER {
                        panic!(
                            "fault injected by a call to {BCHANNEL_FAULT_NUMBER} on {}",
                            self.channel
                        );
                    }
                }
                if matches!(command, LineCommand::CallOut { .. }) {
                    self.placing = self.leg.attached().cloned();
                }
                self.span.do_send(SpanCommand {
                    timeslot: self.timeslot(),
                    command,
                    stamp,
                });
            }
            PortInput::Attach { call, to, .. } => self.leg.attach(call, to),
            PortInput::Detach { call, .. } => self.leg.detach(&call),
        }
    }

    fn on_line(&mut self, line: BChannelLine, _ctx: &mut Context<Self>) {
        let BChannelLine { event, stamp } = line;
        if let LineEvent::IncomingCall { .. } = event {
            self.leg.offer(event, &stamp);
            return;
        }
        let ended = matches!(event, LineEvent::Hangup { .. });
        if !self.leg.forward(event.clone(), &stamp) && !ended {
            tracing::debug!(channel = %self.channel, ?event, "line event with no call attached");
        }
        if ended {
            // Nothing plays on a cleared channel.
            let _ = self
                .engine
                .send(EngineCommand::StopPlayback { slot: self.slot });
        }
    }

    fn on_refused(&mut self, refused: CallOutRefused, _ctx: &mut Context<Self>) {
        if let Some(placing) = self.placing.take() {
            let event = LineEvent::Hangup {
                cause: refused.cause,
            };
            self.leg.tell(placing, event, &refused.stamp);
        }
    }

    fn on_set_span(&mut self, message: SetSpan, _ctx: &mut Context<Self>) {
        self.span = message.0;
    }
}

impl Actor for BChannelActor {
    type Context = Context<Self>;
}

impl Contained for BChannelActor {
    fn actor_name(&self) -> Arc<str> {
        Arc::clone(&self.name)
    }
    fn supervisor(&self) -> Recipient<ActorFailed> {
        self.leg.switchboard().failed.clone()
    }
}

contained_handler!(BChannelActor, PortInput, on_input);
contained_handler!(BChannelActor, BChannelLine, on_line);
contained_handler!(BChannelActor, CallOutRefused, on_refused);
contained_handler!(BChannelActor, SetSpan, on_set_span);
