//! IVR calls as scripts: a flow run by a call session, with its media, lookups, legs asked
//! of the switchboard and hand-overs checked. No actors.

use super::*;
use events::IvrStep;
use ivr::flow::{Flow, Language};
use line_boundary::LineKind;
use media_engine::{PromptStore, Slot};
use std::collections::HashMap;
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
language = "en"

[nodes.main]
type = "menu"
prompt = "main-menu"
choices = { "1" = "balance", "2" = "sales", "3" = "people", "9" = "bye" }
timeout_s = 5
max_retries = 1
on_failure = "bye"

[nodes.balance]
type = "lookup"
url = "http://127.0.0.1:9/balance?caller=${caller}"
timeout_ms = 2000
fields = { amount = "account.balance" }
next = "say-it"
on_failure = "sorry"

[nodes.say-it]
type = "say"
what = "number"
value = "${amount}"
next = "bye"

[nodes.sorry]
type = "play"
text = "Sorry, try later."
next = "bye"

[nodes.sales]
type = "transfer"
to = "201"

[nodes.people]
type = "queue"
queue = "people"
extensions = ["201", "202"]

[nodes.bye]
type = "hangup"
cause = 16
"#;

/// Prompt ids by name, in the order they are added to the store.
fn store() -> (PromptStore, HashMap<&'static str, PromptId>) {
    let mut store = PromptStore::default();
    let mut ids = HashMap::new();
    for name in [
        "en/main-menu",
        "zh/main-menu",
        "digits/1",
        "digits/hundred",
        "digits/5",
        "tts/en/Sorry, try later.",
        "music/default",
    ] {
        ids.insert(name, store.add(name, vec![100; 160]));
    }
    (store, ids)
}

fn context() -> (IvrContext, HashMap<&'static str, PromptId>) {
    let flow = Flow::load(FLOW, "desk.toml", &|_| true, &|_| true).expect("the flow is valid");
    let (store, ids) = store();
    let context = IvrContext {
        flow: Arc::new(flow),
        schedules: Arc::new(HashMap::new()),
        prompts: Arc::new(store),
        epoch_unix_ms: 1_700_000_000_000,
        acd_queues: false,
        survey_queues: Default::default(),
        transfer_numbers: Default::default(),
    };
    (context, ids)
}

fn start() -> (CallSession, HashMap<&'static str, PromptId>) {
    let (context, ids) = context();
    let numbers = CallNumbers {
        calling: Some(PhoneNumber::parse("5550123").unwrap()),
        name: None,
        callee: Some(PhoneNumber::parse("95598").unwrap()),
        dialled: Some(PhoneNumber::parse("95598").unwrap()),
    };
    let origin = Leg::new(TRUNK, Slot(7), LineKind::E1, LegRole::Origin);
    let config = SessionConfig {
        ring_timeout_ms: 30_000,
        fault_injection: false,
    };
    let mut session = CallSession::new(origin, numbers, config, 1000);
    session.start(plan_applications(true, Route::Flow(context), None), 1000);
    (session, ids)
}

fn drain(session: &mut CallSession) -> Vec<Output> {
    std::iter::from_fn(|| session.poll_output()).collect()
}

fn sequence(outputs: &[Output]) -> Option<(Vec<PromptId>, PlaybackId, bool)> {
    outputs.iter().find_map(|o| match o {
        Output::Media(MediaCommand::Sequence {
            leg: O,
            prompts,
            id,
            barge_in,
        }) => Some((prompts.clone(), *id, *barge_in)),
        _ => None,
    })
}

fn steps(outputs: &[Output]) -> Vec<IvrStep> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Ivr { flow, step } => {
                assert_eq!(flow, "desk");
                Some(step.clone())
            }
            _ => None,
        })
        .collect()
}

fn entered(node: &str) -> IvrStep {
    IvrStep::NodeEntered { node: node.into() }
}

fn digit(session: &mut CallSession, now_ms: u64, key: char) {
    session.handle_line(now_ms, TRUNK, LineEvent::Digit { digit: key });
}

fn record(outputs: &[Output]) -> &CallRecord {
    outputs
        .iter()
        .find_map(|o| match o {
            Output::Ended(record) => Some(record),
            _ => None,
        })
        .expect("the call ended")
}

fn leg_request(outputs: &[Output]) -> (u32, String) {
    outputs
        .iter()
        .find_map(|o| match o {
            Output::RequestLeg { request, number } => Some((*request, number.to_string())),
            _ => None,
        })
        .expect("a leg is asked for")
}

#[test]
fn the_flow_answers_plays_its_menu_in_the_calls_language_and_logs_the_node() {
    let (mut s, ids) = start();
    let out = drain(&mut s);
    assert_eq!(
        out[0],
        Output::Line {
            leg: O,
            command: LineCommand::Answer
        }
    );
    assert_eq!(steps(&out)[0], entered("main"));
    let (prompts, _, barge_in) = sequence(&out).expect("the menu plays");
    assert_eq!(prompts, vec![ids["en/main-menu"]], "the English recording");
    assert!(barge_in, "a menu prompt is interruptible");
    assert_eq!(s.application(), "ivr");
}

#[test]
fn an_invalid_digit_then_silence_end_the_call_through_the_failure_node() {
    let (mut s, _) = start();
    let (_, first, _) = sequence(&drain(&mut s)).unwrap();
    s.handle_playback_done(3000, TRUNK, Some(first));
    drain(&mut s);
    digit(&mut s, 3500, '7');
    let out = drain(&mut s);
    assert!(steps(&out).contains(&IvrStep::DigitsCollected {
        node: "main".into(),
        digits: "7".into()
    }));
    let (_, again, _) = sequence(&out).expect("the menu plays again");
    s.handle_playback_done(5000, TRUNK, Some(again));
    // The retry used up, silence for the menu's 5 s sends the call to `bye`.
    s.handle_timeout(9000);
    assert!(drain(&mut s).iter().all(|o| !matches!(o, Output::Ended(_))));
    s.handle_timeout(10_000);
    let out = drain(&mut s);
    assert!(steps(&out).contains(&entered("bye")));
    let record = record(&out);
    assert_eq!(record.cause, Cause::NORMAL_CLEARING);
    assert_eq!(record.disposition, Disposition::SelfService);
    assert_eq!(record.times.answered_ms, None, "no destination answered");
    assert_eq!(
        record.times.line_answered_ms,
        Some(1000),
        "the flow answered the trunk"
    );
    let ivr = record.ivr.as_ref().expect("the record has the IVR part");
    assert_eq!(ivr.flow, "desk");
    assert_eq!(ivr.path.first().map(String::as_str), Some("main"));
    assert_eq!(ivr.path.last().map(String::as_str), Some("bye"));
    assert_eq!(ivr.variables["caller"], "5550123");
}

#[test]
fn a_lookup_goes_out_with_the_callers_number_and_its_answer_is_said() {
    let (mut s, ids) = start();
    drain(&mut s);
    digit(&mut s, 2000, '1');
    let out = drain(&mut s);
    let (id, url) = out
        .iter()
        .find_map(|o| match o {
            Output::Lookup {
                id, url, fields, ..
            } => {
                assert_eq!(fields, &vec!["account.balance".to_owned()]);
                Some((*id, url.clone()))
            }
            _ => None,
        })
        .expect("a lookup is asked for");
    assert_eq!(url, "http://127.0.0.1:9/balance?caller=5550123");
    let answer = HashMap::from([("account.balance".to_owned(), "105".to_owned())]);
    s.handle_lookup(2300, id, Ok(answer));
    let out = drain(&mut s);
    assert!(steps(&out).contains(&IvrStep::LookupResult {
        node: "balance".into(),
        error: None
    }));
    assert!(steps(&out).contains(&IvrStep::VariableSet {
        name: "amount".into(),
        value: "105".into()
    }));
    let (prompts, said, _) = sequence(&out).expect("the amount is said");
    assert_eq!(
        prompts,
        vec![ids["digits/1"], ids["digits/hundred"], ids["digits/5"]],
        "one hundred five"
    );
    s.handle_playback_done(4000, TRUNK, Some(said));
    let record = record(&drain(&mut s)).clone();
    assert_eq!(record.ivr.unwrap().variables["amount"], "105");
}

#[test]
fn a_failed_lookup_takes_the_fallback_and_plays_its_synthesized_text() {
    let (mut s, ids) = start();
    drain(&mut s);
    digit(&mut s, 2000, '1');
    let id = drain(&mut s)
        .iter()
        .find_map(|o| match o {
            Output::Lookup { id, .. } => Some(*id),
            _ => None,
        })
        .unwrap();
    s.handle_lookup(2100, id, Err(::ivr::session::LookupFailed::NotJson));
    let out = drain(&mut s);
    assert!(steps(&out).contains(&IvrStep::LookupResult {
        node: "balance".into(),
        error: Some("the answer is not JSON".into())
    }));
    assert!(steps(&out).contains(&entered("sorry")));
    let (prompts, _, _) = sequence(&out).unwrap();
    assert_eq!(prompts, vec![ids["tts/en/Sorry, try later."]]);
}

#[test]
fn a_transfer_asks_for_a_leg_rings_it_and_connects_on_answer() {
    let (mut s, _) = start();
    drain(&mut s);
    digit(&mut s, 2000, '2');
    let out = drain(&mut s);
    assert!(out.contains(&Output::Media(MediaCommand::Stop { leg: O })));
    let (request, number) = leg_request(&out);
    assert_eq!(number, "201");
    assert_eq!(s.application(), "transfer");
    s.handle_leg(
        2100,
        request,
        LegGrant::Ring(Leg::new(
            EXT_201,
            Slot(3),
            LineKind::Fxs,
            LegRole::Destination,
        )),
    );
    let out = drain(&mut s);
    let dest = s.leg_on(EXT_201).expect("the phone joined the call");
    assert!(out.iter().any(
        |o| matches!(o, Output::Line { leg, command: LineCommand::Ring { .. } } if *leg == dest)
    ));
    s.handle_line(5000, EXT_201, LineEvent::Answered);
    let out = drain(&mut s);
    assert!(out.contains(&Output::Media(MediaCommand::Bridge { a: O, b: dest })));
    s.handle_line(
        65_000,
        TRUNK,
        LineEvent::Hangup {
            cause: Cause::NORMAL_CLEARING,
        },
    );
    s.handle_line(
        65_000,
        EXT_201,
        LineEvent::Hangup {
            cause: Cause::NORMAL_CLEARING,
        },
    );
    let record = record(&drain(&mut s)).clone();
    assert_eq!(record.disposition, Disposition::Answered);
    assert_eq!(record.destination, Some(EXT_201));
    assert_eq!(
        record.numbers.callee,
        Some(PhoneNumber::parse("201").unwrap()),
        "who took the call"
    );
    assert_eq!(
        record.numbers.dialled,
        Some(PhoneNumber::parse("95598").unwrap()),
        "what the caller dialled"
    );
    assert_eq!(record.ivr.unwrap().path, vec!["main", "sales"]);
}

#[test]
fn a_refused_transfer_ends_the_call_as_its_cause_says() {
    let (mut s, _) = start();
    drain(&mut s);
    digit(&mut s, 2000, '2');
    let (request, _) = leg_request(&drain(&mut s));
    s.handle_leg(2100, request, LegGrant::Refused(Cause::USER_BUSY));
    let record = record(&drain(&mut s)).clone();
    assert_eq!(record.disposition, Disposition::Busy);
    assert_eq!(
        record.numbers.callee,
        Some(PhoneNumber::parse("201").unwrap())
    );
}

#[test]
fn a_queue_rings_its_extensions_in_turn_over_music_until_one_answers() {
    let (mut s, ids) = start();
    drain(&mut s);
    digit(&mut s, 2000, '3');
    let out = drain(&mut s);
    assert!(
        out.iter().any(|o| matches!(o, Output::Media(MediaCommand::Music { leg: O, music, .. }) if *music == ids["music/default"])),
        "the caller hears music: {out:?}"
    );
    let (first, number) = leg_request(&out);
    assert_eq!(number, "201");
    // 201 is busy: 202 is asked at once.
    s.handle_leg(2050, first, LegGrant::Refused(Cause::USER_BUSY));
    let (second, number) = leg_request(&drain(&mut s));
    assert_eq!(number, "202");
    s.handle_leg(
        2100,
        second,
        LegGrant::Ring(Leg::new(
            EXT_202,
            Slot(4),
            LineKind::Fxs,
            LegRole::Destination,
        )),
    );
    let ringing = s.leg_on(EXT_202).unwrap();
    assert!(drain(&mut s).iter().any(
        |o| matches!(o, Output::Line { leg, command: LineCommand::Ring { .. } } if *leg == ringing)
    ));
    // 202 rings out after 15 s: let go, and 201 is asked again.
    s.handle_timeout(16_000);
    assert!(drain(&mut s)
        .iter()
        .all(|o| !matches!(o, Output::RequestLeg { .. })));
    s.handle_timeout(17_100);
    let out = drain(&mut s);
    assert!(out.contains(&Output::Line {
        leg: ringing,
        command: LineCommand::Hangup {
            cause: Cause::NO_ANSWER
        }
    }));
    assert!(out.contains(&Output::Detach { leg: ringing }));
    let (third, number) = leg_request(&out);
    assert_eq!(number, "201");
    s.handle_leg(
        17_200,
        third,
        LegGrant::Ring(Leg::new(
            EXT_201,
            Slot(3),
            LineKind::Fxs,
            LegRole::Destination,
        )),
    );
    let answering = s.leg_on(EXT_201).unwrap();
    drain(&mut s);
    s.handle_line(20_000, EXT_201, LineEvent::Answered);
    let out = drain(&mut s);
    assert!(out.contains(&Output::Media(MediaCommand::Stop { leg: O })));
    assert!(out.contains(&Output::Media(MediaCommand::Bridge { a: O, b: answering })));
    s.handle_line(
        30_000,
        TRUNK,
        LineEvent::Hangup {
            cause: Cause::NORMAL_CLEARING,
        },
    );
    let record = record(&drain(&mut s)).clone();
    assert_eq!(record.disposition, Disposition::Answered);
    assert_eq!(record.times.answered_ms, Some(20_000));
    assert_eq!(
        record.numbers.callee,
        Some(PhoneNumber::parse("201").unwrap()),
        "the one who answered"
    );
    assert_eq!(record.times.ringing_ms, (17_100 - 2100) + (20_000 - 17_200));
}

#[test]
fn a_caller_who_hangs_up_in_the_menu_leaves_the_path_walked() {
    let (mut s, _) = start();
    drain(&mut s);
    s.handle_line(
        2500,
        TRUNK,
        LineEvent::Hangup {
            cause: Cause::NORMAL_CLEARING,
        },
    );
    let record = record(&drain(&mut s)).clone();
    assert_eq!(record.disposition, Disposition::Abandoned);
    assert_eq!(record.ivr.unwrap().path, vec!["main"]);
}

#[test]
fn prompts_resolve_in_the_calls_language_first() {
    let (context, ids) = context();
    assert_eq!(
        context.prompt("main-menu", Language::Zh),
        Some(ids["zh/main-menu"])
    );
    assert_eq!(
        context.prompt("main-menu", Language::En),
        Some(ids["en/main-menu"])
    );
    assert_eq!(
        context.prompt("digits/5", Language::Zh),
        Some(ids["digits/5"])
    );
    assert_eq!(context.prompt("nothing", Language::En), None);
    assert_eq!(
        context.spoken("Sorry, try later.", Language::En),
        Some(ids["tts/en/Sorry, try later."])
    );
    assert_eq!(context.spoken("Sorry, try later.", Language::Zh), None);
}
