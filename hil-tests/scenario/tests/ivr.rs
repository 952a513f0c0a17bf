//! The IVR additions: `box time:`, `lookup server:`, `expect ivr …`, `hears audio`,
//! `expect cdr … ivr path`, parsed and run against scripted box events.

use std::collections::BTreeMap;

use far_end::sim::Patch;
use far_end::{LookupBehaviour, Rig};
use hil_scenario::{
    parse, parse_box_time, run, Action, BoxView, CdrView, Condition, EventView, Expectation,
    IvrCondition, Subject,
};

const HEAD: &str = "name: ivr\ndevices: fxo1 fxs3\n";

fn expectation(line: &str) -> Expectation {
    let s = parse(&format!("{HEAD}{line}\n"), "ivr.hil").unwrap();
    match &s.steps[0].action {
        Action::Expect(e) => e.clone(),
        other => panic!("not an expectation: {other:?}"),
    }
}

fn parse_error(body: &str) -> String {
    parse(body, "bad.hil").unwrap_err().to_string()
}

#[test]
fn box_time_is_the_utc_instant_of_a_local_time() {
    assert_eq!(parse_box_time("1970-01-01 00:00 Z"), Ok(0));
    // 2026-12-07 10:00 at UTC+8 is 02:00 UTC.
    assert_eq!(
        parse_box_time("2026-12-07 10:00 +08:00"),
        Ok(1_796_608_800_000)
    );
    assert_eq!(
        parse_box_time("2026-12-07 02:00:00 +00:00"),
        Ok(1_796_608_800_000)
    );
    assert_eq!(
        parse_box_time("2026-12-06 21:00 -05:00"),
        Ok(1_796_608_800_000)
    );
    assert_eq!(parse_box_time("2024-02-29 00:00 Z"), Ok(1_709_164_800_000));
    for bad in [
        "2025-02-29 00:00 Z",
        "2026-12-07 24:00 Z",
        "2026-12-07 10:00",
        "2026-13-01 10:00 Z",
        "2026-12-07 10:00 +15:00",
        "07.12.2026 10:00 Z",
    ] {
        assert!(parse_box_time(bad).is_err(), "{bad} should not parse");
    }
}

#[test]
fn headers_give_the_box_time_and_the_lookup_server() {
    let s = parse(
        "name: h\nbox time: 2026-12-07 22:30 +08:00\nlookup server: 127.0.0.1:18090 slow 5s\ndevices: span1\nwait 1s\n",
        "h.hil",
    )
    .unwrap();
    assert_eq!(s.box_time_unix_ms, Some(1_796_653_800_000));
    let lookup = s.lookup_server.unwrap();
    assert_eq!(lookup.address, "127.0.0.1:18090");
    assert_eq!(
        lookup.behaviour,
        LookupBehaviour::Slow(std::time::Duration::from_secs(5))
    );
    for (how, behaviour) in [
        ("answers", LookupBehaviour::Balance),
        ("garbage", LookupBehaviour::Garbage),
    ] {
        let s = parse(
            &format!("name: h\nlookup server: 127.0.0.1:1 {how}\ndevices: span1\nwait 1s\n"),
            "h.hil",
        )
        .unwrap();
        assert_eq!(s.lookup_server.unwrap().behaviour, behaviour);
    }
    let e = parse_error("name: h\nbox time: tomorrow\ndevices: span1\nwait 1s\n");
    assert!(e.starts_with("bad.hil:2: bad box time"), "{e}");
    let e = parse_error("name: h\nlookup server: localhost answers\ndevices: span1\nwait 1s\n");
    assert!(e.contains("bad.hil:2:") && e.contains("IP:PORT"), "{e}");
    let e = parse_error("name: h\nlookup server: 127.0.0.1:1 sometimes\ndevices: span1\nwait 1s\n");
    assert!(e.contains("answers"), "{e}");
    let e = parse_error(
        "name: h\nbox time: 2026-12-07 10:00 Z\nbox time: 2026-12-07 10:00 Z\ndevices: span1\nwait 1s\n",
    );
    assert!(e.contains("bad.hil:3: `box time:` given twice"), "{e}");
}

#[test]
fn ivr_expectations_parse_and_print_back() {
    let e = expectation("expect ivr path main,billing,balance within 10s");
    assert_eq!(
        e.subject,
        Subject::Ivr {
            call: None,
            condition: IvrCondition::Path {
                nodes: vec!["main".into(), "billing".into(), "balance".into()],
                prefix: false
            }
        }
    );
    assert_eq!(e.window_ms, 10_000);
    let e = expectation("expect ivr path starts main, billing of call 2");
    assert_eq!(
        e.subject,
        Subject::Ivr {
            call: Some(2),
            condition: IvrCondition::Path {
                nodes: vec!["main".into(), "billing".into()],
                prefix: true
            }
        }
    );
    assert_eq!(e.window_ms, 5000);
    for line in [
        "expect ivr path main,billing within 10s",
        "expect ivr path starts hours,main of call 3 within 2s",
        "expect ivr variable balance = \"234.56\" within 1s",
        "expect ivr lookup ok within 3s",
        "expect ivr lookup failed of call 1 within 3s",
        "expect ivr digits \"123456\" within 1s",
        "expect fxs3 hears audio above -40 dBm0 for 200ms within 2s",
        "expect cdr disposition self_service ivr path hours,closed,bye within 5s",
        "expect cdr ivr path none within 5s",
    ] {
        let e = expectation(line);
        assert_eq!(e.to_string(), line);
        assert_eq!(expectation(&e.to_string()), e);
    }
    let e = expectation("expect fxs3 hears audio");
    assert_eq!(
        e.subject,
        Subject::Device {
            device: "fxs3".into(),
            condition: Condition::HearsAudio {
                min_dbm0: -40.0,
                min_ms: 200
            }
        }
    );
}

#[test]
fn bad_ivr_expectations_say_what_is_wrong() {
    for (line, wanted) in [
        ("expect ivr not path main", "no `not`"),
        ("expect ivr path", "missing the nodes"),
        ("expect ivr path main,,billing", "bad node name"),
        ("expect ivr path main for 5s", "takes `within`"),
        ("expect ivr lookup maybe", "expected ok or failed"),
        ("expect ivr variable balance 3", "expected `=`"),
        ("expect ivr path main of call 0", "numbered from 1"),
        ("expect ivr route main", "unknown IVR expectation"),
        (
            "expect fxs3 not hears audio for 100ms",
            "window written out",
        ),
    ] {
        let e = parse_error(&format!("{HEAD}{line}\n"));
        assert!(
            e.contains("bad.hil:3:") && e.contains(wanted),
            "{line}: {e}"
        );
    }
}

fn patched_rig() -> Rig {
    let s = parse(&format!("{HEAD}wait 0s\n"), "rig.hil").unwrap();
    Rig::simulated(&s.rig_devices(), Box::new(Patch::new(&[("fxo1", "fxs3")]))).unwrap()
}

fn ivr(seq: u64, call: &str, step: &str, fields: &[(&str, &str)]) -> EventView {
    let mut map: BTreeMap<String, String> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    map.insert("step".into(), step.into());
    map.insert("flow".into(), "hotline-test".into());
    EventView {
        seq,
        at_ms: seq * 20,
        kind: "ivr".into(),
        call: Some(call.into()),
        fields: map,
    }
}

/// A box whose events appear one more at each read of the bus; `stored` answers
/// `/api/calls/{id}/events` (else 404, and the executor uses the bus).
struct ScriptedEvents {
    events: Vec<EventView>,
    shown: usize,
    stored: bool,
    call_reads: usize,
    /// CDRs, written after the scenario's start (the first read sees none).
    cdrs: Vec<CdrView>,
    cdr_reads: usize,
}

impl ScriptedEvents {
    fn new(events: Vec<EventView>, stored: bool) -> ScriptedEvents {
        ScriptedEvents {
            events,
            shown: 0,
            stored,
            call_reads: 0,
            cdrs: Vec::new(),
            cdr_reads: 0,
        }
    }
}

impl BoxView for ScriptedEvents {
    fn latest(&mut self, count: usize) -> anyhow::Result<Vec<CdrView>> {
        self.cdr_reads += 1;
        if self.cdr_reads == 1 {
            return Ok(Vec::new());
        }
        Ok(self.cdrs.iter().rev().take(count).cloned().collect())
    }

    fn events_after(&mut self, after: u64) -> anyhow::Result<(Vec<EventView>, u64)> {
        let visible = &self.events[..self.shown];
        let last = visible.last().map_or(0, |e| e.seq);
        let page = visible.iter().filter(|e| e.seq > after).cloned().collect();
        self.shown = (self.shown + 1).min(self.events.len());
        Ok((page, last))
    }

    fn call_events(&mut self, call: &str) -> anyhow::Result<Option<Vec<EventView>>> {
        self.call_reads += 1;
        if !self.stored {
            return Ok(None);
        }
        Ok(Some(
            self.events[..self.shown]
                .iter()
                .filter(|e| e.call.as_deref() == Some(call))
                .cloned()
                .collect(),
        ))
    }
}

fn run_events(body: &str, view: &mut ScriptedEvents) -> Result<String, String> {
    let scenario = parse(&format!("{HEAD}{body}"), "ivr.hil").unwrap();
    let mut rig = patched_rig();
    let mut out = Vec::new();
    let result = run(&scenario, &mut rig, view, &mut out);
    let text = String::from_utf8(out).unwrap();
    match result {
        Ok(_) => Ok(text),
        Err(failure) => Err(format!("{failure}\n{text}")),
    }
}

/// An old call (before the scenario), then two calls through the flow.
fn two_calls() -> Vec<EventView> {
    vec![
        ivr(1, "c-old", "node_entered", &[("node", "hours")]),
        ivr(2, "c-1", "node_entered", &[("node", "hours")]),
        ivr(3, "c-1", "node_entered", &[("node", "main")]),
        ivr(
            4,
            "c-1",
            "digits_collected",
            &[("node", "main"), ("digits", "7")],
        ),
        ivr(
            5,
            "c-1",
            "digits_collected",
            &[("node", "main"), ("digits", "1")],
        ),
        ivr(6, "c-1", "node_entered", &[("node", "billing")]),
        ivr(
            7,
            "c-1",
            "variable_set",
            &[("name", "account"), ("value", "123456")],
        ),
        ivr(8, "c-1", "lookup_result", &[("node", "balance")]),
        ivr(
            9,
            "c-1",
            "variable_set",
            &[("name", "balance"), ("value", "234.56")],
        ),
        ivr(10, "c-2", "node_entered", &[("node", "hours")]),
        ivr(11, "c-2", "node_entered", &[("node", "main")]),
        ivr(
            12,
            "c-2",
            "lookup_result",
            &[("node", "balance"), ("error", "the answer is not JSON")],
        ),
        ivr(13, "c-2", "node_entered", &[("node", "lookup-failed")]),
    ]
}

#[test]
fn ivr_steps_are_read_per_call_in_the_order_calls_entered_the_flow() {
    for stored in [true, false] {
        let mut events = ScriptedEvents::new(two_calls(), stored);
        // The first read (the scenario's start) shows only the old call.
        events.shown = 1;
        let out = run_events(
            "expect ivr path hours,main,billing of call 1 within 10s\n\
             expect ivr digits 7 of call 1\n\
             expect ivr digits 1 of call 1\n\
             expect ivr variable balance = 234.56 of call 1\n\
             expect ivr lookup ok of call 1\n\
             expect ivr path starts hours,main within 10s\n\
             expect ivr path hours,main,lookup-failed within 10s\n\
             expect ivr lookup failed\n",
            &mut events,
        )
        .unwrap_or_else(|e| panic!("stored {stored}: {e}"));
        assert!(out.contains("passed:"), "{out}");
        assert!(events.call_reads > 0);
    }
}

#[test]
fn a_path_that_went_elsewhere_fails_at_once_showing_the_calls_steps() {
    let mut events = ScriptedEvents::new(two_calls(), true);
    events.shown = 1;
    let failure = run_events(
        "wait 5s\nexpect ivr path hours,main,agents of call 1 within 10s\n",
        &mut events,
    )
    .unwrap_err();
    assert!(failure.contains("ivr.hil:4:"), "{failure}");
    assert!(failure.contains("cannot become it"), "{failure}");
    // The executor reads the bus every 200 ms; this box shows one more event a read.
    assert!(
        failure.contains(
            "call c-1 (IVR call 1 of 1): path hours,main,billing; main took \"7\"; main took \"1\""
        ),
        "{failure}"
    );
}

#[test]
fn an_ivr_step_that_never_comes_says_so() {
    let mut events = ScriptedEvents::new(vec![], false);
    let failure = run_events("expect ivr lookup ok within 1s\n", &mut events).unwrap_err();
    assert!(
        failure.contains("no call entered an IVR flow since the scenario started"),
        "{failure}"
    );
    let mut events = ScriptedEvents::new(two_calls(), false);
    events.shown = 1;
    let failure = run_events(
        "wait 5s\nexpect ivr variable balance = 1.00 of call 1 within 1s\n",
        &mut events,
    )
    .unwrap_err();
    assert!(failure.contains("not seen within 1s"), "{failure}");
    let failure = run_events("expect ivr digits 9 of call 3 within 1s\n", &mut events).unwrap_err();
    assert!(
        failure.contains("no call 3 entered an IVR flow"),
        "{failure}"
    );
}

#[test]
fn a_cdr_matches_its_ivr_path_exactly() {
    let cdr = |id, path: &[&str]| CdrView {
        id,
        caller: Some("5550123".into()),
        callee: Some("95598".into()),
        disposition: "self_service".into(),
        cause: 16,
        talk_ms: 0,
        ring_ms: 0,
        ivr_flow: Some("hotline-test".into()),
        ivr_path: path.iter().map(|s| s.to_string()).collect(),
        survey: None,
    };
    let mut events = ScriptedEvents::new(vec![], false);
    events.cdrs = vec![cdr(1, &["hours", "closed", "bye"])];
    run_events(
        "expect cdr ivr path hours,closed,bye within 1s\n",
        &mut events,
    )
    .unwrap();
    let mut events = ScriptedEvents::new(vec![], false);
    events.cdrs = vec![cdr(1, &["hours", "main", "beep", "bye"])];
    let failure =
        run_events("expect cdr ivr path hours,main within 1s\n", &mut events).unwrap_err();
    assert!(
        failure.contains("ivr hotline-test path hours,main,beep,bye"),
        "{failure}"
    );
}

#[test]
fn hears_audio_is_any_sound_above_the_level_for_the_time() {
    let body = "fxo1 call from 5550123\n\
                expect fxs3 ringing within 10s\n\
                fxs3 off-hook\n\
                expect fxo1 answered within 1s\n\
                expect fxs3 not hears audio for 20ms within 500ms\n\
                fxo1 play tone 1004 at -30 dBm0 for 1s\n\
                expect fxs3 hears audio for 500ms within 1s\n\
                expect fxs3 hears audio above -35 dBm0\n\
                expect fxs3 not hears audio above -25 dBm0 for 20ms within 300ms\n\
                wait 1s\n\
                expect fxs3 hears silence for 300ms within 1s\n";
    let mut events = ScriptedEvents::new(vec![], false);
    run_events(body, &mut events).unwrap();
    let failure = run_events(
        "fxo1 call from 5550123\nexpect fxs3 ringing within 10s\nfxs3 off-hook\nexpect fxs3 hears audio within 1s\n",
        &mut events,
    )
    .unwrap_err();
    assert!(
        failure.contains(
            "not seen within 1s: longest run of audio above -40 dBm0 in the last 10s: 0ms"
        ),
        "{failure}"
    );
}
