//! Call-center reports and metrics on a running box (issue #12), lock-step with the HIL
//! rig: agent 201 logs in by API; a carrier call keys 2 into the queue `agents` and
//! 201's phone answers it after ringing a while, talks and hangs up; a second call waits
//! while 201 is not ready (lunch) and the caller hangs up. `/api/reports/queues` and
//! `/api/reports/agents` give the exact figures the bus's events say (waits, talk,
//! wrap-up), in JSON and CSV; `/metrics` parses and shows the waiting call. The box
//! stops with 201 still at lunch and a new one starts on the same data: the rows are
//! still there, and 201's lunch runs on through the restart until they log in again.

mod common;

use appliance::boot::{start_box, BoxOptions, RunningBox};
use far_end::{PlayItem, Rig};
use serde_json::Value;
use soft_hardware::{ClockMode, DeviceKind};
use std::path::Path;

/// 2026-12-07 10:00 +08:00 (02:00 UTC, a 15-minute boundary): the flow's opening hours.
const BOX_TIME_UNIX_MS: u64 = 1_796_608_800_000;
const REPORT_RANGE: &str = "from=2026-12-07T02:00:00Z&to=2026-12-07T03:00:00Z";

/// A box of the `acd` configuration on `work/data`, its devices in `work/DEVICES`,
/// its clock starting at `epoch_unix_ms`.
fn start_acd(work: &Path, devices: &str, epoch_unix_ms: u64) -> RunningBox {
    let config = work.join("config");
    if !config.exists() {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../hil-tests/configs/acd");
        common::copy_dir(&source, &config);
    }
    let mut options = BoxOptions::new(config, work.join("data"));
    options.device_dir = Some(work.join(devices));
    options.prompt_cache_dir = Some(common::shared_prompt_cache());
    options.provision_token = Some(common::TEST_TOKEN.into());
    options.epoch_unix_ms = Some(epoch_unix_ms);
    start_box(options).expect("box starts")
}

fn connect(running: &RunningBox) -> Rig {
    let devices = [
        ("span1", DeviceKind::E1, 1),
        ("fxs2", DeviceKind::Fxs, 2),
        ("fxs3", DeviceKind::Fxs, 3),
        ("fxs4", DeviceKind::Fxs, 4),
    ];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();
    common::wait_link_up(&mut rig, "span1");
    rig
}

fn agent_state(web: std::net::SocketAddr, body: &str) {
    let (status, answer) = common::send(web, "POST", "/api/agents/201/state", body);
    assert!(status.contains("204"), "{body}: {status} {answer}");
}

/// A carrier call to the hotline that keys 2 (the queue) once the IVR answers.
fn call_into_queue(rig: &mut Rig, number: usize) {
    let now = rig.now_ms();
    let placed = rig
        .carrier_mut("span1")
        .unwrap()
        .place_calls(now, 1, Some("5550123"), "95598")
        .unwrap();
    assert_eq!(*placed.start(), number);
    assert!(common::step_until(rig, 5000, |r| r
        .carrier("span1")
        .is_some_and(|c| c.answered_count() == number)));
    rig.run_for(1000).unwrap();
    rig.carrier_mut("span1")
        .unwrap()
        .mouth(number)
        .unwrap()
        .push(PlayItem::Dtmf("2".into()))
        .unwrap();
}

/// Every event on the bus so far, each as its event's JSON with `at_ms` beside it.
fn bus_events(web: std::net::SocketAddr) -> Vec<Value> {
    let page = common::json(web, "GET", "/api/events?after=0&limit=1000");
    assert_eq!(page["missed"], false, "the whole history: {page}");
    page["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|envelope| {
            let mut event = envelope.get("event").unwrap_or(envelope).clone();
            event["at_ms"] = envelope["at_ms"].clone();
            event
        })
        .collect()
}

/// The bus's queue steps of one kind (`entered`, `answered`…).
fn steps(events: &[Value], step: &str) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e["type"] == "queue" && e["step"] == step)
        .cloned()
        .collect()
}

/// Agent 201's state changes on the bus.
fn agent_changes(events: &[Value]) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e["type"] == "agent_state_changed" && e["agent"] == "201")
        .cloned()
        .collect()
}

fn at(event: &Value) -> u64 {
    event["at_ms"].as_u64().expect("at_ms")
}

fn u(value: &Value) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("not a count: {value}"))
}

fn queue_rows(web: std::net::SocketAddr, extra: &str) -> Vec<Value> {
    common::json(
        web,
        "GET",
        &format!("/api/reports/queues?{REPORT_RANGE}&interval=15m{extra}"),
    )["queues"]
        .as_array()
        .cloned()
        .expect("queue rows")
}

fn agent_rows(web: std::net::SocketAddr) -> Vec<Value> {
    common::json(
        web,
        "GET",
        &format!("/api/reports/agents?{REPORT_RANGE}&interval=15m&agent=201"),
    )["agents"]
        .as_array()
        .cloned()
        .expect("agent rows")
}

/// Steps the rig (200 ms at a time, 20 s at most) until `done` holds for the queue rows.
fn until_queue_rows(rig: &mut Rig, web: std::net::SocketAddr, done: impl Fn(&[Value]) -> bool) {
    let end = rig.now_ms() + 20_000;
    loop {
        let rows = queue_rows(web, "");
        if done(&rows) {
            return;
        }
        assert!(rig.now_ms() < end, "not reported within 20 s: {rows:?}");
        rig.run_for(200).expect("rig steps");
    }
}

/// Each sample line of a Prometheus text exposition as (name, labels, value); panics on
/// a line that is not `name{labels} value`, and on a family without HELP and TYPE.
fn parse_metrics(text: &str) -> Vec<(String, String, f64)> {
    let mut described = std::collections::BTreeSet::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(help) = line.strip_prefix("# HELP ") {
            let name = help.split(' ').next().expect("a name");
            described.insert(name.to_owned());
            continue;
        }
        if let Some(kind) = line.strip_prefix("# TYPE ") {
            let (name, kind) = kind.split_once(' ').expect("name and type");
            assert!(described.contains(name), "TYPE after HELP: {line}");
            assert!(["gauge", "counter"].contains(&kind), "{line}");
            continue;
        }
        assert!(
            !line.starts_with('#'),
            "only HELP and TYPE comments: {line}"
        );
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("value: {line}"));
        let (name, labels) = match series.split_once('{') {
            Some((name, labels)) => {
                let labels = labels.strip_suffix('}').unwrap_or_else(|| panic!("{line}"));
                for pair in labels.split(',') {
                    let (label, quoted) = pair.split_once('=').unwrap_or_else(|| panic!("{line}"));
                    assert!(
                        label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                        "{line}"
                    );
                    assert!(
                        quoted.len() >= 2 && quoted.starts_with('"') && quoted.ends_with('"'),
                        "{line}"
                    );
                }
                (name, labels.to_owned())
            }
            None => (series, String::new()),
        };
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "{line}"
        );
        assert!(described.contains(name), "sample without HELP: {line}");
        samples.push((name.to_owned(), labels, value));
    }
    samples
}

fn metric(samples: &[(String, String, f64)], name: &str, labels: &str) -> f64 {
    samples
        .iter()
        .find(|(n, l, _)| n == name && l == labels)
        .map(|(_, _, value)| *value)
        .unwrap_or_else(|| panic!("no {name}{{{labels}}} in {samples:?}"))
}

fn metrics(web: std::net::SocketAddr) -> Vec<(String, String, f64)> {
    let (status, head, body) = common::get_bytes(web, "/metrics", "");
    assert!(status.contains("200"), "{status}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4"),
        "{head}"
    );
    parse_metrics(&String::from_utf8(body).expect("UTF-8"))
}

#[test]
fn queue_and_agent_reports_give_exact_figures_and_survive_a_restart() {
    let work = tempfile::tempdir().expect("temp dir");
    let running = start_acd(work.path(), "devices", BOX_TIME_UNIX_MS);
    let web = running.web_address();
    let mut rig = connect(&running);
    agent_state(web, r#"{"state":"login","device":"201"}"#);
    agent_state(web, r#"{"state":"ready"}"#);
    assert_eq!(queue_rows(web, ""), Vec::<Value>::new(), "no call yet");

    // Call 1: 201's phone rings 3 s, then answers; 5 s of talk; the caller hangs up.
    call_into_queue(&mut rig, 1);
    assert!(common::step_until(&mut rig, 5000, |r| r
        .phone("fxs2")
        .is_some_and(|p| p.ringing())));
    rig.run_for(3000).unwrap();
    let now = rig.now_ms();
    rig.phone_mut("fxs2").unwrap().go_off_hook(now);
    let off_hook_at = now;
    rig.run_for(5000).unwrap();
    let now = rig.now_ms();
    rig.carrier_mut("span1")
        .unwrap()
        .hang_up(now, 1, 16)
        .unwrap();
    let hung_up_at = now;
    rig.run_for(1000).unwrap();
    let now = rig.now_ms();
    rig.phone_mut("fxs2").unwrap().hang_up(now);
    // The record is complete after 201's wrap-up (3 s).
    until_queue_rows(&mut rig, web, |rows| {
        rows.first().is_some_and(|row| row["answered"] == 1)
    });

    // Call 2 waits while 201 is at lunch: /metrics shows it; the caller gives up.
    agent_state(web, r#"{"state":"not-ready","reason":"lunch"}"#);
    call_into_queue(&mut rig, 2);
    rig.run_for(2000).unwrap();
    let samples = metrics(web);
    assert_eq!(
        metric(
            &samples,
            "appliance_queue_calls_waiting",
            r#"queue="agents""#
        ),
        1.0
    );
    assert_eq!(metric(&samples, "appliance_calls_up", ""), 1.0);
    assert_eq!(
        metric(&samples, "appliance_agents", r#"state="not-ready""#),
        1.0
    );
    assert_eq!(
        metric(&samples, "appliance_agents", r#"state="ready""#),
        0.0
    );
    assert!(metric(&samples, "appliance_media_ticks_total", "") > 0.0);
    for name in [
        "appliance_media_tick_lateness_p50_seconds",
        "appliance_media_tick_lateness_p99_seconds",
        "appliance_media_tick_lateness_max_seconds",
        "appliance_recordings_running",
        "appliance_recordings_started_total",
        "appliance_recordings_failed_total",
        "appliance_recording_frames_missing_total",
    ] {
        metric(&samples, name, "");
    }
    metric(
        &samples,
        "appliance_media_frames_dropped_total",
        r#"reason="underrun""#,
    );
    rig.run_for(6000).unwrap();
    let now = rig.now_ms();
    rig.carrier_mut("span1")
        .unwrap()
        .hang_up(now, 2, 16)
        .unwrap();
    until_queue_rows(&mut rig, web, |rows| {
        rows.first().is_some_and(|row| row["abandoned"] == 1)
    });
    rig.run_for(1000).unwrap();
    let samples = metrics(web);
    assert_eq!(
        metric(
            &samples,
            "appliance_queue_calls_waiting",
            r#"queue="agents""#
        ),
        0.0
    );

    // What the bus says happened: the figures to expect.
    let events = bus_events(web);
    let entered = steps(&events, "entered");
    let answered = steps(&events, "answered");
    let abandoned = steps(&events, "abandoned");
    let ended = steps(&events, "ended");
    assert_eq!(
        (entered.len(), answered.len(), abandoned.len(), ended.len()),
        (2, 1, 1, 1),
        "{events:?}"
    );
    let answer_wait = at(&answered[0]) - at(&entered[0]);
    assert_eq!(u(&answered[0]["waited_ms"]), answer_wait);
    let abandon_wait = at(&abandoned[0]) - at(&entered[1]);
    let talk = u(&ended[0]["talk_ms"]);
    assert_eq!(talk, at(&ended[0]) - at(&answered[0]));
    let changes = agent_changes(&events);
    let wrap_up = changes
        .iter()
        .position(|c| c["to"] == "wrap-up")
        .expect("201 wrapped up");
    let wrap_up_ms = at(&changes[wrap_up + 1]) - at(&changes[wrap_up]);
    // The waits and talk are the ones the rig produced, give or take the line's
    // signalling (the ring's start, the off-hook's debounce: a few 20 ms ticks).
    assert!(
        (3000..3200).contains(&answer_wait),
        "rang 3 s: {answer_wait}"
    );
    assert!(
        (7800..8200).contains(&abandon_wait),
        "waited 8 s: {abandon_wait}"
    );
    let produced_talk = hung_up_at - off_hook_at;
    assert!(
        talk.abs_diff(produced_talk) <= 60,
        "talk {talk} vs {produced_talk} on the rig"
    );
    assert!((3000..4100).contains(&wrap_up_ms), "{wrap_up_ms}");

    let rows = queue_rows(web, "");
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row["queue"], "agents");
    assert_eq!(row["interval_start"], "2026-12-07T02:00:00Z");
    assert_eq!(row["granularity"], "15m");
    assert_eq!(u(&row["offered"]), 2, "{row}");
    assert_eq!(u(&row["answered"]), 1, "{row}");
    assert_eq!(u(&row["answered_within_service_level"]), 1, "{row}");
    assert_eq!(u(&row["abandoned"]), 1, "{row}");
    assert_eq!(u(&row["abandoned_short"]), 0, "{row}");
    assert_eq!(u(&row["abandon_wait_ms"]), abandon_wait, "{row}");
    assert_eq!(u(&row["answer_wait_ms"]), answer_wait, "{row}");
    assert_eq!(
        row["average_speed_of_answer_ms"], answer_wait as f64,
        "{row}"
    );
    assert_eq!(row["average_abandon_wait_ms"], abandon_wait as f64, "{row}");
    assert_eq!(row["service_level_percent"], 50.0, "{row}");
    assert_eq!(u(&row["talk_ms"]), talk, "{row}");
    assert_eq!(u(&row["hold_ms"]), 0, "{row}");
    assert_eq!(u(&row["wrap_up_ms"]), wrap_up_ms, "{row}");
    assert_eq!(
        row["average_handle_time_ms"],
        (talk + wrap_up_ms) as f64,
        "{row}"
    );
    assert_eq!(queue_rows(web, "&queue=sales"), Vec::<Value>::new());
    assert_eq!(queue_rows(web, "&queue=agents").len(), 1);

    let agents = agent_rows(web);
    assert_eq!(agents.len(), 1, "{agents:?}");
    let agent = &agents[0];
    assert_eq!(u(&agent["offers"]), 1, "{agent}");
    assert_eq!(u(&agent["offers_answered"]), 1, "{agent}");
    assert_eq!(u(&agent["answered"]), 1, "{agent}");
    assert_eq!(u(&agent["talk_ms"]), talk, "{agent}");
    assert_eq!(u(&agent["wrap_up_ms"]), wrap_up_ms, "{agent}");
    assert_eq!(u(&agent["state_ms"]["on-call-inbound"]), talk, "{agent}");
    assert_eq!(u(&agent["state_ms"]["wrap-up"]), wrap_up_ms, "{agent}");
    assert_eq!(u(&agent["state_ms"]["reserved"]), answer_wait, "{agent}");
    assert!(agent["occupancy_percent"].as_f64().is_some(), "{agent}");

    // The same as CSV: a header and one row, as a file.
    let (status, head, body) = common::get_bytes(
        web,
        &format!("/api/reports/queues?{REPORT_RANGE}&interval=15m&format=csv"),
        "",
    );
    assert!(status.contains("200"), "{status}");
    let head = head.to_ascii_lowercase();
    assert!(head.contains("content-type: text/csv"), "{head}");
    assert!(
        head.contains("content-disposition: attachment; filename=\"queues-15m-"),
        "{head}"
    );
    let csv = String::from_utf8(body).expect("UTF-8");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[0].starts_with("interval_start,interval,queue,offered,answered,"));
    assert!(
        lines[1].starts_with("2026-12-07T02:00:00Z,15m,agents,2,1,1,50.0,1,0,"),
        "{csv}"
    );
    let (status, _, body) = common::get_bytes(
        web,
        &format!("/api/reports/agents?{REPORT_RANGE}&interval=1h&format=csv"),
        "",
    );
    assert!(status.contains("200"), "{status}");
    let csv = String::from_utf8(body).expect("UTF-8");
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("2026-12-07T02:00:00Z,1h,201,1,1,0,1,"),
        "{csv}"
    );
    // 201's lunch is still going on: not reported yet.
    assert!(!csv.contains("not_ready_s:lunch"), "{csv}");
    // Hours add up the quarter hours.
    let hourly = common::json(
        web,
        "GET",
        &format!("/api/reports/queues?{REPORT_RANGE}&interval=1h"),
    );
    assert_eq!(hourly["queues"][0]["offered"], 2, "{hourly}");
    assert_eq!(hourly["queues"][0]["granularity"], "1h", "{hourly}");

    // Bad parameters: 400 naming them.
    for (query, named) in [
        ("interval=5m", "interval"),
        ("from=yesterday", "from"),
        ("format=xml", "format"),
        ("agent=201", "agent"),
    ] {
        let (status, body) = common::http(web, "GET", &format!("/api/reports/queues?{query}"));
        assert!(status.contains("400"), "{query}: {status} {body}");
        let error: Value = serde_json::from_str(&body).expect("JSON error");
        assert!(
            error["error"].as_str().unwrap().starts_with(named),
            "{query}: {error}"
        );
    }

    // 201 is still at lunch when the box stops; the new box starts a minute later.
    let lunch_from = at(changes.last().expect("changes"));
    assert_eq!(changes.last().unwrap()["to"], "not-ready");
    let stopped_at = running.engine_stats().expect("engine").engine_time_ms;
    // The box stops first: its phones unplugged before it would log 201 out (a device
    // lost), which is not what a restart does.
    drop(running);
    drop(rig);
    let restart_epoch = BOX_TIME_UNIX_MS + stopped_at + 60_000;
    let running = start_acd(work.path(), "devices-2", restart_epoch);
    let web = running.web_address();
    let mut rig = connect(&running);
    let rows = queue_rows(web, "");
    assert_eq!(rows.len(), 1, "the row after the restart: {rows:?}");
    assert_eq!(rows[0]["offered"], 2, "{rows:?}");
    assert_eq!(rows[0]["answer_wait_ms"], answer_wait, "{rows:?}");
    let before_login = agent_rows(web);
    assert_eq!(
        u(&before_login[0]["not_ready_ms"]["lunch"]),
        stopped_at - lunch_from,
        "lunch until the stop: {before_login:?}"
    );
    // 201 logs in again: their lunch ran on through the restart until now.
    rig.run_for(2000).unwrap();
    agent_state(web, r#"{"state":"login","device":"201"}"#);
    let login = agent_changes(&bus_events(web))
        .last()
        .cloned()
        .expect("the login");
    assert_eq!(login["to"], "ready", "{login}");
    let mut after = agent_rows(web);
    for _ in 0..50 {
        if u(&after[0]["not_ready_ms"]["lunch"]) > stopped_at - lunch_from {
            break;
        }
        rig.run_for(200).unwrap();
        after = agent_rows(web);
    }
    assert_eq!(
        u(&after[0]["not_ready_ms"]["lunch"]),
        stopped_at - lunch_from + 60_000 + at(&login),
        "lunch through the restart: {after:?}"
    );
    let (_, _, body) = common::get_bytes(
        web,
        &format!("/api/reports/agents?{REPORT_RANGE}&interval=15m&format=csv"),
        "",
    );
    let csv = String::from_utf8(body).expect("UTF-8");
    assert!(
        csv.lines().next().unwrap().ends_with(",not_ready_s:lunch"),
        "{csv}"
    );
}
