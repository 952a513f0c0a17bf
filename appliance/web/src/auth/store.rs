//! The web's accounts at run time: users, signed-in sessions and API tokens held in
//! memory (every request looks them up) and written through to the database (sessions
//! outlive a restart of the box, so live pages reconnect signed in), login throttling,
//! and the audit log. Every method may touch SQLite: call them off the web worker
//! (`web::block`), except `identify`, which reads memory only.

use super::password;
use super::refusal::{Refusal, MIN_TOKEN_LENGTH};
use super::secret;
use super::throttle::{LoginThrottle, Throttled};
use super::{Identity, Role, Via};
use crate::i18n::{Lang, Msg};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// How long a session lasts without a request.
pub const DEFAULT_IDLE_MS: u64 = 30 * 60 * 1000;
/// A session's last-seen time is written to the database at most this often.
const TOUCH_EVERY_MS: u64 = 60_000;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
    #[error("the account store's lock is poisoned")]
    Poisoned,
    #[error("no randomness from the operating system: {0}")]
    Random(String),
    /// The password could not be hashed (a short one is a `Refused`).
    #[error(transparent)]
    Password(password::PasswordError),
    /// What the user asked for is refused: shown to them, in their language.
    #[error(transparent)]
    Refused(#[from] Refusal),
}

impl From<password::PasswordError> for AuthError {
    fn from(error: password::PasswordError) -> Self {
        match error {
            password::PasswordError::TooShort => AuthError::Refused(Refusal::PasswordTooShort),
            other => AuthError::Password(other),
        }
    }
}

impl AuthError {
    /// The error as a page shows it, in `lang`: a refusal in the user's words; a failure
    /// of the box with a translated lead-in and its English detail (for the log reader).
    pub fn text(&self, lang: Lang) -> String {
        match self {
            AuthError::Refused(refusal) => refusal.text(lang),
            failure => format!("{}: {failure}", lang.t(Msg::AccountStoreFailed)),
        }
    }
}

/// Why a sign-in failed.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginRefused {
    WrongPassword,
    Throttled(Throttled),
}

/// A user as the web sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub display_name: String,
    pub role: Role,
    pub language: Lang,
    pub agent: Option<String>,
    pub disabled: bool,
    pub created_unix_ms: u64,
}

impl User {
    fn from_row(row: &storage::UserRow) -> Option<User> {
        Some(User {
            name: row.name.clone(),
            display_name: row.display_name.clone(),
            role: Role::parse(&row.role)?,
            language: Lang::parse(&row.language).unwrap_or_default(),
            agent: row.agent.clone(),
            disabled: row.disabled,
            created_unix_ms: row.created_unix_ms,
        })
    }

    fn to_row(&self, password_hash: String) -> storage::UserRow {
        storage::UserRow {
            name: self.name.clone(),
            display_name: self.display_name.clone(),
            role: self.role.as_str().into(),
            password_hash,
            language: self.language.code().into(),
            agent: self.agent.clone(),
            disabled: self.disabled,
            created_unix_ms: self.created_unix_ms,
        }
    }
}

struct LiveSession {
    user: String,
    csrf: String,
    last_seen_ms: u64,
    written_seen_ms: u64,
}

struct LiveToken {
    name: String,
    role: Role,
}

/// A new session: the cookie's secret and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub csrf: String,
}

pub struct AuthStore {
    db: Mutex<storage::Storage>,
    state: Mutex<Memory>,
    idle_ms: u64,
}

#[derive(Default)]
struct Memory {
    /// By lower-case name.
    users: HashMap<String, User>,
    /// By the hash of the session's secret.
    sessions: HashMap<String, LiveSession>,
    /// By the hash of the token.
    tokens: HashMap<String, LiveToken>,
    throttle: LoginThrottle,
}

fn key(name: &str) -> String {
    name.to_lowercase()
}

pub fn now_unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

impl AuthStore {
    /// Opens the accounts in `data_dir`'s database, forgetting sessions idle too long.
    pub fn open(data_dir: &Path, idle_ms: u64) -> Result<AuthStore, AuthError> {
        let db = storage::Storage::open(data_dir)?;
        let now = now_unix_ms();
        let mut memory = Memory::default();
        for row in db.users()? {
            if let Some(user) = User::from_row(&row) {
                memory.users.insert(key(&user.name), user);
            }
        }
        for row in db.sessions()? {
            if now.saturating_sub(row.last_seen_unix_ms) >= idle_ms {
                db.delete_session(&row.token_hash)?;
                continue;
            }
            memory.sessions.insert(
                row.token_hash,
                LiveSession {
                    user: row.user_name,
                    csrf: row.csrf,
                    last_seen_ms: row.last_seen_unix_ms,
                    written_seen_ms: row.last_seen_unix_ms,
                },
            );
        }
        for row in db.api_tokens()? {
            if let Some(role) = Role::parse(&row.role) {
                memory.tokens.insert(
                    row.token_hash,
                    LiveToken {
                        name: row.name,
                        role,
                    },
                );
            }
        }
        Ok(AuthStore {
            db: Mutex::new(db),
            state: Mutex::new(memory),
            idle_ms,
        })
    }

    fn memory(&self) -> Result<MutexGuard<'_, Memory>, AuthError> {
        self.state.lock().map_err(|_| AuthError::Poisoned)
    }

    fn db(&self) -> Result<MutexGuard<'_, storage::Storage>, AuthError> {
        self.db.lock().map_err(|_| AuthError::Poisoned)
    }

    pub fn idle_ms(&self) -> u64 {
        self.idle_ms
    }

    /// No account exists yet: the first start, which must create the admin.
    pub fn first_start(&self) -> bool {
        self.memory().map(|m| m.users.is_empty()).unwrap_or(false)
    }

    /// Who presents this session secret or API token, if anyone (memory only). A
    /// session's idle clock restarts; the returned flag says its new last-seen time is
    /// due to be written (`touch_session`).
    pub fn identify(&self, credential: &Credential, now_ms: u64) -> Option<(Identity, bool)> {
        let mut memory = self.memory().ok()?;
        match credential {
            Credential::Session(secret) => {
                let hash = secret::hash(secret);
                let idle_ms = self.idle_ms;
                let session = memory.sessions.get_mut(&hash)?;
                if now_ms.saturating_sub(session.last_seen_ms) >= idle_ms {
                    return None;
                }
                session.last_seen_ms = now_ms;
                let due = now_ms.saturating_sub(session.written_seen_ms) >= TOUCH_EVERY_MS;
                let (user_name, csrf) = (session.user.clone(), session.csrf.clone());
                let user = memory.users.get(&key(&user_name))?;
                if user.disabled {
                    return None;
                }
                Some((
                    Identity {
                        name: user.name.clone(),
                        display_name: user.display_name.clone(),
                        role: user.role,
                        language: user.language,
                        agent: user.agent.clone(),
                        via: Via::Session { csrf, hash },
                    },
                    due,
                ))
            }
            Credential::Token(token) => {
                let hash = secret::hash(token);
                let live = memory.tokens.get(&hash)?;
                Some((
                    Identity {
                        name: format!("token:{}", live.name),
                        display_name: live.name.clone(),
                        role: live.role,
                        language: Lang::En,
                        agent: None,
                        via: Via::Token {
                            name: live.name.clone(),
                        },
                    },
                    false,
                ))
            }
        }
    }

    /// Writes a session's last-seen time (at most once a minute per session).
    pub fn touch_session(&self, hash: &str, now_ms: u64) -> Result<(), AuthError> {
        {
            let mut memory = self.memory()?;
            if let Some(session) = memory.sessions.get_mut(hash) {
                session.written_seen_ms = now_ms;
            }
        }
        self.db()?.touch_session(hash, now_ms)?;
        Ok(())
    }

    /// Checks a name and password (throttled per account and per address) and opens a
    /// session.
    pub fn login(
        &self,
        name: &str,
        password_text: &str,
        address: &str,
        now_ms: u64,
    ) -> Result<Result<(User, NewSession), LoginRefused>, AuthError> {
        if let Err(throttled) = self.memory()?.throttle.check(name, address, now_ms) {
            return Ok(Err(LoginRefused::Throttled(throttled)));
        }
        let stored = self.db()?.user(name)?;
        let user = stored.as_ref().and_then(User::from_row);
        let hash = stored
            .as_ref()
            .map(|row| row.password_hash.clone())
            .unwrap_or_else(|| password::decoy_hash().to_owned());
        let matches = password::verify(password_text, &hash);
        let user = match user {
            Some(user) if matches && !user.disabled => user,
            _ => {
                self.memory()?.throttle.failed(name, address, now_ms);
                return Ok(Err(LoginRefused::WrongPassword));
            }
        };
        self.memory()?.throttle.succeeded(name);
        let session = self.open_session(&user.name, address, now_ms)?;
        Ok(Ok((user, session)))
    }

    /// Checks a user's password (throttled like a sign-in) without opening a session.
    pub fn check_password(
        &self,
        name: &str,
        password_text: &str,
        address: &str,
        now_ms: u64,
    ) -> Result<Result<(), LoginRefused>, AuthError> {
        if let Err(throttled) = self.memory()?.throttle.check(name, address, now_ms) {
            return Ok(Err(LoginRefused::Throttled(throttled)));
        }
        let hash = self
            .db()?
            .user(name)?
            .map(|row| row.password_hash)
            .unwrap_or_else(|| password::decoy_hash().to_owned());
        if password::verify(password_text, &hash) {
            self.memory()?.throttle.succeeded(name);
            Ok(Ok(()))
        } else {
            self.memory()?.throttle.failed(name, address, now_ms);
            Ok(Err(LoginRefused::WrongPassword))
        }
    }

    fn open_session(
        &self,
        user_name: &str,
        address: &str,
        now_ms: u64,
    ) -> Result<NewSession, AuthError> {
        let random = |e: getrandom::Error| AuthError::Random(e.to_string());
        let session = NewSession {
            secret: secret::new_secret().map_err(random)?,
            csrf: secret::new_secret().map_err(random)?,
        };
        let hash = secret::hash(&session.secret);
        self.db()?.insert_session(&storage::SessionRow {
            token_hash: hash.clone(),
            user_name: user_name.to_owned(),
            csrf: session.csrf.clone(),
            created_unix_ms: now_ms,
            last_seen_unix_ms: now_ms,
            address: Some(address.to_owned()),
        })?;
        self.memory()?.sessions.insert(
            hash,
            LiveSession {
                user: user_name.to_owned(),
                csrf: session.csrf.clone(),
                last_seen_ms: now_ms,
                written_seen_ms: now_ms,
            },
        );
        Ok(session)
    }

    /// Ends a session (by the hash of its secret).
    pub fn logout(&self, hash: &str) -> Result<(), AuthError> {
        self.memory()?.sessions.remove(hash);
        self.db()?.delete_session(hash)?;
        Ok(())
    }

    /// Creates the first admin (only while no account exists) and signs them in.
    pub fn create_first_admin(
        &self,
        user: &User,
        password_text: &str,
        address: &str,
        now_ms: u64,
    ) -> Result<Option<NewSession>, AuthError> {
        check_user(user)?;
        let hash = password::hash(password_text)?;
        let mut row = user.to_row(hash);
        row.role = Role::Admin.as_str().into();
        if !self.db()?.insert_first_admin(&row)? {
            return Ok(None);
        }
        let mut admin = user.clone();
        admin.role = Role::Admin;
        self.memory()?.users.insert(key(&admin.name), admin);
        self.open_session(&user.name, address, now_ms).map(Some)
    }

    pub fn users(&self) -> Result<Vec<User>, AuthError> {
        let mut users: Vec<User> = self.memory()?.users.values().cloned().collect();
        users.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(users)
    }

    pub fn user(&self, name: &str) -> Result<Option<User>, AuthError> {
        Ok(self.memory()?.users.get(&key(name)).cloned())
    }

    /// Adds a user; an error says why not (a taken name, a short password).
    pub fn add_user(&self, user: &User, password_text: &str) -> Result<(), AuthError> {
        check_user(user)?;
        let hash = password::hash(password_text)?;
        if !self.db()?.insert_user(&user.to_row(hash))? {
            return Err(Refusal::UserExists(user.name.clone()).into());
        }
        self.memory()?.users.insert(key(&user.name), user.clone());
        Ok(())
    }

    /// Changes a user's details. A changed role or a disabled account ends their sessions
    /// (they sign in again with what they may now do). The last admin cannot stop being
    /// one.
    pub fn update_user(&self, user: &User) -> Result<Option<User>, AuthError> {
        check_user(user)?;
        let Some(before) = self.user(&user.name)? else {
            return Ok(None);
        };
        let still_admin = user.role == Role::Admin && !user.disabled;
        if before.role == Role::Admin && !still_admin && self.admin_count()? <= 1 {
            return Err(Refusal::LastAdmin.into());
        }
        let mut stored = user.clone();
        stored.name = before.name.clone();
        stored.created_unix_ms = before.created_unix_ms;
        let db = self.db()?;
        db.update_user(&stored.to_row(String::new()))?;
        if before.role != stored.role || stored.disabled {
            db.delete_sessions_of(&stored.name)?;
            self.memory()?
                .sessions
                .retain(|_, session| key(&session.user) != key(&stored.name));
        }
        drop(db);
        self.memory()?.users.insert(key(&stored.name), stored);
        Ok(Some(before))
    }

    fn admin_count(&self) -> Result<usize, AuthError> {
        Ok(self
            .memory()?
            .users
            .values()
            .filter(|u| u.role == Role::Admin && !u.disabled)
            .count())
    }

    /// Sets a password; the user's other sessions end (all of them when `keep` is None).
    pub fn set_password(
        &self,
        name: &str,
        password_text: &str,
        keep: Option<&str>,
    ) -> Result<bool, AuthError> {
        let hash = password::hash(password_text)?;
        let Some(user) = self.user(name)? else {
            return Ok(false);
        };
        let db = self.db()?;
        db.set_password_hash(&user.name, &hash)?;
        let ended: Vec<String> = self
            .memory()?
            .sessions
            .iter()
            .filter(|(hash, s)| key(&s.user) == key(&user.name) && Some(hash.as_str()) != keep)
            .map(|(hash, _)| hash.clone())
            .collect();
        for hash in &ended {
            db.delete_session(hash)?;
        }
        drop(db);
        let mut memory = self.memory()?;
        for hash in ended {
            memory.sessions.remove(&hash);
        }
        Ok(true)
    }

    /// Removes a user (never the last admin); their sessions end.
    pub fn delete_user(&self, name: &str) -> Result<Option<User>, AuthError> {
        let Some(user) = self.user(name)? else {
            return Ok(None);
        };
        if user.role == Role::Admin && self.admin_count()? <= 1 {
            return Err(Refusal::LastAdmin.into());
        }
        self.db()?.delete_user(&user.name)?;
        let mut memory = self.memory()?;
        memory.users.remove(&key(&user.name));
        memory
            .sessions
            .retain(|_, session| key(&session.user) != key(&user.name));
        Ok(Some(user))
    }

    /// Creates (or replaces) the API token `name`; its secret, shown once.
    pub fn create_token(
        &self,
        name: &str,
        role: Role,
        created_by: &str,
        now_ms: u64,
    ) -> Result<String, AuthError> {
        let secret = secret::new_secret().map_err(|e| AuthError::Random(e.to_string()))?;
        self.install_token(name, &secret, role, created_by, now_ms)?;
        Ok(secret)
    }

    /// Stores a token whose secret the caller chose (the provisioning token a test rig
    /// or an installer hands the box at start).
    pub fn install_token(
        &self,
        name: &str,
        secret_text: &str,
        role: Role,
        created_by: &str,
        now_ms: u64,
    ) -> Result<(), AuthError> {
        check_token_name(name)?;
        if secret_text.len() < MIN_TOKEN_LENGTH {
            return Err(Refusal::TokenTooShort.into());
        }
        let hash = secret::hash(secret_text);
        self.db()?.upsert_api_token(&storage::ApiTokenRow {
            name: name.to_owned(),
            token_hash: hash.clone(),
            role: role.as_str().into(),
            created_by: created_by.to_owned(),
            created_unix_ms: now_ms,
            last_used_unix_ms: None,
        })?;
        let mut memory = self.memory()?;
        memory.tokens.retain(|_, token| token.name != name);
        memory.tokens.insert(
            hash,
            LiveToken {
                name: name.to_owned(),
                role,
            },
        );
        Ok(())
    }

    pub fn tokens(&self) -> Result<Vec<storage::ApiTokenRow>, AuthError> {
        Ok(self.db()?.api_tokens()?)
    }

    pub fn revoke_token(&self, name: &str) -> Result<bool, AuthError> {
        let existed = self.db()?.delete_api_token(name)?;
        self.memory()?.tokens.retain(|_, token| token.name != name);
        Ok(existed)
    }

    pub fn audit(&self, entry: &storage::NewAudit) -> Result<(), AuthError> {
        self.db()?.insert_audit(entry)?;
        Ok(())
    }

    pub fn audit_entries(
        &self,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<storage::AuditRow>, AuthError> {
        Ok(self.db()?.audit_entries(before, limit)?)
    }
}

/// What a request presents.
pub enum Credential {
    Session(String),
    Token(String),
}

fn check_token_name(name: &str) -> Result<(), AuthError> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(Refusal::BadTokenName.into());
    }
    Ok(())
}

/// A user's name: 1-32 letters, digits, '-', '_' or '.'; the display name any text up
/// to 64 characters (shown escaped).
fn check_user(user: &User) -> Result<(), AuthError> {
    if user.name.is_empty()
        || user.name.chars().count() > 32
        || !user
            .name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(Refusal::BadUserName.into());
    }
    if user.display_name.trim().is_empty() || user.display_name.chars().count() > 64 {
        return Err(Refusal::BadDisplayName.into());
    }
    if user.role == Role::Agent && user.agent.as_deref().is_none_or(str::is_empty) {
        return Err(Refusal::AgentIdMissing.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, role: Role) -> User {
        User {
            name: name.into(),
            display_name: name.into(),
            role,
            language: Lang::Zh,
            agent: (role == Role::Agent).then(|| "201".to_owned()),
            disabled: false,
            created_unix_ms: 0,
        }
    }

    fn refusal(result: Result<impl std::fmt::Debug, AuthError>) -> Refusal {
        match result {
            Err(AuthError::Refused(refusal)) => refusal,
            other => panic!("not a refusal: {other:?}"),
        }
    }

    #[test]
    fn refusals_are_values_a_page_says_in_the_users_language() {
        let dir = tempfile::tempdir().expect("a directory");
        let store = AuthStore::open(dir.path(), DEFAULT_IDLE_MS).expect("the store opens");
        let admin = user("root", Role::Admin);
        store
            .create_first_admin(&admin, "long enough", "127.0.0.1", 0)
            .expect("the first admin");
        assert_eq!(
            refusal(store.add_user(&user("a b", Role::Agent), "long enough")),
            Refusal::BadUserName
        );
        assert_eq!(
            refusal(store.add_user(&user("ann", Role::Agent), "short")),
            Refusal::PasswordTooShort
        );
        let mut no_agent = user("bob", Role::Agent);
        no_agent.agent = None;
        assert_eq!(
            refusal(store.add_user(&no_agent, "long enough")),
            Refusal::AgentIdMissing
        );
        store
            .add_user(&user("ann", Role::Agent), "long enough")
            .expect("ann is added");
        let taken = store
            .add_user(&user("ann", Role::Agent), "long enough")
            .expect_err("the name is taken");
        assert_eq!(
            taken.to_string(),
            "a user named \"ann\" exists already",
            "the API's words"
        );
        assert_eq!(taken.text(Lang::Zh), "名为 ann 的用户已存在。");
        let last = refusal(store.delete_user("root"));
        assert_eq!(last, Refusal::LastAdmin);
        assert!(last.text(Lang::Zh).contains("管理员"));
        assert_eq!(
            refusal(store.install_token("crm", "too short", Role::Supervisor, "root", 0)),
            Refusal::TokenTooShort
        );
    }
}
