//! The prompt store built from whole configuration directories: each source under its
//! key, the text cache, and errors that name the prompt and the file.
//!
//! The flow tests use the installed Debian sound packages (`xtask/setup.sh`) and
//! espeak-ng, as the box does.

use box_config::Config;
use ivr::flow::Language;
use prompt_library::{build_store, resolve, text_key, PromptError, MUSIC_ON_HOLD};
use std::path::Path;

const SYSTEM: &str = "[system]\nname = \"t\"\n";
const LINES: &str = "[[fxo]]\nid = 1\n";
const SCHEDULES: &str =
    "[schedules.hotline-hours]\nweekly = [\"mon-sun 00:00-24:00\"]\nutc_offset = \"+08:00\"\n";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A 1 kHz tone of `seconds` as a WAV file of `channels` 16-bit channels at `rate`.
fn write_tone(path: &Path, rate: u32, channels: u16, seconds: f64) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..(f64::from(rate) * seconds) as usize {
        let value = (8000.0
            * (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / f64::from(rate)).sin())
            as i16;
        for _ in 0..channels {
            writer.write_sample(value).unwrap();
        }
    }
    writer.finalize().unwrap();
}

fn base_config() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "system.toml", SYSTEM);
    write(dir.path(), "lines.toml", LINES);
    dir
}

fn load(dir: &Path) -> Config {
    Config::load(dir).unwrap_or_else(|e| panic!("{e}"))
}

fn samples(store: &media_engine::PromptStore, key: &str) -> Vec<i16> {
    let id = store
        .find(key)
        .unwrap_or_else(|| panic!("no prompt `{key}`"));
    store.samples(id).unwrap().to_vec()
}

#[test]
fn recordings_of_any_format_load_under_their_keys_at_8khz() {
    let dir = base_config();
    write_tone(&dir.path().join("prompts/hello.wav"), 44100, 2, 0.5);
    write_tone(&dir.path().join("prompts/en/menu.wav"), 16000, 1, 1.0);
    write_tone(&dir.path().join("prompts/zh/menu.wav"), 8000, 1, 0.25);
    write_tone(&dir.path().join("greeting-file.wav"), 22050, 1, 2.0);
    write(
        dir.path(),
        "routes.toml",
        "greeting = \"greeting-file.wav\"\n",
    );
    let config = load(dir.path());
    let cache = tempfile::tempdir().unwrap();
    let store = build_store(&config, cache.path()).unwrap();
    assert_eq!(samples(&store, "hello").len(), 4000);
    assert_eq!(samples(&store, "en/menu").len(), 8000);
    assert_eq!(samples(&store, "zh/menu").len(), 2000);
    assert_eq!(
        samples(&store, "greeting").len(),
        8800,
        "the built-in chime"
    );
    let greeting_key = config.dir.join("greeting-file.wav").display().to_string();
    assert_eq!(samples(&store, &greeting_key).len(), 16000);
    // No flow: no say fragments, no music.
    assert!(store.find("digits/5").is_none());
    assert!(store.find(MUSIC_ON_HOLD).is_none());
    // The 44.1 kHz stereo tone kept its level (8000 of 32768) through mixing and resampling.
    let hello = samples(&store, "hello");
    let peak = hello[1000..3000]
        .iter()
        .map(|s| s.unsigned_abs())
        .max()
        .unwrap();
    assert!((7800..=8200).contains(&peak), "peak {peak}");
    assert_eq!(resolve(&store, "menu", Language::Zh), store.find("zh/menu"));
}

#[test]
fn text_prompts_are_synthesized_once_and_then_read_from_the_cache() {
    let dir = base_config();
    write(
        dir.path(),
        "prompts.toml",
        "[prompts.welcome]\nen = \"Welcome.\"\nzh = \"欢迎。\"\n",
    );
    let config = load(dir.path());
    let cache = tempfile::tempdir().unwrap();
    let store = build_store(&config, cache.path()).unwrap();
    for key in ["en/welcome", "zh/welcome"] {
        let speech = samples(&store, key);
        assert!(speech.len() > 2000, "{key}: {} samples", speech.len());
        assert!(
            speech.iter().any(|s| s.unsigned_abs() > 3000),
            "{key} is audible"
        );
    }
    // Replace every cached file with a known tone: the next build must play exactly
    // that, so it read the cache and did not run espeak-ng again.
    let cached: Vec<_> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(cached.len(), 2, "{cached:?}");
    for file in &cached {
        write_tone(file, 8000, 1, 0.125);
    }
    let again = build_store(&config, cache.path()).unwrap();
    assert_eq!(samples(&again, "en/welcome").len(), 1000);
    assert_eq!(samples(&again, "zh/welcome").len(), 1000);
}

#[test]
fn a_recording_takes_the_place_of_the_text_in_its_language() {
    let dir = base_config();
    write(
        dir.path(),
        "prompts.toml",
        "[prompts.welcome]\nen = \"Welcome.\"\n",
    );
    write_tone(&dir.path().join("prompts/en/welcome.wav"), 8000, 1, 0.5);
    let config = load(dir.path());
    let cache = tempfile::tempdir().unwrap();
    let store = build_store(&config, cache.path()).unwrap();
    assert_eq!(samples(&store, "en/welcome").len(), 4000);
    assert_eq!(std::fs::read_dir(cache.path()).map_or(0, |d| d.count()), 0);
}

/// A text in both languages for every prompt the example flow names.
fn example_texts() -> String {
    ivr::flow::EXAMPLE_PROMPTS
        .iter()
        .map(|name| format!("[prompts.{name}]\nen = \"{name}\"\nzh = \"一\"\n"))
        .collect()
}

/// The example hotline with a text prompt for each prompt it names, plus a prompt from
/// the sounds directory and a Mandarin text play.
fn hotline_config() -> tempfile::TempDir {
    let dir = base_config();
    write(dir.path(), "prompts.toml", &example_texts());
    write(dir.path(), "schedules.toml", SCHEDULES);
    let flow = ivr::flow::EXAMPLE
        .replacen("prompt = \"lookup-failed\"", "prompt = \"vm-goodbye\"", 1)
        .replacen(
            "[nodes.bye]",
            "[nodes.unused-but-checked]\ntype = \"play\"\ntext = \"再见\"\nnext = \"bye\"\n\n[nodes.bye]",
            1,
        )
        .replacen("next = \"agent\"\n", "next = \"unused-but-checked\"\n", 1);
    write(dir.path(), "flows/hotline.toml", &flow);
    dir
}

#[test]
fn a_config_with_flows_gets_fragments_music_texts_and_sounds() {
    let dir = hotline_config();
    let config = load(dir.path());
    let cache = tempfile::tempdir().unwrap();
    let store = build_store(&config, cache.path()).unwrap();
    for language in [Language::En, Language::Zh] {
        for fragment in ivr::say::known_fragments(language) {
            assert!(
                !samples(&store, fragment).is_empty(),
                "say fragment {fragment}"
            );
        }
    }
    for name in ivr::flow::EXAMPLE_PROMPTS {
        assert!(store.find(&format!("en/{name}")).is_some(), "en/{name}");
        assert!(store.find(&format!("zh/{name}")).is_some(), "zh/{name}");
    }
    // Named by the flow, found only in the sounds directory: English.
    assert!(store.find("en/vm-goodbye").is_some());
    assert_eq!(
        resolve(&store, "vm-goodbye", Language::Zh),
        store.find("en/vm-goodbye")
    );
    // Text plays: the node's language only; without one, the call's: the flow's (zh)
    // and every language the flow's `language` node offers (zh, en).
    let closed = "Our hotline is open from eight in the morning to eight in the evening.";
    assert!(store.find(&text_key(Language::En, closed)).is_some());
    assert!(store.find(&text_key(Language::Zh, closed)).is_none());
    assert!(store.find(&text_key(Language::Zh, "再见")).is_some());
    assert!(store.find(&text_key(Language::En, "再见")).is_some());
    // Music on hold: every file of the music directory, back to back, in name order.
    let mut files: Vec<_> = std::fs::read_dir(&config.system.music_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    files.sort();
    let first = hound::WavReader::open(&files[0]).unwrap();
    let first: Vec<i16> = first.into_samples::<i16>().map(Result::unwrap).collect();
    let total: usize = files
        .iter()
        .map(|f| hound::WavReader::open(f).unwrap().len() as usize)
        .sum();
    let music = samples(&store, MUSIC_ON_HOLD);
    assert_eq!(music.len(), total);
    assert!(
        music[..first.len()] == first[..],
        "the first file comes first, unchanged"
    );
    // The English fragments are the Debian recordings, unchanged (8 kHz already).
    let five = hound::WavReader::open(config.system.sounds_dir.join("digits/5.wav")).unwrap();
    let five: Vec<i16> = five.into_samples::<i16>().map(Result::unwrap).collect();
    assert!(
        samples(&store, "digits/5") == five,
        "digits/5 is the Debian file"
    );
}

#[test]
fn a_broken_recording_is_an_error_naming_the_prompt_and_file() {
    let dir = base_config();
    write(dir.path(), "prompts/welcome.wav", "RIFF....WAVEjunk");
    let config = load(dir.path());
    let cache = tempfile::tempdir().unwrap();
    let error = build_store(&config, cache.path()).unwrap_err();
    assert!(matches!(error, PromptError::File { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("`welcome`") && message.contains("prompts/welcome.wav"),
        "{message}"
    );
    assert!(message.contains("truncated"), "{message}");
}

#[test]
fn a_prompt_gone_after_the_check_or_no_music_fails_the_build() {
    let sounds = tempfile::tempdir().unwrap();
    write_tone(&sounds.path().join("only-here.wav"), 8000, 1, 0.1);
    let dir = base_config();
    write(
        dir.path(),
        "system.toml",
        &format!(
            "{SYSTEM}sounds_dir = \"{}\"\nmusic_dir = \"{}\"\n",
            sounds.path().display(),
            sounds.path().join("no-music").display()
        ),
    );
    write(
        dir.path(),
        "flows/one.toml",
        "name = \"one\"\nentry = \"hello\"\n\n[nodes.hello]\ntype = \"play\"\nprompt = \"only-here\"\nnext = \"bye\"\n\n[nodes.bye]\ntype = \"hangup\"\n",
    );
    let config = load(dir.path());
    let cache = tempfile::tempdir().unwrap();
    // This sounds directory has no say fragments: the first one missing is the error.
    let error = build_store(&config, cache.path()).unwrap_err().to_string();
    assert!(
        error.contains("digits/0") && error.contains("cannot read"),
        "{error}"
    );
    // With the real fragments but no music.
    let mut config = config;
    config.system.sounds_dir = box_config::DEFAULT_SOUNDS_DIR.into();
    let error = build_store(&config, cache.path()).unwrap_err().to_string();
    assert!(
        error.contains("music on hold") && error.contains("no-music"),
        "{error}"
    );
    // With music, but a sounds directory without the prompt the flow was checked against.
    config.system.music_dir = box_config::DEFAULT_MUSIC_DIR.into();
    let error = build_store(&config, cache.path()).unwrap_err();
    assert!(matches!(error, PromptError::Missing { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("`only-here`") && message.contains("flows/one.toml"),
        "{message}"
    );
}
