//! The finished records the collector hands out: plain rows, ready to be stored (one
//! table each) and read back into the reports. Times are wall-clock Unix milliseconds
//! (UTC); durations are milliseconds.

use serde::{Deserialize, Serialize};

/// How a queue attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// An agent answered (for a callback: the agent answered the box's ring).
    Answered,
    /// The caller hung up before an answer (or a callback could not be placed).
    Abandoned,
    /// Its max wait passed and it went to another queue or a flow.
    Overflowed,
    /// Turned away by a join or leave rule.
    Refused,
    /// Still waiting (or ringing) when the box stopped.
    Unfinished,
}

/// How the call came into the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// It joined from the IVR or a route (a `queue` `entered` event), or was turned
    /// away on joining.
    Joined,
    /// Another queue's max wait moved it here.
    Overflow,
    /// An agent transferred it here.
    Transfer,
}

/// One call's stay in one queue: from its entry until it was answered and served
/// (wrap-up included), abandoned, overflowed, refused, or the box stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueAttempt {
    pub call: String,
    pub queue: String,
    /// 1 for the call's first queue in this stay in the ACD, then 2, 3… as overflows
    /// and transfers move it.
    pub attempt: u32,
    pub entry: EntryKind,
    /// The queue it overflowed from, or the agent who transferred it.
    pub entry_from: Option<String>,
    /// The call was in this queue before in the same stay (a transfer or overflow
    /// brought it back): its outcome is not counted again in the queue's offered,
    /// answered or abandoned; its handle time is.
    pub repeat_in_queue: bool,
    /// When the call first entered this queue in this stay: the interval the queue
    /// counts it in (equals `entered_at_ms` unless `repeat_in_queue`).
    pub counted_at_ms: u64,
    pub entered_at_ms: u64,
    pub priority: u8,
    pub vip: bool,
    /// Agents rung for it (ring-all rings several at once; each counts).
    pub offers: u32,
    pub outcome: AttemptOutcome,
    /// From entering this queue to the answer, the abandon, the overflow or the
    /// refusal (or to the stop, unfinished).
    pub waited_ms: u64,
    pub answered_by: Option<String>,
    pub answered_at_ms: Option<u64>,
    /// The caller was offered a callback (overflow `callback`).
    pub callback_offered: bool,
    /// The caller took a callback: hung up and was called back in their place.
    pub callback: bool,
    /// `queue:NAME` or `flow:NAME`.
    pub overflowed_to: Option<String>,
    /// `queue:NAME` or `out`.
    pub transferred_to: Option<String>,
    pub refused_reason: Option<String>,
    /// The answering agent's talk, without hold.
    pub talk_ms: u64,
    pub hold_ms: u64,
    /// The answering agent's wrap-up after this call, whole.
    pub wrap_up_ms: u64,
    /// When the record was complete (after the wrap-up).
    pub finished_at_ms: u64,
}

impl QueueAttempt {
    /// Talk, hold and wrap-up.
    pub fn handle_ms(&self) -> u64 {
        self.talk_ms + self.hold_ms + self.wrap_up_ms
    }
}

/// One agent rung for one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentOffer {
    pub call: String,
    pub queue: String,
    pub agent: String,
    pub offered_at_ms: u64,
    pub ring_ms: u64,
    pub answered: bool,
    /// Why the ringing stopped: the agent state change's reason (`answered`, `missed`,
    /// `offer-cancelled`, `logout`, `not-ready-requested`, `device-lost`), or
    /// `shutdown`.
    pub end_reason: String,
}

/// How an agent state span ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanEnd {
    /// The agent's state changed.
    StateChange,
    /// The box stopped (or restarted) while the agent was in this state. A not-ready
    /// span ended so goes on, same reason, from this end (see
    /// [`crate::StatsCollector::resume`]).
    Shutdown,
}

/// An agent in one state from `from_ms` to `to_ms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentStateSpan {
    pub agent: String,
    /// `logged-out`, `ready`, `reserved`, `on-call-inbound`, `on-call-outbound`,
    /// `on-hold`, `wrap-up`, `not-ready`.
    pub state: String,
    /// Why the agent entered it (`login`, `answered`, `missed`…).
    pub reason: String,
    pub not_ready_reason: Option<String>,
    pub from_ms: u64,
    pub to_ms: u64,
    pub ended_by: SpanEnd,
}

impl AgentStateSpan {
    pub fn duration_ms(&self) -> u64 {
        self.to_ms.saturating_sub(self.from_ms)
    }
}

/// One finished record, as [`crate::StatsCollector::drain_records`] hands them out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    QueueAttempt(QueueAttempt),
    AgentOffer(AgentOffer),
    AgentState(AgentStateSpan),
}

/// Records sorted by kind, what the reports read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSet {
    pub attempts: Vec<QueueAttempt>,
    pub offers: Vec<AgentOffer>,
    pub agent_states: Vec<AgentStateSpan>,
}

impl RecordSet {
    pub fn add(&mut self, record: Record) {
        match record {
            Record::QueueAttempt(attempt) => self.attempts.push(attempt),
            Record::AgentOffer(offer) => self.offers.push(offer),
            Record::AgentState(span) => self.agent_states.push(span),
        }
    }
}

impl Extend<Record> for RecordSet {
    fn extend<I: IntoIterator<Item = Record>>(&mut self, records: I) {
        for record in records {
            self.add(record);
        }
    }
}

impl FromIterator<Record> for RecordSet {
    fn from_iter<I: IntoIterator<Item = Record>>(records: I) -> Self {
        let mut set = RecordSet::default();
        set.extend(records);
        set
    }
}
