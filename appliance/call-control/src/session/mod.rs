//! A call as a sans-IO session: fed line events from its legs, playback completions and
//! time; drained for line commands, media commands and call events. No actors, no clock,
//! no I/O: a test is a script of inputs and times (`tests.rs`), and the call actor is a
//! thin wrapper that moves the outputs to ports, the engine and the switchboard.
//!
//! A session holds any number of legs that join and leave, and runs one [`Application`] at
//! a time (greeting, ringing a destination, talking, the echo test, a refusal); an
//! application ends by handing the call to the next one. The session owns the call's whole
//! record: numbers, legs, times, disposition and cause.

mod acd_link;
#[cfg(test)]
mod acd_tests;
mod apps;
#[cfg(test)]
mod ivr_tests;
mod legs;
mod record;
mod recording;
#[cfg(test)]
mod script;
mod supervise;
#[cfg(test)]
mod supervise_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod voicemail_tests;

pub use acd_link::{AcdInstruction, AcdRequest, QueueEntry};
pub use apps::{
    plan_applications, Application, CallbackCall, CallbackRequest, Connect, EchoTest,
    FeatureRequest, Greeting, Ivr, IvrContext, ListenRequest, Reject, RingInTurn, Route, Talk,
    Transfer, VoicemailListen,
};
pub use legs::{Leg, LegId, LegRole, LegState};
pub use record::{AcdRecord, CallRecord, CallTimes, IvrRecord};
pub use recording::{
    seed_for as recording_seed, RecordingContext, RecordingOutput, RecordingRefused,
};
pub use supervise::{
    LegView, SessionView, SuperviseMode, SuperviseRefused, SuperviseRequest, SupervisorStage,
    SupervisorView,
};

use line_boundary::{Cause, ChannelId, LineCommand, LineEvent, PhoneNumber, Tone};
use media_engine::PromptId;
use std::collections::VecDeque;
use storage::Disposition;

/// DTMF sequence that makes a call panic, when fault injection is on: lets the HIL rig
/// prove that one call's failure leaves the others alone.
pub const FAULT_INJECTION_DIGITS: &str = "*#*9";

/// Identifies one playback the session asked for, so a completion is matched to it: the
/// engine hands it back in `PlaybackDone`/`PlaybackStopped`.
pub use media_engine::PlaybackId;

/// What the session wants done to the media of its legs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaCommand {
    /// Play a prompt once toward the leg's far end; `PlaybackDone` with `id` follows.
    Prompt {
        leg: LegId,
        prompt: PromptId,
        id: PlaybackId,
    },
    /// Play a tone of the box's tone plan toward the leg until stopped or replaced.
    Tone {
        leg: LegId,
        tone: Tone,
        id: PlaybackId,
    },
    /// Play prompts back to back toward the leg; `PlaybackDone` with `id` follows the
    /// last. With `barge_in` a digit from the leg stops them.
    Sequence {
        leg: LegId,
        prompts: Vec<PromptId>,
        id: PlaybackId,
        barge_in: bool,
    },
    /// Let the leg hear a looping music source (music on hold) until stopped.
    Music {
        leg: LegId,
        music: PromptId,
        id: PlaybackId,
    },
    /// Stop whatever plays toward the leg.
    Stop { leg: LegId },
    /// Let two legs hear each other.
    Bridge { a: LegId, b: LegId },
    /// Let a leg hear its own audio (the echo test).
    Loop { leg: LegId },
    /// `listener` hears `source` too (one way, at unity gain), on top of what it hears
    /// already: a supervisor listening, whispering or barging.
    Connect { listener: LegId, source: LegId },
    /// `listener` stops hearing `source` (nothing else changes).
    Disconnect { listener: LegId, source: LegId },
    /// Undo whatever connects this leg to others.
    Isolate { leg: LegId },
}

/// What the session wants done; drained with [`CallSession::poll_output`].
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Tell a leg's line to do something.
    Line { leg: LegId, command: LineCommand },
    /// Change a leg's media.
    Media(MediaCommand),
    /// The leg is no longer part of the call (its line goes back to the pool).
    Detach { leg: LegId },
    /// A destination answered (`None`: the box itself, e.g. the echo test): the call is
    /// connected.
    Answered { leg: Option<LegId> },
    /// Find and reserve a line for `number` (an extension, or an outside number as a
    /// phone on the box would dial it); the answer comes back in
    /// [`CallSession::handle_leg`] with the same `request`.
    RequestLeg { request: u32, number: PhoneNumber },
    /// HTTP GET `url` off the call's actor; answer with [`CallSession::handle_lookup`]
    /// (JSON path → text for each of `fields`) or a failure.
    Lookup {
        id: u32,
        url: String,
        fields: Vec<String>,
        timeout_ms: u32,
    },
    /// A step of the call through the IVR flow `flow`, for the event log.
    Ivr { flow: String, step: events::IvrStep },
    /// Tell the ACD (see [`AcdRequest`]).
    Acd(AcdRequest),
    /// Start or stop recording the caller's leg.
    Recording(RecordingOutput),
    /// A mailbox's stored messages: read them, play one, mark one heard.
    Voicemail(VoicemailOutput),
    /// The call is over; its record is final. Nothing follows.
    Ended(CallRecord),
}

/// What a voicemail application needs from the recordings' owner (the recorder actor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoicemailOutput {
    /// Read `mailbox`'s messages not yet heard; the answer comes back with
    /// [`CallSession::handle_mailbox`].
    List { mailbox: String },
    /// Play a stored message's caller side toward the leg; `PlaybackDone` with `id`
    /// follows its end.
    Play {
        leg: LegId,
        recording: String,
        path: String,
        id: PlaybackId,
    },
    /// The message was played to its owner.
    Heard { recording: String },
}

/// A stored voicemail message, as the recordings index has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxMessage {
    pub recording: String,
    pub path: String,
    pub caller: Option<String>,
    pub started_unix_ms: u64,
    pub duration_ms: u64,
}

/// What the switchboard found for a [`Output::RequestLeg`]: a reserved line to ring or
/// dial out of, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegGrant {
    /// Ring the phone on this leg.
    Ring(Leg),
    /// Call `called` out of this trunk leg.
    Dial {
        leg: Leg,
        called: PhoneNumber,
    },
    Refused(Cause),
}

/// Who is calling whom, known when the call starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallNumbers {
    pub calling: Option<PhoneNumber>,
    /// The caller's name (caller ID), passed on when ringing a phone.
    pub name: Option<String>,
    /// Who the call is for: the extension, or the number sent out on a trunk.
    pub callee: Option<PhoneNumber>,
    /// What the caller dialled, as dialled.
    pub dialled: Option<PhoneNumber>,
}

/// Settings a session starts with.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub ring_timeout_ms: u64,
    pub fault_injection: bool,
}

/// One call. See the module docs.
pub struct CallSession {
    numbers: CallNumbers,
    config: SessionConfig,
    legs: Vec<Leg>,
    app: Option<Box<dyn Application>>,
    outputs: VecDeque<Output>,
    times: CallTimes,
    now_ms: u64,
    next_playback: u32,
    next_request: u32,
    digits: String,
    ended: bool,
    /// The IVR's part of the record, kept up to date by the IVR application.
    ivr: Option<IvrRecord>,
    /// The numbers asked for with [`Output::RequestLeg`], by request.
    requested: std::collections::HashMap<u32, PhoneNumber>,
    /// Who each leg granted mid-call is for (the extension, or the number sent out): it
    /// becomes the record's callee when that leg is asked to answer.
    leg_callees: std::collections::HashMap<LegId, PhoneNumber>,
    /// The call entered the ACD and has not left it: its end is reported there.
    in_acd: bool,
    /// The ACD queue the call entered and the agent who answered it (for the live view).
    acd_queue: Option<String>,
    acd_agent: Option<String>,
    /// The caller's language and when the call first entered the ACD (the screen pop).
    acd_language: Option<ivr::flow::Language>,
    queued_ms: Option<u64>,
    /// The caller's post-call survey score.
    survey: Option<u8>,
    /// Whether the call is being recorded, by `recording.toml`'s rules.
    recording: recording::CallRecording,
}

impl CallSession {
    /// A call from `origin`; add its other legs, then [`CallSession::start`] it.
    pub fn new(
        origin: Leg,
        numbers: CallNumbers,
        config: SessionConfig,
        now_ms: u64,
    ) -> CallSession {
        CallSession {
            numbers,
            config,
            legs: vec![Leg {
                role: LegRole::Origin,
                ..origin
            }],
            app: None,
            outputs: VecDeque::new(),
            times: CallTimes::started_at(now_ms),
            now_ms,
            next_playback: 1,
            next_request: 1,
            digits: String::new(),
            ended: false,
            ivr: None,
            requested: std::collections::HashMap::new(),
            leg_callees: std::collections::HashMap::new(),
            in_acd: false,
            acd_queue: None,
            acd_agent: None,
            acd_language: None,
            queued_ms: None,
            survey: None,
            recording: recording::CallRecording::none(),
        }
    }

    /// The recording rules this call follows, and its seed for rules that record a share
    /// of calls ([`recording_seed`] of the call's id).
    pub fn set_recording(
        &mut self,
        settings: std::sync::Arc<box_config::RecordingSettings>,
        seed: u64,
    ) {
        self.recording = recording::CallRecording::new(settings, seed);
    }

    /// What the recordings index keeps about the call: its queue, agent and every
    /// channel that took part.
    pub fn recording_facts(&self) -> storage::RecordingCallFacts {
        let mut legs: Vec<String> = Vec::new();
        for leg in &self.legs {
            let channel = leg.channel.to_string();
            if !legs.contains(&channel) {
                legs.push(channel);
            }
        }
        storage::RecordingCallFacts {
            queue: self.acd_queue.clone(),
            agent: self.acd_agent.clone(),
            legs,
        }
    }

    /// Whether the call is being recorded now.
    pub fn is_recording(&self) -> bool {
        self.recording.is_on()
    }

    /// An agent or supervisor starts (`start`) or stops the recording by hand; only
    /// where the rule that applies to the call is `on-demand`.
    pub fn handle_recording_request(
        &mut self,
        now_ms: u64,
        start: bool,
    ) -> Result<(), RecordingRefused> {
        self.advance(now_ms);
        if self.ended {
            return Err(RecordingRefused::Ended);
        }
        let context = self.recording_context();
        let output = self.recording.on_demand(&context, start)?;
        self.outputs.push_back(Output::Recording(output));
        Ok(())
    }

    /// What the recording rules look at: the trunk and extension on the call, its queue
    /// and agent, and whether the caller's line carries audio yet.
    fn recording_context(&self) -> RecordingContext {
        let trunk = self
            .legs
            .iter()
            .find(|leg| leg.is_trunk() && leg.role != LegRole::Other)
            .map(|leg| leg.channel.device);
        let extension =
            if self.legs[0].kind == line_boundary::LineKind::Fxs {
                self.numbers.calling.as_ref().map(|n| n.to_string())
            } else if self.legs.iter().any(|leg| {
                leg.role == LegRole::Destination && leg.kind == line_boundary::LineKind::Fxs
            }) {
                self.numbers.callee.as_ref().map(|n| n.to_string())
            } else {
                None
            };
        RecordingContext {
            trunk,
            extension,
            queue: self.acd_queue.clone(),
            agent: self.acd_agent.clone(),
            audio: self.times.line_answered_ms.is_some() || self.times.answered_ms.is_some(),
        }
    }

    fn update_recording(&mut self) {
        if self.ended {
            return;
        }
        let context = self.recording_context();
        if let Some(output) = self.recording.update(&context) {
            self.outputs.push_back(Output::Recording(output));
        }
    }

    /// The caller's leg.
    pub const ORIGIN: LegId = LegId(0);

    /// Adds a leg (already reserved for this call by the leg pool) and returns its id.
    pub fn add_leg(&mut self, leg: Leg) -> LegId {
        self.legs.push(leg);
        LegId(self.legs.len() - 1)
    }

    pub fn leg(&self, id: LegId) -> Option<&Leg> {
        self.legs.get(id.0)
    }

    /// The leg on `channel` that is still part of the call.
    pub fn leg_on(&self, channel: ChannelId) -> Option<LegId> {
        self.legs
            .iter()
            .position(|l| l.channel == channel && l.state != LegState::Gone)
            .map(LegId)
    }

    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// Who is calling whom.
    pub fn numbers(&self) -> &CallNumbers {
        &self.numbers
    }

    /// The application running now (for logs and status).
    pub fn application(&self) -> &'static str {
        self.app.as_ref().map_or("none", |a| a.name())
    }

    // ---- inputs ------------------------------------------------------------------------

    /// Runs the call's first application.
    pub fn start(&mut self, app: Box<dyn Application>, now_ms: u64) {
        self.advance(now_ms);
        self.app = Some(app);
        self.with_app(|app, call| app.start(call));
    }

    /// A line event from the leg on `channel`.
    pub fn handle_line(&mut self, now_ms: u64, channel: ChannelId, event: LineEvent) {
        self.advance(now_ms);
        let Some(leg) = self.leg_on(channel) else {
            return;
        };
        if let LineEvent::Digit { digit } = event {
            self.note_digit(digit);
        }
        let gone = matches!(event, LineEvent::Hangup { .. });
        if gone {
            // The line is cleared already: it is not told to hang up again, and its media
            // is undone now, whatever the application does next.
            self.legs[leg.0].state = LegState::Gone;
            self.outputs
                .push_back(Output::Media(MediaCommand::Stop { leg }));
            self.outputs
                .push_back(Output::Media(MediaCommand::Isolate { leg }));
            self.outputs.push_back(Output::Detach { leg });
        }
        self.with_app(|app, call| app.on_line(call, leg, &event));
    }

    /// A playback the session asked for finished on the leg on `channel`.
    pub fn handle_playback_done(
        &mut self,
        now_ms: u64,
        channel: ChannelId,
        id: Option<PlaybackId>,
    ) {
        self.advance(now_ms);
        let Some(leg) = self.leg_on(channel) else {
            return;
        };
        self.with_app(|app, call| app.on_playback_done(call, leg, id));
    }

    /// The switchboard's answer to the session's [`Output::RequestLeg`] `request`. A
    /// granted leg joins the call (as [`LegRole::Destination`]) even if the application
    /// no longer wants it, so that it is detached and released like any other.
    pub fn handle_leg(&mut self, now_ms: u64, request: u32, grant: LegGrant) {
        self.advance(now_ms);
        let requested = self.requested.remove(&request);
        let route = match grant {
            LegGrant::Ring(leg) => {
                let leg = self.add_leg(Leg {
                    role: LegRole::Destination,
                    ..leg
                });
                if let Some(number) = requested {
                    self.leg_callees.insert(leg, number);
                }
                Route::Ring { leg }
            }
            LegGrant::Dial { leg, called } => {
                let leg = self.add_leg(Leg {
                    role: LegRole::Destination,
                    ..leg
                });
                self.leg_callees.insert(leg, called.clone());
                Route::Dial { leg, called }
            }
            LegGrant::Refused(cause) => {
                // Who the call was for, even though no line was free for it.
                if let Some(number) = requested {
                    self.numbers.callee = Some(number);
                }
                Route::Reject(cause)
            }
        };
        if self.ended {
            if let Route::Ring { leg } | Route::Dial { leg, .. } = route {
                self.legs[leg.0].state = LegState::Gone;
                self.outputs.push_back(Output::Detach { leg });
            }
            return;
        }
        self.with_app(|app, call| app.on_leg(call, request, route));
    }

    /// The answer to the session's [`Output::Lookup`] `id`.
    pub fn handle_lookup(
        &mut self,
        now_ms: u64,
        id: u32,
        result: Result<std::collections::HashMap<String, String>, ivr::session::LookupFailed>,
    ) {
        self.advance(now_ms);
        self.with_app(|app, call| app.on_lookup(call, id, result));
    }

    /// The messages of the mailbox the session asked for ([`VoicemailOutput::List`]);
    /// `Err`: the index could not be read.
    pub fn handle_mailbox(&mut self, now_ms: u64, messages: Result<Vec<MailboxMessage>, String>) {
        self.advance(now_ms);
        self.with_app(|app, call| app.on_mailbox(call, messages));
    }

    /// What the ACD tells the call. A call that no longer runs an application taking
    /// offers refuses them, so the ACD is never left waiting for an answer.
    pub fn handle_acd(&mut self, now_ms: u64, instruction: AcdInstruction) {
        self.advance(now_ms);
        self.with_app(|app, call| app.on_acd(call, instruction));
    }

    /// Whether the call is held by the ACD (entered and not left).
    pub fn in_acd(&self) -> bool {
        self.in_acd
    }

    /// A supervisor asks to join the call (or change mode): the running application
    /// decides (only an agent call takes one). `Ok` means accepted: the supervisor's
    /// phone is asked for and rung; an error changes nothing.
    pub fn handle_supervise(
        &mut self,
        now_ms: u64,
        request: SuperviseRequest,
    ) -> Result<(), SuperviseRefused> {
        self.advance(now_ms);
        if self.ended || self.app.is_none() {
            return Err(SuperviseRefused::Ended);
        }
        let mut result = Err(SuperviseRefused::Ended);
        self.with_app(|app, call| result = app.on_supervise(call, request));
        result
    }

    /// What the call says about itself for the live view (`GET /api/calls`).
    pub fn view(&self) -> SessionView {
        let supervisor = self.app.as_ref().and_then(|app| app.supervisor());
        let supervisor_leg = self.app.as_ref().and_then(|app| app.supervisor_leg());
        let legs = self
            .legs
            .iter()
            .enumerate()
            .filter(|(_, leg)| leg.state != LegState::Gone)
            .map(|(index, leg)| LegView {
                channel: leg.channel.to_string(),
                role: if supervisor_leg == Some(LegId(index)) {
                    "supervisor"
                } else {
                    match leg.role {
                        LegRole::Origin => "origin",
                        LegRole::Destination => "destination",
                        LegRole::Other => "other",
                    }
                },
                state: match leg.state {
                    LegState::Joined => "joined",
                    LegState::Alerting => "alerting",
                    LegState::Up => "up",
                    LegState::Gone => "gone",
                },
            })
            .collect();
        SessionView {
            application: self.application(),
            legs,
            queue: self.acd_queue.clone(),
            agent: self.acd_agent.clone(),
            supervisor,
            ivr: self.ivr.clone(),
            language: self.acd_language.map(|language| language.code()),
            queued_ms: self.queued_ms,
        }
    }

    /// Time passed (the call actor calls this every second of engine time).
    pub fn handle_timeout(&mut self, now_ms: u64) {
        self.advance(now_ms);
        self.with_app(|app, call| app.on_timeout(call));
    }

    /// The next thing to do, in order.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    // ---- internals ---------------------------------------------------------------------

    fn advance(&mut self, now_ms: u64) {
        self.now_ms = self.now_ms.max(now_ms);
    }

    fn note_digit(&mut self, digit: char) {
        self.digits.push(digit);
        if self.digits.len() > 16 {
            self.digits.drain(..self.digits.len() - 16);
        }
        if self.config.fault_injection && self.digits.ends_with(FAULT_INJECTION_DIGITS) {
            panic!("fault injected by DTMF {FAULT_INJECTION_DIGITS}");
        }
    }

    /// Runs the application with a handle on the call, then starts each application it
    /// handed the call to (one may hand over again at once, e.g. a greeting with nothing
    /// to play).
    fn with_app(&mut self, f: impl FnOnce(&mut dyn Application, &mut Call<'_>)) {
        if self.ended {
            return;
        }
        let Some(mut current) = self.app.take() else {
            return;
        };
        let mut next = None;
        f(
            current.as_mut(),
            &mut Call {
                session: self,
                next: &mut next,
            },
        );
        // A chain of hand-overs longer than this is a bug in an application, not a call.
        for _ in 0..MAX_HAND_OVERS {
            let Some(mut app) = next.take() else { break };
            if self.ended {
                return;
            }
            app.start(&mut Call {
                session: self,
                next: &mut next,
            });
            current = app;
        }
        if !self.ended {
            self.app = Some(current);
        }
        self.update_recording();
    }
}

/// Hand-overs followed at once within one input.
const MAX_HAND_OVERS: usize = 8;

/// What an application sees of its call: the legs, the time, and the things it may do.
pub struct Call<'a> {
    session: &'a mut CallSession,
    next: &'a mut Option<Box<dyn Application>>,
}

impl Call<'_> {
    pub fn now_ms(&self) -> u64 {
        self.session.now_ms
    }

    pub fn numbers(&self) -> &CallNumbers {
        &self.session.numbers
    }

    pub fn config(&self) -> &SessionConfig {
        &self.session.config
    }

    pub fn leg(&self, id: LegId) -> Option<&Leg> {
        self.session.leg(id)
    }

    pub fn line(&mut self, leg: LegId, command: LineCommand) {
        if self
            .session
            .leg(leg)
            .is_some_and(|l| l.state != LegState::Gone)
        {
            self.session
                .outputs
                .push_back(Output::Line { leg, command });
        }
    }

    pub fn media(&mut self, command: MediaCommand) {
        self.session.outputs.push_back(Output::Media(command));
    }

    /// Plays a prompt to a leg; its completion comes back with the returned id.
    pub fn play_prompt(&mut self, leg: LegId, prompt: PromptId) -> PlaybackId {
        let id = self.playback_id();
        self.media(MediaCommand::Prompt { leg, prompt, id });
        id
    }

    /// Plays prompts back to back; the completion of the last comes back with the id.
    pub fn play_sequence(
        &mut self,
        leg: LegId,
        prompts: Vec<PromptId>,
        barge_in: bool,
    ) -> PlaybackId {
        let id = self.playback_id();
        self.media(MediaCommand::Sequence {
            leg,
            prompts,
            id,
            barge_in,
        });
        id
    }

    /// Lets the leg hear a looping music source until stopped.
    pub fn play_music(&mut self, leg: LegId, music: PromptId) -> PlaybackId {
        let id = self.playback_id();
        self.media(MediaCommand::Music { leg, music, id });
        id
    }

    /// Asks the switchboard for a line to `number`; the answer comes to
    /// [`Application::on_leg`] with the returned request number.
    pub fn request_leg(&mut self, number: PhoneNumber) -> u32 {
        let request = self.session.next_request;
        self.session.next_request = self.session.next_request.wrapping_add(1);
        self.session.requested.insert(request, number.clone());
        self.session
            .outputs
            .push_back(Output::RequestLeg { request, number });
        request
    }

    /// Asks for an HTTP lookup; the answer comes to [`Application::on_lookup`].
    pub fn lookup(&mut self, id: u32, url: String, fields: Vec<String>, timeout_ms: u32) {
        self.session.outputs.push_back(Output::Lookup {
            id,
            url,
            fields,
            timeout_ms,
        });
    }

    /// Logs a step through an IVR flow.
    pub fn ivr_step(&mut self, flow: &str, step: events::IvrStep) {
        self.session.outputs.push_back(Output::Ivr {
            flow: flow.to_owned(),
            step,
        });
    }

    /// Tells the ACD something about this call; entering marks the call as held by the
    /// ACD until it leaves ([`Call::left_acd`]) or ends (which says `Left` itself).
    pub fn acd(&mut self, request: AcdRequest) {
        match &request {
            AcdRequest::Enter(entry) => {
                self.session.in_acd = true;
                self.session.acd_queue = Some(entry.queue.clone());
                self.session.acd_language = Some(entry.language);
                let now_ms = self.session.now_ms;
                self.session.queued_ms.get_or_insert(now_ms);
            }
            AcdRequest::OfferAnswered { agent } => {
                // An answer makes the call the ACD's until it ends (a callback's call
                // enters the ACD so).
                self.session.in_acd = true;
                self.session.acd_agent = Some(agent.to_string());
            }
            AcdRequest::Transferred {
                to_queue: Some(queue),
            } => {
                self.session.acd_queue = Some(queue.clone());
            }
            AcdRequest::Left => {
                if !self.session.in_acd {
                    return;
                }
                self.session.in_acd = false;
            }
            _ => {}
        }
        self.session.outputs.push_back(Output::Acd(request));
    }

    /// Starts recording a voicemail message for `mailbox` on the caller's leg (a
    /// recording the rules started stops first; the rules wait until it is done).
    pub fn start_message(&mut self, mailbox: &str) {
        for output in self.session.recording.start_message(mailbox) {
            self.session.outputs.push_back(Output::Recording(output));
        }
    }

    /// The voicemail message is complete: its recording stops.
    pub fn stop_message(&mut self) {
        if let Some(output) = self.session.recording.stop_message() {
            self.session.outputs.push_back(Output::Recording(output));
        }
    }

    /// Asks the recordings' owner about stored messages (see [`VoicemailOutput`]).
    pub fn voicemail(&mut self, output: VoicemailOutput) {
        self.session.outputs.push_back(Output::Voicemail(output));
    }

    /// A new playback id, for a playback started through [`Call::voicemail`].
    pub fn next_playback_id(&mut self) -> PlaybackId {
        self.playback_id()
    }

    /// The caller's survey score (1-5), for the call's record.
    pub fn set_survey(&mut self, score: u8) {
        self.session.survey = Some(score);
    }

    /// The ACD let the call go itself (overflow to a flow, refusal): its end is no
    /// longer the ACD's business.
    pub fn left_acd(&mut self) {
        self.session.in_acd = false;
    }

    /// What the call's IVR leaves in its record so far.
    pub fn set_ivr_record(&mut self, record: IvrRecord) {
        self.session.ivr = Some(record);
    }

    /// Takes one leg out of the call while the call goes on (a destination that did not
    /// answer): its line is cleared with `cause` unless it is gone already, its media
    /// undone, and it is detached, which gives its line back to the pool.
    pub fn release_leg(&mut self, leg: LegId, cause: Cause) {
        let Some(state) = self.session.legs.get(leg.0).map(|l| l.state) else {
            return;
        };
        if state != LegState::Gone {
            self.media(MediaCommand::Stop { leg });
            self.media(MediaCommand::Isolate { leg });
            self.line(leg, LineCommand::Hangup { cause });
            self.session.outputs.push_back(Output::Detach { leg });
            self.session.legs[leg.0].state = LegState::Gone;
        }
        self.session.times.stop_ringing(self.session.now_ms);
    }

    pub fn play_tone(&mut self, leg: LegId, tone: Tone) -> PlaybackId {
        let id = self.playback_id();
        self.media(MediaCommand::Tone { leg, tone, id });
        id
    }

    fn playback_id(&mut self) -> PlaybackId {
        let id = PlaybackId(self.session.next_playback);
        self.session.next_playback = self.session.next_playback.wrapping_add(1);
        id
    }

    /// The box answered the caller's line.
    pub fn answer_line(&mut self, leg: LegId) {
        self.line(leg, LineCommand::Answer);
        if leg == CallSession::ORIGIN {
            self.session.times.line_answered(self.session.now_ms);
        }
        self.set_state(leg, LegState::Up);
    }

    /// A destination is being asked to answer (rung or dialled): ring time runs.
    pub fn destination_asked(&mut self, leg: LegId) {
        if let Some(callee) = self.session.leg_callees.get(&leg) {
            self.session.numbers.callee = Some(callee.clone());
        }
        self.set_state(leg, LegState::Alerting);
        self.session.times.start_ringing(self.session.now_ms);
    }

    /// `leg`, a destination asked to answer, answered: the caller's tones or music stop,
    /// the two hear each other, and the call is connected from now on.
    pub fn connect_answered(&mut self, leg: LegId) {
        self.media(MediaCommand::Stop {
            leg: CallSession::ORIGIN,
        });
        self.media(MediaCommand::Bridge {
            a: CallSession::ORIGIN,
            b: leg,
        });
        self.destination_answered(Some(leg));
    }

    /// `leg`, granted for someone who is not the call's destination (a supervisor), is
    /// rung: the record's callee and ring time stay the destination's.
    pub fn ring_other(&mut self, leg: LegId) {
        let calling = self.session.numbers.calling.clone();
        let name = self.session.numbers.name.clone();
        self.line(leg, LineCommand::Ring { calling, name });
        if let Some(l) = self.session.legs.get_mut(leg.0) {
            if l.state != LegState::Gone {
                l.role = LegRole::Other;
            }
        }
        self.set_state(leg, LegState::Alerting);
    }

    /// The ACD moved the call to `queue` (an overflow): its record names that queue.
    pub fn queue_is(&mut self, queue: &str) {
        self.session.acd_queue = Some(queue.to_owned());
    }

    /// The record's callee becomes the number `leg` was asked for (a transfer's target).
    pub fn callee_is(&mut self, leg: LegId) {
        if let Some(number) = self.session.leg_callees.get(&leg) {
            self.session.numbers.callee = Some(number.clone());
        }
    }

    /// `leg`, rung with [`Call::ring_other`], answered: it is up, the record unchanged.
    pub fn other_answered(&mut self, leg: LegId) {
        self.set_state(leg, LegState::Up);
    }

    /// The number `leg` was asked for with [`Call::request_leg`] (the origin: the
    /// caller's number).
    pub fn leg_number(&self, leg: LegId) -> Option<&PhoneNumber> {
        if leg == CallSession::ORIGIN {
            return self.session.numbers.calling.as_ref();
        }
        self.session.leg_callees.get(&leg)
    }

    /// A destination answered (`None`: the box itself, e.g. the echo test): the call is
    /// connected from now on.
    pub fn destination_answered(&mut self, leg: Option<LegId>) {
        if let Some(leg) = leg {
            self.set_state(leg, LegState::Up);
        }
        self.session.times.answered(self.session.now_ms);
        self.session.outputs.push_back(Output::Answered { leg });
    }

    fn set_state(&mut self, leg: LegId, state: LegState) {
        if let Some(l) = self.session.legs.get_mut(leg.0) {
            if l.state != LegState::Gone {
                l.state = state;
            }
        }
    }

    /// Hands the call to `next` once the running application returns.
    pub fn hand_over(&mut self, next: Box<dyn Application>) {
        *self.next = Some(next);
    }

    /// Ends the call: every leg still in it is cleared with `cause` and detached, media
    /// undone, the record finished with `disposition`.
    pub fn end(&mut self, disposition: Disposition, cause: Cause) {
        if self.session.ended {
            return;
        }
        let now = self.session.now_ms;
        self.acd(AcdRequest::Left);
        // The recording stops before the caller's leg is let go.
        if let Some(output) = self.session.recording.end() {
            self.session.outputs.push_back(Output::Recording(output));
        }
        for index in 0..self.session.legs.len() {
            let leg = LegId(index);
            if self.session.legs[index].state == LegState::Gone {
                continue;
            }
            self.session
                .outputs
                .push_back(Output::Media(MediaCommand::Stop { leg }));
            self.session
                .outputs
                .push_back(Output::Media(MediaCommand::Isolate { leg }));
            self.session.outputs.push_back(Output::Line {
                leg,
                command: LineCommand::Hangup { cause },
            });
            self.session.outputs.push_back(Output::Detach { leg });
            self.session.legs[index].state = LegState::Gone;
        }
        self.session.times.ended(now);
        let record = CallRecord {
            numbers: self.session.numbers.clone(),
            origin: self.session.legs[0].channel,
            destination: self
                .session
                .legs
                .iter()
                .find(|l| l.role == LegRole::Destination)
                .map(|l| l.channel),
            disposition,
            cause,
            times: self.session.times,
            ivr: self.session.ivr.clone(),
            acd: AcdRecord {
                queue: self.session.acd_queue.clone(),
                agent: self.session.acd_agent.clone(),
                survey: self.session.survey,
            },
        };
        self.session.outputs.push_back(Output::Ended(record));
        self.session.ended = true;
    }
}
