//! A supervisor on an agent call, as scripts: a queue call answered by agent 201 at
//! phone 201 (leg 1); the supervisor at 203 is asked for, rung and answers (leg 2); each
//! mode is the exact media commands it makes. No actors, no ACD core: the script plays
//! the ACD's and the switchboard's parts.

use super::script::*;
use super::*;
use acd::AgentId;
use ivr::flow::Flow;
use line_boundary::LineKind;
use media_engine::{PromptStore, Slot};
use std::collections::HashMap;
use std::sync::Arc;

const TRUNK: ChannelId = ChannelId {
    device: 7,
    channel: 1,
};
const EXT_201: ChannelId = ChannelId {
    device: 2,
    channel: 1,
};
const EXT_203: ChannelId = ChannelId {
    device: 4,
    channel: 1,
};
const C: LegId = CallSession::ORIGIN;
const A: LegId = LegId(1);
const S: LegId = LegId(2);

const FLOW: &str = r#"
name = "desk"
entry = "agents"

[nodes.agents]
type = "queue"
queue = "agents"
"#;

fn context() -> IvrContext {
    let flow = Flow::load(FLOW, "desk.toml", &|_| true, &|_| true).expect("the flow is valid");
    let mut store = PromptStore::default();
    store.add("music/default", vec![100; 160]);
    IvrContext {
        flow: Arc::new(flow),
        schedules: Arc::new(HashMap::new()),
        prompts: Arc::new(store),
        epoch_unix_ms: 1_700_000_000_000,
        acd_queues: true,
        survey_queues: Default::default(),
        transfer_numbers: Default::default(),
    }
}

fn number(n: &str) -> PhoneNumber {
    PhoneNumber::parse(n).unwrap()
}

fn connect(listener: LegId, source: LegId) -> MediaCommand {
    MediaCommand::Connect { listener, source }
}

fn disconnect(listener: LegId, source: LegId) -> MediaCommand {
    MediaCommand::Disconnect { listener, source }
}

fn supervise(mode: SuperviseMode, extension: &str) -> SuperviseRequest {
    SuperviseRequest {
        mode,
        extension: number(extension),
    }
}

/// A queue call agent 201 answered at phone 201: caller (leg 0) and agent (leg 1)
/// bridged, the application `agent-call`.
fn agent_call() -> CallSession {
    let numbers = CallNumbers {
        calling: Some(number("5550123")),
        name: None,
        callee: Some(number("95598")),
        dialled: Some(number("95598")),
    };
    let origin = Leg::new(TRUNK, Slot(7), LineKind::E1, LegRole::Origin);
    let config = SessionConfig {
        ring_timeout_ms: 30_000,
        fault_injection: false,
    };
    let mut s = CallSession::new(origin, numbers, config, 1000);
    s.start(plan_applications(true, Route::Flow(context()), None), 1000);
    drain(&mut s);
    s.handle_acd(
        3000,
        AcdInstruction::Offer {
            agent: AgentId::new("201"),
            device: number("201"),
        },
    );
    let request = drain(&mut s)
        .iter()
        .find_map(|o| match o {
            Output::RequestLeg { request, .. } => Some(*request),
            _ => None,
        })
        .expect("the agent's phone is asked for");
    s.handle_leg(3010, request, phone(EXT_201, 2));
    drain(&mut s);
    s.handle_line(5000, EXT_201, LineEvent::Answered);
    let out = drain(&mut s);
    assert!(out.contains(&Output::Media(MediaCommand::Bridge { a: C, b: A })));
    assert_eq!(s.application(), "agent-call");
    s
}

/// `agent_call` with the supervisor at 203 asked for in `mode` and rung: the outputs of
/// the request and of the ring.
fn supervisor_rung(mode: SuperviseMode) -> (CallSession, Vec<Output>) {
    let mut s = agent_call();
    assert_eq!(s.handle_supervise(10_000, supervise(mode, "203")), Ok(()));
    let mut out = drain(&mut s);
    let request = out
        .iter()
        .find_map(|o| match o {
            Output::RequestLeg { request, number } if number.as_str() == "203" => Some(*request),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the supervisor's phone is asked for: {out:?}"));
    s.handle_leg(10_010, request, phone(EXT_203, 4));
    out.extend(drain(&mut s));
    (s, out)
}

/// `supervisor_rung` and answered: the outputs of the answer.
fn supervisor_up(mode: SuperviseMode) -> (CallSession, Vec<Output>) {
    let (mut s, _) = supervisor_rung(mode);
    s.handle_line(12_000, EXT_203, LineEvent::Answered);
    let out = drain(&mut s);
    (s, out)
}

fn hang_up(s: &mut CallSession, now_ms: u64, channel: ChannelId) -> Vec<Output> {
    s.handle_line(
        now_ms,
        channel,
        LineEvent::Hangup {
            cause: Cause::NORMAL_CLEARING,
        },
    );
    drain(s)
}

#[test]
fn the_supervisors_phone_rings_with_the_callers_number_and_nothing_is_connected_before_it_answers()
{
    let (s, out) = supervisor_rung(SuperviseMode::Listen);
    assert_eq!(s.leg_on(EXT_203), Some(S));
    assert!(
        out.contains(&Output::Line {
            leg: S,
            command: LineCommand::Ring {
                calling: Some(number("5550123")),
                name: None
            }
        }),
        "{out:?}"
    );
    assert_eq!(media(&out), vec![], "no connection while it rings");
    assert!(acd_requests(&out).is_empty(), "{out:?}");
    let view = s.view();
    assert_eq!(view.application, "agent-call");
    assert_eq!(view.queue.as_deref(), Some("agents"));
    assert_eq!(view.agent.as_deref(), Some("201"));
    assert_eq!(
        view.supervisor,
        Some(SupervisorView {
            extension: "203".into(),
            mode: SuperviseMode::Listen,
            stage: SupervisorStage::Ringing
        })
    );
    let roles: Vec<(&str, &str, &str)> = view
        .legs
        .iter()
        .map(|l| (l.channel.as_str(), l.role, l.state))
        .collect();
    assert_eq!(
        roles,
        [
            ("7/1", "origin", "up"),
            ("2/1", "destination", "up"),
            ("4/1", "supervisor", "alerting")
        ]
    );
}

#[test]
fn listen_the_supervisor_hears_caller_and_agent_and_nobody_hears_the_supervisor() {
    let (s, out) = supervisor_up(SuperviseMode::Listen);
    assert_eq!(media(&out), vec![connect(S, C), connect(S, A)]);
    // Nothing else changes: no bridge undone, the record's callee is still the agent.
    assert!(acd_requests(&out).is_empty());
    assert_eq!(s.numbers().callee, Some(number("201")));
    assert_eq!(
        s.view().supervisor.map(|v| v.stage),
        Some(SupervisorStage::Up)
    );
}

#[test]
fn whisper_the_agent_hears_the_supervisor_and_the_caller_never_does() {
    let (_, out) = supervisor_up(SuperviseMode::Whisper);
    let commands = media(&out);
    assert_eq!(commands, vec![connect(S, C), connect(S, A), connect(A, S)]);
    assert!(
        !commands.iter().any(|c| matches!(
            c,
            MediaCommand::Connect { listener: C, .. }
                | MediaCommand::Bridge { .. }
                | MediaCommand::Loop { .. }
        )),
        "the caller hears nothing new: {commands:?}"
    );
}

#[test]
fn barge_all_three_hear_each_other() {
    let (_, out) = supervisor_up(SuperviseMode::Barge);
    assert_eq!(
        media(&out),
        vec![connect(S, C), connect(S, A), connect(A, S), connect(C, S)]
    );
}

#[test]
fn take_over_releases_the_agent_tells_the_acd_and_bridges_caller_and_supervisor() {
    let (mut s, out) = supervisor_up(SuperviseMode::TakeOver);
    assert_eq!(
        media(&out),
        vec![
            MediaCommand::Stop { leg: A },
            MediaCommand::Isolate { leg: A },
            MediaCommand::Bridge { a: C, b: S },
        ]
    );
    assert!(out.contains(&Output::Line {
        leg: A,
        command: LineCommand::Hangup {
            cause: Cause::NORMAL_CLEARING
        }
    }));
    assert!(out.contains(&Output::Detach { leg: A }));
    // The agent's part is over: the ACD hears the call left (wrap-up), once.
    assert_eq!(acd_requests(&out), vec![AcdRequest::Left]);
    assert_eq!(s.application(), "talk");
    assert!(!s.in_acd());
    // The call goes on; the supervisor hanging up ends it, without a second `Left`.
    let out = hang_up(&mut s, 40_000, EXT_203);
    assert!(acd_requests(&out).is_empty(), "{out:?}");
    let record = out
        .iter()
        .find_map(|o| match o {
            Output::Ended(record) => Some(record.clone()),
            _ => None,
        })
        .expect("the call ended");
    assert_eq!(record.disposition, Disposition::Answered);
    assert_eq!(record.numbers.callee, Some(number("201")));
}

#[test]
fn a_new_mode_from_the_same_phone_changes_only_the_connections_that_differ() {
    let (mut s, _) = supervisor_up(SuperviseMode::Listen);
    assert_eq!(
        s.handle_supervise(20_000, supervise(SuperviseMode::Whisper, "203")),
        Ok(())
    );
    let out = drain(&mut s);
    assert_eq!(media(&out), vec![connect(A, S)]);
    assert!(
        !out.iter().any(|o| matches!(o, Output::RequestLeg { .. })),
        "the phone up already is not asked for again: {out:?}"
    );
    s.handle_supervise(21_000, supervise(SuperviseMode::Barge, "203"))
        .unwrap();
    assert_eq!(media(&drain(&mut s)), vec![connect(C, S)]);
    s.handle_supervise(22_000, supervise(SuperviseMode::Whisper, "203"))
        .unwrap();
    assert_eq!(media(&drain(&mut s)), vec![disconnect(C, S)]);
    s.handle_supervise(23_000, supervise(SuperviseMode::Listen, "203"))
        .unwrap();
    assert_eq!(media(&drain(&mut s)), vec![disconnect(A, S)]);
    // Whisper to take-over: the agent goes, caller and supervisor are bridged.
    s.handle_supervise(24_000, supervise(SuperviseMode::TakeOver, "203"))
        .unwrap();
    let out = drain(&mut s);
    assert_eq!(
        media(&out),
        vec![
            MediaCommand::Stop { leg: A },
            MediaCommand::Isolate { leg: A },
            MediaCommand::Bridge { a: C, b: S },
        ]
    );
    assert_eq!(s.application(), "talk");
}

#[test]
fn a_mode_changed_while_the_phone_rings_is_the_one_applied_at_the_answer() {
    let (mut s, _) = supervisor_rung(SuperviseMode::Listen);
    s.handle_supervise(11_000, supervise(SuperviseMode::Whisper, "203"))
        .unwrap();
    assert_eq!(media(&drain(&mut s)), vec![]);
    s.handle_line(12_000, EXT_203, LineEvent::Answered);
    assert_eq!(
        media(&drain(&mut s)),
        vec![connect(S, C), connect(S, A), connect(A, S)]
    );
}

#[test]
fn the_supervisor_hanging_up_leaves_caller_and_agent_bridged() {
    let (mut s, _) = supervisor_up(SuperviseMode::Barge);
    let out = hang_up(&mut s, 30_000, EXT_203);
    // Only the supervisor's leg is undone (the session's own clean-up of a gone leg).
    assert_eq!(
        media(&out),
        vec![
            MediaCommand::Stop { leg: S },
            MediaCommand::Isolate { leg: S }
        ]
    );
    assert!(out.contains(&Output::Detach { leg: S }));
    assert!(
        !out.iter().any(|o| matches!(o, Output::Ended(_))),
        "{out:?}"
    );
    assert!(acd_requests(&out).is_empty());
    assert_eq!(s.view().supervisor, None);
    assert_eq!(s.application(), "agent-call");
    // Another supervisor may join now.
    assert_eq!(
        s.handle_supervise(31_000, supervise(SuperviseMode::Listen, "202")),
        Ok(())
    );
    // And the agent hanging up still ends the call.
    drain(&mut s);
    let out = hang_up(&mut s, 40_000, EXT_201);
    assert!(out.iter().any(|o| matches!(o, Output::Ended(_))));
}

#[test]
fn the_caller_hanging_up_ends_the_call_and_clears_the_supervisors_phone() {
    let (mut s, _) = supervisor_up(SuperviseMode::Listen);
    let out = hang_up(&mut s, 30_000, TRUNK);
    for leg in [A, S] {
        assert!(
            out.contains(&Output::Line {
                leg,
                command: LineCommand::Hangup {
                    cause: Cause::NORMAL_CLEARING
                }
            }),
            "{out:?}"
        );
        assert!(out.contains(&Output::Detach { leg }));
    }
    assert_eq!(acd_requests(&out), vec![AcdRequest::Left]);
    assert!(s.is_ended());
}

#[test]
fn hold_with_a_supervisor_on_cuts_the_caller_out_and_keeps_agent_and_supervisor_talking() {
    let (mut s, _) = supervisor_up(SuperviseMode::Whisper);
    s.handle_line(20_000, EXT_201, LineEvent::Flash);
    let out = drain(&mut s);
    // The caller's isolation ends the supervisor's connection to them too; agent and
    // supervisor keep hearing each other (no command needed for that).
    let commands = media(&out);
    assert_eq!(commands[0], MediaCommand::Isolate { leg: C });
    assert!(
        matches!(commands[1], MediaCommand::Music { leg: C, .. }),
        "{commands:?}"
    );
    // The agent hears dial tone (they may key a number to transfer to).
    assert!(
        matches!(
            commands[2..],
            [MediaCommand::Tone {
                leg: A,
                tone: Tone::Dial,
                ..
            }]
        ),
        "{commands:?}"
    );
    assert_eq!(
        acd_requests(&out),
        vec![AcdRequest::Hold {
            agent: AgentId::new("201")
        }]
    );
    // A mode change on hold leaves the caller out.
    s.handle_supervise(21_000, supervise(SuperviseMode::Barge, "203"))
        .unwrap();
    assert_eq!(media(&drain(&mut s)), vec![]);
    s.handle_supervise(21_500, supervise(SuperviseMode::Listen, "203"))
        .unwrap();
    assert_eq!(media(&drain(&mut s)), vec![disconnect(A, S)]);
    // Unhold (the flash also cancels the transfer the agent did not key): the bridge
    // ends every other connection of both parties, then the mode's come back, the
    // caller's included.
    s.handle_line(22_000, EXT_201, LineEvent::Flash);
    let out = drain(&mut s);
    assert_eq!(
        media(&out),
        vec![
            MediaCommand::Stop { leg: A },
            MediaCommand::Stop { leg: C },
            MediaCommand::Bridge { a: C, b: A },
            connect(S, C),
            connect(S, A),
        ]
    );
    assert_eq!(
        acd_requests(&out),
        vec![AcdRequest::Unhold {
            agent: AgentId::new("201")
        }]
    );
    // The supervisor's flash does not hold the call.
    s.handle_line(23_000, EXT_203, LineEvent::Flash);
    assert!(drain(&mut s).is_empty());
}

#[test]
fn a_take_over_on_hold_takes_the_caller_off_hold_to_the_supervisor() {
    let (mut s, _) = supervisor_up(SuperviseMode::Listen);
    s.handle_line(20_000, EXT_201, LineEvent::Flash);
    drain(&mut s);
    s.handle_supervise(21_000, supervise(SuperviseMode::TakeOver, "203"))
        .unwrap();
    let out = drain(&mut s);
    assert_eq!(
        media(&out),
        vec![
            MediaCommand::Stop { leg: C },
            MediaCommand::Stop { leg: A },
            MediaCommand::Isolate { leg: A },
            MediaCommand::Bridge { a: C, b: S },
        ]
    );
    assert_eq!(acd_requests(&out), vec![AcdRequest::Left]);
}

#[test]
fn a_supervisor_who_does_not_answer_is_let_go_after_the_ring_timeout() {
    let (mut s, _) = supervisor_rung(SuperviseMode::Listen);
    s.handle_timeout(30_000);
    assert!(drain(&mut s).is_empty(), "20 s: still ringing");
    s.handle_timeout(40_010);
    let out = drain(&mut s);
    assert!(out.contains(&Output::Line {
        leg: S,
        command: LineCommand::Hangup {
            cause: Cause::NORMAL_CLEARING
        }
    }));
    assert!(out.contains(&Output::Detach { leg: S }));
    assert_eq!(s.view().supervisor, None);
    assert_eq!(s.application(), "agent-call");
}

#[test]
fn a_busy_supervisor_phone_joins_no_one() {
    let mut s = agent_call();
    s.handle_supervise(10_000, supervise(SuperviseMode::Listen, "203"))
        .unwrap();
    let request = drain(&mut s)
        .iter()
        .find_map(|o| match o {
            Output::RequestLeg { request, .. } => Some(*request),
            _ => None,
        })
        .unwrap();
    s.handle_leg(10_010, request, LegGrant::Refused(Cause::USER_BUSY));
    assert!(media(&drain(&mut s)).is_empty());
    assert_eq!(s.view().supervisor, None);
    // A later request asks again.
    assert_eq!(
        s.handle_supervise(11_000, supervise(SuperviseMode::Listen, "203")),
        Ok(())
    );
}

#[test]
fn requests_the_call_refuses_change_nothing() {
    // Another supervisor is on it.
    let (mut s, _) = supervisor_up(SuperviseMode::Listen);
    assert_eq!(
        s.handle_supervise(20_000, supervise(SuperviseMode::Barge, "202")),
        Err(SuperviseRefused::Supervised {
            extension: "203".into()
        })
    );
    // The agent's own phone.
    assert_eq!(
        s.handle_supervise(20_000, supervise(SuperviseMode::Barge, "201")),
        Err(SuperviseRefused::Party {
            extension: "201".into()
        })
    );
    assert!(drain(&mut s).is_empty());
    // A call still in the queue is not an agent call.
    let numbers = CallNumbers {
        calling: Some(number("5550123")),
        ..CallNumbers::default()
    };
    let origin = Leg::new(TRUNK, Slot(7), LineKind::E1, LegRole::Origin);
    let config = SessionConfig {
        ring_timeout_ms: 30_000,
        fault_injection: false,
    };
    let mut queued = CallSession::new(origin, numbers, config, 0);
    queued.start(plan_applications(true, Route::Flow(context()), None), 0);
    drain(&mut queued);
    assert_eq!(
        queued.handle_supervise(1000, supervise(SuperviseMode::Listen, "203")),
        Err(SuperviseRefused::NotAgentCall {
            application: "queue"
        })
    );
    assert!(drain(&mut queued).is_empty());
    // An ended call.
    hang_up(&mut queued, 2000, TRUNK);
    assert_eq!(
        queued.handle_supervise(3000, supervise(SuperviseMode::Listen, "203")),
        Err(SuperviseRefused::Ended)
    );
}
