//! Line (hybrid) echo canceller in the spirit of ITU-T G.168.
//!
//! The far-end signal (what we send towards the line) leaks back through the 2-wire/
//! 4-wire hybrid into the near-end signal (what we receive). An adaptive FIR filter
//! spanning the echo tail (32…128 ms, 256…1024 taps) models that path; its output is
//! subtracted from the near end.
//!
//! - Adaptation: NLMS on a *background* filter; the output comes from a *foreground*
//!   filter that receives a copy of the background only when, over a 32 ms block with
//!   the far end talking and no double talk, the background cancels clearly better
//!   (and cancels at all). A background that ends up clearly worse (it adapted on a
//!   missed stretch of double talk) is reset from the foreground. So one bad stretch of
//!   adaptation never reaches the output (two-path structure, after Ochiai et al.).
//!   No copy is made either while the foreground suddenly leaves much more of the near
//!   end than it recently did (missed double talk); a changed echo path therefore takes
//!   about 1.5 s longer to be taken up. The background's error is limited to 2.5 times
//!   its recent typical size (robust NLMS), so missed near-end speech only nudges it.
//! - Double talk: Geigel detector. Near-end speech is declared when |near| exceeds half
//!   (6 dB below) the largest |far| of the last tail length; adaptation is frozen then and
//!   for a 30 ms hangover, so the model does not diverge while both ends talk.
//! - Optional non-linear processor (NLP): while the far end talks and the near end does
//!   not, the residual echo is removed entirely (G.168 NLP; no comfort noise).
//!
//! Allocation-free per frame: the filter and its history are allocated once in `new`.

use crate::level::sine_peak_for_dbm0;
use crate::oscillator::to_i16;

pub const MIN_TAIL_MS: u16 = 32;
pub const MAX_TAIL_MS: u16 = 128;
const SAMPLES_PER_MS: usize = 8;
/// Far-end maxima are kept per block of this many samples for the Geigel detector.
const GEIGEL_BLOCK: usize = 16;
/// Foreground/background comparison block (32 ms).
const COMPARE_BLOCK: u32 = 256;
/// Background replaces foreground when its error energy is below this share of it.
const COPY_RATIO: f64 = 0.5;
/// …and below this share of the near-end energy (it really cancels echo, rather than
/// nibbling at near-end speech the double-talk detector missed).
const COPY_NEAR_RATIO: f64 = 0.25;
/// The best recent foreground error / near ratio is forgotten at 0.5 dB per block…
const BEST_RATIO_FORGET: f64 = 1.122;
const BEST_RATIO_FLOOR: f64 = 1e-3;
/// …and never counted better than 30 dB, so a changed echo path is taken up within
/// about 1.5 s…
/// …and no copy is made while the ratio is more than 9 dB above it.
const MAX_RATIO_RISE: f64 = 8.0;
/// Background is reset from foreground when its error energy exceeds this multiple.
const RESET_RATIO: f64 = 4.0;

#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum EchoError {
    #[error("echo tail of {tail_ms} ms outside the supported {MIN_TAIL_MS}…{MAX_TAIL_MS} ms")]
    TailOutOfRange { tail_ms: u16 },
    #[error("echo canceller step size {0} outside (0, 2)")]
    StepSize(f32),
}

/// Settings of an [`EchoCanceller`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EchoCancellerConfig {
    /// Echo path length covered, 32…128 ms.
    pub tail_ms: u16,
    /// NLMS step size μ in (0, 2); 0.7 converges fast and stays quiet.
    pub step_size: f32,
    /// Geigel threshold: near-end talk when |near| > threshold × max |far|. 0.5 assumes
    /// the hybrid returns at least 6 dB less than it is sent (G.168 ERL ≥ 6 dB).
    pub geigel_threshold: f32,
    /// How long adaptation stays frozen after the last double-talk sample.
    pub hangover_ms: u16,
    /// Remove the residual echo while only the far end talks.
    pub nlp: bool,
}

impl EchoCancellerConfig {
    pub fn new(tail_ms: u16) -> Self {
        EchoCancellerConfig {
            tail_ms,
            step_size: 0.7,
            geigel_threshold: 0.5,
            hangover_ms: 30,
            nlp: false,
        }
    }
}

/// NLMS line echo canceller with Geigel double-talk detection and an optional NLP.
#[derive(Debug, Clone)]
pub struct EchoCanceller {
    config: EchoCancellerConfig,
    taps: usize,
    /// Foreground echo path model (makes the output), newest tap first.
    coefficients: Box<[f32]>,
    /// Background model (adapts).
    background: Box<[f32]>,
    /// Far-end history, written twice (at `pos` and `pos + taps`) so the newest `taps`
    /// samples are always one contiguous slice, newest first, at `pos..pos + taps`.
    far: Box<[f32]>,
    pos: usize,
    far_power: f64,
    /// Error energies of both filters, near energy, over the current comparison block.
    block_foreground: f64,
    block_background: f64,
    block_near: f64,
    block_samples: u32,
    /// Double talk or a silent far end somewhere in the current block.
    block_unreliable: bool,
    /// Per-block maxima of |far| covering the tail.
    block_max: Box<[f32]>,
    block_index: usize,
    block_fill: usize,
    current_block_max: f32,
    past_max: f32,
    hangover_samples: u32,
    hangover_left: u32,
    far_envelope: f32,
    far_active_threshold: f32,
    /// Lowest recent foreground error / near energy ratio of a block.
    best_ratio: f64,
    /// Typical |background error| (about 32 ms average) for the robust update.
    error_scale: f32,
    /// Regulariser of the NLMS normalisation (keeps silent far end from blowing up μ).
    epsilon: f64,
}

impl EchoCanceller {
    /// A canceller for an echo tail of `tail_ms` (32…128 ms), default settings, no NLP.
    pub fn new(tail_ms: u16) -> Result<Self, EchoError> {
        Self::with_config(EchoCancellerConfig::new(tail_ms))
    }

    pub fn with_config(config: EchoCancellerConfig) -> Result<Self, EchoError> {
        if !(MIN_TAIL_MS..=MAX_TAIL_MS).contains(&config.tail_ms) {
            return Err(EchoError::TailOutOfRange {
                tail_ms: config.tail_ms,
            });
        }
        if !(config.step_size > 0.0 && config.step_size < 2.0) {
            return Err(EchoError::StepSize(config.step_size));
        }
        let taps = usize::from(config.tail_ms) * SAMPLES_PER_MS;
        let blocks = taps.div_ceil(GEIGEL_BLOCK) + 1;
        // A −50 dBm0 far end in every tap: below that, adaptation slows to a stop.
        let floor = sine_peak_for_dbm0(-50.0);
        Ok(EchoCanceller {
            config,
            taps,
            coefficients: vec![0.0; taps].into_boxed_slice(),
            background: vec![0.0; taps].into_boxed_slice(),
            far: vec![0.0; 2 * taps].into_boxed_slice(),
            pos: 0,
            far_power: 0.0,
            block_foreground: 0.0,
            block_background: 0.0,
            block_near: 0.0,
            block_samples: 0,
            block_unreliable: false,
            block_max: vec![0.0; blocks].into_boxed_slice(),
            block_index: 0,
            block_fill: 0,
            current_block_max: 0.0,
            past_max: 0.0,
            hangover_samples: u32::from(config.hangover_ms) * SAMPLES_PER_MS as u32,
            hangover_left: 0,
            far_envelope: 0.0,
            far_active_threshold: sine_peak_for_dbm0(-45.0),
            error_scale: 0.0,
            best_ratio: 1.0,
            epsilon: f64::from(floor * floor / 2.0) * taps as f64,
        })
    }

    pub fn config(&self) -> &EchoCancellerConfig {
        &self.config
    }

    /// Switches the non-linear processor on or off.
    pub fn set_nlp(&mut self, on: bool) {
        self.config.nlp = on;
    }

    /// Whether double talk was detected within the hangover (adaptation frozen).
    pub fn double_talk(&self) -> bool {
        self.hangover_left > 0
    }

    /// The echo path model in use (foreground), newest tap first.
    pub fn coefficients(&self) -> &[f32] {
        &self.coefficients
    }

    /// Forgets the echo path (e.g. when the line is re-seized).
    pub fn reset(&mut self) {
        let config = self.config;
        if let Ok(fresh) = Self::with_config(config) {
            // Same sizes: copy in place rather than reallocate.
            self.coefficients.copy_from_slice(&fresh.coefficients);
            self.background.copy_from_slice(&fresh.background);
            self.far.copy_from_slice(&fresh.far);
            self.block_max.copy_from_slice(&fresh.block_max);
            self.pos = 0;
            self.far_power = 0.0;
            self.block_foreground = 0.0;
            self.block_background = 0.0;
            self.block_near = 0.0;
            self.block_samples = 0;
            self.block_unreliable = false;
            self.block_index = 0;
            self.block_fill = 0;
            self.current_block_max = 0.0;
            self.past_max = 0.0;
            self.hangover_left = 0;
            self.far_envelope = 0.0;
            self.error_scale = 0.0;
            self.best_ratio = 1.0;
        }
    }

    /// Cancels the echo of `far_end` in `near_end` into `out`, sample by sample. The
    /// three slices are the same 8 kHz instants; if their lengths differ, only the common
    /// length is processed.
    pub fn process(&mut self, far_end: &[i16], near_end: &[i16], out: &mut [i16]) {
        debug_assert!(far_end.len() == near_end.len() && near_end.len() == out.len());
        for ((&far, &near), out) in far_end.iter().zip(near_end).zip(out.iter_mut()) {
            *out = self.sample(f32::from(far), f32::from(near));
        }
    }

    fn sample(&mut self, far: f32, near: f32) -> i16 {
        let taps = self.taps;
        // Push the far sample (newest first): move the window start back by one.
        self.pos = if self.pos == 0 {
            taps - 1
        } else {
            self.pos - 1
        };
        let leaving = self.far[self.pos + taps];
        self.far[self.pos] = far;
        self.far[self.pos + taps] = far;
        self.far_power += f64::from(far) * f64::from(far) - f64::from(leaving) * f64::from(leaving);
        if self.pos == 0 {
            // Once per tail length, drop the accumulated rounding of the running sum.
            self.far_power = self.far[..taps]
                .iter()
                .map(|&x| f64::from(x) * f64::from(x))
                .sum();
        }

        let far_max = self.track_far_max(far.abs());
        if near.abs() > self.config.geigel_threshold * far_max {
            // Near end louder than any echo of the far end could be: double talk (or a
            // near end talking alone, which must not adapt the model either).
            self.hangover_left = self.hangover_samples;
        } else if self.hangover_left > 0 {
            self.hangover_left -= 1;
        }
        // Envelope of |far| with about 8 ms attack and 64 ms release.
        let magnitude = far.abs();
        let rate = if magnitude > self.far_envelope {
            1.0 / 64.0
        } else {
            1.0 / 512.0
        };
        self.far_envelope += rate * (magnitude - self.far_envelope);
        let far_active = self.far_envelope > self.far_active_threshold;

        let history = &self.far[self.pos..self.pos + taps];
        let error = near - dot(&self.coefficients, history);
        let background_error = near - dot(&self.background, history);

        let adapt = self.hangover_left == 0 && far_active;
        if adapt {
            // Robust NLMS: the error is limited to a few times its recent typical size, so
            // near-end speech the Geigel detector misses can only nudge the model.
            let scale = self.error_scale;
            self.error_scale += (background_error.abs() - scale) / 128.0;
            let limit = (2.5 * scale).max(0.02 * self.far_envelope);
            let clipped = background_error.clamp(-limit, limit);
            let gain = (f64::from(self.config.step_size) * f64::from(clipped)
                / (self.far_power + self.epsilon)) as f32;
            for (c, &x) in self.background.iter_mut().zip(history) {
                *c += gain * x;
            }
        }
        self.compare(error, background_error, near, adapt);

        if self.config.nlp && adapt {
            0
        } else {
            to_i16(error)
        }
    }

    /// Foreground/background bookkeeping, one decision per block.
    fn compare(&mut self, error: f32, background_error: f32, near: f32, adapting: bool) {
        self.block_foreground += f64::from(error) * f64::from(error);
        self.block_background += f64::from(background_error) * f64::from(background_error);
        self.block_near += f64::from(near) * f64::from(near);
        self.block_unreliable |= !adapting;
        self.block_samples += 1;
        if self.block_samples < COMPARE_BLOCK {
            return;
        }
        if !self.block_unreliable {
            // How much of the near end the foreground leaves; a sudden rise against the
            // best recent value means near-end speech the Geigel detector missed (or a
            // changed echo path, which then waits until the rise is forgotten).
            let ratio = self.block_foreground / (self.block_near + 1.0);
            self.best_ratio = (self.best_ratio * BEST_RATIO_FORGET)
                .min(ratio)
                .clamp(BEST_RATIO_FLOOR, 1.0);
            let foreground_steady = ratio <= MAX_RATIO_RISE * self.best_ratio;
            if foreground_steady
                && self.block_background < COPY_RATIO * self.block_foreground
                && self.block_background < COPY_NEAR_RATIO * self.block_near
            {
                self.coefficients.copy_from_slice(&self.background);
            } else if self.block_background > RESET_RATIO * self.block_foreground {
                self.background.copy_from_slice(&self.coefficients);
            }
        }
        self.block_foreground = 0.0;
        self.block_background = 0.0;
        self.block_near = 0.0;
        self.block_samples = 0;
        self.block_unreliable = false;
    }

    /// Largest |far| over the last tail length (block resolution).
    fn track_far_max(&mut self, magnitude: f32) -> f32 {
        self.current_block_max = self.current_block_max.max(magnitude);
        self.block_fill += 1;
        if self.block_fill == GEIGEL_BLOCK {
            self.block_max[self.block_index] = self.current_block_max;
            self.block_index = (self.block_index + 1) % self.block_max.len();
            self.block_fill = 0;
            self.current_block_max = 0.0;
            self.past_max = self.block_max.iter().copied().fold(0.0, f32::max);
        }
        self.past_max.max(self.current_block_max)
    }
}

/// Dot product in four lanes (lets the compiler vectorise it).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 4];
    let chunks_a = a.chunks_exact(4);
    let chunks_b = b.chunks_exact(4);
    let tail: f32 = chunks_a
        .remainder()
        .iter()
        .zip(chunks_b.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in chunks_a.zip(chunks_b) {
        for lane in 0..4 {
            lanes[lane] += x[lane] * y[lane];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_range_is_checked() {
        assert!(EchoCanceller::new(31).is_err());
        assert!(EchoCanceller::new(129).is_err());
        assert_eq!(
            EchoCanceller::new(64).map(|ec| ec.coefficients().len()),
            Ok(512)
        );
        let mut config = EchoCancellerConfig::new(64);
        config.step_size = 2.0;
        assert!(EchoCanceller::with_config(config).is_err());
    }

    #[test]
    fn silence_in_silence_out() {
        let mut ec = EchoCanceller::new(32).unwrap();
        let mut out = [1i16; 160];
        ec.process(&[0; 160], &[0; 160], &mut out);
        assert!(out.iter().all(|&x| x == 0));
    }
}
