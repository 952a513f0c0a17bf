//! IVR flows and schedules in the configuration directory: loaded and checked by the
//! `ivr` crate's validator, every refusal with file, line and reason.

use box_config::Config;
use std::path::Path;

const SYSTEM: &str = "[system]\nname = \"t\"\n";
const LINES: &str = "[[fxo]]\nid = 1\n\n[[fxs]]\nid = 2\nextension = \"201\"\n";
const SCHEDULES: &str =
    "[schedules.hotline-hours]\nweekly = [\"mon-sun 00:00-24:00\"]\nutc_offset = \"+08:00\"\n";

/// A config directory with the hotline example flow, its schedule and its prompts.
fn hotline(flow: &str, schedules: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("system.toml", SYSTEM);
    write("lines.toml", LINES);
    write("schedules.toml", schedules);
    write("flows/hotline.toml", flow);
    for prompt in ivr::flow::EXAMPLE_PROMPTS {
        write(&format!("prompts/{prompt}.wav"), "");
    }
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
fn the_hotline_example_loads_with_its_schedule() {
    let dir = hotline(ivr::flow::EXAMPLE, SCHEDULES);
    let config = Config::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.flows.len(), 1);
    assert_eq!(config.flows[0].name.value, "hotline");
    let hours = &config.schedules["hotline-hours"];
    assert!(hours.is_open(1_800_000_000));
}

#[test]
fn a_flow_naming_an_unknown_node_is_refused_at_its_line() {
    let broken = ivr::flow::EXAMPLE.replacen("next = \"main\"", "next = \"mian\"", 1);
    let line = broken.lines().position(|l| l.contains("\"mian\"")).unwrap() + 1;
    let dir = hotline(&broken, SCHEDULES);
    let found = errors(dir.path());
    assert!(
        found
            .iter()
            .any(|e| e.contains(&format!("flows/hotline.toml:{line}:")) && e.contains("mian")),
        "{found:#?}"
    );
}

#[test]
fn a_missing_prompt_recording_is_refused() {
    let dir = hotline(ivr::flow::EXAMPLE, SCHEDULES);
    std::fs::remove_file(dir.path().join("prompts/main-menu.wav")).unwrap();
    let found = errors(dir.path());
    assert!(
        found
            .iter()
            .any(|e| e.contains("flows/hotline.toml:") && e.contains("main-menu")),
        "{found:#?}"
    );
}

#[test]
fn a_schedule_that_does_not_parse_is_refused_at_its_entry() {
    let bad = "[schedules.hotline-hours]\nweekly = [\"mon-fry 08:00-20:00\"]\n";
    let dir = hotline(ivr::flow::EXAMPLE, bad);
    let found = errors(dir.path());
    assert!(
        found.iter().any(|e| e.contains("schedules.toml:2:")
            && e.contains("schedules.hotline-hours.weekly")
            && e.contains("fry")),
        "{found:#?}"
    );
}

#[test]
fn a_flow_naming_a_schedule_that_is_not_configured_is_refused() {
    let dir = hotline(ivr::flow::EXAMPLE, "");
    let found = errors(dir.path());
    assert!(
        found
            .iter()
            .any(|e| e.contains("flows/hotline.toml:") && e.contains("hotline-hours")),
        "{found:#?}"
    );
}
