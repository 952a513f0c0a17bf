//! What `/api/status` says about the soft devices and engine time, against what far ends
//! on real sockets did: overruns and the other per-device counters WIRE-FORMAT.md
//! promises, a far end that never sends HELLO, the engine's own clock.

mod common;

use common::{json, start, step_until};
use far_end::Rig;
use soft_hardware::codec;
use soft_hardware::{Block, ClockMode, DeviceKind, ErrorCode, FarEnd, SoftHwError};
use std::io::Read;
use std::net::SocketAddr;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(5);

/// `devices[]` entry of device `id`.
fn device(status: &serde_json::Value, id: u64) -> serde_json::Value {
    status["devices"]
        .as_array()
        .and_then(|devices| devices.iter().find(|d| d["id"] == id))
        .cloned()
        .unwrap_or_else(|| panic!("no device {id} in {status:#}"))
}

/// The status once `done` holds (the engine publishes its counters right after it sends
/// the block a far end waits for, so they can trail that block by a moment).
fn status_when(
    web: SocketAddr,
    mut done: impl FnMut(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + T;
    loop {
        let status = json(web, "GET", "/api/status");
        if done(&status) || Instant::now() > deadline {
            return status;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn eleven_blocks_at_once_show_as_seven_overruns_on_the_device_and_in_the_totals() {
    let work = tempfile::tempdir().unwrap();
    let running = start(work.path(), "basic");
    let web = running.web_address();
    let path = soft_hardware::socket_path(running.device_dir(), DeviceKind::Fxs, 3);
    let (mut far, _) =
        FarEnd::connect(&path, Some(DeviceKind::Fxs), Some(ClockMode::LockStep), T).unwrap();

    // One write, so the box reads all 11 at once: it keeps 4 and drops the 7 oldest.
    let mut burst = Vec::new();
    let mut frame = vec![0u8; codec::MAX_FRAME];
    for seq in 0..11 {
        let mut block = Block::idle(1);
        block.seq = seq;
        let n = codec::encode_block(&block, &mut frame).unwrap();
        burst.extend_from_slice(&frame[..n]);
    }
    far.send_raw(&burst).unwrap();
    let mut answer = Block::idle(1);
    for _ in 0..4 {
        far.recv_block(&mut answer, T).unwrap();
    }

    let status = status_when(web, |s| device(s, 3)["blocks_tx"] == 4);
    let fxs3 = device(&status, 3);
    assert_eq!(fxs3["kind"], "fxs", "{fxs3:#}");
    assert_eq!(fxs3["connected"], true, "{fxs3:#}");
    assert_eq!(fxs3["blocks_rx"], 11, "{fxs3:#}");
    assert_eq!(fxs3["overruns"], 7, "{fxs3:#}");
    assert_eq!(fxs3["blocks_tx"], 4, "{fxs3:#}");
    assert_eq!(fxs3["underruns"], 0, "{fxs3:#}");
    assert_eq!(fxs3["tx_dropped"], 0, "{fxs3:#}");
    assert_eq!(fxs3["connects"], 1, "{fxs3:#}");
    assert_eq!(fxs3["protocol_errors"], 0, "{fxs3:#}");
    assert_eq!(fxs3["hello_timeouts"], 0, "{fxs3:#}");
    let idle = device(&status, 1);
    assert_eq!(
        (idle["connected"].clone(), idle["blocks_rx"].clone()),
        (false.into(), 0.into()),
        "{idle:#}"
    );

    // The engine's totals are the sums over the devices.
    let engine = &status["media_engine"];
    let devices = status["devices"].as_array().unwrap();
    for (total, counter) in [
        ("frames_overrun", "overruns"),
        ("frames_underrun", "underruns"),
        ("frames_tx_dropped", "tx_dropped"),
    ] {
        let sum: u64 = devices.iter().map(|d| d[counter].as_u64().unwrap()).sum();
        assert_eq!(engine[total].as_u64(), Some(sum), "{total}: {status:#}");
    }
    assert_eq!(engine["frames_overrun"], 7);
}

#[test]
fn a_far_end_that_never_says_hello_is_dropped_and_the_port_is_free_again() {
    let work = tempfile::tempdir().unwrap();
    let running = start(work.path(), "basic");
    let path = soft_hardware::socket_path(running.device_dir(), DeviceKind::Fxs, 4);
    let connected_at = Instant::now();
    let mut silent = UnixStream::connect(&path).unwrap();

    // Meanwhile everyone else is told "busy", before they say anything.
    match FarEnd::connect(&path, Some(DeviceKind::Fxs), None, T) {
        Err(SoftHwError::Remote { code, .. }) => assert_eq!(code, ErrorCode::Busy),
        Err(e) => panic!("expected ERROR 3, got {e}"),
        Ok(_) => panic!("a second far end was accepted"),
    }

    // The box gives up on the silent one after 5 s: ERROR 5, then end of stream.
    silent
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let mut said = Vec::new();
    silent
        .read_to_end(&mut said)
        .expect("the box closes the silent connection");
    let waited = connected_at.elapsed();
    assert!(
        (Duration::from_millis(4900)..Duration::from_secs(8)).contains(&waited),
        "dropped after {waited:?}"
    );
    let mut decoder = codec::FrameDecoder::new();
    let mut input = &said[..];
    match decoder.decode(&mut input) {
        Ok(Some(codec::Message::Error { code, .. })) => assert_eq!(code.wire(), 5),
        other => panic!("expected an ERROR, got {other:?} from {said:?}"),
    }

    let (mut far, hello) =
        FarEnd::connect(&path, Some(DeviceKind::Fxs), None, T).expect("the port is free again");
    assert_eq!(hello.device_id, 4);
    far.send_block(&Block::idle(1)).unwrap();
    far.recv_block(&mut Block::idle(1), T).unwrap();
    let status = status_when(running.web_address(), |s| device(s, 4)["connects"] == 1);
    let fxs4 = device(&status, 4);
    assert_eq!(fxs4["hello_timeouts"], 1, "{fxs4:#}");
    assert_eq!(fxs4["connects"], 1, "{fxs4:#}");
}

#[test]
fn engine_time_is_the_engines_and_the_control_planes_lag_is_shown_beside_it() {
    let work = tempfile::tempdir().unwrap();
    let running = start(work.path(), "basic");
    let web = running.web_address();
    let mut rig = Rig::connect(
        running.device_dir(),
        &[("fxs3", DeviceKind::Fxs, 3)],
        ClockMode::LockStep,
    )
    .unwrap();
    // 62 ticks: past the control plane's one-second event, well short of the next.
    assert!(!step_until(&mut rig, 1240, |_| false));
    assert_eq!(rig.now_ms(), 1240);

    let status = json(web, "GET", "/api/status");
    assert_eq!(status["engine_time_ms"], 1240, "{status:#}");
    let control = status["control_plane_time_ms"]
        .as_u64()
        .unwrap_or_else(|| panic!("control_plane_time_ms: {status:#}"));
    assert!(
        (1000..1240).contains(&control),
        "the control plane has heard up to the 1 s event: {status:#}"
    );
    assert_eq!(
        status["control_plane_lag_ms"].as_u64(),
        Some(1240 - control),
        "{status:#}"
    );
    assert_eq!(status["media_engine"]["engine_time_ms"], 1240);
}
