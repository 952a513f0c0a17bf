//! Call detail records: one row per call, written when the call ends.

use crate::{Storage, StorageError};
use line_boundary::Cause;
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;
use std::collections::BTreeMap;

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
    /// The IVR flow ended the call itself (a `hangup` node: told the balance, closed
    /// hours): served by the box, no destination answered.
    SelfService,
    /// The caller left a number in a queue and hung up, keeping their place: the box
    /// calls them back (a call of its own).
    Callback,
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
            Disposition::SelfService => "self_service",
            Disposition::Callback => "callback",
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
            Disposition::SelfService,
            Disposition::Callback,
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
    /// The IVR flow the call went through; `None` for calls without one (and every CDR
    /// written before the box had IVRs).
    pub ivr_flow: Option<String>,
    /// The flow's nodes the call entered, in order.
    pub ivr_path: Vec<String>,
    /// The flow's variables as they were when the call left it.
    pub ivr_variables: BTreeMap<String, String>,
    /// The ACD queue the call last waited in; `None` for calls without one.
    pub queue: Option<String>,
    /// The agent who answered it (the last, after a transfer).
    pub agent: Option<String>,
    /// The caller's post-call survey score, 1-5, when they gave one.
    pub survey: Option<u8>,
}

const COLUMNS: &str =
    "seq, id, start_unix_ms, answer_unix_ms, end_unix_ms, caller, callee, inbound_channel, \
                       outbound_channel, disposition, cause, ring_ms, talk_ms, line_answer_unix_ms, dialled, \
                       ivr_flow, ivr_path, ivr_variables, queue, agent, survey";

/// A CDR as read, with its text-coded columns still as text: the caller checks them,
/// knowing the database's path for the error.
struct RawCdr {
    cdr: Cdr,
    disposition: String,
    ivr_path: Option<String>,
    ivr_variables: Option<String>,
}

/// An empty path or variable set is stored as NULL, so that a call without an IVR (and a
/// row from before IVRs) reads back the same: empty.
fn json_or_null<T: Serialize>(
    value: &T,
    is_empty: bool,
) -> Result<Option<String>, serde_json::Error> {
    if is_empty {
        Ok(None)
    } else {
        serde_json::to_string(value).map(Some)
    }
}

impl Storage {
    /// Stores a CDR; returns its `seq` (order of writing).
    pub fn insert_cdr(&self, cdr: &Cdr) -> Result<i64, StorageError> {
        let encode_error = |column: &'static str, error: serde_json::Error| StorageError::Encode {
            what: "a CDR",
            column,
            reason: error.to_string(),
        };
        let ivr_path = json_or_null(&cdr.ivr_path, cdr.ivr_path.is_empty())
            .map_err(|error| encode_error("ivr_path", error))?;
        let ivr_variables = json_or_null(&cdr.ivr_variables, cdr.ivr_variables.is_empty())
            .map_err(|error| encode_error("ivr_variables", error))?;
        let result = self.connection().execute(
            "INSERT INTO cdr (id, start_unix_ms, answer_unix_ms, end_unix_ms, caller, callee, inbound_channel,
                              outbound_channel, disposition, cause, ring_ms, talk_ms, line_answer_unix_ms, dialled,
                              ivr_flow, ivr_path, ivr_variables, queue, agent, survey)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                     ?18, ?19, ?20)",
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
                cdr.dialled,
                cdr.ivr_flow,
                ivr_path,
                ivr_variables,
                cdr.queue,
                cdr.agent,
                cdr.survey
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

    /// The newest `limit` CDRs of calls from `caller` (as the line delivered the
    /// number), newest first.
    pub fn cdrs_from_caller(&self, caller: &str, limit: usize) -> Result<Vec<Cdr>, StorageError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM cdr WHERE caller = ?1 ORDER BY start_unix_ms DESC, seq DESC LIMIT ?2"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .select_all(&sql, params![caller, limit], read_row)
            .map_err(|source| self.query_error("read a caller's CDRs", source))?;
        rows.into_iter().map(|row| self.checked(row)).collect()
    }

    /// The last CDR written of a call `agent` answered (the call they wrap up).
    pub fn last_cdr_of_agent(&self, agent: &str) -> Result<Option<Cdr>, StorageError> {
        let sql = format!("SELECT {COLUMNS} FROM cdr WHERE agent = ?1 ORDER BY seq DESC LIMIT 1");
        let row = self
            .connection()
            .query_row(&sql, [agent], read_row)
            .optional()
            .map_err(|source| self.query_error("read an agent's last CDR", source))?;
        row.map(|row| self.checked(row)).transpose()
    }

    pub fn cdr_count(&self) -> Result<u64, StorageError> {
        self.connection()
            .query_row("SELECT COUNT(*) FROM cdr", [], |row| row.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|source| self.query_error("count CDRs", source))
    }

    fn checked(&self, raw: RawCdr) -> Result<Cdr, StorageError> {
        let bad_value = |column: &'static str, value: String| StorageError::BadValue {
            path: self.path().to_owned(),
            column,
            value,
        };
        let disposition = Disposition::parse(&raw.disposition)
            .ok_or_else(|| bad_value("disposition", raw.disposition.clone()))?;
        let ivr_path = match raw.ivr_path {
            Some(text) => serde_json::from_str(&text).map_err(|_| bad_value("ivr_path", text))?,
            None => Vec::new(),
        };
        let ivr_variables = match raw.ivr_variables {
            Some(text) => {
                serde_json::from_str(&text).map_err(|_| bad_value("ivr_variables", text))?
            }
            None => BTreeMap::new(),
        };
        Ok(Cdr {
            disposition,
            ivr_path,
            ivr_variables,
            ..raw.cdr
        })
    }
}

/// A row, with the disposition and the IVR's JSON still as text (checked by the caller,
/// which knows the path).
fn read_row(row: &Row<'_>) -> rusqlite::Result<RawCdr> {
    Ok(RawCdr {
        cdr: Cdr {
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
            ivr_flow: row.get(15)?,
            ivr_path: Vec::new(),
            ivr_variables: BTreeMap::new(),
            queue: row.get(18)?,
            agent: row.get(19)?,
            survey: row.get(20)?,
        },
        disposition: row.get(9)?,
        ivr_path: row.get(16)?,
        ivr_variables: row.get(17)?,
    })
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
            ivr_flow: None,
            ivr_path: Vec::new(),
            ivr_variables: BTreeMap::new(),
            queue: None,
            agent: None,
            survey: None,
        }
    }

    #[test]
    fn a_queue_calls_queue_agent_and_survey_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        let cdr = Cdr {
            queue: Some("billing".into()),
            agent: Some("201".into()),
            survey: Some(4),
            ..sample("q1", Disposition::Answered)
        };
        storage.insert_cdr(&cdr).unwrap();
        let back = storage.cdr("q1").unwrap().unwrap();
        assert_eq!(
            (back.queue.as_deref(), back.agent.as_deref(), back.survey),
            (Some("billing"), Some("201"), Some(4))
        );
        // The database refuses a score outside 1-5.
        let bad = Cdr {
            survey: Some(6),
            ..sample("q2", Disposition::Answered)
        };
        assert!(storage.insert_cdr(&bad).is_err());
    }

    fn with_ivr(id: &str) -> Cdr {
        Cdr {
            ivr_flow: Some("hotline".into()),
            ivr_path: vec!["main".into(), "language".into(), "balance".into()],
            ivr_variables: BTreeMap::from([
                ("account".to_owned(), "12345".to_owned()),
                ("language".to_owned(), "zh".to_owned()),
            ]),
            ..sample(id, Disposition::Answered)
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
            Disposition::SelfService,
            Disposition::Callback,
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

    #[test]
    fn the_ivr_run_round_trips_and_shows_in_the_json() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        storage.insert_cdr(&with_ivr("c1")).unwrap();
        let stored = storage.cdr("c1").unwrap().expect("stored");
        assert_eq!(
            stored,
            Cdr {
                seq: stored.seq,
                ..with_ivr("c1")
            }
        );
        let json = serde_json::to_value(&stored).unwrap();
        assert_eq!(json["ivr_flow"], "hotline", "{json}");
        assert_eq!(
            json["ivr_path"],
            serde_json::json!(["main", "language", "balance"]),
            "{json}"
        );
        assert_eq!(json["ivr_variables"]["account"], "12345", "{json}");
    }

    #[test]
    fn a_call_without_an_ivr_reads_back_empty_and_null_in_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        storage
            .insert_cdr(&sample("c1", Disposition::Busy))
            .unwrap();
        let stored = storage.cdr("c1").unwrap().expect("stored");
        assert_eq!(
            (stored.ivr_flow, stored.ivr_path, stored.ivr_variables),
            (None, Vec::new(), BTreeMap::new())
        );
        let nulls: i64 = storage
            .connection()
            .query_row(
                "SELECT COUNT(*) FROM cdr WHERE ivr_flow IS NULL AND ivr_path IS NULL AND ivr_variables IS NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(nulls, 1);
    }

    #[test]
    fn a_malformed_ivr_path_is_a_bad_value_naming_its_column() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        storage.insert_cdr(&with_ivr("c1")).unwrap();
        storage
            .connection()
            .execute("UPDATE cdr SET ivr_path = 'not json' WHERE id = 'c1'", [])
            .unwrap();
        let error = storage.cdr("c1").unwrap_err();
        assert!(
            matches!(
                error,
                StorageError::BadValue {
                    column: "ivr_path",
                    ..
                }
            ),
            "{error}"
        );
    }
}
