//! The thresholds the reports count against.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Defaults: calls abandoned within 5 s are short abandons; the service level is
/// answered within 20 s unless a queue has its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsConfig {
    /// Abandoned after waiting at most this long: counted apart, and left out of the
    /// service level (the caller hardly waited).
    pub short_abandon_ms: u64,
    pub default_service_level_ms: u64,
    /// Queue name → its service-level threshold (e.g. the ACD's `service_level_ms`).
    pub service_level_ms: BTreeMap<String, u64>,
}

impl Default for StatsConfig {
    fn default() -> Self {
        StatsConfig {
            short_abandon_ms: 5_000,
            default_service_level_ms: 20_000,
            service_level_ms: BTreeMap::new(),
        }
    }
}

impl StatsConfig {
    /// Answered within this wait counts within the service level.
    pub fn service_level_ms_for(&self, queue: &str) -> u64 {
        self.service_level_ms
            .get(queue)
            .copied()
            .unwrap_or(self.default_service_level_ms)
    }
}
