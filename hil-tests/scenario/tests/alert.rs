//! `expect alert …`: parsed, printed back, and run against a scripted `/api/alerts`.

use far_end::sim::Patch;
use far_end::Rig;
use hil_scenario::{
    parse, run, Action, AlertCondition, AlertView, BoxView, CdrView, Expectation, Mode, Subject,
};

const HEAD: &str = "name: alerts\ndevices: fxo1 fxs3\n";
const KEY: &str = "ivr:acd-test/main=3";

fn expectation(line: &str) -> Expectation {
    let s = parse(&format!("{HEAD}{line}\n"), "alert.hil").unwrap();
    match &s.steps[0].action {
        Action::Expect(e) => e.clone(),
        other => panic!("not an expectation: {other:?}"),
    }
}

fn parse_error(body: &str) -> String {
    parse(body, "bad.hil").unwrap_err().to_string()
}

fn condition(kind: &str, subject: Option<&str>, cleared: bool) -> Subject {
    Subject::Alert(AlertCondition {
        kind: kind.into(),
        subject: subject.map(str::to_owned),
        cleared,
    })
}

#[test]
fn alert_expectations_parse_and_print_back() {
    let e = expectation("expect alert surge ivr:acd-test/main=3 active within 2s");
    assert_eq!(e.subject, condition("surge", Some(KEY), false));
    assert!(!e.negated);
    assert_eq!((e.mode, e.window_ms), (Mode::Within, 2000));
    // `active` is the default; so is the 5 s window.
    let e = expectation("expect alert vip 0209999");
    assert_eq!(e.subject, condition("vip", Some("0209999"), false));
    assert_eq!((e.mode, e.window_ms), (Mode::Within, 5000));
    let e = expectation("expect alert surge not active for 3s");
    assert_eq!(e.subject, condition("surge", None, false));
    assert!(e.negated);
    assert_eq!((e.mode, e.window_ms), (Mode::Throughout, 3000));
    let e = expectation("expect alert queue_waiting agents cleared within 10s");
    assert_eq!(e.subject, condition("queue_waiting", Some("agents"), true));
    let e = expectation("expect alert surge ivr:acd-test/main=3 not within 1s");
    assert_eq!(e.subject, condition("surge", Some(KEY), false));
    assert!(e.negated);
    // A subject spelled like a keyword is quoted.
    let e = expectation("expect alert queue_waiting \"active\" cleared");
    assert_eq!(e.subject, condition("queue_waiting", Some("active"), true));
    for line in [
        "expect alert surge \"ivr:acd-test/main=3\" active within 2s",
        "expect alert surge \"area:020\" not active for 2s",
        "expect alert vip \"0209999\" cleared within 5s",
        "expect alert vip active within 5s",
        "expect alert queue_waiting \"agents\" active within 1s",
        "expect alert queue_longest_wait \"agents\" not active for 10s",
        "expect alert not_ready_too_long \"201\" active within 60s",
        "expect alert queue_waiting \"active\" cleared within 5s",
    ] {
        let e = expectation(line);
        assert_eq!(e.to_string(), line);
        assert_eq!(expectation(&e.to_string()), e);
    }
}

#[test]
fn bad_alert_expectations_say_what_is_wrong() {
    for (line, wanted) in [
        ("expect alert", "missing the alert's kind"),
        ("expect alert storm", "unknown alert kind \"storm\""),
        ("expect alert queue-waiting", "unknown alert kind"),
        ("expect alert surge \"ivr: x\"", "bad alert subject"),
        ("expect alert surge key extra", "unexpected \"extra\""),
        (
            "expect alert surge key active cleared",
            "unexpected \"cleared\"",
        ),
        (
            "expect alert vip active within 2s extra",
            "unexpected \"extra\"",
        ),
    ] {
        let e = parse_error(&format!("{HEAD}{line}\n"));
        assert!(
            e.contains("bad.hil:3:") && e.contains(wanted),
            "{line}: {e}"
        );
    }
}

/// A box whose alerts change at each read of `/api/alerts`: read N sees `script[N]` (the
/// last one from then on). Read 0 is the scenario's start.
struct ScriptedAlerts {
    script: Vec<Vec<AlertView>>,
    reads: usize,
    fail: bool,
}

impl BoxView for ScriptedAlerts {
    fn latest(&mut self, _count: usize) -> anyhow::Result<Vec<CdrView>> {
        Ok(Vec::new())
    }

    fn alerts(&mut self) -> anyhow::Result<Vec<AlertView>> {
        anyhow::ensure!(!self.fail, "connection refused");
        let at = self.reads.min(self.script.len() - 1);
        self.reads += 1;
        Ok(self.script[at].clone())
    }
}

fn surge(uid: &str, key: &str, active: bool) -> AlertView {
    AlertView {
        uid: uid.into(),
        kind: "surge".into(),
        active,
        text: format!("surge: 20 calls for {key} in the last 2 min (usually 0.0)"),
        key: Some(key.into()),
        ..AlertView::default()
    }
}

fn vip(uid: &str, caller: &str, active: bool) -> AlertView {
    AlertView {
        uid: uid.into(),
        kind: "vip".into(),
        active,
        text: format!("VIP caller {caller} is waiting in queue agents"),
        queue: Some("agents".into()),
        caller: Some(caller.into()),
        call: Some("c1-1".into()),
        ..AlertView::default()
    }
}

fn run_alerts(body: &str, view: &mut ScriptedAlerts) -> Result<String, String> {
    let scenario = parse(&format!("{HEAD}{body}"), "alert.hil").unwrap();
    let s = parse(&format!("{HEAD}wait 0s\n"), "rig.hil").unwrap();
    let mut rig =
        Rig::simulated(&s.rig_devices(), Box::new(Patch::new(&[("fxo1", "fxs3")]))).unwrap();
    let mut out = Vec::new();
    let result = run(&scenario, &mut rig, view, &mut out);
    let text = String::from_utf8(out).unwrap();
    match result {
        Ok(_) => Ok(text),
        Err(failure) => Err(format!("{failure}\n{text}")),
    }
}

/// At the start a VIP alert of an earlier scenario is cleared already; then an area surge,
/// the menu surge, the surge cleared.
fn script() -> ScriptedAlerts {
    let old = vip("a1-1", "0209999", false);
    ScriptedAlerts {
        script: vec![
            vec![old.clone()],
            vec![old.clone()],
            vec![surge("a1-2", "area:020", true), old.clone()],
            vec![
                surge("a1-2", "area:020", true),
                surge("a1-3", KEY, true),
                old.clone(),
            ],
            vec![
                surge("a1-2", "area:020", true),
                surge("a1-3", KEY, false),
                old.clone(),
            ],
        ],
        reads: 0,
        fail: false,
    }
}

#[test]
fn an_alert_is_read_every_200ms_until_it_is_raised_and_cleared() {
    let text = run_alerts(
        "expect alert surge ivr:acd-test/main=3 active within 1s\n\
         expect alert surge ivr:acd-test/main=3 cleared within 1s\n\
         expect alert surge area:020 active for 1s\n",
        &mut script(),
    )
    .unwrap();
    assert!(
        text.contains(
            "[ok] 3: expect alert surge ivr:acd-test/main=3 active within 1s (after 0.40s)"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "[ok] 4: expect alert surge ivr:acd-test/main=3 cleared within 1s (after 0.00s)"
        ),
        "{text}"
    );
}

#[test]
fn an_alert_that_is_not_raised_or_raised_too_soon_fails_saying_what_the_box_has() {
    // `not … for`: the menu surge comes at the third read.
    let e = run_alerts(
        "expect alert surge ivr:acd-test/main=3 not active for 2s\n",
        &mut script(),
    )
    .unwrap_err();
    assert!(e.contains("happened after 0.4"), "{e}");
    assert!(e.contains("a1-3 surge active"), "{e}");
    // Without a subject any surge counts: the area one comes first.
    let e = run_alerts("expect alert surge not active for 2s\n", &mut script()).unwrap_err();
    assert!(
        e.contains("happened after 0.2") && e.contains("area:020"),
        "{e}"
    );
    // A kind the box never raised.
    let e = run_alerts(
        "expect alert queue_waiting agents within 1s\n",
        &mut script(),
    )
    .unwrap_err();
    assert!(
        e.contains("not seen within 1s: the box has had no queue_waiting alert about agents since it started"),
        "{e}"
    );
    // A VIP alert cleared before the scenario started is not the scenario's own.
    let e = run_alerts(
        "expect alert vip 0209999 cleared within 1s\n",
        &mut script(),
    )
    .unwrap_err();
    assert!(
        e.contains("not seen within 1s: the box's vip alerts about 0209999: a1-1 vip cleared"),
        "{e}"
    );
    // Not yet cleared.
    let e = run_alerts(
        "expect alert surge area:020 cleared within 1s\n",
        &mut script(),
    )
    .unwrap_err();
    assert!(e.contains("a1-2 surge active"), "{e}");
}

#[test]
fn a_vip_alert_is_about_its_caller_and_its_queue() {
    let mut view = ScriptedAlerts {
        script: vec![
            vec![],
            vec![vip("a1-1", "0209999", true)],
            vec![vip("a1-1", "0209999", false)],
        ],
        reads: 0,
        fail: false,
    };
    let text = run_alerts(
        "expect alert vip 0209999 within 1s\n\
         expect alert vip agents cleared within 1s\n",
        &mut view,
    )
    .unwrap();
    assert!(
        text.contains("[ok] 4: expect alert vip agents cleared"),
        "{text}"
    );
}

#[test]
fn an_unreadable_api_fails_at_once() {
    let mut broken = script();
    broken.fail = true;
    let e = run_alerts("expect alert surge not active for 2s\n", &mut broken).unwrap_err();
    assert!(
        e.contains("cannot read the box's alerts at scenario start: connection refused"),
        "{e}"
    );
}
