//! An IVR transfer: asks the switchboard for a line to the number (an extension, or an
//! outside number as a phone on the box would dial it), then rings or dials it like any
//! routed call.

use super::{Application, Connect, Route};
use crate::session::{Call, CallSession, LegId};
use line_boundary::{LineEvent, PhoneNumber};
use storage::Disposition;

pub struct Transfer {
    to: PhoneNumber,
    request: Option<u32>,
}

impl Transfer {
    pub fn new(to: PhoneNumber) -> Transfer {
        Transfer { to, request: None }
    }
}

impl Application for Transfer {
    fn name(&self) -> &'static str {
        "transfer"
    }

    fn start(&mut self, call: &mut Call<'_>) {
        self.request = Some(call.request_leg(self.to.clone()));
    }

    fn on_line(&mut self, call: &mut Call<'_>, leg: LegId, event: &LineEvent) {
        if let (true, LineEvent::Hangup { cause }) = (leg == CallSession::ORIGIN, event) {
            call.end(Disposition::Abandoned, *cause);
        }
    }

    fn on_leg(&mut self, call: &mut Call<'_>, request: u32, route: Route) {
        if Some(request) != self.request {
            return;
        }
        match route {
            Route::Ring { leg } => call.hand_over(Box::new(Connect::ring(leg))),
            Route::Dial { leg, called } => call.hand_over(Box::new(Connect::dial(leg, called))),
            Route::Reject(cause) => call.end(Disposition::unanswered(cause), cause),
            Route::Echo | Route::Flow(_) | Route::Feature(_) | Route::Voicemail(_) => {}
        }
    }
}
