//! Each agent's states (`agent_state_changed` events) as spans, their offers, and the
//! call they serve: its hold and, after it ends, its wrap-up.
//!
//! The bus's agent event names no call, so the call is the one the order of events
//! gives: the agent's `offered` for ringing, `answered` for talk and hold, and the
//! `ended` or `transferred` just before the agent's next state for the wrap-up.

use super::{OpenAttempt, StatsCollector};
use crate::clock::Stamp;
use crate::records::{AgentOffer, AgentStateSpan, Record, SpanEnd};

pub(super) const NOT_READY: &str = "not-ready";
const ON_HOLD: &str = "on-hold";
const WRAP_UP: &str = "wrap-up";
const RESERVED: &str = "reserved";
/// `on-call-inbound` and `on-call-outbound` (a callback, or the agent's own call).
const ON_CALL: &str = "on-call-";
/// The change reason of an answered offer.
const ANSWERED: &str = "answered";

/// The state an agent is in since `since`.
#[derive(Debug, Clone)]
pub(super) struct OpenSpan {
    pub state: String,
    pub reason: String,
    pub not_ready_reason: Option<String>,
    pub since: Stamp,
}

#[derive(Debug, Clone)]
struct Ringing {
    call: String,
    queue: String,
    since: Stamp,
}

/// A call the agent finished (ended or passed on), waiting for its wrap-up.
#[derive(Debug, Clone)]
struct AfterCall {
    attempt: OpenAttempt,
    /// `None` until the agent's next state says whether they wrap up.
    wrap_up_since: Option<Stamp>,
}

#[derive(Debug, Clone, Default)]
pub(super) struct AgentTrack {
    pub span: Option<OpenSpan>,
    ringing: Option<Ringing>,
    /// The answered call the agent is on (its id).
    serving: Option<String>,
    hold_since: Option<Stamp>,
    after_call: Option<AfterCall>,
}

impl StatsCollector {
    pub(super) fn on_agent_state(
        &mut self,
        agent: &str,
        to: &str,
        reason: &str,
        not_ready_reason: Option<&str>,
        at: Stamp,
    ) {
        let track = self.agents.entry(agent.to_owned()).or_default();
        let closed_span = track.span.take();
        let rang = if to == RESERVED {
            None
        } else {
            track.ringing.take()
        };
        let held = if to == ON_HOLD {
            track.hold_since.replace(at)
        } else {
            track.hold_since.take()
        };
        let serving = track.serving.clone();
        if !to.starts_with(ON_CALL) && to != ON_HOLD {
            track.serving = None;
        }
        let mut wrapped = None;
        if let Some(after) = &mut track.after_call {
            match after.wrap_up_since {
                // The state right after the call's end: wrap-up, or none at all.
                None if to == WRAP_UP => after.wrap_up_since = Some(at),
                None => wrapped = Some(0),
                Some(since) => wrapped = Some(at.since(since)),
            }
        }
        let finished_call = match wrapped {
            Some(wrap_up_ms) => track.after_call.take().map(|after| (after, wrap_up_ms)),
            None => None,
        };
        track.span = Some(OpenSpan {
            state: to.to_owned(),
            reason: reason.to_owned(),
            not_ready_reason: not_ready_reason.map(str::to_owned),
            since: at,
        });

        if let Some(span) = closed_span {
            self.push_span(agent, span, at, SpanEnd::StateChange);
        }
        if let Some(ringing) = rang {
            let answered = reason == ANSWERED && to.starts_with(ON_CALL);
            self.push_offer(agent, ringing, at, answered, reason);
        }
        if let (Some(since), Some(call)) = (held, serving) {
            self.add_hold(&call, at.since(since));
        }
        if let Some((mut after, wrap_up_ms)) = finished_call {
            after.attempt.record.wrap_up_ms = wrap_up_ms;
            self.finish_attempt(after.attempt, at);
        }
    }

    /// `offered` to `agent` (their `reserved` state came just before).
    pub(super) fn offer_started(&mut self, agent: &str, call: &str, queue: &str, at: Stamp) {
        let track = self.agents.entry(agent.to_owned()).or_default();
        let stale = track.ringing.replace(Ringing {
            call: call.to_owned(),
            queue: queue.to_owned(),
            since: at,
        });
        if let Some(stale) = stale {
            self.push_offer(agent, stale, at, false, "offered-again");
        }
    }

    /// `answered` by `agent`: their ringing ended with their `on-call-*` state just
    /// before; from now on they serve the call.
    pub(super) fn offer_answered(&mut self, agent: &str, call: &str, at: Stamp) {
        let track = self.agents.entry(agent.to_owned()).or_default();
        track.serving = Some(call.to_owned());
        let still_ringing = track.ringing.take_if(|ringing| ringing.call == call);
        if let Some(ringing) = still_ringing {
            self.push_offer(agent, ringing, at, true, ANSWERED);
        }
    }

    /// The call left the ACD unanswered: agents still ringing for it (their state
    /// change normally ended that already) stop.
    pub(super) fn offers_withdrawn(&mut self, call: &str, why: &str, at: Stamp) {
        let ringing: Vec<(String, Ringing)> = self
            .agents
            .iter_mut()
            .filter_map(|(agent, track)| {
                track
                    .ringing
                    .take_if(|ringing| ringing.call == call)
                    .map(|ringing| (agent.clone(), ringing))
            })
            .collect();
        for (agent, ringing) in ringing {
            self.push_offer(&agent, ringing, at, false, why);
        }
    }

    /// `agent` finished serving `attempt` (ended or transferred): its talk is the
    /// event's minus the hold; its wrap-up follows with the agent's next states.
    pub(super) fn call_served(
        &mut self,
        agent: &str,
        mut attempt: OpenAttempt,
        talk_ms: u64,
        at: Stamp,
    ) {
        let track = self.agents.entry(agent.to_owned()).or_default();
        if track.serving.as_deref() == Some(attempt.record.call.as_str()) {
            track.serving = None;
            // Ended while on hold: the hold lasted until now.
            if let Some(since) = track.hold_since.take() {
                attempt.record.hold_ms += at.since(since);
            }
        }
        attempt.record.talk_ms = talk_ms.saturating_sub(attempt.record.hold_ms);
        let unwrapped = track.after_call.replace(AfterCall {
            attempt,
            wrap_up_since: None,
        });
        if let Some(unwrapped) = unwrapped {
            // A second end before any state change: the first had no wrap-up.
            self.finish_attempt(unwrapped.attempt, at);
        }
    }

    /// The box stops: the agent's ringing, hold, wrap-up and span end now; a not-ready
    /// span goes on (same reason) from now.
    pub(super) fn close_agent_for_shutdown(&mut self, agent: &str, at: Stamp) {
        let Some(track) = self.agents.get_mut(agent) else {
            return;
        };
        let rang = track.ringing.take();
        let held = track.hold_since.take();
        let serving = track.serving.take();
        let after = track.after_call.take();
        let span = track.span.take();
        if let Some(span) = &span {
            if span.state == NOT_READY {
                track.span = Some(OpenSpan {
                    since: Stamp::wall(at.wall_ms.max(span.since.wall_ms)),
                    ..span.clone()
                });
            }
        }
        if let Some(ringing) = rang {
            self.push_offer(agent, ringing, at, false, "shutdown");
        }
        if let (Some(since), Some(call)) = (held, serving) {
            self.add_hold(&call, at.since(since));
        }
        if let Some(mut after) = after {
            after.attempt.record.wrap_up_ms =
                after.wrap_up_since.map_or(0, |since| at.since(since));
            self.finish_attempt(after.attempt, at);
        }
        if let Some(span) = span {
            self.push_span(agent, span, at, SpanEnd::Shutdown);
        }
    }

    fn add_hold(&mut self, call: &str, hold_ms: u64) {
        if let Some(live) = self.calls.get_mut(call) {
            live.attempt.record.hold_ms += hold_ms;
        }
    }

    fn push_span(&mut self, agent: &str, span: OpenSpan, at: Stamp, ended_by: SpanEnd) {
        let from_ms = span.since.wall_ms;
        self.finished.push(Record::AgentState(AgentStateSpan {
            agent: agent.to_owned(),
            state: span.state,
            reason: span.reason,
            not_ready_reason: span.not_ready_reason,
            from_ms,
            to_ms: from_ms.saturating_add(at.since(span.since)),
            ended_by,
        }));
    }

    fn push_offer(&mut self, agent: &str, ringing: Ringing, at: Stamp, answered: bool, why: &str) {
        self.finished.push(Record::AgentOffer(AgentOffer {
            call: ringing.call,
            queue: ringing.queue,
            agent: agent.to_owned(),
            offered_at_ms: ringing.since.wall_ms,
            ring_ms: at.since(ringing.since),
            answered,
            end_reason: why.to_owned(),
        }));
    }
}
