//! A box killed with SIGKILL in the middle of a recorded call (issue #12): the file it
//! leaves misses at most the last second and plays; started again, the box closes it,
//! marks it `interrupted` in the index, and `opusinfo` accepts it.

mod common;

use far_end::{PlayItem, Rig};
use soft_hardware::{ClockMode, DeviceKind};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// 2026-12-07 10:00 +08:00: the flow's opening hours.
const BOX_TIME_UNIX_MS: u64 = 1_796_608_800_000;

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// The `acd` HIL configuration with its devices under `work` and the web on `port`, every
/// call on the trunk recorded.
fn config(work: &Path, port: u16) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../hil-tests/configs/acd");
    let config = work.join("config");
    common::copy_dir(&source, &config);
    let system = std::fs::read_to_string(config.join("system.toml")).expect("system.toml");
    let system = system
        .replace(
            "device_dir = \"run/devices\"",
            &format!(
                "device_dir = {:?}",
                work.join("devices").display().to_string()
            ),
        )
        .replace(
            "web_listen = \"127.0.0.1:0\"",
            &format!("web_listen = \"127.0.0.1:{port}\""),
        );
    std::fs::write(config.join("system.toml"), system).expect("system.toml");
    std::fs::write(
        config.join("recording.toml"),
        "[trunks.1]\nrecord = \"always\"\n",
    )
    .expect("recording.toml");
    config
}

fn start(config: &Path, data: &Path) -> Child {
    let token_file = data.with_file_name("provision-token");
    std::fs::write(&token_file, common::TEST_TOKEN).expect("token file");
    Command::new(env!("CARGO_BIN_EXE_appliance"))
        .args(["run", "--config"])
        .arg(config)
        .arg("--data")
        .arg(data)
        .arg("--provision-token-file")
        .arg(&token_file)
        .arg("--epoch-unix-ms")
        .arg(BOX_TIME_UNIX_MS.to_string())
        .env("APPLIANCE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the box starts")
}

/// Waits (up to a minute: prompts are synthesized at the first start) until the web port
/// answers `/api/recordings`.
fn wait_web(address: std::net::SocketAddr) {
    let began = Instant::now();
    while std::net::TcpStream::connect(address).is_err() {
        assert!(
            began.elapsed() < Duration::from_secs(60),
            "the box's web port never opened"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn recordings(address: std::net::SocketAddr) -> Vec<serde_json::Value> {
    common::json(address, "GET", "/api/recordings")["recordings"]
        .as_array()
        .cloned()
        .expect("a recordings list")
}

#[test]
fn a_box_killed_mid_call_leaves_a_playable_recording_marked_interrupted() {
    let work = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let address: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let config = config(work.path(), port);
    let data = work.path().join("data");
    let mut box_process = start(&config, &data);
    wait_web(address);

    let devices = [
        ("span1", DeviceKind::E1, 1),
        ("fxs2", DeviceKind::Fxs, 2),
        ("fxs3", DeviceKind::Fxs, 3),
        ("fxs4", DeviceKind::Fxs, 4),
    ];
    let mut rig = Rig::connect(&work.path().join("devices"), &devices, ClockMode::LockStep)
        .expect("the rig connects");
    common::wait_link_up(&mut rig, "span1");
    let now = rig.now_ms();
    rig.carrier_mut("span1")
        .unwrap()
        .place_calls(now, 1, Some("5550123"), "95598")
        .unwrap();
    assert!(common::step_until(&mut rig, 5000, |r| r
        .carrier("span1")
        .is_some_and(|c| c.answered_count() == 1)));
    let answered_at = rig.now_ms();
    rig.carrier_mut("span1")
        .unwrap()
        .mouth(1)
        .unwrap()
        .push(PlayItem::Tone {
            freq_hz: 1004,
            level_dbm0: -10.0,
            duration_ms: 10_000,
        })
        .unwrap();
    rig.run_for(4_500).unwrap();
    let recorded_ms = rig.now_ms() - answered_at;
    // Let the recorder thread catch up with the last tick (lock-step time stands still).
    std::thread::sleep(Duration::from_millis(300));
    let live = recordings(address);
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(live[0]["status"], "recording");
    let path = PathBuf::from(live[0]["path"].as_str().unwrap());

    box_process.kill().expect("SIGKILL");
    box_process.wait().expect("the box is gone");
    drop(rig);

    // What the kill left: whole pages up to at most a second before it, and they play.
    let left = recorder::read_info(std::fs::File::open(&path).unwrap()).unwrap();
    assert!(!left.complete, "no end-of-stream page: the box was killed");
    assert!(
        left.duration_ms + 1_000 >= recorded_ms && left.duration_ms <= recorded_ms,
        "{} ms in the file, {recorded_ms} ms recorded before the kill",
        left.duration_ms
    );
    let wav = work.path().join("left.wav");
    let played = Command::new("opusdec")
        .args(["--quiet", "--rate", "8000"])
        .arg(&path)
        .arg(&wav)
        .status()
        .expect("opusdec (opus-tools)");
    assert!(played.success(), "the cut-off file plays");

    // Started again, the box closes it and marks it.
    let mut box_process = start(&config, &data);
    wait_web(address);
    let rows = recordings(address);
    let _ = box_process.kill();
    let _ = box_process.wait();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["status"], "interrupted", "{rows:?}");
    assert_eq!(rows[0]["duration_ms"].as_u64().unwrap(), left.duration_ms);
    assert_eq!(
        rows[0]["sha256"].as_str().unwrap(),
        recorder::sha256_of(&path).unwrap().1
    );
    let info = Command::new("opusinfo")
        .arg(&path)
        .output()
        .expect("opusinfo");
    let text =
        String::from_utf8_lossy(&info.stdout).to_string() + &String::from_utf8_lossy(&info.stderr);
    assert!(info.status.success() && !text.contains("WARNING"), "{text}");
}
