//! Live calls and supervisor actions by API on a running box (issue #11), lock-step with
//! the HIL rig: a carrier call keys 2 into the ACD queue, agent 201 answers at phone 201;
//! `GET /api/calls` shows it (application, legs, queue, agent); `POST
//! /api/calls/{id}/supervise` refuses what it must (400, 404, 409, nothing changed) and
//! rings the supervisor's phone 203, which joins when answered, changes mode, and leaves
//! the call as it was when it hangs up.

mod common;

use far_end::{PlayItem, Rig};
use serde_json::Value;
use soft_hardware::{ClockMode, DeviceKind};
use std::path::Path;

/// 2026-12-07 10:00 +08:00: the flow's opening hours.
const BOX_TIME_UNIX_MS: u64 = 1_796_608_800_000;

fn start_acd(work: &Path) -> appliance::boot::RunningBox {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../hil-tests/configs/acd");
    let config = work.join("config");
    common::copy_dir(&source, &config);
    let mut options = appliance::boot::BoxOptions::new(config, work.join("data"));
    options.device_dir = Some(work.join("devices"));
    options.prompt_cache_dir = Some(common::shared_prompt_cache());
    options.provision_token = Some(common::TEST_TOKEN.into());
    options.epoch_unix_ms = Some(BOX_TIME_UNIX_MS);
    appliance::boot::start_box(options).expect("box starts")
}

fn calls(web: std::net::SocketAddr) -> Vec<Value> {
    common::json(web, "GET", "/api/calls")["calls"]
        .as_array()
        .cloned()
        .expect("a calls list")
}

fn supervise(web: std::net::SocketAddr, call: &str, body: &str) -> (String, Value) {
    let (status, body) = common::send(web, "POST", &format!("/api/calls/{call}/supervise"), body);
    let json = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{status}: {e}: {body}"));
    (status, json)
}

/// Steps the rig (200 ms at a time) until the only live call satisfies `done`.
fn until_call(
    rig: &mut Rig,
    web: std::net::SocketAddr,
    ms: u64,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let end = rig.now_ms() + ms;
    loop {
        let list = calls(web);
        if let [call] = list.as_slice() {
            if done(call) {
                return call.clone();
            }
        }
        assert!(rig.now_ms() < end, "not seen within {ms} ms: {list:?}");
        rig.run_for(200).expect("rig steps");
    }
}

fn legs(call: &Value) -> Vec<(String, String)> {
    call["legs"]
        .as_array()
        .expect("legs")
        .iter()
        .map(|l| {
            (
                l["role"].as_str().unwrap_or("?").to_owned(),
                l["state"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_supervisor_joins_an_agent_call_by_api_and_refusals_change_nothing() {
    let work = tempfile::tempdir().expect("temp dir");
    let running = start_acd(work.path());
    let web = running.web_address();
    let devices = [
        ("span1", DeviceKind::E1, 1),
        ("fxs2", DeviceKind::Fxs, 2),
        ("fxs3", DeviceKind::Fxs, 3),
        ("fxs4", DeviceKind::Fxs, 4),
    ];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();
    common::wait_link_up(&mut rig, "span1");
    let (status, body) = common::send(
        web,
        "POST",
        "/api/agents/201/state",
        r#"{"state":"login","device":"201"}"#,
    );
    assert!(status.contains("204"), "{status} {body}");
    common::send(web, "POST", "/api/agents/201/state", r#"{"state":"ready"}"#);
    assert_eq!(calls(web), Vec::<Value>::new(), "no call yet");
    let (status, error) = supervise(web, "c1-1", r#"{"mode":"listen","extension":"203"}"#);
    assert!(status.contains("404"), "{status} {error}");
    assert!(error["error"].as_str().unwrap().contains("c1-1"), "{error}");

    // A carrier call keys 2: it waits in the queue while 201's phone rings.
    let now = rig.now_ms();
    rig.carrier_mut("span1")
        .unwrap()
        .place_calls(now, 1, Some("5550123"), "95598")
        .unwrap();
    assert!(common::step_until(&mut rig, 5000, |r| r
        .carrier("span1")
        .is_some_and(|c| c.answered_count() == 1)));
    rig.run_for(1000).unwrap();
    rig.carrier_mut("span1")
        .unwrap()
        .mouth(1)
        .unwrap()
        .push(PlayItem::Dtmf("2".into()))
        .unwrap();
    assert!(common::step_until(&mut rig, 5000, |r| r
        .phone("fxs2")
        .is_some_and(|p| p.ringing())));
    let queued = until_call(&mut rig, web, 2000, |c| c["application"] == "queue");
    let id = queued["id"].as_str().unwrap().to_owned();
    assert_eq!(queued["from"], "5550123", "{queued}");
    assert_eq!(queued["dialled"], "95598", "{queued}");
    assert_eq!(queued["queue"], "agents", "{queued}");
    assert_eq!(queued["answered_unix_ms"], Value::Null, "{queued}");
    let (status, error) = supervise(web, &id, r#"{"mode":"listen","extension":"203"}"#);
    assert!(
        status.contains("409"),
        "a call in the queue: {status} {error}"
    );
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("not an agent call"),
        "{error}"
    );

    // 201 answers: an agent call, caller and agent up.
    let now = rig.now_ms();
    rig.phone_mut("fxs2").unwrap().go_off_hook(now);
    let answered = until_call(&mut rig, web, 3000, |c| c["application"] == "agent-call");
    assert_eq!(answered["agent"], "201", "{answered}");
    assert_eq!(answered["queue"], "agents", "{answered}");
    assert!(answered["answered_unix_ms"].as_u64().unwrap() > BOX_TIME_UNIX_MS);
    assert_eq!(
        legs(&answered),
        [
            ("origin".into(), "up".into()),
            ("destination".into(), "up".into())
        ]
    );
    assert_eq!(answered["legs"][1]["channel"], "2/1", "{answered}");
    assert_eq!(answered["supervisor"], Value::Null);

    // Refusals: malformed, an unknown mode, not a phone, the agent's own phone, a busy
    // phone. None changes the call.
    for (body, code, says) in [
        ("not json", "400", "expected"),
        (
            r#"{"mode":"shout","extension":"203"}"#,
            "400",
            "unknown mode",
        ),
        (r#"{"mode":"listen"}"#, "400", "extension"),
        (
            r#"{"mode":"listen","extension":"299"}"#,
            "400",
            "not an extension",
        ),
        (
            r#"{"mode":"listen","extension":"201"}"#,
            "409",
            "party to the call",
        ),
    ] {
        let (status, error) = supervise(web, &id, body);
        assert!(status.contains(code), "{body}: {status} {error}");
        assert!(
            error["error"].as_str().unwrap().contains(says),
            "{body}: {error}"
        );
    }
    let now = rig.now_ms();
    rig.phone_mut("fxs3").unwrap().go_off_hook(now);
    rig.run_for(500).unwrap();
    let (status, error) = supervise(web, &id, r#"{"mode":"listen","extension":"202"}"#);
    assert!(status.contains("409"), "{status} {error}");
    assert!(error["error"].as_str().unwrap().contains("busy"), "{error}");
    let now = rig.now_ms();
    rig.phone_mut("fxs3").unwrap().hang_up(now);
    rig.run_for(1000).unwrap();
    assert_eq!(calls(web)[0]["supervisor"], Value::Null, "nothing changed");
    assert_eq!(calls(web)[0]["legs"].as_array().unwrap().len(), 2);

    // 203 listens: its phone rings, shows the caller, and joins when answered.
    let (status, accepted) = supervise(web, &id, r#"{"mode":"listen","extension":"203"}"#);
    assert!(status.contains("202"), "{status} {accepted}");
    assert_eq!(accepted["mode"], "listen");
    assert!(common::step_until(&mut rig, 3000, |r| r
        .phone("fxs4")
        .is_some_and(|p| p.ringing())));
    let ringing = until_call(&mut rig, web, 1000, |c| {
        c["supervisor"]["stage"] == "ringing"
    });
    assert_eq!(ringing["supervisor"]["extension"], "203", "{ringing}");
    assert_eq!(ringing["supervisor"]["mode"], "listen", "{ringing}");
    assert_eq!(
        legs(&ringing)[2],
        ("supervisor".into(), "alerting".into()),
        "{ringing}"
    );
    // One supervisor at a time.
    let (status, error) = supervise(web, &id, r#"{"mode":"barge","extension":"202"}"#);
    assert!(status.contains("409"), "{status} {error}");
    assert!(error["error"].as_str().unwrap().contains("203"), "{error}");
    let now = rig.now_ms();
    rig.phone_mut("fxs4").unwrap().go_off_hook(now);
    let up = until_call(&mut rig, web, 2000, |c| c["supervisor"]["stage"] == "up");
    assert_eq!(legs(&up)[2], ("supervisor".into(), "up".into()), "{up}");
    assert_eq!(up["agent"], "201", "the call is still the agent's: {up}");

    // A new mode from the same phone.
    let (status, accepted) = supervise(web, &id, r#"{"mode":"whisper","extension":"203"}"#);
    assert!(status.contains("202"), "{status} {accepted}");
    let whisper = until_call(&mut rig, web, 1000, |c| {
        c["supervisor"]["mode"] == "whisper"
    });
    assert_eq!(whisper["legs"].as_array().unwrap().len(), 3, "{whisper}");

    // The supervisor hangs up: caller and agent talk on.
    let now = rig.now_ms();
    rig.phone_mut("fxs4").unwrap().hang_up(now);
    let after = until_call(&mut rig, web, 2000, |c| c["supervisor"].is_null());
    assert_eq!(after["application"], "agent-call", "{after}");
    assert_eq!(
        legs(&after),
        [
            ("origin".into(), "up".into()),
            ("destination".into(), "up".into())
        ]
    );

    // The agent hangs up: no live call.
    let now = rig.now_ms();
    rig.phone_mut("fxs2").unwrap().hang_up(now);
    assert!(common::step_until(&mut rig, 3000, |_| calls(web).is_empty()));
    let (status, error) = supervise(web, &id, r#"{"mode":"listen","extension":"203"}"#);
    assert!(status.contains("404"), "{status} {error}");
}
