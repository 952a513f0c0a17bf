//! Scripted FXO scenarios: the telco side of the loop is played by the test.

mod common;

use analog_signalling::{
    AnalogError, AnswerSupervision, CallerIdInfo, CallerIdMode, DisconnectSupervision, FxoAction,
    FxoConfig, FxoLine, FxoState, LineFromTelco, RingCadence,
};
use common::{Driver, Out};
use line_boundary::{CallerCategory, Cause, Hook, LineCommand, LineEvent, PhoneNumber};

/// The telco end of the loop: remembers the bits so a test changes one at a time.
struct Telco {
    driver: Driver<FxoLine>,
    line: LineFromTelco,
}

impl Telco {
    fn new(config: FxoConfig) -> Telco {
        Telco {
            driver: Driver::new(FxoLine::new(config)),
            line: LineFromTelco {
                ringing: false,
                reversed: false,
                battery: true,
            },
        }
    }

    fn send(&mut self, at: u64) {
        let line = self.line;
        self.driver
            .at(at, |stack, now| stack.handle_line(now, line));
    }

    fn ring(&mut self, at: u64, on: bool) {
        self.line.ringing = on;
        self.send(at);
    }

    fn reverse(&mut self, at: u64, reversed: bool) {
        self.line.reversed = reversed;
        self.send(at);
    }

    fn battery(&mut self, at: u64, on: bool) {
        self.line.battery = on;
        self.send(at);
    }

    /// Rings `bursts` full cycles of `cadence` starting at `start`; returns when the last ends.
    fn ring_cycles(&mut self, start: u64, cadence: RingCadence, bursts: u64) -> u64 {
        let period = u64::from(cadence.on_ms + cadence.off_ms);
        for n in 0..bursts {
            let on_at = start + n * period;
            self.ring(on_at, true);
            self.ring(on_at + u64::from(cadence.on_ms), false);
        }
        start + (bursts - 1) * period + u64::from(cadence.on_ms)
    }

    fn command(&mut self, at: u64, command: LineCommand) -> Result<(), AnalogError> {
        let mut result = Ok(());
        self.driver
            .at(at, |stack, now| result = stack.handle_command(now, command));
        result
    }

    fn state(&self) -> FxoState {
        self.driver.stack.state()
    }

    fn events(&mut self) -> Vec<(u64, LineEvent)> {
        self.driver.events()
    }

    fn actions(&mut self) -> Vec<(u64, FxoAction)> {
        self.driver.actions()
    }
}

fn number(text: &str) -> PhoneNumber {
    PhoneNumber::parse(text).expect("test number is valid")
}

fn incoming(calling: Option<&str>, name: Option<&str>) -> LineEvent {
    LineEvent::IncomingCall {
        calling: calling.map(number),
        called: None,
        category: CallerCategory::Ordinary,
        name: name.map(str::to_owned),
    }
}

fn config(caller_id: CallerIdMode) -> FxoConfig {
    FxoConfig {
        caller_id,
        ..FxoConfig::default()
    }
}

/// A line answered at `answered_at` on an inbound call that started ringing at 1000.
fn connected_line(config: FxoConfig) -> Telco {
    let mut telco = Telco::new(config);
    telco.ring(1000, true);
    telco
        .command(1200, LineCommand::Answer)
        .expect("offered call can be answered");
    telco.ring(1250, false);
    telco.driver.run_until(2000);
    assert_eq!(telco.state(), FxoState::Connected);
    telco.driver.take();
    telco
}

#[test]
fn first_valid_ring_burst_offers_the_call_with_each_cadence() {
    for cadence in [
        RingCadence::china(),
        RingCadence::etsi(),
        RingCadence::north_america(),
    ] {
        let mut telco = Telco::new(FxoConfig {
            ring_cadence: cadence,
            ..config(CallerIdMode::None)
        });
        let last_end = telco.ring_cycles(1000, cadence, 3);
        telco.driver.run_until(last_end + 100);
        assert_eq!(
            telco.events(),
            vec![(1150, incoming(None, None))],
            "cadence {cadence:?}"
        );
        assert_eq!(telco.state(), FxoState::Offered);
        assert!(
            telco.actions().is_empty(),
            "an offered call does not touch the loop"
        );
    }
}

#[test]
fn ring_pulses_shorter_than_the_minimum_are_ignored() {
    let mut telco = Telco::new(config(CallerIdMode::None));
    for (on, len) in [(1000, 50), (1300, 90), (2000, 20), (2100, 149)] {
        telco.ring(on, true);
        telco.ring(on + len, false);
    }
    telco.driver.run_until(20_000);
    assert!(telco.events().is_empty());
    assert_eq!(telco.state(), FxoState::Idle);
    assert_eq!(
        telco.driver.stack.poll_timeout(),
        None,
        "nothing pending on an idle line"
    );

    telco.ring(30_000, true);
    telco.driver.run_until(30_200);
    assert_eq!(telco.events(), vec![(30_150, incoming(None, None))]);
}

#[test]
fn caller_id_before_ring_announced_by_polarity_reversal() {
    let mut telco = Telco::new(config(CallerIdMode::FskBeforeRing));
    telco.reverse(1000, true);
    assert_eq!(
        telco.actions(),
        vec![(1000, FxoAction::ListenForCallerId(true))]
    );
    assert_eq!(telco.state(), FxoState::CallerIdBeforeRing);

    let info = CallerIdInfo {
        number: Some(number("13800138000")),
        name: Some("ZHANG".into()),
    };
    telco
        .driver
        .at(1600, |stack, now| stack.handle_caller_id(now, info));
    telco.reverse(2000, false);
    telco.ring(2500, true);
    telco.driver.run_until(2700);

    assert_eq!(
        telco.events(),
        vec![(2650, incoming(Some("13800138000"), Some("ZHANG")))]
    );
    assert_eq!(
        telco.actions().last(),
        Some(&(2650, FxoAction::ListenForCallerId(false)))
    );
    assert_eq!(telco.state(), FxoState::Offered);
}

#[test]
fn caller_id_announcement_without_ringing_times_out() {
    let mut telco = Telco::new(config(CallerIdMode::FskBeforeRing));
    telco.reverse(1000, true);
    telco.driver.run_until(10_000);
    assert_eq!(telco.state(), FxoState::Idle);
    assert!(telco.events().is_empty());
    assert_eq!(
        telco.actions(),
        vec![
            (1000, FxoAction::ListenForCallerId(true)),
            (6000, FxoAction::ListenForCallerId(false))
        ]
    );
    // The stale caller ID must not stick to a later call.
    telco.ring(20_000, true);
    telco.driver.run_until(20_200);
    assert_eq!(telco.events().last(), Some(&(20_150, incoming(None, None))));
}

#[test]
fn caller_id_after_first_ring_offers_when_it_arrives() {
    let mut telco = Telco::new(config(CallerIdMode::FskAfterFirstRing));
    telco.ring(1000, true);
    telco.driver.run_until(1900);
    assert_eq!(telco.state(), FxoState::Ringing);
    assert!(
        telco.events().is_empty(),
        "not offered before caller ID had its chance"
    );

    telco.ring(2000, false);
    assert_eq!(
        telco.actions(),
        vec![(2000, FxoAction::ListenForCallerId(true))]
    );
    let info = CallerIdInfo {
        number: Some(number("2025550123")),
        name: None,
    };
    telco
        .driver
        .at(2800, |stack, now| stack.handle_caller_id(now, info));
    assert_eq!(
        telco.events(),
        vec![(2800, incoming(Some("2025550123"), None))]
    );
    assert_eq!(
        telco.actions().last(),
        Some(&(2800, FxoAction::ListenForCallerId(false)))
    );

    // The second ring changes nothing.
    telco.ring(6000, true);
    telco.driver.run_until(6500);
    assert_eq!(telco.events().len(), 1);
    assert_eq!(telco.state(), FxoState::Offered);
}

#[test]
fn caller_id_after_first_ring_missing_offers_at_second_ring() {
    let mut telco = Telco::new(config(CallerIdMode::FskAfterFirstRing));
    telco.ring_cycles(1000, RingCadence::china(), 1);
    telco.ring(6000, true);
    telco.driver.run_until(6500);
    assert_eq!(telco.events(), vec![(6150, incoming(None, None))]);
    assert_eq!(
        telco.actions(),
        vec![
            (2000, FxoAction::ListenForCallerId(true)),
            (6150, FxoAction::ListenForCallerId(false))
        ]
    );
}

#[test]
fn dtmf_caller_id_is_listened_for_whenever_idle() {
    let mut telco = Telco::new(config(CallerIdMode::Dtmf));
    assert_eq!(
        telco.actions(),
        vec![(0, FxoAction::ListenForCallerId(true))]
    );
    let info = CallerIdInfo {
        number: Some(number("075512345")),
        name: None,
    };
    telco
        .driver
        .at(500, |stack, now| stack.handle_caller_id(now, info));
    let last_end = telco.ring_cycles(1500, RingCadence::china(), 1);
    telco.driver.run_until(last_end + 10_000);
    assert_eq!(
        telco.events(),
        vec![
            (1650, incoming(Some("075512345"), None)),
            (
                1500 + 1000 + 6500,
                LineEvent::Hangup {
                    cause: Cause::NORMAL_CLEARING
                }
            )
        ]
    );
    // Off while offered, back on once the line is idle again.
    assert_eq!(
        telco.actions(),
        vec![
            (0, FxoAction::ListenForCallerId(true)),
            (1650, FxoAction::ListenForCallerId(false)),
            (9000, FxoAction::ListenForCallerId(true)),
        ]
    );
}

#[test]
fn caller_abandoning_while_ringing_hangs_up_after_cadence_silence() {
    let cadence = RingCadence::china();
    let mut telco = Telco::new(config(CallerIdMode::None));
    let last_end = telco.ring_cycles(1000, cadence, 3);
    // Normal gaps between bursts are no hang-up.
    telco.driver.run_until(last_end + 6_499);
    assert_eq!(telco.events(), vec![(1150, incoming(None, None))]);
    telco.driver.run_until(last_end + 10_000);
    assert_eq!(
        telco.events().last(),
        Some(&(
            last_end + 4000 + 2500,
            LineEvent::Hangup {
                cause: Cause::NORMAL_CLEARING
            }
        ))
    );
    assert_eq!(telco.state(), FxoState::Idle);
    assert_eq!(telco.driver.stack.poll_timeout(), None);
}

#[test]
fn answer_seizes_the_loop_and_connects_after_settling() {
    let mut telco = Telco::new(config(CallerIdMode::None));
    telco.ring(1000, true);
    telco
        .command(1500, LineCommand::Answer)
        .expect("answer an offered call");
    assert_eq!(
        telco.actions(),
        vec![(1500, FxoAction::SetHook(Hook::OffHook))]
    );
    assert_eq!(telco.state(), FxoState::Answering);
    telco.ring(1540, false); // the CO trips ringing
    telco.driver.run_until(1799);
    assert_eq!(telco.state(), FxoState::Answering);
    telco.driver.run_until(1800);
    assert_eq!(telco.state(), FxoState::Connected);
    // Inbound: the appliance answered itself, nothing more to report; no abandon later.
    telco.driver.run_until(60_000);
    assert_eq!(telco.events(), vec![(1150, incoming(None, None))]);
    assert_eq!(telco.state(), FxoState::Connected);
}

#[test]
fn commands_that_make_no_sense_are_refused_with_state_and_command() {
    let mut telco = Telco::new(FxoConfig::default());
    assert_eq!(
        telco.command(100, LineCommand::Answer),
        Err(AnalogError::InvalidCommand {
            side: "fxo",
            state: "idle",
            command: "answer"
        })
    );
    assert_eq!(
        telco.command(
            100,
            LineCommand::Ring {
                calling: None,
                name: None
            }
        ),
        Err(AnalogError::Unsupported {
            side: "fxo",
            command: "ring"
        })
    );
    let message = telco
        .command(100, LineCommand::Answer)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("idle") && message.contains("answer"),
        "{message}"
    );
    assert_eq!(telco.command(100, LineCommand::Alert), Ok(()));
    assert_eq!(
        telco.command(
            100,
            LineCommand::Hangup {
                cause: Cause::NORMAL_CLEARING
            }
        ),
        Ok(())
    );
    assert!(telco.driver.take().is_empty());
}

#[test]
fn battery_drop_longer_than_threshold_disconnects() {
    let mut telco = connected_line(FxoConfig::default());
    telco.battery(5000, false);
    telco.driver.run_until(5349);
    assert_eq!(telco.state(), FxoState::Connected);
    telco.driver.run_until(5350);
    assert_eq!(
        telco.events(),
        vec![(
            5350,
            LineEvent::Hangup {
                cause: Cause::NORMAL_CLEARING
            }
        )]
    );
    assert_eq!(
        telco.actions(),
        vec![(5350, FxoAction::SetHook(Hook::OnHook))]
    );
    assert_eq!(telco.state(), FxoState::Idle);
}

#[test]
fn battery_dip_shorter_than_threshold_is_ignored() {
    let mut telco = connected_line(FxoConfig::default());
    telco.battery(5000, false);
    telco.battery(5200, true);
    telco.driver.run_until(30_000);
    assert!(telco.driver.take().is_empty());
    assert_eq!(telco.state(), FxoState::Connected);
}

#[test]
fn battery_supervision_can_be_switched_off() {
    let disconnect = DisconnectSupervision {
        battery_drop_ms: None,
        ..DisconnectSupervision::default()
    };
    let mut telco = connected_line(FxoConfig {
        disconnect,
        ..FxoConfig::default()
    });
    telco.battery(5000, false);
    telco.driver.run_until(30_000);
    assert_eq!(telco.state(), FxoState::Connected);
}

#[test]
fn polarity_reversal_disconnects_when_enabled() {
    let disconnect = DisconnectSupervision {
        polarity_reversal: true,
        ..DisconnectSupervision::default()
    };
    let mut telco = connected_line(FxoConfig {
        disconnect,
        ..FxoConfig::default()
    });
    telco.reverse(7000, true);
    assert_eq!(
        telco.events(),
        vec![(
            7000,
            LineEvent::Hangup {
                cause: Cause::NORMAL_CLEARING
            }
        )]
    );
    assert_eq!(
        telco.actions(),
        vec![(7000, FxoAction::SetHook(Hook::OnHook))]
    );
    assert_eq!(telco.state(), FxoState::Idle);

    let mut ignoring = connected_line(FxoConfig::default());
    ignoring.reverse(7000, true);
    assert_eq!(
        ignoring.state(),
        FxoState::Connected,
        "reversal supervision is off by default"
    );
}

#[test]
fn busy_tone_disconnects_when_enabled() {
    let mut telco = connected_line(FxoConfig::default());
    telco
        .driver
        .at(9000, |stack, now| stack.handle_busy_tone(now));
    assert_eq!(
        telco.events(),
        vec![(
            9000,
            LineEvent::Hangup {
                cause: Cause::NORMAL_CLEARING
            }
        )]
    );
    assert_eq!(telco.state(), FxoState::Idle);

    let disconnect = DisconnectSupervision {
        busy_tone: false,
        ..DisconnectSupervision::default()
    };
    let mut ignoring = connected_line(FxoConfig {
        disconnect,
        ..FxoConfig::default()
    });
    ignoring
        .driver
        .at(9000, |stack, now| stack.handle_busy_tone(now));
    assert_eq!(ignoring.state(), FxoState::Connected);
}

#[test]
fn outbound_call_dials_after_dial_tone_wait_and_answers_after_dialling() {
    let mut telco = Telco::new(FxoConfig::default());
    let called = number("12345");
    telco
        .command(
            1000,
            LineCommand::CallOut {
                calling: None,
                called: called.clone(),
            },
        )
        .expect("idle line calls out");
    assert_eq!(telco.state(), FxoState::Seizing);
    telco.driver.run_until(10_000);
    assert_eq!(
        telco.actions(),
        vec![
            (1000, FxoAction::SetHook(Hook::OffHook)),
            (3000, FxoAction::Dial(called))
        ]
    );
    // Five digits at 200 ms each.
    assert_eq!(
        telco.events(),
        vec![(4000, LineEvent::Progress), (4000, LineEvent::Answered)]
    );
    assert_eq!(telco.state(), FxoState::Connected);

    telco
        .command(
            12_000,
            LineCommand::Hangup {
                cause: Cause::NORMAL_CLEARING,
            },
        )
        .expect("hang up");
    assert_eq!(
        telco.actions().last(),
        Some(&(12_000, FxoAction::SetHook(Hook::OnHook)))
    );
    assert_eq!(
        telco.events().len(),
        2,
        "our own hang-up is not reported back"
    );
    assert_eq!(telco.state(), FxoState::Idle);
}

#[test]
fn outbound_call_dials_at_once_when_dial_tone_is_heard() {
    let mut telco = Telco::new(FxoConfig::default());
    telco
        .command(
            1000,
            LineCommand::CallOut {
                calling: None,
                called: number("10086"),
            },
        )
        .expect("call out");
    telco
        .driver
        .at(1400, |stack, now| stack.handle_dial_tone(now));
    assert_eq!(
        telco.actions().last(),
        Some(&(1400, FxoAction::Dial(number("10086"))))
    );
    assert_eq!(telco.state(), FxoState::Dialling);
}

#[test]
fn outbound_call_with_reversal_answer_supervision() {
    let config = FxoConfig {
        answer_supervision: AnswerSupervision::PolarityReversal,
        disconnect: DisconnectSupervision {
            polarity_reversal: true,
            ..DisconnectSupervision::default()
        },
        ..FxoConfig::default()
    };
    let mut telco = Telco::new(config);
    telco
        .command(
            1000,
            LineCommand::CallOut {
                calling: None,
                called: number("95588"),
            },
        )
        .expect("call out");
    telco.driver.run_until(8000);
    assert_eq!(telco.events(), vec![(4000, LineEvent::Progress)]);
    assert_eq!(telco.state(), FxoState::AwaitingAnswer);

    telco.reverse(12_000, true);
    assert_eq!(telco.events().last(), Some(&(12_000, LineEvent::Answered)));
    assert_eq!(telco.state(), FxoState::Connected);

    // Reversal back: the far end cleared.
    telco.reverse(40_000, false);
    assert_eq!(
        telco.events().last(),
        Some(&(
            40_000,
            LineEvent::Hangup {
                cause: Cause::NORMAL_CLEARING
            }
        ))
    );
    assert_eq!(telco.state(), FxoState::Idle);
}

#[test]
fn busy_tone_before_answer_is_user_busy() {
    let config = FxoConfig {
        answer_supervision: AnswerSupervision::PolarityReversal,
        ..FxoConfig::default()
    };
    let mut telco = Telco::new(config);
    telco
        .command(
            1000,
            LineCommand::CallOut {
                calling: None,
                called: number("95588"),
            },
        )
        .expect("call out");
    telco.driver.run_until(5000);
    telco
        .driver
        .at(6000, |stack, now| stack.handle_busy_tone(now));
    assert_eq!(
        telco.events().last(),
        Some(&(
            6000,
            LineEvent::Hangup {
                cause: Cause::USER_BUSY
            }
        ))
    );
    assert_eq!(
        telco.actions().last(),
        Some(&(6000, FxoAction::SetHook(Hook::OnHook)))
    );
}

#[test]
fn outbound_call_on_a_dead_line_fails_at_once() {
    let mut telco = Telco::new(FxoConfig::default());
    telco.battery(500, false);
    telco
        .command(
            1000,
            LineCommand::CallOut {
                calling: None,
                called: number("110"),
            },
        )
        .expect("accepted");
    assert_eq!(
        telco.events(),
        vec![(
            1000,
            LineEvent::Hangup {
                cause: Cause::NETWORK_OUT_OF_ORDER
            }
        )]
    );
    assert!(telco.actions().is_empty(), "the loop is never seized");
    assert_eq!(telco.state(), FxoState::Idle);
}

#[test]
fn calling_out_while_the_line_rings_is_glare() {
    let mut telco = Telco::new(FxoConfig::default());
    telco.ring(1000, true);
    assert_eq!(
        telco.command(
            1050,
            LineCommand::CallOut {
                calling: None,
                called: number("110")
            }
        ),
        Err(AnalogError::Glare {
            side: "fxo",
            state: "idle"
        })
    );
    telco.driver.run_until(1200);
    assert_eq!(
        telco.command(
            1200,
            LineCommand::CallOut {
                calling: None,
                called: number("110")
            }
        ),
        Err(AnalogError::InvalidCommand {
            side: "fxo",
            state: "offered",
            command: "call_out"
        })
    );
}

#[test]
fn refused_call_rings_out_silently_and_the_next_call_is_offered() {
    let cadence = RingCadence::china();
    let mut telco = Telco::new(config(CallerIdMode::None));
    telco.ring(1000, true);
    telco
        .command(
            1300,
            LineCommand::Hangup {
                cause: Cause::CALL_REJECTED,
            },
        )
        .expect("refuse");
    assert_eq!(telco.state(), FxoState::Rejected);
    telco.ring(2000, false);
    let last_end = telco.ring_cycles(6000, cadence, 2);
    telco.driver.run_until(last_end + 6500);
    assert_eq!(
        telco.events(),
        vec![(1150, incoming(None, None))],
        "no second offer, no hang-up"
    );
    assert_eq!(telco.state(), FxoState::Idle);

    telco.ring(30_000, true);
    telco.driver.run_until(30_200);
    assert_eq!(telco.events().last(), Some(&(30_150, incoming(None, None))));
}

#[test]
fn hangup_while_connected_releases_the_loop_without_an_event() {
    let mut telco = connected_line(FxoConfig::default());
    telco
        .command(
            3000,
            LineCommand::Hangup {
                cause: Cause::NORMAL_CLEARING,
            },
        )
        .expect("hang up");
    assert_eq!(
        telco.driver.take(),
        vec![(3000, Out::Action(FxoAction::SetHook(Hook::OnHook)))]
    );
    assert_eq!(telco.state(), FxoState::Idle);
}

#[test]
fn state_names_are_stable() {
    let names: Vec<_> = [
        FxoState::Idle,
        FxoState::CallerIdBeforeRing,
        FxoState::Ringing,
        FxoState::Offered,
        FxoState::Rejected,
        FxoState::Answering,
        FxoState::Connected,
        FxoState::Seizing,
        FxoState::Dialling,
        FxoState::AwaitingAnswer,
    ]
    .into_iter()
    .map(FxoState::name)
    .collect();
    assert_eq!(
        names,
        [
            "idle",
            "caller_id_before_ring",
            "ringing",
            "offered",
            "rejected",
            "answering",
            "connected",
            "seizing",
            "dialling",
            "awaiting_answer"
        ]
    );
}
