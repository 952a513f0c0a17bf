//! Checking the values of a configuration file, each refusal at the value's place: what
//! the ACD's files (`acd_files.rs`) and their alert settings (`alert_settings.rs`)
//! share.

use crate::error::{ConfigError, SourceFile};
use acd::MAX_SKILL_LEVEL;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;

/// Skill names, queue names and not-ready reasons: what `queue:NAME`, the API and the
/// phone's feature codes can carry.
pub(crate) fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

pub(crate) const PLAIN_NAME: &str = "lower-case letters, digits, `-` and `_`, at most 32";

pub(crate) struct Check<'a> {
    pub(crate) file: &'a SourceFile,
    pub(crate) errors: &'a mut Vec<ConfigError>,
}

impl Check<'_> {
    pub(crate) fn at(
        &mut self,
        span: Range<usize>,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) {
        self.errors.push(self.file.error_at(span, field, reason));
    }

    /// A whole number of `unit` within `range`, or an error naming the range.
    pub(crate) fn ranged(
        &mut self,
        value: Option<&Spanned<i64>>,
        field: &str,
        range: std::ops::RangeInclusive<i64>,
        unit: &str,
    ) -> Option<u64> {
        let value = value?;
        if range.contains(value.get_ref()) {
            Some(*value.get_ref() as u64)
        } else {
            self.at(
                value.span(),
                field,
                format!(
                    "{} is out of range ({} to {}{unit})",
                    value.get_ref(),
                    range.start(),
                    range.end()
                ),
            );
            None
        }
    }

    pub(crate) fn choice<T: Copy>(
        &mut self,
        value: Option<&Spanned<String>>,
        field: &str,
        choices: &[(&str, T)],
        default: T,
    ) -> T {
        let Some(value) = value else { return default };
        match choices.iter().find(|(name, _)| *name == value.get_ref()) {
            Some((_, chosen)) => *chosen,
            None => {
                let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
                self.at(
                    value.span(),
                    field,
                    format!("{:?} is not one of {}", value.get_ref(), names.join(", ")),
                );
                default
            }
        }
    }

    /// `{ skill = level }`: every name plain, every level 1-10; errors at the level.
    pub(crate) fn skills(
        &mut self,
        skills: &BTreeMap<String, Spanned<i64>>,
        field: &str,
    ) -> BTreeMap<String, u8> {
        let mut checked = BTreeMap::new();
        for (skill, level) in skills {
            if !plain_name(skill) {
                self.at(
                    level.span(),
                    format!("{field}.{skill}"),
                    format!("{skill:?} is not a skill name ({PLAIN_NAME})"),
                );
                continue;
            }
            match u8::try_from(*level.get_ref()) {
                Ok(l) if (1..=MAX_SKILL_LEVEL).contains(&l) => {
                    checked.insert(skill.clone(), l);
                }
                _ => self.at(
                    level.span(),
                    format!("{field}.{skill}"),
                    format!(
                        "skill level {} is outside 1 to {MAX_SKILL_LEVEL}",
                        level.get_ref()
                    ),
                ),
            }
        }
        checked
    }
}
