//! Our MFC/R2 sender and receiver against spandsp's `r2_mf_tx` / `r2_mf_rx`.

use dsp::level::sine_peak_for_dbm0;
use dsp::mf_r2::{frequencies_of, Direction, MfR2Detector, MfR2Generator, MfSignal};
use dsp_conformance::spandsp_r2_mf::{SpandspR2MfRx, SpandspR2MfTx};

const FRAME: usize = 160;
const MS: usize = 8;
const DIRECTIONS: [Direction; 2] = [Direction::Forward, Direction::Backward];

fn forward(direction: Direction) -> bool {
    direction == Direction::Forward
}

/// Goertzel power of `freq_hz`, normalised so a sine of peak A gives A²/2.
fn goertzel_power(samples: &[i16], freq_hz: f64) -> f64 {
    let coefficient = 2.0 * (std::f64::consts::TAU * freq_hz / 8000.0).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + coefficient * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let n = samples.len() as f64;
    2.0 * (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / (n * n)
}

/// spandsp sends `signal` for `on_ms`, then silence for `off_ms`, in 20 ms frames.
fn spandsp_sends(direction: Direction, signal: u8, on_ms: usize, off_ms: usize) -> Vec<i16> {
    let mut tx = SpandspR2MfTx::new(forward(direction));
    let mut audio = vec![0i16; 40 * MS];
    assert!(tx.set(Some(signal)), "spandsp refused signal {signal}");
    let mut frame = [0i16; FRAME];
    for _ in 0..on_ms * MS / FRAME {
        tx.fill(&mut frame);
        audio.extend_from_slice(&frame);
    }
    assert!(tx.set(None));
    for _ in 0..off_ms * MS / FRAME {
        tx.fill(&mut frame);
        audio.extend_from_slice(&frame);
    }
    audio
}

fn ours_detects(direction: Direction, audio: &[i16]) -> Vec<MfSignal> {
    let mut detector = MfR2Detector::new(direction);
    let mut events = Vec::new();
    for frame in audio.chunks(FRAME) {
        detector.process(frame);
        while let Some(event) = detector.poll() {
            events.push(event);
        }
    }
    events
}

/// (signal or None, at_sample) as spandsp reports them, frame by frame.
fn spandsp_detects(direction: Direction, audio: &[i16]) -> Vec<(Option<u8>, u64)> {
    let mut rx = SpandspR2MfRx::new(forward(direction));
    for frame in audio.chunks(FRAME) {
        rx.process(frame);
    }
    rx.take_reports()
        .into_iter()
        .map(|report| (report.signal, report.at_sample))
        .collect()
}

fn ours_sends(
    direction: Direction,
    signal: u8,
    level_dbm0: f32,
    on_ms: usize,
    off_ms: usize,
) -> Vec<i16> {
    let mut generator = MfR2Generator::with_level(direction, level_dbm0);
    let mut audio = vec![0i16; 40 * MS];
    generator.start(signal).expect("valid signal");
    let mut frame = [0i16; FRAME];
    for _ in 0..on_ms * MS / FRAME {
        generator.fill(&mut frame);
        audio.extend_from_slice(&frame);
    }
    generator.stop();
    for _ in 0..off_ms * MS / FRAME {
        generator.fill(&mut frame);
        audio.extend_from_slice(&frame);
    }
    audio
}

#[test]
fn spandsp_sends_the_q441_frequencies_we_expect_for_each_signal() {
    for direction in DIRECTIONS {
        for signal in 1..=15u8 {
            let audio = spandsp_sends(direction, signal, 200, 0);
            let tone = &audio[40 * MS..];
            let (low, high) = frequencies_of(direction, signal).unwrap();
            let powers: Vec<(u16, f64)> = direction
                .frequencies()
                .iter()
                .map(|&f| (f, goertzel_power(tone, f64::from(f))))
                .collect();
            let strongest = powers.iter().map(|p| p.1).fold(0.0, f64::max);
            for (freq, power) in powers {
                let relative_db = 10.0 * (power / strongest).log10();
                if freq == low || freq == high {
                    assert!(
                        relative_db > -3.0,
                        "{direction:?} {signal}: {freq} Hz at {relative_db:.1} dB"
                    );
                    let zero_dbm0 = f64::from(sine_peak_for_dbm0(0.0)).powi(2) / 2.0;
                    let level = 10.0 * (power / zero_dbm0).log10();
                    assert!(
                        (-13.0..=-9.0).contains(&level),
                        "{direction:?} {signal}: spandsp sends {freq} Hz at {level:.1} dBm0"
                    );
                } else {
                    assert!(
                        relative_db < -30.0,
                        "{direction:?} {signal}: {freq} Hz at {relative_db:.1} dB"
                    );
                }
            }
        }
    }
}

#[test]
fn spandsp_generates_ours_detects_every_signal_both_directions() {
    for direction in DIRECTIONS {
        for signal in 1..=15u8 {
            let audio = spandsp_sends(direction, signal, 160, 120);
            let events = ours_detects(direction, &audio);
            let summary: Vec<(u8, bool)> = events.iter().map(|e| (e.digit, e.on)).collect();
            assert_eq!(
                summary,
                [(signal, true), (signal, false)],
                "{direction:?} {signal}: {events:?}"
            );
            let start = (40 * MS) as i64;
            let end = start + (160 * MS) as i64;
            assert!(
                (events[0].at_sample as i64 - start).abs() <= (8 * MS) as i64,
                "{events:?}"
            );
            assert!(
                (events[1].at_sample as i64 - end).abs() <= (10 * MS) as i64,
                "{events:?}"
            );
        }
    }
}

#[test]
fn ours_generates_spandsp_detects_every_signal_both_directions() {
    for direction in DIRECTIONS {
        for signal in 1..=15u8 {
            for level in [-8.0f32, -20.0, -30.0] {
                let audio = ours_sends(direction, signal, level, 160, 120);
                let reports = spandsp_detects(direction, &audio);
                let summary: Vec<Option<u8>> = reports.iter().map(|r| r.0).collect();
                assert_eq!(
                    summary,
                    [Some(signal), None],
                    "{direction:?} {signal} at {level} dBm0: {reports:?}"
                );
            }
        }
    }
}

#[test]
fn compelled_exchange_both_ways_agrees() {
    // A forward digit string from one register and the backward answers from the other,
    // each sent by one implementation and decoded by both.
    let forward_digits = [1u8, 10, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15];
    let backward_answers = [1u8, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 5, 3, 6, 1];
    for (direction, sequence) in [
        (Direction::Forward, &forward_digits),
        (Direction::Backward, &backward_answers),
    ] {
        let mut ours = MfR2Generator::new(direction);
        let mut theirs = SpandspR2MfTx::new(forward(direction));
        let (mut from_ours, mut from_theirs) = (Vec::new(), Vec::new());
        for &signal in sequence.iter() {
            ours.start(signal).unwrap();
            assert!(theirs.set(Some(signal)));
            let mut frame = [0i16; FRAME];
            for step in 0..8 {
                if step == 5 {
                    ours.stop();
                    assert!(theirs.set(None));
                }
                ours.fill(&mut frame);
                from_ours.extend_from_slice(&frame);
                theirs.fill(&mut frame);
                from_theirs.extend_from_slice(&frame);
            }
        }
        let ours_on_theirs: Vec<u8> = ours_detects(direction, &from_theirs)
            .iter()
            .filter(|e| e.on)
            .map(|e| e.digit)
            .collect();
        let theirs_on_ours: Vec<u8> = spandsp_detects(direction, &from_ours)
            .iter()
            .filter_map(|r| r.0)
            .collect();
        assert_eq!(
            ours_on_theirs,
            sequence.to_vec(),
            "{direction:?}: ours on spandsp audio"
        );
        assert_eq!(
            theirs_on_ours,
            sequence.to_vec(),
            "{direction:?}: spandsp on our audio"
        );
    }
}

#[test]
fn ours_detects_spandsp_tones_attenuated_to_minus_30_dbm0() {
    // spandsp sends about -11 dBm0 per tone: scale it down by 19 dB and 24 dB.
    for direction in DIRECTIONS {
        for signal in [1u8, 8, 15] {
            for attenuation_db in [19.0f64, 24.0] {
                let gain = 10f64.powf(-attenuation_db / 20.0);
                let audio: Vec<i16> = spandsp_sends(direction, signal, 160, 120)
                    .iter()
                    .map(|&x| (f64::from(x) * gain).round() as i16)
                    .collect();
                let events = ours_detects(direction, &audio);
                let summary: Vec<(u8, bool)> = events.iter().map(|e| (e.digit, e.on)).collect();
                assert_eq!(
                    summary,
                    [(signal, true), (signal, false)],
                    "{direction:?} {signal} -{attenuation_db} dB"
                );
            }
        }
    }
}

#[test]
fn both_refuse_a_twenty_db_twist() {
    for direction in DIRECTIONS {
        for signal in [1u8, 7, 15] {
            let (low, high) = frequencies_of(direction, signal).unwrap();
            let (strong, weak) = (
                sine_peak_for_dbm0(-5.0) as f64,
                sine_peak_for_dbm0(-25.0) as f64,
            );
            let mut audio = vec![0i16; 40 * MS];
            audio.extend((0..200 * MS).map(|n| {
                let t = std::f64::consts::TAU * n as f64 / 8000.0;
                (strong * (t * f64::from(low)).sin() + weak * (t * f64::from(high)).sin()).round()
                    as i16
            }));
            audio.extend(vec![0i16; 100 * MS]);
            assert!(
                ours_detects(direction, &audio).is_empty(),
                "ours: {direction:?} {signal}"
            );
            assert!(
                spandsp_detects(direction, &audio).is_empty(),
                "spandsp: {direction:?} {signal}"
            );
        }
    }
}

/// Not a pass/fail check: prints operate and release delays of both receivers on the
/// same audio, for the record (`cargo test -- --nocapture`).
#[test]
fn operate_and_release_times_side_by_side() {
    let mut ours_total = (0u64, 0u64);
    let mut theirs_total = (0u64, 0u64);
    let start = 40 * MS as u64;
    let end = start + 160 * MS as u64;
    for direction in DIRECTIONS {
        for signal in 1..=15u8 {
            let audio = ours_sends(direction, signal, -8.0, 160, 120);
            // Our receiver, fed sample by sample so the reporting instant is exact.
            let mut detector = MfR2Detector::new(direction);
            let (mut on_at, mut off_at) = (0, 0);
            for (index, &sample) in audio.iter().enumerate() {
                detector.process(&[sample]);
                while let Some(event) = detector.poll() {
                    if event.on {
                        on_at = index as u64 + 1;
                    } else {
                        off_at = index as u64 + 1;
                    }
                }
            }
            ours_total.0 += on_at - start;
            ours_total.1 += off_at - end;
            let mut rx = SpandspR2MfRx::new(forward(direction));
            for chunk in audio.chunks(8) {
                rx.process(chunk);
            }
            let reports = rx.take_reports();
            assert_eq!(reports.len(), 2);
            theirs_total.0 += reports[0].at_sample + 8 - start;
            theirs_total.1 += reports[1].at_sample + 8 - end;
        }
    }
    let per = 30 * MS as u64;
    println!(
        "mean operate / release (ms): ours {:.1} / {:.1}, spandsp {:.1} / {:.1}",
        ours_total.0 as f64 / per as f64,
        ours_total.1 as f64 / per as f64,
        theirs_total.0 as f64 / per as f64,
        theirs_total.1 as f64 / per as f64
    );
    assert!((ours_total.0 + ours_total.1) / 30 <= 80 * MS as u64);
}
