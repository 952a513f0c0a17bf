//! Call control takes any sequence of messages, commands and time without panicking,
//! everything it sends is a well-formed Q.931 message, and what it reports about bad input
//! prints.
//!
//! Input: octet 0 picks role and overlap; then records of [op, len, len octets...].
#![no_main]

use isdn::q931::{decode, encode_to_vec, Config, Role, MAX_QUEUED_PROTOCOL_ERRORS, Q931};
use libfuzzer_sys::fuzz_target;
use line_boundary::{Cause, LineCommand, PhoneNumber};

fn drain(stack: &mut Q931) {
    while let Some(bytes) = stack.poll_transmit() {
        let d = decode(&bytes).expect("we sent an undecodable message");
        assert!(d.errors.is_empty() && d.unknown.is_empty(), "we sent {d:?}");
        let again = encode_to_vec(&d.message).expect("re-encode");
        assert_eq!(again.as_slice(), bytes.as_slice());
    }
    while stack.poll_event().is_some() {}
    // Every protocol error prints as one log line; the queue stays bounded.
    let mut kept = 0;
    while let Some(e) = stack.poll_protocol_error() {
        kept += 1;
        assert!(!e.to_string().contains('\n'), "{e:?}");
    }
    assert!(kept <= MAX_QUEUED_PROTOCOL_ERRORS);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, mut rest)) = data.split_first() else { return };
    let role = if mode & 1 == 0 { Role::User } else { Role::Network };
    let mut config = Config::for_role(role);
    config.overlap = mode & 2 != 0;
    let mut stack = Q931::new(role, config);
    stack.handle_link(0, true);
    let mut now = 0u64;
    while let [op, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (body, next) = tail.split_at(n);
        rest = next;
        now += 250;
        let first = stack.calls().next().map(|c| c.handle);
        match op % 8 {
            0..=3 => stack.handle_message(now, body),
            4 => {
                let cmd = match body.first().copied().unwrap_or(0) % 4 {
                    0 => LineCommand::Answer,
                    1 => LineCommand::Alert,
                    2 => LineCommand::Hangup { cause: Cause(body.get(1).copied().unwrap_or(16)) },
                    _ => LineCommand::CallOut {
                        calling: None,
                        called: PhoneNumber::parse("1234").expect("literal"),
                    },
                };
                let call = if matches!(cmd, LineCommand::CallOut { .. }) { None } else { first };
                let _ = stack.handle_command(now, call, cmd);
            }
            5 => {
                now += u64::from(body.first().copied().unwrap_or(0)) * 1_000;
                stack.handle_timeout(now);
            }
            6 => stack.handle_link(now, body.first().is_some_and(|b| b & 1 == 1)),
            _ => {
                let _ = stack.restart(now, body.first().map(|b| b % 32));
            }
        }
        drain(&mut stack);
    }
    while let Some(t) = stack.poll_timeout() {
        stack.handle_timeout(t);
        drain(&mut stack);
    }
});
