//! Voicemail on a running box (issue #12 item 6), lock-step with the HIL rig: a carrier
//! caller takes the menu's key 4 to a `voicemail` node for mailbox 202, hears the
//! greeting and the beep, plays a 1004 Hz tone for 3 s and presses `#`. The message is
//! listed under `/api/mailboxes/202/messages` (about 3 s, from 5550123), a `voicemail`
//! event is on the bus and the file passes `opusinfo`. Then phone 202 dials `*98`: it
//! hears speech ("You have one new message…"), the caller's 1004 Hz tone for about 3 s —
//! the caller's side of the recording, played back into the call — then the goodbye;
//! afterwards the message is heard.

mod common;

use far_end::DEFAULT_MIN_SHARE;
use far_end::{PlayItem, Rig};
use serde_json::Value;
use soft_hardware::{ClockMode, DeviceKind};
use std::process::Command;

/// 2026-12-07 10:00 +08:00: the flow's opening hours.
const BOX_TIME_UNIX_MS: u64 = 1_796_608_800_000;
const CALLER_HZ: f32 = 1004.0;
const BEEP_HZ: f32 = 1000.0;

/// The HIL ACD hotline with a key 4 that takes a message for extension 202.
const FLOW: &str = r#"
name = "acd-test"
entry = "hours"
language = "en"

[nodes.hours]
type = "time"
schedule = "test-hours"
open = "main"
closed = "bye"

[nodes.main]
type = "menu"
prompt = "main-menu"
choices = { "2" = "agents", "4" = "message" }
timeout_s = 5
max_retries = 2
on_failure = "bye"

[nodes.agents]
type = "queue"
queue = "agents"

[nodes.message]
type = "voicemail"
mailbox = "202"
max_length_s = 30

[nodes.bye]
type = "hangup"
cause = 16
"#;

fn devices() -> [(&'static str, DeviceKind, u16); 4] {
    [
        ("span1", DeviceKind::E1, 1),
        ("fxs2", DeviceKind::Fxs, 2),
        ("fxs3", DeviceKind::Fxs, 3),
        ("fxs4", DeviceKind::Fxs, 4),
    ]
}

fn messages(web: std::net::SocketAddr, mailbox: &str) -> Vec<Value> {
    common::json(web, "GET", &format!("/api/mailboxes/{mailbox}/messages"))["messages"]
        .as_array()
        .cloned()
        .expect("a message list")
}

/// What an ear heard in its newest block: the level (dBm0) and whether `freq` was the
/// tone there.
fn newest(ear: &far_end::Ear, freq: f32) -> (f32, bool) {
    let meter = ear.meter();
    let level = meter.block_level_dbm0(0).unwrap_or(-100.0);
    let tone = meter
        .measure(freq, 0)
        .is_some_and(|m| m.is_present(-30.0, DEFAULT_MIN_SHARE));
    (level, tone)
}

fn caller_ear(rig: &Rig) -> &far_end::Ear {
    rig.carrier("span1")
        .and_then(|c| c.ear(1))
        .expect("the caller's ear")
}

#[test]
fn voicemail_left_and_listened_to() {
    let work = tempfile::tempdir().expect("temp dir");
    let running = common::start_config_with(
        work.path(),
        "acd",
        &[
            ("flows/acd-test.toml", FLOW),
            // Only so that a nearly full build machine's disk does not stop recording
            // (a message records without recording.toml too: call-control's tests).
            (
                "recording.toml",
                "default = \"never\"\nmin_free_percent = 0\n",
            ),
        ],
        BOX_TIME_UNIX_MS,
    );
    let web = running.web_address();
    let mut rig = Rig::connect(running.device_dir(), &devices(), ClockMode::LockStep).unwrap();
    common::wait_link_up(&mut rig, "span1");
    assert!(messages(web, "202").is_empty());

    // The caller reaches the menu and keys 4.
    let now = rig.now_ms();
    rig.carrier_mut("span1")
        .unwrap()
        .place_calls(now, 1, Some("5550123"), "95598")
        .unwrap();
    assert!(common::step_until(&mut rig, 5000, |r| r
        .carrier("span1")
        .is_some_and(|c| c.answered_count() == 1)));
    rig.run_for(500).unwrap();
    rig.carrier_mut("span1")
        .unwrap()
        .mouth(1)
        .unwrap()
        .push(PlayItem::Dtmf("4".into()))
        .unwrap();

    // The greeting (speech), then the beep.
    let keyed_at = rig.now_ms();
    let mut speech_ms = 0;
    let mut beep_ms = 0;
    let end = rig.now_ms() + 20_000;
    while beep_ms < 200 {
        assert!(
            rig.now_ms() < end,
            "no beep after the greeting: {}",
            rig.state_summary()
        );
        rig.step().unwrap();
        let (level, beep) = newest(caller_ear(&rig), BEEP_HZ);
        if beep {
            beep_ms += 20;
        } else if level > -40.0 && rig.now_ms() > keyed_at + 500 {
            speech_ms += 20;
        }
    }
    assert!(
        speech_ms > 2000,
        "the greeting is heard first: {speech_ms} ms"
    );
    let beep_at = rig.now_ms();
    rig.run_for(500).unwrap();

    // 3 s of the caller's tone, then `#`.
    {
        let mouth = rig.carrier_mut("span1").unwrap().mouth(1).unwrap();
        mouth
            .push(PlayItem::Tone {
                freq_hz: CALLER_HZ as u16,
                level_dbm0: -10.0,
                duration_ms: 3000,
            })
            .unwrap();
        mouth.push(PlayItem::Dtmf("#".into())).unwrap();
    }
    rig.run_for(3300).unwrap();
    let hash_at = rig.now_ms();

    // The goodbye, then the box clears the call; the message is listed.
    let mut goodbye_ms = 0;
    let cleared = common::step_until(&mut rig, 10_000, |r| {
        match r.carrier("span1").and_then(|c| c.ear(1)) {
            Some(ear) if ear.meter().block_level_dbm0(0).is_some_and(|l| l > -40.0) => {
                goodbye_ms += 20
            }
            _ => {}
        }
        r.carrier("span1")
            .is_some_and(|c| c.live_calls().count() == 0)
    });
    assert!(
        cleared,
        "the box clears after the goodbye: {}",
        rig.state_summary()
    );
    assert!(goodbye_ms > 1000, "the goodbye is heard: {goodbye_ms} ms");
    let end = rig.now_ms() + 5_000;
    let message = loop {
        if let [one] = messages(web, "202").as_slice() {
            break one.clone();
        }
        assert!(
            rig.now_ms() < end,
            "no message listed: {} {}",
            common::json(web, "GET", "/api/recordings"),
            common::json(web, "GET", "/api/events?after=0&limit=1000")["events"]
                .as_array()
                .map(|events| events
                    .iter()
                    .filter(|e| e["event"]["type"] != "line_state_changed")
                    .map(|e| e["event"].to_string())
                    .collect::<Vec<_>>()
                    .join("\n"))
                .unwrap_or_default()
        );
        rig.run_for(200).unwrap();
    };
    assert_eq!(message["caller"], "5550123", "{message}");
    assert_eq!(message["heard"], false, "{message}");
    let duration = message["duration_ms"].as_u64().expect("a duration");
    // From the beep's end to `#`: the 3 s tone with the pause before it.
    let expected = hash_at - beep_at;
    assert!(
        (3000..=expected + 1000).contains(&duration),
        "a message of about 3 s: {duration} ms ({expected} ms from the beep to #)"
    );
    let uid = message["uid"].as_str().expect("a uid").to_owned();
    assert_eq!(message["audio"], format!("/api/recordings/{uid}/audio"));
    assert!(messages(web, "203").is_empty(), "only mailbox 202's");
    let row = common::json(web, "GET", &format!("/api/recordings/{uid}"));
    assert_eq!(row["kind"], "voicemail", "{row}");
    assert_eq!(row["mailbox"], "202", "{row}");
    assert_eq!(row["reason"], "voicemail", "{row}");

    // The bus says a message was left.
    let events = common::json(web, "GET", "/api/events?after=0&limit=1000");
    let left: Vec<&Value> = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["event"]["type"] == "voicemail")
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["event"]["mailbox"], "202");
    assert_eq!(left[0]["event"]["recording"], uid.as_str());
    assert_eq!(left[0]["event"]["caller"], "5550123");
    assert_eq!(left[0]["event"]["duration_ms"].as_u64(), Some(duration));

    // The file as the API serves it passes opusinfo.
    let (status, _, file) = common::get_bytes(web, &format!("/api/recordings/{uid}/audio"), "");
    assert!(status.contains("200"), "{status}");
    let path = work.path().join("message.opus");
    std::fs::write(&path, &file).unwrap();
    let info = Command::new("opusinfo")
        .arg(&path)
        .output()
        .expect("opusinfo (opus-tools)");
    let text =
        String::from_utf8_lossy(&info.stdout).to_string() + &String::from_utf8_lossy(&info.stderr);
    assert!(info.status.success() && !text.contains("WARNING"), "{text}");
    assert!(text.contains("CALLER=5550123"), "{text}");

    // Phone 202 dials *98: speech, the caller's tone for about 3 s, the goodbye.
    common::dial(&mut rig, "fxs3", "*98");
    let dialled_at = rig.now_ms();
    let (mut before_ms, mut tone_ms, mut after_ms) = (0u64, 0u64, 0u64);
    let mut tone_first_at = None;
    let end = rig.now_ms() + 30_000;
    loop {
        rig.step().unwrap();
        let phone = rig.phone("fxs3").unwrap();
        let (level, tone) = newest(phone.ear(), CALLER_HZ);
        if tone {
            tone_first_at.get_or_insert(rig.now_ms());
            tone_ms += 20;
        } else if level > -40.0 {
            if tone_first_at.is_none() {
                before_ms += 20;
            } else {
                after_ms += 20;
            }
        }
        let heard = messages(web, "202")
            .first()
            .is_some_and(|m| m["heard"] == true);
        // Done once the message is marked heard and the goodbye has been said.
        if heard && after_ms > 1000 && level < -50.0 {
            break;
        }
        assert!(
            rig.now_ms() < end,
            "the message was not played to its end: {before_ms} ms speech, {tone_ms} ms tone, \
             {after_ms} ms after ({})",
            rig.state_summary()
        );
    }
    assert!(
        before_ms > 1500,
        "how many messages, said first: {before_ms} ms"
    );
    assert!(
        (2600..=3400).contains(&tone_ms),
        "the caller's 1004 Hz for about 3 s: {tone_ms} ms"
    );
    assert!(
        tone_first_at.is_some_and(|at| at > dialled_at + 1000),
        "the message after the announcement"
    );
    let now = rig.now_ms();
    rig.phone_mut("fxs3").unwrap().hang_up(now);
    rig.run_for(1500).unwrap();
    let message = &messages(web, "202")[0];
    assert_eq!(message["heard"], true, "{message}");

    // Marking by hand: a known recording, then an unknown one.
    let (status, _) = common::http(web, "POST", &format!("/api/recordings/{uid}/heard"));
    assert!(status.contains("204"), "{status}");
    let (status, _) = common::http(web, "POST", "/api/recordings/c0-0-r9/heard");
    assert!(status.contains("404"), "{status}");
}
