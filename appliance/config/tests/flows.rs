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

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in the flow"))
        + 1
}

/// Asserts one error is at `flows/hotline.toml:LINE:` and says `reason`.
fn refused_at(flow: &str, line: usize, reason: &str) {
    let dir = hotline(flow, SCHEDULES);
    let found = errors(dir.path());
    assert!(
        found
            .iter()
            .any(|e| e.contains(&format!("flows/hotline.toml:{line}:")) && e.contains(reason)),
        "want {reason:?} at line {line}: {found:#?}"
    );
}

#[test]
fn an_unreachable_node_is_refused_at_its_table() {
    let flow = format!(
        "{}\n[nodes.orphan]\ntype = \"hangup\"\ncause = 16\n",
        ivr::flow::EXAMPLE
    );
    refused_at(
        &flow,
        line_of(&flow, "[nodes.orphan]"),
        "`orphan` is unreachable",
    );
}

#[test]
fn a_cycle_that_never_waits_for_the_caller_is_refused() {
    // outage → spin → outage: plays and sets only, the call would loop forever.
    let flow = ivr::flow::EXAMPLE.replacen(
        "prompt = \"outage-info\"\nbarge_in = true\nnext = \"main\"",
        "prompt = \"outage-info\"\nbarge_in = true\nnext = \"spin\"\n\n[nodes.spin]\ntype = \"set\"\nvariable = \"topic\"\nvalue = \"outage\"\nnext = \"outage\"",
        1,
    );
    assert_ne!(flow, ivr::flow::EXAMPLE);
    let found = errors(hotline(&flow, SCHEDULES).path());
    assert!(
        found.iter().any(|e| e.contains("flows/hotline.toml:")
            && e.contains("form a cycle with no node that waits for the caller")
            && e.contains("`outage`")
            && e.contains("`spin`")),
        "{found:#?}"
    );
}

#[test]
fn a_menu_digit_given_twice_is_refused() {
    let flow = ivr::flow::EXAMPLE.replacen(
        "choices = { \"1\" = \"billing\", \"2\" = \"outage\"",
        "choices = { \"1\" = \"billing\", \"1\" = \"outage\"",
        1,
    );
    assert_ne!(flow, ivr::flow::EXAMPLE);
    refused_at(&flow, line_of(&flow, "\"1\" = \"outage\""), "given twice");
}

#[test]
fn a_lookup_url_that_is_not_http_is_refused() {
    let flow = ivr::flow::EXAMPLE.replacen("url = \"http://", "url = \"ftp://", 1);
    refused_at(
        &flow,
        line_of(&flow, "url = \"ftp://"),
        "is not an http:// or https:// URL",
    );
}

#[test]
fn a_variable_used_but_never_set_is_refused() {
    let flow = ivr::flow::EXAMPLE.replacen("value = \"${balance}\"", "value = \"${balanse}\"", 1);
    refused_at(
        &flow,
        line_of(&flow, "${balanse}"),
        "uses variable `balanse`, which no node sets",
    );
}

#[test]
fn a_time_condition_that_does_not_parse_is_refused_at_its_entry() {
    let schedules = "[schedules.hotline-hours]\nweekly = [\"mon-fri 08:00-2O:00\"]\n";
    let dir = hotline(ivr::flow::EXAMPLE, schedules);
    let found = errors(dir.path());
    assert!(
        found.iter().any(
            |e| e.contains("schedules.toml:2:") && e.contains("schedules.hotline-hours.weekly")
        ),
        "{found:#?}"
    );
}

#[test]
fn a_route_to_a_flow_that_does_not_exist_is_refused_at_the_route() {
    let dir = hotline(ivr::flow::EXAMPLE, SCHEDULES);
    let routes = "[[inbound]]\nlines = [1]\ndestination = \"flow:hotlnie\"\n";
    std::fs::write(dir.path().join("routes.toml"), routes).unwrap();
    let found = errors(dir.path());
    assert!(
        found.iter().any(|e| e.contains("routes.toml:3:")
            && e.contains("no flow named \"hotlnie\"")
            && e.contains("hotline")),
        "{found:#?}"
    );
}

#[test]
fn a_route_to_an_existing_flow_loads() {
    let dir = hotline(ivr::flow::EXAMPLE, SCHEDULES);
    let routes = "[[inbound]]\nlines = [1]\ndestination = \"flow:hotline\"\n";
    std::fs::write(dir.path().join("routes.toml"), routes).unwrap();
    let config = Config::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        config.routes.inbound[0].destination,
        box_config::RouteDestination::Flow("hotline".into())
    );
}

#[test]
fn the_reference_shows_the_worked_example_as_it_is() {
    let reference = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/REFERENCE.md"),
    )
    .expect("config/REFERENCE.md");
    assert!(
        reference.contains(&format!("```toml\n{}```", ivr::flow::EXAMPLE)),
        "config/REFERENCE.md's worked example differs from ivr::flow::EXAMPLE"
    );
}

#[test]
fn without_queues_toml_a_queue_node_needs_extensions_to_ring() {
    let broken = ivr::flow::EXAMPLE.replacen("extensions = [\"201\", \"202\"]\n", "", 1);
    assert_ne!(
        broken,
        ivr::flow::EXAMPLE,
        "the example's queue lists extensions"
    );
    let line = broken
        .lines()
        .position(|l| l.trim() == "[nodes.queue]")
        .unwrap()
        + 1;
    let dir = hotline(&broken, SCHEDULES);
    let found = errors(dir.path());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains(&format!("flows/hotline.toml:{line}:"))
            && found[0].contains("nodes.queue.extensions")
            && found[0].contains("queues.toml"),
        "{found:#?}"
    );
}

#[test]
fn a_voicemail_mailbox_must_be_a_phone_of_the_box() {
    let flow = "name = \"hotline\"\nentry = \"vm\"\n\n[nodes.vm]\ntype = \"voicemail\"\nmailbox = \"299\"\n";
    let dir = hotline(flow, SCHEDULES);
    let found = errors(dir.path());
    assert!(
        found.iter().any(|e| e.contains("flows/hotline.toml:6:")
            && e.contains("nodes.vm.mailbox")
            && e.contains("\"299\"")
            && e.contains("201")),
        "{found:#?}"
    );
    let good = flow.replace("\"299\"", "\"201\"");
    std::fs::write(dir.path().join("flows/hotline.toml"), good).unwrap();
    Config::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
}
