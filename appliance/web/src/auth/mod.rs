//! Who is asking: users and their roles, passwords, sessions, API tokens, login
//! throttling, CSRF and the audit log. `middleware.rs` applies them to every request.

pub mod password;
pub mod throttle;

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
