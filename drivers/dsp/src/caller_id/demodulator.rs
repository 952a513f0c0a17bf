//! Non-coherent V.23 FSK demodulator: per-sample mark/space decision from two sliding
//! one-bit correlators, plus a carrier-quality gate.
//!
//! Audio is taken in blocks of up to `BLOCK` samples: the correlator products and their
//! sliding 7-sample sums are formed a whole block at a time (plain array loops, which
//! vectorise), then one sequential pass applies the smoothing and the decisions.

use super::FskModulation;
use core::f32::consts::TAU;
use line_boundary::SAMPLE_RATE_HZ;

/// About one bit (20/3 samples): long enough to separate 1300 from 2100 Hz by ~8 dB,
/// short enough to follow 1200 baud transitions.
const CORRELATOR_LEN: usize = 7;
/// Products of the samples before a block that its first sums still need.
const HISTORY: usize = CORRELATOR_LEN - 1;
/// Largest block `push_block` takes (one 20 ms frame).
pub(super) const BLOCK: usize = 160;
/// 1300/2100 Hz (V.23) and 1200/2200 Hz (Bell 202) all complete whole cycles in 80
/// samples (13, 21, 12, 22).
const TABLE_LEN: usize = 80;
/// Weakest carrier accepted (tone amplitude), in dBm0.
const MIN_CARRIER_DBM0: f32 = -48.0;
/// For a clean tone, correlator energy / window energy is ≈ 4; for white noise ≈ 2.
const MIN_CARRIER_QUALITY: f32 = 3.0;
/// Smoothing of the quality measure (about 4 bits).
const QUALITY_SMOOTHING: f32 = 1.0 / 32.0;

/// Per-sample series of one block, preceded by the last `HISTORY` values of the one
/// before: mark and space products (real, imaginary) and squares.
const SERIES: usize = 5;
type Series = [[f32; HISTORY + BLOCK]; SERIES];

/// One sample's demodulator output.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Demodulated {
    /// +1 pure mark … −1 pure space (soft decision).
    pub(super) mark_lean: f32,
    /// Whether an FSK signal is present at all.
    pub(super) carrier: bool,
}

impl Demodulated {
    pub(super) fn is_mark(&self) -> bool {
        self.carrier && self.mark_lean > 0.0
    }
}

#[derive(Debug, Clone)]
pub(super) struct FskDemodulator {
    /// cos and −sin of mark and space over one table period: [mark re, mark im, space
    /// re, space im][n].
    tables: [[f32; TABLE_LEN]; 4],
    table_index: usize,
    /// The last `HISTORY` values of each series, oldest first.
    history: [[f32; HISTORY]; SERIES],
    smoothed_correlator_energy: f32,
    smoothed_window_energy: f32,
    min_correlator_energy: f32,
}

impl FskDemodulator {
    pub(super) fn new(modulation: FskModulation) -> Self {
        // A sine of peak A gives |Σ| = A·L/2 in the matching correlator.
        let min_amplitude =
            crate::level::sine_peak_for_dbm0(MIN_CARRIER_DBM0) * CORRELATOR_LEN as f32 / 2.0;
        let table = |freq_hz: f32, part: fn(f32) -> f32| -> [f32; TABLE_LEN] {
            core::array::from_fn(|n| part(TAU * freq_hz * n as f32 / SAMPLE_RATE_HZ as f32))
        };
        let (mark, space) = (modulation.mark_hz(), modulation.space_hz());
        let tables = [
            table(mark, f32::cos),
            table(mark, |angle| -angle.sin()),
            table(space, f32::cos),
            table(space, |angle| -angle.sin()),
        ];
        FskDemodulator {
            tables,
            table_index: 0,
            history: [[0.0; HISTORY]; SERIES],
            smoothed_correlator_energy: 0.0,
            smoothed_window_energy: 0.0,
            min_correlator_energy: min_amplitude * min_amplitude,
        }
    }

    /// Demodulates up to `BLOCK` samples into `out` (same length).
    pub(super) fn push_block(&mut self, samples: &[i16], out: &mut [Demodulated]) {
        debug_assert!(samples.len() <= BLOCK && out.len() == samples.len());
        let len = samples.len().min(BLOCK).min(out.len());
        let mut series: Series = [[0.0; HISTORY + BLOCK]; SERIES];
        for (s, history) in series.iter_mut().zip(&self.history) {
            s[..HISTORY].copy_from_slice(history);
        }
        for (n, &sample) in samples[..len].iter().enumerate() {
            let x = f32::from(sample);
            let t = (self.table_index + n) % TABLE_LEN;
            for (s, table) in series.iter_mut().zip(&self.tables) {
                s[HISTORY + n] = x * table[t];
            }
            series[4][HISTORY + n] = x * x;
        }
        self.table_index = (self.table_index + len) % TABLE_LEN;
        // Sliding sums over the correlator length, oldest term first.
        let mut sums = [[0.0f32; BLOCK]; SERIES];
        for (sum, s) in sums.iter_mut().zip(&series) {
            let sum = &mut sum[..len];
            sum.copy_from_slice(&s[..len]);
            for lag in 1..CORRELATOR_LEN {
                for (acc, &term) in sum.iter_mut().zip(&s[lag..lag + len]) {
                    *acc += term;
                }
            }
        }
        for (s, history) in series.iter().zip(self.history.iter_mut()) {
            history.copy_from_slice(&s[len..len + HISTORY]);
        }
        let [mark_re, mark_im, space_re, space_im, window] = &sums;
        let mut smoothed_correlator = self.smoothed_correlator_energy;
        let mut smoothed_window = self.smoothed_window_energy;
        for n in 0..len {
            let mark_energy = mark_re[n] * mark_re[n] + mark_im[n] * mark_im[n];
            let space_energy = space_re[n] * space_re[n] + space_im[n] * space_im[n];
            smoothed_correlator +=
                QUALITY_SMOOTHING * (mark_energy + space_energy - smoothed_correlator);
            smoothed_window += QUALITY_SMOOTHING * (window[n] - smoothed_window);
            let strong_enough = mark_energy.max(space_energy) >= self.min_correlator_energy;
            let tonal = smoothed_correlator >= MIN_CARRIER_QUALITY * smoothed_window;
            let (mark, space) = (mark_energy.sqrt(), space_energy.sqrt());
            let mark_lean = if mark + space > 0.0 {
                (mark - space) / (mark + space)
            } else {
                0.0
            };
            out[n] = Demodulated {
                mark_lean,
                carrier: strong_enough && tonal,
            };
        }
        self.smoothed_correlator_energy = smoothed_correlator;
        self.smoothed_window_energy = smoothed_window;
    }
}
