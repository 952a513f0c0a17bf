//! A full recordings disk (issue #12), on a small filesystem of the test's own (a 4 MiB
//! tmpfs; the test runs as root, as CI does): below the configured free share no new
//! recording starts, an alarm goes on the bus, and calls go on; with space back the next
//! call is recorded and the alarm clears.

mod common;

use far_end::Rig;
use serde_json::Value;
use soft_hardware::{ClockMode, DeviceKind};
use std::path::{Path, PathBuf};
use std::process::Command;

/// 2026-12-07 10:00 +08:00: the flow's opening hours.
const BOX_TIME_UNIX_MS: u64 = 1_796_608_800_000;

/// A tmpfs mounted for the test, unmounted when dropped.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(path: &Path, size: &str) -> SmallDisk {
        std::fs::create_dir_all(path).expect("mount point");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "this test mounts a small tmpfs for a full disk: run it as root"
        );
        SmallDisk(path.to_path_buf())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn recordings(web: std::net::SocketAddr) -> Vec<Value> {
    common::json(web, "GET", "/api/recordings")["recordings"]
        .as_array()
        .cloned()
        .expect("a recordings list")
}

/// The `recording_alarm` events on the bus so far: (raised, reason).
fn alarms(web: std::net::SocketAddr) -> Vec<(bool, String)> {
    let page = common::json(web, "GET", "/api/events?after=0&limit=1000");
    page["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["event"]["type"] == "recording_alarm")
        .map(|e| {
            (
                e["event"]["raised"].as_bool().unwrap_or(false),
                e["event"]["reason"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_full_disk_stops_new_recordings_raises_the_alarm_and_calls_go_on() {
    let work = tempfile::tempdir().expect("temp dir");
    let disk = SmallDisk::mount(&work.path().join("recordings-disk"), "4m");
    let rules = format!(
        "directory = {:?}\nmin_free_percent = 50\n[trunks.1]\nrecord = \"always\"\n",
        disk.0.display().to_string()
    );
    // Three quarters of the disk taken by something else.
    let filler = disk.0.join("filler");
    std::fs::write(&filler, vec![0u8; 3 * 1024 * 1024]).expect("filler written");

    let running = common::start_config_with(
        work.path(),
        "acd",
        &[("recording.toml", &rules)],
        BOX_TIME_UNIX_MS,
    );
    let web = running.web_address();
    let devices = [
        ("span1", DeviceKind::E1, 1),
        ("fxs2", DeviceKind::Fxs, 2),
        ("fxs3", DeviceKind::Fxs, 3),
        ("fxs4", DeviceKind::Fxs, 4),
    ];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();
    common::wait_link_up(&mut rig, "span1");

    common::hotline_call_answered(&mut rig, "5550123", 1);
    rig.run_for(3000).unwrap();
    assert_eq!(recordings(web), Vec::<Value>::new(), "no recording starts");
    let raised = alarms(web);
    assert_eq!(raised.len(), 1, "{raised:?}");
    assert!(raised[0].0);
    assert!(raised[0].1.contains("recording needs 50%"), "{raised:?}");
    // The call goes on.
    let calls = common::json(web, "GET", "/api/calls");
    assert_eq!(calls["calls"].as_array().map(Vec::len), Some(1), "{calls}");

    // Space back: the next call is recorded and the alarm clears.
    std::fs::remove_file(&filler).expect("filler removed");
    common::hotline_call_answered(&mut rig, "5550123", 2);
    rig.run_for(1000).unwrap();
    let rows = recordings(web);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["status"], "recording");
    assert!(rows[0]["path"]
        .as_str()
        .unwrap()
        .starts_with(&disk.0.display().to_string()));
    let both = alarms(web);
    assert_eq!(both.len(), 2, "{both:?}");
    assert!(!both[1].0, "cleared: {both:?}");
    assert!(both[1].1.contains("recording resumes"), "{both:?}");
    let figures = common::json(web, "GET", "/api/calls");
    assert_eq!(
        figures["calls"].as_array().map(Vec::len),
        Some(2),
        "both calls up"
    );
    drop(running);
}
