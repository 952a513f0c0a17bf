//! Our Q.931 call control (over our Q.921) against libpri's, in real time over a
//! simulated D-channel: calls both ways and both pairings (our TE against libpri NT,
//! our NT against libpri CPE), 30 calls at once, restart, layer-2 loss, overlap dialling.
//!
//! libpri's application (Asterisk's part) is played by the tests; `CallHarness` only does
//! its clearing duty (pri_hangup on HANGUP_REQ / HANGUP).

use std::time::Duration;

use isdn::q921::{Role, Timers};
use isdn::q931::{
    CallHandle, CallState, ChannelStatus, Config, MessageType, OutgoingCall, Role as Q931Role,
};
use isdn_conformance::harness::{CallHarness, Dir};
use isdn_conformance::libpri::{
    ffi, CallRef, CallSetup, Numbering, PriEvent, PriEventKind, PriTimer,
};
use line_boundary::{CallerCategory, Cause, LineCommand, LineEvent, PhoneNumber};

const WITHIN: Duration = Duration::from_secs(3);

fn number(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s).expect("test number")
}

fn q931_role(role: Role) -> Q931Role {
    match role {
        Role::User => Q931Role::User,
        Role::Network => Q931Role::Network,
    }
}

/// Our side in `role` with its usual call control settings, link up.
fn up(role: Role, config: Option<Config>) -> CallHarness {
    let config = config.unwrap_or_else(|| Config::for_role(q931_role(role)));
    let mut h = CallHarness::new(role, config, Timers::default(), true).expect("libpri");
    assert!(
        h.bring_up(WITHIN),
        "link never came up: {:?} / {:?}",
        h.link.ours.state(),
        h.link.pri_events
    );
    h
}

/// One of libpri's calls, with where its events start in `pri_events`: libpri reuses
/// the memory of freed calls, so a `CallRef` names a call only from its creation on.
#[derive(Debug, Clone, Copy)]
struct PriCall {
    call: CallRef,
    since: usize,
}

fn events_of_call(h: &CallHarness, pc: PriCall) -> impl Iterator<Item = &PriEvent> {
    h.link
        .pri_events
        .iter()
        .skip(pc.since)
        .filter(move |e| e.call == Some(pc.call))
}

/// libpri events for one of its calls.
fn pri_of(h: &CallHarness, pc: PriCall) -> Vec<PriEventKind> {
    events_of_call(h, pc).map(|e| e.kind).collect()
}

fn pri_has(h: &CallHarness, pc: PriCall, kind: PriEventKind) -> bool {
    events_of_call(h, pc).any(|e| e.kind == kind)
}

fn pri_event(h: &CallHarness, pc: PriCall, kind: PriEventKind) -> PriEvent {
    events_of_call(h, pc)
        .find(|e| e.kind == kind)
        .cloned()
        .unwrap_or_else(|| panic!("no {kind:?} for {pc:?}: {:?}", h.link.pri_events))
}

/// The call a RING (already in `pri_events`) announced.
fn ring_call(h: &CallHarness, ring: &PriEvent) -> PriCall {
    let since = h
        .link
        .pri_events
        .iter()
        .rposition(|e| e == ring)
        .expect("a RING we saw");
    PriCall {
        call: ring.call.expect("RING names its call"),
        since,
    }
}

/// Both ends have forgotten every call and our channels are all idle.
fn all_idle(h: &CallHarness) -> bool {
    h.q931.calls().next().is_none()
        && h.q931
            .config()
            .channels
            .iter()
            .all(|c| h.q931.channel_status(c) == ChannelStatus::Idle)
        && h.link.pri.call_records() == Some(0)
}

/// Message types our Q.931 sent and received since the logs were last cleared.
fn flow(h: &CallHarness) -> (Vec<MessageType>, Vec<MessageType>) {
    (
        h.sent.iter().map(|(_, m)| m.kind).collect(),
        h.received.iter().map(|(_, m)| m.kind).collect(),
    )
}

fn clear_flow(h: &mut CallHarness) {
    h.sent.clear();
    h.received.clear();
}

fn assert_clean(h: &CallHarness) {
    assert!(
        h.complaints().is_empty(),
        "protocol complaints: {:#?}",
        h.complaints()
    );
}

/// libpri places a call to us; returns libpri's call and ours.
fn libpri_calls_us(
    h: &mut CallHarness,
    setup: &CallSetup,
    numbering: Numbering,
) -> (PriCall, CallHandle, Option<u8>, LineEvent) {
    let before = h.incoming().len();
    let pc = PriCall {
        call: h.link.pri.new_call().expect("pri_new_call"),
        since: h.link.pri_events.len(),
    };
    h.link
        .pri
        .setup_numbered(pc.call, setup, numbering)
        .expect("pri_setup");
    assert!(
        h.run_until(WITHIN, |h| h.incoming().len() > before),
        "no call reached us: {:?}",
        h.received
    );
    let (ours, ch, ev) = h.incoming()[before].clone();
    (pc, ours, ch, ev)
}

fn command(h: &mut CallHarness, call: CallHandle, c: LineCommand) {
    let now = h.now_ms();
    h.q931.handle_command(now, Some(call), c).expect("command");
}

// ---- the declarations these tests added to the FFI match libpri.h --------------------

const LAYOUT_C: &str = r#"
#include <stdio.h>
#include <stddef.h>
#include <libpri.h>
#define OFF(t, f) printf(#t "." #f " %zu\n", offsetof(t, f))
#define VAL(c) printf(#c " %d\n", (int)(c))
int main(void) {
    OFF(pri_event_ring, callingpres); OFF(pri_event_ring, callingplan); OFF(pri_event_ring, calledplan);
    OFF(pri_event_ring, flexible); OFF(pri_event_ring, ctype); OFF(pri_event_ring, layer1);
    VAL(PRI_TIMER_T303); VAL(PRI_TIMER_T305); VAL(PRI_TIMER_T308); VAL(PRI_TIMER_T309);
    VAL(PRI_TIMER_T310); VAL(PRI_TIMER_T313); VAL(PRI_TIMER_T316);
    VAL(PRI_INTERNATIONAL_ISDN); VAL(PRI_NATIONAL_ISDN); VAL(PRI_LOCAL_ISDN); VAL(PRI_UNKNOWN);
    VAL(PRES_ALLOWED_USER_NUMBER_NOT_SCREENED); VAL(PRES_ALLOWED_NETWORK_NUMBER);
    VAL(PRES_PROHIB_USER_NUMBER_NOT_SCREENED); VAL(PRI_TRANS_CAP_SPEECH);
    VAL(PRI_EVENT_RING); VAL(PRI_EVENT_ANSWER); VAL(PRI_EVENT_HANGUP); VAL(PRI_EVENT_HANGUP_REQ);
    VAL(PRI_EVENT_HANGUP_ACK); VAL(PRI_EVENT_RINGING); VAL(PRI_EVENT_PROCEEDING); VAL(PRI_EVENT_SETUP_ACK);
    VAL(PRI_EVENT_INFO_RECEIVED); VAL(PRI_EVENT_RESTART); VAL(PRI_EVENT_RESTART_ACK);
    VAL(PRI_EVENT_DCHAN_UP); VAL(PRI_EVENT_DCHAN_DOWN);
    return 0;
}
"#;

#[test]
fn q931_declarations_match_libpri_h() {
    use std::mem::offset_of;
    let dir = std::env::temp_dir().join(format!("libpri-q931-layout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (src, exe) = (dir.join("layout.c"), dir.join("layout"));
    std::fs::write(&src, LAYOUT_C).expect("write C");
    let status = std::process::Command::new("cc")
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .status()
        .expect("run cc");
    assert!(status.success(), "cc failed");
    let out = std::process::Command::new(&exe)
        .output()
        .expect("run layout");
    let c: std::collections::HashMap<String, i64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (k, v) = l.rsplit_once(' ')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect();
    let off = |o: usize| i64::try_from(o).expect("offset");
    let ours: Vec<(&str, i64)> = vec![
        (
            "pri_event_ring.callingpres",
            off(offset_of!(ffi::pri_event_ring, callingpres)),
        ),
        (
            "pri_event_ring.callingplan",
            off(offset_of!(ffi::pri_event_ring, callingplan)),
        ),
        (
            "pri_event_ring.calledplan",
            off(offset_of!(ffi::pri_event_ring, calledplan)),
        ),
        (
            "pri_event_ring.flexible",
            off(offset_of!(ffi::pri_event_ring, flexible)),
        ),
        (
            "pri_event_ring.ctype",
            off(offset_of!(ffi::pri_event_ring, ctype)),
        ),
        (
            "pri_event_ring.layer1",
            off(offset_of!(ffi::pri_event_ring, layer1)),
        ),
        ("PRI_TIMER_T303", ffi::PRI_TIMER_T303.into()),
        ("PRI_TIMER_T305", ffi::PRI_TIMER_T305.into()),
        ("PRI_TIMER_T308", ffi::PRI_TIMER_T308.into()),
        ("PRI_TIMER_T309", ffi::PRI_TIMER_T309.into()),
        ("PRI_TIMER_T310", ffi::PRI_TIMER_T310.into()),
        ("PRI_TIMER_T313", ffi::PRI_TIMER_T313.into()),
        ("PRI_TIMER_T316", ffi::PRI_TIMER_T316.into()),
        ("PRI_INTERNATIONAL_ISDN", ffi::PRI_INTERNATIONAL_ISDN.into()),
        ("PRI_NATIONAL_ISDN", ffi::PRI_NATIONAL_ISDN.into()),
        ("PRI_LOCAL_ISDN", ffi::PRI_LOCAL_ISDN.into()),
        ("PRI_UNKNOWN", ffi::PRI_UNKNOWN.into()),
        (
            "PRES_ALLOWED_USER_NUMBER_NOT_SCREENED",
            ffi::PRES_ALLOWED_USER_NUMBER_NOT_SCREENED.into(),
        ),
        (
            "PRES_ALLOWED_NETWORK_NUMBER",
            ffi::PRES_ALLOWED_NETWORK_NUMBER.into(),
        ),
        (
            "PRES_PROHIB_USER_NUMBER_NOT_SCREENED",
            ffi::PRES_PROHIB_USER_NUMBER_NOT_SCREENED.into(),
        ),
        ("PRI_TRANS_CAP_SPEECH", ffi::PRI_TRANS_CAP_SPEECH.into()),
        ("PRI_EVENT_RING", ffi::PRI_EVENT_RING.into()),
        ("PRI_EVENT_ANSWER", ffi::PRI_EVENT_ANSWER.into()),
        ("PRI_EVENT_HANGUP", ffi::PRI_EVENT_HANGUP.into()),
        ("PRI_EVENT_HANGUP_REQ", ffi::PRI_EVENT_HANGUP_REQ.into()),
        ("PRI_EVENT_HANGUP_ACK", ffi::PRI_EVENT_HANGUP_ACK.into()),
        ("PRI_EVENT_RINGING", ffi::PRI_EVENT_RINGING.into()),
        ("PRI_EVENT_PROCEEDING", ffi::PRI_EVENT_PROCEEDING.into()),
        ("PRI_EVENT_SETUP_ACK", ffi::PRI_EVENT_SETUP_ACK.into()),
        (
            "PRI_EVENT_INFO_RECEIVED",
            ffi::PRI_EVENT_INFO_RECEIVED.into(),
        ),
        ("PRI_EVENT_RESTART", ffi::PRI_EVENT_RESTART.into()),
        ("PRI_EVENT_RESTART_ACK", ffi::PRI_EVENT_RESTART_ACK.into()),
        ("PRI_EVENT_DCHAN_UP", ffi::PRI_EVENT_DCHAN_UP.into()),
        ("PRI_EVENT_DCHAN_DOWN", ffi::PRI_EVENT_DCHAN_DOWN.into()),
    ];
    for (name, rust) in ours {
        assert_eq!(
            c.get(name),
            Some(&rust),
            "{name}: C says {:?}, Rust {rust}",
            c.get(name)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- 1. en-bloc call from libpri to us ------------------------------------------------

fn call_from_libpri(role: Role) {
    let _g = isdn_conformance::libpri_lock();
    let mut h = up(role, None);

    // Call 1: international calling number, presentation allowed; libpri clears.
    let setup = CallSetup {
        channel: 5,
        exclusive: true,
        called: "5551234".into(),
        calling: "4930123456".into(),
        calling_name: "Alice Example".into(),
        complete: true,
    };
    let numbering = Numbering {
        calling_plan: ffi::PRI_INTERNATIONAL_ISDN,
        calling_pres: ffi::PRES_ALLOWED_USER_NUMBER_NOT_SCREENED,
        called_plan: ffi::PRI_NATIONAL_ISDN,
    };
    let (pc, ours, ch, ev) = libpri_calls_us(&mut h, &setup, numbering);
    assert_eq!(ch, Some(5));
    // libpri as network sends the calling name in a Display element; as CPE it does not.
    let name = match role {
        Role::User => Some("Alice Example".to_string()),
        Role::Network => None,
    };
    assert_eq!(
        ev,
        LineEvent::IncomingCall {
            calling: Some(number("+4930123456")),
            called: Some(number("5551234")),
            category: CallerCategory::Ordinary,
            name,
        }
    );
    // Q.931 names states from the user's side: U9 for our TE, N3 for our NT.
    let proceeding = match role {
        Role::User => CallState::IncomingCallProceeding,
        Role::Network => CallState::OutgoingCallProceeding,
    };
    assert_eq!(h.q931.call_state(ours), Some(proceeding));
    assert!(
        h.run_until(WITHIN, |h| pri_has(h, pc, PriEventKind::Proceeding)),
        "{:?}",
        h.link.pri_events
    );
    assert_eq!(
        pri_event(&h, pc, PriEventKind::Proceeding).b_channel(),
        Some(5)
    );

    command(&mut h, ours, LineCommand::Alert);
    assert!(
        h.run_until(WITHIN, |h| pri_has(h, pc, PriEventKind::Ringing)),
        "{:?}",
        h.link.pri_events
    );
    command(&mut h, ours, LineCommand::Answer);
    assert!(
        h.run_until(WITHIN, |h| pri_has(h, pc, PriEventKind::Answer)
            && h.q931.call_state(ours) == Some(CallState::Active)),
        "answer: ours {:?}, libpri {:?}",
        h.q931.call_state(ours),
        h.link.pri_events
    );
    assert_eq!(pri_event(&h, pc, PriEventKind::Answer).b_channel(), Some(5));
    assert_eq!(h.q931.channel_status(5), ChannelStatus::Busy(ours));

    h.link.pri.hangup(pc.call, 16).expect("pri_hangup");
    assert!(
        h.run_until(WITHIN, all_idle),
        "release from libpri: ours {:?}, libpri {:?}",
        h.events,
        h.link.pri.info()
    );
    assert_eq!(h.hangup_cause(ours), Some(Cause::NORMAL_CLEARING));
    use MessageType::*;
    assert_eq!(
        flow(&h),
        (
            vec![CallProceeding, Alerting, Connect, Release],
            vec![Setup, ConnectAcknowledge, Disconnect, ReleaseComplete]
        )
    );
    assert_eq!(
        pri_of(&h, pc).last(),
        Some(&PriEventKind::Hangup),
        "{:?}",
        pri_of(&h, pc)
    );
    clear_flow(&mut h);

    // Call 2: number withheld (presentation restricted); we clear with our own cause.
    let setup = CallSetup {
        channel: 17,
        ..setup
    };
    let numbering = Numbering {
        calling_pres: ffi::PRES_PROHIB_USER_NUMBER_NOT_SCREENED,
        ..numbering
    };
    let (pc, ours, ch, ev) = libpri_calls_us(&mut h, &setup, numbering);
    assert_eq!(ch, Some(17));
    assert!(
        matches!(
            ev,
            LineEvent::IncomingCall {
                calling: None,
                called: Some(_),
                ..
            }
        ),
        "{ev:?}"
    );
    command(&mut h, ours, LineCommand::Answer);
    assert!(h.run_until(WITHIN, |h| pri_has(h, pc, PriEventKind::Answer)));
    command(&mut h, ours, LineCommand::Hangup { cause: Cause(31) });
    assert!(
        h.run_until(WITHIN, all_idle),
        "release from us: ours {:?}, libpri {:?}",
        h.events,
        h.link.pri.info()
    );
    assert_eq!(
        pri_event(&h, pc, PriEventKind::HangupReq).cause,
        Some(31),
        "{:?}",
        h.link.pri_events
    );
    assert_eq!(
        flow(&h),
        (
            vec![CallProceeding, Connect, Disconnect, ReleaseComplete],
            vec![Setup, ConnectAcknowledge, Release]
        )
    );
    assert_eq!(
        pri_of(&h, pc).last(),
        Some(&PriEventKind::HangupAck),
        "{:?}",
        pri_of(&h, pc)
    );
    assert_eq!(
        h.hangup_cause(ours),
        None,
        "we hung up: no Hangup event back to us"
    );
    assert_clean(&h);
}

#[test]
fn call_from_libpri_nt_to_our_te() {
    call_from_libpri(Role::User);
}

#[test]
fn call_from_libpri_cpe_to_our_nt() {
    call_from_libpri(Role::Network);
}

// ---- 2. call from us to libpri --------------------------------------------------------

/// We place a call; returns ours and libpri's RING.
fn we_call_libpri(h: &mut CallHarness, out: OutgoingCall) -> (CallHandle, PriEvent) {
    let before = h.pri_events_of(PriEventKind::Ring).len();
    let now = h.now_ms();
    let ours = h.q931.call_out(now, out).expect("call_out");
    assert!(
        h.run_until(WITHIN, |h| h.pri_events_of(PriEventKind::Ring).len()
            > before),
        "no RING at libpri: {:?}",
        h.link.pri_events
    );
    (ours, h.pri_events_of(PriEventKind::Ring)[before].clone())
}

fn call_to_libpri(role: Role) {
    let _g = isdn_conformance::libpri_lock();
    let mut h = up(role, None);
    let out = OutgoingCall {
        calling: Some(number("+4930123456")),
        called: Some(number("5551234")),
        channel: None,
        sending_complete: true,
    };

    // Call 1: libpri answers, then clears.
    let (ours, ring) = we_call_libpri(&mut h, out.clone());
    let pc = ring_call(&h, &ring);
    let ch = h.q931.call_channel(ours).expect("our channel");
    assert_eq!(ring.called_number.as_deref(), Some("5551234"));
    assert_eq!(ring.calling_number.as_deref(), Some("4930123456"));
    assert_eq!(ring.complete, Some(true));
    // "+" went out as type of number international, ISDN plan; the called number as
    // unknown type, ISDN plan.
    assert_eq!(ring.calling_plan, Some(ffi::PRI_INTERNATIONAL_ISDN));
    assert_eq!(ring.called_plan, Some(0x01));
    // Presentation allowed; screening "user provided, not screened" from a user, "network
    // provided" from the network.
    let pres = match role {
        Role::User => ffi::PRES_ALLOWED_USER_NUMBER_NOT_SCREENED,
        Role::Network => ffi::PRES_ALLOWED_NETWORK_NUMBER,
    };
    assert_eq!(ring.calling_pres, Some(pres));
    assert_eq!(
        ring.bearer,
        Some((ffi::PRI_TRANS_CAP_SPEECH, ffi::PRI_LAYER_1_ALAW))
    );
    // Our user side offers its channel as preferred (hunting down from 31), our network
    // side imposes it (hunting up from 1).
    assert_eq!(ring.b_channel(), Some(i32::from(ch)));
    match role {
        Role::User => assert_eq!((ch, ring.flexible), (31, Some(true))),
        Role::Network => assert_eq!((ch, ring.flexible), (1, Some(false))),
    }

    h.link
        .pri
        .proceeding(pc.call, i32::from(ch), false)
        .unwrap();
    h.link
        .pri
        .acknowledge(pc.call, i32::from(ch), true)
        .unwrap();
    assert!(h.run_until(WITHIN, |h| h.events_of(ours).contains(&LineEvent::Alerting)));
    h.link.pri.answer(pc.call, i32::from(ch)).unwrap();
    assert!(h.run_until(WITHIN, |h| h.q931.call_state(ours)
        == Some(CallState::Active)));
    assert_eq!(
        h.events_of(ours),
        vec![
            LineEvent::Progress,
            LineEvent::Alerting,
            LineEvent::Answered
        ]
    );
    h.link.pri.hangup(pc.call, 16).unwrap();
    assert!(
        h.run_until(WITHIN, all_idle),
        "release from libpri: {:?}, {}",
        h.events,
        h.link.pri.info()
    );
    assert_eq!(h.hangup_cause(ours), Some(Cause::NORMAL_CLEARING));
    use MessageType::*;
    assert_eq!(
        flow(&h),
        (
            vec![Setup, ConnectAcknowledge, Release],
            vec![
                CallProceeding,
                Alerting,
                Connect,
                Disconnect,
                ReleaseComplete
            ]
        )
    );
    clear_flow(&mut h);

    // Call 2: answered at once (no CALL PROCEEDING, no ALERTING); we clear, and our
    // cause reaches libpri as sent.
    let (ours, ring) = we_call_libpri(&mut h, out);
    let pc = ring_call(&h, &ring);
    let ch = h.q931.call_channel(ours).expect("our channel");
    h.link.pri.answer(pc.call, i32::from(ch)).unwrap();
    assert!(h.run_until(WITHIN, |h| h.q931.call_state(ours)
        == Some(CallState::Active)));
    command(&mut h, ours, LineCommand::Hangup { cause: Cause(31) });
    assert!(
        h.run_until(WITHIN, all_idle),
        "release from us: {:?}, {}",
        h.events,
        h.link.pri.info()
    );
    assert_eq!(pri_event(&h, pc, PriEventKind::HangupReq).cause, Some(31));
    assert_eq!(h.events_of(ours), vec![LineEvent::Answered]);
    assert_eq!(
        flow(&h),
        (
            vec![Setup, ConnectAcknowledge, Disconnect, ReleaseComplete],
            vec![Connect, Release]
        )
    );
    assert_clean(&h);
}

#[test]
fn call_from_our_te_to_libpri_nt() {
    call_to_libpri(Role::User);
}

#[test]
fn call_from_our_nt_to_libpri_cpe() {
    call_to_libpri(Role::Network);
}

// ---- 3. a full E1: 30 calls at once ---------------------------------------------------

const E1_B_CHANNELS: [u8; 30] = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
    28, 29, 30, 31,
];

/// 30 calls from libpri on every B-channel, all answered by us; libpri clears the odd
/// channels, we clear the even ones.
fn thirty_calls_from_libpri(role: Role) {
    let _g = isdn_conformance::libpri_lock();
    let mut h = up(role, None);
    let mut calls = Vec::new();
    let since = h.link.pri_events.len();
    for ch in E1_B_CHANNELS {
        let pc = PriCall {
            call: h.link.pri.new_call().expect("pri_new_call"),
            since,
        };
        let setup = CallSetup {
            channel: i32::from(ch),
            exclusive: true,
            called: format!("55510{ch:02}"),
            calling: "4930123456".into(),
            calling_name: String::new(),
            complete: true,
        };
        h.link.pri.setup(pc.call, &setup).expect("pri_setup");
        calls.push((ch, pc));
    }
    assert!(
        h.run_until(WITHIN, |h| h.incoming().len() == 30),
        "{} of 30 arrived",
        h.incoming().len()
    );
    let incoming = h.incoming();
    for &(ch, _) in &calls {
        let (ours, _, ev) = incoming
            .iter()
            .find(|(_, c, _)| *c == Some(ch))
            .cloned()
            .expect("call on every channel");
        let want = number(&format!("55510{ch:02}"));
        assert!(
            matches!(&ev, LineEvent::IncomingCall { called: Some(n), .. } if *n == want),
            "{ev:?}"
        );
        command(&mut h, ours, LineCommand::Answer);
    }
    assert!(
        h.run_until(WITHIN, |h| h.pri_events_of(PriEventKind::Answer).len()
            == 30
            && h.q931.calls().all(|c| c.state == CallState::Active)),
        "answers: libpri {}, ours {:?}",
        h.pri_events_of(PriEventKind::Answer).len(),
        h.q931.calls().map(|c| c.state).collect::<Vec<_>>()
    );
    for &(ch, pc) in &calls {
        assert_eq!(
            pri_event(&h, pc, PriEventKind::Answer).b_channel(),
            Some(i32::from(ch))
        );
        assert!(matches!(h.q931.channel_status(ch), ChannelStatus::Busy(_)));
    }
    assert_eq!(h.link.pri.call_records(), Some(30));

    for (i, &(ch, pc)) in calls.iter().enumerate() {
        if i % 2 == 0 {
            h.link.pri.hangup(pc.call, 16).unwrap();
        } else {
            let ChannelStatus::Busy(ours) = h.q931.channel_status(ch) else {
                panic!("channel {ch} not busy")
            };
            command(
                &mut h,
                ours,
                LineCommand::Hangup {
                    cause: Cause::NORMAL_CLEARING,
                },
            );
        }
    }
    assert!(
        h.run_until(WITHIN, all_idle),
        "not all idle: ours {:?}, {}",
        h.q931.calls().collect::<Vec<_>>(),
        h.link.pri.info()
    );
    let hangups = h
        .events
        .iter()
        .filter(|(_, (_, _, e))| matches!(e, LineEvent::Hangup { .. }))
        .count();
    assert_eq!(hangups, 15, "one Hangup per call libpri cleared");
    assert_eq!(
        h.pri_events_of(PriEventKind::HangupReq).len(),
        15,
        "one HANGUP_REQ per call we cleared"
    );
    assert!(h.link.ours.lost() == 0, "our Lapd dropped frames or events");
    assert_clean(&h);
}

/// 30 calls from us, hunting the B-channels our way; libpri answers each on the channel
/// it was offered. Then all released, and all 30 again to show every channel came back.
fn thirty_calls_to_libpri(role: Role) {
    let _g = isdn_conformance::libpri_lock();
    let mut h = up(role, None);
    for round in 0..2 {
        let mut ours = Vec::new();
        for i in 0..30 {
            let now = h.now_ms();
            let out = OutgoingCall {
                calling: Some(number("+4930123456")),
                called: Some(number(&format!("6660{i:02}"))),
                channel: None,
                sending_complete: true,
            };
            ours.push(
                h.q931
                    .call_out(now, out)
                    .expect("a free channel for each of 30 calls"),
            );
        }
        let now = h.now_ms();
        assert!(
            h.q931.call_out(now, OutgoingCall::default()).is_err(),
            "a 31st call has no channel"
        );
        let channels: Vec<u8> = ours
            .iter()
            .filter_map(|&c| h.q931.call_channel(c))
            .collect();
        let mut sorted = channels.clone();
        sorted.sort();
        assert_eq!(sorted, E1_B_CHANNELS, "round {round}");

        let base = h.pri_events_of(PriEventKind::Ring).len();
        assert!(
            h.run_until(WITHIN, |h| h.pri_events_of(PriEventKind::Ring).len()
                == base + 30),
            "round {round}: {} RINGs",
            h.pri_events_of(PriEventKind::Ring).len() - base
        );
        let rings: Vec<PriEvent> = h.pri_events_of(PriEventKind::Ring)[base..]
            .iter()
            .map(|e| (*e).clone())
            .collect();
        let mut offered: Vec<i32> = rings.iter().filter_map(|r| r.b_channel()).collect();
        offered.sort();
        assert_eq!(offered, E1_B_CHANNELS.map(i32::from));
        for r in &rings {
            let pc = r.call.expect("RING names its call");
            let ch = r.b_channel().expect("RING names a channel");
            h.link.pri.answer(pc, ch).unwrap();
        }
        assert!(
            h.run_until(WITHIN, |h| ours
                .iter()
                .all(|&c| h.q931.call_state(c) == Some(CallState::Active))),
            "round {round}: {:?}",
            h.q931.calls().map(|c| c.state).collect::<Vec<_>>()
        );
        for (i, r) in rings.iter().enumerate() {
            let pc = r.call.expect("RING names its call");
            if i % 2 == 0 {
                h.link.pri.hangup(pc, 16).unwrap();
            } else {
                let ch = r
                    .b_channel()
                    .and_then(|c| u8::try_from(c).ok())
                    .expect("channel");
                let ChannelStatus::Busy(c) = h.q931.channel_status(ch) else {
                    panic!("channel {ch} not busy")
                };
                command(
                    &mut h,
                    c,
                    LineCommand::Hangup {
                        cause: Cause::NORMAL_CLEARING,
                    },
                );
            }
        }
        assert!(
            h.run_until(WITHIN, all_idle),
            "round {round}: {:?}, {}",
            h.q931.calls().collect::<Vec<_>>(),
            h.link.pri.info()
        );
    }
    assert_clean(&h);
}

#[test]
fn thirty_calls_from_libpri_nt_to_our_te() {
    thirty_calls_from_libpri(Role::User);
}

#[test]
fn thirty_calls_from_libpri_cpe_to_our_nt() {
    thirty_calls_from_libpri(Role::Network);
}

#[test]
fn thirty_calls_from_our_te_to_libpri_nt() {
    thirty_calls_to_libpri(Role::User);
}

#[test]
fn thirty_calls_from_our_nt_to_libpri_cpe() {
    thirty_calls_to_libpri(Role::Network);
}

// ---- 4. restart -----------------------------------------------------------------------

/// A call from libpri on `ch`, answered by us and active on both sides.
fn active_call_from_libpri(h: &mut CallHarness, ch: u8) -> (PriCall, CallHandle) {
    let setup = CallSetup {
        channel: i32::from(ch),
        exclusive: true,
        called: "5551234".into(),
        calling: "4930123456".into(),
        calling_name: String::new(),
        complete: true,
    };
    let (pc, ours, _, _) = libpri_calls_us(h, &setup, Numbering::default());
    command(h, ours, LineCommand::Answer);
    assert!(
        h.run_until(WITHIN, |h| pri_has(h, pc, PriEventKind::Answer)
            && h.q931.call_state(ours) == Some(CallState::Active)),
        "call on {ch} never active"
    );
    (pc, ours)
}

/// What Asterisk does on PRI_EVENT_RESTART: forget its calls on the restarted channels
/// (libpri itself leaves them alone).
fn pri_app_restarted(h: &mut CallHarness, restart: &PriEvent, calls: &mut Vec<(u8, PriCall)>) {
    let hit = |ch: u8| restart.b_channel().is_none() || restart.b_channel() == Some(i32::from(ch));
    for &(_, pc) in calls.iter().filter(|(ch, _)| hit(*ch)) {
        h.link.pri.destroy_call(pc.call);
    }
    calls.retain(|(ch, _)| !hit(*ch));
}

fn restart(role: Role) {
    let _g = isdn_conformance::libpri_lock();
    let mut h = up(role, None);
    let (pc3, ours3) = active_call_from_libpri(&mut h, 3);
    let (pc4, ours4) = active_call_from_libpri(&mut h, 4);
    let mut calls = vec![(3, pc3), (4, pc4)];

    // We restart channel 3: our call there ends (cause 41) at once, libpri reports the
    // restart of channel 3 and acknowledges; the call on 4 is untouched.
    let now = h.now_ms();
    h.q931.restart(now, Some(3)).expect("restart");
    assert_eq!(h.q931.channel_status(3), ChannelStatus::Restarting);
    assert!(
        h.run_until(WITHIN, |h| h.q931.channel_status(3) == ChannelStatus::Idle),
        "no RESTART ACK: {:?}",
        h.received
    );
    let ev = h
        .pri_events_of(PriEventKind::Restart)
        .last()
        .map(|e| (*e).clone())
        .expect("libpri saw RESTART");
    assert_eq!(ev.b_channel(), Some(3));
    pri_app_restarted(&mut h, &ev, &mut calls);
    assert_eq!(h.hangup_cause(ours3), Some(Cause::TEMPORARY_FAILURE));
    assert_eq!(h.q931.call_state(ours4), Some(CallState::Active));
    assert_eq!(h.link.pri.call_records(), Some(1));
    let ack = h
        .received
        .iter()
        .rev()
        .find(|(_, m)| m.kind == MessageType::RestartAcknowledge)
        .expect("RESTART ACK");
    assert_eq!(
        ack.1.ies.channel_id.as_ref().and_then(|c| c.channel()),
        Some(3)
    );

    // We restart the interface: every call ends, libpri reports a restart of all
    // channels (-1) and acknowledges.
    let now = h.now_ms();
    h.q931.restart(now, None).expect("restart");
    assert!(
        h.run_until(WITHIN, |h| E1_B_CHANNELS
            .iter()
            .all(|&c| h.q931.channel_status(c) == ChannelStatus::Idle)),
        "no RESTART ACK for the interface: {:?}",
        h.received
    );
    let ev = h
        .pri_events_of(PriEventKind::Restart)
        .last()
        .map(|e| (*e).clone())
        .expect("libpri saw RESTART");
    assert_eq!(ev.channel, Some(-1), "whole interface");
    pri_app_restarted(&mut h, &ev, &mut calls);
    assert_eq!(h.hangup_cause(ours4), Some(Cause::TEMPORARY_FAILURE));
    assert!(calls.is_empty());
    assert!(h.run_until(WITHIN, all_idle), "{}", h.link.pri.info());
    assert_eq!(h.q931.restart_state(), isdn::q931::RestartState::Null);

    // libpri restarts channel 5 under an active call: we clear it and acknowledge.
    let (pc5, ours5) = active_call_from_libpri(&mut h, 5);
    h.link.pri.destroy_call(pc5.call); // Asterisk forgets its call before it resets the channel
    h.link.pri.reset(5).expect("pri_reset");
    assert!(
        h.run_until(WITHIN, |h| !h
            .pri_events_of(PriEventKind::RestartAck)
            .is_empty()),
        "{:?}",
        h.link.pri_events
    );
    assert_eq!(
        h.pri_events_of(PriEventKind::RestartAck)[0].b_channel(),
        Some(5)
    );
    assert_eq!(h.hangup_cause(ours5), Some(Cause::TEMPORARY_FAILURE));
    assert!(all_idle(&h));

    // libpri cannot restart a whole interface (pri_reset refuses channel 0 and only ever
    // sends restart class "indicated channels"); the nearest thing it does is what
    // Asterisk does to reset a span: every B-channel in turn, each acknowledged.
    assert!(h.link.pri.reset(0).is_err());
    for (i, ch) in E1_B_CHANNELS.into_iter().enumerate() {
        h.link.pri.reset(i32::from(ch)).expect("pri_reset");
        assert!(
            h.run_until(WITHIN, |h| h.pri_events_of(PriEventKind::RestartAck).len()
                == i + 2),
            "no RESTART ACK for {ch}"
        );
        assert_eq!(
            h.pri_events_of(PriEventKind::RestartAck)[i + 1].b_channel(),
            Some(i32::from(ch))
        );
    }
    assert!(all_idle(&h));
    assert_clean(&h);
}

#[test]
fn restart_between_our_te_and_libpri_nt() {
    restart(Role::User);
}

#[test]
fn restart_between_our_nt_and_libpri_cpe() {
    restart(Role::Network);
}

// ---- 5. layer-2 loss with calls up ----------------------------------------------------

/// Short layer-2 timers on both ends so a dead line is noticed within ~1.5 s.
const FAST_L2: Timers = Timers {
    t200_ms: 200,
    n200: 3,
    t203_ms: 500,
    k: 7,
};

fn up_fast_l2(role: Role, t309_ms: u64) -> CallHarness {
    let mut config = Config::for_role(q931_role(role));
    config.timers.t309_ms = t309_ms;
    let mut h = CallHarness::new(role, config, FAST_L2, true).expect("libpri");
    h.link.pri.set_timer(PriTimer::T200, 200).unwrap();
    h.link.pri.set_timer(PriTimer::T203, 500).unwrap();
    h.link
        .pri
        .set_timer(PriTimer::T309, i32::try_from(t309_ms).unwrap_or(i32::MAX))
        .unwrap();
    assert!(h.bring_up(WITHIN), "link never came up");
    h
}

fn line_dead(h: &mut CallHarness, dead: bool) {
    h.link.drop_ours_to_pri = dead;
    h.link.drop_pri_to_ours = dead;
}

/// Both layer 3s were told the data link failed.
fn both_noticed_loss(h: &CallHarness, downs_before: usize) -> bool {
    !h.q931.is_link_up() && h.pri_events_of(PriEventKind::DchanDown).len() > downs_before
}

fn both_back(h: &CallHarness, ups_before: usize) -> bool {
    h.q931.is_link_up() && h.pri_events_of(PriEventKind::DchanUp).len() > ups_before
}

/// The STATUS (cause 31, call state Active) each side sent for the surviving call when
/// the link came back (Q.931 §5.8.9).
fn status_after_reestablishment(h: &CallHarness, since_ms: u64) -> (bool, bool) {
    let is = |m: &isdn::q931::Message| {
        m.kind == MessageType::Status
            && m.ies.cause.as_ref().map(|c| c.value) == Some(Cause::NORMAL_UNSPECIFIED)
            && m.ies.call_state.map(|s| s.0) == Some(10)
    };
    (
        h.sent.iter().any(|(t, m)| *t >= since_ms && is(m)),
        h.received.iter().any(|(t, m)| *t >= since_ms && is(m)),
    )
}

/// The line goes dead long enough for both data links to fail, then heals: the active
/// call survives on both sides (T309 running meanwhile), the call still ringing is
/// cleared on both; STATUS is exchanged once the link is back and the call clears
/// normally afterwards.
fn calls_survive_layer2_loss(role: Role) {
    let _g = isdn_conformance::libpri_lock();
    let mut h = up_fast_l2(role, 10_000);
    let (pc_active, ours_active) = active_call_from_libpri(&mut h, 1);
    let setup = CallSetup {
        channel: 2,
        exclusive: true,
        called: "5551234".into(),
        calling: "4930123456".into(),
        calling_name: String::new(),
        complete: true,
    };
    let (pc_ringing, ours_ringing, _, _) = libpri_calls_us(&mut h, &setup, Numbering::default());
    command(&mut h, ours_ringing, LineCommand::Alert);
    assert!(h.run_until(WITHIN, |h| pri_has(h, pc_ringing, PriEventKind::Ringing)));

    line_dead(&mut h, true);
    assert!(
        h.run_until(Duration::from_secs(4), |h| both_noticed_loss(h, 0)),
        "loss not noticed: {:?}",
        h.link.pri_events
    );
    assert_eq!(
        h.q931.call_state(ours_active),
        Some(CallState::Active),
        "active call kept (T309)"
    );
    assert!(h.q931.poll_timeout().is_some(), "T309 runs");
    assert_eq!(h.hangup_cause(ours_active), None);
    assert!(
        h.run_until(WITHIN, |h| h.hangup_cause(ours_ringing).is_some()
            && pri_has(h, pc_ringing, PriEventKind::Hangup))
    );
    assert_eq!(h.hangup_cause(ours_ringing), Some(Cause::TEMPORARY_FAILURE));
    assert_eq!(
        pri_event(&h, pc_ringing, PriEventKind::Hangup).cause,
        Some(27),
        "libpri: destination out of order"
    );
    assert!(!pri_has(&h, pc_active, PriEventKind::Hangup));
    assert_eq!(h.q931.channel_status(2), ChannelStatus::Idle);

    line_dead(&mut h, false);
    let healed_at = h.now_ms();
    let ups = h.pri_events_of(PriEventKind::DchanUp).len();
    assert!(
        h.run_until(Duration::from_secs(4), |h| both_back(h, ups)),
        "no recovery: {:?}",
        h.link.ours.state()
    );
    assert!(
        h.run_until(WITHIN, |h| status_after_reestablishment(h, healed_at)
            == (true, true)),
        "STATUS after re-establishment (ours, libpri's): {:?}",
        status_after_reestablishment(&h, healed_at)
    );
    h.run_for(Duration::from_millis(300));
    assert_eq!(h.q931.call_state(ours_active), Some(CallState::Active));
    assert!(
        !pri_has(&h, pc_active, PriEventKind::Hangup),
        "libpri kept the call: {:?}",
        pri_of(&h, pc_active)
    );
    assert_eq!(h.link.pri.call_records(), Some(1));

    h.link.pri.hangup(pc_active.call, 16).unwrap();
    assert!(
        h.run_until(WITHIN, all_idle),
        "{:?} {}",
        h.events,
        h.link.pri.info()
    );
    assert_eq!(h.hangup_cause(ours_active), Some(Cause::NORMAL_CLEARING));
    assert_clean(&h);
}

#[test]
fn calls_survive_layer2_loss_our_te() {
    calls_survive_layer2_loss(Role::User);
}

#[test]
fn calls_survive_layer2_loss_our_nt() {
    calls_survive_layer2_loss(Role::Network);
}

/// The line stays dead past T309 (1 s on both ends here): both sides clear the active
/// call with cause 27 without a message, and once the line heals everything is idle and
/// the channel carries a new call.
fn t309_clears_active_calls(role: Role) {
    let _g = isdn_conformance::libpri_lock();
    let mut h = up_fast_l2(role, 1_000);
    let (pc, ours) = active_call_from_libpri(&mut h, 7);
    line_dead(&mut h, true);
    assert!(
        h.run_until(Duration::from_secs(4), |h| both_noticed_loss(h, 0)),
        "loss not noticed"
    );
    let lost_at = h.now_ms();
    assert!(
        h.run_until(Duration::from_secs(3), |h| h.hangup_cause(ours).is_some()
            && pri_has(h, pc, PriEventKind::Hangup)),
        "T309: ours {:?}, libpri {:?}",
        h.events,
        pri_of(&h, pc)
    );
    assert!(h.now_ms() >= lost_at + 500, "cleared by T309, not at once");
    assert_eq!(h.hangup_cause(ours), Some(Cause(27)));
    assert_eq!(pri_event(&h, pc, PriEventKind::Hangup).cause, Some(27));

    line_dead(&mut h, false);
    let ups = h.pri_events_of(PriEventKind::DchanUp).len();
    assert!(
        h.run_until(Duration::from_secs(4), |h| both_back(h, ups)),
        "no recovery"
    );
    assert!(h.run_until(WITHIN, all_idle), "{}", h.link.pri.info());
    active_call_from_libpri(&mut h, 7);
    assert_clean(&h);
}

#[test]
fn t309_clears_active_calls_our_te() {
    t309_clears_active_calls(Role::User);
}

#[test]
fn t309_clears_active_calls_our_nt() {
    t309_clears_active_calls(Role::Network);
}

/// Layer 1 lost on our side for half a second (LOS: we release the data link at once;
/// libpri only sees a silent line and recovers when our SABME arrives, without telling
/// its layer 3: Q.921 gives no indication when no I frame was lost). The active call
/// survives on both sides. The call still ringing we clear internally (§5.8.9); libpri
/// keeps it until its application gives up, and its DISCONNECT then meets our RELEASE
/// COMPLETE cause 81 (§5.8.3.2 a).
fn physical_loss_with_call_up(role: Role) {
    let _g = isdn_conformance::libpri_lock();
    let mut h = up_fast_l2(role, 10_000);
    let (pc, ours) = active_call_from_libpri(&mut h, 9);
    let setup = CallSetup {
        channel: 10,
        exclusive: true,
        called: "5551234".into(),
        calling: "4930123456".into(),
        calling_name: String::new(),
        complete: true,
    };
    let (pc_ringing, ours_ringing, _, _) = libpri_calls_us(&mut h, &setup, Numbering::default());
    command(&mut h, ours_ringing, LineCommand::Alert);
    assert!(h.run_until(WITHIN, |h| pri_has(h, pc_ringing, PriEventKind::Ringing)));

    let now = h.now_ms();
    h.link.ours.physical_down(now);
    line_dead(&mut h, true);
    assert!(h.run_until(WITHIN, |h| !h.q931.is_link_up()));
    h.run_for(Duration::from_millis(500));
    assert_eq!(h.q931.call_state(ours), Some(CallState::Active));
    assert_eq!(h.hangup_cause(ours_ringing), Some(Cause::TEMPORARY_FAILURE));
    assert_eq!(
        h.pri_events_of(PriEventKind::DchanDown).len(),
        0,
        "libpri did not notice"
    );

    line_dead(&mut h, false);
    let back_at = h.now_ms();
    h.link.ours.physical_up(back_at);
    assert!(
        h.run_until(WITHIN, |h| h.q931.is_link_up()),
        "no re-establishment: {:?}",
        h.link.ours.state()
    );
    assert!(
        h.run_until(WITHIN, |h| status_after_reestablishment(h, back_at).0),
        "our STATUS after re-establishment: {:?}",
        h.sent
    );
    h.run_for(Duration::from_millis(300));
    assert_eq!(
        h.pri_events_of(PriEventKind::DchanDown).len(),
        0,
        "libpri's layer 3 never heard of it"
    );
    assert_eq!(h.q931.call_state(ours), Some(CallState::Active));
    assert!(
        !pri_has(&h, pc, PriEventKind::Hangup),
        "{:?}",
        pri_of(&h, pc)
    );
    assert_eq!(
        h.link.pri.call_records(),
        Some(2),
        "libpri still has the ringing call"
    );

    h.link.pri.hangup(pc_ringing.call, 16).unwrap();
    assert!(
        h.run_until(WITHIN, |h| h.link.pri.call_records() == Some(1)),
        "{:?}",
        pri_of(&h, pc_ringing)
    );
    let answers: Vec<_> = h
        .complaints()
        .into_iter()
        .map(|(d, m)| (d, m.kind, m.ies.cause.map(|c| c.value.0)))
        .collect();
    assert_eq!(
        answers,
        vec![(Dir::OursToPri, MessageType::ReleaseComplete, Some(81))]
    );

    command(
        &mut h,
        ours,
        LineCommand::Hangup {
            cause: Cause::NORMAL_CLEARING,
        },
    );
    assert!(h.run_until(WITHIN, all_idle), "{}", h.link.pri.info());
}

#[test]
fn physical_loss_with_call_up_our_te() {
    physical_loss_with_call_up(Role::User);
}

#[test]
fn physical_loss_with_call_up_our_nt() {
    physical_loss_with_call_up(Role::Network);
}

// ---- 6. overlap dialling --------------------------------------------------------------

fn overlap_config(role: Role) -> Config {
    Config {
        overlap: true,
        ..Config::for_role(q931_role(role))
    }
}

/// libpri dials "55" and then "51234" digit by digit (libpri's INFORMATION never carries
/// Sending complete); we acknowledge the SETUP, collect the digits, and once the number
/// is long enough alert and answer.
fn overlap_from_libpri(role: Role) {
    let _g = isdn_conformance::libpri_lock();
    let mut h = up(role, Some(overlap_config(role)));
    h.link.pri.set_overlap_dial(true);
    let setup = CallSetup {
        channel: 12,
        exclusive: true,
        called: "55".into(),
        calling: "4930123456".into(),
        calling_name: String::new(),
        complete: false,
    };
    let (pc, ours, ch, ev) = libpri_calls_us(&mut h, &setup, Numbering::default());
    assert_eq!(ch, Some(12));
    assert!(
        matches!(&ev, LineEvent::IncomingCall { called: Some(n), .. } if *n == number("55")),
        "{ev:?}"
    );
    let overlap = match role {
        Role::User => CallState::OverlapReceiving,
        Role::Network => CallState::OverlapSending,
    };
    assert_eq!(h.q931.call_state(ours), Some(overlap));
    assert!(
        h.run_until(WITHIN, |h| pri_has(h, pc, PriEventKind::SetupAck)),
        "{:?}",
        h.link.pri_events
    );
    assert_eq!(
        pri_event(&h, pc, PriEventKind::SetupAck).b_channel(),
        Some(12)
    );

    h.link
        .pri
        .information(pc.call, "51234")
        .expect("pri_information");
    let digits = |h: &CallHarness| -> String {
        h.events_of(ours)
            .into_iter()
            .filter_map(|e| {
                if let LineEvent::Digit { digit } = e {
                    Some(digit)
                } else {
                    None
                }
            })
            .collect()
    };
    assert!(
        h.run_until(WITHIN, |h| digits(h) == "51234"),
        "digits: {:?}",
        digits(&h)
    );
    assert_eq!(
        h.q931.call_state(ours),
        Some(overlap),
        "no Sending complete yet"
    );

    command(&mut h, ours, LineCommand::Alert);
    command(&mut h, ours, LineCommand::Answer);
    assert!(
        h.run_until(WITHIN, |h| pri_has(h, pc, PriEventKind::Answer)
            && h.q931.call_state(ours) == Some(CallState::Active)),
        "{:?}",
        h.link.pri_events
    );
    assert!(pri_has(&h, pc, PriEventKind::Ringing));
    h.link.pri.hangup(pc.call, 16).unwrap();
    assert!(h.run_until(WITHIN, all_idle));
    use MessageType::*;
    let (sent, received) = flow(&h);
    assert_eq!(sent, vec![SetupAcknowledge, Alerting, Connect, Release]);
    assert_eq!(
        received,
        vec![
            Setup,
            Information,
            Information,
            Information,
            Information,
            Information,
            ConnectAcknowledge,
            Disconnect,
            ReleaseComplete
        ]
    );
    let setup = &h.received[0].1;
    assert!(
        !setup.ies.sending_complete,
        "libpri left Sending complete out"
    );
    assert_clean(&h);
}

#[test]
fn overlap_from_libpri_nt_to_our_te() {
    overlap_from_libpri(Role::User);
}

#[test]
fn overlap_from_libpri_cpe_to_our_nt() {
    overlap_from_libpri(Role::Network);
}

/// We dial "55" without Sending complete, give "5" before libpri's SETUP ACKNOWLEDGE
/// (held, then sent) and "1234" with Sending complete after it; libpri collects the
/// digits and completes the call.
fn overlap_to_libpri(role: Role) {
    let _g = isdn_conformance::libpri_lock();
    let mut h = up(role, Some(overlap_config(role)));
    let out = OutgoingCall {
        calling: Some(number("4930123456")),
        called: Some(number("55")),
        channel: None,
        sending_complete: false,
    };
    let now = h.now_ms();
    let ours = h.q931.call_out(now, out).expect("call_out");
    h.q931
        .information(now, ours, "5", false)
        .expect("digits before SETUP ACK are held");
    assert!(h.run_until(WITHIN, |h| !h.pri_events_of(PriEventKind::Ring).is_empty()));
    let ring = h.pri_events_of(PriEventKind::Ring)[0].clone();
    assert_eq!(
        (ring.called_number.as_deref(), ring.complete),
        (Some("55"), Some(false))
    );
    let pc = ring_call(&h, &ring);
    let ch = ring.b_channel().expect("a channel");

    h.link
        .pri
        .need_more_info(pc.call, ch)
        .expect("pri_need_more_info");
    let overlap = match role {
        Role::User => CallState::OverlapSending,
        Role::Network => CallState::OverlapReceiving,
    };
    assert!(
        h.run_until(WITHIN, |h| h.q931.call_state(ours) == Some(overlap)),
        "{:?}",
        h.q931.call_state(ours)
    );
    assert!(h.run_until(WITHIN, |h| !h
        .pri_events_of(PriEventKind::InfoReceived)
        .is_empty()));
    let now = h.now_ms();
    h.q931
        .information(now, ours, "1234", true)
        .expect("information");
    assert!(h.run_until(WITHIN, |h| h
        .pri_events_of(PriEventKind::InfoReceived)
        .len()
        == 2));
    let infos: Vec<(Option<String>, Option<bool>)> = h
        .pri_events_of(PriEventKind::InfoReceived)
        .iter()
        .map(|e| (e.called_number.clone(), e.complete))
        .collect();
    assert_eq!(
        infos,
        vec![
            (Some("5".into()), Some(false)),
            (Some("1234".into()), Some(true))
        ]
    );

    h.link.pri.proceeding(pc.call, ch, false).unwrap();
    h.link.pri.acknowledge(pc.call, ch, true).unwrap();
    h.link.pri.answer(pc.call, ch).unwrap();
    assert!(h.run_until(WITHIN, |h| h.q931.call_state(ours)
        == Some(CallState::Active)));
    assert_eq!(
        h.events_of(ours),
        vec![
            LineEvent::Progress,
            LineEvent::Alerting,
            LineEvent::Answered
        ]
    );
    command(
        &mut h,
        ours,
        LineCommand::Hangup {
            cause: Cause::NORMAL_CLEARING,
        },
    );
    assert!(h.run_until(WITHIN, all_idle));
    use MessageType::*;
    let (sent, received) = flow(&h);
    assert_eq!(
        sent,
        vec![
            Setup,
            Information,
            Information,
            ConnectAcknowledge,
            Disconnect,
            ReleaseComplete
        ]
    );
    assert_eq!(
        received,
        vec![SetupAcknowledge, CallProceeding, Alerting, Connect, Release]
    );
    assert_clean(&h);
}

#[test]
fn overlap_from_our_te_to_libpri_nt() {
    overlap_to_libpri(Role::User);
}

#[test]
fn overlap_from_our_nt_to_libpri_cpe() {
    overlap_to_libpri(Role::Network);
}

// ---- rejection: libpri refuses our calls ------------------------------------------------

/// libpri's application refuses three of our calls: user busy (17) after CALL
/// PROCEEDING (DISCONNECT), no circuit (34) at once (libpri's legacy answer is a bare
/// RELEASE COMPLETE), and user busy at once, which libpri swallows (its q931_disconnect
/// sends nothing for a call it has not yet answered). The last one our T303 (shortened)
/// resolves: SETUP repeated once, then RELEASE COMPLETE cause 102, and libpri clears too.
fn libpri_rejects_our_calls(role: Role) {
    let _g = isdn_conformance::libpri_lock();
    let mut config = Config::for_role(q931_role(role));
    config.timers.t303_ms = 300;
    let mut h = up(role, Some(config));
    let out = OutgoingCall {
        calling: None,
        called: Some(number("5551234")),
        channel: None,
        sending_complete: true,
    };
    use MessageType::*;

    let (ours, ring) = we_call_libpri(&mut h, out.clone());
    let pc = ring_call(&h, &ring);
    h.link
        .pri
        .proceeding(pc.call, ring.b_channel().unwrap_or(0), false)
        .unwrap();
    h.link.pri.hangup(pc.call, 17).unwrap();
    assert!(
        h.run_until(WITHIN, all_idle),
        "{:?}, {}",
        h.events,
        h.link.pri.info()
    );
    assert_eq!(
        h.events_of(ours),
        vec![
            LineEvent::Progress,
            LineEvent::Hangup {
                cause: Cause::USER_BUSY
            }
        ]
    );
    assert_eq!(
        flow(&h),
        (
            vec![Setup, Release],
            vec![CallProceeding, Disconnect, ReleaseComplete]
        )
    );
    clear_flow(&mut h);

    let (ours, ring) = we_call_libpri(&mut h, out.clone());
    h.link
        .pri
        .hangup(ring.call.expect("RING names its call"), 34)
        .unwrap();
    assert!(
        h.run_until(WITHIN, all_idle),
        "{:?}, {}",
        h.events,
        h.link.pri.info()
    );
    assert_eq!(h.hangup_cause(ours), Some(Cause::NO_CIRCUIT_AVAILABLE));
    assert_eq!(flow(&h), (vec![Setup], vec![ReleaseComplete]));
    assert_clean(&h);
    clear_flow(&mut h);

    let (ours, ring) = we_call_libpri(&mut h, out);
    h.link
        .pri
        .hangup(ring.call.expect("RING names its call"), 17)
        .unwrap();
    assert!(
        h.run_until(WITHIN, all_idle),
        "{:?}, {}",
        h.events,
        h.link.pri.info()
    );
    let gave_up = match role {
        Role::User => Cause::RECOVERY_ON_TIMER_EXPIRY,
        Role::Network => Cause::NO_USER_RESPONDING,
    };
    assert_eq!(h.hangup_cause(ours), Some(gave_up));
    assert_eq!(flow(&h), (vec![Setup, Setup, ReleaseComplete], vec![]));
}

#[test]
fn libpri_nt_rejects_calls_from_our_te() {
    libpri_rejects_our_calls(Role::User);
}

#[test]
fn libpri_cpe_rejects_calls_from_our_nt() {
    libpri_rejects_our_calls(Role::Network);
}

// ---- numbering plan -------------------------------------------------------------------

/// With national prefix 0 and international prefix 00, our numbers cross as national and
/// international types without their prefixes, and libpri's come back with them.
#[test]
fn prefixes_become_types_of_number_both_ways_with_libpri() {
    let _g = isdn_conformance::libpri_lock();
    let mut config = Config::for_role(Q931Role::User);
    config.numbering = isdn::q931::Numbering {
        national_prefix: "0".into(),
        international_prefix: "00".into(),
    };
    let mut h = up(Role::User, Some(config));

    let out = OutgoingCall {
        calling: Some(number("0201234")),
        called: Some(number("00442071234567")),
        channel: None,
        sending_complete: true,
    };
    let (ours, ring) = we_call_libpri(&mut h, out);
    let pc = ring_call(&h, &ring);
    let ch = h.q931.call_channel(ours).expect("our channel");
    assert_eq!(ring.calling_number.as_deref(), Some("201234"));
    assert_eq!(ring.calling_plan, Some(ffi::PRI_NATIONAL_ISDN));
    assert_eq!(ring.called_number.as_deref(), Some("442071234567"));
    assert_eq!(ring.called_plan, Some(ffi::PRI_INTERNATIONAL_ISDN));
    // libpri sends nothing for a call its application drops before proceeding.
    h.link
        .pri
        .proceeding(pc.call, i32::from(ch), false)
        .unwrap();
    h.link.pri.hangup(pc.call, 16).unwrap();
    assert!(
        h.run_until(WITHIN, all_idle),
        "first call cleared: ours {:?}, libpri records {:?}, events {:?}",
        h.q931.calls().collect::<Vec<_>>(),
        h.link.pri.call_records(),
        h.events
    );

    let setup = CallSetup {
        channel: 7,
        exclusive: true,
        called: "5551234".into(),
        calling: "201234".into(),
        calling_name: String::new(),
        complete: true,
    };
    let plan = Numbering {
        calling_plan: ffi::PRI_NATIONAL_ISDN,
        calling_pres: ffi::PRES_ALLOWED_USER_NUMBER_NOT_SCREENED,
        called_plan: ffi::PRI_UNKNOWN,
    };
    let (_pc, _ours, _ch, event) = libpri_calls_us(&mut h, &setup, plan);
    match event {
        LineEvent::IncomingCall {
            calling, called, ..
        } => {
            assert_eq!(
                calling,
                Some(number("0201234")),
                "the national prefix is put back for calling back"
            );
            assert_eq!(
                called,
                Some(number("5551234")),
                "the DDI stays as sent: routes match on it"
            );
        }
        other => panic!("expected an incoming call, got {other:?}"),
    }
}
