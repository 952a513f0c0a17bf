//! Call-progress tones in a recording, by a plain Goertzel scan (the DSP crate's
//! call-progress detector is not there yet).
//!
//! Every 10 ms a 50 ms Hann window measures each frequency the plan uses. A frequency is
//! "on" in a window when it is above −40 dBm0, within 6 dB of its loudest level in the
//! file (so the window centre lies inside the tone), and the plan's frequencies carry
//! most of the window's power (speech is not a tone). Runs of windows with the same set
//! of frequencies are segments; the on/off durations of a set's segments are matched
//! against the cadences of the plan's tones that use exactly those frequencies.

use dsp::tone::ToneSpec;
use dsp::tone_plan::TonePlan;
use line_boundary::Tone;

const WINDOW: usize = 400;
const HOP: usize = 80;
const MIN_LEVEL_DBM0: f64 = -40.0;
const BELOW_PEAK_DB: f64 = 6.0;
const MIN_POWER_SHARE: f64 = 0.5;
const MIN_SEGMENT_MS: u32 = 40;
/// A tone heard this long without a break counts as continuous.
const CONTINUOUS_MS: u32 = 1500;

const TONES: [(Tone, &str); 6] = [
    (Tone::Dial, "dial"),
    (Tone::Ringback, "ringback"),
    (Tone::Busy, "busy"),
    (Tone::Congestion, "congestion"),
    (Tone::CallWaiting, "call-waiting"),
    (Tone::Test1004Hz, "test-1004hz"),
];

/// A stretch of audio holding one set of plan frequencies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub start_ms: u32,
    pub end_ms: u32,
    pub freqs: Vec<u16>,
}

/// A plan tone recognised from its frequencies and cadence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognised {
    pub at_ms: u32,
    pub name: &'static str,
}

fn freqs_of(spec: &ToneSpec) -> Vec<u16> {
    let mut freqs: Vec<u16> = spec.freqs_hz.iter().copied().filter(|&f| f != 0).collect();
    freqs.sort_unstable();
    freqs
}

fn dbm0(power: f64) -> f64 {
    // A 0 dBm0 sine has peak 22 825 (3.14 dB below full scale), power peak²/2.
    let zero_dbm0 = 22_825.0f64 * 22_825.0 / 2.0;
    10.0 * (power.max(1e-12) / zero_dbm0).log10()
}

/// Hann-windowed single-bin power, normalised so a sine of peak A gives A²/2.
fn bin_power(window: &[f64], hann: &[f64], freq: f64) -> f64 {
    let (mut re, mut im) = (0.0, 0.0);
    for (n, (&x, &w)) in window.iter().zip(hann).enumerate() {
        let phase = std::f64::consts::TAU * freq * n as f64 / 8000.0;
        re += w * x * phase.cos();
        im -= w * x * phase.sin();
    }
    let amplitude = 4.0 * (re * re + im * im).sqrt() / WINDOW as f64;
    amplitude * amplitude / 2.0
}

/// Segments of plan tones in `samples`.
pub fn scan(samples: &[i16], plan: TonePlan) -> Vec<Segment> {
    let mut candidates: Vec<u16> = TONES
        .iter()
        .flat_map(|&(t, _)| freqs_of(&plan.spec(t)))
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    let hann: Vec<f64> = (0..WINDOW)
        .map(|n| 0.5 - 0.5 * (std::f64::consts::TAU * n as f64 / WINDOW as f64).cos())
        .collect();
    let hann_square: f64 = hann.iter().map(|w| w * w).sum();
    let mut windows = Vec::new(); // (centre sample, per-candidate power, total power)
    let mut start = 0;
    while start + WINDOW <= samples.len() {
        let window: Vec<f64> = samples[start..start + WINDOW]
            .iter()
            .map(|&x| f64::from(x))
            .collect();
        let powers: Vec<f64> = candidates
            .iter()
            .map(|&f| bin_power(&window, &hann, f64::from(f)))
            .collect();
        let total: f64 = window
            .iter()
            .zip(&hann)
            .map(|(x, w)| (x * w).powi(2))
            .sum::<f64>()
            / hann_square;
        windows.push((start + WINDOW / 2, powers, total));
        start += HOP;
    }
    let peaks: Vec<f64> = (0..candidates.len())
        .map(|i| windows.iter().map(|w| w.1[i]).fold(0.0, f64::max))
        .collect();
    let mut segments: Vec<Segment> = Vec::new();
    let mut current: Option<(usize, usize, Vec<u16>)> = None; // first, last centre, freqs
    for (centre, powers, total) in &windows {
        let mut on = Vec::new();
        let mut on_power = 0.0;
        for (i, &power) in powers.iter().enumerate() {
            if dbm0(power) >= MIN_LEVEL_DBM0 && dbm0(power) >= dbm0(peaks[i]) - BELOW_PEAK_DB {
                on.push(candidates[i]);
                on_power += power;
            }
        }
        if on_power < MIN_POWER_SHARE * total {
            on.clear();
        }
        match &mut current {
            Some((_, last, freqs)) if !on.is_empty() && *freqs == on => *last = *centre,
            _ => {
                if let Some((first, last, freqs)) = current.take() {
                    push_segment(&mut segments, first, last, freqs);
                }
                if !on.is_empty() {
                    current = Some((*centre, *centre, on));
                }
            }
        }
    }
    if let Some((first, last, freqs)) = current {
        push_segment(&mut segments, first, last, freqs);
    }
    segments
}

fn push_segment(segments: &mut Vec<Segment>, first: usize, last: usize, freqs: Vec<u16>) {
    // Window centres every HOP samples: the segment spans half a hop either side.
    let start_ms = (first.saturating_sub(HOP / 2) / 8) as u32;
    let end_ms = ((last + HOP / 2) / 8) as u32;
    if end_ms - start_ms >= MIN_SEGMENT_MS {
        segments.push(Segment {
            start_ms,
            end_ms,
            freqs,
        });
    }
}

fn close(measured: u32, expected: u16) -> bool {
    let expected = f64::from(expected);
    (f64::from(measured) - expected).abs() <= (0.15 * expected).max(30.0)
}

/// Plan tones whose frequencies and cadence the segments match. `total_ms` is the
/// recording's length: segments touching either end are cut and their length not used.
pub fn recognise(segments: &[Segment], plan: TonePlan, total_ms: u32) -> Vec<Recognised> {
    let mut found = Vec::new();
    for &(tone, name) in TONES.iter() {
        let spec = plan.spec(tone);
        let freqs = freqs_of(&spec);
        let mine: Vec<&Segment> = segments.iter().filter(|s| s.freqs == freqs).collect();
        let Some(first) = mine.first() else { continue };
        if spec.is_continuous() {
            if let Some(long) = mine.iter().find(|s| s.end_ms - s.start_ms >= CONTINUOUS_MS) {
                found.push(Recognised {
                    at_ms: long.start_ms,
                    name,
                });
            }
            continue;
        }
        // Alternating on/off durations, leaving out segments cut by the recording's ends.
        let mut durations = Vec::new();
        for (i, segment) in mine.iter().enumerate() {
            let cut = segment.start_ms <= 30 || segment.end_ms + 30 >= total_ms;
            durations.push((!cut).then_some(segment.end_ms - segment.start_ms));
            if let Some(next) = mine.get(i + 1) {
                durations.push(Some(next.start_ms - segment.end_ms));
            }
        }
        let measured: Vec<(usize, u32)> = durations
            .iter()
            .enumerate()
            .filter_map(|(i, d)| d.map(|d| (i, d)))
            .collect();
        // Need at least one full on and one off to tell cadences apart.
        if measured.len() < 2 {
            continue;
        }
        let cadence = spec.cadence_ms;
        let matches = (0..cadence.len()).step_by(2).any(|rotation| {
            measured
                .iter()
                .all(|&(i, d)| close(d, cadence[(i + rotation) % cadence.len()]))
        });
        if matches {
            found.push(Recognised {
                at_ms: first.start_ms,
                name,
            });
        }
    }
    found.sort_by_key(|r| r.at_ms);
    found
}
