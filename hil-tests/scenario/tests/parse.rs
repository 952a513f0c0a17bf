use hil_scenario::{parse, Action, CdrMatch, Condition, Expectation, Mode, Subject};
use soft_hardware::DeviceKind;

const HEADER: &str = "name: every step\nconfig: basic\ndevices: fxo1 fxs3 fxs4\n";

const EVERY_STEP: &str = r#"
fxo1 call from 5550123 name "Alice Smith" cid etsi-before-ring   # inbound
fxo1 call
fxo1 call from 1 cid etsi-after-ring
fxo1 hang-up
fxs3 hang-up
fxs3 off-hook
fxs3 on-hook
fxs3 flash
fxs3 dial 202
fxo1 send dtmf "*#*9"
fxo1 play tone 1004 for 2s
fxs3 play tone 425 at -20 dBm0 for 1.5s
fxs3 play tone 660 at -6dBm0 for 250ms
fxo1 play silence for 1s
wait 500ms
expect fxo1 answered within 10s
expect fxo1 on-hook
expect fxo1 off-hook for 2s
expect fxs3 ringing within 10s
expect fxs4 not ringing within 2s
expect fxs3 rings 2 within 12s
expect fxs3 caller-id 5550123 within 10s
expect fxs3 caller-id 5550123 name "Alice Smith" within 10s
expect fxs3 battery for 1s
expect fxs3 not battery within 1s
expect fxo1 hears tone 660 within 3s
expect fxs3 hears tone 1004 above -20 dBm0 for 500ms within 1s
expect fxs3 hears dtmf 5
expect fxs3 hears dtmf "*#" within 2s
expect fxs3 hears silence for 1s
expect fxs3 not hears tone 1004 for 2s within 3s
expect cdr disposition answered cause 16 from 5550123 to 201
expect cdr disposition failed cause 41 from none talk >= 1s talk <= 1min ring >= 0s ring <= 30s within 10s
expect cdr survey 4 from 5550123
expect cdr survey none within 3s
"#;

#[test]
fn parses_the_header_and_every_step_kind() {
    let s = parse(&format!("{HEADER}{EVERY_STEP}"), "every.hil").unwrap();
    assert_eq!(s.name, "every step");
    assert_eq!(s.config.as_deref(), Some("basic"));
    assert_eq!(
        s.rig_devices(),
        vec![
            ("fxo1", DeviceKind::Fxo, 1),
            ("fxs3", DeviceKind::Fxs, 3),
            ("fxs4", DeviceKind::Fxs, 4)
        ]
    );
    assert_eq!(s.steps.len(), 35);
    assert_eq!(s.steps[0].line, 5);
    assert_eq!(
        s.steps[0].text,
        r#"fxo1 call from 5550123 name "Alice Smith" cid etsi-before-ring"#
    );
    assert_eq!(
        s.steps[0].action,
        Action::Call {
            device: "fxo1".into(),
            from: Some("5550123".into()),
            name: Some("Alice Smith".into()),
            cid: far_end::CidDelivery::EtsiFskBeforeRing
        }
    );
    assert_eq!(
        s.steps[9].action,
        Action::SendDtmf {
            device: "fxo1".into(),
            digits: "*#*9".into()
        }
    );
    assert_eq!(
        s.steps[11].action,
        Action::PlayTone {
            device: "fxs3".into(),
            freq_hz: 425,
            level_dbm0: -20.0,
            duration_ms: 1500
        }
    );
    assert_eq!(
        s.steps[19].action,
        Action::Expect(Expectation {
            subject: Subject::Device {
                device: "fxs4".into(),
                condition: Condition::Ringing
            },
            negated: true,
            mode: Mode::Within,
            window_ms: 2000
        })
    );
    assert_eq!(
        s.steps[26].action,
        Action::Expect(Expectation {
            subject: Subject::Device {
                device: "fxs3".into(),
                condition: Condition::HearsTone {
                    freq_hz: 1004,
                    min_dbm0: -20.0,
                    min_ms: 500
                }
            },
            negated: false,
            mode: Mode::Within,
            window_ms: 1000
        })
    );
    assert_eq!(
        s.steps[31].action,
        Action::Expect(Expectation {
            subject: Subject::Cdr(CdrMatch {
                disposition: Some("answered".into()),
                cause: Some(16),
                from: Some(Some("5550123".into())),
                to: Some(Some("201".into())),
                ..CdrMatch::default()
            }),
            negated: false,
            mode: Mode::Within,
            window_ms: hil_scenario::DEFAULT_WINDOW_MS
        })
    );
    assert_eq!(
        s.steps[33].action,
        Action::Expect(Expectation {
            subject: Subject::Cdr(CdrMatch {
                survey: Some(Some(4)),
                from: Some(Some("5550123".into())),
                ..CdrMatch::default()
            }),
            negated: false,
            mode: Mode::Within,
            window_ms: hil_scenario::DEFAULT_WINDOW_MS
        })
    );
    assert!(matches!(
        &s.steps[34].action,
        Action::Expect(Expectation { subject: Subject::Cdr(m), .. }) if m.survey == Some(None)
    ));
}

#[test]
fn every_step_round_trips_through_its_canonical_text() {
    let s = parse(&format!("{HEADER}{EVERY_STEP}"), "every.hil").unwrap();
    let rendered: String = s
        .steps
        .iter()
        .map(|st| format!("{}\n", st.action))
        .collect();
    let again = parse(&format!("{HEADER}{rendered}"), "rendered.hil")
        .unwrap_or_else(|e| panic!("canonical text does not parse: {e}\n{rendered}"));
    for (a, b) in s.steps.iter().zip(again.steps.iter()) {
        assert_eq!(
            a.action, b.action,
            "line {} rendered as {:?}",
            a.line, b.text
        );
    }
    assert_eq!(s.steps.len(), again.steps.len());
}

fn error_of(body: &str) -> String {
    parse(&format!("{HEADER}{body}"), "bad.hil")
        .unwrap_err()
        .to_string()
}

#[test]
fn errors_name_file_line_and_what_is_wrong() {
    assert_eq!(
        error_of("wait 1s\nfxs3 call from 1\n"),
        "bad.hil:5: `call` is for fxo devices; fxs3 is an fxs"
    );
    assert!(error_of("fxs9 off-hook\n")
        .starts_with("bad.hil:4: device fxs9 is not listed in `devices:`"));
    assert!(error_of("\n\nwait 10\n").starts_with("bad.hil:6: bad duration \"10\""));
    assert!(error_of("expect fxs3 answered\n")
        .contains("bad.hil:4: `answered` can only be expected of fxo devices"));
    assert!(error_of("fxo1 send dtmf #9\n")
        .starts_with("bad.hil:4: missing DTMF digits (quote digits that contain #"));
    let s = parse(
        &format!("{HEADER}fxo1 send dtmf *#*9 # a # inside a word is not a comment\n"),
        "ok.hil",
    )
    .unwrap();
    assert_eq!(
        s.steps[0].action,
        Action::SendDtmf {
            device: "fxo1".into(),
            digits: "*#*9".into()
        }
    );
    assert!(
        error_of("fxs3 dial 12x\n").starts_with("bad.hil:4: 'x' in \"12x\" is not a DTMF digit")
    );
    assert!(error_of("expect fxs3 hears tone 99999\n").starts_with("bad.hil:4: bad frequency"));
    assert!(error_of("expect fxs3 hears tone 1004 within 1s extra\n")
        .starts_with("bad.hil:4: unexpected \"extra\""));
    assert!(error_of("expect cdr within 1s\n")
        .starts_with("bad.hil:4: `expect cdr` needs at least one field"));
    assert!(error_of("expect cdr cause sixteen\n").starts_with("bad.hil:4: bad cause"));
    assert!(error_of("expect cdr survey 6\n")
        .starts_with("bad.hil:4: bad survey score \"6\": expected 1 to 5, or none"));
    assert!(error_of("expect cdr survey\n").starts_with("bad.hil:4: missing survey score"));
    assert!(error_of("fxo1 call name \"unterminated\n")
        .starts_with("bad.hil:4: unterminated quoted string"));
    assert!(error_of("jump 3\n").starts_with("bad.hil:4: unknown step \"jump\""));
    assert!(error_of("fxs3 whistle\n").starts_with("bad.hil:4: unknown action \"whistle\""));
    assert!(error_of("expect fxs3 hears silence for 11s\n")
        .starts_with("bad.hil:4: at most 10s of audio"));
    assert!(error_of("fxo1 call cid telepathy\n").contains("unknown caller ID mode \"telepathy\""));
    assert!(error_of("fxs3 play tone 1004 at +9 dBm0 for 1s\n").starts_with("bad.hil:4: bad level"));
}

/// `not hears tone F for D` reads like a D window but is a D-long tone judged over the
/// default 5 s: a negated `hears tone`/`hears silence` must write its window out.
#[test]
fn a_negated_sound_needs_its_window_written_out() {
    for body in [
        "expect fxs3 not hears tone 1004 for 100ms\n",
        "expect fxs3 not hears tone 1004\n",
        "expect fxs3 not hears tone 1004 for 2s\n",
        "expect fxs3 not hears silence for 1s\n",
    ] {
        let e = error_of(body);
        assert!(
            e.starts_with("bad.hil:4: `not hears tone`/`not hears silence` needs its window written out: the `for D` in `hears tone F for D` is how long the sound lasts"),
            "{body}: {e}"
        );
    }
    let e = parse(
        &format!(
            "{SPAN_HEADER}expect span1 not hears tone 1004 above -40 dBm0 for 100ms on call 1\n"
        ),
        "bad.hil",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("needs its window written out"), "{e}");
    // Written out, with `within` or `for`, before or after `on call N`: fine, and the
    // window is what it says.
    for (body, mode, window_ms, min_ms) in [
        (
            "expect fxs3 not hears tone 1004 for 100ms within 2s\n",
            Mode::Within,
            2000,
            100,
        ),
        (
            "expect fxs3 not hears tone 1004 within 2s\n",
            Mode::Within,
            2000,
            100,
        ),
        (
            "expect fxs3 not hears tone 1004 for 300ms for 2s\n",
            Mode::Throughout,
            2000,
            300,
        ),
    ] {
        let s = parse(&format!("{HEADER}{body}"), "ok.hil").unwrap_or_else(|e| panic!("{e}"));
        let Action::Expect(e) = &s.steps[0].action else {
            panic!("{body}: not an expectation")
        };
        assert!(e.negated, "{body}");
        assert_eq!((e.mode, e.window_ms), (mode, window_ms), "{body}");
        let Subject::Device {
            condition: Condition::HearsTone { min_ms: got, .. },
            ..
        } = &e.subject
        else {
            panic!("{body}: {:?}", e.subject)
        };
        assert_eq!(*got, min_ms, "{body}");
    }
    let s = parse(
        &format!("{SPAN_HEADER}expect span1 not hears tone 1004 above -40 dBm0 for 100ms on call 1 within 500ms\n"),
        "ok.hil",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let Action::Expect(e) = &s.steps[0].action else {
        panic!("not an expectation")
    };
    assert_eq!((e.mode, e.window_ms), (Mode::Within, 500));
    // Other negated conditions keep the default window.
    assert!(parse(
        &format!("{HEADER}expect fxs3 not ringing\nexpect fxs3 not hears dtmf 5\n"),
        "ok.hil"
    )
    .is_ok());
}

#[test]
fn header_errors() {
    let e = parse("devices: fxo1\nwait 1s\n", "x.hil").unwrap_err();
    assert_eq!(e.to_string(), "x.hil: missing `name:` header");
    let e = parse("name: a\nfxo1 hang-up\n", "x.hil").unwrap_err();
    assert_eq!(
        e.to_string(),
        "x.hil:2: `devices:` must come before the first step"
    );
    let e = parse("name: a\ndevices: fxo1 fxs1\n", "x.hil").unwrap_err();
    assert_eq!(
        e.to_string(),
        "x.hil:2: device id 1 used twice (ids are unique across kinds)"
    );
    let e = parse("name: a\ndevices: t1\n", "x.hil").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("x.hil:2: \"t1\" is not a device (expected fxoN, fxsN or spanN"),
        "{e}"
    );
    let e = parse("name: a\ndevices: span1 fxo1\n", "x.hil").unwrap_err();
    assert_eq!(
        e.to_string(),
        "x.hil:2: device id 1 used twice (ids are unique across kinds)"
    );
    let e = parse("name: a\nname: b\n", "x.hil").unwrap_err();
    assert_eq!(e.line, 2);
    let e = parse("name: a\nconfig: ../etc\n", "x.hil").unwrap_err();
    assert!(e
        .message
        .contains("directory name under hil-tests/configs/"));
    let e = parse("name: a\ndevices: fxo1\n", "x.hil").unwrap_err();
    assert_eq!(e.to_string(), "x.hil: no steps");
}

#[test]
fn shipped_scenarios_parse() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "hil") {
            let s = hil_scenario::parse_file(&path).unwrap_or_else(|e| panic!("{e}"));
            let config = s
                .config
                .as_deref()
                .unwrap_or_else(|| panic!("{} has no config", path.display()));
            assert!(
                dir.join("../configs")
                    .join(config)
                    .join("system.toml")
                    .exists(),
                "{}: config {config} missing",
                path.display()
            );
            count += 1;
        }
    }
    assert!(count >= 4, "found {count} scenarios");
}

const SPAN_HEADER: &str = "name: span steps\nconfig: pri\ndevices: span1 fxs2\n";

const SPAN_STEPS: &str = r#"
span1 call 30 from 0201234 to 100
span1 call to "+4930123"
span1 answer
span1 hang-up
span1 hang-up all cause 17
span1 hang-up call 3
span1 alarm los
span1 alarm ais
span1 alarm clear
span1 play tone 1004 on all calls for 2s
span1 play tone 660 at -20 dBm0 for 1s on call 2
span1 play silence for 500ms
span1 send dtmf "*#1" on call 4
expect span1 link up within 5s
expect span1 not link up for 1s
expect span1 remote-alarm within 1s
expect span1 answered 30 within 10s
expect span1 answered
expect span1 released 30 within 5s
expect span1 released 1 cause 16 by box within 5s
expect span1 released 2 by carrier cause 17
expect span1 incoming call to 0201234 within 10s
expect span1 incoming call from 201 to 0201234
expect span1 incoming call
expect span1 hears tone 660 on all calls within 3s
expect span1 hears tone 1004 above -25 dBm0 for 500ms on all calls within 3s
expect span1 hears tone 1004 on call 3 above -20 for 300ms
expect span1 not hears tone 1004 on call 1 for 100ms for 1s
expect span1 hears silence for 1s on all calls
expect span1 hears dtmf 12 on call 2 within 2s
expect cdr count 30 disposition answered cause 16 within 10s
"#;

fn span_steps() -> hil_scenario::Scenario {
    parse(&format!("{SPAN_HEADER}{SPAN_STEPS}"), "span.hil").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn parses_span_steps() {
    use hil_scenario::{CallSel, Sound, SpanCondition};
    let s = span_steps();
    assert_eq!(
        s.rig_devices(),
        vec![("span1", DeviceKind::E1, 1), ("fxs2", DeviceKind::Fxs, 2)]
    );
    assert_eq!(s.steps.len(), 31);
    let action = |i: usize| s.steps[i].action.clone();
    let expect = |i: usize| match action(i) {
        Action::Expect(e) => e,
        other => panic!("step {i} is {other:?}"),
    };
    let span = |i: usize| match expect(i).subject {
        Subject::Span { device, condition } => {
            assert_eq!(device, "span1");
            condition
        }
        other => panic!("step {i} is {other:?}"),
    };
    assert_eq!(s.steps[0].line, 5);
    assert_eq!(
        action(0),
        Action::SpanCall {
            device: "span1".into(),
            count: 30,
            from: Some("0201234".into()),
            to: "100".into()
        }
    );
    assert_eq!(
        action(1),
        Action::SpanCall {
            device: "span1".into(),
            count: 1,
            from: None,
            to: "+4930123".into()
        }
    );
    assert_eq!(
        action(2),
        Action::SpanAnswer {
            device: "span1".into()
        }
    );
    assert_eq!(
        action(3),
        Action::SpanHangUp {
            device: "span1".into(),
            calls: CallSel::All,
            cause: 16
        }
    );
    assert_eq!(
        action(4),
        Action::SpanHangUp {
            device: "span1".into(),
            calls: CallSel::All,
            cause: 17
        }
    );
    assert_eq!(
        action(5),
        Action::SpanHangUp {
            device: "span1".into(),
            calls: CallSel::Call(3),
            cause: 16
        }
    );
    assert_eq!(
        action(6),
        Action::SpanAlarm {
            device: "span1".into(),
            alarm: Some(far_end::CarrierAlarm::Los)
        }
    );
    assert_eq!(
        action(8),
        Action::SpanAlarm {
            device: "span1".into(),
            alarm: None
        }
    );
    assert_eq!(
        action(10),
        Action::SpanPlay {
            device: "span1".into(),
            calls: CallSel::Call(2),
            sound: Sound::Tone {
                freq_hz: 660,
                level_dbm0: -20.0,
                duration_ms: 1000
            }
        }
    );
    assert_eq!(
        action(11),
        Action::SpanPlay {
            device: "span1".into(),
            calls: CallSel::All,
            sound: Sound::Silence { duration_ms: 500 }
        }
    );
    assert_eq!(
        action(12),
        Action::SpanPlay {
            device: "span1".into(),
            calls: CallSel::Call(4),
            sound: Sound::Dtmf("*#1".into())
        }
    );
    assert_eq!(span(13), SpanCondition::LinkUp);
    assert!(expect(14).negated && expect(14).mode == Mode::Throughout);
    assert_eq!(span(15), SpanCondition::RemoteAlarm);
    assert_eq!(
        (span(16), expect(16).window_ms),
        (SpanCondition::Answered(30), 10_000)
    );
    assert_eq!(span(17), SpanCondition::Answered(1));
    assert_eq!(
        span(19),
        SpanCondition::Released {
            count: 1,
            cause: Some(16),
            by: Some(far_end::ReleasedBy::Box)
        }
    );
    assert_eq!(
        span(20),
        SpanCondition::Released {
            count: 2,
            cause: Some(17),
            by: Some(far_end::ReleasedBy::Carrier)
        }
    );
    assert_eq!(
        span(21),
        SpanCondition::Incoming {
            to: Some("0201234".into()),
            from: None
        }
    );
    assert_eq!(
        span(22),
        SpanCondition::Incoming {
            to: Some("0201234".into()),
            from: Some("201".into())
        }
    );
    assert_eq!(
        span(25),
        SpanCondition::Hears {
            calls: CallSel::All,
            hearing: Condition::HearsTone {
                freq_hz: 1004,
                min_dbm0: -25.0,
                min_ms: 500
            }
        }
    );
    assert_eq!(
        (expect(25).mode, expect(25).window_ms),
        (Mode::Within, 3000)
    );
    assert_eq!(
        span(26),
        SpanCondition::Hears {
            calls: CallSel::Call(3),
            hearing: Condition::HearsTone {
                freq_hz: 1004,
                min_dbm0: -20.0,
                min_ms: 300
            }
        }
    );
    assert_eq!(
        span(29),
        SpanCondition::Hears {
            calls: CallSel::Call(2),
            hearing: Condition::HearsDtmf("12".into())
        }
    );
    assert_eq!(
        expect(30).subject,
        Subject::Cdr(CdrMatch {
            count: Some(30),
            disposition: Some("answered".into()),
            cause: Some(16),
            ..CdrMatch::default()
        })
    );
}

#[test]
fn span_steps_round_trip_through_their_canonical_text() {
    let s = span_steps();
    let rendered: String = s
        .steps
        .iter()
        .map(|st| format!("{}\n", st.action))
        .collect();
    let again = parse(&format!("{SPAN_HEADER}{rendered}"), "rendered.hil")
        .unwrap_or_else(|e| panic!("canonical text does not parse: {e}\n{rendered}"));
    assert_eq!(s.steps.len(), again.steps.len());
    for (a, b) in s.steps.iter().zip(again.steps.iter()) {
        assert_eq!(
            a.action, b.action,
            "line {} rendered as {:?}",
            a.line, b.text
        );
    }
    assert!(
        rendered.contains("span1 call 30 from \"0201234\" to \"100\"\n"),
        "{rendered}"
    );
    assert!(
        rendered.contains("span1 play tone 1004 at -13 dBm0 on all calls for 2s\n"),
        "{rendered}"
    );
    assert!(
        rendered.contains(
            "expect span1 hears tone 660 above -30 dBm0 for 100ms on all calls within 3s\n"
        ),
        "{rendered}"
    );
    assert!(
        rendered.contains("expect cdr count 30 disposition answered cause 16 within 10s\n"),
        "{rendered}"
    );
}

fn span_error(body: &str) -> String {
    parse(&format!("{SPAN_HEADER}{body}"), "bad.hil")
        .unwrap_err()
        .to_string()
}

#[test]
fn span_errors_name_file_line_and_what_is_wrong() {
    assert_eq!(
        span_error("wait 1s\nspan1 call 30 from 0201234\n"),
        "bad.hil:5: `call` needs the called number: `to NUMBER`"
    );
    assert_eq!(
        span_error("span1 call 0 to 100\n"),
        "bad.hil:4: bad call count \"0\": expected 1 to 1000"
    );
    assert!(span_error("span1 call to 1x0\n").starts_with("bad.hil:4: bad number \"1x0\""));
    assert!(span_error("span1 call to 100 name Bob\n")
        .starts_with("bad.hil:4: unexpected \"name\" in `call`"));
    assert!(span_error("span1 off-hook\n")
        .starts_with("bad.hil:4: unknown action \"off-hook\" for span1 (call, answer"));
    assert!(span_error("span1 alarm red\n")
        .starts_with("bad.hil:4: unknown alarm \"red\" (los, ais, clear)"));
    assert!(span_error("span1 hang-up cause 200\n").starts_with("bad.hil:4: bad cause \"200\""));
    assert!(span_error("span1 hang-up call 0\n").starts_with("bad.hil:4: bad call number \"0\""));
    assert!(span_error("span1 play tone 1004 on some calls for 1s\n")
        .starts_with("bad.hil:4: `on`: expected `all calls` or `call N`"));
    assert!(span_error("span1 play tone 1004 on all calls\n")
        .starts_with("bad.hil:4: `play` needs `for DURATION`"));
    assert!(span_error("expect span1 ringing\n")
        .starts_with("bad.hil:4: `ringing` cannot be expected of a span (link up"));
    assert!(span_error("expect span1 link down\n")
        .starts_with("bad.hil:4: link: expected `up`, found \"down\""));
    assert!(span_error("expect span1 released 2 by phone\n")
        .starts_with("bad.hil:4: `released by phone`"));
    assert!(
        span_error("expect span1 hears tone 1004 on call 2 on call 3\n")
            .starts_with("bad.hil:4: unexpected \"on\"")
    );
    assert!(
        span_error("expect span1 hears silence for 20s on all calls\n")
            .starts_with("bad.hil:4: at most 10s of audio")
    );
    assert!(span_error("expect cdr count 0 disposition answered\n")
        .starts_with("bad.hil:4: bad CDR count \"0\""));
    assert!(
        span_error("expect fxs2 hears tone 1004 on all calls\n")
            .starts_with("bad.hil:4: unexpected \"on\""),
        "calls are a span thing"
    );
    assert!(span_error("fxs2 call to 100\n").starts_with("bad.hil:4: `call` is for fxo devices"));
}

fn steps_of(body: &str) -> Vec<hil_scenario::Step> {
    parse(&format!("{HEADER}{body}"), "rep.hil")
        .unwrap_or_else(|e| panic!("{e}"))
        .steps
}

#[test]
fn repeat_blocks_unroll_in_order_with_their_round_in_the_text() {
    let steps = steps_of(
        "fxs3 off-hook\n\
         repeat 3          # three rounds\n\
         \x20 fxo1 send dtmf 1\n\
         \x20 wait 1s\n\
         end\n\
         fxs3 on-hook\n",
    );
    let shown: Vec<(usize, &str)> = steps.iter().map(|s| (s.line, s.text.as_str())).collect();
    assert_eq!(
        shown,
        vec![
            (4, "fxs3 off-hook"),
            (6, "fxo1 send dtmf 1 (repeat 1/3)"),
            (7, "wait 1s (repeat 1/3)"),
            (6, "fxo1 send dtmf 1 (repeat 2/3)"),
            (7, "wait 1s (repeat 2/3)"),
            (6, "fxo1 send dtmf 1 (repeat 3/3)"),
            (7, "wait 1s (repeat 3/3)"),
            (9, "fxs3 on-hook"),
        ]
    );
    assert_eq!(steps[1].action, steps[5].action);
    assert_eq!(steps[2].action, Action::Wait { duration_ms: 1000 });
}

#[test]
fn repeat_blocks_nest_outer_round_first() {
    let steps = steps_of(
        "repeat 2\nwait 1s\nrepeat 3\nfxs3 flash\nend\nexpect fxs3 battery\nend\nrepeat 1\nwait 2s\nend\n",
    );
    let texts: Vec<&str> = steps.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        texts,
        vec![
            "wait 1s (repeat 1/2)",
            "fxs3 flash (repeat 1/2, 1/3)",
            "fxs3 flash (repeat 1/2, 2/3)",
            "fxs3 flash (repeat 1/2, 3/3)",
            "expect fxs3 battery (repeat 1/2)",
            "wait 1s (repeat 2/2)",
            "fxs3 flash (repeat 2/2, 1/3)",
            "fxs3 flash (repeat 2/2, 2/3)",
            "fxs3 flash (repeat 2/2, 3/3)",
            "expect fxs3 battery (repeat 2/2)",
            "wait 2s (repeat 1/1)",
        ]
    );
    let lines: Vec<usize> = steps.iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![5, 7, 7, 7, 9, 5, 7, 7, 7, 9, 12]);
}

#[test]
fn repeat_errors_name_file_line_and_what_is_wrong() {
    assert_eq!(
        error_of("wait 1s\nrepeat 3\nwait 1s\n"),
        "bad.hil:5: `repeat 3` is not closed: add a line `end` after its steps"
    );
    assert_eq!(
        error_of("repeat 2\nrepeat 3\nwait 1s\nend\n"),
        "bad.hil:4: `repeat 2` is not closed: add a line `end` after its steps",
        "the block still open"
    );
    assert_eq!(
        error_of("wait 1s\nend\n"),
        "bad.hil:5: `end` without a `repeat` to close"
    );
    assert_eq!(
        error_of("repeat 2\nwait 1s\nend\nend\n"),
        "bad.hil:7: `end` without a `repeat` to close"
    );
    assert_eq!(
        error_of("repeat 0\nwait 1s\nend\n"),
        "bad.hil:4: bad repeat count \"0\": expected 1 to 1000"
    );
    assert_eq!(
        error_of("repeat 1001\nwait 1s\nend\n"),
        "bad.hil:4: bad repeat count \"1001\": expected 1 to 1000"
    );
    assert!(error_of("repeat three\nwait 1s\nend\n")
        .starts_with("bad.hil:4: bad repeat count \"three\""));
    assert!(error_of("repeat\nwait 1s\nend\n")
        .starts_with("bad.hil:4: `repeat` needs a count: `repeat N` (1 to 1000)"));
    assert!(error_of("repeat 3 wait 1s\nend\n")
        .starts_with("bad.hil:4: unexpected \"wait\" after `repeat 3`"));
    assert_eq!(
        error_of("repeat 2\nwait 1s\nend now\n"),
        "bad.hil:6: unexpected \"now\" after `end`"
    );
    assert_eq!(
        error_of("wait 1s\nrepeat 5\n# nothing yet\n\nend\n"),
        "bad.hil:5: `repeat 5` has no steps before its `end` (line 8): put the steps to repeat between them"
    );
    assert_eq!(
        error_of("repeat 2\nrepeat 2\nend\nwait 1s\nend\n"),
        "bad.hil:5: `repeat 2` has no steps before its `end` (line 6): put the steps to repeat between them"
    );
    assert_eq!(
        error_of("repeat 2\nname: again\nend\n"),
        "bad.hil:5: `name:` inside the `repeat` block of line 4: headers go outside `repeat … end`"
    );
    assert!(
        error_of("repeat 2\nfxs9 flash\nend\n")
            .starts_with("bad.hil:5: device fxs9 is not listed in `devices:`"),
        "a bad step in a block names its own line"
    );
    let e = parse("name: a\nrepeat 2\ndevices: fxo1\nend\n", "x.hil").unwrap_err();
    assert_eq!(e.line, 3);
}

#[test]
fn unrolled_steps_are_capped() {
    // 1000 × 100 = 100 000 steps is the most.
    let most = "repeat 1000\nrepeat 100\nwait 20ms\nend\nend\n";
    assert_eq!(steps_of(most).len(), hil_scenario::MAX_STEPS);
    let e = error_of(&format!("wait 1s\n{most}"));
    assert_eq!(
        e,
        "bad.hil:5: `repeat 1000` of 100 steps makes 100001 steps; at most 100000 once `repeat` blocks are unrolled"
    );
    // Nesting is caught before anything is unrolled 1000 × 1000 × 1000 times.
    let e = error_of("repeat 1000\nrepeat 1000\nrepeat 1000\nwait 20ms\nend\nend\nend\n");
    assert_eq!(
        e,
        "bad.hil:5: `repeat 1000` of 1000 steps makes 1000000 steps; at most 100000 once `repeat` blocks are unrolled"
    );
}

#[test]
fn a_span_lists_the_side_the_rig_plays() {
    use far_end::PriRole;
    let s = parse(
        "name: sides\ndevices: span1:user span2:network span3 fxs4\nexpect span1 link up\n",
        "sides.hil",
    )
    .unwrap();
    let sides: Vec<(&str, Option<PriRole>)> = s
        .devices
        .iter()
        .map(|d| (d.name.as_str(), d.pri_role))
        .collect();
    assert_eq!(
        sides,
        vec![
            ("span1", Some(PriRole::User)),
            ("span2", Some(PriRole::Network)),
            ("span3", Some(PriRole::Network)),
            ("fxs4", None)
        ]
    );
    assert_eq!(
        s.rig_devices(),
        vec![
            ("span1", DeviceKind::E1, 1),
            ("span2", DeviceKind::E1, 2),
            ("span3", DeviceKind::E1, 3),
            ("fxs4", DeviceKind::Fxs, 4)
        ]
    );
    let err = |devices: &str| {
        parse(&format!("name: e\ndevices: {devices}\nwait 1s\n"), "e.hil")
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err("fxo1:user"),
        "e.hil:2: \"fxo1:user\": only a span takes a side (e.g. span1:user or span1:network)"
    );
    assert_eq!(
        err("span1:cpe"),
        "e.hil:2: \"span1:cpe\": the rig's side of a span is `user` or `network`, not \"cpe\""
    );
    assert_eq!(
        err("span1:user span1"),
        "e.hil:2: device span1 listed twice"
    );
    assert!(err("span0:user").starts_with("e.hil:2: \"span0\": the device id must be"));
    // The name in steps is the bare `span1`.
    let e = parse("name: e\ndevices: span1:user\nspan1:user answer\n", "e.hil").unwrap_err();
    assert_eq!(e.line, 3);
}

#[test]
fn idle_parses_with_not_and_windows_and_round_trips() {
    use hil_scenario::SpanCondition;
    let s = parse(
        "name: idle\ndevices: span1:user\nexpect span1 idle\nexpect span1 not idle for 2s\nexpect span1 idle within 10s\n",
        "idle.hil",
    )
    .unwrap();
    let expectations: Vec<Expectation> = s
        .steps
        .iter()
        .map(|st| match &st.action {
            Action::Expect(e) => e.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    let idle = Subject::Span {
        device: "span1".into(),
        condition: SpanCondition::Idle,
    };
    assert_eq!(
        expectations,
        vec![
            Expectation {
                subject: idle.clone(),
                negated: false,
                mode: Mode::Within,
                window_ms: hil_scenario::DEFAULT_WINDOW_MS
            },
            Expectation {
                subject: idle.clone(),
                negated: true,
                mode: Mode::Throughout,
                window_ms: 2000
            },
            Expectation {
                subject: idle,
                negated: false,
                mode: Mode::Within,
                window_ms: 10_000
            },
        ]
    );
    let rendered: Vec<String> = s.steps.iter().map(|st| st.action.to_string()).collect();
    assert_eq!(
        rendered,
        vec![
            "expect span1 idle within 5s",
            "expect span1 not idle for 2s",
            "expect span1 idle within 10s"
        ]
    );
    let again = parse(
        &format!("name: idle\ndevices: span1\n{}\n", rendered.join("\n")),
        "again.hil",
    )
    .unwrap();
    for (a, b) in s.steps.iter().zip(again.steps.iter()) {
        assert_eq!(a.action, b.action);
    }
    assert!(span_error("expect span1 idle now\n").starts_with("bad.hil:4: unexpected \"now\""));
    assert!(span_error("expect fxs2 idle\n").starts_with("bad.hil:4: "));
    assert!(span_error("expect span1 busy\n")
        .ends_with("`busy` cannot be expected of a span (link up, remote-alarm, answered, released, incoming call, hears, idle)"));
}
