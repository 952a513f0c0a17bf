//! Watches the engine and dispatcher threads from a thread of its own: a dead thread or a
//! real-time engine whose time stops moving (or a dispatcher that stops draining a queue
//! of waiting events) raises an alarm in the status and the log, and clears it when they
//! move again. The judgement is sans-IO ([`Watchdog::observe`]); the thread only samples.

use serde::Serialize;
use std::sync::atomic::{AtomicU8, Ordering};

/// How long a thread may make no progress before it counts as stalled.
pub const STALL_MS: u64 = 2_000;
/// How often the watchdog thread looks.
pub const SAMPLE_MS: u64 = 250;

/// A watched thread's condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Running,
    /// Alive but making no progress for [`STALL_MS`].
    Stalled,
    /// The thread has ended (it panicked or returned) while the box runs.
    Dead,
}

impl Health {
    fn code(self) -> u8 {
        match self {
            Health::Running => 0,
            Health::Stalled => 1,
            Health::Dead => 2,
        }
    }

    fn from_code(code: u8) -> Health {
        match code {
            1 => Health::Stalled,
            2 => Health::Dead,
            _ => Health::Running,
        }
    }
}

/// The health of both threads, readable from anywhere without a lock.
#[derive(Debug, Default)]
pub struct HealthCell {
    engine: AtomicU8,
    dispatcher: AtomicU8,
}

impl HealthCell {
    pub fn engine(&self) -> Health {
        Health::from_code(self.engine.load(Ordering::Relaxed))
    }
    pub fn dispatcher(&self) -> Health {
        Health::from_code(self.dispatcher.load(Ordering::Relaxed))
    }
    fn store(&self, engine: Health, dispatcher: Health) {
        self.engine.store(engine.code(), Ordering::Relaxed);
        self.dispatcher.store(dispatcher.code(), Ordering::Relaxed);
    }
}

/// One look at the threads.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Wall-clock ms (any monotonic origin).
    pub now_ms: u64,
    pub engine_alive: bool,
    /// Engine time; it must move in real time (in lock-step the far end drives it).
    pub engine_time_ms: u64,
    pub real_time: bool,
    pub dispatcher_alive: bool,
    /// Events the dispatcher handed on so far, and events waiting for it now.
    pub dispatched: u64,
    pub events_waiting: usize,
}

/// The judgement over successive samples.
#[derive(Debug, Default)]
pub struct Watchdog {
    engine_moved_ms: u64,
    engine_time_ms: u64,
    dispatcher_moved_ms: u64,
    dispatched: u64,
    seen: bool,
}

impl Watchdog {
    pub fn observe(&mut self, sample: Sample) -> (Health, Health) {
        if !self.seen || sample.engine_time_ms != self.engine_time_ms {
            self.engine_moved_ms = sample.now_ms;
            self.engine_time_ms = sample.engine_time_ms;
        }
        // An idle dispatcher (nothing waiting) is not stalled, only one that leaves
        // events waiting.
        if !self.seen || sample.dispatched != self.dispatched || sample.events_waiting == 0 {
            self.dispatcher_moved_ms = sample.now_ms;
            self.dispatched = sample.dispatched;
        }
        self.seen = true;
        let stalled = |moved: u64| sample.now_ms.saturating_sub(moved) >= STALL_MS;
        let engine = if !sample.engine_alive {
            Health::Dead
        } else if sample.real_time && stalled(self.engine_moved_ms) {
            Health::Stalled
        } else {
            Health::Running
        };
        let dispatcher = if !sample.dispatcher_alive {
            Health::Dead
        } else if stalled(self.dispatcher_moved_ms) {
            Health::Stalled
        } else {
            Health::Running
        };
        (engine, dispatcher)
    }
}

/// Runs the judgement on each sample, publishes it, and logs each change once.
pub(crate) fn record(cell: &HealthCell, verdict: (Health, Health)) {
    let (engine, dispatcher) = verdict;
    let before = (cell.engine(), cell.dispatcher());
    if before.0 != engine {
        match engine {
            Health::Running => tracing::info!("media engine running again"),
            other => tracing::error!(health = ?other, "media engine not running"),
        }
    }
    if before.1 != dispatcher {
        match dispatcher {
            Health::Running => tracing::info!("engine event dispatcher running again"),
            other => tracing::error!(health = ?other, "engine event dispatcher not running"),
        }
    }
    cell.store(engine, dispatcher);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(now_ms: u64, engine_time_ms: u64) -> Sample {
        Sample {
            now_ms,
            engine_alive: true,
            engine_time_ms,
            real_time: true,
            dispatcher_alive: true,
            dispatched: 0,
            events_waiting: 0,
        }
    }

    #[test]
    fn a_real_time_engine_whose_time_stops_is_stalled_until_it_moves() {
        let mut dog = Watchdog::default();
        assert_eq!(dog.observe(sample(0, 0)).0, Health::Running);
        assert_eq!(dog.observe(sample(1_000, 1_000)).0, Health::Running);
        assert_eq!(dog.observe(sample(2_900, 1_000)).0, Health::Running);
        assert_eq!(dog.observe(sample(3_000, 1_000)).0, Health::Stalled);
        assert_eq!(dog.observe(sample(3_250, 1_020)).0, Health::Running);
    }

    #[test]
    fn lock_step_time_may_stand_still_but_a_dead_thread_is_dead() {
        let mut dog = Watchdog::default();
        let still = Sample {
            real_time: false,
            ..sample(0, 0)
        };
        assert_eq!(dog.observe(still).0, Health::Running);
        let later = Sample {
            now_ms: 60_000,
            ..still
        };
        assert_eq!(dog.observe(later).0, Health::Running);
        let dead = Sample {
            engine_alive: false,
            dispatcher_alive: false,
            ..later
        };
        assert_eq!(dog.observe(dead), (Health::Dead, Health::Dead));
    }

    #[test]
    fn a_dispatcher_that_leaves_events_waiting_is_stalled() {
        let mut dog = Watchdog::default();
        let waiting = |now_ms, dispatched| Sample {
            dispatched,
            events_waiting: 5,
            ..sample(now_ms, now_ms)
        };
        assert_eq!(dog.observe(waiting(0, 10)).1, Health::Running);
        assert_eq!(dog.observe(waiting(1_000, 20)).1, Health::Running);
        assert_eq!(dog.observe(waiting(3_100, 20)).1, Health::Stalled);
        assert_eq!(dog.observe(waiting(3_350, 21)).1, Health::Running);
        // Idle (nothing waiting) for a long time is fine.
        let idle = Sample {
            events_waiting: 0,
            dispatched: 21,
            ..sample(60_000, 60_000)
        };
        assert_eq!(dog.observe(idle).1, Health::Running);
    }
}
