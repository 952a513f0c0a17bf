//! One actor per call: a thin wrapper around its [`CallSession`]. It feeds the session
//! what the call's legs and the engine report, and moves what the session wants done to
//! the legs' line actors, the media engine and the switchboard. The call's logic lives in
//! the session and its applications, tested without actors.

use crate::contained_handler;
use crate::containment::{ActorFailed, Contained};
pub use crate::messages::LegLine;
use crate::messages::{
    CallAnswered, CallEnded, CallId, CallInput, CallToAcd, LegLeft, PortInput, RequestLeg, Stamp,
    SwitchboardLink,
};
use crate::recorder_actor::{ListMailbox, MarkHeard, PlayMessage, StartRecording, StopRecording};
use crate::session::{
    Application, CallRecord, CallSession, LegId, MediaCommand, Output, RecordingOutput,
    VoicemailOutput,
};

use actix::prelude::*;
use media_engine::{CommandSender, EngineCommand, Slot};
use std::sync::Arc;

pub struct CallSetup {
    pub id: CallId,
    /// The session with every leg it starts with; `lines[i]` runs leg `LegId(i)`.
    pub session: CallSession,
    pub lines: Vec<LegLine>,
    /// What the call runs first.
    pub app: Box<dyn Application>,
    pub engine: CommandSender,
    pub switchboard: SwitchboardLink,
    /// Where the call's IVR steps are published.
    pub events: Option<Recipient<events::Publish>>,
    /// Whom the IVR's `https://` lookups trust.
    pub lookup_tls: Option<crate::lookup::LookupTls>,
    /// The ACD actor, for calls that join a queue.
    pub acd: Option<Recipient<CallToAcd>>,
    /// The name the ACD knows this call by, when not its own id (a callback speaks for
    /// the call that asked for it).
    pub acd_key: Option<CallId>,
    /// The recorder, when the box records calls.
    pub recorder: Option<crate::recorder_actor::RecorderLink>,
}

pub struct CallActor {
    id: CallId,
    session: CallSession,
    lines: Vec<LegLine>,
    first_app: Option<Box<dyn Application>>,
    engine: CommandSender,
    switchboard: SwitchboardLink,
    events: Option<Recipient<events::Publish>>,
    lookup_tls: Option<crate::lookup::LookupTls>,
    acd: Option<Recipient<CallToAcd>>,
    acd_key: Option<CallId>,
    recorder: Option<crate::recorder_actor::RecorderLink>,
    /// A recording was started for this call: its end is told to the recorder.
    recorded: bool,
    name: Arc<str>,
}

impl CallActor {
    pub fn new(setup: CallSetup) -> CallActor {
        CallActor {
            name: format!("call {}", setup.id).into(),
            id: setup.id,
            session: setup.session,
            lines: setup.lines,
            first_app: Some(setup.app),
            engine: setup.engine,
            switchboard: setup.switchboard,
            events: setup.events,
            lookup_tls: setup.lookup_tls,
            acd: setup.acd,
            acd_key: setup.acd_key,
            recorder: setup.recorder,
            recorded: false,
        }
    }

    fn on_input(&mut self, input: CallInput, ctx: &mut Context<Self>) {
        let stamp = match input {
            CallInput::Start { stamp } => {
                if let Some(app) = self.first_app.take() {
                    self.session.start(app, stamp.at_ms);
                }
                stamp
            }
            CallInput::PlaybackDone { slot, id, stamp } => {
                if let Some(line) = self.lines.iter().find(|l| l.slot == slot) {
                    self.session
                        .handle_playback_done(stamp.at_ms, line.channel, Some(id));
                }
                stamp
            }
            CallInput::Line {
                channel,
                event,
                stamp,
            } => {
                self.session.handle_line(stamp.at_ms, channel, event);
                stamp
            }
            CallInput::Second { stamp } => {
                self.session.handle_timeout(stamp.at_ms);
                stamp
            }
            CallInput::Leg {
                request,
                grant,
                line,
                stamp,
            } => {
                // The session numbers legs in the order they join: the line goes with it.
                if let Some(line) = line {
                    self.lines.push(line);
                }
                self.session.handle_leg(stamp.at_ms, request, grant);
                stamp
            }
            CallInput::LookupDone { id, result, stamp } => {
                self.session.handle_lookup(stamp.at_ms, id, result);
                stamp
            }
            CallInput::Acd { instruction, stamp } => {
                self.session.handle_acd(stamp.at_ms, instruction);
                stamp
            }
            CallInput::Supervise {
                request,
                reply,
                stamp,
            } => {
                let result = self.session.handle_supervise(stamp.at_ms, request.clone());
                match &result {
                    Ok(()) => {
                        tracing::info!(call = %self.id, mode = %request.mode, extension = %request.extension, "supervisor request accepted")
                    }
                    Err(error) => {
                        tracing::info!(call = %self.id, mode = %request.mode, extension = %request.extension, %error, "supervisor request refused")
                    }
                }
                // The asker may have given up waiting: nothing to tell then.
                let _ = reply.send(result);
                stamp
            }
            CallInput::Record {
                start,
                reply,
                stamp,
            } => {
                let result = self.session.handle_recording_request(stamp.at_ms, start);
                match &result {
                    Ok(()) => tracing::info!(call = %self.id, start, "recording on demand"),
                    Err(error) => {
                        tracing::info!(call = %self.id, start, %error, "recording request refused")
                    }
                }
                let _ = reply.send(result);
                stamp
            }
            CallInput::Mailbox { messages, stamp } => {
                self.session.handle_mailbox(stamp.at_ms, messages);
                stamp
            }
            CallInput::Describe { reply } => {
                let _ = reply.send(self.session.view());
                return;
            }
        };
        self.drain(&stamp, ctx);
        if self.session.is_ended() {
            ctx.stop();
        }
    }

    fn drain(&mut self, stamp: &Stamp, ctx: &mut Context<Self>) {
        while let Some(output) = self.session.poll_output() {
            match output {
                Output::Line { leg, command } => {
                    if let Some(line) = self.line(leg) {
                        line.port.do_send(PortInput::Command {
                            command,
                            stamp: stamp.clone(),
                        });
                    }
                }
                Output::Media(command) => self.media(command),
                Output::Detach { leg } => {
                    if let Some(line) = self.line(leg) {
                        line.port.do_send(PortInput::Detach {
                            call: self.id.clone(),
                            stamp: stamp.clone(),
                        });
                        // A leg let go while the call goes on frees its channel now; at the
                        // end the switchboard frees them all.
                        if !self.session.is_ended() && leg != crate::session::CallSession::ORIGIN {
                            self.switchboard.leg_left.do_send(LegLeft {
                                call: self.id.clone(),
                                channel: line.channel,
                                stamp: stamp.clone(),
                            });
                        }
                    }
                }
                Output::RequestLeg { request, number } => {
                    self.switchboard.request_leg.do_send(RequestLeg {
                        call: self.id.clone(),
                        request,
                        number,
                        stamp: stamp.clone(),
                    })
                }
                Output::Lookup {
                    id,
                    url,
                    fields,
                    timeout_ms,
                } => self.lookup(id, url, fields, timeout_ms, stamp, ctx),
                Output::Ivr { flow, step } => {
                    if let Some(events) = &self.events {
                        events.do_send(events::Publish::new(
                            events::Event::Ivr {
                                call: self.id.clone(),
                                flow,
                                step,
                            },
                            stamp.at_ms,
                        ));
                    }
                }
                Output::Answered { leg } => self.switchboard.answered.do_send(CallAnswered {
                    call: self.id.clone(),
                    channel: leg.and_then(|leg| self.line(leg)).map(|l| l.channel),
                    stamp: stamp.clone(),
                }),
                Output::Acd(request) => self.to_acd(request, stamp, ctx),
                Output::Recording(recording) => self.recording(recording, stamp),
                Output::Voicemail(request) => self.voicemail(request, stamp, ctx),
                Output::Ended(record) => self.ended(record, stamp),
            }
        }
    }

    /// Runs an HTTP lookup on the actor's runtime; the answer comes back as a message.
    /// The lookup holds the work token that asked for it, so lock-step time waits for it.
    fn lookup(
        &self,
        id: u32,
        url: String,
        fields: Vec<String>,
        timeout_ms: u32,
        stamp: &Stamp,
        ctx: &mut Context<Self>,
    ) {
        let call = ctx.address();
        let stamp = stamp.clone();
        let tls = self.lookup_tls.clone();
        actix::spawn(async move {
            let result = crate::lookup::fetch(&url, &fields, timeout_ms, tls.as_ref()).await;
            if let Err(error) = &result {
                tracing::info!(%url, %error, "IVR lookup failed");
            }
            call.do_send(CallInput::LookupDone { id, result, stamp });
        });
    }

    fn to_acd(&self, request: crate::session::AcdRequest, stamp: &Stamp, ctx: &Context<Self>) {
        let Some(acd) = &self.acd else {
            tracing::warn!(call = %self.id, ?request, "no ACD on this box: request dropped");
            return;
        };
        acd.do_send(CallToAcd {
            call: self.acd_key.clone().unwrap_or_else(|| self.id.clone()),
            caller: self
                .session
                .numbers()
                .calling
                .as_ref()
                .map(|n| n.to_string()),
            request,
            reply: ctx.address().recipient(),
            stamp: stamp.clone(),
        });
    }

    fn recording(&mut self, output: RecordingOutput, stamp: &Stamp) {
        let Some(recorder) = &self.recorder else {
            return;
        };
        let (reason, retention_days, mailbox) = match output {
            RecordingOutput::Start {
                reason,
                retention_days,
            } => (reason, retention_days, None),
            RecordingOutput::StartMessage {
                mailbox,
                retention_days,
            } => ("voicemail".to_owned(), retention_days, Some(mailbox)),
            RecordingOutput::Stop => {
                recorder.stop.do_send(StopRecording {
                    call: self.id.clone(),
                    facts: self.session.recording_facts(),
                    call_ended: self.session.is_ended(),
                    stamp: stamp.clone(),
                });
                return;
            }
        };
        let Some(slot) = self.slot(CallSession::ORIGIN) else {
            return;
        };
        let numbers = self.session.numbers();
        recorder.start.do_send(StartRecording {
            call: self.id.clone(),
            slot,
            caller: numbers.calling.as_ref().map(|n| n.to_string()),
            called: numbers
                .callee
                .as_ref()
                .or(numbers.dialled.as_ref())
                .map(|n| n.to_string()),
            reason,
            retention_days,
            mailbox,
            stamp: stamp.clone(),
        });
        self.recorded = true;
    }

    /// A mailbox's messages: the recorder actor reads the index off this thread and
    /// plays a message through the engine's stream ring. The list's answer holds the
    /// work token that asked, so lock-step time waits for it.
    fn voicemail(&mut self, request: VoicemailOutput, stamp: &Stamp, ctx: &mut Context<Self>) {
        let Some(recorder) = &self.recorder else {
            tracing::warn!(call = %self.id, ?request, "no recorder on this box: voicemail request dropped");
            return;
        };
        match request {
            VoicemailOutput::List { mailbox } => {
                let asked = recorder.list.send(ListMailbox { mailbox });
                let call = ctx.address();
                let stamp = stamp.clone();
                actix::spawn(async move {
                    let messages = match asked.await {
                        Ok(answer) => answer,
                        Err(error) => Err(error.to_string()),
                    };
                    call.do_send(CallInput::Mailbox { messages, stamp });
                });
            }
            VoicemailOutput::Play {
                leg,
                recording,
                path,
                id,
            } => {
                let Some(slot) = self.slot(leg) else {
                    return;
                };
                recorder.play.do_send(PlayMessage {
                    recording,
                    path: path.into(),
                    slot,
                    id,
                    reply: ctx.address().recipient(),
                    stamp: stamp.clone(),
                });
            }
            VoicemailOutput::Heard { recording } => recorder.heard.do_send(MarkHeard { recording }),
        }
    }

    fn ended(&self, record: CallRecord, stamp: &Stamp) {
        if let (true, Some(recorder)) = (self.recorded, &self.recorder) {
            // Its recordings may be purged from now on.
            recorder.stop.do_send(StopRecording {
                call: self.id.clone(),
                facts: self.session.recording_facts(),
                call_ended: true,
                stamp: stamp.clone(),
            });
        }
        self.switchboard.ended.do_send(CallEnded {
            call: self.id.clone(),
            record,
            stamp: stamp.clone(),
        });
    }

    fn line(&self, leg: LegId) -> Option<&LegLine> {
        self.lines.get(leg.0)
    }

    fn slot(&self, leg: LegId) -> Option<Slot> {
        self.line(leg).map(|l| l.slot)
    }

    fn media(&self, command: MediaCommand) {
        let command = match command {
            MediaCommand::Prompt { leg, prompt, id } => self
                .slot(leg)
                .map(|slot| EngineCommand::PlayPrompt { slot, prompt, id }),
            MediaCommand::Tone { leg, tone, id } => self
                .slot(leg)
                .map(|slot| EngineCommand::PlayTone { slot, tone, id }),
            MediaCommand::Sequence {
                leg,
                prompts,
                id,
                barge_in,
            } => self.slot(leg).map(|slot| EngineCommand::PlaySequence {
                slot,
                prompts: prompts
                    .into_iter()
                    .take(media_engine::MAX_SEQUENCE)
                    .collect(),
                id,
                barge_in,
            }),
            MediaCommand::Music { leg, music, id } => self
                .slot(leg)
                .map(|slot| EngineCommand::PlayMusic { slot, music, id }),
            MediaCommand::Stop { leg } => self
                .slot(leg)
                .map(|slot| EngineCommand::StopPlayback { slot }),
            MediaCommand::Bridge { a, b } => match (self.slot(a), self.slot(b)) {
                (Some(a), Some(b)) => Some(EngineCommand::Bridge { a, b }),
                _ => None,
            },
            MediaCommand::Loop { leg } => self
                .slot(leg)
                .map(|slot| EngineCommand::Bridge { a: slot, b: slot }),
            MediaCommand::Isolate { leg } => {
                self.slot(leg).map(|slot| EngineCommand::Unbridge { slot })
            }
            MediaCommand::Connect { listener, source } => {
                match (self.slot(listener), self.slot(source)) {
                    (Some(listener), Some(source)) => Some(EngineCommand::Connect {
                        listener,
                        source,
                        gain: media_engine::Gain::UNITY,
                    }),
                    _ => None,
                }
            }
            MediaCommand::Disconnect { listener, source } => {
                match (self.slot(listener), self.slot(source)) {
                    (Some(listener), Some(source)) => {
                        Some(EngineCommand::Disconnect { listener, source })
                    }
                    _ => None,
                }
            }
        };
        if let Some(command) = command {
            if let Err(error) = self.engine.send(command) {
                tracing::error!(call = %self.id, %error, "media engine did not take a command");
            }
        }
    }
}

impl Actor for CallActor {
    type Context = Context<Self>;
}

impl Contained for CallActor {
    fn actor_name(&self) -> Arc<str> {
        Arc::clone(&self.name)
    }
    fn supervisor(&self) -> Recipient<ActorFailed> {
        self.switchboard.failed.clone()
    }
}

contained_handler!(CallActor, CallInput, on_input);
