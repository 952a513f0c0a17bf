//! MFC/R2 (Q.441) generator and receiver against the Q.441 / Q.455 receiver limits.

mod common;

use common::{add_noise, goertzel_power, Noise};
use dsp::level::sine_peak_for_dbm0;
use dsp::mf_r2::{frequencies_of, Direction, MfR2Detector, MfR2Generator, MfSignal};

const MS: usize = 8;
const DIRECTIONS: [Direction; 2] = [Direction::Forward, Direction::Backward];

/// Sum of sines, each (frequency, level dBm0), `len` samples, phase from 0.
fn tones(components: &[(f64, f32)], len: usize) -> Vec<i16> {
    (0..len)
        .map(|n| {
            let value: f64 = components
                .iter()
                .map(|&(freq, level)| {
                    f64::from(sine_peak_for_dbm0(level))
                        * (std::f64::consts::TAU * freq * n as f64 / 8000.0).sin()
                })
                .sum();
            value.round().clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

fn signal_tones(
    direction: Direction,
    signal: u8,
    offset_hz: f64,
    levels: (f32, f32),
    len: usize,
) -> Vec<i16> {
    let (low, high) = frequencies_of(direction, signal).expect("valid signal");
    tones(
        &[
            (f64::from(low) + offset_hz, levels.0),
            (f64::from(high) + offset_hz, levels.1),
        ],
        len,
    )
}

fn silence(len: usize) -> Vec<i16> {
    vec![0; len]
}

fn detect_chunked(direction: Direction, audio: &[i16], chunk: usize) -> Vec<MfSignal> {
    let mut detector = MfR2Detector::new(direction);
    let mut events = Vec::new();
    for frame in audio.chunks(chunk) {
        detector.process(frame);
        while let Some(event) = detector.poll() {
            events.push(event);
        }
    }
    events
}

fn detect(direction: Direction, audio: &[i16]) -> Vec<MfSignal> {
    detect_chunked(direction, audio, 160)
}

/// Silence, `tone`, silence; returns the audio and where the tone starts.
fn framed(tone: &[i16]) -> (Vec<i16>, usize) {
    let lead = 100 * MS + 13;
    let mut audio = silence(lead);
    audio.extend_from_slice(tone);
    audio.extend(silence(200 * MS));
    (audio, lead)
}

fn assert_one_signal(events: &[MfSignal], digit: u8, start: usize, end: usize, what: &str) {
    assert_eq!(
        events.len(),
        2,
        "{what}: expected one on and one off, got {events:?}"
    );
    let (on, off) = (events[0], events[1]);
    assert!(on.on && !off.on, "{what}: {events:?}");
    assert_eq!((on.digit, off.digit), (digit, digit), "{what}: {events:?}");
    let on_error = on.at_sample as i64 - start as i64;
    let off_error = off.at_sample as i64 - end as i64;
    assert!(
        on_error.abs() <= 8 * MS as i64,
        "{what}: on reported {on_error} samples off"
    );
    assert!(
        off_error.abs() <= 10 * MS as i64,
        "{what}: off reported {off_error} samples off"
    );
}

#[test]
fn generator_sends_the_q441_pair_at_minus_8_dbm0_until_stopped() {
    for direction in DIRECTIONS {
        for signal in 1..=15u8 {
            let mut generator = MfR2Generator::new(direction);
            generator.start(signal).expect("valid signal");
            let mut audio = vec![0i16; 8000];
            generator.fill(&mut audio[..3000]);
            generator.fill(&mut audio[3000..]);
            let (low, high) = frequencies_of(direction, signal).unwrap();
            let expected = f64::from(sine_peak_for_dbm0(-8.0)).powi(2) / 2.0;
            for freq in direction.frequencies() {
                let power = goertzel_power(&audio, f64::from(freq));
                if freq == low || freq == high {
                    let db = 10.0 * (power / expected).log10();
                    assert!(
                        db.abs() < 0.2,
                        "{direction:?} {signal}: {freq} Hz at {db:+.2} dB"
                    );
                } else {
                    assert!(
                        power < expected * 1e-4,
                        "{direction:?} {signal}: {freq} Hz present"
                    );
                }
            }
            generator.stop();
            let mut after = vec![1i16; 160];
            generator.fill(&mut after);
            assert!(after.iter().all(|&x| x == 0));
        }
    }
    let mut generator = MfR2Generator::new(Direction::Forward);
    assert!(generator.start(0).is_err());
    assert!(generator.start(16).is_err());
    assert_eq!(generator.signal(), None);
}

#[test]
fn every_signal_both_directions_generator_to_detector() {
    for direction in DIRECTIONS {
        for signal in 1..=15u8 {
            let mut generator = MfR2Generator::new(direction);
            let mut audio = silence(50 * MS + 7);
            let start = audio.len();
            generator.start(signal).unwrap();
            let mut tone = vec![0i16; 150 * MS];
            generator.fill(&mut tone);
            audio.extend_from_slice(&tone);
            let end = audio.len();
            generator.stop();
            let mut rest = vec![0i16; 150 * MS];
            generator.fill(&mut rest);
            audio.extend_from_slice(&rest);
            let events = detect(direction, &audio);
            assert_one_signal(
                &events,
                signal,
                start,
                end,
                &format!("{direction:?} {signal}"),
            );
            // The other direction's receiver hears nothing.
            let other = if direction == Direction::Forward {
                Direction::Backward
            } else {
                Direction::Forward
            };
            assert!(
                detect(other, &audio).is_empty(),
                "{other:?} heard {direction:?} {signal}"
            );
        }
    }
}

#[test]
fn level_range_minus_5_to_minus_35_dbm0_accepted_minus_45_ignored() {
    for direction in DIRECTIONS {
        for signal in [1u8, 6, 11, 15] {
            for level in [-5.0f32, -20.0, -35.0] {
                let tone = signal_tones(direction, signal, 0.0, (level, level), 120 * MS);
                let (audio, start) = framed(&tone);
                let events = detect(direction, &audio);
                assert_one_signal(
                    &events,
                    signal,
                    start,
                    start + tone.len(),
                    &format!("{direction:?} {signal} at {level} dBm0"),
                );
            }
            let tone = signal_tones(direction, signal, 0.0, (-45.0, -45.0), 120 * MS);
            let (audio, _) = framed(&tone);
            assert!(
                detect(direction, &audio).is_empty(),
                "{direction:?} {signal} at -45 dBm0 detected"
            );
        }
    }
}

#[test]
fn frequency_deviation_of_10_hz_accepted_for_every_signal() {
    for direction in DIRECTIONS {
        for signal in 1..=15u8 {
            for offset in [-10.0, 10.0] {
                let tone = signal_tones(direction, signal, offset, (-8.0, -8.0), 100 * MS);
                let (audio, start) = framed(&tone);
                let events = detect(direction, &audio);
                assert_one_signal(
                    &events,
                    signal,
                    start,
                    start + tone.len(),
                    &format!("{direction:?} {signal} {offset:+} Hz"),
                );
            }
        }
    }
}

#[test]
fn twist_5_db_adjacent_and_7_db_non_adjacent_accepted_20_db_refused() {
    for direction in DIRECTIONS {
        // Adjacent pairs (signals 1, 3, 6, 10, 15) at 5 dB, the others at 7 dB, both ways.
        for signal in 1..=15u8 {
            let twist = if [1, 3, 6, 10, 15].contains(&signal) {
                5.0
            } else {
                7.0
            };
            for levels in [(-10.0, -10.0 - twist), (-10.0 - twist, -10.0)] {
                let tone = signal_tones(direction, signal, 0.0, levels, 100 * MS);
                let (audio, start) = framed(&tone);
                let events = detect(direction, &audio);
                assert_one_signal(
                    &events,
                    signal,
                    start,
                    start + tone.len(),
                    &format!("{direction:?} {signal} levels {levels:?}"),
                );
            }
            for levels in [(-5.0, -25.0), (-25.0, -5.0)] {
                let tone = signal_tones(direction, signal, 0.0, levels, 100 * MS);
                let (audio, _) = framed(&tone);
                let events = detect(direction, &audio);
                assert!(
                    events.is_empty(),
                    "{direction:?} {signal} at 20 dB twist {levels:?}: {events:?}"
                );
            }
        }
    }
}

#[test]
fn single_tones_are_refused() {
    for direction in DIRECTIONS {
        let freqs = direction.frequencies();
        let mut candidates: Vec<f64> = freqs.iter().map(|&f| f64::from(f)).collect();
        // Between two MF frequencies a tone lights both bins.
        for pair in freqs.windows(2) {
            candidates.push((f64::from(pair[0]) + f64::from(pair[1])) / 2.0);
        }
        candidates.extend([425.0, 450.0, 1004.0, 2100.0]);
        for freq in candidates {
            for level in [-5.0f32, -20.0] {
                let tone = tones(&[(freq, level)], 300 * MS);
                let (audio, _) = framed(&tone);
                let events = detect(direction, &audio);
                assert!(
                    events.is_empty(),
                    "{direction:?}: {freq} Hz at {level} dBm0 gave {events:?}"
                );
            }
        }
    }
}

#[test]
fn three_tone_combinations_are_refused() {
    for direction in DIRECTIONS {
        let freqs = direction.frequencies();
        for a in 0..6 {
            for b in a + 1..6 {
                for c in b + 1..6 {
                    let tone = tones(
                        &[
                            (f64::from(freqs[a]), -10.0),
                            (f64::from(freqs[b]), -10.0),
                            (f64::from(freqs[c]), -10.0),
                        ],
                        200 * MS,
                    );
                    let (audio, _) = framed(&tone);
                    let events = detect(direction, &audio);
                    assert!(
                        events.is_empty(),
                        "{direction:?} three tones {a} {b} {c}: {events:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn bursts_of_7_ms_ignored_at_every_alignment_40_ms_accepted() {
    for direction in DIRECTIONS {
        for signal in [1u8, 9, 15] {
            for shift in 0..40 {
                let tone = signal_tones(direction, signal, 0.0, (-5.0, -5.0), 7 * MS);
                let mut audio = silence(80 * MS + shift);
                audio.extend_from_slice(&tone);
                audio.extend(silence(80 * MS));
                let events = detect(direction, &audio);
                assert!(
                    events.is_empty(),
                    "{direction:?} {signal} 7 ms burst at shift {shift}: {events:?}"
                );
            }
            for shift in (0..40).step_by(7) {
                let tone = signal_tones(direction, signal, 0.0, (-8.0, -8.0), 40 * MS);
                let mut audio = silence(80 * MS + shift);
                let start = audio.len();
                audio.extend_from_slice(&tone);
                audio.extend(silence(80 * MS));
                let events = detect(direction, &audio);
                assert_one_signal(
                    &events,
                    signal,
                    start,
                    start + tone.len(),
                    &format!("{direction:?} {signal} 40 ms at shift {shift}"),
                );
            }
        }
    }
}

#[test]
fn interruptions_of_7_ms_do_not_release() {
    for direction in DIRECTIONS {
        for signal in [2u8, 7, 14] {
            for gap_at in [300, 333, 371] {
                let mut tone = signal_tones(direction, signal, 0.0, (-8.0, -8.0), 150 * MS);
                tone[gap_at..gap_at + 7 * MS].fill(0);
                let (audio, start) = framed(&tone);
                let events = detect(direction, &audio);
                assert_one_signal(
                    &events,
                    signal,
                    start,
                    start + tone.len(),
                    &format!("{direction:?} {signal} gap at {gap_at}"),
                );
            }
        }
    }
}

#[test]
fn operate_plus_release_time_under_80_ms() {
    for direction in DIRECTIONS {
        for signal in 1..=15u8 {
            let tone = signal_tones(direction, signal, 0.0, (-20.0, -20.0), 200 * MS);
            let (audio, start) = framed(&tone);
            let end = start + tone.len();
            let mut detector = MfR2Detector::new(direction);
            let (mut operate, mut release) = (None, None);
            for (index, &sample) in audio.iter().enumerate() {
                detector.process(&[sample]);
                while let Some(event) = detector.poll() {
                    if event.on {
                        operate = Some(index + 1 - start);
                    } else {
                        release = Some(index + 1 - end);
                    }
                }
            }
            let (operate, release) = (operate.expect("on"), release.expect("off"));
            assert!(
                operate + release <= 80 * MS,
                "{direction:?} {signal}: operate {} ms + release {} ms",
                operate / MS,
                release / MS
            );
        }
    }
}

#[test]
fn same_events_for_any_frame_split() {
    let mut audio = silence(20 * MS);
    let mut starts = Vec::new();
    for signal in [3u8, 12, 5, 5, 15] {
        starts.push(audio.len());
        audio.extend(signal_tones(
            Direction::Forward,
            signal,
            0.0,
            (-8.0, -8.0),
            90 * MS,
        ));
        audio.extend(silence(60 * MS));
    }
    let reference = detect_chunked(Direction::Forward, &audio, 160);
    assert_eq!(reference.len(), 10, "{reference:?}");
    let digits: Vec<u8> = reference.iter().filter(|e| e.on).map(|e| e.digit).collect();
    assert_eq!(digits, [3, 12, 5, 5, 15]);
    for chunk in [1, 7, 40, 41, 1000] {
        assert_eq!(
            detect_chunked(Direction::Forward, &audio, chunk),
            reference,
            "chunk {chunk}"
        );
    }
}

#[test]
fn direct_change_between_signals_reports_off_then_on() {
    let mut audio = silence(20 * MS);
    audio.extend(signal_tones(
        Direction::Backward,
        1,
        0.0,
        (-8.0, -8.0),
        100 * MS,
    ));
    audio.extend(signal_tones(
        Direction::Backward,
        6,
        0.0,
        (-8.0, -8.0),
        100 * MS,
    ));
    audio.extend(silence(100 * MS));
    let events = detect(Direction::Backward, &audio);
    let summary: Vec<(u8, bool)> = events.iter().map(|e| (e.digit, e.on)).collect();
    assert_eq!(summary, [(1, true), (1, false), (6, true), (6, false)]);
}

#[test]
fn noise_alone_gives_nothing_and_20_db_snr_still_detects() {
    let mut noise = Noise::new(7);
    let noise_power = f64::from(sine_peak_for_dbm0(-10.0)).powi(2) / 2.0;
    let mut audio = silence(5 * 8000);
    add_noise(&mut audio, noise_power, &mut noise);
    for direction in DIRECTIONS {
        assert!(detect(direction, &audio).is_empty());
    }
    // Two tones at -8 dBm0 each against noise 20 dB below their sum.
    let tone_power = 2.0 * f64::from(sine_peak_for_dbm0(-8.0)).powi(2) / 2.0;
    for seed in 1..=5u64 {
        let mut noise = Noise::new(seed);
        for signal in 1..=15u8 {
            let tone = signal_tones(Direction::Forward, signal, 0.0, (-8.0, -8.0), 120 * MS);
            let (mut audio, start) = framed(&tone);
            add_noise(&mut audio, tone_power / 100.0, &mut noise);
            let events = detect(Direction::Forward, &audio);
            assert_one_signal(
                &events,
                signal,
                start,
                start + tone.len(),
                &format!("seed {seed} signal {signal}"),
            );
        }
    }
}

#[test]
fn compelled_sequence_with_random_chunks_round_trips() {
    let mut noise = Noise::new(99);
    let mut generator = MfR2Generator::new(Direction::Forward);
    let mut detector = MfR2Detector::new(Direction::Forward);
    let mut sent = Vec::new();
    let mut received = Vec::new();
    let mut frame = [0i16; 160];
    for _ in 0..60 {
        let signal = noise.below(15) as u8 + 1;
        sent.push(signal);
        generator.start(signal).unwrap();
        let on_frames = 4 + noise.below(6);
        let off_frames = 3 + noise.below(4);
        for step in 0..on_frames + off_frames {
            if step == on_frames {
                generator.stop();
            }
            generator.fill(&mut frame);
            detector.process(&frame);
            while let Some(event) = detector.poll() {
                if event.on {
                    received.push(event.digit);
                }
            }
        }
    }
    assert_eq!(received, sent);
}

#[test]
fn signals_survive_white_noise_down_to_0_db_snr_and_noise_alone_stays_silent() {
    // -20 dBm0 per tone against white noise as strong as both tones together: the idle
    // bins excuse the flat floor in the power-share and third-tone tests.
    let tone_power = 2.0 * f64::from(sine_peak_for_dbm0(-20.0)).powi(2) / 2.0;
    for direction in DIRECTIONS {
        let mut noise = Noise::new(11);
        for signal in 1..=15u8 {
            let tone = signal_tones(direction, signal, 0.0, (-20.0, -20.0), 100 * MS);
            let (mut audio, start) = framed(&tone);
            add_noise(&mut audio, tone_power, &mut noise);
            let events = detect(direction, &audio);
            // Onset timing is looser in this much noise: check what was heard, not when.
            let ons: Vec<u8> = events.iter().filter(|e| e.on).map(|e| e.digit).collect();
            assert_eq!(ons, [signal], "{direction:?} {signal}: {events:?}");
            let first = events.first().map_or(0, |e| e.at_sample as usize);
            assert!(
                first + 40 * MS >= start && first <= start + 40 * MS,
                "{direction:?} {signal}: {events:?}"
            );
        }
        // The same noise alone, at several levels, never makes a signal.
        for level in [-40.0f32, -25.0, -10.0] {
            let mut audio = silence(3 * 8000);
            add_noise(
                &mut audio,
                f64::from(sine_peak_for_dbm0(level)).powi(2) / 2.0,
                &mut noise,
            );
            assert!(
                detect(direction, &audio).is_empty(),
                "{direction:?} noise at {level} dBm0"
            );
        }
    }
}

#[test]
fn single_tones_anywhere_in_the_band_are_refused() {
    // 10 Hz steps through both groups, between the MF frequencies included.
    for direction in DIRECTIONS {
        let mut freq = 450.0;
        while freq <= 2100.0 {
            let tone = tones(&[(freq, -10.0)], 200 * MS);
            let (audio, _) = framed(&tone);
            assert!(
                detect(direction, &audio).is_empty(),
                "{direction:?}: {freq} Hz"
            );
            freq += 10.0;
        }
    }
}
