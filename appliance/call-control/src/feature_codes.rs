//! Agent feature codes dialled on a phone of the box. Pure parsing; the ACD actor checks
//! the PIN and carries the request out for the agent at the phone that dialled.
//!
//! | Dial | What it does |
//! | --- | --- |
//! | `*21` AGENT `*` PIN `#` | log in at this phone (hot desking: any phone of the box) |
//! | `*22` | log out the agent at this phone |
//! | `*23` | ready |
//! | `*24#`, `*24` N `#` | not ready, with the Nth reason of `queues.toml`'s `not_ready_reasons` (default the first) |
//! | `*98` | listen to the voicemail messages of this phone's mailbox (its extension) |
//!
//! `#` ends dialling (or the phone's inter-digit timeout); `*22`, `*23` and `*98` are
//! complete as dialled. `*98` is not the ACD's: it runs the `voicemail_listen` app.

/// What a feature code asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeatureCode {
    Login {
        agent: String,
        pin: String,
    },
    Logout,
    Ready,
    /// The reason's place in the configured list, from 1; `None`: the first.
    NotReady {
        reason: Option<usize>,
    },
}

/// Codes complete as dialled, for the phone's digit collection.
pub const COMPLETE_CODES: [&str; 3] = ["*22", "*23", VOICEMAIL_CODE];

/// A mailbox's owner listens to their messages.
pub const VOICEMAIL_CODE: &str = "*98";

/// Whether `dialled` is the voicemail code (a trailing `#` allowed).
pub fn is_voicemail_code(dialled: &str) -> bool {
    dialled.strip_suffix('#').unwrap_or(dialled) == VOICEMAIL_CODE
}

/// Whether `dialled` is meant as a feature code (`*2` then a digit); such a number is
/// never routed as a call, even when malformed.
pub fn is_feature_code(dialled: &str) -> bool {
    let bytes = dialled.as_bytes();
    bytes.len() >= 3 && bytes[0] == b'*' && bytes[1] == b'2' && bytes[2].is_ascii_digit()
}

/// The feature code in `dialled` (a trailing `#` allowed); `None`: not a known code or
/// malformed.
pub fn parse(dialled: &str) -> Option<FeatureCode> {
    let dialled = dialled.strip_suffix('#').unwrap_or(dialled);
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(rest) = dialled.strip_prefix("*21") {
        let (agent, pin) = rest.split_once('*')?;
        return (all_digits(agent) && all_digits(pin)).then(|| FeatureCode::Login {
            agent: agent.to_owned(),
            pin: pin.to_owned(),
        });
    }
    match dialled {
        "*22" => return Some(FeatureCode::Logout),
        "*23" => return Some(FeatureCode::Ready),
        "*24" => return Some(FeatureCode::NotReady { reason: None }),
        _ => {}
    }
    let reason = dialled.strip_prefix("*24")?;
    if !all_digits(reason) {
        return None;
    }
    let index: usize = reason.parse().ok()?;
    (index >= 1).then_some(FeatureCode::NotReady {
        reason: Some(index),
    })
}

/// `dialled` as logs and records may keep it: a login's PIN cut off (`*21201*`).
pub fn without_pin(dialled: &str) -> String {
    match dialled.strip_prefix("*21") {
        Some(rest) => match rest.split_once('*') {
            Some((agent, _)) => format!("*21{agent}*"),
            None => dialled.to_owned(),
        },
        None => dialled.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_parses_with_or_without_its_hash() {
        assert_eq!(
            parse("*21201*2011#"),
            Some(FeatureCode::Login {
                agent: "201".into(),
                pin: "2011".into()
            })
        );
        assert_eq!(
            parse("*21201*2011"),
            Some(FeatureCode::Login {
                agent: "201".into(),
                pin: "2011".into()
            })
        );
        assert_eq!(parse("*22"), Some(FeatureCode::Logout));
        assert_eq!(parse("*23#"), Some(FeatureCode::Ready));
        assert_eq!(parse("*24#"), Some(FeatureCode::NotReady { reason: None }));
        assert_eq!(
            parse("*242#"),
            Some(FeatureCode::NotReady { reason: Some(2) })
        );
    }

    #[test]
    fn the_voicemail_code_is_its_own_and_not_an_agent_code() {
        assert!(is_voicemail_code("*98") && is_voicemail_code("*98#"));
        assert!(!is_voicemail_code("*981") && !is_voicemail_code("98"));
        assert!(!is_feature_code("*98"), "not the ACD's");
        assert_eq!(parse("*98"), None);
        assert!(COMPLETE_CODES.contains(&"*98"));
    }

    #[test]
    fn the_pin_is_cut_off_for_logs_and_records() {
        assert_eq!(without_pin("*21201*2011#"), "*21201*");
        assert_eq!(without_pin("*23"), "*23");
        assert_eq!(without_pin("*21201"), "*21201");
    }

    #[test]
    fn malformed_codes_are_none_but_still_feature_codes() {
        for bad in [
            "*21201#", "*21*2011", "*21201*", "*21a*1", "*240#", "*24x", "*29", "*2222",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert!(is_feature_code("*29"));
        assert!(is_feature_code("*21201*2011#"));
        assert!(!is_feature_code("201"));
        assert!(!is_feature_code("*998"));
        assert!(!is_feature_code("*2"));
    }
}
