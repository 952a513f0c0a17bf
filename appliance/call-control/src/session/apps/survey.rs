//! The post-call survey: the agent hung up, the caller (in a queue with `survey = true`)
//! hears "how did we do? 1 to 5", and the key they press is kept in the call's record.
//! Any other key is ignored; silence for [`SURVEY_WAIT_MS`] after the question, or the
//! caller hanging up, ends the call without a score.

use super::{Application, IvrContext};
use crate::session::{Call, CallSession, LegId, PlaybackId};
use ivr::flow::Language;
use line_boundary::{Cause, LineEvent};
use prompt_library::acd_prompts::{SURVEY, SURVEY_THANKS};
use storage::Disposition;

/// How long the caller has to answer once the question has been asked.
pub const SURVEY_WAIT_MS: u64 = 10_000;

pub struct Survey {
    context: IvrContext,
    language: Language,
    /// The question playing; the wait starts when it ends.
    asking: Option<PlaybackId>,
    waiting_since_ms: Option<u64>,
    /// The thanks playing; the call ends after it.
    thanking: Option<PlaybackId>,
}

impl Survey {
    pub fn new(context: IvrContext, language: Language) -> Survey {
        Survey {
            context,
            language,
            asking: None,
            waiting_since_ms: None,
            thanking: None,
        }
    }
}

impl Application for Survey {
    fn name(&self) -> &'static str {
        "survey"
    }

    fn start(&mut self, call: &mut Call<'_>) {
        match self.context.prompt(SURVEY, self.language) {
            Some(question) => {
                self.asking = Some(call.play_sequence(CallSession::ORIGIN, vec![question], true));
            }
            None => call.end(Disposition::Answered, Cause::NORMAL_CLEARING),
        }
    }

    fn on_line(&mut self, call: &mut Call<'_>, leg: LegId, event: &LineEvent) {
        if leg != CallSession::ORIGIN {
            return;
        }
        match event {
            LineEvent::Hangup { cause } => call.end(Disposition::Answered, *cause),
            LineEvent::Digit { digit } if self.thanking.is_none() => {
                let Some(score) = digit.to_digit(10).filter(|d| (1..=5).contains(d)) else {
                    return;
                };
                call.set_survey(score as u8);
                self.asking = None;
                self.waiting_since_ms = None;
                match self.context.prompt(SURVEY_THANKS, self.language) {
                    Some(thanks) => {
                        self.thanking =
                            Some(call.play_sequence(CallSession::ORIGIN, vec![thanks], false));
                    }
                    None => call.end(Disposition::Answered, Cause::NORMAL_CLEARING),
                }
            }
            _ => {}
        }
    }

    fn on_playback_done(&mut self, call: &mut Call<'_>, leg: LegId, id: Option<PlaybackId>) {
        if leg != CallSession::ORIGIN {
            return;
        }
        if self.thanking.is_some() && (id.is_none() || id == self.thanking) {
            call.end(Disposition::Answered, Cause::NORMAL_CLEARING);
        } else if self.asking.is_some() && (id.is_none() || id == self.asking) {
            self.asking = None;
            self.waiting_since_ms = Some(call.now_ms());
        }
    }

    fn on_timeout(&mut self, call: &mut Call<'_>) {
        if self
            .waiting_since_ms
            .is_some_and(|since| call.now_ms() >= since + SURVEY_WAIT_MS)
        {
            call.end(Disposition::Answered, Cause::NORMAL_CLEARING);
        }
    }
}
