//! `expect agent …`: parsed, printed back, and run against a scripted `/api/agents`.

use far_end::sim::Patch;
use far_end::Rig;
use hil_scenario::{
    parse, run, Action, AgentCondition, AgentView, BoxView, CdrView, Expectation, Mode, Subject,
};

const HEAD: &str = "name: agents\ndevices: fxo1 fxs3\n";

fn expectation(line: &str) -> Expectation {
    let s = parse(&format!("{HEAD}{line}\n"), "agent.hil").unwrap();
    match &s.steps[0].action {
        Action::Expect(e) => e.clone(),
        other => panic!("not an expectation: {other:?}"),
    }
}

fn parse_error(body: &str) -> String {
    parse(body, "bad.hil").unwrap_err().to_string()
}

#[test]
fn agent_expectations_parse_and_print_back() {
    let e = expectation("expect agent 201 not-ready missed within 2s");
    assert_eq!(
        e.subject,
        Subject::Agent(AgentCondition {
            agent: "201".into(),
            state: "not-ready".into(),
            reason: Some("missed".into()),
            device: None,
        })
    );
    assert!(!e.negated);
    assert_eq!((e.mode, e.window_ms), (Mode::Within, 2000));
    let e = expectation("expect agent 201 ready at 202");
    assert_eq!(
        e.subject,
        Subject::Agent(AgentCondition {
            agent: "201".into(),
            state: "ready".into(),
            reason: None,
            device: Some("202".into()),
        })
    );
    assert_eq!(e.window_ms, 5000);
    let e = expectation("expect agent 203 not on-call for 3s");
    assert!(e.negated);
    assert_eq!((e.mode, e.window_ms), (Mode::Throughout, 3000));
    for line in [
        "expect agent \"201\" ready within 2s",
        "expect agent \"201\" not-ready within 2s",
        "expect agent \"201\" not-ready lunch at \"203\" within 1s",
        "expect agent \"202\" on-call at \"202\" within 2s",
        "expect agent \"202\" on-hold within 2s",
        "expect agent \"202\" reserved within 2s",
        "expect agent \"202\" wrap-up within 2s",
        "expect agent \"202\" logged-out for 2s",
        "expect agent \"203\" not ready for 6s",
    ] {
        let e = expectation(line);
        assert_eq!(e.to_string(), line);
        assert_eq!(expectation(&e.to_string()), e);
    }
}

#[test]
fn bad_agent_expectations_say_what_is_wrong() {
    for (line, wanted) in [
        ("expect agent", "missing the agent's number"),
        ("expect agent 20a ready", "bad agent number"),
        ("expect agent 123456789 ready", "bad agent number"),
        ("expect agent 201", "missing the agent's state"),
        ("expect agent 201 busy", "unknown agent state \"busy\""),
        (
            "expect agent 201 ready lunch",
            "only not-ready takes a reason",
        ),
        ("expect agent 201 not-ready Lunch", "bad not-ready reason"),
        ("expect agent 201 ready at", "missing the phone's extension"),
        ("expect agent 201 ready at fxs3", "bad extension"),
        (
            "expect agent 201 ready within 2s extra",
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

/// A box whose agents change at each read of `/api/agents`: read N sees `script[N]`
/// (the last one from then on).
struct ScriptedAgents {
    script: Vec<Vec<AgentView>>,
    reads: usize,
    fail: bool,
}

impl BoxView for ScriptedAgents {
    fn latest(&mut self, _count: usize) -> anyhow::Result<Vec<CdrView>> {
        Ok(Vec::new())
    }

    fn agents(&mut self) -> anyhow::Result<Vec<AgentView>> {
        anyhow::ensure!(!self.fail, "connection refused");
        let at = self.reads.min(self.script.len() - 1);
        self.reads += 1;
        Ok(self.script[at].clone())
    }
}

fn agent(id: &str, state: &str, reason: Option<&str>, device: Option<&str>) -> AgentView {
    AgentView {
        id: id.into(),
        state: state.into(),
        reason: reason.map(str::to_owned),
        device: device.map(str::to_owned),
    }
}

fn run_agents(body: &str, view: &mut ScriptedAgents) -> Result<String, String> {
    let scenario = parse(&format!("{HEAD}{body}"), "agent.hil").unwrap();
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

fn script() -> ScriptedAgents {
    ScriptedAgents {
        script: vec![
            vec![agent("201", "logged-out", None, None)],
            vec![agent("201", "ready", None, Some("202"))],
            vec![agent("201", "reserved", None, Some("202"))],
            vec![agent("201", "not-ready", Some("missed"), Some("202"))],
        ],
        reads: 0,
        fail: false,
    }
}

#[test]
fn an_agent_state_is_read_every_200ms_until_it_comes() {
    let text = run_agents(
        "expect agent 201 logged-out within 1s\n\
         expect agent 201 ready at 202 within 1s\n\
         expect agent 201 not-ready missed at 202 within 1s\n",
        &mut script(),
    )
    .unwrap();
    assert!(
        text.contains("[ok] 5: expect agent 201 not-ready missed at 202 within 1s (after 0.20s)"),
        "{text}"
    );
}

#[test]
fn a_state_that_does_not_come_or_stops_holding_fails_saying_what_the_box_said() {
    let e = run_agents("expect agent 201 on-call within 1s\n", &mut script()).unwrap_err();
    assert!(
        e.contains("not seen within 1s: the box says agent 201 not-ready missed at 202"),
        "{e}"
    );
    // The reason and the phone count.
    let e = run_agents(
        "wait 1s\nexpect agent 201 not-ready lunch within 1s\n",
        &mut script(),
    )
    .unwrap_err();
    assert!(e.contains("the box says agent 201 not-ready missed"), "{e}");
    let e = run_agents(
        "wait 1s\nexpect agent 201 not-ready at 203 within 1s\n",
        &mut script(),
    )
    .unwrap_err();
    assert!(e.contains("not seen within 1s"), "{e}");
    // `for`: the state must hold at every read.
    let e = run_agents("expect agent 201 not ready for 2s\n", &mut script()).unwrap_err();
    assert!(e.contains("happened after 0.2"), "{e}");
    let e = run_agents("expect agent 201 logged-out for 1s\n", &mut script()).unwrap_err();
    assert!(e.contains("stopped holding after"), "{e}");
}

#[test]
fn an_unknown_agent_or_an_unreadable_api_fails_at_once() {
    let e = run_agents("expect agent 299 ready within 5s\n", &mut script()).unwrap_err();
    assert!(
        e.contains("the box has no agent 299 (its agents: 201)") && e.contains("t=0.00s"),
        "{e}"
    );
    let mut broken = script();
    broken.fail = true;
    let e = run_agents("expect agent 201 not ready for 2s\n", &mut broken).unwrap_err();
    assert!(
        e.contains("cannot read the box's agents: connection refused"),
        "{e}"
    );
}
