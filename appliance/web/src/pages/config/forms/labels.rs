//! What each setting is, in the user's language: the forms show it above the setting's
//! key (the key is what the files, `check-config` and the reference use). A key means
//! the same wherever it is written, so one table serves every file.

use crate::i18n::Msg;

/// The label of a setting in an entry of `pattern` (`nodes.*`, `span[]`, `""`); `None`
/// for one the forms know nothing about (shown by its key alone).
pub fn label(pattern: &str, key: &str) -> Option<Msg> {
    Some(match key {
        // The one key that means two things: a branch node's fallback, recording's rule.
        "default" if pattern == "nodes.*" => Msg::LabelDefaultNode,
        "default" => Msg::LabelRecordDefault,
        "name" => Msg::LabelName,
        "id" => Msg::LabelId,
        "tone_plan" => Msg::LabelTonePlan,
        "clock" => Msg::LabelClock,
        "log_level" => Msg::LabelLogLevel,
        "web_listen" => Msg::LabelWebListen,
        "web_plain_http" => Msg::LabelWebPlainHttp,
        "web_session_idle_minutes" => Msg::LabelSessionIdle,
        "device_dir" => Msg::LabelDeviceDir,
        "sounds_dir" => Msg::LabelSoundsDir,
        "music_dir" => Msg::LabelMusicDir,
        "lookup_ca_file" => Msg::LabelLookupCa,
        "kind" => Msg::LabelSpanKind,
        "signalling" => Msg::LabelSignalling,
        "switch" => Msg::LabelSwitch,
        "channels" => Msg::LabelChannels,
        "overlap" => Msg::LabelOverlap,
        "national_prefix" => Msg::LabelNationalPrefix,
        "international_prefix" => Msg::LabelInternationalPrefix,
        "number" => Msg::LabelLineNumber,
        "caller_id" => Msg::LabelCallerId,
        "disconnect" => Msg::LabelDisconnect,
        "extension" => Msg::LabelExtension,
        "display_name" => Msg::LabelDisplayName,
        "greeting" => Msg::LabelGreeting,
        "ring_timeout_s" => Msg::LabelRingTimeout,
        "lines" => Msg::LabelRouteLines,
        "called" => Msg::LabelCalled,
        "destination" => Msg::LabelDestination,
        "prefix" => Msg::LabelPrefix,
        "strip" => Msg::LabelStrip,
        "vip_numbers" => Msg::LabelVipNumbers,
        "vip_boost" => Msg::LabelVipBoost,
        "not_ready_reasons" => Msg::LabelNotReadyReasons,
        "default_handle_time_s" => Msg::LabelDefaultHandleTime,
        "strategy" => Msg::LabelStrategy,
        "skills" => Msg::LabelSkills,
        "widen" => Msg::LabelWiden,
        "max_missed" => Msg::LabelMaxMissed,
        "wrap_up_s" => Msg::LabelWrapUp,
        "max_wait_s" => Msg::LabelMaxWait,
        "overflow" => Msg::LabelOverflow,
        "service_level_s" => Msg::LabelServiceLevel,
        "announce_every_s" => Msg::LabelAnnounceEvery,
        "when_no_agents" => Msg::LabelWhenNoAgents,
        "music" => Msg::LabelMusic,
        "alert_waiting" => Msg::LabelAlertWaiting,
        "alert_longest_wait_s" => Msg::LabelAlertLongestWait,
        "survey" => Msg::LabelSurvey,
        "transfer_number" => Msg::LabelTransferNumber,
        "pin" => Msg::LabelPin,
        "queues" => Msg::LabelAgentQueues,
        "entry" => Msg::LabelEntry,
        "language" => Msg::LabelLanguage,
        "type" => Msg::LabelNodeType,
        "prompt" => Msg::LabelPrompt,
        "text" => Msg::LabelText,
        "next" => Msg::LabelNext,
        "barge_in" => Msg::LabelBargeIn,
        "choices" => Msg::LabelChoices,
        "timeout_s" => Msg::LabelTimeout,
        "invalid_prompt" => Msg::LabelInvalidPrompt,
        "timeout_prompt" => Msg::LabelTimeoutPrompt,
        "max_retries" => Msg::LabelMaxRetries,
        "on_failure" => Msg::LabelOnFailure,
        "min" => Msg::LabelMinDigits,
        "max" => Msg::LabelMaxDigits,
        "terminator" => Msg::LabelTerminator,
        "into" => Msg::LabelInto,
        "what" => Msg::LabelSayWhat,
        "value" => Msg::LabelValue,
        "variable" => Msg::LabelVariable,
        "cases" => Msg::LabelCases,
        "schedule" => Msg::LabelSchedule,
        "open" => Msg::LabelOpen,
        "closed" => Msg::LabelClosed,
        "url" => Msg::LabelUrl,
        "timeout_ms" => Msg::LabelTimeoutMs,
        "fields" => Msg::LabelFields,
        "to" => Msg::LabelTransferTo,
        "queue" => Msg::LabelQueue,
        "priority" => Msg::LabelPriority,
        "extensions" => Msg::LabelExtensions,
        "cause" => Msg::LabelCause,
        "mailbox" => Msg::LabelMailbox,
        "max_length_s" => Msg::LabelMaxLength,
        "not_ready_limit_min" => Msg::LabelNotReadyLimit,
        "not_ready_limits_min" => Msg::LabelNotReadyLimits,
        "window_min" => Msg::LabelSurgeWindow,
        "baseline_min" => Msg::LabelSurgeBaseline,
        "factor" => Msg::LabelSurgeFactor,
        "min_calls" => Msg::LabelSurgeMinCalls,
        "area_code_digits" => Msg::LabelAreaCodeDigits,
        "record" => Msg::LabelRecord,
        "retention_days" => Msg::LabelRetentionDays,
        "min_free_percent" => Msg::LabelMinFree,
        "max_disk_percent" => Msg::LabelMaxDisk,
        "directory" => Msg::LabelDirectory,
        "weekly" => Msg::LabelWeekly,
        "holidays" => Msg::LabelHolidays,
        "utc_offset" => Msg::LabelUtcOffset,
        "en" => Msg::LabelEnglishText,
        "zh" => Msg::LabelChineseText,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::schema::{node_settings, FileSchema};
    use super::*;

    #[test]
    fn every_setting_the_forms_offer_has_a_label() {
        let files = [
            "system.toml",
            "lines.toml",
            "routes.toml",
            "queues.toml",
            "agents.toml",
            "recording.toml",
            "schedules.toml",
            "prompts.toml",
            "flows/a.toml",
        ];
        for file in files {
            for (pattern, settings) in FileSchema::of(file).settings {
                for (key, _) in settings {
                    assert!(label(pattern, key).is_some(), "{file}: {key} has no label");
                }
            }
        }
        for (kind, _) in ivr::flow::node_types() {
            for (key, _) in node_settings(kind) {
                assert!(
                    label("nodes.*", key).is_some(),
                    "node type {kind}: {key} has no label"
                );
            }
        }
    }

    #[test]
    fn default_means_the_fallback_node_in_a_flow_and_the_rule_in_recording() {
        assert_eq!(label("nodes.*", "default"), Some(Msg::LabelDefaultNode));
        assert_eq!(label("", "default"), Some(Msg::LabelRecordDefault));
    }
}
