//! Configuration check errors in the technician's language. The checks (`box-config`,
//! the `ivr` flow parser, serde and toml) write each reason in English with the bad
//! values in it; this renders a reason in Chinese from a table of templates
//! (`table.rs`), keeping every value as written. A reason no template knows stays
//! English, so a new check is never hidden, only untranslated until its template is
//! added (the coverage test in `coverage_tests.rs` fails on it).

use super::Lang;
use config_store::FieldError;
use std::borrow::Cow;

#[cfg(test)]
mod coverage_tests;
mod table;

/// `reason` as the user reads it: as written for English, else its Chinese rendering
/// (the English text when no template matches).
pub fn translate_reason(lang: Lang, reason: &str) -> Cow<'_, str> {
    match lang {
        Lang::En => Cow::Borrowed(reason),
        Lang::Zh => chinese(reason).map_or(Cow::Borrowed(reason), Cow::Owned),
    }
}

/// A whole error on one line (`file:line:column: field: reason`), the reason in `lang`:
/// where a page lists errors without their own columns.
pub fn field_error_text(lang: Lang, error: &FieldError) -> String {
    format!(
        "{}:{}:{}: {}: {}",
        error.file,
        error.line,
        error.column,
        error.field,
        translate_reason(lang, &error.message)
    )
}

/// The Chinese rendering of a reason, or `None` when no template matches all of it
/// (every nested reason and phrase included).
pub(crate) fn chinese(reason: &str) -> Option<String> {
    let reason = reason.trim();
    table::REASONS.iter().find_map(|(english, chinese)| {
        let values = match_template(&parse(english), reason)?;
        Some(fill(chinese, &values))
    })
}

/// How a placeholder's text is carried into the Chinese text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// As written: a value from the configuration (a name, a number, a quoted text).
    Value,
    /// A list of names, or "none".
    List,
    /// One of the fixed English phrases of `table::PHRASES` (what a check calls a thing).
    Phrase,
    /// Phrases separated by commas (what toml expected at a syntax error).
    Items,
    /// A whole reason inside another (the schedule parser's, toml's): translated too.
    Reason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part<'a> {
    Text(Cow<'a, str>),
    Slot(usize, Slot),
}

/// A template's parts: text, and `{N}` or `{N:list}`, `{N:phrase}`, `{N:items}`,
/// `{N:reason}` placeholders; `{{` and `}}` are literal braces.
fn parse(template: &str) -> Vec<Part<'_>> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut rest = template;
    while let Some(at) = rest.find(['{', '}']) {
        text.push_str(&rest[..at]);
        let tail = &rest[at..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            text.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        let slot = tail
            .strip_prefix('{')
            .and_then(|inner| inner.split_once('}'))
            .and_then(|(inside, after)| Some((placeholder(inside)?, after)));
        match slot {
            Some(((index, kind), after)) => {
                if !text.is_empty() {
                    parts.push(Part::Text(Cow::Owned(std::mem::take(&mut text))));
                }
                parts.push(Part::Slot(index, kind));
                rest = after;
            }
            None => {
                // A lone brace is text (a table mistake the table's own test reports).
                text.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
    }
    text.push_str(rest);
    if !text.is_empty() {
        parts.push(Part::Text(Cow::Owned(text)));
    }
    parts
}

fn placeholder(inside: &str) -> Option<(usize, Slot)> {
    let (number, kind) = inside.split_once(':').unwrap_or((inside, ""));
    let kind = match kind {
        "" => Slot::Value,
        "list" => Slot::List,
        "phrase" => Slot::Phrase,
        "items" => Slot::Items,
        "reason" => Slot::Reason,
        _ => return None,
    };
    Some((number.parse().ok()?, kind))
}

/// The placeholders' rendered texts when `text` is exactly `parts` (each placeholder
/// non-empty, the shortest reading tried first).
fn match_template(parts: &[Part<'_>], text: &str) -> Option<Vec<String>> {
    let mut values = Vec::new();
    match_from(parts, text, &mut values).then(|| {
        let count = values.iter().map(|(index, _)| index + 1).max().unwrap_or(0);
        let mut ordered = vec![String::new(); count];
        for (index, value) in values {
            ordered[index] = value;
        }
        ordered
    })
}

fn match_from(parts: &[Part<'_>], text: &str, values: &mut Vec<(usize, String)>) -> bool {
    match parts.split_first() {
        None => text.is_empty(),
        Some((Part::Text(literal), rest)) => text
            .strip_prefix(literal.as_ref())
            .is_some_and(|after| match_from(rest, after, values)),
        Some((Part::Slot(index, kind), rest)) => {
            let candidates: Vec<usize> = match rest.first() {
                None => vec![text.len()],
                Some(Part::Text(next)) => text
                    .match_indices(next.as_ref())
                    .map(|(at, _)| at)
                    .collect(),
                // Two placeholders in a row cannot be told apart.
                Some(Part::Slot(..)) => Vec::new(),
            };
            for end in candidates.into_iter().filter(|&end| end > 0) {
                let Some(rendered) = render(*kind, &text[..end]) else {
                    continue;
                };
                let kept = values.len();
                values.push((*index, rendered));
                if match_from(rest, &text[end..], values) {
                    return true;
                }
                values.truncate(kept);
            }
            false
        }
    }
}

fn render(kind: Slot, value: &str) -> Option<String> {
    match kind {
        Slot::Value => Some(value.to_owned()),
        Slot::List if value == "none" => Some("无".to_owned()),
        Slot::List => Some(value.to_owned()),
        Slot::Phrase => phrase(value),
        Slot::Items => value
            .split(", ")
            .map(phrase)
            .collect::<Option<Vec<_>>>()
            .map(|items| items.join("、")),
        Slot::Reason => chinese(value),
    }
}

/// A fixed phrase in Chinese; a name in backticks is a setting's own name, kept.
fn phrase(english: &str) -> Option<String> {
    let quoted = english.len() > 2
        && english.starts_with('`')
        && english.ends_with('`')
        && english.matches('`').count() == 2;
    if quoted {
        return Some(english.to_owned());
    }
    table::PHRASES.iter().find_map(|(pattern, chinese)| {
        let values = match_template(&parse(pattern), english)?;
        Some(fill(chinese, &values))
    })
}

fn fill(template: &str, values: &[String]) -> String {
    parse(template)
        .into_iter()
        .map(|part| match part {
            Part::Text(text) => text.into_owned(),
            Part::Slot(index, _) => values.get(index).cloned().unwrap_or_default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(template: &str) -> Vec<usize> {
        let mut found: Vec<usize> = parse(template)
            .iter()
            .filter_map(|part| match part {
                Part::Slot(index, _) => Some(*index),
                Part::Text(_) => None,
            })
            .collect();
        found.sort_unstable();
        found
    }

    #[test]
    fn every_template_uses_the_placeholders_of_its_english_pattern() {
        for (english, chinese) in table::REASONS {
            let parts = parse(english);
            assert!(
                !parts
                    .windows(2)
                    .any(|pair| matches!(pair, [Part::Slot(..), Part::Slot(..)])),
                "two placeholders in a row: {english}"
            );
            let mut wanted = slots(english);
            wanted.dedup();
            assert_eq!(wanted, (0..wanted.len()).collect::<Vec<_>>(), "{english}");
            let mut used = slots(chinese);
            used.dedup();
            assert_eq!(used, wanted, "{english} → {chinese}");
            assert!(
                chinese
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{chinese}"
            );
        }
        for (english, chinese) in table::PHRASES {
            assert!(
                chinese
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{english} → {chinese}"
            );
        }
    }

    #[test]
    fn values_are_kept_and_nested_reasons_translated() {
        assert_eq!(
            translate_reason(
                Lang::Zh,
                r#""fastest" is not one of longest-idle, round-robin"#
            ),
            r#""fastest" 不是以下之一：longest-idle, round-robin"#
        );
        assert_eq!(
            translate_reason(Lang::En, r#""fastest" is not one of a, b"#),
            r#""fastest" is not one of a, b"#
        );
        let nested = chinese(
            r#"column 1 of the entry: unknown day "moon" (expected mon, tue, wed, thu, fri, sat or sun)"#,
        )
        .expect("translated");
        assert!(
            nested.contains("\"moon\"") && nested.contains("第 1 列"),
            "{nested}"
        );
    }

    #[test]
    fn an_unknown_reason_stays_english() {
        let text = "a reason no template knows";
        assert_eq!(translate_reason(Lang::Zh, text), text);
        assert_eq!(chinese(text), None);
    }

    #[test]
    fn a_list_of_none_is_translated_and_literal_braces_are_kept() {
        assert_eq!(
            fill("{0}（{{x}}）", &["a".to_owned()]),
            "a（{x}）".to_owned()
        );
        assert_eq!(render(Slot::List, "none").as_deref(), Some("无"));
        assert_eq!(render(Slot::List, "a, b").as_deref(), Some("a, b"));
    }

    #[test]
    fn a_field_error_is_written_whole_with_its_reason_translated() {
        let error = FieldError {
            file: "queues.toml".into(),
            line: 3,
            column: 12,
            field: "queues.billing.strategy".into(),
            message: r#""fastest" is not one of longest-idle, round-robin"#.into(),
        };
        assert_eq!(
            field_error_text(Lang::Zh, &error),
            r#"queues.toml:3:12: queues.billing.strategy: "fastest" 不是以下之一：longest-idle, round-robin"#
        );
        assert_eq!(field_error_text(Lang::En, &error), error.to_string());
    }
}
