//! `queues.toml`'s `[dispositions]`: the codes an agent picks when wrapping up a call
//! (what the call was about, how it ended), each with its label in English and,
//! optionally, Chinese. The agent desktop lists them; `PUT /api/calls/{id}/wrap-up`
//! accepts only these codes.
//!
//! ```toml
//! [dispositions]
//! resolved = { en = "Resolved", zh = "已解决" }
//! callback = { en = "Call back needed", zh = "需要回电" }
//! ```

use crate::check::{plain_name, Check, PLAIN_NAME};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use toml::Spanned;

/// The longest label the desktop shows, in characters.
pub const MAX_LABEL_CHARS: usize = 64;

/// One disposition code with its labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DispositionCode {
    pub code: String,
    pub en: String,
    /// The Chinese label; `None`: the desktop shows the English one.
    pub zh: Option<String>,
}

/// The configured codes, in the order the file lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Dispositions(Vec<DispositionCode>);

impl Dispositions {
    pub fn new(codes: Vec<DispositionCode>) -> Dispositions {
        Dispositions(codes)
    }

    pub fn find(&self, code: &str) -> Option<&DispositionCode> {
        self.0.iter().find(|known| known.code == code)
    }

    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|known| known.code.as_str())
    }

    pub fn all(&self) -> &[DispositionCode] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDisposition {
    en: Spanned<String>,
    zh: Option<Spanned<String>>,
}

pub(crate) type RawDispositions = BTreeMap<String, Spanned<RawDisposition>>;

/// Checks the table: plain codes, labels neither empty nor longer than
/// [`MAX_LABEL_CHARS`]. A code with an error is left out (the file is refused anyway).
pub(crate) fn check_dispositions(check: &mut Check, raw: &RawDispositions) -> Dispositions {
    // File order, not name order: the desktop lists them as written.
    let mut entries: Vec<(&String, &Spanned<RawDisposition>)> = raw.iter().collect();
    entries.sort_by_key(|(_, entry)| entry.span().start);
    let mut codes = Vec::new();
    for (code, entry) in entries {
        let field = format!("dispositions.{code}");
        if !plain_name(code) {
            check.at(
                entry.span(),
                &field,
                format!("{code:?} is not a disposition code ({PLAIN_NAME})"),
            );
            continue;
        }
        let raw = entry.get_ref();
        let en = label(check, &raw.en, &format!("{field}.en"));
        let zh = match &raw.zh {
            Some(zh) => match label(check, zh, &format!("{field}.zh")) {
                Some(text) => Some(text),
                None => continue,
            },
            None => None,
        };
        if let Some(en) = en {
            codes.push(DispositionCode {
                code: code.clone(),
                en,
                zh,
            });
        }
    }
    Dispositions(codes)
}

fn label(check: &mut Check, text: &Spanned<String>, field: &str) -> Option<String> {
    let value = text.get_ref().trim();
    if value.is_empty() {
        check.at(text.span(), field, "the label is empty");
        None
    } else if value.chars().count() > MAX_LABEL_CHARS {
        check.at(
            text.span(),
            field,
            format!("the label is longer than {MAX_LABEL_CHARS} characters"),
        );
        None
    } else {
        Some(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use crate::acd_files::load_acd;

    /// The codes `queues.toml` with this text gives, and the errors as text.
    fn load(queues: &str) -> (super::Dispositions, String) {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(crate::QUEUES_FILE), queues).expect("queues.toml");
        let mut errors = Vec::new();
        let files = load_acd(dir.path(), &mut errors);
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        (files.dispositions, text.join("\n"))
    }

    #[test]
    fn codes_keep_file_order_and_both_labels() {
        let (dispositions, errors) = load(
            "[dispositions]\n\
             resolved = { en = \"Resolved\", zh = \"已解决\" }\n\
             billing-question = { en = \"Billing question\" }\n\
             complaint = { en = \" Complaint \", zh = \"投诉\" }\n",
        );
        assert_eq!(errors, "");
        let codes: Vec<&str> = dispositions.codes().collect();
        assert_eq!(codes, ["resolved", "billing-question", "complaint"]);
        let resolved = dispositions.find("resolved").expect("resolved");
        assert_eq!(resolved.en, "Resolved");
        assert_eq!(resolved.zh.as_deref(), Some("已解决"));
        assert_eq!(
            dispositions.find("billing-question").expect("code").zh,
            None
        );
        assert_eq!(
            dispositions.find("complaint").expect("code").en,
            "Complaint"
        );
        assert!(dispositions.find("unknown").is_none());
    }

    #[test]
    fn without_the_table_there_are_no_codes() {
        let (dispositions, errors) = load("[queues.general]\n");
        assert_eq!(errors, "");
        assert!(dispositions.is_empty());
    }

    #[test]
    fn each_bad_code_and_label_is_reported_at_its_line() {
        let long = "x".repeat(super::MAX_LABEL_CHARS + 1);
        let (dispositions, errors) = load(&format!(
            "[dispositions]\n\
             Resolved = {{ en = \"Resolved\" }}\n\
             empty = {{ en = \"  \" }}\n\
             long = {{ en = \"ok\", zh = \"{long}\" }}\n\
             fine = {{ en = \"Fine\" }}\n"
        ));
        assert_eq!(errors.lines().count(), 3, "{errors}");
        for expected in [
            ":2:",
            "dispositions.Resolved",
            "is not a disposition code",
            ":3:",
            "dispositions.empty.en",
            "the label is empty",
            ":4:",
            "dispositions.long.zh",
            "longer than 64 characters",
        ] {
            assert!(errors.contains(expected), "{expected:?} in {errors}");
        }
        let codes: Vec<&str> = dispositions.codes().collect();
        assert_eq!(codes, ["fine"]);
    }

    #[test]
    fn a_code_without_its_english_label_is_refused() {
        let (_, errors) = load("[dispositions]\nresolved = { zh = \"已解决\" }\n");
        assert!(errors.contains("missing field `en`"), "{errors}");
        let (_, errors) =
            load("[dispositions]\nresolved = { en = \"Resolved\", fr = \"Résolu\" }\n");
        assert!(errors.contains("unknown field `fr`"), "{errors}");
    }
}
