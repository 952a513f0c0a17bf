//! The monitor: the state it keeps per call, queue, agent and surge key, and the one
//! place alerts are raised and cleared.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use events::{Event, IvrStep, QueueStep};

use crate::surge::{threshold, SurgeCounter};
use crate::{AckError, Alert, AlertChange, AlertConfig, AlertKind};

/// Cleared alerts kept for the API, beyond the active ones.
const KEEP_CLEARED: usize = 500;

#[derive(Debug, Default)]
struct QueueWatch {
    waiting: usize,
    /// Since when the longest-waiting call waits (engine ms); `None`: nobody waits.
    oldest_since_ms: Option<u64>,
}

/// See the crate docs.
#[derive(Debug)]
pub struct AlertMonitor {
    config: AlertConfig,
    next_id: u64,
    alerts: BTreeMap<u64, Alert>,
    /// Condition → the id of its active alert.
    active: BTreeMap<String, u64>,
    changes: VecDeque<AlertChange>,
    /// Each live call's caller number.
    callers: HashMap<String, Option<String>>,
    /// Calls whose area code was counted already.
    area_counted: HashSet<String>,
    queues: BTreeMap<String, QueueWatch>,
    /// Agents not ready: reason and since when.
    not_ready: BTreeMap<String, (String, u64)>,
    surges: SurgeCounter,
    /// The count each active surge was raised at.
    surge_raised_at: BTreeMap<String, usize>,
    now_ms: u64,
}

impl AlertMonitor {
    pub fn new(config: AlertConfig) -> AlertMonitor {
        AlertMonitor {
            config,
            next_id: 1,
            alerts: BTreeMap::new(),
            active: BTreeMap::new(),
            changes: VecDeque::new(),
            callers: HashMap::new(),
            area_counted: HashSet::new(),
            queues: BTreeMap::new(),
            not_ready: BTreeMap::new(),
            surges: SurgeCounter::default(),
            surge_raised_at: BTreeMap::new(),
            now_ms: 0,
        }
    }

    /// Thresholds and surge settings from now on (a configuration applied live); the
    /// alerts already raised stay until their condition clears.
    pub fn set_config(&mut self, config: AlertConfig) {
        self.config = config;
    }

    /// One event of the bus, at its engine time.
    pub fn handle_event(&mut self, at_ms: u64, event: &Event) {
        self.now_ms = self.now_ms.max(at_ms);
        let now = self.now_ms;
        match event {
            Event::CallStarted { call, from, .. } => {
                self.callers.insert(call.to_string(), from.clone());
            }
            Event::CallEnded { call, .. } => {
                self.callers.remove(call.as_ref());
                self.area_counted.remove(call.as_ref());
                self.clear(&format!("vip:{call}"), now);
            }
            Event::Queue {
                call,
                step:
                    QueueStep::Entered {
                        queue, vip: true, ..
                    },
            } => {
                let caller = self.callers.get(call.as_ref()).cloned().flatten();
                self.raise(
                    AlertKind::Vip {
                        call: call.to_string(),
                        queue: queue.clone(),
                        caller,
                    },
                    now,
                );
            }
            Event::Queue {
                call,
                step: QueueStep::Answered { .. },
            } => self.clear(&format!("vip:{call}"), now),
            Event::QueueChanged {
                queue,
                waiting,
                longest_wait_ms,
            } => {
                let watch = self.queues.entry(queue.clone()).or_default();
                watch.waiting = *waiting;
                watch.oldest_since_ms =
                    (*waiting > 0).then(|| at_ms.saturating_sub(*longest_wait_ms));
                self.check_queue(queue, now);
            }
            Event::AgentStateChanged {
                agent,
                to,
                not_ready_reason,
                ..
            } => {
                // A new state (or a new reason) starts the clock again.
                self.clear(&format!("not-ready:{agent}"), now);
                if to == "not-ready" {
                    let reason = not_ready_reason.clone().unwrap_or_default();
                    self.not_ready.insert(agent.clone(), (reason, at_ms));
                } else {
                    self.not_ready.remove(agent);
                }
            }
            Event::Ivr { call, flow, step } => self.ivr_step(call, flow, step, now),
            _ => {}
        }
        self.check_time(now);
    }

    /// Time passed: waits grow, agents stay not ready, surges calm down.
    pub fn handle_time(&mut self, now_ms: u64) {
        self.now_ms = self.now_ms.max(now_ms);
        self.check_time(self.now_ms);
    }

    /// A supervisor acknowledged an alert (active or not).
    pub fn acknowledge(&mut self, id: u64, by: &str, now_ms: u64) -> Result<(), AckError> {
        let alert = self.alerts.get_mut(&id).ok_or(AckError::Unknown(id))?;
        if alert.acknowledged_at_ms.is_some() {
            return Err(AckError::Already(id));
        }
        alert.acknowledged_by = Some(by.to_owned());
        alert.acknowledged_at_ms = Some(now_ms.max(self.now_ms));
        self.changes
            .push_back(AlertChange::Acknowledged(alert.clone()));
        Ok(())
    }

    pub fn poll_change(&mut self) -> Option<AlertChange> {
        self.changes.pop_front()
    }

    /// Active alerts, oldest first.
    pub fn active(&self) -> Vec<&Alert> {
        self.alerts.values().filter(|a| a.is_active()).collect()
    }

    /// Every alert kept (active and recently cleared), newest first.
    pub fn all(&self) -> Vec<&Alert> {
        self.alerts.values().rev().collect()
    }

    fn ivr_step(&mut self, call: &str, flow: &str, step: &IvrStep, now: u64) {
        let Some(surge) = self.config.surge.clone() else {
            return;
        };
        if let IvrStep::DigitsCollected { node, digits } = step {
            if digits.chars().count() == 1 {
                self.note_surge(format!("ivr:{flow}/{node}={digits}"), now);
            }
        }
        if surge.area_code_digits > 0 && self.area_counted.insert(call.to_owned()) {
            let area = self
                .callers
                .get(call)
                .cloned()
                .flatten()
                .filter(|from| from.len() > surge.area_code_digits)
                .map(|from| from[..surge.area_code_digits].to_owned());
            if let Some(area) = area {
                self.note_surge(format!("area:{area}"), now);
            }
        }
    }

    fn note_surge(&mut self, key: String, now: u64) {
        let Some(config) = self.config.surge.clone() else {
            return;
        };
        self.surges.note(key.clone(), now);
        let counts = self.surges.counts(&config, &key, now);
        if counts.recent >= threshold(&config, counts.usual)
            && !self.active.contains_key(&format!("surge:{key}"))
        {
            self.surge_raised_at.insert(key.clone(), counts.recent);
            self.raise(
                AlertKind::Surge {
                    key,
                    count: counts.recent,
                    usual: counts.usual,
                    window_ms: config.window_ms,
                },
                now,
            );
        }
    }

    fn check_queue(&mut self, queue: &str, now: u64) {
        let Some(thresholds) = self.config.queues.get(queue).cloned() else {
            return;
        };
        let Some(watch) = self.queues.get(queue) else {
            return;
        };
        let (waiting, oldest) = (watch.waiting, watch.oldest_since_ms);
        if let Some(threshold) = thresholds.waiting {
            if waiting >= threshold {
                self.raise(
                    AlertKind::QueueWaiting {
                        queue: queue.to_owned(),
                        waiting,
                        threshold,
                    },
                    now,
                );
            } else {
                self.clear(&format!("waiting:{queue}"), now);
            }
        }
        if let Some(threshold_ms) = thresholds.longest_wait_ms {
            let waited_ms = oldest.map(|since| now.saturating_sub(since));
            match waited_ms {
                Some(waited_ms) if waited_ms >= threshold_ms => self.raise(
                    AlertKind::QueueLongestWait {
                        queue: queue.to_owned(),
                        waited_ms,
                        threshold_ms,
                    },
                    now,
                ),
                _ => self.clear(&format!("longest-wait:{queue}"), now),
            }
        }
    }

    fn check_time(&mut self, now: u64) {
        let queues: Vec<String> = self.queues.keys().cloned().collect();
        for queue in queues {
            self.check_queue(&queue, now);
        }
        let overdue: Vec<(String, String, u64)> = self
            .not_ready
            .iter()
            .filter_map(|(agent, (reason, since))| {
                let limit = self
                    .config
                    .not_ready_limits_ms
                    .get(reason)
                    .copied()
                    .or(self.config.not_ready_default_ms)?;
                (now.saturating_sub(*since) >= limit)
                    .then(|| (agent.clone(), reason.clone(), limit))
            })
            .collect();
        for (agent, reason, limit_ms) in overdue {
            self.raise(
                AlertKind::NotReadyTooLong {
                    agent,
                    reason,
                    limit_ms,
                },
                now,
            );
        }
        if let Some(config) = self.config.surge.clone() {
            self.surges.forget_before(&config, now);
            let calmed: Vec<String> = self
                .surge_raised_at
                .iter()
                .filter(|(key, raised)| self.surges.counts(&config, key, now).recent * 2 < **raised)
                .map(|(key, _)| key.clone())
                .collect();
            for key in calmed {
                self.surge_raised_at.remove(&key);
                self.clear(&format!("surge:{key}"), now);
            }
        }
    }

    /// Raises an alert unless its condition has one active already.
    fn raise(&mut self, kind: AlertKind, now: u64) {
        let condition = kind.condition();
        if self.active.contains_key(&condition) {
            return;
        }
        let id = self.next_id;
        self.next_id += 1;
        let alert = Alert {
            id,
            text: kind.text(),
            kind,
            raised_at_ms: now,
            cleared_at_ms: None,
            acknowledged_by: None,
            acknowledged_at_ms: None,
        };
        self.active.insert(condition, id);
        self.alerts.insert(id, alert.clone());
        self.changes.push_back(AlertChange::Raised(alert));
        self.trim();
    }

    fn clear(&mut self, condition: &str, now: u64) {
        let Some(id) = self.active.remove(condition) else {
            return;
        };
        if let Some(alert) = self.alerts.get_mut(&id) {
            alert.cleared_at_ms = Some(now);
            self.changes.push_back(AlertChange::Cleared(alert.clone()));
        }
    }

    /// Keeps the active alerts and the last [`KEEP_CLEARED`] cleared ones.
    fn trim(&mut self) {
        let cleared: Vec<u64> = self
            .alerts
            .values()
            .filter(|a| !a.is_active())
            .map(|a| a.id)
            .collect();
        if cleared.len() > KEEP_CLEARED {
            for id in &cleared[..cleared.len() - KEEP_CLEARED] {
                self.alerts.remove(id);
            }
        }
    }
}
