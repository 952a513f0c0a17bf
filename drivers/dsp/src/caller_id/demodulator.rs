//! Non-coherent V.23 FSK demodulator: per-sample mark/space decision from two sliding
//! one-bit correlators, plus a carrier-quality gate.

use super::FskModulation;
use core::f32::consts::TAU;
use line_boundary::SAMPLE_RATE_HZ;

/// About one bit (20/3 samples): long enough to separate 1300 from 2100 Hz by ~8 dB,
/// short enough to follow 1200 baud transitions.
const CORRELATOR_LEN: usize = 7;
/// 1300/2100 Hz (V.23) and 1200/2200 Hz (Bell 202) all complete whole cycles in 80
/// samples (13, 21, 12, 22).
const TABLE_LEN: usize = 80;
/// Weakest carrier accepted (tone amplitude), in dBm0.
const MIN_CARRIER_DBM0: f32 = -48.0;
/// For a clean tone, correlator energy / window energy is ≈ 4; for white noise ≈ 2.
const MIN_CARRIER_QUALITY: f32 = 3.0;
/// Smoothing of the quality measure (about 4 bits).
const QUALITY_SMOOTHING: f32 = 1.0 / 32.0;

#[derive(Debug, Clone, Copy, Default)]
struct Complex {
    re: f32,
    im: f32,
}

/// One sample's demodulator output.
#[derive(Debug, Clone, Copy)]
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
    mark_table: [Complex; TABLE_LEN],
    space_table: [Complex; TABLE_LEN],
    table_index: usize,
    mark_products: [Complex; CORRELATOR_LEN],
    space_products: [Complex; CORRELATOR_LEN],
    squares: [f32; CORRELATOR_LEN],
    slot: usize,
    smoothed_correlator_energy: f32,
    smoothed_window_energy: f32,
    min_correlator_energy: f32,
}

fn table(freq_hz: f32) -> [Complex; TABLE_LEN] {
    let mut out = [Complex::default(); TABLE_LEN];
    for (n, entry) in out.iter_mut().enumerate() {
        let angle = TAU * freq_hz * n as f32 / SAMPLE_RATE_HZ as f32;
        *entry = Complex {
            re: angle.cos(),
            im: -angle.sin(),
        };
    }
    out
}

fn energy(products: &[Complex]) -> f32 {
    let (re, im) = products
        .iter()
        .fold((0.0, 0.0), |(re, im), p| (re + p.re, im + p.im));
    re * re + im * im
}

impl FskDemodulator {
    pub(super) fn new(modulation: FskModulation) -> Self {
        // A sine of peak A gives |Σ| = A·L/2 in the matching correlator.
        let min_amplitude =
            crate::level::sine_peak_for_dbm0(MIN_CARRIER_DBM0) * CORRELATOR_LEN as f32 / 2.0;
        FskDemodulator {
            mark_table: table(modulation.mark_hz()),
            space_table: table(modulation.space_hz()),
            table_index: 0,
            mark_products: [Complex::default(); CORRELATOR_LEN],
            space_products: [Complex::default(); CORRELATOR_LEN],
            squares: [0.0; CORRELATOR_LEN],
            slot: 0,
            smoothed_correlator_energy: 0.0,
            smoothed_window_energy: 0.0,
            min_correlator_energy: min_amplitude * min_amplitude,
        }
    }

    /// Demodulates one sample.
    pub(super) fn push(&mut self, sample: i16) -> Demodulated {
        let x = f32::from(sample);
        let (m, s) = (
            self.mark_table[self.table_index],
            self.space_table[self.table_index],
        );
        self.table_index = (self.table_index + 1) % TABLE_LEN;
        self.mark_products[self.slot] = Complex {
            re: x * m.re,
            im: x * m.im,
        };
        self.space_products[self.slot] = Complex {
            re: x * s.re,
            im: x * s.im,
        };
        self.squares[self.slot] = x * x;
        self.slot = (self.slot + 1) % CORRELATOR_LEN;
        // Summing 7 terms afresh each sample avoids the drift of a running sum.
        let mark_energy = energy(&self.mark_products);
        let space_energy = energy(&self.space_products);
        let window_energy: f32 = self.squares.iter().sum();
        self.smoothed_correlator_energy +=
            QUALITY_SMOOTHING * (mark_energy + space_energy - self.smoothed_correlator_energy);
        self.smoothed_window_energy +=
            QUALITY_SMOOTHING * (window_energy - self.smoothed_window_energy);
        let strong_enough = mark_energy.max(space_energy) >= self.min_correlator_energy;
        let tonal =
            self.smoothed_correlator_energy >= MIN_CARRIER_QUALITY * self.smoothed_window_energy;
        let (mark, space) = (mark_energy.sqrt(), space_energy.sqrt());
        let mark_lean = if mark + space > 0.0 {
            (mark - space) / (mark + space)
        } else {
            0.0
        };
        Demodulated {
            mark_lean,
            carrier: strong_enough && tonal,
        }
    }
}
