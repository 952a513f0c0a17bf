//! Mixing frames: conferences, whisper (coach talks to the agent only) and barge-in.
//!
//! Gains are fixed point (Q12, −∞ … +24 dB); sums are formed in 64-bit and saturated to
//! 16 bits once, at the end, so a loud sum clips cleanly instead of wrapping.
//! Allocation-free.

/// Linear gain in Q12 (4096 = unity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gain(i32);

const UNITY_Q12: i32 = 4096;
const MAX_GAIN_DB: f32 = 24.0;
const MIN_GAIN_DB: f32 = -90.0;

impl Gain {
    pub const UNITY: Gain = Gain(UNITY_Q12);
    pub const MUTE: Gain = Gain(0);

    /// Gain of `db` decibels, clamped to −90…+24 dB (below −90 dB: mute).
    pub fn from_db(db: f32) -> Gain {
        if db.is_nan() || db < MIN_GAIN_DB {
            return Gain::MUTE;
        }
        Gain::from_linear(10f32.powf(db.min(MAX_GAIN_DB) / 20.0))
    }

    /// Gain of factor `linear` (0…≈15.85), clamped.
    pub fn from_linear(linear: f32) -> Gain {
        let max = 10f32.powf(MAX_GAIN_DB / 20.0);
        if linear.is_nan() {
            return Gain::MUTE;
        }
        Gain((linear.clamp(0.0, max) * UNITY_Q12 as f32).round() as i32)
    }

    pub fn linear(self) -> f32 {
        self.0 as f32 / UNITY_Q12 as f32
    }

    fn apply(self, sample: i16) -> i64 {
        i64::from(sample) * i64::from(self.0)
    }
}

impl Default for Gain {
    fn default() -> Self {
        Gain::UNITY
    }
}

fn saturate(q12: i64) -> i16 {
    // Round to nearest (half away from zero), then clip.
    let rounded = if q12 >= 0 {
        (q12 + i64::from(UNITY_Q12 / 2)) >> 12
    } else {
        -((-q12 + i64::from(UNITY_Q12 / 2)) >> 12)
    };
    rounded.clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16
}

/// `out[n]` = saturate(Σ gain × input[n]). An input shorter than `out` counts as silence
/// past its end.
pub fn mix(inputs: &[(&[i16], Gain)], out: &mut [i16]) {
    for (n, slot) in out.iter_mut().enumerate() {
        let sum: i64 = inputs
            .iter()
            .filter_map(|&(samples, gain)| samples.get(n).map(|&x| gain.apply(x)))
            .sum();
        *slot = saturate(sum);
    }
}

/// A summing bus of up to `N` samples per frame, for conferences where each member hears
/// everyone but themselves (N−1 mixing) without summing everything once per member.
#[derive(Debug, Clone)]
pub struct MixBus<const N: usize> {
    sum: [i64; N],
    len: usize,
}

impl<const N: usize> Default for MixBus<N> {
    fn default() -> Self {
        MixBus {
            sum: [0; N],
            len: 0,
        }
    }
}

impl<const N: usize> MixBus<N> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a new frame of `len` samples (at most `N`).
    pub fn clear(&mut self, len: usize) {
        self.len = len.min(N);
        self.sum[..self.len].fill(0);
    }

    /// Adds one member's frame at `gain` (samples past the frame length are ignored).
    pub fn add(&mut self, samples: &[i16], gain: Gain) {
        for (acc, &x) in self.sum[..self.len].iter_mut().zip(samples) {
            *acc += gain.apply(x);
        }
    }

    /// The whole mix, saturated; returns the samples written.
    pub fn read(&self, out: &mut [i16]) -> usize {
        let len = self.len.min(out.len());
        for (slot, &acc) in out[..len].iter_mut().zip(&self.sum) {
            *slot = saturate(acc);
        }
        len
    }

    /// The mix without one member's own contribution (`own`, added with `gain`).
    pub fn read_without(&self, own: &[i16], gain: Gain, out: &mut [i16]) -> usize {
        let len = self.len.min(out.len());
        for (n, slot) in out[..len].iter_mut().enumerate() {
            let mine = own.get(n).map_or(0, |&x| gain.apply(x));
            *slot = saturate(self.sum[n] - mine);
        }
        len
    }
}
