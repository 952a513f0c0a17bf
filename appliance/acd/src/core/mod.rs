//! The core: the one owner of queues, waiting calls and agent availability. See the
//! crate docs for the semantics of every input.
//!
//! One `Acd` type, its `impl` split by concern so each file reads on its own:
//! - `agents`: the agents' inputs and the one place agent state changes and
//!   reservations are released;
//! - `calls`: the calls' inputs and their accounting (answered, ended, abandoned);
//! - `routing`: the routing pass, eligibility and the strategies;
//! - `timers`: what time brings (ring timeouts, wrap-up ends, max wait/overflow, leave
//!   rules, announcements) and `poll_timeout`;
//! - `reading`: the read-only API, the snapshot and the `QueueChanged` reports;
//! - `reconfigure`: a new configuration taken live, agents' states and calls kept;
//! - `invariants`: `check_invariants`;
//! - `same_as_reference` (tests): the indexed routing pass against the plain one.

mod agents;
mod calls;
mod invariants;
mod reading;
mod reconfigure;
pub use reconfigure::Reconfigured;
mod routing;
#[cfg(test)]
mod same_as_reference;
mod timers;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::model::*;
use routing::XorShift64;

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
    /// Index: the member agents ready now, in id order. Kept by `set_state` and
    /// `set_agent_queues` so eligibility looks at a handful of agents, not all of them.
    ready: BTreeSet<AgentId>,
    /// A member became ready (or changed skills or queues while ready) since the last
    /// routing pass: this queue's calls must be looked at again.
    dirty: bool,
    /// Index: how many members are logged in, for the join and leave rules (checked
    /// after every input, so not counted from all agents each time).
    logged_in: usize,
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
    /// The not-ready state the agent's own call interrupted: back to it after the call.
    resume: Option<AgentState>,
    /// The device went away during a call: logged out when the call ends.
    lose_device_after_call: bool,
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
    /// `Some(drop)`: the last routing pass left this call with no agent to add (nobody
    /// eligible, or already offered) at widening drop `drop`. Nothing but a member
    /// becoming ready (the queue's `dirty`), a larger drop, or the call waiting again
    /// (`None`) can change that, so the pass skips it until then.
    routed_at_drop: Option<u8>,
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
    /// Routes as before the ready index: every call looked at, every agent scanned.
    /// Only the in-crate test comparing the two passes sets it.
    reference_pass: bool,
    /// No ring timeout, wrap-up end, max wait or announcement falls due before this (a
    /// lower bound): until then `settle` skips the scans for them. Lowered wherever such
    /// a time is set, to 0 where a call goes back to waiting; recomputed after a scan.
    timers_due_ms: u64,
    /// Calls entered, left, were answered or moved since the last `QueueChanged`
    /// reports: nothing else changes what they report.
    queues_touched: bool,
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
                ready: BTreeSet::new(),
                dirty: false,
                logged_in: 0,
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
                resume: None,
                lose_device_after_call: false,
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
            reference_pass: false,
            timers_due_ms: 0,
            queues_touched: true,
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

    // ---- after every input ---------------------------------------------------------

    fn advance(&mut self, now_ms: u64) {
        self.now_ms = self.now_ms.max(now_ms);
    }

    /// Runs after every input, in the documented order: due timers, leave rules, the
    /// routing pass, announcements, queue change events.
    ///
    /// The timer steps and the reports scan every call; they are skipped when they
    /// would find nothing to do (see `timers_due_ms`, `queues_touched`).
    fn settle(&mut self) {
        let timers = self.reference_pass || self.now_ms >= self.timers_due_ms;
        if timers {
            self.expire_offers();
            self.end_wrap_ups();
            self.overflow_due();
        }
        self.apply_leave_rules();
        self.route();
        if timers {
            self.announce_due();
            self.timers_due_ms = self.next_timer();
        }
        if self.reference_pass || self.queues_touched {
            self.report_queues();
            self.queues_touched = false;
        }
    }

    /// A timer step will have something to do at `at_ms`.
    fn timer_at(&mut self, at_ms: u64) {
        self.timers_due_ms = self.timers_due_ms.min(at_ms);
    }
}
