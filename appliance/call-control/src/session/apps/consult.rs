//! Transfers by hook flash, for an agent on a queue call (driven by `AgentCall`):
//!
//! 1. A flash holds the caller (music) and gives the agent dial tone.
//! 2. The agent keys a number, ended by `#` or [`DIAL_PAUSE_MS`] of silence: an
//!    extension, an outside number (as a phone of the box dials it), or a queue's
//!    transfer number (`queues.toml` `transfer_number`: the caller goes back to waiting
//!    there, keeping their place, and the agent is free).
//! 3. While it rings (the agent hears ringback), the agent hanging up is a **blind**
//!    transfer: the caller hears ringback and is connected when it answers.
//! 4. Once it answers, agent and target talk, the caller still on hold; the agent
//!    hanging up completes an **attended** transfer (caller and target talk).
//! 5. A flash at any point before the agent hangs up cancels: the target (if any) is let
//!    go and the agent is back with the caller. A target that refuses or hangs up brings
//!    the agent back to the caller too.

use crate::session::{Call, LegId, MediaCommand};
use line_boundary::{Cause, LineCommand, PhoneNumber, Tone};

/// Silence after the last key that ends the number.
pub const DIAL_PAUSE_MS: u64 = 4_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Consult {
    /// Keying the number (dial tone until the first key).
    Dialling {
        digits: String,
        last_key_ms: u64,
    },
    /// Waiting for the switchboard's line toward the number.
    Asking(u32),
    Ringing(LegId),
    Talking(LegId),
}

impl Consult {
    pub fn start(call: &mut Call<'_>, agent_leg: LegId) -> Consult {
        call.play_tone(agent_leg, Tone::Dial);
        Consult::Dialling {
            digits: String::new(),
            last_key_ms: call.now_ms(),
        }
    }

    /// A key from the agent; the number when it is complete (`#`).
    pub fn key(&mut self, call: &mut Call<'_>, agent_leg: LegId, key: char) -> Option<String> {
        let Consult::Dialling {
            digits,
            last_key_ms,
        } = self
        else {
            return None;
        };
        if digits.is_empty() {
            call.media(MediaCommand::Stop { leg: agent_leg });
        }
        *last_key_ms = call.now_ms();
        if key == '#' {
            return (!digits.is_empty()).then(|| std::mem::take(digits));
        }
        if digits.len() < 20 {
            digits.push(key);
        }
        None
    }

    /// The number once the agent paused long enough after the last key.
    pub fn pause_ended(&mut self, now_ms: u64) -> Option<String> {
        match self {
            Consult::Dialling {
                digits,
                last_key_ms,
            } if !digits.is_empty() && now_ms >= *last_key_ms + DIAL_PAUSE_MS => {
                Some(std::mem::take(digits))
            }
            _ => None,
        }
    }

    /// The target's leg, once there is one.
    pub fn leg(&self) -> Option<LegId> {
        match self {
            Consult::Ringing(leg) | Consult::Talking(leg) => Some(*leg),
            _ => None,
        }
    }

    /// Lets the target go (a cancel).
    pub fn release(&self, call: &mut Call<'_>) {
        if let Some(leg) = self.leg() {
            call.release_leg(leg, Cause::NORMAL_CLEARING);
        }
    }
}

/// Rings or dials the target leg the switchboard granted; the agent hears ringback.
pub(super) fn ring(call: &mut Call<'_>, agent_leg: LegId, leg: LegId, called: Option<PhoneNumber>) {
    match called {
        Some(called) => call.line(
            leg,
            LineCommand::CallOut {
                calling: call.numbers().calling.clone(),
                called,
            },
        ),
        None => call.ring_other(leg),
    }
    call.play_tone(agent_leg, Tone::Ringback);
}

/// After a blind transfer: the caller hears ringback until the target answers, then the
/// two talk. The target refusing or ringing out ends the call.
pub struct Handoff {
    leg: LegId,
}

impl Handoff {
    pub fn new(leg: LegId) -> Handoff {
        Handoff { leg }
    }
}

impl super::Application for Handoff {
    fn name(&self) -> &'static str {
        "handoff"
    }

    fn start(&mut self, call: &mut Call<'_>) {
        call.media(MediaCommand::Stop {
            leg: crate::session::CallSession::ORIGIN,
        });
        call.play_tone(crate::session::CallSession::ORIGIN, Tone::Ringback);
    }

    fn on_line(&mut self, call: &mut Call<'_>, leg: LegId, event: &line_boundary::LineEvent) {
        use line_boundary::LineEvent;
        match event {
            LineEvent::Answered if leg == self.leg => {
                let caller = crate::session::CallSession::ORIGIN;
                call.media(MediaCommand::Stop { leg: caller });
                call.media(MediaCommand::Bridge { a: caller, b: leg });
                call.other_answered(leg);
                call.hand_over(Box::new(super::Talk));
            }
            LineEvent::Hangup { cause } => {
                call.end(storage::Disposition::Answered, *cause);
            }
            _ => {}
        }
    }

    fn on_timeout(&mut self, _call: &mut Call<'_>) {}
}
