//! Text to speech with espeak-ng, run when the configuration is applied (never at call
//! time), its WAV output cached by the SHA-256 of voice and text: a second boot with the
//! same texts does not run espeak-ng at all.

use ivr::flow::Language;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

/// The espeak-ng voice for a language. Plain `cmn` reads Chinese characters as English
/// letters; `cmn-latn-pinyin` reads them as Mandarin.
pub fn voice(language: Language) -> &'static str {
    match language {
        Language::En => "en-us",
        Language::Zh => "cmn-latn-pinyin",
    }
}

/// Why a text could not be synthesized.
#[derive(Debug, thiserror::Error)]
pub enum TtsError {
    #[error("cannot create the prompt cache {dir}: {reason}")]
    CacheDir { dir: PathBuf, reason: String },
    #[error("cannot run {program} (is espeak-ng installed?): {reason}")]
    Spawn { program: String, reason: String },
    #[error("{program} failed ({status}): {stderr}")]
    Failed {
        program: String,
        status: String,
        stderr: String,
    },
    #[error("{program} wrote no audio to {file}")]
    NoOutput { program: String, file: PathBuf },
    #[error("cannot store {file} in the prompt cache: {reason}")]
    Store { file: PathBuf, reason: String },
}

/// Synthesizes texts into WAV files in a cache directory.
#[derive(Debug, Clone)]
pub struct Synthesizer {
    cache_dir: PathBuf,
    program: PathBuf,
}

/// Makes temporary file names unique between threads of one process.
static TEMPORARY: AtomicU64 = AtomicU64::new(0);

impl Synthesizer {
    /// Runs `espeak-ng` from the `PATH`.
    pub fn new(cache_dir: &Path) -> Synthesizer {
        Synthesizer::with_program(cache_dir, Path::new("espeak-ng"))
    }

    /// Runs `program` (with espeak-ng's `-v VOICE -w FILE --stdin` arguments) instead.
    pub fn with_program(cache_dir: &Path, program: &Path) -> Synthesizer {
        Synthesizer {
            cache_dir: cache_dir.to_owned(),
            program: program.to_owned(),
        }
    }

    /// Where `text` in `voice` is (or will be) cached.
    pub fn cached_file(&self, voice: &str, text: &str) -> PathBuf {
        self.cache_dir
            .join(format!("{}.wav", cache_key(voice, text)))
    }

    /// The WAV file of `text` spoken in `voice`: from the cache, or synthesized into it.
    pub fn synthesize(&self, voice: &str, text: &str) -> Result<PathBuf, TtsError> {
        let file = self.cached_file(voice, text);
        if file.is_file() {
            return Ok(file);
        }
        std::fs::create_dir_all(&self.cache_dir).map_err(|error| TtsError::CacheDir {
            dir: self.cache_dir.clone(),
            reason: error.to_string(),
        })?;
        // Written under a private name and renamed: boxes sharing a cache (tests) never
        // read a half-written file.
        let temporary = self.cache_dir.join(format!(
            ".{}.{}-{}.tmp",
            cache_key(voice, text),
            std::process::id(),
            TEMPORARY.fetch_add(1, Ordering::Relaxed)
        ));
        let outcome = self.run(voice, text, &temporary).and_then(|()| {
            std::fs::rename(&temporary, &file).map_err(|error| TtsError::Store {
                file: file.clone(),
                reason: error.to_string(),
            })
        });
        if outcome.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        outcome.map(|()| file)
    }

    fn run(&self, voice: &str, text: &str, output: &Path) -> Result<(), TtsError> {
        let program = self.program.display().to_string();
        tracing::info!(voice, text, "synthesizing a prompt with espeak-ng");
        // The text goes on stdin: as an argument, one starting with `-` would be an option.
        let mut child = Command::new(&self.program)
            .arg("-v")
            .arg(voice)
            .arg("-w")
            .arg(output)
            .arg("--stdin")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| TtsError::Spawn {
                program: program.clone(),
                reason: error.to_string(),
            })?;
        if let Some(mut stdin) = child.stdin.take() {
            // A failed write shows as the program's own failure or missing output below.
            let _ = stdin.write_all(text.as_bytes());
        }
        let result = child.wait_with_output().map_err(|error| TtsError::Spawn {
            program: program.clone(),
            reason: error.to_string(),
        })?;
        if !result.status.success() {
            return Err(TtsError::Failed {
                program,
                status: result.status.to_string(),
                stderr: String::from_utf8_lossy(&result.stderr).trim().to_owned(),
            });
        }
        match std::fs::metadata(output) {
            Ok(metadata) if metadata.len() > 44 => Ok(()),
            _ => Err(TtsError::NoOutput {
                program,
                file: output.to_owned(),
            }),
        }
    }
}

/// The cache key of `text` in `voice`: SHA-256 of the voice, a NUL and the text, in hex.
/// The NUL keeps voice `a` + text `bc` apart from voice `ab` + text `c`.
pub fn cache_key(voice: &str, text: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(voice.as_bytes());
    hasher.update([0u8]);
    hasher.update(text.as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_keys_separate_voice_and_text() {
        assert_eq!(cache_key("en-us", "hello").len(), 64);
        assert_ne!(
            cache_key("en-us", "hello"),
            cache_key("cmn-latn-pinyin", "hello")
        );
        assert_ne!(cache_key("a", "bc"), cache_key("ab", "c"));
        assert_eq!(cache_key("en-us", "hello"), cache_key("en-us", "hello"));
    }

    #[test]
    fn espeak_ng_speaks_both_languages_once_then_the_cache_answers() {
        let cache = tempfile::tempdir().unwrap();
        let synthesizer = Synthesizer::new(cache.path());
        for (language, text) in [(Language::En, "Goodbye."), (Language::Zh, "再见")] {
            let file = synthesizer.synthesize(voice(language), text).unwrap();
            let audio = crate::wav::read_wav(&file).unwrap();
            assert_eq!(audio.rate, 22050, "espeak-ng writes 22050 Hz");
            let loud = audio.samples.iter().filter(|s| s.abs() > 0.05).count();
            assert!(
                loud > 2000,
                "{text}: speech, not silence ({loud} loud samples)"
            );
        }
        // A program that always fails: a cached text never runs it.
        let failing = Synthesizer::with_program(cache.path(), Path::new("false"));
        assert!(failing.synthesize("en-us", "Goodbye.").is_ok());
        let error = failing
            .synthesize("en-us", "Not cached.")
            .unwrap_err()
            .to_string();
        assert!(error.contains("false failed"), "{error}");
        let missing = Synthesizer::with_program(cache.path(), Path::new("/nonexistent/espeak"));
        let error = missing
            .synthesize("en-us", "Not cached.")
            .unwrap_err()
            .to_string();
        assert!(error.contains("/nonexistent/espeak"), "{error}");
        // Failures leave no temporary files behind.
        let names: Vec<_> = std::fs::read_dir(cache.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names
            .iter()
            .all(|n| n.ends_with(".wav") && !n.starts_with('.')));
    }
}
