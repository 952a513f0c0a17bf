//! Building the prompt store from a configuration.

use crate::tts::{voice, Synthesizer};
use crate::wav::{read_wav, WavError};
use crate::{builtin_greeting, text_key, PromptError, BUILTIN_GREETING};
use box_config::{Config, PromptSource, PROMPTS_DIR};
use dsp::resample::resample_all;
use ivr::flow::{Flow, Language, NodeKind, Play, PlaySource};
use media_engine::PromptStore;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The store key of the music on hold.
pub const MUSIC_ON_HOLD: &str = "music/default";

/// The media engine's rate.
const PROMPT_RATE: u32 = 8000;

/// A WAV file of any accepted format as 8 kHz mono 16-bit samples: resampled with the
/// line DSP's resampler (time-aligned, `round(len × 8000 / rate)` samples; an 8 kHz file
/// as it is). A rate it cannot convert (one sharing almost no factor with 8000, see
/// `dsp::resample::MAX_FACTOR`) is an unsupported format.
pub fn load_wav_file(file: &Path) -> Result<Vec<i16>, WavError> {
    let audio = read_wav(file)?;
    let samples = resample_all(&audio.samples, audio.rate, PROMPT_RATE)
        .map_err(|error| WavError::Unsupported(error.to_string()))?;
    Ok(to_i16(&samples))
}

/// Samples in -1.0..=1.0 to 16-bit PCM, rounded and clipped. The scale is the one
/// `wav` decodes 16-bit PCM with, so an 8 kHz 16-bit file loads bit for bit.
fn to_i16(samples: &[f32]) -> Vec<i16> {
    samples
        .iter()
        .map(|s| (s * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
        .collect()
}

/// Every prompt `config` can play, in a store for the media engine. Texts are
/// synthesized into (or taken from) `cache_dir`.
///
/// Store keys:
/// - `greeting`: the built-in chime; a `routes.toml` greeting file under its path as
///   written out (`/etc/appliance/hello.wav`);
/// - `NAME` for `prompts/NAME.wav`; `en/NAME`, `zh/NAME` for `prompts/en/NAME.wav`,
///   `prompts/zh/NAME.wav` and for the `en`/`zh` texts of `[prompts.NAME]` (a recording
///   takes the place of the text in the same language);
/// - with at least one flow: every say fragment under its own name (`digits/5`,
///   `currency/cents`, `zh/五`; English from the sounds directory but `currency/cent(s)`,
///   synthesized like the Mandarin ones), `music/default` (every `*.wav` of the music
///   directory in name order, back to back), `en/NAME` for a prompt a flow names that
///   the configuration has not in English nor without a language but the sounds
///   directory has (`SOUNDS_DIR/NAME.wav`), and `tts/LANG/TEXT` for every `text` play
///   (in the node's language; without one in the call's, that is the flow's and every
///   language its `language` nodes offer);
/// - with `queues.toml`: `en/NAME` and `zh/NAME` for the queue announcements and
///   feature code answers of [`crate::acd_prompts`], unless the configuration has the
///   prompt;
/// - with a flow's `voicemail` node: `en/NAME` and `zh/NAME` for the texts of
///   [`crate::voicemail_prompts`] (the greeting, goodbye and `*98` announcements), unless
///   the configuration has the prompt, and `vm-beep` (generated).
///
/// A prompt that cannot be loaded or synthesized is an error naming it.
pub fn build_store(config: &Config, cache_dir: &Path) -> Result<PromptStore, PromptError> {
    let mut library = Library {
        store: PromptStore::default(),
        keys: BTreeSet::new(),
        synthesizer: Synthesizer::new(cache_dir),
    };
    library.add(BUILTIN_GREETING, builtin_greeting());
    if let PromptSource::File(file) = &config.routes.greeting {
        library.add_file(&file.display().to_string(), file)?;
    }
    library.add_recordings(&config.dir.join(PROMPTS_DIR), "")?;
    for language in [Language::En, Language::Zh] {
        let folder = config.dir.join(PROMPTS_DIR).join(language.code());
        library.add_recordings(&folder, &format!("{}/", language.code()))?;
    }
    for (name, texts) in &config.text_prompts {
        for (language, text) in texts {
            let key = format!("{}/{name}", language.code());
            library.add_text(&key, *language, text)?;
        }
    }
    if !config.flows.is_empty() {
        library.add_say_fragments(&config.system.sounds_dir)?;
        library.add_music(&config.system.music_dir)?;
        for flow in &config.flows {
            library.add_flow(flow, &config.system.sounds_dir)?;
        }
    }
    if config.acd_queues_configured {
        library.add_acd_prompts()?;
    }
    let has_voicemail = config.flows.iter().any(|flow| {
        flow.nodes
            .iter()
            .any(|node| matches!(node.kind, NodeKind::Voicemail(_)))
    });
    if has_voicemail {
        library.add_voicemail_prompts()?;
    }
    tracing::info!(prompts = library.store.len(), "prompt library loaded");
    Ok(library.store)
}

struct Library {
    store: PromptStore,
    keys: BTreeSet<String>,
    synthesizer: Synthesizer,
}

impl Library {
    fn has(&self, key: &str) -> bool {
        self.keys.contains(key)
    }

    /// Adds `key` unless it is there already: the first source of a key wins.
    fn add(&mut self, key: &str, samples: Vec<i16>) {
        if self.keys.insert(key.to_owned()) {
            self.store.add(key, samples);
        }
    }

    fn add_file(&mut self, key: &str, file: &Path) -> Result<(), PromptError> {
        if self.has(key) {
            return Ok(());
        }
        let samples = load_wav_file(file).map_err(|reason| PromptError::File {
            prompt: key.to_owned(),
            file: file.to_owned(),
            reason,
        })?;
        self.add(key, samples);
        Ok(())
    }

    fn add_text(&mut self, key: &str, language: Language, text: &str) -> Result<(), PromptError> {
        if self.has(key) {
            return Ok(());
        }
        let voice = voice(language);
        let file =
            self.synthesizer
                .synthesize(voice, text)
                .map_err(|reason| PromptError::Synthesis {
                    prompt: key.to_owned(),
                    voice,
                    text: text.to_owned(),
                    reason: Box::new(reason),
                })?;
        self.add_file(key, &file)
    }

    /// Every `*.wav` directly in `folder` (which may be absent) as `PREFIX` + its stem.
    fn add_recordings(&mut self, folder: &Path, prefix: &str) -> Result<(), PromptError> {
        for file in wav_files(folder, "prompts", true)? {
            let Some(stem) = file.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            let key = format!("{prefix}{stem}");
            self.add_file(&key, &file)?;
        }
        Ok(())
    }

    fn add_say_fragments(&mut self, sounds_dir: &Path) -> Result<(), PromptError> {
        for fragment in ivr::say::known_fragments(Language::En) {
            // The Debian package has no “cent” or “cents”.
            let spoken = match fragment {
                ivr::say::EN_CENT => Some("cent"),
                ivr::say::EN_CENTS => Some("cents"),
                _ => None,
            };
            match spoken {
                Some(text) => self.add_text(fragment, Language::En, text)?,
                None => self.add_file(fragment, &sounds_dir.join(format!("{fragment}.wav")))?,
            }
        }
        for fragment in ivr::say::known_fragments(Language::Zh) {
            let text = fragment.strip_prefix("zh/").unwrap_or(fragment);
            self.add_text(fragment, Language::Zh, text)?;
        }
        Ok(())
    }

    /// The built-in queue announcements and agent feature code answers, in both
    /// languages, where the configuration has no prompt of the same name.
    fn add_acd_prompts(&mut self) -> Result<(), PromptError> {
        for (name, english, mandarin) in crate::acd_prompts::ACD_PROMPTS {
            for (language, text) in [(Language::En, english), (Language::Zh, mandarin)] {
                let key = format!("{}/{name}", language.code());
                if !self.has(name) {
                    self.add_text(&key, language, text)?;
                }
            }
        }
        Ok(())
    }

    /// The built-in voicemail texts in both languages where the configuration has no
    /// prompt of the same name, and the beep.
    fn add_voicemail_prompts(&mut self) -> Result<(), PromptError> {
        use crate::voicemail_prompts::{beep, BEEP, VOICEMAIL_PROMPTS};
        for (name, english, mandarin) in VOICEMAIL_PROMPTS {
            for (language, text) in [(Language::En, english), (Language::Zh, mandarin)] {
                let key = format!("{}/{name}", language.code());
                if !self.has(name) {
                    self.add_text(&key, language, text)?;
                }
            }
        }
        self.add(BEEP, beep());
        Ok(())
    }

    fn add_music(&mut self, music_dir: &Path) -> Result<(), PromptError> {
        let files = wav_files(music_dir, "music on hold", false)?;
        if files.is_empty() {
            return Err(PromptError::NoMusic {
                dir: music_dir.to_owned(),
            });
        }
        let mut music = Vec::new();
        for file in files {
            let samples = load_wav_file(&file).map_err(|reason| PromptError::File {
                prompt: MUSIC_ON_HOLD.to_owned(),
                file: file.clone(),
                reason,
            })?;
            music.extend(samples);
        }
        self.add(MUSIC_ON_HOLD, music);
        Ok(())
    }

    fn add_flow(&mut self, flow: &Flow, sounds_dir: &Path) -> Result<(), PromptError> {
        // A text without its own language is spoken in the call's, which starts as the
        // flow's and can become any a `language` node offers.
        let mut call_languages = BTreeSet::from([flow.language]);
        for node in &flow.nodes {
            if let NodeKind::Language(choice) = &node.kind {
                call_languages.extend(choice.choices.iter().map(|(_, language)| *language));
            }
        }
        for node in &flow.nodes {
            if let NodeKind::Play(Play {
                source: PlaySource::Text { text, language },
                ..
            }) = &node.kind
            {
                let languages = match language {
                    Some(language) => BTreeSet::from([*language]),
                    None => call_languages.clone(),
                };
                for language in languages {
                    self.add_text(&text_key(language, text), language, text)?;
                }
            }
            let prompts: Vec<&str> = node
                .kind
                .prompts()
                .into_iter()
                .map(|p| p.as_str())
                .collect();
            for name in prompts {
                self.add_named(name, flow, sounds_dir)?;
            }
        }
        Ok(())
    }

    /// A prompt a flow names: from the configuration if it has it in English or without
    /// a language, else the sounds directory's recording as `en/NAME`; a Mandarin-only
    /// prompt of the configuration is enough when the sounds directory lacks it.
    fn add_named(&mut self, name: &str, flow: &Flow, sounds_dir: &Path) -> Result<(), PromptError> {
        let name = name.strip_prefix("builtin:").unwrap_or(name);
        if self.has(name) || self.has(&format!("en/{name}")) {
            return Ok(());
        }
        let file = sounds_dir.join(format!("{name}.wav"));
        if file.is_file() {
            return self.add_file(&format!("en/{name}"), &file);
        }
        if self.has(&format!("zh/{name}")) {
            return Ok(());
        }
        Err(PromptError::Missing {
            prompt: name.to_owned(),
            flow: flow.file.clone(),
            file,
        })
    }
}

/// The `*.wav` files directly in `dir`, sorted by name; an absent `dir` has none when
/// `optional`.
fn wav_files(dir: &Path, what: &'static str, optional: bool) -> Result<Vec<PathBuf>, PromptError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if optional && error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Vec::new())
        }
        Err(error) => {
            return Err(PromptError::Directory {
                what,
                dir: dir.to_owned(),
                reason: error.to_string(),
            })
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.is_file()
                && path
                    .extension()
                    .is_some_and(|extension| extension.eq_ignore_ascii_case("wav"))
        })
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_wav(path: &Path, rate: u32, samples: &[i16]) {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(path, spec).unwrap();
        for sample in samples {
            writer.write_sample(*sample).unwrap();
        }
        writer.finalize().unwrap();
    }

    #[test]
    fn samples_convert_to_i16_rounded_and_clipped() {
        assert_eq!(
            to_i16(&[0.0, 0.5, -0.5, 1.0, 1.5, -1.5]),
            vec![0, 16384, -16384, 32767, 32767, -32768]
        );
    }

    #[test]
    fn wav_files_load_at_8khz_and_8khz_ones_bit_for_bit() {
        let dir = tempfile::tempdir().unwrap();
        let samples: Vec<i16> = (0..800).map(|n| ((n * 97) % 4001 - 2000) as i16).collect();
        let same = dir.path().join("same.wav");
        write_wav(&same, 8000, &samples);
        assert_eq!(load_wav_file(&same).unwrap(), samples);
        let fast = dir.path().join("fast.wav");
        write_wav(&fast, 11025, &[0; 11025 / 2]);
        assert_eq!(load_wav_file(&fast).unwrap().len(), 4000);
    }

    #[test]
    fn a_rate_the_resampler_cannot_convert_is_unsupported() {
        let dir = tempfile::tempdir().unwrap();
        let odd = dir.path().join("odd.wav");
        write_wav(&odd, 16411, &[0; 100]);
        let error = load_wav_file(&odd).unwrap_err();
        assert!(matches!(error, WavError::Unsupported(_)), "{error:?}");
        assert!(error.to_string().contains("16411 Hz"), "{error}");
    }
}
