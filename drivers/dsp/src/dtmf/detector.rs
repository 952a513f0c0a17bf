//! DTMF receiver.
//!
//! Each analysis window is 102 samples (12.75 ms), Hann-weighted, advanced by half a
//! window. Windows too quiet for any tone to reach the minimum level skip the DFT. For the eight Q.23 frequencies it takes a single-bin DFT. A window votes for
//! a digit when the strongest row and column tone
//! - are each above the minimum level,
//! - stay within the allowed twist,
//! - stand clear of the other bins of their group: 10 dB above them, 2 dB above a
//!   neighbouring row bin (speech spreads energy over neighbouring DTMF frequencies),
//! - carry most of the window's power (rejects speech, noise and other tones), and
//! - sit within ±2.5 % of nominal frequency, measured from the phase advance of the bin
//!   between two overlapping windows (a plain energy test cannot separate the ±1.5 % accept
//!   and ±3.5 % reject limits of Q.24 with windows this short).
//!
//! Four consecutive votes report a digit (tones of 20 ms are rejected, 28 ms and longer
//! accepted); three windows without it re-arm the receiver, so one key press yields one
//! digit and dropouts up to 10 ms do not split it.

use super::{digit_at, COLUMN_FREQS_HZ, ROW_FREQS_HZ};
use core::f32::consts::{PI, TAU};
use heapless::Deque;
use line_boundary::SAMPLE_RATE_HZ;

const WINDOW: usize = 102;
const HOP: usize = WINDOW / 2;
const BINS: usize = 8;
const VOTES_TO_REPORT: u32 = 4;
const MISSES_TO_REARM: u32 = 3;
const QUEUE_CAPACITY: usize = 16;
/// Other bins of a group must be 10 dB below its peak (amplitude ratio)…
const OTHER_BIN_RATIO: f32 = 0.5;
/// …except the row bins next to the peak, which a real tone reaches through the Hann main
/// lobe (−3.7 dB at +1.5 % deviation): 2 dB below.
const NEXT_DOOR_ROW_RATIO: f32 = 0.891;

/// Acceptance limits of the receiver.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DtmfDetectorConfig {
    /// Weakest accepted tone, per frequency.
    pub min_level_dbm0: f32,
    /// How far the high group may be above the low group ("normal" twist).
    pub max_high_group_excess_db: f32,
    /// How far the low group may be above the high group ("reverse" twist).
    pub max_low_group_excess_db: f32,
    /// Largest accepted deviation from nominal frequency, as a fraction.
    pub max_frequency_deviation: f32,
    /// Share of the window's power the two tones must carry.
    pub min_tone_power_share: f32,
}

impl Default for DtmfDetectorConfig {
    /// Q.24 targets (accept 4 dB normal / 8 dB reverse twist, ±1.5 % deviation, reject
    /// ±3.5 %) with about 1 dB / 1 % of margin on each limit. The level floor goes far
    /// below Q.24's −26 dBm0: long or lossy loops deliver −35…−40 dBm0 and spandsp hears
    /// those; the stand-out, power-share and phase tests, not the level, keep speech out.
    fn default() -> Self {
        DtmfDetectorConfig {
            min_level_dbm0: -44.0,
            max_high_group_excess_db: 5.0,
            max_low_group_excess_db: 9.0,
            max_frequency_deviation: 0.025,
            min_tone_power_share: 0.6,
        }
    }
}

/// A digit heard on the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetectedDigit {
    pub digit: char,
    /// Sample index (counted from the first sample processed) of the start of the first
    /// analysis window that voted for this key press: the tone began within ~13 ms of it.
    pub at_sample: u64,
}

#[derive(Debug, Clone, Copy, Default)]
struct Complex {
    re: f32,
    im: f32,
}

/// Streaming DTMF receiver; allocation-free after construction.
#[derive(Debug, Clone)]
pub struct DtmfDetector {
    config: DtmfDetectorConfig,
    /// Hann window times cos(ωn) and −sin(ωn) for each bin (separate arrays so the dot
    /// products vectorise).
    kernels_re: [[f32; WINDOW]; BINS],
    kernels_im: [[f32; WINDOW]; BINS],
    /// Squared Hann weights, for the windowed energy.
    window_squares: [f32; WINDOW],
    weight_square_sum: f32,
    /// Expected phase advance of each bin over one hop at its nominal frequency.
    nominal_advance: [f32; BINS],
    /// The previous window (`[..WINDOW]`) and the current one (`[HOP..]`), overlapping.
    buffer: [f32; WINDOW + HOP],
    buffered: usize,
    /// Sample index of the current window's first sample.
    buffer_start: u64,
    /// Mean power (Hann-weighted) below which no tone can reach the minimum level, so
    /// the DFT is skipped.
    quiet_power: f32,
    /// The acceptance limits as bounds on squared bin magnitudes |X|², so a window is
    /// classified without square roots or logarithms: the weakest accepted tone…
    min_bin_power: f32,
    /// …the largest column/row and row/column power ratios (twist)…
    max_high_over_low: f32,
    max_low_over_high: f32,
    /// …and |X|² → sine power (A²/2) of the tone in that bin.
    bin_power_to_tone_power: f32,
    vote: Option<char>,
    vote_run: u32,
    vote_run_start: u64,
    reported: Option<char>,
    misses: u32,
    digits: Deque<DetectedDigit, QUEUE_CAPACITY>,
}

impl Default for DtmfDetector {
    fn default() -> Self {
        DtmfDetector::new(DtmfDetectorConfig::default())
    }
}

fn bin_frequency(bin: usize) -> f32 {
    let freq = if bin < 4 {
        ROW_FREQS_HZ[bin]
    } else {
        COLUMN_FREQS_HZ[bin - 4]
    };
    f32::from(freq)
}

/// Dot product with eight independent partial sums, so the compiler can vectorise it.
fn dot(a: &[f32], b: &[f32; WINDOW]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for lane in 0..8 {
            lanes[lane] += x[lane] * y[lane];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Whether the group's strongest bin stands clear of the others in its group: speech and
/// music spread energy over neighbouring DTMF frequencies, a DTMF tone does not. Next-door
/// row bins (about one Hann bin apart) see a real tone's main lobe, so they need only sit a
/// little lower. Compares squared magnitudes, hence the squared ratios.
fn stands_out(peak: usize, group: core::ops::Range<usize>, powers: &[f32; BINS]) -> bool {
    group.filter(|&bin| bin != peak).all(|bin| {
        let next_door_row = peak < 4 && bin.abs_diff(peak) == 1;
        let ratio = if next_door_row {
            NEXT_DOOR_ROW_RATIO
        } else {
            OTHER_BIN_RATIO
        };
        powers[bin] <= ratio * ratio * powers[peak]
    })
}

impl DtmfDetector {
    pub fn new(config: DtmfDetectorConfig) -> Self {
        let rate = SAMPLE_RATE_HZ as f32;
        let mut window_weights = [0.0; WINDOW];
        for (n, weight) in window_weights.iter_mut().enumerate() {
            *weight = 0.5 - 0.5 * (TAU * n as f32 / WINDOW as f32).cos();
        }
        let mut kernels_re = [[0.0; WINDOW]; BINS];
        let mut kernels_im = [[0.0; WINDOW]; BINS];
        let mut nominal_advance = [0.0; BINS];
        for bin in 0..BINS {
            let omega = TAU * bin_frequency(bin) / rate;
            for n in 0..WINDOW {
                let angle = omega * n as f32;
                kernels_re[bin][n] = window_weights[n] * angle.cos();
                kernels_im[bin][n] = -window_weights[n] * angle.sin();
            }
            nominal_advance[bin] = omega * HOP as f32;
        }
        let mut window_squares = [0.0; WINDOW];
        for (square, weight) in window_squares.iter_mut().zip(window_weights.iter()) {
            *square = weight * weight;
        }
        let weight_sum: f32 = window_weights.iter().sum();
        // A sine of peak A at a bin's frequency gives |X| = A·Σw/2.
        let min_bin_magnitude =
            crate::level::sine_peak_for_dbm0(config.min_level_dbm0) * weight_sum / 2.0;
        DtmfDetector {
            config,
            min_bin_power: min_bin_magnitude * min_bin_magnitude,
            max_high_over_low: 10f32.powf(config.max_high_group_excess_db / 10.0),
            max_low_over_high: 10f32.powf(config.max_low_group_excess_db / 10.0),
            bin_power_to_tone_power: 2.0 / (weight_sum * weight_sum),
            kernels_re,
            kernels_im,
            weight_square_sum: window_weights.iter().map(|w| w * w).sum(),
            window_squares,
            nominal_advance,
            buffer: [0.0; WINDOW + HOP],
            buffered: 0,
            buffer_start: HOP as u64,
            // A bin's amplitude estimate A obeys A²/2 ≤ 2·N·Σw²/(Σw)² · P ≈ 3·P for the
            // Hann-weighted mean power P (Cauchy–Schwarz), so below this no tone passes.
            quiet_power: {
                let peak = crate::level::sine_peak_for_dbm0(config.min_level_dbm0);
                peak * peak / 2.0 / 3.5
            },
            vote: None,
            vote_run: 0,
            vote_run_start: 0,
            reported: None,
            misses: 0,
            digits: Deque::new(),
        }
    }

    /// Feeds received audio of any length.
    pub fn process(&mut self, samples: &[i16]) {
        for &sample in samples {
            self.buffer[self.buffered] = f32::from(sample);
            self.buffered += 1;
            if self.buffered == WINDOW + HOP {
                self.analyse_window();
                self.buffer.copy_within(HOP.., 0);
                self.buffered = WINDOW;
                self.buffer_start += HOP as u64;
            }
        }
    }

    /// The oldest digit not yet taken. At most 16 are kept; older ones are dropped first.
    pub fn poll_digit(&mut self) -> Option<DetectedDigit> {
        self.digits.pop_front()
    }

    fn analyse_window(&mut self) {
        let current = &self.buffer[HOP..];
        let mut squares = [0.0; WINDOW];
        for (square, &x) in squares.iter_mut().zip(current.iter()) {
            *square = x * x;
        }
        let windowed_energy = dot(&squares, &self.window_squares);
        let mean_power = windowed_energy / self.weight_square_sum;
        if mean_power < self.quiet_power {
            self.count_vote(None);
            return;
        }
        let mut bins = [Complex::default(); BINS];
        let mut powers = [0.0f32; BINS];
        // Row bins first: on a quiet line or in speech pauses the strongest row is usually
        // below the floor, and then the column bins are never needed.
        if !self.compute_bins(0..4, &mut bins, &mut powers) {
            self.count_vote(None);
            return;
        }
        let vote = if self.compute_bins(4..8, &mut bins, &mut powers) {
            self.classify(&bins, &powers, mean_power)
        } else {
            None
        };
        self.count_vote(vote);
    }

    /// Fills `bins`/`powers` for `group`; whether its strongest bin reaches the floor.
    fn compute_bins(
        &self,
        group: core::ops::Range<usize>,
        bins: &mut [Complex; BINS],
        powers: &mut [f32; BINS],
    ) -> bool {
        let current = &self.buffer[HOP..];
        let mut strongest = 0.0f32;
        for bin in group {
            let re = dot(current, &self.kernels_re[bin]);
            let im = dot(current, &self.kernels_im[bin]);
            bins[bin] = Complex { re, im };
            powers[bin] = re * re + im * im;
            strongest = strongest.max(powers[bin]);
        }
        strongest >= self.min_bin_power
    }

    /// The digit this window votes for, if any. `powers` holds |X|² of every bin; all
    /// the tests compare squared magnitudes against limits squared at construction.
    fn classify(
        &self,
        bins: &[Complex; BINS],
        powers: &[f32; BINS],
        mean_power: f32,
    ) -> Option<char> {
        let strongest = |range: core::ops::Range<usize>| {
            range
                .max_by(|&a, &b| powers[a].total_cmp(&powers[b]))
                .unwrap_or(0)
        };
        let row = strongest(0..4);
        let column = strongest(4..8);
        let (row_power, column_power) = (powers[row], powers[column]);
        if row_power < self.min_bin_power || column_power < self.min_bin_power {
            return None;
        }
        if column_power > self.max_high_over_low * row_power
            || row_power > self.max_low_over_high * column_power
        {
            return None;
        }
        if !stands_out(row, 0..4, powers) || !stands_out(column, 4..8, powers) {
            return None;
        }
        let tone_power = (row_power + column_power) * self.bin_power_to_tone_power;
        if tone_power < self.config.min_tone_power_share * mean_power {
            return None;
        }
        for bin in [row, column] {
            if self
                .frequency_deviation(bin, &bins[bin], &self.previous_bin(bin))
                .abs()
                > self.config.max_frequency_deviation
            {
                return None;
            }
        }
        Some(digit_at(row, column - 4))
    }

    /// One bin of the previous window, computed only when a vote needs it.
    fn previous_bin(&self, bin: usize) -> Complex {
        let previous = &self.buffer[..WINDOW];
        Complex {
            re: dot(previous, &self.kernels_re[bin]),
            im: dot(previous, &self.kernels_im[bin]),
        }
    }

    /// Relative deviation from nominal, from the bin's phase advance over one hop.
    fn frequency_deviation(&self, bin: usize, current: &Complex, previous: &Complex) -> f32 {
        // current · conj(previous)
        let re = current.re * previous.re + current.im * previous.im;
        let im = current.im * previous.re - current.re * previous.im;
        let mut excess = im.atan2(re) - self.nominal_advance[bin];
        excess = (excess + PI).rem_euclid(TAU) - PI;
        let offset_hz = excess * SAMPLE_RATE_HZ as f32 / (TAU * HOP as f32);
        offset_hz / bin_frequency(bin)
    }

    fn count_vote(&mut self, vote: Option<char>) {
        if vote.is_some() && vote == self.vote {
            self.vote_run += 1;
        } else {
            self.vote = vote;
            self.vote_run = 1;
            self.vote_run_start = self.buffer_start;
        }
        if vote.is_some() && vote == self.reported {
            self.misses = 0;
        } else {
            self.misses += 1;
            if self.misses >= MISSES_TO_REARM {
                self.reported = None;
            }
        }
        if let (None, Some(digit)) = (self.reported, vote) {
            if self.vote_run >= VOTES_TO_REPORT {
                self.reported = Some(digit);
                self.misses = 0;
                if self.digits.is_full() {
                    self.digits.pop_front();
                }
                // Cannot fail: a slot was freed above when full.
                let _ = self.digits.push_back(DetectedDigit {
                    digit,
                    at_sample: self.vote_run_start,
                });
            }
        }
    }
}
