//! The core: the one owner of queues, waiting calls and agent availability. See the
//! crate docs for the semantics of every input.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::model::*;

/// xorshift64: the random strategy's generator, seeded from the configuration so runs
/// are reproducible.
#[derive(Debug, Clone)]
struct XorShift64(u64);

impl XorShift64 {
    fn new(seed: u64) -> Self {
        XorShift64(if seed == 0 {
            0x9e37_79b9_7f4a_7c15
        } else {
            seed
        })
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

#[derive(Debug, Default, Clone)]
struct QueueStats {
    entered: u64,
    answered: u64,
    answered_in_sl: u64,
    abandoned: u64,
    overflowed: u64,
    refused: u64,
    handled: u64,
    handle_ms_total: u64,
}

#[derive(Debug)]
struct Queue {
    config: QueueConfig,
    /// The agent this queue offered a call to last (round-robin).
    last_offered: Option<AgentId>,
    stats: QueueStats,
    /// (calls, longest-waiting call) as last reported in `QueueChanged`.
    reported: (usize, Option<CallKey>),
}

#[derive(Debug)]
struct Agent {
    id: AgentId,
    name: String,
    queues: BTreeSet<QueueName>,
    skills: BTreeMap<String, u8>,
    state: AgentState,
    since_ms: u64,
    device: Option<String>,
    /// Since when the agent has been free: their login or the end of their last call.
    idle_since_ms: u64,
    answered_today: u64,
    missed_in_row: u32,
}

#[derive(Debug, Clone)]
enum Stage {
    Waiting,
    Offered {
        agents: BTreeSet<AgentId>,
        deadline_ms: u64,
    },
    Connected {
        agent: AgentId,
        answered_ms: u64,
    },
}

#[derive(Debug)]
struct Call {
    queue: QueueName,
    priority: u8,
    /// When it entered the ACD: its place (FIFO within a priority).
    arrival_ms: u64,
    /// Breaks ties of equal arrival: order of entering.
    seq: u64,
    /// When it entered its current queue: widening, max wait, announcements, service level.
    queue_entry_ms: u64,
    caller: String,
    own_skills: Vec<SkillRequirement>,
    variables: BTreeMap<String, String>,
    callback: Option<String>,
    stage: Stage,
    /// Agents who missed this call; others are preferred while there are any.
    tried: BTreeSet<AgentId>,
    next_announce_ms: Option<u64>,
    /// Max wait passed and the caller was offered a callback: not again in this queue.
    overflow_done: bool,
}

/// Totals since start, for the accounting invariant.
#[derive(Debug, Default, Clone)]
struct Totals {
    entered: u64,
    abandoned: u64,
    overflowed_out: u64,
    refused: u64,
    completed: u64,
}

/// How a reservation ends without an answer. Every release goes through
/// [`Acd::release`].
#[derive(Debug, Clone)]
enum Release {
    /// Refused or not answered in time: counts towards `max_missed`.
    Missed,
    /// Taken back (caller gone, another agent answered, callback chosen): back to ready.
    Cancelled,
    Logout,
    NotReady(String),
}

/// The ACD core. See the crate docs.
#[derive(Debug)]
pub struct Acd {
    now_ms: u64,
    queues: BTreeMap<QueueName, Queue>,
    agents: BTreeMap<AgentId, Agent>,
    calls: BTreeMap<CallKey, Call>,
    vip_numbers: BTreeSet<String>,
    vip_boost: u8,
    reasons: BTreeSet<String>,
    default_handle_time_ms: u64,
    rng: XorShift64,
    next_seq: u64,
    totals: Totals,
    actions: VecDeque<Action>,
    events: VecDeque<Event>,
}

fn check_level(owner: &str, skill: &str, level: u8) -> Result<(), ConfigError> {
    if (1..=MAX_SKILL_LEVEL).contains(&level) {
        Ok(())
    } else {
        Err(ConfigError::SkillLevel {
            owner: owner.to_owned(),
            skill: skill.to_owned(),
            level,
        })
    }
}

impl Acd {
    /// Builds the core from its configuration; every agent starts logged out at
    /// `now_ms`.
    pub fn new(config: AcdConfig, now_ms: u64) -> Result<Acd, ConfigError> {
        let mut queues = BTreeMap::new();
        for queue in &config.queues {
            let owner = format!("queue `{}`", queue.name);
            if queue.ring_timeout_ms == 0 {
                return Err(ConfigError::RingTimeout(queue.name.clone()));
            }
            if queue.announce_every_ms == Some(0) {
                return Err(ConfigError::AnnounceEvery(queue.name.clone()));
            }
            if queue.overflow.as_ref().is_some_and(|o| o.max_wait_ms == 0) {
                return Err(ConfigError::MaxWait(queue.name.clone()));
            }
            for need in &queue.required_skills {
                check_level(&owner, &need.skill, need.level)?;
            }
            let entry = Queue {
                config: queue.clone(),
                last_offered: None,
                stats: QueueStats::default(),
                reported: (0, None),
            };
            if queues.insert(queue.name.clone(), entry).is_some() {
                return Err(ConfigError::DuplicateQueue(queue.name.clone()));
            }
        }
        for queue in &config.queues {
            if let Some(Overflow {
                to: OverflowTarget::Queue(to),
                ..
            }) = &queue.overflow
            {
                if !queues.contains_key(to) {
                    return Err(ConfigError::UnknownQueue {
                        owner: format!("queue `{}` overflow", queue.name),
                        queue: to.clone(),
                    });
                }
            }
        }
        let mut agents = BTreeMap::new();
        for agent in &config.agents {
            let owner = format!("agent `{}`", agent.id);
            for queue in &agent.queues {
                if !queues.contains_key(queue) {
                    return Err(ConfigError::UnknownQueue {
                        owner,
                        queue: queue.clone(),
                    });
                }
            }
            for (skill, level) in &agent.skills {
                check_level(&owner, skill, *level)?;
            }
            let entry = Agent {
                id: agent.id.clone(),
                name: agent.name.clone(),
                queues: agent.queues.iter().cloned().collect(),
                skills: agent.skills.clone(),
                state: AgentState::LoggedOut,
                since_ms: now_ms,
                device: None,
                idle_since_ms: now_ms,
                answered_today: 0,
                missed_in_row: 0,
            };
            if agents.insert(agent.id.clone(), entry).is_some() {
                return Err(ConfigError::DuplicateAgent(agent.id.clone()));
            }
        }
        let mut reasons: BTreeSet<String> = config.not_ready_reasons.iter().cloned().collect();
        reasons.insert(MISSED.to_owned());
        Ok(Acd {
            now_ms,
            queues,
            agents,
            calls: BTreeMap::new(),
            vip_numbers: config.vip_numbers.iter().cloned().collect(),
            vip_boost: config.vip_boost,
            reasons,
            default_handle_time_ms: config.default_handle_time_ms,
            rng: XorShift64::new(config.seed),
            next_seq: 0,
            totals: Totals::default(),
            actions: VecDeque::new(),
            events: VecDeque::new(),
        })
    }

    // ---- outputs -------------------------------------------------------------------

    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

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
        if self.vip_numbers.contains(&call.caller) {
            priority = priority.saturating_add(self.vip_boost).min(MAX_PRIORITY);
        }
        self.next_seq += 1;
        self.events.push_back(Event::CallEntered {
            call: call.call.clone(),
            queue: queue_name.clone(),
            priority,
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
            },
        );
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

    fn offer_failed(
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
        self.agents.get_mut(&agent).expect("found").idle_since_ms = now;
        let next = if wrap_up_ms > 0 {
            AgentState::WrapUp {
                until_ms: now + wrap_up_ms,
            }
        } else {
            AgentState::Ready
        };
        self.set_state(&agent, next, ChangeReason::CallEnded);
        self.settle();
        Ok(())
    }

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
    /// wrap-up.
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
        self.advance(now_ms);
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
        self.agents.get_mut(agent).expect("checked").queues = queues.iter().cloned().collect();
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
        let skills = &mut self.agents.get_mut(agent).expect("checked").skills;
        match level {
            Some(level) => skills.insert(skill.to_owned(), level),
            None => skills.remove(skill),
        };
        self.settle();
        Ok(())
    }

    /// Starts a new day for the fewest-calls strategy (the core has no calendar).
    pub fn reset_daily_counts(&mut self) {
        for agent in self.agents.values_mut() {
            agent.answered_today = 0;
        }
    }

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

    // ---- invariants ----------------------------------------------------------------

    /// Checks what must hold between any two inputs: every agent's state agrees with the
    /// calls (a reserved agent has exactly one offered call that names it, a talking
    /// agent's call is connected to them), no call waits while an eligible agent is
    /// ready, and every call that entered is held (waiting, offered, callback,
    /// answered) or was counted out (abandoned, overflowed out, refused, ended) — exactly
    /// once.
    pub fn check_invariants(&self) -> Result<(), InvariantViolation> {
        let fail = |what: String| {
            Err(InvariantViolation {
                at_ms: self.now_ms,
                what,
            })
        };
        for a in self.agents.values() {
            match &a.state {
                AgentState::Reserved { call } => match self.calls.get(call).map(|c| &c.stage) {
                    Some(Stage::Offered { agents, .. }) if agents.contains(&a.id) => {}
                    other => {
                        return fail(format!(
                            "agent {} reserved for {call}, which is {other:?}",
                            a.id
                        ))
                    }
                },
                AgentState::OnCall { call, direction } | AgentState::OnHold { call, direction } => {
                    match self.calls.get(call).map(|c| &c.stage) {
                        Some(Stage::Connected { agent, .. }) if *agent == a.id => {}
                        None if *direction == Direction::Outbound => {}
                        other => {
                            return fail(format!("agent {} on {call}, which is {other:?}", a.id))
                        }
                    }
                }
                AgentState::LoggedOut if a.device.is_some() => {
                    return fail(format!("agent {} logged out at a device", a.id));
                }
                AgentState::WrapUp { until_ms } if *until_ms <= self.now_ms => {
                    return fail(format!("agent {} wrapping up past its end", a.id));
                }
                _ => {}
            }
            if a.state.is_logged_in() && a.device.is_none() {
                return fail(format!("agent {} logged in without a device", a.id));
            }
        }
        let mut devices = BTreeSet::new();
        for a in self.agents.values() {
            if let Some(d) = &a.device {
                if !devices.insert(d) {
                    return fail(format!("device {d} has two agents"));
                }
            }
        }
        for (key, call) in &self.calls {
            if !self.queues.contains_key(&call.queue) {
                return fail(format!("call {key} in no queue"));
            }
            match &call.stage {
                Stage::Offered {
                    agents,
                    deadline_ms,
                } => {
                    let ring_all = self.queues[&call.queue].config.strategy == Strategy::RingAll;
                    if ring_all && call.callback.is_none() {
                        if let Some(agent) = self
                            .eligible(key, call)
                            .iter()
                            .find(|a| !call.tried.contains(*a))
                        {
                            return fail(format!(
                                "ring-all call {key} rings without {agent}, who is ready for it"
                            ));
                        }
                    }
                    if agents.is_empty() {
                        return fail(format!("call {key} offered to nobody"));
                    }
                    if *deadline_ms <= self.now_ms {
                        return fail(format!("call {key} rings past its deadline"));
                    }
                    if call.callback.is_some() && agents.len() != 1 {
                        return fail(format!("callback {key} reserved {} agents", agents.len()));
                    }
                    for agent in agents {
                        match self.agents.get(agent).map(|a| &a.state) {
                            Some(AgentState::Reserved { call: c }) if c == key => {}
                            other => {
                                return fail(format!(
                                    "call {key} offered to {agent}, who is {other:?}"
                                ))
                            }
                        }
                    }
                }
                Stage::Connected { agent, .. } => match self.agents.get(agent).map(|a| &a.state) {
                    Some(
                        AgentState::OnCall { call: c, .. } | AgentState::OnHold { call: c, .. },
                    ) if c == key => {}
                    other => {
                        return fail(format!("call {key} connected to {agent}, who is {other:?}"))
                    }
                },
                Stage::Waiting => {
                    if let Some(agent) = self.eligible(key, call).first() {
                        return fail(format!("call {key} waits while {agent} is ready for it"));
                    }
                }
            }
        }
        let t = &self.totals;
        let accounted =
            self.calls.len() as u64 + t.abandoned + t.overflowed_out + t.refused + t.completed;
        if t.entered != accounted {
            return fail(format!(
                "{} calls entered, {accounted} accounted for",
                t.entered
            ));
        }
        Ok(())
    }

    // ---- the one place for reservations and agent state ----------------------------

    fn agent_ref(&self, agent: &AgentId) -> Result<&Agent, AcdError> {
        self.agents
            .get(agent)
            .ok_or_else(|| AcdError::UnknownAgent(agent.clone()))
    }

    fn check_offer(&self, call: &CallKey, agent: &AgentId) -> Result<(), AcdError> {
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
    fn set_state(&mut self, agent: &AgentId, to: AgentState, reason: ChangeReason) {
        let now = self.now_ms;
        let a = self.agents.get_mut(agent).expect("known agent");
        let from = std::mem::replace(&mut a.state, to.clone());
        a.since_ms = now;
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
    fn release(&mut self, agent: &AgentId, why: Release, cancel: bool) {
        let AgentState::Reserved { call } = self.agents[agent].state.clone() else {
            return;
        };
        let mut max_missed = 0;
        if let Some(entry) = self.calls.get_mut(&call) {
            if let Stage::Offered { agents, .. } = &mut entry.stage {
                agents.remove(agent);
                if agents.is_empty() {
                    entry.stage = Stage::Waiting;
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
            Release::NotReady(reason) => (
                AgentState::NotReady { reason },
                ChangeReason::NotReadyRequested,
            ),
        };
        self.set_state(agent, next, reason);
    }

    /// Cancels every offer of `call` (not a miss).
    fn cancel_offers(&mut self, call: &CallKey) {
        let ringing: Vec<AgentId> = match self.calls.get(call).map(|c| &c.stage) {
            Some(Stage::Offered { agents, .. }) => agents.iter().cloned().collect(),
            _ => Vec::new(),
        };
        for agent in ringing {
            self.release(&agent, Release::Cancelled, true);
        }
    }

    // ---- after every input ---------------------------------------------------------

    fn advance(&mut self, now_ms: u64) {
        self.now_ms = self.now_ms.max(now_ms);
    }

    /// Runs after every input: due timers, leave rules, the routing pass,
    /// announcements, queue change events.
    fn settle(&mut self) {
        let now = self.now_ms;
        // Ring timeouts.
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
        self.overflow_due();
        self.apply_leave_rules();
        self.route();
        self.announce_due();
        self.report_queues();
    }

    fn overflow_due(&mut self) {
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
                    c.overflow_done = false;
                    c.next_announce_ms = every.map(|e| now + e);
                }
                OverflowTarget::Flow(_) => {
                    self.calls.remove(&key);
                    self.totals.overflowed_out += 1;
                }
                OverflowTarget::Callback => {
                    self.calls.get_mut(&key).expect("due").overflow_done = true;
                }
            }
        }
    }

    fn apply_leave_rules(&mut self) {
        let now = self.now_ms;
        let empty: Vec<QueueName> = self
            .queues
            .values()
            .filter(|q| q.config.leave_when_no_agents == LeaveRule::Leave)
            .map(|q| q.config.name.clone())
            .filter(|q| self.logged_in_members(q) == 0)
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

    /// The routing pass: every waiting call in serving order gets the agent(s) its
    /// queue's strategy picks among those eligible and ready.
    fn route(&mut self) {
        let now = self.now_ms;
        for key in self.ordered(None, |s| !matches!(s, Stage::Connected { .. })) {
            let call = &self.calls[&key];
            if let Stage::Offered { .. } = call.stage {
                self.widen_ring(&key);
                continue;
            }
            let eligible = self.eligible(&key, call);
            if eligible.is_empty() {
                continue;
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
    }

    /// A ring-all call ringing already: agents eligible for it who became ready since
    /// (and have not missed it) join the ring, until the same deadline.
    fn widen_ring(&mut self, key: &CallKey) {
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
    fn pick(&mut self, strategy: Strategy, call: &CallKey, candidates: &[AgentId]) -> AgentId {
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

    fn announce_due(&mut self) {
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

    fn report_queues(&mut self) {
        let now = self.now_ms;
        let names: Vec<QueueName> = self.queues.keys().cloned().collect();
        for name in names {
            let pending = self
                .calls
                .iter()
                .filter(|(_, c)| c.queue == name && !matches!(c.stage, Stage::Connected { .. }));
            let count = pending.clone().count();
            let oldest = pending
                .min_by_key(|(k, c)| (c.queue_entry_ms, c.seq, (*k).clone()))
                .map(|(k, _)| k.clone());
            let now_report = (count, oldest);
            let queue = self.queues.get_mut(&name).expect("known");
            if queue.reported != now_report {
                queue.reported = now_report;
                let longest_wait_ms = self.longest_wait(&name);
                self.events.push_back(Event::QueueChanged {
                    queue: name,
                    waiting: count,
                    longest_wait_ms,
                    at_ms: now,
                });
            }
        }
    }

    // ---- helpers -------------------------------------------------------------------

    fn logged_in_members(&self, queue: &QueueName) -> usize {
        self.agents
            .values()
            .filter(|a| a.state.is_logged_in() && a.queues.contains(queue))
            .count()
    }

    fn longest_wait(&self, queue: &QueueName) -> u64 {
        self.calls
            .values()
            .filter(|c| c.queue == *queue && !matches!(c.stage, Stage::Connected { .. }))
            .map(|c| self.now_ms - c.queue_entry_ms)
            .max()
            .unwrap_or(0)
    }

    /// Calls (of `queue`, or all) whose stage passes `keep`, in serving order: priority
    /// first, then arrival.
    fn ordered(&self, queue: Option<&QueueName>, keep: impl Fn(&Stage) -> bool) -> Vec<CallKey> {
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
    fn required(&self, call: &CallKey) -> Vec<SkillRequirement> {
        let c = &self.calls[call];
        let queue = &self.queues[&c.queue].config;
        let mut needs: Vec<SkillRequirement> = queue.required_skills.clone();
        for own in &c.own_skills {
            match needs.iter_mut().find(|n| n.skill == own.skill) {
                Some(n) => n.level = own.level,
                None => needs.push(own.clone()),
            }
        }
        let waited = self.now_ms - c.queue_entry_ms;
        let drop = queue
            .widen
            .iter()
            .filter(|w| w.after_wait_ms <= waited)
            .map(|w| w.level_drop)
            .max()
            .unwrap_or(0);
        for n in &mut needs {
            n.level = n.level.saturating_sub(drop).max(1);
        }
        needs
    }

    /// Ready agents, members of the call's queue, meeting its requirements; id order.
    fn eligible(&self, key: &CallKey, call: &Call) -> Vec<AgentId> {
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

fn call_state(c: &Call) -> CallState {
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
