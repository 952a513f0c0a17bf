//! One actor per call: it owns the call's legs, walks it through greeting, ringing and
//! talking, bridges the legs in the media engine, and reports the call's end for its CDR.

use crate::contained_handler;
use crate::containment::{ActorFailed, Contained};
use crate::messages::{CallId, CallInput, PortInput, Stamp};
use crate::switchboard::{CallAnswered, CallEnded, Switchboard};
use actix::prelude::*;
use line_boundary::{Cause, ChannelId, LineCommand, LineEvent, LineKind, PhoneNumber, Tone};
use media_engine::{CommandSender, EngineCommand, PromptId, Slot};
use std::sync::Arc;
use storage::Disposition;

/// DTMF sequence that makes a call's actor panic, when fault injection is on: lets the HIL
/// rig prove that one call's failure leaves the others alone.
pub const FAULT_INJECTION_DIGITS: &str = "*#*9";
/// How long a caller hears busy or congestion before the box clears the call.
const REJECT_TONE_MS: u64 = 4_000;

/// One side of a call: a channel and the actor that runs its line.
#[derive(Debug, Clone)]
pub struct Leg {
    pub channel: ChannelId,
    pub slot: Slot,
    pub kind: LineKind,
    /// The actor running this leg's line: a port actor or a B-channel actor.
    pub port: Recipient<PortInput>,
}

/// Where the switchboard decided this call goes.
#[derive(Debug, Clone)]
pub enum Destination {
    /// Ring this extension's leg (already reserved for this call).
    Ring(Leg),
    /// Place a call to `called` out of this trunk leg (already reserved for this call).
    Dial { leg: Leg, called: PhoneNumber },
    /// The echo test: after the greeting the caller hears their own audio.
    Echo,
    /// Refuse the call with this cause (busy, unknown number, no route).
    Reject(Cause),
}

pub struct CallSetup {
    pub id: CallId,
    pub origin: Leg,
    pub destination: Destination,
    pub calling: Option<PhoneNumber>,
    pub name: Option<String>,
    pub greeting: Option<PromptId>,
    pub ring_timeout_ms: u64,
    pub fault_injection: bool,
    pub engine: CommandSender,
    pub switchboard: Addr<Switchboard>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallState {
    Greeting,
    Ringing { since_ms: u64 },
    Connected,
    Rejecting { until_ms: u64, cause: Cause },
    Ended,
}

/// A call's times for its CDR, in engine ms. Ring time counts only while a destination
/// is asked to answer (rung or dialled), never the greeting before it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallTimes {
    /// The box answered the caller's line (a trunk call, for the greeting or the echo).
    pub line_answered_ms: Option<u64>,
    /// A destination answered (an extension, an outside number, the echo test).
    pub answered_ms: Option<u64>,
    /// Time a destination has rung so far, and since when it rings now.
    pub ringing_ms: u64,
    ringing_since: Option<u64>,
}

impl CallTimes {
    /// Times known only from the outside: when (if) a destination answered.
    pub fn answered_at(answered_ms: Option<u64>) -> CallTimes {
        CallTimes {
            answered_ms,
            ..CallTimes::default()
        }
    }

    fn start_ringing(&mut self, now_ms: u64) {
        self.ringing_since.get_or_insert(now_ms);
    }

    fn stop_ringing(&mut self, now_ms: u64) {
        if let Some(since) = self.ringing_since.take() {
            self.ringing_ms += now_ms.saturating_sub(since);
        }
    }
}

pub struct CallActor {
    setup: CallSetup,
    state: CallState,
    digits: String,
    name: Arc<str>,
    times: CallTimes,
}

impl CallActor {
    pub fn new(setup: CallSetup) -> CallActor {
        let name = format!("call {}", setup.id).into();
        CallActor {
            setup,
            state: CallState::Greeting,
            digits: String::new(),
            name,
            times: CallTimes::default(),
        }
    }

    fn engine(&self, command: EngineCommand) {
        if let Err(error) = self.setup.engine.send(command) {
            tracing::error!(call = %self.setup.id, %error, "media engine did not take a command");
        }
    }

    fn tell(&self, leg: &Leg, command: LineCommand, stamp: &Stamp) {
        leg.port.do_send(PortInput::Command {
            command,
            stamp: stamp.clone(),
        });
    }

    fn destination_leg(&self) -> Option<&Leg> {
        match &self.setup.destination {
            Destination::Ring(leg) | Destination::Dial { leg, .. } => Some(leg),
            Destination::Reject(_) | Destination::Echo => None,
        }
    }

    fn on_input(&mut self, input: CallInput, ctx: &mut Context<Self>) {
        match input {
            CallInput::Start { stamp } => self.start(&stamp),
            CallInput::PlaybackDone { slot, stamp } => {
                if self.state == CallState::Greeting && slot == self.setup.origin.slot {
                    self.ring_destination(&stamp);
                }
            }
            CallInput::Line {
                channel,
                event,
                stamp,
            } => self.on_line(channel, event, &stamp),
            CallInput::Second { stamp } => self.on_second(&stamp),
        }
        if self.state == CallState::Ended {
            ctx.stop();
        }
    }

    fn start(&mut self, stamp: &Stamp) {
        let origin = self.setup.origin.clone();
        match origin.kind {
            // A digital trunk refuses a call it cannot place before answering it: the
            // caller's network plays the cause, and nobody is billed for a failed call.
            LineKind::E1 if matches!(self.setup.destination, Destination::Reject(_)) => {
                if let Destination::Reject(cause) = self.setup.destination {
                    self.end(Disposition::unanswered(cause), cause, None, stamp);
                }
            }
            // A trunk call is answered by the box, which greets the caller first.
            LineKind::Fxo | LineKind::E1 => {
                self.tell(&origin, LineCommand::Answer, stamp);
                self.times.line_answered_ms = Some(stamp.at_ms);
                match self.setup.greeting {
                    Some(prompt) => {
                        self.state = CallState::Greeting;
                        self.engine(EngineCommand::PlayPrompt {
                            slot: origin.slot,
                            prompt,
                        });
                    }
                    None => self.ring_destination(stamp),
                }
            }
            LineKind::Fxs => self.ring_destination(stamp),
        }
    }

    fn ring_destination(&mut self, stamp: &Stamp) {
        let origin_slot = self.setup.origin.slot;
        match self.setup.destination.clone() {
            Destination::Ring(leg) => {
                let command = LineCommand::Ring {
                    calling: self.setup.calling.clone(),
                    name: self.setup.name.clone(),
                };
                self.tell(&leg, command, stamp);
                self.engine(EngineCommand::PlayTone {
                    slot: origin_slot,
                    tone: Tone::Ringback,
                });
                self.state = CallState::Ringing {
                    since_ms: stamp.at_ms,
                };
                self.times.start_ringing(stamp.at_ms);
            }
            Destination::Dial { leg, called } => {
                // Ringback starts when the far end says it is alerting.
                let command = LineCommand::CallOut {
                    calling: self.setup.calling.clone(),
                    called,
                };
                self.tell(&leg, command, stamp);
                self.state = CallState::Ringing {
                    since_ms: stamp.at_ms,
                };
                self.times.start_ringing(stamp.at_ms);
            }
            Destination::Echo => {
                self.engine(EngineCommand::Bridge {
                    a: origin_slot,
                    b: origin_slot,
                });
                self.answered(stamp);
            }
            Destination::Reject(cause) => {
                let tone = if cause == Cause::USER_BUSY {
                    Tone::Busy
                } else {
                    Tone::Congestion
                };
                self.engine(EngineCommand::PlayTone {
                    slot: origin_slot,
                    tone,
                });
                self.state = CallState::Rejecting {
                    until_ms: stamp.at_ms + REJECT_TONE_MS,
                    cause,
                };
            }
        }
    }

    fn on_line(&mut self, channel: ChannelId, event: LineEvent, stamp: &Stamp) {
        let from_origin = channel == self.setup.origin.channel;
        match event {
            LineEvent::Answered if !from_origin => {
                if let (CallState::Ringing { .. }, Some(leg)) =
                    (self.state, self.destination_leg().cloned())
                {
                    let origin = self.setup.origin.slot;
                    self.engine(EngineCommand::StopPlayback { slot: origin });
                    self.engine(EngineCommand::Bridge {
                        a: origin,
                        b: leg.slot,
                    });
                    self.answered(stamp);
                }
            }
            LineEvent::Alerting | LineEvent::Progress if !from_origin => {
                if matches!(self.state, CallState::Ringing { .. }) {
                    let origin = self.setup.origin.slot;
                    self.engine(EngineCommand::PlayTone {
                        slot: origin,
                        tone: Tone::Ringback,
                    });
                }
            }
            LineEvent::Hangup { cause } => {
                // A destination that clears before answering (a busy carrier, a phone that
                // refused to ring) ends the call as its cause says, wherever it came from.
                let disposition = match self.state {
                    CallState::Connected => Disposition::Answered,
                    CallState::Rejecting { cause, .. } => Disposition::unanswered(cause),
                    _ if from_origin => Disposition::Abandoned,
                    _ => Disposition::unanswered(cause),
                };
                self.end(disposition, cause, Some(channel), stamp);
            }
            LineEvent::Digit { digit } => {
                self.digits.push(digit);
                if self.digits.len() > 16 {
                    self.digits.drain(..self.digits.len() - 16);
                }
                if self.setup.fault_injection && self.digits.ends_with(FAULT_INJECTION_DIGITS) {
                    panic!(
                        "fault injected by DTMF {FAULT_INJECTION_DIGITS} into call {}",
                        self.setup.id
                    );
                }
            }
            _ => {}
        }
    }

    fn on_second(&mut self, stamp: &Stamp) {
        match self.state {
            CallState::Ringing { since_ms }
                if stamp.at_ms >= since_ms + self.setup.ring_timeout_ms =>
            {
                self.end(Disposition::NoAnswer, Cause::NO_ANSWER, None, stamp);
            }
            CallState::Rejecting { until_ms, cause } if stamp.at_ms >= until_ms => {
                self.end(Disposition::unanswered(cause), cause, None, stamp);
            }
            _ => {}
        }
    }

    /// A destination answered: the call is connected from now on.
    fn answered(&mut self, stamp: &Stamp) {
        self.times.stop_ringing(stamp.at_ms);
        self.times.answered_ms = Some(stamp.at_ms);
        self.state = CallState::Connected;
        self.setup.switchboard.do_send(CallAnswered {
            call: self.setup.id.clone(),
            stamp: stamp.clone(),
        });
    }

    /// Clears every leg but the one that hung up, undoes media, reports the end.
    fn end(
        &mut self,
        disposition: Disposition,
        cause: Cause,
        hung_up: Option<ChannelId>,
        stamp: &Stamp,
    ) {
        let mut legs = vec![self.setup.origin.clone()];
        legs.extend(self.destination_leg().cloned());
        for leg in &legs {
            self.engine(EngineCommand::Unbridge { slot: leg.slot });
            self.engine(EngineCommand::StopPlayback { slot: leg.slot });
            if Some(leg.channel) != hung_up {
                self.tell(leg, LineCommand::Hangup { cause }, stamp);
            }
            leg.port.do_send(PortInput::Detach {
                call: self.setup.id.clone(),
                stamp: stamp.clone(),
            });
        }
        self.state = CallState::Ended;
        self.times.stop_ringing(stamp.at_ms);
        self.setup.switchboard.do_send(CallEnded {
            call: self.setup.id.clone(),
            disposition,
            cause,
            times: self.times,
            stamp: stamp.clone(),
        });
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
        self.setup.switchboard.clone().recipient()
    }
}

contained_handler!(CallActor, CallInput, on_input);
