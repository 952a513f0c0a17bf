//! A configuration applied live on a running box (the technician's `/api/config`):
//! the next call follows it, a call in progress keeps what it started with (its flow, its
//! recording rules) and is not dropped, a text prompt added plays, an invalid one is
//! refused at its field and changes nothing; versions, rollback, backup and a restore
//! checked whole before it replaces anything.

mod common;

use common::live_config::{
    agents_ready, current_version, ringing, tones_pass_both_ways, versions, NEW_CHOICES,
    OLD_CHOICES,
};

use appliance::boot::{start_box, BoxOptions, RunningBox};
use far_end::{PlayItem, Rig};
use serde_json::{json, Value};
use soft_hardware::{ClockMode, DeviceKind};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::Path;

/// A weekday inside the hotline's opening hours (flows/acd-test.toml's `hours`).
const BOX_TIME_UNIX_MS: u64 = 1_796_608_800_000;
const FLOW: &str = "flows/acd-test.toml";

fn start_options(work: &Path) -> BoxOptions {
    let mut options = BoxOptions::new(work.join("config"), work.join("data"));
    options.device_dir = Some(work.join("devices"));
    options.prompt_cache_dir = Some(common::shared_prompt_cache());
    options.provision_token = Some(common::TEST_TOKEN.into());
    options.epoch_unix_ms = Some(BOX_TIME_UNIX_MS);
    options
}

/// The HIL configuration `acd` (one PRI span, phones 201-203, queue `agents`) on a box in
/// `work`, with the rig plugged in.
fn start(work: &Path) -> (RunningBox, Rig, SocketAddr) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../hil-tests/configs/acd");
    common::copy_dir(&source, &work.join("config"));
    let running = start_box(start_options(work)).expect("box starts");
    let web = running.web_address();
    let devices = [
        ("span1", DeviceKind::E1, 1),
        ("fxs2", DeviceKind::Fxs, 2),
        ("fxs3", DeviceKind::Fxs, 3),
        ("fxs4", DeviceKind::Fxs, 4),
    ];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();
    common::wait_link_up(&mut rig, "span1");
    (running, rig, web)
}

/// The configuration's files as the API gives them, with `edits` (file, from, to) made.
fn edited_files(web: SocketAddr, edits: &[(&str, &str, &str)]) -> Value {
    let current = common::json(web, "GET", "/api/config/current");
    let mut files = current["files"].clone();
    for (file, from, to) in edits {
        let text = files[*file]
            .as_str()
            .expect("file in the configuration")
            .to_owned();
        assert!(text.contains(from), "{file} has {from}");
        files[*file] = Value::String(text.replace(from, to));
    }
    files
}

fn apply(web: SocketAddr, files: &Value, comment: &str) -> (String, Value) {
    let body = json!({ "files": files, "comment": comment }).to_string();
    let (status, answer) = common::send(web, "POST", "/api/config/apply", &body);
    let answer = serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{e}: {answer}"));
    (status, answer)
}

/// The carrier calls the hotline as call `number` and keys `key` once the menu plays.
fn hotline_call(rig: &mut Rig, number: usize, from: &str) {
    common::hotline_call_answered(rig, from, number);
    rig.run_for(1000).unwrap();
}

fn key(rig: &mut Rig, number: usize, digits: &str) {
    rig.carrier_mut("span1")
        .unwrap()
        .mouth(number)
        .unwrap()
        .push(PlayItem::Dtmf(digits.into()))
        .unwrap();
}

fn until_ringing(rig: &mut Rig, phone: &str) {
    assert!(
        common::step_until(rig, 8000, |r| r.phone(phone).is_some_and(|p| p.ringing())),
        "{phone} rings: {}",
        rig.state_summary()
    );
}

#[test]
fn a_call_in_progress_keeps_its_configuration_and_the_next_call_follows_the_new_one() {
    let work = tempfile::tempdir().expect("temp dir");
    let (mut running, mut rig, web) = start(work.path());
    assert_eq!(current_version(web), 1, "the configuration at first start");
    agents_ready(&mut rig, web);

    // Call 1: key 2 joins the queue; longest-idle offers it to 202.
    hotline_call(&mut rig, 1, "0201111");
    key(&mut rig, 1, "2");
    until_ringing(&mut rig, "fxs3");
    assert!(!ringing(&rig, "fxs2"), "201 is not offered call 1");
    let now = rig.now_ms();
    rig.phone_mut("fxs3").unwrap().go_off_hook(now);
    rig.run_for(1000).unwrap();
    assert!(tones_pass_both_ways(&mut rig, 1, "fxs3"), "call 1 talks");

    // Call 2 is in the menu, no key yet.
    hotline_call(&mut rig, 2, "0202222");

    // Applied now: the menu's key 2 plays the outage notice and hangs up (key 3 queues),
    // and the queue goes round-robin.
    let files = edited_files(
        web,
        &[
            (FLOW, OLD_CHOICES, NEW_CHOICES),
            (
                "queues.toml",
                r#"strategy = "longest-idle""#,
                r#"strategy = "round-robin""#,
            ),
        ],
    );
    // And every call recorded from now on (there was no recording.toml).
    let mut files = files;
    // (Whatever the test machine's disk has free: its alarm would stop recordings.)
    files["recording.toml"] = json!("default = \"always\"\nmin_free_percent = 0\n");
    let (status, applied) = apply(web, &files, "key 2 is the outage notice");
    assert!(status.contains("200"), "{status} {applied}");
    assert_eq!(applied["version"]["number"], 2, "{applied}");
    assert_eq!(applied["replaced"], 1, "{applied}");
    assert_eq!(
        applied["version"]["user"], "token:provisioning",
        "{applied}"
    );
    assert_eq!(applied["restart_required"], json!([]), "{applied}");
    let live_flow = std::fs::read_to_string(work.path().join("config").join(FLOW)).unwrap();
    assert!(
        live_flow.contains(NEW_CHOICES),
        "written to the live directory"
    );

    // Call 1 is still up and talking.
    assert!(
        tones_pass_both_ways(&mut rig, 1, "fxs3"),
        "call 1 still talks"
    );
    assert!(rig.carrier("span1").unwrap().call(1).unwrap().is_live());

    // Call 2 started with the old flow: its key 2 still queues (201 is the one ready).
    key(&mut rig, 2, "2");
    until_ringing(&mut rig, "fxs2");

    // Call 3 starts after the change: its key 2 is the outage notice, then the box
    // hangs up (cause 16) and no phone rings for it.
    let now = rig.now_ms();
    rig.phone_mut("fxs2").unwrap().go_off_hook(now);
    rig.run_for(1000).unwrap();
    hotline_call(&mut rig, 3, "0203333");
    key(&mut rig, 3, "2");
    let cleared = common::step_until(&mut rig, 30_000, |r| {
        r.carrier("span1")
            .and_then(|c| c.call(3))
            .is_some_and(|call| !call.is_live())
    });
    assert!(
        cleared,
        "call 3 ends after the notice: {}",
        rig.state_summary()
    );
    let call3 = rig.carrier("span1").unwrap().call(3).unwrap();
    assert_eq!(call3.released_by, Some(far_end::ReleasedBy::Box));
    assert_eq!(call3.cause, Some(16));
    assert!(!ringing(&rig, "fxs4"), "no agent was offered call 3");
    assert!(
        tones_pass_both_ways(&mut rig, 1, "fxs3"),
        "call 1 talks to the end"
    );

    // Its record shows the new flow's path (written by the CDR writer's thread).
    let mut call3_path = None;
    for _ in 0..50 {
        let cdrs = common::json(web, "GET", "/api/cdrs?limit=10");
        call3_path = cdrs
            .as_array()
            .expect("cdrs")
            .iter()
            .find(|c| c["caller"] == "0203333")
            .map(|c| c["ivr_path"].clone());
        if call3_path.is_some() {
            break;
        }
        rig.run_for(100).unwrap();
    }
    assert!(
        call3_path
            .as_ref()
            .is_some_and(|p| p.to_string().contains("outage")),
        "call 3 ran the new flow: {call3_path:?}"
    );
    // Recorded by the new rules: call 3 only; calls 1 and 2 started before them. (The
    // index is written on the recording store's thread: asked until it has a row.)
    let recorded_callers = || -> Vec<String> {
        common::json(web, "GET", "/api/recordings")["recordings"]
            .as_array()
            .expect("recordings")
            .iter()
            .filter_map(|r| r["caller"].as_str().map(str::to_owned))
            .collect()
    };
    let mut recorded = recorded_callers();
    for _ in 0..50 {
        if !recorded.is_empty() {
            break;
        }
        rig.run_for(100).unwrap();
        recorded = recorded_callers();
    }
    rig.run_for(500).unwrap();
    let recorded = recorded_callers();
    assert_eq!(recorded, vec!["0203333".to_owned()], "recorded callers");
    running.stop();
}

#[test]
fn a_new_strategy_offers_the_next_call_and_an_invalid_configuration_changes_nothing() {
    let work = tempfile::tempdir().expect("temp dir");
    let (mut running, mut rig, web) = start(work.path());
    agents_ready(&mut rig, web);
    let before = common::json(web, "GET", "/api/config/current");

    // A menu that never waits for a key: refused at its file, line and field.
    let text = before["files"][FLOW].as_str().unwrap();
    let line = 1 + text
        .lines()
        .position(|l| l.starts_with("timeout_s ="))
        .unwrap();
    let broken = edited_files(
        web,
        &[
            (FLOW, "timeout_s = 5", "timeout_s = 0"),
            (
                "queues.toml",
                r#"strategy = "longest-idle""#,
                r#"strategy = "round-robin""#,
            ),
        ],
    );
    let body = json!({ "files": broken }).to_string();
    let (status, checked) = common::send(web, "POST", "/api/config/check", &body);
    assert!(status.contains("200"), "{status} {checked}");
    let checked: Value = serde_json::from_str(&checked).unwrap();
    assert_eq!(checked["ok"], false, "{checked}");
    let (status, refused) = apply(web, &broken, "broken");
    assert!(status.contains("422"), "{status} {refused}");
    assert_eq!(
        refused["errors"], checked["errors"],
        "apply refuses what check reports"
    );
    let errors = refused["errors"].as_array().expect("errors");
    let error = errors
        .iter()
        .find(|e| e["file"] == FLOW)
        .unwrap_or_else(|| panic!("an error in {FLOW}: {refused}"));
    assert_eq!(error["line"], line, "{error}");
    assert!(error["column"].as_u64().is_some_and(|c| c > 0), "{error}");
    assert!(!error["field"].as_str().unwrap().is_empty(), "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("node `main`: `timeout_s` must be at least 1"),
        "{error}"
    );
    // Nothing changed: the files, the versions, and the queue still longest-idle.
    assert_eq!(common::json(web, "GET", "/api/config/current"), before);
    assert_eq!(versions(web).len(), 1);

    let files = edited_files(
        web,
        &[(
            "queues.toml",
            r#"strategy = "longest-idle""#,
            r#"strategy = "round-robin""#,
        )],
    );
    let (status, applied) = apply(web, &files, "round-robin");
    assert!(status.contains("200"), "{status} {applied}");
    assert_eq!(current_version(web), 2);

    // Longest-idle would offer 202; round-robin starts with 201.
    hotline_call(&mut rig, 1, "0201111");
    key(&mut rig, 1, "2");
    until_ringing(&mut rig, "fxs2");
    assert!(!ringing(&rig, "fxs3"), "202 is not offered the call");

    // The diff, then a rollback to version 1 as version 3.
    let (status, _, diff) = common::get_bytes(web, "/api/config/versions/2/diff?against=1", "");
    assert!(status.contains("200"), "{status}");
    let diff = String::from_utf8(diff).unwrap();
    assert!(
        diff.contains("--- v1/queues.toml\n+++ v2/queues.toml\n")
            && diff.contains("-strategy = \"longest-idle\"\n+strategy = \"round-robin\"\n"),
        "{diff}"
    );
    let (_, _, by_default) = common::get_bytes(web, "/api/config/versions/2/diff", "");
    assert_eq!(
        String::from_utf8(by_default).unwrap(),
        diff,
        "against 1 by default"
    );
    let (status, rolled) = common::send(web, "POST", "/api/config/versions/1/rollback", "");
    assert!(status.contains("200"), "{status} {rolled}");
    let rolled: Value = serde_json::from_str(&rolled).unwrap();
    assert_eq!(rolled["version"]["number"], 3);
    assert_eq!(rolled["version"]["comment"], "rollback to 1");
    assert_eq!(
        common::json(web, "GET", "/api/config/current")["files"],
        before["files"]
    );
    let (status, _) = common::http(web, "GET", "/api/config/versions/9");
    assert!(status.contains("404"), "{status}");
    running.stop();
}

/// A POST whose body is `bytes`; the status line and the body.
fn post_bytes(web: SocketAddr, path: &str, bytes: &[u8]) -> (String, String) {
    let mut stream = std::net::TcpStream::connect(web).expect("web port");
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: box\r\nAuthorization: Bearer {}\r\nContent-Type: application/gzip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        common::TEST_TOKEN,
        bytes.len()
    )
    .expect("head sent");
    stream.write_all(bytes).expect("body sent");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response read");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (
        head.lines().next().unwrap_or_default().to_owned(),
        body.to_owned(),
    )
}

#[test]
fn a_backup_restores_only_when_it_is_whole_and_its_database_comes_in_at_the_next_start() {
    let work = tempfile::tempdir().expect("temp dir");
    let (mut running, _rig, web) = start(work.path());
    let (status, head, archive) = common::get_bytes(web, "/api/backup", "");
    assert!(status.contains("200"), "{status}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-disposition: attachment; filename=\"box-backup-"),
        "{head}"
    );
    let scratch = work.path().join("scratch");
    let candidate =
        config_store::backup::inspect_archive(&archive, storage::SCHEMA_VERSION, &scratch)
            .expect("the box's own backup is sound");
    assert!(candidate.config.contains_key("queues.toml"));

    let refused = |bytes: &[u8], why: &str| {
        let (status, body) = post_bytes(web, "/api/backup/restore", bytes);
        assert!(status.contains("422"), "{why}: {status} {body}");
        assert_eq!(versions(web).len(), 1, "{why}: no version saved");
        assert!(
            !work.path().join("data/restore").exists(),
            "{why}: no database staged"
        );
        body
    };
    let mut flipped = archive.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    let body = refused(&flipped, "a flipped byte");
    assert!(
        body.contains("damaged") || body.contains("SHA-256"),
        "{body}"
    );
    let body = refused(&archive[..archive.len() - 100], "truncated");
    assert!(body.contains("damaged or truncated"), "{body}");
    // Whole and hashed right, but its queues.toml fails the check.
    let mut bad_config = candidate.config.clone();
    bad_config.insert(
        "queues.toml".into(),
        b"[queues.agents]\nstrategy = \"loudest\"\n".to_vec(),
    );
    let bad = config_store::backup::build_archive(
        &bad_config,
        &candidate.database,
        "test",
        storage::SCHEMA_VERSION,
        0,
    )
    .unwrap();
    let body = refused(&bad, "an invalid configuration inside");
    assert!(
        body.contains("queues.toml") && body.contains("strategy"),
        "{body}"
    );
    let live_queues = std::fs::read(work.path().join("config/queues.toml")).unwrap();
    assert_eq!(
        live_queues, candidate.config["queues.toml"],
        "the live files untouched"
    );

    // The box's own backup restores: its configuration applied as version 2, its
    // database staged for the next start.
    let (status, body) = post_bytes(web, "/api/backup/restore", &archive);
    assert!(status.contains("200"), "{status} {body}");
    let restored: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(restored["applied"]["version"]["number"], 2, "{restored}");
    assert!(
        restored["database"]
            .as_str()
            .unwrap()
            .contains("next start"),
        "{restored}"
    );
    assert!(work.path().join("data/restore/appliance.db").exists());
    running.stop();
    drop(running);

    let mut options = start_options(work.path());
    options.device_dir = Some(work.path().join("devices-again"));
    let mut again = start_box(options).expect("the box starts on the restored database");
    assert!(work
        .path()
        .join("data/replaced-by-restore/appliance.db")
        .exists());
    assert!(!work.path().join("data/restore/appliance.db").exists());
    assert_eq!(
        current_version(again.web_address()),
        2,
        "no new version at this start"
    );
    again.stop();
}

#[test]
fn a_text_prompt_added_live_is_synthesized_and_played_to_the_next_call() {
    let work = tempfile::tempdir().expect("temp dir");
    let (mut running, mut rig, web) = start(work.path());
    let mut files = edited_files(
        web,
        &[(
            FLOW,
            OLD_CHOICES,
            r#"choices = { "2" = "agents", "3" = "outage", "4" = "notice" }"#,
        )],
    );
    let flow = files[FLOW].as_str().unwrap().to_owned();
    files[FLOW] = json!(format!(
        "{flow}\n[nodes.notice]\ntype = \"play\"\nprompt = \"holiday-notice\"\nnext = \"bye\"\n"
    ));
    let prompts = files["prompts.toml"].as_str().unwrap().to_owned();
    files["prompts.toml"] = json!(format!(
        "{prompts}\n[prompts.holiday-notice]\nen = \"We are closed for the holiday today. Please call again tomorrow morning.\"\n"
    ));
    let (status, applied) = apply(web, &files, "a holiday notice on key 4");
    assert!(status.contains("200"), "{status} {applied}");

    hotline_call(&mut rig, 1, "0201111");
    key(&mut rig, 1, "4");
    let keyed_at = rig.now_ms();
    let mut loudest = f32::MIN;
    let cleared = common::step_until(&mut rig, 30_000, |r| {
        let call = r.carrier("span1").and_then(|c| c.call(1));
        if let Some(level) = call
            .and_then(|c| c.ear())
            .and_then(|ear| ear.meter().block_level_dbm0(0))
        {
            loudest = loudest.max(level);
        }
        call.is_some_and(|c| !c.is_live())
    });
    assert!(cleared, "the box hangs up after the notice");
    // Spoken for seconds (a prompt the engine did not have would end at once, silent).
    let spoken_ms = rig.now_ms() - keyed_at;
    assert!(spoken_ms > 2_500, "the notice lasted {spoken_ms} ms");
    assert!(loudest > -30.0, "the caller heard speech ({loudest} dBm0)");
    let mut path = None;
    for _ in 0..50 {
        path = common::json(web, "GET", "/api/cdrs?limit=5")
            .as_array()
            .and_then(|cdrs| cdrs.first().map(|c| c["ivr_path"].to_string()));
        if path.is_some() {
            break;
        }
        rig.run_for(100).unwrap();
    }
    assert!(
        path.as_ref().is_some_and(|p| p.contains("notice")),
        "{path:?}"
    );
    running.stop();
}

/// `PUT /api/calls/{call}/wrap-up` as agent `agent` (the admin token acting for them).
fn wrap_up_as(web: SocketAddr, agent: &str, call: &str, body: &str) -> (String, Value) {
    let (status, text) = common::send_with_headers(
        web,
        "PUT",
        &format!("/api/calls/{call}/wrap-up"),
        &format!("X-Acting-Agent: {agent}\r\n"),
        body,
    );
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {status} {text}"));
    (status, value)
}

fn codes(web: SocketAddr) -> Vec<String> {
    common::json(web, "GET", "/api/dispositions")["dispositions"]
        .as_array()
        .expect("dispositions")
        .iter()
        .filter_map(|code| code["code"].as_str().map(str::to_owned))
        .collect()
}

/// The queue `agents` as the wallboard shows it (`/api/queues`, the ACD's own count).
fn wallboard_queue(web: SocketAddr) -> Value {
    common::json(web, "GET", "/api/queues")["queues"]
        .as_array()
        .expect("queues")
        .iter()
        .find(|q| q["name"] == "agents")
        .cloned()
        .expect("queue agents")
}

/// The queue report's hour of the box's time (`/api/reports/queues`).
fn report_row(web: SocketAddr) -> Option<Value> {
    common::json(
        web,
        "GET",
        "/api/reports/queues?from=2026-12-07T02:00:00Z&to=2026-12-07T03:00:00Z&interval=1h&queue=agents",
    )["queues"]
        .as_array()
        .and_then(|rows| rows.first().cloned())
}

/// Each queue's service level and the wrap-up codes follow an apply, a rollback and a
/// restore without a restart: a call that waits between the new threshold (5 s) and the
/// old one (20 s) is outside the service level on the wallboard and in the reports, the
/// new code is listed and accepted on its wrap-up and the removed one refused; rolled
/// back, the reports count it within again and the old codes are back; the backup of the
/// new configuration restored brings the new codes back.
#[test]
fn service_levels_and_wrap_up_codes_follow_an_apply_a_rollback_and_a_restore() {
    let work = tempfile::tempdir().expect("temp dir");
    let (mut running, mut rig, web) = start(work.path());
    assert_eq!(wallboard_queue(web)["service_level_ms"], 20_000);
    assert_eq!(codes(web), ["resolved", "complaint"]);

    let files = edited_files(
        web,
        &[
            (
                "queues.toml",
                "wrap_up_s = 3\n",
                "wrap_up_s = 3\nservice_level_s = 5\n",
            ),
            (
                "queues.toml",
                r#"complaint = { en = "Complaint", zh = "投诉" }"#,
                r#"callback-promised = { en = "Callback promised", zh = "承诺回电" }"#,
            ),
        ],
    );
    let (status, applied) = apply(web, &files, "a 5 s service level, a new code");
    assert!(status.contains("200"), "{status} {applied}");
    assert_eq!(applied["restart_required"], json!([]), "{applied}");
    assert_eq!(codes(web), ["resolved", "callback-promised"]);
    assert_eq!(wallboard_queue(web)["service_level_ms"], 5_000);

    // The call waits about 7 s in the queue before 201 logs in (ready at once) and
    // answers.
    hotline_call(&mut rig, 1, "0201111");
    key(&mut rig, 1, "2");
    assert!(
        common::step_until(&mut rig, 5_000, |_| wallboard_queue(web)["waiting"] == 1),
        "the call waits in the queue"
    );
    rig.run_for(6_000).unwrap();
    let (status, body) = common::send(
        web,
        "POST",
        "/api/agents/201/state",
        r#"{"state":"login","device":"201"}"#,
    );
    assert!(status.contains("204"), "login: {status} {body}");
    until_ringing(&mut rig, "fxs2");
    let now = rig.now_ms();
    rig.phone_mut("fxs2").unwrap().go_off_hook(now);
    rig.run_for(1_000).unwrap();
    let pop = common::json(web, "GET", "/api/agents/201/call");
    let call = pop["call"]["id"].as_str().expect("201's call").to_owned();
    let waited = pop["call"]["waited_ms"].as_u64().expect("waited");
    assert!((5_000..20_000).contains(&waited), "waited {waited} ms");

    // The removed code is refused, naming the codes now; the new one is saved.
    let (status, refused) = wrap_up_as(web, "201", &call, r#"{"disposition":"complaint"}"#);
    assert!(status.contains("422"), "{status} {refused}");
    assert_eq!(
        refused["error"],
        "no disposition \"complaint\"; the configured codes: resolved, callback-promised"
    );
    let (status, saved) = wrap_up_as(web, "201", &call, r#"{"disposition":"callback-promised"}"#);
    assert!(status.contains("200"), "{status} {saved}");

    // Answered after the new threshold: outside the service level on the wallboard…
    let queue = wallboard_queue(web);
    assert_eq!(
        (&queue["answered"], &queue["answered_within_service_level"]),
        (&json!(1), &json!(0)),
        "{queue}"
    );
    // …and in the report, once the call has ended and 201's wrap-up is over.
    let now = rig.now_ms();
    rig.phone_mut("fxs2").unwrap().hang_up(now);
    let mut row = None;
    assert!(
        common::step_until(&mut rig, 15_000, |_| {
            row = report_row(web);
            row.as_ref().is_some_and(|r| r["answered"] == 1)
        }),
        "the call in the report: {row:?}"
    );
    let row = row.expect("a row");
    assert_eq!(row["answered_within_service_level"], 0, "{row}");
    assert_eq!(row["service_level_percent"], 0.0, "{row}");
    let (status, _, backup) = common::get_bytes(web, "/api/backup", "");
    assert!(status.contains("200"), "{status}");

    // Rolled back: the reports count with the 20 s threshold running again, the old
    // codes are back.
    let (status, rolled) = common::send(web, "POST", "/api/config/versions/1/rollback", "");
    assert!(status.contains("200"), "{status} {rolled}");
    let rolled: Value = serde_json::from_str(&rolled).unwrap();
    assert_eq!(rolled["restart_required"], json!([]), "{rolled}");
    assert_eq!(codes(web), ["resolved", "complaint"]);
    let row = report_row(web).expect("a row");
    assert_eq!(row["answered_within_service_level"], 1, "{row}");
    let (status, refused) = wrap_up_as(web, "201", &call, r#"{"disposition":"callback-promised"}"#);
    assert!(status.contains("422"), "{status} {refused}");

    // The backup restored: its configuration's codes and threshold are running.
    let (status, body) = post_bytes(web, "/api/backup/restore", &backup);
    assert!(status.contains("200"), "{status} {body}");
    let restored: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        restored["applied"]["restart_required"],
        json!([]),
        "{restored}"
    );
    assert_eq!(codes(web), ["resolved", "callback-promised"]);
    let row = report_row(web).expect("a row");
    assert_eq!(row["answered_within_service_level"], 0, "{row}");
    running.stop();
}
