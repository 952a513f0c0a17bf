//! Asks a destination to answer (rings an extension or dials out of a trunk), gives the
//! caller ringback, and connects the two when it answers.

use super::{Application, Talk};
use crate::session::{Call, CallSession, LegId};
use line_boundary::{Cause, LineCommand, LineEvent, PhoneNumber, Tone};
use storage::Disposition;

enum How {
    Ring,
    Dial(PhoneNumber),
}

pub struct Connect {
    leg: LegId,
    how: How,
    since_ms: u64,
}

impl Connect {
    pub fn ring(leg: LegId) -> Connect {
        Connect {
            leg,
            how: How::Ring,
            since_ms: 0,
        }
    }

    pub fn dial(leg: LegId, called: PhoneNumber) -> Connect {
        Connect {
            leg,
            how: How::Dial(called),
            since_ms: 0,
        }
    }
}

impl Application for Connect {
    fn name(&self) -> &'static str {
        match self.how {
            How::Ring => "ringing",
            How::Dial(_) => "dialling",
        }
    }

    fn start(&mut self, call: &mut Call<'_>) {
        self.since_ms = call.now_ms();
        let calling = call.numbers().calling.clone();
        match &self.how {
            How::Ring => {
                let name = call.numbers().name.clone();
                call.line(self.leg, LineCommand::Ring { calling, name });
                call.play_tone(CallSession::ORIGIN, Tone::Ringback);
            }
            // Ringback starts when the far end says it is alerting.
            How::Dial(called) => {
                let called = called.clone();
                call.line(self.leg, LineCommand::CallOut { calling, called });
            }
        }
        call.destination_asked(self.leg);
    }

    fn on_line(&mut self, call: &mut Call<'_>, leg: LegId, event: &LineEvent) {
        match event {
            LineEvent::Hangup { cause } if leg == CallSession::ORIGIN => {
                call.end(Disposition::Abandoned, *cause);
            }
            // The destination cleared before answering (busy, refused to ring, no circuit):
            // the call ends as its cause says.
            LineEvent::Hangup { cause } if leg == self.leg => {
                call.end(Disposition::unanswered(*cause), *cause);
            }
            LineEvent::Answered if leg == self.leg => {
                call.connect_answered(self.leg);
                call.hand_over(Box::new(Talk));
            }
            LineEvent::Alerting | LineEvent::Progress if leg == self.leg => {
                call.play_tone(CallSession::ORIGIN, Tone::Ringback);
            }
            _ => {}
        }
    }

    fn on_timeout(&mut self, call: &mut Call<'_>) {
        if call.now_ms() >= self.since_ms + call.config().ring_timeout_ms {
            call.end(Disposition::NoAnswer, Cause::NO_ANSWER);
        }
    }
}
