//! Keeps every call's events from the event bus in the database (`call_events`), so that
//! a call's story outlives the bus's bounded history and a restart of the box.
//!
//! Two halves:
//! - [`ArchiveFeed`], a small actor on the control plane subscribed to the bus, keeps the
//!   events that name a call and hands them, encoded, to the archive thread through a
//!   bounded channel. It never waits: when the channel is full (the disk is stuck) it
//!   drops the event and counts it, so a full disk cannot grow memory without bound.
//! - [`EventArchive`], a plain thread with its own database connection (not a
//!   `SyncArbiter` like the CDR writer: it flushes on a wall-clock deadline as well as on
//!   a count, and a `SyncContext` has no timers, while a thread blocking in
//!   `recv_timeout` does both). It writes a batch when [`BATCH_ROWS`] wait or
//!   [`FLUSH_EVERY`] after the first of them, whichever comes first, and at shutdown.
//!
//! A batch the database refuses is logged and tried once more at the next flush, then
//! dropped and counted. Bus events carry no `WorkToken`, so a lock-step test cannot wait
//! for the archive; `GET /api/calls/{id}/events` merges in the bus's history instead.

use actix::prelude::*;
use events::Envelope;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use storage::{CallEventRow, Storage};

/// Rows that, once waiting, are written at once.
pub const BATCH_ROWS: usize = 64;
/// The longest a row waits for its batch (wall time).
pub const FLUSH_EVERY: Duration = Duration::from_millis(200);
/// Rows that may wait for the disk; more are dropped and counted.
pub const MAX_WAITING_ROWS: usize = 10_000;
/// The most rows one transaction takes when the disk fell behind and many wait.
pub const MAX_BATCH_ROWS: usize = 1_024;

/// When the archive writes; the defaults are the constants above (tests shorten them).
#[derive(Debug, Clone, Copy)]
pub struct ArchiveSettings {
    pub batch_rows: usize,
    pub flush_every: Duration,
    pub max_waiting_rows: usize,
}

impl Default for ArchiveSettings {
    fn default() -> ArchiveSettings {
        ArchiveSettings {
            batch_rows: BATCH_ROWS,
            flush_every: FLUSH_EVERY,
            max_waiting_rows: MAX_WAITING_ROWS,
        }
    }
}

/// What the archive did so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ArchiveTotals {
    /// Call events the database accepted (a retried one already stored counts again).
    pub archived: u64,
    /// Dropped because too many waited for the disk.
    pub dropped_waiting: u64,
    /// Dropped because the database refused their batch twice (or they had no JSON).
    pub dropped_refused: u64,
}

#[derive(Debug, Default)]
struct Counters {
    archived: AtomicU64,
    dropped_waiting: AtomicU64,
    dropped_refused: AtomicU64,
}

impl Counters {
    fn totals(&self) -> ArchiveTotals {
        ArchiveTotals {
            archived: self.archived.load(Ordering::Relaxed),
            dropped_waiting: self.dropped_waiting.load(Ordering::Relaxed),
            dropped_refused: self.dropped_refused.load(Ordering::Relaxed),
        }
    }

    fn add(counter: &AtomicU64, rows: usize) -> u64 {
        let rows = u64::try_from(rows).unwrap_or(u64::MAX);
        counter
            .fetch_add(rows, Ordering::Relaxed)
            .saturating_add(rows)
    }
}

enum Input {
    Row(CallEventRow),
    /// Write what waits and end the thread.
    Stop,
}

/// The row an envelope is stored as, if its event names a call.
pub fn call_event_row(envelope: &Envelope) -> Option<Result<CallEventRow, serde_json::Error>> {
    let call = envelope.event.call()?;
    Some(
        serde_json::to_string(&envelope.event).map(|body_json| CallEventRow {
            seq: envelope.seq,
            call_id: call.to_string(),
            at_ms: envelope.at_ms,
            unix_ms: envelope.unix_ms,
            kind: envelope.event.kind().to_owned(),
            body_json,
        }),
    )
}

/// The archive thread's handle: stop it with [`EventArchive::finish`] (or by dropping it)
/// after the control plane has stopped, so that what it sent is written.
pub struct EventArchive {
    sender: SyncSender<Input>,
    thread: Option<JoinHandle<()>>,
    counters: Arc<Counters>,
}

impl EventArchive {
    /// Starts the archive thread on `storage` (a connection of its own) with the default
    /// settings.
    pub fn start(storage: Storage) -> std::io::Result<EventArchive> {
        EventArchive::start_with(storage, ArchiveSettings::default())
    }

    pub fn start_with(
        storage: Storage,
        settings: ArchiveSettings,
    ) -> std::io::Result<EventArchive> {
        let (sender, receiver) = sync_channel(settings.max_waiting_rows.max(1));
        let counters = Arc::new(Counters::default());
        let batcher = Batcher {
            storage,
            waiting: Vec::new(),
            retry: Vec::new(),
            counters: counters.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("event-archive".into())
            .spawn(move || run(batcher, receiver, settings))?;
        Ok(EventArchive {
            sender,
            thread: Some(thread),
            counters,
        })
    }

    /// The actor to start on the control plane and subscribe to the bus.
    pub fn feed(&self) -> ArchiveFeed {
        ArchiveFeed {
            sender: self.sender.clone(),
            counters: self.counters.clone(),
            dropping_since: None,
        }
    }

    pub fn totals(&self) -> ArchiveTotals {
        self.counters.totals()
    }

    /// Writes what waits, ends the thread and says what it did.
    pub fn finish(mut self) -> ArchiveTotals {
        self.stop();
        self.counters.totals()
    }

    fn stop(&mut self) {
        if let Some(thread) = self.thread.take() {
            // Waits for room if the channel is full; Err only if the thread is gone.
            let _ = self.sender.send(Input::Stop);
            if thread.join().is_err() {
                tracing::error!(
                    "the event archive thread panicked; unwritten call events are lost"
                );
            }
        }
    }
}

impl Drop for EventArchive {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Subscribed to the bus: passes the events that name a call to the archive thread.
pub struct ArchiveFeed {
    sender: SyncSender<Input>,
    counters: Arc<Counters>,
    /// Dropped-event count when dropping began, to log the start and end of a stretch of
    /// drops once each rather than every event.
    dropping_since: Option<u64>,
}

impl Actor for ArchiveFeed {
    type Context = Context<Self>;
}

impl Handler<Envelope> for ArchiveFeed {
    type Result = ();

    fn handle(&mut self, envelope: Envelope, _ctx: &mut Context<Self>) {
        let row = match call_event_row(&envelope) {
            None => return,
            Some(Ok(row)) => row,
            Some(Err(error)) => {
                let dropped = Counters::add(&self.counters.dropped_refused, 1);
                tracing::warn!(%error, seq = envelope.seq, dropped, "call event has no JSON; not archived");
                return;
            }
        };
        match self.sender.try_send(Input::Row(row)) {
            Ok(()) => {
                if let Some(before) = self.dropping_since.take() {
                    let total = self.counters.dropped_waiting.load(Ordering::Relaxed);
                    tracing::warn!(
                        dropped = total.saturating_sub(before),
                        "the event archive takes call events again"
                    );
                }
            }
            Err(TrySendError::Full(_)) => {
                let total = Counters::add(&self.counters.dropped_waiting, 1);
                if self.dropping_since.is_none() {
                    self.dropping_since = Some(total.saturating_sub(1));
                    tracing::warn!(
                        seq = envelope.seq,
                        "the event archive is behind the disk; call events are dropped until it catches up"
                    );
                }
            }
            Err(TrySendError::Disconnected(_)) => {
                Counters::add(&self.counters.dropped_refused, 1);
            }
        }
    }
}

/// The archive thread's state: rows waiting for their batch and a refused batch waiting
/// for its one retry.
struct Batcher {
    storage: Storage,
    waiting: Vec<CallEventRow>,
    retry: Vec<CallEventRow>,
    counters: Arc<Counters>,
}

impl Batcher {
    fn is_empty(&self) -> bool {
        self.waiting.is_empty() && self.retry.is_empty()
    }

    /// Writes the batch refused last time (its last chance), then the rows waiting.
    fn flush(&mut self) {
        if !self.retry.is_empty() {
            let batch = std::mem::take(&mut self.retry);
            match self.storage.insert_call_events(&batch) {
                Ok(_) => {
                    Counters::add(&self.counters.archived, batch.len());
                }
                Err(error) => {
                    let dropped = Counters::add(&self.counters.dropped_refused, batch.len());
                    tracing::warn!(
                        error = %error, events = batch.len(), dropped_so_far = dropped,
                        "call events refused by the database again; dropped"
                    );
                }
            }
        }
        if !self.waiting.is_empty() {
            let batch = std::mem::take(&mut self.waiting);
            match self.storage.insert_call_events(&batch) {
                Ok(_) => {
                    Counters::add(&self.counters.archived, batch.len());
                }
                Err(error) => {
                    tracing::warn!(
                        error = %error, events = batch.len(),
                        "call events refused by the database; retried at the next write"
                    );
                    self.retry = batch;
                }
            }
        }
    }
}

fn run(mut batcher: Batcher, receiver: Receiver<Input>, settings: ArchiveSettings) {
    let batch_rows = settings.batch_rows.clamp(1, MAX_BATCH_ROWS);
    // When the oldest waiting row (or the batch to retry) is due.
    let mut deadline: Option<Instant> = None;
    loop {
        let input = match deadline {
            Some(at) => receiver.recv_timeout(at.saturating_duration_since(Instant::now())),
            None => receiver.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        let mut stopping = false;
        match input {
            Ok(Input::Row(row)) => {
                batcher.waiting.push(row);
                deadline.get_or_insert_with(|| Instant::now() + settings.flush_every);
                if batcher.waiting.len() < batch_rows {
                    continue;
                }
                // A full batch: take along what else already waits, in the same transaction.
                while batcher.waiting.len() < MAX_BATCH_ROWS {
                    match receiver.try_recv() {
                        Ok(Input::Row(row)) => batcher.waiting.push(row),
                        Ok(Input::Stop) => {
                            stopping = true;
                            break;
                        }
                        Err(_) => break,
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Ok(Input::Stop) | Err(RecvTimeoutError::Disconnected) => stopping = true,
        }
        batcher.flush();
        if stopping {
            // A batch refused just now gets its one retry before the thread ends.
            batcher.flush();
            return;
        }
        deadline = if batcher.is_empty() {
            None
        } else {
            Some(Instant::now() + settings.flush_every)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use events::{Event, EventBus, LineKind};

    /// Answered after every envelope the bus sent the feed before it.
    struct Caught;

    impl Message for Caught {
        type Result = ();
    }

    impl Handler<Caught> for ArchiveFeed {
        type Result = ();
        fn handle(&mut self, _: Caught, _ctx: &mut Context<Self>) {}
    }

    fn call_event(call: &str, n: u64) -> Event {
        match n % 3 {
            0 => Event::CallStarted {
                call: call.into(),
                from: Some("0201234".into()),
                to: None,
                dialled: Some("100".into()),
                origin: "1/1".into(),
            },
            1 => Event::CallAnswered {
                call: call.into(),
                channel: "1/1".into(),
            },
            _ => Event::Ivr {
                call: call.into(),
                flow: "hotline".into(),
                step: events::IvrStep::NodeEntered {
                    node: format!("node{n}"),
                },
            },
        }
    }

    fn line_event(n: u64) -> Event {
        Event::LineStateChanged {
            channel: format!("{n}/1"),
            kind: LineKind::Fxs,
            state: "idle".into(),
        }
    }

    /// Publishes `events` on a bus with an archive subscribed and stops the archive once
    /// its feed has every one of them.
    fn archive_of(
        dir: &std::path::Path,
        settings: ArchiveSettings,
        events: Vec<Event>,
    ) -> ArchiveTotals {
        let archive = EventArchive::start_with(Storage::open(dir).unwrap(), settings).unwrap();
        let feed = archive.feed();
        let system = actix::System::new();
        system.block_on(async move {
            let bus = EventBus::start_default();
            let feed = feed.start();
            bus.subscribe(feed.clone().recipient()).await.unwrap();
            for (n, event) in events.into_iter().enumerate() {
                bus.publish(event, n as u64 * 20);
            }
            bus.last_seq().await.unwrap();
            feed.send(Caught).await.unwrap();
        });
        drop(system);
        archive.finish()
    }

    #[test]
    fn every_call_event_and_nothing_else_is_archived_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut events = Vec::new();
        for n in 0..150 {
            let call = if n % 2 == 0 { "c1-1" } else { "c1-2" };
            events.push(call_event(call, n));
            if n % 5 == 0 {
                events.push(line_event(n));
            }
        }
        let totals = archive_of(dir.path(), ArchiveSettings::default(), events);
        assert_eq!(
            totals,
            ArchiveTotals {
                archived: 150,
                ..ArchiveTotals::default()
            }
        );
        let storage = Storage::open(dir.path()).unwrap();
        assert_eq!(storage.call_event_count().unwrap(), 150, "no line events");
        let first = storage.call_events("c1-1").unwrap();
        assert_eq!(first.len(), 75);
        assert!(first.windows(2).all(|pair| pair[0].seq < pair[1].seq));
        let body: serde_json::Value = serde_json::from_str(&first[0].body_json).unwrap();
        assert_eq!(body["type"], "call_started", "{body}");
        assert_eq!(first[0].kind, "call_started");
        assert_eq!(first[0].seq, 1, "the bus's seq");
        let ivr = first
            .iter()
            .find(|row| row.kind == "ivr")
            .expect("an ivr step");
        let body: serde_json::Value = serde_json::from_str(&ivr.body_json).unwrap();
        assert_eq!(body["step"], "node_entered", "{body}");
    }

    #[test]
    fn a_few_events_are_written_after_the_flush_interval_without_a_full_batch() {
        let dir = tempfile::tempdir().unwrap();
        let archive = EventArchive::start(Storage::open(dir.path()).unwrap()).unwrap();
        let reader = Storage::open(dir.path()).unwrap();
        let feed = archive.feed();
        let system = actix::System::new();
        system.block_on(async move {
            let bus = EventBus::start_default();
            let feed = feed.start();
            bus.subscribe(feed.clone().recipient()).await.unwrap();
            bus.publish(call_event("c1-1", 0), 0);
            bus.last_seq().await.unwrap();
            feed.send(Caught).await.unwrap();
        });
        let written = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            reader.call_event_count().unwrap() == 1
        });
        assert!(
            written,
            "one event is written within the flush interval, the archive still running"
        );
        assert_eq!(archive.finish().archived, 1);
    }

    fn row(seq: u64) -> CallEventRow {
        CallEventRow {
            seq,
            call_id: "c1-1".into(),
            at_ms: seq,
            unix_ms: seq,
            kind: "call_started".into(),
            body_json: "{}".into(),
        }
    }

    fn batcher(dir: &std::path::Path) -> Batcher {
        Batcher {
            storage: Storage::open(dir).unwrap(),
            waiting: Vec::new(),
            retry: Vec::new(),
            counters: Arc::new(Counters::default()),
        }
    }

    #[test]
    fn a_refused_batch_is_retried_once_then_dropped_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let mut batcher = batcher(dir.path());
        // A seq beyond SQLite's integers: the database refuses this batch every time.
        batcher.waiting = vec![row(1), row(u64::MAX)];
        batcher.flush();
        assert_eq!(batcher.retry.len(), 2, "kept for one retry");
        assert_eq!(batcher.counters.totals(), ArchiveTotals::default());
        batcher.waiting = vec![row(3)];
        batcher.flush();
        assert!(batcher.is_empty(), "nothing is kept after the retry");
        assert_eq!(
            batcher.counters.totals(),
            ArchiveTotals {
                archived: 1,
                dropped_waiting: 0,
                dropped_refused: 2,
            }
        );
        let stored = batcher.storage.call_events("c1-1").unwrap();
        assert_eq!(
            stored.iter().map(|r| r.seq).collect::<Vec<_>>(),
            [3],
            "the refused batch left nothing half written"
        );
    }

    #[test]
    fn a_full_queue_drops_and_counts_instead_of_growing() {
        let settings = ArchiveSettings {
            batch_rows: 64,
            flush_every: Duration::from_secs(60),
            max_waiting_rows: 4,
        };
        // A thread that never reads stands for a stuck disk.
        let (sender, _receiver) = sync_channel(settings.max_waiting_rows);
        let counters = Arc::new(Counters::default());
        let feed = ArchiveFeed {
            sender,
            counters: counters.clone(),
            dropping_since: None,
        };
        let system = actix::System::new();
        system.block_on(async move {
            let bus = EventBus::start_default();
            let feed = feed.start();
            bus.subscribe(feed.clone().recipient()).await.unwrap();
            for n in 0..10 {
                bus.publish(call_event("c1-1", n), 0);
            }
            bus.last_seq().await.unwrap();
            feed.send(Caught).await.unwrap();
        });
        assert_eq!(counters.totals().dropped_waiting, 6);
    }
}
