//! Call detail records: one row per call, written when the call ends.

use crate::{Storage, StorageError};
use line_boundary::Cause;
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

/// How a call ended, from the caller's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Someone answered and talked.
    Answered,
    /// The caller hung up before anyone answered.
    Abandoned,
    /// The destination was busy.
    Busy,
    /// Nobody answered before the ring timeout.
    NoAnswer,
    /// The number dialled does not exist (unallocated, no route for it, malformed).
    InvalidNumber,
    /// The box or the network could not complete the call (no circuit, a fault).
    Failed,
}

impl Disposition {
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Answered => "answered",
            Disposition::Abandoned => "abandoned",
            Disposition::Busy => "busy",
            Disposition::NoAnswer => "no_answer",
            Disposition::InvalidNumber => "invalid_number",
            Disposition::Failed => "failed",
        }
    }

    /// How a call that never reached an answered destination ended, from the Q.850 cause
    /// that cleared it: the same cause means the same disposition wherever it came from
    /// (a busy extension or a busy carrier, a ring timeout or the network's no-answer).
    pub fn unanswered(cause: Cause) -> Disposition {
        match cause.0 {
            17 => Disposition::Busy,
            18..=20 => Disposition::NoAnswer,
            1 | 3 | 22 | 28 => Disposition::InvalidNumber,
            _ => Disposition::Failed,
        }
    }

    fn parse(text: &str) -> Option<Disposition> {
        [
            Disposition::Answered,
            Disposition::Abandoned,
            Disposition::Busy,
            Disposition::NoAnswer,
            Disposition::InvalidNumber,
            Disposition::Failed,
        ]
        .into_iter()
        .find(|d| d.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cdr {
    /// Order of writing, assigned by the database (0 before the CDR is stored).
    pub seq: i64,
    pub id: String,
    pub start_unix_ms: i64,
    /// When the box answered the caller's line (what the carrier bills): a trunk call
    /// answered for the greeting or the echo test. `None` for calls from extensions.
    pub line_answer_unix_ms: Option<i64>,
    /// When a destination (an extension, an outside number, the echo test) answered.
    pub answer_unix_ms: Option<i64>,
    pub end_unix_ms: i64,
    pub caller: Option<String>,
    /// Who the call was for: the extension rung, or the number sent out on a trunk (the
    /// route's prefix stripped), answered or not.
    pub callee: Option<String>,
    /// What the caller dialled: an extension's digits as keyed (route prefix included) or
    /// the called number a trunk delivered.
    pub dialled: Option<String>,
    pub inbound_channel: String,
    pub outbound_channel: Option<String>,
    pub disposition: Disposition,
    /// Q.850 cause value.
    pub cause: i64,
    /// Time a destination was ringing (not the greeting before it).
    pub ring_ms: i64,
    pub talk_ms: i64,
}

const COLUMNS: &str =
    "seq, id, start_unix_ms, answer_unix_ms, end_unix_ms, caller, callee, inbound_channel, \
                       outbound_channel, disposition, cause, ring_ms, talk_ms, line_answer_unix_ms, dialled";

impl Storage {
    /// Stores a CDR; returns its `seq` (order of writing).
    pub fn insert_cdr(&self, cdr: &Cdr) -> Result<i64, StorageError> {
        let result = self.connection().execute(
            "INSERT INTO cdr (id, start_unix_ms, answer_unix_ms, end_unix_ms, caller, callee, inbound_channel,
                              outbound_channel, disposition, cause, ring_ms, talk_ms, line_answer_unix_ms, dialled)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                cdr.id,
                cdr.start_unix_ms,
                cdr.answer_unix_ms,
                cdr.end_unix_ms,
                cdr.caller,
                cdr.callee,
                cdr.inbound_channel,
                cdr.outbound_channel,
                cdr.disposition.as_str(),
                cdr.cause,
                cdr.ring_ms,
                cdr.talk_ms,
                cdr.line_answer_unix_ms,
                cdr.dialled
            ],
        );
        match result {
            Ok(_) => Ok(self.connection().last_insert_rowid()),
            Err(rusqlite::Error::SqliteFailure(error, _))
                if error.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
            {
                Err(StorageError::DuplicateCdr { id: cdr.id.clone() })
            }
            Err(source) => Err(self.query_error("store a CDR", source)),
        }
    }

    /// The newest `limit` CDRs, newest first.
    pub fn recent_cdrs(&self, limit: usize) -> Result<Vec<Cdr>, StorageError> {
        let sql = format!("SELECT {COLUMNS} FROM cdr ORDER BY seq DESC LIMIT ?1");
        let error = |source| self.query_error("read CDRs", source);
        let mut statement = self.connection().prepare(&sql).map_err(error)?;
        // SQLite reads a negative LIMIT as "no limit": clamp rather than wrap.
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = statement.query_map([limit], read_row).map_err(error)?;
        let mut cdrs = Vec::new();
        for row in rows {
            cdrs.push(self.checked(row.map_err(error)?)?);
        }
        Ok(cdrs)
    }

    pub fn cdr(&self, id: &str) -> Result<Option<Cdr>, StorageError> {
        let sql = format!("SELECT {COLUMNS} FROM cdr WHERE id = ?1");
        let row = self
            .connection()
            .query_row(&sql, [id], read_row)
            .optional()
            .map_err(|source| self.query_error("read a CDR", source))?;
        row.map(|row| self.checked(row)).transpose()
    }

    pub fn cdr_count(&self) -> Result<u64, StorageError> {
        self.connection()
            .query_row("SELECT COUNT(*) FROM cdr", [], |row| row.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|source| self.query_error("count CDRs", source))
    }

    fn checked(&self, (cdr, disposition): (Cdr, String)) -> Result<Cdr, StorageError> {
        match Disposition::parse(&disposition) {
            Some(parsed) => Ok(Cdr {
                disposition: parsed,
                ..cdr
            }),
            None => Err(StorageError::BadValue {
                path: self.path().to_owned(),
                column: "disposition",
                value: disposition,
            }),
        }
    }
}

/// A row, with the disposition still as text (checked by the caller, which knows the path).
fn read_row(row: &Row<'_>) -> rusqlite::Result<(Cdr, String)> {
    Ok((
        Cdr {
            seq: row.get(0)?,
            id: row.get(1)?,
            start_unix_ms: row.get(2)?,
            line_answer_unix_ms: row.get(13)?,
            answer_unix_ms: row.get(3)?,
            end_unix_ms: row.get(4)?,
            caller: row.get(5)?,
            callee: row.get(6)?,
            dialled: row.get(14)?,
            inbound_channel: row.get(7)?,
            outbound_channel: row.get(8)?,
            disposition: Disposition::Failed,
            cause: row.get(10)?,
            ring_ms: row.get(11)?,
            talk_ms: row.get(12)?,
        },
        row.get(9)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(id: &str, disposition: Disposition) -> Cdr {
        Cdr {
            seq: 0,
            id: id.to_owned(),
            start_unix_ms: 1_700_000_000_000,
            line_answer_unix_ms: Some(1_700_000_000_040),
            answer_unix_ms: Some(1_700_000_004_000),
            end_unix_ms: 1_700_000_034_000,
            caller: Some("5550123".into()),
            callee: Some("201".into()),
            dialled: Some("0301234".into()),
            inbound_channel: "1/1".into(),
            outbound_channel: Some("3/1".into()),
            disposition,
            cause: 16,
            ring_ms: 4_000,
            talk_ms: 30_000,
        }
    }

    #[test]
    fn round_trip_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let storage = Storage::open(dir.path()).unwrap();
            storage
                .insert_cdr(&sample("c1", Disposition::Answered))
                .unwrap();
            storage
                .insert_cdr(&sample("c2", Disposition::Abandoned))
                .unwrap();
        }
        let storage = Storage::open(dir.path()).unwrap();
        assert_eq!(storage.cdr_count().unwrap(), 2);
        let recent = storage.recent_cdrs(10).unwrap();
        assert_eq!(
            recent.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            vec!["c2", "c1"]
        );
        assert!(recent[0].seq > recent[1].seq, "seq orders by writing");
        let first = storage.cdr("c1").unwrap().unwrap();
        assert_eq!(
            first,
            Cdr {
                seq: first.seq,
                ..sample("c1", Disposition::Answered)
            }
        );
        assert_eq!(storage.cdr("nope").unwrap(), None);
        assert_eq!(storage.recent_cdrs(1).unwrap().len(), 1);
    }

    #[test]
    fn every_disposition_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        let all = [
            Disposition::Answered,
            Disposition::Abandoned,
            Disposition::Busy,
            Disposition::NoAnswer,
            Disposition::InvalidNumber,
            Disposition::Failed,
        ];
        for (i, disposition) in all.into_iter().enumerate() {
            storage
                .insert_cdr(&sample(&format!("c{i}"), disposition))
                .unwrap();
            assert_eq!(
                storage.cdr(&format!("c{i}")).unwrap().unwrap().disposition,
                disposition
            );
        }
    }

    #[test]
    fn a_cause_means_one_disposition_wherever_it_came_from() {
        let cases = [
            (17, Disposition::Busy),
            (18, Disposition::NoAnswer),
            (19, Disposition::NoAnswer),
            (1, Disposition::InvalidNumber),
            (28, Disposition::InvalidNumber),
            (34, Disposition::Failed),
            (38, Disposition::Failed),
            (41, Disposition::Failed),
            (42, Disposition::Failed),
        ];
        for (cause, want) in cases {
            assert_eq!(Disposition::unanswered(Cause(cause)), want, "cause {cause}");
        }
    }

    #[test]
    fn a_duplicate_id_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        storage
            .insert_cdr(&sample("c1", Disposition::Busy))
            .unwrap();
        let error = storage
            .insert_cdr(&sample("c1", Disposition::Busy))
            .unwrap_err();
        assert!(
            matches!(error, StorageError::DuplicateCdr { ref id } if id == "c1"),
            "{error}"
        );
        assert_eq!(storage.cdr_count().unwrap(), 1);
    }

    #[test]
    fn an_invalid_cause_is_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        let mut bad = sample("c9", Disposition::Failed);
        bad.cause = 400;
        let error = storage.insert_cdr(&bad).unwrap_err();
        assert!(error.to_string().contains("store a CDR"), "{error}");
        assert_eq!(storage.cdr_count().unwrap(), 0);
    }

    #[test]
    fn serialises_dispositions_in_snake_case() {
        let json = serde_json::to_string(&sample("c1", Disposition::NoAnswer)).unwrap();
        assert!(json.contains("\"disposition\":\"no_answer\""), "{json}");
    }
}
