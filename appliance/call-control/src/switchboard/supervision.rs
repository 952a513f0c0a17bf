//! What the switchboard does when an actor it watches panics: it clears only what that
//! actor owned. A failed call's legs are hung up with cause 41 and its CDR written; a
//! failed port gets a fresh actor and stack; a failed span a fresh actor and PRI stack
//! (its calls end with cause 41, the interface is restarted).

use super::{CallEntry, Switchboard};
use crate::bchannel::{BChannelLine, SetSpan};
use crate::containment::ActorFailed;
use crate::leg_pool::LineState;
use crate::messages::{CallId, CallInput, PortInput, Stamp};
use crate::session::{CallRecord, CallTimes};
use crate::span::SetBChannels;
use actix::prelude::*;
use line_boundary::{Cause, ChannelId, LineCommand, LineEvent};
use media_engine::{EngineCommand, WorkToken};
use storage::Disposition;

impl Switchboard {
    fn untracked_stamp(&self) -> Stamp {
        Stamp {
            at_ms: self.now_ms,
            token: WorkToken::untracked(),
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
            numbers,
            started_ms,
            answered_ms,
            ..
        } = entry;
        let (origin, destination) = (*origin, *destination);
        // The call's own record died with its actor: keep what the switchboard saw.
        let record = CallRecord {
            numbers: numbers.clone(),
            origin,
            destination,
            disposition: Disposition::Failed,
            cause: Cause::TEMPORARY_FAILURE,
            times: CallTimes::seen_from_outside(*started_ms, *answered_ms, self.now_ms),
        };
        let stamp = self.untracked_stamp();
        for channel in [Some(origin), destination].into_iter().flatten() {
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
        self.totals.calls_failed += 1;
        self.finish_call(&call, &record, &stamp);
    }

    /// A port actor panicked: fail its call, then give the port a fresh actor and stack.
    fn restart_failed_port(&mut self, name: &str, ctx: &mut Context<Self>) {
        let Some(channel) = self
            .lines
            .values()
            .find(|entry| format!("port {}", entry.plan.channel.device) == name)
            .map(|entry| entry.plan.channel)
        else {
            return;
        };
        if let Some(entry) = self.pool.call_on(channel).and_then(|c| self.calls.get(c)) {
            entry.addr.do_send(CallInput::Line {
                channel,
                event: LineEvent::Hangup {
                    cause: Cause::TEMPORARY_FAILURE,
                },
                stamp: self.untracked_stamp(),
            });
        }
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

    /// A span actor panicked: its stack's calls are gone, so each B-channel is told its
    /// call ended (cause 41, which ends the call and writes its CDR as a line hang-up
    /// would); a new actor with a fresh stack takes over the same B-channel actors and
    /// restarts the interface, so the far end drops its side of those calls too.
    fn restart_failed_span(&mut self, name: &str, ctx: &mut Context<Self>) {
        let Some(plan) = self
            .plan
            .spans
            .iter()
            .find(|s| format!("span {}", s.device) == name)
            .cloned()
        else {
            return;
        };
        let stamp = self.untracked_stamp();
        let bchannels = self
            .span_bchannels
            .get(&plan.device)
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
        let span = self.start_span_actor(&plan, ctx.address(), true);
        span.do_send(SetBChannels(bchannels.clone()));
        for bchannel in bchannels.values() {
            bchannel.do_send(SetSpan(span.clone()));
        }
        self.span_actors.insert(plan.device, span);
        if let Some(view) = self.spans.get_mut(&plan.device) {
            self.span_error_base
                .insert(plan.device, (view.protocol_errors, view.link_errors));
            view.restarts += 1;
            if view.d_channel_up.is_some() {
                view.d_channel_up = Some(false);
            }
        }
    }
}

impl Handler<ActorFailed> for Switchboard {
    type Result = ();
    fn handle(&mut self, failed: ActorFailed, ctx: &mut Context<Self>) {
        let name = failed.actor.to_string();
        if let Some(call) = name.strip_prefix("call ") {
            let call: CallId = call.into();
            tracing::warn!(%call, reason = %failed.reason, "clearing a failed call with cause 41");
            self.clear_failed_call(call);
        } else if name.starts_with("span ") {
            tracing::warn!(span = %name, reason = %failed.reason, "restarting a failed span");
            self.restart_failed_span(&name, ctx);
        } else if name.starts_with("port ") {
            tracing::warn!(port = %name, reason = %failed.reason, "restarting a failed port");
            self.restart_failed_port(&name, ctx);
        }
    }
}
