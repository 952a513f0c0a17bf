//! Call sessions as scripts: inputs and times in, outputs checked. No actors.

use super::*;
use line_boundary::{LineKind, Tone};
use media_engine::Slot;

const TRUNK: ChannelId = ChannelId {
    device: 1,
    channel: 1,
};
const PHONE: ChannelId = ChannelId {
    device: 3,
    channel: 1,
};
const SPAN_B1: ChannelId = ChannelId {
    device: 7,
    channel: 1,
};
const GREETING: PromptId = PromptId(0);

fn leg(channel: ChannelId, kind: LineKind, role: LegRole) -> Leg {
    Leg::new(channel, Slot(channel.device), kind, role)
}

fn number(text: &str) -> PhoneNumber {
    PhoneNumber::parse(text).unwrap()
}

fn config() -> SessionConfig {
    SessionConfig {
        ring_timeout_ms: 30_000,
        fault_injection: true,
    }
}

/// A call from `origin` routed by `route` to `destination` (if any), started at 1000 ms.
fn call(
    origin: Leg,
    destination: Option<Leg>,
    route: impl FnOnce(Option<LegId>) -> Route,
) -> CallSession {
    let numbers = CallNumbers {
        calling: Some(number("5550123")),
        name: None,
        callee: Some(number("201")),
        dialled: Some(number("0301234")),
    };
    let trunk = origin.is_trunk();
    let mut session = CallSession::new(origin, numbers, config(), 1000);
    let dest = destination.map(|d| session.add_leg(d));
    session.start(plan_applications(trunk, route(dest), Some(GREETING)), 1000);
    session
}

fn drain(session: &mut CallSession) -> Vec<Output> {
    std::iter::from_fn(|| session.poll_output()).collect()
}

fn hangup(cause: u8) -> LineEvent {
    LineEvent::Hangup {
        cause: Cause(cause),
    }
}

fn ended(outputs: &[Output]) -> Option<&CallRecord> {
    outputs.iter().find_map(|o| match o {
        Output::Ended(record) => Some(record),
        _ => None,
    })
}

fn greeting_id(outputs: &[Output]) -> PlaybackId {
    outputs
        .iter()
        .find_map(|o| match o {
            Output::Media(MediaCommand::Prompt { id, .. }) => Some(*id),
            _ => None,
        })
        .expect("the greeting plays")
}

const O: LegId = CallSession::ORIGIN;
const D: LegId = LegId(1);

#[test]
fn an_inbound_trunk_call_is_answered_greeted_rung_and_talked() {
    let mut s = call(
        leg(TRUNK, LineKind::Fxo, LegRole::Origin),
        Some(leg(PHONE, LineKind::Fxs, LegRole::Destination)),
        |d| Route::Ring { leg: d.unwrap() },
    );
    let out = drain(&mut s);
    assert_eq!(
        out[0],
        Output::Line {
            leg: O,
            command: LineCommand::Answer
        }
    );
    let greeting = greeting_id(&out);
    assert_eq!(s.application(), "greeting");

    // A completion for some other playback does not end the greeting.
    s.handle_playback_done(1500, TRUNK, Some(PlaybackId(999)));
    assert!(drain(&mut s).is_empty());
    s.handle_playback_done(2100, TRUNK, Some(greeting));
    let out = drain(&mut s);
    assert_eq!(
        out,
        vec![
            Output::Line {
                leg: D,
                command: LineCommand::Ring {
                    calling: Some(number("5550123")),
                    name: None
                }
            },
            Output::Media(MediaCommand::Tone {
                leg: O,
                tone: Tone::Ringback,
                id: PlaybackId(2)
            }),
        ]
    );
    assert_eq!(s.application(), "ringing");

    s.handle_line(6100, PHONE, LineEvent::Answered);
    let out = drain(&mut s);
    assert!(out.contains(&Output::Media(MediaCommand::Bridge { a: O, b: D })));
    assert!(out.iter().any(|o| matches!(o, Output::Answered { .. })));
    assert_eq!(s.application(), "talk");

    s.handle_line(36_100, TRUNK, hangup(16));
    let out = drain(&mut s);
    // The phone is cleared; the trunk that hung up is not told to.
    assert!(out.contains(&Output::Line {
        leg: D,
        command: LineCommand::Hangup { cause: Cause(16) }
    }));
    assert!(!out.contains(&Output::Line {
        leg: O,
        command: LineCommand::Hangup { cause: Cause(16) }
    }));
    let record = ended(&out).expect("ended");
    assert_eq!(record.disposition, Disposition::Answered);
    assert_eq!(record.cause, Cause(16));
    assert_eq!(record.times.line_answered_ms, Some(1000));
    assert_eq!(
        record.times.ringing_ms, 4000,
        "from the ring to the answer only"
    );
    assert_eq!(record.times.answered_ms, Some(6100));
    assert_eq!(record.times.talk_ms(), 30_000);
    assert_eq!(record.destination, Some(PHONE));
    assert!(s.is_ended());
}

#[test]
fn a_caller_who_hangs_up_during_the_greeting_never_rang_anyone() {
    let mut s = call(
        leg(TRUNK, LineKind::Fxo, LegRole::Origin),
        Some(leg(PHONE, LineKind::Fxs, LegRole::Destination)),
        |d| Route::Ring { leg: d.unwrap() },
    );
    drain(&mut s);
    s.handle_line(1480, TRUNK, hangup(16));
    let out = drain(&mut s);
    let record = ended(&out).unwrap();
    assert_eq!(record.disposition, Disposition::Abandoned);
    assert_eq!(record.times.ringing_ms, 0);
    assert_eq!(record.times.answered_ms, None);
    assert_eq!(record.times.line_answered_ms, Some(1000));
    // The reserved phone is released (detached); it never rang.
    assert!(out.contains(&Output::Detach { leg: D }));
    assert!(!out.iter().any(|o| matches!(
        o,
        Output::Line {
            command: LineCommand::Ring { .. },
            ..
        }
    )));
}

#[test]
fn a_phone_that_refuses_to_ring_makes_the_call_busy_at_once() {
    let mut s = call(
        leg(TRUNK, LineKind::Fxo, LegRole::Origin),
        Some(leg(PHONE, LineKind::Fxs, LegRole::Destination)),
        |d| Route::Ring { leg: d.unwrap() },
    );
    let greeting = greeting_id(&drain(&mut s));
    s.handle_playback_done(2100, TRUNK, Some(greeting));
    drain(&mut s);
    s.handle_line(2100, PHONE, hangup(17));
    let out = drain(&mut s);
    let record = ended(&out).unwrap();
    assert_eq!(
        (record.disposition, record.cause),
        (Disposition::Busy, Cause(17))
    );
    assert_eq!(record.times.ringing_ms, 0);
    assert!(out.contains(&Output::Line {
        leg: O,
        command: LineCommand::Hangup { cause: Cause(17) }
    }));
    assert!(
        !out.contains(&Output::Line {
            leg: D,
            command: LineCommand::Hangup { cause: Cause(17) }
        }),
        "the phone that refused is not told to hang up: its user is dialling"
    );
}

#[test]
fn nobody_answers_within_the_ring_timeout() {
    let mut s = call(
        leg(TRUNK, LineKind::Fxo, LegRole::Origin),
        Some(leg(PHONE, LineKind::Fxs, LegRole::Destination)),
        |d| Route::Ring { leg: d.unwrap() },
    );
    let greeting = greeting_id(&drain(&mut s));
    s.handle_playback_done(2000, TRUNK, Some(greeting));
    drain(&mut s);
    s.handle_timeout(31_000);
    assert!(ended(&drain(&mut s)).is_none(), "29 s rung: not yet");
    s.handle_timeout(32_000);
    let record = ended(&drain(&mut s)).cloned().unwrap();
    assert_eq!(
        (record.disposition, record.cause),
        (Disposition::NoAnswer, Cause::NO_ANSWER)
    );
    assert_eq!(record.times.ringing_ms, 30_000);
}

#[test]
fn a_refused_digital_trunk_call_is_not_answered() {
    let mut s = call(leg(SPAN_B1, LineKind::E1, LegRole::Origin), None, |_| {
        Route::Reject(Cause::UNALLOCATED_NUMBER)
    });
    let out = drain(&mut s);
    assert!(!out.contains(&Output::Line {
        leg: O,
        command: LineCommand::Answer
    }));
    assert!(out.contains(&Output::Line {
        leg: O,
        command: LineCommand::Hangup { cause: Cause(1) }
    }));
    let record = ended(&out).unwrap();
    assert_eq!(record.disposition, Disposition::InvalidNumber);
    assert_eq!(record.times.line_answered_ms, None);
}

#[test]
fn a_refused_analog_trunk_call_is_greeted_then_hears_congestion() {
    let mut s = call(leg(TRUNK, LineKind::Fxo, LegRole::Origin), None, |_| {
        Route::Reject(Cause::UNALLOCATED_NUMBER)
    });
    let greeting = greeting_id(&drain(&mut s));
    s.handle_playback_done(2100, TRUNK, Some(greeting));
    let out = drain(&mut s);
    assert!(matches!(
        out[..],
        [Output::Media(MediaCommand::Tone {
            tone: Tone::Congestion,
            ..
        })]
    ));
    s.handle_timeout(5000);
    assert!(drain(&mut s).is_empty());
    s.handle_timeout(6100);
    let record = ended(&drain(&mut s)).cloned().unwrap();
    assert_eq!(
        (record.disposition, record.cause),
        (Disposition::InvalidNumber, Cause(1))
    );
}

#[test]
fn an_extension_dials_out_and_a_busy_carrier_is_busy() {
    let mut s = call(
        leg(PHONE, LineKind::Fxs, LegRole::Origin),
        Some(leg(SPAN_B1, LineKind::E1, LegRole::Destination)),
        |d| Route::Dial {
            leg: d.unwrap(),
            called: number("0201234"),
        },
    );
    let out = drain(&mut s);
    assert!(
        !out.contains(&Output::Line {
            leg: O,
            command: LineCommand::Answer
        }),
        "a phone is not answered"
    );
    assert!(matches!(
        out[..],
        [Output::Line {
            leg: D,
            command: LineCommand::CallOut { .. }
        }]
    ));
    s.handle_line(1200, SPAN_B1, LineEvent::Alerting);
    assert!(matches!(
        drain(&mut s)[..],
        [Output::Media(MediaCommand::Tone {
            tone: Tone::Ringback,
            ..
        })]
    ));
    s.handle_line(3000, SPAN_B1, hangup(17));
    let record = ended(&drain(&mut s)).cloned().unwrap();
    assert_eq!(
        (record.disposition, record.cause),
        (Disposition::Busy, Cause(17))
    );
    assert_eq!(record.times.ringing_ms, 2000);
    assert_eq!(record.times.line_answered_ms, None);
}

#[test]
fn the_echo_test_answers_the_line_at_once_and_the_call_after_the_greeting() {
    let mut s = call(leg(SPAN_B1, LineKind::E1, LegRole::Origin), None, |_| {
        Route::Echo
    });
    let greeting = greeting_id(&drain(&mut s));
    s.handle_playback_done(2100, SPAN_B1, Some(greeting));
    let out = drain(&mut s);
    assert!(out.contains(&Output::Media(MediaCommand::Loop { leg: O })));
    assert!(out.iter().any(|o| matches!(o, Output::Answered { .. })));
    s.handle_line(5100, SPAN_B1, hangup(16));
    let record = ended(&drain(&mut s)).cloned().unwrap();
    assert_eq!(record.disposition, Disposition::Answered);
    assert_eq!(record.times.line_answered_ms, Some(1000));
    assert_eq!(record.times.answered_ms, Some(2100));
    assert_eq!(record.times.ringing_ms, 0);
    assert_eq!(record.times.talk_ms(), 3000);
}

#[test]
#[should_panic(expected = "fault injected")]
fn the_fault_injection_digits_panic_the_call() {
    let mut s = call(leg(SPAN_B1, LineKind::E1, LegRole::Origin), None, |_| {
        Route::Echo
    });
    for digit in FAULT_INJECTION_DIGITS.chars() {
        s.handle_line(1500, SPAN_B1, LineEvent::Digit { digit });
    }
}

/// One full call, step by step; a hang-up injected before each step must end the call
/// cleanly whoever hangs up and whenever.
#[derive(Clone, Copy, Debug)]
enum Step {
    GreetingDone,
    Alerting,
    Answered,
    Second(u64),
}

const FULL_CALL: [Step; 5] = [
    Step::Second(1500),
    Step::GreetingDone,
    Step::Alerting,
    Step::Answered,
    Step::Second(20_000),
];

#[test]
fn a_leg_that_hangs_up_at_any_step_ends_the_call_cleanly() {
    for (who, channel) in [("caller", TRUNK), ("destination", PHONE)] {
        for at in 0..=FULL_CALL.len() {
            let mut s = call(
                leg(TRUNK, LineKind::Fxo, LegRole::Origin),
                Some(leg(PHONE, LineKind::Fxs, LegRole::Destination)),
                |d| Route::Ring { leg: d.unwrap() },
            );
            let mut out = drain(&mut s);
            let greeting = greeting_id(&out);
            let mut answered = false;
            let mut now = 1000;
            for step in &FULL_CALL[..at] {
                now += 100;
                match *step {
                    Step::GreetingDone => s.handle_playback_done(now, TRUNK, Some(greeting)),
                    Step::Alerting => s.handle_line(now, PHONE, LineEvent::Alerting),
                    Step::Answered => {
                        s.handle_line(now, PHONE, LineEvent::Answered);
                        answered = true;
                    }
                    Step::Second(ms) => {
                        now = now.max(ms);
                        s.handle_timeout(now);
                    }
                }
                out.extend(drain(&mut s));
            }
            let before = out.len();
            now += 100;
            s.handle_line(now, channel, hangup(16));
            out.extend(drain(&mut s));
            let context = format!("{who} hangs up after {at} steps: {:#?}", &out[before..]);

            let records: Vec<_> = out
                .iter()
                .filter_map(|o| match o {
                    Output::Ended(r) => Some(r),
                    _ => None,
                })
                .collect();
            assert_eq!(records.len(), 1, "ends exactly once: {context}");
            assert!(
                matches!(out.last(), Some(Output::Ended(_))),
                "nothing after the end: {context}"
            );
            let want = match (answered, who) {
                (true, _) => Disposition::Answered,
                (false, "caller") => Disposition::Abandoned,
                // A destination clearing with 16 before it answered: not a busy, not a fault.
                (false, _) => Disposition::unanswered(Cause(16)),
            };
            assert_eq!(records[0].disposition, want, "{context}");
            let hung_up = if who == "caller" { O } else { D };
            for leg in [O, D] {
                let detached = out.iter().filter(|o| **o == Output::Detach { leg }).count();
                assert_eq!(detached, 1, "leg {leg:?} detached once: {context}");
                let told = out
                    .iter()
                    .filter(|o| matches!(o, Output::Line { leg: l, command: LineCommand::Hangup { .. } } if *l == leg))
                    .count();
                let want_told = usize::from(leg != hung_up);
                assert_eq!(told, want_told, "leg {leg:?} told to hang up: {context}");
            }
            // Nothing more happens after the end, whatever comes in.
            s.handle_line(now + 100, TRUNK, LineEvent::Answered);
            s.handle_timeout(now + 60_000);
            assert!(drain(&mut s).is_empty(), "{context}");
        }
    }
}
