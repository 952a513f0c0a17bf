//! A queue call an agent answered: caller and agent talk; a hook flash on the agent's
//! phone puts the caller on hold (the caller hears music, the agent silence) and the
//! next flash takes them back. Whoever hangs up ends the call (the session tells the
//! ACD, which starts the agent's wrap-up).

use super::Application;
use crate::session::{AcdInstruction, AcdRequest, Call, CallSession, LegId, MediaCommand};
use acd::AgentId;
use line_boundary::{LineEvent, Tone};
use media_engine::PromptId;
use storage::Disposition;

pub struct AgentCall {
    agent: AgentId,
    agent_leg: LegId,
    music: Option<PromptId>,
    on_hold: bool,
}

impl AgentCall {
    pub fn new(agent: AgentId, agent_leg: LegId, music: Option<PromptId>) -> AgentCall {
        AgentCall {
            agent,
            agent_leg,
            music,
            on_hold: false,
        }
    }

    fn hold(&mut self, call: &mut Call<'_>) {
        self.on_hold = true;
        call.media(MediaCommand::Isolate {
            leg: CallSession::ORIGIN,
        });
        match self.music {
            Some(music) => call.play_music(CallSession::ORIGIN, music),
            None => call.play_tone(CallSession::ORIGIN, Tone::CallWaiting),
        };
        call.acd(AcdRequest::Hold {
            agent: self.agent.clone(),
        });
    }

    fn unhold(&mut self, call: &mut Call<'_>) {
        self.on_hold = false;
        call.media(MediaCommand::Stop {
            leg: CallSession::ORIGIN,
        });
        call.media(MediaCommand::Bridge {
            a: CallSession::ORIGIN,
            b: self.agent_leg,
        });
        call.acd(AcdRequest::Unhold {
            agent: self.agent.clone(),
        });
    }
}

impl Application for AgentCall {
    fn name(&self) -> &'static str {
        "agent-call"
    }

    fn start(&mut self, _call: &mut Call<'_>) {}

    fn on_line(&mut self, call: &mut Call<'_>, leg: LegId, event: &LineEvent) {
        match event {
            LineEvent::Hangup { cause } => call.end(Disposition::Answered, *cause),
            LineEvent::Flash if leg == self.agent_leg => {
                if self.on_hold {
                    self.unhold(call);
                } else {
                    self.hold(call);
                }
            }
            _ => {}
        }
    }

    fn on_acd(&mut self, call: &mut Call<'_>, instruction: AcdInstruction) {
        // Offers for a call already answered are refused; taking back another agent's
        // ring (ring-all) concerns a phone the queue let go already.
        if let AcdInstruction::Offer { agent, .. } = instruction {
            call.acd(AcdRequest::OfferFailed { agent });
        }
    }
}
