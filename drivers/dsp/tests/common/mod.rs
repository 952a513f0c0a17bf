//! Measurement helpers for the integration tests, independent of the crate's detectors.
#![allow(dead_code)]

use dsp::level::dbm0_for_mean_square;

pub const RATE: f64 = 8000.0;

/// Goertzel power of `freq_hz` in `samples`, normalised so a sine of peak A gives A²/2.
pub fn goertzel_power(samples: &[i16], freq_hz: f64) -> f64 {
    let coefficient = 2.0 * (std::f64::consts::TAU * freq_hz / RATE).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + coefficient * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
    let n = samples.len() as f64;
    2.0 * power / (n * n)
}

/// Frequency estimated from positive-going zero crossings (interpolated).
pub fn zero_crossing_frequency(samples: &[i16]) -> f64 {
    let mut crossings = Vec::new();
    for i in 1..samples.len() {
        let (a, b) = (f64::from(samples[i - 1]), f64::from(samples[i]));
        if a < 0.0 && b >= 0.0 {
            crossings.push((i - 1) as f64 + a / (a - b));
        }
    }
    assert!(crossings.len() >= 2, "not enough zero crossings");
    let span = crossings[crossings.len() - 1] - crossings[0];
    (crossings.len() - 1) as f64 * RATE / span
}

pub fn level_dbm0(samples: &[i16]) -> f32 {
    let mean_square = samples
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        / samples.len() as f64;
    dbm0_for_mean_square(mean_square as f32)
}

/// Deterministic Gaussian-ish white noise (xorshift + sum of uniforms).
pub struct Noise {
    state: u64,
}

impl Noise {
    pub fn new(seed: u64) -> Self {
        Noise { state: seed | 1 }
    }

    fn uniform(&mut self) -> f64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        (self.state >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Unit-variance sample (Irwin–Hall with 12 uniforms).
    pub fn gaussian(&mut self) -> f64 {
        (0..12).map(|_| self.uniform()).sum::<f64>() - 6.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        (self.uniform() * n as f64) as u64 % n
    }
}

/// Adds white noise with the given mean-square power (16-bit units squared).
pub fn add_noise(samples: &mut [i16], mean_square: f64, noise: &mut Noise) {
    let sigma = mean_square.sqrt();
    for x in samples.iter_mut() {
        let value = f64::from(*x) + sigma * noise.gaussian();
        *x = value.round().clamp(-32768.0, 32767.0) as i16;
    }
}

pub fn mean_square(samples: &[i16]) -> f64 {
    samples
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        / samples.len() as f64
}

/// Sample runs where |x| > 0, as (start, length) pairs.
pub fn on_runs(samples: &[i16], min_gap: usize) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut last_on: Option<usize> = None;
    for (i, &x) in samples.iter().enumerate() {
        if x != 0 {
            match (runs.last_mut(), last_on) {
                (Some(run), Some(prev)) if i - prev <= min_gap => run.1 = i + 1 - run.0,
                _ => runs.push((i, 1)),
            }
            last_on = Some(i);
        }
    }
    runs
}
