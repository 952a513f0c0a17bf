//! Sample-rate conversion between any two rates: the line (8 kHz), wideband and media
//! rates (16, 48 kHz) in streaming use, and prompt files of any rate (6, 11.025, 22.05,
//! 44.1 kHz…) converted once with [`resample_all`].
//!
//! Polyphase FIR: the rational factor L/M (up by L, down by M, reduced by their gcd) is
//! applied with one Kaiser-windowed sinc low-pass designed at the intermediate rate
//! `from × L`, split into L phases of K taps so only the taps that meet real input samples
//! are computed.
//!
//! Design: cut-off at half the lower rate, transition band ±7.5 % of the lower rate
//! (for 8 kHz: pass band to 3.4 kHz, stop band from 4.6 kHz), Kaiser β for 70 dB stop-band
//! attenuation. Images (up-sampling) and aliases (down-sampling) of telephone-band
//! signals are thereby ≥ 60 dB down; the pass band is flat to ±0.1 dB up to 3.4 kHz.
//! The same design holds for every pair of rates: it scales with the lower one.
//!
//! Bound: L and M must each be at most [`MAX_FACTOR`] (16384), or [`Resampler::new`]
//! returns [`ResampleError::FactorsTooLarge`]. The prototype filter has about
//! 31 × max(L, M) taps (its transition band is a fixed share of the lower rate, at the
//! intermediate rate `from × L`), so the bound keeps the coefficients under about 2 MB
//! (plus an f64 copy of the prototype while `new` designs it). Every common pair is far
//! inside it: 44.1 → 8 kHz is L = 80, M = 441; 11.025 → 8 kHz is 320/441; 22.05 → 8 kHz
//! is 160/441; 4 → 192 kHz is 48/1. Only rates sharing almost no factor are refused
//! (e.g. 8000 → 8001 Hz, L = 8001, M = 8000, is accepted; 8000 → 16411 Hz is not).
//!
//! Streaming and allocation-free: the filter and its history are allocated in `new`;
//! `process` keeps phase across calls, so any input split gives the same output. It
//! takes 16-bit samples (rounded and saturated on the way out) or `f32` (as they are).
//!
//! One-shot: [`resample_all`] converts a whole signal, compensating the filter delay so
//! output sample n is the input at time n / `to` (time-aligned), with
//! `round(len × to / from)` samples; equal rates return the input unchanged.

use core::f64::consts::PI;

/// Largest up-factor L and down-factor M (of the reduced ratio `to/from = L/M`) accepted:
/// the filter grows with the larger of the two (see the module documentation).
pub const MAX_FACTOR: u32 = 16384;
const STOPBAND_DB: f64 = 70.0;
const TRANSITION_SHARE: f64 = 0.075;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ResampleError {
    #[error("cannot resample {from_hz} Hz to {to_hz} Hz: a sample rate of 0 Hz")]
    ZeroRate { from_hz: u32, to_hz: u32 },
    #[error(
        "cannot resample {from_hz} Hz to {to_hz} Hz: the ratio reduces to up {up} / down {down}, \
         and the resampler takes factors up to {MAX_FACTOR} (its filter grows with the larger)"
    )]
    FactorsTooLarge {
        from_hz: u32,
        to_hz: u32,
        up: u32,
        down: u32,
    },
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for i16 {}
    impl Sealed for f32 {}
}

/// A sample type the resampler converts: `i16` (16-bit PCM; outputs rounded and
/// saturated) or `f32` (any scale; outputs as computed).
pub trait Sample: Copy + Default + sealed::Sealed {
    fn to_f32(self) -> f32;
    fn from_f32(value: f32) -> Self;
}

impl Sample for i16 {
    fn to_f32(self) -> f32 {
        f32::from(self)
    }

    fn from_f32(value: f32) -> Self {
        value.round().clamp(-32768.0, 32767.0) as i16
    }
}

impl Sample for f32 {
    fn to_f32(self) -> f32 {
        self
    }

    fn from_f32(value: f32) -> Self {
        value
    }
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
        if from_hz == 0 || to_hz == 0 {
            return Err(ResampleError::ZeroRate { from_hz, to_hz });
        }
        let common = gcd(from_hz, to_hz);
        let (up, down) = (to_hz / common, from_hz / common);
        if up > MAX_FACTOR || down > MAX_FACTOR {
            return Err(ResampleError::FactorsTooLarge {
                from_hz,
                to_hz,
                up,
                down,
            });
        }
        let (up, down) = (up as usize, down as usize);
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

    /// The reduced ratio `(L, M)`: up by L, down by M.
    pub fn factors(&self) -> (usize, usize) {
        (self.up, self.down)
    }

    /// Converts `input`, writes the outputs it completes to `out`, returns how many.
    /// Whole 20 ms frames give whole frames (160 at 8 kHz ↔ 960 at 48 kHz).
    /// `i16` outputs are rounded and saturated; `f32` ones are as computed.
    ///
    /// # Panics
    /// If `out` is shorter than needed (see [`Resampler::max_output_len`]).
    pub fn process<S: Sample>(&mut self, input: &[S], out: &mut [S]) -> usize {
        let k = self.taps_per_phase;
        let mut written = 0;
        let mut next = input.iter();
        loop {
            while self.phase >= self.up {
                let Some(&sample) = next.next() else {
                    return written;
                };
                self.pos = if self.pos == 0 { k - 1 } else { self.pos - 1 };
                let sample = sample.to_f32();
                self.history[self.pos] = sample;
                self.history[self.pos + k] = sample;
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
            out[written] = S::from_f32(value);
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

/// `input` at `from_hz` resampled to `to_hz` in one go (a prompt file, say), with
/// `round(input.len() × to / from)` samples, time-aligned: output n is the (band-limited)
/// input at time n / `to_hz`, the filter delay taken out. Before the first and after the
/// last input sample the signal is taken as silence. Equal rates return `input`
/// unchanged; other rates as [`Resampler::new`] accepts them.
pub fn resample_all<S: Sample>(
    input: &[S],
    from_hz: u32,
    to_hz: u32,
) -> Result<Vec<S>, ResampleError> {
    let mut resampler = Resampler::new(from_hz, to_hz)?;
    if from_hz == to_hz {
        return Ok(input.to_vec());
    }
    let wanted = ((input.len() as u64 * u64::from(to_hz) + u64::from(from_hz) / 2)
        / u64::from(from_hz)) as usize;
    if wanted == 0 {
        return Ok(Vec::new());
    }
    let (up, down) = (resampler.up, resampler.down);
    let centre = resampler.centre_taps;
    // Streaming output j lies at j·M − c at the intermediate rate (input i at i·L); output
    // n should lie at n·M. Leading with `lead` zeros moves the input by lead·L, so pick
    // lead < M with c + lead·L = skip·M (one exists: L and M are coprime) and drop the
    // first `skip` outputs.
    let lead = (0..down)
        .find(|lead| (centre + lead * up).is_multiple_of(down))
        .expect("L and M are coprime");
    let skip = (centre + lead * up) / down;
    let needed = skip + wanted;
    // Output j needs inputs up to floor(j·M / L): feed silence after the input until then.
    let inputs = (needed - 1) * down / up + 1;
    let tail = inputs.saturating_sub(lead + input.len());
    let mut out = vec![S::default(); resampler.max_output_len(lead + input.len() + tail)];
    let silence = [S::default(); 256];
    let mut written = 0;
    let mut feed = |resampler: &mut Resampler, samples: &[S], out: &mut [S]| {
        written += resampler.process(samples, &mut out[written..]);
    };
    for chunk in (0..lead).step_by(silence.len()) {
        feed(
            &mut resampler,
            &silence[..silence.len().min(lead - chunk)],
            &mut out,
        );
    }
    feed(&mut resampler, input, &mut out);
    for chunk in (0..tail).step_by(silence.len()) {
        feed(
            &mut resampler,
            &silence[..silence.len().min(tail - chunk)],
            &mut out,
        );
    }
    assert!(written >= needed, "{written} outputs, {needed} needed");
    out.truncate(needed);
    out.drain(..skip);
    Ok(out)
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
        assert_eq!(Resampler::new(44100, 8000).unwrap().factors(), (80, 441));
        assert_eq!(Resampler::new(11025, 8000).unwrap().factors(), (320, 441));
        assert_eq!(Resampler::new(22050, 8000).unwrap().factors(), (160, 441));
        assert_eq!(Resampler::new(8000, 44100).unwrap().factors(), (441, 80));
        assert_eq!(Resampler::new(4000, 192000).unwrap().factors(), (48, 1));
        assert_eq!(Resampler::new(8000, 8001).unwrap().factors(), (8001, 8000));
        assert_eq!(
            Resampler::new(0, 8000).unwrap_err(),
            ResampleError::ZeroRate {
                from_hz: 0,
                to_hz: 8000
            }
        );
        assert!(Resampler::new(8000, 0).is_err());
        let error = Resampler::new(8000, 16411).unwrap_err();
        assert_eq!(
            error,
            ResampleError::FactorsTooLarge {
                from_hz: 8000,
                to_hz: 16411,
                up: 16411,
                down: 8000
            }
        );
        assert!(error.to_string().contains("up to 16384"), "{error}");
        assert!(Resampler::new(16411, 8000).is_err());
        assert!(Resampler::new(MAX_FACTOR + 1, MAX_FACTOR).is_err());
        assert!(Resampler::new(MAX_FACTOR, MAX_FACTOR - 1).is_ok());
    }

    #[test]
    fn f32_and_i16_agree() {
        let input: Vec<i16> = (0..500).map(|n| ((n * 37) % 2001 - 1000) as i16).collect();
        let floats: Vec<f32> = input.iter().map(|&x| f32::from(x)).collect();
        let mut a = Resampler::new(11025, 8000).unwrap();
        let mut b = a.clone();
        let mut out_i = vec![0i16; a.max_output_len(input.len())];
        let mut out_f = vec![0f32; b.max_output_len(input.len())];
        let n = a.process(&input, &mut out_i);
        assert_eq!(b.process(&floats, &mut out_f), n);
        for (i, f) in out_i[..n].iter().zip(&out_f[..n]) {
            assert_eq!(*i, i16::from_f32(*f));
        }
    }

    #[test]
    fn one_shot_lengths_scale_with_the_rates() {
        assert_eq!(
            resample_all(&[0.0f32; 22050 * 3 / 2], 22050, 8000)
                .unwrap()
                .len(),
            12000
        );
        assert_eq!(resample_all(&[0.0f32; 441], 44100, 8000).unwrap().len(), 80);
        assert_eq!(resample_all(&[0i16; 100], 8000, 8000).unwrap().len(), 100);
        assert_eq!(resample_all(&[0.0f32; 3], 16000, 8000).unwrap().len(), 2);
        assert_eq!(resample_all(&[0i16; 7], 8000, 48000).unwrap().len(), 42);
        assert_eq!(resample_all(&[0i16; 1], 6000, 8000).unwrap().len(), 1);
        assert!(resample_all::<f32>(&[], 44100, 8000).unwrap().is_empty());
        assert!(resample_all(&[0i16; 10], 8000, 16411).is_err());
        let same = [1i16, -2, 3];
        assert_eq!(resample_all(&same, 16000, 16000).unwrap(), same);
    }

    #[test]
    fn one_shot_impulse_lands_at_its_time() {
        // An impulse at input time 0.01 s comes out peaking at output time 0.01 s.
        for (from, to) in [
            (44100u32, 8000u32),
            (8000, 48000),
            (48000, 8000),
            (11025, 8000),
            (6000, 8000),
            (8000, 11025),
        ] {
            let mut input = vec![0.0f32; from as usize / 10];
            input[from as usize / 100] = 1.0;
            let out = resample_all(&input, from, to).unwrap();
            let peak = (0..out.len())
                .max_by(|&a, &b| out[a].abs().total_cmp(&out[b].abs()))
                .unwrap();
            assert_eq!(peak, to as usize / 100, "{from} -> {to}");
        }
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
