//! The ACD's files, `queues.toml` and `agents.toml`: a full example loads into the right
//! `acd::AcdConfig`, and every refusal names its file, line, column, field and reason.

use box_config::acd::{
    AcdConfig, AgentConfig, JoinRule, LeaveRule, Overflow, OverflowTarget, QueueConfig,
    SkillRequirement, Strategy, Widening,
};
use box_config::Config;
use std::path::Path;

const SYSTEM: &str = "[system]\nname = \"t\"\n";
const LINES: &str = "[[fxo]]\nid = 1\n\n[[fxs]]\nid = 2\nextension = \"201\"\n";
const SCHEDULES: &str =
    "[schedules.hotline-hours]\nweekly = [\"mon-sun 00:00-24:00\"]\nutc_offset = \"+08:00\"\n";

const QUEUES: &str = r#"vip_numbers = ["0209999", "+8613800000000"]
vip_boost = 4
not_ready_reasons = ["break", "lunch", "meeting", "training"]
default_handle_time_s = 240

[queues.billing]
strategy = "skills-based"
skills = { billing = 5 }
widen = [{ after_s = 60, drop = 2 }, { after_s = 120, drop = 4 }]
ring_timeout_s = 15
max_missed = 2
wrap_up_s = 30
max_wait_s = 300
overflow = "queue:general"
service_level_s = 30
announce_every_s = 45
when_no_agents = { join = "refuse", leave = "leave" }
music = "default"

[queues.general]
strategy = "longest-idle"
max_wait_s = 600
overflow = "callback"

[queues.agents]
strategy = "ring-all"
max_wait_s = 120
overflow = "flow:hotline"
"#;

const AGENTS: &str = r#"[[agent]]
id = "201"
name = "Li Wei"
pin = "4821"
queues = ["billing", "general"]
skills = { billing = 9, english = 7 }

[[agent]]
id = "202"
pin = "12345678"
queues = ["general", "agents"]
"#;

/// A config directory with the hotline example flow (its queue node names `agents`),
/// plus the given ACD files (`None`: the file is absent).
fn dir_with(queues: Option<&str>, agents: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("system.toml", SYSTEM);
    write("lines.toml", LINES);
    write("schedules.toml", SCHEDULES);
    write("flows/hotline.toml", ivr::flow::EXAMPLE);
    for prompt in ivr::flow::EXAMPLE_PROMPTS {
        write(&format!("prompts/{prompt}.wav"), "");
    }
    if let Some(queues) = queues {
        write("queues.toml", queues);
    }
    if let Some(agents) = agents {
        write("agents.toml", agents);
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

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} is not in the text"))
        + 1
}

/// `file`'s error at the line holding `needle`, on `field`, whose reason has `reason`.
fn refused(queues: &str, agents: &str, file: &str, needle: &str, field: &str, reason: &str) {
    let text = if file == "queues.toml" {
        queues
    } else {
        agents
    };
    let line = line_of(text, needle);
    let dir = dir_with(Some(queues), Some(agents));
    let found = errors(dir.path());
    assert!(
        found.iter().any(|e| e.contains(&format!("{file}:{line}:"))
            && e.contains(&format!(": {field}: "))
            && e.contains(reason)),
        "wanted {file}:{line}: {field}: …{reason}…, got {found:#?}"
    );
}

fn refused_in_queues(queues: &str, needle: &str, field: &str, reason: &str) {
    refused(queues, AGENTS, "queues.toml", needle, field, reason);
}

fn refused_in_agents(agents: &str, needle: &str, field: &str, reason: &str) {
    refused(QUEUES, agents, "agents.toml", needle, field, reason);
}

#[test]
fn the_full_example_loads_into_the_acd_config() {
    let dir = dir_with(Some(QUEUES), Some(AGENTS));
    let config = Config::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let mut billing = QueueConfig::new("billing", Strategy::SkillsBased);
    billing.required_skills = vec![SkillRequirement::new("billing", 5)];
    billing.widen = vec![
        Widening {
            after_wait_ms: 60_000,
            level_drop: 2,
        },
        Widening {
            after_wait_ms: 120_000,
            level_drop: 4,
        },
    ];
    billing.ring_timeout_ms = 15_000;
    billing.max_missed = 2;
    billing.wrap_up_ms = 30_000;
    billing.overflow = Some(Overflow {
        max_wait_ms: 300_000,
        to: OverflowTarget::Queue("general".into()),
    });
    billing.service_level_ms = 30_000;
    billing.announce_every_ms = Some(45_000);
    billing.join_when_no_agents = JoinRule::Refuse;
    billing.leave_when_no_agents = LeaveRule::Leave;
    let mut general = QueueConfig::new("general", Strategy::LongestIdle);
    general.overflow = Some(Overflow {
        max_wait_ms: 600_000,
        to: OverflowTarget::Callback,
    });
    let mut agents = QueueConfig::new("agents", Strategy::RingAll);
    agents.overflow = Some(Overflow {
        max_wait_ms: 120_000,
        to: OverflowTarget::Flow("hotline".into()),
    });
    let mut li_wei = AgentConfig::new("201", &["billing", "general"])
        .skill("billing", 9)
        .skill("english", 7);
    li_wei.name = "Li Wei".into();
    let mut agent_202 = AgentConfig::new("202", &["general", "agents"]);
    agent_202.name = "agent 202".into();
    let want = AcdConfig {
        queues: vec![billing, general, agents],
        agents: vec![li_wei, agent_202],
        vip_numbers: vec!["0209999".into(), "+8613800000000".into()],
        vip_boost: 4,
        not_ready_reasons: ["break", "lunch", "meeting", "training", "missed"]
            .map(String::from)
            .to_vec(),
        default_handle_time_ms: 240_000,
        seed: AcdConfig::default().seed,
    };
    assert_eq!(config.acd, want);
    assert!(config.acd_queues_configured);
    assert_eq!(config.agent_pins[&"201".into()], "4821");
    assert_eq!(config.agent_pins[&"202".into()], "12345678");
    assert_eq!(config.queue_music[&"billing".into()], "default");
    assert_eq!(config.queue_music[&"general".into()], "default");
    // The core takes it.
    box_config::acd::Acd::new(config.acd.clone(), 0).unwrap();
}

#[test]
fn without_the_files_the_acd_has_no_queues_and_queue_nodes_ring_their_extensions() {
    let dir = dir_with(None, None);
    let config = Config::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert!(!config.acd_queues_configured);
    assert_eq!(config.acd, AcdConfig::default());
    assert!(config.agent_pins.is_empty());
}

#[test]
fn a_minimal_queue_takes_the_core_defaults() {
    let dir = dir_with(Some("[queues.agents]\n"), None);
    let config = Config::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        config.acd.queues,
        vec![QueueConfig::new("agents", Strategy::LongestIdle)]
    );
    let defaults = AcdConfig::default();
    assert_eq!(config.acd.not_ready_reasons, defaults.not_ready_reasons);
    assert_eq!(config.acd.vip_boost, defaults.vip_boost);
    assert_eq!(
        config.acd.default_handle_time_ms,
        defaults.default_handle_time_ms
    );
}

#[test]
fn missed_is_added_once_to_the_not_ready_reasons() {
    let queues = "not_ready_reasons = [\"missed\", \"break\"]\n[queues.agents]\n";
    let dir = dir_with(Some(queues), None);
    let config = Config::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.acd.not_ready_reasons, ["missed", "break"]);
}

#[test]
fn an_unknown_strategy_is_refused() {
    let queues = QUEUES.replacen("\"skills-based\"", "\"skill-based\"", 1);
    refused_in_queues(
        &queues,
        "skill-based",
        "queues.billing.strategy",
        "\"skill-based\" is not one of longest-idle, round-robin, fewest-calls, ring-all, random, skills-based",
    );
}

#[test]
fn a_queue_skill_level_outside_1_to_10_is_refused() {
    let queues = QUEUES.replacen("billing = 5", "billing = 11", 1);
    refused_in_queues(
        &queues,
        "billing = 11",
        "queues.billing.skills.billing",
        "skill level 11 is outside 1 to 10",
    );
}

#[test]
fn an_agent_skill_level_outside_1_to_10_is_refused() {
    let agents = AGENTS.replacen("english = 7", "english = 0", 1);
    refused_in_agents(
        &agents,
        "english = 0",
        "agent[0].skills.english",
        "skill level 0 is outside 1 to 10",
    );
}

#[test]
fn an_agent_in_a_queue_that_does_not_exist_is_refused() {
    let agents = AGENTS.replacen("[\"general\", \"agents\"]", "[\"general\", \"sales\"]", 1);
    refused_in_agents(
        &agents,
        "\"sales\"",
        "agent[1].queues[1]",
        "no queue named \"sales\" in queues.toml (queues: agents, billing, general)",
    );
}

#[test]
fn an_agent_in_a_queue_without_queues_toml_is_refused() {
    let dir = dir_with(None, Some(AGENTS));
    let found = errors(dir.path());
    assert!(
        found.iter().any(|e| e.contains("agents.toml:5:")
            && e.contains("agent[0].queues[0]")
            && e.contains("there is no queues.toml")),
        "{found:#?}"
    );
}

#[test]
fn an_overflow_to_a_queue_that_does_not_exist_is_refused() {
    let queues = QUEUES.replacen("\"queue:general\"", "\"queue:genral\"", 1);
    refused_in_queues(
        &queues,
        "queue:genral",
        "queues.billing.overflow",
        "no queue named \"genral\"",
    );
}

#[test]
fn an_overflow_to_a_flow_that_does_not_exist_is_refused() {
    let queues = QUEUES.replacen("\"flow:hotline\"", "\"flow:hotlin\"", 1);
    refused_in_queues(
        &queues,
        "flow:hotlin",
        "queues.agents.overflow",
        "no flow named \"hotlin\" in flows/ (flows: hotline)",
    );
}

#[test]
fn an_overflow_that_is_not_a_queue_flow_or_callback_is_refused() {
    let queues = QUEUES.replacen("\"callback\"", "\"voicemail\"", 1);
    refused_in_queues(
        &queues,
        "voicemail",
        "queues.general.overflow",
        "\"voicemail\" is not an overflow",
    );
}

#[test]
fn an_overflow_cycle_between_queues_is_refused() {
    let queues = QUEUES.replacen("\"callback\"", "\"queue:billing\"", 1);
    refused_in_queues(
        &queues,
        "queue:general",
        "queues.billing.overflow",
        "overflow cycle: billing → general → billing",
    );
    // Reported once, not again at general.
    let dir = dir_with(Some(&queues), Some(AGENTS));
    let found = errors(dir.path());
    assert_eq!(found.len(), 1, "{found:#?}");
}

#[test]
fn a_longer_overflow_cycle_and_a_queue_overflowing_into_itself_are_refused() {
    let queues = "[queues.a]\nmax_wait_s = 60\noverflow = \"queue:b\"\n\
                  [queues.b]\nmax_wait_s = 60\noverflow = \"queue:c\"\n\
                  [queues.c]\nmax_wait_s = 60\noverflow = \"queue:a\"\n\
                  [queues.d]\nmax_wait_s = 60\noverflow = \"queue:d\"\n";
    refused(
        queues,
        "",
        "queues.toml",
        "queue:b",
        "queues.a.overflow",
        "overflow cycle: a → b → c → a",
    );
    refused(
        queues,
        "",
        "queues.toml",
        "queue:d",
        "queues.d.overflow",
        "queue \"d\" overflows into itself",
    );
}

#[test]
fn a_max_wait_without_an_overflow_and_the_reverse_are_refused() {
    let queues = "[queues.a]\nmax_wait_s = 60\n[queues.b]\noverflow = \"callback\"\n";
    refused(
        queues,
        "",
        "queues.toml",
        "max_wait_s",
        "queues.a.max_wait_s",
        "a max wait needs somewhere to go",
    );
    refused(
        queues,
        "",
        "queues.toml",
        "callback",
        "queues.b.overflow",
        "add `max_wait_s = SECONDS`",
    );
}

#[test]
fn duplicate_agent_ids_are_refused() {
    let agents = AGENTS.replacen("id = \"202\"", "id = \"201\"", 1);
    let line = line_of(&agents, "pin = \"12345678\"") - 1;
    let dir = dir_with(Some(QUEUES), Some(&agents));
    let found = errors(dir.path());
    assert!(
        found.iter().any(|e| e.contains(&format!(
            "agents.toml:{line}:6: agent[1].id: agent 201 is already agent[0]"
        ))),
        "{found:#?}"
    );
}

#[test]
fn an_agent_id_that_is_not_digits_is_refused() {
    let agents = AGENTS.replacen("id = \"202\"", "id = \"A2\"", 1);
    refused_in_agents(
        &agents,
        "\"A2\"",
        "agent[1].id",
        "\"A2\" is not an agent number (1 to 8 digits)",
    );
}

#[test]
fn a_pin_that_is_not_4_to_8_digits_is_refused() {
    for pin in ["482", "123456789", "48a1", ""] {
        let agents = AGENTS.replacen("\"4821\"", &format!("{pin:?}"), 1);
        refused_in_agents(
            &agents,
            &format!("pin = {pin:?}"),
            "agent[0].pin",
            "a PIN is 4 to 8 digits",
        );
    }
}

#[test]
fn a_missing_pin_is_refused() {
    let agents = "[[agent]]\nid = \"201\"\nqueues = [\"billing\"]\n";
    let dir = dir_with(Some(QUEUES), Some(agents));
    let found = errors(dir.path());
    assert!(
        found
            .iter()
            .any(|e| e.contains("agents.toml:1:") && e.contains("missing field `pin`")),
        "{found:#?}"
    );
}

#[test]
fn a_vip_number_that_is_not_a_number_is_refused() {
    let queues = QUEUES.replacen("\"0209999\"", "\"020-9999\"", 1);
    refused_in_queues(
        &queues,
        "020-9999",
        "vip_numbers[0]",
        "\"020-9999\" is not a phone number",
    );
}

#[test]
fn times_out_of_range_are_refused() {
    for (from, to, field, reason) in [
        (
            "ring_timeout_s = 15",
            "ring_timeout_s = 2",
            "queues.billing.ring_timeout_s",
            "2 is out of range (5 to 600 seconds)",
        ),
        (
            "wrap_up_s = 30",
            "wrap_up_s = -1",
            "queues.billing.wrap_up_s",
            "-1 is out of range (0 to 3600 seconds)",
        ),
        (
            "max_wait_s = 300",
            "max_wait_s = 0",
            "queues.billing.max_wait_s",
            "0 is out of range (5 to 86400 seconds)",
        ),
        (
            "service_level_s = 30",
            "service_level_s = 0",
            "queues.billing.service_level_s",
            "0 is out of range (1 to 3600 seconds)",
        ),
        (
            "announce_every_s = 45",
            "announce_every_s = 5",
            "queues.billing.announce_every_s",
            "5 is out of range (10 to 3600 seconds)",
        ),
        (
            "after_s = 60",
            "after_s = 0",
            "queues.billing.widen[0].after_s",
            "0 is out of range (1 to 86400 seconds)",
        ),
        (
            "drop = 2",
            "drop = 10",
            "queues.billing.widen[0].drop",
            "10 is out of range (1 to 9 levels)",
        ),
        (
            "max_missed = 2",
            "max_missed = 101",
            "queues.billing.max_missed",
            "101 is out of range (0 to 100 offers; 0 never)",
        ),
        (
            "default_handle_time_s = 240",
            "default_handle_time_s = 0",
            "default_handle_time_s",
            "0 is out of range (1 to 3600 seconds)",
        ),
        (
            "vip_boost = 4",
            "vip_boost = 10",
            "vip_boost",
            "10 is out of range (1 to 9 priority levels)",
        ),
    ] {
        let queues = QUEUES.replacen(from, to, 1);
        refused_in_queues(&queues, to, field, reason);
    }
}

#[test]
fn widening_steps_out_of_order_are_refused() {
    let queues = QUEUES.replacen("after_s = 120", "after_s = 30", 1);
    refused_in_queues(
        &queues,
        "after_s = 30",
        "queues.billing.widen[1].after_s",
        "30 s is not after the step before it (60 s)",
    );
}

#[test]
fn bad_join_and_leave_rules_and_an_unknown_music_class_are_refused() {
    let queues = QUEUES
        .replacen("join = \"refuse\"", "join = \"reject\"", 1)
        .replacen("music = \"default\"", "music = \"jazz\"", 1);
    refused_in_queues(
        &queues,
        "reject",
        "queues.billing.when_no_agents.join",
        "\"reject\" is not one of join, refuse",
    );
    refused_in_queues(
        &queues,
        "jazz",
        "queues.billing.music",
        "no music class \"jazz\" (classes: default)",
    );
}

#[test]
fn an_unknown_setting_is_refused_at_its_place() {
    let queues = QUEUES.replacen("max_missed = 2", "max_misses = 2", 1);
    refused_in_queues(
        &queues,
        "max_misses",
        "max_misses",
        "unknown field `max_misses`",
    );
}

#[test]
fn a_not_ready_reason_given_twice_or_badly_written_is_refused() {
    let queues = QUEUES.replacen("\"meeting\", \"training\"", "\"Meeting!\", \"lunch\"", 1);
    refused_in_queues(
        &queues,
        "Meeting!",
        "not_ready_reasons[2]",
        "\"Meeting!\" is not a reason code",
    );
    refused_in_queues(
        &queues,
        "Meeting!",
        "not_ready_reasons[3]",
        "\"lunch\" is listed twice",
    );
}

#[test]
fn a_flow_queue_node_naming_a_queue_not_in_queues_toml_is_refused_at_its_line() {
    // The example flow's queue node names `agents`.
    let queues = QUEUES
        .replacen("[queues.agents]", "[queues.operators]", 1)
        .replacen(
            "[\"general\", \"agents\"]",
            "[\"general\", \"operators\"]",
            1,
        );
    let agents = AGENTS.replacen("\"agents\"]", "\"operators\"]", 1);
    let line = line_of(ivr::flow::EXAMPLE, "queue = \"agents\"");
    let dir = dir_with(Some(&queues), Some(&agents));
    let found = errors(dir.path());
    assert!(
        found.iter().any(|e| e.contains(&format!("flows/hotline.toml:{line}:"))
            && e.contains("nodes.queue.queue")
            && e.contains("no queue named \"agents\" in queues.toml (queues: billing, general, operators)")),
        "{found:#?}"
    );
    assert_eq!(found.len(), 1, "{found:#?}");
}

#[test]
fn a_queues_toml_that_does_not_parse_gives_one_error_not_one_per_agent() {
    let dir = dir_with(Some("[queues.billing\n"), Some(AGENTS));
    let found = errors(dir.path());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("queues.toml:1:"), "{found:#?}");
}

fn repo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_demo_and_the_hotline_example_load_their_acd() {
    for dir in ["config/demo", "config/examples/hotline-hours"] {
        let config = Config::load(&repo().join(dir)).unwrap_or_else(|e| panic!("{dir}: {e}"));
        assert!(config.acd_queues_configured, "{dir}");
        let queues: Vec<&str> = config.acd.queues.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(queues, ["billing", "general", "agents"], "{dir}");
        assert_eq!(
            config.acd.queues[0].strategy,
            Strategy::SkillsBased,
            "{dir}"
        );
        assert_eq!(
            config.acd.queues[0].required_skills,
            [SkillRequirement::new("billing", 5)],
            "{dir}"
        );
        let agents: Vec<&str> = config.acd.agents.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(agents, ["201", "202", "203", "204"], "{dir}");
        assert_eq!(config.acd.agents[0].skills["billing"], 9, "{dir}");
        assert_eq!(config.agent_pins.len(), 4, "{dir}");
        assert_eq!(config.acd.vip_numbers, ["0209999"], "{dir}");
        box_config::acd::Acd::new(config.acd.clone(), 0).unwrap();
    }
}

#[test]
fn the_reference_shows_the_demo_acd_files_as_they_are() {
    let reference = std::fs::read_to_string(repo().join("config/REFERENCE.md")).unwrap();
    for file in ["config/demo/queues.toml", "config/demo/agents.toml"] {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        assert!(
            reference.contains(&format!("```toml\n{text}```")),
            "config/REFERENCE.md's worked example differs from {file}"
        );
    }
}

const ALERTS: &str = r#"
[alerts]
not_ready_limit_min = 15
not_ready_limits_min = { lunch = 60 }

[alerts.surge]
window_min = 5
baseline_min = 30
factor = 2.5
min_calls = 12
area_code_digits = 4
"#;

#[test]
fn alert_settings_load_into_the_monitors_configuration() {
    let queues = QUEUES.replace(
        "[queues.general]\n",
        "[queues.general]\nalert_waiting = 8\nalert_longest_wait_s = 90\nsurvey = true\ntransfer_number = \"601\"\n",
    ) + ALERTS;
    let dir = dir_with(Some(&queues), Some(AGENTS));
    let config = Config::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let alerts = &config.alerts;
    assert_eq!(
        alerts.queues.get("general"),
        Some(&box_config::alerts::QueueThresholds {
            waiting: Some(8),
            longest_wait_ms: Some(90_000)
        })
    );
    assert_eq!(
        alerts.queues.len(),
        1,
        "queues without thresholds are left out"
    );
    assert_eq!(alerts.not_ready_default_ms, Some(15 * 60_000));
    assert_eq!(
        alerts.not_ready_limits_ms.get("lunch"),
        Some(&(60 * 60_000))
    );
    assert_eq!(
        alerts.surge,
        Some(box_config::alerts::SurgeConfig {
            window_ms: 5 * 60_000,
            baseline_ms: 30 * 60_000,
            factor: 2.5,
            min_calls: 12,
            area_code_digits: 4
        })
    );
}

#[test]
fn bad_alert_settings_are_refused_at_their_place() {
    let queues = QUEUES.replace(
        "[queues.general]\n",
        "[queues.general]\nalert_waiting = 0\ntransfer_number = \"60x\"\n",
    ) + &ALERTS
        .replace("lunch = 60", "nap = 60")
        .replace("factor = 2.5", "factor = 0.5");
    let dir = dir_with(Some(&queues), Some(AGENTS));
    let found = errors(dir.path());
    let expect = |needle: &str, field: &str, reason: &str| {
        let line = line_of(&queues, needle);
        assert!(
            found
                .iter()
                .any(|e| e.contains(&format!("queues.toml:{line}:"))
                    && e.contains(field)
                    && e.contains(reason)),
            "{field}: {found:#?}"
        );
    };
    expect(
        "alert_waiting = 0",
        "queues.general.alert_waiting",
        "out of range",
    );
    expect(
        "nap = 60",
        "alerts.not_ready_limits_min.nap",
        "not a not-ready reason",
    );
    expect("factor = 0.5", "alerts.surge.factor", "out of range");
    expect(
        "transfer_number = \"60x\"",
        "queues.general.transfer_number",
        "not a transfer number",
    );
    assert_eq!(found.len(), 4, "{found:#?}");
}
