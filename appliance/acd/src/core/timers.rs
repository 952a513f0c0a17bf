//! What time brings: ring timeouts, wrap-up ends, max wait (overflow), leave rules and
//! announcements, and when the next of them is due.

use super::agents::Release;

use super::*;
use crate::model::*;

impl Acd {
    /// When [`handle_timeout`](Self::handle_timeout) is next due (engine ms): the
    /// earliest ring timeout, wrap-up end, max wait, announcement or widening step.
    pub fn poll_timeout(&self) -> Option<u64> {
        let mut next: Option<u64> = None;
        let mut consider = |t: u64| next = Some(next.map_or(t, |n| n.min(t)));
        for agent in self.agents.values() {
            if let AgentState::WrapUp { until_ms } = agent.state {
                consider(until_ms);
            }
        }
        for call in self.calls.values() {
            match &call.stage {
                Stage::Offered { deadline_ms, .. } => consider(*deadline_ms),
                Stage::Connected { .. } => {}
                Stage::Waiting => {
                    let queue = &self.queues[&call.queue].config;
                    if call.callback.is_none() {
                        if let Some(t) = call.next_announce_ms {
                            consider(t);
                        }
                        if let (Some(overflow), false) = (&queue.overflow, call.overflow_done) {
                            consider(call.queue_entry_ms + overflow.max_wait_ms);
                        }
                    }
                    for step in &queue.widen {
                        let at = call.queue_entry_ms + step.after_wait_ms;
                        if at > self.now_ms {
                            consider(at);
                        }
                    }
                }
            }
        }
        next
    }

    // ---- inputs: time --------------------------------------------------------------

    /// Time has come: ring timeouts, wrap-up ends, max waits, announcements, widening.
    /// Early or repeated calls do no harm.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        self.advance(now_ms);
        self.settle();
    }

    /// The earliest time a timer step has something to do (`u64::MAX`: never): ring
    /// deadlines, wrap-up ends, max waits of waiting calls, announcements of unanswered
    /// calls (a ringing call's is moved on without a word, so it counts too).
    pub(super) fn next_timer(&self) -> u64 {
        let mut next = u64::MAX;
        for agent in self.agents.values() {
            if let AgentState::WrapUp { until_ms } = agent.state {
                next = next.min(until_ms);
            }
        }
        for call in self.calls.values() {
            match &call.stage {
                Stage::Connected { .. } => continue,
                Stage::Offered { deadline_ms, .. } => next = next.min(*deadline_ms),
                Stage::Waiting => {}
            }
            if call.callback.is_some() {
                continue;
            }
            if let Some(t) = call.next_announce_ms {
                next = next.min(t);
            }
            if matches!(call.stage, Stage::Waiting) && !call.overflow_done {
                if let Some(o) = &self.queues[&call.queue].config.overflow {
                    next = next.min(call.queue_entry_ms + o.max_wait_ms);
                }
            }
        }
        next
    }

    /// Offers whose ring timeout passed: a miss, and the outside stops ringing.
    pub(super) fn expire_offers(&mut self) {
        let now = self.now_ms;
        let expired: Vec<AgentId> = self
            .calls
            .values()
            .filter_map(|c| match &c.stage {
                Stage::Offered {
                    agents,
                    deadline_ms,
                } if *deadline_ms <= now => Some(agents.iter().cloned()),
                _ => None,
            })
            .flatten()
            .collect();
        for agent in expired {
            self.release(&agent, Release::Missed, true);
        }
    }

    pub(super) fn end_wrap_ups(&mut self) {
        let now = self.now_ms;
        // Wrap-ups ending.
        let done: Vec<AgentId> = self
            .agents
            .values()
            .filter(|a| matches!(a.state, AgentState::WrapUp { until_ms } if until_ms <= now))
            .map(|a| a.id.clone())
            .collect();
        for agent in done {
            self.set_state(&agent, AgentState::Ready, ChangeReason::WrapUpEnded);
        }
    }

    pub(super) fn overflow_due(&mut self) {
        let now = self.now_ms;
        let due: Vec<(CallKey, OverflowTarget)> = self
            .calls
            .iter()
            .filter(|(_, c)| {
                matches!(c.stage, Stage::Waiting) && c.callback.is_none() && !c.overflow_done
            })
            .filter_map(|(key, c)| match &self.queues[&c.queue].config.overflow {
                Some(o) if c.queue_entry_ms + o.max_wait_ms <= now => {
                    Some((key.clone(), o.to.clone()))
                }
                _ => None,
            })
            .collect();
        for (key, to) in due {
            let from = self.calls[&key].queue.clone();
            self.queues
                .get_mut(&from)
                .expect("call's queue")
                .stats
                .overflowed += 1;
            self.actions.push_back(Action::Overflow {
                call: key.clone(),
                to: to.clone(),
            });
            self.events.push_back(Event::CallOverflowed {
                call: key.clone(),
                from,
                to: to.clone(),
                at_ms: now,
            });
            match to {
                OverflowTarget::Queue(queue) => {
                    let every = self.queues[&queue].config.announce_every_ms;
                    self.queues
                        .get_mut(&queue)
                        .expect("validated")
                        .stats
                        .entered += 1;
                    let c = self.calls.get_mut(&key).expect("due");
                    c.queue = queue;
                    c.queue_entry_ms = now;
                    c.tried.clear();
                    c.routed_at_drop = None;
                    self.queues_touched = true;
                    c.overflow_done = false;
                    c.next_announce_ms = every.map(|e| now + e);
                }
                OverflowTarget::Flow(_) => {
                    self.calls.remove(&key);
                    self.queues_touched = true;
                    self.totals.overflowed_out += 1;
                }
                OverflowTarget::Callback => {
                    self.calls.get_mut(&key).expect("due").overflow_done = true;
                }
            }
        }
    }

    pub(super) fn apply_leave_rules(&mut self) {
        let now = self.now_ms;
        let empty: Vec<QueueName> = self
            .queues
            .values()
            .filter(|q| q.config.leave_when_no_agents == LeaveRule::Leave && q.logged_in == 0)
            .map(|q| q.config.name.clone())
            .collect();
        for queue in empty {
            let leaving: Vec<CallKey> = self
                .calls
                .iter()
                .filter(|(_, c)| {
                    c.queue == queue && c.callback.is_none() && matches!(c.stage, Stage::Waiting)
                })
                .map(|(k, _)| k.clone())
                .collect();
            for key in leaving {
                self.calls.remove(&key);
                self.queues_touched = true;
                self.totals.refused += 1;
                self.queues.get_mut(&queue).expect("known").stats.refused += 1;
                let reason = RefuseReason::NoAgentsLeft;
                self.actions.push_back(Action::Refused {
                    call: key.clone(),
                    reason,
                });
                self.events.push_back(Event::CallRefused {
                    call: key,
                    queue: queue.clone(),
                    reason,
                    at_ms: now,
                });
            }
        }
    }

    pub(super) fn announce_due(&mut self) {
        let now = self.now_ms;
        let due: Vec<CallKey> = self
            .calls
            .iter()
            .filter(|(_, c)| c.callback.is_none() && !matches!(c.stage, Stage::Connected { .. }))
            .filter(|(_, c)| c.next_announce_ms.is_some_and(|t| t <= now))
            .map(|(k, _)| k.clone())
            .collect();
        for key in due {
            let c = &self.calls[&key];
            let queue = c.queue.clone();
            let every = self.queues[&queue]
                .config
                .announce_every_ms
                .unwrap_or(u64::MAX);
            let mut next = c.next_announce_ms.unwrap_or(now);
            while next <= now {
                next = next.saturating_add(every);
            }
            let waiting = matches!(c.stage, Stage::Waiting);
            self.calls.get_mut(&key).expect("due").next_announce_ms = Some(next);
            if !waiting {
                continue; // ringing an agent: no announcement over it
            }
            let position = self
                .queue_order(&queue)
                .iter()
                .position(|k| *k == key)
                .map_or(1, |p| p + 1);
            self.actions.push_back(Action::Announce {
                call: key,
                position,
                estimated_wait_ms: position as u64 * self.average_handle_time(&queue),
            });
        }
    }
}
