//! Two-sided call control: our user side against our network side.

mod q931_support;

use isdn::q931::{
    CallState, ChannelSet, ChannelStatus, Config, Hunt, MessageType, OutgoingCall, Q931Error,
    RestartState, Role,
};
use line_boundary::{Cause, LineCommand, LineEvent};
use q931_support::*;
use MessageType::*;

#[test]
fn user_calls_network_en_bloc() {
    let mut p = Pair::new();
    let a = p.call_out(Side::User, "5551000");
    assert_eq!(p.user.call_state(a), Some(CallState::CallInitiated));
    p.shuttle();
    let b = p.incoming(Side::Net);
    assert_eq!(
        p.events(Side::Net, b),
        vec![LineEvent::IncomingCall {
            calling: Some(number("+8610123")),
            called: Some(number("5551000")),
            category: line_boundary::CallerCategory::Ordinary,
            name: None,
        }]
    );
    assert_eq!(
        p.user.call_state(a),
        Some(CallState::OutgoingCallProceeding)
    );
    assert_eq!(p.net.call_state(b), Some(CallState::OutgoingCallProceeding));
    // The user side hunts downward: timeslot 31; both sides agree.
    assert_eq!(p.user.call_channel(a), Some(31));
    assert_eq!(p.net.call_channel(b), Some(31));

    p.net
        .handle_command(p.now, Some(b), LineCommand::Alert)
        .unwrap();
    p.shuttle();
    assert_eq!(p.user.call_state(a), Some(CallState::CallDelivered));
    assert_eq!(p.net.call_state(b), Some(CallState::CallDelivered));
    p.net
        .handle_command(p.now, Some(b), LineCommand::Answer)
        .unwrap();
    p.shuttle();
    assert_eq!(p.user.call_state(a), Some(CallState::Active));
    assert_eq!(p.net.call_state(b), Some(CallState::Active));
    assert_eq!(
        p.events(Side::User, a),
        vec![
            LineEvent::Progress,
            LineEvent::Alerting,
            LineEvent::Answered
        ]
    );
    assert_eq!(p.sent(Side::User), vec![Setup, ConnectAcknowledge]);
    assert_eq!(p.sent(Side::Net), vec![CallProceeding, Alerting, Connect]);
    // Events carry the B-channel.
    assert!(p.user_events.iter().all(|(_, ch, _)| *ch == Some(31)));
    p.assert_no_protocol_errors();
}

#[test]
fn network_calls_user_and_user_answers() {
    let mut p = Pair::new();
    let a = p.call_out(Side::Net, "200");
    p.shuttle();
    let b = p.incoming(Side::User);
    assert_eq!(p.net.call_channel(a), Some(1));
    assert_eq!(p.user.call_channel(b), Some(1));
    assert_eq!(
        p.user.call_state(b),
        Some(CallState::IncomingCallProceeding)
    );
    assert_eq!(p.net.call_state(a), Some(CallState::IncomingCallProceeding));
    p.user
        .handle_command(p.now, Some(b), LineCommand::Alert)
        .unwrap();
    p.shuttle();
    assert_eq!(p.net.call_state(a), Some(CallState::CallReceived));
    p.user
        .handle_command(p.now, Some(b), LineCommand::Answer)
        .unwrap();
    assert_eq!(p.user.call_state(b), Some(CallState::ConnectRequest));
    p.shuttle();
    assert_eq!(p.user.call_state(b), Some(CallState::Active));
    assert_eq!(p.net.call_state(a), Some(CallState::Active));
    assert_eq!(p.sent(Side::User), vec![CallProceeding, Alerting, Connect]);
    assert_eq!(p.sent(Side::Net), vec![Setup, ConnectAcknowledge]);
    assert_eq!(
        p.events(Side::Net, a),
        vec![
            LineEvent::Progress,
            LineEvent::Alerting,
            LineEvent::Answered
        ]
    );
    assert_eq!(
        format!("{}", p.user.call_state(b).unwrap().designation(Role::User)),
        "U10 active"
    );
    p.assert_no_protocol_errors();
}

/// How far a call gets before someone hangs up.
#[derive(Debug, Clone, Copy)]
enum Stage {
    /// SETUP still in flight.
    SetupSent,
    Proceeding,
    Delivered,
    /// Called user sent CONNECT, CONNECT ACK still in flight.
    Connecting,
    Active,
}

fn call_to(
    p: &mut Pair,
    from: Side,
    stage: Stage,
) -> (isdn::q931::CallHandle, Option<isdn::q931::CallHandle>) {
    let a = p.call_out(from, "5551000");
    if let Stage::SetupSent = stage {
        return (a, None);
    }
    p.shuttle();
    let to = other(from);
    let b = p.incoming(to);
    let now = p.now;
    match stage {
        Stage::SetupSent | Stage::Proceeding => {}
        Stage::Delivered => {
            p.stack(to)
                .handle_command(now, Some(b), LineCommand::Alert)
                .unwrap();
            p.shuttle();
        }
        Stage::Connecting => {
            p.stack(to)
                .handle_command(now, Some(b), LineCommand::Answer)
                .unwrap();
        }
        Stage::Active => {
            p.stack(to)
                .handle_command(now, Some(b), LineCommand::Answer)
                .unwrap();
            p.shuttle();
        }
    }
    (a, Some(b))
}

#[test]
fn release_from_either_side_in_every_state() {
    let stages = [
        Stage::SetupSent,
        Stage::Proceeding,
        Stage::Delivered,
        Stage::Connecting,
        Stage::Active,
    ];
    for from in [Side::User, Side::Net] {
        for stage in stages {
            for clearer_is_caller in [true, false] {
                let mut p = Pair::new();
                let (a, b) = call_to(&mut p, from, stage);
                let to = other(from);
                let (clearer, h, far, far_h) = match b {
                    Some(b) if !clearer_is_caller => (to, b, from, Some(a)),
                    _ => (from, a, to, b),
                };
                p.clear_log();
                let now = p.now;
                p.stack(clearer)
                    .handle_command(
                        now,
                        Some(h),
                        LineCommand::Hangup {
                            cause: Cause::USER_BUSY,
                        },
                    )
                    .unwrap();
                p.shuttle();
                let what = format!("{from:?} call at {stage:?}, {clearer:?} clears");
                assert!(
                    p.user.calls().next().is_none(),
                    "{what}: user still has calls"
                );
                assert!(
                    p.net.calls().next().is_none(),
                    "{what}: net still has calls"
                );
                for ch in 1..=31u8 {
                    if ch != 16 {
                        assert_eq!(p.user.channel_status(ch), ChannelStatus::Idle, "{what}");
                        assert_eq!(p.net.channel_status(ch), ChannelStatus::Idle, "{what}");
                    }
                }
                assert_eq!(p.user.poll_timeout(), None, "{what}");
                assert_eq!(p.net.poll_timeout(), None, "{what}");
                // The clearer's appliance asked: it hears nothing; the far end hears why.
                assert!(p.hangups(clearer, h).is_empty(), "{what}");
                let far_h = far_h.unwrap_or_else(|| p.incoming(far));
                assert_eq!(p.hangups(far, far_h), vec![Cause::USER_BUSY], "{what}");
                let clearing = |side| -> Vec<MessageType> {
                    p.sent(side)
                        .into_iter()
                        .filter(|k| matches!(k, Disconnect | Release | ReleaseComplete))
                        .collect()
                };
                assert_eq!(
                    clearing(clearer),
                    vec![Disconnect, ReleaseComplete],
                    "{what}"
                );
                assert_eq!(clearing(far), vec![Release], "{what}");
                p.assert_no_protocol_errors();
            }
        }
    }
}

#[test]
fn clear_collision_both_send_disconnect() {
    let mut p = Pair::new();
    let (a, b) = p.active_call(Side::User);
    p.clear_log();
    let now = p.now;
    p.user
        .handle_command(
            now,
            Some(a),
            LineCommand::Hangup {
                cause: Cause::NORMAL_CLEARING,
            },
        )
        .unwrap();
    p.net
        .handle_command(
            now,
            Some(b),
            LineCommand::Hangup {
                cause: Cause::NORMAL_CLEARING,
            },
        )
        .unwrap();
    p.shuttle();
    assert!(p.user.calls().next().is_none());
    assert!(p.net.calls().next().is_none());
    assert_eq!(p.sent(Side::User), vec![Disconnect, Release]);
    assert_eq!(p.sent(Side::Net), vec![Disconnect, Release]);
    assert!(p.hangups(Side::User, a).is_empty() && p.hangups(Side::Net, b).is_empty());
    p.assert_no_protocol_errors();
}

#[test]
fn thirty_calls_fill_the_span_and_the_31st_gets_cause_34() {
    let mut p = Pair::new();
    let mut channels = Vec::new();
    for i in 0..30 {
        let a = p.call_out(Side::User, &format!("100{i}"));
        p.shuttle();
        let b = p.incoming(Side::Net);
        p.net
            .handle_command(p.now, Some(b), LineCommand::Answer)
            .unwrap();
        p.shuttle();
        assert_eq!(p.user.call_state(a), Some(CallState::Active));
        channels.push(p.user.call_channel(a).unwrap());
        assert_eq!(p.user.call_channel(a), p.net.call_channel(b));
    }
    channels.sort();
    let expected: Vec<u8> = (1..=31).filter(|&c| c != 16).collect();
    assert_eq!(channels, expected);

    // Ours: refused locally with cause 34.
    let err = p
        .user
        .handle_command(
            p.now,
            None,
            LineCommand::CallOut {
                calling: None,
                called: number("999"),
            },
        )
        .unwrap_err();
    assert_eq!(err, Q931Error::NoChannelAvailable);
    assert_eq!(err.cause(), Cause::NO_CIRCUIT_AVAILABLE);
    let err = p.net.call_out(p.now, OutgoingCall::default()).unwrap_err();
    assert_eq!(err.cause(), Cause(34));

    // Theirs: a SETUP (preferred channel 5) when every channel is busy.
    let mut setup = setup_ies(5, true);
    setup[8] = 0xA1; // channel id octet 3: preferred
    p.net
        .handle_message(p.now, &raw(0x4000, false, 0x05, &setup));
    let out = drain(&mut p.net);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, ReleaseComplete);
    assert_eq!(cause_of(&out[0]), Some((34, vec![])));
    // Exclusive for a busy channel: cause 44.
    p.net
        .handle_message(p.now, &raw(0x4001, false, 0x05, &setup_ies(5, true)));
    let out = drain(&mut p.net);
    assert_eq!(cause_of(&out[0]), Some((44, vec![])));
    assert_eq!(p.net.calls().count(), 30);
    p.assert_no_protocol_errors();
}

fn glare_configs(channels: &[u8], user_exclusive: bool) -> (Config, Config) {
    let mut user = Config::for_role(Role::User);
    let mut net = Config::for_role(Role::Network);
    user.channels = ChannelSet::new(channels.iter().copied()).unwrap();
    net.channels = user.channels;
    user.hunt = Hunt::Ascending;
    net.hunt = Hunt::Ascending;
    user.exclusive = user_exclusive;
    net.exclusive = true;
    (user, net)
}

#[test]
fn glare_network_wins_and_user_call_moves_to_another_channel() {
    let (u, n) = glare_configs(&[1, 2], false);
    let mut p = Pair::with(u, n);
    let ua = p.call_out(Side::User, "111");
    let na = p.call_out(Side::Net, "222");
    assert_eq!(p.user.call_channel(ua), Some(1));
    assert_eq!(p.net.call_channel(na), Some(1));
    p.shuttle();
    // The network's call keeps channel 1 on both sides.
    let ub = p.incoming(Side::User);
    assert_eq!(p.user.call_channel(ub), Some(1));
    assert_eq!(p.net.call_channel(na), Some(1));
    // The user's call (preferred) was moved by the network to channel 2.
    let nb = p.incoming(Side::Net);
    assert_eq!(p.net.call_channel(nb), Some(2));
    assert_eq!(p.user.call_channel(ua), Some(2));
    assert_eq!(
        p.user.call_state(ua),
        Some(CallState::OutgoingCallProceeding)
    );
    assert_eq!(p.user.channel_status(1), ChannelStatus::Busy(ub));
    assert_eq!(p.user.channel_status(2), ChannelStatus::Busy(ua));
    // Both calls complete.
    p.user
        .handle_command(p.now, Some(ub), LineCommand::Answer)
        .unwrap();
    p.net
        .handle_command(p.now, Some(nb), LineCommand::Answer)
        .unwrap();
    p.shuttle();
    assert_eq!(p.user.call_state(ua), Some(CallState::Active));
    assert_eq!(p.user.call_state(ub), Some(CallState::Active));
    p.assert_no_protocol_errors();
}

#[test]
fn glare_on_the_last_channel_rejects_the_user_call() {
    let (u, n) = glare_configs(&[1], false);
    let mut p = Pair::with(u, n);
    let ua = p.call_out(Side::User, "111");
    let na = p.call_out(Side::Net, "222");
    p.shuttle();
    let ub = p.incoming(Side::User);
    assert_eq!(p.user.call_channel(ub), Some(1));
    assert_eq!(
        p.net.call_state(na),
        Some(CallState::IncomingCallProceeding)
    );
    assert_eq!(p.hangups(Side::User, ua), vec![Cause::NO_CIRCUIT_AVAILABLE]);
    assert_eq!(p.user.call_state(ua), None);
    assert_eq!(p.user.channel_status(1), ChannelStatus::Busy(ub));
    p.assert_no_protocol_errors();
}

#[test]
fn glare_with_exclusive_user_request_is_rejected_with_cause_44() {
    let (u, n) = glare_configs(&[1, 2], true);
    let mut p = Pair::with(u, n);
    let ua = p.call_out(Side::User, "111");
    let _na = p.call_out(Side::Net, "222");
    p.shuttle();
    assert_eq!(p.hangups(Side::User, ua), vec![Cause(44)]);
    let ub = p.incoming(Side::User);
    assert_eq!(p.user.call_channel(ub), Some(1));
    assert_eq!(p.user.channel_status(2), ChannelStatus::Idle);
    p.assert_no_protocol_errors();
}

#[test]
fn overlap_receiving_and_sending() {
    let mut u = Config::for_role(Role::User);
    u.overlap = true;
    let mut p = Pair::with(u, Config::for_role(Role::Network));
    let a = p
        .net
        .call_out(
            0,
            OutgoingCall {
                calling: None,
                called: Some(number("12")),
                channel: Some(7),
                sending_complete: false,
            },
        )
        .unwrap();
    // Digits given before SETUP ACKNOWLEDGE are held.
    p.net.information(0, a, "3", false).unwrap();
    p.shuttle();
    let b = p.incoming(Side::User);
    assert_eq!(p.user.call_state(b), Some(CallState::OverlapReceiving));
    assert_eq!(p.net.call_state(a), Some(CallState::OverlapReceiving));
    assert_eq!(p.user.call_channel(b), Some(7));
    p.net.information(p.now, a, "4", false).unwrap();
    p.shuttle();
    p.net.information(p.now, a, "5#", true).unwrap();
    p.shuttle();
    assert_eq!(
        p.user.call_state(b),
        Some(CallState::IncomingCallProceeding)
    );
    assert_eq!(p.net.call_state(a), Some(CallState::IncomingCallProceeding));
    let digits: String = p
        .events(Side::User, b)
        .into_iter()
        .filter_map(|e| match e {
            LineEvent::Digit { digit } => Some(digit),
            _ => None,
        })
        .collect();
    assert_eq!(digits, "345#");
    match &p.events(Side::User, b)[0] {
        LineEvent::IncomingCall { called, .. } => assert_eq!(called, &Some(number("12"))),
        e => panic!("first event {e:?}"),
    }
    assert_eq!(p.sent(Side::User), vec![SetupAcknowledge, CallProceeding]);
    assert_eq!(
        p.sent(Side::Net),
        vec![Setup, Information, Information, Information]
    );
    // The SETUP carried no Sending complete; the last INFORMATION did.
    let net_msgs: Vec<_> = p.log.iter().filter(|s| s.from == Side::Net).collect();
    assert!(!net_msgs[0].message.ies.sending_complete);
    assert!(net_msgs[3].message.ies.sending_complete);
    // Information after the number is complete is refused.
    assert!(p.net.information(p.now, a, "6", false).is_err());
    p.assert_no_protocol_errors();
}

#[test]
fn overlap_receiving_with_sending_complete_in_setup_proceeds_at_once() {
    let mut u = Config::for_role(Role::User);
    u.overlap = true;
    let mut p = Pair::with(u, Config::for_role(Role::Network));
    let a = p.call_out(Side::Net, "1000"); // sending complete
    p.shuttle();
    assert_eq!(p.net.call_state(a), Some(CallState::IncomingCallProceeding));
    p.assert_no_protocol_errors();
}

#[test]
fn restart_of_a_channel_with_a_call_clears_the_call() {
    let mut p = Pair::new();
    let (a, b) = p.active_call(Side::Net);
    let (c, d) = p.active_call(Side::Net);
    let ch = p.net.call_channel(a).unwrap();
    p.clear_log();
    p.net.restart(p.now, Some(ch)).unwrap();
    assert_eq!(p.net.restart_state(), RestartState::RestartRequest);
    assert_eq!(p.net.channel_status(ch), ChannelStatus::Restarting);
    assert_eq!(p.net.poll_timeout(), Some(p.now + 120_000));
    p.shuttle();
    assert_eq!(p.sent(Side::Net), vec![Restart]);
    assert_eq!(p.sent(Side::User), vec![RestartAcknowledge]);
    assert_eq!(p.hangups(Side::Net, a), vec![Cause::TEMPORARY_FAILURE]);
    assert_eq!(p.hangups(Side::User, b), vec![Cause::TEMPORARY_FAILURE]);
    assert_eq!(p.net.restart_state(), RestartState::Null);
    assert_eq!(p.net.channel_status(ch), ChannelStatus::Idle);
    assert_eq!(p.user.channel_status(ch), ChannelStatus::Idle);
    // The other call is untouched.
    assert_eq!(p.net.call_state(c), Some(CallState::Active));
    assert_eq!(p.user.call_state(d), Some(CallState::Active));
    assert_eq!(p.net.poll_timeout(), None);
    p.assert_no_protocol_errors();
}

#[test]
fn restart_of_the_interface_clears_every_call_and_repeats_on_t316() {
    let mut p = Pair::new();
    let (a, b) = p.active_call(Side::User);
    let (c, d) = p.active_call(Side::Net);
    p.clear_log();
    p.user.restart(p.now, None).unwrap();
    assert_eq!(p.user.restart(p.now, None), Err(Q931Error::RestartPending));
    // Lose the first RESTART: T316 sends it again.
    p.drop_from = Some(Side::User);
    p.shuttle();
    p.drop_from = None;
    assert_eq!(p.user.channel_status(31), ChannelStatus::Restarting);
    assert!(p.user.call_out(p.now, OutgoingCall::default()).is_err());
    p.run_until(119_999);
    assert_eq!(p.sent(Side::User), vec![Restart]);
    p.run_until(120_000);
    assert_eq!(p.sent(Side::User), vec![Restart, Restart]);
    assert_eq!(p.sent(Side::Net), vec![RestartAcknowledge]);
    assert_eq!(p.hangups(Side::User, a), vec![Cause::TEMPORARY_FAILURE]);
    assert_eq!(p.hangups(Side::User, d), vec![Cause::TEMPORARY_FAILURE]);
    assert_eq!(p.hangups(Side::Net, b), vec![Cause::TEMPORARY_FAILURE]);
    assert_eq!(p.hangups(Side::Net, c), vec![Cause::TEMPORARY_FAILURE]);
    assert!(p.user.calls().next().is_none() && p.net.calls().next().is_none());
    assert_eq!(p.user.channel_status(31), ChannelStatus::Idle);
    // The span is usable again.
    let e = p.call_out(Side::User, "1");
    p.shuttle();
    assert_eq!(
        p.user.call_state(e),
        Some(CallState::OutgoingCallProceeding)
    );
    p.assert_no_protocol_errors();
}

#[test]
fn commands_in_wrong_states_are_refused_not_sent() {
    let mut p = Pair::new();
    let a = p.call_out(Side::User, "1");
    assert!(matches!(
        p.user.handle_command(0, Some(a), LineCommand::Answer),
        Err(Q931Error::InvalidState { .. })
    ));
    assert!(matches!(
        p.user.handle_command(0, None, LineCommand::Answer),
        Err(Q931Error::NoCall(_))
    ));
    assert!(matches!(
        p.user.handle_command(0, Some(a), LineCommand::StopTone),
        Err(Q931Error::Unsupported(_))
    ));
    assert!(matches!(
        p.user.handle_command(
            0,
            Some(a),
            LineCommand::CallOut {
                calling: None,
                called: number("1")
            }
        ),
        Err(Q931Error::CallOutOnCall(_))
    ));
    assert_eq!(
        p.user.call_out(
            0,
            OutgoingCall {
                channel: Some(16),
                ..Default::default()
            }
        ),
        Err(Q931Error::NoSuchChannel(16))
    );
    assert_eq!(
        p.user.call_out(
            0,
            OutgoingCall {
                channel: Some(31),
                ..Default::default()
            }
        ),
        Err(Q931Error::ChannelBusy(31))
    );
    // Hanging up twice, or a call already gone, is fine.
    p.user
        .handle_command(
            0,
            Some(a),
            LineCommand::Hangup {
                cause: Cause::NORMAL_CLEARING,
            },
        )
        .unwrap();
    p.user
        .handle_command(
            0,
            Some(a),
            LineCommand::Hangup {
                cause: Cause::NORMAL_CLEARING,
            },
        )
        .unwrap();
    p.shuttle();
    p.user
        .handle_command(
            0,
            Some(a),
            LineCommand::Hangup {
                cause: Cause::NORMAL_CLEARING,
            },
        )
        .unwrap();
    assert_eq!(p.sent(Side::User), vec![Setup, Disconnect, ReleaseComplete]);
    p.assert_no_protocol_errors();
}
