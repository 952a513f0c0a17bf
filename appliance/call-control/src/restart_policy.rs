//! How often a failed actor is restarted: at once the first time, then after a growing
//! pause (engine time, so lock-step runs stay deterministic); an actor that fails again and
//! again within a window is put out of service with an alarm instead of being restarted
//! forever (a port that panics at every start must not spin the box).

use std::collections::VecDeque;

/// Failures within this much engine time count together.
pub const WINDOW_MS: u64 = 60_000;
/// Restarts allowed within the window; the next failure puts the actor out of service.
pub const MAX_RESTARTS: usize = 3;
/// Pause before the n-th restart within the window (the first is immediate).
const BACKOFF_MS: [u64; MAX_RESTARTS] = [0, 1_000, 4_000];

/// What to do about one failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Start a fresh actor once engine time reaches this.
    RestartAt(u64),
    /// Too many failures: leave it out of service.
    GiveUp,
}

/// One actor's recent failures.
#[derive(Debug, Default, Clone)]
pub struct RestartHistory {
    failures: VecDeque<u64>,
}

impl RestartHistory {
    pub fn on_failure(&mut self, now_ms: u64) -> Decision {
        while self
            .failures
            .front()
            .is_some_and(|at| now_ms.saturating_sub(*at) >= WINDOW_MS)
        {
            self.failures.pop_front();
        }
        self.failures.push_back(now_ms);
        match BACKOFF_MS.get(self.failures.len() - 1) {
            Some(pause) => Decision::RestartAt(now_ms + pause),
            None => Decision::GiveUp,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_back_off_then_give_up_within_the_window() {
        let mut history = RestartHistory::default();
        assert_eq!(history.on_failure(1_000), Decision::RestartAt(1_000));
        assert_eq!(history.on_failure(2_000), Decision::RestartAt(3_000));
        assert_eq!(history.on_failure(5_000), Decision::RestartAt(9_000));
        assert_eq!(history.on_failure(10_000), Decision::GiveUp);
    }

    #[test]
    fn failures_far_apart_are_each_restarted_at_once() {
        let mut history = RestartHistory::default();
        for minute in 0..10 {
            let now = minute * WINDOW_MS;
            assert_eq!(history.on_failure(now), Decision::RestartAt(now));
        }
    }
}
