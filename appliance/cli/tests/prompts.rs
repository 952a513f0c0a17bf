//! The box loads every prompt of its configuration when it starts: a box with the
//! example flow and its text prompts starts (texts from the shared cache), and one
//! whose prompt cannot be loaded refuses to start, saying which prompt and file.

mod common;

use appliance::boot::{start_box, BoxOptions, PROMPT_CACHE_DIR};
use std::path::Path;

const SCHEDULES: &str =
    "[schedules.hotline-hours]\nweekly = [\"mon-sun 00:00-24:00\"]\nutc_offset = \"+08:00\"\n";

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("dir");
    std::fs::write(path, text).expect("write");
}

/// The HIL `basic` configuration plus `extra` files, in `work/config`.
fn config_with(work: &Path, extra: &[(&str, &str)]) -> std::path::PathBuf {
    let config = work.join("config");
    for file in ["system.toml", "lines.toml", "routes.toml"] {
        let text = std::fs::read_to_string(repo("hil-tests/configs/basic").join(file))
            .expect("HIL config file");
        write(&config, file, &text);
    }
    for (name, text) in extra {
        write(&config, name, text);
    }
    config
}

fn options(work: &Path, config: std::path::PathBuf) -> BoxOptions {
    let mut options = BoxOptions::new(config, work.join("data"));
    options.device_dir = Some(work.join("devices"));
    options
}

#[test]
fn a_box_with_a_flow_starts_with_its_texts_from_the_prompt_cache() {
    let work = tempfile::tempdir().expect("work dir");
    // A text in both languages for every prompt the example flow names.
    let prompts: String = ivr::flow::EXAMPLE_PROMPTS
        .iter()
        .map(|name| format!("[prompts.{name}]\nen = \"{name}\"\nzh = \"一\"\n"))
        .collect();
    let config = config_with(
        work.path(),
        &[
            ("prompts.toml", &prompts),
            ("schedules.toml", SCHEDULES),
            ("flows/hotline.toml", ivr::flow::EXAMPLE),
        ],
    );
    let mut options = options(work.path(), config);
    let cache = common::shared_prompt_cache();
    options.prompt_cache_dir = Some(cache.clone());
    let mut running = start_box(options).expect("box starts");
    running.stop();
    // The texts went to the shared cache, not the box's data directory.
    let cached = std::fs::read_dir(&cache)
        .expect("cache dir")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "wav"))
        .count();
    let texts = ivr::flow::EXAMPLE_PROMPTS.len() * 2;
    assert!(cached >= texts, "{cached} cached files for {texts} texts");
    assert!(!work.path().join("data").join(PROMPT_CACHE_DIR).exists());
}

#[test]
fn a_prompt_that_cannot_be_loaded_stops_the_box_from_starting() {
    let work = tempfile::tempdir().expect("work dir");
    let config = config_with(work.path(), &[("prompts/zh/welcome.wav", "RIFF\0\0")]);
    let mut options = options(work.path(), config);
    options.prompt_cache_dir = Some(common::shared_prompt_cache());
    let error = match start_box(options) {
        Ok(_) => panic!("a box with a broken prompt started"),
        Err(error) => format!("{error:#}"),
    };
    assert!(
        error.contains("`zh/welcome`") && error.contains("prompts/zh/welcome.wav"),
        "{error}"
    );
    assert!(error.contains("not a RIFF/WAVE file"), "{error}");
}
