//! Why the account store refuses a change, as a value with its parameters: the JSON API
//! and the logs say it in English (`Display`), a page in the user's language (`text`).

use super::password::MIN_LENGTH as MIN_PASSWORD_LENGTH;
use crate::i18n::{Lang, Msg};

/// The shortest API token a provisioning step may install.
pub const MIN_TOKEN_LENGTH: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("a user name is 1-32 letters, digits, '-', '_' or '.'")]
    BadUserName,
    #[error("the display name must have 1-64 characters")]
    BadDisplayName,
    #[error("an agent user needs the agent id they work as")]
    AgentIdMissing,
    #[error("a user named {0:?} exists already")]
    UserExists(String),
    #[error("this is the last admin: make another admin first")]
    LastAdmin,
    #[error("unknown role {0:?}")]
    UnknownRole(String),
    #[error("the password must have at least {MIN_PASSWORD_LENGTH} characters")]
    PasswordTooShort,
    #[error("a token's name is 1-64 letters, digits, '-', '_' or '.'")]
    BadTokenName,
    #[error("an API token must have at least {MIN_TOKEN_LENGTH} characters")]
    TokenTooShort,
}

impl Refusal {
    /// The refusal as a page shows it, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Refusal::BadUserName => lang.t(Msg::RefusedUserName).to_owned(),
            Refusal::BadDisplayName => lang.t(Msg::RefusedDisplayName).to_owned(),
            Refusal::AgentIdMissing => lang.t(Msg::RefusedAgentIdMissing).to_owned(),
            Refusal::UserExists(name) => lang.fill(Msg::RefusedUserExists, &[name]),
            Refusal::LastAdmin => lang.t(Msg::RefusedLastAdmin).to_owned(),
            Refusal::UnknownRole(role) => lang.fill(Msg::RefusedUnknownRole, &[role]),
            Refusal::PasswordTooShort => lang.fill(
                Msg::RefusedPasswordTooShort,
                &[&MIN_PASSWORD_LENGTH.to_string()],
            ),
            Refusal::BadTokenName => lang.t(Msg::RefusedTokenName).to_owned(),
            Refusal::TokenTooShort => {
                lang.fill(Msg::RefusedTokenTooShort, &[&MIN_TOKEN_LENGTH.to_string()])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY_REFUSAL: [Refusal; 9] = [
        Refusal::BadUserName,
        Refusal::BadDisplayName,
        Refusal::AgentIdMissing,
        Refusal::UserExists(String::new()),
        Refusal::LastAdmin,
        Refusal::UnknownRole(String::new()),
        Refusal::PasswordTooShort,
        Refusal::BadTokenName,
        Refusal::TokenTooShort,
    ];

    #[test]
    fn every_refusal_reads_in_chinese_with_its_parameters() {
        for refusal in EVERY_REFUSAL {
            let refusal = match refusal {
                Refusal::UserExists(_) => Refusal::UserExists("wang.fang".into()),
                Refusal::UnknownRole(_) => Refusal::UnknownRole("boss".into()),
                other => other,
            };
            let zh = refusal.text(Lang::Zh);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{refusal:?}: {zh}"
            );
            assert_ne!(zh, refusal.text(Lang::En), "{refusal:?}");
            assert!(!zh.contains('{'), "{refusal:?} left a placeholder: {zh}");
        }
        assert!(Refusal::UserExists("wang.fang".into())
            .text(Lang::Zh)
            .contains("wang.fang"));
        assert!(Refusal::UnknownRole("boss".into())
            .text(Lang::Zh)
            .contains("boss"));
        assert!(Refusal::PasswordTooShort.text(Lang::Zh).contains('8'));
        assert!(Refusal::TokenTooShort.text(Lang::En).contains("32"));
    }

    #[test]
    fn the_api_keeps_the_english_words() {
        assert_eq!(
            Refusal::UserExists("ann".into()).to_string(),
            "a user named \"ann\" exists already"
        );
        assert_eq!(
            Refusal::PasswordTooShort.to_string(),
            "the password must have at least 8 characters"
        );
    }
}
