//! MFC/R2 inter-register signalling tones (ITU-T Q.441), generator and receiver.
//!
//! Each direction uses its own group of six frequencies, 120 Hz apart; a signal is
//! exactly two of the six (15 combinations, signals 1…15, Q.441 table 5):
//!
//! | signal | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 |
//! | ------ | - | - | - | - | - | - | - | - | - | -- | -- | -- | -- | -- | -- |
//! | tones  | f0 f1 | f0 f2 | f1 f2 | f0 f3 | f1 f3 | f2 f3 | f0 f4 | f1 f4 | f2 f4 | f3 f4 | f0 f5 | f1 f5 | f2 f5 | f3 f5 | f4 f5 |
//!
//! with f0…f5 = 1380 1500 1620 1740 1860 1980 Hz forward and 1140 1020 900 780 660 540 Hz
//! backward. Signalling is compelled: a tone stays on until the far end's answer tells
//! the sender to stop, so the generator plays a signal until [`MfR2Generator::stop`].
//!
//! Receiver (Q.441 §4.3 / Q.455 limits it is built against):
//! - operate on −5…−35 dBm0 per tone, ±10 Hz from nominal;
//! - accept a level difference between the two tones of 5 dB (adjacent) / 7 dB
//!   (non-adjacent), refuse one of 20 dB or more (limit here: 12 dB);
//! - ignore a two-tone burst shorter than 7 ms; do not release on interruptions ≤ 7 ms;
//! - operate + release time together well under 80 ms.
//!
//! How: a 160-sample (20 ms) Hann window is advanced 40 samples (5 ms); for each of the
//! six frequencies a single DFT bin is taken (the Hann window keeps a tone's leakage
//! into the neighbouring frequency, 120 Hz away, about 31 dB down). A window votes for a
//! signal when the two strongest bins
//! - are each above the minimum level, within the allowed twist of each other,
//! - stand ≥ 10 dB above every other bin once the mean of the four idle bins is taken
//!   off (three-tone combinations are refused; a flat noise floor, which lifts all four
//!   idle bins alike, is not mistaken for a third tone),
//! - carry most of the window's power after the share a flat noise floor explains, as
//!   estimated from the idle bins, is set aside (speech and music, whose other power
//!   sits in peaks away from the idle bins, are refused; tones in white noise down to
//!   0 dB SNR are not),
//! - sit within ±25 Hz of nominal, measured from the bin's phase advance over one hop
//!   (a single tone between two frequencies lights both bins and is refused here).
//!
//! A signal is reported on after three consecutive votes whose tone levels agree within
//! 2 dB: only windows lying wholly inside a tone agree like that, so a short burst
//! (which only ever partly fills a window) is never reported. It is reported off after
//! two consecutive windows in which its two tones are no longer the strongest or have
//! fallen 15 dB below its on level.

use crate::level::sine_peak_for_dbm0;
use crate::oscillator::{to_i16, Oscillator};
use core::f32::consts::TAU;
use heapless::Deque;
use line_boundary::SAMPLE_RATE_HZ;

/// Forward (outgoing register → incoming register) frequencies f0…f5, Q.441.
pub const FORWARD_FREQS_HZ: [u16; 6] = [1380, 1500, 1620, 1740, 1860, 1980];
/// Backward (incoming register → outgoing register) frequencies f0…f5, Q.441.
pub const BACKWARD_FREQS_HZ: [u16; 6] = [1140, 1020, 900, 780, 660, 540];

/// The two tone indices (into the direction's f0…f5) of signals 1…15.
const SIGNAL_TONES: [(usize, usize); 15] = [
    (0, 1),
    (0, 2),
    (1, 2),
    (0, 3),
    (1, 3),
    (2, 3),
    (0, 4),
    (1, 4),
    (2, 4),
    (3, 4),
    (0, 5),
    (1, 5),
    (2, 5),
    (3, 5),
    (4, 5),
];

/// Default sending level of each of the two tones.
pub const DEFAULT_LEVEL_DBM0: f32 = -8.0;

/// Which frequency group a generator sends or a receiver listens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Outgoing register to incoming register: 1380…1980 Hz.
    Forward,
    /// Incoming register to outgoing register: 1140…540 Hz.
    Backward,
}

impl Direction {
    /// f0…f5 of this direction.
    pub fn frequencies(self) -> [u16; 6] {
        match self {
            Direction::Forward => FORWARD_FREQS_HZ,
            Direction::Backward => BACKWARD_FREQS_HZ,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MfR2Error {
    #[error("{signal} is not an MFC/R2 signal (expected 1 to 15)")]
    InvalidSignal { signal: u8 },
}

/// The two frequencies (lower index first, i.e. f_i then f_j with i < j) of `signal`.
pub fn frequencies_of(direction: Direction, signal: u8) -> Result<(u16, u16), MfR2Error> {
    let (i, j) = tone_indices(signal)?;
    let freqs = direction.frequencies();
    Ok((freqs[i], freqs[j]))
}

fn tone_indices(signal: u8) -> Result<(usize, usize), MfR2Error> {
    match signal {
        1..=15 => Ok(SIGNAL_TONES[usize::from(signal - 1)]),
        _ => Err(MfR2Error::InvalidSignal { signal }),
    }
}

fn signal_of(a: usize, b: usize) -> Option<u8> {
    let pair = (a.min(b), a.max(b));
    SIGNAL_TONES
        .iter()
        .position(|&tones| tones == pair)
        .map(|index| index as u8 + 1)
}

/// Compelled MFC/R2 sender: plays one signal until stopped.
#[derive(Debug, Clone)]
pub struct MfR2Generator {
    direction: Direction,
    peak: f32,
    signal: Option<u8>,
    oscillators: [Oscillator; 2],
}

impl MfR2Generator {
    /// A sender for `direction` at −8 dBm0 per tone.
    pub fn new(direction: Direction) -> Self {
        Self::with_level(direction, DEFAULT_LEVEL_DBM0)
    }

    /// A sender at `level_dbm0` per tone.
    pub fn with_level(direction: Direction, level_dbm0: f32) -> Self {
        MfR2Generator {
            direction,
            peak: sine_peak_for_dbm0(level_dbm0),
            signal: None,
            oscillators: [Oscillator::new(0.0), Oscillator::new(0.0)],
        }
    }

    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// Starts sending `signal` (1…15), replacing whatever was being sent.
    pub fn start(&mut self, signal: u8) -> Result<(), MfR2Error> {
        let (low, high) = frequencies_of(self.direction, signal)?;
        if self.signal != Some(signal) {
            self.oscillators = [
                Oscillator::new(f32::from(low)),
                Oscillator::new(f32::from(high)),
            ];
            self.signal = Some(signal);
        }
        Ok(())
    }

    /// Stops sending (silence from the next sample on).
    pub fn stop(&mut self) {
        self.signal = None;
    }

    /// The signal being sent, if any.
    pub fn signal(&self) -> Option<u8> {
        self.signal
    }

    /// Writes the next samples: the current signal, or silence.
    pub fn fill(&mut self, out: &mut [i16]) {
        if self.signal.is_none() {
            out.fill(0);
            return;
        }
        let [first, second] = &mut self.oscillators;
        for sample in out.iter_mut() {
            let value = first.next_sample() + second.next_sample();
            *sample = to_i16(value * self.peak);
        }
    }
}

/// A change of the signal heard on the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MfSignal {
    /// Signal number 1…15.
    pub digit: u8,
    /// Sample index (from the first sample processed) where the tone began (`on`) or
    /// ended (`off`), estimated to within about 5 ms.
    pub at_sample: u64,
    /// `true` when the signal appeared, `false` when it went away.
    pub on: bool,
}

/// Acceptance limits of the receiver.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MfR2DetectorConfig {
    /// Weakest accepted tone.
    pub min_level_dbm0: f32,
    /// Largest accepted level difference between the two tones.
    pub max_twist_db: f32,
    /// How far the two tones must stand above any of the other four frequencies.
    pub min_third_tone_margin_db: f32,
    /// Largest accepted deviation from nominal frequency.
    pub max_frequency_deviation_hz: f32,
    /// Share of the window's power the two tones must carry.
    pub min_tone_power_share: f32,
}

impl Default for MfR2DetectorConfig {
    /// Q.441 targets (−5…−35 dBm0, ±10 Hz, twist 5/7 dB accepted and 20 dB refused)
    /// with margin on each limit.
    fn default() -> Self {
        MfR2DetectorConfig {
            min_level_dbm0: -38.0,
            max_twist_db: 12.0,
            min_third_tone_margin_db: 10.0,
            max_frequency_deviation_hz: 25.0,
            min_tone_power_share: 0.7,
        }
    }
}

const WINDOW: usize = 160;
const HOP: usize = 40;
const VOTES_TO_REPORT: u32 = 3;
/// 2 dB as an amplitude ratio (10^(2/20)).
const STABLE_LEVEL_RATIO: f32 = 1.258_925_4;
/// 15 dB down as an amplitude ratio (10^(−15/20)).
const RELEASE_DROP_RATIO: f32 = 0.177_827_94;
const MISSES_TO_RELEASE: u32 = 2;
/// From the start of the first window no longer holding the tone back to where the
/// tone ended: a tone filling only the first third of a Hann window sits 15 dB down.
const RELEASE_OFFSET: u64 = 53;
const QUEUE_CAPACITY: usize = 16;
/// White noise of mean square σ² gives each bin an apparent sine power A²/2 of
/// σ²·3/N (Hann: Σw² = 3N/8, coherent gain N/2), so the whole band holds N/3 times
/// what one idle bin shows.
const WHITE_FLOOR_PER_BIN: f32 = WINDOW as f32 / 3.0;
/// At most this share of a window's power is excused as flat noise (the four idle bins
/// give a rough estimate; capped so a loud neighbour cannot excuse everything).
const MAX_FLOOR_SHARE: f32 = 0.6;

#[derive(Debug, Clone, Copy, Default)]
struct Complex {
    re: f32,
    im: f32,
}

/// What one analysis window holds.
#[derive(Debug, Clone, Copy)]
struct Vote {
    signal: u8,
    /// Amplitudes of the signal's tones f_i, f_j (compared as ratios: no logarithms).
    levels: [f32; 2],
}

/// Streaming MFC/R2 receiver for one direction; allocation-free after construction.
#[derive(Debug, Clone)]
pub struct MfR2Detector {
    direction: Direction,
    config: MfR2DetectorConfig,
    /// Hann window times e^{-jωn} for each of the six frequencies, real and imaginary
    /// parts apart so each bin is two plain dot products (they vectorise).
    kernel_re: [[f32; WINDOW]; 6],
    kernel_im: [[f32; WINDOW]; 6],
    window_weights: [f32; WINDOW],
    weight_square_sum: f32,
    /// The config's level limits as amplitude ratios, so most windows are refused
    /// without a logarithm.
    min_amplitude: f32,
    max_twist_ratio: f32,
    min_margin_ratio: f32,
    /// e^{-jθ} for each frequency's nominal phase advance θ over one hop.
    nominal_rotation: [Complex; 6],
    /// tan of the largest accepted phase error over one hop (the frequency limit).
    max_phase_error_tan: f32,
    /// Circular buffer of the last `WINDOW` samples; `write` is the oldest slot.
    ring: [f32; WINDOW],
    write: usize,
    /// Samples seen in total.
    samples_seen: u64,
    /// Samples since the last analysis.
    since_hop: usize,
    previous_bins: Option<[Complex; 6]>,
    run_signal: Option<u8>,
    run_levels: [f32; 2],
    run_length: u32,
    run_start: u64,
    /// Signal currently reported on, with the amplitude its weaker tone must keep
    /// (`RELEASE_DROP_RATIO` times its amplitude when reported on: 15 dB down).
    reported: Option<(u8, f32)>,
    misses: u32,
    first_miss_start: u64,
    events: Deque<MfSignal, QUEUE_CAPACITY>,
}

impl MfR2Detector {
    /// A receiver for `direction` with the default (Q.441) limits.
    pub fn new(direction: Direction) -> Self {
        Self::with_config(direction, MfR2DetectorConfig::default())
    }

    pub fn with_config(direction: Direction, config: MfR2DetectorConfig) -> Self {
        let rate = SAMPLE_RATE_HZ as f32;
        let mut window_weights = [0.0; WINDOW];
        for (n, weight) in window_weights.iter_mut().enumerate() {
            *weight = 0.5 - 0.5 * (TAU * n as f32 / WINDOW as f32).cos();
        }
        let freqs = direction.frequencies();
        let mut kernel_re = [[0.0; WINDOW]; 6];
        let mut kernel_im = [[0.0; WINDOW]; 6];
        let mut nominal_rotation = [Complex::default(); 6];
        for bin in 0..6 {
            let omega = TAU * f32::from(freqs[bin]) / rate;
            for n in 0..WINDOW {
                // Phase reduced in f64 so long windows keep full precision.
                let phase = (f64::from(omega) * n as f64).rem_euclid(core::f64::consts::TAU) as f32;
                kernel_re[bin][n] = window_weights[n] * phase.cos();
                kernel_im[bin][n] = -window_weights[n] * phase.sin();
            }
            let advance = omega * HOP as f32;
            nominal_rotation[bin] = Complex {
                re: advance.cos(),
                im: -advance.sin(),
            };
        }
        let weight_square_sum = window_weights.iter().map(|w| w * w).sum();
        MfR2Detector {
            direction,
            config,
            kernel_re,
            kernel_im,
            window_weights,
            weight_square_sum,
            min_amplitude: sine_peak_for_dbm0(config.min_level_dbm0),
            max_twist_ratio: 10f32.powf(config.max_twist_db / 20.0),
            min_margin_ratio: 10f32.powf(config.min_third_tone_margin_db / 20.0),
            nominal_rotation,
            // ±25 Hz over a 5 ms hop is ±0.79 rad, inside ±π/2 as the test needs.
            max_phase_error_tan: (TAU * config.max_frequency_deviation_hz * HOP as f32
                / SAMPLE_RATE_HZ as f32)
                .tan(),
            ring: [0.0; WINDOW],
            write: 0,
            samples_seen: 0,
            since_hop: 0,
            previous_bins: None,
            run_signal: None,
            run_levels: [0.0; 2],
            run_length: 0,
            run_start: 0,
            reported: None,
            misses: 0,
            first_miss_start: 0,
            events: Deque::new(),
        }
    }

    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The signal currently present on the line (as last reported), if any.
    pub fn current(&self) -> Option<u8> {
        self.reported.map(|(signal, _)| signal)
    }

    /// Feeds samples (any slice length).
    pub fn process(&mut self, mut samples: &[i16]) {
        // Copied in runs up to the next analysis or the ring's end, not sample by sample.
        while !samples.is_empty() {
            let until_analysis = if self.samples_seen < WINDOW as u64 {
                WINDOW - self.samples_seen as usize
            } else {
                HOP - self.since_hop
            };
            let run = until_analysis.min(WINDOW - self.write).min(samples.len());
            let (now, rest) = samples.split_at(run);
            for (slot, &sample) in self.ring[self.write..self.write + run].iter_mut().zip(now) {
                *slot = f32::from(sample);
            }
            samples = rest;
            self.write = (self.write + run) % WINDOW;
            self.samples_seen += run as u64;
            self.since_hop += run;
            if self.samples_seen >= WINDOW as u64 && self.since_hop >= HOP {
                self.since_hop = 0;
                self.analyse();
            }
        }
    }

    /// Next on/off change, oldest first. The queue holds 16 events; poll every frame.
    pub fn poll(&mut self) -> Option<MfSignal> {
        self.events.pop_front()
    }

    fn push_event(&mut self, event: MfSignal) {
        if self.events.is_full() {
            // Keep the newest state: a stale event is worth less than the latest one.
            self.events.pop_front();
        }
        // Cannot fail: room was made above.
        let _ = self.events.push_back(event);
    }

    fn analyse(&mut self) {
        let window_start = self.samples_seen - WINDOW as u64;
        // `write` is the oldest sample now: lay the ring out in time order.
        let mut window = [0.0f32; WINDOW];
        let (older, newer) = self.ring.split_at(self.write);
        window[..newer.len()].copy_from_slice(newer);
        window[newer.len()..].copy_from_slice(older);
        let mut weighted = [0.0f32; WINDOW];
        for ((w, &x), &weight) in weighted.iter_mut().zip(&window).zip(&self.window_weights) {
            *w = weight * x;
        }
        let weighted_energy = dot(&weighted, &weighted);
        // No bin can reach 4·sqrt(weighted energy / N) (Cauchy–Schwarz). Below the minimum
        // level that way, with no signal to hold, this window cannot vote: skip the six
        // bins. The next window then has no phase reference and cannot vote either, which
        // changes nothing: just after quiet a window is only partly filled by a tone, so
        // its level is not yet steady and it never counts towards the stable run.
        if self.reported.is_none()
            && 16.0 * weighted_energy < WINDOW as f32 * self.min_amplitude.powi(2)
        {
            self.previous_bins = None;
            self.track(None, false, window_start);
            return;
        }
        let mut bins = [Complex::default(); 6];
        for (bin, out) in bins.iter_mut().enumerate() {
            out.re = dot(&self.kernel_re[bin], &window);
            out.im = dot(&self.kernel_im[bin], &window);
        }
        // Hann coherent gain is N/2, so a sine of peak A gives |X| = A·N/4.
        let mut amplitude = [0.0f32; 6];
        for (a, bin) in amplitude.iter_mut().zip(bins.iter()) {
            *a = 4.0 * (bin.re * bin.re + bin.im * bin.im).sqrt() / WINDOW as f32;
        }
        let vote = self.vote(&bins, &amplitude, weighted_energy);
        let holding = self
            .reported
            .is_some_and(|(signal, release)| holds(signal, release, &amplitude));
        self.previous_bins = Some(bins);
        self.track(vote, holding, window_start);
    }

    fn vote(
        &self,
        bins: &[Complex; 6],
        amplitude: &[f32; 6],
        weighted_energy: f32,
    ) -> Option<Vote> {
        let config = &self.config;
        // The three strongest bins, in one pass (no sort needed).
        let (mut first, mut second, mut third) = (usize::MAX, usize::MAX, usize::MAX);
        let louder = |k: usize, than: usize| than == usize::MAX || amplitude[k] > amplitude[than];
        for k in 0..6 {
            if louder(k, first) {
                (first, second, third) = (k, first, second);
            } else if louder(k, second) {
                (second, third) = (k, second);
            } else if louder(k, third) {
                third = k;
            }
        }
        // Level and twist tests on amplitude ratios (same limits as in dB).
        let (a1, a2, a3) = (amplitude[first], amplitude[second], amplitude[third]);
        if a2 < self.min_amplitude || a1 > a2 * self.max_twist_ratio {
            return None;
        }
        // Third-tone test on powers, less the mean of the four idle bins: a flat noise
        // floor lifts all four alike (and at low SNR its strongest bin alone would fail
        // the margin), a third tone lifts one.
        let all_power: f32 = amplitude.iter().map(|a| a * a).sum();
        let idle_mean = (all_power - a1 * a1 - a2 * a2).max(0.0) / 4.0;
        if a2 * a2 < (a3 * a3 - idle_mean) * self.min_margin_ratio * self.min_margin_ratio {
            return None;
        }
        // Power share: the Hann-weighted mean square against the two sines' power, after
        // taking out what a flat (white) noise floor accounts for. The four idle bins
        // measure that floor; line noise is broadband, so at low SNR it alone would sink
        // the share, while speech and music put their other power in peaks well away
        // from the idle bins, which the floor estimate does not excuse.
        let mean_square = weighted_energy / self.weight_square_sum;
        let tone_power = (a1 * a1 + a2 * a2) / 2.0;
        let flat_floor = (WHITE_FLOOR_PER_BIN * idle_mean / 2.0).min(MAX_FLOOR_SHARE * mean_square);
        if tone_power < config.min_tone_power_share * (mean_square - flat_floor) {
            return None;
        }
        let previous = self.previous_bins.as_ref()?;
        for bin in [first, second] {
            // The phase error over one hop must be within ±θmax: the bin's rotation since
            // the last window, less the nominal one, must lie in the right half-plane
            // within tan θmax of the real axis (no arctangent needed).
            let error = rotate(
                phase_change(previous[bin], bins[bin]),
                self.nominal_rotation[bin],
            );
            if error.re <= 0.0 || error.im.abs() > self.max_phase_error_tan * error.re {
                return None;
            }
        }
        let signal = signal_of(first, second)?;
        let (i, j) = SIGNAL_TONES[usize::from(signal - 1)];
        Some(Vote {
            signal,
            levels: [amplitude[i], amplitude[j]],
        })
    }

    /// `holding`: the reported signal is still there (checked more loosely than a vote,
    /// so interruptions, which smear the spectrum of the window, do not release it).
    fn track(&mut self, vote: Option<Vote>, holding: bool, window_start: u64) {
        // Run of stable votes (windows wholly inside one tone).
        match vote {
            Some(v)
                if self.run_signal == Some(v.signal) && levels_agree(v.levels, self.run_levels) =>
            {
                self.run_length += 1;
            }
            Some(v) => {
                self.run_signal = Some(v.signal);
                self.run_length = 1;
                self.run_start = window_start;
            }
            None => {
                self.run_signal = None;
                self.run_length = 0;
            }
        }
        if let Some(v) = vote {
            self.run_levels = v.levels;
        }

        if let Some((signal, _)) = self.reported {
            if holding {
                self.misses = 0;
            } else {
                if self.misses == 0 {
                    self.first_miss_start = window_start;
                }
                self.misses += 1;
                if self.misses >= MISSES_TO_RELEASE {
                    self.reported = None;
                    self.misses = 0;
                    self.push_event(MfSignal {
                        digit: signal,
                        at_sample: self.first_miss_start + RELEASE_OFFSET,
                        on: false,
                    });
                }
            }
        }

        if self.run_length >= VOTES_TO_REPORT {
            if let Some(signal) = self.run_signal {
                if self.reported.map(|(s, _)| s) != Some(signal) {
                    if let Some((old, _)) = self.reported {
                        // A new signal without a gap (not compelled practice, but seen
                        // on lines that switch directly): close the old one first.
                        self.push_event(MfSignal {
                            digit: old,
                            at_sample: self.run_start,
                            on: false,
                        });
                    }
                    let reference = self.run_levels[0].min(self.run_levels[1]);
                    self.reported = Some((signal, reference * RELEASE_DROP_RATIO));
                    self.misses = 0;
                    self.push_event(MfSignal {
                        digit: signal,
                        at_sample: self.run_start,
                        on: true,
                    });
                }
            }
        }
    }
}

/// Whether `signal`'s two tones are still the two strongest and the weaker is still at
/// least `release_amplitude`.
fn holds(signal: u8, release_amplitude: f32, amplitude: &[f32; 6]) -> bool {
    let (i, j) = SIGNAL_TONES[usize::from(signal - 1)];
    let weaker = amplitude[i].min(amplitude[j]);
    let others_below = amplitude
        .iter()
        .enumerate()
        .all(|(k, &a)| k == i || k == j || a < weaker);
    others_below && weaker >= release_amplitude
}

fn levels_agree(a: [f32; 2], b: [f32; 2]) -> bool {
    // Within 2 dB of each other, as an amplitude ratio either way.
    a.iter()
        .zip(&b)
        .all(|(&x, &y)| x <= STABLE_LEVEL_RATIO * y && y <= STABLE_LEVEL_RATIO * x)
}

/// Dot product over one window with eight independent partial sums, so the compiler
/// can keep them in one vector register (a single running sum cannot be vectorised).
fn dot(a: &[f32; WINDOW], b: &[f32; WINDOW]) -> f32 {
    const _: () = assert!(WINDOW.is_multiple_of(8), "dot() drops a remainder");
    let mut lanes = [0.0f32; 8];
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for lane in 0..8 {
            lanes[lane] += x[lane] * y[lane];
        }
    }
    lanes.iter().sum()
}

/// `now` times the conjugate of `before`: its angle is the phase change between them.
fn phase_change(before: Complex, now: Complex) -> Complex {
    Complex {
        re: now.re * before.re + now.im * before.im,
        im: now.im * before.re - now.re * before.im,
    }
}

fn rotate(z: Complex, by: Complex) -> Complex {
    Complex {
        re: z.re * by.re - z.im * by.im,
        im: z.re * by.im + z.im * by.re,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_table_is_two_out_of_six_without_repeats() {
        let mut seen = [[false; 6]; 6];
        for signal in 1..=15u8 {
            let (i, j) = tone_indices(signal).expect("valid signal");
            assert!(i < j);
            assert!(!seen[i][j], "pair repeated");
            seen[i][j] = true;
            assert_eq!(signal_of(j, i), Some(signal));
        }
        assert!(tone_indices(0).is_err());
        assert!(tone_indices(16).is_err());
    }

    #[test]
    fn q441_examples() {
        assert_eq!(frequencies_of(Direction::Forward, 1), Ok((1380, 1500)));
        assert_eq!(frequencies_of(Direction::Forward, 10), Ok((1740, 1860)));
        assert_eq!(frequencies_of(Direction::Forward, 15), Ok((1860, 1980)));
        assert_eq!(frequencies_of(Direction::Backward, 1), Ok((1140, 1020)));
        assert_eq!(frequencies_of(Direction::Backward, 15), Ok((660, 540)));
    }
}
