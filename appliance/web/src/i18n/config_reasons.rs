//! Configuration check errors in the technician's language. The checks (`box-config`,
//! the `ivr` flow parser, serde and toml) write each reason in English with the bad
//! values in it; this renders a reason in Chinese from a table of templates
//! (`table.rs`), keeping every value as written. A reason no template knows stays
//! English, so a new check is never hidden, only untranslated until its template is
//! added (the coverage test in `coverage_tests.rs` fails on it).

use super::templates::Templates;
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

const CONFIG_REASONS: Templates = Templates {
    reasons: table::REASONS,
    phrases: table::PHRASES,
};

/// The Chinese rendering of a reason, or `None` when no template matches all of it
/// (every nested reason and phrase included).
pub(crate) fn chinese(reason: &str) -> Option<String> {
    CONFIG_REASONS.chinese(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_well_formed() {
        let problems = CONFIG_REASONS.problems();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
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
