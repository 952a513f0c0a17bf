//! Disconnect supervision by ear: on an FXO line that signals nothing else, the far end's
//! busy tone after the caller hung up ends the call (the engine's call-progress receiver
//! runs on every analog trunk, the port's stack clears on its report).

mod common;

use common::{start_edited, step_until};
use far_end::{CidDelivery, PlayItem, Rig, TelcoState};
use soft_hardware::{ClockMode, DeviceKind};

#[test]
fn busy_tone_on_an_fxo_line_clears_the_call() {
    let work = tempfile::tempdir().unwrap();
    // Trunk 1 gives no battery drop on hang-up: only the busy tone can tell.
    let mut running = start_edited(work.path(), "basic", |file, text| {
        if file != "lines.toml" {
            return text;
        }
        let lines = text.replacen(
            "disconnect = { battery = true, polarity = false, busy_tone = false }",
            "disconnect = { battery = false, polarity = false, busy_tone = true }",
            1,
        );
        assert!(lines.contains("busy_tone = true"));
        lines
    });
    let devices = [("fxo1", DeviceKind::Fxo, 1), ("fxs3", DeviceKind::Fxs, 3)];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();

    let now = rig.now_ms();
    let line = rig.telco_mut("fxo1").unwrap();
    line.place_call(now, Some("5550123"), None, CidDelivery::EtsiFskBeforeRing)
        .unwrap();
    assert!(
        step_until(&mut rig, 15_000, |r| r.phone("fxs3").unwrap().ringing()),
        "extension 201 rings"
    );
    let now = rig.now_ms();
    rig.phone_mut("fxs3").unwrap().go_off_hook(now);
    rig.run_for(3_000).unwrap();
    assert_eq!(
        rig.telco("fxo1").unwrap().state(),
        TelcoState::Answered,
        "the call is up before the busy tone"
    );

    // The far end hangs up the way some exchanges do: battery stays, busy tone plays.
    let mouth = rig.telco_mut("fxo1").unwrap().mouth();
    for _ in 0..8 {
        mouth
            .push(PlayItem::Tone {
                freq_hz: 425,
                level_dbm0: -15.0,
                duration_ms: 500,
            })
            .unwrap();
        mouth.push(PlayItem::Silence { duration_ms: 500 }).unwrap();
    }
    let cleared = step_until(&mut rig, 8_000, |r| {
        r.telco("fxo1").unwrap().state() == TelcoState::Released
    });
    assert!(
        cleared,
        "the box went on hook on the busy cadence: {}",
        rig.state_summary()
    );
    rig.run_for(500).unwrap();
    let status = running.status().unwrap();
    assert!(
        status.calls.is_empty(),
        "the call is over: {:?}",
        status.calls
    );
    running.stop();
}
