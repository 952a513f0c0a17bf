//! The agents' inputs (by phone feature code or API alike) and the one place an
//! agent's state changes ([`Acd::set_state`]) and a reservation ends without an answer
//! ([`Acd::release`]).

use super::*;
use crate::model::*;

/// How a reservation ends without an answer. Every release goes through
/// [`Acd::release`].
#[derive(Debug, Clone)]
pub(super) enum Release {
    /// Refused or not answered in time: counts towards `max_missed`.
    Missed,
    /// Taken back (caller gone, another agent answered, callback chosen): back to ready.
    Cancelled,
    Logout,
    NotReady(String),
    DeviceLost,
}

impl Acd {
    // ---- inputs: agents (by phone feature code or API alike) -----------------------

    /// Logs the agent in at `device` (any phone: hot desking), ready. Logged in
    /// already: moves them to `device`.
    pub fn login(&mut self, now_ms: u64, agent: &AgentId, device: &str) -> Result<(), AcdError> {
        let a = self.agent_ref(agent)?;
        if let Some(other) = self
            .agents
            .values()
            .find(|o| o.id != *agent && o.device.as_deref() == Some(device))
        {
            return Err(AcdError::DeviceInUse {
                device: device.to_owned(),
                agent: other.id.clone(),
            });
        }
        let logged_in = a.state.is_logged_in();
        self.advance(now_ms);
        let now = self.now_ms;
        let a = self.agents.get_mut(agent).expect("checked");
        a.device = Some(device.to_owned());
        if !logged_in {
            a.idle_since_ms = now;
            a.missed_in_row = 0;
            self.set_state(agent, AgentState::Ready, ChangeReason::Login);
        }
        self.settle();
        Ok(())
    }

    /// Logs the agent out; an offer ringing them is cancelled. Not while on a call (end
    /// it first). Logged out already: nothing.
    pub fn logout(&mut self, now_ms: u64, agent: &AgentId) -> Result<(), AcdError> {
        let a = self.agent_ref(agent)?;
        match &a.state {
            AgentState::LoggedOut => return Ok(()),
            AgentState::OnCall { .. } | AgentState::OnHold { .. } => {
                return Err(AcdError::AgentBusy {
                    agent: agent.clone(),
                    state: a.state.kind(),
                })
            }
            _ => {}
        }
        self.advance(now_ms);
        if matches!(self.agents[agent].state, AgentState::Reserved { .. }) {
            self.release(agent, Release::Logout, true);
        } else {
            self.set_state(agent, AgentState::LoggedOut, ChangeReason::Logout);
        }
        self.agents.get_mut(agent).expect("checked").device = None;
        self.settle();
        Ok(())
    }

    /// The agent's device went away (a phone unplugged, a port out of service): the
    /// agent is logged out, a ringing offer cancelled (not a miss); on a call, when that
    /// call ends (the call itself goes on until its legs say otherwise).
    pub fn device_lost(&mut self, now_ms: u64, agent: &AgentId) -> Result<(), AcdError> {
        let a = self.agent_ref(agent)?;
        match &a.state {
            AgentState::LoggedOut => return Ok(()),
            AgentState::OnCall { .. } | AgentState::OnHold { .. } => {
                self.advance(now_ms);
                self.agents
                    .get_mut(agent)
                    .expect("checked")
                    .lose_device_after_call = true;
                // Time moved: whatever fell due meanwhile is done now, as after any input.
                self.settle();
                return Ok(());
            }
            _ => {}
        }
        self.advance(now_ms);
        if matches!(self.agents[agent].state, AgentState::Reserved { .. }) {
            self.release(agent, Release::DeviceLost, true);
        } else {
            self.set_state(agent, AgentState::LoggedOut, ChangeReason::DeviceLost);
        }
        self.agents.get_mut(agent).expect("checked").device = None;
        self.settle();
        Ok(())
    }

    /// Ready from not-ready or wrap-up (ending it early). Ready already: nothing.
    pub fn ready(&mut self, now_ms: u64, agent: &AgentId) -> Result<(), AcdError> {
        let a = self.agent_ref(agent)?;
        match &a.state {
            AgentState::Ready => return Ok(()),
            AgentState::LoggedOut => return Err(AcdError::NotLoggedIn(agent.clone())),
            AgentState::NotReady { .. } | AgentState::WrapUp { .. } => {}
            other => {
                return Err(AcdError::AgentBusy {
                    agent: agent.clone(),
                    state: other.kind(),
                })
            }
        }
        self.advance(now_ms);
        self.agents.get_mut(agent).expect("checked").missed_in_row = 0;
        self.set_state(agent, AgentState::Ready, ChangeReason::ReadyRequested);
        self.settle();
        Ok(())
    }

    /// Not-ready with a configured reason, from ready, wrap-up or not-ready (a new
    /// reason); a ringing offer is cancelled (not a miss). Not while on a call.
    pub fn not_ready(
        &mut self,
        now_ms: u64,
        agent: &AgentId,
        reason: &str,
    ) -> Result<(), AcdError> {
        let a = self.agent_ref(agent)?;
        if !self.reasons.contains(reason) {
            return Err(AcdError::UnknownReason(reason.to_owned()));
        }
        match &a.state {
            AgentState::LoggedOut => return Err(AcdError::NotLoggedIn(agent.clone())),
            AgentState::OnCall { .. } | AgentState::OnHold { .. } => {
                return Err(AcdError::AgentBusy {
                    agent: agent.clone(),
                    state: a.state.kind(),
                })
            }
            AgentState::NotReady { reason: current } if current == reason => return Ok(()),
            _ => {}
        }
        self.advance(now_ms);
        if matches!(self.agents[agent].state, AgentState::Reserved { .. }) {
            self.release(agent, Release::NotReady(reason.to_owned()), true);
        } else {
            self.set_state(
                agent,
                AgentState::NotReady {
                    reason: reason.to_owned(),
                },
                ChangeReason::NotReadyRequested,
            );
        }
        self.settle();
        Ok(())
    }

    /// The agent puts their call on hold (the caller hears music).
    pub fn hold(&mut self, now_ms: u64, agent: &AgentId) -> Result<(), AcdError> {
        let AgentState::OnCall { call, direction } = &self.agent_ref(agent)?.state else {
            return Err(AcdError::NotOnCall(agent.clone()));
        };
        let next = AgentState::OnHold {
            call: call.clone(),
            direction: *direction,
        };
        self.advance(now_ms);
        self.set_state(agent, next, ChangeReason::Hold);
        self.settle();
        Ok(())
    }

    pub fn unhold(&mut self, now_ms: u64, agent: &AgentId) -> Result<(), AcdError> {
        let AgentState::OnHold { call, direction } = &self.agent_ref(agent)?.state else {
            return Err(AcdError::NotOnHold(agent.clone()));
        };
        let next = AgentState::OnCall {
            call: call.clone(),
            direction: *direction,
        };
        self.advance(now_ms);
        self.set_state(agent, next, ChangeReason::Unhold);
        self.settle();
        Ok(())
    }

    /// The agent dials out on their own (not a queue call): on-call outbound until
    /// [`call_ended`](Self::call_ended) with the same key. From ready, not-ready or
    /// wrap-up; an agent who was not ready is not ready again (same reason) after it.
    pub fn outbound_started(
        &mut self,
        now_ms: u64,
        agent: &AgentId,
        call: &CallKey,
    ) -> Result<(), AcdError> {
        let a = self.agent_ref(agent)?;
        match &a.state {
            AgentState::Ready | AgentState::NotReady { .. } | AgentState::WrapUp { .. } => {}
            AgentState::LoggedOut => return Err(AcdError::NotLoggedIn(agent.clone())),
            other => {
                return Err(AcdError::AgentBusy {
                    agent: agent.clone(),
                    state: other.kind(),
                })
            }
        }
        if self.calls.contains_key(call)
            || self.agents.values().any(|a| a.state.call() == Some(call))
        {
            return Err(AcdError::DuplicateCall(call.clone()));
        }
        let was = a.state.clone();
        self.advance(now_ms);
        if let Some(entry) = self.agents.get_mut(agent) {
            entry.resume = matches!(was, AgentState::NotReady { .. }).then_some(was);
        }
        self.set_state(
            agent,
            AgentState::OnCall {
                call: call.clone(),
                direction: Direction::Outbound,
            },
            ChangeReason::OutboundStarted,
        );
        self.settle();
        Ok(())
    }

    /// Replaces the agent's queue memberships (live; a ringing offer is left alone).
    pub fn set_agent_queues(
        &mut self,
        now_ms: u64,
        agent: &AgentId,
        queues: &[QueueName],
    ) -> Result<(), AcdError> {
        self.agent_ref(agent)?;
        if let Some(unknown) = queues.iter().find(|q| !self.queues.contains_key(*q)) {
            return Err(AcdError::UnknownQueue(unknown.clone()));
        }
        self.advance(now_ms);
        let a = self.agents.get_mut(agent).expect("checked");
        let old = std::mem::replace(&mut a.queues, queues.iter().cloned().collect());
        if a.state.is_logged_in() {
            for name in &old {
                self.queues.get_mut(name).expect("validated").logged_in -= 1;
            }
            for name in &a.queues {
                self.queues.get_mut(name).expect("checked").logged_in += 1;
            }
        }
        if a.state == AgentState::Ready {
            for name in &old {
                self.queues
                    .get_mut(name)
                    .expect("validated")
                    .ready
                    .remove(agent);
            }
            for name in &a.queues {
                let queue = self.queues.get_mut(name).expect("checked");
                queue.ready.insert(agent.clone());
                queue.dirty = true;
            }
        }
        self.settle();
        Ok(())
    }

    /// Sets (level 1-10) or removes (`None`) one of the agent's skills, live.
    pub fn set_agent_skill(
        &mut self,
        now_ms: u64,
        agent: &AgentId,
        skill: &str,
        level: Option<u8>,
    ) -> Result<(), AcdError> {
        self.agent_ref(agent)?;
        if let Some(level) = level {
            if !(1..=MAX_SKILL_LEVEL).contains(&level) {
                return Err(AcdError::SkillLevel {
                    skill: skill.to_owned(),
                    level,
                });
            }
        }
        self.advance(now_ms);
        let a = self.agents.get_mut(agent).expect("checked");
        match level {
            Some(level) => a.skills.insert(skill.to_owned(), level),
            None => a.skills.remove(skill),
        };
        if a.state == AgentState::Ready {
            // A higher level may make them eligible for a call the last pass left waiting.
            for name in &a.queues {
                self.queues.get_mut(name).expect("validated").dirty = true;
            }
        }
        self.settle();
        Ok(())
    }

    /// Starts a new day for the fewest-calls strategy (the core has no calendar).
    pub fn reset_daily_counts(&mut self) {
        for agent in self.agents.values_mut() {
            agent.answered_today = 0;
        }
    }

    // ---- the one place for reservations and agent state ----------------------------

    pub(super) fn agent_ref(&self, agent: &AgentId) -> Result<&Agent, AcdError> {
        self.agents
            .get(agent)
            .ok_or_else(|| AcdError::UnknownAgent(agent.clone()))
    }

    pub(super) fn check_offer(&self, call: &CallKey, agent: &AgentId) -> Result<(), AcdError> {
        self.agent_ref(agent)?;
        let offered = matches!(
            self.calls.get(call).map(|c| &c.stage),
            Some(Stage::Offered { agents, .. }) if agents.contains(agent)
        );
        if offered && self.agents[agent].state == (AgentState::Reserved { call: call.clone() }) {
            Ok(())
        } else {
            Err(AcdError::NoSuchOffer {
                call: call.clone(),
                agent: agent.clone(),
            })
        }
    }

    /// Every state change goes through here, with its event.
    pub(super) fn set_state(&mut self, agent: &AgentId, to: AgentState, reason: ChangeReason) {
        let now = self.now_ms;
        if let AgentState::WrapUp { until_ms } = to {
            self.timer_at(until_ms);
        }
        let a = self.agents.get_mut(agent).expect("known agent");
        let from = std::mem::replace(&mut a.state, to.clone());
        a.since_ms = now;
        let (was_ready, is_ready) = (from == AgentState::Ready, to == AgentState::Ready);
        let (was_in, is_in) = (from.is_logged_in(), to.is_logged_in());
        if was_ready != is_ready || was_in != is_in {
            for name in &a.queues {
                let queue = self.queues.get_mut(name).expect("validated");
                if is_ready && !was_ready {
                    queue.ready.insert(agent.clone());
                    queue.dirty = true;
                } else if was_ready && !is_ready {
                    queue.ready.remove(agent);
                }
                if is_in && !was_in {
                    queue.logged_in += 1;
                } else if was_in && !is_in {
                    queue.logged_in -= 1;
                }
            }
        }
        self.events.push_back(Event::AgentStateChanged {
            agent: agent.clone(),
            from,
            to,
            reason,
            at_ms: now,
        });
    }

    /// Ends `agent`'s reservation without an answer: the one place a reservation is
    /// released. The call goes back to waiting in its place when no other agent rings
    /// for it. `cancel`: tell the outside to stop ringing.
    pub(super) fn release(&mut self, agent: &AgentId, why: Release, cancel: bool) {
        let AgentState::Reserved { call } = self.agents[agent].state.clone() else {
            return;
        };
        let mut max_missed = 0;
        if let Some(entry) = self.calls.get_mut(&call) {
            if let Stage::Offered { agents, .. } = &mut entry.stage {
                agents.remove(agent);
                if agents.is_empty() {
                    entry.stage = Stage::Waiting;
                    entry.routed_at_drop = None;
                    // Its max wait may have passed while it rang.
                    self.timers_due_ms = 0;
                }
            }
            if matches!(why, Release::Missed) {
                entry.tried.insert(agent.clone());
            }
            max_missed = self.queues[&entry.queue].config.max_missed;
        }
        if cancel {
            self.actions.push_back(Action::CancelOffer {
                call,
                agent: agent.clone(),
            });
        }
        let (next, reason) = match why {
            Release::Missed => {
                let a = self.agents.get_mut(agent).expect("known agent");
                a.missed_in_row += 1;
                if max_missed > 0 && a.missed_in_row >= max_missed {
                    (
                        AgentState::NotReady {
                            reason: MISSED.to_owned(),
                        },
                        ChangeReason::Missed,
                    )
                } else {
                    (AgentState::Ready, ChangeReason::Missed)
                }
            }
            Release::Cancelled => (AgentState::Ready, ChangeReason::OfferCancelled),
            Release::Logout => (AgentState::LoggedOut, ChangeReason::Logout),
            Release::DeviceLost => (AgentState::LoggedOut, ChangeReason::DeviceLost),
            Release::NotReady(reason) => (
                AgentState::NotReady { reason },
                ChangeReason::NotReadyRequested,
            ),
        };
        self.set_state(agent, next, reason);
    }

    /// Cancels every offer of `call` (not a miss).
    pub(super) fn cancel_offers(&mut self, call: &CallKey) {
        let ringing: Vec<AgentId> = match self.calls.get(call).map(|c| &c.stage) {
            Some(Stage::Offered { agents, .. }) => agents.iter().cloned().collect(),
            _ => Vec::new(),
        };
        for agent in ringing {
            self.release(&agent, Release::Cancelled, true);
        }
    }
}
