//! The ACD's API on a running box: agents log in, go not ready with a reason and log
//! out by `POST /api/agents/{id}/state`; `GET /api/agents` and `/api/queues` show the
//! live state, every change is on the event bus, and a refused request changes nothing.

mod common;

const QUEUES: &str = r#"
not_ready_reasons = ["break", "lunch"]

[queues.billing]
strategy = "longest-idle"
skills = { billing = 5 }
"#;

const AGENTS: &str = r#"
[[agent]]
id = "7001"
name = "Li Na"
pin = "1234"
queues = ["billing"]
skills = { billing = 9 }

[[agent]]
id = "7002"
pin = "5678"
queues = ["billing"]
skills = { billing = 6 }
"#;

/// A POST with a JSON body; the status line and the body.
fn post(address: std::net::SocketAddr, path: &str, body: &str) -> (String, String) {
    common::send(address, "POST", path, body)
}

fn agent_state(agents: &serde_json::Value, id: &str) -> serde_json::Value {
    agents["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("agent {id} in {agents}"))
        .clone()
}

#[test]
fn agents_change_state_by_api_and_the_floor_shows_it_live() {
    let work = tempfile::tempdir().expect("temp dir");
    let config = work.path().join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(config.join("queues.toml"), QUEUES).expect("queues.toml");
    std::fs::write(config.join("agents.toml"), AGENTS).expect("agents.toml");
    let running = common::start(work.path(), "basic");
    let web = running.web_address();

    let agents = common::json(web, "GET", "/api/agents");
    assert_eq!(
        agents["agents"].as_array().map(Vec::len),
        Some(2),
        "{agents}"
    );
    let queues = common::json(web, "GET", "/api/queues");
    assert_eq!(queues["queues"][0]["name"], "billing", "{queues}");

    let (status, body) = post(
        web,
        "/api/agents/7001/state",
        r#"{"state":"login","device":"201"}"#,
    );
    assert!(status.contains("204"), "{status} {body}");
    let (status, body) = post(
        web,
        "/api/agents/7001/state",
        r#"{"state":"not-ready","reason":"lunch"}"#,
    );
    assert!(status.contains("204"), "{status} {body}");
    let li = agent_state(&common::json(web, "GET", "/api/agents"), "7001");
    assert!(
        li.to_string().contains("not-ready") && li.to_string().contains("lunch"),
        "{li}"
    );

    // Refusals: an unknown agent, a reason not configured, a body that is not a request.
    let (status, body) = post(web, "/api/agents/9999/state", r#"{"state":"ready"}"#);
    assert!(status.contains("404"), "{status} {body}");
    let (status, body) = post(
        web,
        "/api/agents/7002/state",
        r#"{"state":"login","device":"202"}"#,
    );
    assert!(status.contains("204"), "{status} {body}");
    let (status, body) = post(
        web,
        "/api/agents/7002/state",
        r#"{"state":"not-ready","reason":"nap"}"#,
    );
    assert!(status.contains("400"), "{status} {body}");
    let (status, body) = post(web, "/api/agents/7002/state", r#"{"state":"sleeping"}"#);
    assert!(
        status.contains("400") && body.contains("expected"),
        "{status} {body}"
    );
    let nadia = agent_state(&common::json(web, "GET", "/api/agents"), "7002");
    assert!(
        nadia.to_string().contains("\"ready\""),
        "refusals changed nothing: {nadia}"
    );

    let (status, body) = post(web, "/api/agents/7001/state", r#"{"state":"logout"}"#);
    assert!(status.contains("204"), "{status} {body}");

    let events = common::json(web, "GET", "/api/events?after=0&limit=1000");
    let changes: Vec<(String, String)> = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["event"]["type"] == "agent_state_changed")
        .map(|e| {
            (
                e["event"]["agent"].as_str().unwrap_or_default().to_owned(),
                e["event"]["to"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("7001", "ready"),
        ("7001", "not-ready"),
        ("7002", "ready"),
        ("7001", "logged-out"),
    ]
    .iter()
    .map(|(a, s)| (a.to_string(), s.to_string()))
    .collect();
    assert_eq!(changes, expected, "exactly these changes, in order");
}

#[test]
fn an_agent_whose_phone_is_unplugged_is_logged_out() {
    use far_end::Rig;
    use soft_hardware::{ClockMode, DeviceKind};
    let work = tempfile::tempdir().expect("temp dir");
    let config = work.path().join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(config.join("queues.toml"), QUEUES).expect("queues.toml");
    std::fs::write(config.join("agents.toml"), AGENTS).expect("agents.toml");
    // Real time: the box's own clock goes on once the phone's far end is gone.
    let running = common::start_edited(work.path(), "basic", |file, text| {
        if file == "system.toml" {
            text.replace("clock = \"lockstep\"", "clock = \"realtime\"")
        } else {
            text
        }
    });
    let web = running.web_address();
    let devices = [("fxs3", DeviceKind::Fxs, 3)];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::RealTime).unwrap();
    rig.run_for(500).expect("rig runs");
    let (status, body) = post(
        web,
        "/api/agents/7001/state",
        r#"{"state": "login", "device": "201"}"#,
    );
    assert!(status.contains("204"), "{status}: {body}");
    rig.run_for(500).expect("rig runs");
    let agents = common::json(web, "GET", "/api/agents");
    assert_eq!(agent_state(&agents, "7001")["state"]["state"], "ready");
    // The phone's far end goes away.
    drop(rig);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let agents = common::json(web, "GET", "/api/agents");
        let agent = agent_state(&agents, "7001");
        if agent["state"]["state"] == "logged-out" {
            assert!(agent["device"].is_null(), "{agent}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "agent still {agent} 5 s after the phone was unplugged"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let events = common::json(web, "GET", "/api/events?after=0&limit=1000");
    assert!(
        events.to_string().contains("\"unplugged\""),
        "the line's state is on the bus: {events}"
    );
}

#[test]
fn queue_memberships_and_skills_change_live_by_api() {
    let work = tempfile::tempdir().expect("temp dir");
    let config = work.path().join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(config.join("queues.toml"), QUEUES).expect("queues.toml");
    std::fs::write(config.join("agents.toml"), AGENTS).expect("agents.toml");
    let running = common::start(work.path(), "basic");
    let web = running.web_address();

    let (status, body) = common::send(web, "PUT", "/api/agents/7002/queues", r#"{"queues": []}"#);
    assert!(status.contains("204"), "{status}: {body}");
    let (status, body) = common::send(
        web,
        "PUT",
        "/api/agents/7002/queues",
        r#"{"queues": ["nope"]}"#,
    );
    assert!(
        status.contains("404") && body.contains("nope"),
        "{status}: {body}"
    );
    let (status, _) = common::send(web, "PUT", "/api/agents/7002/queues", r#"{"queue": []}"#);
    assert!(status.contains("400"), "{status}");
    let (status, body) = common::send(
        web,
        "PUT",
        "/api/agents/7002/skills/billing",
        r#"{"level": 11}"#,
    );
    assert!(status.contains("400"), "{status}: {body}");
    let (status, body) = common::send(
        web,
        "PUT",
        "/api/agents/7002/skills/english",
        r#"{"level": 8}"#,
    );
    assert!(status.contains("204"), "{status}: {body}");
    let (status, body) = common::send(
        web,
        "PUT",
        "/api/agents/7002/skills/billing",
        r#"{"level": null}"#,
    );
    assert!(status.contains("204"), "{status}: {body}");
    let (status, _) = common::send(
        web,
        "PUT",
        "/api/agents/7999/skills/billing",
        r#"{"level": 3}"#,
    );
    assert!(status.contains("404"), "{status}");

    let agents = common::json(web, "GET", "/api/agents");
    let agent = agent_state(&agents, "7002");
    assert_eq!(agent["queues"], serde_json::json!([]), "{agent}");
    assert_eq!(
        agent["skills"],
        serde_json::json!({ "english": 8 }),
        "{agent}"
    );
    // The other agent is untouched.
    let other = agent_state(&agents, "7001");
    assert_eq!(other["queues"], serde_json::json!(["billing"]), "{other}");
    assert_eq!(
        other["skills"],
        serde_json::json!({ "billing": 9 }),
        "{other}"
    );
}
