//! Q.931 timers fire at the right engine time and do what §5 and §9 say.

mod q931_support;

use isdn::q931::{CallState, MessageType};
use line_boundary::{Cause, LineCommand};
use q931_support::*;
use MessageType::*;

#[test]
fn t303_repeats_setup_once_then_gives_up() {
    let mut p = Pair::new();
    p.drop_from = Some(Side::User);
    p.now = 1_000;
    let a = p.call_out(Side::User, "1");
    assert_eq!(p.user.poll_timeout(), Some(5_000));
    p.shuttle();
    p.run_until(4_999);
    assert_eq!(p.sent(Side::User), vec![Setup]);
    p.run_until(5_000);
    assert_eq!(p.sent(Side::User), vec![Setup, Setup]);
    assert_eq!(p.user.poll_timeout(), Some(9_000));
    p.run_until(9_000);
    assert_eq!(p.sent(Side::User), vec![Setup, Setup, ReleaseComplete]);
    assert_eq!(
        p.hangups(Side::User, a),
        vec![Cause::RECOVERY_ON_TIMER_EXPIRY]
    );
    assert_eq!(p.user.call_state(a), None);
    assert_eq!(p.user.poll_timeout(), None);
    p.assert_no_protocol_errors();
}

#[test]
fn t303_retransmission_reaches_the_far_end() {
    let mut p = Pair::new();
    p.drop_from = Some(Side::User);
    let a = p.call_out(Side::User, "1");
    p.shuttle();
    p.drop_from = None;
    p.run_until(4_000);
    assert_eq!(
        p.user.call_state(a),
        Some(CallState::OutgoingCallProceeding)
    );
    // T310 now runs from 4 s.
    assert_eq!(p.user.poll_timeout(), Some(34_000));
    p.assert_no_protocol_errors();
}

#[test]
fn network_side_t303_reports_no_user_responding() {
    let mut p = Pair::new();
    p.drop_from = Some(Side::Net);
    let a = p.call_out(Side::Net, "1");
    p.shuttle();
    p.run_until(8_000);
    assert_eq!(p.hangups(Side::Net, a), vec![Cause::NO_USER_RESPONDING]);
    p.assert_no_protocol_errors();
}

#[test]
fn t310_clears_a_call_stuck_in_proceeding() {
    let mut p = Pair::new();
    let a = p.call_out(Side::User, "1");
    p.shuttle();
    let b = p.incoming(Side::Net);
    p.run_until(29_999);
    assert_eq!(
        p.user.call_state(a),
        Some(CallState::OutgoingCallProceeding)
    );
    p.run_until(30_000);
    assert_eq!(
        p.hangups(Side::User, a),
        vec![Cause::RECOVERY_ON_TIMER_EXPIRY]
    );
    assert_eq!(
        p.hangups(Side::Net, b),
        vec![Cause::RECOVERY_ON_TIMER_EXPIRY]
    );
    assert!(p.user.calls().next().is_none() && p.net.calls().next().is_none());
    p.assert_no_protocol_errors();
}

#[test]
fn t301_clears_an_unanswered_call_after_three_minutes() {
    let mut p = Pair::new();
    let a = p.call_out(Side::User, "1");
    p.shuttle();
    let b = p.incoming(Side::Net);
    p.now = 10_000;
    p.net
        .handle_command(p.now, Some(b), LineCommand::Alert)
        .unwrap();
    p.shuttle();
    assert_eq!(p.user.poll_timeout(), Some(190_000));
    p.run_until(189_999);
    assert_eq!(p.user.call_state(a), Some(CallState::CallDelivered));
    p.run_until(190_000);
    assert_eq!(p.hangups(Side::User, a), vec![Cause::NO_ANSWER]);
    assert!(p.user.calls().next().is_none());
    p.assert_no_protocol_errors();
}

#[test]
fn t305_then_t308_twice_when_the_far_end_is_silent() {
    let mut p = Pair::new();
    let (a, _) = p.active_call(Side::User);
    p.clear_log();
    p.drop_from = Some(Side::User);
    p.user
        .handle_command(
            p.now,
            Some(a),
            LineCommand::Hangup {
                cause: Cause::NORMAL_CLEARING,
            },
        )
        .unwrap();
    p.shuttle();
    assert_eq!(p.user.call_state(a), Some(CallState::DisconnectRequest));
    p.run_until(29_999);
    assert_eq!(p.sent(Side::User), vec![Disconnect]);
    p.run_until(30_000);
    assert_eq!(p.sent(Side::User), vec![Disconnect, Release]);
    assert_eq!(p.user.call_state(a), Some(CallState::ReleaseRequest));
    // T305's RELEASE repeats the DISCONNECT cause.
    let rel = &p.log.last().unwrap().message;
    assert_eq!(cause_of(rel), Some((16, vec![])));
    p.run_until(34_000);
    assert_eq!(p.sent(Side::User), vec![Disconnect, Release, Release]);
    p.run_until(38_000);
    assert_eq!(p.user.call_state(a), None);
    assert_eq!(p.user.poll_timeout(), None);
    // The appliance hung up itself: it hears nothing.
    assert!(p.hangups(Side::User, a).is_empty());
    p.assert_no_protocol_errors();
}

#[test]
fn t313_clears_when_connect_acknowledge_never_comes() {
    let mut p = Pair::new();
    let _a = p.call_out(Side::Net, "1");
    p.shuttle();
    let b = p.incoming(Side::User);
    p.drop_from = Some(Side::User);
    p.user
        .handle_command(p.now, Some(b), LineCommand::Answer)
        .unwrap();
    p.shuttle();
    assert_eq!(p.user.poll_timeout(), Some(4_000));
    p.run_until(3_999);
    assert_eq!(p.user.call_state(b), Some(CallState::ConnectRequest));
    p.run_until(4_000);
    assert_eq!(p.user.call_state(b), Some(CallState::DisconnectRequest));
    assert_eq!(
        p.hangups(Side::User, b),
        vec![Cause::RECOVERY_ON_TIMER_EXPIRY]
    );
    let disc = &p.log.last().unwrap().message;
    assert_eq!(
        (disc.kind, cause_of(disc)),
        (Disconnect, Some((102, vec![])))
    );
    p.assert_no_protocol_errors();
}

#[test]
fn link_failure_clears_calls_being_set_up_and_t309_clears_active_ones() {
    let mut p = Pair::new();
    let (a, _) = p.active_call(Side::User);
    let c = p.call_out(Side::User, "2");
    p.shuttle();
    p.now = 1_000;
    p.user.handle_link(p.now, false);
    p.shuttle();
    assert_eq!(p.hangups(Side::User, c), vec![Cause::TEMPORARY_FAILURE]);
    assert_eq!(p.user.call_state(c), None);
    assert_eq!(p.user.call_state(a), Some(CallState::Active));
    assert_eq!(p.user.poll_timeout(), Some(91_000));
    p.run_until(90_999);
    assert!(p.hangups(Side::User, a).is_empty());
    p.run_until(91_000);
    assert_eq!(p.hangups(Side::User, a), vec![Cause(27)]);
    assert_eq!(p.user.call_state(a), None);
    p.assert_no_protocol_errors();
}

#[test]
fn link_back_before_t309_reports_status_31() {
    let mut p = Pair::new();
    let (a, b) = p.active_call(Side::User);
    p.clear_log();
    p.user.handle_link(1_000, false);
    p.user.handle_link(2_000, true);
    p.shuttle();
    assert_eq!(p.user.poll_timeout(), None);
    assert_eq!(p.sent(Side::User), vec![Status]);
    assert_eq!(cause_of(&p.log[0].message), Some((31, vec![])));
    assert_eq!(p.user.call_state(a), Some(CallState::Active));
    assert_eq!(p.net.call_state(b), Some(CallState::Active));
    assert!(p.net.poll_transmit().is_none());
    p.assert_no_protocol_errors();
}
