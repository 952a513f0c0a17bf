//! Schema migrations: an ordered list of scripts; `PRAGMA user_version` says how many ran.

use crate::StorageError;
use rusqlite::Connection;
use std::path::Path;

const MIGRATIONS: &[&str] = &[
    // 1: call detail records.
    "CREATE TABLE cdr (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        start_unix_ms INTEGER NOT NULL,
        answer_unix_ms INTEGER,
        end_unix_ms INTEGER NOT NULL,
        caller TEXT,
        callee TEXT,
        inbound_channel TEXT NOT NULL,
        outbound_channel TEXT,
        disposition TEXT NOT NULL CHECK (disposition IN ('answered','abandoned','busy','no_answer','failed')),
        cause INTEGER NOT NULL CHECK (cause BETWEEN 0 AND 127),
        ring_ms INTEGER NOT NULL,
        talk_ms INTEGER NOT NULL
    );
    CREATE INDEX cdr_start ON cdr(start_unix_ms);",
];

pub const LATEST: i64 = MIGRATIONS.len() as i64;

pub fn version(connection: &Connection) -> rusqlite::Result<i64> {
    connection.query_row("PRAGMA user_version", [], |row| row.get(0))
}

pub fn apply(connection: &mut Connection, path: &Path) -> Result<(), StorageError> {
    let found = version(connection).map_err(|source| StorageError::Open { path: path.to_owned(), source })?;
    if found > LATEST {
        return Err(StorageError::FromTheFuture { path: path.to_owned(), found, known: LATEST });
    }
    for (index, script) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let version = index as i64 + 1;
        let error = |source| StorageError::Migration { path: path.to_owned(), version, source };
        // Each migration and its version bump commit together, or not at all.
        let transaction = connection.transaction().map_err(error)?;
        transaction.execute_batch(script).map_err(error)?;
        transaction.pragma_update(None, "user_version", version).map_err(error)?;
        transaction.commit().map_err(error)?;
    }
    Ok(())
}
