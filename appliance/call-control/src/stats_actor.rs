//! The actor around the call-center statistics collector (`stats::StatsCollector`): it
//! is fed the bus's queue steps and agent state changes, and hands the finished records
//! (queue attempts, agent offers, agent state spans) to the `StatsStore`, which writes
//! them on its own thread (SQLite never blocks the control plane). Records wait for the
//! next engine second (or until 64 are waiting) and go in one transaction.
//!
//! Times are the box's clock, as the CDRs' and alerts' are: its epoch (the wall clock at
//! its start, or a HIL scenario's `box time`) plus engine time. So a report's intervals
//! line up with the CDRs of the same calls, and lock-step runs give exact figures.
//!
//! At boot the collector resumes from each agent's latest stored span (an agent not
//! ready at the last stop stays not ready, same reason, until their next change). At a
//! stop, [`FlushStats`] closes what is open and answers once every record is written; an
//! actor stopped without it writes its flush itself, through a connection of its own
//! (the store's thread may be gone by then).

use crate::messages::Second;
use actix::prelude::*;
use events::{Envelope, Event};
use serde::{de::DeserializeOwned, Serialize};
use stats::{
    AgentOffer, AgentStateSpan, QueueAttempt, Record, RecordSet, StatsCollector, StatsConfig,
};
use storage::{AgentOfferRow, AgentStateSpanRow, QueueAttemptRow, StatsRows, Storage};

/// Records waiting beyond this many are sent at once, without waiting for the second.
const BATCH_ROWS: usize = 64;

/// Writes statistics rows, on a thread of its own.
pub struct StatsStore {
    storage: Storage,
}

impl StatsStore {
    pub fn new(storage: Storage) -> StatsStore {
        StatsStore { storage }
    }
}

impl Actor for StatsStore {
    type Context = SyncContext<Self>;
}

/// A batch to store; answered once it is written (or refused, logged).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SaveStats(pub StatsRows);

impl Handler<SaveStats> for StatsStore {
    type Result = ();
    fn handle(&mut self, save: SaveStats, _ctx: &mut SyncContext<Self>) {
        if let Err(error) = self.storage.insert_stats(&save.0) {
            tracing::error!(rows = save.0.len(), %error, "statistics not stored");
        }
    }
}

/// The box stops: close every open span, offer and attempt at engine time `engine_ms`
/// (or the latest the actor saw, if later) and write them. Answered when everything the
/// actor produced is written.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct FlushStats {
    pub engine_ms: u64,
}

pub struct StatsActor {
    collector: StatsCollector,
    /// Unix ms at engine time 0.
    epoch_unix_ms: u64,
    /// The latest engine time seen (events and seconds).
    now_ms: u64,
    pending: StatsRows,
    store: Option<Recipient<SaveStats>>,
    /// For the flush of an actor stopped without [`FlushStats`].
    shutdown_storage: Option<Storage>,
    flushed: bool,
}

impl StatsActor {
    /// A collector resumed from `stored` (at least each agent's latest span).
    pub fn new(stored: &[AgentStateSpan], epoch_unix_ms: u64) -> StatsActor {
        StatsActor {
            collector: StatsCollector::resume(stored),
            epoch_unix_ms,
            now_ms: 0,
            pending: StatsRows::default(),
            store: None,
            shutdown_storage: None,
            flushed: false,
        }
    }

    pub fn with_store(mut self, store: Recipient<SaveStats>) -> StatsActor {
        self.store = Some(store);
        self
    }

    /// A connection the actor writes its last records through if it stops without
    /// [`FlushStats`].
    pub fn with_shutdown_storage(mut self, storage: Storage) -> StatsActor {
        self.shutdown_storage = Some(storage);
        self
    }

    fn collect(&mut self) {
        let records = self.collector.drain_records();
        append_rows(&mut self.pending, records);
    }

    fn send_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let rows = std::mem::take(&mut self.pending);
        match &self.store {
            Some(store) => store.do_send(SaveStats(rows)),
            None => tracing::warn!(rows = rows.len(), "no statistics store: rows dropped"),
        }
    }

    fn flush_collector(&mut self, engine_ms: u64) {
        self.now_ms = self.now_ms.max(engine_ms);
        self.collector
            .flush(self.epoch_unix_ms.saturating_add(self.now_ms));
        self.collect();
        self.flushed = true;
    }
}

impl Actor for StatsActor {
    type Context = Context<Self>;

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        if !self.flushed {
            self.flush_collector(self.now_ms);
        }
        if self.pending.is_empty() {
            return;
        }
        // The store's thread may be gone with the system: write here.
        let rows = std::mem::take(&mut self.pending);
        match &self.shutdown_storage {
            Some(storage) => {
                if let Err(error) = storage.insert_stats(&rows) {
                    tracing::error!(rows = rows.len(), %error, "statistics not stored at stop");
                }
            }
            None => tracing::warn!(rows = rows.len(), "statistics lost at stop: no connection"),
        }
    }
}

impl Handler<Envelope> for StatsActor {
    type Result = ();
    fn handle(&mut self, mut envelope: Envelope, _ctx: &mut Context<Self>) {
        if !matches!(
            envelope.event,
            Event::Queue { .. } | Event::AgentStateChanged { .. }
        ) {
            return;
        }
        self.now_ms = self.now_ms.max(envelope.at_ms);
        self.flushed = false;
        // The box's clock, not the bus's (see the module docs).
        envelope.unix_ms = self.epoch_unix_ms.saturating_add(envelope.at_ms);
        self.collector.feed(&envelope);
        self.collect();
        if self.pending.len() >= BATCH_ROWS {
            self.send_pending();
        }
    }
}

impl Handler<Second> for StatsActor {
    type Result = ();
    fn handle(&mut self, second: Second, _ctx: &mut Context<Self>) {
        self.now_ms = self.now_ms.max(second.stamp.at_ms);
        self.send_pending();
    }
}

impl Handler<FlushStats> for StatsActor {
    type Result = ResponseFuture<()>;
    fn handle(&mut self, flush: FlushStats, _ctx: &mut Context<Self>) -> Self::Result {
        self.flush_collector(flush.engine_ms);
        let rows = std::mem::take(&mut self.pending);
        let Some(store) = self.store.clone() else {
            self.pending = rows;
            return Box::pin(async {});
        };
        // The store writes in order on one thread: once this batch is answered, every
        // batch sent before it is written too.
        let written = store.send(SaveStats(rows));
        Box::pin(async move {
            if let Err(error) = written.await {
                tracing::error!(%error, "statistics store gone: the last records are lost");
            }
        })
    }
}

/// The collector's records as rows to store, added to `rows`.
pub fn append_rows(rows: &mut StatsRows, records: Vec<Record>) {
    for record in records {
        match record {
            Record::QueueAttempt(attempt) => rows.attempts.push(attempt_row(attempt)),
            Record::AgentOffer(offer) => rows.offers.push(offer_row(offer)),
            Record::AgentState(span) => rows.spans.push(span_row(span)),
        }
    }
}

/// Stored rows back as the records the reports read; a row holding a name this
/// firmware does not know is left out (and logged).
pub fn record_set(rows: StatsRows) -> RecordSet {
    RecordSet {
        attempts: rows.attempts.into_iter().filter_map(attempt_of).collect(),
        offers: rows.offers.into_iter().map(offer_of).collect(),
        agent_states: rows.spans.into_iter().filter_map(span_of).collect(),
    }
}

/// The reports' thresholds: each queue's configured service level.
pub fn stats_config(acd: &acd::AcdConfig) -> StatsConfig {
    StatsConfig {
        service_level_ms: acd
            .queues
            .iter()
            .map(|queue| (queue.name.to_string(), queue.service_level_ms))
            .collect(),
        ..StatsConfig::default()
    }
}

/// A unit enum's serde name (`answered`, `state_change`).
fn name_of<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::from("unknown"),
    }
}

fn named<T: DeserializeOwned>(column: &str, name: &str) -> Option<T> {
    let value = serde_json::from_value(serde_json::Value::String(name.to_owned())).ok();
    if value.is_none() {
        tracing::warn!(
            column,
            name,
            "stored statistics row with an unknown value: skipped"
        );
    }
    value
}

fn attempt_row(attempt: QueueAttempt) -> QueueAttemptRow {
    QueueAttemptRow {
        entry: name_of(&attempt.entry),
        outcome: name_of(&attempt.outcome),
        call_id: attempt.call,
        queue: attempt.queue,
        attempt: attempt.attempt,
        entry_from: attempt.entry_from,
        repeat_in_queue: attempt.repeat_in_queue,
        counted_at_ms: attempt.counted_at_ms,
        entered_at_ms: attempt.entered_at_ms,
        priority: attempt.priority,
        vip: attempt.vip,
        offers: attempt.offers,
        waited_ms: attempt.waited_ms,
        answered_by: attempt.answered_by,
        answered_at_ms: attempt.answered_at_ms,
        callback_offered: attempt.callback_offered,
        callback: attempt.callback,
        overflowed_to: attempt.overflowed_to,
        transferred_to: attempt.transferred_to,
        refused_reason: attempt.refused_reason,
        talk_ms: attempt.talk_ms,
        hold_ms: attempt.hold_ms,
        wrap_up_ms: attempt.wrap_up_ms,
        finished_at_ms: attempt.finished_at_ms,
    }
}

fn attempt_of(row: QueueAttemptRow) -> Option<QueueAttempt> {
    Some(QueueAttempt {
        entry: named("queue_attempts.entry", &row.entry)?,
        outcome: named("queue_attempts.outcome", &row.outcome)?,
        call: row.call_id,
        queue: row.queue,
        attempt: row.attempt,
        entry_from: row.entry_from,
        repeat_in_queue: row.repeat_in_queue,
        counted_at_ms: row.counted_at_ms,
        entered_at_ms: row.entered_at_ms,
        priority: row.priority,
        vip: row.vip,
        offers: row.offers,
        waited_ms: row.waited_ms,
        answered_by: row.answered_by,
        answered_at_ms: row.answered_at_ms,
        callback_offered: row.callback_offered,
        callback: row.callback,
        overflowed_to: row.overflowed_to,
        transferred_to: row.transferred_to,
        refused_reason: row.refused_reason,
        talk_ms: row.talk_ms,
        hold_ms: row.hold_ms,
        wrap_up_ms: row.wrap_up_ms,
        finished_at_ms: row.finished_at_ms,
    })
}

fn offer_row(offer: AgentOffer) -> AgentOfferRow {
    AgentOfferRow {
        call_id: offer.call,
        queue: offer.queue,
        agent: offer.agent,
        offered_at_ms: offer.offered_at_ms,
        ring_ms: offer.ring_ms,
        answered: offer.answered,
        end_reason: offer.end_reason,
    }
}

fn offer_of(row: AgentOfferRow) -> AgentOffer {
    AgentOffer {
        call: row.call_id,
        queue: row.queue,
        agent: row.agent,
        offered_at_ms: row.offered_at_ms,
        ring_ms: row.ring_ms,
        answered: row.answered,
        end_reason: row.end_reason,
    }
}

fn span_row(span: AgentStateSpan) -> AgentStateSpanRow {
    AgentStateSpanRow {
        ended_by: name_of(&span.ended_by),
        agent: span.agent,
        state: span.state,
        reason: span.reason,
        not_ready_reason: span.not_ready_reason,
        from_ms: span.from_ms,
        to_ms: span.to_ms,
    }
}

/// A stored span back as a record (also what the collector resumes from).
pub fn span_of(row: AgentStateSpanRow) -> Option<AgentStateSpan> {
    Some(AgentStateSpan {
        ended_by: named("agent_state_spans.ended_by", &row.ended_by)?,
        agent: row.agent,
        state: row.state,
        reason: row.reason,
        not_ready_reason: row.not_ready_reason,
        from_ms: row.from_ms,
        to_ms: row.to_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use events::QueueStep;
    use media_engine::WorkGauge;
    use stats::{AttemptOutcome, SpanEnd};

    const EPOCH: u64 = 1_796_608_800_000;

    fn envelope(seq: u64, at_ms: u64, event: Event) -> Envelope {
        Envelope {
            seq,
            at_ms,
            // The bus's wall clock, which the actor replaces with the box's.
            unix_ms: 5,
            event,
        }
    }

    fn agent_state(agent: &str, to: &str, reason: &str, not_ready: Option<&str>) -> Event {
        Event::AgentStateChanged {
            agent: agent.into(),
            from: String::new(),
            to: to.into(),
            reason: reason.into(),
            not_ready_reason: not_ready.map(str::to_owned),
        }
    }

    fn queue(call: &str, step: QueueStep) -> Event {
        Event::Queue {
            call: call.into(),
            step,
        }
    }

    #[test]
    fn records_and_rows_convert_both_ways() {
        let span = AgentStateSpan {
            agent: "201".into(),
            state: "not-ready".into(),
            reason: "not-ready-requested".into(),
            not_ready_reason: Some("lunch".into()),
            from_ms: 1,
            to_ms: 2,
            ended_by: SpanEnd::Shutdown,
        };
        let mut rows = StatsRows::default();
        append_rows(&mut rows, vec![Record::AgentState(span.clone())]);
        assert_eq!(rows.spans[0].ended_by, "shutdown");
        assert_eq!(record_set(rows).agent_states, vec![span]);
        let unknown = StatsRows {
            spans: vec![AgentStateSpanRow {
                ended_by: "meteor".into(),
                agent: "201".into(),
                state: "ready".into(),
                reason: "login".into(),
                not_ready_reason: None,
                from_ms: 0,
                to_ms: 1,
            }],
            ..StatsRows::default()
        };
        assert!(record_set(unknown).agent_states.is_empty());
    }

    /// A call answered after 4 s and served 10 s, an agent then not ready at the stop:
    /// the rows land in the database in the box's time, the flush written before the
    /// answer to `FlushStats`.
    #[test]
    fn records_reach_the_store_and_the_stop_flush_is_written_before_it_answers() {
        let dir = tempfile::tempdir().expect("temp dir");
        let system = actix::System::new();
        system.block_on(async {
            let path = dir.path().to_owned();
            let store = SyncArbiter::start(1, move || {
                StatsStore::new(Storage::open(&path).expect("database"))
            });
            let actor = StatsActor::new(&[], EPOCH)
                .with_store(store.recipient())
                .start();
            let events = [
                agent_state("201", "ready", "login", None),
                queue(
                    "c1-1",
                    QueueStep::Entered {
                        queue: "agents".into(),
                        priority: 0,
                        vip: false,
                    },
                ),
                agent_state("201", "reserved", "offered", None),
                queue(
                    "c1-1",
                    QueueStep::Offered {
                        agent: "201".into(),
                    },
                ),
                agent_state("201", "on-call-inbound", "answered", None),
                queue(
                    "c1-1",
                    QueueStep::Answered {
                        queue: "agents".into(),
                        agent: "201".into(),
                        waited_ms: 4_000,
                    },
                ),
                queue(
                    "c1-1",
                    QueueStep::Ended {
                        agent: "201".into(),
                        talk_ms: 10_000,
                    },
                ),
                agent_state("201", "not-ready", "not-ready-requested", Some("lunch")),
            ];
            let times = [0, 1_000, 2_000, 2_000, 5_000, 5_000, 15_000, 15_000];
            for (seq, (event, at)) in events.into_iter().zip(times).enumerate() {
                actor.do_send(envelope(seq as u64 + 1, at, event));
            }
            let gauge = WorkGauge::new();
            actor.do_send(Second {
                stamp: crate::messages::Stamp {
                    at_ms: 16_000,
                    token: gauge.token(),
                },
            });
            actor
                .send(FlushStats { engine_ms: 20_000 })
                .await
                .expect("flushed");
            System::current().stop();
        });
        let storage = Storage::open(dir.path()).expect("database");
        let rows = storage.stats_between(EPOCH, EPOCH + 60_000).expect("read");
        let set = record_set(rows);
        assert_eq!(set.attempts.len(), 1, "{set:?}");
        let attempt = &set.attempts[0];
        assert_eq!(attempt.outcome, AttemptOutcome::Answered);
        assert_eq!(attempt.entered_at_ms, EPOCH + 1_000);
        assert_eq!(attempt.waited_ms, 4_000);
        assert_eq!(attempt.talk_ms, 10_000);
        assert_eq!(set.offers.len(), 1);
        assert_eq!(set.offers[0].ring_ms, 3_000);
        let lunch = set
            .agent_states
            .iter()
            .find(|span| span.state == "not-ready")
            .expect("the not-ready span, closed by the flush");
        assert_eq!(
            (lunch.from_ms, lunch.to_ms),
            (EPOCH + 15_000, EPOCH + 20_000)
        );
        assert_eq!(lunch.ended_by, SpanEnd::Shutdown);
        let latest = storage.latest_agent_spans().expect("latest");
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[0].not_ready_reason.as_deref(), Some("lunch"));
    }

    /// Stopped without `FlushStats` (its last address gone): the actor writes its flush
    /// through its own connection.
    #[test]
    fn an_actor_stopped_without_a_flush_writes_it_itself() {
        let dir = tempfile::tempdir().expect("temp dir");
        let system = actix::System::new();
        system.block_on(async {
            let actor = StatsActor::new(&[], EPOCH)
                .with_shutdown_storage(Storage::open(dir.path()).expect("database"))
                .start();
            actor.do_send(envelope(1, 0, agent_state("201", "ready", "login", None)));
            actor.do_send(envelope(
                2,
                3_000,
                agent_state("201", "not-ready", "not-ready-requested", Some("break")),
            ));
            drop(actor);
            // The actor stops once its mailbox is empty and no address is left.
            let storage = Storage::open(dir.path()).expect("database");
            for _ in 0..250 {
                if !storage
                    .stats_between(0, u64::MAX / 2)
                    .expect("read")
                    .is_empty()
                {
                    break;
                }
                actix::clock::sleep(std::time::Duration::from_millis(20)).await;
            }
            System::current().stop();
        });
        let storage = Storage::open(dir.path()).expect("database");
        let spans = storage.stats_between(0, u64::MAX / 2).expect("read").spans;
        let states: Vec<(&str, &str, u64, u64)> = spans
            .iter()
            .map(|s| (s.state.as_str(), s.ended_by.as_str(), s.from_ms, s.to_ms))
            .collect();
        assert_eq!(
            states,
            [
                ("ready", "state_change", EPOCH, EPOCH + 3_000),
                ("not-ready", "shutdown", EPOCH + 3_000, EPOCH + 3_000)
            ]
        );
    }
}
