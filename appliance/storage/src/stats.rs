//! Call-center statistics, kept for the reports: the `stats` crate's records (a call's
//! stay in a queue, an agent rung for a call, an agent's state span) as plain rows, one
//! table each (migration 8).
//!
//! Like the call events and alerts, storage does not know the records' types (the
//! `stats` crate depends on the event bus): the stats actor hands it plain rows, enum
//! values as their names, and the reports turn rows back into records.

use crate::{Storage, StorageError};
use rusqlite::{params, Row};
use serde::Serialize;

/// One call's stay in one queue (`stats::QueueAttempt`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueAttemptRow {
    pub call_id: String,
    pub queue: String,
    pub attempt: u32,
    /// `joined`, `overflow` or `transfer`.
    pub entry: String,
    pub entry_from: Option<String>,
    pub repeat_in_queue: bool,
    pub counted_at_ms: u64,
    pub entered_at_ms: u64,
    pub priority: u8,
    pub vip: bool,
    pub offers: u32,
    /// `answered`, `abandoned`, `overflowed`, `refused` or `unfinished`.
    pub outcome: String,
    pub waited_ms: u64,
    pub answered_by: Option<String>,
    pub answered_at_ms: Option<u64>,
    pub callback_offered: bool,
    pub callback: bool,
    pub overflowed_to: Option<String>,
    pub transferred_to: Option<String>,
    pub refused_reason: Option<String>,
    pub talk_ms: u64,
    pub hold_ms: u64,
    pub wrap_up_ms: u64,
    pub finished_at_ms: u64,
}

/// One agent rung for one call (`stats::AgentOffer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentOfferRow {
    pub call_id: String,
    pub queue: String,
    pub agent: String,
    pub offered_at_ms: u64,
    pub ring_ms: u64,
    pub answered: bool,
    pub end_reason: String,
}

/// An agent in one state from `from_ms` to `to_ms` (`stats::AgentStateSpan`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentStateSpanRow {
    pub agent: String,
    pub state: String,
    pub reason: String,
    pub not_ready_reason: Option<String>,
    pub from_ms: u64,
    pub to_ms: u64,
    /// `state_change` or `shutdown`.
    pub ended_by: String,
}

/// Statistics rows of the three kinds: a batch to store, or what a time range holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatsRows {
    pub attempts: Vec<QueueAttemptRow>,
    pub offers: Vec<AgentOfferRow>,
    pub spans: Vec<AgentStateSpanRow>,
}

impl StatsRows {
    pub fn is_empty(&self) -> bool {
        self.attempts.is_empty() && self.offers.is_empty() && self.spans.is_empty()
    }

    pub fn len(&self) -> usize {
        self.attempts.len() + self.offers.len() + self.spans.len()
    }
}

/// Times beyond i64 are nonsense; saturate rather than refuse the batch.
fn signed(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

/// Below zero cannot be written; read as 0 if someone put it there.
fn unsigned(value: i64) -> u64 {
    u64::try_from(value).unwrap_or_default()
}

const ATTEMPT_COLUMNS: &str = "call_id, queue, attempt, entry, entry_from, repeat_in_queue,
    counted_at_ms, entered_at_ms, priority, vip, offers, outcome, waited_ms, answered_by,
    answered_at_ms, callback_offered, callback, overflowed_to, transferred_to, refused_reason,
    talk_ms, hold_ms, wrap_up_ms, finished_at_ms";
const OFFER_COLUMNS: &str = "call_id, queue, agent, offered_at_ms, ring_ms, answered, end_reason";
const SPAN_COLUMNS: &str = "agent, state, reason, not_ready_reason, from_ms, to_ms, ended_by";

impl Storage {
    /// Stores a batch of statistics rows in one transaction: all of them or, on an
    /// error, none.
    pub fn insert_stats(&self, rows: &StatsRows) -> Result<(), StorageError> {
        let error = |source| self.query_error("store statistics", source);
        // `unchecked_transaction` because the connection is shared as `&`; its owner is
        // single-threaded, so nothing else opens a transaction meanwhile.
        let transaction = self.connection().unchecked_transaction().map_err(error)?;
        {
            let mut insert = transaction
                .prepare_cached(&format!(
                    "INSERT INTO queue_attempts ({ATTEMPT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5,
                     ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
                     ?21, ?22, ?23, ?24)"
                ))
                .map_err(error)?;
            for row in &rows.attempts {
                insert
                    .execute(params![
                        row.call_id,
                        row.queue,
                        row.attempt,
                        row.entry,
                        row.entry_from,
                        row.repeat_in_queue,
                        signed(row.counted_at_ms),
                        signed(row.entered_at_ms),
                        row.priority,
                        row.vip,
                        row.offers,
                        row.outcome,
                        signed(row.waited_ms),
                        row.answered_by,
                        row.answered_at_ms.map(signed),
                        row.callback_offered,
                        row.callback,
                        row.overflowed_to,
                        row.transferred_to,
                        row.refused_reason,
                        signed(row.talk_ms),
                        signed(row.hold_ms),
                        signed(row.wrap_up_ms),
                        signed(row.finished_at_ms),
                    ])
                    .map_err(error)?;
            }
            let mut insert = transaction
                .prepare_cached(&format!(
                    "INSERT INTO agent_offers ({OFFER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                ))
                .map_err(error)?;
            for row in &rows.offers {
                insert
                    .execute(params![
                        row.call_id,
                        row.queue,
                        row.agent,
                        signed(row.offered_at_ms),
                        signed(row.ring_ms),
                        row.answered,
                        row.end_reason,
                    ])
                    .map_err(error)?;
            }
            let mut insert = transaction
                .prepare_cached(&format!(
                    "INSERT INTO agent_state_spans ({SPAN_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                ))
                .map_err(error)?;
            for row in &rows.spans {
                insert
                    .execute(params![
                        row.agent,
                        row.state,
                        row.reason,
                        row.not_ready_reason,
                        signed(row.from_ms),
                        signed(row.to_ms),
                        row.ended_by,
                    ])
                    .map_err(error)?;
            }
        }
        transaction.commit().map_err(error)
    }

    /// What the reports of `[from_ms, to_ms)` need: the attempts counted before `to_ms`
    /// and finished at or after `from_ms` (so both the interval a queue counts a call in
    /// and the interval its agent answered it in may fall in the range), the offers rung
    /// in the range, and the spans overlapping it. Each kind in the order it was stored.
    pub fn stats_between(&self, from_ms: u64, to_ms: u64) -> Result<StatsRows, StorageError> {
        let error = |source| self.query_error("read statistics", source);
        let (from, to) = (signed(from_ms), signed(to_ms));
        let attempts = self
            .select_all(
                &format!(
                    "SELECT {ATTEMPT_COLUMNS} FROM queue_attempts
                     WHERE counted_at_ms < ?2 AND finished_at_ms >= ?1 ORDER BY id"
                ),
                [from, to],
                read_attempt,
            )
            .map_err(error)?;
        let offers = self
            .select_all(
                &format!(
                    "SELECT {OFFER_COLUMNS} FROM agent_offers
                     WHERE offered_at_ms >= ?1 AND offered_at_ms < ?2 ORDER BY id"
                ),
                [from, to],
                read_offer,
            )
            .map_err(error)?;
        let spans = self
            .select_all(
                &format!(
                    "SELECT {SPAN_COLUMNS} FROM agent_state_spans
                     WHERE to_ms >= ?1 AND from_ms < ?2 ORDER BY id"
                ),
                [from, to],
                read_span,
            )
            .map_err(error)?;
        Ok(StatsRows {
            attempts,
            offers,
            spans,
        })
    }

    /// Each agent's latest stored span (latest end, then latest start, then last
    /// stored): what a collector resumes from after a restart.
    pub fn latest_agent_spans(&self) -> Result<Vec<AgentStateSpanRow>, StorageError> {
        self.select_all(
            &format!(
                "SELECT {SPAN_COLUMNS} FROM agent_state_spans WHERE id IN (
                    SELECT (SELECT id FROM agent_state_spans latest
                            WHERE latest.agent = agents.agent
                            ORDER BY to_ms DESC, from_ms DESC, id DESC LIMIT 1)
                    FROM (SELECT DISTINCT agent FROM agent_state_spans) agents)
                 ORDER BY agent"
            ),
            [],
            read_span,
        )
        .map_err(|source| self.query_error("read the agents' latest spans", source))
    }
}

fn read_attempt(row: &Row<'_>) -> rusqlite::Result<QueueAttemptRow> {
    Ok(QueueAttemptRow {
        call_id: row.get(0)?,
        queue: row.get(1)?,
        attempt: row.get(2)?,
        entry: row.get(3)?,
        entry_from: row.get(4)?,
        repeat_in_queue: row.get(5)?,
        counted_at_ms: unsigned(row.get(6)?),
        entered_at_ms: unsigned(row.get(7)?),
        priority: u8::try_from(row.get::<_, i64>(8)?).unwrap_or(u8::MAX),
        vip: row.get(9)?,
        offers: row.get(10)?,
        outcome: row.get(11)?,
        waited_ms: unsigned(row.get(12)?),
        answered_by: row.get(13)?,
        answered_at_ms: row.get::<_, Option<i64>>(14)?.map(unsigned),
        callback_offered: row.get(15)?,
        callback: row.get(16)?,
        overflowed_to: row.get(17)?,
        transferred_to: row.get(18)?,
        refused_reason: row.get(19)?,
        talk_ms: unsigned(row.get(20)?),
        hold_ms: unsigned(row.get(21)?),
        wrap_up_ms: unsigned(row.get(22)?),
        finished_at_ms: unsigned(row.get(23)?),
    })
}

fn read_offer(row: &Row<'_>) -> rusqlite::Result<AgentOfferRow> {
    Ok(AgentOfferRow {
        call_id: row.get(0)?,
        queue: row.get(1)?,
        agent: row.get(2)?,
        offered_at_ms: unsigned(row.get(3)?),
        ring_ms: unsigned(row.get(4)?),
        answered: row.get(5)?,
        end_reason: row.get(6)?,
    })
}

fn read_span(row: &Row<'_>) -> rusqlite::Result<AgentStateSpanRow> {
    Ok(AgentStateSpanRow {
        agent: row.get(0)?,
        state: row.get(1)?,
        reason: row.get(2)?,
        not_ready_reason: row.get(3)?,
        from_ms: unsigned(row.get(4)?),
        to_ms: unsigned(row.get(5)?),
        ended_by: row.get(6)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: u64 = 3_600_000;
    const T0: u64 = 1_796_608_800_000;

    fn attempt(call: &str, counted: u64, finished: u64) -> QueueAttemptRow {
        QueueAttemptRow {
            call_id: call.into(),
            queue: "billing".into(),
            attempt: 1,
            entry: "joined".into(),
            entry_from: None,
            repeat_in_queue: false,
            counted_at_ms: counted,
            entered_at_ms: counted,
            priority: 5,
            vip: true,
            offers: 2,
            outcome: "answered".into(),
            waited_ms: 12_000,
            answered_by: Some("201".into()),
            answered_at_ms: Some(counted + 12_000),
            callback_offered: false,
            callback: false,
            overflowed_to: None,
            transferred_to: Some("queue:sales".into()),
            refused_reason: None,
            talk_ms: 60_000,
            hold_ms: 5_000,
            wrap_up_ms: 3_000,
            finished_at_ms: finished,
        }
    }

    fn offer(call: &str, at: u64) -> AgentOfferRow {
        AgentOfferRow {
            call_id: call.into(),
            queue: "billing".into(),
            agent: "201".into(),
            offered_at_ms: at,
            ring_ms: 4_000,
            answered: true,
            end_reason: "answered".into(),
        }
    }

    fn span(agent: &str, state: &str, from: u64, to: u64, ended_by: &str) -> AgentStateSpanRow {
        AgentStateSpanRow {
            agent: agent.into(),
            state: state.into(),
            reason: "not-ready-requested".into(),
            not_ready_reason: (state == "not-ready").then(|| "lunch".to_owned()),
            from_ms: from,
            to_ms: to,
            ended_by: ended_by.into(),
        }
    }

    #[test]
    fn a_batch_reads_back_by_time_range() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        let batch = StatsRows {
            attempts: vec![
                attempt("early", T0 - HOUR, T0 - HOUR + 60_000),
                // Counted before the range, answered and finished in it.
                attempt("straddles", T0 - 60_000, T0 + 60_000),
                attempt("inside", T0 + 10_000, T0 + 90_000),
                attempt("late", T0 + HOUR, T0 + HOUR + 1),
            ],
            offers: vec![offer("early", T0 - 1), offer("inside", T0 + 10_000)],
            spans: vec![
                span("201", "ready", T0 - HOUR, T0 - 1, "state_change"),
                span("201", "not-ready", T0 - 10, T0 + 10, "shutdown"),
                span("202", "ready", T0 + HOUR, T0 + 2 * HOUR, "state_change"),
            ],
        };
        assert_eq!(batch.len(), 9);
        storage.insert_stats(&batch).unwrap();
        let read = storage.stats_between(T0, T0 + HOUR).unwrap();
        assert_eq!(
            read.attempts
                .iter()
                .map(|a| a.call_id.as_str())
                .collect::<Vec<_>>(),
            ["straddles", "inside"]
        );
        assert_eq!(read.attempts[1], batch.attempts[2], "every column back");
        assert_eq!(read.offers, vec![batch.offers[1].clone()]);
        assert_eq!(read.spans, vec![batch.spans[1].clone()]);
        assert!(storage.stats_between(0, 1).unwrap().is_empty());
    }

    #[test]
    fn each_agents_latest_span_is_the_one_ending_last() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        assert_eq!(storage.latest_agent_spans().unwrap(), Vec::new());
        let newest_201 = span("201", "not-ready", T0, T0 + 5_000, "shutdown");
        let newest_202 = span("202", "ready", T0, T0 + 1_000, "state_change");
        storage
            .insert_stats(&StatsRows {
                spans: vec![
                    newest_201.clone(),
                    span("201", "ready", T0 - HOUR, T0, "state_change"),
                    newest_202.clone(),
                ],
                ..StatsRows::default()
            })
            .unwrap();
        // A later batch with an older span (stored last, ending first) changes nothing.
        storage
            .insert_stats(&StatsRows {
                spans: vec![span(
                    "202",
                    "wrap-up",
                    T0 - 2_000,
                    T0 - 1_000,
                    "state_change",
                )],
                ..StatsRows::default()
            })
            .unwrap();
        assert_eq!(
            storage.latest_agent_spans().unwrap(),
            vec![newest_201, newest_202]
        );
    }

    #[test]
    fn a_batch_is_stored_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        storage
            .connection()
            .execute_batch("DROP TABLE agent_state_spans")
            .unwrap();
        let batch = StatsRows {
            attempts: vec![attempt("a", T0, T0)],
            spans: vec![span("201", "ready", T0, T0 + 1, "state_change")],
            ..StatsRows::default()
        };
        assert!(storage.insert_stats(&batch).is_err());
        let attempts: i64 = storage
            .connection()
            .query_row("SELECT COUNT(*) FROM queue_attempts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(attempts, 0, "the attempt rolled back with the failed spans");
    }
}
