//! Level conventions shared by generators and detectors.
//!
//! Convention (ITU-T G.711 §2 / O.41 practice): a 0 dBm0 sine sits 3.14 dB below the
//! full-scale sine of the A-law coder, so a sine of peak 32767 is +3.14 dBm0.

/// dB from the 0 dBm0 sine up to a full-scale sine (peak 32767).
#[allow(clippy::approx_constant)] // 3.14 dB is the G.711 figure, not π
pub const FULL_SCALE_DBM0: f32 = 3.14;
/// Peak of a full-scale 16-bit sine.
const FULL_SCALE_PEAK: f32 = 32767.0;

/// Peak amplitude (16-bit units) of a sine at `level_dbm0`.
pub fn sine_peak_for_dbm0(level_dbm0: f32) -> f32 {
    FULL_SCALE_PEAK * 10f32.powf((level_dbm0 - FULL_SCALE_DBM0) / 20.0)
}

/// Level in dBm0 of a sine whose peak amplitude is `peak` (16-bit units).
pub fn dbm0_for_sine_peak(peak: f32) -> f32 {
    20.0 * (peak.max(1e-9) / FULL_SCALE_PEAK).log10() + FULL_SCALE_DBM0
}

/// Level in dBm0 of a signal with mean power `mean_square` (16-bit units squared),
/// i.e. the level of the sine that carries the same power.
pub fn dbm0_for_mean_square(mean_square: f32) -> f32 {
    dbm0_for_sine_peak((2.0 * mean_square.max(0.0)).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_dbm0_sine_peak_is_3_14_db_below_full_scale() {
        let peak = sine_peak_for_dbm0(0.0);
        assert!((peak - 22_825.0).abs() < 5.0, "peak {peak}");
        assert!((sine_peak_for_dbm0(FULL_SCALE_DBM0) - 32767.0).abs() < 0.5);
    }

    #[test]
    fn conversions_invert_each_other() {
        for level in [-40.0f32, -13.0, -6.0, 0.0, 3.0] {
            let peak = sine_peak_for_dbm0(level);
            assert!((dbm0_for_sine_peak(peak) - level).abs() < 1e-3);
            assert!((dbm0_for_mean_square(peak * peak / 2.0) - level).abs() < 1e-3);
        }
    }
}
