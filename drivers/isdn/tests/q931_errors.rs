//! Q.931 §5.8: malformed and unexpected messages are answered with the right cause.

mod q931_support;

use isdn::q931::{CallHandle, CallState, Config, Message, MessageType, Role, Q931};
use line_boundary::{Cause, LineEvent};
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
    (u, h)
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
    for bytes in [
        &[][..],
        &[0x08],
        &[0x08, 0x02, 0x00],
        &[0x08, 0x02, 0x00, 0x01],             // no message type (§5.8.2)
        &[0x09, 0x02, 0x00, 0x01, 0x45],       // protocol discriminator (§5.8.1)
        &[0x08, 0x03, 0x00, 0x00, 0x01, 0x45], // call reference too long (§5.8.3.1)
        &[0x08, 0x22, 0x00, 0x01, 0x45],       // bits 5-8 of length octet set
        &[0x08, 0x00, 0x45],                   // dummy call reference
    ] {
        u.handle_message(1, bytes);
        assert!(drain(&mut u).is_empty(), "answered {bytes:02x?}");
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
    // b): RELEASE.
    u.handle_message(0, &raw(9, false, 0x4D, &[0x08, 0x02, 0x80, 0x90]));
    let m = only(drain(&mut u));
    assert_eq!(
        (m.kind, cause_of(&m)),
        (ReleaseComplete, Some((81, vec![])))
    );
    // c): RELEASE COMPLETE: nothing.
    u.handle_message(0, &raw(9, false, 0x5A, &[]));
    assert!(drain(&mut u).is_empty());
    // e): SETUP with the flag set: ignored.
    u.handle_message(0, &raw(9, true, 0x05, &setup_ies(3, true)));
    assert!(drain(&mut u).is_empty());
    assert_eq!(u.calls().count(), 0);
    // STATUS ENQUIRY: STATUS, state 0, cause 30.
    u.handle_message(0, &raw(9, false, 0x75, &[]));
    assert_eq!(status(&only(drain(&mut u))), (30, vec![], 0));
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
    u.handle_message(
        0,
        &raw(9, false, 0x7D, &[0x08, 0x02, 0x80, 0x9E, 0x14, 0x01, 0x00]),
    );
    assert!(drain(&mut u).is_empty());
}

#[test]
fn setup_for_an_existing_call_reference_is_ignored() {
    let (mut u, _) = user_with_call();
    u.handle_message(1, &raw(1, false, 0x05, &setup_ies(4, true)));
    assert!(drain(&mut u).is_empty());
    assert_eq!(u.calls().count(), 1);
}

#[test]
fn global_call_reference_misuse_gets_status_81() {
    let mut u = user();
    u.handle_message(0, &raw(0, false, 0x75, &[])); // STATUS ENQUIRY on the global CR
    let m = only(drain(&mut u));
    assert_eq!(m.call_ref.value, 0);
    assert_eq!(status(&m), (81, vec![], 0));
    u.handle_message(0, &raw(0, false, 0x05, &setup_ies(3, true)));
    assert_eq!(status(&only(drain(&mut u))).0, 81);
    // STATUS on the global CR: nothing.
    u.handle_message(
        0,
        &raw(0, false, 0x7D, &[0x08, 0x02, 0x80, 0x9E, 0x14, 0x01, 0x00]),
    );
    assert!(drain(&mut u).is_empty());
}

#[test]
fn unexpected_message_gets_status_101_and_no_state_change() {
    let (mut u, h) = user_with_call();
    // CALL PROCEEDING from the side that sent the SETUP.
    u.handle_message(1, &raw(1, false, 0x02, &[]));
    assert_eq!(status(&only(drain(&mut u))), (101, vec![0x02], 9));
    // CONNECT ACKNOWLEDGE before we sent CONNECT.
    u.handle_message(1, &raw(1, false, 0x0F, &[]));
    assert_eq!(status(&only(drain(&mut u))), (101, vec![0x0F], 9));
    assert_eq!(u.call_state(h), Some(CallState::IncomingCallProceeding));
}

#[test]
fn unrecognized_message_type_gets_status_97() {
    let (mut u, h) = user_with_call();
    u.handle_message(1, &raw(1, false, 0x3F, &[]));
    assert_eq!(status(&only(drain(&mut u))), (97, vec![0x3F], 9));
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
    // Unknown comprehension-required element: as if mandatory missing (§5.8.7.1).
    let mut ies = vec![0x01, 0x01, 0x00];
    ies.extend(setup_ies(3, true));
    u.handle_message(0, &raw(5, false, 0x05, &ies));
    let m = only(drain(&mut u));
    assert_eq!(
        (m.kind, cause_of(&m)),
        (ReleaseComplete, Some((96, vec![0x01])))
    );
    // A data call: bearer not implemented.
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
    // A channel that does not exist on an E1 PRI, exclusively.
    u.handle_message(0, &raw(7, false, 0x05, &setup_ies(16, true)));
    let m = only(drain(&mut u));
    assert_eq!(cause_of(&m), Some((82, vec![])));
    assert_eq!(u.calls().count(), 0);
    assert!(drain_events(&mut u).is_empty());
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

    let mut ies = setup_ies(4, true);
    ies.extend([0x6C, 0x03, 0x81, b'1', b'Z']); // calling number with a letter
    u.handle_message(0, &raw(3, false, 0x05, &ies));
    let out = drain(&mut u);
    assert_eq!(out[0].kind, CallProceeding);
    assert_eq!(status(&out[1]), (100, vec![0x6C], 9));
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
    assert_eq!(u.call_state(h), None);
}

#[test]
fn progress_without_progress_indicator_gets_status_96() {
    let mut p = Pair::new();
    let a = p.call_out(Side::User, "1");
    p.shuttle();
    // PROGRESS from the network for our call (CR 1, flag 1 = to the originator).
    p.user.handle_message(0, &raw(1, true, 0x03, &[]));
    assert_eq!(status(&only(drain(&mut p.user))), (96, vec![0x1E], 3));
    p.user
        .handle_message(0, &raw(1, true, 0x03, &[0x1E, 0x01, 0x80]));
    assert_eq!(status(&only(drain(&mut p.user))), (100, vec![0x1E], 3));
    p.user
        .handle_message(0, &raw(1, true, 0x03, &[0x1E, 0x02, 0x82, 0x88]));
    assert!(drain(&mut p.user).is_empty());
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
    assert_eq!(u.call_state(h), Some(CallState::IncomingCallProceeding));
}

#[test]
fn restart_errors_get_status_on_the_global_call_reference() {
    let mut u = user();
    // No restart indicator.
    u.handle_message(0, &raw(0, false, 0x46, &[]));
    assert_eq!(status(&only(drain(&mut u))), (96, vec![0x79], 0));
    // Indicated channel without channel identification.
    u.handle_message(0, &raw(0, false, 0x46, &[0x79, 0x01, 0x80]));
    assert_eq!(status(&only(drain(&mut u))), (96, vec![0x18], 0));
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
    // Reserved class.
    u.handle_message(0, &raw(0, false, 0x46, &[0x79, 0x01, 0x83]));
    assert_eq!(status(&only(drain(&mut u))), (100, vec![0x79], 0));
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
}
