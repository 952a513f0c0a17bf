//! `supervise agent ID MODE from EXTENSION`: parsed, printed back, and run against a
//! scripted box (the step passes on the box's acceptance and fails with its refusal).

use far_end::sim::Patch;
use far_end::Rig;
use hil_scenario::{parse, run, Action, BoxView, CdrView};

const HEAD: &str = "name: supervise\ndevices: fxo1 fxs3\n";

fn parse_error(line: &str) -> String {
    parse(&format!("{HEAD}{line}\n"), "bad.hil")
        .unwrap_err()
        .to_string()
}

#[test]
fn the_step_parses_prints_back_and_refuses_what_it_must() {
    let s = parse(
        &format!("{HEAD}supervise agent 201 take-over from 203\n"),
        "s.hil",
    )
    .unwrap();
    assert_eq!(
        s.steps[0].action,
        Action::Supervise {
            agent: "201".into(),
            mode: "take-over".into(),
            extension: "203".into(),
        }
    );
    assert_eq!(
        s.steps[0].action.to_string(),
        "supervise agent 201 take-over from 203"
    );
    assert!(parse_error("supervise agent 201 shout from 203").contains("unknown supervise mode"));
    assert!(parse_error("supervise agent 201 listen 203").contains("from"));
    assert!(parse_error("supervise call 1 listen from 203").contains("supervise agent"));
    assert!(parse_error("supervise agent 2x1 listen from 203").contains("bad agent"));
    assert!(parse_error("supervise agent 201 listen from 203 now").contains("now"));
}

/// A box that accepts supervising agent 201's call and nothing else.
struct Floor {
    asked: Vec<(String, String, String)>,
}

impl BoxView for Floor {
    fn latest(&mut self, _count: usize) -> anyhow::Result<Vec<CdrView>> {
        Ok(Vec::new())
    }
    fn supervise(&mut self, agent: &str, mode: &str, extension: &str) -> anyhow::Result<String> {
        self.asked
            .push((agent.to_owned(), mode.to_owned(), extension.to_owned()));
        if agent == "201" {
            Ok("c1-7".into())
        } else {
            anyhow::bail!("no live call of agent {agent} (the box's calls: none)")
        }
    }
}

#[test]
fn the_step_asks_the_box_and_fails_with_its_answer() {
    let s = parse(
        &format!(
            "{HEAD}supervise agent 201 whisper from 203\nsupervise agent 202 listen from 203\n"
        ),
        "s.hil",
    )
    .unwrap();
    let mut rig =
        Rig::simulated(&s.rig_devices(), Box::new(Patch::new(&[("fxo1", "fxs3")]))).unwrap();
    let mut floor = Floor { asked: Vec::new() };
    let mut out = Vec::new();
    let failure = run(&s, &mut rig, &mut floor, &mut out).unwrap_err();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("[ok] 3: supervise agent 201 whisper from 203 (call c1-7)"),
        "{out}"
    );
    assert_eq!(failure.line, 4);
    assert!(
        failure.message.contains("no live call of agent 202"),
        "{failure}"
    );
    assert_eq!(
        floor.asked,
        [
            ("201".into(), "whisper".into(), "203".into()),
            ("202".into(), "listen".into(), "203".into())
        ]
    );
}
