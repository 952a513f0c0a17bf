//! The recordings index: where each recording's file is, whose call it is, and what
//! became of it. A row is written when the recording starts (`recording`) and completed
//! when the file is closed (`complete`, with size and SHA-256), when a restart finds it
//! cut off (`interrupted`, repaired and still playable), when it could not be written
//! (`failed`), when the call had no audio at all (`empty`, never listed), or when
//! retention removed the file (`purged`, never listed).

use crate::{Storage, StorageError};
use rusqlite::{params, Row};
use serde::Serialize;

/// A recording as it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecording {
    pub uid: String,
    pub call_id: String,
    /// `call` or `voicemail`.
    pub kind: &'static str,
    pub mailbox: Option<String>,
    pub caller: Option<String>,
    pub called: Option<String>,
    pub started_unix_ms: u64,
    pub path: String,
    /// Why it records (`always:trunk 1`, `share:queue billing`, `on-demand`, `voicemail`).
    pub reason: String,
    pub retention_days: u32,
}

/// What is known about the call when its recording stops.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordingCallFacts {
    pub queue: Option<String>,
    pub agent: Option<String>,
    /// The channels that were part of the call, in the order they joined.
    pub legs: Vec<String>,
}

/// How the file ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordingEnd {
    /// Closed (`complete`) or repaired after a restart (`interrupted`).
    Closed {
        interrupted: bool,
        duration_ms: u64,
        bytes: u64,
        sha256: String,
    },
    /// The call had no audio: the file was removed and the row is never listed.
    Empty,
    Failed {
        reason: String,
        bytes: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordingRow {
    pub uid: String,
    pub call_id: String,
    pub kind: String,
    pub mailbox: Option<String>,
    pub caller: Option<String>,
    pub called: Option<String>,
    pub queue: Option<String>,
    pub agent: Option<String>,
    pub legs: Vec<String>,
    pub started_unix_ms: u64,
    pub duration_ms: Option<u64>,
    pub path: String,
    pub bytes: Option<u64>,
    pub sha256: Option<String>,
    pub status: String,
    pub reason: String,
    pub failure: Option<String>,
    pub retention_days: u32,
    pub closed_unix_ms: Option<u64>,
    pub heard: bool,
}

/// `GET /api/recordings`' filters; every one optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordingFilter {
    pub from_unix_ms: Option<u64>,
    pub to_unix_ms: Option<u64>,
    pub agent: Option<String>,
    pub queue: Option<String>,
    /// Matches the caller or the called number.
    pub number: Option<String>,
    pub kind: Option<String>,
    pub mailbox: Option<String>,
    pub limit: u32,
}

fn signed(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn unsigned(value: Option<i64>) -> Option<u64> {
    value.map(|v| v.max(0) as u64)
}

const COLUMNS: &str = "uid, call_id, kind, mailbox, caller, called, queue, agent, legs,
    started_unix_ms, duration_ms, path, bytes, sha256, status, reason, failure,
    retention_days, closed_unix_ms, heard";

fn row_of(row: &Row<'_>) -> rusqlite::Result<RecordingRow> {
    let legs: Option<String> = row.get(8)?;
    Ok(RecordingRow {
        uid: row.get(0)?,
        call_id: row.get(1)?,
        kind: row.get(2)?,
        mailbox: row.get(3)?,
        caller: row.get(4)?,
        called: row.get(5)?,
        queue: row.get(6)?,
        agent: row.get(7)?,
        legs: legs
            .map(|legs| {
                legs.split(',')
                    .filter(|l| !l.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default(),
        started_unix_ms: row.get::<_, i64>(9)?.max(0) as u64,
        duration_ms: unsigned(row.get(10)?),
        path: row.get(11)?,
        bytes: unsigned(row.get(12)?),
        sha256: row.get(13)?,
        status: row.get(14)?,
        reason: row.get(15)?,
        failure: row.get(16)?,
        retention_days: row.get::<_, i64>(17)?.clamp(0, u32::MAX as i64) as u32,
        closed_unix_ms: unsigned(row.get(18)?),
        heard: row.get::<_, i64>(19)? != 0,
    })
}

impl Storage {
    pub fn insert_recording(&self, new: &NewRecording) -> Result<(), StorageError> {
        self.connection()
            .prepare_cached(
                "INSERT INTO recordings (uid, call_id, kind, mailbox, caller, called,
                    started_unix_ms, path, status, reason, retention_days)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'recording', ?9, ?10)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    new.uid,
                    new.call_id,
                    new.kind,
                    new.mailbox,
                    new.caller,
                    new.called,
                    signed(new.started_unix_ms),
                    new.path,
                    new.reason,
                    new.retention_days,
                ])
            })
            .map(|_| ())
            .map_err(|source| self.query_error("index a new recording", source))
    }

    /// The call's queue, agent and legs, known when the recording stops.
    pub fn describe_recording(
        &self,
        uid: &str,
        facts: &RecordingCallFacts,
    ) -> Result<(), StorageError> {
        self.connection()
            .prepare_cached(
                "UPDATE recordings SET queue = ?2, agent = ?3, legs = ?4 WHERE uid = ?1",
            )
            .and_then(|mut statement| {
                statement.execute(params![uid, facts.queue, facts.agent, facts.legs.join(",")])
            })
            .map(|_| ())
            .map_err(|source| self.query_error("describe a recording's call", source))
    }

    pub fn end_recording(
        &self,
        uid: &str,
        end: &RecordingEnd,
        closed_unix_ms: u64,
    ) -> Result<(), StorageError> {
        let (status, duration, bytes, sha256, failure) = match end {
            RecordingEnd::Closed {
                interrupted,
                duration_ms,
                bytes,
                sha256,
            } => (
                if *interrupted {
                    "interrupted"
                } else {
                    "complete"
                },
                Some(signed(*duration_ms)),
                Some(signed(*bytes)),
                Some(sha256.as_str()),
                None,
            ),
            RecordingEnd::Empty => ("empty", Some(0), Some(0), None, None),
            RecordingEnd::Failed { reason, bytes } => (
                "failed",
                None,
                Some(signed(*bytes)),
                None,
                Some(reason.as_str()),
            ),
        };
        self.connection()
            .prepare_cached(
                "UPDATE recordings SET status = ?2, duration_ms = ?3, bytes = ?4, sha256 = ?5,
                    failure = ?6, closed_unix_ms = ?7 WHERE uid = ?1",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    uid,
                    status,
                    duration,
                    bytes,
                    sha256,
                    failure,
                    signed(closed_unix_ms)
                ])
            })
            .map(|_| ())
            .map_err(|source| self.query_error("close a recording in the index", source))
    }

    /// Recordings still marked as being written: at boot, those a stop cut off.
    pub fn open_recordings(&self) -> Result<Vec<RecordingRow>, StorageError> {
        self.select_recordings(
            "WHERE status = 'recording' ORDER BY started_unix_ms",
            params![],
        )
    }

    pub fn recording(&self, uid: &str) -> Result<Option<RecordingRow>, StorageError> {
        Ok(self
            .select_recordings("WHERE uid = ?1", params![uid])?
            .into_iter()
            .next())
    }

    /// Listed recordings (never the empty or purged ones), newest first.
    pub fn list_recordings(
        &self,
        filter: &RecordingFilter,
    ) -> Result<Vec<RecordingRow>, StorageError> {
        self.select_recordings(
            "WHERE status NOT IN ('empty','purged')
               AND (?1 IS NULL OR started_unix_ms >= ?1)
               AND (?2 IS NULL OR started_unix_ms < ?2)
               AND (?3 IS NULL OR agent = ?3)
               AND (?4 IS NULL OR queue = ?4)
               AND (?5 IS NULL OR caller = ?5 OR called = ?5)
               AND (?6 IS NULL OR kind = ?6)
               AND (?7 IS NULL OR mailbox = ?7)
             ORDER BY started_unix_ms DESC, uid DESC LIMIT ?8",
            params![
                filter.from_unix_ms.map(signed),
                filter.to_unix_ms.map(signed),
                filter.agent,
                filter.queue,
                filter.number,
                filter.kind,
                filter.mailbox,
                filter.limit.max(1),
            ],
        )
    }

    /// Closed recordings whose retention has run out at `now_unix_ms`, oldest first.
    pub fn expired_recordings(&self, now_unix_ms: u64) -> Result<Vec<RecordingRow>, StorageError> {
        self.select_recordings(
            "WHERE status IN ('complete','interrupted','failed')
               AND started_unix_ms + retention_days * 86400000 <= ?1
             ORDER BY started_unix_ms",
            params![signed(now_unix_ms)],
        )
    }

    /// Closed recordings, oldest first (what goes when recordings take too much disk).
    pub fn oldest_closed_recordings(&self, limit: u32) -> Result<Vec<RecordingRow>, StorageError> {
        self.select_recordings(
            "WHERE status IN ('complete','interrupted','failed')
             ORDER BY started_unix_ms, uid LIMIT ?1",
            params![limit],
        )
    }

    /// Bytes of the recordings whose files are on disk.
    pub fn recordings_bytes(&self) -> Result<u64, StorageError> {
        self.connection()
            .query_row(
                "SELECT COALESCE(SUM(bytes), 0) FROM recordings
                 WHERE status IN ('complete','interrupted','failed')",
                [],
                |row| row.get::<_, i64>(0),
            )
            .map(|bytes| bytes.max(0) as u64)
            .map_err(|source| self.query_error("sum the recordings' sizes", source))
    }

    pub fn mark_recording_purged(&self, uid: &str, now_unix_ms: u64) -> Result<(), StorageError> {
        self.connection()
            .prepare_cached(
                "UPDATE recordings SET status = 'purged', purged_unix_ms = ?2 WHERE uid = ?1",
            )
            .and_then(|mut statement| statement.execute(params![uid, signed(now_unix_ms)]))
            .map(|_| ())
            .map_err(|source| self.query_error("mark a recording purged", source))
    }

    /// A voicemail message was listened to.
    pub fn mark_recording_heard(&self, uid: &str) -> Result<(), StorageError> {
        self.connection()
            .prepare_cached("UPDATE recordings SET heard = 1 WHERE uid = ?1")
            .and_then(|mut statement| statement.execute(params![uid]))
            .map(|_| ())
            .map_err(|source| self.query_error("mark a message heard", source))
    }

    fn select_recordings(
        &self,
        condition: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<RecordingRow>, StorageError> {
        self.select_all(
            &format!("SELECT {COLUMNS} FROM recordings {condition}"),
            params,
            row_of,
        )
        .map_err(|source| self.query_error("read the recordings index", source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(uid: &str, started: u64, retention_days: u32) -> NewRecording {
        NewRecording {
            uid: uid.into(),
            call_id: format!("call-{uid}"),
            kind: "call",
            mailbox: None,
            caller: Some("0201234567".into()),
            called: Some("2001".into()),
            started_unix_ms: started,
            path: format!("/data/recordings/{uid}.opus"),
            reason: "always:trunk 1".into(),
            retention_days,
        }
    }

    fn closed(duration_ms: u64) -> RecordingEnd {
        RecordingEnd::Closed {
            interrupted: false,
            duration_ms,
            bytes: 4_000,
            sha256: "ab".repeat(32),
        }
    }

    const DAY: u64 = 86_400_000;

    #[test]
    fn a_recording_is_indexed_described_closed_and_found_by_its_call_facts() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        storage.insert_recording(&new("r1", 1_000, 30)).unwrap();
        assert_eq!(storage.open_recordings().unwrap().len(), 1);
        storage
            .describe_recording(
                "r1",
                &RecordingCallFacts {
                    queue: Some("billing".into()),
                    agent: Some("1001".into()),
                    legs: vec!["1/1".into(), "5/1".into()],
                },
            )
            .unwrap();
        storage
            .end_recording("r1", &closed(12_340), 20_000)
            .unwrap();
        let row = storage.recording("r1").unwrap().unwrap();
        assert_eq!(row.status, "complete");
        assert_eq!(row.duration_ms, Some(12_340));
        assert_eq!(row.legs, vec!["1/1", "5/1"]);
        assert!(storage.open_recordings().unwrap().is_empty());

        storage.insert_recording(&new("r2", 2_000, 30)).unwrap();
        storage.end_recording("r2", &closed(5_000), 20_000).unwrap();
        let filter = |f: RecordingFilter| {
            storage
                .list_recordings(&RecordingFilter { limit: 100, ..f })
                .unwrap()
                .into_iter()
                .map(|r| r.uid)
                .collect::<Vec<_>>()
        };
        assert_eq!(filter(RecordingFilter::default()), vec!["r2", "r1"]);
        let by_agent = RecordingFilter {
            agent: Some("1001".into()),
            ..Default::default()
        };
        assert_eq!(filter(by_agent), vec!["r1"]);
        let by_queue = RecordingFilter {
            queue: Some("billing".into()),
            ..Default::default()
        };
        assert_eq!(filter(by_queue), vec!["r1"]);
        let by_number = RecordingFilter {
            number: Some("2001".into()),
            ..Default::default()
        };
        assert_eq!(filter(by_number), vec!["r2", "r1"]);
        let by_time = RecordingFilter {
            from_unix_ms: Some(1_500),
            to_unix_ms: Some(2_500),
            ..Default::default()
        };
        assert_eq!(filter(by_time), vec!["r2"]);
    }

    #[test]
    fn empty_and_purged_recordings_are_never_listed() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        for uid in ["kept", "empty", "purged"] {
            storage.insert_recording(&new(uid, 1_000, 30)).unwrap();
        }
        storage
            .end_recording("kept", &closed(3_000), 5_000)
            .unwrap();
        storage
            .end_recording("empty", &RecordingEnd::Empty, 5_000)
            .unwrap();
        storage
            .end_recording("purged", &closed(3_000), 5_000)
            .unwrap();
        storage.mark_recording_purged("purged", 6_000).unwrap();
        let listed: Vec<_> = storage
            .list_recordings(&RecordingFilter {
                limit: 10,
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .map(|r| r.uid)
            .collect();
        assert_eq!(listed, vec!["kept"]);
        assert_eq!(storage.recordings_bytes().unwrap(), 4_000);
    }

    #[test]
    fn retention_finds_only_closed_recordings_past_their_days() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        storage.insert_recording(&new("old", 0, 7)).unwrap();
        storage.end_recording("old", &closed(1_000), 1_000).unwrap();
        storage.insert_recording(&new("young", 0, 30)).unwrap();
        storage
            .end_recording("young", &closed(1_000), 1_000)
            .unwrap();
        // Still being written: never expired, whatever its age.
        storage.insert_recording(&new("live", 0, 1)).unwrap();
        let expired: Vec<_> = storage
            .expired_recordings(10 * DAY)
            .unwrap()
            .into_iter()
            .map(|r| r.uid)
            .collect();
        assert_eq!(expired, vec!["old"]);
        assert!(storage.expired_recordings(7 * DAY - 1).unwrap().is_empty());
    }
}
