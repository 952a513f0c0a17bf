//! Alerts for the floor, sans-IO like the ACD core: an [`AlertMonitor`] is fed every
//! event of the box's bus ([`AlertMonitor::handle_event`]) and time
//! ([`AlertMonitor::handle_time`]), and raises and clears [`Alert`]s, drained with
//! [`AlertMonitor::poll_change`]. The actor around it publishes the changes on the bus
//! and stores them; supervisors acknowledge them ([`AlertMonitor::acknowledge`]).
//!
//! What raises an alert (each condition has at most one active alert; it is raised
//! once, and can be raised again only after it cleared):
//! - **VIP**: a caller on the VIP list entered a queue (`queue` event `entered` with
//!   `vip`). Clears when the call is answered or ends.
//! - **Queue waiting**: a queue's number of waiting calls reached its `waiting`
//!   threshold (`queue_changed`). Clears below it.
//! - **Queue longest wait**: a queue's longest-waiting call has waited its
//!   `longest_wait_ms` threshold. The bus says when the longest-waiting call changes;
//!   the wait itself grows with time, so this is checked on every `handle_time`.
//! - **Surge**: more callers than usual chose the same IVR menu option (a one-key
//!   `digits_collected`: `ivr:FLOW/NODE=KEY`), or called from the same area code (the
//!   first `area_code_digits` of the caller's number, for calls that reached a flow:
//!   `area:PREFIX`), within the last `window_ms`. "Usual" is the same key's count in the
//!   `baseline_ms` before that window, scaled to the window; the alert needs at least
//!   `min_calls` and `factor` times the usual. Clears when the window's count falls
//!   below half of what raised it.
//! - **Not ready too long**: an agent has been not ready longer than the limit for
//!   their reason (or the default limit). Clears when their state changes.
//!
//! Supervisors' notices to agents ([`NoticeBoard`]) live here too: floor messages that
//! go up and come down with time.

mod monitor;
pub mod notices;
mod surge;

pub use monitor::AlertMonitor;
pub use notices::{Notice, NoticeBoard, NoticeChange, NoticeError};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Per-queue thresholds; `None`: no alert of that kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueThresholds {
    pub waiting: Option<usize>,
    pub longest_wait_ms: Option<u64>,
}

/// Surge detection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurgeConfig {
    /// The recent window the count is taken over.
    pub window_ms: u64,
    /// How far back before the window "usual" is measured.
    pub baseline_ms: u64,
    /// How many times the usual count is a surge.
    pub factor: f64,
    /// Never fewer calls than this.
    pub min_calls: usize,
    /// Digits of the caller's number that make the area code; 0: no area surges.
    pub area_code_digits: usize,
}

impl Default for SurgeConfig {
    fn default() -> Self {
        SurgeConfig {
            window_ms: 10 * 60_000,
            baseline_ms: 60 * 60_000,
            factor: 3.0,
            min_calls: 20,
            area_code_digits: 3,
        }
    }
}

/// What the monitor watches for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertConfig {
    pub queues: BTreeMap<String, QueueThresholds>,
    /// Not-ready limit per reason; reasons not listed take `not_ready_default_ms`.
    pub not_ready_limits_ms: BTreeMap<String, u64>,
    pub not_ready_default_ms: Option<u64>,
    pub surge: Option<SurgeConfig>,
}

/// What an alert is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AlertKind {
    Vip {
        call: String,
        queue: String,
        caller: Option<String>,
    },
    QueueWaiting {
        queue: String,
        waiting: usize,
        threshold: usize,
    },
    QueueLongestWait {
        queue: String,
        waited_ms: u64,
        threshold_ms: u64,
    },
    Surge {
        /// `ivr:FLOW/NODE=KEY` or `area:PREFIX`.
        key: String,
        count: usize,
        usual: f64,
        window_ms: u64,
    },
    NotReadyTooLong {
        agent: String,
        reason: String,
        limit_ms: u64,
    },
}

impl AlertKind {
    /// Its `kind` in JSON and events (`vip`, `queue_waiting`, …).
    pub fn name(&self) -> &'static str {
        match self {
            AlertKind::Vip { .. } => "vip",
            AlertKind::QueueWaiting { .. } => "queue_waiting",
            AlertKind::QueueLongestWait { .. } => "queue_longest_wait",
            AlertKind::Surge { .. } => "surge",
            AlertKind::NotReadyTooLong { .. } => "not_ready_too_long",
        }
    }

    /// The condition this alert stands for: one active alert per condition.
    pub fn condition(&self) -> String {
        match self {
            AlertKind::Vip { call, .. } => format!("vip:{call}"),
            AlertKind::QueueWaiting { queue, .. } => format!("waiting:{queue}"),
            AlertKind::QueueLongestWait { queue, .. } => format!("longest-wait:{queue}"),
            AlertKind::Surge { key, .. } => format!("surge:{key}"),
            AlertKind::NotReadyTooLong { agent, .. } => format!("not-ready:{agent}"),
        }
    }

    /// A line for the wallboard and the log.
    pub fn text(&self) -> String {
        match self {
            AlertKind::Vip { queue, caller, .. } => format!(
                "VIP caller {} is waiting in queue {queue}",
                caller.as_deref().unwrap_or("(no number)")
            ),
            AlertKind::QueueWaiting {
                queue,
                waiting,
                threshold,
            } => format!("{waiting} calls waiting in queue {queue} (alert at {threshold})"),
            AlertKind::QueueLongestWait {
                queue,
                waited_ms,
                threshold_ms,
            } => format!(
                "a caller has waited {} s in queue {queue} (alert at {} s)",
                waited_ms / 1000,
                threshold_ms / 1000
            ),
            AlertKind::Surge {
                key,
                count,
                usual,
                window_ms,
            } => format!(
                "surge: {count} calls for {key} in the last {} min (usually {usual:.1})",
                window_ms / 60_000
            ),
            AlertKind::NotReadyTooLong {
                agent,
                reason,
                limit_ms,
            } => format!(
                "agent {agent} has been not ready ({reason}) for more than {} min",
                limit_ms / 60_000
            ),
        }
    }
}

/// An alert, raised at `raised_at_ms` (engine time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// 1, 2, 3… in raising order.
    pub id: u64,
    #[serde(flatten)]
    pub kind: AlertKind,
    pub text: String,
    pub raised_at_ms: u64,
    pub cleared_at_ms: Option<u64>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at_ms: Option<u64>,
}

impl Alert {
    pub fn is_active(&self) -> bool {
        self.cleared_at_ms.is_none()
    }
}

/// A change to report: the alert as it is now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum AlertChange {
    Raised(Alert),
    Cleared(Alert),
    Acknowledged(Alert),
}

impl AlertChange {
    pub fn alert(&self) -> &Alert {
        match self {
            AlertChange::Raised(alert)
            | AlertChange::Cleared(alert)
            | AlertChange::Acknowledged(alert) => alert,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AckError {
    #[error("no alert {0}")]
    Unknown(u64),
    #[error("alert {0} is acknowledged already")]
    Already(u64),
}
