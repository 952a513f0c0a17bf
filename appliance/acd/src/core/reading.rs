//! The read-only side: agent and call lookups, queue order, the snapshot the web API
//! serves, and the `QueueChanged` reports made after every input.

use std::collections::BTreeMap;

use super::*;
use crate::model::*;

impl Acd {
    // ---- reading -------------------------------------------------------------------

    /// The latest engine time the core was given.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// The agent's state and since when (engine ms).
    pub fn agent(&self, agent: &AgentId) -> Option<(&AgentState, u64)> {
        self.agents.get(agent).map(|a| (&a.state, a.since_ms))
    }

    /// How long the agent has been in their state at `now_ms`.
    pub fn time_in_state(&self, agent: &AgentId, now_ms: u64) -> Option<u64> {
        self.agents
            .get(agent)
            .map(|a| now_ms.saturating_sub(a.since_ms))
    }

    /// The device a logged-in agent works at.
    pub fn device(&self, agent: &AgentId) -> Option<&str> {
        self.agents.get(agent).and_then(|a| a.device.as_deref())
    }

    /// The logged-in agent at `device`, if any.
    pub fn agent_at_device(&self, device: &str) -> Option<&AgentId> {
        self.agents
            .values()
            .find(|a| a.device.as_deref() == Some(device))
            .map(|a| &a.id)
    }

    pub fn agent_ids(&self) -> impl Iterator<Item = &AgentId> {
        self.agents.keys()
    }

    /// Where the call is, if the ACD holds it.
    pub fn call_state(&self, call: &CallKey) -> Option<CallState> {
        self.calls.get(call).map(call_state)
    }

    /// The variables the call entered with (from the IVR), for the agent's screen pop.
    pub fn call_variables(&self, call: &CallKey) -> Option<&BTreeMap<String, String>> {
        self.calls.get(call).map(|c| &c.variables)
    }

    /// Every call the ACD holds.
    pub fn calls(&self) -> impl Iterator<Item = &CallKey> {
        self.calls.keys()
    }

    /// Every reservation: (call, agent) pairs ringing now.
    pub fn reservations(&self) -> Vec<(CallKey, AgentId)> {
        self.agents
            .values()
            .filter_map(|a| match &a.state {
                AgentState::Reserved { call } => Some((call.clone(), a.id.clone())),
                _ => None,
            })
            .collect()
    }

    /// A queue's unanswered calls in serving order.
    pub fn queue_order(&self, queue: &QueueName) -> Vec<CallKey> {
        self.ordered(Some(queue), |s| !matches!(s, Stage::Connected { .. }))
    }

    pub fn snapshot(&self) -> Snapshot {
        let now = self.now_ms;
        let queues = self
            .queues
            .values()
            .map(|q| {
                let name = &q.config.name;
                let order = self.queue_order(name);
                let calls: Vec<WaitingCallSnapshot> = order
                    .iter()
                    .enumerate()
                    .map(|(i, key)| {
                        let c = &self.calls[key];
                        WaitingCallSnapshot {
                            call: key.clone(),
                            position: i + 1,
                            priority: c.priority,
                            caller: c.caller.clone(),
                            waited_ms: now - c.arrival_ms,
                            state: call_state(c),
                        }
                    })
                    .collect();
                let count =
                    |f: &dyn Fn(&CallState) -> bool| calls.iter().filter(|c| f(&c.state)).count();
                let members = self.agents.values().filter(|a| a.queues.contains(name));
                QueueSnapshot {
                    name: name.clone(),
                    strategy: q.config.strategy,
                    waiting: calls.len(),
                    offered: count(&|s| matches!(s, CallState::Offered { .. })),
                    callbacks: count(&|s| matches!(s, CallState::Callback { .. })),
                    connected: self
                        .calls
                        .values()
                        .filter(|c| c.queue == *name && matches!(c.stage, Stage::Connected { .. }))
                        .count(),
                    longest_wait_ms: self.longest_wait(name),
                    agents_logged_in: members.clone().filter(|a| a.state.is_logged_in()).count(),
                    agents_ready: members.filter(|a| a.state == AgentState::Ready).count(),
                    entered: q.stats.entered,
                    answered: q.stats.answered,
                    answered_within_service_level: q.stats.answered_in_sl,
                    service_level_ms: q.config.service_level_ms,
                    abandoned: q.stats.abandoned,
                    overflowed: q.stats.overflowed,
                    refused: q.stats.refused,
                    average_handle_time_ms: self.average_handle_time(name),
                    calls,
                }
            })
            .collect();
        let agents = self
            .agents
            .values()
            .map(|a| AgentSnapshot {
                id: a.id.clone(),
                name: a.name.clone(),
                state: a.state.clone(),
                since_ms: a.since_ms,
                time_in_state_ms: now.saturating_sub(a.since_ms),
                device: a.device.clone(),
                queues: a.queues.iter().cloned().collect(),
                skills: a.skills.clone(),
                answered_today: a.answered_today,
                missed_in_row: a.missed_in_row,
            })
            .collect();
        Snapshot {
            at_ms: now,
            queues,
            agents,
        }
    }

    /// The queue's average handle time (talk plus wrap-up), or the configured default
    /// until it has finished a call.
    pub fn average_handle_time(&self, queue: &QueueName) -> u64 {
        match self.queues.get(queue) {
            Some(q) if q.stats.handled > 0 => q.stats.handle_ms_total / q.stats.handled,
            _ => self.default_handle_time_ms,
        }
    }

    /// `QueueChanged` for every queue whose unanswered count or longest-waiting call
    /// changed since its last report, in queue-name order. One pass over the calls for
    /// all queues (not one per queue): it runs after every input.
    pub(super) fn report_queues(&mut self) {
        let now = self.now_ms;
        // Per queue: unanswered calls, and the longest-waiting one by (entry, seq, key).
        type Oldest<'a> = (u64, u64, &'a CallKey);
        let mut pending: BTreeMap<&QueueName, (usize, Option<Oldest>)> = BTreeMap::new();
        for (key, c) in &self.calls {
            if matches!(c.stage, Stage::Connected { .. }) {
                continue;
            }
            let (count, oldest) = pending.entry(&c.queue).or_insert((0, None));
            *count += 1;
            let this = (c.queue_entry_ms, c.seq, key);
            if oldest.is_none_or(|o| this < o) {
                *oldest = Some(this);
            }
        }
        let mut changed = Vec::new();
        for (name, queue) in &self.queues {
            let (count, oldest) = pending.get(name).copied().unwrap_or((0, None));
            if queue.reported.0 != count || queue.reported.1.as_ref() != oldest.map(|o| o.2) {
                // The longest wait is the oldest call's: the earliest queue entry.
                let longest_wait_ms = oldest.map_or(0, |o| now - o.0);
                changed.push((
                    name.clone(),
                    count,
                    oldest.map(|o| o.2.clone()),
                    longest_wait_ms,
                ));
            }
        }
        for (name, count, oldest, longest_wait_ms) in changed {
            self.queues.get_mut(&name).expect("known").reported = (count, oldest);
            self.events.push_back(Event::QueueChanged {
                queue: name,
                waiting: count,
                longest_wait_ms,
                at_ms: now,
            });
        }
    }

    // ---- helpers -------------------------------------------------------------------

    /// From the queue's index (the invariants check it against a count).
    pub(super) fn logged_in_members(&self, queue: &QueueName) -> usize {
        self.queues.get(queue).map_or(0, |q| q.logged_in)
    }

    pub(super) fn longest_wait(&self, queue: &QueueName) -> u64 {
        self.calls
            .values()
            .filter(|c| c.queue == *queue && !matches!(c.stage, Stage::Connected { .. }))
            .map(|c| self.now_ms - c.queue_entry_ms)
            .max()
            .unwrap_or(0)
    }
}

pub(super) fn call_state(c: &Call) -> CallState {
    match (&c.stage, &c.callback) {
        (Stage::Connected { agent, .. }, _) => CallState::Connected {
            agent: agent.clone(),
        },
        (Stage::Waiting, None) => CallState::Waiting,
        (Stage::Offered { agents, .. }, None) => CallState::Offered {
            agents: agents.iter().cloned().collect(),
        },
        (stage, Some(number)) => CallState::Callback {
            number: number.clone(),
            reserved: match stage {
                Stage::Offered { agents, .. } => agents.iter().next().cloned(),
                _ => None,
            },
        },
    }
}
