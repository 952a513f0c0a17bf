//! The ACD's vocabulary: ids, configuration, agent states, what goes in and what comes
//! out, the snapshot for the web API and the errors.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                $name(id)
            }
        }
    };
}

id!(
    /// A call as the box names it (the switchboard's call id).
    CallKey
);
id!(
    /// An agent's number, what they key at login.
    AgentId
);
id!(
    /// A queue's configured name.
    QueueName
);

/// Skill levels run from 1 (novice) to 10 (expert).
pub const MAX_SKILL_LEVEL: u8 = 10;

/// Caller priorities run from 0 (normal) to 9 (highest); higher is served first.
pub const MAX_PRIORITY: u8 = 9;

/// The not-ready reason an agent is given after missing `max_missed` offers in a row.
/// It is always accepted, listed in [`AcdConfig::not_ready_reasons`] or not.
pub const MISSED: &str = "missed";

/// How a queue picks among the agents eligible for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// The agent ready the longest since their last call ended (or their login).
    LongestIdle,
    /// The next agent (by agent id) after the one this queue offered a call to last.
    RoundRobin,
    /// The agent who answered the fewest calls today; ties go to the longest idle.
    FewestCalls,
    /// Every eligible agent at once; the first to answer wins, the others are cancelled.
    RingAll,
    /// Any eligible agent, from the core's seeded generator (reproducible).
    Random,
    /// The highest level on the call's first required skill; ties go to the longest idle.
    SkillsBased,
}

/// A skill a call needs, at least at `level` (1-10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillRequirement {
    pub skill: String,
    pub level: u8,
}

impl SkillRequirement {
    pub fn new(skill: impl Into<String>, level: u8) -> Self {
        SkillRequirement {
            skill: skill.into(),
            level,
        }
    }
}

/// A widening step: once a call has waited `after_wait_ms` in the queue, every level it
/// requires is lowered by `level_drop` (never below 1). Steps do not add up: the largest
/// drop among the steps reached applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Widening {
    pub after_wait_ms: u64,
    pub level_drop: u8,
}

/// Where a call goes when it has waited too long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OverflowTarget {
    /// Into another queue of this ACD (the core moves it itself; it keeps its arrival
    /// time, so it is not put behind calls that came after it).
    Queue(QueueName),
    /// Out of the ACD into an IVR flow (the call session runs it).
    Flow(String),
    /// Offer the caller a callback; the call keeps waiting until they take it
    /// ([`crate::Acd::callback_requested`]) or hang up.
    Callback,
}

/// Max wait and where the call then goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overflow {
    pub max_wait_ms: u64,
    pub to: OverflowTarget,
}

/// Whether a call may join a queue with no member agent logged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JoinRule {
    #[default]
    Join,
    Refuse,
}

/// What happens to waiting callers when the last member agent logs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LeaveRule {
    #[default]
    Stay,
    Leave,
}

/// One queue as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueConfig {
    pub name: QueueName,
    pub strategy: Strategy,
    /// What every call of the queue needs; a call's own requirements add to these or
    /// override the level of the same skill.
    pub required_skills: Vec<SkillRequirement>,
    pub widen: Vec<Widening>,
    /// How long an offer rings before the core takes it back (must be > 0).
    pub ring_timeout_ms: u64,
    /// Offers missed in a row (refused or unanswered) after which an agent goes
    /// not-ready [`MISSED`]; 0 never.
    pub max_missed: u32,
    /// After-call work; 0 puts the agent straight back to ready.
    pub wrap_up_ms: u64,
    pub overflow: Option<Overflow>,
    /// The service-level threshold: answered within this wait counts as in service level.
    pub service_level_ms: u64,
    /// Position and estimated-wait announcements every so often; `None` never.
    pub announce_every_ms: Option<u64>,
    pub join_when_no_agents: JoinRule,
    pub leave_when_no_agents: LeaveRule,
}

impl QueueConfig {
    /// A queue with plain defaults: 20 s ring timeout, 3 misses, no wrap-up, no
    /// overflow, 20 s service level, no announcements, callers join and stay.
    pub fn new(name: impl Into<QueueName>, strategy: Strategy) -> QueueConfig {
        QueueConfig {
            name: name.into(),
            strategy,
            required_skills: Vec::new(),
            widen: Vec::new(),
            ring_timeout_ms: 20_000,
            max_missed: 3,
            wrap_up_ms: 0,
            overflow: None,
            service_level_ms: 20_000,
            announce_every_ms: None,
            join_when_no_agents: JoinRule::Join,
            leave_when_no_agents: LeaveRule::Stay,
        }
    }
}

/// One agent as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentConfig {
    pub id: AgentId,
    pub name: String,
    pub queues: Vec<QueueName>,
    /// Skill → level 1-10; a skill not listed counts as level 0 (never eligible).
    pub skills: BTreeMap<String, u8>,
}

impl AgentConfig {
    pub fn new(id: impl Into<AgentId>, queues: &[&str]) -> AgentConfig {
        let id = id.into();
        AgentConfig {
            name: id.0.clone(),
            id,
            queues: queues.iter().map(|q| QueueName::from(*q)).collect(),
            skills: BTreeMap::new(),
        }
    }

    pub fn skill(mut self, skill: &str, level: u8) -> AgentConfig {
        self.skills.insert(skill.to_owned(), level);
        self
    }
}

/// Everything the core starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcdConfig {
    pub queues: Vec<QueueConfig>,
    pub agents: Vec<AgentConfig>,
    /// Callers (by number as delivered) whose priority is raised by `vip_boost`.
    pub vip_numbers: Vec<String>,
    pub vip_boost: u8,
    /// The not-ready reasons agents may give ([`MISSED`] is always accepted).
    pub not_ready_reasons: Vec<String>,
    /// The handle time estimates use until a queue has finished a call.
    pub default_handle_time_ms: u64,
    /// Seeds the generator of the random strategy.
    pub seed: u64,
}

impl Default for AcdConfig {
    fn default() -> Self {
        AcdConfig {
            queues: Vec::new(),
            agents: Vec::new(),
            vip_numbers: Vec::new(),
            vip_boost: 5,
            not_ready_reasons: ["break", "lunch", "meeting", "training", MISSED]
                .iter()
                .map(|r| (*r).to_owned())
                .collect(),
            default_handle_time_ms: 180_000,
            seed: 0x5eed,
        }
    }
}

/// A call entering a queue.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewCall {
    pub call: CallKey,
    pub queue: QueueName,
    /// 0-9 (higher first), e.g. set by the IVR; a VIP caller gets the configured boost.
    pub priority: u8,
    /// The caller's number (caller ID), also the default callback number.
    pub caller: String,
    /// The call's own requirements (from the IVR), merged into the queue's.
    pub skills: Vec<SkillRequirement>,
    pub variables: BTreeMap<String, String>,
}

impl NewCall {
    pub fn new(call: impl Into<CallKey>, queue: impl Into<QueueName>) -> NewCall {
        NewCall {
            call: call.into(),
            queue: queue.into(),
            ..NewCall::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    Inbound,
    Outbound,
}

/// Where an agent is. Each agent is in exactly one; [`crate::Acd::agent`] gives it with
/// the time it was entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum AgentState {
    LoggedOut,
    Ready,
    /// Offered `call` (ringing, or for a callback: the agent is rung first).
    Reserved {
        call: CallKey,
    },
    /// Talking: an answered queue call (inbound), a callback or the agent's own call
    /// (outbound).
    OnCall {
        call: CallKey,
        direction: Direction,
    },
    OnHold {
        call: CallKey,
        direction: Direction,
    },
    /// After-call work until `until_ms` (engine time).
    WrapUp {
        until_ms: u64,
    },
    NotReady {
        reason: String,
    },
}

impl AgentState {
    pub fn kind(&self) -> AgentStateKind {
        match self {
            AgentState::LoggedOut => AgentStateKind::LoggedOut,
            AgentState::Ready => AgentStateKind::Ready,
            AgentState::Reserved { .. } => AgentStateKind::Reserved,
            AgentState::OnCall {
                direction: Direction::Inbound,
                ..
            } => AgentStateKind::OnCallInbound,
            AgentState::OnCall {
                direction: Direction::Outbound,
                ..
            } => AgentStateKind::OnCallOutbound,
            AgentState::OnHold { .. } => AgentStateKind::OnHold,
            AgentState::WrapUp { .. } => AgentStateKind::WrapUp,
            AgentState::NotReady { .. } => AgentStateKind::NotReady,
        }
    }

    /// The call the agent is reserved for, talking on or holding.
    pub fn call(&self) -> Option<&CallKey> {
        match self {
            AgentState::Reserved { call }
            | AgentState::OnCall { call, .. }
            | AgentState::OnHold { call, .. } => Some(call),
            _ => None,
        }
    }

    pub fn is_logged_in(&self) -> bool {
        !matches!(self, AgentState::LoggedOut)
    }
}

/// An agent state without its data, for counting and display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AgentStateKind {
    LoggedOut,
    Ready,
    Reserved,
    OnCallInbound,
    OnCallOutbound,
    OnHold,
    WrapUp,
    NotReady,
}

/// Why an agent's state changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeReason {
    Login,
    Logout,
    /// The agent (phone or API) asked for ready.
    ReadyRequested,
    /// The agent (phone or API) asked for not-ready.
    NotReadyRequested,
    Offered,
    Answered,
    /// The agent refused the offer or let it ring out.
    Missed,
    /// The offer was taken back: the caller hung up, another agent answered (ring-all),
    /// the caller chose a callback.
    OfferCancelled,
    CallEnded,
    WrapUpEnded,
    Hold,
    Unhold,
    OutboundStarted,
    /// The agent's phone went away (unplugged, out of service): logged out, at once or
    /// when the call on it ends.
    DeviceLost,
    /// The agent passed their call on (a transfer) and wraps up.
    Transferred,
}

/// Why a call was turned away (join and leave rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefuseReason {
    /// No member agent was logged in when the call came (join rule `refuse`).
    NoAgentsToJoin,
    /// The last member agent logged out while the call waited (leave rule `leave`).
    NoAgentsLeft,
}

/// What the core wants done; drained with [`crate::Acd::poll_action`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Ring `agent` with `call`; report answered, refused or timed out.
    Offer { call: CallKey, agent: AgentId },
    /// Stop ringing `agent` (or stop a callback's ringing of it); nothing to report.
    CancelOffer { call: CallKey, agent: AgentId },
    /// Tell the caller their place and the expected wait.
    Announce {
        call: CallKey,
        position: usize,
        estimated_wait_ms: u64,
    },
    /// The call waited too long. To a queue: the core moved it already (tell the
    /// caller if wanted). To a flow: it has left the ACD. Callback: offer the caller one.
    Overflow { call: CallKey, to: OverflowTarget },
    /// A callback's turn: ring `agent` first (report answered, refused or timed out as
    /// for an offer), then, once the agent answered, dial `number`.
    StartCallback {
        call: CallKey,
        agent: AgentId,
        number: String,
    },
    /// The call is turned away (join and leave rules); it has left the ACD.
    Refused { call: CallKey, reason: RefuseReason },
}

/// What happened, for the event bus; drained with [`crate::Acd::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    AgentStateChanged {
        agent: AgentId,
        from: AgentState,
        to: AgentState,
        reason: ChangeReason,
        at_ms: u64,
    },
    /// A queue's number of calls (waiting, offered or waiting for a callback) or its
    /// longest-waiting call changed.
    QueueChanged {
        queue: QueueName,
        waiting: usize,
        longest_wait_ms: u64,
        at_ms: u64,
    },
    CallEntered {
        call: CallKey,
        queue: QueueName,
        priority: u8,
        /// The caller is on the VIP list (their priority was raised).
        vip: bool,
        at_ms: u64,
    },
    CallOffered {
        call: CallKey,
        agent: AgentId,
        at_ms: u64,
    },
    CallAnswered {
        call: CallKey,
        agent: AgentId,
        queue: QueueName,
        waited_ms: u64,
        at_ms: u64,
    },
    /// The caller hung up before an agent answered (or cancelled their callback).
    CallAbandoned {
        call: CallKey,
        queue: QueueName,
        waited_ms: u64,
        at_ms: u64,
    },
    CallOverflowed {
        call: CallKey,
        from: QueueName,
        to: OverflowTarget,
        at_ms: u64,
    },
    CallbackRequested {
        call: CallKey,
        number: String,
        at_ms: u64,
    },
    CallRefused {
        call: CallKey,
        queue: QueueName,
        reason: RefuseReason,
        at_ms: u64,
    },
    /// The agent passed an answered call on: to `queue` (it waits there again, keeping
    /// its place in time), or out of the ACD (`None`: an extension or outside number).
    CallTransferred {
        call: CallKey,
        agent: AgentId,
        to_queue: Option<QueueName>,
        talk_ms: u64,
        at_ms: u64,
    },
    /// An answered call (or callback) ended.
    CallEnded {
        call: CallKey,
        agent: AgentId,
        talk_ms: u64,
        at_ms: u64,
    },
}

impl Event {
    /// The call this event ends for the ACD: abandoned, overflowed to a flow, refused,
    /// ended after an answer.
    pub fn finished_call(&self) -> Option<&CallKey> {
        match self {
            Event::CallAbandoned { call, .. }
            | Event::CallRefused { call, .. }
            | Event::CallEnded { call, .. } => Some(call),
            Event::CallTransferred {
                call,
                to_queue: None,
                ..
            } => Some(call),
            Event::CallOverflowed {
                call,
                to: OverflowTarget::Flow(_),
                ..
            } => Some(call),
            _ => None,
        }
    }
}

/// Where a call the ACD holds is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum CallState {
    Waiting,
    /// Reserved agents ringing (one, or several with ring-all).
    Offered {
        agents: Vec<AgentId>,
    },
    /// The caller hung up and waits for a callback at `number`; `reserved` while its
    /// agent is rung.
    Callback {
        number: String,
        reserved: Option<AgentId>,
    },
    /// Answered by `agent` (or a callback the agent answered).
    Connected {
        agent: AgentId,
    },
}

/// The ACD's state for `GET /api/queues` and `GET /api/agents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    pub at_ms: u64,
    pub queues: Vec<QueueSnapshot>,
    pub agents: Vec<AgentSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueSnapshot {
    pub name: QueueName,
    pub strategy: Strategy,
    /// Calls not yet answered: waiting, offered or waiting for a callback.
    pub waiting: usize,
    pub offered: usize,
    pub callbacks: usize,
    pub connected: usize,
    pub longest_wait_ms: u64,
    pub agents_logged_in: usize,
    pub agents_ready: usize,
    pub entered: u64,
    pub answered: u64,
    pub answered_within_service_level: u64,
    pub service_level_ms: u64,
    pub abandoned: u64,
    pub overflowed: u64,
    pub refused: u64,
    pub average_handle_time_ms: u64,
    /// The unanswered calls in the order they are served.
    pub calls: Vec<WaitingCallSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaitingCallSnapshot {
    pub call: CallKey,
    pub position: usize,
    pub priority: u8,
    pub caller: String,
    pub waited_ms: u64,
    pub state: CallState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentSnapshot {
    pub id: AgentId,
    pub name: String,
    pub state: AgentState,
    pub since_ms: u64,
    pub time_in_state_ms: u64,
    pub device: Option<String>,
    pub queues: Vec<QueueName>,
    pub skills: BTreeMap<String, u8>,
    pub answered_today: u64,
    pub missed_in_row: u32,
}

/// A configuration the core cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("queue `{0}` is configured twice")]
    DuplicateQueue(QueueName),
    #[error("agent `{0}` is configured twice")]
    DuplicateAgent(AgentId),
    #[error("{owner}: no queue `{queue}`")]
    UnknownQueue { owner: String, queue: QueueName },
    #[error("{owner}: skill `{skill}` level {level} is not within 1-10")]
    SkillLevel {
        owner: String,
        skill: String,
        level: u8,
    },
    #[error("queue `{0}`: ring_timeout_ms must be more than 0")]
    RingTimeout(QueueName),
    #[error("queue `{0}`: announce_every_ms must be more than 0")]
    AnnounceEvery(QueueName),
    #[error("queue `{0}`: the overflow's max_wait_ms must be more than 0")]
    MaxWait(QueueName),
}

/// An input the core cannot take; the core's state is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcdError {
    #[error("no queue `{0}`")]
    UnknownQueue(QueueName),
    #[error("no agent `{0}`")]
    UnknownAgent(AgentId),
    #[error("no call `{0}` in the ACD")]
    UnknownCall(CallKey),
    #[error("call `{0}` is already in the ACD")]
    DuplicateCall(CallKey),
    #[error("priority {0} is not within 0-9")]
    Priority(u8),
    #[error("skill `{skill}` level {level} is not within 1-10")]
    SkillLevel { skill: String, level: u8 },
    #[error("`{0}` is not a configured not-ready reason")]
    UnknownReason(String),
    #[error("agent `{0}` is not logged in")]
    NotLoggedIn(AgentId),
    #[error("agent `{agent}` is {state:?}")]
    AgentBusy {
        agent: AgentId,
        state: AgentStateKind,
    },
    #[error("device `{device}` is in use by agent `{agent}`")]
    DeviceInUse { device: String, agent: AgentId },
    #[error("call `{call}` is not offered to agent `{agent}`")]
    NoSuchOffer { call: CallKey, agent: AgentId },
    #[error("call `{0}` is not answered")]
    NotConnected(CallKey),
    #[error("call `{0}` is already a callback")]
    AlreadyCallback(CallKey),
    #[error("agent `{0}` is not on a call")]
    NotOnCall(AgentId),
    #[error("agent `{0}` is not holding a call")]
    NotOnHold(AgentId),
    #[error("call `{0}` is an outbound call of its agent, not a queue call")]
    NotAQueueCall(CallKey),
}

/// A broken invariant, found by [`crate::Acd::check_invariants`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ACD invariant broken at {at_ms} ms: {what}")]
pub struct InvariantViolation {
    pub at_ms: u64,
    pub what: String,
}
