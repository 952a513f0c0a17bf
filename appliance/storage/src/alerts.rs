//! Floor alerts, kept after the box restarts: one row per alert, written when it is
//! raised and again when it clears or is acknowledged.
//!
//! Like the call events, storage does not know the alert types: the alert actor hands
//! it plain rows with the alert as JSON.

use crate::{Storage, StorageError};
use rusqlite::{params, Row};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertRow {
    /// Unique across restarts (`a<boot>-<n>`).
    pub uid: String,
    pub kind: String,
    /// What the alert stands for (`waiting:billing`): one active alert per condition.
    pub condition: String,
    pub text: String,
    pub raised_unix_ms: u64,
    pub cleared_unix_ms: Option<u64>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_unix_ms: Option<u64>,
    /// The whole alert as JSON.
    pub body_json: String,
}

fn signed(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

impl Storage {
    /// Writes an alert, replacing the row of the same `uid`.
    pub fn upsert_alert(&self, row: &AlertRow) -> Result<(), StorageError> {
        self.connection()
            .prepare_cached(
                "INSERT INTO alerts (uid, kind, condition, text, raised_unix_ms, cleared_unix_ms,
                    acknowledged_by, acknowledged_unix_ms, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT(uid) DO UPDATE SET cleared_unix_ms = excluded.cleared_unix_ms,
                    acknowledged_by = excluded.acknowledged_by,
                    acknowledged_unix_ms = excluded.acknowledged_unix_ms,
                    text = excluded.text, body = excluded.body",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    row.uid,
                    row.kind,
                    row.condition,
                    row.text,
                    signed(row.raised_unix_ms),
                    row.cleared_unix_ms.map(signed),
                    row.acknowledged_by,
                    row.acknowledged_unix_ms.map(signed),
                    row.body_json,
                ])
            })
            .map(|_| ())
            .map_err(|source| self.query_error("store an alert", source))
    }

    /// The latest `limit` alerts, newest first.
    pub fn recent_alerts(&self, limit: usize) -> Result<Vec<AlertRow>, StorageError> {
        let error = |source| self.query_error("read alerts", source);
        let mut statement = self
            .connection()
            .prepare_cached(
                "SELECT uid, kind, condition, text, raised_unix_ms, cleared_unix_ms,
                    acknowledged_by, acknowledged_unix_ms, body
                 FROM alerts ORDER BY raised_unix_ms DESC, uid DESC LIMIT ?1",
            )
            .map_err(error)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = statement.query_map([limit], read_row).map_err(error)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(error)
    }
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<AlertRow> {
    let unsigned = |ms: i64| u64::try_from(ms).unwrap_or_default();
    Ok(AlertRow {
        uid: row.get(0)?,
        kind: row.get(1)?,
        condition: row.get(2)?,
        text: row.get(3)?,
        raised_unix_ms: unsigned(row.get(4)?),
        cleared_unix_ms: row.get::<_, Option<i64>>(5)?.map(unsigned),
        acknowledged_by: row.get(6)?,
        acknowledged_unix_ms: row.get::<_, Option<i64>>(7)?.map(unsigned),
        body_json: row.get(8)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(uid: &str, raised: u64) -> AlertRow {
        AlertRow {
            uid: uid.into(),
            kind: "queue_waiting".into(),
            condition: "waiting:billing".into(),
            text: "3 calls waiting".into(),
            raised_unix_ms: raised,
            cleared_unix_ms: None,
            acknowledged_by: None,
            acknowledged_unix_ms: None,
            body_json: "{}".into(),
        }
    }

    #[test]
    fn an_alert_is_written_then_updated_in_place_and_read_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        storage.upsert_alert(&row("a1-1", 1000)).unwrap();
        storage.upsert_alert(&row("a1-2", 2000)).unwrap();
        let cleared = AlertRow {
            cleared_unix_ms: Some(5000),
            acknowledged_by: Some("sup".into()),
            acknowledged_unix_ms: Some(4000),
            ..row("a1-1", 1000)
        };
        storage.upsert_alert(&cleared).unwrap();
        let rows = storage.recent_alerts(10).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].uid, "a1-2");
        assert_eq!(rows[1], cleared);
        assert_eq!(storage.recent_alerts(1).unwrap().len(), 1);
    }
}
