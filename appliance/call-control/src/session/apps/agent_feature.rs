//! An agent's feature code dialled on a phone of the box (`crate::feature_codes`): the
//! ACD is asked for the change on behalf of this phone, and the agent hears whether it
//! was made ("You are logged in.", "That did not work."), then the box clears.

use super::Application;
use crate::feature_codes::FeatureCode;
use crate::session::{AcdInstruction, AcdRequest, Call, CallSession, LegId, PlaybackId};
use ivr::flow::Language;
use line_boundary::{Cause, LineEvent, Tone};
use media_engine::PromptStore;
use prompt_library::acd_prompts::{LOGGED_IN, LOGGED_OUT, NOT_READY, READY, REFUSED};
use std::sync::Arc;
use storage::Disposition;

/// A feature code call: what was dialled (`None`: a malformed code), at which phone.
#[derive(Clone)]
pub struct FeatureRequest {
    pub code: Option<FeatureCode>,
    /// The extension of the phone that dialled: the agent's device.
    pub device: String,
    pub prompts: Arc<PromptStore>,
}

impl std::fmt::Debug for FeatureRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeatureRequest")
            .field("code", &self.code)
            .field("device", &self.device)
            .finish_non_exhaustive()
    }
}

impl PartialEq for FeatureRequest {
    fn eq(&self, other: &FeatureRequest) -> bool {
        self.code == other.code
            && self.device == other.device
            && Arc::ptr_eq(&self.prompts, &other.prompts)
    }
}

impl Eq for FeatureRequest {}

pub struct AgentFeature {
    request: FeatureRequest,
    /// The answer playing; the box clears after it.
    answering: Option<PlaybackId>,
}

impl AgentFeature {
    pub fn new(request: FeatureRequest) -> AgentFeature {
        AgentFeature {
            request,
            answering: None,
        }
    }

    fn answer(&mut self, call: &mut Call<'_>, accepted: bool) {
        let name = match (&self.request.code, accepted) {
            (Some(FeatureCode::Login { .. }), true) => LOGGED_IN,
            (Some(FeatureCode::Logout), true) => LOGGED_OUT,
            (Some(FeatureCode::Ready), true) => READY,
            (Some(FeatureCode::NotReady { .. }), true) => NOT_READY,
            _ => REFUSED,
        };
        match prompt_library::resolve(&self.request.prompts, name, Language::En) {
            Some(prompt) => {
                self.answering = Some(call.play_sequence(CallSession::ORIGIN, vec![prompt], false));
            }
            None => {
                // No prompts loaded (a box without queues): a tone says as much.
                let tone = if accepted {
                    Tone::Dial
                } else {
                    Tone::Congestion
                };
                call.play_tone(CallSession::ORIGIN, tone);
                self.answering = None;
                call.end(Disposition::SelfService, Cause::NORMAL_CLEARING);
            }
        }
    }
}

impl Application for AgentFeature {
    fn name(&self) -> &'static str {
        "agent-feature"
    }

    fn start(&mut self, call: &mut Call<'_>) {
        call.destination_answered(None);
        match self.request.code.clone() {
            Some(code) => call.acd(AcdRequest::Feature {
                device: self.request.device.clone(),
                code,
            }),
            None => self.answer(call, false),
        }
    }

    fn on_line(&mut self, call: &mut Call<'_>, _leg: LegId, event: &LineEvent) {
        if let LineEvent::Hangup { cause } = event {
            call.end(Disposition::SelfService, *cause);
        }
    }

    fn on_acd(&mut self, call: &mut Call<'_>, instruction: AcdInstruction) {
        match instruction {
            AcdInstruction::FeatureDone { accepted } => self.answer(call, accepted),
            AcdInstruction::Offer { agent, .. } => {
                call.acd(AcdRequest::OfferFailed { agent });
            }
            _ => {}
        }
    }

    fn on_playback_done(&mut self, call: &mut Call<'_>, _leg: LegId, id: Option<PlaybackId>) {
        if self.answering.is_some() && (id.is_none() || id == self.answering) {
            call.end(Disposition::SelfService, Cause::NORMAL_CLEARING);
        }
    }
}
