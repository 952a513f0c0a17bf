//! The recording format, checked by our reader and by opus-tools (`opusinfo`, `opusdec`),
//! an independent reference: a different tone each way, so swapped or mixed channels fail.

use line_boundary::FRAME_SAMPLES;
use recorder::{close_interrupted, decode, read_info, OggOpusWriter, RecordingTags};
use std::fs::File;
use std::path::Path;
use std::process::Command;

const CALLER_HZ: f64 = 1_000.0;
const BOX_HZ: f64 = 1_600.0;

fn tone_frame(freq: f64, frame_index: u64) -> [i16; FRAME_SAMPLES] {
    let mut frame = [0i16; FRAME_SAMPLES];
    for (i, sample) in frame.iter_mut().enumerate() {
        let n = frame_index * FRAME_SAMPLES as u64 + i as u64;
        let phase = 2.0 * std::f64::consts::PI * freq * n as f64 / 8_000.0;
        *sample = (phase.sin() * 8_000.0) as i16;
    }
    frame
}

fn tags() -> RecordingTags {
    RecordingTags {
        call_id: "c1700000000-7".into(),
        caller: Some("0201234567".into()),
        called: Some("2001".into()),
        started: "2026-12-07T10:00:00Z".into(),
    }
}

/// Writes `frames` frames, caller tone left, box tone right; `finish` or not (a kill).
fn write_recording(path: &Path, frames: u64, finish: bool) {
    let file = File::create(path).unwrap();
    let mut writer = OggOpusWriter::new(file, 7, &tags()).unwrap();
    for n in 0..frames {
        writer
            .write_frame(&tone_frame(CALLER_HZ, n), &tone_frame(BOX_HZ, n))
            .unwrap();
    }
    if finish {
        writer.finish().unwrap();
    }
    // Without finish the writer is dropped as a killed process leaves it: the pages
    // written so far are all there is.
}

/// Power of `freq` in `samples` (Goertzel), normalised per sample.
fn power_at(samples: &[i16], freq: f64) -> f64 {
    let coeff = 2.0 * (2.0 * std::f64::consts::PI * freq / 8_000.0).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = x as f64 + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - coeff * s1 * s2) / samples.len() as f64
}

fn assert_tones_apart(left: &[i16], right: &[i16]) {
    let (ll, lr) = (power_at(left, CALLER_HZ), power_at(left, BOX_HZ));
    let (rl, rr) = (power_at(right, CALLER_HZ), power_at(right, BOX_HZ));
    assert!(
        ll > 100.0 * lr,
        "left must carry the caller's tone: {ll} vs {lr}"
    );
    assert!(
        rr > 100.0 * rl,
        "right must carry the box's tone: {rr} vs {rl}"
    );
}

#[test]
fn caller_left_box_right_exact_length_and_tags() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("call.opus");
    write_recording(&path, 150, true);

    let decoded = decode(File::open(&path).unwrap()).unwrap();
    assert_eq!(decoded.info.channels, 2);
    assert_eq!(decoded.info.input_rate_hz, 8_000);
    assert!(decoded.info.complete);
    assert_eq!(decoded.info.duration_ms, 3_000);
    assert_eq!(decoded.interleaved.len(), 150 * FRAME_SAMPLES * 2);
    assert_eq!(decoded.info.tag("CALL_ID"), Some("c1700000000-7"));
    assert_eq!(decoded.info.tag("CALLER"), Some("0201234567"));
    assert_eq!(decoded.info.tag("CALLED"), Some("2001"));
    assert_eq!(decoded.info.tag("START"), Some("2026-12-07T10:00:00Z"));
    // Skip the encoder's start-up; compare the steady part.
    let (left, right) = (decoded.left(), decoded.right());
    assert_tones_apart(&left[800..], &right[800..]);
}

#[test]
fn opus_tools_accept_the_file_and_hear_the_same_channels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("call.opus");
    write_recording(&path, 100, true);

    let info = Command::new("opusinfo")
        .arg(&path)
        .output()
        .expect("opusinfo (opus-tools) is installed by the setup");
    let text =
        String::from_utf8_lossy(&info.stdout).to_string() + &String::from_utf8_lossy(&info.stderr);
    assert!(info.status.success(), "opusinfo refused the file:\n{text}");
    assert!(!text.contains("WARNING"), "opusinfo warned:\n{text}");
    assert!(text.contains("Channels: 2"), "{text}");
    assert!(text.contains("CALL_ID=c1700000000-7"), "{text}");
    assert!(text.contains("Playback length: 0m:02.000s"), "{text}");

    let wav = dir.path().join("call.wav");
    let status = Command::new("opusdec")
        .args(["--quiet", "--rate", "8000"])
        .arg(&path)
        .arg(&wav)
        .status()
        .expect("opusdec (opus-tools) is installed by the setup");
    assert!(status.success());
    let bytes = std::fs::read(&wav).unwrap();
    let samples: Vec<i16> = bytes[44..]
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    let left: Vec<i16> = samples.iter().step_by(2).copied().collect();
    let right: Vec<i16> = samples.iter().skip(1).step_by(2).copied().collect();
    assert_eq!(left.len(), 100 * FRAME_SAMPLES, "opusdec's length");
    assert_tones_apart(&left[800..], &right[800..]);
}

#[test]
fn a_killed_writer_leaves_a_playable_file_at_most_a_second_short() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("killed.opus");
    // 2.9 s written, never finished.
    write_recording(&path, 145, false);

    let info = read_info(File::open(&path).unwrap()).unwrap();
    assert!(!info.complete, "no end-of-stream page was written");
    assert!(
        (1_900..=2_900).contains(&info.duration_ms),
        "at most a second lost: {} ms",
        info.duration_ms
    );
    let wav = dir.path().join("killed.wav");
    let status = Command::new("opusdec")
        .args(["--quiet", "--rate", "8000"])
        .arg(&path)
        .arg(&wav)
        .status()
        .unwrap();
    assert!(status.success(), "opusdec plays what was left");
    let decoded = decode(File::open(&path).unwrap()).unwrap();
    assert_tones_apart(&decoded.left()[800..], &decoded.right()[800..]);

    // At boot the box closes it: the same audio, now with its end-of-stream page.
    let repaired = close_interrupted(&path).unwrap();
    assert_eq!(repaired.duration_ms, info.duration_ms);
    assert_eq!(repaired.sha256, recorder::sha256_of(&path).unwrap().1);
    assert_eq!(repaired.bytes, std::fs::metadata(&path).unwrap().len());
    let after = read_info(File::open(&path).unwrap()).unwrap();
    assert!(after.complete);
    assert_eq!(after.tag("CALL_ID"), Some("c1700000000-7"));
    let out = Command::new("opusinfo").arg(&path).output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "opusinfo refused the repaired file:\n{text}"
    );
    assert!(!text.contains("WARNING"), "{text}");
    let again = decode(File::open(&path).unwrap()).unwrap();
    assert_eq!(
        again.interleaved, decoded.interleaved,
        "the repair keeps every sample"
    );
}

#[test]
fn a_half_written_last_page_is_dropped_by_the_repair() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("torn.opus");
    write_recording(&path, 120, false);
    let whole = read_info(File::open(&path).unwrap()).unwrap();
    // A torn tail (another writer's partial page, or a disk that filled mid-write).
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"OggS\0\0garbage");
    std::fs::write(&path, &bytes).unwrap();
    let repaired = close_interrupted(&path).unwrap();
    assert_eq!(repaired.duration_ms, whole.duration_ms);
    assert!(read_info(File::open(&path).unwrap()).unwrap().complete);
}

#[test]
fn a_file_that_is_not_a_recording_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.opus");
    std::fs::write(&path, b"this is not an ogg stream at all").unwrap();
    assert!(read_info(File::open(&path).unwrap()).is_err());
    std::fs::write(&path, b"").unwrap();
    assert!(read_info(File::open(&path).unwrap()).is_err());
}
