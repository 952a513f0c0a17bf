//! A span's far end goes away and a new one plugs in: the D-channel starts clean on the
//! new connection in both directions (no bits of the old connection's frames).

mod common;

use common::Harness;
use isdn::hdlc::{HdlcRx, HdlcTx};
use media_engine::{EngineCommand, EngineEvent, PromptStore};
use soft_hardware::{ClockMode, DeviceKind, FarEnd};
use std::time::Duration;

/// `common::DEVICES[3]`: E1 span 4, last in the harness so the analog far ends can step
/// on while it is unplugged.
const SPAN: usize = 3;
const SPAN_ID: u16 = 4;

/// The longest Q.921 frame: one of them takes about two blocks of timeslot 16.
fn long_frame(fill: u8) -> isdn::hdlc::Frame {
    let mut frame = isdn::hdlc::Frame::new();
    frame.extend_from_slice(&[0x02, 0x01, 0x00, 0x00]).unwrap();
    while frame.push(fill).is_ok() {}
    frame
}

/// Unplugs the span's far end and lets the engine notice (a tick on the other far ends).
fn unplug_span(rig: &mut Harness) {
    assert_eq!(rig.far.len(), SPAN + 1, "span far end plugged");
    drop(rig.far.remove(SPAN));
    let unplugged = (0..200).any(|_| {
        rig.step();
        rig.engine.drain_events().iter().any(|e| {
            matches!(
                e,
                EngineEvent::DeviceLink {
                    device: SPAN_ID,
                    connected: false,
                    ..
                }
            )
        })
    });
    assert!(unplugged, "engine saw the span's far end leave");
}

/// Plugs a new far end into the span (without ticking).
fn plug_span(rig: &mut Harness, dir: &std::path::Path) {
    let path = soft_hardware::socket_path(dir, DeviceKind::E1, SPAN_ID);
    let connecting = std::thread::spawn(move || {
        FarEnd::connect(
            &path,
            Some(DeviceKind::E1),
            Some(ClockMode::LockStep),
            Duration::from_secs(5),
        )
    });
    while !connecting.is_finished() {
        rig.engine.pump();
        std::thread::sleep(Duration::from_millis(1));
    }
    let (far, _) = connecting
        .join()
        .expect("connect thread")
        .expect("new far end connects");
    rig.far.push(far);
}

#[test]
fn a_new_span_connection_does_not_inherit_the_old_ones_half_frame() {
    let mut rig = Harness::new(PromptStore::default());
    let dir = rig.device_dir().to_owned();
    let mut far_tx = HdlcTx::new();
    far_tx.push_frame(&long_frame(0x55)).unwrap();
    // Half the frame reaches the box, then the cable is pulled.
    let mut ts16 = [0u8; 160];
    far_tx.fill(&mut ts16);
    rig.outgoing[SPAN].channels[16].audio = ts16;
    rig.step();
    unplug_span(&mut rig);

    // The new far end sends nothing but flags, then one good frame.
    plug_span(&mut rig, &dir);
    let mut far_tx = HdlcTx::new();
    for block in 0..4 {
        if block == 2 {
            far_tx.push_frame(&[0x00, 0x01, 0x7f]).unwrap(); // SABME
        }
        far_tx.fill(&mut ts16);
        rig.outgoing[SPAN].channels[16].audio = ts16;
        rig.step();
    }
    let frames: Vec<Vec<u8>> = rig
        .engine
        .drain_events()
        .into_iter()
        .filter_map(|e| match e {
            EngineEvent::DChannelFrame {
                device: SPAN_ID,
                frame,
                ..
            } => Some(frame.to_vec()),
            _ => None,
        })
        .collect();
    assert_eq!(frames, vec![vec![0x00, 0x01, 0x7f]]);
    let stats = rig.engine.stats();
    assert_eq!(
        stats.dchannel_errors, 0,
        "no bad frame was sent on either connection: {stats:?}"
    );
}

#[test]
fn a_new_span_connection_hears_no_frame_queued_for_the_old_one() {
    let mut rig = Harness::new(PromptStore::default());
    let dir = rig.device_dir().to_owned();
    // Four long frames take the box about eight blocks to send.
    for fill in 1..=4 {
        rig.engine
            .commands()
            .send(EngineCommand::SendDChannelFrame {
                device: SPAN_ID,
                frame: long_frame(fill),
            })
            .unwrap();
    }
    rig.step();
    unplug_span(&mut rig);
    plug_span(&mut rig, &dir);

    let mut far_rx = HdlcRx::new();
    let mut heard = Vec::new();
    for _ in 0..10 {
        rig.step();
        far_rx.process(&rig.incoming[SPAN].channels[16].audio);
        while let Some(frame) = far_rx.poll_frame() {
            heard.push(frame.map(|f| f.len()));
        }
    }
    assert_eq!(
        heard,
        vec![],
        "the new far end hears flags only, nothing of the old link's frames"
    );
}
