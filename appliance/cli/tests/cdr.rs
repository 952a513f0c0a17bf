//! What the box writes in a CDR, end to end: dispositions follow the Q.850 cause wherever
//! it came from, both answer times are kept and ring time is only a destination's ringing,
//! and an outbound call names the number dialled and the number sent the same way whether
//! it got out or not.

mod common;

use common::{dial, echo_calls, json, start, step_until, wait_link_up};
use far_end::{CallDirection, CallStage, Rig};
use soft_hardware::{ClockMode, DeviceKind};

fn cdrs(running: &appliance::boot::RunningBox) -> Vec<serde_json::Value> {
    json(running.web_address(), "GET", "/api/cdrs")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn a_busy_carrier_is_a_busy_call_with_both_numbers() {
    let work = tempfile::tempdir().unwrap();
    let mut running = start(work.path(), "pri");
    let devices = [("span1", DeviceKind::E1, 1), ("fxs2", DeviceKind::Fxs, 2)];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();
    wait_link_up(&mut rig, "span1");
    dial(&mut rig, "fxs2", "90201234");
    let offered = step_until(&mut rig, 10_000, |r| {
        r.carrier("span1")
            .unwrap()
            .calls()
            .iter()
            .any(|c| c.direction == CallDirection::FromBox && c.stage == CallStage::Offered)
    });
    assert!(offered, "the box's SETUP: {}", rig.state_summary());
    let now = rig.now_ms();
    rig.carrier_mut("span1")
        .unwrap()
        .hang_up(now, 1, 17)
        .unwrap();
    assert!(
        step_until(&mut rig, 3000, |_| !cdrs(&running).is_empty()),
        "a CDR is written"
    );
    let cdr = &cdrs(&running)[0];
    assert_eq!(cdr["disposition"], "busy", "{cdr}");
    assert_eq!(cdr["cause"], 17, "{cdr}");
    assert_eq!(cdr["callee"], "0201234", "the number sent: {cdr}");
    assert_eq!(cdr["dialled"], "90201234", "the number keyed: {cdr}");
    assert_eq!(cdr["talk_ms"], 0, "{cdr}");
    running.stop();
}

#[test]
fn an_outbound_call_with_no_circuit_names_its_numbers_as_an_answered_one_does() {
    let work = tempfile::tempdir().unwrap();
    let mut running = start(work.path(), "pri");
    // No carrier on the span: its D-channel never comes up, so no B-channel is free.
    let devices = [("fxs2", DeviceKind::Fxs, 2)];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();
    rig.run_for(500).unwrap();
    dial(&mut rig, "fxs2", "977700029");
    assert!(
        step_until(&mut rig, 15_000, |_| !cdrs(&running).is_empty()),
        "a CDR is written"
    );
    let cdr = &cdrs(&running)[0];
    assert_eq!(cdr["disposition"], "failed", "{cdr}");
    assert_eq!(cdr["cause"], 34, "{cdr}");
    assert_eq!(
        cdr["callee"], "77700029",
        "prefix stripped as when answered: {cdr}"
    );
    assert_eq!(cdr["dialled"], "977700029", "{cdr}");
    running.stop();
}

#[test]
fn the_echo_test_keeps_the_line_answer_and_the_destination_answer_apart() {
    let work = tempfile::tempdir().unwrap();
    let mut running = start(work.path(), "pri");
    let devices = [("span1", DeviceKind::E1, 1)];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();
    wait_link_up(&mut rig, "span1");
    echo_calls(&mut rig, "span1", 2);
    // Call 1 hangs up during the greeting, call 2 talks to the echo test.
    rig.run_for(300).unwrap();
    let now = rig.now_ms();
    rig.carrier_mut("span1")
        .unwrap()
        .hang_up(now, 1, 16)
        .unwrap();
    rig.run_for(3000).unwrap();
    let now = rig.now_ms();
    rig.carrier_mut("span1")
        .unwrap()
        .hang_up(now, 2, 16)
        .unwrap();
    assert!(
        step_until(&mut rig, 3000, |_| cdrs(&running).len() == 2),
        "two CDRs: {:?}",
        cdrs(&running)
    );
    let all = cdrs(&running);
    let ms = |cdr: &serde_json::Value, field: &str| cdr[field].as_i64();
    for cdr in &all {
        let start = ms(cdr, "start_unix_ms").unwrap();
        let line = ms(cdr, "line_answer_unix_ms").expect("the line was answered");
        assert!(
            (0..=100).contains(&(line - start)),
            "CONNECT goes at once, not after the greeting: {cdr}"
        );
        assert_eq!(cdr["ring_ms"], 0, "nothing rang: {cdr}");
    }
    let during_greeting = all.iter().find(|c| c["disposition"] == "abandoned");
    let during_greeting = during_greeting.expect("call 1 abandoned during the greeting");
    assert_eq!(during_greeting["answer_unix_ms"], serde_json::Value::Null);
    assert_eq!(during_greeting["talk_ms"], 0);
    let echo = all
        .iter()
        .find(|c| c["disposition"] == "answered")
        .expect("call 2 answered by the echo test");
    let start = ms(echo, "start_unix_ms").unwrap();
    let answer = ms(echo, "answer_unix_ms").expect("the echo test answered");
    let end = ms(echo, "end_unix_ms").unwrap();
    assert!(
        answer - start >= 500,
        "the echo test answers after the greeting: {echo}"
    );
    assert_eq!(ms(echo, "talk_ms"), Some(end - answer), "{echo}");
    running.stop();
}
