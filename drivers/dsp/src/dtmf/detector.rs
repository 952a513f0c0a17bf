//! DTMF receiver.
//!
//! Each analysis window is 102 samples (12.75 ms), Hann-weighted, advanced by half a
//! window. For the eight Q.23 frequencies it takes a single-bin DFT. A window votes for
//! a digit when the strongest row and column tone
//! - are each above the minimum level,
//! - stay within the allowed twist,
//! - carry most of the window's power (rejects speech, noise and other tones), and
//! - sit within ±2.5 % of nominal frequency, measured from the phase advance of the bin
//!   between two overlapping windows (a plain energy test cannot separate the ±1.5 % accept
//!   and ±3.5 % reject limits of Q.24 with windows this short).
//!
//! Four consecutive votes report a digit (tones of 20 ms are rejected, 28 ms and longer
//! accepted); three windows without it re-arm the receiver, so one key press yields one
//! digit and dropouts up to 10 ms do not split it.

use super::{digit_at, COLUMN_FREQS_HZ, ROW_FREQS_HZ};
use crate::level::dbm0_for_sine_peak;
use core::f32::consts::{PI, TAU};
use heapless::Deque;
use line_boundary::SAMPLE_RATE_HZ;

const WINDOW: usize = 102;
const HOP: usize = WINDOW / 2;
const BINS: usize = 8;
const VOTES_TO_REPORT: u32 = 4;
const MISSES_TO_REARM: u32 = 3;
const QUEUE_CAPACITY: usize = 16;

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
    /// ±3.5 %, work down to −26 dBm0) with about 1 dB / 1 % of margin on each limit.
    fn default() -> Self {
        DtmfDetectorConfig {
            min_level_dbm0: -32.0,
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
    /// Hann window times e^{-jωn} for each bin.
    kernels: [[Complex; WINDOW]; BINS],
    window_weights: [f32; WINDOW],
    weight_sum: f32,
    weight_square_sum: f32,
    /// Expected phase advance of each bin over one hop at its nominal frequency.
    nominal_advance: [f32; BINS],
    buffer: [f32; WINDOW],
    buffered: usize,
    /// Sample index of `buffer[0]`.
    buffer_start: u64,
    previous_bins: Option<[Complex; BINS]>,
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

impl DtmfDetector {
    pub fn new(config: DtmfDetectorConfig) -> Self {
        let rate = SAMPLE_RATE_HZ as f32;
        let mut window_weights = [0.0; WINDOW];
        for (n, weight) in window_weights.iter_mut().enumerate() {
            *weight = 0.5 - 0.5 * (TAU * n as f32 / WINDOW as f32).cos();
        }
        let mut kernels = [[Complex::default(); WINDOW]; BINS];
        let mut nominal_advance = [0.0; BINS];
        for (bin, kernel) in kernels.iter_mut().enumerate() {
            let omega = TAU * bin_frequency(bin) / rate;
            for (n, entry) in kernel.iter_mut().enumerate() {
                let angle = omega * n as f32;
                *entry = Complex {
                    re: window_weights[n] * angle.cos(),
                    im: -window_weights[n] * angle.sin(),
                };
            }
            nominal_advance[bin] = omega * HOP as f32;
        }
        DtmfDetector {
            config,
            kernels,
            weight_sum: window_weights.iter().sum(),
            weight_square_sum: window_weights.iter().map(|w| w * w).sum(),
            window_weights,
            nominal_advance,
            buffer: [0.0; WINDOW],
            buffered: 0,
            buffer_start: 0,
            previous_bins: None,
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
            if self.buffered == WINDOW {
                self.analyse_window();
                self.buffer.copy_within(HOP.., 0);
                self.buffered = WINDOW - HOP;
                self.buffer_start += HOP as u64;
            }
        }
    }

    /// The oldest digit not yet taken. At most 16 are kept; older ones are dropped first.
    pub fn poll_digit(&mut self) -> Option<DetectedDigit> {
        self.digits.pop_front()
    }

    fn analyse_window(&mut self) {
        let mut bins = [Complex::default(); BINS];
        for (bin, kernel) in bins.iter_mut().zip(self.kernels.iter()) {
            for (&x, k) in self.buffer.iter().zip(kernel.iter()) {
                bin.re += x * k.re;
                bin.im += x * k.im;
            }
        }
        let windowed_energy: f32 = self
            .buffer
            .iter()
            .zip(self.window_weights.iter())
            .map(|(x, w)| (x * w) * (x * w))
            .sum();
        let vote = self.classify(&bins, windowed_energy / self.weight_square_sum);
        self.previous_bins = Some(bins);
        self.count_vote(vote);
    }

    /// The digit this window votes for, if any.
    fn classify(&self, bins: &[Complex; BINS], mean_power: f32) -> Option<char> {
        let previous = self.previous_bins.as_ref()?;
        let amplitude = |bin: usize| 2.0 * bins[bin].re.hypot(bins[bin].im) / self.weight_sum;
        let strongest = |range: core::ops::Range<usize>| {
            range
                .max_by(|&a, &b| amplitude(a).total_cmp(&amplitude(b)))
                .unwrap_or(0)
        };
        let row = strongest(0..4);
        let column = strongest(4..8);
        let (row_amplitude, column_amplitude) = (amplitude(row), amplitude(column));
        if dbm0_for_sine_peak(row_amplitude) < self.config.min_level_dbm0
            || dbm0_for_sine_peak(column_amplitude) < self.config.min_level_dbm0
        {
            return None;
        }
        let high_over_low_db = 20.0 * (column_amplitude / row_amplitude).log10();
        if high_over_low_db > self.config.max_high_group_excess_db
            || -high_over_low_db > self.config.max_low_group_excess_db
        {
            return None;
        }
        let tone_power =
            (row_amplitude * row_amplitude + column_amplitude * column_amplitude) / 2.0;
        if tone_power < self.config.min_tone_power_share * mean_power {
            return None;
        }
        for bin in [row, column] {
            if self
                .frequency_deviation(bin, &bins[bin], &previous[bin])
                .abs()
                > self.config.max_frequency_deviation
            {
                return None;
            }
        }
        Some(digit_at(row, column - 4))
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
