//! Call recording on a running box (issue #12), lock-step with the HIL rig: a carrier
//! call on a trunk recorded `always` goes through the menu into the queue, agent 201
//! answers, a different tone each way, the agent hangs up. The recording is indexed with
//! the call's queue, agent and legs; its file passes `opusinfo` and, decoded by
//! `opusdec` (an independent decoder), has the caller's tone on the left and the agent's
//! on the right at the times they were played; the API serves it with ranges and as WAV.
//! A call that never carried audio leaves no recording; a rule of `never` records nothing.

mod common;

use far_end::{PlayItem, Rig};
use serde_json::Value;
use soft_hardware::{ClockMode, DeviceKind};
use std::process::Command;

/// 2026-12-07 10:00 +08:00: the flow's opening hours.
const BOX_TIME_UNIX_MS: u64 = 1_796_608_800_000;
const CALLER_HZ: u16 = 1004;
const AGENT_HZ: u16 = 1400;

const RECORD_TRUNK: &str =
    "default = \"never\"\nretention_days = 30\n[trunks.1]\nrecord = \"always\"\n";

fn devices() -> [(&'static str, DeviceKind, u16); 4] {
    [
        ("span1", DeviceKind::E1, 1),
        ("fxs2", DeviceKind::Fxs, 2),
        ("fxs3", DeviceKind::Fxs, 3),
        ("fxs4", DeviceKind::Fxs, 4),
    ]
}

fn recordings(web: std::net::SocketAddr, query: &str) -> Vec<Value> {
    common::json(web, "GET", &format!("/api/recordings{query}"))["recordings"]
        .as_array()
        .cloned()
        .expect("a recordings list")
}

/// Steps the rig until the only recording is closed.
fn until_closed(rig: &mut Rig, web: std::net::SocketAddr) -> Value {
    let end = rig.now_ms() + 5_000;
    loop {
        let list = recordings(web, "");
        if let [one] = list.as_slice() {
            if one["status"] != "recording" {
                return one.clone();
            }
        }
        assert!(rig.now_ms() < end, "no closed recording: {list:?}");
        rig.run_for(200).expect("rig steps");
    }
}

/// Power of `freq` in `samples` (Goertzel), per sample.
fn power_at(samples: &[i16], freq: f64) -> f64 {
    let coeff = 2.0 * (2.0 * std::f64::consts::PI * freq / 8_000.0).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = x as f64 + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - coeff * s1 * s2) / samples.len() as f64
}

/// Samples `from_ms..to_ms` of one channel.
fn window(channel: &[i16], from_ms: u64, to_ms: u64) -> &[i16] {
    let at = |ms: u64| ((ms * 8) as usize).min(channel.len());
    &channel[at(from_ms)..at(to_ms)]
}

#[test]
fn a_queue_call_is_recorded_caller_left_agent_right_and_served_by_the_api() {
    let work = tempfile::tempdir().expect("temp dir");
    let running = common::start_config_with(
        work.path(),
        "acd",
        &[("recording.toml", RECORD_TRUNK)],
        BOX_TIME_UNIX_MS,
    );
    let web = running.web_address();
    let mut rig = Rig::connect(running.device_dir(), &devices(), ClockMode::LockStep).unwrap();
    common::wait_link_up(&mut rig, "span1");
    common::agent_ready(web, "201", "201");

    // The recording runs from the box's answer.
    let answered_at = common::hotline_call_answered(&mut rig, "5550123", 1);
    rig.run_for(1000).unwrap();
    assert_eq!(
        recordings(web, "")[0]["status"],
        "recording",
        "started at the answer"
    );
    common::key(&mut rig, 1, "2");
    assert!(common::step_until(&mut rig, 5000, |r| r
        .phone("fxs2")
        .is_some_and(|p| p.ringing())));
    let now = rig.now_ms();
    rig.phone_mut("fxs2").unwrap().go_off_hook(now);
    rig.run_for(1000).unwrap();

    // A different tone each way, 3 s.
    let tones_at = rig.now_ms();
    let tone = |freq_hz| PlayItem::Tone {
        freq_hz,
        level_dbm0: -10.0,
        duration_ms: 3000,
    };
    rig.carrier_mut("span1")
        .unwrap()
        .mouth(1)
        .unwrap()
        .push(tone(CALLER_HZ))
        .unwrap();
    rig.phone_mut("fxs2")
        .unwrap()
        .mouth()
        .push(tone(AGENT_HZ))
        .unwrap();
    rig.run_for(4000).unwrap();
    let now = rig.now_ms();
    rig.phone_mut("fxs2").unwrap().hang_up(now);
    let hung_up_at = now;

    let row = until_closed(&mut rig, web);
    assert_eq!(row["status"], "complete", "{row}");
    assert_eq!(row["kind"], "call");
    assert_eq!(row["caller"], "5550123", "{row}");
    assert_eq!(row["queue"], "agents", "{row}");
    assert_eq!(row["agent"], "201", "{row}");
    assert_eq!(row["legs"], serde_json::json!(["1/1", "2/1"]), "{row}");
    assert_eq!(row["reason"], "always:trunk 1", "{row}");
    assert_eq!(row["retention_days"], 30);
    let duration = row["duration_ms"].as_u64().unwrap();
    // From the answer to the call's end: an FXS on-hook is taken as a hang-up once it is
    // too long for a hook flash (the agent's hold key), up to a second later.
    let expected = hung_up_at - answered_at;
    assert!(
        (expected.saturating_sub(100)..=expected + 1000).contains(&duration),
        "duration {duration} ms, the call was up {expected} ms"
    );
    let id = row["uid"].as_str().unwrap().to_owned();
    assert!(id.ends_with("-r1"), "{id}");
    // The call's events tell the recording's story; no frame was lost on the way.
    let call = row["call_id"].as_str().unwrap();
    let events = common::json(web, "GET", &format!("/api/calls/{call}/events"));
    let steps: Vec<(String, String)> = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["event"]["type"] == "recording")
        .map(|e| {
            (
                e["event"]["change"].as_str().unwrap_or("?").to_owned(),
                e["event"]["detail"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(steps.len(), 2, "{steps:?}");
    assert_eq!(steps[0], ("started".into(), "always:trunk 1".into()));
    assert_eq!(steps[1].0, "closed");
    assert!(steps[1].1.ends_with(" 0 frames missing"), "{steps:?}");

    // The file as the API serves it: opusinfo accepts it, its size and hash are indexed.
    let (status, head, file) = common::get_bytes(web, &format!("/api/recordings/{id}/audio"), "");
    assert!(status.contains("200"), "{status}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: audio/ogg"),
        "{head}"
    );
    assert!(
        head.to_ascii_lowercase().contains("accept-ranges: bytes"),
        "{head}"
    );
    assert_eq!(file.len() as u64, row["bytes"].as_u64().unwrap());
    let path = work.path().join("downloaded.opus");
    std::fs::write(&path, &file).unwrap();
    assert_eq!(
        recorder::sha256_of(&path).unwrap().1,
        row["sha256"].as_str().unwrap()
    );
    let info = Command::new("opusinfo")
        .arg(&path)
        .output()
        .expect("opusinfo (opus-tools)");
    let text =
        String::from_utf8_lossy(&info.stdout).to_string() + &String::from_utf8_lossy(&info.stderr);
    assert!(info.status.success() && !text.contains("WARNING"), "{text}");
    assert!(text.contains("CALL_ID="), "{text}");
    assert!(text.contains("CALLER=5550123"), "{text}");

    // Decoded by opusdec: the caller's tone left, the agent's right, when they played.
    let wav = work.path().join("decoded.wav");
    let decoded = Command::new("opusdec")
        .args(["--quiet", "--rate", "8000"])
        .arg(&path)
        .arg(&wav)
        .status()
        .expect("opusdec (opus-tools)");
    assert!(decoded.success());
    let bytes = std::fs::read(&wav).unwrap();
    let samples: Vec<i16> = bytes[44..]
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    let left: Vec<i16> = samples.iter().step_by(2).copied().collect();
    let right: Vec<i16> = samples.iter().skip(1).step_by(2).copied().collect();
    let start = tones_at - answered_at;
    let (during_from, during_to) = (start + 300, start + 2700);
    let l = window(&left, during_from, during_to);
    let r = window(&right, during_from, during_to);
    let (caller_left, agent_left) = (power_at(l, CALLER_HZ as f64), power_at(l, AGENT_HZ as f64));
    let (caller_right, agent_right) = (power_at(r, CALLER_HZ as f64), power_at(r, AGENT_HZ as f64));
    assert!(
        caller_left > 100.0 * agent_left,
        "left is the caller: {caller_left} vs {agent_left}"
    );
    assert!(
        agent_right > 100.0 * caller_right,
        "right is the agent: {agent_right} vs {caller_right}"
    );
    // Before the tones: neither tone anywhere.
    let before_l = window(&left, start.saturating_sub(1500), start.saturating_sub(200));
    let before_r = window(
        &right,
        start.saturating_sub(1500),
        start.saturating_sub(200),
    );
    assert!(
        power_at(before_l, CALLER_HZ as f64) < caller_left / 100.0,
        "caller tone too early"
    );
    assert!(
        power_at(before_r, AGENT_HZ as f64) < agent_right / 100.0,
        "agent tone too early"
    );
    // After them (3 s long): gone again.
    let after_r = window(&right, start + 3300, start + 3900);
    assert!(
        power_at(after_r, AGENT_HZ as f64) < agent_right / 100.0,
        "agent tone too late"
    );

    // A range, as a browser seeking asks for it.
    let (status, head, part) = common::get_bytes(
        web,
        &format!("/api/recordings/{id}/audio"),
        "Range: bytes=100-299\r\n",
    );
    assert!(status.contains("206"), "{status}");
    assert!(
        head.contains(&format!("bytes 100-299/{}", file.len())),
        "{head}"
    );
    assert_eq!(part, file[100..300]);
    let (status, _, _) = common::get_bytes(
        web,
        &format!("/api/recordings/{id}/audio"),
        &format!("Range: bytes={}-\r\n", file.len()),
    );
    assert!(status.contains("416"), "{status}");

    // The WAV download: 8 kHz 16-bit stereo, the recording's length.
    let (status, head, wav) = common::get_bytes(web, &format!("/api/recordings/{id}/wav"), "");
    assert!(status.contains("200"), "{status}");
    assert!(head.to_ascii_lowercase().contains("audio/wav"), "{head}");
    assert_eq!(&wav[..4], b"RIFF");
    assert_eq!(
        u32::from_le_bytes([wav[24], wav[25], wav[26], wav[27]]),
        8_000
    );
    assert_eq!(u16::from_le_bytes([wav[22], wav[23]]), 2);
    assert_eq!((wav.len() - 44) as u64, duration * 8 * 2 * 2);

    // Filters.
    assert_eq!(recordings(web, "?agent=201").len(), 1);
    assert_eq!(recordings(web, "?agent=202").len(), 0);
    assert_eq!(recordings(web, "?queue=agents&number=5550123").len(), 1);
    assert_eq!(recordings(web, "?from=2099-01-01").len(), 0);
    let (status, body) = common::http(web, "GET", "/api/recordings?from=yesterday");
    assert!(
        status.contains("400") && body.contains("from"),
        "{status} {body}"
    );
    let (status, _) = common::http(web, "GET", "/api/recordings/nope/audio");
    assert!(status.contains("404"), "{status}");
}

#[test]
fn a_call_without_audio_leaves_no_recording_and_never_means_never() {
    let work = tempfile::tempdir().expect("temp dir");
    let rules = "default = \"never\"\n[extensions.201]\nrecord = \"always\"\n";
    let running = common::start_config_with(
        work.path(),
        "acd",
        &[("recording.toml", rules)],
        BOX_TIME_UNIX_MS,
    );
    let web = running.web_address();
    let mut rig = Rig::connect(running.device_dir(), &devices(), ClockMode::LockStep).unwrap();
    common::wait_link_up(&mut rig, "span1");

    // 201 calls 202, which never answers: no audio, so nothing is recorded.
    common::dial(&mut rig, "fxs2", "202");
    assert!(common::step_until(&mut rig, 5000, |r| r
        .phone("fxs3")
        .is_some_and(|p| p.ringing())));
    rig.run_for(2000).unwrap();
    let now = rig.now_ms();
    rig.phone_mut("fxs2").unwrap().hang_up(now);
    rig.run_for(2000).unwrap();
    assert_eq!(recordings(web, ""), Vec::<Value>::new());

    // 202 calls 203 (no rule: `never`), answered and talked: still nothing.
    common::dial(&mut rig, "fxs3", "203");
    assert!(common::step_until(&mut rig, 5000, |r| r
        .phone("fxs4")
        .is_some_and(|p| p.ringing())));
    let now = rig.now_ms();
    rig.phone_mut("fxs4").unwrap().go_off_hook(now);
    rig.run_for(2000).unwrap();
    let now = rig.now_ms();
    rig.phone_mut("fxs3").unwrap().hang_up(now);
    rig.run_for(1000).unwrap();
    assert_eq!(recordings(web, ""), Vec::<Value>::new());

    // 201 calls 202 again and 202 answers: recorded (201's rule), once audio flows.
    common::dial(&mut rig, "fxs2", "202");
    assert!(common::step_until(&mut rig, 5000, |r| r
        .phone("fxs3")
        .is_some_and(|p| p.ringing())));
    let now = rig.now_ms();
    rig.phone_mut("fxs3").unwrap().go_off_hook(now);
    rig.run_for(2000).unwrap();
    let now = rig.now_ms();
    rig.phone_mut("fxs2").unwrap().hang_up(now);
    let row = until_closed(&mut rig, web);
    assert_eq!(row["reason"], "always:extension 201", "{row}");
    assert_eq!(row["caller"], "201", "{row}");
    assert!(row["duration_ms"].as_u64().unwrap() >= 1900, "{row}");
}

#[test]
fn on_demand_keeps_only_what_follows_the_start_and_refuses_what_it_must() {
    let work = tempfile::tempdir().expect("temp dir");
    let rules = "default = \"never\"\n[queues.agents]\nrecord = \"on-demand\"\n";
    let running = common::start_config_with(
        work.path(),
        "acd",
        &[("recording.toml", rules)],
        BOX_TIME_UNIX_MS,
    );
    let web = running.web_address();
    let mut rig = Rig::connect(running.device_dir(), &devices(), ClockMode::LockStep).unwrap();
    common::wait_link_up(&mut rig, "span1");
    common::agent_ready(web, "201", "201");
    common::hotline_call_answered(&mut rig, "5550123", 1);
    let calls = common::json(web, "GET", "/api/calls");
    let call = calls["calls"][0]["id"].as_str().unwrap().to_owned();
    let record = |action: &str| {
        common::send(
            web,
            "POST",
            &format!("/api/calls/{call}/recording"),
            &format!(r#"{{"action":"{action}"}}"#),
        )
    };
    // In the menu the default rule (never) applies: no one may start it.
    let (status, body) = record("start");
    assert!(
        status.contains("409") && body.contains("never"),
        "{status} {body}"
    );
    rig.run_for(1000).unwrap();
    common::key(&mut rig, 1, "2");
    assert!(common::step_until(&mut rig, 5000, |r| r
        .phone("fxs2")
        .is_some_and(|p| p.ringing())));
    let now = rig.now_ms();
    rig.phone_mut("fxs2").unwrap().go_off_hook(now);
    rig.run_for(500).unwrap();
    assert_eq!(
        recordings(web, ""),
        Vec::<Value>::new(),
        "on demand: nothing yet"
    );

    let tone = |freq_hz, duration_ms| PlayItem::Tone {
        freq_hz,
        level_dbm0: -10.0,
        duration_ms,
    };
    // 700 Hz before the start: never kept.
    rig.carrier_mut("span1")
        .unwrap()
        .mouth(1)
        .unwrap()
        .push(tone(700, 1500))
        .unwrap();
    rig.run_for(2000).unwrap();
    let (status, body) = record("stop");
    assert!(
        status.contains("409") && body.contains("not being recorded"),
        "{status} {body}"
    );
    let (status, body) = record("start");
    assert!(status.contains("202"), "{status} {body}");
    let (status, body) = record("start");
    assert!(
        status.contains("409") && body.contains("already"),
        "{status} {body}"
    );
    let started_at = rig.now_ms();
    rig.carrier_mut("span1")
        .unwrap()
        .mouth(1)
        .unwrap()
        .push(tone(CALLER_HZ, 1500))
        .unwrap();
    rig.run_for(2000).unwrap();
    let (status, body) = record("stop");
    assert!(status.contains("202"), "{status} {body}");
    let stopped_at = rig.now_ms();
    rig.run_for(1000).unwrap();
    // Started again: a second recording of the same call.
    let (status, _) = record("start");
    assert!(status.contains("202"), "{status}");
    rig.run_for(1000).unwrap();
    let now = rig.now_ms();
    rig.phone_mut("fxs2").unwrap().hang_up(now);
    rig.run_for(2000).unwrap();
    let (status, _) = record("start");
    assert!(status.contains("404"), "the call is over: {status}");

    let mut rows = recordings(web, "");
    rows.reverse();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r["status"] == "complete"), "{rows:?}");
    assert_eq!(rows[0]["uid"], format!("{call}-r1"));
    assert_eq!(rows[1]["uid"], format!("{call}-r2"));
    assert_eq!(rows[0]["reason"], "on-demand:queue agents");
    let first = rows[0]["duration_ms"].as_u64().unwrap();
    assert!(
        first.abs_diff(stopped_at - started_at) <= 100,
        "{first} ms recorded, {} ms between start and stop",
        stopped_at - started_at
    );
    let (_, _, file) = common::get_bytes(web, &format!("/api/recordings/{call}-r1/audio"), "");
    let path = work.path().join("r1.opus");
    std::fs::write(&path, &file).unwrap();
    let decoded = recorder::decode(std::fs::File::open(&path).unwrap()).unwrap();
    let left = decoded.left();
    let (kept, before) = (power_at(&left, CALLER_HZ as f64), power_at(&left, 700.0));
    assert!(
        kept > 1_000.0 * before.max(1.0),
        "only what followed the start: {kept} vs {before}"
    );
}
