//! RESTART from the far end returns B-channels to the idle condition and clears any call on
//! them with its CDR (Q.931 §5.5.2), one channel at a time or the whole interface, whatever
//! the box believed about them before.

mod common;

use common::{dial, json, start, step_until, wait_link_up};
use far_end::{CallDirection, CallStage, Rig};
use soft_hardware::{ClockMode, DeviceKind};

fn busy(running: &appliance::boot::RunningBox) -> serde_json::Value {
    json(running.web_address(), "GET", "/api/status")["spans"][0]["b_channels_busy"].clone()
}

/// Extension 201 calls out; the carrier answers; 201 hangs up, so the box clears.
fn call_out_and_clear_from_the_box(rig: &mut Rig) -> u8 {
    dial(rig, "fxs2", "90201234#");
    let offered = |r: &Rig| {
        r.carrier("span1")
            .unwrap()
            .calls()
            .iter()
            .any(|c| c.direction == CallDirection::FromBox && c.stage == CallStage::Offered)
    };
    assert!(step_until(rig, 5000, offered), "{}", rig.state_summary());
    let now = rig.now_ms();
    let number = rig.carrier_mut("span1").unwrap().answer_next(now).unwrap();
    rig.run_for(300).unwrap();
    let now = rig.now_ms();
    rig.phone_mut("fxs2").unwrap().hang_up(now);
    let cleared = |r: &Rig| r.carrier("span1").unwrap().call(number).unwrap().cleared;
    assert!(step_until(rig, 3000, cleared), "{}", rig.state_summary());
    rig.run_for(1000).unwrap(); // the phone's hook-on clear time
    rig.carrier("span1")
        .unwrap()
        .call(number)
        .unwrap()
        .channel
        .unwrap()
}

#[test]
fn restart_idles_channels_and_clears_their_calls_with_cdrs() {
    let work = tempfile::tempdir().unwrap();
    let mut running = start(work.path(), "pri");
    let devices = [("span1", DeviceKind::E1, 1), ("fxs2", DeviceKind::Fxs, 2)];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();
    wait_link_up(&mut rig, "span1");

    // Channels the box cleared itself, then restarted one by one by the carrier.
    let mut used = Vec::new();
    for _ in 0..4 {
        used.push(call_out_and_clear_from_the_box(&mut rig));
    }
    for &channel in &used {
        let now = rig.now_ms();
        rig.carrier_mut("span1")
            .unwrap()
            .restart(now, Some(channel))
            .unwrap();
        rig.run_for(300).unwrap(); // RESTART ACKNOWLEDGE
    }
    assert_eq!(busy(&running), 0, "restarted channels are idle");

    // Calls up on two channels when the whole interface is restarted.
    let now = rig.now_ms();
    rig.carrier_mut("span1")
        .unwrap()
        .place_calls(now, 2, Some("0201234"), "100")
        .unwrap();
    assert!(
        step_until(&mut rig, 3000, |r| r
            .carrier("span1")
            .unwrap()
            .live_calls()
            .filter(|c| c.is_answered())
            .count()
            == 2),
        "both answered: {}",
        rig.state_summary()
    );
    rig.run_for(2000).unwrap();
    assert_eq!(busy(&running), 2);
    let now = rig.now_ms();
    rig.carrier_mut("span1")
        .unwrap()
        .restart(now, None)
        .unwrap();
    rig.run_for(500).unwrap();
    assert_eq!(busy(&running), 0, "the whole interface is idle");
    let cdrs = json(running.web_address(), "GET", "/api/cdrs");
    let restarted: Vec<_> = cdrs
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["caller"] == "0201234")
        .collect();
    assert_eq!(restarted.len(), 2, "{cdrs:#}");
    for cdr in restarted {
        assert_eq!(cdr["cause"], 41, "{cdr}");
        assert_eq!(cdr["disposition"], "answered", "{cdr}");
    }

    // The span works on: a new call out is offered.
    call_out_and_clear_from_the_box(&mut rig);
    assert_eq!(busy(&running), 0);
    running.stop();
}
