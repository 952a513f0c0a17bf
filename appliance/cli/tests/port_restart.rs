//! A port actor that panics is restarted with a fresh stack by the switchboard; the
//! other ports carry on, and the restarted port works like new once its phone re-hooks.

mod common;

use common::{start, step_until};
use far_end::{Rig, DEFAULT_MIN_SHARE};
use soft_hardware::{ClockMode, DeviceKind};

/// ETSI dial tone.
const DIAL_TONE_HZ: f32 = 425.0;

fn hears_dial_tone(rig: &Rig, phone: &str) -> bool {
    let meter = rig.phone(phone).expect("phone").ear().meter();
    meter.tone_run_ms(DIAL_TONE_HZ, -30.0, DEFAULT_MIN_SHARE, 300) >= 300
}

fn port<'a>(
    status: &'a call_control::status::BoxStatus,
    channel: &str,
) -> &'a call_control::status::PortView {
    status
        .ports
        .iter()
        .find(|p| p.channel == channel)
        .expect("port in status")
}

#[test]
fn a_panicking_port_is_restarted_fresh_and_the_others_carry_on() {
    let work = tempfile::tempdir().unwrap();
    // hil-tests/configs/basic has fault injection on and a lock-step clock.
    let mut running = start(work.path(), "basic");
    let devices = [
        ("fxs3", DeviceKind::Fxs, 3),
        ("fxs4", DeviceKind::Fxs, 4),
        ("fxs5", DeviceKind::Fxs, 5),
    ];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();
    rig.run_for(200).unwrap();

    // A call between two other ports is up while fxs3's actor fails.
    let now = rig.now_ms();
    rig.phone_mut("fxs4").unwrap().go_off_hook(now);
    assert!(
        step_until(&mut rig, 2000, |r| hears_dial_tone(r, "fxs4")),
        "fxs4 dial tone"
    );
    let now = rig.now_ms();
    rig.phone_mut("fxs4").unwrap().dial(now, "203").unwrap();
    assert!(
        step_until(&mut rig, 5000, |r| r.phone("fxs5").unwrap().ringing()),
        "fxs5 rings"
    );
    let now = rig.now_ms();
    rig.phone_mut("fxs5").unwrap().go_off_hook(now);
    rig.run_for(500).unwrap();

    let now = rig.now_ms();
    rig.phone_mut("fxs3").unwrap().go_off_hook(now);
    assert!(
        step_until(&mut rig, 2000, |r| hears_dial_tone(r, "fxs3")),
        "fxs3 dial tone"
    );
    let now = rig.now_ms();
    rig.phone_mut("fxs3")
        .unwrap()
        .dial(now, call_control::port::PORT_FAULT_DIGITS)
        .unwrap();
    let restarted = step_until(&mut rig, 3000, |_| {
        running
            .status()
            .is_ok_and(|s| port(&s, "3/1").restarts == 1)
    });
    assert!(
        restarted,
        "fxs3's actor restarted: {:?}",
        running.status().map(|s| port(&s, "3/1").clone())
    );
    rig.run_for(500).unwrap();
    let status = running.status().unwrap();
    assert_eq!(port(&status, "4/1").restarts, 0);
    assert_eq!(
        status.calls.len(),
        1,
        "the 202 -> 203 call is still up: {:?}",
        status.calls
    );
    let silent = rig
        .phone("fxs3")
        .unwrap()
        .ear()
        .meter()
        .silence_run_ms(-50.0, 400);
    assert!(silent >= 400, "the failed port's dial tone was stopped");

    // The fresh stack starts on hook: the phone hangs up, lifts again, and dials.
    let now = rig.now_ms();
    rig.phone_mut("fxs3").unwrap().hang_up(now);
    rig.run_for(1000).unwrap();
    let now = rig.now_ms();
    rig.phone_mut("fxs3").unwrap().go_off_hook(now);
    assert!(
        step_until(&mut rig, 2000, |r| hears_dial_tone(r, "fxs3")),
        "restarted fxs3 gives dial tone"
    );
    let now = rig.now_ms();
    rig.phone_mut("fxs4").unwrap().hang_up(now);
    rig.phone_mut("fxs5").unwrap().hang_up(now);
    rig.run_for(1000).unwrap();
    let now = rig.now_ms();
    rig.phone_mut("fxs3").unwrap().dial(now, "202").unwrap();
    assert!(
        step_until(&mut rig, 5000, |r| r.phone("fxs4").unwrap().ringing()),
        "restarted fxs3 can call 202"
    );
    running.stop();
}

/// A port that fails again and again is restarted with growing pauses, then left out of
/// service (visible in status) instead of being restarted forever; the others carry on.
#[test]
fn a_port_that_keeps_failing_is_put_out_of_service() {
    let work = tempfile::tempdir().unwrap();
    let mut running = start(work.path(), "basic");
    let devices = [("fxs3", DeviceKind::Fxs, 3), ("fxs4", DeviceKind::Fxs, 4)];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();
    rig.run_for(200).unwrap();
    let max = call_control::restart_policy::MAX_RESTARTS;
    for failure in 1..=max + 1 {
        // Wait for the fresh actor (a fresh stack starts on hook: lift only once it runs),
        // lift, wait for dial tone, dial the fault digits.
        let restarted = failure as u32 - 1;
        assert!(
            step_until(&mut rig, 8000, |_| running.status().is_ok_and(|s| port(
                &s, "3/1"
            )
            .restarts
                == restarted)),
            "restart {restarted} comes after its pause"
        );
        rig.run_for(100).unwrap();
        let now = rig.now_ms();
        rig.phone_mut("fxs3").unwrap().go_off_hook(now);
        assert!(
            step_until(&mut rig, 8000, |r| hears_dial_tone(r, "fxs3")),
            "fxs3 dial tone before failure {failure}: {:?}",
            running.status().map(|s| port(&s, "3/1").clone())
        );
        let now = rig.now_ms();
        rig.phone_mut("fxs3")
            .unwrap()
            .dial(now, call_control::port::PORT_FAULT_DIGITS)
            .unwrap();
        rig.run_for(1000).unwrap();
        let now = rig.now_ms();
        rig.phone_mut("fxs3").unwrap().hang_up(now);
        rig.run_for(1000).unwrap();
    }
    // Long past every backoff: no further restart.
    rig.run_for(10_000).unwrap();
    let status = running.status().unwrap();
    let failed = port(&status, "3/1");
    assert_eq!(failed.restarts as usize, max, "{failed:?}");
    assert_eq!(
        failed.line,
        Some(call_control::leg_pool::LineState::OutOfService),
        "{failed:?}"
    );
    assert_eq!(failed.state, "out_of_service");
    let now = rig.now_ms();
    rig.phone_mut("fxs3").unwrap().go_off_hook(now);
    rig.run_for(1000).unwrap();
    assert!(
        !hears_dial_tone(&rig, "fxs3"),
        "no actor serves fxs3 any more"
    );
    // The others carry on.
    let now = rig.now_ms();
    rig.phone_mut("fxs4").unwrap().go_off_hook(now);
    assert!(
        step_until(&mut rig, 2000, |r| hears_dial_tone(r, "fxs4")),
        "fxs4 still works"
    );
    running.stop();
}
