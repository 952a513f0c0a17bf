//! A queue call an agent answered: caller and agent talk; a hook flash on the agent's
//! phone puts the caller on hold (the caller hears music, the agent silence) and the
//! next flash takes them back. Whoever of the two hangs up ends the call (the session
//! tells the ACD, which starts the agent's wrap-up).
//!
//! **Supervision.** A supervisor may join from their phone (`on_supervise`): the phone is
//! asked for and rung; when it answers the mode is applied as directed connections on
//! top of the caller–agent bridge (see `session/supervise.rs`): listen (the supervisor
//! hears both), whisper (and the agent hears the supervisor), barge (all three hear each
//! other), take-over (the agent leg is released, the ACD hears the call left so the agent
//! wraps up, caller and supervisor are bridged and the call goes on as a plain talk).
//! A new mode from the same phone changes only the connections that differ. One
//! supervisor at a time. The supervisor hanging up (or not answering within the ring
//! timeout) leaves caller and agent as they were; the caller or the agent hanging up
//! ends the call, the supervisor's leg with it.
//!
//! **Hold with a supervisor on.** The caller on hold hears music and no one, and no one
//! hears the caller; the agent and the supervisor stay connected as the mode says,
//! without the caller (listen: the supervisor hears the agent; whisper and barge: the
//! agent and the supervisor hear each other, so the agent can ask for help while the
//! caller waits). Taken back, the caller is bridged to the agent again and the mode's
//! connections to the caller return. A take-over while the caller is on hold takes the
//! caller off hold, to the supervisor.

use super::consult::{self, Consult, Handoff};
use super::{AcdQueue, Application, IvrContext, Route, Survey, Talk};
use crate::session::{
    AcdInstruction, AcdRequest, Call, CallSession, LegId, MediaCommand, SuperviseMode,
    SuperviseRefused, SuperviseRequest, SupervisorStage, SupervisorView,
};
use acd::AgentId;
use ivr::flow::Language;
use line_boundary::{Cause, LineEvent, PhoneNumber, Tone};
use media_engine::PromptId;
use storage::Disposition;

const CALLER: LegId = CallSession::ORIGIN;

pub struct AgentCall {
    agent: AgentId,
    agent_leg: LegId,
    music: Option<PromptId>,
    on_hold: bool,
    supervisor: Option<Supervisor>,
    /// The supervisor's connections as the engine has them now: (listener, source).
    connected: Vec<(LegId, LegId)>,
    /// The caller's post-call survey, when the queue has one.
    survey: Option<Survey>,
    /// A transfer being set up by flash (see `consult.rs`).
    consult: Option<Consult>,
    /// What a transfer to a queue needs: the prompts, music and transfer numbers, and
    /// the caller's language.
    queues: Option<(IvrContext, Language)>,
}

struct Supervisor {
    extension: PhoneNumber,
    mode: SuperviseMode,
    stage: Stage,
}

#[derive(Clone, Copy)]
enum Stage {
    /// The switchboard looks for the phone's line (request number).
    Asking(u32),
    Ringing {
        leg: LegId,
        since_ms: u64,
    },
    Up(LegId),
}

impl AgentCall {
    pub fn new(agent: AgentId, agent_leg: LegId, music: Option<PromptId>) -> AgentCall {
        AgentCall {
            agent,
            agent_leg,
            music,
            on_hold: false,
            supervisor: None,
            connected: Vec::new(),
            survey: None,
            consult: None,
            queues: None,
        }
    }

    /// Lets the agent transfer the caller to a queue by its transfer number.
    pub fn with_queues(mut self, context: IvrContext, language: Language) -> AgentCall {
        self.queues = Some((context, language));
        self
    }

    /// The number the agent keyed after a flash: a queue's transfer number, or a number
    /// to ring or dial.
    fn transfer_to(&mut self, call: &mut Call<'_>, number: String) {
        let queue = self
            .queues
            .as_ref()
            .and_then(|(context, _)| context.transfer_numbers.get(&number).cloned());
        if let (Some(queue), Some((context, language))) = (queue, self.queues.clone()) {
            // Back to waiting, in that queue, keeping their place; the agent is free.
            self.consult = None;
            call.acd(AcdRequest::Transferred {
                to_queue: Some(queue.clone()),
            });
            call.release_leg(self.agent_leg, Cause::NORMAL_CLEARING);
            if let Some(supervisor) = self.supervisor_leg() {
                call.release_leg(supervisor, Cause::NORMAL_CLEARING);
            }
            call.hand_over(Box::new(AcdQueue::transferred(queue, context, language)));
            return;
        }
        match PhoneNumber::parse(&number) {
            Ok(number) => self.consult = Some(Consult::Asking(call.request_leg(number))),
            Err(_) => {
                call.play_tone(self.agent_leg, Tone::Busy);
                self.consult = Some(Consult::start(call, self.agent_leg));
            }
        }
    }

    /// The flash that cancels a transfer: the target goes, the agent is back with the
    /// caller.
    fn cancel_transfer(&mut self, call: &mut Call<'_>) {
        if let Some(consult) = self.consult.take() {
            consult.release(call);
        }
        call.media(MediaCommand::Stop {
            leg: self.agent_leg,
        });
        self.unhold(call);
    }

    /// The agent hung up while a transfer rang (blind) or after talking to the target
    /// (attended): the caller goes to the target, the agent is done.
    fn complete_transfer(&mut self, call: &mut Call<'_>, consult: Consult) {
        if let Some(supervisor) = self.supervisor_leg() {
            call.release_leg(supervisor, Cause::NORMAL_CLEARING);
        }
        call.acd(AcdRequest::Transferred { to_queue: None });
        call.left_acd();
        if let Some(leg) = consult.leg() {
            // The record's callee becomes who the caller was passed to.
            call.callee_is(leg);
        }
        match consult {
            Consult::Ringing(leg) => call.hand_over(Box::new(Handoff::new(leg))),
            Consult::Talking(leg) => {
                call.media(MediaCommand::Stop { leg: CALLER });
                call.media(MediaCommand::Bridge { a: CALLER, b: leg });
                call.hand_over(Box::new(Talk));
            }
            _ => {}
        }
    }

    /// When the agent hangs up first, the caller is handed to this survey.
    pub fn with_survey(mut self, survey: Survey) -> AgentCall {
        self.survey = Some(survey);
        self
    }

    fn hold(&mut self, call: &mut Call<'_>) {
        self.on_hold = true;
        call.media(MediaCommand::Isolate { leg: CALLER });
        // The isolation ended every connection of the caller, the supervisor's too.
        self.connected.retain(|&(l, s)| l != CALLER && s != CALLER);
        match self.music {
            Some(music) => call.play_music(CALLER, music),
            None => call.play_tone(CALLER, Tone::CallWaiting),
        };
        call.acd(AcdRequest::Hold {
            agent: self.agent.clone(),
        });
    }

    fn unhold(&mut self, call: &mut Call<'_>) {
        self.on_hold = false;
        call.media(MediaCommand::Stop { leg: CALLER });
        call.media(MediaCommand::Bridge {
            a: CALLER,
            b: self.agent_leg,
        });
        // A bridge ends every other connection of both parties: the mode's come back.
        self.connected.clear();
        self.apply(call);
        call.acd(AcdRequest::Unhold {
            agent: self.agent.clone(),
        });
    }

    /// The supervisor's leg once it answered.
    fn supervisor_up(&self) -> Option<(LegId, SuperviseMode)> {
        match &self.supervisor {
            Some(Supervisor {
                stage: Stage::Up(leg),
                mode,
                ..
            }) => Some((*leg, *mode)),
            _ => None,
        }
    }

    /// Makes the engine's connections what the supervisor's mode asks (nothing before
    /// the supervisor answers).
    fn apply(&mut self, call: &mut Call<'_>) {
        let Some((leg, mode)) = self.supervisor_up() else {
            return;
        };
        if mode == SuperviseMode::TakeOver {
            self.take_over(call, leg);
            return;
        }
        let want = wanted(mode, leg, self.agent_leg, self.on_hold);
        for &(listener, source) in &self.connected {
            if !want.contains(&(listener, source)) {
                call.media(MediaCommand::Disconnect { listener, source });
            }
        }
        for &(listener, source) in &want {
            if !self.connected.contains(&(listener, source)) {
                call.media(MediaCommand::Connect { listener, source });
            }
        }
        self.connected = want;
    }

    /// The agent leg goes, the caller and the supervisor talk; the ACD hears the call
    /// left (the agent wraps up) and the call goes on as a plain talk.
    fn take_over(&mut self, call: &mut Call<'_>, supervisor: LegId) {
        if self.on_hold {
            call.media(MediaCommand::Stop { leg: CALLER });
        }
        // A transfer the agent was setting up goes with them.
        if let Some(consult) = self.consult.take() {
            consult.release(call);
        }
        call.release_leg(self.agent_leg, Cause::NORMAL_CLEARING);
        call.media(MediaCommand::Bridge {
            a: CALLER,
            b: supervisor,
        });
        self.connected.clear();
        call.acd(AcdRequest::Left);
        call.hand_over(Box::new(Talk));
    }
}

/// The directed connections (listener, source) of `mode` between the supervisor, the
/// agent and the caller, without the caller's while on hold.
fn wanted(
    mode: SuperviseMode,
    supervisor: LegId,
    agent: LegId,
    on_hold: bool,
) -> Vec<(LegId, LegId)> {
    let mut want = vec![(supervisor, CALLER), (supervisor, agent)];
    if matches!(mode, SuperviseMode::Whisper | SuperviseMode::Barge) {
        want.push((agent, supervisor));
    }
    if mode == SuperviseMode::Barge {
        want.push((CALLER, supervisor));
    }
    if on_hold {
        want.retain(|&(l, s)| l != CALLER && s != CALLER);
    }
    want
}

impl Application for AgentCall {
    fn name(&self) -> &'static str {
        "agent-call"
    }

    fn start(&mut self, _call: &mut Call<'_>) {}

    fn on_line(&mut self, call: &mut Call<'_>, leg: LegId, event: &LineEvent) {
        if self.supervisor_leg() == Some(leg) {
            match event {
                // The session took the leg out already (media undone, detached): caller
                // and agent stay as they are.
                LineEvent::Hangup { .. } => {
                    self.supervisor = None;
                    self.connected.clear();
                }
                LineEvent::Answered => {
                    if let Some(supervisor) = &mut self.supervisor {
                        if let Stage::Ringing { .. } = supervisor.stage {
                            supervisor.stage = Stage::Up(leg);
                            call.other_answered(leg);
                            self.apply(call);
                        }
                    }
                }
                // The supervisor's flashes and digits do nothing.
                _ => {}
            }
            return;
        }
        if let Some(consult) = self.consult.clone() {
            if consult.leg() == Some(leg) {
                match event {
                    LineEvent::Answered => {
                        call.other_answered(leg);
                        call.media(MediaCommand::Stop {
                            leg: self.agent_leg,
                        });
                        call.media(MediaCommand::Bridge {
                            a: self.agent_leg,
                            b: leg,
                        });
                        self.consult = Some(Consult::Talking(leg));
                    }
                    // The target refused or hung up: the agent is back with the caller.
                    LineEvent::Hangup { .. } => {
                        self.consult = None;
                        call.media(MediaCommand::Stop {
                            leg: self.agent_leg,
                        });
                        self.unhold(call);
                    }
                    _ => {}
                }
                return;
            }
            if leg == self.agent_leg {
                match event {
                    LineEvent::Flash => return self.cancel_transfer(call),
                    LineEvent::Digit { digit } => {
                        let mut consult = consult;
                        let number = consult.key(call, self.agent_leg, *digit);
                        self.consult = Some(consult);
                        if let Some(number) = number {
                            self.transfer_to(call, number);
                        }
                        return;
                    }
                    LineEvent::Hangup { .. }
                        if matches!(consult, Consult::Ringing(_) | Consult::Talking(_)) =>
                    {
                        self.consult = None;
                        return self.complete_transfer(call, consult);
                    }
                    LineEvent::Hangup { .. } => {
                        // Hung up before a target rang: the caller, on hold, is cleared.
                        consult.release(call);
                        self.consult = None;
                    }
                    _ => {}
                }
            }
        }
        match event {
            LineEvent::Hangup { .. } if leg == self.agent_leg && self.survey.is_some() => {
                // The agent's leg is out of the call already; the caller stays for the
                // survey, a supervisor does not.
                if let Some(supervisor) = self.supervisor_leg() {
                    call.release_leg(supervisor, Cause::NORMAL_CLEARING);
                }
                self.supervisor = None;
                // The agent is done: they wrap up now, not when the caller has rated.
                call.acd(AcdRequest::Left);
                if let Some(survey) = self.survey.take() {
                    call.hand_over(Box::new(survey));
                }
            }
            LineEvent::Hangup { cause } => call.end(Disposition::Answered, *cause),
            LineEvent::Flash if leg == self.agent_leg => {
                if self.on_hold {
                    self.unhold(call);
                } else {
                    // Hold, and the agent may key a number to transfer to.
                    self.hold(call);
                    self.consult = Some(Consult::start(call, self.agent_leg));
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

    fn on_supervise(
        &mut self,
        call: &mut Call<'_>,
        request: SuperviseRequest,
    ) -> Result<(), SuperviseRefused> {
        let extension = request.extension;
        if [CALLER, self.agent_leg]
            .iter()
            .any(|&leg| call.leg_number(leg) == Some(&extension))
        {
            return Err(SuperviseRefused::Party {
                extension: extension.to_string(),
            });
        }
        match &mut self.supervisor {
            Some(supervisor) if supervisor.extension != extension => {
                Err(SuperviseRefused::Supervised {
                    extension: supervisor.extension.to_string(),
                })
            }
            Some(supervisor) => {
                supervisor.mode = request.mode;
                self.apply(call);
                Ok(())
            }
            None => {
                let asked = call.request_leg(extension.clone());
                self.supervisor = Some(Supervisor {
                    extension,
                    mode: request.mode,
                    stage: Stage::Asking(asked),
                });
                Ok(())
            }
        }
    }

    fn on_leg(&mut self, call: &mut Call<'_>, request: u32, route: Route) {
        if self.consult == Some(Consult::Asking(request)) {
            match route {
                Route::Ring { leg } => {
                    consult::ring(call, self.agent_leg, leg, None);
                    self.consult = Some(Consult::Ringing(leg));
                }
                Route::Dial { leg, called } => {
                    consult::ring(call, self.agent_leg, leg, Some(called));
                    self.consult = Some(Consult::Ringing(leg));
                }
                // Busy, unknown or unreachable: the agent hears busy, and may key
                // another number or flash back to the caller.
                _ => {
                    call.play_tone(self.agent_leg, Tone::Busy);
                    self.consult = Some(Consult::Dialling {
                        digits: String::new(),
                        last_key_ms: call.now_ms(),
                    });
                }
            }
            return;
        }
        let asked = matches!(
            self.supervisor,
            Some(Supervisor { stage: Stage::Asking(r), .. }) if r == request
        );
        if !asked {
            if let Route::Ring { leg } | Route::Dial { leg, .. } = route {
                call.release_leg(leg, Cause::NORMAL_CLEARING);
            }
            return;
        }
        match route {
            Route::Ring { leg } => {
                call.ring_other(leg);
                if let Some(supervisor) = &mut self.supervisor {
                    supervisor.stage = Stage::Ringing {
                        leg,
                        since_ms: call.now_ms(),
                    };
                }
            }
            other => {
                // Not a phone of the box, or busy by now: the supervisor is not joined.
                tracing::info!(route = ?other, "the supervisor's phone cannot be rung");
                if let Route::Dial { leg, .. } = other {
                    call.release_leg(leg, Cause::NORMAL_CLEARING);
                }
                self.supervisor = None;
            }
        }
    }

    fn on_timeout(&mut self, call: &mut Call<'_>) {
        let keyed = self
            .consult
            .as_mut()
            .and_then(|consult| consult.pause_ended(call.now_ms()));
        if let Some(number) = keyed {
            self.transfer_to(call, number);
        }
        if let Some(Supervisor {
            stage: Stage::Ringing { leg, since_ms },
            ..
        }) = self.supervisor
        {
            if call.now_ms() >= since_ms + call.config().ring_timeout_ms {
                call.release_leg(leg, Cause::NORMAL_CLEARING);
                self.supervisor = None;
            }
        }
    }

    fn supervisor(&self) -> Option<SupervisorView> {
        self.supervisor.as_ref().map(|s| SupervisorView {
            extension: s.extension.to_string(),
            mode: s.mode,
            stage: match s.stage {
                Stage::Asking(_) => SupervisorStage::Asking,
                Stage::Ringing { .. } => SupervisorStage::Ringing,
                Stage::Up(_) => SupervisorStage::Up,
            },
        })
    }

    fn supervisor_leg(&self) -> Option<LegId> {
        match self.supervisor.as_ref()?.stage {
            Stage::Asking(_) => None,
            Stage::Ringing { leg, .. } | Stage::Up(leg) => Some(leg),
        }
    }
}
