//! Each call's events from the event bus, kept after they leave the bus's bounded history.
//!
//! Storage does not depend on the `events` crate: the archive hands it plain rows, the
//! event already encoded as JSON, and readers decode the JSON themselves.

use crate::{Storage, StorageError};
use rusqlite::{params, Row};
use serde::Serialize;

/// One event of a call, as stored: the bus's envelope with its event as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallEventRow {
    /// The bus's seq (numbered from 1 at each start of the box; unique within a call,
    /// since a call's id names the start it belongs to).
    pub seq: u64,
    pub call_id: String,
    /// Engine time of the change.
    pub at_ms: u64,
    /// Wall clock when the bus numbered it.
    pub unix_ms: u64,
    /// The event's type name (`call_started`, `ivr`…).
    pub kind: String,
    /// The whole event as JSON (its `"type"` included).
    pub body_json: String,
}

/// One leg of a call: a channel that took part, from when to when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallLegRow {
    pub channel: String,
    /// `origin`, `destination` or `other`.
    pub role: String,
    pub joined_unix_ms: u64,
    /// `None`: still in the call (or the box stopped before it left).
    pub left_unix_ms: Option<u64>,
}

/// What reading a call's events gives back: the rows as they were stored.
pub type StoredCallEvent = CallEventRow;

impl Storage {
    /// Stores a batch of call events in one transaction: all of them or, on an error,
    /// none. An event already stored (same call, same seq: a batch retried) is skipped.
    /// Returns how many rows were new.
    pub fn insert_call_events(&self, rows: &[CallEventRow]) -> Result<usize, StorageError> {
        let error = |source| self.query_error("store call events", source);
        // `unchecked_transaction` because the connection is shared as `&`; nothing else
        // opens a transaction on it while this one runs (the owner is single-threaded).
        let transaction = self.connection().unchecked_transaction().map_err(error)?;
        let mut inserted = 0;
        {
            let mut statement = transaction
                .prepare_cached(
                    "INSERT OR IGNORE INTO call_events (seq, call_id, at_ms, unix_ms, type, body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(error)?;
            for row in rows {
                let seq = i64::try_from(row.seq).map_err(|_| StorageError::SeqOutOfRange {
                    call_id: row.call_id.clone(),
                    seq: row.seq,
                })?;
                // Times beyond i64 are nonsense; saturate rather than refuse the batch.
                let at_ms = i64::try_from(row.at_ms).unwrap_or(i64::MAX);
                let unix_ms = i64::try_from(row.unix_ms).unwrap_or(i64::MAX);
                inserted += statement
                    .execute(params![
                        seq,
                        row.call_id,
                        at_ms,
                        unix_ms,
                        row.kind,
                        row.body_json
                    ])
                    .map_err(error)?;
            }
        }
        transaction.commit().map_err(error)?;
        Ok(inserted)
    }

    /// Every stored event of `call_id`, in seq order; empty if none.
    pub fn call_events(&self, call_id: &str) -> Result<Vec<StoredCallEvent>, StorageError> {
        let error = |source| self.query_error("read call events", source);
        let mut statement = self
            .connection()
            .prepare_cached(
                "SELECT seq, call_id, at_ms, unix_ms, type, body FROM call_events
                 WHERE call_id = ?1 ORDER BY seq",
            )
            .map_err(error)?;
        let rows = statement.query_map([call_id], read_row).map_err(error)?;
        let mut events = Vec::new();
        for row in rows {
            let (event, seq) = row.map_err(error)?;
            let seq = u64::try_from(seq).map_err(|_| StorageError::BadValue {
                path: self.path().to_owned(),
                column: "call_events.seq",
                value: seq.to_string(),
            })?;
            events.push(CallEventRow { seq, ..event });
        }
        Ok(events)
    }

    /// The call's legs (the `call_legs` view over its leg events), in the order they
    /// joined.
    pub fn call_legs(&self, call_id: &str) -> Result<Vec<CallLegRow>, StorageError> {
        self.select_all(
            "SELECT channel, role, joined_unix_ms, left_unix_ms FROM call_legs
             WHERE call_id = ?1 ORDER BY joined_seq",
            [call_id],
            |row| {
                Ok(CallLegRow {
                    channel: row.get::<_, Option<String>>(0)?.unwrap_or_default(),
                    role: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    joined_unix_ms: u64::try_from(row.get::<_, i64>(2)?).unwrap_or_default(),
                    left_unix_ms: row
                        .get::<_, Option<i64>>(3)?
                        .map(|ms| u64::try_from(ms).unwrap_or_default()),
                })
            },
        )
        .map_err(|source| self.query_error("read a call's legs", source))
    }

    /// How many call events are stored, all calls together.
    pub fn call_event_count(&self) -> Result<u64, StorageError> {
        self.connection()
            .query_row("SELECT COUNT(*) FROM call_events", [], |row| {
                row.get::<_, i64>(0)
            })
            .map(|n| u64::try_from(n).unwrap_or_default())
            .map_err(|source| self.query_error("count call events", source))
    }
}

/// A row, with its seq still signed (checked by the caller, which knows the path). Times
/// below zero cannot be written; read as 0 if someone put them there.
fn read_row(row: &Row<'_>) -> rusqlite::Result<(CallEventRow, i64)> {
    let seq: i64 = row.get(0)?;
    Ok((
        CallEventRow {
            seq: 0,
            call_id: row.get(1)?,
            at_ms: u64::try_from(row.get::<_, i64>(2)?).unwrap_or_default(),
            unix_ms: u64::try_from(row.get::<_, i64>(3)?).unwrap_or_default(),
            kind: row.get(4)?,
            body_json: row.get(5)?,
        },
        seq,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: u64, call: &str, kind: &str) -> CallEventRow {
        CallEventRow {
            seq,
            call_id: call.to_owned(),
            at_ms: seq.saturating_mul(20),
            unix_ms: seq.saturating_add(1_700_000_000_000),
            kind: kind.to_owned(),
            body_json: format!(r#"{{"type":"{kind}","call":"{call}"}}"#),
        }
    }

    #[test]
    fn a_batch_reads_back_per_call_in_seq_order() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        // Out of order on purpose: reading orders by seq, not by insertion.
        let batch = [
            event(3, "c1-1", "call_answered"),
            event(1, "c1-1", "call_started"),
            event(2, "c1-2", "call_started"),
            event(5, "c1-1", "call_ended"),
            event(4, "c1-2", "call_ended"),
        ];
        assert_eq!(storage.insert_call_events(&batch).unwrap(), 5);
        let first = storage.call_events("c1-1").unwrap();
        assert_eq!(first.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 3, 5]);
        assert_eq!(first[0], event(1, "c1-1", "call_started"));
        assert_eq!(
            storage
                .call_events("c1-2")
                .unwrap()
                .iter()
                .map(|e| e.kind.as_str())
                .collect::<Vec<_>>(),
            ["call_started", "call_ended"]
        );
        assert_eq!(storage.call_events("c9-9").unwrap(), Vec::new());
    }

    #[test]
    fn each_leg_is_a_row_with_its_times() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        let leg = |seq: u64, kind: &str, channel: &str, role: &str| CallEventRow {
            body_json: format!(
                r#"{{"type":"{kind}","call":"c1-1","channel":"{channel}","role":"{role}"}}"#
            ),
            ..event(seq, "c1-1", kind)
        };
        storage
            .insert_call_events(&[
                leg(1, "leg_joined", "1/1", "origin"),
                leg(2, "leg_joined", "2/1", "destination"),
                leg(3, "leg_left", "2/1", "destination"),
                // The same phone rung again later: a leg of its own.
                leg(4, "leg_joined", "2/1", "destination"),
                leg(6, "leg_left", "1/1", "origin"),
                event(7, "c1-1", "call_ended"),
            ])
            .unwrap();
        let legs = storage.call_legs("c1-1").unwrap();
        let at = |seq: u64| seq + 1_700_000_000_000;
        assert_eq!(
            legs,
            vec![
                CallLegRow {
                    channel: "1/1".into(),
                    role: "origin".into(),
                    joined_unix_ms: at(1),
                    left_unix_ms: Some(at(6)),
                },
                CallLegRow {
                    channel: "2/1".into(),
                    role: "destination".into(),
                    joined_unix_ms: at(2),
                    left_unix_ms: Some(at(3)),
                },
                CallLegRow {
                    channel: "2/1".into(),
                    role: "destination".into(),
                    joined_unix_ms: at(4),
                    left_unix_ms: None,
                },
            ]
        );
        assert!(storage.call_legs("c9-9").unwrap().is_empty());
    }

    #[test]
    fn a_retried_batch_stores_each_event_once() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        let batch = [
            event(1, "c1-1", "call_started"),
            event(2, "c1-1", "leg_joined"),
        ];
        storage.insert_call_events(&batch).unwrap();
        let retried = [
            event(1, "c1-1", "call_started"),
            event(2, "c1-1", "leg_joined"),
            event(3, "c1-1", "call_ended"),
        ];
        assert_eq!(
            storage.insert_call_events(&retried).unwrap(),
            1,
            "only the new one counts"
        );
        assert_eq!(storage.call_event_count().unwrap(), 3);
        assert_eq!(storage.call_events("c1-1").unwrap().len(), 3);
    }

    #[test]
    fn the_same_seq_after_a_restart_is_another_calls_event() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        storage
            .insert_call_events(&[event(1, "c1000-1", "call_started")])
            .unwrap();
        // The bus numbers from 1 again after a restart; the call id names the new start.
        storage
            .insert_call_events(&[event(1, "c2000-1", "call_started")])
            .unwrap();
        assert_eq!(storage.call_events("c2000-1").unwrap().len(), 1);
        assert_eq!(storage.call_event_count().unwrap(), 2);
    }

    #[test]
    fn a_batch_that_fails_stores_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        let batch = [
            event(1, "c1-1", "call_started"),
            event(u64::MAX, "c1-1", "call_ended"),
        ];
        let error = storage.insert_call_events(&batch).unwrap_err();
        assert!(
            matches!(error, StorageError::SeqOutOfRange { seq: u64::MAX, .. }),
            "{error}"
        );
        assert_eq!(
            storage.call_event_count().unwrap(),
            0,
            "the first row rolled back with the batch"
        );
        // The connection is usable again: the failed transaction is gone.
        storage
            .insert_call_events(&[event(1, "c1-1", "call_started")])
            .unwrap();
        assert_eq!(storage.call_event_count().unwrap(), 1);
    }
}
