//! The web UI's users, sessions, API tokens and audit log (migration 10). Secrets are
//! never stored: sessions and tokens by a hash the web crate makes, passwords as argon2
//! PHC strings. The rules (who may do what, expiry) are the web crate's; this is rows.

use crate::{Storage, StorageError};
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRow {
    pub name: String,
    pub display_name: String,
    /// `admin`, `technician`, `supervisor` or `agent` (the CHECK holds it to these).
    pub role: String,
    #[serde(skip)]
    pub password_hash: String,
    /// `en` or `zh`.
    pub language: String,
    /// The ACD agent an agent user works as.
    pub agent: Option<String>,
    pub disabled: bool,
    pub created_unix_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_name: String,
    pub csrf: String,
    pub created_unix_ms: u64,
    pub last_seen_unix_ms: u64,
    pub address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiTokenRow {
    pub name: String,
    #[serde(skip)]
    pub token_hash: String,
    pub role: String,
    pub created_by: String,
    pub created_unix_ms: u64,
    pub last_used_unix_ms: Option<u64>,
}

/// An audit entry to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAudit {
    pub unix_ms: u64,
    pub actor: String,
    pub address: Option<String>,
    /// What was done (`POST /api/agents/{agent}/state`).
    pub action: String,
    /// What it was done to (the request's path).
    pub target: String,
    /// The HTTP status it answered.
    pub status: u16,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub unix_ms: u64,
    pub actor: String,
    pub address: Option<String>,
    pub action: String,
    pub target: String,
    pub status: u16,
    pub before: Option<String>,
    pub after: Option<String>,
}

fn signed(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

fn unsigned(ms: i64) -> u64 {
    u64::try_from(ms).unwrap_or_default()
}

fn read_user(row: &Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        name: row.get(0)?,
        display_name: row.get(1)?,
        role: row.get(2)?,
        password_hash: row.get(3)?,
        language: row.get(4)?,
        agent: row.get(5)?,
        disabled: row.get(6)?,
        created_unix_ms: unsigned(row.get(7)?),
    })
}

const USER_COLUMNS: &str =
    "name, display_name, role, password_hash, language, agent, disabled, created_unix_ms";

impl Storage {
    /// Adds a user; `Ok(false)` when the name is taken (whatever its case).
    pub fn insert_user(&self, user: &UserRow) -> Result<bool, StorageError> {
        let result = self.connection().execute(
            "INSERT INTO users (name, display_name, role, password_hash, language, agent,
                disabled, created_unix_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                user.name,
                user.display_name,
                user.role,
                user.password_hash,
                user.language,
                user.agent,
                user.disabled,
                signed(user.created_unix_ms)
            ],
        );
        match result {
            Ok(_) => Ok(true),
            Err(rusqlite::Error::SqliteFailure(error, _))
                if error.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Ok(false)
            }
            Err(source) => Err(self.query_error("add a user", source)),
        }
    }

    /// Adds the first admin, only if there is no user at all yet (one transaction, so two
    /// first-start forms cannot both win); whether it was added.
    pub fn insert_first_admin(&mut self, user: &UserRow) -> Result<bool, StorageError> {
        let path = self.path().to_owned();
        let error = |source| StorageError::Query {
            operation: "add the first admin",
            path: path.clone(),
            source,
        };
        let transaction = self.connection_mut().transaction().map_err(error)?;
        let users: i64 = transaction
            .query_row("SELECT COUNT(*) FROM users", [], |row| row.get(0))
            .map_err(error)?;
        if users > 0 {
            return Ok(false);
        }
        transaction
            .execute(
                "INSERT INTO users (name, display_name, role, password_hash, language, agent,
                    disabled, created_unix_ms) VALUES (?1, ?2, 'admin', ?3, ?4, NULL, 0, ?5)",
                params![
                    user.name,
                    user.display_name,
                    user.password_hash,
                    user.language,
                    signed(user.created_unix_ms)
                ],
            )
            .map_err(error)?;
        transaction.commit().map_err(error)?;
        Ok(true)
    }

    pub fn user(&self, name: &str) -> Result<Option<UserRow>, StorageError> {
        self.connection()
            .query_row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE name = ?1"),
                [name],
                read_user,
            )
            .optional()
            .map_err(|source| self.query_error("read a user", source))
    }

    pub fn users(&self) -> Result<Vec<UserRow>, StorageError> {
        self.select_all(
            &format!("SELECT {USER_COLUMNS} FROM users ORDER BY name"),
            [],
            read_user,
        )
        .map_err(|source| self.query_error("read users", source))
    }

    pub fn user_count(&self) -> Result<u64, StorageError> {
        self.connection()
            .query_row("SELECT COUNT(*) FROM users", [], |row| row.get::<_, i64>(0))
            .map(unsigned)
            .map_err(|source| self.query_error("count users", source))
    }

    /// Replaces a user's display name, role, language, agent and disabled flag (not the
    /// password); whether the user exists.
    pub fn update_user(&self, user: &UserRow) -> Result<bool, StorageError> {
        self.connection()
            .execute(
                "UPDATE users SET display_name = ?2, role = ?3, language = ?4, agent = ?5,
                    disabled = ?6 WHERE name = ?1",
                params![
                    user.name,
                    user.display_name,
                    user.role,
                    user.language,
                    user.agent,
                    user.disabled
                ],
            )
            .map(|changed| changed > 0)
            .map_err(|source| self.query_error("update a user", source))
    }

    pub fn set_password_hash(&self, name: &str, hash: &str) -> Result<bool, StorageError> {
        self.connection()
            .execute(
                "UPDATE users SET password_hash = ?2 WHERE name = ?1",
                params![name, hash],
            )
            .map(|changed| changed > 0)
            .map_err(|source| self.query_error("set a password", source))
    }

    /// Removes a user and their sessions; whether they existed.
    pub fn delete_user(&self, name: &str) -> Result<bool, StorageError> {
        self.connection()
            .execute("DELETE FROM users WHERE name = ?1", [name])
            .map(|changed| changed > 0)
            .map_err(|source| self.query_error("remove a user", source))
    }

    pub fn insert_session(&self, session: &SessionRow) -> Result<(), StorageError> {
        self.connection()
            .execute(
                "INSERT INTO sessions (token_hash, user_name, csrf, created_unix_ms,
                    last_seen_unix_ms, address) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    session.token_hash,
                    session.user_name,
                    session.csrf,
                    signed(session.created_unix_ms),
                    signed(session.last_seen_unix_ms),
                    session.address
                ],
            )
            .map(|_| ())
            .map_err(|source| self.query_error("store a session", source))
    }

    pub fn sessions(&self) -> Result<Vec<SessionRow>, StorageError> {
        self.select_all(
            "SELECT token_hash, user_name, csrf, created_unix_ms, last_seen_unix_ms, address
             FROM sessions",
            [],
            |row| {
                Ok(SessionRow {
                    token_hash: row.get(0)?,
                    user_name: row.get(1)?,
                    csrf: row.get(2)?,
                    created_unix_ms: unsigned(row.get(3)?),
                    last_seen_unix_ms: unsigned(row.get(4)?),
                    address: row.get(5)?,
                })
            },
        )
        .map_err(|source| self.query_error("read sessions", source))
    }

    pub fn touch_session(&self, token_hash: &str, unix_ms: u64) -> Result<(), StorageError> {
        self.connection()
            .execute(
                "UPDATE sessions SET last_seen_unix_ms = ?2 WHERE token_hash = ?1",
                params![token_hash, signed(unix_ms)],
            )
            .map(|_| ())
            .map_err(|source| self.query_error("touch a session", source))
    }

    pub fn delete_session(&self, token_hash: &str) -> Result<(), StorageError> {
        self.connection()
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])
            .map(|_| ())
            .map_err(|source| self.query_error("end a session", source))
    }

    /// Ends every session of a user (their password or role changed, or they were
    /// disabled).
    pub fn delete_sessions_of(&self, user_name: &str) -> Result<(), StorageError> {
        self.connection()
            .execute("DELETE FROM sessions WHERE user_name = ?1", [user_name])
            .map(|_| ())
            .map_err(|source| self.query_error("end a user's sessions", source))
    }

    /// Adds an API token, or replaces the one of the same name.
    pub fn upsert_api_token(&self, token: &ApiTokenRow) -> Result<(), StorageError> {
        self.connection()
            .execute(
                "INSERT INTO api_tokens (name, token_hash, role, created_by, created_unix_ms,
                    last_used_unix_ms) VALUES (?1, ?2, ?3, ?4, ?5, NULL)
                 ON CONFLICT(name) DO UPDATE SET token_hash = excluded.token_hash,
                    role = excluded.role, created_by = excluded.created_by,
                    created_unix_ms = excluded.created_unix_ms, last_used_unix_ms = NULL",
                params![
                    token.name,
                    token.token_hash,
                    token.role,
                    token.created_by,
                    signed(token.created_unix_ms)
                ],
            )
            .map(|_| ())
            .map_err(|source| self.query_error("store an API token", source))
    }

    pub fn api_tokens(&self) -> Result<Vec<ApiTokenRow>, StorageError> {
        self.select_all(
            "SELECT name, token_hash, role, created_by, created_unix_ms, last_used_unix_ms
             FROM api_tokens ORDER BY name",
            [],
            |row| {
                Ok(ApiTokenRow {
                    name: row.get(0)?,
                    token_hash: row.get(1)?,
                    role: row.get(2)?,
                    created_by: row.get(3)?,
                    created_unix_ms: unsigned(row.get(4)?),
                    last_used_unix_ms: row.get::<_, Option<i64>>(5)?.map(unsigned),
                })
            },
        )
        .map_err(|source| self.query_error("read API tokens", source))
    }

    pub fn touch_api_token(&self, name: &str, unix_ms: u64) -> Result<(), StorageError> {
        self.connection()
            .execute(
                "UPDATE api_tokens SET last_used_unix_ms = ?2 WHERE name = ?1",
                params![name, signed(unix_ms)],
            )
            .map(|_| ())
            .map_err(|source| self.query_error("touch an API token", source))
    }

    /// Revokes (removes) an API token; whether it existed.
    pub fn delete_api_token(&self, name: &str) -> Result<bool, StorageError> {
        self.connection()
            .execute("DELETE FROM api_tokens WHERE name = ?1", [name])
            .map(|changed| changed > 0)
            .map_err(|source| self.query_error("revoke an API token", source))
    }

    pub fn insert_audit(&self, entry: &NewAudit) -> Result<i64, StorageError> {
        self.connection()
            .execute(
                "INSERT INTO audit_log (unix_ms, actor, address, action, target, status,
                    before, after) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    signed(entry.unix_ms),
                    entry.actor,
                    entry.address,
                    entry.action,
                    entry.target,
                    entry.status,
                    entry.before,
                    entry.after
                ],
            )
            .map(|_| self.connection().last_insert_rowid())
            .map_err(|source| self.query_error("write the audit log", source))
    }

    /// The newest `limit` audit entries with an id below `before` (all when `None`),
    /// newest first.
    pub fn audit_entries(
        &self,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<AuditRow>, StorageError> {
        self.select_all(
            "SELECT id, unix_ms, actor, address, action, target, status, before, after
             FROM audit_log WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
            params![
                before.unwrap_or(i64::MAX),
                i64::try_from(limit).unwrap_or(i64::MAX)
            ],
            |row| {
                Ok(AuditRow {
                    id: row.get(0)?,
                    unix_ms: unsigned(row.get(1)?),
                    actor: row.get(2)?,
                    address: row.get(3)?,
                    action: row.get(4)?,
                    target: row.get(5)?,
                    status: row.get(6)?,
                    before: row.get(7)?,
                    after: row.get(8)?,
                })
            },
        )
        .map_err(|source| self.query_error("read the audit log", source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, role: &str) -> UserRow {
        UserRow {
            name: name.into(),
            display_name: format!("{name} display"),
            role: role.into(),
            password_hash: "$argon2id$x".into(),
            language: "en".into(),
            agent: None,
            disabled: false,
            created_unix_ms: 1000,
        }
    }

    #[test]
    fn users_are_unique_whatever_the_case_and_the_first_admin_only_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut storage = Storage::open(dir.path()).unwrap();
        assert!(storage.insert_first_admin(&user("root", "admin")).unwrap());
        assert!(!storage.insert_first_admin(&user("other", "admin")).unwrap());
        assert!(storage.insert_user(&user("alice", "agent")).unwrap());
        assert!(!storage.insert_user(&user("ALICE", "agent")).unwrap());
        assert_eq!(storage.user_count().unwrap(), 2);
        let found = storage.user("Alice").unwrap().expect("found by any case");
        assert_eq!(
            (found.name.as_str(), found.role.as_str()),
            ("alice", "agent")
        );
        let bad_role = storage.insert_user(&user("bob", "root"));
        assert!(
            bad_role.is_ok_and(|added| !added),
            "the CHECK refuses a role"
        );
        assert_eq!(storage.users().unwrap().len(), 2);
    }

    #[test]
    fn removing_a_user_ends_their_sessions() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        storage.insert_user(&user("alice", "agent")).unwrap();
        let session = SessionRow {
            token_hash: "h1".into(),
            user_name: "alice".into(),
            csrf: "c".into(),
            created_unix_ms: 1,
            last_seen_unix_ms: 1,
            address: Some("127.0.0.1".into()),
        };
        storage.insert_session(&session).unwrap();
        storage.touch_session("h1", 99).unwrap();
        assert_eq!(storage.sessions().unwrap()[0].last_seen_unix_ms, 99);
        assert!(storage.delete_user("alice").unwrap());
        assert!(storage.sessions().unwrap().is_empty());
    }

    #[test]
    fn tokens_replace_by_name_and_the_audit_reads_back_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        let mut token = ApiTokenRow {
            name: "crm".into(),
            token_hash: "a".into(),
            role: "supervisor".into(),
            created_by: "root".into(),
            created_unix_ms: 5,
            last_used_unix_ms: None,
        };
        storage.upsert_api_token(&token).unwrap();
        token.token_hash = "b".into();
        storage.upsert_api_token(&token).unwrap();
        let tokens = storage.api_tokens().unwrap();
        assert_eq!(tokens.len(), 1);
        assert_eq!(tokens[0].token_hash, "b");
        for n in 0..3 {
            storage
                .insert_audit(&NewAudit {
                    unix_ms: n,
                    actor: "root".into(),
                    address: None,
                    action: "POST /x".into(),
                    target: format!("/x/{n}"),
                    status: 200,
                    before: None,
                    after: Some("{}".into()),
                })
                .unwrap();
        }
        let newest = storage.audit_entries(None, 2).unwrap();
        assert_eq!(
            newest.iter().map(|e| e.target.as_str()).collect::<Vec<_>>(),
            ["/x/2", "/x/1"]
        );
        let older = storage.audit_entries(Some(newest[1].id), 10).unwrap();
        assert_eq!(older.len(), 1);
        assert_eq!(older[0].target, "/x/0");
    }
}
