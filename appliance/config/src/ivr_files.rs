//! IVR parts of the configuration directory: `schedules.toml` (named time conditions) and
//! `flows/*.toml` (one IVR flow per file), checked with the `ivr` crate's own parser and
//! validator so `check-config` and the box agree on what a flow means.

use crate::error::{ConfigError, SourceFile};
use ivr::flow::Flow;
use ivr::schedule::{Place, Schedule};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

pub const SCHEDULES_FILE: &str = "schedules.toml";
pub const FLOWS_DIR: &str = "flows";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SchedulesFile {
    #[serde(default)]
    schedules: BTreeMap<String, Spanned<RawSchedule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    #[serde(default)]
    weekly: Vec<Spanned<String>>,
    #[serde(default)]
    holidays: Vec<Spanned<String>>,
    utc_offset: Option<Spanned<String>>,
}

/// Reads `schedules.toml` (optional); every error with file, line, column and reason.
pub(crate) fn load_schedules(
    dir: &Path,
    errors: &mut Vec<ConfigError>,
) -> BTreeMap<String, Schedule> {
    let path = dir.join(SCHEDULES_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return BTreeMap::new(),
        Err(error) => {
            errors.push(SourceFile::whole_file_error(
                &path,
                SCHEDULES_FILE,
                format!("cannot read: {error}"),
            ));
            return BTreeMap::new();
        }
    };
    let file = SourceFile { path, text };
    let raw: SchedulesFile = match toml::from_str(&file.text) {
        Ok(raw) => raw,
        Err(error) => {
            let span = error.span().unwrap_or(0..0);
            errors.push(file.error_at(span, "schedules", error.message().trim()));
            return BTreeMap::new();
        }
    };
    let mut schedules = BTreeMap::new();
    for (name, raw) in raw.schedules {
        let span = raw.span();
        let raw = raw.into_inner();
        let weekly: Vec<&str> = raw.weekly.iter().map(|w| w.get_ref().as_str()).collect();
        let holidays: Vec<&str> = raw.holidays.iter().map(|h| h.get_ref().as_str()).collect();
        let offset = raw.utc_offset.as_ref().map(|o| o.get_ref().as_str());
        match Schedule::from_parts(&weekly, &holidays, offset) {
            Ok(schedule) => {
                schedules.insert(name, schedule);
            }
            Err(error) => {
                // Point at the entry the schedule parser names (its column inside it).
                let (entry_span, field) = match error.place {
                    Place::Weekly(n) => (
                        raw.weekly.get(n.saturating_sub(1)).map(Spanned::span),
                        "weekly",
                    ),
                    Place::Holiday(n) => (
                        raw.holidays.get(n.saturating_sub(1)).map(Spanned::span),
                        "holidays",
                    ),
                    Place::UtcOffset => (raw.utc_offset.as_ref().map(Spanned::span), "utc_offset"),
                    Place::Line(_) => (None, "schedule"),
                };
                errors.push(file.error_at(
                    entry_span.unwrap_or_else(|| span.clone()),
                    format!("schedules.{name}.{field}"),
                    format!("column {} of the entry: {}", error.column, error.reason),
                ));
            }
        }
    }
    schedules
}

/// Reads every `flows/*.toml` (the directory is optional), in name order. `known_prompt`
/// says whether a prompt a flow names exists.
pub(crate) fn load_flows(
    dir: &Path,
    schedules: &BTreeMap<String, Schedule>,
    known_prompt: &dyn Fn(&str) -> bool,
    errors: &mut Vec<ConfigError>,
) -> Vec<Flow> {
    let flows_dir = dir.join(FLOWS_DIR);
    let entries = match std::fs::read_dir(&flows_dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(error) => {
            errors.push(SourceFile::whole_file_error(
                &flows_dir,
                FLOWS_DIR,
                format!("cannot read: {error}"),
            ));
            return Vec::new();
        }
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let known_schedule = |name: &str| schedules.contains_key(name);
    let mut flows: Vec<Flow> = Vec::new();
    for path in paths {
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) => {
                errors.push(SourceFile::whole_file_error(
                    &path,
                    FLOWS_DIR,
                    format!("cannot read: {error}"),
                ));
                continue;
            }
        };
        let shown = path.display().to_string();
        match Flow::load(&text, &shown, known_prompt, &known_schedule) {
            Ok(flow) => {
                if let Some(first) = flows.iter().find(|f| f.name.value == flow.name.value) {
                    errors.push(ConfigError {
                        file: path.clone(),
                        line: flow.name.at.line as usize,
                        column: flow.name.at.column as usize,
                        field: "name".into(),
                        reason: format!(
                            "flow {:?} is also defined in {}",
                            flow.name.value, first.file
                        ),
                    });
                }
                flows.push(flow);
            }
            Err(found) => errors.extend(found.0.into_iter().map(|e| ConfigError {
                file: path.clone(),
                line: e.line as usize,
                column: e.column as usize,
                field: "flow".into(),
                reason: e.reason,
            })),
        }
    }
    flows
}
