//! A trunk call is answered and hears the greeting before it goes where it was routed.

use super::Application;
use crate::session::{Call, CallSession, LegId, PlaybackId};
use line_boundary::LineEvent;
use media_engine::PromptId;
use storage::Disposition;

pub struct Greeting {
    prompt: Option<PromptId>,
    playing: Option<PlaybackId>,
    then: Option<Box<dyn Application>>,
}

impl Greeting {
    pub fn new(prompt: Option<PromptId>, then: Box<dyn Application>) -> Greeting {
        Greeting {
            prompt,
            playing: None,
            then: Some(then),
        }
    }

    fn done(&mut self, call: &mut Call<'_>) {
        if let Some(then) = self.then.take() {
            call.hand_over(then);
        }
    }
}

impl Application for Greeting {
    fn name(&self) -> &'static str {
        "greeting"
    }

    fn start(&mut self, call: &mut Call<'_>) {
        call.answer_line(CallSession::ORIGIN);
        match self.prompt {
            Some(prompt) => self.playing = Some(call.play_prompt(CallSession::ORIGIN, prompt)),
            None => self.done(call),
        }
    }

    fn on_line(&mut self, call: &mut Call<'_>, leg: LegId, event: &LineEvent) {
        if let LineEvent::Hangup { cause } = event {
            if leg == CallSession::ORIGIN {
                call.end(Disposition::Abandoned, *cause);
            } else {
                // The destination reserved for this call was taken before it could ring.
                call.end(Disposition::unanswered(*cause), *cause);
            }
        }
    }

    fn on_playback_done(&mut self, call: &mut Call<'_>, leg: LegId, id: Option<PlaybackId>) {
        let ours = id.is_none() || id == self.playing;
        if leg == CallSession::ORIGIN && ours && self.playing.is_some() {
            self.done(call);
        }
    }
}
