//! What the switchboard does when an actor it watches panics: it clears only what that
//! actor owned. A failed call's legs are hung up with cause 41 and its CDR written; a
//! failed port gets a fresh actor and stack; a failed span a fresh actor and PRI stack
//! (its calls end with cause 41, the interface is restarted).

use super::{CallEntry, Switchboard};
use crate::bchannel::BChannelActor;
use crate::containment::ActorFailed;
use crate::leg_pool::LineState;
use crate::messages::{CallId, CallInput, PortInput, Stamp, SwitchboardLink};
use crate::restart_policy::Decision;
use crate::router::SetRoute;
use crate::session::{CallRecord, CallTimes};
use crate::span_link::{BChannelLine, SetBChannels, SetSpan};
use actix::prelude::*;
use line_boundary::{Cause, ChannelId, LineCommand, LineEvent};
use media_engine::{EngineCommand, WorkToken};
use storage::Disposition;

impl Switchboard {
    /// A stamp for what the switchboard does on its own: it carries the token of the
    /// failure being cleaned up, if any, so a lock-step tick waits for the clean-up.
    fn cleanup_stamp(&self) -> Stamp {
        Stamp {
            at_ms: self.now_ms,
            token: self
                .cleanup_token
                .clone()
                .unwrap_or_else(WorkToken::untracked),
        }
    }

    /// A line reserved for `reserved` started a call of its own (a phone lifted as it was
    /// about to ring, a trunk seized as the box chose it to dial out): the line is taken,
    /// so the reserved call hears that leg is busy and ends as busy.
    pub(super) fn give_way(&mut self, reserved: &CallId, channel: ChannelId, stamp: &Stamp) {
        tracing::warn!(%channel, call = %reserved, "a line reserved for a call started one of its own; the reserved call gets busy");
        if let Some(entry) = self.calls.get(reserved) {
            entry.addr.do_send(CallInput::Line {
                channel,
                event: LineEvent::Hangup {
                    cause: Cause::USER_BUSY,
                },
                stamp: stamp.clone(),
            });
        }
    }

    /// A call actor panicked: hang up its legs with cause 41 and write its CDR.
    fn clear_failed_call(&mut self, call: CallId) {
        let Some(entry) = self.calls.get(&call) else {
            return;
        };
        let CallEntry {
            origin,
            destination,
            granted,
            numbers,
            started_ms,
            answered_ms,
            ..
        } = entry;
        let (origin, destination) = (*origin, *destination);
        let legs: Vec<ChannelId> = std::iter::once(origin)
            .chain(granted.iter().copied())
            .collect();
        // The call's own record died with its actor: keep what the switchboard saw.
        let record = CallRecord {
            numbers: numbers.clone(),
            origin,
            destination,
            disposition: Disposition::Failed,
            cause: Cause::TEMPORARY_FAILURE,
            times: CallTimes::seen_from_outside(*started_ms, *answered_ms, self.now_ms),
            ivr: None,
            acd: Default::default(),
        };
        let stamp = self.cleanup_stamp();
        // Every leg still in it: the destination and anyone else (a supervisor).
        for channel in legs {
            let Some(line) = self.lines.get(&channel) else {
                continue;
            };
            let slot = line.plan.slot;
            let _ = self.engine.send(EngineCommand::Unbridge { slot });
            let _ = self.engine.send(EngineCommand::StopPlayback { slot });
            line.addr.do_send(PortInput::Command {
                command: LineCommand::Hangup {
                    cause: Cause::TEMPORARY_FAILURE,
                },
                stamp: stamp.clone(),
            });
            line.addr.do_send(PortInput::Detach {
                call: call.clone(),
                stamp: stamp.clone(),
            });
        }
        self.finish_call(&call, &record, &stamp);
    }

    /// A line's actor failed: its call (if any) ends with cause 41 and the line is out of
    /// service until a fresh actor reports.
    fn line_failed(&mut self, channel: ChannelId) {
        if let Some(entry) = self.pool.call_on(channel).and_then(|c| self.calls.get(c)) {
            entry.addr.do_send(CallInput::Line {
                channel,
                event: LineEvent::Hangup {
                    cause: Cause::TEMPORARY_FAILURE,
                },
                stamp: self.cleanup_stamp(),
            });
        }
        self.pool
            .line_changed(channel, LineState::OutOfService, "failed");
    }

    /// A span's actor failed: its stack's calls are gone, so each B-channel is told its
    /// call ended (cause 41, which ends the call and writes its CDR as a line hang-up
    /// would).
    fn span_failed(&mut self, device: u16) {
        let stamp = self.cleanup_stamp();
        let bchannels = self
            .span_bchannels
            .get(&device)
            .cloned()
            .unwrap_or_default();
        for bchannel in bchannels.values() {
            bchannel.do_send(BChannelLine {
                event: LineEvent::Hangup {
                    cause: Cause::TEMPORARY_FAILURE,
                },
                stamp: stamp.clone(),
            });
        }
        if let Some(view) = self.spans.get_mut(&device) {
            self.span_error_base
                .insert(device, (view.protocol_errors, view.link_errors));
            if view.d_channel_up.is_some() {
                view.d_channel_up = Some(false);
            }
        }
    }

    /// Decides, by the restart policy, whether and when `failed` gets a fresh actor.
    fn schedule_restart(&mut self, failed: Failed, ctx: &mut Context<Self>) {
        let decision = self
            .restarts
            .entry(failed)
            .or_default()
            .on_failure(self.now_ms);
        match decision {
            Decision::RestartAt(at) if at <= self.now_ms => self.restart(failed, ctx),
            Decision::RestartAt(at) => self.pending_restarts.push((at, failed)),
            Decision::GiveUp => {
                tracing::error!(?failed, "failed again and again: left out of service");
                match failed {
                    Failed::Port(channel) | Failed::BChannel(channel) => {
                        self.pool
                            .line_changed(channel, LineState::OutOfService, "out_of_service");
                    }
                    Failed::Span(device) => {
                        if let Some(view) = self.spans.get_mut(&device) {
                            view.out_of_service = true;
                        }
                    }
                }
            }
        }
    }

    /// Runs the restarts whose pause is over (called every second of engine time).
    pub(super) fn run_due_restarts(&mut self, ctx: &mut Context<Self>) {
        let now = self.now_ms;
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending_restarts)
            .into_iter()
            .partition(|(at, _)| *at <= now);
        self.pending_restarts = later;
        for (_, failed) in due {
            self.restart(failed, ctx);
        }
    }

    fn restart(&mut self, failed: Failed, ctx: &mut Context<Self>) {
        match failed {
            Failed::Port(channel) => self.restart_port(channel, ctx),
            Failed::BChannel(channel) => self.restart_bchannel(channel, ctx),
            Failed::Span(device) => self.restart_span(device, ctx),
        }
    }

    /// A fresh actor and stack for an analog port.
    fn restart_port(&mut self, channel: ChannelId, ctx: &mut Context<Self>) {
        let Some(plan) = self.lines.get(&channel).map(|entry| entry.plan.clone()) else {
            return;
        };
        let Some(addr) = self.start_port(&plan, ctx.address()) else {
            return;
        };
        // Out of service until the fresh stack reports its first state.
        self.pool
            .line_changed(channel, LineState::OutOfService, "restarted");
        if let Some(entry) = self.lines.get_mut(&channel) {
            entry.addr = addr;
            entry.restarts += 1;
        }
    }

    /// A fresh actor for a B-channel, known to the router and its span.
    fn restart_bchannel(&mut self, channel: ChannelId, ctx: &mut Context<Self>) {
        let (Some(span), Some(entry)) = (
            self.span_actors.get(&channel.device).cloned(),
            self.lines.get(&channel),
        ) else {
            return;
        };
        let slot = entry.plan.slot;
        let actor = BChannelActor::new(
            channel,
            slot,
            span.clone().recipient(),
            SwitchboardLink::to(&ctx.address()),
            self.engine.clone(),
            self.plan.fault_injection,
        )
        .start();
        let recipient: Recipient<PortInput> = actor.clone().recipient();
        self.router.do_send(SetRoute {
            slot,
            to: recipient.clone(),
        });
        if let Some(entry) = self.lines.get_mut(&channel) {
            entry.addr = recipient;
            entry.restarts += 1;
        }
        let Ok(timeslot) = u8::try_from(channel.channel) else {
            return;
        };
        if let Some(bchannels) = self.span_bchannels.get_mut(&channel.device) {
            bchannels.insert(timeslot, actor);
            // The span reports every B-channel again, this one included.
            span.do_send(SetBChannels(super::lines::links(bchannels)));
        }
    }

    /// A new span actor with a fresh stack takes over the same B-channel actors and
    /// restarts the interface, so the far end drops its side of the lost calls too.
    fn restart_span(&mut self, device: u16, ctx: &mut Context<Self>) {
        let Some(plan) = self.plan.spans.iter().find(|s| s.device == device).cloned() else {
            return;
        };
        let bchannels = self
            .span_bchannels
            .get(&device)
            .cloned()
            .unwrap_or_default();
        let span = self.start_span_actor(&plan, ctx.address(), true);
        span.do_send(SetBChannels(super::lines::links(&bchannels)));
        for bchannel in bchannels.values() {
            bchannel.do_send(SetSpan(span.clone().recipient()));
        }
        self.span_actors.insert(device, span);
        if let Some(view) = self.spans.get_mut(&device) {
            view.restarts += 1;
        }
    }
}

/// An actor the switchboard restarts, by what it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Failed {
    Port(ChannelId),
    BChannel(ChannelId),
    Span(u16),
}

impl Switchboard {
    /// Which line or span an actor's name stands for (`port 3`, `bchannel 7/1`, `span 7`).
    fn failed_by_name(&self, name: &str) -> Option<Failed> {
        if let Some(device) = name.strip_prefix("span ") {
            let device: u16 = device.parse().ok()?;
            return self
                .spans
                .contains_key(&device)
                .then_some(Failed::Span(device));
        }
        if let Some(channel) = name.strip_prefix("bchannel ") {
            return self
                .lines
                .keys()
                .find(|c| c.to_string() == channel)
                .map(|c| Failed::BChannel(*c));
        }
        let device: u16 = name.strip_prefix("port ")?.parse().ok()?;
        self.lines
            .values()
            .find(|entry| {
                entry.plan.channel.device == device
                    && entry.plan.kind != line_boundary::LineKind::E1
            })
            .map(|entry| Failed::Port(entry.plan.channel))
    }
}

impl Handler<ActorFailed> for Switchboard {
    type Result = ();
    fn handle(&mut self, failed: ActorFailed, ctx: &mut Context<Self>) {
        let name = failed.actor.to_string();
        self.cleanup_token = Some(failed.token.clone());
        self.on_failed(&name, &failed.reason, ctx);
        self.cleanup_token = None;
    }
}

impl Switchboard {
    fn on_failed(&mut self, name: &str, reason: &str, ctx: &mut Context<Self>) {
        if let Some(call) = name.strip_prefix("call ") {
            let call: CallId = call.into();
            tracing::warn!(%call, %reason, "clearing a failed call with cause 41");
            self.clear_failed_call(call);
            return;
        }
        let Some(what) = self.failed_by_name(name) else {
            tracing::error!(actor = %name, %reason, "an actor the switchboard does not know failed");
            return;
        };
        tracing::warn!(actor = %name, %reason, "restarting a failed actor");
        match what {
            Failed::Port(channel) | Failed::BChannel(channel) => self.line_failed(channel),
            Failed::Span(device) => self.span_failed(device),
        }
        self.schedule_restart(what, ctx);
    }
}
