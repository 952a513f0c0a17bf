//! The recording's file: written straight through (no user-space buffer, so a page is in
//! the kernel as soon as it is written) and hashed as it goes, so closing needs no re-read.

use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

pub struct HashingFile {
    file: File,
    hasher: Sha256,
    bytes: u64,
}

impl HashingFile {
    /// Creates the file and its directories; an existing file is never overwritten.
    pub fn create(path: &Path) -> io::Result<HashingFile> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().write(true).create_new(true).open(path)?;
        Ok(HashingFile {
            file,
            hasher: Sha256::new(),
            bytes: 0,
        })
    }

    /// Syncs the file to disk and returns its size and SHA-256 (lowercase hex).
    pub fn finish(self) -> io::Result<(u64, String)> {
        self.file.sync_all()?;
        Ok((self.bytes, hex(&self.hasher.finalize())))
    }
}

impl Write for HashingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.file.write(buf)?;
        self.hasher.update(&buf[..written]);
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// SHA-256 of a whole file (an interrupted recording found at boot).
pub fn sha256_of(path: &Path) -> io::Result<(u64, String)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let bytes = io::copy(&mut file, &mut hasher)?;
    Ok((bytes, hex(&hasher.finalize())))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
