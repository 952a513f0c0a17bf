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
expect fxs3 not hears tone 1004 for 2s
expect cdr disposition answered cause 16 from 5550123 to 201
expect cdr disposition failed cause 41 from none talk >= 1s talk <= 1min ring >= 0s ring <= 30s within 10s
"#;

#[test]
fn parses_the_header_and_every_step_kind() {
    let s = parse(&format!("{HEADER}{EVERY_STEP}"), "every.hil").unwrap();
    assert_eq!(s.name, "every step");
    assert_eq!(s.config.as_deref(), Some("basic"));
    assert_eq!(s.rig_devices(), vec![("fxo1", DeviceKind::Fxo, 1), ("fxs3", DeviceKind::Fxs, 3), ("fxs4", DeviceKind::Fxs, 4)]);
    assert_eq!(s.steps.len(), 33);
    assert_eq!(s.steps[0].line, 5);
    assert_eq!(s.steps[0].text, r#"fxo1 call from 5550123 name "Alice Smith" cid etsi-before-ring"#);
    assert_eq!(
        s.steps[0].action,
        Action::Call {
            device: "fxo1".into(),
            from: Some("5550123".into()),
            name: Some("Alice Smith".into()),
            cid: far_end::CidDelivery::EtsiFskBeforeRing
        }
    );
    assert_eq!(s.steps[9].action, Action::SendDtmf { device: "fxo1".into(), digits: "*#*9".into() });
    assert_eq!(
        s.steps[11].action,
        Action::PlayTone { device: "fxs3".into(), freq_hz: 425, level_dbm0: -20.0, duration_ms: 1500 }
    );
    assert_eq!(
        s.steps[19].action,
        Action::Expect(Expectation {
            subject: Subject::Device { device: "fxs4".into(), condition: Condition::Ringing },
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
                condition: Condition::HearsTone { freq_hz: 1004, min_dbm0: -20.0, min_ms: 500 }
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
}

#[test]
fn every_step_round_trips_through_its_canonical_text() {
    let s = parse(&format!("{HEADER}{EVERY_STEP}"), "every.hil").unwrap();
    let rendered: String = s.steps.iter().map(|st| format!("{}\n", st.action)).collect();
    let again = parse(&format!("{HEADER}{rendered}"), "rendered.hil")
        .unwrap_or_else(|e| panic!("canonical text does not parse: {e}\n{rendered}"));
    for (a, b) in s.steps.iter().zip(again.steps.iter()) {
        assert_eq!(a.action, b.action, "line {} rendered as {:?}", a.line, b.text);
    }
    assert_eq!(s.steps.len(), again.steps.len());
}

fn error_of(body: &str) -> String {
    parse(&format!("{HEADER}{body}"), "bad.hil").unwrap_err().to_string()
}

#[test]
fn errors_name_file_line_and_what_is_wrong() {
    assert_eq!(
        error_of("wait 1s\nfxs3 call from 1\n"),
        "bad.hil:5: `call` is for fxo devices; fxs3 is an fxs"
    );
    assert!(error_of("fxs9 off-hook\n").starts_with("bad.hil:4: device fxs9 is not listed in `devices:`"));
    assert!(error_of("\n\nwait 10\n").starts_with("bad.hil:6: bad duration \"10\""));
    assert!(error_of("expect fxs3 answered\n").contains("bad.hil:4: `answered` can only be expected of fxo devices"));
    assert!(error_of("fxo1 send dtmf #9\n").starts_with("bad.hil:4: missing DTMF digits (quote digits that contain #"));
    let s = parse(&format!("{HEADER}fxo1 send dtmf *#*9 # a # inside a word is not a comment\n"), "ok.hil").unwrap();
    assert_eq!(s.steps[0].action, Action::SendDtmf { device: "fxo1".into(), digits: "*#*9".into() });
    assert!(error_of("fxs3 dial 12x\n").starts_with("bad.hil:4: 'x' in \"12x\" is not a DTMF digit"));
    assert!(error_of("expect fxs3 hears tone 99999\n").starts_with("bad.hil:4: bad frequency"));
    assert!(error_of("expect fxs3 hears tone 1004 within 1s extra\n").starts_with("bad.hil:4: unexpected \"extra\""));
    assert!(error_of("expect cdr within 1s\n").starts_with("bad.hil:4: `expect cdr` needs at least one field"));
    assert!(error_of("expect cdr cause sixteen\n").starts_with("bad.hil:4: bad cause"));
    assert!(error_of("fxo1 call name \"unterminated\n").starts_with("bad.hil:4: unterminated quoted string"));
    assert!(error_of("jump 3\n").starts_with("bad.hil:4: unknown step \"jump\""));
    assert!(error_of("fxs3 whistle\n").starts_with("bad.hil:4: unknown action \"whistle\""));
    assert!(error_of("expect fxs3 hears silence for 11s\n").starts_with("bad.hil:4: at most 10s of audio"));
    assert!(error_of("fxo1 call cid telepathy\n").contains("unknown caller ID mode \"telepathy\""));
    assert!(error_of("fxs3 play tone 1004 at +9 dBm0 for 1s\n").starts_with("bad.hil:4: bad level"));
}

#[test]
fn header_errors() {
    let e = parse("devices: fxo1\nwait 1s\n", "x.hil").unwrap_err();
    assert_eq!(e.to_string(), "x.hil: missing `name:` header");
    let e = parse("name: a\nfxo1 hang-up\n", "x.hil").unwrap_err();
    assert_eq!(e.to_string(), "x.hil:2: `devices:` must come before the first step");
    let e = parse("name: a\ndevices: fxo1 fxs1\n", "x.hil").unwrap_err();
    assert_eq!(e.to_string(), "x.hil:2: device id 1 used twice (ids are unique across kinds)");
    let e = parse("name: a\ndevices: span1\n", "x.hil").unwrap_err();
    assert!(e.to_string().starts_with("x.hil:2: span1: E1 spans have no far-end simulator yet"));
    let e = parse("name: a\nname: b\n", "x.hil").unwrap_err();
    assert_eq!(e.line, 2);
    let e = parse("name: a\nconfig: ../etc\n", "x.hil").unwrap_err();
    assert!(e.message.contains("directory name under hil-tests/configs/"));
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
            let config = s.config.as_deref().unwrap_or_else(|| panic!("{} has no config", path.display()));
            assert!(dir.join("../configs").join(config).join("system.toml").exists(), "{}: config {config} missing", path.display());
            count += 1;
        }
    }
    assert!(count >= 4, "found {count} scenarios");
}
