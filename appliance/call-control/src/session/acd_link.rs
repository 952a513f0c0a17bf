//! What a call says to the ACD ([`AcdRequest`], an [`super::Output::Acd`]) and what the
//! ACD tells it ([`AcdInstruction`], fed with [`super::CallSession::handle_acd`]). The
//! call actor carries both to and from the ACD actor; the session never sees the core.
//!
//! The session keeps one rule itself: a call that entered the ACD and ends without
//! having left it says [`AcdRequest::Left`] before its record, whatever application ran
//! and however it ended. So the ACD hears the end of every call it holds.

use super::IvrContext;
use acd::AgentId;
use ivr::flow::Language;
use line_boundary::PhoneNumber;
use std::collections::BTreeMap;

/// A call joining an ACD queue (from an IVR `queue` node).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    pub queue: String,
    /// 0-9, higher first.
    pub priority: u8,
    /// Skill → level the call needs on top of the queue's.
    pub skills: Vec<(String, u8)>,
    /// The IVR's variables, for the agent's screen.
    pub variables: BTreeMap<String, String>,
    /// The caller's language, for announcements.
    pub language: Language,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcdRequest {
    /// The call joins a queue (the caller's number is the call's calling number).
    Enter(QueueEntry),
    /// A callback's call rings the reserved agent's phone: the ACD's instructions for the
    /// callback (a ring timeout) now go to this call.
    CallbackRinging {
        agent: AgentId,
    },
    /// The agent's phone answered the offer.
    OfferAnswered {
        agent: AgentId,
    },
    /// The offer could not ring or stopped before an answer (busy phone, no line, the
    /// phone refused it).
    OfferFailed {
        agent: AgentId,
    },
    /// The agent put the caller on hold / took them back.
    Hold {
        agent: AgentId,
    },
    Unhold {
        agent: AgentId,
    },
    /// The agent passed the answered call on: to a queue (it waits there again) or out of
    /// the ACD (`None`: an extension or outside number). The agent wraps up.
    Transferred {
        to_queue: Option<String>,
    },
    /// The caller took the callback offer and leaves this number.
    CallbackRequested {
        number: String,
    },
    /// The call ended (either side) or left the queue; sent by the session itself.
    Left,
    /// A feature code dialled at the phone `device` (the agent's extension).
    Feature {
        device: String,
        code: crate::feature_codes::FeatureCode,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum AcdInstruction {
    /// Ring `agent` at `device` (their phone's extension).
    Offer { agent: AgentId, device: PhoneNumber },
    /// Stop ringing `agent` (the ACD took the offer back); nothing to report.
    CancelOffer { agent: AgentId },
    /// Tell the caller their position and the estimated wait.
    Announce {
        position: usize,
        estimated_wait_ms: u64,
    },
    /// The call waited too long and leaves the ACD for this flow.
    OverflowToFlow(IvrContext),
    /// The call waited too long: offer the caller a callback (they may go on waiting).
    OfferCallback,
    /// The ACD turned the call away (no agents, or a queue it does not have); it has
    /// left the ACD.
    Refused,
    /// The ACD's verdict on a feature code.
    FeatureDone { accepted: bool },
    /// The call waited too long and the ACD moved it to this queue (it keeps waiting).
    MovedTo { queue: String },
}
