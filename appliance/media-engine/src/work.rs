//! Quiescence tracking for lock-step clocking.
//!
//! In lock-step the far end drives time, and a run must give the same result every time.
//! So after each tick the engine waits until the control plane has finished reacting to
//! that tick's events: every event carries a [`WorkToken`]; actors hold it while handling
//! the event and clone it into any message they send on. When the last token drops, the
//! control plane is quiet and the next tick may run.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::Thread;
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct WorkGauge {
    pending: AtomicUsize,
    waiter: OnceLock<Thread>,
}

impl WorkGauge {
    pub fn new() -> Arc<WorkGauge> {
        Arc::new(WorkGauge::default())
    }

    /// A token for one unit of work; the gauge is quiet again once it (and its clones) drop.
    pub fn token(self: &Arc<Self>) -> WorkToken {
        self.pending.fetch_add(1, Ordering::AcqRel);
        WorkToken {
            gauge: Some(Arc::clone(self)),
        }
    }

    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }

    /// Blocks the calling thread until no work is pending or `timeout` passes.
    /// Returns false on timeout. Only one thread (the engine) may wait.
    pub fn wait_quiet(&self, timeout: Duration) -> bool {
        let _ = self.waiter.set(std::thread::current());
        let deadline = Instant::now() + timeout;
        while self.pending() > 0 {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            // Parking has no allocation; the last token to drop unparks us.
            std::thread::park_timeout((deadline - now).min(Duration::from_millis(5)));
        }
        true
    }
}

/// Held while a piece of control-plane work triggered by a tick is under way.
#[derive(Debug)]
pub struct WorkToken {
    gauge: Option<Arc<WorkGauge>>,
}

impl WorkToken {
    /// A token that tracks nothing: for work that does not come from a tick (web requests).
    pub fn untracked() -> WorkToken {
        WorkToken { gauge: None }
    }
}

impl Clone for WorkToken {
    fn clone(&self) -> Self {
        match &self.gauge {
            Some(gauge) => gauge.token(),
            None => WorkToken::untracked(),
        }
    }
}

impl Drop for WorkToken {
    fn drop(&mut self) {
        if let Some(gauge) = self.gauge.take() {
            if gauge.pending.fetch_sub(1, Ordering::AcqRel) == 1 {
                if let Some(waiter) = gauge.waiter.get() {
                    waiter.unpark();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_only_after_every_clone_drops() {
        let gauge = WorkGauge::new();
        let first = gauge.token();
        let second = first.clone();
        assert_eq!(gauge.pending(), 2);
        drop(first);
        assert!(!gauge.wait_quiet(Duration::from_millis(20)));
        let worker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            drop(second);
        });
        assert!(gauge.wait_quiet(Duration::from_secs(5)));
        worker.join().unwrap();
        assert_eq!(gauge.pending(), 0);
    }

    #[test]
    fn untracked_tokens_never_hold_the_engine() {
        let gauge = WorkGauge::new();
        let token = WorkToken::untracked();
        let _clone = token.clone();
        assert!(gauge.wait_quiet(Duration::from_millis(1)));
    }
}
