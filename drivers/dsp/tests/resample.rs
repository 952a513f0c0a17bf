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
