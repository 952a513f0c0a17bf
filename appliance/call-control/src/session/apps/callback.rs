//! A callback the ACD arranged: the box rings the reserved agent's phone first (showing
//! the customer's number); once the agent answers they hear "Callback to" and the
//! number, then the box dials the customer and connects the two. The session's origin
//! leg is the agent's phone. The ACD hears the agent's answer or failure as for any
//! offer; once answered, the call is the ACD's until it ends (wrap-up follows).

use super::{Application, Route};
use crate::session::{AcdInstruction, AcdRequest, Call, CallSession, LegId, PlaybackId};
use acd::AgentId;
use ivr::flow::Language;
use line_boundary::{Cause, LineCommand, LineEvent, PhoneNumber, Tone};
use media_engine::PromptStore;
use prompt_library::acd_prompts::CALLBACK_AGENT;
use std::sync::Arc;
use storage::Disposition;

/// What a callback call needs.
#[derive(Clone)]
pub struct CallbackRequest {
    pub agent: AgentId,
    /// The customer's number as left (caller ID).
    pub customer: PhoneNumber,
    /// The same number as a phone of the box dials it out (with the trunk prefix).
    pub dial: PhoneNumber,
    pub prompts: Arc<PromptStore>,
}

enum Stage {
    RingingAgent,
    /// The agent hears whom they call back.
    Announcing(PlaybackId),
    /// Waiting for the switchboard's line toward the customer.
    Asking(u32),
    RingingCustomer(LegId),
    Talking,
}

pub struct CallbackCall {
    request: CallbackRequest,
    stage: Stage,
}

impl CallbackCall {
    pub fn new(request: CallbackRequest) -> CallbackCall {
        CallbackCall {
            request,
            stage: Stage::RingingAgent,
        }
    }

    fn dial_customer(&mut self, call: &mut Call<'_>) {
        call.play_tone(CallSession::ORIGIN, Tone::Ringback);
        self.stage = Stage::Asking(call.request_leg(self.request.dial.clone()));
    }
}

impl Application for CallbackCall {
    fn name(&self) -> &'static str {
        "callback"
    }

    fn start(&mut self, call: &mut Call<'_>) {
        call.acd(AcdRequest::CallbackRinging {
            agent: self.request.agent.clone(),
        });
        call.line(
            CallSession::ORIGIN,
            LineCommand::Ring {
                calling: Some(self.request.customer.clone()),
                name: Some("Callback".to_owned()),
            },
        );
    }

    fn on_line(&mut self, call: &mut Call<'_>, leg: LegId, event: &LineEvent) {
        match (event, &self.stage) {
            (LineEvent::Answered, Stage::RingingAgent) if leg == CallSession::ORIGIN => {
                call.acd(AcdRequest::OfferAnswered {
                    agent: self.request.agent.clone(),
                });
                let mut prompts: Vec<_> =
                    prompt_library::resolve(&self.request.prompts, CALLBACK_AGENT, Language::En)
                        .into_iter()
                        .collect();
                if let Ok(digits) = ivr::say::digits(
                    self.request.customer.as_str().trim_start_matches('+'),
                    Language::En,
                ) {
                    prompts.extend(digits.iter().filter_map(|f| {
                        prompt_library::resolve(&self.request.prompts, f.as_str(), Language::En)
                    }));
                }
                prompts.truncate(media_engine::MAX_SEQUENCE);
                if prompts.is_empty() {
                    self.dial_customer(call);
                } else {
                    let id = call.play_sequence(CallSession::ORIGIN, prompts, false);
                    self.stage = Stage::Announcing(id);
                }
            }
            (LineEvent::Answered, Stage::RingingCustomer(customer)) if leg == *customer => {
                let customer = *customer;
                call.connect_answered(customer);
                self.stage = Stage::Talking;
            }
            (LineEvent::Hangup { cause }, Stage::RingingAgent) => {
                // The agent's phone refused: the callback goes back to its place.
                call.acd(AcdRequest::OfferFailed {
                    agent: self.request.agent.clone(),
                });
                call.end(Disposition::unanswered(*cause), *cause);
            }
            (LineEvent::Hangup { cause }, Stage::Talking) => {
                call.end(Disposition::Answered, *cause)
            }
            (LineEvent::Hangup { cause }, _) if leg == CallSession::ORIGIN => {
                // The agent gave up before the customer answered.
                call.end(Disposition::Abandoned, *cause)
            }
            (LineEvent::Hangup { cause }, _) => call.end(Disposition::unanswered(*cause), *cause),
            _ => {}
        }
    }

    fn on_playback_done(&mut self, call: &mut Call<'_>, leg: LegId, id: Option<PlaybackId>) {
        if let Stage::Announcing(announcing) = self.stage {
            if leg == CallSession::ORIGIN && id.is_none_or(|id| id == announcing) {
                self.dial_customer(call);
            }
        }
    }

    fn on_leg(&mut self, call: &mut Call<'_>, request: u32, route: Route) {
        if !matches!(self.stage, Stage::Asking(asked) if asked == request) {
            if let Route::Ring { leg } | Route::Dial { leg, .. } = route {
                call.release_leg(leg, Cause::NORMAL_CLEARING);
            }
            return;
        }
        match route {
            Route::Dial { leg, called } => {
                call.line(
                    leg,
                    LineCommand::CallOut {
                        calling: None,
                        called,
                    },
                );
                call.destination_asked(leg);
                self.stage = Stage::RingingCustomer(leg);
            }
            Route::Ring { leg } => {
                call.line(
                    leg,
                    LineCommand::Ring {
                        calling: None,
                        name: None,
                    },
                );
                call.destination_asked(leg);
                self.stage = Stage::RingingCustomer(leg);
            }
            Route::Reject(cause) => call.end(Disposition::unanswered(cause), cause),
            Route::Echo | Route::Flow(_) | Route::Feature(_) | Route::Voicemail(_) => {
                call.end(Disposition::Failed, Cause::TEMPORARY_FAILURE)
            }
        }
    }

    fn on_acd(&mut self, call: &mut Call<'_>, instruction: AcdInstruction) {
        match instruction {
            // The ACD's ring timeout: it put the callback back in its place already.
            AcdInstruction::CancelOffer { .. } if matches!(self.stage, Stage::RingingAgent) => {
                call.end(Disposition::NoAnswer, Cause::NO_ANSWER);
            }
            AcdInstruction::Offer { agent, .. } => call.acd(AcdRequest::OfferFailed { agent }),
            _ => {}
        }
    }
}
