//! The recorder threads: frames in, a closed file and one report out; gaps kept in time;
//! a file that cannot be written is reported failed, and nothing else stops.

use line_boundary::FRAME_SAMPLES;
use media_engine::{TapFrame, TapId};
use recorder::{
    decode, FrameSource, RecorderPool, RecordingJob, RecordingOutcome, RecordingReport,
    RecordingTags,
};
use std::collections::VecDeque;
use std::fs::File;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Default)]
struct SharedSource(Arc<Mutex<VecDeque<TapFrame>>>);

impl SharedSource {
    fn push(&self, frame: TapFrame) {
        self.0.lock().unwrap().push_back(frame);
    }
}

impl FrameSource for SharedSource {
    fn read(&mut self) -> Option<TapFrame> {
        self.0.lock().unwrap().pop_front()
    }
}

/// A 500 Hz tone at `rx_level` toward the box and `tx_level` from it.
fn frame(tap: u32, seq: u32, rx_level: i16, tx_level: i16) -> TapFrame {
    let mut rx = [0i16; FRAME_SAMPLES];
    let mut tx = [0i16; FRAME_SAMPLES];
    for i in 0..FRAME_SAMPLES {
        let n = seq as usize * FRAME_SAMPLES + i;
        let wave = (2.0 * std::f64::consts::PI * 500.0 * n as f64 / 8_000.0).sin();
        rx[i] = (wave * rx_level as f64) as i16;
        tx[i] = (wave * tx_level as f64) as i16;
    }
    TapFrame {
        tap: TapId(tap),
        seq,
        at_ms: seq as u64 * 20,
        rx,
        tx,
    }
}

fn job(recording: &str, tap: u32, source: &SharedSource, path: std::path::PathBuf) -> RecordingJob {
    RecordingJob {
        recording: recording.to_string(),
        tap: TapId(tap),
        source: Box::new(source.clone()),
        path,
        tags: RecordingTags {
            call_id: "c1-1".into(),
            started: "2026-12-07T10:00:00Z".into(),
            ..RecordingTags::default()
        },
    }
}

fn pool() -> (RecorderPool, mpsc::Receiver<RecordingReport>) {
    let (reports, heard) = mpsc::channel();
    let reports = Mutex::new(reports);
    let pool = RecorderPool::start(2, move |report| {
        let _ = reports.lock().unwrap().send(report);
    })
    .unwrap();
    (pool, heard)
}

#[test]
fn a_stopped_tap_closes_its_file_with_gaps_kept_as_silence() {
    let dir = tempfile::tempdir().unwrap();
    let (pool, reports) = pool();
    let source = SharedSource::default();
    let path = dir.path().join("2026/12/07/c1-5.opus");
    pool.start_recording(job("c1-1-r5", 9, &source, path.clone()));
    // A frame of an earlier tap on the same channel is not this recording's.
    source.push(frame(8, 0, 5_000, 5_000));
    for seq in 0..50 {
        source.push(frame(9, seq, 6_000, 3_000));
    }
    // Frames 50..60 were dropped on a full ring; 60..100 arrive; the tap handed out 105.
    for seq in 60..100 {
        source.push(frame(9, seq, 6_000, 3_000));
    }
    pool.tap_stopped(TapId(9), 105);

    let report = reports.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(report.recording, "c1-1-r5");
    assert_eq!(report.path, path);
    let RecordingOutcome::Closed(closed) = report.outcome else {
        panic!("closed expected: {report:?}");
    };
    assert_eq!(closed.frames, 105);
    assert_eq!(closed.frames_missing, 15);
    assert_eq!(closed.duration_ms(), 2_100);
    assert_eq!(closed.bytes, std::fs::metadata(&path).unwrap().len());
    assert_eq!(closed.sha256, recorder::sha256_of(&path).unwrap().1);
    let decoded = decode(File::open(&path).unwrap()).unwrap();
    assert_eq!(decoded.info.duration_ms, 2_100);
    // The gap (frames 50..60, 1.0-1.2 s) is silent; audio on both sides around it.
    let left = decoded.left();
    let rms =
        |s: &[i16]| (s.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / s.len() as f64).sqrt();
    assert!(rms(&left[8_100..9_400]) < 200.0, "the gap is silence");
    assert!(rms(&left[4_000..7_000]) > 1_000.0, "audio before the gap");
    assert!(rms(&left[10_500..14_000]) > 1_000.0, "audio after the gap");
    let counters = pool.counters();
    assert_eq!(
        counters.closed.load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    assert_eq!(
        counters
            .frames_encoded
            .load(std::sync::atomic::Ordering::Relaxed),
        90
    );
}

#[test]
fn an_unwritable_place_fails_that_recording_only() {
    let dir = tempfile::tempdir().unwrap();
    let (pool, reports) = pool();
    // A file where the recording's directory should be: it cannot be created.
    std::fs::write(dir.path().join("blocked"), b"").unwrap();
    let source = SharedSource::default();
    pool.start_recording(job(
        "c1-1-r1",
        2,
        &source,
        dir.path().join("blocked/c1-1.opus"),
    ));
    let report = reports.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(report.recording, "c1-1-r1");
    assert!(
        matches!(report.outcome, RecordingOutcome::Failed { bytes: 0, .. }),
        "{report:?}"
    );

    let good = SharedSource::default();
    pool.start_recording(job("c1-1-r2", 3, &good, dir.path().join("ok/c1-2.opus")));
    for seq in 0..10 {
        good.push(frame(3, seq, 100, 200));
    }
    pool.tap_stopped(TapId(3), 10);
    let report = reports.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(report.recording, "c1-1-r2");
    assert!(matches!(report.outcome, RecordingOutcome::Closed(ref c) if c.frames == 10));
    assert_eq!(
        pool.counters()
            .failed
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
}

#[test]
fn dropping_the_pool_closes_what_is_running() {
    let dir = tempfile::tempdir().unwrap();
    let (pool, reports) = pool();
    let source = SharedSource::default();
    let path = dir.path().join("c1-3.opus");
    for seq in 0..25 {
        source.push(frame(4, seq, 100, 200));
    }
    pool.start_recording(job("c1-1-r3", 4, &source, path.clone()));
    drop(pool);
    let report = reports.recv_timeout(Duration::from_secs(1)).unwrap();
    assert!(
        matches!(report.outcome, RecordingOutcome::Closed(ref c) if c.frames == 25),
        "{report:?}"
    );
    assert!(decode(File::open(&path).unwrap()).unwrap().info.complete);
}
