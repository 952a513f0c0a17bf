//! The box's prompt library: every prompt the configuration can play, decoded to 8 kHz
//! 16-bit PCM into the media engine's [`PromptStore`] when the configuration is applied,
//! so that nothing is read, decoded or synthesized at call time.
//!
//! Sources (see [`build_store`] for the store keys): the built-in greeting, the routes'
//! greeting file, recordings in the configuration's `prompts/` folder, `prompts.toml`
//! texts and the flows' `text` plays (espeak-ng, cached by voice and text), say
//! fragments (English from the sounds directory, Mandarin and “cent(s)” synthesized) and
//! music on hold. WAV files of any common format are converted once ([`wav`], then
//! `dsp::resample::resample_all` from the file's rate to 8 kHz).

pub mod acd_prompts;
mod builtin;
mod library;
pub mod tts;
pub mod voicemail_prompts;
pub mod wav;

pub use builtin::{builtin_greeting, BUILTIN_GREETING};
pub use library::{build_store, load_wav_file, MUSIC_ON_HOLD};

use ivr::flow::Language;
use media_engine::{PromptId, PromptStore};
use std::path::PathBuf;

/// Why the prompt library cannot be built: which prompt, which file, and why.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("prompt `{prompt}`: {}: {reason}", file.display())]
    File {
        prompt: String,
        file: PathBuf,
        reason: wav::WavError,
    },
    #[error("prompt `{prompt}`: cannot synthesize {text:?} (voice {voice}): {reason}")]
    Synthesis {
        prompt: String,
        voice: &'static str,
        text: String,
        reason: Box<tts::TtsError>,
    },
    #[error(
        "prompt `{prompt}` (flow {flow}) is not in the configuration (prompts/, prompts.toml) nor in the sounds directory ({})",
        file.display()
    )]
    Missing {
        prompt: String,
        flow: String,
        file: PathBuf,
    },
    #[error("{what}: cannot read {}: {reason}", dir.display())]
    Directory {
        what: &'static str,
        dir: PathBuf,
        reason: String,
    },
    #[error("music on hold: no *.wav file in {}", dir.display())]
    NoMusic { dir: PathBuf },
}

/// The store key of a text synthesized in `language`: `tts/en/TEXT`, `tts/zh/TEXT`.
pub fn text_key(language: Language, text: &str) -> String {
    format!("tts/{}/{text}", language.code())
}

/// The prompt to play for `name` to a caller in `language`. Tried in order:
/// 1. `LANG/NAME`: the recording or text in the caller's language;
/// 2. `NAME`: a recording without a language (`prompts/NAME.wav`, the greeting, say
///    fragments, `music/default`);
/// 3. `OTHER/NAME`: the other language's, better than silence.
///
/// `builtin:NAME` is looked up as `NAME`.
pub fn resolve(store: &PromptStore, name: &str, language: Language) -> Option<PromptId> {
    let name = name.strip_prefix("builtin:").unwrap_or(name);
    let other = match language {
        Language::En => Language::Zh,
        Language::Zh => Language::En,
    };
    store
        .find(&format!("{}/{name}", language.code()))
        .or_else(|| store.find(name))
        .or_else(|| store.find(&format!("{}/{name}", other.code())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_tries_the_language_then_none_then_the_other() {
        let mut store = PromptStore::default();
        let zh_only = store.add("zh/welcome", vec![1]);
        assert_eq!(resolve(&store, "welcome", Language::En), Some(zh_only));
        let plain = store.add("welcome", vec![2]);
        assert_eq!(resolve(&store, "welcome", Language::En), Some(plain));
        assert_eq!(resolve(&store, "welcome", Language::Zh), Some(zh_only));
        let english = store.add("en/welcome", vec![3]);
        assert_eq!(resolve(&store, "welcome", Language::En), Some(english));
        assert_eq!(resolve(&store, "welcome", Language::Zh), Some(zh_only));
        assert_eq!(resolve(&store, "nothing", Language::En), None);
        let greeting = store.add("greeting", vec![4]);
        assert_eq!(
            resolve(&store, "builtin:greeting", Language::Zh),
            Some(greeting)
        );
    }

    #[test]
    fn text_keys_carry_the_language() {
        assert_eq!(text_key(Language::En, "Hello."), "tts/en/Hello.");
        assert_eq!(text_key(Language::Zh, "你好"), "tts/zh/你好");
    }
}
