//! The agent desktop's data on a whole box, lock-step with the HIL rig on the `acd`
//! configuration: a caller keys an account number in the IVR and is offered to agent
//! 201, whose screen pop shows the number, the IVR's path and variables; 201 saves a note
//! and a disposition code (another agent may not, an unknown code is refused); when the
//! same caller calls again, the screen pop and the caller's history show the earlier call
//! with its note and code; 201's own figures for today match the agent report.
mod common;

use far_end::Rig;
use serde_json::Value;
use soft_hardware::{ClockMode, DeviceKind};
use std::net::SocketAddr;

/// 2026-12-07T02:00:00Z.
const TEN_AM_UNIX_MS: u64 = 1_796_608_800_000;
const CALLER: &str = "0201234";

fn as_agent(agent: &str) -> String {
    format!("X-Acting-Agent: {agent}\r\n")
}

fn wrap_up(web: SocketAddr, call: &str, acting: &str, body: &str) -> (String, Value) {
    let (status, text) = common::send_with_headers(
        web,
        "PUT",
        &format!("/api/calls/{call}/wrap-up"),
        acting,
        body,
    );
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {status} {text}"));
    (status, value)
}

fn get_as(web: SocketAddr, path: &str, acting: &str) -> (String, Value) {
    let (status, text) = common::send_with_headers(web, "GET", path, acting, "");
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {status} {text}"));
    (status, value)
}

/// Steps the rig (200 ms at a time, `ms` at most) until `done` holds.
fn until(rig: &mut Rig, ms: u64, what: &str, mut done: impl FnMut() -> bool) {
    let end = rig.now_ms() + ms;
    while !done() {
        assert!(rig.now_ms() < end, "{what}: not within {ms} ms");
        rig.run_for(200).expect("rig steps");
    }
}

fn until_ringing(rig: &mut Rig, phone: &str) {
    assert!(
        common::step_until(rig, 10_000, |r| r.phone(phone).is_some_and(|p| p.ringing())),
        "{phone} rings: {}",
        rig.state_summary()
    );
}

#[test]
fn the_screen_pop_shows_the_ivr_and_the_callers_history_with_its_notes() {
    let work = tempfile::tempdir().expect("temp dir");
    let running = common::start_config_with(
        work.path(),
        "acd",
        &[("flows/acd-test.toml", common::ACCOUNT_FLOW)],
        TEN_AM_UNIX_MS,
    );
    let web = running.web_address();
    let devices = [
        ("span1", DeviceKind::E1, 1),
        ("fxs2", DeviceKind::Fxs, 2),
        ("fxs3", DeviceKind::Fxs, 3),
    ];
    let mut rig =
        Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).expect("rig connects");
    common::wait_link_up(&mut rig, "span1");

    let codes = common::json(web, "GET", "/api/dispositions");
    assert_eq!(
        codes["dispositions"],
        serde_json::json!([
            { "code": "resolved", "en": "Resolved", "zh": "已解决" },
            { "code": "complaint", "en": "Complaint", "zh": "投诉" },
        ])
    );
    common::agent_ready(web, "201", "201");
    let idle = common::json(web, "GET", "/api/agents/201/call");
    assert_eq!(
        idle,
        serde_json::json!({ "agent": "201", "call": null, "history": [], "last_call": null })
    );
    let (status, _) = common::http(web, "GET", "/api/agents/999/call");
    assert!(status.contains("404"), "{status}");

    // The caller keys 1, then the account number: the call queues and rings 201.
    common::hotline_call_answered(&mut rig, CALLER, 1);
    rig.run_for(1000).expect("rig steps");
    common::key(&mut rig, 1, "1");
    rig.run_for(4000).expect("rig steps");
    common::key(&mut rig, 1, "123456#");
    until_ringing(&mut rig, "fxs2");

    let pop = common::json(web, "GET", "/api/agents/201/call");
    let call = &pop["call"];
    let first = call["id"].as_str().expect("call id").to_owned();
    assert_eq!(call["state"], "offered", "{pop}");
    assert_eq!(call["caller"], CALLER, "{pop}");
    // The carrier's SETUP carries no display: no name.
    assert_eq!(call["caller_name"], Value::Null, "{pop}");
    assert_eq!(call["queue"], "agents", "{pop}");
    assert_eq!(call["language"], "en", "{pop}");
    assert_eq!(call["ivr_flow"], "acd-test", "{pop}");
    assert_eq!(
        call["ivr_path"],
        serde_json::json!(["main", "account", "queue"]),
        "{pop}"
    );
    assert_eq!(call["ivr_variables"]["account"], "123456", "{pop}");
    assert_eq!(call["ivr_variables"]["caller"], CALLER, "{pop}");
    assert_eq!(call["wrap_ups"], serde_json::json!([]), "{pop}");
    assert_eq!(pop["history"], serde_json::json!([]), "a first call: {pop}");
    // Agent 202 may not read 201's desk.
    let (status, _) = get_as(web, "/api/agents/201/call", &as_agent("202"));
    assert!(status.contains("403"), "{status}");

    // 201 answers: connected; the wait is from the queue entry to the answer.
    let now = rig.now_ms();
    rig.phone_mut("fxs2").expect("phone").go_off_hook(now);
    rig.run_for(1000).expect("rig steps");
    let pop = common::json(web, "GET", "/api/agents/201/call");
    let call = &pop["call"];
    assert_eq!(call["state"], "connected", "{pop}");
    assert_eq!(call["id"], first.as_str());
    let (queued, answered) = (
        call["queued_unix_ms"].as_u64().expect("queued"),
        call["answered_unix_ms"].as_u64().expect("answered"),
    );
    assert!(answered > queued, "{pop}");
    assert_eq!(call["waited_ms"].as_u64(), Some(answered - queued), "{pop}");

    // Another agent may not write on 201's call; an unknown code names the known ones; a
    // note over 4000 characters is refused. (The test's admin token acts for the agent
    // `X-Acting-Agent` names, with that agent's rights, as a CRM would.)
    let (status, body) = wrap_up(web, &first, &as_agent("202"), r#"{"note":"mine"}"#);
    assert!(status.contains("403"), "{status} {body}");
    assert_eq!(
        body["error"],
        format!("agent 202 did not take call {first}")
    );
    let (status, body) = wrap_up(
        web,
        &first,
        &as_agent("201"),
        r#"{"note":"x","disposition":"solved"}"#,
    );
    assert!(status.contains("422"), "{status} {body}");
    assert_eq!(
        body["error"],
        "no disposition \"solved\"; the configured codes: resolved, complaint"
    );
    let long = format!(r#"{{"note":"{}"}}"#, "a".repeat(4001));
    let (status, body) = wrap_up(web, &first, &as_agent("201"), &long);
    assert!(status.contains("422"), "{status} {body}");
    let (status, body) = wrap_up(web, "no-such-call", &as_agent("201"), r#"{"note":"x"}"#);
    assert!(status.contains("404"), "{status} {body}");

    // 201 saves a note and a code while on the call.
    let note = "Asked about the March bill; 账单已解释";
    let (status, saved) = wrap_up(
        web,
        &first,
        &as_agent("201"),
        &serde_json::json!({ "note": note, "disposition": "resolved" }).to_string(),
    );
    assert!(status.contains("200"), "{status} {saved}");
    assert_eq!(saved["author"], "201");
    assert_eq!(saved["note"], note);
    assert_eq!(saved["disposition"], "resolved");
    let pop = common::json(web, "GET", "/api/agents/201/call");
    assert_eq!(pop["call"]["wrap_ups"][0]["note"], note, "{pop}");

    // 201 hangs up; the call's CDR is the caller's history.
    rig.run_for(2000).expect("rig steps");
    let now = rig.now_ms();
    rig.phone_mut("fxs2").expect("phone").hang_up(now);
    let history_path = format!("/api/callers/{CALLER}/calls?limit=5");
    until(&mut rig, 10_000, "the CDR written", || {
        common::json(web, "GET", &history_path)["calls"]
            .as_array()
            .is_some_and(|calls| calls.len() == 1)
    });
    // The call over, 201 has none; the one they wrap up is their last.
    let pop = common::json(web, "GET", "/api/agents/201/call");
    assert_eq!(pop["call"], Value::Null, "{pop}");
    assert_eq!(pop["last_call"]["id"], first.as_str(), "{pop}");
    assert_eq!(pop["last_call"]["caller"], CALLER, "{pop}");
    assert_eq!(pop["last_call"]["wrap_ups"][0]["note"], note, "{pop}");
    // After the call: 202 still may not, the floor (the admin token itself) may.
    let (status, body) = wrap_up(web, &first, &as_agent("202"), r#"{"note":"mine"}"#);
    assert!(status.contains("403"), "{status} {body}");
    let (status, body) = wrap_up(
        web,
        &first,
        "",
        r#"{"note":"Checked with billing.","disposition":"complaint"}"#,
    );
    assert!(status.contains("200"), "{status} {body}");
    assert_eq!(body["author"], "token:provisioning");
    let (status, _) = common::http(web, "GET", "/api/callers/not-a-number/calls");
    assert!(status.contains("400"), "{status}");

    // The same caller again (2: the queue at once): the screen pop shows the first call.
    until(&mut rig, 10_000, "201 ready again", || {
        common::json(web, "GET", "/api/agents")["agents"]
            .as_array()
            .and_then(|agents| agents.iter().find(|a| a["id"] == "201"))
            .is_some_and(|a| a["state"]["state"] == "ready")
    });
    common::hotline_call_answered(&mut rig, CALLER, 2);
    rig.run_for(1000).expect("rig steps");
    common::key(&mut rig, 2, "2");
    until_ringing(&mut rig, "fxs2");
    let pop = common::json(web, "GET", "/api/agents/201/call");
    assert_ne!(pop["call"]["id"], first.as_str(), "{pop}");
    assert_eq!(
        pop["call"]["ivr_path"],
        serde_json::json!(["main", "queue"]),
        "{pop}"
    );
    let history = pop["history"].as_array().expect("history");
    assert_eq!(history.len(), 1, "{pop}");
    let earlier = &history[0];
    assert_eq!(earlier["id"], first.as_str());
    assert_eq!(earlier["disposition"], "answered");
    assert_eq!(earlier["queue"], "agents");
    assert_eq!(earlier["agent"], "201");
    assert_eq!(
        earlier["ivr_path"],
        serde_json::json!(["main", "account", "queue"])
    );
    assert_eq!(earlier["ivr_variables"]["account"], "123456");
    let wrap_ups = earlier["wrap_ups"].as_array().expect("wrap-ups");
    assert_eq!(wrap_ups.len(), 2, "{earlier}");
    assert_eq!(wrap_ups[0]["author"], "201");
    assert_eq!(wrap_ups[0]["note"], note);
    assert_eq!(wrap_ups[0]["disposition"], "resolved");
    assert_eq!(wrap_ups[0]["disposition_label"]["en"], "Resolved");
    assert_eq!(wrap_ups[0]["disposition_label"]["zh"], "已解决");
    assert_eq!(wrap_ups[1]["author"], "token:provisioning");
    assert_eq!(wrap_ups[1]["disposition"], "complaint");
    let listed = common::json(web, "GET", &history_path);
    assert_eq!(listed["calls"][0], *earlier, "{listed}");
    // From the off-hook (counted 40 ms late, after its debounce) to the hang-up (700 ms
    // late, once longer than a flash): 3 s of rig time.
    let talk_ms = earlier["talk_ms"].as_u64().expect("talk");
    assert!((3600..=3700).contains(&talk_ms), "{earlier}");

    // 201's own figures today: the first call answered, as the agent report has it.
    let report_path = "/api/reports/agents?from=2026-12-07&interval=1d&agent=201";
    let mut today = Value::Null;
    until(&mut rig, 10_000, "the first call in the statistics", || {
        today = common::json(web, "GET", "/api/agents/201/today");
        today["calls_answered"] == 1
    });
    let report = common::json(web, "GET", report_path);
    let row = &report["agents"][0];
    assert_eq!(today["talk_ms"], row["talk_ms"], "{today} {row}");
    assert_eq!(today["wrap_up_ms"], row["wrap_up_ms"], "{today} {row}");
    assert_eq!(
        today["in_wrap_up_ms"], row["state_ms"]["wrap-up"],
        "{today} {row}"
    );
    assert!(
        today["talk_ms"]
            .as_u64()
            .is_some_and(|t| t.abs_diff(talk_ms) <= 20),
        "{today} against the CDR's {talk_ms}"
    );
    let wrap = today["wrap_up_ms"].as_u64().expect("wrap-up");
    assert!((3000..=4000).contains(&wrap), "{today}");
    assert_eq!(
        today["handle_ms"].as_u64(),
        today["average_handle_time_ms"].as_u64(),
        "one call: {today}"
    );
    let (status, _) = get_as(web, "/api/agents/201/today", &as_agent("202"));
    assert!(status.contains("403"), "{status}");
    let (status, _) = common::http(web, "GET", "/api/agents/201/today?utc_offset_min=7");
    assert!(status.contains("400"), "{status}");
}
