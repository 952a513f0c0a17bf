//! What a call leaves behind: its numbers, legs, times, disposition and cause.

use super::CallNumbers;
use line_boundary::{Cause, ChannelId};
use storage::Disposition;

/// A call's times in engine ms. Ring time counts only while a destination is asked to
/// answer (rung or dialled), never a greeting before it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallTimes {
    pub started_ms: u64,
    /// The box answered the caller's line (a trunk call, for the greeting or the echo).
    pub line_answered_ms: Option<u64>,
    /// A destination answered (an extension, an outside number, the echo test).
    pub answered_ms: Option<u64>,
    pub ended_ms: Option<u64>,
    /// Time destinations have rung so far.
    pub ringing_ms: u64,
    ringing_since: Option<u64>,
}

impl CallTimes {
    pub fn started_at(now_ms: u64) -> CallTimes {
        CallTimes {
            started_ms: now_ms,
            ..CallTimes::default()
        }
    }

    /// What an outsider knows of a call whose session is lost (its actor failed).
    pub fn seen_from_outside(
        started_ms: u64,
        answered_ms: Option<u64>,
        ended_ms: u64,
    ) -> CallTimes {
        CallTimes {
            started_ms,
            answered_ms,
            ended_ms: Some(ended_ms),
            ..CallTimes::default()
        }
    }

    pub(super) fn line_answered(&mut self, now_ms: u64) {
        self.line_answered_ms.get_or_insert(now_ms);
    }

    pub(super) fn start_ringing(&mut self, now_ms: u64) {
        self.ringing_since.get_or_insert(now_ms);
    }

    pub(super) fn stop_ringing(&mut self, now_ms: u64) {
        if let Some(since) = self.ringing_since.take() {
            self.ringing_ms += now_ms.saturating_sub(since);
        }
    }

    pub(super) fn answered(&mut self, now_ms: u64) {
        self.stop_ringing(now_ms);
        self.answered_ms.get_or_insert(now_ms);
    }

    pub(super) fn ended(&mut self, now_ms: u64) {
        self.stop_ringing(now_ms);
        self.ended_ms = Some(now_ms);
    }

    /// Talk time: from a destination's answer to the end.
    pub fn talk_ms(&self) -> u64 {
        match (self.answered_ms, self.ended_ms) {
            (Some(answered), Some(ended)) => ended.saturating_sub(answered),
            _ => 0,
        }
    }
}

/// The final record of a call, ready for its CDR.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    pub numbers: CallNumbers,
    pub origin: ChannelId,
    pub destination: Option<ChannelId>,
    pub disposition: Disposition,
    pub cause: Cause,
    pub times: CallTimes,
    /// The call's run through an IVR flow, if it had one.
    pub ivr: Option<IvrRecord>,
    /// The call's part in the ACD (all `None` for calls that never queued).
    pub acd: AcdRecord,
}

/// What a queue call leaves in its CDR.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AcdRecord {
    /// The queue it last waited in.
    pub queue: Option<String>,
    /// The agent who answered it.
    pub agent: Option<String>,
    /// The caller's post-call survey score, 1-5.
    pub survey: Option<u8>,
}

/// What a call's IVR leaves in its CDR: the flow, the nodes entered in order, and the
/// variables as they were when the call left the flow (they feed the screen pop and
/// statistics).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IvrRecord {
    pub flow: String,
    pub path: Vec<String>,
    pub variables: std::collections::BTreeMap<String, String>,
}
