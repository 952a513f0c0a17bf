//! Random input sequences never panic, and the next deadline is never in the past.

use analog_signalling::{
    AnswerSupervision, CallerIdInfo, CallerIdMode, CidStandard, DisconnectSupervision, FxoConfig,
    FxoLine, FxsConfig, FxsPort, LineFromTelco, RingCadence,
};
use line_boundary::{Cause, LineCommand, PhoneNumber, Tone};
use proptest::prelude::*;

fn cadence() -> impl Strategy<Value = RingCadence> {
    prop_oneof![
        Just(RingCadence::china()),
        Just(RingCadence::etsi()),
        Just(RingCadence::north_america())
    ]
}

fn command() -> impl Strategy<Value = LineCommand> {
    let number = "[0-9]{1,12}"
        .prop_map(|text| PhoneNumber::parse(&text).expect("digits are a valid number"));
    prop_oneof![
        Just(LineCommand::Answer),
        Just(LineCommand::Alert),
        number.clone().prop_map(|called| LineCommand::CallOut {
            calling: None,
            called
        }),
        proptest::option::of(number).prop_map(|calling| LineCommand::Ring {
            calling,
            name: Some("X".into())
        }),
        Just(LineCommand::PlayTone {
            tone: Tone::Ringback
        }),
        Just(LineCommand::StopTone),
        (1u8..=127).prop_map(|cause| LineCommand::Hangup {
            cause: Cause(cause)
        }),
    ]
}

/// Time steps: mostly forward (from sub-debounce to past every timer), sometimes backward.
fn step() -> impl Strategy<Value = i64> {
    prop_oneof![8 => 0i64..200, 4 => 0i64..8000, 1 => -500i64..0]
}

#[derive(Debug, Clone)]
enum FxoInput {
    Line(bool, bool, bool),
    CallerId,
    Busy,
    DialTone,
    Command(LineCommand),
    Timeout,
}

fn fxo_input() -> impl Strategy<Value = FxoInput> {
    prop_oneof![
        6 => (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(r, p, b)| FxoInput::Line(r, p, b)),
        1 => Just(FxoInput::CallerId),
        1 => Just(FxoInput::Busy),
        1 => Just(FxoInput::DialTone),
        2 => command().prop_map(FxoInput::Command),
        3 => Just(FxoInput::Timeout),
    ]
}

fn fxo_config() -> impl Strategy<Value = FxoConfig> {
    (
        cadence(),
        prop_oneof![
            Just(CallerIdMode::None),
            Just(CallerIdMode::FskBeforeRing),
            Just(CallerIdMode::FskAfterFirstRing),
            Just(CallerIdMode::Dtmf)
        ],
        any::<(bool, bool, bool, bool)>(),
    )
        .prop_map(
            |(
                ring_cadence,
                caller_id,
                (battery, polarity_reversal, busy_tone, reversal_answer),
            )| FxoConfig {
                ring_cadence,
                caller_id,
                disconnect: DisconnectSupervision {
                    battery_drop_ms: battery.then_some(350),
                    polarity_reversal,
                    busy_tone,
                },
                answer_supervision: if reversal_answer {
                    AnswerSupervision::PolarityReversal
                } else {
                    AnswerSupervision::AfterDialling
                },
                ..FxoConfig::default()
            },
        )
}

#[derive(Debug, Clone)]
enum FxsInput {
    Hook(bool),
    Digit(char),
    Complete,
    Command(LineCommand),
    Timeout,
}

fn fxs_input() -> impl Strategy<Value = FxsInput> {
    prop_oneof![
        5 => any::<bool>().prop_map(FxsInput::Hook),
        3 => proptest::char::any().prop_map(FxsInput::Digit),
        3 => proptest::sample::select(vec!['1', '5', '#', '*', 'A']).prop_map(FxsInput::Digit),
        1 => Just(FxsInput::Complete),
        2 => command().prop_map(FxsInput::Command),
        3 => Just(FxsInput::Timeout),
    ]
}

fn fxs_config() -> impl Strategy<Value = FxsConfig> {
    (
        cadence(),
        prop_oneof![
            Just(CidStandard::None),
            Just(CidStandard::Etsi),
            Just(CidStandard::Bell),
            Just(CidStandard::Dtmf)
        ],
        proptest::option::of(100u32..1000),
        0usize..40,
    )
        .prop_map(
            |(ring_cadence, caller_id, open_loop_disconnect_ms, max_digits)| FxsConfig {
                ring_cadence,
                caller_id,
                open_loop_disconnect_ms,
                max_digits,
                ..FxsConfig::default()
            },
        )
}

/// The time to feed next (possibly before the latest, to check clamping); `latest` is the
/// latest time actually fed, which every deadline must come after.
fn advance(latest: &mut u64, step: i64) -> u64 {
    let fed = latest.saturating_add_signed(step);
    *latest = (*latest).max(fed);
    fed
}

proptest! {
    // Failures print the minimal script; no regression files are written into the source tree.
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fxo_survives_any_input(config in fxo_config(), script in proptest::collection::vec((step(), fxo_input()), 1..200)) {
        let mut line = FxoLine::new(config);
        let mut latest = 0u64;
        for (step, input) in script {
            let at = if matches!(input, FxoInput::Timeout) { latest } else { advance(&mut latest, step) };
            match input {
                FxoInput::Line(ringing, reversed, battery) => line.handle_line(at, LineFromTelco { ringing, reversed, battery }),
                FxoInput::CallerId => line.handle_caller_id(at, CallerIdInfo { number: PhoneNumber::parse("123").ok(), name: None }),
                FxoInput::Busy => line.handle_busy_tone(at),
                FxoInput::DialTone => line.handle_dial_tone(at),
                FxoInput::Command(command) => { let _ = line.handle_command(at, command); }
                FxoInput::Timeout => if let Some(deadline) = line.poll_timeout() {
                    latest = latest.max(deadline);
                    line.handle_timeout(deadline);
                },
            }
            while line.poll_event().is_some() {}
            while line.poll_action().is_some() {}
            if let Some(deadline) = line.poll_timeout() {
                prop_assert!(deadline > latest, "deadline {} not after latest input {} in {}", deadline, latest, line.state().name());
            }
        }
    }

    #[test]
    fn fxs_survives_any_input(config in fxs_config(), script in proptest::collection::vec((step(), fxs_input()), 1..200)) {
        let mut port = FxsPort::new(config);
        let mut latest = 0u64;
        for (step, input) in script {
            let at = if matches!(input, FxsInput::Timeout) { latest } else { advance(&mut latest, step) };
            match input {
                FxsInput::Hook(off_hook) => port.handle_hook(at, off_hook),
                FxsInput::Digit(digit) => port.handle_digit(at, digit),
                FxsInput::Complete => port.complete_dialling(at),
                FxsInput::Command(command) => { let _ = port.handle_command(at, command); }
                FxsInput::Timeout => if let Some(deadline) = port.poll_timeout() {
                    latest = latest.max(deadline);
                    port.handle_timeout(deadline);
                },
            }
            while port.poll_event().is_some() {}
            while port.poll_action().is_some() {}
            if let Some(deadline) = port.poll_timeout() {
                prop_assert!(deadline > latest, "deadline {} not after latest input {} in {}", deadline, latest, port.state().name());
            }
        }
    }
}
