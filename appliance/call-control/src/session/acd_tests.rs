//! Calls in ACD queues as scripts: a flow's `queue` node joins the ACD; offers ring the
//! agent's phone; answers, failures, hold and the caller's end go back to the ACD. No
//! actors, no ACD core: the script plays the ACD's part.

use super::script::*;
use super::*;
use acd::AgentId;
use ivr::flow::{Flow, Language};
use line_boundary::LineKind;
use media_engine::{PromptStore, Slot};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

const TRUNK: ChannelId = ChannelId {
    device: 7,
    channel: 1,
};
const EXT_201: ChannelId = ChannelId {
    device: 3,
    channel: 1,
};
const EXT_202: ChannelId = ChannelId {
    device: 4,
    channel: 1,
};
const O: LegId = CallSession::ORIGIN;

const FLOW: &str = r#"
name = "desk"
entry = "main"
language = "zh"

[nodes.main]
type = "menu"
prompt = "main-menu"
choices = { "1" = "vip", "2" = "plain" }
on_failure = "plain"

[nodes.vip]
type = "set"
variable = "account"
value = "A-77"
next = "billing"

[nodes.billing]
type = "queue"
queue = "billing"
priority = 4
skills = { billing = 7, mandarin = 5 }

[nodes.plain]
type = "queue"
queue = "general"
"#;

const AFTER_HOURS: &str = r#"
name = "after-hours"
entry = "bye"

[nodes.bye]
type = "play"
prompt = "main-menu"
next = "end"

[nodes.end]
type = "hangup"
"#;

fn store() -> (PromptStore, HashMap<&'static str, PromptId>) {
    let mut store = PromptStore::default();
    let mut ids = HashMap::new();
    for name in [
        "zh/main-menu",
        "en/main-menu",
        "zh/三",
        "zh/queue-position",
        "zh/queue-position-end",
        "zh/queue-wait",
        "zh/queue-wait-end",
        "zh/queue-closed",
        "zh/queue-callback-offer",
        "zh/queue-survey",
        "zh/queue-survey-thanks",
        "zh/queue-callback-ok",
        "zh/queue-callback-number",
        "zh/五",
        "zh/零",
        "zh/一",
        "zh/二",
        "en/agent-callback",
        "digits/5",
        "digits/0",
        "digits/1",
        "digits/2",
        "digits/3",
        "music/default",
    ] {
        ids.insert(name, store.add(name, vec![100; 160]));
    }
    (store, ids)
}

fn context(flow: &str, file: &str) -> IvrContext {
    let flow = Flow::load(flow, file, &|_| true, &|_| true).expect("the flow is valid");
    let (store, _) = store();
    IvrContext {
        flow: Arc::new(flow),
        schedules: Arc::new(HashMap::new()),
        prompts: Arc::new(store),
        epoch_unix_ms: 1_700_000_000_000,
        acd_queues: true,
        survey_queues: Arc::new(["billing".to_owned()].into()),
        transfer_numbers: Arc::new([("600".to_owned(), "billing".to_owned())].into()),
    }
}

/// A call that walked the flow into a queue with `key` (1: billing, 2: general).
fn queued(key: char) -> (CallSession, HashMap<&'static str, PromptId>, Vec<Output>) {
    let numbers = CallNumbers {
        calling: Some(PhoneNumber::parse("5550123").unwrap()),
        name: Some("Ms Lin".into()),
        callee: Some(PhoneNumber::parse("95598").unwrap()),
        dialled: Some(PhoneNumber::parse("95598").unwrap()),
    };
    let origin = Leg::new(TRUNK, Slot(7), LineKind::E1, LegRole::Origin);
    let config = SessionConfig {
        ring_timeout_ms: 30_000,
        fault_injection: false,
    };
    let mut session = CallSession::new(origin, numbers, config, 1000);
    session.start(
        plan_applications(true, Route::Flow(context(FLOW, "desk.toml")), None),
        1000,
    );
    drain(&mut session);
    session.handle_line(2000, TRUNK, LineEvent::Digit { digit: key });
    let out = drain(&mut session);
    let (_, ids) = store();
    (session, ids, out)
}

fn agent(id: &str) -> AgentId {
    AgentId::new(id)
}

fn offer(session: &mut CallSession, now_ms: u64, id: &str) -> u32 {
    session.handle_acd(
        now_ms,
        AcdInstruction::Offer {
            agent: agent(id),
            device: PhoneNumber::parse(id).unwrap(),
        },
    );
    let out = drain(session);
    out.iter()
        .find_map(|o| match o {
            Output::RequestLeg { request, number } if number.as_str() == id => Some(*request),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the agent's phone {id} is asked for: {out:?}"))
}

fn hang_up(session: &mut CallSession, now_ms: u64, channel: ChannelId) -> Vec<Output> {
    session.handle_line(
        now_ms,
        channel,
        LineEvent::Hangup {
            cause: Cause::NORMAL_CLEARING,
        },
    );
    drain(session)
}

#[test]
fn the_queue_node_enters_the_acd_with_its_priority_skills_variables_and_language() {
    let (session, ids, out) = queued('1');
    assert_eq!(
        acd_requests(&out),
        vec![AcdRequest::Enter(QueueEntry {
            queue: "billing".into(),
            priority: 4,
            skills: vec![("billing".into(), 7), ("mandarin".into(), 5)],
            variables: BTreeMap::from([("account".to_owned(), "A-77".to_owned())])
                .into_iter()
                .chain(
                    [
                        ("called", "95598"),
                        ("caller", "5550123"),
                        ("language", "zh")
                    ]
                    .map(|(k, v)| (k.to_owned(), v.to_owned())),
                )
                .collect(),
            language: Language::Zh,
        })]
    );
    assert!(
        out.iter().any(|o| matches!(o, Output::Media(MediaCommand::Music { leg: O, music, .. }) if *music == ids["music/default"])),
        "the caller hears music: {out:?}"
    );
    assert!(session.in_acd());
    assert_eq!(session.application(), "queue");
}

#[test]
fn an_offer_rings_the_agent_and_the_answer_connects_and_is_reported() {
    let (mut s, _, _) = queued('2');
    let request = offer(&mut s, 5000, "201");
    s.handle_leg(5010, request, phone(EXT_201, 3));
    let agent_leg = s.leg_on(EXT_201).unwrap();
    let out = drain(&mut s);
    assert!(
        out.iter().any(|o| matches!(o, Output::Line { leg, command: LineCommand::Ring { calling: Some(c), name: Some(n) } } if *leg == agent_leg && c.as_str() == "5550123" && n == "Ms Lin")),
        "the agent's phone rings with the caller's number and name: {out:?}"
    );
    s.handle_line(9000, EXT_201, LineEvent::Answered);
    let out = drain(&mut s);
    assert!(out.contains(&Output::Media(MediaCommand::Stop { leg: O })));
    assert!(out.contains(&Output::Media(MediaCommand::Bridge { a: O, b: agent_leg })));
    assert_eq!(
        acd_requests(&out),
        vec![AcdRequest::OfferAnswered {
            agent: agent("201")
        }]
    );
    assert_eq!(s.application(), "agent-call");
    // The agent hangs up: the ACD hears the call left (wrap-up starts there), once.
    let out = hang_up(&mut s, 60_000, EXT_201);
    assert_eq!(acd_requests(&out), vec![AcdRequest::Left]);
    let record = ended(&out).expect("the call ended");
    assert_eq!(record.disposition, Disposition::Answered);
    assert_eq!(record.times.answered_ms, Some(9000));
    assert_eq!(
        record.numbers.callee,
        Some(PhoneNumber::parse("201").unwrap())
    );
    assert_eq!(
        record.acd,
        AcdRecord {
            queue: Some("general".into()),
            agent: Some("201".into()),
            survey: None
        }
    );
    assert!(!s.in_acd());
}

#[test]
fn a_busy_phone_is_asked_again_each_second_until_the_acd_takes_the_offer_back() {
    // The agent's phone is still on the feature code call that made them ready: busy.
    // That is not a missed offer yet: the phone is asked for again a second later, and
    // rings once free; the ACD's ring timeout alone makes it a miss.
    let (mut s, _, _) = queued('2');
    let request = offer(&mut s, 5000, "201");
    s.handle_leg(5010, request, LegGrant::Refused(Cause::USER_BUSY));
    assert!(
        acd_requests(&drain(&mut s)).is_empty(),
        "no miss for a busy phone"
    );
    s.handle_timeout(6000);
    let again = drain(&mut s)
        .iter()
        .find_map(|o| match o {
            Output::RequestLeg { request, number } if number.as_str() == "201" => Some(*request),
            _ => None,
        })
        .expect("the busy phone is asked for again at the next second");
    s.handle_leg(6010, again, phone(EXT_201, 3));
    let ringing = s.leg_on(EXT_201).expect("the phone rings once free");
    let out = drain(&mut s);
    assert!(
        out.iter().any(|o| matches!(o, Output::Line { leg, command: LineCommand::Ring { .. } } if *leg == ringing)),
        "{out:?}"
    );
    assert!(acd_requests(&out).is_empty(), "{out:?}");
    // Still busy when the ACD takes the offer back: no more asking.
    let (mut s, _, _) = queued('2');
    let request = offer(&mut s, 5000, "202");
    s.handle_leg(5010, request, LegGrant::Refused(Cause::USER_BUSY));
    drain(&mut s);
    s.handle_acd(
        13_000,
        AcdInstruction::CancelOffer {
            agent: agent("202"),
        },
    );
    s.handle_timeout(14_000);
    let out = drain(&mut s);
    assert!(
        !out.iter().any(|o| matches!(o, Output::RequestLeg { .. })),
        "{out:?}"
    );
    assert!(acd_requests(&out).is_empty(), "{out:?}");
}

#[test]
fn an_unroutable_phone_fails_the_offer_and_a_taken_back_offer_lets_the_phone_go() {
    let (mut s, _, _) = queued('2');
    let request = offer(&mut s, 5000, "201");
    s.handle_leg(5010, request, LegGrant::Refused(Cause::UNALLOCATED_NUMBER));
    assert_eq!(
        acd_requests(&drain(&mut s)),
        vec![AcdRequest::OfferFailed {
            agent: agent("201")
        }]
    );
    let request = offer(&mut s, 6000, "202");
    s.handle_leg(6010, request, phone(EXT_202, 4));
    let ringing = s.leg_on(EXT_202).unwrap();
    drain(&mut s);
    // The ACD's ring timeout: it takes the offer back; the call reports nothing.
    s.handle_acd(
        26_000,
        AcdInstruction::CancelOffer {
            agent: agent("202"),
        },
    );
    let out = drain(&mut s);
    assert!(out.contains(&Output::Line {
        leg: ringing,
        command: LineCommand::Hangup {
            cause: Cause::NORMAL_CLEARING
        }
    }));
    assert!(out.contains(&Output::Detach { leg: ringing }));
    assert!(acd_requests(&out).is_empty(), "{out:?}");
    // An offer taken back while its line was being found: the late line is let go.
    let request = offer(&mut s, 27_000, "201");
    s.handle_acd(
        27_005,
        AcdInstruction::CancelOffer {
            agent: agent("201"),
        },
    );
    s.handle_leg(27_010, request, phone(EXT_201, 3));
    let late = s.leg_on(EXT_201);
    let out = drain(&mut s);
    assert!(late.is_none(), "the late leg is out of the call");
    assert!(out.iter().any(|o| matches!(o, Output::Detach { .. })));
    // The caller gives up: abandoned, and the ACD hears it once.
    let out = hang_up(&mut s, 40_000, TRUNK);
    assert_eq!(acd_requests(&out), vec![AcdRequest::Left]);
    assert_eq!(ended(&out).unwrap().disposition, Disposition::Abandoned);
}

#[test]
fn a_phone_that_clears_while_ringing_fails_the_offer() {
    let (mut s, _, _) = queued('2');
    let request = offer(&mut s, 5000, "201");
    s.handle_leg(5010, request, phone(EXT_201, 3));
    drain(&mut s);
    let out = hang_up(&mut s, 7000, EXT_201);
    assert_eq!(
        acd_requests(&out),
        vec![AcdRequest::OfferFailed {
            agent: agent("201")
        }]
    );
    assert!(ended(&out).is_none(), "the caller waits on");
}

#[test]
fn an_announcement_says_position_and_wait_in_the_callers_language_then_music_resumes() {
    let (mut s, ids, _) = queued('2');
    s.handle_acd(
        45_000,
        AcdInstruction::Announce {
            position: 3,
            estimated_wait_ms: 125_000,
        },
    );
    let out = drain(&mut s);
    let (prompts, id) = sequence_of(&out).expect("an announcement plays");
    // Position 3, and 125 s rounds up to 3 minutes.
    assert_eq!(
        prompts,
        vec![
            ids["zh/queue-position"],
            ids["zh/三"],
            ids["zh/queue-position-end"],
            ids["zh/queue-wait"],
            ids["zh/三"],
            ids["zh/queue-wait-end"],
        ]
    );
    s.handle_playback_done(50_000, TRUNK, Some(id));
    assert!(drain(&mut s)
        .iter()
        .any(|o| matches!(o, Output::Media(MediaCommand::Music { leg: O, .. }))));
}

#[test]
fn hold_by_flash_plays_music_to_the_caller_and_unhold_bridges_again() {
    let (mut s, ids, _) = queued('2');
    let request = offer(&mut s, 5000, "201");
    s.handle_leg(5010, request, phone(EXT_201, 3));
    let agent_leg = s.leg_on(EXT_201).unwrap();
    s.handle_line(6000, EXT_201, LineEvent::Answered);
    drain(&mut s);
    s.handle_line(10_000, EXT_201, LineEvent::Flash);
    let out = drain(&mut s);
    assert!(out.contains(&Output::Media(MediaCommand::Isolate { leg: O })));
    assert!(out.iter().any(|o| matches!(o, Output::Media(MediaCommand::Music { leg: O, music, .. }) if *music == ids["music/default"])));
    assert_eq!(
        acd_requests(&out),
        vec![AcdRequest::Hold {
            agent: agent("201")
        }]
    );
    // The caller's flash does nothing.
    s.handle_line(11_000, TRUNK, LineEvent::Flash);
    assert!(drain(&mut s).is_empty());
    s.handle_line(12_000, EXT_201, LineEvent::Flash);
    let out = drain(&mut s);
    assert!(out.contains(&Output::Media(MediaCommand::Stop { leg: O })));
    assert!(out.contains(&Output::Media(MediaCommand::Bridge { a: O, b: agent_leg })));
    assert_eq!(
        acd_requests(&out),
        vec![AcdRequest::Unhold {
            agent: agent("201")
        }]
    );
}

#[test]
fn an_overflow_to_a_flow_leaves_the_acd_and_runs_the_flow() {
    let (mut s, ids, _) = queued('2');
    s.handle_acd(
        130_000,
        AcdInstruction::OverflowToFlow(context(AFTER_HOURS, "after-hours.toml")),
    );
    let out = drain(&mut s);
    assert!(!s.in_acd());
    assert!(
        !out.iter().any(|o| matches!(
            o,
            Output::Line {
                command: LineCommand::Answer,
                ..
            }
        )),
        "the caller is answered already: {out:?}"
    );
    let played = out.iter().find_map(|o| match o {
        Output::Media(MediaCommand::Sequence {
            leg: O, prompts, ..
        }) => Some(prompts.clone()),
        _ => None,
    });
    assert_eq!(played, Some(vec![ids["en/main-menu"]]));
    let out = hang_up(&mut s, 131_000, TRUNK);
    assert!(
        acd_requests(&out).is_empty(),
        "the ACD let the call go: {out:?}"
    );
    assert_eq!(
        ended(&out)
            .unwrap()
            .ivr
            .as_ref()
            .map(|ivr| ivr.flow.as_str()),
        Some("after-hours")
    );
}

#[test]
fn a_refused_call_hears_the_goodbye_and_ends_without_telling_the_acd() {
    let (mut s, ids, _) = queued('2');
    s.handle_acd(3000, AcdInstruction::Refused);
    let out = drain(&mut s);
    let (prompts, id) = sequence_of(&out).expect("the goodbye plays");
    assert_eq!(prompts, vec![ids["zh/queue-closed"]]);
    // An offer racing with the refusal is refused.
    s.handle_acd(
        3500,
        AcdInstruction::Offer {
            agent: agent("201"),
            device: PhoneNumber::parse("201").unwrap(),
        },
    );
    assert_eq!(
        acd_requests(&drain(&mut s)),
        vec![AcdRequest::OfferFailed {
            agent: agent("201")
        }]
    );
    s.handle_playback_done(8000, TRUNK, Some(id));
    let out = drain(&mut s);
    assert!(acd_requests(&out).is_empty(), "{out:?}");
    assert_eq!(ended(&out).unwrap().disposition, Disposition::NoAnswer);
}

#[test]
fn a_call_not_in_a_queue_refuses_an_offer_at_once() {
    let numbers = CallNumbers::default();
    let origin = Leg::new(TRUNK, Slot(7), LineKind::E1, LegRole::Origin);
    let config = SessionConfig {
        ring_timeout_ms: 30_000,
        fault_injection: false,
    };
    let mut s = CallSession::new(origin, numbers, config, 0);
    s.start(
        plan_applications(true, Route::Flow(context(FLOW, "desk.toml")), None),
        0,
    );
    drain(&mut s);
    s.handle_acd(
        100,
        AcdInstruction::Offer {
            agent: agent("201"),
            device: PhoneNumber::parse("201").unwrap(),
        },
    );
    assert_eq!(
        acd_requests(&drain(&mut s)),
        vec![AcdRequest::OfferFailed {
            agent: agent("201")
        }]
    );
}

fn feature_call(code: Option<crate::feature_codes::FeatureCode>) -> CallSession {
    let (store, _) = store();
    let origin = Leg::new(EXT_202, Slot(4), LineKind::Fxs, LegRole::Origin);
    let config = SessionConfig {
        ring_timeout_ms: 30_000,
        fault_injection: false,
    };
    let mut s = CallSession::new(origin, CallNumbers::default(), config, 0);
    let request = FeatureRequest {
        code,
        device: "202".into(),
        prompts: Arc::new(store_with_feature_prompts(store)),
    };
    s.start(plan_applications(false, Route::Feature(request), None), 0);
    s
}

fn store_with_feature_prompts(mut store: PromptStore) -> PromptStore {
    for name in ["en/agent-logged-in", "en/agent-refused"] {
        store.add(name, vec![7; 160]);
    }
    store
}

#[test]
fn a_login_code_asks_the_acd_for_this_phone_and_says_the_verdict() {
    let code = crate::feature_codes::FeatureCode::Login {
        agent: "201".into(),
        pin: "2011".into(),
    };
    let mut s = feature_call(Some(code.clone()));
    let out = drain(&mut s);
    assert_eq!(
        acd_requests(&out),
        vec![AcdRequest::Feature {
            device: "202".into(),
            code
        }]
    );
    assert!(!s.in_acd(), "a feature code is no call in a queue");
    s.handle_acd(50, AcdInstruction::FeatureDone { accepted: true });
    let out = drain(&mut s);
    let (prompts, id) = sequence_of(&out).expect("the verdict plays");
    let ids = store_with_feature_prompts(store().0);
    assert_eq!(prompts, vec![ids.find("en/agent-logged-in").unwrap()]);
    s.handle_playback_done(2000, EXT_202, Some(id));
    let out = drain(&mut s);
    assert_eq!(ended(&out).unwrap().disposition, Disposition::SelfService);
}

#[test]
fn a_malformed_code_is_refused_without_asking_the_acd() {
    let mut s = feature_call(None);
    let out = drain(&mut s);
    assert!(acd_requests(&out).is_empty());
    let ids = store_with_feature_prompts(store().0);
    assert!(out.iter().any(|o| matches!(
        o,
        Output::Media(MediaCommand::Sequence { leg: O, prompts, .. })
            if *prompts == vec![ids.find("en/agent-refused").unwrap()]
    )));
}

fn sequence_of(outputs: &[Output]) -> Option<(Vec<PromptId>, PlaybackId)> {
    outputs.iter().find_map(|o| match o {
        Output::Media(MediaCommand::Sequence {
            leg: O,
            prompts,
            id,
            ..
        }) => Some((prompts.clone(), *id)),
        _ => None,
    })
}

#[test]
fn a_caller_offered_a_callback_presses_1_keeps_their_place_and_hangs_up() {
    let (mut s, ids, _) = queued('2');
    // A digit before the offer does nothing.
    s.handle_line(5000, TRUNK, LineEvent::Digit { digit: '1' });
    assert!(acd_requests(&drain(&mut s)).is_empty());
    s.handle_acd(600_000, AcdInstruction::OfferCallback);
    let (prompts, offer) = sequence_of(&drain(&mut s)).expect("the offer plays");
    assert_eq!(prompts, vec![ids["zh/queue-callback-offer"]]);
    s.handle_playback_done(605_000, TRUNK, Some(offer));
    assert!(drain(&mut s)
        .iter()
        .any(|o| matches!(o, Output::Media(MediaCommand::Music { leg: O, .. }))));
    s.handle_line(610_000, TRUNK, LineEvent::Digit { digit: '1' });
    let out = drain(&mut s);
    assert_eq!(
        acd_requests(&out),
        vec![AcdRequest::CallbackRequested {
            number: "5550123".into()
        }]
    );
    assert!(!s.in_acd(), "the ACD holds the callback now, not this call");
    let (prompts, ok) = sequence_of(&out).expect("the confirmation plays");
    assert_eq!(prompts[0], ids["zh/queue-callback-ok"]);
    assert_eq!(
        prompts[1..],
        [
            ids["zh/五"],
            ids["zh/五"],
            ids["zh/五"],
            ids["zh/零"],
            ids["zh/一"],
            ids["zh/二"],
            ids["zh/三"]
        ]
    );
    s.handle_playback_done(615_000, TRUNK, Some(ok));
    let out = drain(&mut s);
    assert!(acd_requests(&out).is_empty(), "no Left: the place is kept");
    assert_eq!(ended(&out).unwrap().disposition, Disposition::Callback);
}

fn callback_call() -> (CallSession, HashMap<&'static str, PromptId>) {
    let (store, ids) = store();
    let origin = Leg::new(EXT_201, Slot(3), LineKind::Fxs, LegRole::Origin);
    let config = SessionConfig {
        ring_timeout_ms: 30_000,
        fault_injection: false,
    };
    let numbers = CallNumbers {
        calling: Some(PhoneNumber::parse("201").unwrap()),
        name: None,
        callee: Some(PhoneNumber::parse("5550123").unwrap()),
        dialled: Some(PhoneNumber::parse("5550123").unwrap()),
    };
    let mut s = CallSession::new(origin, numbers, config, 0);
    let request = CallbackRequest {
        agent: agent("201"),
        customer: PhoneNumber::parse("5550123").unwrap(),
        dial: PhoneNumber::parse("95550123").unwrap(),
        prompts: Arc::new(store),
    };
    s.start(Box::new(CallbackCall::new(request)), 0);
    (s, ids)
}

#[test]
fn a_callback_rings_the_agent_says_the_number_then_dials_the_customer() {
    let (mut s, ids) = callback_call();
    let out = drain(&mut s);
    assert_eq!(
        acd_requests(&out),
        vec![AcdRequest::CallbackRinging {
            agent: agent("201")
        }]
    );
    assert!(out.contains(&Output::Line {
        leg: O,
        command: LineCommand::Ring {
            calling: Some(PhoneNumber::parse("5550123").unwrap()),
            name: Some("Callback".into())
        }
    }));
    s.handle_line(3000, EXT_201, LineEvent::Answered);
    let out = drain(&mut s);
    assert_eq!(
        acd_requests(&out),
        vec![AcdRequest::OfferAnswered {
            agent: agent("201")
        }]
    );
    let (prompts, id) = sequence_of(&out).expect("the agent hears whom");
    assert_eq!(
        prompts,
        vec![
            ids["en/agent-callback"],
            ids["digits/5"],
            ids["digits/5"],
            ids["digits/5"],
            ids["digits/0"],
            ids["digits/1"],
            ids["digits/2"],
            ids["digits/3"],
        ]
    );
    s.handle_playback_done(6000, EXT_201, Some(id));
    let out = drain(&mut s);
    let request = out
        .iter()
        .find_map(|o| match o {
            Output::RequestLeg { request, number } if number.as_str() == "95550123" => {
                Some(*request)
            }
            _ => None,
        })
        .expect("the customer is dialled as a phone would");
    s.handle_leg(
        6010,
        request,
        LegGrant::Dial {
            leg: Leg::new(TRUNK, Slot(7), LineKind::E1, LegRole::Destination),
            called: PhoneNumber::parse("5550123").unwrap(),
        },
    );
    let customer = s.leg_on(TRUNK).unwrap();
    assert!(drain(&mut s).contains(&Output::Line {
        leg: customer,
        command: LineCommand::CallOut {
            calling: None,
            called: PhoneNumber::parse("5550123").unwrap()
        }
    }));
    s.handle_line(9000, TRUNK, LineEvent::Answered);
    let out = drain(&mut s);
    assert!(out.contains(&Output::Media(MediaCommand::Bridge { a: O, b: customer })));
    let out = hang_up(&mut s, 70_000, TRUNK);
    assert_eq!(acd_requests(&out), vec![AcdRequest::Left]);
    let record = ended(&out).unwrap();
    assert_eq!(record.disposition, Disposition::Answered);
    assert_eq!(record.times.answered_ms, Some(9000));
}

#[test]
fn a_callback_the_agent_does_not_answer_ends_without_losing_its_place() {
    let (mut s, _) = callback_call();
    drain(&mut s);
    // The ACD's ring timeout took the reservation back and kept the callback's place.
    s.handle_acd(
        20_000,
        AcdInstruction::CancelOffer {
            agent: agent("201"),
        },
    );
    let out = drain(&mut s);
    assert!(acd_requests(&out).is_empty(), "no Left: {out:?}");
    assert_eq!(ended(&out).unwrap().disposition, Disposition::NoAnswer);
}

#[test]
fn in_a_survey_queue_the_caller_rates_the_call_after_the_agent_hangs_up() {
    let (mut s, ids, _) = queued('1');
    let request = offer(&mut s, 5000, "201");
    s.handle_leg(5010, request, phone(EXT_201, 3));
    s.handle_line(6000, EXT_201, LineEvent::Answered);
    drain(&mut s);
    let out = hang_up(&mut s, 60_000, EXT_201);
    assert!(ended(&out).is_none(), "the caller stays for the survey");
    assert_eq!(
        acd_requests(&out),
        vec![AcdRequest::Left],
        "the agent is done and wraps up now"
    );
    let (prompts, question) = sequence_of(&out).expect("the question plays");
    assert_eq!(prompts, vec![ids["zh/queue-survey"]]);
    assert_eq!(s.application(), "survey");
    // Keys outside 1-5 are no score.
    s.handle_line(61_000, TRUNK, LineEvent::Digit { digit: '9' });
    assert!(drain(&mut s).is_empty());
    s.handle_playback_done(62_000, TRUNK, Some(question));
    s.handle_line(63_000, TRUNK, LineEvent::Digit { digit: '4' });
    let (prompts, thanks) = sequence_of(&drain(&mut s)).expect("thanks play");
    assert_eq!(prompts, vec![ids["zh/queue-survey-thanks"]]);
    s.handle_playback_done(65_000, TRUNK, Some(thanks));
    let out = drain(&mut s);
    assert!(
        acd_requests(&out).is_empty(),
        "said once, at the agent's hang-up"
    );
    let record = ended(&out).expect("the call ended");
    assert_eq!(record.disposition, Disposition::Answered);
    assert_eq!(record.acd.survey, Some(4));
    assert_eq!(record.acd.agent.as_deref(), Some("201"));
}

#[test]
fn a_caller_silent_after_the_survey_question_ends_without_a_score() {
    let (mut s, _, _) = queued('1');
    let request = offer(&mut s, 5000, "201");
    s.handle_leg(5010, request, phone(EXT_201, 3));
    s.handle_line(6000, EXT_201, LineEvent::Answered);
    drain(&mut s);
    let out = hang_up(&mut s, 60_000, EXT_201);
    let (_, question) = sequence_of(&out).expect("the question plays");
    s.handle_playback_done(64_000, TRUNK, Some(question));
    s.handle_timeout(73_999);
    assert!(ended(&drain(&mut s)).is_none());
    s.handle_timeout(74_000);
    let out = drain(&mut s);
    assert_eq!(ended(&out).expect("ended").acd.survey, None);
}

/// A general-queue call answered by 201 on EXT_201; the agent's leg.
fn answered_by_201() -> (CallSession, LegId) {
    let (mut s, _, _) = queued('2');
    let request = offer(&mut s, 5000, "201");
    s.handle_leg(5010, request, phone(EXT_201, 3));
    let agent_leg = s.leg_on(EXT_201).unwrap();
    s.handle_line(6000, EXT_201, LineEvent::Answered);
    drain(&mut s);
    (s, agent_leg)
}

fn agent_keys(s: &mut CallSession, at_ms: u64, keys: &str) -> Vec<Output> {
    for (i, key) in keys.chars().enumerate() {
        s.handle_line(
            at_ms + i as u64 * 100,
            EXT_201,
            LineEvent::Digit { digit: key },
        );
    }
    drain(s)
}

/// Flash, key 202#, and the switchboard rings 202: the target's leg.
fn consult_202(s: &mut CallSession, agent_leg: LegId) -> LegId {
    s.handle_line(10_000, EXT_201, LineEvent::Flash);
    let out = drain(s);
    assert!(out.contains(&Output::Media(MediaCommand::Isolate { leg: O })));
    assert!(out.iter().any(|o| matches!(o, Output::Media(MediaCommand::Tone { leg, tone: Tone::Dial, .. }) if *leg == agent_leg)), "the agent hears dial tone: {out:?}");
    let out = agent_keys(s, 11_000, "202#");
    assert!(out.contains(&Output::Media(MediaCommand::Stop { leg: agent_leg })));
    let request = out
        .iter()
        .find_map(|o| match o {
            Output::RequestLeg { request, number } if number.as_str() == "202" => Some(*request),
            _ => None,
        })
        .expect("202 is asked for");
    s.handle_leg(12_000, request, phone(EXT_202, 4));
    let target = s.leg_on(EXT_202).unwrap();
    let out = drain(s);
    assert!(out.iter().any(
        |o| matches!(o, Output::Line { leg, command: LineCommand::Ring { .. } } if *leg == target)
    ));
    assert!(out.iter().any(|o| matches!(o, Output::Media(MediaCommand::Tone { leg, tone: Tone::Ringback, .. }) if *leg == agent_leg)));
    target
}

#[test]
fn a_blind_transfer_hands_the_caller_to_the_ringing_target_when_the_agent_hangs_up() {
    let (mut s, agent_leg) = answered_by_201();
    let target = consult_202(&mut s, agent_leg);
    let out = hang_up(&mut s, 13_000, EXT_201);
    assert_eq!(
        acd_requests(&out),
        vec![AcdRequest::Transferred { to_queue: None }]
    );
    assert!(
        out.iter().any(|o| matches!(
            o,
            Output::Media(MediaCommand::Tone {
                leg: O,
                tone: Tone::Ringback,
                ..
            })
        )),
        "the caller hears ringback: {out:?}"
    );
    assert!(ended(&out).is_none());
    s.handle_line(15_000, EXT_202, LineEvent::Answered);
    let out = drain(&mut s);
    assert!(out.contains(&Output::Media(MediaCommand::Bridge { a: O, b: target })));
    let out = hang_up(&mut s, 40_000, EXT_202);
    assert!(
        acd_requests(&out).is_empty(),
        "the ACD let the call go at the transfer"
    );
    let record = ended(&out).unwrap();
    assert_eq!(record.disposition, Disposition::Answered);
    assert_eq!(
        record.numbers.callee,
        Some(PhoneNumber::parse("202").unwrap()),
        "passed on to 202"
    );
}

#[test]
fn an_attended_transfer_connects_caller_and_target_after_they_talked() {
    let (mut s, agent_leg) = answered_by_201();
    let target = consult_202(&mut s, agent_leg);
    s.handle_line(14_000, EXT_202, LineEvent::Answered);
    let out = drain(&mut s);
    assert!(
        out.contains(&Output::Media(MediaCommand::Bridge {
            a: agent_leg,
            b: target
        })),
        "agent and target talk: {out:?}"
    );
    assert!(
        !out.iter()
            .any(|o| matches!(o, Output::Media(MediaCommand::Bridge { a: O, .. }))),
        "the caller stays on hold"
    );
    let out = hang_up(&mut s, 20_000, EXT_201);
    assert_eq!(
        acd_requests(&out),
        vec![AcdRequest::Transferred { to_queue: None }]
    );
    assert!(out.contains(&Output::Media(MediaCommand::Stop { leg: O })));
    assert!(out.contains(&Output::Media(MediaCommand::Bridge { a: O, b: target })));
    assert_eq!(s.application(), "talk");
}

#[test]
fn a_flash_cancels_the_transfer_and_the_agent_is_back_with_the_caller() {
    let (mut s, agent_leg) = answered_by_201();
    let target = consult_202(&mut s, agent_leg);
    s.handle_line(14_000, EXT_201, LineEvent::Flash);
    let out = drain(&mut s);
    assert!(out.contains(&Output::Line {
        leg: target,
        command: LineCommand::Hangup {
            cause: Cause::NORMAL_CLEARING
        }
    }));
    assert!(out.contains(&Output::Media(MediaCommand::Bridge { a: O, b: agent_leg })));
    assert_eq!(
        acd_requests(&out),
        vec![AcdRequest::Unhold {
            agent: agent("201")
        }]
    );
    // A busy target: the agent hears busy and flashes back too.
    let out = {
        s.handle_line(20_000, EXT_201, LineEvent::Flash);
        drain(&mut s);
        agent_keys(&mut s, 21_000, "203#")
    };
    let request = out
        .iter()
        .find_map(|o| match o {
            Output::RequestLeg { request, .. } => Some(*request),
            _ => None,
        })
        .expect("203 is asked for");
    s.handle_leg(22_000, request, LegGrant::Refused(Cause::USER_BUSY));
    let out = drain(&mut s);
    assert!(out.iter().any(|o| matches!(o, Output::Media(MediaCommand::Tone { leg, tone: Tone::Busy, .. }) if *leg == agent_leg)));
    s.handle_line(23_000, EXT_201, LineEvent::Flash);
    let out = drain(&mut s);
    assert!(out.contains(&Output::Media(MediaCommand::Bridge { a: O, b: agent_leg })));
}

#[test]
fn a_transfer_to_a_queues_number_puts_the_caller_back_in_the_acd() {
    let (mut s, agent_leg) = answered_by_201();
    s.handle_line(10_000, EXT_201, LineEvent::Flash);
    drain(&mut s);
    agent_keys(&mut s, 11_000, "600");
    // The number ends after 4 s without a key.
    s.handle_timeout(15_100);
    assert!(acd_requests(&drain(&mut s)).is_empty());
    s.handle_timeout(15_300);
    let out = drain(&mut s);
    assert_eq!(
        acd_requests(&out),
        vec![AcdRequest::Transferred {
            to_queue: Some("billing".into())
        }]
    );
    assert!(out.contains(&Output::Line {
        leg: agent_leg,
        command: LineCommand::Hangup {
            cause: Cause::NORMAL_CLEARING
        }
    }));
    assert_eq!(s.application(), "queue");
    assert!(s.in_acd(), "the call waits in the ACD again");
    // The next agent takes it; the record names the queue it was last in.
    let request = offer(&mut s, 20_000, "202");
    s.handle_leg(20_010, request, phone(EXT_202, 4));
    s.handle_line(21_000, EXT_202, LineEvent::Answered);
    let out = drain(&mut s);
    assert_eq!(
        acd_requests(&out),
        vec![AcdRequest::OfferAnswered {
            agent: agent("202")
        }]
    );
    let out = hang_up(&mut s, 30_000, TRUNK);
    assert_eq!(acd_requests(&out), vec![AcdRequest::Left]);
    let record = ended(&out).unwrap();
    assert_eq!(record.acd.queue.as_deref(), Some("billing"));
    assert_eq!(record.acd.agent.as_deref(), Some("202"));
}

#[test]
fn a_caller_can_leave_another_number_for_the_callback() {
    let (mut s, ids, _) = queued('2');
    s.handle_acd(600_000, AcdInstruction::OfferCallback);
    drain(&mut s);
    s.handle_line(601_000, TRUNK, LineEvent::Digit { digit: '2' });
    let (prompts, _) = sequence_of(&drain(&mut s)).expect("asked for the number");
    assert_eq!(prompts, vec![ids["zh/queue-callback-number"]]);
    // A slip is started again with *; # ends the number.
    for (i, key) in "99*5550321#".chars().enumerate() {
        s.handle_line(
            602_000 + i as u64 * 200,
            TRUNK,
            LineEvent::Digit { digit: key },
        );
    }
    let out = drain(&mut s);
    assert_eq!(
        acd_requests(&out),
        vec![AcdRequest::CallbackRequested {
            number: "5550321".into()
        }]
    );
    assert!(!s.in_acd());
}

#[test]
fn a_number_too_short_for_a_callback_leaves_the_caller_waiting() {
    let (mut s, _, _) = queued('2');
    s.handle_acd(600_000, AcdInstruction::OfferCallback);
    drain(&mut s);
    for (i, key) in "212#".chars().enumerate() {
        s.handle_line(
            601_000 + i as u64 * 200,
            TRUNK,
            LineEvent::Digit { digit: key },
        );
    }
    let out = drain(&mut s);
    assert!(acd_requests(&out).is_empty(), "{out:?}");
    assert!(s.in_acd(), "still waiting");
    assert!(out
        .iter()
        .any(|o| matches!(o, Output::Media(MediaCommand::Music { leg: O, .. }))));
}

#[test]
fn a_call_moved_to_another_queue_is_recorded_there_and_gets_its_survey() {
    let (mut s, ids, _) = queued('2');
    s.handle_acd(
        130_000,
        AcdInstruction::MovedTo {
            queue: "billing".into(),
        },
    );
    assert!(
        drain(&mut s).is_empty(),
        "the caller waits on, music unchanged"
    );
    let request = offer(&mut s, 140_000, "201");
    s.handle_leg(140_010, request, phone(EXT_201, 3));
    s.handle_line(141_000, EXT_201, LineEvent::Answered);
    drain(&mut s);
    let out = hang_up(&mut s, 150_000, EXT_201);
    let (prompts, _) = sequence_of(&out).expect("billing's survey plays");
    assert_eq!(prompts, vec![ids["zh/queue-survey"]]);
    let out = hang_up(&mut s, 151_000, TRUNK);
    assert_eq!(ended(&out).unwrap().acd.queue.as_deref(), Some("billing"));
}

#[test]
fn the_live_view_carries_the_ivr_run_the_language_and_the_queue_entry_for_the_screen_pop() {
    let (mut s, _, _) = queued('1');
    let view = s.view();
    let ivr = view.ivr.expect("the IVR's run");
    assert_eq!(ivr.flow, "desk");
    assert_eq!(ivr.path, ["main", "vip", "billing"]);
    assert_eq!(ivr.variables["account"], "A-77");
    assert_eq!(view.language, Some("zh"));
    assert_eq!(view.queue.as_deref(), Some("billing"));
    assert_eq!(view.queued_ms, Some(2000), "the key that queued it");
    // Answered: the agent shows, and the call still queued when it first did.
    let request = offer(&mut s, 5000, "201");
    s.handle_leg(5010, request, phone(EXT_201, 3));
    s.handle_line(9000, EXT_201, LineEvent::Answered);
    drain(&mut s);
    let view = s.view();
    assert_eq!(view.agent.as_deref(), Some("201"));
    assert_eq!(view.queued_ms, Some(2000));
    // A call that never queued says so.
    let (plain, _, _) = queued('9');
    assert_eq!(plain.view().queued_ms, None);
    assert_eq!(plain.view().language, None);
}
