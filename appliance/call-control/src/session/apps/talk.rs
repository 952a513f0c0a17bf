//! A connected call: whoever hangs up first ends it.

use super::Application;
use crate::session::{Call, LegId};
use line_boundary::LineEvent;
use storage::Disposition;

pub struct Talk;

impl Application for Talk {
    fn name(&self) -> &'static str {
        "talk"
    }

    fn start(&mut self, _call: &mut Call<'_>) {}

    fn on_line(&mut self, call: &mut Call<'_>, _leg: LegId, event: &LineEvent) {
        if let LineEvent::Hangup { cause } = event {
            call.end(Disposition::Answered, *cause);
        }
    }
}
