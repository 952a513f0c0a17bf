//! Prompts: `prompts.toml` text prompts, the recordings a flow may name (configuration
//! `prompts/`, per-language folders, the sounds directory) and the sounds and music
//! directories of `system.toml`.

use box_config::{Config, DEFAULT_MUSIC_DIR, DEFAULT_SOUNDS_DIR};
use ivr::flow::Language;
use std::path::Path;

const SYSTEM: &str = "[system]\nname = \"t\"\n";
const LINES: &str = "[[fxo]]\nid = 1\n";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A flow playing `prompt` from `flows/one.toml` line 5.
fn flow_playing(prompt: &str) -> String {
    format!(
        "name = \"one\"\nentry = \"hello\"\n\n[nodes.hello]\nprompt = \"{prompt}\"\ntype = \"play\"\nnext = \"bye\"\n\n[nodes.bye]\ntype = \"hangup\"\n"
    )
}

/// A config directory (with `system`'s text) holding a flow that plays `prompt`.
fn config_playing(prompt: &str, system: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "system.toml", system);
    write(dir.path(), "lines.toml", LINES);
    write(dir.path(), "flows/one.toml", &flow_playing(prompt));
    dir
}

fn errors(dir: &Path) -> Vec<String> {
    Config::load(dir)
        .expect_err("refused")
        .iter()
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn a_prompt_that_exists_only_as_a_text_prompt_is_accepted() {
    let dir = config_playing("welcome", SYSTEM);
    write(
        dir.path(),
        "prompts.toml",
        "[prompts.welcome]\nen = \"Welcome.\"\nzh = \"欢迎。\"\n\n[prompts.bye]\nzh = \"再见。\"\n",
    );
    let config = Config::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.text_prompts["welcome"][&Language::En], "Welcome.");
    assert_eq!(config.text_prompts["welcome"][&Language::Zh], "欢迎。");
    assert_eq!(config.text_prompts["bye"].len(), 1);
    assert_eq!(config.text_prompts["bye"][&Language::Zh], "再见。");
}

#[test]
fn a_prompt_nothing_provides_is_refused_at_its_line() {
    let dir = config_playing("welcome", SYSTEM);
    write(
        dir.path(),
        "prompts.toml",
        "[prompts.other]\nen = \"Other.\"\n",
    );
    let found = errors(dir.path());
    assert!(
        found
            .iter()
            .any(|e| e.contains("flows/one.toml:5:") && e.contains("`welcome`")),
        "{found:#?}"
    );
}

#[test]
fn recordings_in_the_config_and_the_sounds_dir_are_accepted() {
    for place in [
        "prompts/welcome.wav",
        "prompts/en/welcome.wav",
        "prompts/zh/welcome.wav",
    ] {
        let dir = config_playing("welcome", SYSTEM);
        write(dir.path(), place, "");
        Config::load(dir.path()).unwrap_or_else(|e| panic!("{place}: {e}"));
    }
    let sounds = tempfile::tempdir().unwrap();
    write(sounds.path(), "vm-goodbye.wav", "");
    let system = format!("{SYSTEM}sounds_dir = \"{}\"\n", sounds.path().display());
    let dir = config_playing("vm-goodbye", &system);
    let config = Config::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.system.sounds_dir, sounds.path());
    // The same flow against a sounds directory without the file is refused.
    let dir = config_playing(
        "vm-goodbye",
        &format!("{SYSTEM}sounds_dir = \"/nonexistent\"\n"),
    );
    assert!(errors(dir.path()).iter().any(|e| e.contains("vm-goodbye")));
}

#[test]
fn the_builtin_greeting_is_accepted_by_both_names() {
    for name in ["greeting", "builtin:greeting"] {
        let dir = config_playing(name, SYSTEM);
        Config::load(dir.path()).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn sounds_and_music_dirs_default_and_resolve_against_the_config_dir() {
    let dir = config_playing("greeting", SYSTEM);
    let config = Config::load(dir.path()).unwrap();
    assert_eq!(config.system.sounds_dir, Path::new(DEFAULT_SOUNDS_DIR));
    assert_eq!(config.system.music_dir, Path::new(DEFAULT_MUSIC_DIR));
    assert!(config.text_prompts.is_empty());
    let dir = config_playing(
        "greeting",
        &format!("{SYSTEM}sounds_dir = \"sounds\"\nmusic_dir = \"moh\"\n"),
    );
    let config = Config::load(dir.path()).unwrap();
    let root = dir.path().canonicalize().unwrap();
    assert_eq!(config.system.sounds_dir, root.join("sounds"));
    assert_eq!(config.system.music_dir, root.join("moh"));
}

#[test]
fn bad_prompts_toml_entries_are_refused_with_their_position() {
    let dir = config_playing("greeting", SYSTEM);
    write(
        dir.path(),
        "prompts.toml",
        "[prompts.a]\nen = \"Fine.\"\n\n[prompts.b]\nen = \"  \"\n\n[prompts.c]\n",
    );
    let found = errors(dir.path());
    assert!(
        found.iter().any(|e| e.contains("prompts.toml:5:")
            && e.contains("prompts.b.en")
            && e.contains("empty")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|e| e.contains("prompts.toml:")
            && e.contains("prompts.c")
            && e.contains("no text")),
        "{found:#?}"
    );
    write(
        dir.path(),
        "prompts.toml",
        "[prompts.a]\nen = \"Fine.\"\nfr = \"Bien.\"\n",
    );
    let found = errors(dir.path());
    assert!(
        found
            .iter()
            .any(|e| e.contains("prompts.toml:3:") && e.contains("fr")),
        "{found:#?}"
    );
}

#[test]
fn every_prompt_the_shipped_flows_play_has_a_text_in_both_languages() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for dir in ["config/default", "config/demo"] {
        let config = Config::load(&repo.join(dir)).unwrap_or_else(|e| panic!("{dir}:\n{e}"));
        assert!(!config.flows.is_empty(), "{dir} ships a flow");
        for flow in &config.flows {
            for node in &flow.nodes {
                for name in node.kind.prompts() {
                    let texts = config
                        .text_prompts
                        .get(name.as_str())
                        .unwrap_or_else(|| panic!("{dir}: no text prompt {}", name.as_str()));
                    assert!(
                        texts.contains_key(&Language::En),
                        "{dir}: {} in English",
                        name.as_str()
                    );
                    // A prompt that offers English is English only; every other one is
                    // in both languages.
                    assert!(
                        texts.contains_key(&Language::Zh) || name.as_str() == "for-english",
                        "{dir}: {} in Mandarin",
                        name.as_str()
                    );
                }
            }
        }
    }
}
