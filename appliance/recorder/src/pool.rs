//! Recorder threads: each owns some of the running recordings, reads their tap frames,
//! encodes them and writes pages. Never the engine's thread: the tick only copies frames
//! into the tap rings.

use crate::file::HashingFile;
use crate::ogg_opus::{OggOpusWriter, RecordingTags};
use line_boundary::FRAME_SAMPLES;
use media_engine::{TapFrame, TapId, TapReader};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How much lower than normal recorder threads run (nice).
const RECORDER_NICE: i32 = 5;

/// How often a recorder thread reads its rings: well inside the 640 ms a ring holds.
const POLL: Duration = Duration::from_millis(20);

/// Where a recording's frames come from: the engine's tap ring in the box.
pub trait FrameSource: Send {
    /// The oldest frame waiting, if any; never blocks.
    fn read(&mut self) -> Option<TapFrame>;
}

impl FrameSource for TapReader {
    fn read(&mut self) -> Option<TapFrame> {
        TapReader::read(self)
    }
}

/// One recording to run: the tap it reads and the file it writes.
pub struct RecordingJob {
    /// The index's id for it (`<call>-r<n>`); every report names it.
    pub recording: String,
    /// The engine tap whose frames it takes (frames of any other tap are skipped).
    pub tap: TapId,
    pub source: Box<dyn FrameSource>,
    pub path: PathBuf,
    pub tags: RecordingTags,
}

/// How a recording ended, reported once per job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingReport {
    pub recording: String,
    pub path: PathBuf,
    pub outcome: RecordingOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordingOutcome {
    /// Closed with its end-of-stream page.
    Closed(ClosedFile),
    /// The file could not be created or written (a full disk): what reached it stays, and
    /// plays up to its last whole page.
    Failed { reason: String, bytes: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedFile {
    pub frames: u64,
    /// Frames the tap ring dropped (recorded as silence, so the timing holds).
    pub frames_missing: u64,
    pub bytes: u64,
    pub sha256: String,
}

impl ClosedFile {
    pub fn duration_ms(&self) -> u64 {
        self.frames * 20
    }
}

/// Figures for `/metrics` and the bench.
#[derive(Debug, Default)]
pub struct RecorderCounters {
    pub started: AtomicU64,
    pub closed: AtomicU64,
    pub failed: AtomicU64,
    pub frames_encoded: AtomicU64,
    pub frames_missing: AtomicU64,
    /// Time spent encoding and writing, in microseconds (the bench's Opus share).
    pub encode_us: AtomicU64,
}

enum Command {
    Start(RecordingJob),
    /// The engine stopped the tap after handing out `frames`: close once they are read.
    TapStopped {
        tap: TapId,
        frames: u64,
    },
}

/// The recorder threads. Dropping the pool closes every running recording and joins them.
pub struct RecorderPool {
    threads: Vec<(Sender<Command>, Option<JoinHandle<()>>)>,
    counters: Arc<RecorderCounters>,
}

type ReportSink = Arc<dyn Fn(RecordingReport) + Send + Sync>;

impl RecorderPool {
    /// `threads` recorder threads (at least one); `report` hears how each job ended, from
    /// the recorder thread that ran it.
    pub fn start(
        threads: usize,
        report: impl Fn(RecordingReport) + Send + Sync + 'static,
    ) -> std::io::Result<RecorderPool> {
        let report: ReportSink = Arc::new(report);
        let counters = Arc::new(RecorderCounters::default());
        let mut pool = RecorderPool {
            threads: Vec::new(),
            counters: Arc::clone(&counters),
        };
        for index in 0..threads.max(1) {
            let (commands, inbox) = mpsc::channel();
            let worker = Worker {
                inbox,
                report: Arc::clone(&report),
                counters: Arc::clone(&counters),
                running: HashMap::new(),
            };
            let handle = std::thread::Builder::new()
                .name(format!("recorder-{index}"))
                .spawn(move || worker.run())?;
            pool.threads.push((commands, Some(handle)));
        }
        Ok(pool)
    }

    /// The number of threads: as many as the box has cores, by default.
    pub fn default_threads() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }

    pub fn counters(&self) -> Arc<RecorderCounters> {
        Arc::clone(&self.counters)
    }

    pub fn start_recording(&self, job: RecordingJob) {
        self.counters.started.fetch_add(1, Ordering::Relaxed);
        self.send(job.tap, Command::Start(job));
    }

    /// The engine reported the tap stopped (`TapStopped`): the recording closes once it
    /// has read the `frames` the tap handed out.
    pub fn tap_stopped(&self, tap: TapId, frames: u64) {
        self.send(tap, Command::TapStopped { tap, frames });
    }

    /// A tap's thread is fixed by its id, so its stop reaches the thread running it.
    fn send(&self, tap: TapId, command: Command) {
        let (sender, _) = &self.threads[tap.0 as usize % self.threads.len()];
        if sender.send(command).is_err() {
            tracing::error!(
                tap = tap.0,
                "recorder thread is gone; recording command lost"
            );
        }
    }
}

impl Drop for RecorderPool {
    fn drop(&mut self) {
        for (sender, handle) in &mut self.threads {
            // Closing the channel tells the thread to close its recordings and stop.
            let (closed, _) = mpsc::channel();
            drop(std::mem::replace(sender, closed));
            if let Some(handle) = handle.take() {
                let _ = handle.join();
            }
        }
    }
}

struct Running {
    tap: TapId,
    source: Box<dyn FrameSource>,
    path: PathBuf,
    writer: OggOpusWriter<HashingFile>,
    /// The next frame's tap sequence number.
    next_seq: u64,
    frames_missing: u64,
    /// Set by `TapStopped`: how many frames the tap handed out in all.
    stop_after: Option<u64>,
}

struct Worker {
    inbox: Receiver<Command>,
    report: ReportSink,
    counters: Arc<RecorderCounters>,
    running: HashMap<String, Running>,
}

impl Worker {
    fn run(mut self) {
        // Encoding is bulk work: calls (the engine, the control plane) come first.
        media_engine::priority::lower_priority(RECORDER_NICE);
        loop {
            // Idle, the thread sleeps until there is work; recording, it wakes every POLL.
            let next = if self.running.is_empty() {
                self.inbox
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected)
            } else {
                self.inbox.recv_timeout(POLL)
            };
            match next {
                Ok(command) => self.handle(command),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            while let Ok(command) = self.inbox.try_recv() {
                self.handle(command);
            }
            self.pump();
        }
        // Shutting down: what was read so far is closed properly.
        self.pump();
        let ids: Vec<String> = self.running.keys().cloned().collect();
        for id in ids {
            self.close(&id);
        }
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Start(job) => self.open(job),
            Command::TapStopped { tap, frames } => {
                if let Some(running) = self.running.values_mut().find(|r| r.tap == tap) {
                    running.stop_after = Some(frames);
                }
            }
        }
    }

    fn open(&mut self, job: RecordingJob) {
        let opened = HashingFile::create(&job.path).map_err(crate::ogg_opus::WriteError::from);
        let writer =
            opened.and_then(|file| OggOpusWriter::new(file, serial_for(&job.recording), &job.tags));
        match writer {
            Ok(writer) => {
                self.running.insert(
                    job.recording,
                    Running {
                        tap: job.tap,
                        source: job.source,
                        path: job.path,
                        writer,
                        next_seq: 0,
                        frames_missing: 0,
                        stop_after: None,
                    },
                );
            }
            Err(error) => self.fail(job.recording, job.path, error.to_string(), 0),
        }
    }

    /// Reads every running recording's waiting frames, encodes them, and closes those
    /// whose tap has stopped and been read to the end.
    fn pump(&mut self) {
        let mut done = Vec::new();
        let mut failed = Vec::new();
        for (id, running) in &mut self.running {
            let started = std::time::Instant::now();
            let mut encoded = 0;
            let result = drain(running, &mut encoded);
            self.counters
                .encode_us
                .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
            self.counters
                .frames_encoded
                .fetch_add(encoded, Ordering::Relaxed);
            match result {
                Err(error) => failed.push((id.clone(), error.to_string())),
                Ok(()) => {
                    // Frames of a stopped tap are all in the ring before `TapStopped` is
                    // sent; one the ring dropped shows as a gap we can never fill.
                    if running.stop_after.is_some() {
                        done.push(id.clone());
                    }
                }
            }
        }
        for (id, reason) in failed {
            if let Some(running) = self.running.remove(&id) {
                let bytes = running.writer.bytes_written();
                self.fail(id, running.path, reason, bytes);
            }
        }
        for id in done {
            self.close(&id);
        }
    }

    fn close(&mut self, id: &str) {
        let Some(running) = self.running.remove(id) else {
            return;
        };
        let frames = running.writer.frames();
        let missing = running.frames_missing;
        let bytes_before = running.writer.bytes_written();
        match running.writer.finish().and_then(|file| Ok(file.finish()?)) {
            Ok((bytes, sha256)) => {
                self.counters.closed.fetch_add(1, Ordering::Relaxed);
                self.counters
                    .frames_missing
                    .fetch_add(missing, Ordering::Relaxed);
                (self.report)(RecordingReport {
                    recording: id.to_string(),
                    path: running.path,
                    outcome: RecordingOutcome::Closed(ClosedFile {
                        frames,
                        frames_missing: missing,
                        bytes,
                        sha256,
                    }),
                });
            }
            Err(error) => self.fail(
                id.to_string(),
                running.path,
                error.to_string(),
                bytes_before,
            ),
        }
    }

    fn fail(&mut self, id: String, path: PathBuf, reason: String, bytes: u64) {
        tracing::warn!(recording = %id, path = %path.display(), %reason, "recording failed");
        self.counters.failed.fetch_add(1, Ordering::Relaxed);
        (self.report)(RecordingReport {
            recording: id,
            path,
            outcome: RecordingOutcome::Failed { reason, bytes },
        });
    }
}

/// Reads what the ring holds for this recording and encodes it; a gap in the tap's
/// sequence (frames dropped on a full ring) is filled with silence so later audio keeps
/// its time.
fn drain(running: &mut Running, encoded: &mut u64) -> Result<(), crate::ogg_opus::WriteError> {
    const SILENCE: [i16; FRAME_SAMPLES] = [0; FRAME_SAMPLES];
    while let Some(frame) = running.source.read() {
        if frame.tap != running.tap {
            continue;
        }
        let seq = frame.seq as u64;
        if seq < running.next_seq {
            continue;
        }
        while running.next_seq < seq {
            running.writer.write_frame(&SILENCE, &SILENCE)?;
            running.frames_missing += 1;
            running.next_seq += 1;
        }
        running.writer.write_frame(&frame.rx, &frame.tx)?;
        running.next_seq += 1;
        *encoded += 1;
    }
    if let Some(total) = running.stop_after {
        // Frames dropped at the very end of the tap: silence up to its length.
        while running.next_seq < total {
            running.writer.write_frame(&SILENCE, &SILENCE)?;
            running.frames_missing += 1;
            running.next_seq += 1;
        }
    }
    Ok(())
}

/// Ogg stream serial numbers need only differ between streams in one file; one from the
/// id keeps them different across files too, which helps anyone chaining recordings.
fn serial_for(recording: &str) -> u32 {
    recording.bytes().fold(0x811c_9dc5u32, |hash, byte| {
        (hash ^ byte as u32).wrapping_mul(0x0100_0193)
    })
}
