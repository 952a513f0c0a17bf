//! Phase-accumulator sine oscillator shared by the tone, DTMF and FSK generators.

use line_boundary::SAMPLE_RATE_HZ;

/// One full turn of the phase accumulator is 2^32; wrapping arithmetic keeps the phase
/// exact over any run length, so tones stay phase continuous across frames forever.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Oscillator {
    phase: u32,
    phase_step: u32,
}

const TURN: f64 = 4_294_967_296.0;

impl Oscillator {
    pub(crate) fn new(freq_hz: f32) -> Self {
        Oscillator {
            phase: 0,
            phase_step: Self::step_for(freq_hz),
        }
    }

    fn step_for(freq_hz: f32) -> u32 {
        let turns_per_sample = f64::from(freq_hz) / f64::from(SAMPLE_RATE_HZ);
        (turns_per_sample.rem_euclid(1.0) * TURN) as u32
    }

    /// Changes frequency without a phase jump (continuous-phase FSK).
    pub(crate) fn set_frequency(&mut self, freq_hz: f32) {
        self.phase_step = Self::step_for(freq_hz);
    }

    /// Current sine value in [-1, 1], then advances one sample.
    pub(crate) fn next_sample(&mut self) -> f32 {
        let radians = (f64::from(self.phase) / TURN * core::f64::consts::TAU) as f32;
        self.phase = self.phase.wrapping_add(self.phase_step);
        radians.sin()
    }
}

/// Rounds and clamps a sample to 16 bits.
pub(crate) fn to_i16(value: f32) -> i16 {
    value
        .round()
        .clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16
}
