//! Interval tables, built from the records by pure functions: 15-minute rows per queue
//! ([`queue_intervals`]) and per agent ([`agent_intervals`]), rolled up to coarser
//! intervals by adding sums ([`rollup`]); every ratio is a method computing it from a
//! row's sums, so a rolled-up row's ratios are exact, never averages of averages.

mod agents;
mod queues;

pub use agents::{agent_intervals, AgentIntervalRow, AGENT_STATES};
pub use queues::{queue_intervals, QueueIntervalRow};

use std::collections::BTreeMap;

use crate::calendar::Granularity;

/// A row of an interval table: a key (queue or agent), an interval, and sums.
pub trait IntervalRow: Clone {
    fn key(&self) -> &str;
    fn granularity(&self) -> Granularity;
    fn start_ms(&self) -> u64;
    /// The same sums, labelled as the interval of `granularity` starting at `start_ms`.
    fn relabel(&mut self, granularity: Granularity, start_ms: u64);
    /// Adds `other`'s sums to this row's.
    fn absorb(&mut self, other: &Self);
}

/// A roll-up that would split rows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RollupError {
    #[error("{from} rows do not fit within {to} intervals; roll up from 15m rows")]
    DoesNotNest { from: Granularity, to: Granularity },
}

/// `rows` added up per key into `to` intervals (UTC; weeks from Monday), sorted by
/// interval start, then key. The rows must be of a granularity that fits within `to`
/// (15-minute rows always do).
pub fn rollup<R: IntervalRow>(rows: &[R], to: Granularity) -> Result<Vec<R>, RollupError> {
    let mut rolled: BTreeMap<(u64, String), R> = BTreeMap::new();
    for row in rows {
        if !row.granularity().nests_in(to) {
            return Err(RollupError::DoesNotNest {
                from: row.granularity(),
                to,
            });
        }
        let start = to.start_of(row.start_ms());
        match rolled.get_mut(&(start, row.key().to_owned())) {
            Some(sum) => sum.absorb(row),
            None => {
                let mut first = row.clone();
                first.relabel(to, start);
                rolled.insert((start, row.key().to_owned()), first);
            }
        }
    }
    Ok(rolled.into_values().collect())
}

/// The rows whose interval starts within `[from_ms, to_ms)`.
pub fn between<R: IntervalRow>(rows: &[R], from_ms: u64, to_ms: u64) -> Vec<R> {
    rows.iter()
        .filter(|row| (from_ms..to_ms).contains(&row.start_ms()))
        .cloned()
        .collect()
}

/// `part / whole` as a percentage; `None` when there is no whole.
fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// `total / count`; `None` when nothing was counted.
fn average(total: u64, count: u64) -> Option<f64> {
    (count > 0).then(|| total as f64 / count as f64)
}
