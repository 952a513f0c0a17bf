//! Whether the call is being recorded, decided by `recording.toml`'s rules as the call
//! goes on: once the caller's line carries audio, the most specific rule that applies
//! decides (agent over queue over extension over trunk over the default), and again each
//! time a more specific one comes to apply (the call joins a queue, an agent answers).
//! `on-demand` leaves the recording as it is until an agent or supervisor asks.

use box_config::{RecordMode, RecordRule, RecordingSettings};
use std::sync::Arc;

/// What the call actor does for the session's recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordingOutput {
    /// Start recording the caller's leg (left: the caller; right: what the box sends them).
    Start {
        /// The rule that asked (`always:trunk 1`, `30%:queue billing`, `on-demand`).
        reason: String,
        retention_days: u32,
    },
    /// Start recording a voicemail message on the caller's leg for `mailbox` (while it
    /// records, the rules start and stop nothing).
    StartMessage {
        mailbox: String,
        retention_days: u32,
    },
    /// Stop it; the file is closed.
    Stop,
}

/// Why an on-demand request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordingRefused {
    #[error("the rule for this call is {0}, not on-demand")]
    NotOnDemand(String),
    #[error("the call is being recorded already")]
    AlreadyRecording,
    #[error("the call is not being recorded")]
    NotRecording,
    #[error("the call has no audio yet")]
    NoAudioYet,
    #[error("the call is over")]
    Ended,
    #[error("the caller is leaving a voicemail message")]
    VoicemailMessage,
}

/// What a call is, for choosing its rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordingContext {
    pub trunk: Option<u16>,
    pub extension: Option<String>,
    pub queue: Option<String>,
    pub agent: Option<String>,
    /// The caller's line carries audio (answered by the box or by a destination).
    pub audio: bool,
}

pub(crate) struct CallRecording {
    settings: Arc<RecordingSettings>,
    /// Per call, so a share picks the same way every time it is asked for that call.
    seed: u64,
    /// The rule that decided last (`agent 1001`), so a rule decides once.
    decided_by: Option<String>,
    on: bool,
    /// What records is a voicemail message: the rules leave it alone.
    message: bool,
}

impl CallRecording {
    pub(crate) fn new(settings: Arc<RecordingSettings>, seed: u64) -> CallRecording {
        CallRecording {
            settings,
            seed,
            decided_by: None,
            on: false,
            message: false,
        }
    }

    pub(crate) fn none() -> CallRecording {
        CallRecording::new(Arc::new(RecordingSettings::default()), 0)
    }

    pub(crate) fn is_on(&self) -> bool {
        self.on
    }

    /// The rule that applies now and what it is called.
    fn applicable(&self, context: &RecordingContext) -> (String, RecordRule) {
        let s = &self.settings;
        let by_name = |kind: &str,
                       rules: &std::collections::BTreeMap<String, RecordRule>,
                       name: &Option<String>| {
            name.as_ref().and_then(|name| {
                rules
                    .get(name)
                    .map(|rule| (format!("{kind} {name}"), *rule))
            })
        };
        by_name("agent", &s.agents, &context.agent)
            .or_else(|| by_name("queue", &s.queues, &context.queue))
            .or_else(|| by_name("extension", &s.extensions, &context.extension))
            .or_else(|| {
                context.trunk.and_then(|trunk| {
                    s.trunks
                        .get(&trunk)
                        .map(|rule| (format!("trunk {trunk}"), *rule))
                })
            })
            .unwrap_or_else(|| ("default".to_owned(), s.default))
    }

    /// Called after every input: a rule that has newly come to apply decides.
    pub(crate) fn update(&mut self, context: &RecordingContext) -> Option<RecordingOutput> {
        if !self.settings.configured || !context.audio || self.message {
            return None;
        }
        let (scope, rule) = self.applicable(context);
        if self.decided_by.as_deref() == Some(scope.as_str()) {
            return None;
        }
        self.decided_by = Some(scope.clone());
        let wanted = match rule.mode {
            RecordMode::Always => Some(true),
            RecordMode::Never => Some(false),
            RecordMode::Share(percent) => Some(self.draw(&scope) < percent as u64),
            RecordMode::OnDemand => None,
        };
        match wanted {
            Some(true) if !self.on => {
                self.on = true;
                Some(RecordingOutput::Start {
                    reason: format!("{}:{scope}", rule.mode.name()),
                    retention_days: rule.retention_days,
                })
            }
            Some(false) if self.on => {
                self.on = false;
                Some(RecordingOutput::Stop)
            }
            _ => None,
        }
    }

    /// An agent or supervisor starts (`start`) or stops the recording; only where the
    /// rule that applies is `on-demand`.
    pub(crate) fn on_demand(
        &mut self,
        context: &RecordingContext,
        start: bool,
    ) -> Result<RecordingOutput, RecordingRefused> {
        if self.message {
            return Err(RecordingRefused::VoicemailMessage);
        }
        let (scope, rule) = self.applicable(context);
        if rule.mode != RecordMode::OnDemand {
            return Err(RecordingRefused::NotOnDemand(format!(
                "{} ({scope})",
                rule.mode.name()
            )));
        }
        match (start, self.on) {
            (true, true) => Err(RecordingRefused::AlreadyRecording),
            (false, false) => Err(RecordingRefused::NotRecording),
            (true, false) if !context.audio => Err(RecordingRefused::NoAudioYet),
            (true, false) => {
                self.on = true;
                Ok(RecordingOutput::Start {
                    reason: format!("on-demand:{scope}"),
                    retention_days: rule.retention_days,
                })
            }
            (false, true) => {
                self.on = false;
                Ok(RecordingOutput::Stop)
            }
        }
    }

    /// A voicemail message starts recording for `mailbox`. The engine taps a channel
    /// once: a recording the rules started stops first. Kept as long as the box's
    /// default retention.
    pub(crate) fn start_message(&mut self, mailbox: &str) -> Vec<RecordingOutput> {
        let mut outputs = Vec::new();
        if self.on && !self.message {
            outputs.push(RecordingOutput::Stop);
        }
        self.on = true;
        self.message = true;
        outputs.push(RecordingOutput::StartMessage {
            mailbox: mailbox.to_owned(),
            retention_days: self.settings.default.retention_days,
        });
        outputs
    }

    /// The voicemail message is complete (`#`, its maximum length).
    pub(crate) fn stop_message(&mut self) -> Option<RecordingOutput> {
        if !std::mem::take(&mut self.message) {
            return None;
        }
        self.on = false;
        Some(RecordingOutput::Stop)
    }

    /// The call ends: a running recording (or message) stops.
    pub(crate) fn end(&mut self) -> Option<RecordingOutput> {
        self.message = false;
        if std::mem::take(&mut self.on) {
            Some(RecordingOutput::Stop)
        } else {
            None
        }
    }

    /// 0-99, fixed for this call and rule.
    fn draw(&self, scope: &str) -> u64 {
        let mut x = scope
            .bytes()
            .fold(self.seed ^ 0x9e37_79b9_7f4a_7c15, |h, b| {
                (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
            });
        // splitmix64's finaliser: neighbouring seeds give unrelated draws.
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (x ^ (x >> 31)) % 100
    }
}

/// A seed from the call's id: the same call draws the same way.
pub fn seed_for(call_id: &str) -> u64 {
    call_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(mode: RecordMode) -> RecordRule {
        RecordRule {
            mode,
            retention_days: 30,
        }
    }

    fn settings(f: impl FnOnce(&mut RecordingSettings)) -> Arc<RecordingSettings> {
        let mut s = RecordingSettings {
            configured: true,
            ..RecordingSettings::default()
        };
        f(&mut s);
        Arc::new(s)
    }

    fn context(trunk: Option<u16>, queue: Option<&str>, agent: Option<&str>) -> RecordingContext {
        RecordingContext {
            trunk,
            extension: None,
            queue: queue.map(String::from),
            agent: agent.map(String::from),
            audio: true,
        }
    }

    #[test]
    fn the_most_specific_rule_decides_as_the_call_goes_on() {
        let s = settings(|s| {
            s.trunks.insert(1, rule(RecordMode::Always));
            s.queues
                .insert("billing".into(), rule(RecordMode::OnDemand));
            s.agents.insert("1001".into(), rule(RecordMode::Never));
        });
        let mut call = CallRecording::new(s, 7);
        let not_yet = RecordingContext {
            audio: false,
            ..context(Some(1), None, None)
        };
        assert_eq!(call.update(&not_yet), None, "no audio yet: nothing starts");
        assert_eq!(
            call.update(&context(Some(1), None, None)),
            Some(RecordingOutput::Start {
                reason: "always:trunk 1".into(),
                retention_days: 30
            })
        );
        assert_eq!(
            call.update(&context(Some(1), None, None)),
            None,
            "decided once"
        );
        // On-demand in the queue: what runs keeps running.
        assert_eq!(call.update(&context(Some(1), Some("billing"), None)), None);
        assert!(call.is_on());
        // The agent is never recorded.
        assert_eq!(
            call.update(&context(Some(1), Some("billing"), Some("1001"))),
            Some(RecordingOutput::Stop)
        );
        assert_eq!(call.end(), None);
    }

    #[test]
    fn on_demand_starts_and_stops_only_where_the_rule_says_so() {
        let s = settings(|s| {
            s.queues.insert("sales".into(), rule(RecordMode::OnDemand));
        });
        let mut call = CallRecording::new(s, 1);
        let outside = context(None, None, None);
        assert_eq!(call.update(&outside), None);
        assert_eq!(
            call.on_demand(&outside, true),
            Err(RecordingRefused::NotOnDemand("never (default)".into()))
        );
        let queued = context(None, Some("sales"), Some("1002"));
        assert_eq!(call.update(&queued), None);
        assert_eq!(
            call.on_demand(&queued, false),
            Err(RecordingRefused::NotRecording)
        );
        assert_eq!(
            call.on_demand(&queued, true),
            Ok(RecordingOutput::Start {
                reason: "on-demand:queue sales".into(),
                retention_days: 30
            })
        );
        assert_eq!(
            call.on_demand(&queued, true),
            Err(RecordingRefused::AlreadyRecording)
        );
        assert_eq!(call.on_demand(&queued, false), Ok(RecordingOutput::Stop));
        assert_eq!(call.on_demand(&queued, true).map(|_| ()), Ok(()));
        assert_eq!(call.end(), Some(RecordingOutput::Stop));
    }

    #[test]
    fn a_share_records_about_that_share_of_calls_and_the_same_call_the_same_way() {
        let s = settings(|s| {
            s.queues
                .insert("billing".into(), rule(RecordMode::Share(30)));
        });
        let queued = context(None, Some("billing"), None);
        let recorded = (0..2_000)
            .filter(|n| {
                let mut call =
                    CallRecording::new(Arc::clone(&s), seed_for(&format!("c1765000000-{n}")));
                call.update(&queued).is_some()
            })
            .count();
        assert!(
            (520..=680).contains(&recorded),
            "30% of 2000 calls, got {recorded}"
        );
        let draw = |n: u64| {
            CallRecording::new(Arc::clone(&s), n)
                .update(&queued)
                .is_some()
        };
        assert!((0..50).all(|n| draw(n) == draw(n)));
    }

    #[test]
    fn a_voicemail_message_stops_the_rules_recording_first_and_the_rules_wait_for_it() {
        let s = settings(|s| {
            s.default.retention_days = 45;
            s.trunks.insert(1, rule(RecordMode::Always));
            s.queues.insert("billing".into(), rule(RecordMode::Never));
            s.agents.insert("1001".into(), rule(RecordMode::OnDemand));
        });
        let mut call = CallRecording::new(s, 3);
        assert!(call.update(&context(Some(1), None, None)).is_some());
        assert_eq!(
            call.start_message("202"),
            vec![
                RecordingOutput::Stop,
                RecordingOutput::StartMessage {
                    mailbox: "202".into(),
                    retention_days: 45
                }
            ]
        );
        // A rule that would stop it, or an on-demand request, changes nothing.
        assert_eq!(call.update(&context(Some(1), Some("billing"), None)), None);
        assert_eq!(
            call.on_demand(&context(Some(1), None, Some("1001")), false),
            Err(RecordingRefused::VoicemailMessage)
        );
        assert!(call.is_on());
        assert_eq!(call.stop_message(), Some(RecordingOutput::Stop));
        assert_eq!(call.stop_message(), None);
        assert_eq!(call.end(), None);
    }

    #[test]
    fn a_voicemail_message_records_without_recording_toml_and_stops_at_the_end() {
        let mut call = CallRecording::none();
        assert_eq!(
            call.start_message("202"),
            vec![RecordingOutput::StartMessage {
                mailbox: "202".into(),
                retention_days: box_config::RecordingSettings::default()
                    .default
                    .retention_days
            }]
        );
        assert_eq!(call.update(&context(Some(1), None, None)), None);
        assert_eq!(call.end(), Some(RecordingOutput::Stop));
    }

    #[test]
    fn without_recording_toml_nothing_is_recorded() {
        let mut call = CallRecording::none();
        assert_eq!(call.update(&context(Some(1), Some("q"), Some("a"))), None);
        assert!(!call.is_on());
    }
}
