mod common;

use common::{add_noise, Noise};
use dsp::dtmf::{frequencies_of, DIGITS};
use dsp::level::sine_peak_for_dbm0;
use dsp::tone_plan::{TonePlan, TonePlanName};
use dsp::{DtmfDetector, DtmfError, DtmfGenerator, DtmfGeneratorConfig, ToneGenerator};
use line_boundary::{Tone, FRAME_SAMPLES};

/// Test-side dual tone, independent of the crate's generator.
fn dual_tone(freqs: (f64, f64), levels_dbm0: (f32, f32), ms: usize) -> Vec<i16> {
    let (a, b) = (
        f64::from(sine_peak_for_dbm0(levels_dbm0.0)),
        f64::from(sine_peak_for_dbm0(levels_dbm0.1)),
    );
    (0..ms * 8)
        .map(|n| {
            let t = n as f64 / 8000.0;
            let v = a * (std::f64::consts::TAU * freqs.0 * t + 0.3).sin()
                + b * (std::f64::consts::TAU * freqs.1 * t + 1.1).sin();
            v.round() as i16
        })
        .collect()
}

fn silence(ms: usize) -> Vec<i16> {
    vec![0; ms * 8]
}

fn digit_tone(digit: char, deviation: f64, levels: (f32, f32), ms: usize) -> Vec<i16> {
    let (low, high) = frequencies_of(digit).expect("valid digit");
    dual_tone(
        (
            f64::from(low) * (1.0 + deviation),
            f64::from(high) * (1.0 + deviation),
        ),
        levels,
        ms,
    )
}

/// Runs audio through a fresh detector in 20 ms frames and collects the digits.
fn detect(audio: &[i16]) -> String {
    let mut detector = DtmfDetector::default();
    let mut digits = String::new();
    for frame in audio.chunks(FRAME_SAMPLES) {
        detector.process(frame);
        while let Some(found) = detector.poll_digit() {
            digits.push(found.digit);
        }
    }
    digits
}

fn with_guard(mut tone: Vec<i16>) -> Vec<i16> {
    let mut audio = silence(60);
    audio.append(&mut tone);
    audio.extend(silence(100));
    audio
}

#[test]
fn every_digit_is_detected_once_at_several_levels() {
    for digit in DIGITS {
        for level in [0.0f32, -6.0, -13.0, -20.0, -26.0, -35.0, -40.0] {
            let audio = with_guard(digit_tone(digit, 0.0, (level, level), 60));
            assert_eq!(
                detect(&audio),
                digit.to_string(),
                "digit {digit} at {level} dBm0"
            );
        }
    }
}

#[test]
fn very_weak_digits_are_ignored() {
    // The floor is -44 dBm0 per tone (spandsp still hears -40): -47 is below it.
    let audio = with_guard(digit_tone('5', 0.0, (-47.0, -47.0), 100));
    assert_eq!(detect(&audio), "");
    // One tone above the floor and the other below it is not a digit either.
    let audio = with_guard(digit_tone('5', 0.0, (-40.0, -47.0), 100));
    assert_eq!(detect(&audio), "");
}

#[test]
fn frequency_deviation_within_1_5_percent_is_accepted() {
    for digit in DIGITS {
        for deviation in [-0.015, 0.015] {
            let audio = with_guard(digit_tone(digit, deviation, (-10.0, -10.0), 60));
            assert_eq!(
                detect(&audio),
                digit.to_string(),
                "digit {digit} deviation {deviation}"
            );
        }
    }
}

#[test]
fn frequency_deviation_of_3_5_percent_is_rejected() {
    for digit in DIGITS {
        for deviation in [-0.035, 0.035, -0.05, 0.05] {
            let audio = with_guard(digit_tone(digit, deviation, (-10.0, -10.0), 100));
            assert_eq!(detect(&audio), "", "digit {digit} deviation {deviation}");
        }
    }
}

#[test]
fn twist_within_limits_is_accepted_and_beyond_is_rejected() {
    for digit in DIGITS {
        // Normal twist: high group louder by 4 dB; reverse twist: low group louder by 8 dB.
        let normal = with_guard(digit_tone(digit, 0.0, (-14.0, -10.0), 60));
        let reverse = with_guard(digit_tone(digit, 0.0, (-8.0, -16.0), 60));
        assert_eq!(detect(&normal), digit.to_string(), "normal twist {digit}");
        assert_eq!(detect(&reverse), digit.to_string(), "reverse twist {digit}");
        let too_normal = with_guard(digit_tone(digit, 0.0, (-17.0, -10.0), 60));
        let too_reverse = with_guard(digit_tone(digit, 0.0, (-6.0, -17.0), 60));
        assert_eq!(detect(&too_normal), "", "excess normal twist {digit}");
        assert_eq!(detect(&too_reverse), "", "excess reverse twist {digit}");
    }
}

fn sequence(digits: &str, tone_ms: usize, pause_ms: usize, level: f32) -> Vec<i16> {
    let mut audio = silence(50);
    for digit in digits.chars() {
        audio.extend(digit_tone(digit, 0.0, (level, level), tone_ms));
        audio.extend(silence(pause_ms));
    }
    audio
}

#[test]
fn forty_ms_tones_with_forty_ms_pauses_are_all_detected() {
    let digits = "1234567890*#ABCD11223344";
    // Try several alignments of the tones against the analysis windows.
    for lead_in in 0..6 {
        let mut audio = silence(lead_in * 2);
        audio.extend(sequence(digits, 40, 40, -10.0));
        assert_eq!(detect(&audio), digits, "lead-in {lead_in}");
        let mut at_ten_per_second = silence(lead_in * 2);
        at_ten_per_second.extend(sequence(digits, 40, 60, -20.0));
        assert_eq!(detect(&at_ten_per_second), digits, "10/s lead-in {lead_in}");
    }
}

#[test]
fn tones_of_20_ms_are_ignored_and_28_ms_accepted_at_every_alignment() {
    for lead_in_samples in 0..51 {
        let mut short = vec![0i16; lead_in_samples];
        short.extend(sequence("159", 20, 80, -10.0));
        assert_eq!(detect(&short), "", "20 ms, lead-in {lead_in_samples}");
        let mut long_enough = vec![0i16; lead_in_samples];
        long_enough.extend(sequence("159", 28, 80, -10.0));
        assert_eq!(
            detect(&long_enough),
            "159",
            "28 ms, lead-in {lead_in_samples}"
        );
    }
}

#[test]
fn a_long_key_press_is_one_digit() {
    assert_eq!(
        detect(&with_guard(digit_tone('7', 0.0, (-10.0, -10.0), 2000))),
        "7"
    );
}

#[test]
fn a_dropout_of_up_to_10_ms_does_not_split_a_digit() {
    for gap_ms in [1usize, 5, 10] {
        for gap_start in [800usize, 823, 851, 877] {
            let mut tone = digit_tone('9', 0.0, (-10.0, -10.0), 250);
            tone[gap_start..gap_start + gap_ms * 8].fill(0);
            assert_eq!(
                detect(&with_guard(tone)),
                "9",
                "gap {gap_ms} ms at {gap_start}"
            );
        }
    }
}

#[test]
fn digits_survive_noise_at_20_db_snr() {
    let mut noise = Noise::new(7);
    let digits = "0123456789*#";
    let mut audio = sequence(digits, 60, 60, -10.0);
    let tone_power = {
        let peak = f64::from(sine_peak_for_dbm0(-10.0));
        peak * peak // two tones of A²/2 each
    };
    add_noise(&mut audio, tone_power / 100.0, &mut noise);
    assert_eq!(detect(&audio), digits);
}

#[test]
fn white_noise_alone_gives_no_digits() {
    let mut noise = Noise::new(99);
    for level_power in [1e3, 1e5, 1e7] {
        let mut audio = silence(10_000);
        add_noise(&mut audio, level_power, &mut noise);
        assert_eq!(detect(&audio), "", "noise power {level_power}");
    }
}

#[test]
fn single_tones_give_no_digits() {
    let mut freqs: Vec<f64> = Vec::new();
    freqs.extend(
        dsp::dtmf::ROW_FREQS_HZ
            .iter()
            .chain(dsp::dtmf::COLUMN_FREQS_HZ.iter())
            .map(|&f| f64::from(f)),
    );
    freqs.extend([350.0, 440.0, 1004.0, 1100.0, 2100.0]);
    for freq in freqs {
        for level in [0.0, -10.0, -25.0] {
            let audio = with_guard(dual_tone((freq, 0.0), (level, -200.0), 500));
            assert_eq!(detect(&audio), "", "{freq} Hz at {level} dBm0");
        }
    }
}

#[test]
fn plan_tones_give_no_digits() {
    for name in TonePlanName::ALL {
        let plan = TonePlan::new(name);
        for tone in [
            Tone::Dial,
            Tone::Ringback,
            Tone::Busy,
            Tone::Congestion,
            Tone::CallWaiting,
            Tone::Test1004Hz,
        ] {
            let mut generator = ToneGenerator::new(&plan.spec(tone));
            let mut audio = vec![0i16; 8000 * 6];
            generator.fill(&mut audio);
            assert_eq!(detect(&audio), "", "{name} {tone:?}");
        }
    }
}

#[test]
fn generator_to_detector_round_trip_of_a_long_random_string() {
    let mut noise = Noise::new(2024);
    let digits: String = (0..300).map(|_| DIGITS[noise.below(16) as usize]).collect();
    let mut generator = DtmfGenerator::new(DtmfGeneratorConfig::default()).expect("valid config");
    let mut detector = DtmfDetector::default();
    let mut heard = String::new();
    let mut at_samples = Vec::new();
    let mut frame = [0i16; FRAME_SAMPLES];
    for chunk in digits.as_bytes().chunks(50) {
        generator
            .push_digits(std::str::from_utf8(chunk).expect("ascii"))
            .expect("queue has room");
        while generator.fill(&mut frame) {
            detector.process(&frame);
            while let Some(found) = detector.poll_digit() {
                heard.push(found.digit);
                at_samples.push(found.at_sample);
            }
        }
        detector.process(&frame);
    }
    for _ in 0..10 {
        detector.process(&[0; FRAME_SAMPLES]);
    }
    while let Some(found) = detector.poll_digit() {
        heard.push(found.digit);
        at_samples.push(found.at_sample);
    }
    assert_eq!(heard, digits);
    // Each digit starts 160 ms after the previous one (80 ms tone + 80 ms pause).
    for (index, &at) in at_samples.iter().enumerate() {
        let onset = index as u64 * 1280;
        assert!(
            at + 102 >= onset && at <= onset + 102,
            "digit {index} at {at}, onset {onset}"
        );
    }
}

#[test]
fn generator_follows_its_timing_and_levels() {
    let config = DtmfGeneratorConfig {
        tone_ms: 50,
        pause_ms: 30,
        ..DtmfGeneratorConfig::default()
    };
    let mut generator = DtmfGenerator::new(config).expect("valid config");
    generator.push_digits("5#").expect("valid digits");
    let mut audio = vec![0i16; 8 * 200];
    assert!(!generator.fill(&mut audio));
    let runs = common::on_runs(&audio, 8);
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert!(
        runs[0].1.abs_diff(400) <= 2 && runs[1].0.abs_diff(640) <= 2,
        "{runs:?}"
    );
    let first = &audio[..400];
    let (low, high) = frequencies_of('5').expect("valid");
    let low_db = 10.0 * (common::goertzel_power(first, f64::from(low))).log10();
    let high_db = 10.0 * (common::goertzel_power(first, f64::from(high))).log10();
    assert!(
        (high_db - low_db - 2.0).abs() < 0.3,
        "high group should be 2 dB above low"
    );
}

#[test]
fn generator_rejects_bad_input() {
    let mut generator = DtmfGenerator::new(DtmfGeneratorConfig::default()).expect("valid config");
    assert_eq!(
        generator.push_digits("12x"),
        Err(DtmfError::InvalidDigit { digit: 'x' })
    );
    assert!(
        !generator.is_busy(),
        "nothing is queued when one digit is invalid"
    );
    assert_eq!(
        generator.push_digits(&"1".repeat(65)),
        Err(DtmfError::QueueFull { capacity: 64 })
    );
    assert!(DtmfGenerator::new(DtmfGeneratorConfig {
        tone_ms: 0,
        ..DtmfGeneratorConfig::default()
    })
    .is_err());
}
