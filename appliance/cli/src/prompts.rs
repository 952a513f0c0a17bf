//! Prompts the box plays: the built-in ones are synthesised, others are WAV files from the
//! configuration directory, decoded to 8 kHz linear PCM before the media engine starts.

use anyhow::{bail, Context};
use dsp::tone::{ToneGenerator, ToneSpec};
use std::path::Path;

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

pub fn builtin(name: &str) -> Option<Vec<i16>> {
    match name {
        BUILTIN_GREETING => Some(builtin_greeting()),
        _ => None,
    }
}

/// Reads an 8 kHz mono 16-bit PCM WAV file.
pub fn load_wav(path: &Path) -> anyhow::Result<Vec<i16>> {
    let reader = hound::WavReader::open(path)
        .with_context(|| format!("cannot read prompt {}", path.display()))?;
    let spec = reader.spec();
    if spec.channels != 1
        || spec.sample_rate != 8000
        || spec.bits_per_sample != 16
        || spec.sample_format != hound::SampleFormat::Int
    {
        bail!(
            "prompt {} is {} channel(s), {} Hz, {}-bit {:?}; the box needs 8000 Hz mono 16-bit PCM",
            path.display(),
            spec.channels,
            spec.sample_rate,
            spec.bits_per_sample,
            spec.sample_format
        );
    }
    reader
        .into_samples::<i16>()
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("prompt {} is truncated or corrupt", path.display()))
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

    #[test]
    fn wav_of_the_wrong_format_is_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stereo.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 44100,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(&path, spec).unwrap();
        writer.write_sample(0i16).unwrap();
        writer.write_sample(0i16).unwrap();
        writer.finalize().unwrap();
        let error = load_wav(&path).unwrap_err().to_string();
        assert!(error.contains("8000 Hz mono 16-bit"), "{error}");
        let missing = load_wav(&dir.path().join("nope.wav"))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("nope.wav"), "{missing}");
    }

    #[test]
    fn wav_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hello.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(&path, spec).unwrap();
        for sample in [1i16, -2, 300] {
            writer.write_sample(sample).unwrap();
        }
        writer.finalize().unwrap();
        assert_eq!(load_wav(&path).unwrap(), vec![1, -2, 300]);
    }
}
