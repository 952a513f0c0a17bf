//! [`ProtocolError`]: what call control reports each time it answers or ignores a
//! malformed or unexpected message (Q.931 §5.8), so that the span can log and count what
//! the far end got wrong. The stack answers on the line by itself; this is only the
//! record of it.

use super::call::CallState;
use super::message::{DecodeError, Message, MessageType, MAX_REPORTED, PROTOCOL_DISCRIMINATOR};
use line_boundary::Cause;
use std::collections::VecDeque;
use std::fmt;

/// Most protocol errors a stack keeps until they are drained; later ones are counted
/// (see [`Q931::protocol_errors`](super::Q931::protocol_errors)) but not kept, so a far
/// end sending garbage cannot grow memory.
pub const MAX_QUEUED_PROTOCOL_ERRORS: usize = 64;

/// One malformed or unexpected message and what call control did about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError {
    /// The call reference value of the received message. `None` for the global call
    /// reference (RESTART and friends) and when the message was unreadable.
    pub call_ref: Option<u16>,
    /// The received message type; `None` when the message was too short or not Q.931.
    pub message: Option<MessageType>,
    /// Our state of the call the message was for; `None` when we have no such call.
    pub state: Option<CallState>,
    /// What we answered with: STATUS, RELEASE COMPLETE, RELEASE or DISCONNECT. `None`:
    /// nothing was sent (the message was ignored, or the call cleared without a message).
    pub reply: Option<MessageType>,
    /// The cause our reply carried; `None` when we sent none.
    pub cause: Option<Cause>,
    /// The diagnostic octets of our cause (element identifiers for causes 96, 99 and 100,
    /// the message type for 97 and 101); for a message we could not read, the octet that
    /// made it unreadable.
    pub diagnostics: heapless::Vec<u8, MAX_REPORTED>,
    /// The cause the received message itself carried, if any (a far end's STATUS tells
    /// what it did not like).
    pub peer_cause: Option<Cause>,
    /// What was wrong, in a few words.
    pub detail: &'static str,
}

impl ProtocolError {
    /// A message about `received` (already decoded).
    pub(super) fn about(
        received: &Message,
        state: Option<CallState>,
        reply: Option<MessageType>,
        cause: Option<Cause>,
        diagnostics: &[u8],
        detail: &'static str,
    ) -> ProtocolError {
        ProtocolError {
            call_ref: (!received.call_ref.is_global()).then_some(received.call_ref.value),
            message: Some(received.kind),
            state,
            reply,
            cause,
            diagnostics: truncated(diagnostics),
            peer_cause: received.ies.cause.as_ref().map(|c| c.value),
            detail,
        }
    }

    /// A message `decode` refused (§5.8.1-§5.8.3.1: ignored): what can be read of it.
    pub(super) fn unreadable(bytes: &[u8], error: DecodeError) -> ProtocolError {
        let (detail, octet) = match error {
            DecodeError::TooShort { .. } => ("message too short for a Q.931 header", None),
            DecodeError::ProtocolDiscriminator(pd) => {
                ("protocol discriminator is not Q.931", Some(pd))
            }
            DecodeError::CallReferenceFormat(len) => ("invalid call reference length", Some(len)),
            DecodeError::DummyCallReference => ("dummy call reference (not used on a PRI)", None),
        };
        let (call_ref, message) = peek_header(bytes);
        ProtocolError {
            call_ref,
            message,
            state: None,
            reply: None,
            cause: None,
            diagnostics: octet.into_iter().collect(),
            peer_cause: None,
            detail,
        }
    }
}

impl fmt::Display for ProtocolError {
    /// One line for the log, e.g. `CR 9 ALERTING: unknown call reference; answered
    /// RELEASE COMPLETE, cause 81 (invalid call reference value)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(cr) = self.call_ref {
            write!(f, "CR {cr} ")?;
        }
        match self.message {
            Some(MessageType::Other(octet)) => write!(f, "message type {octet:#04x}")?,
            Some(kind) => f.write_str(kind.name())?,
            None => f.write_str("unreadable message")?,
        }
        if let Some(state) = self.state {
            write!(f, " in state {} ({})", state.value(), state.name())?;
        }
        if let Some(cause) = self.peer_cause {
            write!(f, " with cause {}", cause.0)?;
        }
        write!(f, ": {}; ", self.detail)?;
        match self.reply {
            Some(reply) => write!(f, "answered {}", reply.name())?,
            None => f.write_str("not answered")?,
        }
        if let Some(cause) = self.cause {
            write!(f, ", cause {} ({})", cause.0, cause_name(cause))?;
        }
        if !self.diagnostics.is_empty() {
            f.write_str(", diagnostic")?;
            for octet in &self.diagnostics {
                write!(f, " {octet:02x}")?;
            }
        }
        Ok(())
    }
}

/// The Q.850 name of a cause, including the ones Q.931 error handling uses.
pub fn cause_name(cause: Cause) -> &'static str {
    match cause.0 {
        6 => "channel unacceptable",
        27 => "destination out of order",
        30 => "response to STATUS ENQUIRY",
        44 => "requested circuit/channel not available",
        65 => "bearer capability not implemented",
        81 => "invalid call reference value",
        82 => "identified channel does not exist",
        96 => "mandatory information element is missing",
        97 => "message type non-existent or not implemented",
        98 => "message not compatible with call state or message type non-existent",
        99 => "information element non-existent or not implemented",
        100 => "invalid information element contents",
        101 => "message not compatible with call state",
        111 => "protocol error, unspecified",
        _ => cause.name(),
    }
}

fn truncated(octets: &[u8]) -> heapless::Vec<u8, MAX_REPORTED> {
    octets.iter().copied().take(MAX_REPORTED).collect()
}

/// The call reference value (not global) and message type of a message `decode` refused,
/// where the octets are there to tell.
fn peek_header(bytes: &[u8]) -> (Option<u16>, Option<MessageType>) {
    let (value, kind) = match bytes {
        [PROTOCOL_DISCRIMINATOR, 0, rest @ ..] => (None, rest.first()),
        [PROTOCOL_DISCRIMINATOR, 1, a, rest @ ..] => (Some(u16::from(a & 0x7F)), rest.first()),
        [PROTOCOL_DISCRIMINATOR, 2, a, b, rest @ ..] => (
            Some((u16::from(a & 0x7F) << 8) | u16::from(*b)),
            rest.first(),
        ),
        _ => (None, None),
    };
    (
        value.filter(|&v| v != 0),
        kind.map(|&octet| MessageType::from_octet(octet)),
    )
}

/// The stack's queue of undrained protocol errors and its counters.
#[derive(Debug, Clone, Default)]
pub(super) struct ProtocolErrors {
    queue: VecDeque<ProtocolError>,
    total: u64,
    dropped: u64,
}

impl ProtocolErrors {
    pub(super) fn push(&mut self, error: ProtocolError) {
        self.total += 1;
        if self.queue.len() < MAX_QUEUED_PROTOCOL_ERRORS {
            self.queue.push_back(error);
        } else {
            self.dropped += 1;
        }
    }

    pub(super) fn pop(&mut self) -> Option<ProtocolError> {
        self.queue.pop_front()
    }

    pub(super) fn total(&self) -> u64 {
        self.total
    }

    pub(super) fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::q931::CallRef;

    #[test]
    fn display_names_call_message_state_answer_and_cause() {
        let received = Message::new(CallRef::new(9, true), MessageType::Alerting);
        let e = ProtocolError::about(
            &received,
            None,
            Some(MessageType::ReleaseComplete),
            Some(Cause(81)),
            &[],
            "unknown call reference",
        );
        assert_eq!(
            e.to_string(),
            "CR 9 ALERTING: unknown call reference; answered RELEASE COMPLETE, \
             cause 81 (invalid call reference value)"
        );
        let received = Message::new(CallRef::new(1, false), MessageType::Other(0x3F));
        let e = ProtocolError::about(
            &received,
            Some(CallState::IncomingCallProceeding),
            Some(MessageType::Status),
            Some(Cause(97)),
            &[0x3F],
            "unrecognized message type",
        );
        assert_eq!(
            e.to_string(),
            "CR 1 message type 0x3f in state 9 (incoming call proceeding): unrecognized \
             message type; answered STATUS, cause 97 (message type non-existent or not \
             implemented), diagnostic 3f"
        );
        let e = ProtocolError::unreadable(
            &[0x09, 0x02, 0x00, 0x01, 0x45],
            DecodeError::ProtocolDiscriminator(0x09),
        );
        assert_eq!(
            e.to_string(),
            "unreadable message: protocol discriminator is not Q.931; not answered, diagnostic 09"
        );
        let received = Message::new(CallRef::new(0, false), MessageType::Restart);
        let e = ProtocolError::about(&received, None, None, None, &[], "x");
        assert_eq!(e.to_string(), "RESTART: x; not answered");
    }

    #[test]
    fn unreadable_messages_keep_what_can_be_read() {
        let e =
            ProtocolError::unreadable(&[0x08, 0x02, 0x80, 0x07], DecodeError::TooShort { len: 4 });
        assert_eq!((e.call_ref, e.message), (Some(7), None));
        let e = ProtocolError::unreadable(&[0x08, 0x00, 0x45], DecodeError::DummyCallReference);
        assert_eq!(
            (e.call_ref, e.message),
            (None, Some(MessageType::Disconnect))
        );
        let e = ProtocolError::unreadable(&[], DecodeError::TooShort { len: 0 });
        assert_eq!((e.call_ref, e.message), (None, None));
    }

    #[test]
    fn the_queue_is_bounded_and_counts_everything() {
        let mut q = ProtocolErrors::default();
        let e = ProtocolError::unreadable(&[], DecodeError::TooShort { len: 0 });
        for _ in 0..MAX_QUEUED_PROTOCOL_ERRORS + 10 {
            q.push(e.clone());
        }
        assert_eq!(q.total(), MAX_QUEUED_PROTOCOL_ERRORS as u64 + 10);
        assert_eq!(q.dropped(), 10);
        assert_eq!(
            std::iter::from_fn(|| q.pop()).count(),
            MAX_QUEUED_PROTOCOL_ERRORS
        );
        q.push(e);
        assert_eq!(
            q.pop().map(|e| e.detail),
            Some("message too short for a Q.931 header")
        );
    }
}
