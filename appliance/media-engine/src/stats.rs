//! Tick lateness histogram and counters, written by the engine thread without locks and
//! read by anyone (the status endpoint) at any time.

use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};

/// Buckets are log-linear: 4 per power of two of microseconds, so a percentile read from
/// them is within about 19% of the true value, from 1 µs up to over a minute.
const SUB_BUCKETS: u32 = 4;
const BUCKETS: usize = 27 * SUB_BUCKETS as usize;

#[derive(Debug)]
pub struct LatenessHistogram {
    counts: [AtomicU64; BUCKETS],
    max_us: AtomicU64,
    total: AtomicU64,
}

fn bucket_of(us: u64) -> usize {
    if us < SUB_BUCKETS as u64 {
        return us as usize;
    }
    let power = 63 - us.leading_zeros(); // us >= 4, so power >= 2
    let mantissa = (us >> (power - 2)) & 0b11;
    let index = ((power - 1) * SUB_BUCKETS) as u64 + mantissa;
    (index as usize).min(BUCKETS - 1)
}

/// Upper bound (µs) of what lands in bucket `index`.
fn bucket_upper(index: usize) -> u64 {
    if index < SUB_BUCKETS as usize {
        return index as u64;
    }
    let power = index as u32 / SUB_BUCKETS + 1;
    let mantissa = index as u64 % SUB_BUCKETS as u64;
    ((4 + mantissa + 1) << (power - 2)) - 1
}

impl Default for LatenessHistogram {
    fn default() -> Self {
        LatenessHistogram {
            counts: std::array::from_fn(|_| AtomicU64::new(0)),
            max_us: AtomicU64::new(0),
            total: AtomicU64::new(0),
        }
    }
}

impl LatenessHistogram {
    pub fn record(&self, us: u64) {
        self.counts[bucket_of(us)].fetch_add(1, Ordering::Relaxed);
        self.total.fetch_add(1, Ordering::Relaxed);
        self.max_us.fetch_max(us, Ordering::Relaxed);
    }

    /// The value (µs, bucket upper bound) below which `fraction` of the samples fall.
    pub fn percentile(&self, fraction: f64) -> u64 {
        let total = self.total.load(Ordering::Relaxed);
        if total == 0 {
            return 0;
        }
        let wanted = ((total as f64) * fraction).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count.load(Ordering::Relaxed);
            if seen >= wanted {
                return bucket_upper(index).min(self.max_us.load(Ordering::Relaxed));
            }
        }
        self.max_us.load(Ordering::Relaxed)
    }

    pub fn summary(&self) -> LatenessSummary {
        LatenessSummary {
            samples: self.total.load(Ordering::Relaxed),
            p50_us: self.percentile(0.50),
            p99_us: self.percentile(0.99),
            max_us: self.max_us.load(Ordering::Relaxed),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LatenessSummary {
    pub samples: u64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

/// Everything the engine counts, shared read-only with the rest of the box.
#[derive(Debug, Default)]
pub struct EngineStats {
    /// How late each tick started against its schedule (real-time clock only).
    pub tick_lateness: LatenessHistogram,
    /// How long each tick's processing took.
    pub tick_duration: LatenessHistogram,
    pub ticks: AtomicU64,
    /// Ticks the real-time clock fired while the engine was still busy.
    pub missed_ticks: AtomicU64,
    /// Events dropped because the control plane did not drain the queue.
    pub events_dropped: AtomicU64,
    /// Received frames that never came (far end underrun) and that overflowed.
    pub frames_underrun: AtomicU64,
    pub frames_overrun: AtomicU64,
    /// Frames we could not send because the far end did not read.
    pub frames_tx_dropped: AtomicU64,
    /// Lock-step ticks after which the control plane did not go quiet in time.
    pub quiescence_timeouts: AtomicU64,
    /// D-channel frames received good, sent, refused (HDLC queue full), and received bad.
    pub dchannel_frames_in: AtomicU64,
    pub dchannel_frames_out: AtomicU64,
    pub dchannel_tx_dropped: AtomicU64,
    pub dchannel_errors: AtomicU64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EngineStatsSnapshot {
    pub ticks: u64,
    pub tick_lateness: LatenessSummary,
    pub tick_duration: LatenessSummary,
    pub missed_ticks: u64,
    pub events_dropped: u64,
    pub frames_underrun: u64,
    pub frames_overrun: u64,
    pub frames_tx_dropped: u64,
    pub quiescence_timeouts: u64,
    pub dchannel_frames_in: u64,
    pub dchannel_frames_out: u64,
    pub dchannel_tx_dropped: u64,
    pub dchannel_errors: u64,
}

impl EngineStats {
    pub fn snapshot(&self) -> EngineStatsSnapshot {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        EngineStatsSnapshot {
            ticks: load(&self.ticks),
            tick_lateness: self.tick_lateness.summary(),
            tick_duration: self.tick_duration.summary(),
            missed_ticks: load(&self.missed_ticks),
            events_dropped: load(&self.events_dropped),
            frames_underrun: load(&self.frames_underrun),
            frames_overrun: load(&self.frames_overrun),
            frames_tx_dropped: load(&self.frames_tx_dropped),
            quiescence_timeouts: load(&self.quiescence_timeouts),
            dchannel_frames_in: load(&self.dchannel_frames_in),
            dchannel_frames_out: load(&self.dchannel_frames_out),
            dchannel_tx_dropped: load(&self.dchannel_tx_dropped),
            dchannel_errors: load(&self.dchannel_errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_ordered_and_bounds_contain_their_values() {
        let mut last = 0;
        for us in (0..200_000u64).step_by(7) {
            let index = bucket_of(us);
            assert!(index >= last, "bucket order broke at {us}");
            last = index;
            assert!(
                bucket_upper(index) >= us,
                "upper bound of bucket {index} below {us}"
            );
            if index > 0 {
                assert!(
                    bucket_upper(index - 1) < us,
                    "{us} belongs in an earlier bucket"
                );
            }
        }
    }

    #[test]
    fn percentiles_within_bucket_resolution() {
        let histogram = LatenessHistogram::default();
        for us in 1..=1000u64 {
            histogram.record(us);
        }
        let summary = histogram.summary();
        assert_eq!(summary.samples, 1000);
        assert_eq!(summary.max_us, 1000);
        assert!(
            (500..=600).contains(&summary.p50_us),
            "p50 {}",
            summary.p50_us
        );
        assert!(
            (990..=1000).contains(&summary.p99_us),
            "p99 {}",
            summary.p99_us
        );
    }
}
