//! Call-progress tone generator: one or two frequencies with an on/off cadence.

use crate::level::sine_peak_for_dbm0;
use crate::oscillator::{to_i16, Oscillator};
use line_boundary::SAMPLE_RATE_HZ;

const SAMPLES_PER_MS: u32 = SAMPLE_RATE_HZ / 1000;

/// What a tone sounds like.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToneSpec {
    /// Up to two frequencies; 0 marks an unused slot.
    pub freqs_hz: [u16; 2],
    /// Level of each frequency component, in dBm0.
    pub level_dbm0: f32,
    /// On, off, on, off… durations in ms, repeated. Empty (or all zero) means continuous.
    pub cadence_ms: &'static [u16],
}

impl ToneSpec {
    /// Total length of one cadence cycle in ms (0 for a continuous tone).
    pub fn cycle_ms(&self) -> u32 {
        self.cadence_ms.iter().map(|&ms| u32::from(ms)).sum()
    }

    /// Whether the tone never pauses.
    pub fn is_continuous(&self) -> bool {
        self.cycle_ms() == 0
    }
}

/// Streams a [`ToneSpec`] into frames; phase and cadence continue across `fill` calls.
#[derive(Debug, Clone)]
pub struct ToneGenerator {
    oscillators: [Option<Oscillator>; 2],
    peak: f32,
    cadence_ms: &'static [u16],
    cadence_step: usize,
    samples_left_in_step: u32,
}

impl ToneGenerator {
    pub fn new(spec: &ToneSpec) -> Self {
        let oscillator = |freq: u16| (freq != 0).then(|| Oscillator::new(f32::from(freq)));
        let cadence_ms = if spec.is_continuous() {
            &[][..]
        } else {
            spec.cadence_ms
        };
        let mut generator = ToneGenerator {
            oscillators: [oscillator(spec.freqs_hz[0]), oscillator(spec.freqs_hz[1])],
            peak: sine_peak_for_dbm0(spec.level_dbm0),
            cadence_ms,
            cadence_step: 0,
            samples_left_in_step: 0,
        };
        if let Some(&first) = cadence_ms.first() {
            generator.samples_left_in_step = u32::from(first) * SAMPLES_PER_MS;
        }
        generator
    }

    /// Writes the next `out.len()` samples of the tone.
    pub fn fill(&mut self, out: &mut [i16]) {
        for sample in out.iter_mut() {
            let on = self.advance_cadence();
            let mut value = 0.0;
            for oscillator in self.oscillators.iter_mut().flatten() {
                // Oscillators keep running through pauses so the phase stays continuous.
                value += oscillator.next_sample();
            }
            *sample = if on { to_i16(value * self.peak) } else { 0 };
        }
    }

    /// Whether the current sample is in an "on" step; moves to the next step when due.
    fn advance_cadence(&mut self) -> bool {
        if self.cadence_ms.is_empty() {
            return true;
        }
        // Skips zero-length steps; terminates because the cycle is not all zeros.
        while self.samples_left_in_step == 0 {
            self.cadence_step = (self.cadence_step + 1) % self.cadence_ms.len();
            self.samples_left_in_step =
                u32::from(self.cadence_ms[self.cadence_step]) * SAMPLES_PER_MS;
        }
        self.samples_left_in_step -= 1;
        self.cadence_step.is_multiple_of(2)
    }
}
