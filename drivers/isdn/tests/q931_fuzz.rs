//! Random input into `handle_message`: never a panic, never a malformed message out,
//! the stack's bookkeeping stays consistent, and every protocol error it answers is
//! reported.

mod q931_support;

use isdn::q931::{
    decode, encode_to_vec, ChannelStatus, Config, MessageType, Role, MAX_QUEUED_PROTOCOL_ERRORS,
    Q931,
};
use line_boundary::LineCommand;
use proptest::prelude::*;
use q931_support::*;

fn check_output(stack: &mut Q931) -> Result<(), TestCaseError> {
    while let Some(bytes) = stack.poll_transmit() {
        let d = decode(&bytes).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert!(d.errors.is_empty(), "sent broken elements: {:?}", d);
        prop_assert!(d.unknown.is_empty(), "sent unknown elements: {:?}", d);
        // Canonical: re-encoding gives the same octets.
        let again = encode_to_vec(&d.message).unwrap();
        prop_assert_eq!(again.as_slice(), bytes.as_slice());
    }
    while stack.poll_event().is_some() {}
    // Every busy channel belongs to a live call, and every call's channel is marked busy.
    for info in stack.calls() {
        if let Some(ch) = info.channel {
            prop_assert_eq!(stack.channel_status(ch), ChannelStatus::Busy(info.handle));
        }
    }
    for ch in 0..32u8 {
        if let ChannelStatus::Busy(h) = stack.channel_status(ch) {
            prop_assert_eq!(stack.call_channel(h), Some(ch));
        }
    }
    Ok(())
}

/// Causes of the Q.850 classes "invalid message" (81-95) and "protocol error" (96-111),
/// but recovery on timer expiry (102): only answers to a bad message carry them.
fn is_protocol_error_cause(cause: u8) -> bool {
    (81..=111).contains(&cause) && cause != 102
}

/// Feeds one message and checks the protocol errors it reported against what the stack
/// sent: every answer carrying a protocol-error cause is reported, every reported answer
/// was sent, and a message that does not decode is reported as unreadable.
fn handle_and_check(stack: &mut Q931, now: u64, bytes: &[u8]) -> Result<(), TestCaseError> {
    let before = stack.protocol_errors();
    stack.handle_message(now, bytes);
    let mut sent: Vec<(MessageType, Option<u8>)> = Vec::new();
    while let Some(out) = stack.poll_transmit() {
        let d = decode(&out).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        sent.push((d.message.kind, d.message.ies.cause.map(|c| c.value.0)));
    }
    let reported = drain_errors(stack);
    prop_assert!(reported.len() <= MAX_QUEUED_PROTOCOL_ERRORS);
    prop_assert_eq!(stack.protocol_errors() - before, reported.len() as u64);
    if decode(bytes).is_err() {
        prop_assert_eq!(reported.len(), 1);
        prop_assert_eq!(reported[0].reply, None);
        prop_assert!(sent.is_empty());
    }
    let mut answers: Vec<(MessageType, Option<u8>)> = reported
        .iter()
        .filter_map(|e| e.reply.map(|r| (r, e.cause.map(|c| c.0))))
        .collect();
    for answer in &answers {
        prop_assert!(
            sent.contains(answer),
            "reported {:?} but sent {:?}",
            answer,
            sent
        );
    }
    for out in sent {
        if out.1.is_some_and(is_protocol_error_cause) {
            let at = answers.iter().position(|a| *a == out);
            prop_assert!(at.is_some(), "sent {:?} unreported: {:?}", out, reported);
            if let Some(at) = at {
                answers.remove(at);
            }
        }
    }
    Ok(())
}

/// Input that is mostly well-formed at the header so that it reaches call control.
fn input() -> impl Strategy<Value = Vec<u8>> {
    let header = (
        1u16..8,
        any::<bool>(),
        prop_oneof![
            Just(0x01u8),
            Just(0x02),
            Just(0x03),
            Just(0x05),
            Just(0x07),
            Just(0x0D),
            Just(0x0F),
            Just(0x45),
            Just(0x46),
            Just(0x4D),
            Just(0x4E),
            Just(0x5A),
            Just(0x75),
            Just(0x7B),
            Just(0x7D),
            any::<u8>()
        ],
    );
    let known_ies = proptest::collection::vec(
        prop_oneof![
            Just(vec![0xA1]),
            Just(vec![0x04, 0x03, 0x80, 0x90, 0xA3]),
            (1u8..32).prop_map(|c| vec![0x18, 0x03, 0xA9, 0x83, 0x80 | c]),
            (1u8..32).prop_map(|c| vec![0x18, 0x03, 0xA1, 0x83, 0x80 | c]),
            (1u8..128).prop_map(|c| vec![0x08, 0x02, 0x80, 0x80 | c]),
            (0u8..26).prop_map(|s| vec![0x14, 0x01, s]),
            Just(vec![0x70, 0x03, 0x81, b'1', b'2']),
            Just(vec![0x79, 0x01, 0x86]),
            proptest::collection::vec(any::<u8>(), 0..12),
        ],
        0..6,
    );
    let framed =
        (header, known_ies).prop_map(|((cr, flag, mt), ies)| raw(cr, flag, mt, &ies.concat()));
    prop_oneof![
        3 => framed,
        1 => proptest::collection::vec(any::<u8>(), 0..64),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_messages_never_panic_nor_produce_malformed_output(
        network in any::<bool>(),
        overlap in any::<bool>(),
        inputs in proptest::collection::vec((input(), 0u8..6), 1..40),
    ) {
        let role = if network { Role::Network } else { Role::User };
        let mut config = Config::for_role(role);
        config.overlap = overlap;
        let mut stack = Q931::new(role, config);
        stack.handle_link(0, true);
        let mut now = 0u64;
        for (bytes, action) in inputs {
            now += 500;
            handle_and_check(&mut stack, now, &bytes)?;
            // Interleave our own actions and time so that calls are in many states.
            let first = stack.calls().next().map(|c| c.handle);
            match (action, first) {
                (0, Some(h)) => { let _ = stack.handle_command(now, Some(h), LineCommand::Answer); }
                (1, Some(h)) => { let _ = stack.handle_command(now, Some(h), LineCommand::Alert); }
                (2, Some(h)) => { let _ = stack.handle_command(now, Some(h), LineCommand::Hangup { cause: line_boundary::Cause(16) }); }
                (3, _) => { let _ = stack.handle_command(now, None, LineCommand::CallOut { calling: None, called: number("123") }); }
                (4, _) => { now += 40_000; stack.handle_timeout(now); }
                (5, _) => { stack.handle_link(now, false); stack.handle_link(now, true); }
                _ => {}
            }
            check_output(&mut stack)?;
        }
        // Whatever happened, time drains every call's timers without a panic.
        for _ in 0..20 {
            match stack.poll_timeout() {
                Some(t) => { stack.handle_timeout(t); check_output(&mut stack)?; }
                None => break,
            }
        }
    }
}
