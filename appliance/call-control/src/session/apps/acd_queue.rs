//! A call waiting in an ACD queue: it enters the ACD, hears music on hold, and does what
//! the ACD tells it. Offers ring the agent's phone through the switchboard (two-phase:
//! the ACD reserved the agent, the call rings them and reports the answer or the
//! failure); announcements say the caller's position and wait in their language; an
//! overflow to a flow runs that flow. The first agent to answer gets the caller
//! ([`AgentCall`]). Ring timeouts are the ACD's: it takes an offer back with
//! `CancelOffer`, and the call lets that phone go. An agent's phone that is busy (most
//! often still on the feature code call that made the agent ready, or hung up less
//! than a flash ago) is asked for again each second while the offer stands: the ACD's
//! ring timeout decides when it is missed, not the phone's last second of a call.

use super::{ask_destination, AgentCall, Application, Ivr, IvrContext, Route, Survey};
use crate::session::{
    AcdInstruction, AcdRequest, Call, CallSession, LegId, PlaybackId, QueueEntry,
};
use acd::AgentId;
use ivr::flow::Language;
use line_boundary::{Cause, LineEvent, PhoneNumber, Tone};
use media_engine::PromptId;
use std::collections::BTreeMap;
use storage::Disposition;

use prompt_library::acd_prompts::{
    CALLBACK_NUMBER, CALLBACK_OFFER, CALLBACK_OK, CLOSED, POSITION, POSITION_END, WAIT, WAIT_END,
};

pub struct AcdQueue {
    entry: Option<QueueEntry>,
    /// The queue's name (the entry is handed to the ACD at start).
    queue: String,
    language: Language,
    context: IvrContext,
    /// Offers asked of the switchboard and not answered yet, by request: the agent and
    /// their phone.
    asking: BTreeMap<u32, (AgentId, PhoneNumber)>,
    /// Offers whose phone was busy: asked for again at the next second.
    busy: Vec<(AgentId, PhoneNumber)>,
    /// Agents' phones ringing.
    ringing: Vec<(AgentId, LegId)>,
    /// An announcement playing; music resumes after it.
    announcing: Option<PlaybackId>,
    /// Turned away or called back later: the goodbye plays, then the call ends so.
    closing: Option<(PlaybackId, Disposition)>,
    /// The caller was offered a callback: `1` takes it.
    callback_offered: bool,
    /// The caller keys another number to be called back at (after `2`).
    callback_digits: Option<String>,
}

impl AcdQueue {
    pub fn new(entry: QueueEntry, context: IvrContext) -> AcdQueue {
        let mut queue = AcdQueue::transferred(entry.queue.clone(), context, entry.language);
        queue.entry = Some(entry);
        queue
    }

    /// A caller an agent transferred here: the ACD moved the call already (no entry to
    /// make), and they wait on music as any caller.
    pub fn transferred(queue: String, context: IvrContext, language: Language) -> AcdQueue {
        AcdQueue {
            entry: None,
            queue,
            language,
            context,
            asking: BTreeMap::new(),
            busy: Vec::new(),
            ringing: Vec::new(),
            announcing: None,
            closing: None,
            callback_offered: false,
            callback_digits: None,
        }
    }

    fn music(&mut self, call: &mut Call<'_>) {
        match self.context.music() {
            Some(music) => call.play_music(CallSession::ORIGIN, music),
            None => call.play_tone(CallSession::ORIGIN, Tone::Ringback),
        };
    }

    fn prompts(&self, names: &[&str]) -> Vec<PromptId> {
        names
            .iter()
            .filter_map(|name| self.context.prompt(name, self.language))
            .collect()
    }

    fn say_number(&self, n: u64) -> Vec<PromptId> {
        ivr::say::number(n, self.language)
            .iter()
            .filter_map(|fragment| self.context.prompt(fragment.as_str(), self.language))
            .collect()
    }

    fn announce(&mut self, call: &mut Call<'_>, position: usize, estimated_wait_ms: u64) {
        if !self.ringing.is_empty() || self.closing.is_some() {
            return;
        }
        let minutes = estimated_wait_ms.div_ceil(60_000).max(1);
        let mut prompts = self.prompts(&[POSITION]);
        prompts.extend(self.say_number(position as u64));
        prompts.extend(self.prompts(&[POSITION_END, WAIT]));
        prompts.extend(self.say_number(minutes));
        prompts.extend(self.prompts(&[WAIT_END]));
        prompts.truncate(media_engine::MAX_SEQUENCE);
        if prompts.is_empty() {
            return;
        }
        call.media(crate::session::MediaCommand::Stop {
            leg: CallSession::ORIGIN,
        });
        self.announcing = Some(call.play_sequence(CallSession::ORIGIN, prompts, false));
    }

    /// The caller takes the callback at the number they keyed, or else their caller ID:
    /// the ACD keeps their place and will call them back; they hear so and the box
    /// clears. Without either there is no number to call: the offer stands and the
    /// caller waits on.
    fn take_callback(&mut self, call: &mut Call<'_>, number: Option<PhoneNumber>) {
        let Some(number) = number.or_else(|| call.numbers().calling.clone()) else {
            return;
        };
        self.callback_offered = false;
        self.release_ringing(call);
        call.acd(AcdRequest::CallbackRequested {
            number: number.to_string(),
        });
        // From now on the ACD holds a callback, not this call.
        call.left_acd();
        self.announcing = None;
        let mut prompts = self.prompts(&[CALLBACK_OK]);
        if let Ok(fragments) =
            ivr::say::digits(number.as_str().trim_start_matches('+'), self.language)
        {
            prompts.extend(
                fragments
                    .iter()
                    .filter_map(|f| self.context.prompt(f.as_str(), self.language)),
            );
        }
        prompts.truncate(media_engine::MAX_SEQUENCE);
        call.media(crate::session::MediaCommand::Stop {
            leg: CallSession::ORIGIN,
        });
        if prompts.is_empty() {
            call.end(Disposition::Callback, Cause::NORMAL_CLEARING);
            return;
        }
        let id = call.play_sequence(CallSession::ORIGIN, prompts, false);
        self.closing = Some((id, Disposition::Callback));
    }

    /// A key of the number the caller leaves: `#` ends it (a number that does not parse,
    /// or none, and the caller waits on as before); `*` starts it again.
    fn callback_key(&mut self, call: &mut Call<'_>, key: char) {
        let Some(digits) = self.callback_digits.as_mut() else {
            return;
        };
        match key {
            '#' => {
                let keyed = std::mem::take(digits);
                self.callback_digits = None;
                match PhoneNumber::parse(&keyed) {
                    Ok(number) if keyed.len() >= 3 => self.take_callback(call, Some(number)),
                    _ => {
                        self.announcing = None;
                        self.music(call);
                    }
                }
            }
            '*' => digits.clear(),
            '0'..='9' if digits.len() < 20 => digits.push(key),
            _ => {}
        }
    }

    /// Lets every ringing phone go (the caller left, or another agent answered).
    fn release_ringing(&mut self, call: &mut Call<'_>) {
        for (_, leg) in self.ringing.drain(..) {
            call.release_leg(leg, Cause::NORMAL_CLEARING);
        }
        self.asking.clear();
        self.busy.clear();
    }
}

impl Application for AcdQueue {
    fn name(&self) -> &'static str {
        "queue"
    }

    fn start(&mut self, call: &mut Call<'_>) {
        self.music(call);
        if let Some(entry) = self.entry.take() {
            call.acd(AcdRequest::Enter(entry));
        }
    }

    fn on_line(&mut self, call: &mut Call<'_>, leg: LegId, event: &LineEvent) {
        if leg == CallSession::ORIGIN {
            match event {
                LineEvent::Hangup { cause } => {
                    self.release_ringing(call);
                    // The session tells the ACD the caller left (or, after a callback
                    // was arranged, nothing: the ACD keeps their place).
                    call.end(Disposition::Abandoned, *cause);
                }
                LineEvent::Digit { digit } if self.callback_digits.is_some() => {
                    self.callback_key(call, *digit)
                }
                LineEvent::Digit { digit: '1' } if self.callback_offered => {
                    self.take_callback(call, None)
                }
                LineEvent::Digit { digit: '2' } if self.callback_offered => {
                    // Another number: keyed now, ended by #.
                    self.callback_digits = Some(String::new());
                    let prompts = self.prompts(&[CALLBACK_NUMBER]);
                    call.media(crate::session::MediaCommand::Stop {
                        leg: CallSession::ORIGIN,
                    });
                    if !prompts.is_empty() {
                        self.announcing =
                            Some(call.play_sequence(CallSession::ORIGIN, prompts, true));
                    }
                }
                _ => {}
            }
            return;
        }
        let Some(index) = self.ringing.iter().position(|(_, l)| *l == leg) else {
            return;
        };
        match event {
            LineEvent::Answered => {
                let (agent, leg) = self.ringing.remove(index);
                self.release_ringing(call);
                call.connect_answered(leg);
                call.acd(AcdRequest::OfferAnswered {
                    agent: agent.clone(),
                });
                let mut talk = AgentCall::new(agent, leg, self.context.music())
                    .with_queues(self.context.clone(), self.language);
                if self.context.survey_queues.contains(&self.queue) {
                    talk = talk.with_survey(Survey::new(self.context.clone(), self.language));
                }
                call.hand_over(Box::new(talk));
            }
            // The phone cleared before answering: the offer failed.
            LineEvent::Hangup { .. } => {
                let (agent, leg) = self.ringing.remove(index);
                call.release_leg(leg, Cause::NORMAL_CLEARING);
                call.acd(AcdRequest::OfferFailed { agent });
            }
            _ => {}
        }
    }

    fn on_leg(&mut self, call: &mut Call<'_>, request: u32, route: Route) {
        let Some((agent, device)) = self.asking.remove(&request) else {
            // Taken back while the switchboard looked for the line.
            if let Route::Ring { leg } | Route::Dial { leg, .. } = route {
                call.release_leg(leg, Cause::NORMAL_CLEARING);
            }
            return;
        };
        match ask_destination(call, route) {
            Ok(leg) => self.ringing.push((agent, leg)),
            Err(Route::Reject(Cause::USER_BUSY)) => self.busy.push((agent, device)),
            Err(_) => call.acd(AcdRequest::OfferFailed { agent }),
        }
    }

    fn on_acd(&mut self, call: &mut Call<'_>, instruction: AcdInstruction) {
        match instruction {
            AcdInstruction::Offer { agent, device } => {
                if self.closing.is_some() {
                    call.acd(AcdRequest::OfferFailed { agent });
                    return;
                }
                if self.announcing.take().is_some() {
                    self.music(call);
                }
                let request = call.request_leg(device.clone());
                self.asking.insert(request, (agent, device));
            }
            AcdInstruction::CancelOffer { agent } => {
                self.asking.retain(|_, (a, _)| *a != agent);
                self.busy.retain(|(a, _)| *a != agent);
                if let Some(index) = self.ringing.iter().position(|(a, _)| *a == agent) {
                    let (_, leg) = self.ringing.remove(index);
                    call.release_leg(leg, Cause::NORMAL_CLEARING);
                }
            }
            AcdInstruction::Announce {
                position,
                estimated_wait_ms,
            } => self.announce(call, position, estimated_wait_ms),
            AcdInstruction::OverflowToFlow(context) => {
                call.left_acd();
                self.release_ringing(call);
                call.media(crate::session::MediaCommand::Stop {
                    leg: CallSession::ORIGIN,
                });
                call.hand_over(Box::new(Ivr::new(context)));
            }
            AcdInstruction::FeatureDone { .. } => {}
            AcdInstruction::MovedTo { queue } => {
                // Its survey and record are the new queue's.
                call.queue_is(&queue);
                self.queue = queue;
            }
            AcdInstruction::OfferCallback => {
                if self.closing.is_some() || !self.ringing.is_empty() {
                    return;
                }
                let prompts = self.prompts(&[CALLBACK_OFFER]);
                if prompts.is_empty() {
                    return;
                }
                self.callback_offered = true;
                call.media(crate::session::MediaCommand::Stop {
                    leg: CallSession::ORIGIN,
                });
                self.announcing = Some(call.play_sequence(CallSession::ORIGIN, prompts, true));
            }
            AcdInstruction::Refused => {
                call.left_acd();
                self.release_ringing(call);
                self.announcing = None;
                let prompts = self.prompts(&[CLOSED]);
                if prompts.is_empty() {
                    call.end(Disposition::NoAnswer, Cause::NORMAL_CLEARING);
                    return;
                }
                call.media(crate::session::MediaCommand::Stop {
                    leg: CallSession::ORIGIN,
                });
                let id = call.play_sequence(CallSession::ORIGIN, prompts, false);
                self.closing = Some((id, Disposition::NoAnswer));
            }
        }
    }

    fn on_timeout(&mut self, call: &mut Call<'_>) {
        for (agent, device) in std::mem::take(&mut self.busy) {
            let request = call.request_leg(device.clone());
            self.asking.insert(request, (agent, device));
        }
    }

    fn on_playback_done(&mut self, call: &mut Call<'_>, leg: LegId, id: Option<PlaybackId>) {
        if leg != CallSession::ORIGIN {
            return;
        }
        if let Some((closing, disposition)) = self.closing {
            if id.is_none() || id == Some(closing) {
                call.end(disposition, Cause::NORMAL_CLEARING);
            }
            return;
        }
        if self.announcing.is_some() && (id.is_none() || id == self.announcing) {
            self.announcing = None;
            self.music(call);
        }
    }
}
