//! Resampler: tone frequency and level kept, images and aliases rejected, round trip.

use dsp::level::sine_peak_for_dbm0;
use dsp::resample::Resampler;

/// Goertzel power of `freq` at sample rate `rate`, normalised so a sine of peak A gives A²/2.
fn power(samples: &[i16], freq: f64, rate: f64) -> f64 {
    let coefficient = 2.0 * (std::f64::consts::TAU * freq / rate).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + coefficient * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let n = samples.len() as f64;
    2.0 * (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / (n * n)
}

fn mean_square(samples: &[i16]) -> f64 {
    samples.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / samples.len() as f64
}

fn sine(freq: f64, rate: u32, level_dbm0: f32, seconds: f64) -> Vec<i16> {
    let peak = f64::from(sine_peak_for_dbm0(level_dbm0));
    (0..(seconds * f64::from(rate)) as usize)
        .map(|n| {
            (peak * (std::f64::consts::TAU * freq * n as f64 / f64::from(rate)).sin()).round()
                as i16
        })
        .collect()
}

/// Runs `input` through in 20 ms frames.
fn convert(from: u32, to: u32, input: &[i16]) -> Vec<i16> {
    let mut resampler = Resampler::new(from, to).unwrap();
    let frame = from as usize / 50;
    let mut out = Vec::new();
    let mut buffer = vec![0i16; resampler.max_output_len(frame)];
    for chunk in input.chunks(frame) {
        let n = resampler.process(chunk, &mut buffer);
        out.extend_from_slice(&buffer[..n]);
    }
    out
}

/// Steady part: drop the first and last 50 ms (filter start-up).
fn steady(samples: &[i16], rate: u32) -> &[i16] {
    let skip = rate as usize / 20;
    &samples[skip..samples.len() - skip]
}

fn zero_crossing_frequency(samples: &[i16], rate: f64) -> f64 {
    let mut crossings = Vec::new();
    for i in 1..samples.len() {
        let (a, b) = (f64::from(samples[i - 1]), f64::from(samples[i]));
        if a < 0.0 && b >= 0.0 {
            crossings.push((i - 1) as f64 + a / (a - b));
        }
    }
    (crossings.len() - 1) as f64 * rate / (crossings[crossings.len() - 1] - crossings[0])
}

const PAIRS: [(u32, u32); 4] = [(8000, 16000), (16000, 8000), (8000, 48000), (48000, 8000)];

#[test]
fn a_tone_keeps_its_frequency_and_level() {
    for (from, to) in PAIRS {
        for freq in [300.0, 1004.0, 2500.0, 3400.0] {
            let input = sine(freq, from, -10.0, 1.0);
            let output = convert(from, to, &input);
            assert_eq!(
                output.len() as u64,
                input.len() as u64 * u64::from(to) / u64::from(from)
            );
            let steady_out = steady(&output, to);
            let gain_db = 10.0
                * (power(steady_out, freq, f64::from(to))
                    / power(steady(&input, from), freq, f64::from(from)))
                .log10();
            assert!(
                gain_db.abs() < 0.1,
                "{from}->{to} {freq} Hz: gain {gain_db:+.3} dB"
            );
            let measured = zero_crossing_frequency(steady_out, f64::from(to));
            assert!(
                (measured - freq).abs() < 0.5,
                "{from}->{to}: {freq} Hz came out at {measured:.3} Hz"
            );
        }
    }
}

#[test]
fn up_sampling_images_are_50_db_down() {
    for to in [16000u32, 48000] {
        for freq in [300.0, 1004.0, 2500.0, 3400.0] {
            let output = convert(8000, to, &sine(freq, 8000, -3.0, 1.0));
            let steady_out = steady(&output, to);
            let wanted = power(steady_out, freq, f64::from(to));
            // Images sit at k·8000 ± f up to half the output rate.
            let mut k = 1;
            while f64::from(k * 8000) - freq < f64::from(to) / 2.0 {
                for image in [f64::from(k * 8000) - freq, f64::from(k * 8000) + freq] {
                    if image < f64::from(to) / 2.0 {
                        let db = 10.0 * (power(steady_out, image, f64::from(to)) / wanted).log10();
                        assert!(
                            db <= -50.0,
                            "8000->{to}: image of {freq} Hz at {image} Hz only {db:.1} dB down"
                        );
                    }
                }
                k += 1;
            }
        }
    }
}

#[test]
fn down_sampling_aliases_are_50_db_down() {
    for from in [16000u32, 48000] {
        let mut freq = 4600.0;
        while freq < f64::from(from) / 2.0 {
            let input = sine(freq, from, -3.0, 0.5);
            let output = convert(from, 8000, &input);
            let db = 10.0
                * (mean_square(steady(&output, 8000)) / mean_square(steady(&input, from))).log10();
            assert!(
                db <= -50.0,
                "{from}->8000: {freq} Hz leaks through at {db:.1} dB"
            );
            freq += 700.0;
        }
    }
}

#[test]
fn round_trip_8_to_48_to_8_correlates() {
    // Telephone-band test signal: sum of tones 300..3400 Hz with scattered phases.
    let input: Vec<i16> = (0..16000)
        .map(|n| {
            let t = n as f64 / 8000.0;
            (1..=20)
                .map(|k| {
                    let f = 300.0 + 155.0 * f64::from(k);
                    800.0 * (std::f64::consts::TAU * f * t + f64::from(k * k) * 0.7).sin()
                })
                .sum::<f64>()
                .round() as i16
        })
        .collect();
    let up = convert(8000, 48000, &input);
    let back = convert(48000, 8000, &up);
    assert_eq!(back.len(), input.len());
    let (mut best, mut best_lag) = (0.0f64, 0);
    for lag in 0..100 {
        let a = &input[800..15000];
        let b = &back[800 + lag..15000 + lag];
        let dot: f64 = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| f64::from(x) * f64::from(y))
            .sum();
        let norm = (mean_square(a) * mean_square(b)).sqrt() * a.len() as f64;
        if dot / norm > best {
            best = dot / norm;
            best_lag = lag;
        }
    }
    println!("round trip 8->48->8: correlation {best:.6} at lag {best_lag}");
    assert!(best >= 0.999, "correlation {best}");
    let expected_lag = Resampler::new(8000, 48000).unwrap().delay_out_samples() / 6.0
        + Resampler::new(48000, 8000).unwrap().delay_out_samples();
    assert!(
        (best_lag as f64 - expected_lag).abs() <= 1.0,
        "lag {best_lag}, expected {expected_lag}"
    );
}

#[test]
fn output_identical_for_any_input_split() {
    let input = sine(1234.0, 8000, -6.0, 0.3);
    for (from, to) in [(8000, 48000), (8000, 16000)] {
        let reference = convert(from, to, &input);
        for chunk in [1, 7, 33, 1000] {
            let mut resampler = Resampler::new(from, to).unwrap();
            let mut out = Vec::new();
            let mut buffer = vec![0i16; resampler.max_output_len(chunk)];
            for piece in input.chunks(chunk) {
                let n = resampler.process(piece, &mut buffer);
                out.extend_from_slice(&buffer[..n]);
            }
            assert_eq!(out, reference, "{from}->{to} chunk {chunk}");
        }
    }
    let down_input = sine(1234.0, 48000, -6.0, 0.3);
    let reference = convert(48000, 8000, &down_input);
    let mut resampler = Resampler::new(48000, 8000).unwrap();
    let mut out = Vec::new();
    let mut buffer = vec![0i16; resampler.max_output_len(7)];
    for piece in down_input.chunks(7) {
        let n = resampler.process(piece, &mut buffer);
        out.extend_from_slice(&buffer[..n]);
    }
    assert_eq!(out, reference);
}

#[test]
fn full_scale_input_saturates_instead_of_wrapping() {
    let square: Vec<i16> = (0..8000)
        .map(|n| if (n / 20) % 2 == 0 { 32767 } else { -32768 })
        .collect();
    let out = convert(8000, 48000, &square);
    let delay = Resampler::new(8000, 48000)
        .unwrap()
        .delay_out_samples()
        .round() as usize;
    // Gibbs overshoot is clipped: no sign flips at the plateaus.
    for (n, &y) in out.iter().enumerate().skip(600) {
        let m = (n - delay) / 6;
        let x = square[m];
        if m % 20 > 3 && m % 20 < 17 {
            assert_eq!(y.signum(), x.signum(), "sample {n}");
        }
    }
}

// Any pair of rates: prompt files (6 to 48 kHz to the line's 8 kHz) and beyond.

use dsp::resample::resample_all;

/// `seconds` of a sine of `amplitude` at `freq`, sampled at `rate`, as `f32`.
fn sine_f32(freq: f64, rate: u32, amplitude: f64, seconds: f64) -> Vec<f32> {
    (0..(f64::from(rate) * seconds) as usize)
        .map(|n| {
            (amplitude * (std::f64::consts::TAU * freq * n as f64 / f64::from(rate)).sin()) as f32
        })
        .collect()
}

/// The amplitude of `freq` in `samples` (Goertzel): 1.0 for a sine of peak 1.0.
fn amplitude_f32(samples: &[f32], freq: f64, rate: u32) -> f64 {
    let coefficient = 2.0 * (std::f64::consts::TAU * freq / f64::from(rate)).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + coefficient * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    2.0 * (s1 * s1 + s2 * s2 - coefficient * s1 * s2).sqrt() / samples.len() as f64
}

/// The middle 80 %.
fn middle(samples: &[f32]) -> &[f32] {
    &samples[samples.len() / 10..samples.len() * 9 / 10]
}

fn zero_crossing_frequency_f32(samples: &[f32], rate: u32) -> f64 {
    let as_i16: Vec<i16> = samples.iter().map(|s| (s * 32000.0) as i16).collect();
    zero_crossing_frequency(&as_i16, f64::from(rate))
}

/// Pairs the line-rate-only resampler refused: prompt files to 8 kHz, their inverse, the
/// extremes of 4 ↔ 192 kHz and the two media families.
const NEW_PAIRS: [(u32, u32); 10] = [
    (44100, 8000),
    (22050, 8000),
    (11025, 8000),
    (6000, 8000),
    (32000, 8000),
    (8000, 44100),
    (4000, 192000),
    (192000, 4000),
    (48000, 44100),
    (44100, 48000),
];

#[test]
fn a_1khz_prompt_tone_stays_1khz_at_8khz_from_common_rates() {
    for rate in [22050, 16000, 44100, 48000, 11025, 6000] {
        let input = sine_f32(1000.0, rate, 0.5, 1.0);
        let output = resample_all(&input, rate, 8000).unwrap();
        assert_eq!(output.len(), 8000, "{rate} Hz: one second is 8000 samples");
        let frequency = zero_crossing_frequency_f32(middle(&output), 8000);
        assert!(
            (frequency - 1000.0).abs() < 2.0,
            "{rate} Hz: {frequency} Hz out"
        );
        let level = amplitude_f32(middle(&output), 1000.0, 8000);
        assert!((level - 0.5).abs() < 0.01, "{rate} Hz: amplitude {level}");
        // Nothing else: a neighbouring bin holds almost nothing.
        let other = amplitude_f32(middle(&output), 1500.0, 8000);
        assert!(other < 0.005, "{rate} Hz: {other} at 1.5 kHz");
    }
}

#[test]
fn a_6khz_tone_at_44k1_does_not_alias_into_the_band() {
    let input = sine_f32(6000.0, 44100, 0.5, 1.0);
    let output = resample_all(&input, 44100, 8000).unwrap();
    // Without the low-pass, 6 kHz folds to 2 kHz at 8 kHz.
    let alias = amplitude_f32(middle(&output), 2000.0, 8000);
    let peak = middle(&output).iter().fold(0.0f32, |m, s| m.max(s.abs()));
    let attenuation_db = 20.0 * (0.5 / alias.max(1e-12)).log10();
    assert!(
        attenuation_db >= 60.0,
        "2 kHz alias only {attenuation_db:.1} dB down"
    );
    assert!(
        f64::from(peak) < 0.5 * 0.001,
        "peak {peak} (60 dB below 0.5)"
    );
}

#[test]
fn one_shot_output_is_time_aligned_with_the_input() {
    // The resampled tone is the tone sampled at the output instants: no delay, no phase.
    for (from, to) in NEW_PAIRS.into_iter().chain(PAIRS) {
        let freq = 1000.0f64.min(0.2 * f64::from(from.min(to)));
        let input = sine_f32(freq, from, 0.5, 0.5);
        let output = resample_all(&input, from, to).unwrap();
        let ideal = sine_f32(freq, to, 0.5, 0.5);
        assert_eq!(output.len(), ideal.len(), "{from} -> {to}");
        let worst = middle(&output)
            .iter()
            .zip(middle(&ideal))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        // ±0.1 dB of pass-band ripple is ±1.2 % of the amplitude.
        assert!(worst < 0.5 * 0.015, "{from} -> {to}: off by {worst}");
    }
    // The same for 16-bit samples.
    let input = sine(1004.0, 44100, -10.0, 0.5);
    let output = resample_all(&input, 44100, 8000).unwrap();
    let ideal = sine(1004.0, 8000, -10.0, 0.5);
    assert_eq!(output.len(), ideal.len());
    for (n, (a, b)) in output.iter().zip(&ideal).enumerate().skip(400).take(3200) {
        assert!((a - b).abs() < 150, "sample {n}: {a} vs {b}");
    }
}

#[test]
fn new_pairs_keep_a_tone_and_its_level() {
    for (from, to) in NEW_PAIRS {
        let lower = f64::from(from.min(to));
        for share in [0.0375, 0.125, 0.3125, 0.425] {
            // 300, 1000, 2500, 3400 Hz at 8 kHz; the same shares of the band elsewhere.
            let freq = (share * lower).round() + 4.0;
            let input = sine(freq, from, -10.0, 1.0);
            let output = convert(from, to, &input);
            assert_eq!(
                output.len() as u64,
                input.len() as u64 * u64::from(to) / u64::from(from),
                "{from} -> {to}"
            );
            let steady_out = steady(&output, to);
            let gain_db = 10.0
                * (power(steady_out, freq, f64::from(to))
                    / power(steady(&input, from), freq, f64::from(from)))
                .log10();
            assert!(
                gain_db.abs() < 0.1,
                "{from}->{to} {freq} Hz: gain {gain_db:+.3} dB"
            );
            let measured = zero_crossing_frequency(steady_out, f64::from(to));
            assert!(
                (measured - freq).abs() < 0.5,
                "{from}->{to}: {freq} Hz came out at {measured:.3} Hz"
            );
        }
    }
}

#[test]
fn new_pairs_remove_what_is_above_the_new_nyquist_by_60_db() {
    // Down: every tone from the stop band (57.5 % of the lower rate) up to the input's
    // Nyquist frequency is gone from the output.
    for (from, to) in NEW_PAIRS.into_iter().filter(|(from, to)| from > to) {
        let step = f64::from(from) / 2.0 / 23.0;
        let mut freq = 0.575 * f64::from(to);
        while freq < f64::from(from) / 2.0 {
            let input = sine(freq, from, -3.0, 0.5);
            let output = convert(from, to, &input);
            let db = 10.0
                * (mean_square(steady(&output, to)) / mean_square(steady(&input, from))).log10();
            assert!(
                db <= -60.0,
                "{from}->{to}: {freq:.0} Hz leaks through at {db:.1} dB"
            );
            freq += step;
        }
    }
    // Up: the images of a band tone (k·from ± f, up to the output's Nyquist) are gone.
    for (from, to) in NEW_PAIRS.into_iter().filter(|(from, to)| from < to) {
        let from_f = f64::from(from);
        let nyquist = f64::from(to) / 2.0;
        for freq in [0.0375 * from_f + 4.0, 0.3125 * from_f + 4.0, 0.425 * from_f] {
            let output = convert(from, to, &sine(freq, from, -3.0, 0.5));
            let steady_out = steady(&output, to);
            let wanted = power(steady_out, freq, f64::from(to));
            let mut k = 1.0;
            while k * from_f - freq < nyquist {
                for image in [k * from_f - freq, k * from_f + freq] {
                    if image < nyquist {
                        let db = 10.0 * (power(steady_out, image, f64::from(to)) / wanted).log10();
                        assert!(
                            db <= -60.0,
                            "{from}->{to}: image of {freq} Hz at {image} Hz only {db:.1} dB down"
                        );
                    }
                }
                k += 1.0;
            }
        }
    }
}

#[test]
fn filter_design_time_for_large_factors() {
    // Runs once per prompt file at boot: report what the biggest filters cost.
    for (from, to) in [
        (44100, 8000),
        (11025, 8000),
        (8000, 44100),
        (8000, 8001),
        (16384, 16383),
    ] {
        let start = std::time::Instant::now();
        let resampler = Resampler::new(from, to).unwrap();
        let elapsed = start.elapsed();
        let (up, down) = resampler.factors();
        println!("{from} -> {to} Hz (L = {up}, M = {down}): designed in {elapsed:?}");
        assert!(elapsed.as_secs() < 5, "{from} -> {to}: {elapsed:?}");
    }
}
