//! The executor against far ends patched to each other (no box): a phone plugged
//! straight into a telco line.

use dsp::g711;
use far_end::sim::{Patch, SimulatedBox};
use far_end::Rig;
use hil_scenario::{parse, run, BoxView, CdrSource, CdrView, NoCdrs};
use soft_hardware::{Block, DeviceKind};

fn patched_rig() -> Rig {
    let s = parse("name: rig\ndevices: fxo1 fxs3\nwait 0s\n", "rig.hil").unwrap();
    Rig::simulated(&s.rig_devices(), Box::new(Patch::new(&[("fxo1", "fxs3")]))).unwrap()
}

/// CDRs appear as the test pushes them; one old CDR predates the scenario.
struct FakeCdrs {
    rows: Vec<CdrView>,
    reads: usize,
}

impl CdrSource for FakeCdrs {
    fn latest(&mut self, count: usize) -> anyhow::Result<Vec<CdrView>> {
        self.reads += 1;
        // The "box" writes the CDR of the scenario's call on the fifth read.
        if self.reads == 5 {
            self.rows.push(CdrView {
                id: 8,
                caller: Some("5550123".into()),
                callee: Some("201".into()),
                disposition: "answered".into(),
                cause: 16,
                talk_ms: 2500,
                ring_ms: 5000,
                ivr_flow: None,
                ivr_path: Vec::new(),
                survey: None,
            });
        }
        let mut rows = self.rows.clone();
        rows.reverse();
        rows.truncate(count);
        Ok(rows)
    }
}

fn old_cdr() -> CdrView {
    CdrView {
        id: 7,
        caller: Some("5550123".into()),
        callee: Some("201".into()),
        disposition: "answered".into(),
        cause: 16,
        talk_ms: 1000,
        ring_ms: 1000,
        ivr_flow: None,
        ivr_path: Vec::new(),
        survey: None,
    }
}

const CALL: &str = r#"name: phone on a telco line
config: basic
devices: fxo1 fxs3
fxo1 call from 5550123 name "Alice" cid etsi-before-ring
expect fxs3 caller-id 5550123 name "Alice" within 3s
expect fxs3 ringing within 10s
expect fxs3 rings 1
fxs3 off-hook
expect fxo1 answered within 1s
expect fxo1 off-hook for 500ms
fxo1 play tone 1004 for 2s
fxs3 play tone 660 at -10 dBm0 for 2s
expect fxs3 hears tone 1004 above -16 dBm0 for 500ms within 1s
expect fxo1 hears tone 660 above -12 dBm0 for 500ms within 1s
expect fxs3 not hears tone 660 above -40 dBm0 for 100ms within 1s   # no echo on a patch cord
fxo1 send dtmf "*#*9"
expect fxs3 hears dtmf "*#" within 2s
expect fxs3 hears dtmf 9 within 1s
fxs3 dial 5
expect fxo1 hears dtmf 5 within 1s
expect fxs3 hears silence for 300ms within 1s
fxo1 hang-up
expect fxs3 not battery for 900ms
wait 200ms
expect fxs3 battery within 100ms
expect cdr disposition answered cause 16 from 5550123 to 201 talk >= 2s within 5s
"#;

#[test]
fn a_whole_call_passes_and_prints_one_line_per_step() {
    let scenario = parse(CALL, "call.hil").unwrap();
    let mut rig = patched_rig();
    let mut cdrs = FakeCdrs {
        rows: vec![old_cdr()],
        reads: 0,
    };
    let mut out = Vec::new();
    let report = run(&scenario, &mut rig, &mut cdrs, &mut out).unwrap_or_else(|f| {
        panic!("{f}\n--- output ---\n{}", String::from_utf8_lossy(&out));
    });
    let out = String::from_utf8(out).unwrap();
    assert_eq!(report.steps, scenario.steps.len());
    assert_eq!(
        out.lines().filter(|l| l.starts_with("[ok] ")).count(),
        scenario.steps.len(),
        "{out}"
    );
    assert!(
        out.contains("[ok] 6: expect fxs3 ringing within 10s (after "),
        "{out}"
    );
    assert!(
        out.contains("[ok] 10: expect fxo1 off-hook for 500ms (held for 0.50s)"),
        "{out}"
    );
    assert!(out.contains("[ok] 8: fxs3 off-hook\n"), "{out}");
    assert!(
        out.lines()
            .last()
            .unwrap()
            .starts_with("passed: phone on a telco line"),
        "{out}"
    );
    // The pre-existing CDR #7 also matches all fields but talk; only #8 satisfies it.
    assert!(cdrs.reads >= 5);
}

fn failing(body: &str) -> (hil_scenario::StepFailure, String) {
    let text = format!("name: failing\ndevices: fxo1 fxs3\n{body}");
    let scenario = parse(&text, "fail.hil").unwrap();
    let mut rig = patched_rig();
    let mut out = Vec::new();
    let failure =
        run(&scenario, &mut rig, &mut NoCdrs, &mut out).expect_err("the scenario must fail");
    (failure, String::from_utf8(out).unwrap())
}

#[test]
fn a_tone_that_never_comes_fails_naming_step_line_and_what_was_heard() {
    let (f, out) = failing(
        "fxo1 call cid none\nfxs3 off-hook\nexpect fxo1 answered within 1s\nfxo1 play tone 1004 for 3s\nexpect fxs3 hears tone 700 within 1s\nwait 1s\n",
    );
    assert_eq!((f.file.as_str(), f.line), ("fail.hil", 7));
    assert_eq!(f.step, "expect fxs3 hears tone 700 within 1s");
    assert!(
        f.message.starts_with("not seen within 1s: "),
        "{}",
        f.message
    );
    assert!(
        f.message
            .contains("700 Hz was above -30 dBm0 for at most 0ms"),
        "{}",
        f.message
    );
    assert!(
        f.message.contains("hears 1005 Hz") || f.message.contains("hears 1000 Hz"),
        "what was heard instead: {}",
        f.message
    );
    let text = f.to_string();
    assert!(
        text.starts_with("fail.hil:7: `expect fxs3 hears tone 700 within 1s` failed at t="),
        "{text}"
    );
    assert!(text.contains("fxo1: telco line Answered"), "{text}");
    assert!(
        out.contains("[FAIL] 7: expect fxs3 hears tone 700 within 1s: not seen within 1s"),
        "{out}"
    );
    assert!(
        !out.contains("wait 1s"),
        "stops at the first failure: {out}"
    );
}

#[test]
fn a_negated_expectation_fails_when_the_thing_happens() {
    let (f, _) = failing("fxo1 call\nexpect fxs3 not ringing within 3s\n");
    assert_eq!(f.line, 4);
    assert!(
        f.message.starts_with("happened after 0.02s: ringing on"),
        "{}",
        f.message
    );
}

#[test]
fn wrong_caller_id_and_missing_cdr_say_what_was_seen() {
    let (f, _) =
        failing("fxo1 call from 123 cid etsi-before-ring\nexpect fxs3 caller-id 456 within 3s\n");
    assert!(
        f.message.contains("caller IDs received: at "),
        "{}",
        f.message
    );
    assert!(f.message.contains("number 123"), "{}", f.message);

    let (f, _) = failing("fxs3 off-hook\nexpect cdr disposition answered within 1s\n");
    assert_eq!(f.line, 4);
    assert!(
        f.message.contains("no new CDR was written"),
        "{}",
        f.message
    );
}

#[test]
fn an_action_the_device_refuses_fails_the_step() {
    let (f, _) = failing("fxs3 dial 1\n");
    assert_eq!(f.line, 3);
    assert_eq!(f.message, "the phone is on hook");
    let (f, _) = failing("fxo1 call\nfxo1 call\n");
    assert_eq!(f.line, 4);
    assert!(f.message.contains("not idle"), "{}", f.message);
}

const REPEATED: &str = r#"name: repeated digits
devices: fxo1 fxs3
fxo1 call cid none
expect fxs3 ringing within 2s
fxs3 off-hook
expect fxo1 answered within 1s
repeat 3
  fxo1 send dtmf 1
  expect fxs3 hears dtmf 1 within 1s
  repeat 2
    fxs3 dial 5
    expect fxo1 hears dtmf 5 within 1s
  end
end
"#;

#[test]
fn a_repeat_block_runs_its_steps_n_times_naming_each_round() {
    let scenario = parse(REPEATED, "rep.hil").unwrap();
    assert_eq!(scenario.steps.len(), 4 + 3 * (2 + 2 * 2));
    let mut rig = patched_rig();
    let mut out = Vec::new();
    let report = run(&scenario, &mut rig, &mut NoCdrs, &mut out).unwrap_or_else(|f| {
        panic!("{f}\n--- output ---\n{}", String::from_utf8_lossy(&out));
    });
    let out = String::from_utf8(out).unwrap();
    assert_eq!(report.steps, 22);
    assert_eq!(out.lines().filter(|l| l.starts_with("[ok] ")).count(), 22);
    assert!(
        out.contains("[ok] 8: fxo1 send dtmf 1 (repeat 3/3)\n"),
        "{out}"
    );
    assert!(
        out.contains("[ok] 11: fxs3 dial 5 (repeat 2/3, 2/2)\n"),
        "{out}"
    );
    assert!(
        out.contains("[ok] 12: expect fxo1 hears dtmf 5 within 1s (repeat 3/3, 1/2) (after "),
        "{out}"
    );
    let dialled = rig.telco("fxo1").unwrap().ear().digit_string();
    assert_eq!(dialled, "555555", "six rounds of the inner block");
}

#[test]
fn a_failure_in_a_repeat_names_the_round() {
    let (f, out) = failing(
        "fxo1 call cid none\nfxs3 off-hook\nexpect fxo1 answered within 1s\nfxo1 send dtmf 1\n\
         repeat 3\nexpect fxs3 hears dtmf 1 within 500ms\nend\n",
    );
    // The one "1" is matched in round 1; round 2 has nothing left to match.
    assert_eq!(f.line, 8);
    assert_eq!(f.step, "expect fxs3 hears dtmf 1 within 500ms (repeat 2/3)");
    assert!(
        out.contains("[ok] 8: expect fxs3 hears dtmf 1 within 500ms (repeat 1/3) (after "),
        "{out}"
    );
    assert!(
        f.to_string()
            .starts_with("fail.hil:8: `expect fxs3 hears dtmf 1 within 500ms (repeat 2/3)` failed"),
        "{f}"
    );
}

/// A box whose CDRs appear at given reads: `(read, cdr)` is visible from that read on
/// (read 1 is the executor's baseline read at the scenario's start).
struct ScriptedCdrs {
    rows: Vec<(usize, CdrView)>,
    reads: usize,
    /// The `count` of every read, to see how far back the executor looked.
    asked: Vec<usize>,
}

impl ScriptedCdrs {
    fn new(rows: Vec<(usize, CdrView)>) -> ScriptedCdrs {
        ScriptedCdrs {
            rows,
            reads: 0,
            asked: Vec::new(),
        }
    }
}

impl BoxView for ScriptedCdrs {
    fn latest(&mut self, count: usize) -> anyhow::Result<Vec<CdrView>> {
        self.reads += 1;
        self.asked.push(count);
        let mut rows: Vec<CdrView> = self
            .rows
            .iter()
            .filter(|(from, _)| *from <= self.reads)
            .map(|(_, c)| c.clone())
            .collect();
        rows.sort_by_key(|c| std::cmp::Reverse(c.id));
        rows.truncate(count);
        Ok(rows)
    }
}

fn cdr(id: i64, disposition: &str, cause: i64, from: &str) -> CdrView {
    CdrView {
        id,
        caller: Some(from.into()),
        callee: Some("201".into()),
        disposition: disposition.into(),
        cause,
        talk_ms: 1000,
        ring_ms: 1000,
        ivr_flow: None,
        ivr_path: Vec::new(),
        survey: None,
    }
}

/// Runs `body` (steps) against `cdrs`; the failure, if any, and the output.
fn run_cdrs(body: &str, cdrs: &mut ScriptedCdrs) -> (Option<hil_scenario::StepFailure>, String) {
    let text = format!("name: cdrs\ndevices: fxo1 fxs3\n{body}");
    let scenario = parse(&text, "cdr.hil").unwrap();
    let mut rig = patched_rig();
    let mut out = Vec::new();
    let result = run(&scenario, &mut rig, cdrs, &mut out);
    (result.err(), String::from_utf8(out).unwrap())
}

#[test]
fn cdr_count_wants_exactly_that_many_new_matching_cdrs() {
    // #7 predates the scenario; #8 does not match; #9 and #10 arrive while it waits.
    let mut cdrs = ScriptedCdrs::new(vec![
        (0, cdr(7, "answered", 16, "5550123")),
        (2, cdr(8, "busy", 17, "5550123")),
        (3, cdr(9, "answered", 16, "5550123")),
        (4, cdr(10, "answered", 16, "5550124")),
    ]);
    let (failure, out) = run_cdrs(
        "expect cdr count 2 disposition answered cause 16 within 2s\n",
        &mut cdrs,
    );
    assert!(failure.is_none(), "{failure:?}\n{out}");
    assert!(
        out.contains(
            "[ok] 3: expect cdr count 2 disposition answered cause 16 within 2s (after 0.40s)"
        ),
        "passes at the read that brings the second one: {out}"
    );
}

#[test]
fn more_matching_cdrs_than_the_count_fail_at_once_saying_how_many() {
    let mut cdrs = ScriptedCdrs::new(vec![
        (0, cdr(7, "answered", 16, "5550123")),
        (2, cdr(8, "answered", 16, "5550123")),
        (2, cdr(9, "answered", 16, "5550123")),
        (2, cdr(10, "answered", 16, "5550124")),
        (2, cdr(11, "busy", 17, "5550124")),
    ]);
    let (failure, out) = run_cdrs(
        "expect cdr count 2 disposition answered within 10s\nwait 1s\n",
        &mut cdrs,
    );
    let f = failure.unwrap_or_else(|| panic!("three answered CDRs are not two:\n{out}"));
    assert_eq!(f.line, 3);
    assert!(
        f.message
            .starts_with("3 matching CDRs found, expected exactly 2 (#8, #9, #10); new CDRs: #8 "),
        "{}",
        f.message
    );
    assert!(
        f.message.contains("#11 5550124 → 201 busy"),
        "{}",
        f.message
    );
    assert!(
        f.at_ms < 1000,
        "fails at the read that shows the third, not at the window's end: {}",
        f.at_ms
    );
    assert!(!out.contains("wait 1s"), "{out}");
}

#[test]
fn without_a_count_a_cdr_step_wants_exactly_one() {
    let mut cdrs = ScriptedCdrs::new(vec![
        (2, cdr(8, "answered", 16, "5550123")),
        (2, cdr(9, "answered", 16, "5550123")),
    ]);
    let (failure, _) = run_cdrs(
        "expect cdr disposition answered from 5550123 within 2s\n",
        &mut cdrs,
    );
    let f = failure.expect("a second CDR for the one call is a failure");
    assert!(
        f.message
            .starts_with("2 matching CDRs found, expected exactly 1 (#8, #9)"),
        "{}",
        f.message
    );
}

#[test]
fn cdrs_matched_by_an_earlier_step_are_not_counted_again() {
    let mut cdrs = ScriptedCdrs::new(vec![
        (2, cdr(8, "answered", 16, "5550123")),
        (2, cdr(9, "answered", 16, "201")),
        (2, cdr(10, "failed", 41, "5550123")),
        (2, cdr(11, "answered", 16, "202")),
    ]);
    let (failure, out) = run_cdrs(
        "expect cdr disposition answered from 5550123 within 2s\n\
         expect cdr count 2 cause 16 within 2s\n\
         expect cdr cause 41 within 2s\n\
         expect cdr count 1 disposition answered within 1s\n",
        &mut cdrs,
    );
    // #8 went to the first step, #9 and #11 to the second, #10 to the third: none left.
    let f = failure.unwrap_or_else(|| panic!("every CDR was matched before:\n{out}"));
    assert_eq!(f.line, 6, "{out}");
    assert!(
        f.message
            .starts_with("not seen within 1s: 0 of 1 matching CDRs found; no new CDR was written"),
        "{}",
        f.message
    );
}

#[test]
fn too_few_matching_cdrs_say_how_many_were_found() {
    let mut cdrs = ScriptedCdrs::new(vec![
        (2, cdr(8, "answered", 16, "5550123")),
        (2, cdr(9, "busy", 17, "5550123")),
    ]);
    let (failure, _) = run_cdrs(
        "expect cdr count 2 disposition answered within 1s\n",
        &mut cdrs,
    );
    let f = failure.expect("one is not two");
    assert!(
        f.message.starts_with(
            "not seen within 1s: 1 of 2 matching CDRs found; new CDRs: #8 5550123 → 201 answered cause 16"
        ),
        "{}",
        f.message
    );
}

#[test]
fn a_count_looks_back_to_the_scenario_start_past_the_newest_fifty() {
    // 60 CDRs since the start; the 3 matching ones are the oldest of them, beyond the
    // newest 50 (and a fourth matching one predates the scenario).
    let mut rows = vec![(0, cdr(100, "busy", 17, "5550123"))];
    for id in 101..=160 {
        let disposition = if id <= 103 { "busy" } else { "answered" };
        rows.push((2, cdr(id, disposition, 17, "5550123")));
    }
    let mut cdrs = ScriptedCdrs::new(rows);
    let (failure, out) = run_cdrs("expect cdr count 3 disposition busy within 1s\n", &mut cdrs);
    assert!(failure.is_none(), "{failure:?}\n{out}");
    assert!(cdrs.asked.contains(&1000), "{:?}", cdrs.asked);

    // With 4 of them the count is wrong, even beyond the newest 50.
    let mut rows = vec![(0, cdr(100, "answered", 16, "5550123"))];
    for id in 101..=160 {
        let disposition = if id <= 104 { "busy" } else { "answered" };
        rows.push((2, cdr(id, disposition, 17, "5550123")));
    }
    let mut cdrs = ScriptedCdrs::new(rows);
    let (failure, _) = run_cdrs("expect cdr count 3 disposition busy within 1s\n", &mut cdrs);
    let f = failure.expect("four busy CDRs are not three");
    assert!(
        f.message
            .starts_with("4 matching CDRs found, expected exactly 3 (#101, #102, #103, #104)"),
        "{}",
        f.message
    );
}

/// A patch cord that also mixes what each end sends back into what it receives, at the
/// same level: a bridge that forgets to leave a party's own voice out of its mix.
struct MixingPatch {
    patch: Patch,
    ends: (usize, usize),
}

impl SimulatedBox for MixingPatch {
    fn attach(&mut self, devices: &[(String, DeviceKind, u16)]) -> Result<(), String> {
        let find = |name: &str| {
            devices
                .iter()
                .position(|(n, _, _)| n == name)
                .ok_or_else(|| format!("no {name}"))
        };
        self.ends = (find("fxo1")?, find("fxs3")?);
        self.patch.attach(devices)
    }

    fn tick(&mut self, now_ms: u64, from: &[&Block], to: &mut [Block]) {
        self.patch.tick(now_ms, from, to);
        let (a, b) = self.ends;
        for (own, other) in [(a, b), (b, a)] {
            let mix: Vec<u8> = from[own].channels[0]
                .audio
                .iter()
                .zip(from[other].channels[0].audio.iter())
                .map(|(&x, &y)| {
                    let sum = i32::from(g711::alaw_decode(x)) + i32::from(g711::alaw_decode(y));
                    g711::alaw_encode(sum.clamp(-32768, 32767) as i16)
                })
                .collect();
            to[own].channels[0].audio.copy_from_slice(&mix);
        }
    }
}

/// fxo1 and fxs3 each play their own tone while the "box" mixes each one's tone back in.
fn mixed_back(expectation: &str) -> (Option<hil_scenario::StepFailure>, String) {
    let text = format!(
        "name: own tone mixed back\ndevices: fxo1 fxs3\nfxo1 call cid none\nfxs3 off-hook\n\
         expect fxo1 answered within 1s\nfxo1 play tone 1004 for 3s\nfxs3 play tone 1400 for 3s\n\
         wait 600ms\n{expectation}\n"
    );
    let scenario = parse(&text, "mix.hil").unwrap();
    let devices = scenario.rig_devices();
    let mixing = MixingPatch {
        patch: Patch::new(&[("fxo1", "fxs3")]),
        ends: (0, 0),
    };
    let mut rig = Rig::simulated(&devices, Box::new(mixing)).unwrap();
    let mut out = Vec::new();
    let result = run(&scenario, &mut rig, &mut NoCdrs, &mut out);
    (result.err(), String::from_utf8(out).unwrap())
}

#[test]
fn not_hears_tone_fails_on_an_own_tone_mixed_into_the_other_sides() {
    // 1400 Hz carries about half the power fxs3 hears, so `hears tone 1400` may or may
    // not hold in a block; `not hears` fails on it, whatever else is heard.
    let (f, out) = mixed_back("expect fxs3 not hears tone 1400 above -40 dBm0 for 100ms within 1s");
    let f = f.unwrap_or_else(|| panic!("fxs3's own tone comes back:\n{out}"));
    assert_eq!(f.line, 9, "{out}");
    assert!(
        f.message.starts_with(
            "happened after 0.02s: in the last 10s 1400 Hz was above -40 dBm0 for at most "
        ),
        "{}",
        f.message
    );
    let (f, out) = mixed_back("expect fxo1 not hears tone 1004 above -40 dBm0 for 100ms within 1s");
    assert!(f.is_some(), "fxo1's own tone comes back too:\n{out}");

    // Without the mix, the same steps pass.
    let text = "fxo1 call cid none\nfxs3 off-hook\nexpect fxo1 answered within 1s\n\
                fxo1 play tone 1004 for 3s\nfxs3 play tone 1400 for 3s\n\
                expect fxs3 hears tone 1004 for 500ms within 1s\n\
                expect fxs3 not hears tone 1400 above -40 dBm0 for 100ms within 1s\n\
                expect fxo1 not hears tone 1004 above -40 dBm0 for 100ms within 1s\n";
    let scenario = parse(
        &format!("name: clean\ndevices: fxo1 fxs3\n{text}"),
        "clean.hil",
    )
    .unwrap();
    let mut rig = patched_rig();
    let mut out = Vec::new();
    let result = run(&scenario, &mut rig, &mut NoCdrs, &mut out);
    assert!(result.is_ok(), "{}", String::from_utf8_lossy(&out));
}

#[test]
fn a_cdr_matches_its_survey_score_or_none() {
    let scored = |id, survey| CdrView {
        survey,
        ..cdr(id, "answered", 16, "5550123")
    };
    let mut cdrs = ScriptedCdrs::new(vec![
        (2, scored(8, Some(4))),
        (2, scored(9, None)),
        (2, scored(10, Some(2))),
    ]);
    let (failure, out) = run_cdrs(
        "expect cdr survey 4 within 2s\nexpect cdr survey none within 1s\nexpect cdr disposition answered survey 2 within 1s\n",
        &mut cdrs,
    );
    assert!(failure.is_none(), "{failure:?}\n{out}");
    assert!(
        out.contains("[ok] 3: expect cdr survey 4 within 2s"),
        "{out}"
    );

    let mut cdrs = ScriptedCdrs::new(vec![(2, scored(8, Some(3)))]);
    let (failure, _) = run_cdrs("expect cdr survey 4 within 1s\n", &mut cdrs);
    let f = failure.expect("a score of 3 is not 4");
    assert!(
        f.message.contains("0 of 1 matching CDRs found") && f.message.contains("survey 3"),
        "the CDR's score shows: {}",
        f.message
    );
    let mut cdrs = ScriptedCdrs::new(vec![(2, scored(8, Some(3)))]);
    let (failure, _) = run_cdrs("expect cdr survey none within 1s\n", &mut cdrs);
    assert!(failure.is_some(), "a score is not none");
}
