//! Queue rows. A queue counts each attempt in the 15-minute interval the call first
//! entered it (`counted_at_ms`), all its figures there (the answer, the abandon, the
//! handle time), so a row's ratios are over one set of calls.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{average, percent, IntervalRow};
use crate::calendar::Granularity;
use crate::config::StatsConfig;
use crate::records::{AttemptOutcome, QueueAttempt};

/// One queue over one interval: counts and sums only (ratios are methods).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueIntervalRow {
    pub queue: String,
    pub granularity: Granularity,
    pub start_ms: u64,
    /// Calls that entered the queue (joined, overflowed or transferred in; turned away
    /// on joining too), each once. Equals answered + abandoned + overflowed + refused
    /// + unfinished.
    pub offered: u64,
    pub answered: u64,
    pub answered_within_service_level: u64,
    pub abandoned: u64,
    /// Of `abandoned`: within the short-abandon threshold.
    pub abandoned_short: u64,
    /// The abandoned calls' waits, summed.
    pub abandon_wait_ms: u64,
    pub overflowed: u64,
    pub refused: u64,
    /// Still waiting when the box stopped.
    pub unfinished: u64,
    /// Of `offered`: calls that took a callback.
    pub callbacks: u64,
    /// The answered calls' waits, summed.
    pub answer_wait_ms: u64,
    /// Every agent's service of the queue's calls (a transfer within the queue adds
    /// the second agent's).
    pub talk_ms: u64,
    pub hold_ms: u64,
    pub wrap_up_ms: u64,
    pub transfers_out: u64,
}

impl QueueIntervalRow {
    fn empty(queue: &str, start_ms: u64) -> QueueIntervalRow {
        QueueIntervalRow {
            queue: queue.to_owned(),
            granularity: Granularity::FifteenMinutes,
            start_ms,
            offered: 0,
            answered: 0,
            answered_within_service_level: 0,
            abandoned: 0,
            abandoned_short: 0,
            abandon_wait_ms: 0,
            overflowed: 0,
            refused: 0,
            unfinished: 0,
            callbacks: 0,
            answer_wait_ms: 0,
            talk_ms: 0,
            hold_ms: 0,
            wrap_up_ms: 0,
            transfers_out: 0,
        }
    }

    /// Talk, hold and wrap-up.
    pub fn handle_ms(&self) -> u64 {
        self.talk_ms + self.hold_ms + self.wrap_up_ms
    }

    /// Answered within the service level, of the calls answered or abandoned after the
    /// short-abandon threshold (overflowed, refused and short abandons left out).
    pub fn service_level_percent(&self) -> Option<f64> {
        let counted = self.answered + self.abandoned - self.abandoned_short;
        percent(self.answered_within_service_level, counted)
    }

    /// Average speed of answer: the answered calls' average wait.
    pub fn average_speed_of_answer_ms(&self) -> Option<f64> {
        average(self.answer_wait_ms, self.answered)
    }

    /// Average handle time per answered call (a call transferred within the queue
    /// brings both agents' handle time).
    pub fn average_handle_time_ms(&self) -> Option<f64> {
        average(self.handle_ms(), self.answered)
    }

    pub fn average_abandon_wait_ms(&self) -> Option<f64> {
        average(self.abandon_wait_ms, self.abandoned)
    }
}

impl IntervalRow for QueueIntervalRow {
    fn key(&self) -> &str {
        &self.queue
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
        self.offered += other.offered;
        self.answered += other.answered;
        self.answered_within_service_level += other.answered_within_service_level;
        self.abandoned += other.abandoned;
        self.abandoned_short += other.abandoned_short;
        self.abandon_wait_ms += other.abandon_wait_ms;
        self.overflowed += other.overflowed;
        self.refused += other.refused;
        self.unfinished += other.unfinished;
        self.callbacks += other.callbacks;
        self.answer_wait_ms += other.answer_wait_ms;
        self.talk_ms += other.talk_ms;
        self.hold_ms += other.hold_ms;
        self.wrap_up_ms += other.wrap_up_ms;
        self.transfers_out += other.transfers_out;
    }
}

/// 15-minute rows per queue, sorted by interval start, then queue.
pub fn queue_intervals(attempts: &[QueueAttempt], config: &StatsConfig) -> Vec<QueueIntervalRow> {
    let mut rows: BTreeMap<(u64, &str), QueueIntervalRow> = BTreeMap::new();
    for attempt in attempts {
        let start = Granularity::FifteenMinutes.start_of(attempt.counted_at_ms);
        let row = rows
            .entry((start, attempt.queue.as_str()))
            .or_insert_with(|| QueueIntervalRow::empty(&attempt.queue, start));
        count_attempt(row, attempt, config);
    }
    rows.into_values().collect()
}

fn count_attempt(row: &mut QueueIntervalRow, attempt: &QueueAttempt, config: &StatsConfig) {
    if attempt.answered_by.is_some() {
        row.talk_ms += attempt.talk_ms;
        row.hold_ms += attempt.hold_ms;
        row.wrap_up_ms += attempt.wrap_up_ms;
    }
    if attempt.transferred_to.is_some() {
        row.transfers_out += 1;
    }
    // Back in a queue it was in: counted there already.
    if attempt.repeat_in_queue {
        return;
    }
    row.offered += 1;
    if attempt.callback {
        row.callbacks += 1;
    }
    match attempt.outcome {
        AttemptOutcome::Answered => {
            row.answered += 1;
            row.answer_wait_ms += attempt.waited_ms;
            if attempt.waited_ms <= config.service_level_ms_for(&attempt.queue) {
                row.answered_within_service_level += 1;
            }
        }
        AttemptOutcome::Abandoned => {
            row.abandoned += 1;
            row.abandon_wait_ms += attempt.waited_ms;
            if attempt.waited_ms <= config.short_abandon_ms {
                row.abandoned_short += 1;
            }
        }
        AttemptOutcome::Overflowed => row.overflowed += 1,
        AttemptOutcome::Refused => row.refused += 1,
        AttemptOutcome::Unfinished => row.unfinished += 1,
    }
}
