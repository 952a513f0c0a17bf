//! Band-limited resampling: each output sample is the input convolved with a
//! Blackman-windowed sinc low-pass, evaluated at the output instant.
//!
//! The cut-off is 45 % of the lower of the two rates (3.6 kHz for 8 kHz out), so what
//! lies above the new Nyquist frequency is removed before it can alias into the band
//! (a 6 kHz tone at 44.1 kHz would otherwise come out at 2 kHz). The kernel spans
//! 24 zero crossings each side: the Blackman window's stop band (about -74 dB) starts
//! some 400 Hz above the cut-off at 8 kHz. The windowed sinc is tabulated finely once
//! and linearly interpolated, so any pair of rates costs the same per tap.

/// The media engine's rate.
pub const PROMPT_RATE: u32 = 8000;

/// Zero crossings of the sinc on each side of the centre.
const ZERO_CROSSINGS: usize = 24;
/// Table points per zero crossing; linear interpolation between them is far below the
/// window's stop band.
const STEPS_PER_CROSSING: usize = 256;
/// Cut-off as a fraction of the lower rate.
const CUTOFF: f64 = 0.45;

/// The windowed sinc at `x` zero crossings from its centre, `0 <= x <= ZERO_CROSSINGS`.
fn windowed_sinc(x: f64) -> f64 {
    let sinc = if x == 0.0 {
        1.0
    } else {
        (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x)
    };
    // Blackman window over -ZERO_CROSSINGS..=ZERO_CROSSINGS, 1 at the centre.
    let phase = std::f64::consts::PI * x / ZERO_CROSSINGS as f64;
    let window = 0.42 + 0.5 * phase.cos() + 0.08 * (2.0 * phase).cos();
    sinc * window
}

struct Kernel {
    /// `windowed_sinc` at every 1/STEPS_PER_CROSSING, one point past the end.
    table: Vec<f64>,
}

impl Kernel {
    fn new() -> Kernel {
        let points = ZERO_CROSSINGS * STEPS_PER_CROSSING + 2;
        Kernel {
            table: (0..points)
                .map(|i| {
                    windowed_sinc((i as f64 / STEPS_PER_CROSSING as f64).min(ZERO_CROSSINGS as f64))
                })
                .collect(),
        }
    }

    /// The kernel at `x` zero crossings (either side); 0 outside.
    fn at(&self, x: f64) -> f64 {
        let position = x.abs() * STEPS_PER_CROSSING as f64;
        let index = position as usize;
        if index >= ZERO_CROSSINGS * STEPS_PER_CROSSING {
            return 0.0;
        }
        let fraction = position - index as f64;
        self.table[index] * (1.0 - fraction) + self.table[index + 1] * fraction
    }
}

/// `input` at `from` Hz resampled to `to` Hz; the length scales with the rates
/// (rounded). Equal rates return the input unchanged.
pub fn resample(input: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || input.is_empty() || from == 0 || to == 0 {
        return input.to_vec();
    }
    let kernel = Kernel::new();
    let from_f = f64::from(from);
    let cutoff_hz = CUTOFF * f64::from(from.min(to));
    // Input samples per zero crossing of the low-pass, and its gain for unity in the band.
    let crossings_per_input = 2.0 * cutoff_hz / from_f;
    let half_width = ZERO_CROSSINGS as f64 / crossings_per_input;
    let output_len =
        ((input.len() as u64 * u64::from(to) + u64::from(from) / 2) / u64::from(from)) as usize;
    let step = from_f / f64::from(to);
    let last = input.len() as i64 - 1;
    (0..output_len)
        .map(|n| {
            let centre = n as f64 * step;
            let first = ((centre - half_width).ceil() as i64).max(0);
            let end = ((centre + half_width).floor() as i64).min(last);
            let mut sum = 0.0f64;
            for k in first..=end {
                let weight = kernel.at((centre - k as f64) * crossings_per_input);
                sum += f64::from(input[k as usize]) * weight;
            }
            (sum * crossings_per_input) as f32
        })
        .collect()
}

/// Samples in -1.0..=1.0 to 16-bit PCM, rounded and clipped. The scale is the one
/// `wav` decodes 16-bit PCM with, so an 8 kHz 16-bit file loads bit for bit.
pub fn to_i16(samples: &[f32]) -> Vec<i16> {
    samples
        .iter()
        .map(|s| (s * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(frequency: f64, rate: u32, seconds: f64, amplitude: f64) -> Vec<f32> {
        let count = (f64::from(rate) * seconds) as usize;
        (0..count)
            .map(|i| {
                (amplitude
                    * (2.0 * std::f64::consts::PI * frequency * i as f64 / f64::from(rate)).sin())
                    as f32
            })
            .collect()
    }

    /// The amplitude of `frequency` in `samples` (Goertzel), 1.0 for a full-scale sine.
    fn goertzel(samples: &[f32], frequency: f64, rate: u32) -> f64 {
        let coefficient = 2.0 * (2.0 * std::f64::consts::PI * frequency / f64::from(rate)).cos();
        let (mut previous, mut before) = (0.0f64, 0.0f64);
        for sample in samples {
            let current = f64::from(*sample) + coefficient * previous - before;
            before = previous;
            previous = current;
        }
        let power = previous * previous + before * before - coefficient * previous * before;
        2.0 * power.sqrt() / samples.len() as f64
    }

    /// Rising zero crossings per second over the middle of `samples`.
    fn crossing_frequency(samples: &[f32], rate: u32) -> f64 {
        let middle = &samples[samples.len() / 10..samples.len() * 9 / 10];
        let crossings: Vec<usize> = middle
            .windows(2)
            .enumerate()
            .filter(|(_, pair)| pair[0] < 0.0 && pair[1] >= 0.0)
            .map(|(i, _)| i)
            .collect();
        let (first, last) = (crossings[0], crossings[crossings.len() - 1]);
        (crossings.len() - 1) as f64 * f64::from(rate) / (last - first) as f64
    }

    fn middle(samples: &[f32]) -> &[f32] {
        &samples[samples.len() / 10..samples.len() * 9 / 10]
    }

    #[test]
    fn a_1khz_tone_stays_1khz_at_8khz_from_common_rates() {
        for rate in [22050, 16000, 44100, 48000, 11025, 6000] {
            let input = tone(1000.0, rate, 1.0, 0.5);
            let output = resample(&input, rate, PROMPT_RATE);
            assert_eq!(output.len(), 8000, "{rate} Hz: one second is 8000 samples");
            let frequency = crossing_frequency(&output, PROMPT_RATE);
            assert!(
                (frequency - 1000.0).abs() < 2.0,
                "{rate} Hz: {frequency} Hz out"
            );
            let level = goertzel(middle(&output), 1000.0, PROMPT_RATE);
            assert!((level - 0.5).abs() < 0.01, "{rate} Hz: amplitude {level}");
            // Nothing else: a neighbouring bin holds almost nothing.
            let other = goertzel(middle(&output), 1500.0, PROMPT_RATE);
            assert!(other < 0.005, "{rate} Hz: {other} at 1.5 kHz");
        }
    }

    #[test]
    fn lengths_scale_with_the_rates() {
        assert_eq!(resample(&[0.0; 22050 * 3 / 2], 22050, 8000).len(), 12000);
        assert_eq!(resample(&[0.0; 441], 44100, 8000).len(), 80);
        assert_eq!(resample(&[0.0; 100], 8000, 8000).len(), 100);
        assert_eq!(resample(&[0.0; 3], 16000, 8000).len(), 2);
        assert!(resample(&[], 44100, 8000).is_empty());
    }

    #[test]
    fn a_6khz_tone_at_44k1_does_not_alias_into_the_band() {
        let input = tone(6000.0, 44100, 1.0, 0.5);
        let output = resample(&input, 44100, PROMPT_RATE);
        // Without the low-pass, 6 kHz folds to 2 kHz at 8 kHz.
        let alias = goertzel(middle(&output), 2000.0, PROMPT_RATE);
        let peak = middle(&output).iter().fold(0.0f32, |m, s| m.max(s.abs()));
        let attenuation_db = 20.0 * (0.5 / alias.max(1e-12)).log10();
        assert!(
            attenuation_db >= 30.0,
            "2 kHz alias only {attenuation_db:.1} dB down"
        );
        assert!(
            f64::from(peak) < 0.5 * 0.0316,
            "peak {peak} (30 dB below 0.5)"
        );
    }

    #[test]
    fn samples_convert_to_i16_rounded_and_clipped() {
        assert_eq!(
            to_i16(&[0.0, 0.5, -0.5, 1.0, 1.5, -1.5]),
            vec![0, 16384, -16384, 32767, 32767, -32768]
        );
    }
}
