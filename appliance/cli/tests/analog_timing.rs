//! The analog timing WIRE-FORMAT.md promises a far end, measured in blocks on the wire
//! (lock-step, so exact): ring trip on an FXS port, how long a phone must stay on hook
//! for a hang-up, and how long an FXO line must lose battery to clear a call.

mod common;

use common::{start, step_until};
use far_end::{CidDelivery, Rig, TelcoState};
use soft_hardware::{ClockMode, DeviceKind};

/// Steps until `done`, at most `ms`; the rig time of the step whose box block made it
/// true (the step's `now`).
fn first_block_where(rig: &mut Rig, ms: u64, mut done: impl FnMut(&Rig) -> bool) -> u64 {
    let end = rig.now_ms() + ms;
    while rig.now_ms() < end {
        let now = rig.now_ms();
        rig.step().expect("rig steps");
        if done(rig) {
            return now;
        }
    }
    panic!("nothing within {ms} ms: {}", rig.state_summary());
}

/// A call from the telco line on trunk 1 to extension 201, answered by the phone.
fn answered_call(rig: &mut Rig) -> u64 {
    let now = rig.now_ms();
    rig.telco_mut("fxo1")
        .unwrap()
        .place_call(now, Some("5550123"), None, CidDelivery::None)
        .unwrap();
    assert!(
        step_until(rig, 15_000, |r| r.phone("fxs3").unwrap().ringing()),
        "extension 201 rings: {}",
        rig.state_summary()
    );
    // Off hook in the block sent at `lifted`, while the box is sending ringing voltage.
    let lifted = rig.now_ms();
    rig.phone_mut("fxs3").unwrap().go_off_hook(lifted);
    let tripped = first_block_where(rig, 1000, |r| !r.phone("fxs3").unwrap().ringing());
    assert!(
        step_until(rig, 3000, |r| r.telco("fxo1").unwrap().state()
            == TelcoState::Answered),
        "the trunk is answered: {}",
        rig.state_summary()
    );
    tripped - lifted
}

#[test]
fn ring_trip_and_hang_up_on_a_phone_take_the_documented_blocks() {
    let work = tempfile::tempdir().unwrap();
    let running = start(work.path(), "basic");
    let devices = [("fxo1", DeviceKind::Fxo, 1), ("fxs3", DeviceKind::Fxs, 3)];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();

    let ring_trip_ms = answered_call(&mut rig);
    assert_eq!(
        ring_trip_ms, 60,
        "ringing stops in the box's block 3 after the first off-hook block"
    );
    rig.run_for(1000).unwrap();

    // On hook: the port calls it a hang-up 700 ms after the first on-hook block, and
    // the call's other leg is released in the next block.
    let hung_up = rig.now_ms();
    rig.phone_mut("fxs3").unwrap().hang_up(hung_up);
    let cleared = first_block_where(&mut rig, 3000, |r| !r.telco("fxo1").unwrap().box_off_hook());
    assert_eq!(
        cleared - hung_up,
        720,
        "the box opens the trunk's loop in its block 36 after the first on-hook block"
    );
}

/// A call, then the phone on hook for `blocks` blocks and off hook again; whether the
/// call is still up 2 s later.
fn survives_break(blocks: u64) -> bool {
    let work = tempfile::tempdir().unwrap();
    let running = start(work.path(), "basic");
    let devices = [("fxo1", DeviceKind::Fxo, 1), ("fxs3", DeviceKind::Fxs, 3)];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();
    answered_call(&mut rig);
    rig.run_for(1000).unwrap();
    let now = rig.now_ms();
    rig.phone_mut("fxs3").unwrap().hang_up(now);
    rig.run_for(blocks * 20).unwrap();
    let now = rig.now_ms();
    rig.phone_mut("fxs3").unwrap().go_off_hook(now);
    rig.run_for(2000).unwrap();
    let up = rig.telco("fxo1").unwrap().box_off_hook();
    let calls = running.status().unwrap().calls.len();
    assert_eq!(calls, usize::from(up), "{}", rig.state_summary());
    up
}

#[test]
fn on_hook_for_33_blocks_is_a_flash_and_for_34_a_hang_up() {
    // The off-hook that ends a break is itself debounced (40 ms), so it must arrive
    // before 660 ms for the 700 ms hang-up limit not to fire first.
    assert!(survives_break(33), "a 660 ms break is a flash");
    assert!(!survives_break(34), "a 680 ms break is a hang-up");
}

#[test]
fn battery_removed_from_a_trunk_clears_the_call_after_350_ms() {
    let work = tempfile::tempdir().unwrap();
    let running = start(work.path(), "basic");
    let devices = [("fxo1", DeviceKind::Fxo, 1), ("fxs3", DeviceKind::Fxs, 3)];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();
    answered_call(&mut rig);
    rig.run_for(1000).unwrap();

    // The telco line drops battery (open-loop disconnect) from the block sent at `dropped`.
    let dropped = rig.now_ms();
    rig.telco_mut("fxo1").unwrap().hang_up(dropped);
    let on_hook = first_block_where(&mut rig, 3000, |r| !r.telco("fxo1").unwrap().box_off_hook());
    assert_eq!(
        on_hook - dropped,
        380,
        "the box goes on hook in its block 19 after the first block without battery"
    );
}
