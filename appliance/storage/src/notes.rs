//! Agents' wrap-ups (migration 12, `call_notes`): the note and disposition code an agent
//! (or a supervisor) saves on a call, one per call and author; saving again replaces it.
//! A wrap-up may be saved while the call is live, before its CDR exists, so the table
//! names the call by id only. Which calls an agent took, for the right to write on one,
//! comes from the statistics' answered offers (`agent_offers`).

use crate::{Storage, StorageError};
use rusqlite::params;
use serde::Serialize;

/// One author's wrap-up of one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WrapUpRow {
    pub call_id: String,
    /// Who saved it: the agent's id, or a supervisor's user name.
    pub author: String,
    pub note: String,
    /// A code of `queues.toml`'s `[dispositions]` (checked by the API, not here).
    pub disposition: Option<String>,
    pub saved_unix_ms: i64,
}

impl Storage {
    /// Saves `row`, replacing what its author saved on that call before.
    pub fn save_wrap_up(&self, row: &WrapUpRow) -> Result<(), StorageError> {
        self.connection()
            .execute(
                "INSERT INTO call_notes (call_id, author, note, disposition, saved_unix_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (call_id, author) DO UPDATE SET
                    note = excluded.note,
                    disposition = excluded.disposition,
                    saved_unix_ms = excluded.saved_unix_ms",
                params![
                    row.call_id,
                    row.author,
                    row.note,
                    row.disposition,
                    row.saved_unix_ms
                ],
            )
            .map(|_| ())
            .map_err(|source| self.query_error("save a wrap-up", source))
    }

    /// Every wrap-up saved on `call_id`, oldest first.
    pub fn wrap_ups_of(&self, call_id: &str) -> Result<Vec<WrapUpRow>, StorageError> {
        self.select_all(
            "SELECT call_id, author, note, disposition, saved_unix_ms FROM call_notes
             WHERE call_id = ?1 ORDER BY saved_unix_ms, author",
            [call_id],
            |row| {
                Ok(WrapUpRow {
                    call_id: row.get(0)?,
                    author: row.get(1)?,
                    note: row.get(2)?,
                    disposition: row.get(3)?,
                    saved_unix_ms: row.get(4)?,
                })
            },
        )
        .map_err(|source| self.query_error("read a call's wrap-ups", source))
    }

    /// The agents who answered an offer of `call_id` (more than one after a transfer),
    /// as the statistics recorded them.
    pub fn agents_who_answered(&self, call_id: &str) -> Result<Vec<String>, StorageError> {
        self.select_all(
            "SELECT DISTINCT agent FROM agent_offers WHERE call_id = ?1 AND answered = 1
             ORDER BY agent",
            [call_id],
            |row| row.get(0),
        )
        .map_err(|source| self.query_error("read who answered a call", source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AgentOfferRow, Cdr, Disposition, StatsRows};
    use std::collections::BTreeMap;

    fn wrap_up(call: &str, author: &str, note: &str, at: i64) -> WrapUpRow {
        WrapUpRow {
            call_id: call.into(),
            author: author.into(),
            note: note.into(),
            disposition: Some("resolved".into()),
            saved_unix_ms: at,
        }
    }

    #[test]
    fn a_wrap_up_saved_again_by_its_author_replaces_the_first() {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Storage::open(dir.path()).expect("opens");
        storage
            .save_wrap_up(&wrap_up("c1", "201", "first words", 1_000))
            .expect("saved");
        storage
            .save_wrap_up(&wrap_up("c1", "sup", "supervisor's view", 2_000))
            .expect("saved");
        storage
            .save_wrap_up(&wrap_up("c2", "201", "another call", 1_500))
            .expect("saved");
        let again = WrapUpRow {
            disposition: None,
            ..wrap_up("c1", "201", "在线解决 — 已确认", 3_000)
        };
        storage.save_wrap_up(&again).expect("saved again");
        let rows = storage.wrap_ups_of("c1").expect("read");
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0], wrap_up("c1", "sup", "supervisor's view", 2_000));
        assert_eq!(rows[1], again);
        assert_eq!(storage.wrap_ups_of("c2").expect("read").len(), 1);
        assert!(storage.wrap_ups_of("c3").expect("read").is_empty());
    }

    #[test]
    fn who_answered_a_call_comes_from_the_answered_offers() {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Storage::open(dir.path()).expect("opens");
        let offer = |agent: &str, answered: bool| AgentOfferRow {
            call_id: "c1".into(),
            queue: "agents".into(),
            agent: agent.into(),
            offered_at_ms: 1_000,
            ring_ms: 2_000,
            answered,
            end_reason: if answered { "answered" } else { "missed" }.into(),
        };
        let rows = StatsRows {
            offers: vec![offer("202", false), offer("203", true), offer("201", true)],
            ..StatsRows::default()
        };
        storage.insert_stats(&rows).expect("stored");
        assert_eq!(
            storage.agents_who_answered("c1").expect("read"),
            ["201", "203"]
        );
        assert!(storage.agents_who_answered("c2").expect("read").is_empty());
    }

    #[test]
    fn a_callers_calls_come_newest_first_and_only_theirs() {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Storage::open(dir.path()).expect("opens");
        let cdr = |id: &str, caller: &str, start: i64| Cdr {
            seq: 0,
            id: id.into(),
            start_unix_ms: start,
            line_answer_unix_ms: None,
            answer_unix_ms: Some(start + 5_000),
            end_unix_ms: start + 65_000,
            caller: Some(caller.into()),
            callee: Some("201".into()),
            dialled: Some("95598".into()),
            inbound_channel: "1/1".into(),
            outbound_channel: Some("2/1".into()),
            disposition: Disposition::Answered,
            cause: 16,
            ring_ms: 3_000,
            talk_ms: 60_000,
            ivr_flow: Some("hotline".into()),
            ivr_path: vec!["main".into(), "queue".into()],
            ivr_variables: BTreeMap::from([("account".into(), "123456".into())]),
            queue: Some("agents".into()),
            agent: Some("201".into()),
            survey: None,
        };
        for (id, caller, start) in [
            ("a", "0201234", 1_000_000),
            ("b", "0205555", 2_000_000),
            ("c", "0201234", 3_000_000),
            ("d", "0201234", 2_500_000),
        ] {
            storage.insert_cdr(&cdr(id, caller, start)).expect("stored");
        }
        let calls = storage.cdrs_from_caller("0201234", 10).expect("read");
        let ids: Vec<&str> = calls.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["c", "d", "a"]);
        assert_eq!(calls[0].ivr_path, ["main", "queue"]);
        assert_eq!(calls[0].ivr_variables["account"], "123456");
        let newest: Vec<String> = storage
            .cdrs_from_caller("0201234", 2)
            .expect("read")
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(newest, ["c", "d"]);
        assert!(storage
            .cdrs_from_caller("999", 10)
            .expect("read")
            .is_empty());
        // An agent's last call is the last CDR written, whatever its start.
        let last = storage.last_cdr_of_agent("201").expect("read");
        assert_eq!(last.map(|c| c.id).as_deref(), Some("d"));
        assert!(storage.last_cdr_of_agent("202").expect("read").is_none());
    }
}
