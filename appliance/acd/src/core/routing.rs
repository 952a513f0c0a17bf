//! The routing pass: which waiting call gets which ready agent, by eligibility
//! (membership, skills, widening) and the queue's strategy.

use std::cmp::Reverse;

use super::*;
use crate::model::*;

/// xorshift64: the random strategy's generator, seeded from the configuration so runs
/// are reproducible.
#[derive(Debug, Clone)]
pub(super) struct XorShift64(u64);

impl XorShift64 {
    pub(super) fn new(seed: u64) -> Self {
        XorShift64(if seed == 0 {
            0x9e37_79b9_7f4a_7c15
        } else {
            seed
        })
    }

    pub(super) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

impl Acd {
    /// The routing pass: every waiting call in serving order gets the agent(s) its
    /// queue's strategy picks among those eligible and ready.
    ///
    /// Only the calls that may have gained an agent since the last pass are looked at
    /// (`to_route`); the others had nobody to add then and still have nobody, since a
    /// pass only takes agents away. Skipping them changes no outcome: in the same
    /// serving order, they would find no candidate and draw no random number.
    pub(super) fn route(&mut self) {
        for key in self.to_route() {
            let call = &self.calls[&key];
            let drop = widen_drop(
                &self.queues[&call.queue].config,
                self.now_ms - call.queue_entry_ms,
            );
            if let Stage::Offered { .. } = call.stage {
                self.widen_ring(&key);
            } else {
                self.offer_waiting(&key);
            }
            self.calls.get_mut(&key).expect("routed").routed_at_drop = Some(drop);
        }
        for queue in self.queues.values_mut() {
            queue.dirty = false;
        }
    }

    /// The calls the pass must look at, in serving order (priority, arrival, entry):
    /// waiting ones and ringing ring-all ones (not callbacks) that are new or back to
    /// waiting, whose queue has a member newly ready, or whose widening step went up.
    fn to_route(&self) -> Vec<CallKey> {
        let now = self.now_ms;
        let mut calls: Vec<(Reverse<u8>, u64, u64, &CallKey)> = self
            .calls
            .iter()
            .filter(|(_, c)| {
                let ringing = match c.stage {
                    Stage::Connected { .. } => return false,
                    Stage::Offered { .. } => true,
                    Stage::Waiting => false,
                };
                let queue = &self.queues[&c.queue];
                if ringing && (queue.config.strategy != Strategy::RingAll || c.callback.is_some()) {
                    return false; // offered to its one agent: nothing to add
                }
                self.reference_pass
                    || queue.dirty
                    || c.routed_at_drop != Some(widen_drop(&queue.config, now - c.queue_entry_ms))
            })
            .map(|(k, c)| (Reverse(c.priority), c.arrival_ms, c.seq, k))
            .collect();
        calls.sort();
        calls.into_iter().map(|(_, _, _, k)| k.clone()).collect()
    }

    /// A waiting call: the agent(s) its queue's strategy picks among the eligible, if
    /// any, are reserved and offered it.
    fn offer_waiting(&mut self, key: &CallKey) {
        let now = self.now_ms;
        let key = key.clone();
        let call = &self.calls[&key];
        let eligible = self.eligible(&key, call);
        if eligible.is_empty() {
            return;
        }
        let fresh: Vec<AgentId> = eligible
            .iter()
            .filter(|a| !call.tried.contains(*a))
            .cloned()
            .collect();
        let candidates = if fresh.is_empty() { eligible } else { fresh };
        let queue = &self.queues[&call.queue];
        let strategy = queue.config.strategy;
        let queue_name = call.queue.clone();
        let deadline_ms = now + queue.config.ring_timeout_ms;
        let callback = call.callback.clone();
        let picked: Vec<AgentId> = match (strategy, &callback) {
            (Strategy::RingAll, None) => candidates,
            (Strategy::RingAll, Some(_)) => {
                vec![self.pick(Strategy::LongestIdle, &key, &candidates)]
            }
            (strategy, _) => vec![self.pick(strategy, &key, &candidates)],
        };
        self.queues
            .get_mut(&queue_name)
            .expect("known")
            .last_offered = picked.last().cloned();
        self.timer_at(deadline_ms);
        for agent in &picked {
            self.set_state(
                agent,
                AgentState::Reserved { call: key.clone() },
                ChangeReason::Offered,
            );
            self.actions.push_back(match &callback {
                None => Action::Offer {
                    call: key.clone(),
                    agent: agent.clone(),
                },
                Some(number) => Action::StartCallback {
                    call: key.clone(),
                    agent: agent.clone(),
                    number: number.clone(),
                },
            });
            self.events.push_back(Event::CallOffered {
                call: key.clone(),
                agent: agent.clone(),
                at_ms: now,
            });
        }
        self.calls.get_mut(&key).expect("routed").stage = Stage::Offered {
            agents: picked.into_iter().collect(),
            deadline_ms,
        };
    }

    /// A ring-all call ringing already: agents eligible for it who became ready since
    /// (and have not missed it) join the ring, until the same deadline.
    pub(super) fn widen_ring(&mut self, key: &CallKey) {
        let call = &self.calls[key];
        let ring_all = self.queues[&call.queue].config.strategy == Strategy::RingAll;
        if !ring_all || call.callback.is_some() {
            return;
        }
        let joining: Vec<AgentId> = self
            .eligible(key, call)
            .into_iter()
            .filter(|a| !call.tried.contains(a))
            .collect();
        let now = self.now_ms;
        for agent in joining {
            self.set_state(
                &agent,
                AgentState::Reserved { call: key.clone() },
                ChangeReason::Offered,
            );
            self.actions.push_back(Action::Offer {
                call: key.clone(),
                agent: agent.clone(),
            });
            self.events.push_back(Event::CallOffered {
                call: key.clone(),
                agent: agent.clone(),
                at_ms: now,
            });
            if let Stage::Offered { agents, .. } =
                &mut self.calls.get_mut(key).expect("ringing").stage
            {
                agents.insert(agent);
            }
        }
    }

    /// One agent among `candidates` (not empty, in id order) by `strategy`.
    pub(super) fn pick(
        &mut self,
        strategy: Strategy,
        call: &CallKey,
        candidates: &[AgentId],
    ) -> AgentId {
        let idle = |id: &AgentId| self.agents[id].idle_since_ms;
        let picked = match strategy {
            Strategy::LongestIdle | Strategy::RingAll => {
                candidates.iter().min_by_key(|a| (idle(a), (*a).clone()))
            }
            Strategy::RoundRobin => {
                let last = self.queues[&self.calls[call].queue].last_offered.as_ref();
                candidates
                    .iter()
                    .find(|a| last.is_none_or(|l| *a > l))
                    .or(candidates.first())
            }
            Strategy::FewestCalls => candidates
                .iter()
                .min_by_key(|a| (self.agents[*a].answered_today, idle(a), (*a).clone())),
            Strategy::SkillsBased => {
                let first = self.required(call).into_iter().next();
                candidates.iter().min_by_key(|a| {
                    let level = first
                        .as_ref()
                        .and_then(|s| self.agents[*a].skills.get(&s.skill).copied())
                        .unwrap_or(0);
                    (Reverse(level), idle(a), (*a).clone())
                })
            }
            Strategy::Random => {
                let i = (self.rng.next() % candidates.len() as u64) as usize;
                candidates.get(i)
            }
        };
        picked.cloned().unwrap_or_else(|| candidates[0].clone())
    }

    /// Calls (of `queue`, or all) whose stage passes `keep`, in serving order: priority
    /// first, then arrival.
    pub(super) fn ordered(
        &self,
        queue: Option<&QueueName>,
        keep: impl Fn(&Stage) -> bool,
    ) -> Vec<CallKey> {
        let mut calls: Vec<(Reverse<u8>, u64, u64, &CallKey)> = self
            .calls
            .iter()
            .filter(|(_, c)| queue.is_none_or(|q| c.queue == *q) && keep(&c.stage))
            .map(|(k, c)| (Reverse(c.priority), c.arrival_ms, c.seq, k))
            .collect();
        calls.sort();
        calls.into_iter().map(|(_, _, _, k)| k.clone()).collect()
    }

    /// The call's requirements now: the queue's, overridden and added to by the call's
    /// own, lowered by the widening step reached (floor 1).
    pub(super) fn required(&self, call: &CallKey) -> Vec<SkillRequirement> {
        let c = &self.calls[call];
        let queue = &self.queues[&c.queue].config;
        let mut needs: Vec<SkillRequirement> = queue.required_skills.clone();
        for own in &c.own_skills {
            match needs.iter_mut().find(|n| n.skill == own.skill) {
                Some(n) => n.level = own.level,
                None => needs.push(own.clone()),
            }
        }
        let drop = widen_drop(queue, self.now_ms - c.queue_entry_ms);
        for n in &mut needs {
            n.level = n.level.saturating_sub(drop).max(1);
        }
        needs
    }

    /// Ready agents, members of the call's queue, meeting its requirements; id order.
    /// From the queue's index of ready members.
    pub(super) fn eligible(&self, key: &CallKey, call: &Call) -> Vec<AgentId> {
        if self.reference_pass {
            return self.eligible_scan(key, call);
        }
        let ready = &self.queues[&call.queue].ready;
        if ready.is_empty() {
            return Vec::new();
        }
        let needs = self.required(key);
        ready
            .iter()
            .filter(|id| {
                let skills = &self.agents[*id].skills;
                needs
                    .iter()
                    .all(|n| skills.get(&n.skill).copied().unwrap_or(0) >= n.level)
            })
            .cloned()
            .collect()
    }

    /// [`eligible`](Self::eligible) the slow, obvious way, from every agent: the
    /// reference the invariants check the index against.
    pub(super) fn eligible_scan(&self, key: &CallKey, call: &Call) -> Vec<AgentId> {
        let needs = self.required(key);
        self.agents
            .values()
            .filter(|a| a.state == AgentState::Ready && a.queues.contains(&call.queue))
            .filter(|a| {
                needs
                    .iter()
                    .all(|n| a.skills.get(&n.skill).copied().unwrap_or(0) >= n.level)
            })
            .map(|a| a.id.clone())
            .collect()
    }
}

/// The largest level drop among the queue's widening steps reached after `waited_ms`.
pub(super) fn widen_drop(queue: &QueueConfig, waited_ms: u64) -> u8 {
    queue
        .widen
        .iter()
        .filter(|w| w.after_wait_ms <= waited_ms)
        .map(|w| w.level_drop)
        .max()
        .unwrap_or(0)
}
