//! Prompts built into the firmware, generated rather than recorded.

use dsp::tone::{ToneGenerator, ToneSpec};

/// The store key (and `routes.toml` name, as `builtin:greeting`) of the built-in greeting.
pub const BUILTIN_GREETING: &str = "greeting";

/// The built-in greeting: a three-note chime (660, 880, 1100 Hz, 300 ms each at -13 dBm0)
/// and 200 ms of silence. A recorded greeting replaces it in `routes.toml`.
pub fn builtin_greeting() -> Vec<i16> {
    let mut samples = Vec::new();
    for frequency in [660u16, 880, 1100] {
        let spec = ToneSpec {
            freqs_hz: [frequency, 0],
            level_dbm0: -13.0,
            cadence_ms: &[],
        };
        let mut generator = ToneGenerator::new(&spec);
        let mut note = vec![0i16; 8 * 300];
        generator.fill(&mut note);
        samples.extend_from_slice(&note);
    }
    samples.extend(std::iter::repeat_n(0, 8 * 200));
    samples
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greeting_is_the_documented_chime() {
        let greeting = builtin_greeting();
        assert_eq!(greeting.len(), 8 * 1100);
        assert!(
            greeting[8 * 900..].iter().all(|s| *s == 0),
            "ends in silence"
        );
        assert!(
            greeting[..8 * 300].iter().any(|s| s.unsigned_abs() > 3000),
            "notes are audible"
        );
    }
}
