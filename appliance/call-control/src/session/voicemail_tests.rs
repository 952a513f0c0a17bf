//! Voicemail as scripts: a caller leaves a message through a flow's `voicemail` node
//! (greeting, beep, recorded until `#`, the maximum length or hanging up, then the
//! goodbye), and a mailbox's owner hears their messages on `*98`. No actors.

use super::script::{drain, ended, media};
use super::*;
use ivr::flow::{Flow, Language};
use line_boundary::LineKind;
use media_engine::{PromptStore, Slot};
use prompt_library::voicemail_prompts::{
    BEEP, END, GREETING, MESSAGE, NEW_MESSAGES, NO_MESSAGES, SAVED, YOU_HAVE,
};
use std::collections::HashMap;
use std::sync::Arc;

const TRUNK: ChannelId = ChannelId {
    device: 7,
    channel: 1,
};
const PHONE_202: ChannelId = ChannelId {
    device: 3,
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
choices = { "4" = "leave", "5" = "short" }
on_failure = "bye"

[nodes.leave]
type = "voicemail"
mailbox = "202"

[nodes.short]
type = "voicemail"
mailbox = "203"
prompt = "away"
max_length_s = 5

[nodes.bye]
type = "hangup"
"#;

/// Prompt ids by key.
fn store() -> (Arc<PromptStore>, HashMap<String, PromptId>) {
    let mut store = PromptStore::default();
    let mut ids = HashMap::new();
    let mut keys: Vec<String> = ["en/main-menu", "en/away", "digits/1", "digits/2", BEEP]
        .iter()
        .map(|k| k.to_string())
        .collect();
    for name in [
        GREETING,
        SAVED,
        YOU_HAVE,
        NEW_MESSAGES,
        NO_MESSAGES,
        MESSAGE,
        END,
    ] {
        keys.push(format!("en/{name}"));
    }
    for key in keys {
        let id = store.add(&key, vec![100; 160]);
        ids.insert(key, id);
    }
    (Arc::new(store), ids)
}

fn id(ids: &HashMap<String, PromptId>, key: &str) -> PromptId {
    ids[key]
}

fn en(ids: &HashMap<String, PromptId>, name: &str) -> PromptId {
    ids[&format!("en/{name}")]
}

fn leave(choice: char) -> (CallSession, HashMap<String, PromptId>, Option<PlaybackId>) {
    let flow = Flow::load(FLOW, "desk.toml", &|_| true, &|_| true).expect("the flow is valid");
    let (prompts, ids) = store();
    let context = IvrContext {
        flow: Arc::new(flow),
        schedules: Arc::new(HashMap::new()),
        prompts,
        epoch_unix_ms: 1_700_000_000_000,
        acd_queues: false,
        survey_queues: Default::default(),
        transfer_numbers: Default::default(),
    };
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
    let mut s = CallSession::new(origin, numbers, config, 1000);
    s.start(plan_applications(true, Route::Flow(context), None), 1000);
    let menu = played(&drain(&mut s)).expect("the menu").1;
    s.handle_playback_done(2000, TRUNK, Some(menu));
    s.handle_line(2500, TRUNK, LineEvent::Digit { digit: choice });
    let greeting = played(&drain(&mut s)).map(|(_, id)| id);
    (s, ids, greeting)
}

/// The sequence played to the caller, if any.
fn played(outputs: &[Output]) -> Option<(Vec<PromptId>, PlaybackId)> {
    media(outputs).into_iter().find_map(|m| match m {
        MediaCommand::Sequence {
            leg: O,
            prompts,
            id,
            ..
        } => Some((prompts, id)),
        _ => None,
    })
}

fn recording(outputs: &[Output]) -> Vec<RecordingOutput> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Recording(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn voicemail(outputs: &[Output]) -> Vec<VoicemailOutput> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Voicemail(v) => Some(v.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_caller_hears_the_greeting_and_beep_then_is_recorded_until_hash_then_goodbye() {
    let (mut s, ids, greeting) = leave('4');
    assert_eq!(s.application(), "voicemail");
    let greeting = greeting.expect("the greeting plays");
    s.handle_playback_done(6000, TRUNK, Some(greeting));
    let out = drain(&mut s);
    let (prompts, beep) = played(&out).expect("the beep");
    assert_eq!(prompts, vec![id(&ids, BEEP)]);
    assert!(recording(&out).is_empty(), "not before the beep ends");
    s.handle_playback_done(6400, TRUNK, Some(beep));
    let default_days = box_config::RecordingSettings::default()
        .default
        .retention_days;
    assert_eq!(
        recording(&drain(&mut s)),
        vec![RecordingOutput::StartMessage {
            mailbox: "202".into(),
            retention_days: default_days
        }]
    );
    assert!(s.is_recording());
    // Digits other than `#` are part of the message.
    s.handle_line(7000, TRUNK, LineEvent::Digit { digit: '5' });
    assert!(drain(&mut s).is_empty());
    s.handle_line(9400, TRUNK, LineEvent::Digit { digit: '#' });
    let out = drain(&mut s);
    assert_eq!(recording(&out), vec![RecordingOutput::Stop]);
    let (prompts, goodbye) = played(&out).expect("the goodbye");
    assert_eq!(prompts, vec![en(&ids, SAVED)]);
    assert!(ended(&out).is_none());
    s.handle_playback_done(11_000, TRUNK, Some(goodbye));
    let out = drain(&mut s);
    let record = ended(&out).expect("the box clears");
    assert_eq!(record.disposition, Disposition::SelfService);
    assert!(recording(&out).is_empty(), "stopped already");
}

#[test]
fn the_flows_greeting_and_the_maximum_length_end_a_message() {
    let (mut s, ids, greeting) = leave('5');
    let greeting = greeting.expect("the greeting plays");
    // The node's own greeting, not the built-in one.
    s.handle_playback_done(3000, TRUNK, Some(greeting));
    let beep = played(&drain(&mut s)).expect("the beep").1;
    s.handle_playback_done(3400, TRUNK, Some(beep));
    assert_eq!(recording(&drain(&mut s)).len(), 1);
    s.handle_timeout(7400);
    assert!(drain(&mut s).is_empty(), "4 s of 5");
    s.handle_timeout(8400);
    let out = drain(&mut s);
    assert_eq!(recording(&out), vec![RecordingOutput::Stop]);
    assert_eq!(played(&out).expect("goodbye").0, vec![en(&ids, SAVED)]);
}

#[test]
fn a_caller_who_hangs_up_after_the_beep_leaves_the_message_and_one_before_it_none() {
    let (mut s, _, greeting) = leave('4');
    s.handle_playback_done(6000, TRUNK, greeting);
    let beep = played(&drain(&mut s)).expect("the beep").1;
    s.handle_playback_done(6400, TRUNK, Some(beep));
    let _ = drain(&mut s);
    s.handle_line(
        9000,
        TRUNK,
        LineEvent::Hangup {
            cause: Cause::NORMAL_CLEARING,
        },
    );
    let out = drain(&mut s);
    assert_eq!(recording(&out), vec![RecordingOutput::Stop], "kept, closed");
    assert_eq!(
        ended(&out).expect("over").disposition,
        Disposition::SelfService
    );

    let (mut s, _, _) = leave('4');
    s.handle_line(
        3000,
        TRUNK,
        LineEvent::Hangup {
            cause: Cause::NORMAL_CLEARING,
        },
    );
    let out = drain(&mut s);
    assert!(recording(&out).is_empty(), "nothing was recorded");
    assert_eq!(
        ended(&out).expect("over").disposition,
        Disposition::Abandoned
    );
}

#[test]
fn a_rule_recording_stops_before_the_message_starts_and_the_rules_leave_it_alone() {
    let (mut s, _, greeting) = leave('4');
    // The trunk's rule records the call already (set up as if it had started).
    s.recording = recording::CallRecording::new(
        Arc::new(box_config::RecordingSettings {
            configured: true,
            default: box_config::RecordRule {
                mode: box_config::RecordMode::Always,
                retention_days: 30,
            },
            ..box_config::RecordingSettings::default()
        }),
        1,
    );
    s.handle_timeout(3000);
    assert_eq!(
        recording(&drain(&mut s)).len(),
        1,
        "the rule's recording runs"
    );
    s.handle_playback_done(6000, TRUNK, greeting);
    let beep = played(&drain(&mut s)).expect("the beep").1;
    s.handle_playback_done(6400, TRUNK, Some(beep));
    assert_eq!(
        recording(&drain(&mut s)),
        vec![
            RecordingOutput::Stop,
            RecordingOutput::StartMessage {
                mailbox: "202".into(),
                retention_days: 30
            }
        ]
    );
    assert_eq!(
        s.handle_recording_request(7000, false),
        Err(RecordingRefused::VoicemailMessage)
    );
}

fn listen() -> (CallSession, HashMap<String, PromptId>) {
    let (prompts, ids) = store();
    let numbers = CallNumbers {
        calling: Some(PhoneNumber::parse("202").unwrap()),
        name: None,
        callee: Some(PhoneNumber::parse("*98").unwrap()),
        dialled: Some(PhoneNumber::parse("*98").unwrap()),
    };
    let origin = Leg::new(PHONE_202, Slot(3), LineKind::Fxs, LegRole::Origin);
    let config = SessionConfig {
        ring_timeout_ms: 30_000,
        fault_injection: false,
    };
    let mut s = CallSession::new(origin, numbers, config, 1000);
    let request = ListenRequest {
        mailbox: "202".into(),
        prompts,
        language: Language::En,
    };
    s.start(
        plan_applications(false, Route::Voicemail(request), None),
        1000,
    );
    (s, ids)
}

fn message(n: u64) -> MailboxMessage {
    MailboxMessage {
        recording: format!("c1-{n}-r1"),
        path: format!("/rec/c1-{n}-r1.opus"),
        caller: Some("5550123".into()),
        started_unix_ms: 1_000 * n,
        duration_ms: 3_000,
    }
}

#[test]
fn the_owner_hears_how_many_then_each_message_oldest_first_each_marked_heard() {
    let (mut s, ids) = listen();
    assert_eq!(s.application(), "voicemail-listen");
    let out = drain(&mut s);
    assert!(out.contains(&Output::Answered { leg: None }));
    assert_eq!(
        voicemail(&out),
        vec![VoicemailOutput::List {
            mailbox: "202".into()
        }]
    );
    // The index answers newest first; they play oldest first.
    s.handle_mailbox(1500, Ok(vec![message(2), message(1)]));
    let (prompts, announced) = played(&drain(&mut s)).expect("how many");
    assert_eq!(
        prompts,
        vec![
            en(&ids, YOU_HAVE),
            id(&ids, "digits/2"),
            en(&ids, NEW_MESSAGES)
        ]
    );
    s.handle_playback_done(4000, PHONE_202, Some(announced));
    let (prompts, intro) = played(&drain(&mut s)).expect("message 1");
    assert_eq!(prompts, vec![en(&ids, MESSAGE), id(&ids, "digits/1")]);
    s.handle_playback_done(5000, PHONE_202, Some(intro));
    let out = voicemail(&drain(&mut s));
    let [VoicemailOutput::Play {
        leg: O,
        recording,
        path,
        id: first,
    }] = out.as_slice()
    else {
        panic!("the first message plays: {out:?}");
    };
    assert_eq!(
        (recording.as_str(), path.as_str()),
        ("c1-1-r1", "/rec/c1-1-r1.opus")
    );
    s.handle_playback_done(8000, PHONE_202, Some(*first));
    let out = drain(&mut s);
    assert_eq!(
        voicemail(&out),
        vec![VoicemailOutput::Heard {
            recording: "c1-1-r1".into()
        }]
    );
    let intro = played(&out).expect("message 2").1;
    s.handle_playback_done(9000, PHONE_202, Some(intro));
    let out = voicemail(&drain(&mut s));
    assert!(
        matches!(&out[..], [VoicemailOutput::Play { recording, .. }] if recording == "c1-2-r1")
    );
    // `#` skips the rest: marked heard, the end is said.
    s.handle_line(9500, PHONE_202, LineEvent::Digit { digit: '#' });
    let out = drain(&mut s);
    assert!(media(&out).contains(&MediaCommand::Stop { leg: O }));
    assert_eq!(
        voicemail(&out),
        vec![VoicemailOutput::Heard {
            recording: "c1-2-r1".into()
        }]
    );
    let (prompts, goodbye) = played(&out).expect("the end");
    assert_eq!(prompts, vec![en(&ids, END)]);
    s.handle_playback_done(11_000, PHONE_202, Some(goodbye));
    let out = drain(&mut s);
    assert_eq!(
        ended(&out).expect("cleared").disposition,
        Disposition::SelfService
    );
}

#[test]
fn an_empty_mailbox_says_so_and_clears() {
    let (mut s, ids) = listen();
    let _ = drain(&mut s);
    s.handle_mailbox(1500, Ok(Vec::new()));
    let (prompts, said) = played(&drain(&mut s)).expect("no messages");
    assert_eq!(prompts, vec![en(&ids, NO_MESSAGES)]);
    s.handle_playback_done(3000, PHONE_202, Some(said));
    assert!(ended(&drain(&mut s)).is_some());

    // An index that cannot be read is an empty mailbox to the caller.
    let (mut s, ids) = listen();
    let _ = drain(&mut s);
    s.handle_mailbox(1500, Err("database is locked".into()));
    assert_eq!(
        played(&drain(&mut s)).expect("no messages").0,
        vec![en(&ids, NO_MESSAGES)]
    );
}
