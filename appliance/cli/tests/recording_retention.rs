//! Retention on a running box (issue #12): a recording past its days is purged in the
//! background — its file deleted, its row marked and no longer listed, a `recording`
//! event saying why — while the recording of a call still up is kept.

mod common;

use far_end::Rig;
use soft_hardware::{ClockMode, DeviceKind};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// 2026-12-07 10:00 +08:00: the flow's opening hours.
const BOX_TIME_UNIX_MS: u64 = 1_796_608_800_000;
const DAY_MS: u64 = 86_400_000;

#[test]
fn an_expired_recording_is_purged_and_a_live_calls_is_kept() {
    let work = tempfile::tempdir().expect("temp dir");
    // A recording made 100 days ago, kept 30 days, already in the index and on disk.
    let data = work.path().join("data");
    let old_file = data.join("recordings/2026/08/29/c1-old-r1.opus");
    std::fs::create_dir_all(old_file.parent().unwrap()).unwrap();
    let mut writer = recorder::OggOpusWriter::new(
        std::fs::File::create(&old_file).unwrap(),
        1,
        &recorder::RecordingTags {
            call_id: "c1-old".into(),
            ..Default::default()
        },
    )
    .unwrap();
    for _ in 0..50 {
        writer.write_frame(&[0; 160], &[0; 160]).unwrap();
    }
    writer.finish().unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    {
        let storage = storage::Storage::open(&data).unwrap();
        storage
            .insert_recording(&storage::NewRecording {
                uid: "c1-old-r1".into(),
                call_id: "c1-old".into(),
                kind: "call",
                mailbox: None,
                caller: Some("5550000".into()),
                called: Some("95598".into()),
                started_unix_ms: now - 100 * DAY_MS,
                path: old_file.display().to_string(),
                reason: "always:trunk 1".into(),
                retention_days: 30,
            })
            .unwrap();
        let (bytes, sha256) = recorder::sha256_of(&old_file).unwrap();
        storage
            .end_recording(
                "c1-old-r1",
                &storage::RecordingEnd::Closed {
                    interrupted: false,
                    duration_ms: 1_000,
                    bytes,
                    sha256,
                },
                now - 100 * DAY_MS + 1_000,
            )
            .unwrap();
    }

    let rules = "retention_days = 30\n[trunks.1]\nrecord = \"always\"\n";
    let running = common::start_config_with(
        work.path(),
        "acd",
        &[("recording.toml", rules)],
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
    rig.run_for(1000).unwrap();

    // Retention runs every 5 s of the box's wall clock.
    let began = Instant::now();
    while old_file.exists() {
        assert!(
            began.elapsed() < Duration::from_secs(15),
            "the expired recording was not purged"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let listed = common::json(web, "GET", "/api/recordings")["recordings"]
        .as_array()
        .cloned()
        .unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(
        listed[0]["status"], "recording",
        "the live call's, kept: {listed:?}"
    );
    assert!(std::path::Path::new(listed[0]["path"].as_str().unwrap()).exists());
    let (status, body) = common::http(web, "GET", "/api/recordings/c1-old-r1");
    assert!(
        status.contains("410") && body.contains("purged"),
        "{status} {body}"
    );
    let events = common::json(web, "GET", "/api/events?after=0&limit=1000");
    let purged: Vec<&serde_json::Value> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"]["type"] == "recording" && e["event"]["change"] == "purged")
        .collect();
    assert_eq!(purged.len(), 1, "{purged:?}");
    assert_eq!(purged[0]["event"]["recording"], "c1-old-r1");
    assert!(
        purged[0]["event"]["detail"]
            .as_str()
            .unwrap()
            .contains("30 days"),
        "{purged:?}"
    );
}
