//! Running the built binary and writing WAV files independently of its own writer.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const MS: usize = 8;

/// A fresh directory for one test's files.
pub fn dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("linetool")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create test dir");
    dir
}

pub fn linetool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_linetool"))
        .args(args)
        .output()
        .expect("run linetool")
}

/// Stdout of a run that must succeed.
pub fn ok_stdout(args: &[&str]) -> String {
    let output = linetool(args);
    assert!(
        output.status.success(),
        "linetool {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

/// A run that must fail with a stderr holding every one of `expected`.
pub fn fails_with(args: &[&str], expected: &[&str]) {
    let output = linetool(args);
    assert!(!output.status.success(), "linetool {args:?} should fail");
    assert_eq!(
        output.status.code(),
        Some(1),
        "linetool {args:?}: exit code"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    for text in expected {
        assert!(
            stderr.contains(text),
            "linetool {args:?}: stderr {stderr:?} lacks {text:?}"
        );
    }
}

pub fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// A 16-bit 8 kHz mono WAV, written independently of linetool's writer.
pub fn write_pcm_wav(path: &Path, samples: &[i16]) {
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    write_wav(path, 1, 1, 8000, 16, &data);
}

pub fn write_wav(path: &Path, tag: u16, channels: u16, rate: u32, bits: u16, data: &[u8]) {
    let block_align = channels * bits / 8;
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&tag.to_le_bytes());
    bytes.extend_from_slice(&channels.to_le_bytes());
    bytes.extend_from_slice(&rate.to_le_bytes());
    bytes.extend_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
    bytes.extend_from_slice(&block_align.to_le_bytes());
    bytes.extend_from_slice(&bits.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&(data.len() as u32).to_le_bytes());
    bytes.extend_from_slice(data);
    std::fs::write(path, bytes).expect("write wav");
}

/// Parses `<ms> <token>` lines.
pub fn timed_lines(stdout: &str) -> Vec<(u64, String)> {
    stdout
        .lines()
        .map(|line| {
            let (ms, token) = line.split_once(' ').expect("`<ms> <token>`");
            (ms.parse().expect("ms"), token.to_string())
        })
        .collect()
}

/// Panics unless `sox` runs here: the sox cross-checks fail rather than skip where it is
/// missing (xtask/setup.sh installs it, and CI runs that).
pub fn require_sox() {
    let found = Command::new("sox")
        .arg("--version")
        .output()
        .map(|out| out.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "sox is not installed: this cross-check needs it and does not skip; run xtask/setup.sh (or apt-get install sox)"
    );
}

/// Runs `sox -n <out options> OUT <effects>`; panics with sox's message on failure.
pub fn sox_synth(out: &Path, format: &[&str], effects: &str) {
    let output = Command::new("sox")
        .arg("-n")
        .args(format)
        .arg(out)
        .args(effects.split_whitespace())
        .output()
        .expect("run sox");
    assert!(
        output.status.success(),
        "sox {format:?} {effects}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
