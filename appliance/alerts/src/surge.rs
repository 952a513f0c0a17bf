//! Counting choices per key over a sliding window and the baseline before it.

use std::collections::{BTreeMap, VecDeque};

use crate::SurgeConfig;

/// Times each key was seen, oldest first, kept for window + baseline.
#[derive(Debug, Default)]
pub(crate) struct SurgeCounter {
    seen: BTreeMap<String, VecDeque<u64>>,
}

/// A key's counts now: in the window, and usual (the baseline scaled to the window).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Counts {
    pub recent: usize,
    pub usual: f64,
}

impl SurgeCounter {
    pub fn note(&mut self, key: String, at_ms: u64) {
        self.seen.entry(key).or_default().push_back(at_ms);
    }

    /// Forgets what is older than window + baseline, and keys left empty.
    pub fn forget_before(&mut self, config: &SurgeConfig, now_ms: u64) {
        let horizon = now_ms.saturating_sub(config.window_ms + config.baseline_ms);
        for times in self.seen.values_mut() {
            while times.front().is_some_and(|t| *t < horizon) {
                times.pop_front();
            }
        }
        self.seen.retain(|_, times| !times.is_empty());
    }

    pub fn counts(&self, config: &SurgeConfig, key: &str, now_ms: u64) -> Counts {
        let Some(times) = self.seen.get(key) else {
            return Counts {
                recent: 0,
                usual: 0.0,
            };
        };
        let window_start = now_ms.saturating_sub(config.window_ms);
        let baseline_start = window_start.saturating_sub(config.baseline_ms);
        let recent = times.iter().filter(|t| **t > window_start).count();
        let before = times
            .iter()
            .filter(|t| **t > baseline_start && **t <= window_start)
            .count();
        let usual = if config.baseline_ms == 0 {
            0.0
        } else {
            before as f64 * config.window_ms as f64 / config.baseline_ms as f64
        };
        Counts { recent, usual }
    }
}

/// The count that makes a surge.
pub(crate) fn threshold(config: &SurgeConfig, usual: f64) -> usize {
    let scaled = (config.factor * usual).ceil();
    (scaled as usize).max(config.min_calls).max(1)
}
