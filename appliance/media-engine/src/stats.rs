//! Tick lateness histogram and counters, written by the engine thread without locks and
//! read by anyone (the status endpoint) at any time.

use serde::Serialize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

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

    /// Every bucket's count now, to take the figures of a window later
    /// ([`LatenessCounts::since`]).
    pub fn counts(&self) -> LatenessCounts {
        LatenessCounts(
            self.counts
                .iter()
                .map(|c| c.load(Ordering::Relaxed))
                .collect(),
        )
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

/// A histogram's bucket counts at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LatenessCounts(Vec<u64>);

impl LatenessCounts {
    /// The figures of what was recorded between `earlier` and these counts (a bench's
    /// measuring window); `max_us` is the upper bound of the highest bucket used.
    pub fn since(&self, earlier: &LatenessCounts) -> LatenessSummary {
        let window: Vec<u64> = self
            .0
            .iter()
            .enumerate()
            .map(|(i, now)| now.saturating_sub(earlier.0.get(i).copied().unwrap_or(0)))
            .collect();
        let total: u64 = window.iter().sum();
        let percentile = |fraction: f64| {
            let wanted = ((total as f64) * fraction).ceil().max(1.0) as u64;
            let mut seen = 0;
            for (index, count) in window.iter().enumerate() {
                seen += count;
                if seen >= wanted {
                    return bucket_upper(index);
                }
            }
            0
        };
        LatenessSummary {
            samples: total,
            p50_us: if total == 0 { 0 } else { percentile(0.50) },
            p99_us: if total == 0 { 0 } else { percentile(0.99) },
            max_us: window
                .iter()
                .rposition(|count| *count > 0)
                .map_or(0, bucket_upper),
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

/// One soft device's counters (its `DeviceStats`), copied here by the engine thread,
/// which owns the device, so anyone can read them without a lock.
#[derive(Debug)]
pub struct DeviceCounters {
    pub id: u16,
    pub connected: AtomicBool,
    pub blocks_rx: AtomicU64,
    pub blocks_tx: AtomicU64,
    pub underruns: AtomicU64,
    pub overruns: AtomicU64,
    pub tx_dropped: AtomicU64,
    pub connects: AtomicU64,
    pub protocol_errors: AtomicU64,
    pub hello_timeouts: AtomicU64,
}

impl DeviceCounters {
    pub fn new(id: u16) -> DeviceCounters {
        DeviceCounters {
            id,
            connected: AtomicBool::new(false),
            blocks_rx: AtomicU64::new(0),
            blocks_tx: AtomicU64::new(0),
            underruns: AtomicU64::new(0),
            overruns: AtomicU64::new(0),
            tx_dropped: AtomicU64::new(0),
            connects: AtomicU64::new(0),
            protocol_errors: AtomicU64::new(0),
            hello_timeouts: AtomicU64::new(0),
        }
    }

    /// Engine thread only: a few relaxed stores, no allocation.
    pub(crate) fn publish(&self, stats: &soft_hardware::DeviceStats, connected: bool) {
        let store = |counter: &AtomicU64, value: u64| counter.store(value, Ordering::Relaxed);
        self.connected.store(connected, Ordering::Relaxed);
        store(&self.blocks_rx, stats.blocks_rx);
        store(&self.blocks_tx, stats.blocks_tx);
        store(&self.underruns, stats.underruns);
        store(&self.overruns, stats.overruns);
        store(&self.tx_dropped, stats.tx_dropped);
        store(&self.connects, stats.connects);
        store(&self.protocol_errors, stats.protocol_errors);
        store(&self.hello_timeouts, stats.hello_timeouts);
    }

    pub fn snapshot(&self) -> DeviceStatsSnapshot {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        DeviceStatsSnapshot {
            id: self.id,
            connected: self.connected.load(Ordering::Relaxed),
            counters: DeviceCounts {
                blocks_rx: load(&self.blocks_rx),
                blocks_tx: load(&self.blocks_tx),
                underruns: load(&self.underruns),
                overruns: load(&self.overruns),
                tx_dropped: load(&self.tx_dropped),
                connects: load(&self.connects),
                protocol_errors: load(&self.protocol_errors),
                hello_timeouts: load(&self.hello_timeouts),
            },
        }
    }
}

/// What WIRE-FORMAT.md promises is counted per device.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct DeviceCounts {
    /// Blocks received from the far end.
    pub blocks_rx: u64,
    /// Blocks sent to the far end.
    pub blocks_tx: u64,
    /// Ticks with no received block waiting while connected (silence played).
    pub underruns: u64,
    /// Received blocks dropped because 4 were already waiting.
    pub overruns: u64,
    /// Blocks not sent because the far end did not read.
    pub tx_dropped: u64,
    /// Far ends that completed HELLO.
    pub connects: u64,
    /// Connections closed for a protocol violation.
    pub protocol_errors: u64,
    /// Connections dropped for sending no HELLO in time.
    pub hello_timeouts: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DeviceStatsSnapshot {
    pub id: u16,
    /// A far end has completed HELLO.
    pub connected: bool,
    #[serde(flatten)]
    pub counters: DeviceCounts,
}

/// Everything the engine counts, shared read-only with the rest of the box.
#[derive(Debug)]
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
    /// Commands refused (`QueueFull`) because the engine did not drain its queue.
    pub commands_refused: AtomicU64,
    /// `Connect`s refused because the listener already heard `MAX_SOURCES` channels.
    pub connects_refused: AtomicU64,
    /// Tap frames dropped because a tap's reader fell behind (all channels).
    pub tap_frames_dropped: AtomicU64,
    /// Engine time reached: 20 ms per tick run (and per tick skipped in real time).
    pub engine_time_ms: AtomicU64,
    /// Per soft device, in the engine's device order; the frame totals are their sums.
    pub devices: Box<[DeviceCounters]>,
    /// Lock-step ticks after which the control plane did not go quiet in time.
    pub quiescence_timeouts: AtomicU64,
    /// D-channel frames received good, sent, refused (HDLC queue full), and received bad.
    pub dchannel_frames_in: AtomicU64,
    pub dchannel_frames_out: AtomicU64,
    pub dchannel_tx_dropped: AtomicU64,
    pub dchannel_errors: AtomicU64,
    /// Engine events the dispatcher handed to the control plane.
    pub events_dispatched: AtomicU64,
    /// The last `ReplacePrompts` the engine applied (0: the store it started with).
    pub prompts_generation: AtomicU64,
    /// What the watchdog last judged of the engine and dispatcher threads.
    pub health: crate::watchdog::HealthCell,
}

#[derive(Debug, Clone, Serialize)]
pub struct EngineStatsSnapshot {
    pub engine_time_ms: u64,
    pub ticks: u64,
    pub tick_lateness: LatenessSummary,
    /// The lateness histogram's buckets, for figures over a window.
    #[serde(skip)]
    pub tick_lateness_counts: LatenessCounts,
    pub tick_duration: LatenessSummary,
    pub missed_ticks: u64,
    pub events_dropped: u64,
    pub commands_refused: u64,
    pub connects_refused: u64,
    pub tap_frames_dropped: u64,
    /// Sums of the devices' underruns, overruns and tx_dropped.
    pub frames_underrun: u64,
    pub frames_overrun: u64,
    pub frames_tx_dropped: u64,
    pub quiescence_timeouts: u64,
    pub dchannel_frames_in: u64,
    pub dchannel_frames_out: u64,
    pub dchannel_tx_dropped: u64,
    pub dchannel_errors: u64,
    pub events_dispatched: u64,
    /// The engine thread: running, stalled (real time, engine time not moving) or dead.
    pub engine_health: crate::watchdog::Health,
    /// The thread that hands engine events to the control plane.
    pub dispatcher_health: crate::watchdog::Health,
    /// Per device (the web status shows them with each device, not here).
    #[serde(skip)]
    pub devices: Vec<DeviceStatsSnapshot>,
}

impl EngineStats {
    /// Counters for the devices with these ids, in the engine's device order.
    pub fn new(device_ids: impl IntoIterator<Item = u16>) -> EngineStats {
        EngineStats {
            tick_lateness: LatenessHistogram::default(),
            tick_duration: LatenessHistogram::default(),
            ticks: AtomicU64::new(0),
            missed_ticks: AtomicU64::new(0),
            events_dropped: AtomicU64::new(0),
            commands_refused: AtomicU64::new(0),
            connects_refused: AtomicU64::new(0),
            tap_frames_dropped: AtomicU64::new(0),
            engine_time_ms: AtomicU64::new(0),
            devices: device_ids.into_iter().map(DeviceCounters::new).collect(),
            quiescence_timeouts: AtomicU64::new(0),
            dchannel_frames_in: AtomicU64::new(0),
            dchannel_frames_out: AtomicU64::new(0),
            dchannel_tx_dropped: AtomicU64::new(0),
            dchannel_errors: AtomicU64::new(0),
            events_dispatched: AtomicU64::new(0),
            prompts_generation: AtomicU64::new(0),
            health: crate::watchdog::HealthCell::default(),
        }
    }

    pub fn snapshot(&self) -> EngineStatsSnapshot {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let devices: Vec<DeviceStatsSnapshot> =
            self.devices.iter().map(DeviceCounters::snapshot).collect();
        let sum = |counter: fn(&DeviceCounts) -> u64| -> u64 {
            devices.iter().map(|d| counter(&d.counters)).sum()
        };
        EngineStatsSnapshot {
            engine_time_ms: load(&self.engine_time_ms),
            ticks: load(&self.ticks),
            tick_lateness: self.tick_lateness.summary(),
            tick_lateness_counts: self.tick_lateness.counts(),
            tick_duration: self.tick_duration.summary(),
            missed_ticks: load(&self.missed_ticks),
            events_dropped: load(&self.events_dropped),
            commands_refused: load(&self.commands_refused),
            connects_refused: load(&self.connects_refused),
            tap_frames_dropped: load(&self.tap_frames_dropped),
            frames_underrun: sum(|c| c.underruns),
            frames_overrun: sum(|c| c.overruns),
            frames_tx_dropped: sum(|c| c.tx_dropped),
            quiescence_timeouts: load(&self.quiescence_timeouts),
            dchannel_frames_in: load(&self.dchannel_frames_in),
            dchannel_frames_out: load(&self.dchannel_frames_out),
            dchannel_tx_dropped: load(&self.dchannel_tx_dropped),
            dchannel_errors: load(&self.dchannel_errors),
            events_dispatched: load(&self.events_dispatched),
            engine_health: self.health.engine(),
            dispatcher_health: self.health.dispatcher(),
            devices,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_counts_only_what_came_after_its_start() {
        let histogram = LatenessHistogram::default();
        for _ in 0..1000 {
            histogram.record(5_000); // a bad start-up, before the window
        }
        let start = histogram.counts();
        for _ in 0..99 {
            histogram.record(100);
        }
        histogram.record(1_500);
        let window = histogram.counts().since(&start);
        assert_eq!(window.samples, 100);
        assert_eq!(window.p50_us, bucket_upper(bucket_of(100)));
        assert_eq!(window.p99_us, bucket_upper(bucket_of(100)));
        assert_eq!(window.max_us, bucket_upper(bucket_of(1_500)));
        assert!(
            histogram.summary().p50_us >= 5_000,
            "the whole run's figures keep the start"
        );
        assert_eq!(start.since(&start).samples, 0);
    }

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
