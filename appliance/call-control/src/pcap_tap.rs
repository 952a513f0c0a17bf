//! Writes one span's D-channel to a pcap file (LINKTYPE_LINUX_LAPD), for tshark or
//! Wireshark. The file is created and written on a thread of its own: a slow or full disk
//! must never hold up the span actor (and with it the control plane). Each frame is
//! flushed, since a technician reads the capture while the box keeps running.

use isdn::pcap::{Direction, PcapError, PcapWriter};
use isdn::q931::Role;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Frames waiting for the writer thread; beyond this they are dropped (and counted).
const BACKLOG: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("cannot create capture file {path}: {source}")]
    Create {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] PcapError),
    #[error("cannot start the capture writer thread: {0}")]
    Thread(#[source] std::io::Error),
    #[error("the capture writer stopped after an error")]
    WriterStopped,
}

struct Record {
    at: Duration,
    direction: Direction,
    frame: Vec<u8>,
}

/// The span actor's end of a capture; dropping it ends the file.
pub struct DChannelCapture {
    records: SyncSender<Record>,
    failed: Arc<AtomicBool>,
    dropped: u64,
    writer: std::thread::JoinHandle<()>,
}

/// A stopped capture whose writer may still be catching up; [`CaptureDone::wait`] blocks
/// until the file is complete, so call it off the actor threads.
#[derive(Debug)]
pub struct CaptureDone(std::thread::JoinHandle<()>);

impl CaptureDone {
    pub fn wait(self) {
        // A writer that panicked has already logged; the file is as complete as it gets.
        let _ = self.0.join();
    }
}

/// Whether a capture's file could be created; [`CaptureStarted::wait`] blocks until the
/// writer thread knows, so call it off the actor threads.
#[derive(Debug)]
pub struct CaptureStarted(Receiver<Result<(), CaptureError>>);

impl CaptureStarted {
    pub fn wait(self) -> Result<(), CaptureError> {
        self.0.recv().unwrap_or(Err(CaptureError::WriterStopped))
    }
}

/// Creates the file and its pcap header; the writer thread's first job.
fn open_file(path: &Path, role: Role) -> Result<PcapWriter<BufWriter<File>>, CaptureError> {
    let file = File::create(path).map_err(|source| CaptureError::Create {
        path: path.display().to_string(),
        source,
    })?;
    let mut writer = PcapWriter::new(BufWriter::new(file), role)?;
    writer.flush()?;
    Ok(writer)
}

impl DChannelCapture {
    /// Starts a capture into `path` (created or truncated by the writer thread) for a span
    /// whose stack plays `role`. Never touches the disk on the calling thread.
    pub fn create(
        path: &Path,
        role: Role,
    ) -> Result<(DChannelCapture, CaptureStarted), CaptureError> {
        let (records, incoming) = sync_channel::<Record>(BACKLOG);
        let (started_tx, started_rx) = sync_channel(1);
        let failed = Arc::new(AtomicBool::new(false));
        let thread_failed = Arc::clone(&failed);
        let path = path.to_owned();
        let shown = path.display().to_string();
        let writer = std::thread::Builder::new()
            .name("d-channel-capture".into())
            .spawn(move || {
                let mut writer = match open_file(&path, role) {
                    Ok(writer) => {
                        let _ = started_tx.send(Ok(()));
                        writer
                    }
                    Err(error) => {
                        tracing::error!(file = %shown, %error, "D-channel capture not started");
                        thread_failed.store(true, Ordering::Release);
                        let _ = started_tx.send(Err(error));
                        return;
                    }
                };
                for record in incoming {
                    let written = writer
                        .write_frame(record.at, record.direction, &record.frame)
                        .and_then(|()| writer.flush());
                    if let Err(error) = written {
                        tracing::error!(file = %shown, %error, "D-channel capture failed; stopped");
                        thread_failed.store(true, Ordering::Release);
                        return;
                    }
                }
            })
            .map_err(CaptureError::Thread)?;
        Ok((
            DChannelCapture {
                records,
                failed,
                dropped: 0,
                writer,
            },
            CaptureStarted(started_rx),
        ))
    }

    /// Ends the capture: no more frames; the writer finishes what is queued.
    pub fn finish(self) -> CaptureDone {
        drop(self.records);
        CaptureDone(self.writer)
    }

    /// Queues one frame; `sent` is true for frames the box transmitted. Never blocks.
    pub fn write(&mut self, sent: bool, frame: &[u8]) -> Result<(), CaptureError> {
        if self.failed.load(Ordering::Acquire) {
            return Err(CaptureError::WriterStopped);
        }
        let at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let direction = if sent {
            Direction::Sent
        } else {
            Direction::Received
        };
        match self.records.try_send(Record {
            at,
            direction,
            frame: frame.to_vec(),
        }) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => {
                // The disk is behind: lose this frame from the capture, not the call.
                self.dropped += 1;
                if self.dropped.is_power_of_two() {
                    tracing::warn!(
                        dropped = self.dropped,
                        "D-channel capture is behind; frames left out"
                    );
                }
                Ok(())
            }
            Err(TrySendError::Disconnected(_)) => Err(CaptureError::WriterStopped),
        }
    }
}
