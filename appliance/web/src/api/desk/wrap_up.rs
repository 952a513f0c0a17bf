//! A wrap-up request, sans-IO: its body checked against the configured disposition codes,
//! and who may write on a call.

use box_config::Dispositions;
use serde::Deserialize;

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;

/// Who acts: an agent (may write only on calls they took) or someone of the floor (a
/// supervisor or admin, may write on any call), by the name the wrap-up is saved under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Agent(String),
    Floor(String),
}

impl Actor {
    pub fn name(&self) -> &str {
        match self {
            Actor::Agent(name) | Actor::Floor(name) => name,
        }
    }

    /// Whether this actor may read or change what belongs to `agent` (their own call,
    /// their own figures).
    pub fn may_act_for(&self, agent: &str) -> bool {
        match self {
            Actor::Agent(me) => me == agent,
            Actor::Floor(_) => true,
        }
    }
}

/// A checked wrap-up: what is saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrapUp {
    pub note: String,
    pub disposition: Option<String>,
}

/// Why a wrap-up request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WrapUpRefused {
    #[error("{0}; expected {{\"note\": \"…\", \"disposition\": \"CODE\"}} (either may be left out, not both)")]
    Malformed(String),
    #[error("the note is {chars} characters long; at most {MAX_NOTE_CHARS}")]
    NoteTooLong { chars: usize },
    #[error("nothing to save: give a note, a disposition or both")]
    Empty,
    #[error("no disposition {code:?}; the configured codes: {known}")]
    UnknownDisposition { code: String, known: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    disposition: Option<String>,
}

/// Parses and checks a `PUT /api/calls/{id}/wrap-up` body. The note is kept as typed
/// but for surrounding white space.
pub fn parse_wrap_up(body: &[u8], dispositions: &Dispositions) -> Result<WrapUp, WrapUpRefused> {
    let body: Body = serde_json::from_slice(body)
        .map_err(|error| WrapUpRefused::Malformed(error.to_string()))?;
    let note = body.note.unwrap_or_default().trim().to_owned();
    let chars = note.chars().count();
    if chars > MAX_NOTE_CHARS {
        return Err(WrapUpRefused::NoteTooLong { chars });
    }
    let disposition = body.disposition.filter(|code| !code.is_empty());
    if let Some(code) = &disposition {
        if dispositions.find(code).is_none() {
            let known: Vec<&str> = dispositions.codes().collect();
            return Err(WrapUpRefused::UnknownDisposition {
                code: code.clone(),
                known: if known.is_empty() {
                    "none (queues.toml has no [dispositions])".to_owned()
                } else {
                    known.join(", ")
                },
            });
        }
    }
    if note.is_empty() && disposition.is_none() {
        return Err(WrapUpRefused::Empty);
    }
    Ok(WrapUp { note, disposition })
}

/// Whether `actor` may write on a call that `took_it` agents answered.
pub fn may_write(actor: &Actor, took_it: &[String]) -> bool {
    match actor {
        Actor::Floor(_) => true,
        Actor::Agent(me) => took_it.iter().any(|agent| agent == me),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use box_config::DispositionCode;

    fn codes() -> Dispositions {
        Dispositions::new(vec![
            DispositionCode {
                code: "resolved".into(),
                en: "Resolved".into(),
                zh: Some("已解决".into()),
            },
            DispositionCode {
                code: "complaint".into(),
                en: "Complaint".into(),
                zh: None,
            },
        ])
    }

    #[test]
    fn a_note_and_a_known_code_are_taken() {
        let wrap_up = parse_wrap_up(
            br#"{"note": "  Asked about the March bill. \u8d26\u5355 ", "disposition": "resolved"}"#,
            &codes(),
        )
        .expect("taken");
        assert_eq!(wrap_up.note, "Asked about the March bill. 账单");
        assert_eq!(wrap_up.disposition.as_deref(), Some("resolved"));
        let only_code = parse_wrap_up(br#"{"disposition": "complaint"}"#, &codes()).expect("taken");
        assert_eq!(only_code.note, "");
        let only_note = parse_wrap_up(br#"{"note": "call back", "disposition": null}"#, &codes())
            .expect("taken");
        assert_eq!(only_note.disposition, None);
    }

    #[test]
    fn an_unknown_code_names_the_known_ones() {
        let refused = parse_wrap_up(br#"{"note": "x", "disposition": "solved"}"#, &codes())
            .expect_err("refused");
        assert_eq!(
            refused.to_string(),
            "no disposition \"solved\"; the configured codes: resolved, complaint"
        );
        let refused = parse_wrap_up(br#"{"disposition": "solved"}"#, &Dispositions::default())
            .expect_err("refused");
        assert!(refused
            .to_string()
            .contains("queues.toml has no [dispositions]"));
    }

    #[test]
    fn limits_and_malformed_bodies_are_refused_clearly() {
        let at_limit = format!(r#"{{"note": "{}"}}"#, "字".repeat(MAX_NOTE_CHARS));
        assert!(parse_wrap_up(at_limit.as_bytes(), &codes()).is_ok());
        let over = format!(r#"{{"note": "{}"}}"#, "字".repeat(MAX_NOTE_CHARS + 1));
        assert_eq!(
            parse_wrap_up(over.as_bytes(), &codes()),
            Err(WrapUpRefused::NoteTooLong { chars: 4001 })
        );
        assert_eq!(
            parse_wrap_up(br#"{"note": "   "}"#, &codes()),
            Err(WrapUpRefused::Empty)
        );
        for body in [&b"not json"[..], br#"{"notes": "x"}"#, br#"{"note": 5}"#] {
            assert!(matches!(
                parse_wrap_up(body, &codes()),
                Err(WrapUpRefused::Malformed(_))
            ));
        }
    }

    #[test]
    fn an_agent_writes_only_on_calls_they_took() {
        let took = vec!["201".to_owned(), "203".to_owned()];
        assert!(may_write(&Actor::Agent("201".into()), &took));
        assert!(!may_write(&Actor::Agent("202".into()), &took));
        assert!(!may_write(&Actor::Agent("202".into()), &[]));
        assert!(may_write(&Actor::Floor("lin".into()), &[]));
        assert!(Actor::Agent("201".into()).may_act_for("201"));
        assert!(!Actor::Agent("201".into()).may_act_for("202"));
        assert!(Actor::Floor("lin".into()).may_act_for("202"));
    }
}
