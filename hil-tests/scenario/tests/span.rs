//! `spanN` steps run by the executor against the carrier, with a simulated PRI user
//! side (`far_end::sim::UserSpan`) standing in for the box: it greets each call it
//! answers, then echoes the caller, and "writes a CDR" for each call it saw end.

use std::sync::{Arc, Mutex};

use dsp::g711;
use far_end::sim::{lock_user_span as lock, Crossover, PriUserSide, SimulatedBox, UserSpan};
use far_end::{Mouth, PlayItem, PriRole, Rig, ToneMeter, BLOCK_SAMPLES};
use hil_scenario::{parse, run, Action, BoxView, CallSel, CdrView, NoCdrs, Sound, StepFailure};
use line_boundary::{LineCommand, LineEvent, PhoneNumber};
use soft_hardware::{Block, DeviceKind};

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

/// One CDR per call the user side saw end: answered, with the cause it got. Its status
/// (span 1 only): the B-channels its stack holds a call on.
struct UserSideCdrs(Arc<Mutex<UserSpan>>);

impl BoxView for UserSideCdrs {
    fn span_busy_channels(&mut self, device: u16) -> anyhow::Result<usize> {
        anyhow::ensure!(device == 1, "no span {device} in the box's status");
        Ok(lock(&self.0)
            .calls()
            .iter()
            .filter(|c| c.channel.is_some())
            .count())
    }

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
                ivr_flow: None,
                ivr_path: Vec::new(),
                survey: None,
            })
            .collect();
        rows.reverse();
        rows.truncate(count);
        Ok(rows)
    }
}

/// Runs scenario text; the failure (if any) and the output.
fn run_text(rig: &mut Rig, text: &str, cdrs: &mut dyn BoxView) -> (Option<StepFailure>, String) {
    let scenario = parse(text, "span.hil").unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    let result = run(&scenario, rig, cdrs, &mut out);
    (result.err(), String::from_utf8(out).unwrap())
}

fn passes(rig: &mut Rig, text: &str, cdrs: &mut dyn BoxView) -> String {
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
expect span1 not hears tone 660 on all calls for 100ms within 500ms
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
    let scenario = shipped_30_calls();
    let (mut rig, user) = rig(echo_box());
    let mut cdrs = UserSideCdrs(user);
    let mut out = Vec::new();
    let result = run(&scenario, &mut rig, &mut cdrs, &mut out);
    assert!(result.is_ok(), "{}", String::from_utf8_lossy(&out));
}

fn shipped_30_calls() -> hil_scenario::Scenario {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/pri-30-inbound.hil");
    hil_scenario::parse_file(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// The box-like user side, but what it sends on B-channels 1 and 2 goes out wrong:
/// swapped (`mix: false`: each call is echoed on the other's channel), or channel 2's
/// added to channel 1's (`mix: true`: call 1 hears its neighbour along with itself).
struct Miswired {
    user: PriUserSide,
    mix: bool,
}

impl SimulatedBox for Miswired {
    fn attach(&mut self, devices: &[(String, DeviceKind, u16)]) -> Result<(), String> {
        self.user.attach(devices)
    }

    fn tick(&mut self, now_ms: u64, from: &[&Block], to: &mut [Block]) {
        self.user.tick(now_ms, from, to);
        let Some(block) = to.first_mut() else { return };
        let (one, two) = (block.channels[1].audio, block.channels[2].audio);
        if self.mix {
            for (out, (&a, &b)) in block.channels[1]
                .audio
                .iter_mut()
                .zip(one.iter().zip(two.iter()))
            {
                let sum = i32::from(g711::alaw_decode(a)) + i32::from(g711::alaw_decode(b));
                *out = g711::alaw_encode(sum.clamp(-32768, 32767) as i16);
            }
        } else {
            block.channels[1].audio = two;
            block.channels[2].audio = one;
        }
    }
}

fn shipped_30_calls_against_miswired(mix: bool) -> (StepFailure, String) {
    let scenario = shipped_30_calls();
    let (side, user) = PriUserSide::new("span1", echo_box());
    let mut rig = Rig::simulated(
        &scenario.rig_devices(),
        Box::new(Miswired { user: side, mix }),
    )
    .unwrap();
    let mut cdrs = UserSideCdrs(user);
    let mut out = Vec::new();
    let result = run(&scenario, &mut rig, &mut cdrs, &mut out);
    let out = String::from_utf8(out).unwrap();
    match result {
        Err(f) => (f, out),
        Ok(_) => panic!("the scenario must fail:\n{out}"),
    }
}

/// Each call plays its own tone, so calls echoed on each other's B-channels fail.
#[test]
fn the_shipped_30_call_scenario_fails_when_two_calls_are_crossed() {
    let (f, out) = shipped_30_calls_against_miswired(false);
    assert_eq!(
        f.step, "expect span1 hears tone 350 above -25 dBm0 for 500ms on call 1 within 3s",
        "{out}"
    );
    assert!(
        f.message.contains("call 1 (B1): in the last 10s 350 Hz"),
        "{}",
        f.message
    );
    assert!(f.message.contains("hears 450 Hz"), "{}", f.message);
}

/// ... and a call that hears its neighbour along with itself fails too.
#[test]
fn the_shipped_30_call_scenario_fails_when_a_call_hears_its_neighbour() {
    let (f, out) = shipped_30_calls_against_miswired(true);
    assert!(
        f.step == "expect span1 hears tone 350 above -25 dBm0 for 500ms on call 1 within 3s"
            || f.step
                == "expect span1 not hears tone 450 above -40 dBm0 for 100ms on call 1 within 100ms",
        "{}\n{out}",
        f.step
    );
}

/// The 30 tones the shipped scenario plays, one per call, are told apart by the rig's
/// tone meter through A-law: each is measured at its level, and none shows at any other
/// call's frequency (so `not hears` of a neighbour's tone has a wide margin).
#[test]
fn the_30_call_tones_are_told_apart_by_the_tone_meter() {
    let mut tones: Vec<(usize, u16)> = shipped_30_calls()
        .steps
        .iter()
        .filter_map(|step| match &step.action {
            Action::SpanPlay {
                calls: CallSel::Call(n),
                sound: Sound::Tone { freq_hz, .. },
                ..
            } => Some((*n, *freq_hz)),
            _ => None,
        })
        .collect();
    tones.sort();
    assert_eq!(
        tones.iter().map(|t| t.0).collect::<Vec<_>>(),
        (1..=30).collect::<Vec<_>>(),
        "one tone per call: {tones:?}"
    );
    let mut worst = (f32::NEG_INFINITY, 0, 0);
    for &(_, freq) in &tones {
        let mut mouth = Mouth::new();
        mouth
            .push(PlayItem::Tone {
                freq_hz: freq,
                level_dbm0: -13.0,
                duration_ms: 1000,
            })
            .unwrap();
        let mut meter = ToneMeter::new();
        for _ in 0..50 {
            let mut block = [0i16; BLOCK_SAMPLES];
            mouth.fill(&mut block);
            let mut alaw = [0u8; BLOCK_SAMPLES];
            g711::alaw_encode_slice(&block, &mut alaw);
            g711::alaw_decode_slice(&alaw, &mut block);
            meter.push(&block);
        }
        let own = meter.measure(f32::from(freq), 0).unwrap();
        assert!(
            (own.level_dbm0 + 13.0).abs() < 1.0 && own.share > 0.9,
            "{freq} Hz: {own:?}"
        );
        for &(_, other) in tones.iter().filter(|t| t.1 != freq) {
            for ago in 0..meter.len() {
                let m = meter.measure(f32::from(other), ago).unwrap();
                if m.level_dbm0 > worst.0 {
                    worst = (m.level_dbm0, freq, other);
                }
            }
        }
    }
    assert!(
        worst.0 < -50.0,
        "{} Hz shows at {} Hz at {:.1} dBm0",
        worst.1,
        worst.2,
        worst.0
    );
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

/// A box whose status says a B-channel of span 1 stays busy (a call it never cleared).
struct StuckBox;

impl BoxView for StuckBox {
    fn latest(&mut self, _count: usize) -> anyhow::Result<Vec<CdrView>> {
        Ok(Vec::new())
    }
    fn span_busy_channels(&mut self, _device: u16) -> anyhow::Result<usize> {
        Ok(1)
    }
}

/// Counts status reads, always idle.
struct CountingBox(usize);

impl BoxView for CountingBox {
    fn latest(&mut self, _count: usize) -> anyhow::Result<Vec<CdrView>> {
        Ok(Vec::new())
    }
    fn span_busy_channels(&mut self, _device: u16) -> anyhow::Result<usize> {
        self.0 += 1;
        Ok(0)
    }
}

#[test]
fn idle_holds_when_the_carrier_and_the_box_both_hold_no_call() {
    let (mut rig, user) = rig(echo_box());
    let mut view = UserSideCdrs(Arc::clone(&user));
    let out = passes(
        &mut rig,
        "name: idle\ndevices: span1\n\
         expect span1 link up within 5s\n\
         expect span1 idle\n\
         span1 call 2 from 0201234 to 100\n\
         expect span1 not idle for 1s\n\
         expect span1 answered 2 within 5s\n\
         span1 hang-up all\n\
         expect span1 idle within 5s\n\
         expect span1 idle for 1s\n",
        &mut view,
    );
    assert!(
        out.contains("[ok] 4: expect span1 idle (after 0.00s)"),
        "{out}"
    );
    assert!(
        out.contains("[ok] 10: expect span1 idle for 1s (held for 1.00s)"),
        "{out}"
    );
}

#[test]
fn idle_reads_the_box_status_every_200ms_of_rig_time() {
    let (mut rig, _user) = rig(echo_box());
    let mut view = CountingBox(0);
    passes(
        &mut rig,
        "name: reads\ndevices: span1\nexpect span1 idle for 2s\n",
        &mut view,
    );
    // At 20 ms (the first look), then every 200 ms up to 2 s, and at the last look.
    assert!((10..=12).contains(&view.0), "{} reads", view.0);
}

#[test]
fn idle_failures_say_what_the_carrier_and_the_box_hold() {
    // The carrier's calls are not over: their stage is listed.
    let (mut rig, user) = rig(UserSpan::new());
    let mut view = UserSideCdrs(Arc::clone(&user));
    let (f, _) = run_text(
        &mut rig,
        "name: busy\ndevices: span1\nexpect span1 link up within 5s\nspan1 call 2 to 100\n\
         expect span1 idle within 500ms\n",
        &mut view,
    );
    let f = f.expect("calls nobody answers are not idle");
    assert_eq!(f.line, 5);
    assert!(
        f.message.starts_with(
            "not seen within 500ms: the carrier holds 2 calls not released and cleared: call 1 Proceeding on B1, call 2 Proceeding on B2; the box says b_channels_busy 2"
        ),
        "{}",
        f.message
    );

    // The carrier is idle but the box still counts a busy B-channel.
    let (mut rig, _user) = self::rig(echo_box());
    let (f, _) = run_text(
        &mut rig,
        "name: stuck\ndevices: span1\nexpect span1 link up within 5s\nexpect span1 idle within 1s\n",
        &mut StuckBox,
    );
    let f = f.expect("the box says busy");
    assert_eq!(
        f.message,
        "not seen within 1s: the carrier holds no call; the box says b_channels_busy 1"
    );

    // `not idle` that does not hold names both sides too.
    let (f, _) = run_text(
        &mut rig,
        "name: quiet\ndevices: span1\nexpect span1 not idle for 1s\n",
        &mut CountingBox(0),
    );
    assert_eq!(
        f.expect("idle").message,
        "happened after 0.02s: the carrier holds no call; the box says b_channels_busy 0"
    );

    // Without the box's status, `idle` cannot hold and `not idle` cannot be judged.
    let f = fails(
        &mut rig,
        "name: blind\ndevices: span1\nexpect span1 idle within 300ms\n",
    );
    assert_eq!(
        f.message,
        "not seen within 300ms: the carrier holds no call; the box's status is not available (nothing reads its /api/status for span 1)"
    );
    let f = fails(
        &mut rig,
        "name: blind\ndevices: span1\nexpect span1 not idle for 300ms\n",
    );
    assert_eq!(
        f.message,
        "cannot tell whether span1 is idle: the carrier holds no call, but the box's status is not available (nothing reads its /api/status for span 1)"
    );
    // …but a carrier with a call is not idle whatever the box says.
    passes(
        &mut rig,
        "name: busy\ndevices: span1\nspan1 call to 100\nexpect span1 not idle for 300ms\n",
        &mut NoCdrs,
    );
}

/// A box configured `signalling = "pri-net"`: the rig plays the user side.
#[test]
fn span_user_runs_the_carrier_as_the_user_side_of_a_network_box() {
    let mut network_box = UserSpan::with_role(PriRole::Network);
    network_box.set_auto_answer(true);
    network_box.set_echo(true);
    let (mut rig, user) = rig(network_box);
    let mut view = UserSideCdrs(Arc::clone(&user));
    let out = passes(
        &mut rig,
        "name: pri-net box\ndevices: span1:user\n\
         expect span1 link up within 5s\n\
         span1 call 2 from 201 to 0201234\n\
         expect span1 answered 2 within 5s\n\
         span1 play tone 1004 on call 1 for 1s\n\
         expect span1 hears tone 1004 above -20 dBm0 for 300ms on call 1 within 2s\n\
         span1 hang-up all\n\
         expect span1 released 2 cause 16 by carrier within 5s\n\
         expect span1 idle within 2s\n",
        &mut view,
    );
    assert!(out.contains("passed: pri-net box"), "{out}");
    let carrier = rig.carrier("span1").unwrap();
    assert_eq!(carrier.role(), PriRole::User);
    let channels: Vec<Option<u8>> = carrier.calls().iter().map(|c| c.channel).collect();
    assert_eq!(
        channels,
        vec![Some(31), Some(30)],
        "the user side hunted from the top"
    );
    assert!(
        rig.state_summary()
            .starts_with("span1: E1 carrier (user side): link up"),
        "{}",
        rig.state_summary()
    );

    // The box (network) calls out to the carrier; the same rig, a later scenario.
    let calling = Some(PhoneNumber::parse("201").unwrap());
    lock(&user).command(
        None,
        LineCommand::CallOut {
            calling,
            called: PhoneNumber::parse("0201234").unwrap(),
        },
    );
    passes(
        &mut rig,
        "name: from the box\ndevices: span1:user\n\
         expect span1 incoming call to 0201234 from 201 within 2s\n\
         span1 answer\n\
         expect span1 answered 3 within 2s\n\
         expect span1 not idle for 200ms\n",
        &mut view,
    );
    assert_eq!(
        rig.carrier("span1")
            .unwrap()
            .call(3)
            .and_then(|c| c.channel),
        Some(1),
        "the network names B1, exclusively"
    );
    assert!(lock(&user)
        .events()
        .iter()
        .any(|e| e.event == LineEvent::Answered));

    // A rig that already ran a network-side carrier cannot switch sides.
    let (mut rig, _user) = self::rig(echo_box());
    passes(
        &mut rig,
        "name: up\ndevices: span1\nexpect span1 link up within 5s\n",
        &mut NoCdrs,
    );
    let f = fails(
        &mut rig,
        "name: switch\ndevices: span1:user\nexpect span1 link up\n",
    );
    assert_eq!(f.line, 3);
    assert!(
        f.message.starts_with(
            "span1 should play the user side of the PRI, but the rig's carrier plays the network side and has already run"
        ),
        "{}",
        f.message
    );
}

/// Two spans cabled back to back: the scenario drives both sides of one PRI.
#[test]
fn a_scenario_drives_both_sides_of_a_crossover() {
    let s = parse("name: rig\ndevices: span1 span2\nwait 0s\n", "rig.hil").unwrap();
    let mut rig = Rig::simulated(
        &s.rig_devices(),
        Box::new(Crossover::new(&[("span1", "span2")])),
    )
    .unwrap();
    let out = passes(
        &mut rig,
        "name: back to back\ndevices: span1 span2:user\n\
         expect span1 link up within 5s\n\
         expect span2 link up within 1s\n\
         repeat 2\n\
         span1 call from 0201234 to 100\n\
         expect span2 incoming call to 100 from 0201234 within 2s\n\
         span2 answer\n\
         expect span1 hears silence within 2s\n\
         span1 play tone 1004 for 1s\n\
         expect span2 hears tone 1004 above -20 dBm0 for 300ms within 2s\n\
         span2 hang-up cause 17\n\
         wait 200ms\n\
         end\n\
         expect span1 released 2 cause 17 by box within 2s\n\
         expect span2 released 2 by carrier within 2s\n\
         span2 call to 555\n\
         expect span1 incoming call to 555 within 2s\n\
         span1 answer\n\
         expect span2 answered 3 within 2s\n",
        &mut NoCdrs,
    );
    assert!(
        out.contains("[ok] 8: span2 answer (repeat 2/2) (call 2)\n"),
        "{out}"
    );
    assert_eq!(rig.carrier("span2").unwrap().role(), PriRole::User, "{out}");
    assert_eq!(
        rig.carrier("span2")
            .unwrap()
            .call(3)
            .and_then(|c| c.channel),
        Some(31),
        "the user side hunts from the top"
    );
}
