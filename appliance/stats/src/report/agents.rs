//! Agent rows. Time in each state is split across the intervals it spans (wall clock);
//! an offer counts in the interval it rang, an answered call's talk, hold and wrap-up
//! in the interval it was answered (the whole of each, not split).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{average, percent, IntervalRow};
use crate::calendar::Granularity;
use crate::records::{AgentOffer, AgentStateSpan, QueueAttempt, RecordSet};

/// The states the ACD reports, in display order (logged-out is not counted: its time
/// is no one's working time).
pub const AGENT_STATES: [&str; 7] = [
    READY,
    RESERVED,
    "on-call-inbound",
    "on-call-outbound",
    "on-hold",
    "wrap-up",
    NOT_READY,
];
/// The states an agent is busy with a call in (their own outbound calls too).
const BUSY_STATES: [&str; 5] = [
    RESERVED,
    "on-call-inbound",
    "on-call-outbound",
    "on-hold",
    "wrap-up",
];
const LOGGED_OUT: &str = "logged-out";
const READY: &str = "ready";
const RESERVED: &str = "reserved";
const NOT_READY: &str = "not-ready";
/// A not-ready span without a reason.
const NO_REASON: &str = "unspecified";

/// One agent over one interval: counts and sums only (ratios are methods).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentIntervalRow {
    pub agent: String,
    pub granularity: Granularity,
    pub start_ms: u64,
    /// Times the agent was rung for a call.
    pub offers: u64,
    /// Of `offers`: answered.
    pub offers_answered: u64,
    /// Calls the agent answered and served.
    pub answered: u64,
    /// Of those calls, the agent's own talk, hold and wrap-up.
    pub talk_ms: u64,
    pub hold_ms: u64,
    pub wrap_up_ms: u64,
    pub transfers_out: u64,
    /// State → time in it (logged-out not counted).
    pub state_ms: BTreeMap<String, u64>,
    /// Not-ready reason → time in it.
    pub not_ready_ms: BTreeMap<String, u64>,
}

impl AgentIntervalRow {
    fn empty(agent: &str, start_ms: u64) -> AgentIntervalRow {
        AgentIntervalRow {
            agent: agent.to_owned(),
            granularity: Granularity::FifteenMinutes,
            start_ms,
            offers: 0,
            offers_answered: 0,
            answered: 0,
            talk_ms: 0,
            hold_ms: 0,
            wrap_up_ms: 0,
            transfers_out: 0,
            state_ms: BTreeMap::new(),
            not_ready_ms: BTreeMap::new(),
        }
    }

    pub fn offers_not_answered(&self) -> u64 {
        self.offers.saturating_sub(self.offers_answered)
    }

    pub fn handle_ms(&self) -> u64 {
        self.talk_ms + self.hold_ms + self.wrap_up_ms
    }

    pub fn average_handle_time_ms(&self) -> Option<f64> {
        average(self.handle_ms(), self.answered)
    }

    pub fn time_in(&self, state: &str) -> u64 {
        self.state_ms.get(state).copied().unwrap_or(0)
    }

    /// Logged in: every state counted.
    pub fn logged_in_ms(&self) -> u64 {
        self.state_ms.values().sum()
    }

    /// Busy with calls: ringing, talking, holding, wrapping up.
    pub fn busy_ms(&self) -> u64 {
        BUSY_STATES.iter().map(|state| self.time_in(state)).sum()
    }

    /// Busy time over busy plus ready time (not-ready time is left out: the agent was
    /// not available for calls).
    pub fn occupancy_percent(&self) -> Option<f64> {
        let busy = self.busy_ms();
        percent(busy, busy + self.time_in(READY))
    }
}

impl IntervalRow for AgentIntervalRow {
    fn key(&self) -> &str {
        &self.agent
    }

    fn granularity(&self) -> Granularity {
        self.granularity
    }

    fn start_ms(&self) -> u64 {
        self.start_ms
    }

    fn relabel(&mut self, granularity: Granularity, start_ms: u64) {
        self.granularity = granularity;
        self.start_ms = start_ms;
    }

    fn absorb(&mut self, other: &Self) {
        self.offers += other.offers;
        self.offers_answered += other.offers_answered;
        self.answered += other.answered;
        self.talk_ms += other.talk_ms;
        self.hold_ms += other.hold_ms;
        self.wrap_up_ms += other.wrap_up_ms;
        self.transfers_out += other.transfers_out;
        for (state, ms) in &other.state_ms {
            *self.state_ms.entry(state.clone()).or_default() += ms;
        }
        for (reason, ms) in &other.not_ready_ms {
            *self.not_ready_ms.entry(reason.clone()).or_default() += ms;
        }
    }
}

/// 15-minute rows per agent, sorted by interval start, then agent.
pub fn agent_intervals(records: &RecordSet) -> Vec<AgentIntervalRow> {
    let mut rows = Rows::default();
    for span in &records.agent_states {
        rows.add_span(span);
    }
    for offer in &records.offers {
        rows.add_offer(offer);
    }
    for attempt in &records.attempts {
        rows.add_served(attempt);
    }
    rows.0.into_values().collect()
}

#[derive(Default)]
struct Rows(BTreeMap<(u64, String), AgentIntervalRow>);

impl Rows {
    fn row(&mut self, agent: &str, at_ms: u64) -> &mut AgentIntervalRow {
        let start = Granularity::FifteenMinutes.start_of(at_ms);
        self.0
            .entry((start, agent.to_owned()))
            .or_insert_with(|| AgentIntervalRow::empty(agent, start))
    }

    /// The span's time, cut at each interval boundary it crosses.
    fn add_span(&mut self, span: &AgentStateSpan) {
        if span.state == LOGGED_OUT {
            return;
        }
        let reason = (span.state == NOT_READY)
            .then(|| span.not_ready_reason.as_deref().unwrap_or(NO_REASON));
        let mut from = span.from_ms;
        while from < span.to_ms {
            let interval_end =
                Granularity::FifteenMinutes.start_of(from) + Granularity::QUARTER_HOUR_MS;
            let to = span.to_ms.min(interval_end);
            let row = self.row(&span.agent, from);
            *row.state_ms.entry(span.state.clone()).or_default() += to - from;
            if let Some(reason) = reason {
                *row.not_ready_ms.entry(reason.to_owned()).or_default() += to - from;
            }
            from = to;
        }
    }

    fn add_offer(&mut self, offer: &AgentOffer) {
        let row = self.row(&offer.agent, offer.offered_at_ms);
        row.offers += 1;
        if offer.answered {
            row.offers_answered += 1;
        }
    }

    fn add_served(&mut self, attempt: &QueueAttempt) {
        let (Some(agent), Some(answered_at)) = (&attempt.answered_by, attempt.answered_at_ms)
        else {
            return;
        };
        let row = self.row(agent, answered_at);
        row.answered += 1;
        row.talk_ms += attempt.talk_ms;
        row.hold_ms += attempt.hold_ms;
        row.wrap_up_ms += attempt.wrap_up_ms;
        if attempt.transferred_to.is_some() {
            row.transfers_out += 1;
        }
    }
}
