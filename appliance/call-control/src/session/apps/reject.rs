//! Refuses a call: a digital trunk call is refused unanswered with its cause (the caller's
//! network plays it, and nobody is billed); an analog caller is answered, greeted, and hears
//! busy or congestion for a few seconds before the box clears.

use super::{Application, Greeting};
use crate::session::{Call, CallSession, LegId};
use line_boundary::{Cause, LineEvent, LineKind, Tone};
use media_engine::PromptId;
use storage::Disposition;

/// How long a caller hears busy or congestion before the box clears the call.
pub const REJECT_TONE_MS: u64 = 4_000;

pub struct Reject {
    cause: Cause,
    greeting: Option<PromptId>,
}

impl Reject {
    pub fn new(cause: Cause, greeting: Option<PromptId>) -> Reject {
        Reject { cause, greeting }
    }
}

/// The tone part, after the greeting an analog trunk caller hears.
struct RejectTone {
    cause: Cause,
    until_ms: u64,
}

impl Application for Reject {
    fn name(&self) -> &'static str {
        "reject"
    }

    fn start(&mut self, call: &mut Call<'_>) {
        let origin = call.leg(CallSession::ORIGIN).map(|l| l.kind);
        match origin {
            Some(LineKind::E1) => {
                call.end(Disposition::unanswered(self.cause), self.cause);
            }
            Some(LineKind::Fxo) => {
                let tone = Box::new(RejectTone {
                    cause: self.cause,
                    until_ms: 0,
                });
                call.hand_over(Box::new(Greeting::new(self.greeting, tone)));
            }
            _ => {
                call.hand_over(Box::new(RejectTone {
                    cause: self.cause,
                    until_ms: 0,
                }));
            }
        }
    }

    fn on_line(&mut self, _call: &mut Call<'_>, _leg: LegId, _event: &LineEvent) {}
}

impl Application for RejectTone {
    fn name(&self) -> &'static str {
        "reject"
    }

    fn start(&mut self, call: &mut Call<'_>) {
        let tone = if self.cause == Cause::USER_BUSY {
            Tone::Busy
        } else {
            Tone::Congestion
        };
        call.play_tone(CallSession::ORIGIN, tone);
        self.until_ms = call.now_ms() + REJECT_TONE_MS;
    }

    fn on_line(&mut self, call: &mut Call<'_>, leg: LegId, event: &LineEvent) {
        if let (LineEvent::Hangup { cause }, true) = (event, leg == CallSession::ORIGIN) {
            call.end(Disposition::unanswered(self.cause), *cause);
        }
    }

    fn on_timeout(&mut self, call: &mut Call<'_>) {
        if call.now_ms() >= self.until_ms {
            call.end(Disposition::unanswered(self.cause), self.cause);
        }
    }
}
