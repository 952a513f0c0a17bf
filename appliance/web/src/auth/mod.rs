//! Who is asking: users and their roles, passwords, sessions, API tokens, login
//! throttling, CSRF and the audit log. `middleware.rs` applies them to every request.

pub mod middleware;
pub mod password;
pub mod refusal;
pub mod secret;
pub mod store;
pub mod throttle;

use crate::i18n::Lang;

use serde::{Deserialize, Serialize};

/// What a user may do. Each endpoint names the roles it admits (`routes::Access`); admin
/// is named wherever anyone is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Agent,
    Supervisor,
    Technician,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Technician, Role::Supervisor, Role::Agent];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Technician => "technician",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

/// How a request proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A browser's session cookie: changes need its CSRF token. `hash` names the session.
    Session { csrf: String, hash: String },
    /// An API token (`Authorization: Bearer`): no cookie, so no CSRF to fear.
    Token { name: String },
}

/// Who is asking: set by the `authorize` middleware on every request it admits to a
/// signed-in endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The user's name (`token:NAME` for an API token).
    pub name: String,
    pub display_name: String,
    pub role: Role,
    pub language: Lang,
    /// The ACD agent an agent user works as.
    pub agent: Option<String>,
    pub via: Via,
}

impl Identity {
    /// The CSRF token pages put in their forms and htmx headers (none for API tokens).
    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf, .. } => csrf,
            Via::Token { .. } => "",
        }
    }

    /// May this identity act for `agent`? Agents only for themselves; the floor for
    /// anyone.
    pub fn may_act_for_agent(&self, agent: &str) -> bool {
        match self.role {
            Role::Agent => self.agent.as_deref() == Some(agent),
            Role::Supervisor | Role::Admin => true,
            Role::Technician => false,
        }
    }
}

impl actix_web::FromRequest for Identity {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Identity, actix_web::Error>>;

    fn from_request(
        request: &actix_web::HttpRequest,
        _: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        use actix_web::HttpMessage;
        std::future::ready(
            request
                .extensions()
                .get::<Identity>()
                .cloned()
                .ok_or_else(|| actix_web::error::ErrorUnauthorized("sign in first")),
        )
    }
}

/// What a change looked like before and after, set by a handler for the audit log
/// (`HttpRequest::extensions_mut().insert(AuditDetail { .. })`); the middleware writes
/// the entry either way.
#[derive(Debug, Clone, Default)]
pub struct AuditDetail {
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}
