//! Sample-rate conversion between the line (8 kHz) and wideband/media rates (16, 48 kHz).
//!
//! Polyphase FIR: the rational factor L/M (up by L, down by M) is applied with one
//! Kaiser-windowed sinc low-pass designed at the intermediate rate `from × L`, split
//! into L phases of K taps so only the taps that meet real input samples are computed.
//!
//! Design: cut-off at half the lower rate, transition band ±7.5 % of the lower rate
//! (for 8 kHz: pass band to 3.4 kHz, stop band from 4.6 kHz), Kaiser β for 70 dB stop-band
//! attenuation. Images (up-sampling) and aliases (down-sampling) of telephone-band
//! signals are thereby ≥ 60 dB down; the pass band is flat to ±0.1 dB up to 3.4 kHz.
//!
//! Streaming and allocation-free: the filter and its history are allocated in `new`;
//! `process` keeps phase across calls, so any input split gives the same output.

use core::f64::consts::PI;

/// Rates this resampler converts between (any pair of them).
pub const SUPPORTED_RATES_HZ: [u32; 3] = [8000, 16000, 48000];
const STOPBAND_DB: f64 = 70.0;
const TRANSITION_SHARE: f64 = 0.075;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ResampleError {
    #[error("cannot resample {from_hz} Hz to {to_hz} Hz (supported: 8000, 16000, 48000 Hz)")]
    UnsupportedRates { from_hz: u32, to_hz: u32 },
}

/// Streaming polyphase resampler from one rate to another.
#[derive(Debug, Clone)]
pub struct Resampler {
    from_hz: u32,
    to_hz: u32,
    up: usize,
    down: usize,
    taps_per_phase: usize,
    /// Centre tap of the prototype filter (its delay at the intermediate rate).
    centre_taps: usize,
    /// Phase-major: phase p's K taps at `p*K..(p+1)*K`, for the newest input first.
    coefficients: Box<[f32]>,
    /// Input history, written twice so the newest K samples are contiguous at `pos..pos+K`.
    history: Box<[f32]>,
    pos: usize,
    /// Position of the next output relative to the newest input, in 1/L input samples;
    /// ≥ L means another input is needed first.
    phase: usize,
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Zeroth-order modified Bessel function of the first kind (series).
fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    let half = x / 2.0;
    for k in 1..50 {
        term *= (half / k as f64) * (half / k as f64);
        sum += term;
        if term < sum * 1e-16 {
            break;
        }
    }
    sum
}

impl Resampler {
    pub fn new(from_hz: u32, to_hz: u32) -> Result<Self, ResampleError> {
        if !SUPPORTED_RATES_HZ.contains(&from_hz) || !SUPPORTED_RATES_HZ.contains(&to_hz) {
            return Err(ResampleError::UnsupportedRates { from_hz, to_hz });
        }
        let common = gcd(from_hz, to_hz);
        let up = (to_hz / common) as usize;
        let down = (from_hz / common) as usize;
        let rate = f64::from(from_hz) * up as f64;
        let lower = f64::from(from_hz.min(to_hz));
        let cutoff = lower / 2.0 / rate; // cycles per sample at the intermediate rate
        let transition = 2.0 * TRANSITION_SHARE * lower / rate;
        let beta = 0.1102 * (STOPBAND_DB - 8.7);
        let length = ((STOPBAND_DB - 8.0) / (2.285 * 2.0 * PI * transition)).ceil() as usize + 1;
        // Symmetric filter of 2c + 1 taps, centre c a multiple of half the larger factor
        // (or of the factor, if odd): then a round trip (e.g. 8 → 48 → 8 kHz) delays by a
        // whole number of samples, and comes back phase-aligned with the original.
        let larger = up.max(down);
        let grid = if larger.is_multiple_of(2) {
            larger / 2
        } else {
            larger
        };
        let centre_taps = ((length - 1) / 2).div_ceil(grid) * grid;
        let taps_per_phase = (2 * centre_taps + 1).div_ceil(up);
        let total = taps_per_phase * up;
        let centre = centre_taps as f64;
        let mut prototype = vec![0.0f64; total];
        for (n, tap) in prototype.iter_mut().enumerate().take(2 * centre_taps + 1) {
            let t = n as f64 - centre;
            let sinc = if t == 0.0 {
                2.0 * cutoff
            } else {
                (2.0 * PI * cutoff * t).sin() / (PI * t)
            };
            let ratio = t / (centre + 1.0);
            let window = bessel_i0(beta * (1.0 - ratio * ratio).max(0.0).sqrt()) / bessel_i0(beta);
            *tap = sinc * window;
        }
        // Unity DC gain after up-sampling by `up` (which spreads each input over `up`).
        let dc: f64 = prototype.iter().sum();
        let scale = up as f64 / dc;
        let mut coefficients = vec![0.0f32; total].into_boxed_slice();
        for phase in 0..up {
            for k in 0..taps_per_phase {
                coefficients[phase * taps_per_phase + k] =
                    (prototype[phase + k * up] * scale) as f32;
            }
        }
        Ok(Resampler {
            from_hz,
            to_hz,
            up,
            down,
            taps_per_phase,
            centre_taps,
            coefficients,
            history: vec![0.0; 2 * taps_per_phase].into_boxed_slice(),
            pos: 0,
            phase: up,
        })
    }

    pub fn from_hz(&self) -> u32 {
        self.from_hz
    }

    pub fn to_hz(&self) -> u32 {
        self.to_hz
    }

    /// Delay through the filter, in output samples (for aligning round trips).
    pub fn delay_out_samples(&self) -> f64 {
        self.centre_taps as f64 / self.down as f64
    }

    /// Most outputs `input_len` inputs can produce: size `out` at least this.
    pub fn max_output_len(&self, input_len: usize) -> usize {
        (input_len * self.up).div_ceil(self.down) + 1
    }

    /// Converts `input`, writes the outputs it completes to `out`, returns how many.
    /// Whole 20 ms frames give whole frames (160 at 8 kHz ↔ 960 at 48 kHz).
    ///
    /// # Panics
    /// If `out` is shorter than needed (see [`Resampler::max_output_len`]).
    pub fn process(&mut self, input: &[i16], out: &mut [i16]) -> usize {
        let k = self.taps_per_phase;
        let mut written = 0;
        let mut next = input.iter();
        loop {
            while self.phase >= self.up {
                let Some(&sample) = next.next() else {
                    return written;
                };
                self.pos = if self.pos == 0 { k - 1 } else { self.pos - 1 };
                self.history[self.pos] = f32::from(sample);
                self.history[self.pos + k] = f32::from(sample);
                self.phase -= self.up;
            }
            assert!(
                written < out.len(),
                "resampler output buffer of {} samples too small for {} inputs",
                out.len(),
                input.len()
            );
            let taps = &self.coefficients[self.phase * k..(self.phase + 1) * k];
            let recent = &self.history[self.pos..self.pos + k];
            let value: f32 = taps.iter().zip(recent).map(|(c, x)| c * x).sum();
            out[written] = value.round().clamp(-32768.0, 32767.0) as i16;
            written += 1;
            self.phase += self.down;
        }
    }

    /// Clears the history (silence) and phase, as if new.
    pub fn reset(&mut self) {
        self.history.fill(0.0);
        self.pos = 0;
        self.phase = self.up;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_and_errors() {
        let r = Resampler::new(8000, 48000).unwrap();
        assert_eq!((r.up, r.down), (6, 1));
        let r = Resampler::new(48000, 8000).unwrap();
        assert_eq!((r.up, r.down), (1, 6));
        let r = Resampler::new(16000, 48000).unwrap();
        assert_eq!((r.up, r.down), (3, 1));
        assert!(Resampler::new(8000, 44100).is_err());
        assert!(Resampler::new(11025, 8000).is_err());
    }

    #[test]
    fn whole_frames_in_whole_frames_out() {
        for (from, to, input, output) in [
            (8000, 48000, 160, 960),
            (48000, 8000, 960, 160),
            (8000, 16000, 160, 320),
            (16000, 8000, 320, 160),
        ] {
            let mut r = Resampler::new(from, to).unwrap();
            let frame = vec![1000i16; input];
            let mut out = vec![0i16; r.max_output_len(input)];
            for _ in 0..5 {
                assert_eq!(r.process(&frame, &mut out), output, "{from} -> {to}");
            }
        }
    }
}
