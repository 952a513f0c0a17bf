//! `recording.toml` (optional): which calls are recorded, where, for how long, and how
//! much of the disk recordings may take. Without the file nothing is recorded.
//!
//! ```toml
//! default = "never"          # always | never | on-demand | "30%" (a share, at random)
//! retention_days = 90        # unless a rule says otherwise
//! min_free_percent = 10      # below this free share of the disk no recording starts
//! max_disk_percent = 50      # recordings beyond this share of the disk: oldest purged
//! # directory = "/srv/recordings"   # default: the data directory's `recordings/`
//!
//! [trunks.1]                 # an E1 span or FXO port, by id
//! record = "always"
//! retention_days = 30
//! [queues.billing]
//! record = "30%"
//! [extensions.201]
//! record = "on-demand"
//! [agents.1001]
//! record = "never"
//! ```
//!
//! The most specific rule that applies to a call decides, as the call goes on: an agent's
//! over a queue's, a queue's over an extension's, an extension's over a trunk's, and that
//! over `default`.

use crate::check::Check;
use crate::error::{ConfigError, SourceFile};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

pub const RECORDING_FILE: &str = "recording.toml";

/// Whether a call is recorded where a rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordMode {
    Always,
    Never,
    /// Only when an agent or supervisor starts it; what came before is not kept.
    OnDemand,
    /// This share of calls (1-99 %), chosen at random per call.
    Share(u8),
}

impl RecordMode {
    pub fn name(self) -> String {
        match self {
            RecordMode::Always => "always".into(),
            RecordMode::Never => "never".into(),
            RecordMode::OnDemand => "on-demand".into(),
            RecordMode::Share(percent) => format!("{percent}%"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordRule {
    pub mode: RecordMode,
    pub retention_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingSettings {
    /// `recording.toml` exists.
    pub configured: bool,
    /// Where files go; `None`: the data directory's `recordings/`.
    pub directory: Option<PathBuf>,
    pub min_free_percent: u8,
    pub max_disk_percent: u8,
    pub default: RecordRule,
    pub trunks: BTreeMap<u16, RecordRule>,
    pub queues: BTreeMap<String, RecordRule>,
    pub extensions: BTreeMap<String, RecordRule>,
    pub agents: BTreeMap<String, RecordRule>,
}

pub const DEFAULT_RETENTION_DAYS: u32 = 90;

impl Default for RecordingSettings {
    fn default() -> Self {
        RecordingSettings {
            configured: false,
            directory: None,
            min_free_percent: 5,
            max_disk_percent: 80,
            default: RecordRule {
                mode: RecordMode::Never,
                retention_days: DEFAULT_RETENTION_DAYS,
            },
            trunks: BTreeMap::new(),
            queues: BTreeMap::new(),
            extensions: BTreeMap::new(),
            agents: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecording {
    default: Option<Spanned<String>>,
    retention_days: Option<Spanned<i64>>,
    min_free_percent: Option<Spanned<i64>>,
    max_disk_percent: Option<Spanned<i64>>,
    directory: Option<Spanned<String>>,
    #[serde(default)]
    trunks: BTreeMap<String, Spanned<RawRule>>,
    #[serde(default)]
    queues: BTreeMap<String, Spanned<RawRule>>,
    #[serde(default)]
    extensions: BTreeMap<String, Spanned<RawRule>>,
    #[serde(default)]
    agents: BTreeMap<String, Spanned<RawRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    record: Spanned<String>,
    retention_days: Option<Spanned<i64>>,
}

/// What the rules may name, from the other files.
pub(crate) struct KnownTargets {
    pub trunks: Vec<u16>,
    pub extensions: Vec<String>,
    pub queues: Vec<String>,
    pub agents: Vec<String>,
}

pub(crate) fn load_recording(
    dir: &Path,
    known: &KnownTargets,
    errors: &mut Vec<ConfigError>,
) -> RecordingSettings {
    let path = dir.join(RECORDING_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return RecordingSettings::default()
        }
        Err(error) => {
            errors.push(SourceFile::whole_file_error(
                &path,
                RECORDING_FILE,
                format!("cannot read: {error}"),
            ));
            return RecordingSettings::default();
        }
    };
    let file = SourceFile { path, text };
    let raw: RawRecording = match toml::from_str(&file.text) {
        Ok(raw) => raw,
        Err(error) => {
            let span = error.span().unwrap_or(0..0);
            errors.push(file.error_at(span, "recording", error.message().trim()));
            return RecordingSettings::default();
        }
    };
    let mut check = Check {
        file: &file,
        errors,
    };
    let mut settings = RecordingSettings {
        configured: true,
        ..RecordingSettings::default()
    };
    let retention = check
        .ranged(
            raw.retention_days.as_ref(),
            "retention_days",
            1..=3650,
            " days",
        )
        .map_or(DEFAULT_RETENTION_DAYS, |d| d as u32);
    if let Some(percent) = check.ranged(
        raw.min_free_percent.as_ref(),
        "min_free_percent",
        0..=90,
        " %",
    ) {
        settings.min_free_percent = percent as u8;
    }
    if let Some(percent) = check.ranged(
        raw.max_disk_percent.as_ref(),
        "max_disk_percent",
        1..=100,
        " %",
    ) {
        settings.max_disk_percent = percent as u8;
    }
    if let Some(directory) = &raw.directory {
        let dir = PathBuf::from(directory.get_ref());
        if dir.is_absolute() {
            settings.directory = Some(dir);
        } else {
            check.at(directory.span(), "directory", "give an absolute path");
        }
    }
    settings.default = RecordRule {
        mode: raw
            .default
            .as_ref()
            .and_then(|mode| parse_mode(&mut check, mode, "default"))
            .unwrap_or(RecordMode::Never),
        retention_days: retention,
    };
    for (id, rule) in &raw.trunks {
        let field = format!("trunks.{id}");
        match id.parse::<u16>() {
            Ok(number) if known.trunks.contains(&number) => {
                if let Some(rule) = parse_rule(&mut check, rule, &field, retention) {
                    settings.trunks.insert(number, rule);
                }
            }
            _ => check.at(
                rule.span(),
                &field,
                format!(
                    "{id:?} is not an E1 span or FXO port id in lines.toml (trunks: {})",
                    list(&known.trunks)
                ),
            ),
        }
    }
    let named = [
        ("queues", &raw.queues, &known.queues, &mut settings.queues),
        (
            "extensions",
            &raw.extensions,
            &known.extensions,
            &mut settings.extensions,
        ),
        ("agents", &raw.agents, &known.agents, &mut settings.agents),
    ];
    for (table, rules, names, into) in named {
        for (name, rule) in rules {
            let field = format!("{table}.{name}");
            if !names.contains(name) {
                check.at(
                    rule.span(),
                    &field,
                    format!(
                        "{name:?} is not one of the configured {table} ({})",
                        list(names)
                    ),
                );
                continue;
            }
            if let Some(rule) = parse_rule(&mut check, rule, &field, retention) {
                into.insert(name.clone(), rule);
            }
        }
    }
    settings
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "none".into();
    }
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_rule(
    check: &mut Check,
    rule: &Spanned<RawRule>,
    field: &str,
    default_retention: u32,
) -> Option<RecordRule> {
    let rule = rule.get_ref();
    let mode = parse_mode(check, &rule.record, &format!("{field}.record"))?;
    let retention_days = check
        .ranged(
            rule.retention_days.as_ref(),
            &format!("{field}.retention_days"),
            1..=3650,
            " days",
        )
        .map_or(default_retention, |d| d as u32);
    Some(RecordRule {
        mode,
        retention_days,
    })
}

fn parse_mode(check: &mut Check, value: &Spanned<String>, field: &str) -> Option<RecordMode> {
    let text = value.get_ref().trim();
    let mode = match text {
        "always" => Some(RecordMode::Always),
        "never" => Some(RecordMode::Never),
        "on-demand" => Some(RecordMode::OnDemand),
        share => share
            .strip_suffix('%')
            .and_then(|n| n.trim().parse::<u8>().ok())
            .filter(|n| (1..=99).contains(n))
            .map(RecordMode::Share),
    };
    if mode.is_none() {
        check.at(
            value.span(),
            field,
            format!("{text:?} is not always, never, on-demand or a share from \"1%\" to \"99%\""),
        );
    }
    mode
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> KnownTargets {
        KnownTargets {
            trunks: vec![1, 10],
            extensions: vec!["201".into()],
            queues: vec!["billing".into()],
            agents: vec!["1001".into()],
        }
    }

    fn load(text: &str) -> (RecordingSettings, Vec<ConfigError>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(RECORDING_FILE), text).unwrap();
        let mut errors = Vec::new();
        let settings = load_recording(dir.path(), &known(), &mut errors);
        (settings, errors)
    }

    #[test]
    fn every_rule_kind_is_read_with_its_retention() {
        let (settings, errors) = load(
            "default = \"on-demand\"\nretention_days = 60\nmin_free_percent = 12\n\
             [trunks.10]\nrecord = \"always\"\nretention_days = 7\n\
             [queues.billing]\nrecord = \"30%\"\n\
             [extensions.201]\nrecord = \"never\"\n\
             [agents.1001]\nrecord = \"always\"\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert!(settings.configured);
        assert_eq!(settings.default.mode, RecordMode::OnDemand);
        assert_eq!(settings.min_free_percent, 12);
        assert_eq!(
            settings.trunks[&10],
            RecordRule {
                mode: RecordMode::Always,
                retention_days: 7
            }
        );
        assert_eq!(
            settings.queues["billing"],
            RecordRule {
                mode: RecordMode::Share(30),
                retention_days: 60
            }
        );
        assert_eq!(settings.extensions["201"].mode, RecordMode::Never);
        assert_eq!(settings.agents["1001"].mode, RecordMode::Always);
    }

    #[test]
    fn unknown_targets_bad_modes_and_ranges_are_refused_at_their_place() {
        let (_, errors) = load(
            "default = \"sometimes\"\nmax_disk_percent = 0\n\
             [trunks.7]\nrecord = \"always\"\n\
             [queues.sales]\nrecord = \"always\"\n\
             [agents.1001]\nrecord = \"120%\"\n",
        );
        let fields: Vec<(&str, usize)> =
            errors.iter().map(|e| (e.field.as_str(), e.line)).collect();
        assert_eq!(
            fields,
            vec![
                ("max_disk_percent", 2),
                ("default", 1),
                ("trunks.7", 3),
                ("queues.sales", 5),
                ("agents.1001.record", 8),
            ]
        );
        assert!(
            errors[1].reason.contains("\"sometimes\""),
            "{}",
            errors[1].reason
        );
    }

    #[test]
    fn without_the_file_nothing_is_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let mut errors = Vec::new();
        let settings = load_recording(dir.path(), &known(), &mut errors);
        assert!(errors.is_empty());
        assert!(!settings.configured);
        assert_eq!(settings.default.mode, RecordMode::Never);
    }
}
