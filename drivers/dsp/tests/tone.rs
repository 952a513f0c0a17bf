mod common;

use common::{goertzel_power, level_dbm0, on_runs, zero_crossing_frequency};
use dsp::{ToneGenerator, ToneSpec};

fn render(spec: &ToneSpec, samples: usize, frame: usize) -> Vec<i16> {
    let mut generator = ToneGenerator::new(spec);
    let mut out = vec![0i16; samples];
    for chunk in out.chunks_mut(frame) {
        generator.fill(chunk);
    }
    out
}

#[test]
fn single_tone_has_its_frequency_and_level() {
    for (freq, level) in [(425u16, -13.0f32), (1004, -10.0), (450, 0.0), (2100, -30.0)] {
        let spec = ToneSpec {
            freqs_hz: [freq, 0],
            level_dbm0: level,
            cadence_ms: &[],
        };
        let out = render(&spec, 8000, 160);
        let measured = zero_crossing_frequency(&out);
        assert!(
            (measured - f64::from(freq)).abs() < 0.5,
            "{freq} Hz measured {measured}"
        );
        let measured_level = level_dbm0(&out);
        assert!(
            (measured_level - level).abs() < 0.1,
            "{level} dBm0 measured {measured_level}"
        );
    }
}

#[test]
fn zero_dbm0_sine_has_peak_22825() {
    let spec = ToneSpec {
        freqs_hz: [1000, 0],
        level_dbm0: 0.0,
        cadence_ms: &[],
    };
    let peak = render(&spec, 800, 160)
        .iter()
        .map(|x| x.unsigned_abs())
        .max()
        .unwrap_or(0);
    assert!((22_800..=22_830).contains(&peak), "peak {peak}");
}

#[test]
fn dual_tone_carries_both_frequencies_at_the_given_level_each() {
    let spec = ToneSpec {
        freqs_hz: [350, 440],
        level_dbm0: -13.0,
        cadence_ms: &[],
    };
    let out = render(&spec, 8000, 160);
    let expected_power = {
        let peak = dsp::level::sine_peak_for_dbm0(-13.0) as f64;
        peak * peak / 2.0
    };
    for freq in [350.0, 440.0] {
        let ratio_db = 10.0 * (goertzel_power(&out, freq) / expected_power).log10();
        assert!(ratio_db.abs() < 0.2, "{freq} Hz off by {ratio_db} dB");
    }
    assert!(goertzel_power(&out, 395.0) < expected_power * 1e-3);
}

#[test]
fn phase_is_continuous_across_odd_frame_sizes() {
    let spec = ToneSpec {
        freqs_hz: [1004, 0],
        level_dbm0: -6.0,
        cadence_ms: &[],
    };
    let whole = render(&spec, 4000, 4000);
    let pieces = render(&spec, 4000, 37);
    assert_eq!(whole, pieces);
    // No jump between neighbours larger than a continuous sine allows.
    let peak = dsp::level::sine_peak_for_dbm0(-6.0) as f64;
    let max_step = peak * (std::f64::consts::TAU * 1004.0 / 8000.0) + 2.0;
    assert!(pieces
        .windows(2)
        .all(|w| (f64::from(w[1]) - f64::from(w[0])).abs() <= max_step));
}

#[test]
fn cadence_is_honoured() {
    static CADENCE: [u16; 4] = [200, 200, 200, 4400];
    let spec = ToneSpec {
        freqs_hz: [425, 0],
        level_dbm0: -13.0,
        cadence_ms: &CADENCE,
    };
    let out = render(&spec, 8000 * 10, 160);
    // Gaps shorter than a couple of periods are zero crossings, not pauses.
    let runs = on_runs(&out, 40);
    let expected = [
        (0, 1600),
        (3200, 1600),
        (40_000, 1600),
        (41_600 + 1600, 1600),
    ];
    assert_eq!(runs.len(), 4, "runs {runs:?}");
    for ((start, len), (want_start, want_len)) in runs.iter().zip(expected) {
        assert!(
            start.abs_diff(want_start) <= 2,
            "start {start} want {want_start}"
        );
        assert!(len.abs_diff(want_len) <= 4, "len {len} want {want_len}");
    }
}

#[test]
fn all_zero_cadence_means_continuous() {
    static ZEROS: [u16; 2] = [0, 0];
    let spec = ToneSpec {
        freqs_hz: [425, 0],
        level_dbm0: -13.0,
        cadence_ms: &ZEROS,
    };
    assert!(spec.is_continuous());
    let out = render(&spec, 1600, 160);
    let runs = on_runs(&out, 40);
    assert_eq!(runs.len(), 1, "runs {runs:?}");
    assert!(runs[0].1 >= 1590, "runs {runs:?}");
}
