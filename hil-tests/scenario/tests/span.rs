//! `spanN` steps run by the executor against the carrier, with a simulated PRI user
//! side (`far_end::sim::UserSpan`) standing in for the box: it greets each call it
//! answers, then echoes the caller, and "writes a CDR" for each call it saw end.

use std::sync::{Arc, Mutex};

use far_end::sim::{lock_user_span as lock, PriUserSide, UserSpan};
use far_end::{PlayItem, Rig};
use hil_scenario::{parse, run, CdrSource, CdrView, NoCdrs, StepFailure};
use line_boundary::{LineCommand, LineEvent, PhoneNumber};

/// The box's built-in greeting: a 660/880/1100 Hz chime, 300 ms a note. Its first note
/// is shorter than the spread of 30 answers, so no single block has every call hearing
/// it: each call is judged in its own block.
fn chime() -> Vec<PlayItem> {
    [660, 880, 1100]
        .map(|freq_hz| PlayItem::Tone {
            freq_hz,
            level_dbm0: -13.0,
            duration_ms: 300,
        })
        .to_vec()
}

fn rig(user: UserSpan) -> (Rig, Arc<Mutex<UserSpan>>) {
    let s = parse("name: rig\ndevices: span1\nwait 0s\n", "rig.hil").unwrap();
    let (side, user) = PriUserSide::new("span1", user);
    (
        Rig::simulated(&s.rig_devices(), Box::new(side)).unwrap(),
        user,
    )
}

fn echo_box() -> UserSpan {
    let mut user = UserSpan::new();
    user.set_auto_answer(true);
    user.set_echo(true);
    user.set_greeting(chime());
    user
}

/// One CDR per call the user side saw end: answered, with the cause it got.
struct UserSideCdrs(Arc<Mutex<UserSpan>>);

impl CdrSource for UserSideCdrs {
    fn latest(&mut self, count: usize) -> anyhow::Result<Vec<CdrView>> {
        let user = lock(&self.0);
        let mut rows: Vec<CdrView> = user
            .events()
            .iter()
            .filter_map(|e| match e.event {
                LineEvent::Hangup { cause } => Some(cause),
                _ => None,
            })
            .enumerate()
            .map(|(i, cause)| CdrView {
                id: i as i64 + 1,
                caller: Some("0201234".into()),
                callee: Some("echo".into()),
                disposition: "answered".into(),
                cause: i64::from(cause.0),
                talk_ms: 1000,
                ring_ms: 0,
            })
            .collect();
        rows.reverse();
        rows.truncate(count);
        Ok(rows)
    }
}

/// Runs scenario text; the failure (if any) and the output.
fn run_text(rig: &mut Rig, text: &str, cdrs: &mut dyn CdrSource) -> (Option<StepFailure>, String) {
    let scenario = parse(text, "span.hil").unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    let result = run(&scenario, rig, cdrs, &mut out);
    (result.err(), String::from_utf8(out).unwrap())
}

fn passes(rig: &mut Rig, text: &str, cdrs: &mut dyn CdrSource) -> String {
    match run_text(rig, text, cdrs) {
        (None, out) => out,
        (Some(f), out) => panic!("{f}\n--- output ---\n{out}"),
    }
}

fn fails(rig: &mut Rig, text: &str) -> StepFailure {
    match run_text(rig, text, &mut NoCdrs) {
        (Some(f), _) => f,
        (None, out) => panic!("the scenario must fail:\n{out}"),
    }
}

const THIRTY_CALLS: &str = r#"name: thirty calls into an echo box
devices: span1
expect span1 link up within 5s
span1 call 30 from 0201234 to 100
expect span1 answered 30 within 10s
expect span1 hears tone 660 on all calls within 3s
span1 play tone 1004 on all calls for 2s
expect span1 hears tone 1004 above -25 dBm0 for 500ms on all calls within 3s
expect span1 not hears tone 660 on all calls for 500ms
span1 hang-up all cause 16
expect span1 released 30 cause 16 by carrier within 5s
expect cdr count 30 disposition answered cause 16 within 10s
"#;

#[test]
fn thirty_calls_greeted_echoed_released_with_thirty_cdrs() {
    let (mut rig, user) = rig(echo_box());
    let mut cdrs = UserSideCdrs(Arc::clone(&user));
    let out = passes(&mut rig, THIRTY_CALLS, &mut cdrs);
    assert!(
        out.contains("[ok] 4: span1 call 30 from 0201234 to 100 (calls 1-30)\n"),
        "{out}"
    );
    assert!(
        out.contains("[ok] 7: span1 play tone 1004 on all calls for 2s (30 calls)\n"),
        "{out}"
    );
    assert!(
        out.contains("[ok] 10: span1 hang-up all cause 16 (30 calls)\n"),
        "{out}"
    );
    assert!(
        out.lines()
            .last()
            .unwrap()
            .starts_with("passed: thirty calls into an echo box"),
        "{out}"
    );
    let carrier = rig.carrier("span1").unwrap();
    let answers: Vec<u64> = carrier
        .calls()
        .iter()
        .filter_map(|c| c.answered_at_ms)
        .collect();
    let spread = answers.iter().max().unwrap() - answers.iter().min().unwrap();
    assert!(
        spread > 200,
        "answers spread over {spread}ms: the greeting check judged each call in its own block"
    );
    assert_eq!(
        lock(&user)
            .events()
            .iter()
            .filter(|e| matches!(e.event, LineEvent::Hangup { .. }))
            .count(),
        30
    );
}

/// The shipped scenario, against a user side that behaves as the box's echo test should.
#[test]
fn the_shipped_30_call_scenario_passes_against_a_box_like_user_side() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/pri-30-inbound.hil");
    let scenario = hil_scenario::parse_file(&path).unwrap_or_else(|e| panic!("{e}"));
    let (mut rig, user) = rig(echo_box());
    let mut cdrs = UserSideCdrs(user);
    let mut out = Vec::new();
    let result = run(&scenario, &mut rig, &mut cdrs, &mut out);
    assert!(result.is_ok(), "{}", String::from_utf8_lossy(&out));
}

#[test]
fn failures_say_which_calls_and_what_they_heard() {
    let mut silent = UserSpan::new();
    silent.set_auto_answer(true);
    let (mut rig, _user) = rig(silent);
    let f = fails(
        &mut rig,
        "name: f\ndevices: span1\nexpect span1 link up within 5s\nspan1 call 3 to 100\nexpect span1 answered 3 within 5s\n\
         span1 play tone 1004 on call 2 for 1s\nexpect span1 hears tone 1004 on all calls within 500ms\n",
    );
    assert_eq!(f.line, 7, "nobody echoes");
    assert!(
        f.message
            .starts_with("not seen within 500ms: 3 of 3 calls up do not: call 1 (B"),
        "{}",
        f.message
    );
    assert!(
        f.message
            .contains("1004 Hz was above -30 dBm0 for at most 0ms"),
        "{}",
        f.message
    );
    assert!(
        f.devices
            .starts_with("span1: E1 carrier (network side): link up"),
        "{}",
        f.devices
    );

    let f = fails(
        &mut rig,
        "name: g\ndevices: span1\nexpect span1 released 1 within 200ms\n",
    );
    assert!(
        f.message
            .contains("0 released calls match; 0 still clearing; "),
        "{}",
        f.message
    );

    let f = fails(&mut rig, "name: h\ndevices: span1\nspan1 answer\n");
    assert_eq!(f.message, "no call from the box is waiting to be answered");

    let f = fails(&mut rig, "name: i\ndevices: span1\nspan1 call 28 to 100\n");
    assert_eq!(
        f.message,
        "28 calls asked for but only 27 B-channels are free"
    );
}

#[test]
fn a_call_from_the_box_is_seen_answered_and_released_by_the_box() {
    let (mut rig, user) = rig(UserSpan::new());
    passes(
        &mut rig,
        "name: up\ndevices: span1\nexpect span1 link up within 5s\n",
        &mut NoCdrs,
    );
    let calling = Some(PhoneNumber::parse("201").unwrap());
    lock(&user).command(
        None,
        LineCommand::CallOut {
            calling,
            called: PhoneNumber::parse("0201234").unwrap(),
        },
    );
    let out = passes(
        &mut rig,
        "name: out\ndevices: span1\n\
         expect span1 incoming call to 0201234 from 201 within 2s\n\
         expect span1 not incoming call for 500ms\n\
         span1 answer\n\
         span1 play tone 1004 for 1s\n\
         wait 500ms\n",
        &mut NoCdrs,
    );
    assert!(out.contains("[ok] 5: span1 answer (call 1)"), "{out}");
    let ch = rig
        .carrier("span1")
        .unwrap()
        .call(1)
        .and_then(|c| c.channel)
        .unwrap();
    let heard = lock(&user).ear(ch).unwrap().meter().tone_run_ms(
        1004.0,
        -16.0,
        far_end::DEFAULT_MIN_SHARE,
        400,
    );
    assert_eq!(heard, 400, "the box hears the carrier's tone on its call");
    assert!(lock(&user)
        .events()
        .iter()
        .any(|e| e.event == LineEvent::Answered));

    let handle = lock(&user).calls()[0].handle;
    lock(&user).command(
        Some(handle),
        LineCommand::Hangup {
            cause: line_boundary::Cause(16),
        },
    );
    passes(
        &mut rig,
        "name: end\ndevices: span1\nexpect span1 released 1 cause 16 by box within 2s\n",
        &mut NoCdrs,
    );
}

#[test]
fn los_and_rai_through_scenario_steps() {
    let (mut rig, _user) = rig(echo_box());
    let out = passes(
        &mut rig,
        "name: los\ndevices: span1\nexpect span1 link up within 5s\nspan1 alarm los\n\
         expect span1 remote-alarm within 100ms\nexpect span1 not link up for 3s\n\
         span1 alarm clear\nexpect span1 link up within 5s\nexpect span1 not remote-alarm for 1s\n",
        &mut NoCdrs,
    );
    assert!(out.contains("passed: los"), "{out}");
}
