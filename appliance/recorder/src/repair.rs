//! Closing a recording a killed box left open: its whole pages are kept and rewritten
//! with an end-of-stream page, so every player and `opusinfo` takes it as a finished file.

use crate::file::{sha256_of, HashingFile};
use ogg::reading::PacketReader;
use ogg::writing::{PacketWriteEndInfo, PacketWriter};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum RepairError {
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        source: crate::ogg_read::ReadError,
    },
    #[error("{path} has no audio packet to keep")]
    Empty { path: PathBuf },
    #[error("rewriting {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What the repaired file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepairedFile {
    pub duration_ms: u64,
    pub bytes: u64,
    pub sha256: String,
}

/// Rewrites `path` in place (through a temporary file and a rename, so a second crash
/// during the repair loses nothing). A file that is already complete is left as it is.
pub fn close_interrupted(path: &Path) -> Result<RepairedFile, RepairError> {
    let read_error = |source| RepairError::Read {
        path: path.to_path_buf(),
        source,
    };
    let io_error = |source| RepairError::Io {
        path: path.to_path_buf(),
        source,
    };
    let info =
        crate::ogg_read::read_info(File::open(path).map_err(io_error)?).map_err(read_error)?;
    if info.complete {
        let (bytes, sha256) = sha256_of(path).map_err(io_error)?;
        return Ok(RepairedFile {
            duration_ms: info.duration_ms,
            bytes,
            sha256,
        });
    }

    let mut packets = PacketReader::new(File::open(path).map_err(io_error)?);
    let mut kept = Vec::new();
    // The walk stops at the first page that does not read whole: the cut-off end.
    while let Ok(Some(packet)) = packets.read_packet() {
        kept.push(packet);
    }
    if kept.len() < 3 {
        return Err(RepairError::Empty {
            path: path.to_path_buf(),
        });
    }
    let serial = kept[0].stream_serial();
    let temporary = path.with_extension("opus.repair");
    let _ = std::fs::remove_file(&temporary);
    let mut pages = PacketWriter::new(HashingFile::create(&temporary).map_err(io_error)?);
    let mut granule = 0u64;
    let last = kept.len() - 1;
    for (index, packet) in kept.into_iter().enumerate() {
        let end = if index < 2 {
            // OpusHead and OpusTags keep their own pages.
            PacketWriteEndInfo::EndPage
        } else if index == last {
            PacketWriteEndInfo::EndStream
        } else if (index - 1) % crate::ogg_opus::PAGE_FRAMES as usize == 0 {
            PacketWriteEndInfo::EndPage
        } else {
            PacketWriteEndInfo::NormalPacket
        };
        if index >= 2 {
            granule += opus::packet::get_nb_samples(&packet.data, 48_000).unwrap_or(960) as u64;
        }
        pages
            .write_packet(packet.data, serial, end, granule)
            .map_err(io_error)?;
    }
    let mut file = pages.into_inner();
    file.flush().map_err(io_error)?;
    let (bytes, sha256) = file.finish().map_err(io_error)?;
    std::fs::rename(&temporary, path).map_err(io_error)?;
    let info =
        crate::ogg_read::read_info(File::open(path).map_err(io_error)?).map_err(read_error)?;
    Ok(RepairedFile {
        duration_ms: info.duration_ms,
        bytes,
        sha256,
    })
}
