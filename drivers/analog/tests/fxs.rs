//! Scripted FXS scenarios: the phone is played by the test.

mod common;

use analog_signalling::{
    AnalogError, CidStandard, FxsAction, FxsConfig, FxsPort, FxsState, RingCadence,
};
use common::{Driver, Out};
use line_boundary::{CallerCategory, Cause, Hook, LineCommand, LineEvent, PhoneNumber, Tone};

struct Phone {
    driver: Driver<FxsPort>,
}

impl Phone {
    fn new(config: FxsConfig) -> Phone {
        Phone {
            driver: Driver::new(FxsPort::new(config)),
        }
    }

    fn hook(&mut self, at: u64, off_hook: bool) {
        self.driver
            .at(at, |port, now| port.handle_hook(now, off_hook));
    }

    fn dial(&mut self, mut at: u64, digits: &str) -> u64 {
        for digit in digits.chars() {
            self.driver
                .at(at, |port, now| port.handle_digit(now, digit));
            at += 300;
        }
        at - 300
    }

    fn command(&mut self, at: u64, command: LineCommand) -> Result<(), AnalogError> {
        let mut result = Ok(());
        self.driver
            .at(at, |port, now| result = port.handle_command(now, command));
        result
    }

    fn state(&self) -> FxsState {
        self.driver.stack.state()
    }
}

fn number(text: &str) -> PhoneNumber {
    PhoneNumber::parse(text).expect("test number is valid")
}

fn dialled(called: &str) -> LineEvent {
    LineEvent::IncomingCall {
        calling: None,
        called: Some(number(called)),
        category: CallerCategory::Ordinary,
        name: None,
    }
}

fn digit(digit: char) -> LineEvent {
    LineEvent::Digit { digit }
}

/// A phone that dialled 8001# and whose call was handed upstream.
fn phone_in_call(config: FxsConfig) -> Phone {
    let mut phone = Phone::new(config);
    phone.hook(1000, true);
    phone.dial(2000, "8001#");
    assert_eq!(phone.state(), FxsState::CallPlaced);
    phone.driver.take();
    phone
}

#[test]
fn off_hook_gives_dial_tone_after_debounce() {
    let mut phone = Phone::new(FxsConfig::default());
    phone.hook(1000, true);
    assert!(
        phone.driver.take().is_empty(),
        "not before the debounce time"
    );
    phone.driver.run_until(1100);
    assert_eq!(
        phone.driver.take(),
        vec![
            (1040, Out::Action(FxsAction::PlayTone(Tone::Dial))),
            (
                1040,
                Out::Event(LineEvent::Hook {
                    hook: Hook::OffHook
                })
            ),
        ]
    );
    assert_eq!(phone.state(), FxsState::DialTone);
}

#[test]
fn digits_stop_dial_tone_and_interdigit_timeout_completes_the_number() {
    let mut phone = Phone::new(FxsConfig::default());
    phone.hook(1000, true);
    phone.driver.run_until(1500);
    phone.driver.take();
    let last = phone.dial(2000, "123");
    assert_eq!(
        phone.driver.actions(),
        vec![(2000, FxsAction::StopTone)],
        "the first digit stops dial tone"
    );
    assert_eq!(phone.state(), FxsState::CollectingDigits);
    phone.driver.run_until(last + 3999);
    assert_eq!(phone.state(), FxsState::CollectingDigits);
    phone.driver.run_until(last + 4000);
    assert_eq!(
        phone.driver.events(),
        vec![
            (2000, digit('1')),
            (2300, digit('2')),
            (2600, digit('3')),
            (last + 4000, dialled("123"))
        ]
    );
    assert_eq!(phone.state(), FxsState::CallPlaced);
}

#[test]
fn hash_terminates_dialling_at_once() {
    let mut phone = Phone::new(FxsConfig::default());
    phone.hook(1000, true);
    let last = phone.dial(2000, "205#");
    assert_eq!(phone.driver.events().last(), Some(&(last, dialled("205"))));
    assert_eq!(phone.state(), FxsState::CallPlaced);
}

#[test]
fn router_can_complete_dialling_early() {
    let mut phone = Phone::new(FxsConfig::default());
    phone.hook(1000, true);
    phone.dial(2000, "80");
    phone
        .driver
        .at(2400, |port, now| port.complete_dialling(now));
    assert_eq!(phone.driver.events().last(), Some(&(2400, dialled("80"))));
    // Late duplicate from the router is harmless.
    phone
        .driver
        .at(2500, |port, now| port.complete_dialling(now));
    assert_eq!(
        phone.driver.events(),
        vec![
            (
                1040,
                LineEvent::Hook {
                    hook: Hook::OffHook
                }
            ),
            (2000, digit('8')),
            (2300, digit('0')),
            (2400, dialled("80")),
        ]
    );
}

#[test]
fn max_digits_completes_dialling() {
    let mut phone = Phone::new(FxsConfig {
        max_digits: 4,
        ..FxsConfig::default()
    });
    phone.hook(1000, true);
    let last = phone.dial(2000, "1234");
    assert_eq!(phone.driver.events().last(), Some(&(last, dialled("1234"))));
}

#[test]
fn first_digit_timeout_plays_congestion_until_on_hook() {
    let mut phone = Phone::new(FxsConfig::default());
    phone.hook(1000, true);
    phone.driver.run_until(20_000);
    assert_eq!(
        phone.driver.actions().last(),
        Some(&(16_040, FxsAction::PlayTone(Tone::Congestion)))
    );
    assert_eq!(
        phone.driver.events(),
        vec![(
            1040,
            LineEvent::Hook {
                hook: Hook::OffHook
            }
        )],
        "nothing upstream"
    );
    assert_eq!(phone.state(), FxsState::AwaitingOnHook);
    phone.driver.take();

    phone.hook(25_000, false);
    phone.driver.run_until(26_000);
    assert_eq!(
        phone.driver.take(),
        vec![
            (25_700, Out::Action(FxsAction::StopTone)),
            (25_700, Out::Event(LineEvent::Hook { hook: Hook::OnHook })),
        ]
    );
    assert_eq!(phone.state(), FxsState::Idle);
}

#[test]
fn short_on_hook_is_a_flash_and_long_on_hook_a_hangup() {
    let mut phone = phone_in_call(FxsConfig::default());
    // 300 ms on hook: register recall.
    phone.hook(10_000, false);
    phone.hook(10_300, true);
    phone.driver.run_until(11_000);
    assert_eq!(phone.driver.events(), vec![(10_340, LineEvent::Flash)]);
    assert_eq!(phone.state(), FxsState::CallPlaced);
    phone.driver.take();

    // 60 ms: past the debounce, short of a flash.
    phone.hook(12_000, false);
    phone.hook(12_060, true);
    phone.driver.run_until(13_000);
    assert!(phone.driver.take().is_empty());

    // 800 ms: a hang-up, reported at flash_max after the on-hook edge.
    phone.hook(14_000, false);
    phone.driver.run_until(14_699);
    assert!(phone.driver.take().is_empty());
    phone.driver.run_until(15_000);
    assert_eq!(
        phone.driver.events(),
        vec![
            (14_700, LineEvent::Hook { hook: Hook::OnHook }),
            (
                14_700,
                LineEvent::Hangup {
                    cause: Cause::NORMAL_CLEARING
                }
            ),
        ]
    );
    assert_eq!(phone.state(), FxsState::Idle);
}

#[test]
fn hook_bounce_shorter_than_debounce_is_ignored() {
    let mut phone = Phone::new(FxsConfig::default());
    phone.hook(1000, true);
    phone.hook(1020, false);
    phone.hook(1030, true);
    phone.hook(1039, false);
    phone.driver.run_until(5000);
    assert!(phone.driver.take().is_empty());
    assert_eq!(phone.state(), FxsState::Idle);

    let mut phone = phone_in_call(FxsConfig::default());
    phone.hook(10_000, false);
    phone.hook(10_030, true);
    phone.driver.run_until(12_000);
    assert!(phone.driver.take().is_empty());
    assert_eq!(phone.state(), FxsState::CallPlaced);
}

#[test]
fn ringing_follows_cadence_with_caller_id_between_first_and_second_ring_then_off_hook_answers() {
    let mut phone = Phone::new(FxsConfig {
        caller_id: CidStandard::Etsi,
        ..FxsConfig::default()
    });
    let ring = LineCommand::Ring {
        calling: Some(number("8001")),
        name: Some("Desk".into()),
    };
    phone.command(1000, ring).expect("idle phone rings");
    assert_eq!(phone.state(), FxsState::Ringing);
    phone.driver.run_until(11_500);
    let cid = FxsAction::SendCallerId {
        number: Some(number("8001")),
        name: Some("Desk".into()),
        standard: CidStandard::Etsi,
    };
    assert_eq!(
        phone.driver.actions(),
        vec![
            (1000, FxsAction::SetRinging(true)),
            (2000, FxsAction::SetRinging(false)),
            (2500, cid),
            (6000, FxsAction::SetRinging(true)),
            (7000, FxsAction::SetRinging(false)),
            (11_000, FxsAction::SetRinging(true)),
        ]
    );
    phone.driver.take();

    phone.hook(11_600, true);
    phone.driver.run_until(11_640);
    assert_eq!(
        phone.driver.take(),
        vec![
            (11_640, Out::Action(FxsAction::SetRinging(false))),
            (11_640, Out::Event(LineEvent::Answered))
        ],
        "ring trip and answer in the same step"
    );
    assert_eq!(phone.state(), FxsState::Connected);
    phone.driver.run_until(40_000);
    assert!(phone.driver.take().is_empty(), "ringing never resumes");
}

#[test]
fn north_american_cadence_with_bell_caller_id() {
    let config = FxsConfig {
        ring_cadence: RingCadence::north_america(),
        caller_id: CidStandard::Bell,
        ..FxsConfig::default()
    };
    let mut phone = Phone::new(config);
    phone
        .command(
            0,
            LineCommand::Ring {
                calling: Some(number("2025550123")),
                name: None,
            },
        )
        .expect("ring");
    phone.driver.run_until(7000);
    let times: Vec<_> = phone.driver.actions().into_iter().map(|(t, _)| t).collect();
    assert_eq!(times, vec![0, 2000, 2500, 6000]);
}

#[test]
fn answering_in_the_silent_part_of_the_cadence() {
    let mut phone = Phone::new(FxsConfig::default());
    phone
        .command(
            0,
            LineCommand::Ring {
                calling: None,
                name: None,
            },
        )
        .expect("ring");
    phone.hook(3000, true);
    phone.driver.run_until(3100);
    assert_eq!(
        phone.driver.take(),
        vec![
            (0, Out::Action(FxsAction::SetRinging(true))),
            (1000, Out::Action(FxsAction::SetRinging(false))),
            (3040, Out::Event(LineEvent::Answered)),
        ],
        "no caller ID without a number, no extra ringing command"
    );
}

#[test]
fn dtmf_caller_id_goes_before_the_first_ring() {
    let mut phone = Phone::new(FxsConfig {
        caller_id: CidStandard::Dtmf,
        ..FxsConfig::default()
    });
    phone
        .command(
            0,
            LineCommand::Ring {
                calling: Some(number("8001")),
                name: None,
            },
        )
        .expect("ring");
    phone.driver.run_until(3500);
    assert_eq!(
        phone.driver.actions(),
        vec![
            (
                0,
                FxsAction::SendCallerId {
                    number: Some(number("8001")),
                    name: None,
                    standard: CidStandard::Dtmf
                }
            ),
            (2000, FxsAction::SetRinging(true)),
            (3000, FxsAction::SetRinging(false)),
        ]
    );
}

#[test]
fn hangup_while_ringing_stops_ringing_and_caller_id() {
    let mut phone = Phone::new(FxsConfig::default());
    phone
        .command(
            0,
            LineCommand::Ring {
                calling: Some(number("8001")),
                name: None,
            },
        )
        .expect("ring");
    phone
        .command(
            800,
            LineCommand::Hangup {
                cause: Cause::NO_ANSWER,
            },
        )
        .expect("stop ringing");
    phone.driver.run_until(20_000);
    assert_eq!(
        phone.driver.actions(),
        vec![
            (0, FxsAction::SetRinging(true)),
            (800, FxsAction::SetRinging(false))
        ]
    );
    assert_eq!(phone.state(), FxsState::Idle);
    assert_eq!(phone.driver.stack.poll_timeout(), None);
}

#[test]
fn ring_refused_while_phone_is_off_hook() {
    let mut phone = Phone::new(FxsConfig::default());
    phone.hook(0, true);
    phone.driver.run_until(100);
    assert_eq!(
        phone.command(
            200,
            LineCommand::Ring {
                calling: None,
                name: None
            }
        ),
        Err(AnalogError::InvalidCommand {
            side: "fxs",
            state: "dial_tone",
            command: "ring"
        })
    );
    assert_eq!(
        phone.command(
            200,
            LineCommand::CallOut {
                calling: None,
                called: number("1")
            }
        ),
        Err(AnalogError::Unsupported {
            side: "fxs",
            command: "call_out"
        })
    );
}

#[test]
fn far_end_hangup_plays_busy_until_on_hook() {
    let mut phone = phone_in_call(FxsConfig::default());
    phone
        .command(
            10_000,
            LineCommand::Hangup {
                cause: Cause::NORMAL_CLEARING,
            },
        )
        .expect("hang up");
    assert_eq!(
        phone.driver.take(),
        vec![(10_000, Out::Action(FxsAction::PlayTone(Tone::Busy)))]
    );
    assert_eq!(phone.state(), FxsState::AwaitingOnHook);
    phone.hook(15_000, false);
    phone.driver.run_until(16_000);
    assert_eq!(
        phone.driver.take(),
        vec![
            (15_700, Out::Action(FxsAction::StopTone)),
            (15_700, Out::Event(LineEvent::Hook { hook: Hook::OnHook })),
        ],
        "no Hangup event: the appliance ended the call"
    );
}

#[test]
fn failure_cause_plays_congestion() {
    let mut phone = phone_in_call(FxsConfig::default());
    phone
        .command(
            10_000,
            LineCommand::Hangup {
                cause: Cause::NO_CIRCUIT_AVAILABLE,
            },
        )
        .expect("hang up");
    assert_eq!(
        phone.driver.take(),
        vec![(10_000, Out::Action(FxsAction::PlayTone(Tone::Congestion)))]
    );
}

#[test]
fn open_loop_disconnect_drops_battery_before_busy_tone() {
    let mut phone = phone_in_call(FxsConfig {
        open_loop_disconnect_ms: Some(600),
        ..FxsConfig::default()
    });
    phone
        .command(
            10_000,
            LineCommand::Hangup {
                cause: Cause::NORMAL_CLEARING,
            },
        )
        .expect("hang up");
    // Without battery the loop reads on hook: not a hang-up.
    phone.hook(10_010, false);
    phone.hook(10_590, true);
    phone.driver.run_until(12_000);
    assert_eq!(
        phone.driver.take(),
        vec![
            (10_000, Out::Action(FxsAction::SetBattery(false))),
            (10_600, Out::Action(FxsAction::SetBattery(true))),
            (10_600, Out::Action(FxsAction::PlayTone(Tone::Busy))),
        ]
    );
    assert_eq!(phone.state(), FxsState::AwaitingOnHook);
}

#[test]
fn hanging_up_while_dialling_reports_hangup() {
    let mut phone = Phone::new(FxsConfig::default());
    phone.hook(1000, true);
    phone.dial(2000, "12");
    phone.hook(3000, false);
    phone.driver.run_until(10_000);
    let events = phone.driver.events();
    assert_eq!(
        &events[events.len() - 2..],
        &[
            (3700, LineEvent::Hook { hook: Hook::OnHook }),
            (
                3700,
                LineEvent::Hangup {
                    cause: Cause::NORMAL_CLEARING
                }
            )
        ]
    );
    assert_eq!(phone.state(), FxsState::Idle);
    assert_eq!(phone.driver.stack.dialled(), "");
}

#[test]
fn digits_in_a_call_are_reported_and_tones_pass_through() {
    let mut phone = phone_in_call(FxsConfig::default());
    phone.dial(5000, "9*");
    phone
        .command(
            6000,
            LineCommand::PlayTone {
                tone: Tone::Ringback,
            },
        )
        .expect("tone");
    phone.command(7000, LineCommand::StopTone).expect("stop");
    assert_eq!(
        phone.driver.take(),
        vec![
            (5000, Out::Event(digit('9'))),
            (5300, Out::Event(digit('*'))),
            (6000, Out::Action(FxsAction::PlayTone(Tone::Ringback))),
            (7000, Out::Action(FxsAction::StopTone)),
        ]
    );
}

#[test]
fn state_names_are_stable() {
    let names: Vec<_> = [
        FxsState::Idle,
        FxsState::DialTone,
        FxsState::CollectingDigits,
        FxsState::CallPlaced,
        FxsState::Ringing,
        FxsState::Connected,
        FxsState::AwaitingOnHook,
    ]
    .into_iter()
    .map(FxsState::name)
    .collect();
    assert_eq!(
        names,
        [
            "idle",
            "dial_tone",
            "collecting_digits",
            "call_placed",
            "ringing",
            "connected",
            "awaiting_on_hook"
        ]
    );
}
