//! What the engine publishes for the status page: each soft device's counters, engine
//! time; and what it does about far ends that never say HELLO, and D-channel bits around
//! a line alarm.

mod common;

use common::Harness;
use dsp::tone_plan::{TonePlan, TonePlanName};
use isdn::hdlc::HdlcTx;
use media_engine::testing::ManualEngine;
use media_engine::{DeviceSpec, EngineEvent, EngineSetup, PromptStore, WorkGauge};
use soft_hardware::codec::{FrameDecoder, Message};
use soft_hardware::{ClockMode, DeviceKind, ErrorCode, FarEnd, LineConditions};
use std::io::Read;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

const SPAN: usize = 3; // common::DEVICES[3], E1 span 4

#[test]
fn every_devices_counters_and_engine_time_are_published() {
    let mut rig = Harness::new(PromptStore::default());
    for _ in 0..5 {
        rig.step();
    }
    let stats = rig.engine.stats();
    assert_eq!(stats.engine_time_ms, 100, "five ticks: {stats:?}");
    assert_eq!(
        stats.devices.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    for device in &stats.devices {
        let c = device.counters;
        assert!(device.connected, "{device:?}");
        assert_eq!(
            (
                c.blocks_rx,
                c.blocks_tx,
                c.connects,
                c.underruns,
                c.overruns
            ),
            (5, 5, 1, 0, 0),
            "{device:?}"
        );
    }

    // Now the far ends neither send nor read: every tick is an underrun everywhere, and
    // the span's 5 KiB blocks soon fill its socket: those are dropped, and counted.
    for _ in 0..200 {
        rig.engine.tick();
    }
    let stats = rig.engine.stats();
    assert_eq!(stats.engine_time_ms, 4100);
    for device in &stats.devices {
        assert_eq!(device.counters.underruns, 200, "{device:?}");
    }
    let span = stats.devices[SPAN].counters;
    assert!(span.tx_dropped > 0, "{span:?}");
    assert_eq!(span.blocks_tx + span.tx_dropped, 205, "{span:?}");
    let sum = |f: fn(&media_engine::DeviceCounts) -> u64| -> u64 {
        stats.devices.iter().map(|d| f(&d.counters)).sum()
    };
    assert_eq!(stats.frames_underrun, sum(|c| c.underruns));
    assert_eq!(stats.frames_underrun, 800);
    assert_eq!(stats.frames_tx_dropped, sum(|c| c.tx_dropped));
    assert_eq!(stats.frames_overrun, 0);
}

#[test]
fn a_far_end_silent_past_the_hello_timeout_is_dropped_and_the_next_one_served() {
    let dir = tempfile::tempdir().unwrap();
    let devices = [DeviceSpec {
        id: 7,
        kind: DeviceKind::Fxs,
    }];
    let mut engine = ManualEngine::new(EngineSetup {
        devices: &devices,
        device_dir: dir.path(),
        clock: ClockMode::LockStep,
        plan: TonePlan::new(TonePlanName::Etsi),
        prompts: PromptStore::default(),
        gauge: WorkGauge::new(),
    })
    .unwrap();
    engine.set_hello_timeout(Duration::from_millis(300));
    let path = soft_hardware::socket_path(dir.path(), DeviceKind::Fxs, 7);
    let connected_at = Instant::now();
    let mut silent = UnixStream::connect(&path).unwrap();
    silent.set_nonblocking(true).unwrap();

    // Engine time stands still (no tick, nobody in lock-step): the limit is wall time.
    let mut said = Vec::new();
    let deadline = connected_at + Duration::from_secs(5);
    let closed = loop {
        assert!(Instant::now() < deadline, "silent far end never dropped");
        engine.pump();
        let mut buf = [0u8; 256];
        match silent.read(&mut buf) {
            Ok(0) => break connected_at.elapsed(),
            Ok(n) => said.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("reading from the box: {e}"),
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(
        (Duration::from_millis(300)..Duration::from_secs(2)).contains(&closed),
        "dropped after {closed:?}"
    );
    let mut input = &said[..];
    match FrameDecoder::new().decode(&mut input) {
        Ok(Some(Message::Error { code, .. })) => assert_eq!(code, ErrorCode::HelloTimeout),
        other => panic!("expected ERROR 5, got {other:?}"),
    }
    assert_eq!(engine.stats().devices[0].counters.hello_timeouts, 1);

    let connecting =
        std::thread::spawn(move || FarEnd::connect(&path, None, None, Duration::from_secs(5)));
    while !connecting.is_finished() {
        engine.pump();
        std::thread::sleep(Duration::from_millis(1));
    }
    let (_far, hello) = connecting
        .join()
        .unwrap()
        .expect("the next far end is served");
    assert_eq!(hello.device_id, 7);
    let device = &engine.stats().devices[0];
    assert!(device.connected);
    assert_eq!(
        (device.counters.connects, device.counters.hello_timeouts),
        (1, 1)
    );
}

#[test]
fn d_channel_bits_from_before_an_alarm_do_not_run_into_those_after_it() {
    let mut rig = Harness::new(PromptStore::default());
    let mut long = isdn::hdlc::Frame::new();
    while long.push(0x55).is_ok() {}
    let mut far_tx = HdlcTx::new();
    far_tx.push_frame(&long).unwrap();
    far_tx.fill(&mut rig.outgoing[SPAN].channels[16].audio);
    rig.step();

    // The far end's upstream fails mid-frame: AIS, all ones, for a while.
    rig.outgoing[SPAN].conditions = LineConditions::AIS;
    for record in rig.outgoing[SPAN].channels.iter_mut() {
        record.audio = [0xFF; 160];
    }
    for _ in 0..3 {
        rig.step();
    }
    // It recovers with a fresh transmitter: flags, then one frame.
    rig.outgoing[SPAN].conditions = LineConditions::NONE;
    let mut far_tx = HdlcTx::new();
    far_tx.push_frame(&[0x00, 0x01, 0x7f]).unwrap();
    for _ in 0..2 {
        far_tx.fill(&mut rig.outgoing[SPAN].channels[16].audio);
        rig.step();
    }
    let frames: Vec<Vec<u8>> = rig
        .engine
        .drain_events()
        .into_iter()
        .filter_map(|e| match e {
            EngineEvent::DChannelFrame {
                device: 4, frame, ..
            } => Some(frame.to_vec()),
            _ => None,
        })
        .collect();
    assert_eq!(frames, vec![vec![0x00, 0x01, 0x7f]]);
    let stats = rig.engine.stats();
    assert_eq!(stats.dchannel_errors, 0, "{stats:?}");
}
