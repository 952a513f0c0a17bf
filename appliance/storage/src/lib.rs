//! The box's database: SQLite in WAL mode in the data directory, schema by migrations.
//! It holds CDRs (`cdr`), each call's events from the event bus (`call_events`) and the
//! agents' wrap-up notes (`notes`).

mod alerts;
mod call_events;
mod cdr;
mod migrations;
mod notes;
mod recordings;
mod stats;
mod users;

pub use alerts::AlertRow;
pub use call_events::{CallEventRow, CallLegRow, StoredCallEvent};
pub use cdr::{Cdr, Disposition};
pub use notes::WrapUpRow;
pub use recordings::{
    NewRecording, RecordingCallFacts, RecordingEnd, RecordingFilter, RecordingRow,
};
pub use stats::{AgentOfferRow, AgentStateSpanRow, QueueAttemptRow, StatsRows};
pub use users::{ApiTokenRow, AuditRow, NewAudit, SessionRow, UserRow};

use rusqlite::Connection;
use std::path::{Path, PathBuf};

pub const DATABASE_FILE: &str = "appliance.db";
/// The schema version this firmware writes; a database with a newer one is refused.
pub const SCHEMA_VERSION: i64 = migrations::LATEST;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("cannot create the data directory {path}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database {path}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("database {path} stays in journal mode {mode:?}, not WAL (is the data directory read-only?)")]
    NotWal { path: PathBuf, mode: String },
    #[error("database {path} has schema version {found}, newer than this firmware knows ({known}); refusing to touch it")]
    FromTheFuture {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("database {path}: migration to schema version {version} failed")]
    Migration {
        path: PathBuf,
        version: i64,
        source: rusqlite::Error,
    },
    #[error("cannot {operation} in {path}")]
    Query {
        operation: &'static str,
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("a CDR with id {id} is already stored")]
    DuplicateCdr { id: String },
    #[error("cannot encode {column} of {what} as JSON: {reason}")]
    Encode {
        what: &'static str,
        column: &'static str,
        reason: String,
    },
    #[error(
        "event seq {seq} of call {call_id} does not fit the database's 64-bit signed integers"
    )]
    SeqOutOfRange { call_id: String, seq: u64 },
    #[error("database {path} holds a bad value in {column}: {value:?}")]
    BadValue {
        path: PathBuf,
        column: &'static str,
        value: String,
    },
}

pub struct Storage {
    connection: Connection,
    path: PathBuf,
}

impl Storage {
    /// Opens (creating if needed) `appliance.db` in `data_dir` and brings its schema up
    /// to date.
    pub fn open(data_dir: &Path) -> Result<Storage, StorageError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StorageError::CreateDir {
            path: data_dir.to_owned(),
            source,
        })?;
        let path = data_dir.join(DATABASE_FILE);
        let open_error = |source| StorageError::Open {
            path: path.clone(),
            source,
        };
        let connection = Connection::open(&path).map_err(open_error)?;
        connection
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(open_error)?;
        // WAL: readers (the web UI) never block the writer (CDRs); NORMAL sync loses at most
        // the last transactions on power cut, never the database.
        let mode: String = connection
            .query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))
            .map_err(open_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StorageError::NotWal { path, mode });
        }
        connection
            .execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
            .map_err(open_error)?;
        let mut storage = Storage { connection, path };
        migrations::apply(
            &mut storage.connection,
            &storage.path,
            migrations::MIGRATIONS,
        )?;
        Ok(storage)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn schema_version(&self) -> Result<i64, StorageError> {
        migrations::version(&self.connection)
            .map_err(|source| self.query_error("read the schema version", source))
    }

    pub(crate) fn query_error(
        &self,
        operation: &'static str,
        source: rusqlite::Error,
    ) -> StorageError {
        StorageError::Query {
            operation,
            path: self.path.clone(),
            source,
        }
    }

    pub(crate) fn connection(&self) -> &Connection {
        &self.connection
    }

    pub(crate) fn connection_mut(&mut self) -> &mut Connection {
        &mut self.connection
    }

    /// Every row `sql` selects with `params`, each read by `read`.
    pub(crate) fn select_all<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        read: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<Vec<T>> {
        let mut statement = self.connection.prepare_cached(sql)?;
        let rows = statement.query_map(params, read)?;
        rows.collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_in_wal_mode_and_migrates() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        let mode: String = storage
            .connection()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(storage.schema_version().unwrap(), migrations::LATEST);
        assert!(dir.path().join(DATABASE_FILE).exists());
    }

    #[test]
    fn refuses_a_database_from_the_future() {
        let dir = tempfile::tempdir().unwrap();
        {
            let connection = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
            connection
                .execute_batch("PRAGMA user_version = 999")
                .unwrap();
        }
        let error = Storage::open(dir.path()).err().expect("refused");
        assert!(
            matches!(error, StorageError::FromTheFuture { found: 999, .. }),
            "{error}"
        );
        assert!(error.to_string().contains("newer than this firmware knows"));
    }

    #[test]
    fn an_unusable_data_directory_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, b"x").unwrap();
        let error = Storage::open(&file.join("data")).err().expect("refused");
        assert!(
            error
                .to_string()
                .contains("cannot create the data directory"),
            "{error}"
        );
    }

    #[test]
    fn writes_go_through_the_write_ahead_log() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        storage
            .connection()
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        assert!(
            dir.path().join("appliance.db-wal").exists(),
            "a -wal file holds the uncheckpointed write"
        );
        let sync: i64 = storage
            .connection()
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 1, "NORMAL");
        let foreign_keys: i64 = storage
            .connection()
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(foreign_keys, 1);
    }

    /// Makes `path` read-only; true if that binds this user. Root ignores permission bits:
    /// then the caller runs its test again as an unprivileged user (see `as_nobody`).
    fn read_only_dir(path: &Path) -> bool {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o555)).unwrap();
        let probe = path.join("probe");
        if std::fs::write(&probe, b"").is_ok() {
            let _ = std::fs::remove_file(&probe);
            return false;
        }
        true
    }

    /// Runs test `name` again in a child process as user `nobody`, where permission bits
    /// bind; fails if it fails. Used when this process is root (CI runs as root).
    fn as_nobody(name: &str) {
        use std::os::unix::process::CommandExt;
        assert!(
            std::env::var_os("STORAGE_TEST_AS_NOBODY").is_none(),
            "permission bits do not bind even as nobody"
        );
        let exe = std::env::current_exe().unwrap();
        let output = std::process::Command::new(exe)
            .args([name, "--exact", "--test-threads=1"])
            .env("STORAGE_TEST_AS_NOBODY", "1")
            .env("TMPDIR", "/tmp")
            .uid(65534)
            .gid(65534)
            .output()
            .expect("the test binary runs as nobody");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && text.contains("1 passed"),
            "{name} as nobody: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn make_writable(path: &Path) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn a_read_only_data_directory_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        if !read_only_dir(&data) {
            make_writable(&data);
            return as_nobody("tests::a_read_only_data_directory_is_a_clear_error");
        }
        let error = Storage::open(&data).err().expect("refused");
        make_writable(&data);
        let text = error.to_string();
        assert!(matches!(error, StorageError::Open { .. }), "{text}");
        assert!(
            text.contains(&data.join(DATABASE_FILE).display().to_string()),
            "{text}"
        );
    }

    #[test]
    fn an_existing_database_in_a_read_only_directory_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        // Closed cleanly, so the -wal and -shm files are gone and must be created again.
        drop(Storage::open(&data).unwrap());
        if !read_only_dir(&data) {
            make_writable(&data);
            return as_nobody(
                "tests::an_existing_database_in_a_read_only_directory_is_a_clear_error",
            );
        }
        let error = Storage::open(&data).err().expect("refused");
        make_writable(&data);
        assert!(error.to_string().contains(DATABASE_FILE), "{error}");
    }

    #[test]
    fn a_corrupt_database_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DATABASE_FILE), vec![0x42u8; 8192]).unwrap();
        let error = Storage::open(dir.path()).err().expect("refused");
        assert!(error.to_string().contains(DATABASE_FILE), "{error}");
    }
}
