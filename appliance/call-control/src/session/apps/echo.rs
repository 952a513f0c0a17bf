//! The echo test: the caller hears their own audio until they hang up.

use super::Application;
use crate::session::{Call, CallSession, LegId, MediaCommand};
use line_boundary::LineEvent;
use storage::Disposition;

pub struct EchoTest;

impl Application for EchoTest {
    fn name(&self) -> &'static str {
        "echo-test"
    }

    fn start(&mut self, call: &mut Call<'_>) {
        call.media(MediaCommand::Loop {
            leg: CallSession::ORIGIN,
        });
        call.destination_answered(None);
    }

    fn on_line(&mut self, call: &mut Call<'_>, _leg: LegId, event: &LineEvent) {
        if let LineEvent::Hangup { cause } = event {
            call.end(Disposition::Answered, *cause);
        }
    }
}
