//! Writes one span's D-channel to a pcap file (LINKTYPE_LINUX_LAPD), for tshark or
//! Wireshark. Flushed after every frame: a capture is a diagnostic, and a technician
//! reads it while the box keeps running.

use isdn::pcap::{Direction, PcapError, PcapWriter};
use isdn::q931::Role;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

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
}

pub struct DChannelCapture {
    writer: PcapWriter<BufWriter<File>>,
}

impl DChannelCapture {
    /// Creates (or truncates) `path` for a span whose stack plays `role`.
    pub fn create(path: &Path, role: Role) -> Result<DChannelCapture, CaptureError> {
        let file = File::create(path).map_err(|source| CaptureError::Create {
            path: path.display().to_string(),
            source,
        })?;
        Ok(DChannelCapture {
            writer: PcapWriter::new(BufWriter::new(file), role)?,
        })
    }

    /// Records one frame; `sent` is true for frames the box transmitted.
    pub fn write(&mut self, sent: bool, frame: &[u8]) -> Result<(), CaptureError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let direction = if sent {
            Direction::Sent
        } else {
            Direction::Received
        };
        self.writer.write_frame(now, direction, frame)?;
        self.writer.flush()?;
        Ok(())
    }

    pub fn frames(&self) -> u64 {
        self.writer.frames()
    }
}
