//! A call's steps through the queues (`queue` events): attempts opened, answered,
//! finished, and handed to the serving agent for their wrap-up.
//!
//! The bus's order (the ACD core's): an offer's `reserved` agent state comes before
//! `offered`; an answer's `on-call-*` state before `answered`; `ended` and
//! `transferred` before the agent's next state (wrap-up or other). An overflow or a
//! transfer to a queue has no `entered`: the call waits in the new queue from then on.

use std::collections::BTreeMap;

use events::QueueStep;

use super::{OpenAttempt, StatsCollector};
use crate::clock::Stamp;
use crate::records::{AttemptOutcome, EntryKind, QueueAttempt};

/// Where an overflow or transfer sends a call that stays in the ACD.
const TO_QUEUE: &str = "queue:";
/// The overflow that offers a callback (the call keeps waiting).
const TO_CALLBACK: &str = "callback";

/// A call the ACD holds: its current attempt, and the queues it was in during this
/// stay (so a queue counts it once).
#[derive(Debug, Clone)]
pub(super) struct LiveCall {
    pub attempt: OpenAttempt,
    /// Queue → when the call first entered it (wall ms).
    queues_seen: BTreeMap<String, u64>,
}

/// How an attempt starts.
struct Entry<'a> {
    call: &'a str,
    queue: &'a str,
    kind: EntryKind,
    from: Option<String>,
    priority: u8,
    vip: bool,
    at: Stamp,
}

impl LiveCall {
    /// The first attempt of a stay in the ACD.
    fn first(entry: Entry<'_>) -> LiveCall {
        let mut queues_seen = BTreeMap::new();
        queues_seen.insert(entry.queue.to_owned(), entry.at.wall_ms);
        LiveCall {
            attempt: open_attempt(entry, 1, false, None),
            queues_seen,
        }
    }

    /// Moves the call to its next queue; returns the attempt it leaves.
    fn move_to(&mut self, entry: Entry<'_>) -> OpenAttempt {
        let number = self.attempt.record.attempt + 1;
        let first_here = self.queues_seen.get(entry.queue).copied();
        self.queues_seen
            .entry(entry.queue.to_owned())
            .or_insert(entry.at.wall_ms);
        let next = open_attempt(entry, number, first_here.is_some(), first_here);
        std::mem::replace(&mut self.attempt, next)
    }
}

fn open_attempt(
    entry: Entry<'_>,
    number: u32,
    repeat_in_queue: bool,
    counted_at: Option<u64>,
) -> OpenAttempt {
    OpenAttempt {
        record: QueueAttempt {
            call: entry.call.to_owned(),
            queue: entry.queue.to_owned(),
            attempt: number,
            entry: entry.kind,
            entry_from: entry.from,
            repeat_in_queue,
            counted_at_ms: counted_at.unwrap_or(entry.at.wall_ms),
            entered_at_ms: entry.at.wall_ms,
            priority: entry.priority,
            vip: entry.vip,
            offers: 0,
            outcome: AttemptOutcome::Unfinished,
            waited_ms: 0,
            answered_by: None,
            answered_at_ms: None,
            callback_offered: false,
            callback: false,
            overflowed_to: None,
            transferred_to: None,
            refused_reason: None,
            talk_ms: 0,
            hold_ms: 0,
            wrap_up_ms: 0,
            finished_at_ms: entry.at.wall_ms,
        },
        entered: entry.at,
        answered: None,
    }
}

impl StatsCollector {
    pub(super) fn on_queue_step(&mut self, call: &str, step: &QueueStep, at: Stamp) {
        match step {
            QueueStep::Entered {
                queue,
                priority,
                vip,
            } => {
                // The ACD refuses a call it holds already; an entry without the end of
                // the last one means an event went missing: that one is unfinished.
                if let Some(stale) = self.calls.remove(call) {
                    self.finish_attempt(stale.attempt, at);
                }
                let live = LiveCall::first(Entry {
                    call,
                    queue,
                    kind: EntryKind::Joined,
                    from: None,
                    priority: *priority,
                    vip: *vip,
                    at,
                });
                self.calls.insert(call.to_owned(), live);
            }
            QueueStep::Offered { agent } => {
                let Some(live) = self.calls.get_mut(call) else {
                    return;
                };
                live.attempt.record.offers += 1;
                let queue = live.attempt.record.queue.clone();
                self.offer_started(agent, call, &queue, at);
            }
            QueueStep::Answered {
                queue,
                agent,
                waited_ms,
            } => {
                let live = self.live_or_joined(call, queue, at.earlier_by(*waited_ms));
                let attempt = &mut live.attempt;
                attempt.record.outcome = AttemptOutcome::Answered;
                attempt.record.answered_by = Some(agent.clone());
                attempt.record.answered_at_ms = Some(at.wall_ms);
                attempt.record.waited_ms = at.since(attempt.entered);
                attempt.answered = Some(at);
                self.offer_answered(agent, call, at);
            }
            QueueStep::Abandoned { queue, waited_ms } => {
                self.live_or_joined(call, queue, at.earlier_by(*waited_ms));
                let Some(live) = self.calls.remove(call) else {
                    return;
                };
                let mut attempt = live.attempt;
                if attempt.record.outcome == AttemptOutcome::Unfinished {
                    attempt.record.outcome = AttemptOutcome::Abandoned;
                    attempt.record.waited_ms = at.since(attempt.entered);
                }
                self.offers_withdrawn(call, "caller-left", at);
                self.finish_attempt(attempt, at);
            }
            QueueStep::Overflowed { from, to } => self.overflowed(call, from, to, at),
            QueueStep::CallbackRequested { .. } => {
                if let Some(live) = self.calls.get_mut(call) {
                    live.attempt.record.callback = true;
                }
            }
            QueueStep::Refused { queue, reason } => {
                // Join rule: refused without having entered; leave rule: after.
                self.live_or_joined(call, queue, at);
                let Some(live) = self.calls.remove(call) else {
                    return;
                };
                let mut attempt = live.attempt;
                if attempt.record.outcome == AttemptOutcome::Unfinished {
                    attempt.record.outcome = AttemptOutcome::Refused;
                    attempt.record.refused_reason = Some(reason.clone());
                    attempt.record.waited_ms = at.since(attempt.entered);
                }
                self.offers_withdrawn(call, "refused", at);
                self.finish_attempt(attempt, at);
            }
            QueueStep::Transferred { agent, to, talk_ms } => {
                self.transferred(call, agent, to, *talk_ms, at)
            }
            QueueStep::Ended { agent, talk_ms } => {
                if let Some(live) = self.calls.remove(call) {
                    self.call_served(agent, live.attempt, *talk_ms, at);
                }
            }
        }
    }

    /// The call's live entry; a call first seen mid-way (the collector started after
    /// it entered) gets an attempt as if it joined `queue` at `entered`.
    fn live_or_joined(&mut self, call: &str, queue: &str, entered: Stamp) -> &mut LiveCall {
        self.calls.entry(call.to_owned()).or_insert_with(|| {
            LiveCall::first(Entry {
                call,
                queue,
                kind: EntryKind::Joined,
                from: None,
                priority: 0,
                vip: false,
                at: entered,
            })
        })
    }

    fn overflowed(&mut self, call: &str, from: &str, to: &str, at: Stamp) {
        let live = self.live_or_joined(call, from, at);
        if to == TO_CALLBACK {
            // Only a callback offer: the caller keeps waiting in the same attempt.
            live.attempt.record.callback_offered = true;
            return;
        }
        let (priority, vip) = (live.attempt.record.priority, live.attempt.record.vip);
        let mut left = match to.strip_prefix(TO_QUEUE) {
            Some(queue) => live.move_to(Entry {
                call,
                queue,
                kind: EntryKind::Overflow,
                from: Some(from.to_owned()),
                priority,
                vip,
                at,
            }),
            None => match self.calls.remove(call) {
                Some(live) => live.attempt,
                None => return,
            },
        };
        left.record.outcome = AttemptOutcome::Overflowed;
        left.record.overflowed_to = Some(to.to_owned());
        left.record.waited_ms = at.since(left.entered);
        self.finish_attempt(left, at);
    }

    fn transferred(&mut self, call: &str, agent: &str, to: &str, talk_ms: u64, at: Stamp) {
        let Some(live) = self.calls.get_mut(call) else {
            return;
        };
        let (priority, vip) = (live.attempt.record.priority, live.attempt.record.vip);
        let mut served = match to.strip_prefix(TO_QUEUE) {
            Some(queue) => live.move_to(Entry {
                call,
                queue,
                kind: EntryKind::Transfer,
                from: Some(agent.to_owned()),
                priority,
                vip,
                at,
            }),
            None => match self.calls.remove(call) {
                Some(live) => live.attempt,
                None => return,
            },
        };
        served.record.transferred_to = Some(to.to_owned());
        self.call_served(agent, served, talk_ms, at);
    }
}

impl Stamp {
    /// `ms` before this moment (for a call first seen at its answer or abandon, whose
    /// wait the event gives).
    pub(crate) fn earlier_by(self, ms: u64) -> Stamp {
        Stamp {
            wall_ms: self.wall_ms.saturating_sub(ms),
            engine: self
                .engine
                .map(|(boot, at_ms)| (boot, at_ms.saturating_sub(ms))),
        }
    }
}
