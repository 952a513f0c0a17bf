//! Q.931 §5.8: malformed and unexpected messages are answered with the right cause, and
//! each one is reported (`poll_protocol_error`) with what was received and answered.

mod q931_support;

use isdn::q931::{
    CallHandle, CallState, Config, Message, MessageType, OutgoingCall, ProtocolError, Role,
    MAX_QUEUED_PROTOCOL_ERRORS, Q931,
};
use line_boundary::{Cause, LineCommand, LineEvent};
use q931_support::*;
use MessageType::*;

fn user() -> Q931 {
    Q931::new(Role::User, Config::for_role(Role::User))
}

/// A user stack with an incoming call (CR 1 from the network) in U9.
fn user_with_call() -> (Q931, CallHandle) {
    let mut u = user();
    u.handle_message(0, &raw(1, false, 0x05, &setup_ies(3, true)));
    let out = drain(&mut u);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, CallProceeding);
    let h = drain_events(&mut u)[0].0;
    assert_eq!(u.call_state(h), Some(CallState::IncomingCallProceeding));
    assert!(reports(&mut u).is_empty());
    assert_eq!(u.protocol_errors(), 0);
    (u, h)
}

/// The one protocol error a stack reported.
fn only_error(stack: &mut Q931) -> ProtocolError {
    let mut errors = drain_errors(stack);
    assert_eq!(
        errors.len(),
        1,
        "expected one protocol error, got {errors:?}"
    );
    errors.remove(0)
}

/// The one protocol error a stack reported, as a [`Report`].
fn only_report(stack: &mut Q931) -> Report {
    report_of(&only_error(stack))
}

/// A §5.8 answer: call reference, received, our reply, our cause and diagnostics.
fn answered(
    cr: Option<u16>,
    received: MessageType,
    reply: MessageType,
    cause: u8,
    diag: &[u8],
) -> Report {
    (cr, Some(received), Some(reply), Some(cause), diag.to_vec())
}

/// A message ignored (not answered).
fn ignored(cr: Option<u16>, received: MessageType) -> Report {
    (cr, Some(received), None, None, vec![])
}

fn only(out: Vec<Message>) -> Message {
    assert_eq!(out.len(), 1, "expected one message, got {out:?}");
    out.into_iter().next().unwrap()
}

fn status(m: &Message) -> (u8, Vec<u8>, u8) {
    assert_eq!(m.kind, Status, "{m:?}");
    let (c, d) = cause_of(m).expect("STATUS without cause");
    (c, d, m.ies.call_state.expect("STATUS without call state").0)
}

#[test]
fn too_short_bad_discriminator_and_bad_call_reference_are_ignored() {
    let (mut u, h) = user_with_call();
    // Each is reported with what could be read of it: call reference, message type and
    // the offending octet.
    let unreadable = |cr: Option<u16>, kind: Option<MessageType>, diag: &[u8]| -> Report {
        (cr, kind, None, None, diag.to_vec())
    };
    let cases: [(&[u8], Report); 8] = [
        (&[], unreadable(None, None, &[])),
        (&[0x08], unreadable(None, None, &[])),
        (&[0x08, 0x02, 0x00], unreadable(None, None, &[])),
        // No message type (§5.8.2).
        (&[0x08, 0x02, 0x00, 0x01], unreadable(Some(1), None, &[])),
        // Protocol discriminator (§5.8.1).
        (
            &[0x09, 0x02, 0x00, 0x01, 0x45],
            unreadable(None, None, &[0x09]),
        ),
        // Call reference too long (§5.8.3.1).
        (
            &[0x08, 0x03, 0x00, 0x00, 0x01, 0x45],
            unreadable(None, None, &[0x03]),
        ),
        // Bits 5-8 of the length octet set.
        (
            &[0x08, 0x22, 0x00, 0x01, 0x45],
            unreadable(None, None, &[0x22]),
        ),
        // Dummy call reference.
        (&[0x08, 0x00, 0x45], unreadable(None, Some(Disconnect), &[])),
    ];
    for (n, (bytes, expected)) in cases.into_iter().enumerate() {
        u.handle_message(1, bytes);
        assert!(drain(&mut u).is_empty(), "answered {bytes:02x?}");
        let e = only_error(&mut u);
        assert_eq!(report_of(&e), expected, "{bytes:02x?}");
        assert_eq!(e.state, None);
        assert_eq!(u.protocol_errors(), n as u64 + 1);
    }
    assert_eq!(u.call_state(h), Some(CallState::IncomingCallProceeding));
    assert!(drain_events(&mut u).is_empty());
}

#[test]
fn unknown_call_reference_is_released_with_cause_81() {
    let mut u = user();
    // §5.8.3.2 a): ALERTING for a call we do not have.
    u.handle_message(0, &raw(9, true, 0x01, &[]));
    let m = only(drain(&mut u));
    assert_eq!(m.kind, ReleaseComplete);
    assert_eq!(m.call_ref.value, 9);
    assert!(!m.call_ref.to_originator);
    assert_eq!(cause_of(&m), Some((81, vec![])));
    let e = only_error(&mut u);
    assert_eq!(
        report_of(&e),
        answered(Some(9), Alerting, ReleaseComplete, 81, &[])
    );
    assert_eq!((e.state, e.peer_cause), (None, None));
    assert_eq!(
        e.to_string(),
        "CR 9 ALERTING: unknown call reference; answered RELEASE COMPLETE, \
         cause 81 (invalid call reference value)"
    );
    // b): RELEASE.
    u.handle_message(0, &raw(9, false, 0x4D, &[0x08, 0x02, 0x80, 0x90]));
    let m = only(drain(&mut u));
    assert_eq!(
        (m.kind, cause_of(&m)),
        (ReleaseComplete, Some((81, vec![])))
    );
    let e = only_error(&mut u);
    assert_eq!(
        report_of(&e),
        answered(Some(9), Release, ReleaseComplete, 81, &[])
    );
    assert_eq!(e.peer_cause, Some(Cause::NORMAL_CLEARING));
    // c): RELEASE COMPLETE: nothing sent, but reported.
    u.handle_message(0, &raw(9, false, 0x5A, &[]));
    assert!(drain(&mut u).is_empty());
    assert_eq!(only_report(&mut u), ignored(Some(9), ReleaseComplete));
    // e): SETUP with the flag set: ignored.
    u.handle_message(0, &raw(9, true, 0x05, &setup_ies(3, true)));
    assert!(drain(&mut u).is_empty());
    assert_eq!(u.calls().count(), 0);
    assert_eq!(only_report(&mut u), ignored(Some(9), Setup));
    // STATUS ENQUIRY: STATUS, state 0, cause 30. A normal procedure: not an error.
    u.handle_message(0, &raw(9, false, 0x75, &[]));
    assert_eq!(status(&only(drain(&mut u))), (30, vec![], 0));
    assert!(reports(&mut u).is_empty());
    // STATUS reporting a call we do not know: RELEASE COMPLETE 101; reporting Null: nothing.
    u.handle_message(
        0,
        &raw(9, false, 0x7D, &[0x08, 0x02, 0x80, 0x9E, 0x14, 0x01, 0x0A]),
    );
    let m = only(drain(&mut u));
    assert_eq!(
        (m.kind, cause_of(&m)),
        (ReleaseComplete, Some((101, vec![])))
    );
    let e = only_error(&mut u);
    assert_eq!(
        report_of(&e),
        answered(Some(9), Status, ReleaseComplete, 101, &[])
    );
    assert_eq!(e.peer_cause, Some(Cause(30)));
    u.handle_message(
        0,
        &raw(9, false, 0x7D, &[0x08, 0x02, 0x80, 0x9E, 0x14, 0x01, 0x00]),
    );
    assert!(drain(&mut u).is_empty());
    assert!(reports(&mut u).is_empty());
    // STATUS without a call state: not answered, reported.
    u.handle_message(0, &raw(9, false, 0x7D, &[0x08, 0x02, 0x80, 0x9E]));
    assert!(drain(&mut u).is_empty());
    assert_eq!(only_report(&mut u), ignored(Some(9), Status));
    assert_eq!(u.protocol_errors(), 6);
}

#[test]
fn setup_for_an_existing_call_reference_is_ignored() {
    let (mut u, _) = user_with_call();
    u.handle_message(1, &raw(1, false, 0x05, &setup_ies(4, true)));
    assert!(drain(&mut u).is_empty());
    assert_eq!(u.calls().count(), 1);
    let e = only_error(&mut u);
    assert_eq!(report_of(&e), ignored(Some(1), Setup));
    assert_eq!(e.state, Some(CallState::IncomingCallProceeding));
}

#[test]
fn global_call_reference_misuse_gets_status_81() {
    let mut u = user();
    u.handle_message(0, &raw(0, false, 0x75, &[])); // STATUS ENQUIRY on the global CR
    let m = only(drain(&mut u));
    assert_eq!(m.call_ref.value, 0);
    assert_eq!(status(&m), (81, vec![], 0));
    // The global call reference is reported as no call reference.
    assert_eq!(
        only_report(&mut u),
        answered(None, StatusEnquiry, Status, 81, &[])
    );
    u.handle_message(0, &raw(0, false, 0x05, &setup_ies(3, true)));
    assert_eq!(status(&only(drain(&mut u))).0, 81);
    assert_eq!(only_report(&mut u), answered(None, Setup, Status, 81, &[]));
    // STATUS on the global CR: nothing sent; reported with the far end's cause.
    u.handle_message(
        0,
        &raw(0, false, 0x7D, &[0x08, 0x02, 0x80, 0xE4, 0x14, 0x01, 0x00]),
    );
    assert!(drain(&mut u).is_empty());
    let e = only_error(&mut u);
    assert_eq!(report_of(&e), ignored(None, Status));
    assert_eq!(e.peer_cause, Some(Cause(100)));
    // RESTART ACKNOWLEDGE for a RESTART we did not send.
    u.handle_message(0, &raw(0, true, 0x4E, &[0x79, 0x01, 0x87]));
    assert!(drain(&mut u).is_empty());
    assert_eq!(only_report(&mut u), ignored(None, RestartAcknowledge));
}

#[test]
fn unexpected_message_gets_status_101_and_no_state_change() {
    let (mut u, h) = user_with_call();
    // CALL PROCEEDING from the side that sent the SETUP.
    u.handle_message(1, &raw(1, false, 0x02, &[]));
    assert_eq!(status(&only(drain(&mut u))), (101, vec![0x02], 9));
    let e = only_error(&mut u);
    assert_eq!(
        report_of(&e),
        answered(Some(1), CallProceeding, Status, 101, &[0x02])
    );
    assert_eq!(e.state, Some(CallState::IncomingCallProceeding));
    // CONNECT ACKNOWLEDGE before we sent CONNECT.
    u.handle_message(1, &raw(1, false, 0x0F, &[]));
    assert_eq!(status(&only(drain(&mut u))), (101, vec![0x0F], 9));
    assert_eq!(
        only_report(&mut u),
        answered(Some(1), ConnectAcknowledge, Status, 101, &[0x0F])
    );
    assert_eq!(u.call_state(h), Some(CallState::IncomingCallProceeding));
    assert_eq!(u.protocol_errors(), 2);
}

#[test]
fn unrecognized_message_type_gets_status_97() {
    let (mut u, h) = user_with_call();
    u.handle_message(1, &raw(1, false, 0x3F, &[]));
    assert_eq!(status(&only(drain(&mut u))), (97, vec![0x3F], 9));
    let e = only_error(&mut u);
    assert_eq!(
        report_of(&e),
        answered(Some(1), Other(0x3F), Status, 97, &[0x3F])
    );
    assert_eq!(e.state, Some(CallState::IncomingCallProceeding));
    assert_eq!(
        e.to_string(),
        "CR 1 message type 0x3f in state 9 (incoming call proceeding): unrecognized \
         message type; answered STATUS, cause 97 (message type non-existent or not \
         implemented), diagnostic 3f"
    );
    assert_eq!(u.call_state(h), Some(CallState::IncomingCallProceeding));
}

#[test]
fn setup_with_mandatory_element_missing_or_broken_is_refused() {
    let mut u = user();
    // No bearer capability: cause 96, diagnostic the element identifier.
    let ies = [0x18, 0x03, 0xA9, 0x83, 0x83];
    u.handle_message(0, &raw(2, false, 0x05, &ies));
    let m = only(drain(&mut u));
    assert_eq!(
        (m.kind, cause_of(&m)),
        (ReleaseComplete, Some((96, vec![0x04])))
    );
    assert_eq!(
        only_report(&mut u),
        answered(Some(2), Setup, ReleaseComplete, 96, &[0x04])
    );
    // Bearer capability too short: cause 100.
    u.handle_message(
        0,
        &raw(
            3,
            false,
            0x05,
            &[0x04, 0x01, 0x80, 0x18, 0x03, 0xA9, 0x83, 0x83],
        ),
    );
    let m = only(drain(&mut u));
    assert_eq!(
        (m.kind, cause_of(&m)),
        (ReleaseComplete, Some((100, vec![0x04])))
    );
    assert_eq!(
        only_report(&mut u),
        answered(Some(3), Setup, ReleaseComplete, 100, &[0x04])
    );
    // Channel identification with a channel map: cause 100.
    u.handle_message(
        0,
        &raw(
            4,
            false,
            0x05,
            &[0x04, 0x03, 0x80, 0x90, 0xA3, 0x18, 0x03, 0xA9, 0x93, 0x81],
        ),
    );
    let m = only(drain(&mut u));
    assert_eq!(
        (m.kind, cause_of(&m)),
        (ReleaseComplete, Some((100, vec![0x18])))
    );
    assert_eq!(
        only_report(&mut u),
        answered(Some(4), Setup, ReleaseComplete, 100, &[0x18])
    );
    // Unknown comprehension-required element: as if mandatory missing (§5.8.7.1).
    let mut ies = vec![0x01, 0x01, 0x00];
    ies.extend(setup_ies(3, true));
    u.handle_message(0, &raw(5, false, 0x05, &ies));
    let m = only(drain(&mut u));
    assert_eq!(
        (m.kind, cause_of(&m)),
        (ReleaseComplete, Some((96, vec![0x01])))
    );
    assert_eq!(
        only_report(&mut u),
        answered(Some(5), Setup, ReleaseComplete, 96, &[0x01])
    );
    // A data call: bearer not implemented. A service we do not offer, not an error.
    u.handle_message(
        0,
        &raw(
            6,
            false,
            0x05,
            &[0x04, 0x02, 0x88, 0x90, 0x18, 0x03, 0xA9, 0x83, 0x83],
        ),
    );
    let m = only(drain(&mut u));
    assert_eq!(cause_of(&m), Some((65, vec![])));
    assert!(reports(&mut u).is_empty());
    // A channel that does not exist on an E1 PRI, exclusively.
    u.handle_message(0, &raw(7, false, 0x05, &setup_ies(16, true)));
    let m = only(drain(&mut u));
    assert_eq!(cause_of(&m), Some((82, vec![])));
    assert_eq!(
        only_report(&mut u),
        answered(Some(7), Setup, ReleaseComplete, 82, &[])
    );
    assert_eq!(u.calls().count(), 0);
    assert!(drain_events(&mut u).is_empty());
    assert_eq!(u.protocol_errors(), 5);
}

#[test]
fn setup_with_unknown_or_broken_optional_elements_proceeds_and_reports() {
    let mut u = user();
    let mut ies = setup_ies(3, true);
    ies.extend([0x5F, 0x01, 0x00]); // unknown, not comprehension required
    u.handle_message(0, &raw(2, false, 0x05, &ies));
    let out = drain(&mut u);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].kind, CallProceeding);
    assert_eq!(status(&out[1]), (99, vec![0x5F], 9));
    let e = only_error(&mut u);
    assert_eq!(report_of(&e), answered(Some(2), Setup, Status, 99, &[0x5F]));
    assert_eq!(e.state, Some(CallState::IncomingCallProceeding));

    let mut ies = setup_ies(4, true);
    ies.extend([0x6C, 0x03, 0x81, b'1', b'Z']); // calling number with a letter
    u.handle_message(0, &raw(3, false, 0x05, &ies));
    let out = drain(&mut u);
    assert_eq!(out[0].kind, CallProceeding);
    assert_eq!(status(&out[1]), (100, vec![0x6C], 9));
    assert_eq!(
        only_report(&mut u),
        answered(Some(3), Setup, Status, 100, &[0x6C])
    );
    let events = drain_events(&mut u);
    assert!(matches!(
        &events[1].2,
        LineEvent::IncomingCall { calling: None, .. }
    ));
}

#[test]
fn disconnect_without_cause_is_cleared_as_31_and_released_with_96() {
    let (mut u, h) = user_with_call();
    u.handle_message(1, &raw(1, false, 0x45, &[]));
    let m = only(drain(&mut u));
    assert_eq!((m.kind, cause_of(&m)), (Release, Some((96, vec![0x08]))));
    let e = only_error(&mut u);
    assert_eq!(
        report_of(&e),
        answered(Some(1), Disconnect, Release, 96, &[0x08])
    );
    assert_eq!(e.state, Some(CallState::IncomingCallProceeding));
    assert_eq!(
        drain_events(&mut u),
        vec![(
            h,
            Some(3),
            LineEvent::Hangup {
                cause: Cause::NORMAL_UNSPECIFIED
            }
        )]
    );
    assert_eq!(u.call_state(h), Some(CallState::ReleaseRequest));
}

#[test]
fn disconnect_with_broken_cause_is_released_with_100() {
    let (mut u, _) = user_with_call();
    u.handle_message(1, &raw(1, false, 0x45, &[0x08, 0x01, 0x80]));
    let m = only(drain(&mut u));
    assert_eq!((m.kind, cause_of(&m)), (Release, Some((100, vec![0x08]))));
    assert_eq!(
        only_report(&mut u),
        answered(Some(1), Disconnect, Release, 100, &[0x08])
    );
}

#[test]
fn disconnect_with_unknown_element_is_released_with_99() {
    let (mut u, h) = user_with_call();
    u.handle_message(
        1,
        &raw(1, false, 0x45, &[0x08, 0x02, 0x80, 0x90, 0x5F, 0x00]),
    );
    let m = only(drain(&mut u));
    assert_eq!((m.kind, cause_of(&m)), (Release, Some((99, vec![0x5F]))));
    let e = only_error(&mut u);
    assert_eq!(
        report_of(&e),
        answered(Some(1), Disconnect, Release, 99, &[0x5F])
    );
    assert_eq!(e.peer_cause, Some(Cause::NORMAL_CLEARING));
    assert_eq!(
        drain_events(&mut u),
        vec![(
            h,
            Some(3),
            LineEvent::Hangup {
                cause: Cause::NORMAL_CLEARING
            }
        )]
    );
}

#[test]
fn release_as_first_clearing_message_without_cause_gets_96() {
    let (mut u, h) = user_with_call();
    u.handle_message(1, &raw(1, false, 0x4D, &[]));
    let m = only(drain(&mut u));
    assert_eq!(
        (m.kind, cause_of(&m)),
        (ReleaseComplete, Some((96, vec![0x08])))
    );
    let e = only_error(&mut u);
    assert_eq!(
        report_of(&e),
        answered(Some(1), Release, ReleaseComplete, 96, &[0x08])
    );
    assert_eq!(e.state, Some(CallState::IncomingCallProceeding));
    assert_eq!(u.call_state(h), None);
}

#[test]
fn progress_without_progress_indicator_gets_status_96() {
    let mut p = Pair::new();
    let a = p.call_out(Side::User, "1");
    p.shuttle();
    // PROGRESS from the network for our call (CR 1, flag 1 = to the originator).
    assert!(reports(&mut p.user).is_empty());
    p.user.handle_message(0, &raw(1, true, 0x03, &[]));
    assert_eq!(status(&only(drain(&mut p.user))), (96, vec![0x1E], 3));
    let e = only_error(&mut p.user);
    assert_eq!(
        report_of(&e),
        answered(Some(1), Progress, Status, 96, &[0x1E])
    );
    assert_eq!(e.state, Some(CallState::OutgoingCallProceeding));
    p.user
        .handle_message(0, &raw(1, true, 0x03, &[0x1E, 0x01, 0x80]));
    assert_eq!(status(&only(drain(&mut p.user))), (100, vec![0x1E], 3));
    assert_eq!(
        only_report(&mut p.user),
        answered(Some(1), Progress, Status, 100, &[0x1E])
    );
    p.user
        .handle_message(0, &raw(1, true, 0x03, &[0x1E, 0x02, 0x82, 0x88]));
    assert!(drain(&mut p.user).is_empty());
    assert!(reports(&mut p.user).is_empty());
    assert_eq!(
        drain_events(&mut p.user).last().map(|e| e.2.clone()),
        Some(LineEvent::Progress)
    );
    assert_eq!(
        p.user.call_state(a),
        Some(CallState::OutgoingCallProceeding)
    );
}

#[test]
fn status_enquiry_is_answered_with_the_call_state() {
    let mut p = Pair::new();
    let (a, _) = p.active_call(Side::User);
    p.user.handle_message(0, &raw(1, true, 0x75, &[]));
    let m = only(drain(&mut p.user));
    assert_eq!(m.call_ref.value, 1);
    assert!(!m.call_ref.to_originator);
    assert_eq!(status(&m), (30, vec![], 10));
    assert_eq!(p.user.call_state(a), Some(CallState::Active));
    assert_eq!(p.user.protocol_errors(), 0);
}

#[test]
fn status_reporting_null_releases_and_incompatible_state_clears_with_101() {
    let (mut u, h) = user_with_call();
    // The network says it is in N10 while we are in U9 with no CONNECT: compatible
    // (CONNECT may be in flight) ... but N1 (a call the user originated) is not.
    u.handle_message(
        1,
        &raw(1, false, 0x7D, &[0x08, 0x02, 0x80, 0x9E, 0x14, 0x01, 0x01]),
    );
    let m = only(drain(&mut u));
    assert_eq!((m.kind, cause_of(&m)), (Release, Some((101, vec![]))));
    let e = only_error(&mut u);
    assert_eq!(report_of(&e), answered(Some(1), Status, Release, 101, &[]));
    assert_eq!(e.state, Some(CallState::IncomingCallProceeding));
    assert_eq!(e.peer_cause, Some(Cause(30)));
    assert_eq!(u.call_state(h), Some(CallState::ReleaseRequest));
    assert_eq!(
        drain_events(&mut u),
        vec![(h, Some(3), LineEvent::Hangup { cause: Cause(101) })]
    );

    let (mut u, h) = user_with_call();
    u.handle_message(
        1,
        &raw(1, false, 0x7D, &[0x08, 0x02, 0x80, 0x9E, 0x14, 0x01, 0x00]),
    );
    assert!(drain(&mut u).is_empty());
    // Cleared without a message, and reported.
    let e = only_error(&mut u);
    assert_eq!(report_of(&e), ignored(Some(1), Status));
    assert_eq!(e.state, Some(CallState::IncomingCallProceeding));
    assert_eq!(u.call_state(h), None);
    assert_eq!(
        drain_events(&mut u),
        vec![(
            h,
            Some(3),
            LineEvent::Hangup {
                cause: Cause::TEMPORARY_FAILURE
            }
        )]
    );

    // A STATUS missing its mandatory elements is not answered (no STATUS ping-pong).
    let (mut u, h) = user_with_call();
    u.handle_message(1, &raw(1, false, 0x7D, &[]));
    assert!(drain(&mut u).is_empty());
    assert_eq!(only_report(&mut u), ignored(Some(1), Status));
    assert_eq!(u.call_state(h), Some(CallState::IncomingCallProceeding));
    // Nor one without its cause.
    u.handle_message(1, &raw(1, false, 0x7D, &[0x14, 0x01, 0x0A]));
    assert!(drain(&mut u).is_empty());
    assert_eq!(only_report(&mut u), ignored(Some(1), Status));
    // One with a compatible state is normal (a reply to our own STATUS): no error.
    u.handle_message(
        1,
        &raw(1, false, 0x7D, &[0x08, 0x02, 0x80, 0x9E, 0x14, 0x01, 0x0A]),
    );
    assert!(drain(&mut u).is_empty());
    assert!(reports(&mut u).is_empty());
    assert_eq!(u.call_state(h), Some(CallState::IncomingCallProceeding));
}

#[test]
fn restart_errors_get_status_on_the_global_call_reference() {
    let mut u = user();
    // No restart indicator.
    u.handle_message(0, &raw(0, false, 0x46, &[]));
    assert_eq!(status(&only(drain(&mut u))), (96, vec![0x79], 0));
    assert_eq!(
        only_report(&mut u),
        answered(None, Restart, Status, 96, &[0x79])
    );
    // Indicated channel without channel identification.
    u.handle_message(0, &raw(0, false, 0x46, &[0x79, 0x01, 0x80]));
    assert_eq!(status(&only(drain(&mut u))), (96, vec![0x18], 0));
    assert_eq!(
        only_report(&mut u),
        answered(None, Restart, Status, 96, &[0x18])
    );
    // Channel that is not a B-channel.
    u.handle_message(
        0,
        &raw(
            0,
            false,
            0x46,
            &[0x18, 0x03, 0xA9, 0x83, 0x90, 0x79, 0x01, 0x80],
        ),
    );
    assert_eq!(status(&only(drain(&mut u))).0, 82);
    assert_eq!(
        only_report(&mut u),
        answered(None, Restart, Status, 82, &[])
    );
    // Broken channel identification.
    u.handle_message(
        0,
        &raw(0, false, 0x46, &[0x18, 0x01, 0xA9, 0x79, 0x01, 0x80]),
    );
    assert_eq!(status(&only(drain(&mut u))), (100, vec![0x18], 0));
    assert_eq!(
        only_report(&mut u),
        answered(None, Restart, Status, 100, &[0x18])
    );
    // Reserved class.
    u.handle_message(0, &raw(0, false, 0x46, &[0x79, 0x01, 0x83]));
    assert_eq!(status(&only(drain(&mut u))), (100, vec![0x79], 0));
    assert_eq!(
        only_report(&mut u),
        answered(None, Restart, Status, 100, &[0x79])
    );
    // A good one is acknowledged with the same elements.
    u.handle_message(
        0,
        &raw(
            0,
            false,
            0x46,
            &[0x18, 0x03, 0xA9, 0x83, 0x85, 0x79, 0x01, 0x80],
        ),
    );
    let m = only(drain(&mut u));
    assert_eq!(m.kind, RestartAcknowledge);
    assert!(m.call_ref.to_originator && m.call_ref.value == 0);
    assert_eq!(m.ies.channel_id.and_then(|c| c.channel()), Some(5));
    assert!(reports(&mut u).is_empty());
    assert_eq!(u.protocol_errors(), 5);
}

/// CALL PROCEEDING (or another first response) from the network for our call CR 1,
/// naming B-channel `ch` exclusively.
fn response_naming(kind: u8, ch: u8) -> Vec<u8> {
    raw(1, true, kind, &[0x18, 0x03, 0xA9, 0x83, 0x80 | ch])
}

/// A user stack (link up) with an outgoing call on channel 5, SETUP sent.
fn user_calling(exclusive: bool) -> (Q931, CallHandle) {
    let mut config = Config::for_role(Role::User);
    config.exclusive = exclusive;
    let mut u = Q931::new(Role::User, config);
    u.handle_link(0, true);
    let h = u
        .call_out(
            0,
            OutgoingCall {
                channel: Some(5),
                sending_complete: true,
                ..OutgoingCall::default()
            },
        )
        .expect("call out");
    assert_eq!(only(drain(&mut u)).kind, Setup);
    (u, h)
}

#[test]
fn first_response_naming_an_unusable_channel_is_cleared_and_reported() {
    // A channel that is not one of ours: DISCONNECT 82.
    let (mut u, h) = user_calling(false);
    u.handle_message(1, &response_naming(0x02, 16));
    let m = only(drain(&mut u));
    assert_eq!((m.kind, cause_of(&m)), (Disconnect, Some((82, vec![]))));
    let e = only_error(&mut u);
    assert_eq!(
        report_of(&e),
        answered(Some(1), CallProceeding, Disconnect, 82, &[])
    );
    assert_eq!(e.state, Some(CallState::CallInitiated));
    assert_eq!(u.call_state(h), Some(CallState::DisconnectRequest));

    // Another channel than the one we asked for exclusively: DISCONNECT 6.
    let (mut u, _) = user_calling(true);
    u.handle_message(1, &response_naming(0x01, 6));
    let m = only(drain(&mut u));
    assert_eq!((m.kind, cause_of(&m)), (Disconnect, Some((6, vec![]))));
    assert_eq!(
        only_report(&mut u),
        answered(Some(1), Alerting, Disconnect, 6, &[])
    );

    // The channel we asked for (preferred) is what the network names: all is well.
    let (mut u, h) = user_calling(false);
    u.handle_message(1, &response_naming(0x02, 5));
    assert!(drain(&mut u).is_empty());
    assert!(reports(&mut u).is_empty());
    assert_eq!(u.call_state(h), Some(CallState::OutgoingCallProceeding));
    assert_eq!(u.protocol_errors(), 0);
}

#[test]
fn a_correct_exchange_reports_no_protocol_error() {
    let mut p = Pair::new();
    // A call each way, alerted, answered.
    let (a, b) = p.active_call(Side::User);
    let c = p.call_out(Side::Net, "200");
    p.shuttle();
    let d = p.incoming(Side::User);
    p.user
        .handle_command(p.now, Some(d), LineCommand::Alert)
        .unwrap();
    p.user
        .handle_command(p.now, Some(d), LineCommand::Answer)
        .unwrap();
    p.shuttle();
    assert_eq!(p.net.call_state(c), Some(CallState::Active));
    // The link drops and comes back: STATUS 31 for the active calls, states agree.
    p.user.handle_link(p.now + 1_000, false);
    p.user.handle_link(p.now + 2_000, true);
    p.shuttle();
    assert_eq!(p.sent(Side::User).last(), Some(&Status));
    // A STATUS ENQUIRY is answered; the answer is a normal STATUS.
    p.user.handle_message(p.now, &raw(1, true, 0x75, &[]));
    let answer = p.user.poll_transmit().expect("STATUS");
    p.net.handle_message(p.now, &answer);
    assert!(p.net.poll_transmit().is_none());
    // Both clear at once (clear collision), then the other call clears normally.
    p.user
        .handle_command(
            p.now,
            Some(a),
            LineCommand::Hangup {
                cause: Cause::NORMAL_CLEARING,
            },
        )
        .unwrap();
    p.net
        .handle_command(
            p.now,
            Some(b),
            LineCommand::Hangup {
                cause: Cause::NORMAL_CLEARING,
            },
        )
        .unwrap();
    p.shuttle();
    p.net
        .handle_command(
            p.now,
            Some(c),
            LineCommand::Hangup {
                cause: Cause::NORMAL_CLEARING,
            },
        )
        .unwrap();
    p.shuttle();
    assert!(p.user.calls().next().is_none() && p.net.calls().next().is_none());
    // A RESTART of the interface, acknowledged.
    p.net.restart(p.now, None).unwrap();
    p.shuttle();
    assert_eq!(p.sent(Side::User).last(), Some(&RestartAcknowledge));
    p.assert_no_protocol_errors();
}

#[test]
fn a_flood_of_garbage_is_counted_but_only_the_first_64_are_kept() {
    let (mut u, h) = user_with_call();
    for _ in 0..1_000 {
        u.handle_message(1, &[0x41, 0x02, 0x00, 0x01, 0x45]);
    }
    assert!(drain(&mut u).is_empty());
    assert_eq!(u.protocol_errors(), 1_000);
    assert_eq!(
        u.protocol_errors_dropped(),
        1_000 - MAX_QUEUED_PROTOCOL_ERRORS as u64
    );
    let kept = drain_errors(&mut u);
    assert_eq!(kept.len(), MAX_QUEUED_PROTOCOL_ERRORS);
    assert!(kept.iter().all(|e| e.diagnostics.as_slice() == [0x41]));
    // Drained, the queue takes new ones again.
    u.handle_message(1, &raw(1, false, 0x3F, &[]));
    assert_eq!(
        only_report(&mut u),
        answered(Some(1), Other(0x3F), Status, 97, &[0x3F])
    );
    assert_eq!(u.protocol_errors(), 1_001);
    assert_eq!(u.call_state(h), Some(CallState::IncomingCallProceeding));
}
