//! Schema migrations: an ordered list of scripts; `PRAGMA user_version` says how many ran.

use crate::StorageError;
use rusqlite::Connection;
use std::path::Path;

pub const MIGRATIONS: &[&str] = &[
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
    // 2: both answer times (the caller's line, the destination), what was dialled beside
    // who was called, and the invalid_number disposition. SQLite cannot alter a CHECK, so
    // the table is rebuilt with its rows (and their seq) kept.
    "CREATE TABLE cdr_v2 (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        start_unix_ms INTEGER NOT NULL,
        answer_unix_ms INTEGER,
        end_unix_ms INTEGER NOT NULL,
        caller TEXT,
        callee TEXT,
        inbound_channel TEXT NOT NULL,
        outbound_channel TEXT,
        disposition TEXT NOT NULL CHECK (disposition IN ('answered','abandoned','busy','no_answer','invalid_number','failed')),
        cause INTEGER NOT NULL CHECK (cause BETWEEN 0 AND 127),
        ring_ms INTEGER NOT NULL,
        talk_ms INTEGER NOT NULL,
        line_answer_unix_ms INTEGER,
        dialled TEXT
    );
    INSERT INTO cdr_v2 (seq, id, start_unix_ms, answer_unix_ms, end_unix_ms, caller, callee,
                        inbound_channel, outbound_channel, disposition, cause, ring_ms, talk_ms)
        SELECT seq, id, start_unix_ms, answer_unix_ms, end_unix_ms, caller, callee,
               inbound_channel, outbound_channel, disposition, cause, ring_ms, talk_ms FROM cdr;
    DROP TABLE cdr;
    ALTER TABLE cdr_v2 RENAME TO cdr;
    CREATE INDEX cdr_start ON cdr(start_unix_ms);",
    // 3: a call's run through the IVR in its CDR (NULL for calls without one, and for
    // every call before this version), the self_service disposition (the flow ended the
    // call: the CHECK changes, so the table is rebuilt with its rows and seq kept), and
    // each call's events from the bus. The bus numbers events from 1 at every start of
    // the box, so `seq` alone repeats across restarts; a call's id carries its boot's
    // epoch, so (call_id, seq) is unique, and its index is the one a call's events are
    // read by, in seq order.
    "CREATE TABLE cdr_v3 (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        start_unix_ms INTEGER NOT NULL,
        answer_unix_ms INTEGER,
        end_unix_ms INTEGER NOT NULL,
        caller TEXT,
        callee TEXT,
        inbound_channel TEXT NOT NULL,
        outbound_channel TEXT,
        disposition TEXT NOT NULL CHECK (disposition IN ('answered','abandoned','busy','no_answer','invalid_number','failed','self_service')),
        cause INTEGER NOT NULL CHECK (cause BETWEEN 0 AND 127),
        ring_ms INTEGER NOT NULL,
        talk_ms INTEGER NOT NULL,
        line_answer_unix_ms INTEGER,
        dialled TEXT,
        ivr_flow TEXT,
        ivr_path TEXT,
        ivr_variables TEXT
    );
    INSERT INTO cdr_v3 (seq, id, start_unix_ms, answer_unix_ms, end_unix_ms, caller, callee,
                        inbound_channel, outbound_channel, disposition, cause, ring_ms, talk_ms,
                        line_answer_unix_ms, dialled)
        SELECT seq, id, start_unix_ms, answer_unix_ms, end_unix_ms, caller, callee,
               inbound_channel, outbound_channel, disposition, cause, ring_ms, talk_ms,
               line_answer_unix_ms, dialled FROM cdr;
    DROP TABLE cdr;
    ALTER TABLE cdr_v3 RENAME TO cdr;
    CREATE INDEX cdr_start ON cdr(start_unix_ms);
    CREATE TABLE call_events (
        seq INTEGER NOT NULL,
        call_id TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        unix_ms INTEGER NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (call_id, seq)
    );",
    // 4: floor alerts (VIP callers, queue thresholds, surges, agents not ready too long),
    // one row per alert, updated as it clears and is acknowledged.
    "CREATE TABLE alerts (
        uid TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        condition TEXT NOT NULL,
        text TEXT NOT NULL,
        raised_unix_ms INTEGER NOT NULL,
        cleared_unix_ms INTEGER,
        acknowledged_by TEXT,
        acknowledged_unix_ms INTEGER,
        body TEXT NOT NULL
    );
    CREATE INDEX alerts_raised ON alerts(raised_unix_ms);",
    // 5: the callback disposition (the caller left a number to be called back; the call
    // back is a CDR of its own). The CHECK changes, so the table is rebuilt, rows and seq
    // kept.
    "CREATE TABLE cdr_v5 (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        start_unix_ms INTEGER NOT NULL,
        answer_unix_ms INTEGER,
        end_unix_ms INTEGER NOT NULL,
        caller TEXT,
        callee TEXT,
        inbound_channel TEXT NOT NULL,
        outbound_channel TEXT,
        disposition TEXT NOT NULL CHECK (disposition IN ('answered','abandoned','busy','no_answer','invalid_number','failed','self_service','callback')),
        cause INTEGER NOT NULL CHECK (cause BETWEEN 0 AND 127),
        ring_ms INTEGER NOT NULL,
        talk_ms INTEGER NOT NULL,
        line_answer_unix_ms INTEGER,
        dialled TEXT,
        ivr_flow TEXT,
        ivr_path TEXT,
        ivr_variables TEXT
    );
    INSERT INTO cdr_v5 SELECT seq, id, start_unix_ms, answer_unix_ms, end_unix_ms, caller,
        callee, inbound_channel, outbound_channel, disposition, cause, ring_ms, talk_ms,
        line_answer_unix_ms, dialled, ivr_flow, ivr_path, ivr_variables FROM cdr;
    DROP TABLE cdr;
    ALTER TABLE cdr_v5 RENAME TO cdr;
    CREATE INDEX cdr_start ON cdr(start_unix_ms);",
    // 6: a queue call's queue and the agent who answered, and the caller's post-call
    // survey score (1-5); NULL for other calls and for every call before this version.
    "ALTER TABLE cdr ADD COLUMN queue TEXT;
    ALTER TABLE cdr ADD COLUMN agent TEXT;
    ALTER TABLE cdr ADD COLUMN survey INTEGER CHECK (survey BETWEEN 1 AND 5);",
    // 7: the recordings index: one row per recording (a call's, or a voicemail message),
    // written when it starts and completed when its file is closed, interrupted by a
    // restart, failed, found empty or purged.
    "CREATE TABLE recordings (
        uid TEXT PRIMARY KEY,
        call_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('call','voicemail')),
        mailbox TEXT,
        caller TEXT,
        called TEXT,
        queue TEXT,
        agent TEXT,
        legs TEXT,
        started_unix_ms INTEGER NOT NULL,
        duration_ms INTEGER,
        path TEXT NOT NULL,
        bytes INTEGER,
        sha256 TEXT,
        status TEXT NOT NULL CHECK (status IN ('recording','complete','interrupted','failed','empty','purged')),
        reason TEXT NOT NULL,
        failure TEXT,
        retention_days INTEGER NOT NULL,
        closed_unix_ms INTEGER,
        purged_unix_ms INTEGER,
        heard INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX recordings_started ON recordings(started_unix_ms);
    CREATE INDEX recordings_call ON recordings(call_id);
    CREATE INDEX recordings_mailbox ON recordings(mailbox) WHERE mailbox IS NOT NULL;",
    // 8: call-center statistics (the `stats` crate's records): each call's stay in a
    // queue, each agent rung for a call, each agent state span. Plain rows, read back by
    // time range for the reports; times are Unix ms (UTC), durations ms.
    "CREATE TABLE queue_attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        call_id TEXT NOT NULL,
        queue TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        entry TEXT NOT NULL,
        entry_from TEXT,
        repeat_in_queue INTEGER NOT NULL,
        counted_at_ms INTEGER NOT NULL,
        entered_at_ms INTEGER NOT NULL,
        priority INTEGER NOT NULL,
        vip INTEGER NOT NULL,
        offers INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        waited_ms INTEGER NOT NULL,
        answered_by TEXT,
        answered_at_ms INTEGER,
        callback_offered INTEGER NOT NULL,
        callback INTEGER NOT NULL,
        overflowed_to TEXT,
        transferred_to TEXT,
        refused_reason TEXT,
        talk_ms INTEGER NOT NULL,
        hold_ms INTEGER NOT NULL,
        wrap_up_ms INTEGER NOT NULL,
        finished_at_ms INTEGER NOT NULL
    );
    CREATE INDEX queue_attempts_counted ON queue_attempts(counted_at_ms);
    CREATE INDEX queue_attempts_finished ON queue_attempts(finished_at_ms);
    CREATE TABLE agent_offers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        call_id TEXT NOT NULL,
        queue TEXT NOT NULL,
        agent TEXT NOT NULL,
        offered_at_ms INTEGER NOT NULL,
        ring_ms INTEGER NOT NULL,
        answered INTEGER NOT NULL,
        end_reason TEXT NOT NULL
    );
    CREATE INDEX agent_offers_offered ON agent_offers(offered_at_ms);
    CREATE TABLE agent_state_spans (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        agent TEXT NOT NULL,
        state TEXT NOT NULL,
        reason TEXT NOT NULL,
        not_ready_reason TEXT,
        from_ms INTEGER NOT NULL,
        to_ms INTEGER NOT NULL,
        ended_by TEXT NOT NULL
    );
    CREATE INDEX agent_state_spans_to ON agent_state_spans(to_ms);
    CREATE INDEX agent_state_spans_agent ON agent_state_spans(agent, to_ms);",
    // 9: one row per leg of each call (`call_legs`), read from the archived leg_joined and
    // leg_left events: the channel, its role, when it joined and when it left (NULL while
    // it is still in the call, or when the box stopped first). A view: the events are the
    // one record, so the two cannot disagree.
    "CREATE VIEW call_legs AS
     SELECT joined.call_id AS call_id,
            json_extract(joined.body, '$.channel') AS channel,
            json_extract(joined.body, '$.role') AS role,
            joined.seq AS joined_seq,
            joined.unix_ms AS joined_unix_ms,
            (SELECT MIN(gone.unix_ms) FROM call_events gone
              WHERE gone.call_id = joined.call_id AND gone.type = 'leg_left'
                AND gone.seq > joined.seq
                AND json_extract(gone.body, '$.channel') = json_extract(joined.body, '$.channel')
            ) AS left_unix_ms
     FROM call_events joined
     WHERE joined.type = 'leg_joined';",
    // 10: the web UI's users (role, language, the agent they work as), their signed-in
    // sessions (only a SHA-256 of each session's secret is stored), API tokens for CRM
    // integrations (hashed likewise) and the audit log of every change made through the
    // web port (who, when, what, the state before and after as JSON).
    "CREATE TABLE users (
        name TEXT PRIMARY KEY COLLATE NOCASE,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'technician', 'supervisor', 'agent')),
        password_hash TEXT NOT NULL,
        language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'zh')),
        agent TEXT,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_unix_ms INTEGER NOT NULL
     );
     CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        created_unix_ms INTEGER NOT NULL,
        last_seen_unix_ms INTEGER NOT NULL,
        address TEXT
     );
     CREATE TABLE api_tokens (
        name TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'technician', 'supervisor', 'agent')),
        created_by TEXT NOT NULL,
        created_unix_ms INTEGER NOT NULL,
        last_used_unix_ms INTEGER
     );
     CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        unix_ms INTEGER NOT NULL,
        actor TEXT NOT NULL,
        address TEXT,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        status INTEGER NOT NULL,
        before TEXT,
        after TEXT
     );",
    // 12 (11 is the configuration applied live, appended before this one when it lands):
    // agents' wrap-ups (`notes.rs`): a note and a disposition code per call and author,
    // saved while the call is live or after it (so no reference to `cdr`); and the CDRs
    // by caller, newest first, for the caller's history on the agent desktop, and by
    // agent, for the call an agent wraps up.
    "CREATE TABLE call_notes (
        call_id TEXT NOT NULL,
        author TEXT NOT NULL,
        note TEXT NOT NULL,
        disposition TEXT,
        saved_unix_ms INTEGER NOT NULL,
        PRIMARY KEY (call_id, author)
     );
     CREATE INDEX cdr_caller ON cdr(caller, start_unix_ms);
     CREATE INDEX cdr_agent ON cdr(agent, seq);",
];

pub const LATEST: i64 = MIGRATIONS.len() as i64;

pub fn version(connection: &Connection) -> rusqlite::Result<i64> {
    connection.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Brings the schema from its `user_version` up to `scripts.len()`; takes the list so
/// that tests can run a failing one.
pub fn apply(
    connection: &mut Connection,
    path: &Path,
    scripts: &[&str],
) -> Result<(), StorageError> {
    let found = version(connection).map_err(|source| StorageError::Open {
        path: path.to_owned(),
        source,
    })?;
    let known = scripts.len() as i64;
    if found > known {
        return Err(StorageError::FromTheFuture {
            path: path.to_owned(),
            found,
            known,
        });
    }
    for (index, script) in scripts.iter().enumerate().skip(found.max(0) as usize) {
        let version = index as i64 + 1;
        let error = |source| StorageError::Migration {
            path: path.to_owned(),
            version,
            source,
        };
        // Each migration and its version bump commit together, or not at all.
        let transaction = connection.transaction().map_err(error)?;
        transaction.execute_batch(script).map_err(error)?;
        transaction
            .pragma_update(None, "user_version", version)
            .map_err(error)?;
        transaction.commit().map_err(error)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Storage, DATABASE_FILE};

    fn table_exists(connection: &Connection, name: &str) -> bool {
        connection
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [name],
                |r| r.get::<_, i64>(0),
            )
            .expect("query sqlite_master")
            == 1
    }

    #[test]
    fn an_empty_file_is_version_zero_and_is_migrated() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(DATABASE_FILE), b"").expect("empty file");
        let storage = Storage::open(dir.path()).expect("opens");
        assert_eq!(storage.schema_version().expect("version"), LATEST);
        assert_eq!(
            storage.cdr_count().expect("count"),
            0,
            "the cdr table exists"
        );
    }

    #[test]
    fn a_version_zero_database_keeps_what_it_holds() {
        let dir = tempfile::tempdir().expect("temp dir");
        {
            let connection = Connection::open(dir.path().join(DATABASE_FILE)).expect("create v0");
            connection
                .execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('kept');")
                .expect("fill v0");
        }
        let storage = Storage::open(dir.path()).expect("opens");
        assert_eq!(storage.schema_version().expect("version"), LATEST);
        let kept: String = storage
            .connection()
            .query_row("SELECT text FROM notes", [], |r| r.get(0))
            .expect("notes survive");
        assert_eq!(kept, "kept");
    }

    #[test]
    fn version_one_cdrs_survive_the_move_to_version_two() {
        let dir = tempfile::tempdir().expect("temp dir");
        {
            let mut connection =
                Connection::open(dir.path().join(DATABASE_FILE)).expect("create v1");
            apply(&mut connection, dir.path(), &MIGRATIONS[..1]).expect("v1");
            connection
                .execute_batch(
                    "INSERT INTO cdr (seq, id, start_unix_ms, answer_unix_ms, end_unix_ms, caller,
                        callee, inbound_channel, outbound_channel, disposition, cause, ring_ms, talk_ms)
                     VALUES (41, 'old', 1000, 2000, 9000, '5550123', '201', '1/1', '3/1',
                        'answered', 16, 1000, 7000);",
                )
                .expect("a v1 row");
        }
        let storage = Storage::open(dir.path()).expect("migrates");
        assert_eq!(storage.schema_version().expect("version"), LATEST);
        let old = storage.cdr("old").expect("reads").expect("kept");
        assert_eq!(
            (old.seq, old.talk_ms, old.callee.as_deref()),
            (41, 7000, Some("201"))
        );
        assert_eq!(
            (old.line_answer_unix_ms, old.dialled.as_deref()),
            (None, None)
        );
        let mut new = old.clone();
        new.id = "new".into();
        new.disposition = crate::Disposition::InvalidNumber;
        storage
            .insert_cdr(&new)
            .expect("the new disposition is accepted");
        assert!(storage.cdr("new").expect("reads").expect("stored").seq > 41);
    }

    #[test]
    fn version_two_cdrs_survive_the_move_to_version_three() {
        let dir = tempfile::tempdir().expect("temp dir");
        {
            let mut connection =
                Connection::open(dir.path().join(DATABASE_FILE)).expect("create v2");
            apply(&mut connection, dir.path(), &MIGRATIONS[..2]).expect("v2");
            connection
                .execute_batch(
                    "INSERT INTO cdr (seq, id, start_unix_ms, answer_unix_ms, end_unix_ms, caller,
                        callee, inbound_channel, outbound_channel, disposition, cause, ring_ms, talk_ms,
                        line_answer_unix_ms, dialled)
                     VALUES (7, 'old', 1000, 2000, 9000, '5550123', '201', '1/1', '3/1',
                        'invalid_number', 1, 0, 0, 1040, '9201');",
                )
                .expect("a v2 row");
        }
        let storage = Storage::open(dir.path()).expect("migrates");
        assert_eq!(storage.schema_version().expect("version"), LATEST);
        let old = storage.cdr("old").expect("reads").expect("kept");
        assert_eq!(
            (old.seq, old.line_answer_unix_ms, old.dialled.as_deref()),
            (7, Some(1040), Some("9201"))
        );
        assert_eq!(
            (
                old.ivr_flow.as_deref(),
                old.ivr_path.len(),
                old.ivr_variables.len()
            ),
            (None, 0, 0),
            "a CDR from before IVRs has none"
        );
        assert!(table_exists(storage.connection(), "call_events"));
        assert_eq!(storage.call_event_count().expect("count"), 0);
    }

    #[test]
    fn a_failing_migration_leaves_nothing_half_done() {
        let mut connection = Connection::open_in_memory().expect("memory db");
        let path = Path::new("memory");
        let broken = [
            "CREATE TABLE a (x);",
            "CREATE TABLE b (x); CREATE TABLE c (;",
        ];
        let error = apply(&mut connection, path, &broken).expect_err("second script is bad");
        assert!(
            matches!(error, StorageError::Migration { version: 2, .. }),
            "{error}"
        );
        assert_eq!(
            version(&connection).expect("version"),
            1,
            "the first migration is kept"
        );
        assert!(table_exists(&connection, "a"));
        assert!(
            !table_exists(&connection, "b"),
            "the failed script rolled back whole"
        );

        let fixed = [
            "CREATE TABLE a (x);",
            "CREATE TABLE b (x); CREATE TABLE c (y);",
        ];
        apply(&mut connection, path, &fixed).expect("the fixed list resumes at version 2");
        assert_eq!(version(&connection).expect("version"), 2);
        assert!(table_exists(&connection, "b") && table_exists(&connection, "c"));
    }
}
