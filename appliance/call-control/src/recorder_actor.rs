//! The recorder's owner on the control plane. Calls ask it to start and stop recording
//! their caller's leg; it claims the leg's tap ring, tells the engine to tap it, hands
//! the ring to a recorder thread (`recorder::RecorderPool`) and keeps the index
//! (`RecordingStore`, SQLite on its own thread) in step. It also watches the disk: below
//! the configured free share no recording starts (an alarm on the bus; calls go on) until
//! space is back, and retention purges closed recordings past their days or beyond the
//! recordings' share of the disk — never one of a call still up.
//!
//! Voicemail too: a message is a recording of kind `voicemail` for a mailbox (recorded
//! whether or not `recording.toml` exists; a `voicemail` event when it closes with
//! audio), and a mailbox's owner hears their messages through it: the list read by the
//! store's thread, each message played by a `recorder::MessagePlayer` into the engine's
//! stream ring, marked heard in the index.

use crate::messages::{CallId, Stamp};
use actix::prelude::*;
use box_config::RecordingSettings;
use media_engine::{
    CommandSender, EngineCommand, PlaybackId, Slot, StreamError, StreamRings, TapError, TapId,
    TapRings, WorkToken,
};
use recorder::{
    MessagePlayer, RecorderPool, RecordingJob, RecordingOutcome, RecordingReport, RecordingTags,
};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use storage::{NewRecording, RecordingCallFacts, RecordingEnd, Storage};

/// How often the disk is looked at and retention runs.
const HOUSEKEEPING: Duration = Duration::from_secs(5);

/// Where a call asks for its recording to start and stop, and for a mailbox's stored
/// messages (listed, played, marked heard).
#[derive(Clone)]
pub struct RecorderLink {
    pub start: Recipient<StartRecording>,
    pub stop: Recipient<StopRecording>,
    pub list: Recipient<ListMailbox>,
    pub play: Recipient<PlayMessage>,
    pub heard: Recipient<MarkHeard>,
}

impl RecorderLink {
    pub fn to(recorder: &Addr<RecorderActor>) -> RecorderLink {
        RecorderLink {
            start: recorder.clone().recipient(),
            stop: recorder.clone().recipient(),
            list: recorder.clone().recipient(),
            play: recorder.clone().recipient(),
            heard: recorder.clone().recipient(),
        }
    }
}

/// Start recording `call`'s caller leg (on `slot`).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct StartRecording {
    pub call: CallId,
    pub slot: Slot,
    pub caller: Option<String>,
    pub called: Option<String>,
    pub reason: String,
    pub retention_days: u32,
    /// A voicemail message for this mailbox (`None`: a call recording).
    pub mailbox: Option<String>,
    /// Held until the engine has the tap command (lock-step time waits for it).
    pub stamp: Stamp,
}

/// A mailbox's messages not yet heard, oldest first, from the recordings index (read on
/// the store's thread).
#[derive(Debug, Message)]
#[rtype(result = "Result<Vec<crate::session::MailboxMessage>, String>")]
pub struct ListMailbox {
    pub mailbox: String,
}

/// Play a stored message's caller side on `slot`; `reply` hears `PlaybackDone` with `id`
/// from the engine, or from here when it cannot be played at all.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct PlayMessage {
    pub recording: String,
    pub path: PathBuf,
    pub slot: Slot,
    pub id: PlaybackId,
    pub reply: Recipient<crate::messages::CallInput>,
    pub stamp: Stamp,
}

/// A message was played to its mailbox's owner.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct MarkHeard {
    pub recording: String,
}

/// How long a start waits for its slot's previous recording to let go of the tap ring,
/// and a message for its slot's stream ring, before giving up.
const SLOT_WAIT: Duration = Duration::from_secs(5);
const SLOT_RETRY: Duration = Duration::from_millis(20);

/// Stop `call`'s recording (if one runs); `call_ended`: the call is over, so its
/// recordings may be purged from now on.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct StopRecording {
    pub call: CallId,
    pub facts: RecordingCallFacts,
    pub call_ended: bool,
    pub stamp: Stamp,
}

/// The engine stopped a tap (`EngineEvent::TapStopped`), routed here by the event router.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct TapStopped {
    pub tap: TapId,
    pub frames: u32,
    pub stamp: Stamp,
}

/// A recorder thread finished a recording.
#[derive(Debug, Message)]
#[rtype(result = "()")]
struct Finished(RecordingReport);

/// Run the disk check and retention now (tests; the actor does it every few seconds).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Housekeeping;

/// Figures for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RecorderFigures {
    pub recording: usize,
    pub started: u64,
    pub failed: u64,
    pub refused_disk: u64,
    pub frames_missing: u64,
    pub suspended: bool,
    /// Frames the recorder threads encoded, and the time they spent encoding and writing
    /// them (the bench's Opus share of the CPU).
    pub frames_encoded: u64,
    pub encode_us: u64,
}

#[derive(Debug, Message)]
#[rtype(result = "RecorderFigures")]
pub struct GetRecorderFigures;

/// How full the recordings' disk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskUsage {
    pub total_bytes: u64,
    pub free_bytes: u64,
}

impl DiskUsage {
    pub fn free_percent(&self) -> u8 {
        if self.total_bytes == 0 {
            return 0;
        }
        (self.free_bytes.saturating_mul(100) / self.total_bytes).min(100) as u8
    }
}

/// Where disk figures come from: `statvfs` on the box, a script in tests.
pub trait DiskGauge: Send {
    fn usage(&self, dir: &Path) -> std::io::Result<DiskUsage>;
}

pub struct StatvfsGauge;

impl DiskGauge for StatvfsGauge {
    fn usage(&self, dir: &Path) -> std::io::Result<DiskUsage> {
        let stat = nix::sys::statvfs::statvfs(dir).map_err(std::io::Error::from)?;
        let block = stat.fragment_size() as u64;
        Ok(DiskUsage {
            total_bytes: stat.blocks() as u64 * block,
            free_bytes: stat.blocks_available() as u64 * block,
        })
    }
}

struct Running {
    uid: String,
    slot: Slot,
}

/// What a voicemail message's event says once it closes.
struct MessageFacts {
    mailbox: String,
    call: CallId,
    caller: Option<String>,
}

pub struct RecorderActor {
    pool: Option<RecorderPool>,
    threads: usize,
    taps: TapRings,
    /// Where messages are played (`None`: a box that plays none).
    streams: Option<StreamRings>,
    engine: CommandSender,
    store: Addr<RecordingStore>,
    events: Option<Recipient<events::Publish>>,
    settings: Arc<RecordingSettings>,
    directory: PathBuf,
    gauge: Box<dyn DiskGauge>,
    running: HashMap<CallId, Running>,
    /// Each recording's call, until its report comes.
    calls_of: HashMap<String, CallId>,
    /// Voicemail messages being recorded, until their report comes.
    messages: HashMap<String, MessageFacts>,
    /// Starts waiting for their slot's previous recording to let go of the tap ring,
    /// with when they gave up waiting.
    parked: Vec<(StartRecording, std::time::Instant)>,
    /// Messages playing (their threads are reaped once done).
    players: Vec<MessagePlayer>,
    /// Calls that have had a recording and are still up: retention leaves theirs alone.
    live_calls: HashSet<CallId>,
    started_per_call: HashMap<CallId, u32>,
    next_tap: u32,
    /// The free share when the alarm was raised; `None`: recording runs.
    suspended: Option<u8>,
    figures: RecorderFigures,
    /// Engine time of the latest message, for the events published.
    now_ms: u64,
    /// A retention pass is running on the store.
    purging: bool,
}

impl RecorderActor {
    pub fn new(
        settings: Arc<RecordingSettings>,
        directory: PathBuf,
        taps: TapRings,
        engine: CommandSender,
        store: Addr<RecordingStore>,
    ) -> RecorderActor {
        RecorderActor {
            pool: None,
            threads: RecorderPool::default_threads(),
            taps,
            streams: None,
            engine,
            store,
            events: None,
            settings,
            directory,
            gauge: Box::new(StatvfsGauge),
            running: HashMap::new(),
            calls_of: HashMap::new(),
            messages: HashMap::new(),
            parked: Vec::new(),
            players: Vec::new(),
            live_calls: HashSet::new(),
            started_per_call: HashMap::new(),
            next_tap: 1,
            suspended: None,
            figures: RecorderFigures::default(),
            now_ms: 0,
            purging: false,
        }
    }

    pub fn with_events(mut self, events: Recipient<events::Publish>) -> Self {
        self.events = Some(events);
        self
    }

    /// The engine's stream rings, where stored messages are played.
    pub fn with_streams(mut self, streams: StreamRings) -> Self {
        self.streams = Some(streams);
        self
    }

    pub fn with_gauge(mut self, gauge: Box<dyn DiskGauge>) -> Self {
        self.gauge = gauge;
        self
    }

    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    fn publish(&self, event: events::Event) {
        if let Some(events) = &self.events {
            events.do_send(events::Publish::new(event, self.now_ms));
        }
    }

    fn recording_event(
        &self,
        uid: &str,
        call: Option<CallId>,
        change: &str,
        detail: Option<String>,
    ) {
        self.publish(events::Event::Recording {
            recording: uid.to_owned(),
            call,
            change: change.to_owned(),
            detail,
        });
    }

    /// Whether a recording may start: the disk has its free share. Raises or clears the
    /// alarm as the answer changes.
    fn disk_allows(&mut self) -> bool {
        let _ = std::fs::create_dir_all(&self.directory);
        let usage = match self.gauge.usage(&self.directory) {
            Ok(usage) => usage,
            Err(error) => {
                tracing::warn!(dir = %self.directory.display(), %error, "cannot read the recordings disk's usage");
                return self.suspended.is_none();
            }
        };
        let free = usage.free_percent();
        let needed = self.settings.min_free_percent.max(1);
        if free < needed {
            if self.suspended.is_none() {
                let reason = format!(
                    "{free}% of the recordings disk is free; recording needs {needed}%: no new recording starts"
                );
                tracing::error!(dir = %self.directory.display(), %reason, "recording suspended");
                self.publish(events::Event::RecordingAlarm {
                    raised: true,
                    reason,
                    free_percent: free,
                });
            }
            self.suspended = Some(free);
            false
        } else {
            if self.suspended.take().is_some() {
                let reason =
                    format!("{free}% of the recordings disk is free again: recording resumes");
                tracing::info!(dir = %self.directory.display(), %reason, "recording resumed");
                self.publish(events::Event::RecordingAlarm {
                    raised: false,
                    reason,
                    free_percent: free,
                });
            }
            true
        }
    }

    fn start(&mut self, request: StartRecording, ctx: &mut Context<Self>) {
        self.start_since(request, std::time::Instant::now(), ctx);
    }

    /// Starts a recording asked for at `since`.
    fn start_since(
        &mut self,
        request: StartRecording,
        since: std::time::Instant,
        ctx: &mut Context<Self>,
    ) {
        if self.running.contains_key(&request.call) {
            return;
        }
        if !self.disk_allows() {
            self.figures.refused_disk += 1;
            tracing::warn!(call = %request.call, "recording not started: the disk is too full");
            return;
        }
        if self.pool.is_none() {
            return;
        }
        // The slot's previous recording (a call's, stopped for a voicemail message) may
        // still hold the tap ring while its thread closes the file: wait for it. Not
        // holding the work token: the engine must tick for that recording to end.
        let reader = match self.taps.reader(request.slot) {
            Err(TapError::AlreadyReading(_)) => {
                self.park(request, since, ctx);
                return;
            }
            other => other,
        };
        let Some(pool) = &self.pool else { return };
        let count = self
            .started_per_call
            .entry(request.call.clone())
            .or_insert(0);
        *count += 1;
        let uid = format!("{}-r{}", request.call, count);
        let started = SystemTime::now();
        let started_unix_ms = started
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let path = self
            .directory
            .join(day_dir(started_unix_ms))
            .join(format!("{uid}.opus"));
        let reader = match reader {
            Ok(reader) => reader,
            Err(error) => {
                // No such slot, or its previous recording never let go.
                self.figures.failed += 1;
                tracing::warn!(call = %request.call, %error, "recording not started");
                self.recording_event(
                    &uid,
                    Some(request.call.clone()),
                    "failed",
                    Some(error.to_string()),
                );
                return;
            }
        };
        let tap = TapId(self.next_tap);
        self.next_tap = self.next_tap.wrapping_add(1).max(1);
        if let Err(error) = self.engine.send(EngineCommand::StartTap {
            slot: request.slot,
            tap,
        }) {
            self.figures.failed += 1;
            tracing::error!(call = %request.call, %error, "the engine did not take the tap");
            return;
        }
        if let Some(mailbox) = &request.mailbox {
            self.messages.insert(
                uid.clone(),
                MessageFacts {
                    mailbox: mailbox.clone(),
                    call: request.call.clone(),
                    caller: request.caller.clone(),
                },
            );
        }
        self.store.do_send(StoreRecording::Insert(NewRecording {
            uid: uid.clone(),
            call_id: request.call.to_string(),
            kind: if request.mailbox.is_some() {
                "voicemail"
            } else {
                "call"
            },
            mailbox: request.mailbox.clone(),
            caller: request.caller.clone(),
            called: request.called.clone(),
            started_unix_ms,
            path: path.display().to_string(),
            reason: request.reason.clone(),
            retention_days: request.retention_days,
        }));
        pool.start_recording(RecordingJob {
            recording: uid.clone(),
            tap,
            source: Box::new(reader),
            path,
            tags: RecordingTags {
                call_id: request.call.to_string(),
                caller: request.caller,
                called: request.called,
                started: rfc3339(started_unix_ms),
            },
        });
        self.figures.started += 1;
        tracing::info!(call = %request.call, recording = %uid, reason = %request.reason, "recording started");
        self.recording_event(
            &uid,
            Some(request.call.clone()),
            "started",
            Some(request.reason),
        );
        self.calls_of.insert(uid.clone(), request.call.clone());
        self.live_calls.insert(request.call.clone());
        self.running.insert(
            request.call,
            Running {
                uid,
                slot: request.slot,
            },
        );
    }

    /// Parks a start until its slot's tap ring is free: retried every few ticks' worth
    /// of time and when a recording's report comes, given up after [`SLOT_WAIT`].
    fn park(
        &mut self,
        mut request: StartRecording,
        since: std::time::Instant,
        ctx: &mut Context<Self>,
    ) {
        if since.elapsed() > SLOT_WAIT {
            self.figures.failed += 1;
            tracing::warn!(call = %request.call, "recording not started: the slot's previous recording never closed");
            return;
        }
        tracing::debug!(call = %request.call, slot = request.slot.0, "recording waits for the slot's previous recording to close");
        request.stamp = Stamp {
            at_ms: request.stamp.at_ms,
            token: WorkToken::untracked(),
        };
        self.parked.push((request, since));
        ctx.run_later(SLOT_RETRY, |actor, ctx| actor.retry_parked(ctx));
    }

    fn retry_parked(&mut self, ctx: &mut Context<Self>) {
        for (request, since) in std::mem::take(&mut self.parked) {
            self.start_since(request, since, ctx);
        }
    }

    fn stop(&mut self, request: StopRecording) {
        if let Some(running) = self.running.remove(&request.call) {
            if let Err(error) = self
                .engine
                .send(EngineCommand::StopTap { slot: running.slot })
            {
                tracing::error!(call = %request.call, %error, "the engine did not take the tap's stop");
            }
            self.store
                .do_send(StoreRecording::Describe(running.uid, request.facts));
        }
        if request.call_ended {
            self.live_calls.remove(&request.call);
            self.started_per_call.remove(&request.call);
        }
    }

    fn finished(&mut self, report: RecordingReport) {
        let call = self.calls_of.remove(&report.recording);
        let message = self.messages.remove(&report.recording);
        let now = unix_now_ms();
        match report.outcome {
            RecordingOutcome::Closed(closed) if closed.frames == 0 => {
                // A call without audio leaves no zero-length recording behind.
                let _ = std::fs::remove_file(&report.path);
                self.store.do_send(StoreRecording::End(
                    report.recording.clone(),
                    RecordingEnd::Empty,
                    now,
                ));
                self.recording_event(&report.recording, call, "empty", None);
            }
            RecordingOutcome::Closed(closed) => {
                self.figures.frames_missing += closed.frames_missing;
                let detail = format!(
                    "{} ms, {} bytes, {} frames missing",
                    closed.duration_ms(),
                    closed.bytes,
                    closed.frames_missing
                );
                tracing::info!(recording = %report.recording, %detail, "recording closed");
                self.store.do_send(StoreRecording::End(
                    report.recording.clone(),
                    RecordingEnd::Closed {
                        interrupted: false,
                        duration_ms: closed.duration_ms(),
                        bytes: closed.bytes,
                        sha256: closed.sha256.clone(),
                    },
                    now,
                ));
                self.recording_event(&report.recording, call, "closed", Some(detail));
                if let Some(message) = message {
                    tracing::info!(mailbox = %message.mailbox, recording = %report.recording, "voicemail message left");
                    self.publish(events::Event::Voicemail {
                        mailbox: message.mailbox,
                        recording: report.recording.clone(),
                        call: message.call,
                        caller: message.caller,
                        duration_ms: closed.duration_ms(),
                    });
                }
            }
            RecordingOutcome::Failed { reason, bytes } => {
                self.figures.failed += 1;
                self.store.do_send(StoreRecording::End(
                    report.recording.clone(),
                    RecordingEnd::Failed {
                        reason: reason.clone(),
                        bytes,
                    },
                    now,
                ));
                self.recording_event(&report.recording, call, "failed", Some(reason));
            }
        }
    }

    /// Plays a stored message: claims the slot's stream ring (waiting while the slot's
    /// previous message lets go of it), starts a player thread on it, then tells the
    /// engine to play the stream. A message that cannot be played is done at once.
    fn play_message(
        &mut self,
        request: PlayMessage,
        since: std::time::Instant,
        ctx: &mut Context<Self>,
    ) {
        self.players.retain(|player| !player.is_finished());
        let writer = match &self.streams {
            Some(streams) => streams.writer(request.slot),
            None => Err(StreamError::NoSuchSlot(request.slot)),
        };
        let writer = match writer {
            Ok(writer) => writer,
            Err(StreamError::AlreadyWriting(_) | StreamError::StillPlaying(_))
                if since.elapsed() < SLOT_WAIT =>
            {
                // Not holding the work token: the engine must tick to let go of it.
                let request = PlayMessage {
                    stamp: Stamp {
                        at_ms: request.stamp.at_ms,
                        token: WorkToken::untracked(),
                    },
                    ..request
                };
                ctx.run_later(SLOT_RETRY, move |actor, ctx| {
                    actor.play_message(request, since, ctx)
                });
                return;
            }
            Err(error) => {
                tracing::warn!(recording = %request.recording, %error, "voicemail message not played");
                return self.not_played(request);
            }
        };
        match MessagePlayer::start(&request.path, writer) {
            Ok(player) => self.players.push(player),
            Err(error) => {
                tracing::error!(recording = %request.recording, %error, "no thread to play a voicemail message");
                return self.not_played(request);
            }
        }
        if let Err(error) = self.engine.send(EngineCommand::PlayStream {
            slot: request.slot,
            id: request.id,
        }) {
            tracing::error!(recording = %request.recording, %error, "the engine did not take a message's playback");
            self.not_played(request);
        }
    }

    /// The call goes on as if the message had played.
    fn not_played(&self, request: PlayMessage) {
        request
            .reply
            .do_send(crate::messages::CallInput::PlaybackDone {
                slot: request.slot,
                id: request.id,
                stamp: request.stamp,
            });
    }

    fn housekeeping(&mut self, ctx: &mut Context<Self>) {
        self.disk_allows();
        let max_bytes = match self.gauge.usage(&self.directory) {
            Ok(usage) => usage.total_bytes / 100 * self.settings.max_disk_percent as u64,
            Err(_) => u64::MAX,
        };
        if self.purging {
            return;
        }
        self.purging = true;
        let purge = Purge {
            now_unix_ms: unix_now_ms(),
            max_bytes,
            live_calls: self.live_calls.iter().map(|c| c.to_string()).collect(),
        };
        let purge_done = self
            .store
            .send(purge)
            .into_actor(self)
            .map(|purged, actor, _| {
                actor.purging = false;
                for (uid, call, why) in purged.unwrap_or_default() {
                    actor.recording_event(
                        &uid,
                        Some(Arc::from(call.as_str())),
                        "purged",
                        Some(why),
                    );
                }
            });
        // Deleting files takes the store's time, not the recorder's: starts and stops
        // are handled meanwhile.
        ctx.spawn(purge_done);
    }
}

impl Actor for RecorderActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let me = ctx.address().recipient::<Finished>();
        match RecorderPool::start(self.threads, move |report| me.do_send(Finished(report))) {
            Ok(pool) => self.pool = Some(pool),
            Err(error) => {
                tracing::error!(%error, "recorder threads did not start: nothing is recorded")
            }
        }
        ctx.run_interval(HOUSEKEEPING, |actor, ctx| actor.housekeeping(ctx));
    }

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        // Joining the threads closes every running file properly.
        self.pool.take();
    }
}

impl Handler<StartRecording> for RecorderActor {
    type Result = ();
    fn handle(&mut self, request: StartRecording, ctx: &mut Context<Self>) {
        self.now_ms = self.now_ms.max(request.stamp.at_ms);
        self.start(request, ctx);
    }
}

impl Handler<ListMailbox> for RecorderActor {
    type Result = ResponseFuture<Result<Vec<crate::session::MailboxMessage>, String>>;
    fn handle(&mut self, request: ListMailbox, _ctx: &mut Context<Self>) -> Self::Result {
        let asked = self.store.send(request);
        Box::pin(async move { asked.await.map_err(|e| e.to_string())? })
    }
}

impl Handler<PlayMessage> for RecorderActor {
    type Result = ();
    fn handle(&mut self, request: PlayMessage, ctx: &mut Context<Self>) {
        self.now_ms = self.now_ms.max(request.stamp.at_ms);
        self.play_message(request, std::time::Instant::now(), ctx);
    }
}

impl Handler<MarkHeard> for RecorderActor {
    type Result = ();
    fn handle(&mut self, request: MarkHeard, _ctx: &mut Context<Self>) {
        self.store.do_send(StoreRecording::Heard(request.recording));
    }
}

impl Handler<StopRecording> for RecorderActor {
    type Result = ();
    fn handle(&mut self, request: StopRecording, _ctx: &mut Context<Self>) {
        self.now_ms = self.now_ms.max(request.stamp.at_ms);
        self.stop(request);
    }
}

impl Handler<TapStopped> for RecorderActor {
    type Result = ();
    fn handle(&mut self, stopped: TapStopped, _ctx: &mut Context<Self>) {
        self.now_ms = self.now_ms.max(stopped.stamp.at_ms);
        if let Some(pool) = &self.pool {
            pool.tap_stopped(stopped.tap, stopped.frames as u64);
        }
    }
}

impl Handler<Finished> for RecorderActor {
    type Result = ();
    fn handle(&mut self, finished: Finished, ctx: &mut Context<Self>) {
        self.finished(finished.0);
        // A start waiting for this recording's slot may go now.
        self.retry_parked(ctx);
    }
}

impl Handler<Housekeeping> for RecorderActor {
    type Result = ();
    fn handle(&mut self, _: Housekeeping, ctx: &mut Context<Self>) {
        self.housekeeping(ctx);
    }
}

impl Handler<GetRecorderFigures> for RecorderActor {
    type Result = MessageResult<GetRecorderFigures>;
    fn handle(&mut self, _: GetRecorderFigures, _ctx: &mut Context<Self>) -> Self::Result {
        let (frames_encoded, encode_us) = self.pool.as_ref().map_or((0, 0), |pool| {
            let counters = pool.counters();
            (
                counters
                    .frames_encoded
                    .load(std::sync::atomic::Ordering::Relaxed),
                counters
                    .encode_us
                    .load(std::sync::atomic::Ordering::Relaxed),
            )
        });
        MessageResult(RecorderFigures {
            recording: self.running.len(),
            suspended: self.suspended.is_some(),
            frames_encoded,
            encode_us,
            ..self.figures
        })
    }
}

/// Writes the recordings index, deletes purged files; on a thread of its own.
pub struct RecordingStore {
    storage: Storage,
}

impl RecordingStore {
    /// Takes the database over, first closing the recordings a stop cut off (each is
    /// repaired to a finished file and marked `interrupted`).
    pub fn new(storage: Storage) -> RecordingStore {
        recover_interrupted(&storage);
        RecordingStore { storage }
    }
}

impl Actor for RecordingStore {
    type Context = SyncContext<Self>;
}

#[derive(Debug, Message)]
#[rtype(result = "()")]
pub enum StoreRecording {
    Insert(NewRecording),
    Describe(String, RecordingCallFacts),
    End(String, RecordingEnd, u64),
    /// A voicemail message was played to its owner.
    Heard(String),
}

impl Handler<StoreRecording> for RecordingStore {
    type Result = ();
    fn handle(&mut self, message: StoreRecording, _ctx: &mut SyncContext<Self>) {
        let (uid, result) = match &message {
            StoreRecording::Insert(new) => (&new.uid, self.storage.insert_recording(new)),
            StoreRecording::Describe(uid, facts) => {
                (uid, self.storage.describe_recording(uid, facts))
            }
            StoreRecording::End(uid, end, at) => (uid, self.storage.end_recording(uid, end, *at)),
            StoreRecording::Heard(uid) => (uid, self.storage.mark_recording_heard(uid)),
        };
        if let Err(error) = result {
            tracing::error!(recording = %uid, %error, "recordings index not updated");
        }
    }
}

impl Handler<ListMailbox> for RecordingStore {
    type Result = MessageResult<ListMailbox>;
    fn handle(&mut self, request: ListMailbox, _ctx: &mut SyncContext<Self>) -> Self::Result {
        MessageResult(unheard_messages(&self.storage, &request.mailbox))
    }
}

/// A mailbox's messages not yet heard (closed, with audio), oldest first.
pub fn unheard_messages(
    storage: &Storage,
    mailbox: &str,
) -> Result<Vec<crate::session::MailboxMessage>, String> {
    let filter = storage::RecordingFilter {
        kind: Some("voicemail".to_owned()),
        mailbox: Some(mailbox.to_owned()),
        limit: 1000,
        ..storage::RecordingFilter::default()
    };
    let rows = storage
        .list_recordings(&filter)
        .map_err(|error| error.to_string())?;
    let mut messages: Vec<crate::session::MailboxMessage> = rows
        .into_iter()
        .filter(|row| !row.heard && matches!(row.status.as_str(), "complete" | "interrupted"))
        .map(|row| crate::session::MailboxMessage {
            recording: row.uid,
            path: row.path,
            caller: row.caller,
            started_unix_ms: row.started_unix_ms,
            duration_ms: row.duration_ms.unwrap_or(0),
        })
        .collect();
    messages.sort_by_key(|m| (m.started_unix_ms, m.recording.clone()));
    Ok(messages)
}

/// Purge what retention says is due; answers each purged recording's uid, call and why.
#[derive(Debug, Message)]
#[rtype(result = "Vec<(String, String, String)>")]
pub struct Purge {
    pub now_unix_ms: u64,
    /// The recordings' share of the disk, in bytes.
    pub max_bytes: u64,
    /// Calls still up: their recordings stay.
    pub live_calls: HashSet<String>,
}

impl Handler<Purge> for RecordingStore {
    type Result = MessageResult<Purge>;
    fn handle(&mut self, purge: Purge, _ctx: &mut SyncContext<Self>) -> Self::Result {
        MessageResult(purge_due(&self.storage, &purge))
    }
}

/// Retention: first every closed recording past its days, then the oldest while the
/// recordings take more than their share of the disk. A recording of a call still up
/// is never purged; each purge is logged.
pub fn purge_due(storage: &Storage, purge: &Purge) -> Vec<(String, String, String)> {
    let mut purged = Vec::new();
    let mut remove = |row: &storage::RecordingRow, why: String| {
        if purge.live_calls.contains(&row.call_id) {
            return false;
        }
        match std::fs::remove_file(&row.path) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                tracing::error!(recording = %row.uid, path = %row.path, %error, "cannot purge a recording");
                return false;
            }
        }
        if let Err(error) = storage.mark_recording_purged(&row.uid, purge.now_unix_ms) {
            tracing::error!(recording = %row.uid, %error, "purged recording not marked in the index");
        }
        tracing::info!(recording = %row.uid, call = %row.call_id, path = %row.path, %why, "recording purged");
        purged.push((row.uid.clone(), row.call_id.clone(), why));
        true
    };
    match storage.expired_recordings(purge.now_unix_ms) {
        Ok(rows) => {
            for row in rows {
                let why = format!("older than its {} days", row.retention_days);
                remove(&row, why);
            }
        }
        Err(error) => tracing::error!(%error, "retention could not read the index"),
    }
    let mut used = match storage.recordings_bytes() {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, "retention could not sum the recordings");
            return purged;
        }
    };
    while used > purge.max_bytes {
        let oldest = match storage.oldest_closed_recordings(64) {
            Ok(rows) => rows,
            Err(_) => break,
        };
        let mut freed_any = false;
        for row in oldest {
            if used <= purge.max_bytes {
                break;
            }
            let bytes = row.bytes.unwrap_or(0);
            if remove(
                &row,
                format!("recordings over their {} bytes of disk", purge.max_bytes),
            ) {
                used = used.saturating_sub(bytes);
                freed_any = true;
            }
        }
        if !freed_any {
            break;
        }
    }
    purged
}

/// The recordings a stop cut off (still `recording` in the index): each file is closed
/// with an end-of-stream page and the row marked `interrupted`; a file that is gone or
/// holds nothing playable is marked `failed`.
pub fn recover_interrupted(storage: &Storage) {
    let open = match storage.open_recordings() {
        Ok(open) => open,
        Err(error) => {
            tracing::error!(%error, "cannot read the recordings index for interrupted recordings");
            return;
        }
    };
    let now = unix_now_ms();
    for row in open {
        let end = match recorder::close_interrupted(Path::new(&row.path)) {
            Ok(repaired) => {
                tracing::warn!(recording = %row.uid, path = %row.path, duration_ms = repaired.duration_ms, "recording was interrupted by a stop; closed and kept");
                RecordingEnd::Closed {
                    interrupted: true,
                    duration_ms: repaired.duration_ms,
                    bytes: repaired.bytes,
                    sha256: repaired.sha256,
                }
            }
            Err(error) => {
                tracing::error!(recording = %row.uid, %error, "interrupted recording could not be kept");
                RecordingEnd::Failed {
                    reason: format!("interrupted and not recoverable: {error}"),
                    bytes: std::fs::metadata(&row.path).map_or(0, |m| m.len()),
                }
            }
        };
        if let Err(error) = storage.end_recording(&row.uid, &end, now) {
            tracing::error!(recording = %row.uid, %error, "interrupted recording not marked");
        }
    }
}

fn unix_now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// `YYYY/MM/DD` (UTC) of a time: recordings are filed by day.
fn day_dir(unix_ms: u64) -> PathBuf {
    let stamp = rfc3339(unix_ms);
    PathBuf::from(stamp.get(..10).unwrap_or("unknown").replace('-', "/"))
}

/// RFC 3339 in UTC, to the second (the statistics' calendar does the date).
pub fn rfc3339(unix_ms: u64) -> String {
    stats::format_utc(unix_ms)
}

impl Handler<crate::live_config::ReplaceRecordingSettings> for RecorderActor {
    type Result = ();
    fn handle(
        &mut self,
        replace: crate::live_config::ReplaceRecordingSettings,
        _ctx: &mut Context<Self>,
    ) {
        self.settings = replace.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_civil_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_796_637_600_000), "2026-12-07T10:00:00Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(day_dir(1_796_637_600_000), PathBuf::from("2026/12/07"));
    }

    fn indexed(
        storage: &Storage,
        dir: &Path,
        uid: &str,
        call: &str,
        started: u64,
        days: u32,
        bytes: u64,
    ) -> PathBuf {
        let path = dir.join(format!("{uid}.opus"));
        std::fs::write(&path, vec![0u8; bytes as usize]).unwrap();
        storage
            .insert_recording(&NewRecording {
                uid: uid.into(),
                call_id: call.into(),
                kind: "call",
                mailbox: None,
                caller: None,
                called: None,
                started_unix_ms: started,
                path: path.display().to_string(),
                reason: "always:default".into(),
                retention_days: days,
            })
            .unwrap();
        storage
            .end_recording(
                uid,
                &RecordingEnd::Closed {
                    interrupted: false,
                    duration_ms: 1_000,
                    bytes,
                    sha256: "00".repeat(32),
                },
                started + 1_000,
            )
            .unwrap();
        path
    }

    const DAY: u64 = 86_400_000;

    #[test]
    fn retention_purges_expired_files_and_keeps_those_of_live_calls() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        let expired = indexed(&storage, dir.path(), "c1-r1", "c1", 0, 7, 10);
        // As old, but its call is still up (an on-demand part closed mid-call).
        let live = indexed(&storage, dir.path(), "c2-r1", "c2", 0, 7, 10);
        let young = indexed(&storage, dir.path(), "c3-r1", "c3", 5 * DAY, 7, 10);
        let purge = Purge {
            now_unix_ms: 8 * DAY,
            max_bytes: u64::MAX,
            live_calls: ["c2".to_string()].into_iter().collect(),
        };
        let purged = purge_due(&storage, &purge);
        assert_eq!(purged.len(), 1, "{purged:?}");
        assert_eq!(purged[0].0, "c1-r1");
        assert!(purged[0].2.contains("7 days"), "{purged:?}");
        assert!(!expired.exists());
        assert!(live.exists() && young.exists());
        assert_eq!(
            storage.recording("c1-r1").unwrap().unwrap().status,
            "purged"
        );
        assert_eq!(
            storage.recording("c2-r1").unwrap().unwrap().status,
            "complete"
        );
        // Once the call is over, its recording goes too.
        let purge = Purge {
            live_calls: HashSet::new(),
            ..purge
        };
        assert_eq!(purge_due(&storage, &purge).len(), 1);
        assert!(!live.exists() && young.exists());
    }

    #[test]
    fn over_their_disk_share_the_oldest_recordings_go_first() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        let oldest = indexed(&storage, dir.path(), "a-r1", "a", 1_000, 90, 400);
        let middle = indexed(&storage, dir.path(), "b-r1", "b", 2_000, 90, 400);
        let newest = indexed(&storage, dir.path(), "c-r1", "c", 3_000, 90, 400);
        let purge = Purge {
            now_unix_ms: 10_000,
            max_bytes: 900,
            live_calls: HashSet::new(),
        };
        let purged: Vec<String> = purge_due(&storage, &purge)
            .into_iter()
            .map(|p| p.0)
            .collect();
        assert_eq!(purged, vec!["a-r1"]);
        assert!(!oldest.exists() && middle.exists() && newest.exists());
        assert_eq!(storage.recordings_bytes().unwrap(), 800);
    }

    #[test]
    fn a_recording_cut_off_by_a_stop_is_closed_and_marked_interrupted_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        let path = dir.path().join("cut.opus");
        let mut writer = recorder::OggOpusWriter::new(
            std::fs::File::create(&path).unwrap(),
            1,
            &RecordingTags {
                call_id: "c9".into(),
                ..RecordingTags::default()
            },
        )
        .unwrap();
        for _ in 0..120 {
            writer.write_frame(&[100; 160], &[-100; 160]).unwrap();
        }
        drop(writer); // killed: no end-of-stream page
        let gone = dir.path().join("gone.opus");
        for (uid, path) in [("c9-r1", &path), ("c8-r1", &gone)] {
            storage
                .insert_recording(&NewRecording {
                    uid: uid.into(),
                    call_id: uid[..2].into(),
                    kind: "call",
                    mailbox: None,
                    caller: None,
                    called: None,
                    started_unix_ms: 1,
                    path: path.display().to_string(),
                    reason: "always:default".into(),
                    retention_days: 1,
                })
                .unwrap();
        }
        recover_interrupted(&storage);
        let row = storage.recording("c9-r1").unwrap().unwrap();
        assert_eq!(row.status, "interrupted");
        // The two whole pages written, less the encoder's lookahead still inside it.
        assert!(
            (1_990..=2_000).contains(&row.duration_ms.unwrap()),
            "{row:?}"
        );
        assert_eq!(
            row.sha256.as_deref(),
            Some(recorder::sha256_of(&path).unwrap().1.as_str())
        );
        assert!(
            recorder::read_info(std::fs::File::open(&path).unwrap())
                .unwrap()
                .complete
        );
        let lost = storage.recording("c8-r1").unwrap().unwrap();
        assert_eq!(lost.status, "failed");
        assert!(lost.failure.unwrap().contains("not recoverable"));
        assert!(storage.open_recordings().unwrap().is_empty());
    }

    #[test]
    fn free_share_is_rounded_down() {
        let usage = DiskUsage {
            total_bytes: 1_000,
            free_bytes: 99,
        };
        assert_eq!(usage.free_percent(), 9);
        assert_eq!(
            DiskUsage {
                total_bytes: 0,
                free_bytes: 0
            }
            .free_percent(),
            0
        );
    }
}
