//! Chinese renderings of English texts other parts of the box write with values in
//! them (a configuration check's reason, an API's refusal): a table of templates, each
//! an English pattern with placeholders and its Chinese text. Matching is exact (the
//! whole text), placeholders are non-empty and read shortest first, and a value is
//! carried over as written.

use std::borrow::Cow;

/// A table of templates: `reasons` are whole texts, `phrases` what a `{N:phrase}` or
/// `{N:items}` placeholder may hold. The English patterns take `{N}` (a value as
/// written), `{N:list}` (names, or "none"), `{N:phrase}`, `{N:items}` (phrases separated
/// by commas) and `{N:reason}` (a whole text of the same table); the Chinese texts take
/// `{N}`. The first reason that matches is used: a narrower pattern goes first.
pub(crate) struct Templates {
    pub reasons: &'static [(&'static str, &'static str)],
    pub phrases: &'static [(&'static str, &'static str)],
}

impl Templates {
    /// The Chinese rendering of `text`, or `None` when no pattern matches all of it
    /// (every nested reason and phrase included).
    pub(crate) fn chinese(&self, text: &str) -> Option<String> {
        let text = text.trim();
        self.reasons.iter().find_map(|(english, chinese)| {
            let values = match_template(self, &parse(english), text)?;
            Some(fill(chinese, &values))
        })
    }

    /// What is wrong with a table (for its tests): two placeholders in a row, other
    /// numbers on the two sides or not from 0, a Chinese text without Chinese.
    #[cfg(test)]
    pub(crate) fn problems(&self) -> Vec<String> {
        let slots = |template: &str| {
            let mut found: Vec<usize> = parse(template)
                .iter()
                .filter_map(|part| match part {
                    Part::Slot(index, _) => Some(*index),
                    Part::Text(_) => None,
                })
                .collect();
            found.sort_unstable();
            found.dedup();
            found
        };
        let chinese = |text: &str| text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        let mut problems = Vec::new();
        for (english, zh) in self.reasons.iter().chain(self.phrases) {
            let parts = parse(english);
            if parts
                .windows(2)
                .any(|pair| matches!(pair, [Part::Slot(..), Part::Slot(..)]))
            {
                problems.push(format!("two placeholders in a row: {english}"));
            }
            let wanted = slots(english);
            if wanted != (0..wanted.len()).collect::<Vec<_>>() || slots(zh) != wanted {
                problems.push(format!("placeholders differ: {english} → {zh}"));
            }
            if !chinese(zh) {
                problems.push(format!("no Chinese: {english} → {zh}"));
            }
        }
        problems
    }
}

/// How a placeholder's text is carried into the Chinese text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// As written: a value from the configuration (a name, a number, a quoted text).
    Value,
    /// A list of names, or "none".
    List,
    /// One of the table's fixed English phrases (what a check calls a thing).
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
fn match_template(templates: &Templates, parts: &[Part<'_>], text: &str) -> Option<Vec<String>> {
    let mut values = Vec::new();
    match_from(templates, parts, text, &mut values).then(|| {
        let count = values.iter().map(|(index, _)| index + 1).max().unwrap_or(0);
        let mut ordered = vec![String::new(); count];
        for (index, value) in values {
            ordered[index] = value;
        }
        ordered
    })
}

fn match_from(
    templates: &Templates,
    parts: &[Part<'_>],
    text: &str,
    values: &mut Vec<(usize, String)>,
) -> bool {
    match parts.split_first() {
        None => text.is_empty(),
        Some((Part::Text(literal), rest)) => text
            .strip_prefix(literal.as_ref())
            .is_some_and(|after| match_from(templates, rest, after, values)),
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
                let Some(rendered) = render(templates, *kind, &text[..end]) else {
                    continue;
                };
                let kept = values.len();
                values.push((*index, rendered));
                if match_from(templates, rest, &text[end..], values) {
                    return true;
                }
                values.truncate(kept);
            }
            false
        }
    }
}

fn render(templates: &Templates, kind: Slot, value: &str) -> Option<String> {
    match kind {
        Slot::Value => Some(value.to_owned()),
        Slot::List if value == "none" => Some("无".to_owned()),
        Slot::List => Some(value.to_owned()),
        Slot::Phrase => phrase(templates, value),
        Slot::Items => value
            .split(", ")
            .map(|item| phrase(templates, item))
            .collect::<Option<Vec<_>>>()
            .map(|items| items.join("、")),
        Slot::Reason => templates.chinese(value),
    }
}

/// A fixed phrase in Chinese; a name in backticks is a setting's own name, kept.
fn phrase(templates: &Templates, english: &str) -> Option<String> {
    let quoted = english.len() > 2
        && english.starts_with('`')
        && english.ends_with('`')
        && english.matches('`').count() == 2;
    if quoted {
        return Some(english.to_owned());
    }
    templates.phrases.iter().find_map(|(pattern, chinese)| {
        let values = match_template(templates, &parse(pattern), english)?;
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

    const TABLE: Templates = Templates {
        reasons: &[
            // Before the wider pattern, which would take "in f: …" as its value.
            ("in {0}: {1:reason}", "在 {0} 中：{1}"),
            ("{0} is not one of {1}", "{0} 不是以下之一：{1}"),
            ("{0:phrase} {1} is missing ({2:list})", "缺少{0} {1}（{2}）"),
            ("expected {0:items}", "应为 {0}"),
        ],
        phrases: &[("a queue", "队列"), ("newline", "换行")],
    };

    #[test]
    fn values_are_kept_and_nested_texts_translated() {
        assert_eq!(
            TABLE.chinese(r#""x" is not one of a, b"#).as_deref(),
            Some(r#""x" 不是以下之一：a, b"#)
        );
        assert_eq!(
            TABLE.chinese(r#"in f: "x" is not one of a"#).as_deref(),
            Some(r#"在 f 中："x" 不是以下之一：a"#)
        );
        assert_eq!(
            TABLE.chinese("a queue q is missing (none)").as_deref(),
            Some("缺少队列 q（无）")
        );
        assert_eq!(
            TABLE.chinese("expected newline, `#`").as_deref(),
            Some("应为 换行、`#`")
        );
    }

    #[test]
    fn a_text_matches_whole_or_not_at_all() {
        assert_eq!(
            TABLE.chinese("in f: no such thing"),
            None,
            "nested text unknown"
        );
        assert_eq!(
            TABLE.chinese("a lorry q is missing (a)"),
            None,
            "unknown phrase"
        );
        assert_eq!(TABLE.chinese("something else"), None);
        assert!(TABLE.problems().is_empty(), "{:?}", TABLE.problems());
    }

    #[test]
    fn literal_braces_are_kept() {
        assert_eq!(fill("{0}（{{x}}）", &["a".to_owned()]), "a（{x}）");
    }
}
