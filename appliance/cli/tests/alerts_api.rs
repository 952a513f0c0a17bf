//! Floor alerts on a running box: an agent left not ready past the limit raises an alert
//! that `GET /api/alerts` lists, a supervisor acknowledges it once by its uid, and the
//! stored history has it. Refusals (unknown uid, twice, a bad body) change nothing.

mod common;

use far_end::Rig;
use soft_hardware::{ClockMode, DeviceKind};

const QUEUES: &str = r#"
not_ready_reasons = ["break", "lunch"]

[alerts]
not_ready_limit_min = 1
not_ready_limits_min = { lunch = 30 }

[queues.billing]
strategy = "longest-idle"
"#;

const AGENTS: &str = r#"
[[agent]]
id = "7001"
pin = "1234"
queues = ["billing"]

[[agent]]
id = "7002"
pin = "5678"
queues = ["billing"]
"#;

fn post(address: std::net::SocketAddr, path: &str, body: &str) -> String {
    common::send(address, "POST", path, body).0
}

#[test]
fn an_agent_not_ready_too_long_raises_an_alert_a_supervisor_acknowledges_once() {
    let work = tempfile::tempdir().expect("temp dir");
    let config = work.path().join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(config.join("queues.toml"), QUEUES).expect("queues.toml");
    std::fs::write(config.join("agents.toml"), AGENTS).expect("agents.toml");
    let running = common::start(work.path(), "basic");
    let web = running.web_address();
    let devices = [("fxs3", DeviceKind::Fxs, 3)];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();

    for (agent, device, reason) in [("7001", "201", "break"), ("7002", "202", "lunch")] {
        let login = format!(r#"{{"state": "login", "device": "{device}"}}"#);
        assert!(post(web, &format!("/api/agents/{agent}/state"), &login).contains("204"));
        let away = format!(r#"{{"state": "not-ready", "reason": "{reason}"}}"#);
        assert!(post(web, &format!("/api/agents/{agent}/state"), &away).contains("204"));
    }
    rig.run_for(50_000).expect("rig steps");
    let alerts = common::json(web, "GET", "/api/alerts");
    assert_eq!(
        alerts["alerts"].as_array().map(Vec::len),
        Some(0),
        "{alerts}"
    );

    // One minute of break: 7001's alert; 7002 is at lunch, which may last 30 minutes.
    let raised = common::step_until(&mut rig, 15_000, |_| {
        common::json(web, "GET", "/api/alerts")["alerts"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    });
    assert!(raised, "the alert is raised after a minute");
    let alerts = common::json(web, "GET", "/api/alerts");
    let list = alerts["alerts"].as_array().expect("alerts");
    assert_eq!(list.len(), 1, "{alerts}");
    let alert = &list[0];
    assert_eq!(alert["kind"], "not_ready_too_long", "{alert}");
    assert_eq!(alert["agent"], "7001", "{alert}");
    assert_eq!(alert["reason"], "break", "{alert}");
    assert_eq!(alert["active"], true, "{alert}");
    let uid = alert["uid"].as_str().expect("uid").to_owned();

    assert!(post(web, "/api/alerts/a1-99/acknowledge", r#"{"by": "sup"}"#).contains("404"));
    assert!(post(
        web,
        &format!("/api/alerts/{uid}/acknowledge"),
        r#"{"by": ""}"#
    )
    .contains("400"));
    assert!(post(web, &format!("/api/alerts/{uid}/acknowledge"), "not json").contains("400"));
    assert!(post(
        web,
        &format!("/api/alerts/{uid}/acknowledge"),
        r#"{"by": "Wang"}"#
    )
    .contains("204"));
    assert!(post(
        web,
        &format!("/api/alerts/{uid}/acknowledge"),
        r#"{"by": "Wang"}"#
    )
    .contains("409"));
    let alerts = common::json(web, "GET", "/api/alerts");
    assert_eq!(alerts["alerts"][0]["acknowledged_by"], "Wang", "{alerts}");

    // Back to ready: the alert clears; the stored history has it, acknowledged.
    assert!(post(web, "/api/agents/7001/state", r#"{"state": "ready"}"#).contains("204"));
    rig.run_for(1_000).expect("rig steps");
    let alerts = common::json(web, "GET", "/api/alerts");
    assert_eq!(alerts["alerts"][0]["active"], false, "{alerts}");
    let stored = common::step_until(&mut rig, 3_000, |_| {
        let history = common::json(web, "GET", "/api/alerts/history");
        history["alerts"][0]["cleared_unix_ms"].is_u64()
    });
    assert!(stored, "the cleared alert is stored");
    let history = common::json(web, "GET", "/api/alerts/history");
    assert_eq!(
        history["alerts"].as_array().map(Vec::len),
        Some(1),
        "{history}"
    );
    assert_eq!(history["alerts"][0]["uid"], uid.as_str(), "{history}");
    assert_eq!(history["alerts"][0]["acknowledged_by"], "Wang", "{history}");
}

#[test]
fn a_notice_goes_to_its_queues_agents_until_it_expires_or_is_withdrawn() {
    let work = tempfile::tempdir().expect("temp dir");
    let config = work.path().join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(config.join("queues.toml"), QUEUES).expect("queues.toml");
    std::fs::write(config.join("agents.toml"), AGENTS).expect("agents.toml");
    let running = common::start(work.path(), "basic");
    let web = running.web_address();
    let devices = [("fxs3", DeviceKind::Fxs, 3)];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();

    let (status, body) = common::send(
        web,
        "POST",
        "/api/notices",
        r#"{"text": "Billing system slow: take numbers, call back", "expires_in_s": 60, "queue": "billing", "by": "Wang"}"#,
    );
    assert!(status.contains("201"), "{status}: {body}");
    let billing: serde_json::Value = serde_json::from_str(&body).expect("json");
    let (status, body) = common::send(
        web,
        "POST",
        "/api/notices",
        r#"{"text": "Team meeting at 5", "expires_in_s": 5, "by": "Wang"}"#,
    );
    assert!(status.contains("201"), "{status}: {body}");
    for bad in [
        r#"{"text": " ", "expires_in_s": 5, "by": "Wang"}"#,
        r#"{"text": "x", "expires_in_s": 0, "by": "Wang"}"#,
        r#"{"text": "x", "by": "Wang"}"#,
    ] {
        let (status, body) = common::send(web, "POST", "/api/notices", bad);
        assert!(status.contains("400"), "{bad}: {status}: {body}");
    }
    let general = common::json(web, "GET", "/api/notices?queue=general");
    assert_eq!(
        general["notices"].as_array().map(Vec::len),
        Some(1),
        "{general}"
    );
    assert_eq!(general["notices"][0]["text"], "Team meeting at 5");
    let all = common::json(web, "GET", "/api/notices?queue=billing");
    assert_eq!(all["notices"].as_array().map(Vec::len), Some(2), "{all}");

    rig.run_for(6_000).expect("rig steps");
    let left = common::json(web, "GET", "/api/notices");
    assert_eq!(left["notices"].as_array().map(Vec::len), Some(1), "{left}");
    let id = billing["id"].as_u64().expect("id");
    let (status, _) = common::send(web, "DELETE", &format!("/api/notices/{id}"), "");
    assert!(status.contains("204"), "{status}");
    let (status, _) = common::send(web, "DELETE", &format!("/api/notices/{id}"), "");
    assert!(status.contains("404"), "{status}");
    let events = common::json(web, "GET", "/api/events?after=0&limit=1000");
    let changes: Vec<String> = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| &e["event"])
        .filter(|e| e["type"] == "notice")
        .map(|e| format!("{} {}", e["change"].as_str().unwrap_or(""), e["notice"]))
        .collect();
    assert_eq!(
        changes,
        ["posted 1", "posted 2", "expired 2", "withdrawn 1"],
        "{events}"
    );
}
