//! A call runs an IVR flow: the `ivr` crate's interpreter ([`IvrSession`]) decides, this
//! application turns its actions into the call's media, lookups and hand-overs, and its
//! events into the call's event log and record.

use super::{AcdQueue, Application, RingInTurn, Transfer, Voicemail, VoicemailPrompts};
use crate::session::{Call, CallSession, IvrRecord, LegId, LegState, PlaybackId, QueueEntry};
use events::IvrStep;
use ivr::flow::{Flow, Language};
use ivr::schedule::Schedule;
use ivr::session::{Action, Event, IvrSession, LookupFailed, Setup};
use line_boundary::{Cause, LineEvent, PhoneNumber};
use media_engine::{PromptId, PromptStore, MAX_SEQUENCE};
use std::collections::HashMap;
use std::sync::Arc;
use storage::Disposition;

/// What an IVR call needs besides its session: shared by all calls of the flow.
#[derive(Clone)]
pub struct IvrContext {
    pub flow: Arc<Flow>,
    pub schedules: Arc<HashMap<String, Schedule>>,
    pub prompts: Arc<PromptStore>,
    /// Unix time in ms at engine time 0, for time conditions.
    pub epoch_unix_ms: i64,
    /// `queue` nodes join the ACD's queues (else they ring their extensions in turn).
    pub acd_queues: bool,
    /// Queues whose callers hear the post-call survey.
    pub survey_queues: Arc<std::collections::BTreeSet<String>>,
    /// Queues' transfer numbers (what an agent keys after a flash) → queue.
    pub transfer_numbers: Arc<std::collections::BTreeMap<String, String>>,
}

impl std::fmt::Debug for IvrContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IvrContext")
            .field("flow", &self.flow.name.value)
            .finish_non_exhaustive()
    }
}

impl PartialEq for IvrContext {
    fn eq(&self, other: &IvrContext) -> bool {
        Arc::ptr_eq(&self.flow, &other.flow)
    }
}

impl Eq for IvrContext {}

impl IvrContext {
    /// The engine's id for a prompt name in `language`, in the prompt library's order
    /// (the caller's language, none, the other language).
    pub fn prompt(&self, name: &str, language: Language) -> Option<PromptId> {
        prompt_library::resolve(&self.prompts, name, language)
    }

    /// The engine's id for text synthesized when the configuration was applied.
    pub fn spoken(&self, text: &str, language: Language) -> Option<PromptId> {
        self.prompts.find(&prompt_library::text_key(language, text))
    }

    pub fn music(&self) -> Option<PromptId> {
        self.prompts.find(prompt_library::MUSIC_ON_HOLD)
    }
}

pub struct Ivr {
    context: IvrContext,
    session: Option<IvrSession>,
    /// The playback the session waits for: the engine's id and the session's.
    playing: Option<(PlaybackId, u32)>,
}

impl Ivr {
    pub fn new(context: IvrContext) -> Ivr {
        Ivr {
            context,
            session: None,
            playing: None,
        }
    }

    fn flow_name(&self) -> &str {
        &self.context.flow.name.value
    }

    /// Carries out what the session wants, logs its events and keeps the record current;
    /// an action that completes at once (nothing to play) feeds its completion back.
    fn pump(&mut self, call: &mut Call<'_>) {
        let Some(mut session) = self.session.take() else {
            return;
        };
        let mut next: Option<Box<dyn Application>> = None;
        let mut end: Option<Cause> = None;
        // Each round drains what the last input produced; an instant completion is one
        // more input. The session's own spin guard bounds the rounds.
        loop {
            let mut completed = None;
            while let Some(event) = session.poll_event() {
                let step = ivr_step(event);
                call.ivr_step(self.flow_name(), step);
            }
            while let Some(action) = session.poll_action() {
                match action {
                    Action::Play {
                        prompts,
                        language,
                        id,
                        barge_in,
                    } => {
                        let ids: Vec<PromptId> = prompts
                            .iter()
                            .filter_map(|name| {
                                let found = self.context.prompt(name, language);
                                if found.is_none() {
                                    tracing::warn!(flow = %self.flow_name(), prompt = %name, "prompt not loaded; skipped");
                                }
                                found
                            })
                            .collect();
                        completed = self.play(call, ids, id, barge_in).or(completed);
                    }
                    Action::Speak {
                        text,
                        language,
                        id,
                        barge_in,
                    } => {
                        let ids: Vec<PromptId> =
                            self.context.spoken(&text, language).into_iter().collect();
                        if ids.is_empty() {
                            tracing::warn!(flow = %self.flow_name(), %text, "text prompt not synthesized; skipped");
                        }
                        completed = self.play(call, ids, id, barge_in).or(completed);
                    }
                    Action::StopPlayback => {
                        self.playing = None;
                        call.media(crate::session::MediaCommand::Stop {
                            leg: CallSession::ORIGIN,
                        });
                    }
                    Action::Lookup {
                        id,
                        url,
                        fields,
                        timeout_ms,
                    } => call.lookup(id, url, fields, timeout_ms),
                    Action::Transfer { to } => {
                        next = Some(match PhoneNumber::parse(&to) {
                            Ok(number) => Box::new(Transfer::new(number)),
                            Err(_) => {
                                tracing::warn!(flow = %self.flow_name(), %to, "transfer to a number that does not parse");
                                end = Some(Cause::INVALID_NUMBER_FORMAT);
                                break;
                            }
                        });
                    }
                    Action::Queue { extensions, .. } if !self.context.acd_queues => {
                        let numbers = extensions
                            .iter()
                            .filter_map(|e| PhoneNumber::parse(e).ok())
                            .collect();
                        next = Some(Box::new(RingInTurn::new(numbers, self.context.music())));
                    }
                    Action::Queue {
                        queue,
                        priority,
                        skills,
                        variables,
                        ..
                    } => {
                        let entry = QueueEntry {
                            queue,
                            priority,
                            skills,
                            variables: variables.into_iter().collect(),
                            language: session.language(),
                        };
                        next = Some(Box::new(AcdQueue::new(entry, self.context.clone())));
                    }
                    Action::Voicemail {
                        mailbox,
                        greeting,
                        max_ms,
                    } => {
                        use prompt_library::voicemail_prompts::{BEEP, GREETING, SAVED};
                        let language = session.language();
                        let greeting_name = greeting.as_deref().unwrap_or(GREETING);
                        let prompts = VoicemailPrompts {
                            greeting: self.context.prompt(greeting_name, language),
                            beep: self.context.prompt(BEEP, language),
                            saved: self.context.prompt(SAVED, language),
                        };
                        if prompts.greeting.is_none() {
                            tracing::warn!(flow = %self.flow_name(), prompt = %greeting_name, "voicemail greeting not loaded; skipped");
                        }
                        next = Some(Box::new(Voicemail::new(mailbox, prompts, max_ms)));
                    }
                    Action::Hangup { cause } => end = Some(Cause(cause)),
                }
            }
            match completed {
                Some(id) if next.is_none() && end.is_none() => {
                    session.handle_playback_done(call.now_ms(), id)
                }
                _ => break,
            }
        }
        while let Some(event) = session.poll_event() {
            call.ivr_step(self.flow_name(), ivr_step(event));
        }
        call.set_ivr_record(IvrRecord {
            flow: self.flow_name().to_owned(),
            path: session.path().to_vec(),
            variables: session.variables().clone(),
        });
        if let Some(cause) = end {
            // The flow ended the call: the caller was served by the IVR (or told to call
            // again), not abandoned.
            call.end(Disposition::SelfService, cause);
        } else if let Some(next) = next {
            self.playing = None;
            call.media(crate::session::MediaCommand::Stop {
                leg: CallSession::ORIGIN,
            });
            call.hand_over(next);
        } else {
            self.session = Some(session);
        }
    }

    /// Starts a sequence; returns the session's id at once when there is nothing to play.
    fn play(
        &mut self,
        call: &mut Call<'_>,
        mut prompts: Vec<PromptId>,
        id: u32,
        barge_in: bool,
    ) -> Option<u32> {
        if prompts.is_empty() {
            self.playing = None;
            return Some(id);
        }
        if prompts.len() > MAX_SEQUENCE {
            tracing::warn!(flow = %self.flow_name(), prompts = prompts.len(), "sequence too long; cut to {MAX_SEQUENCE}");
            prompts.truncate(MAX_SEQUENCE);
        }
        let playback = call.play_sequence(CallSession::ORIGIN, prompts, barge_in);
        self.playing = Some((playback, id));
        None
    }
}

/// The event log's form of an interpreter event.
fn ivr_step(event: Event) -> IvrStep {
    match event {
        Event::NodeEntered { node } => IvrStep::NodeEntered { node },
        Event::DigitsCollected { node, digits } => IvrStep::DigitsCollected { node, digits },
        Event::VariableSet { name, value } => IvrStep::VariableSet { name, value },
        Event::LookupResult { node, result, .. } => IvrStep::LookupResult {
            node,
            error: result.err().map(|e| e.to_string()),
        },
        Event::SayFailed { node, value } => IvrStep::SayFailed { node, value },
        Event::ScheduleMissing { node, schedule } => IvrStep::ScheduleMissing { node, schedule },
        Event::Aborted { reason } => IvrStep::Aborted {
            reason: reason.to_string(),
        },
    }
}

impl Application for Ivr {
    fn name(&self) -> &'static str {
        "ivr"
    }

    fn start(&mut self, call: &mut Call<'_>) {
        // A call overflowing from a queue into a flow is answered already.
        if call
            .leg(CallSession::ORIGIN)
            .is_some_and(|leg| leg.state != LegState::Up)
        {
            call.answer_line(CallSession::ORIGIN);
        }
        let text = |n: &Option<PhoneNumber>| n.as_ref().map(|n| n.to_string()).unwrap_or_default();
        let numbers = call.numbers();
        let setup = Setup {
            variables: vec![
                ("caller".to_owned(), text(&numbers.calling)),
                ("called".to_owned(), text(&numbers.dialled)),
            ],
            language: None,
            schedules: Arc::clone(&self.context.schedules),
            unix_offset_ms: self.context.epoch_unix_ms,
        };
        self.session = Some(IvrSession::new(
            Arc::clone(&self.context.flow),
            setup,
            call.now_ms(),
        ));
        self.pump(call);
    }

    fn on_line(&mut self, call: &mut Call<'_>, leg: LegId, event: &LineEvent) {
        if leg != CallSession::ORIGIN {
            return;
        }
        match event {
            LineEvent::Digit { digit } => {
                if let Some(session) = &mut self.session {
                    session.handle_digit(call.now_ms(), *digit);
                }
                self.pump(call);
            }
            LineEvent::Hangup { cause } => call.end(Disposition::Abandoned, *cause),
            _ => {}
        }
    }

    fn on_playback_done(&mut self, call: &mut Call<'_>, leg: LegId, id: Option<PlaybackId>) {
        let Some((playing, ours)) = self.playing else {
            return;
        };
        if leg != CallSession::ORIGIN || id.is_some_and(|id| id != playing) {
            return;
        }
        self.playing = None;
        if let Some(session) = &mut self.session {
            session.handle_playback_done(call.now_ms(), ours);
        }
        self.pump(call);
    }

    fn on_timeout(&mut self, call: &mut Call<'_>) {
        if let Some(session) = &mut self.session {
            session.handle_timeout(call.now_ms());
        }
        self.pump(call);
    }

    fn on_lookup(
        &mut self,
        call: &mut Call<'_>,
        id: u32,
        result: Result<HashMap<String, String>, LookupFailed>,
    ) {
        if let Some(session) = &mut self.session {
            session.handle_lookup(call.now_ms(), id, result);
        }
        self.pump(call);
    }
}
