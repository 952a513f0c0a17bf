//! Q.931 messages: header (protocol discriminator, call reference, message type) and the
//! information elements of codeset 0 that basic call control uses.
//!
//! [`decode`] never fails on element content: broken or unknown elements are reported in
//! [`Decoded`] so that call control can answer per Q.931 §5.8. It fails only where §5.8.1
//! to §5.8.3.1 say the message is to be ignored (wrong protocol discriminator, too short,
//! malformed call reference).

use super::ie::{
    id, BearerCapability, CallStateIe, CalledNumber, CallingNumber, CauseIe, ChannelId, Display,
    IeErrorKind, ProgressIndicator, RedirectingNumber, RestartClass,
};
pub use super::writer::{EncodeError, Writer};
use thiserror::Error;

/// Q.931 user-network call control messages.
pub const PROTOCOL_DISCRIMINATOR: u8 = 0x08;

/// Largest message we send or keep: the Q.921 N201 default (260 octets).
pub const MAX_MESSAGE: usize = 260;

/// One encoded message, ready for a Q.921 DL-DATA request.
pub type MessageBuf = heapless::Vec<u8, MAX_MESSAGE>;

/// A call reference: the value (15 bits on a PRI) and the flag.
///
/// The flag is `false` in messages sent by the side that allocated the value, `true` in
/// messages sent to it. Value 0 is the global call reference (RESTART).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallRef {
    pub value: u16,
    pub to_originator: bool,
}

impl CallRef {
    pub const fn new(value: u16, to_originator: bool) -> Self {
        CallRef {
            value,
            to_originator,
        }
    }

    pub fn is_global(&self) -> bool {
        self.value == 0
    }

    /// The same call reference as seen in a reply.
    pub fn reply(self) -> Self {
        CallRef {
            value: self.value,
            to_originator: !self.to_originator,
        }
    }
}

/// Message types (Q.931 Table 4-2). `Other` keeps a type this stack does not handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    Alerting,
    CallProceeding,
    Progress,
    Setup,
    Connect,
    SetupAcknowledge,
    ConnectAcknowledge,
    Disconnect,
    Restart,
    Release,
    RestartAcknowledge,
    ReleaseComplete,
    Facility,
    Notify,
    StatusEnquiry,
    Information,
    Status,
    /// Any other octet (including the escape 0x00 and types with bit 8 set).
    Other(u8),
}

impl MessageType {
    pub fn from_octet(octet: u8) -> Self {
        match octet {
            0x01 => MessageType::Alerting,
            0x02 => MessageType::CallProceeding,
            0x03 => MessageType::Progress,
            0x05 => MessageType::Setup,
            0x07 => MessageType::Connect,
            0x0D => MessageType::SetupAcknowledge,
            0x0F => MessageType::ConnectAcknowledge,
            0x45 => MessageType::Disconnect,
            0x46 => MessageType::Restart,
            0x4D => MessageType::Release,
            0x4E => MessageType::RestartAcknowledge,
            0x5A => MessageType::ReleaseComplete,
            0x62 => MessageType::Facility,
            0x6E => MessageType::Notify,
            0x75 => MessageType::StatusEnquiry,
            0x7B => MessageType::Information,
            0x7D => MessageType::Status,
            other => MessageType::Other(other),
        }
    }

    pub fn octet(self) -> u8 {
        match self {
            MessageType::Alerting => 0x01,
            MessageType::CallProceeding => 0x02,
            MessageType::Progress => 0x03,
            MessageType::Setup => 0x05,
            MessageType::Connect => 0x07,
            MessageType::SetupAcknowledge => 0x0D,
            MessageType::ConnectAcknowledge => 0x0F,
            MessageType::Disconnect => 0x45,
            MessageType::Restart => 0x46,
            MessageType::Release => 0x4D,
            MessageType::RestartAcknowledge => 0x4E,
            MessageType::ReleaseComplete => 0x5A,
            MessageType::Facility => 0x62,
            MessageType::Notify => 0x6E,
            MessageType::StatusEnquiry => 0x75,
            MessageType::Information => 0x7B,
            MessageType::Status => 0x7D,
            MessageType::Other(o) => o,
        }
    }

    /// The Q.931 name, for logs.
    pub fn name(self) -> &'static str {
        match self {
            MessageType::Alerting => "ALERTING",
            MessageType::CallProceeding => "CALL PROCEEDING",
            MessageType::Progress => "PROGRESS",
            MessageType::Setup => "SETUP",
            MessageType::Connect => "CONNECT",
            MessageType::SetupAcknowledge => "SETUP ACKNOWLEDGE",
            MessageType::ConnectAcknowledge => "CONNECT ACKNOWLEDGE",
            MessageType::Disconnect => "DISCONNECT",
            MessageType::Restart => "RESTART",
            MessageType::Release => "RELEASE",
            MessageType::RestartAcknowledge => "RESTART ACKNOWLEDGE",
            MessageType::ReleaseComplete => "RELEASE COMPLETE",
            MessageType::Facility => "FACILITY",
            MessageType::Notify => "NOTIFY",
            MessageType::StatusEnquiry => "STATUS ENQUIRY",
            MessageType::Information => "INFORMATION",
            MessageType::Status => "STATUS",
            MessageType::Other(_) => "unknown",
        }
    }
}

/// The information elements of one message; absent ones are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ies {
    pub sending_complete: bool,
    pub bearer_capability: Option<BearerCapability>,
    pub cause: Option<CauseIe>,
    pub call_state: Option<CallStateIe>,
    pub channel_id: Option<ChannelId>,
    /// Up to two progress indicators (Q.931 allows the element twice).
    pub progress: heapless::Vec<ProgressIndicator, 2>,
    pub display: Option<Display>,
    pub calling: Option<CallingNumber>,
    pub called: Option<CalledNumber>,
    pub redirecting: Option<RedirectingNumber>,
    pub restart_indicator: Option<RestartClass>,
}

/// A Q.931 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub call_ref: CallRef,
    pub kind: MessageType,
    pub ies: Ies,
}

impl Message {
    pub fn new(call_ref: CallRef, kind: MessageType) -> Self {
        Message {
            call_ref,
            kind,
            ies: Ies::default(),
        }
    }
}

/// An element this stack does not recognize.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownIe {
    pub codeset: u8,
    /// Identifier octet (for single-octet type 1 elements, the identifier bits only).
    pub id: u8,
    /// Codeset 0 identifier with bits 8-5 = 0000 (Q.931 §4.5.1): the receiver must
    /// understand it, or treat the message as missing a mandatory element (§5.8.7.1).
    pub comprehension_required: bool,
}

/// An element whose content was refused; the element is left out of [`Ies`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IeError {
    pub id: u8,
    pub kind: IeErrorKind,
}

/// Most unknown or broken elements remembered per message.
pub const MAX_REPORTED: usize = 8;

/// A decoded message with what was wrong with its elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub message: Message,
    pub unknown: heapless::Vec<UnknownIe, MAX_REPORTED>,
    pub errors: heapless::Vec<IeError, MAX_REPORTED>,
}

impl Decoded {
    /// Whether the element `ie` was present but refused.
    pub fn has_error(&self, ie: u8) -> bool {
        self.errors.iter().any(|e| e.id == ie)
    }

    /// Whether an unknown comprehension-required element was received.
    pub fn comprehension_required_unknown(&self) -> Option<u8> {
        self.unknown
            .iter()
            .find(|u| u.comprehension_required)
            .map(|u| u.id)
    }
}

/// Why a received octet string is not a message to act on (Q.931 §5.8.1-§5.8.3.1: such
/// messages are ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("message of {len} octets is too short for a Q.931 header")]
    TooShort { len: usize },
    #[error("protocol discriminator {0:#04x} is not Q.931 (0x08)")]
    ProtocolDiscriminator(u8),
    #[error("call reference length octet {0:#04x} is invalid")]
    CallReferenceFormat(u8),
    #[error("dummy call reference (length 0) is not used on a PRI")]
    DummyCallReference,
}

/// Encodes `msg` into `buf`; returns the number of octets written.
/// The call reference is always 2 octets (primary rate). Elements go in ascending
/// identifier order (Q.931 §4.5.1), Sending complete first.
pub fn encode(msg: &Message, buf: &mut [u8]) -> Result<usize, EncodeError> {
    let cr = msg.call_ref;
    if cr.value > 0x7FFF {
        return Err(EncodeError::CallReferenceTooLarge(cr.value));
    }
    let mut w = Writer::new(buf);
    let flag = if cr.to_originator { 0x80 } else { 0 };
    w.put(&[
        PROTOCOL_DISCRIMINATOR,
        0x02,
        flag | (cr.value >> 8) as u8,
        (cr.value & 0xFF) as u8,
        msg.kind.octet(),
    ])?;
    let ies = &msg.ies;
    if ies.sending_complete {
        w.put(&[id::SENDING_COMPLETE])?;
    }
    if let Some(b) = &ies.bearer_capability {
        b.encode(&mut w)?;
    }
    if let Some(c) = &ies.cause {
        c.encode(&mut w)?;
    }
    if let Some(s) = &ies.call_state {
        s.encode(&mut w)?;
    }
    if let Some(c) = &ies.channel_id {
        c.encode(&mut w)?;
    }
    for p in &ies.progress {
        p.encode(&mut w)?;
    }
    if let Some(d) = &ies.display {
        d.encode(&mut w)?;
    }
    if let Some(n) = &ies.calling {
        n.encode(&mut w)?;
    }
    if let Some(n) = &ies.called {
        n.encode(&mut w)?;
    }
    if let Some(n) = &ies.redirecting {
        n.encode(&mut w)?;
    }
    if let Some(r) = &ies.restart_indicator {
        r.encode(&mut w)?;
    }
    Ok(w.len())
}

/// Encodes `msg` into a fresh message buffer.
pub fn encode_to_vec(msg: &Message) -> Result<MessageBuf, EncodeError> {
    let mut buf = [0u8; MAX_MESSAGE];
    let len = encode(msg, &mut buf)?;
    let mut out = MessageBuf::new();
    // `len <= MAX_MESSAGE` by construction.
    out.extend_from_slice(buf.get(..len).unwrap_or(&[]))
        .map_err(|_| EncodeError::BufferTooSmall {
            capacity: MAX_MESSAGE,
        })?;
    Ok(out)
}

/// Decodes a message received in a Q.921 DL-DATA indication.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let too_short = DecodeError::TooShort { len: bytes.len() };
    let (&pd, rest) = bytes.split_first().ok_or(too_short)?;
    if pd != PROTOCOL_DISCRIMINATOR {
        return Err(DecodeError::ProtocolDiscriminator(pd));
    }
    let (&cr_len_octet, rest) = rest.split_first().ok_or(too_short)?;
    if cr_len_octet & 0xF0 != 0 || cr_len_octet > 2 {
        return Err(DecodeError::CallReferenceFormat(cr_len_octet));
    }
    let cr_len = usize::from(cr_len_octet);
    if rest.len() < cr_len + 1 {
        return Err(too_short);
    }
    let (cr_octets, rest) = rest.split_at(cr_len);
    let call_ref = match cr_octets {
        [] => return Err(DecodeError::DummyCallReference),
        [a] => CallRef::new(u16::from(a & 0x7F), a & 0x80 != 0),
        [a, b, ..] => CallRef::new((u16::from(a & 0x7F) << 8) | u16::from(*b), a & 0x80 != 0),
    };
    let (&mt, mut body) = rest.split_first().ok_or(too_short)?;
    let mut decoded = Decoded {
        message: Message::new(call_ref, MessageType::from_octet(mt)),
        unknown: heapless::Vec::new(),
        errors: heapless::Vec::new(),
    };

    let mut locked_codeset = 0u8;
    let mut next_codeset: Option<u8> = None;
    while let Some((&first, after)) = body.split_first() {
        let codeset = next_codeset.take().unwrap_or(locked_codeset);
        if first & 0x80 != 0 {
            // Single-octet element.
            body = after;
            if first & 0xF0 == 0x90 {
                // Shift: bit 4 set = non-locking (next element only).
                if first & 0x08 != 0 {
                    next_codeset = Some(first & 0x07);
                } else {
                    locked_codeset = first & 0x07;
                }
            } else if codeset == 0 && first == id::SENDING_COMPLETE {
                decoded.message.ies.sending_complete = true;
            } else {
                let id = if first & 0xF0 == 0xA0 {
                    first
                } else {
                    first & 0xF0
                };
                let _ = decoded.unknown.push(UnknownIe {
                    codeset,
                    id,
                    comprehension_required: false,
                });
            }
            continue;
        }
        let Some((&len, after)) = after.split_first() else {
            let _ = decoded.errors.push(IeError {
                id: first,
                kind: IeErrorKind::Truncated,
            });
            break;
        };
        let len = usize::from(len);
        if after.len() < len {
            let _ = decoded.errors.push(IeError {
                id: first,
                kind: IeErrorKind::Truncated,
            });
            break;
        }
        let (contents, after) = after.split_at(len);
        body = after;
        if codeset != 0 {
            let _ = decoded.unknown.push(UnknownIe {
                codeset,
                id: first,
                comprehension_required: false,
            });
            continue;
        }
        decode_ie(&mut decoded, first, contents);
    }
    Ok(decoded)
}

fn decode_ie(d: &mut Decoded, ie: u8, c: &[u8]) {
    fn put<T>(slot: &mut Option<T>, value: Result<T, IeErrorKind>) -> Result<(), IeErrorKind> {
        // Q.931 §5.8.5.2: of a repeated element only the first is used.
        if slot.is_none() {
            *slot = Some(value?);
        }
        Ok(())
    }
    let ies = &mut d.message.ies;
    let result = match ie {
        id::BEARER_CAPABILITY => put(&mut ies.bearer_capability, BearerCapability::decode(c)),
        id::CAUSE => put(&mut ies.cause, CauseIe::decode(c)),
        id::CALL_STATE => put(&mut ies.call_state, CallStateIe::decode(c)),
        id::CHANNEL_IDENTIFICATION => put(&mut ies.channel_id, ChannelId::decode(c)),
        id::PROGRESS_INDICATOR => ProgressIndicator::decode(c).map(|p| {
            let _ = ies.progress.push(p);
        }),
        id::DISPLAY => put(&mut ies.display, Display::decode(c)),
        id::CALLING_PARTY_NUMBER => put(&mut ies.calling, CallingNumber::decode(c)),
        id::CALLED_PARTY_NUMBER => put(&mut ies.called, CalledNumber::decode(c)),
        id::REDIRECTING_NUMBER => put(&mut ies.redirecting, RedirectingNumber::decode(c)),
        id::RESTART_INDICATOR => put(&mut ies.restart_indicator, RestartClass::decode(c)),
        other if id::is_known_ignored(other) => Ok(()),
        other => {
            let _ = d.unknown.push(UnknownIe {
                codeset: 0,
                id: other,
                comprehension_required: other & 0xF0 == 0,
            });
            Ok(())
        }
    };
    if let Err(kind) = result {
        let _ = d.errors.push(IeError { id: ie, kind });
    }
}
