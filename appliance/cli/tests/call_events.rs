//! A call's events through `GET /api/calls/{id}/events`: a real call into the echo test
//! reads back from call_started to call_ended in seq order, from the bus while the box
//! runs and from the database after a restart (the event archive wrote them).

mod common;

use common::{echo_calls, http, json, start, step_until, wait_link_up};
use far_end::Rig;
use serde_json::Value;
use soft_hardware::{ClockMode, DeviceKind};

fn cdrs(running: &appliance::boot::RunningBox) -> Vec<Value> {
    json(running.web_address(), "GET", "/api/cdrs")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn kinds(events: &Value) -> Vec<String> {
    events["events"]
        .as_array()
        .unwrap_or_else(|| panic!("no events in {events}"))
        .iter()
        .map(|envelope| envelope["event"]["type"].as_str().unwrap_or("?").to_owned())
        .collect()
}

fn assert_in_seq_order(events: &Value) {
    let seqs: Vec<u64> = events["events"]
        .as_array()
        .unwrap_or_else(|| panic!("no events in {events}"))
        .iter()
        .map(|envelope| envelope["seq"].as_u64().expect("seq"))
        .collect();
    assert!(
        seqs.windows(2).all(|pair| pair[0] < pair[1]),
        "strictly increasing, no duplicates: {seqs:?}"
    );
}

/// A call from the carrier into the echo test, hung up after a while; its id.
fn one_echo_call(running: &appliance::boot::RunningBox) -> String {
    let devices = [("span1", DeviceKind::E1, 1)];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();
    wait_link_up(&mut rig, "span1");
    echo_calls(&mut rig, "span1", 1);
    rig.run_for(1000).unwrap();
    let now = rig.now_ms();
    rig.carrier_mut("span1")
        .unwrap()
        .hang_up(now, 1, 16)
        .unwrap();
    assert!(
        step_until(&mut rig, 3000, |_| !cdrs(running).is_empty()),
        "a CDR is written"
    );
    let id = cdrs(running)[0]["id"]
        .as_str()
        .expect("the CDR's id")
        .to_owned();
    id
}

#[test]
fn a_calls_events_read_back_in_order_while_running_and_after_a_restart() {
    let work = tempfile::tempdir().unwrap();
    let mut running = start(work.path(), "pri");
    let call = one_echo_call(&running);
    let path = format!("/api/calls/{call}/events");

    let live = json(running.web_address(), "GET", &path);
    assert_eq!(live["call"], call.as_str(), "{live}");
    let seen = kinds(&live);
    assert_eq!(
        seen.first().map(String::as_str),
        Some("call_started"),
        "{seen:?}"
    );
    assert!(seen.iter().any(|k| k == "leg_joined"), "{seen:?}");
    assert!(seen.iter().any(|k| k == "call_ended"), "{seen:?}");
    assert_in_seq_order(&live);
    for envelope in live["events"].as_array().unwrap() {
        assert_eq!(
            envelope["event"]["call"],
            call.as_str(),
            "only this call: {envelope}"
        );
        assert!(envelope["unix_ms"].as_u64().is_some(), "{envelope}");
        assert!(envelope["at_ms"].as_u64().is_some(), "{envelope}");
    }
    let (status, body) = http(running.web_address(), "GET", "/api/calls/c0-0/events");
    assert!(status.contains("404"), "{status}: {body}");
    let error: Value = serde_json::from_str(&body).expect("a JSON error");
    assert!(
        error["error"].as_str().is_some_and(|e| e.contains("c0-0")),
        "{error}"
    );
    running.stop();
    drop(running);

    // A new start numbers the bus from 1 again and holds none of this call's events: what
    // reads back now is what the archive stored.
    let restarted = start(work.path(), "pri");
    let stored = json(restarted.web_address(), "GET", &path);
    let ended_at = seen
        .iter()
        .position(|k| k == "call_ended")
        .expect("call_ended");
    assert_eq!(
        kinds(&stored)[..=ended_at],
        seen[..=ended_at],
        "stored as it was live: {stored}"
    );
    assert_in_seq_order(&stored);
    assert_eq!(stored["events"][0], live["events"][0], "the same envelope");
}
