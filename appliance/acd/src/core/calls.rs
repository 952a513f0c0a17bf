//! The calls' inputs: entering, leaving, callbacks, offers answered or failed, calls
//! ending, with the queue statistics and totals they feed.

use std::collections::BTreeSet;

use super::agents::Release;

use super::*;
use crate::model::*;

impl Acd {
    // ---- inputs: calls -------------------------------------------------------------

    /// A call enters a queue (from the IVR's `queue` node or a route).
    pub fn call_entered(&mut self, now_ms: u64, call: NewCall) -> Result<(), AcdError> {
        let Some(queue) = self.queues.get(&call.queue) else {
            return Err(AcdError::UnknownQueue(call.queue));
        };
        if self.calls.contains_key(&call.call) {
            return Err(AcdError::DuplicateCall(call.call));
        }
        if call.priority > MAX_PRIORITY {
            return Err(AcdError::Priority(call.priority));
        }
        if let Some(bad) = call
            .skills
            .iter()
            .find(|s| !(1..=MAX_SKILL_LEVEL).contains(&s.level))
        {
            return Err(AcdError::SkillLevel {
                skill: bad.skill.clone(),
                level: bad.level,
            });
        }
        let join_rule = queue.config.join_when_no_agents;
        let announce_every = queue.config.announce_every_ms;
        let max_wait = queue.config.overflow.as_ref().map(|o| o.max_wait_ms);
        self.advance(now_ms);
        let now = self.now_ms;
        self.totals.entered += 1;
        let refuse = join_rule == JoinRule::Refuse && self.logged_in_members(&call.queue) == 0;
        let queue_name = call.queue.clone();
        let stats = &mut self.queues.get_mut(&queue_name).expect("checked").stats;
        stats.entered += 1;
        if refuse {
            stats.refused += 1;
            self.totals.refused += 1;
            let reason = RefuseReason::NoAgentsToJoin;
            self.actions.push_back(Action::Refused {
                call: call.call.clone(),
                reason,
            });
            self.events.push_back(Event::CallRefused {
                call: call.call,
                queue: queue_name,
                reason,
                at_ms: now,
            });
            self.settle();
            return Ok(());
        }
        let mut priority = call.priority;
        let vip = self.vip_numbers.contains(&call.caller);
        if vip {
            priority = priority.saturating_add(self.vip_boost).min(MAX_PRIORITY);
        }
        self.next_seq += 1;
        self.events.push_back(Event::CallEntered {
            call: call.call.clone(),
            queue: queue_name.clone(),
            priority,
            vip,
            at_ms: now,
        });
        self.calls.insert(
            call.call,
            Call {
                queue: queue_name,
                priority,
                arrival_ms: now,
                seq: self.next_seq,
                queue_entry_ms: now,
                caller: call.caller,
                own_skills: call.skills,
                variables: call.variables,
                callback: None,
                stage: Stage::Waiting,
                tried: BTreeSet::new(),
                next_announce_ms: announce_every.map(|every| now + every),
                overflow_done: false,
                routed_at_drop: None,
            },
        );
        self.queues_touched = true;
        for after in [announce_every, max_wait].into_iter().flatten() {
            self.timer_at(now + after);
        }
        self.settle();
        Ok(())
    }

    /// The caller hung up (or a waiting callback is cancelled). Waiting or offered: the
    /// call is abandoned and any ringing agent is cancelled and ready again. Answered:
    /// the same as [`call_ended`](Self::call_ended).
    pub fn call_left(&mut self, now_ms: u64, call: &CallKey) -> Result<(), AcdError> {
        let Some(entry) = self.calls.get(call) else {
            return Err(AcdError::UnknownCall(call.clone()));
        };
        if matches!(entry.stage, Stage::Connected { .. }) {
            return self.call_ended(now_ms, call);
        }
        self.advance(now_ms);
        self.cancel_offers(call);
        let entry = self.calls.remove(call).expect("checked");
        self.queues_touched = true;
        let now = self.now_ms;
        self.totals.abandoned += 1;
        if let Some(queue) = self.queues.get_mut(&entry.queue) {
            queue.stats.abandoned += 1;
        }
        self.events.push_back(Event::CallAbandoned {
            call: call.clone(),
            queue: entry.queue,
            waited_ms: now - entry.arrival_ms,
            at_ms: now,
        });
        self.settle();
        Ok(())
    }

    /// The caller takes a callback at `number` (`None`: their caller ID) and hangs up;
    /// the call keeps its place. Allowed while waiting or offered (the offer is
    /// cancelled).
    pub fn callback_requested(
        &mut self,
        now_ms: u64,
        call: &CallKey,
        number: Option<String>,
    ) -> Result<(), AcdError> {
        let Some(entry) = self.calls.get(call) else {
            return Err(AcdError::UnknownCall(call.clone()));
        };
        if entry.callback.is_some() {
            return Err(AcdError::AlreadyCallback(call.clone()));
        }
        if matches!(entry.stage, Stage::Connected { .. }) {
            return Err(AcdError::UnknownCall(call.clone()));
        }
        self.advance(now_ms);
        self.cancel_offers(call);
        let entry = self.calls.get_mut(call).expect("checked");
        let number = number
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| entry.caller.clone());
        entry.callback = Some(number.clone());
        entry.next_announce_ms = None;
        self.events.push_back(Event::CallbackRequested {
            call: call.clone(),
            number,
            at_ms: self.now_ms,
        });
        self.settle();
        Ok(())
    }

    /// The offered agent answered (for a callback: the agent picked up; now dial the
    /// customer). Ring-all: the other agents are cancelled.
    pub fn offer_answered(
        &mut self,
        now_ms: u64,
        call: &CallKey,
        agent: &AgentId,
    ) -> Result<(), AcdError> {
        self.check_offer(call, agent)?;
        self.advance(now_ms);
        let now = self.now_ms;
        let others: Vec<AgentId> = match &self.calls[call].stage {
            Stage::Offered { agents, .. } => {
                agents.iter().filter(|a| *a != agent).cloned().collect()
            }
            _ => Vec::new(),
        };
        for other in others {
            self.release(&other, Release::Cancelled, true);
        }
        self.queues_touched = true;
        let entry = self.calls.get_mut(call).expect("checked");
        entry.stage = Stage::Connected {
            agent: agent.clone(),
            answered_ms: now,
        };
        let direction = if entry.callback.is_some() {
            Direction::Outbound
        } else {
            Direction::Inbound
        };
        let waited_ms = now - entry.queue_entry_ms;
        let queue_name = entry.queue.clone();
        let queue = self.queues.get_mut(&queue_name).expect("call's queue");
        queue.stats.answered += 1;
        if waited_ms <= queue.config.service_level_ms {
            queue.stats.answered_in_sl += 1;
        }
        let a = self.agents.get_mut(agent).expect("checked");
        a.missed_in_row = 0;
        a.answered_today += 1;
        self.set_state(
            agent,
            AgentState::OnCall {
                call: call.clone(),
                direction,
            },
            ChangeReason::Answered,
        );
        self.events.push_back(Event::CallAnswered {
            call: call.clone(),
            agent: agent.clone(),
            queue: queue_name,
            waited_ms,
            at_ms: now,
        });
        self.settle();
        Ok(())
    }

    /// The agent refused the offer: released (a miss), the call goes back to its place.
    pub fn offer_refused(
        &mut self,
        now_ms: u64,
        call: &CallKey,
        agent: &AgentId,
    ) -> Result<(), AcdError> {
        self.offer_failed(now_ms, call, agent)
    }

    /// The outside gave up ringing (e.g. the phone's own timer): as a refusal.
    pub fn offer_timed_out(
        &mut self,
        now_ms: u64,
        call: &CallKey,
        agent: &AgentId,
    ) -> Result<(), AcdError> {
        self.offer_failed(now_ms, call, agent)
    }

    pub(super) fn offer_failed(
        &mut self,
        now_ms: u64,
        call: &CallKey,
        agent: &AgentId,
    ) -> Result<(), AcdError> {
        self.check_offer(call, agent)?;
        self.advance(now_ms);
        self.release(agent, Release::Missed, false);
        self.settle();
        Ok(())
    }

    /// An answered call (or callback, or the agent's own outbound call) ended, either
    /// side hanging up: the agent wraps up for the queue's `wrap_up_ms`, or is ready at
    /// once.
    pub fn call_ended(&mut self, now_ms: u64, call: &CallKey) -> Result<(), AcdError> {
        let (agent, answered_ms) = match self.calls.get(call) {
            Some(Call {
                stage: Stage::Connected { agent, answered_ms },
                ..
            }) => (agent.clone(), Some(*answered_ms)),
            Some(_) => return Err(AcdError::NotConnected(call.clone())),
            None => match self
                .agents
                .values()
                .find(|a| matches!(&a.state, AgentState::OnCall { call: c, .. } | AgentState::OnHold { call: c, .. } if c == call))
            {
                Some(a) => (a.id.clone(), None),
                None => return Err(AcdError::UnknownCall(call.clone())),
            },
        };
        self.advance(now_ms);
        let now = self.now_ms;
        let talk_ms = now - answered_ms.unwrap_or(self.agents[&agent].since_ms);
        let mut wrap_up_ms = 0;
        if answered_ms.is_some() {
            let entry = self.calls.remove(call).expect("checked");
            self.queues_touched = true;
            self.totals.completed += 1;
            let queue = self.queues.get_mut(&entry.queue).expect("call's queue");
            wrap_up_ms = queue.config.wrap_up_ms;
            queue.stats.handled += 1;
            queue.stats.handle_ms_total += talk_ms + wrap_up_ms;
            self.events.push_back(Event::CallEnded {
                call: call.clone(),
                agent: agent.clone(),
                talk_ms,
                at_ms: now,
            });
        }
        let entry = self.agents.get_mut(&agent).expect("found");
        entry.idle_since_ms = now;
        let resume = entry.resume.take();
        if entry.lose_device_after_call {
            entry.lose_device_after_call = false;
            entry.device = None;
            self.set_state(&agent, AgentState::LoggedOut, ChangeReason::DeviceLost);
            self.settle();
            return Ok(());
        }
        let next = if wrap_up_ms > 0 {
            AgentState::WrapUp {
                until_ms: now + wrap_up_ms,
            }
        } else {
            resume.unwrap_or(AgentState::Ready)
        };
        self.set_state(&agent, next, ChangeReason::CallEnded);
        self.settle();
        Ok(())
    }

    /// The agent passed an answered queue call on (blind transfer, or an attended one
    /// once the other side took it): the agent wraps up as after any call (their talk
    /// time and wrap-up count for the queue they served it in), and the call goes to
    /// `to_queue`, where it waits again keeping its priority and its place in time, or
    /// leaves the ACD (`None`: an extension or an outside number).
    pub fn transferred(
        &mut self,
        now_ms: u64,
        call: &CallKey,
        to_queue: Option<&QueueName>,
    ) -> Result<(), AcdError> {
        let (agent, answered_ms) = match self.calls.get(call).map(|c| &c.stage) {
            Some(Stage::Connected { agent, answered_ms }) => (agent.clone(), *answered_ms),
            Some(_) => return Err(AcdError::NotConnected(call.clone())),
            None if self.agents.values().any(|a| a.state.call() == Some(call)) => {
                return Err(AcdError::NotAQueueCall(call.clone()))
            }
            None => return Err(AcdError::UnknownCall(call.clone())),
        };
        if let Some(queue) = to_queue {
            if !self.queues.contains_key(queue) {
                return Err(AcdError::UnknownQueue(queue.clone()));
            }
        }
        self.advance(now_ms);
        let now = self.now_ms;
        let talk_ms = now - answered_ms;
        let served_in = self.calls[call].queue.clone();
        let wrap_up_ms = {
            let queue = self.queues.get_mut(&served_in).expect("call's queue");
            queue.stats.handled += 1;
            queue.stats.handle_ms_total += talk_ms + queue.config.wrap_up_ms;
            queue.config.wrap_up_ms
        };
        self.events.push_back(Event::CallTransferred {
            call: call.clone(),
            agent: agent.clone(),
            to_queue: to_queue.cloned(),
            talk_ms,
            at_ms: now,
        });
        self.queues_touched = true;
        match to_queue {
            Some(queue) => {
                let every = self.queues[queue].config.announce_every_ms;
                let max_wait = self.queues[queue]
                    .config
                    .overflow
                    .as_ref()
                    .map(|o| o.max_wait_ms);
                self.queues.get_mut(queue).expect("checked").stats.entered += 1;
                let c = self.calls.get_mut(call).expect("checked");
                c.queue = queue.clone();
                c.queue_entry_ms = now;
                c.stage = Stage::Waiting;
                c.tried.clear();
                c.routed_at_drop = None;
                c.overflow_done = false;
                c.next_announce_ms = every.map(|e| now + e);
                for after in [every, max_wait].into_iter().flatten() {
                    self.timer_at(now + after);
                }
            }
            None => {
                self.calls.remove(call);
                self.totals.completed += 1;
            }
        }
        let entry = self.agents.get_mut(&agent).expect("connected agent");
        entry.idle_since_ms = now;
        let next = if entry.lose_device_after_call {
            entry.lose_device_after_call = false;
            entry.device = None;
            (AgentState::LoggedOut, ChangeReason::DeviceLost)
        } else if wrap_up_ms > 0 {
            (
                AgentState::WrapUp {
                    until_ms: now + wrap_up_ms,
                },
                ChangeReason::Transferred,
            )
        } else {
            (AgentState::Ready, ChangeReason::Transferred)
        };
        self.set_state(&agent, next.0, next.1);
        self.settle();
        Ok(())
    }
}
