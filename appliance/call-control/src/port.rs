//! One actor per analog port: it owns the port's loop-start stack (FXO or FXS), turns
//! engine events into stack input, and stack output into line events and engine commands.

use crate::contained_handler;
use crate::containment::{ActorFailed, Contained};
use crate::leg::LegLink;
use crate::leg_pool::LineState;
use crate::messages::{PortInput, PortStatus, Stamp, SwitchboardLink};
use actix::prelude::*;
use analog_signalling::{
    CidStandard, FxoAction, FxoLine, FxoState, FxsAction, FxsPort, FxsState, LineFromTelco,
};
use dsp::call_progress::ProgressTone;
use dsp::caller_id::CallerIdMessage;
use line_boundary::signal;
use line_boundary::{ChannelId, Hook, LineCommand, LineEvent, LineKind, PhoneNumber};
use media_engine::{
    CallerIdFormat, CommandSender, EngineCommand, EngineEvent, PlaybackId, Slot, WorkToken,
};

/// The id of a port's own playbacks (dial tone, caller ID, dialled digits): a call's
/// session numbers its playbacks from 1, so a completion of these is never taken for one
/// of the call's.
const PORT_PLAYBACK: PlaybackId = PlaybackId(u32::MAX);
use std::sync::Arc;

/// The signalling stack a port runs, by the side of the loop the box is on.
pub enum AnalogStack {
    Fxo(FxoLine),
    Fxs(FxsPort),
}

/// Knows which dialled strings are complete numbers, so an FXS caller need not wait for
/// the inter-digit timeout after dialling an extension.
#[derive(Debug, Default)]
pub struct DialPlan {
    pub extensions: Vec<String>,
    pub outbound_prefixes: Vec<String>,
    /// Lets [`PORT_FAULT_DIGITS`] make a port's actor panic: for fault-isolation tests only.
    pub fault_injection: bool,
}

/// Digits that, dialled on an FXS port with fault injection on, make the port's actor
/// panic: proves a failed port is restarted with a fresh stack and nothing else is hit.
/// (No `#` in it: `#` ends dialling.)
pub const PORT_FAULT_DIGITS: &str = "*998";

impl DialPlan {
    fn is_complete(&self, dialled: &str) -> bool {
        self.extensions.iter().any(|e| e == dialled)
            || crate::feature_codes::COMPLETE_CODES.contains(&dialled)
    }
}

pub struct PortActor {
    pub channel: ChannelId,
    pub slot: Slot,
    pub stack: AnalogStack,
    pub engine: CommandSender,
    pub dial_plan: Arc<DialPlan>,
    leg: LegLink,
    dialled: String,
    signal_out: u8,
    deadline: Option<u64>,
    reported_state: &'static str,
    name: Arc<str>,
}

impl PortActor {
    pub fn new(
        channel: ChannelId,
        slot: Slot,
        stack: AnalogStack,
        engine: CommandSender,
        switchboard: SwitchboardLink,
        dial_plan: Arc<DialPlan>,
    ) -> PortActor {
        // An FXS port feeds its phone battery from the start.
        let signal_out = match stack {
            AnalogStack::Fxs(_) => signal::BATTERY,
            AnalogStack::Fxo(_) => 0,
        };
        PortActor {
            channel,
            slot,
            stack,
            engine,
            dial_plan,
            leg: LegLink::new(channel, switchboard),
            dialled: String::new(),
            signal_out,
            deadline: None,
            reported_state: "",
            name: format!("port {}", channel.device).into(),
        }
    }

    pub fn kind(&self) -> LineKind {
        match self.stack {
            AnalogStack::Fxo(_) => LineKind::Fxo,
            AnalogStack::Fxs(_) => LineKind::Fxs,
        }
    }

    fn command_engine(&self, command: EngineCommand) {
        if let Err(error) = self.engine.send(command) {
            tracing::error!(port = %self.channel, %error, "media engine did not take a command");
        }
    }

    fn on_input(&mut self, input: PortInput, _ctx: &mut Context<Self>) {
        let stamp = match input {
            PortInput::Engine { event, token } => {
                let stamp = Stamp {
                    at_ms: event.at_ms(),
                    token,
                };
                self.on_engine_event(event, &stamp);
                stamp
            }
            PortInput::Command { command, stamp } => {
                if let LineCommand::Hangup { .. } = command {
                    self.dialled.clear();
                }
                let result = match &mut self.stack {
                    AnalogStack::Fxo(line) => line.handle_command(stamp.at_ms, command.clone()),
                    AnalogStack::Fxs(port) => port.handle_command(stamp.at_ms, command.clone()),
                };
                if let Err(error) = result {
                    tracing::warn!(port = %self.channel, ?command, %error, "port refused a command");
                    self.leg.refused(&command, None, &stamp);
                }
                stamp
            }
            PortInput::Attach { call, to, stamp } => {
                self.leg.attach(call, to);
                stamp
            }
            PortInput::Detach { call, stamp } => {
                self.leg.detach(&call);
                stamp
            }
        };
        self.drain(&stamp);
    }

    fn on_engine_event(&mut self, event: EngineEvent, stamp: &Stamp) {
        match (&mut self.stack, event) {
            (AnalogStack::Fxo(line), EngineEvent::Signal { bits, at_ms, .. }) => line.handle_line(
                at_ms,
                LineFromTelco {
                    ringing: bits & signal::RINGING != 0,
                    reversed: bits & signal::REVERSED != 0,
                    battery: bits & signal::BATTERY != 0,
                },
            ),
            (AnalogStack::Fxo(line), EngineEvent::CallerId { message, at_ms, .. }) => {
                line.handle_caller_id(at_ms, caller_id_info(&message))
            }
            (AnalogStack::Fxs(port), EngineEvent::Signal { bits, at_ms, .. }) => {
                port.handle_hook(at_ms, bits & signal::OFF_HOOK != 0)
            }
            (AnalogStack::Fxs(port), EngineEvent::Digit { digit, at_ms, .. }) => {
                port.handle_digit(at_ms, digit);
                if !self.leg.is_attached() {
                    self.dialled.push(digit);
                    if self.dial_plan.fault_injection && self.dialled.ends_with(PORT_FAULT_DIGITS) {
                        panic!(
                            "fault injected by DTMF {PORT_FAULT_DIGITS} into port {}",
                            self.channel
                        );
                    }
                    if self.dial_plan.is_complete(&self.dialled) {
                        port.complete_dialling(at_ms);
                    }
                }
            }
            (AnalogStack::Fxo(line), EngineEvent::ProgressTone { tone, at_ms, .. }) => {
                if matches!(tone, ProgressTone::Busy | ProgressTone::Congestion) {
                    line.handle_busy_tone(at_ms);
                }
            }
            (AnalogStack::Fxo(line), EngineEvent::Wake { at_ms, .. }) => line.handle_timeout(at_ms),
            (AnalogStack::Fxs(port), EngineEvent::Wake { at_ms, .. }) => port.handle_timeout(at_ms),
            // Digits from a trunk caller (IVR, fault injection) and playback completions go
            // straight to the call, with the work token of the tick that saw them.
            (_, event @ (EngineEvent::Digit { .. } | EngineEvent::PlaybackDone { .. })) => {
                self.leg.forward_engine(&event, stamp)
            }
            _ => {}
        }
    }

    /// Moves everything the stack wants done out to the engine, the call and the switchboard.
    fn drain(&mut self, stamp: &Stamp) {
        loop {
            let mut progressed = false;
            while let Some(action) = self.poll_action() {
                progressed = true;
                self.perform(action, stamp);
            }
            while let Some(event) = self.poll_event() {
                progressed = true;
                self.deliver(event, stamp);
            }
            if !progressed {
                break;
            }
        }
        let deadline = match &self.stack {
            AnalogStack::Fxo(line) => line.poll_timeout(),
            AnalogStack::Fxs(port) => port.poll_timeout(),
        };
        if deadline != self.deadline {
            self.deadline = deadline;
            self.command_engine(EngineCommand::WakeAt {
                slot: self.slot,
                at_ms: deadline,
            });
        }
        let (state, idle) = match &self.stack {
            AnalogStack::Fxo(line) => (line.state().name(), line.state() == FxoState::Idle),
            AnalogStack::Fxs(port) => (port.state().name(), port.state() == FxsState::Idle),
        };
        if state != self.reported_state {
            self.reported_state = state;
            self.leg.switchboard().line_status.do_send(PortStatus {
                channel: self.channel,
                line: if idle {
                    LineState::Idle
                } else {
                    LineState::InUse
                },
                detail: state,
                stamp: stamp.clone(),
            });
        }
    }

    fn poll_action(&mut self) -> Option<PortAction> {
        match &mut self.stack {
            AnalogStack::Fxo(line) => line.poll_action().map(PortAction::Fxo),
            AnalogStack::Fxs(port) => port.poll_action().map(PortAction::Fxs),
        }
    }

    fn poll_event(&mut self) -> Option<LineEvent> {
        match &mut self.stack {
            AnalogStack::Fxo(line) => line.poll_event(),
            AnalogStack::Fxs(port) => port.poll_event(),
        }
    }

    fn set_signal_bit(&mut self, bit: u8, on: bool) {
        if on {
            self.signal_out |= bit;
        } else {
            self.signal_out &= !bit;
        }
        self.command_engine(EngineCommand::SetSignal {
            slot: self.slot,
            bits: self.signal_out,
        });
    }

    fn perform(&mut self, action: PortAction, _stamp: &Stamp) {
        let slot = self.slot;
        match action {
            PortAction::Fxo(FxoAction::SetHook(hook)) => {
                self.set_signal_bit(signal::OFF_HOOK, hook == Hook::OffHook)
            }
            PortAction::Fxo(FxoAction::ListenForCallerId(on)) => {
                self.command_engine(EngineCommand::ListenCallerId { slot, on })
            }
            PortAction::Fxo(FxoAction::Dial(number)) => {
                let mut digits = heapless::String::new();
                let _ = digits.push_str(number.as_str());
                self.command_engine(EngineCommand::SendDtmf {
                    slot,
                    digits,
                    id: PORT_PLAYBACK,
                });
            }
            PortAction::Fxs(FxsAction::SetRinging(on)) => self.set_signal_bit(signal::RINGING, on),
            PortAction::Fxs(FxsAction::SetPolarity(reversed)) => {
                self.set_signal_bit(signal::REVERSED, reversed)
            }
            PortAction::Fxs(FxsAction::SetBattery(on)) => self.set_signal_bit(signal::BATTERY, on),
            PortAction::Fxs(FxsAction::PlayTone(tone)) => {
                self.command_engine(EngineCommand::PlayTone {
                    slot,
                    tone,
                    id: PORT_PLAYBACK,
                })
            }
            PortAction::Fxs(FxsAction::StopTone) => {
                self.command_engine(EngineCommand::StopPlayback { slot })
            }
            PortAction::Fxs(FxsAction::SendCallerId {
                number,
                name,
                standard,
            }) => {
                let message = caller_id_message(number.as_ref(), name.as_deref());
                let format = match standard {
                    CidStandard::Bell => CallerIdFormat::Bell202,
                    CidStandard::Dtmf => CallerIdFormat::Dtmf,
                    // The port sends nothing for `None`; ETSI is the default elsewhere.
                    _ => CallerIdFormat::EtsiFsk,
                };
                self.command_engine(EngineCommand::SendCallerId {
                    slot,
                    message,
                    format,
                    id: PORT_PLAYBACK,
                });
            }
        }
    }

    fn deliver(&mut self, event: LineEvent, stamp: &Stamp) {
        match event {
            LineEvent::IncomingCall { .. } => {
                self.dialled.clear();
                self.leg.offer(event, stamp);
            }
            event => {
                let hangup = matches!(event, LineEvent::Hangup { .. });
                if !self.leg.forward(event, stamp) && hangup {
                    self.dialled.clear();
                }
            }
        }
    }
}

enum PortAction {
    Fxo(FxoAction),
    Fxs(FxsAction),
}

fn caller_id_info(message: &CallerIdMessage) -> analog_signalling::CallerIdInfo {
    analog_signalling::CallerIdInfo {
        number: message
            .number
            .as_ref()
            .and_then(|n| PhoneNumber::parse(n).ok()),
        name: message.name.as_ref().map(|n| n.as_str().to_owned()),
    }
}

fn caller_id_message(number: Option<&PhoneNumber>, name: Option<&str>) -> CallerIdMessage {
    let mut message = CallerIdMessage::default();
    if let Some(number) = number {
        let mut text = heapless::String::new();
        let _ = text.push_str(number.as_str());
        message.number = Some(text);
    }
    if let Some(name) = name {
        let mut text = heapless::String::new();
        for ch in name.chars() {
            if text.push(ch).is_err() {
                break;
            }
        }
        message.name = Some(text);
    }
    message
}

impl Actor for PortActor {
    type Context = Context<Self>;

    fn started(&mut self, _ctx: &mut Context<Self>) {
        // A restarted port starts from a clean channel: nothing left playing or pending
        // from the actor it replaces.
        self.command_engine(EngineCommand::StopPlayback { slot: self.slot });
        self.command_engine(EngineCommand::WakeAt {
            slot: self.slot,
            at_ms: None,
        });
        self.command_engine(EngineCommand::SetSignal {
            slot: self.slot,
            bits: self.signal_out,
        });
        // Report the stack's first state so the switchboard knows the port is usable.
        self.drain(&Stamp {
            at_ms: 0,
            token: WorkToken::untracked(),
        });
    }
}

impl Contained for PortActor {
    fn actor_name(&self) -> Arc<str> {
        Arc::clone(&self.name)
    }
    fn supervisor(&self) -> Recipient<ActorFailed> {
        self.leg.switchboard().failed.clone()
    }
}

contained_handler!(PortActor, PortInput, on_input);
