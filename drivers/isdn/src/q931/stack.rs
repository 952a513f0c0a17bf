//! [`Q931`]: basic call control for one PRI D-channel, either role, sans-IO.

use super::call::{
    Call, CallHandle, CallState, Origin, Phase, RestartState, Role, Timer, TimerKind,
};
use super::ie::{
    id, BearerCapability, CallStateIe, CalledNumber, CallingNumber, CauseIe, ChannelId,
    ChannelSelection, Digits, InterfaceType, Location, NumberingPlan, Presentation,
    PresentationIndicator, RestartClass, Screening, TypeOfNumber,
};
use super::message::{decode, encode_to_vec, CallRef, Decoded, Message, MessageBuf, MessageType};
use super::numbering::Numbering;
use super::protocol_error::{ProtocolError, ProtocolErrors};
use line_boundary::{CallerCategory, Cause, LineCommand, LineEvent, PhoneNumber};
use std::collections::VecDeque;
use thiserror::Error;

/// Q.850 causes this module uses beyond those `line_boundary::Cause` names.
pub mod causes {
    use line_boundary::Cause;
    pub const CHANNEL_UNACCEPTABLE: Cause = Cause(6);
    pub const DESTINATION_OUT_OF_ORDER: Cause = Cause(27);
    pub const RESPONSE_TO_STATUS_ENQUIRY: Cause = Cause(30);
    pub const REQUESTED_CHANNEL_NOT_AVAILABLE: Cause = Cause(44);
    pub const BEARER_NOT_IMPLEMENTED: Cause = Cause(65);
    pub const INVALID_CALL_REFERENCE: Cause = Cause(81);
    pub const CHANNEL_DOES_NOT_EXIST: Cause = Cause(82);
    pub const MANDATORY_IE_MISSING: Cause = Cause(96);
    pub const MESSAGE_TYPE_NOT_IMPLEMENTED: Cause = Cause(97);
    pub const IE_NOT_IMPLEMENTED: Cause = Cause(99);
    pub const INVALID_IE_CONTENTS: Cause = Cause(100);
    pub const MESSAGE_NOT_COMPATIBLE: Cause = Cause(101);
}
use causes::*;

/// Timer durations in milliseconds (defaults: Q.931 Tables 9-1/9-2, ETSI EN 300 403).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    pub t301_ms: u64,
    pub t303_ms: u64,
    pub t305_ms: u64,
    pub t308_ms: u64,
    pub t309_ms: u64,
    pub t310_ms: u64,
    pub t313_ms: u64,
    pub t316_ms: u64,
}

impl Default for Timers {
    fn default() -> Self {
        Timers {
            t301_ms: 180_000,
            t303_ms: 4_000,
            t305_ms: 30_000,
            t308_ms: 4_000,
            t309_ms: 90_000,
            t310_ms: 30_000,
            t313_ms: 4_000,
            t316_ms: 120_000,
        }
    }
}

impl Timers {
    fn get(&self, kind: TimerKind) -> u64 {
        match kind {
            TimerKind::T301 => self.t301_ms,
            TimerKind::T303 => self.t303_ms,
            TimerKind::T305 => self.t305_ms,
            TimerKind::T308 => self.t308_ms,
            TimerKind::T309 => self.t309_ms,
            TimerKind::T310 => self.t310_ms,
            TimerKind::T313 => self.t313_ms,
            TimerKind::T316 => self.t316_ms,
        }
    }
}

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    #[error("timeslot {0} is not a B-channel of an E1 PRI (1..=31, not 16)")]
    NotABChannel(u8),
}

/// The B-channels (E1 timeslots) this span may use for calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelSet(u32);

impl ChannelSet {
    /// All 30 B-channels of an E1: timeslots 1..=31 but 16.
    pub fn e1() -> Self {
        ChannelSet(0xFFFF_FFFE & !(1 << 16))
    }

    pub fn new(channels: impl IntoIterator<Item = u8>) -> Result<Self, ConfigError> {
        let mut bits = 0u32;
        for ch in channels {
            if ch == 0 || ch == 16 || ch > 31 {
                return Err(ConfigError::NotABChannel(ch));
            }
            bits |= 1 << ch;
        }
        Ok(ChannelSet(bits))
    }

    pub fn contains(&self, channel: u8) -> bool {
        channel < 32 && self.0 & (1 << channel) != 0
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = u8> + '_ {
        (1u8..32).filter(move |&c| self.contains(c))
    }

    pub fn len(&self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }
}

/// Order in which free B-channels are picked for new calls. Configure the two ends of a
/// span opposite ways to make channel collisions (glare) rare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hunt {
    Ascending,
    Descending,
}

/// Call control configuration of one span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub channels: ChannelSet,
    /// Overlap receiving (SETUP without Sending complete is answered with SETUP
    /// ACKNOWLEDGE, digits follow in INFORMATION) and overlap sending (our SETUPs from
    /// `LineCommand::CallOut` carry no Sending complete).
    pub overlap: bool,
    /// Our SETUPs name the B-channel exclusively (else as preferred).
    pub exclusive: bool,
    pub hunt: Hunt,
    pub timers: Timers,
    /// National and international prefixes: the type of number sent and shown.
    pub numbering: Numbering,
}

impl Config {
    /// Usual settings for a role: the network side names channels exclusively and hunts
    /// upward, the user side prefers and hunts downward.
    pub fn for_role(role: Role) -> Self {
        Config {
            channels: ChannelSet::e1(),
            overlap: false,
            exclusive: role == Role::Network,
            hunt: match role {
                Role::Network => Hunt::Ascending,
                Role::User => Hunt::Descending,
            },
            timers: Timers::default(),
            numbering: Numbering::default(),
        }
    }
}

/// What one B-channel is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelStatus {
    /// Not one of the configured channels.
    NotConfigured,
    Idle,
    Busy(CallHandle),
    /// Our RESTART for it waits for RESTART ACKNOWLEDGE.
    Restarting,
}

/// A call to place.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutgoingCall {
    pub calling: Option<PhoneNumber>,
    /// The number, or its first digits for overlap sending.
    pub called: Option<PhoneNumber>,
    /// A specific B-channel; else one is picked per [`Hunt`].
    pub channel: Option<u8>,
    /// Include Sending complete (en-bloc); else more digits may follow with
    /// [`Q931::information`].
    pub sending_complete: bool,
}

/// What the stack reports upward: the call, its B-channel (timeslot) at that moment, and
/// the line event.
pub type CallEvent = (CallHandle, Option<u8>, LineEvent);

/// A snapshot of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallInfo {
    pub handle: CallHandle,
    pub state: CallState,
    pub channel: Option<u8>,
    pub call_ref: u16,
    /// We sent the SETUP.
    pub outgoing: bool,
}

/// Commands the stack refuses. It never refuses (or panics on) input from the line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Q931Error {
    #[error("no call {0}")]
    UnknownCall(CallHandle),
    #[error("{call} in state {state} cannot take command {command}")]
    InvalidState {
        call: CallHandle,
        state: &'static str,
        command: &'static str,
    },
    #[error("no B-channel is free")]
    NoChannelAvailable,
    #[error("timeslot {0} is not a configured B-channel")]
    NoSuchChannel(u8),
    #[error("B-channel {0} is busy")]
    ChannelBusy(u8),
    #[error("command {0} has no meaning on an ISDN trunk")]
    Unsupported(&'static str),
    #[error("call out must not name an existing call ({0})")]
    CallOutOnCall(CallHandle),
    #[error("command {0} needs a call")]
    NoCall(&'static str),
    #[error("digits {0:?} are not 0-9, * and #")]
    InvalidDigits(String),
    #[error("a restart is already waiting for its acknowledgement")]
    RestartPending,
}

impl Q931Error {
    /// The Q.850 cause to report upward when a call could not be placed.
    pub fn cause(&self) -> Cause {
        match self {
            Q931Error::NoChannelAvailable => Cause::NO_CIRCUIT_AVAILABLE,
            Q931Error::NoSuchChannel(_) => CHANNEL_DOES_NOT_EXIST,
            Q931Error::ChannelBusy(_) => REQUESTED_CHANNEL_NOT_AVAILABLE,
            Q931Error::InvalidDigits(_) => Cause::INVALID_NUMBER_FORMAT,
            _ => Cause::TEMPORARY_FAILURE,
        }
    }
}

fn command_name(command: &LineCommand) -> &'static str {
    match command {
        LineCommand::Answer => "answer",
        LineCommand::Alert => "alert",
        LineCommand::CallOut { .. } => "call_out",
        LineCommand::Ring { .. } => "ring",
        LineCommand::PlayTone { .. } => "play_tone",
        LineCommand::StopTone => "stop_tone",
        LineCommand::Hangup { .. } => "hangup",
    }
}

#[derive(Debug, Clone)]
struct PendingRestart {
    channel: Option<u8>,
    message: MessageBuf,
    deadline_ms: u64,
    sent: u8,
}

/// How many times RESTART is sent before giving up on its acknowledgement.
const RESTART_ATTEMPTS: u8 = 3;

/// Q.931 call control for one D-channel. Feed it messages from Q.921 (`handle_message`),
/// link changes, commands and time; drain `poll_transmit`, `poll_event`, `poll_timeout`
/// and `poll_protocol_error`.
#[derive(Debug, Clone)]
pub struct Q931 {
    role: Role,
    config: Config,
    now: u64,
    link_up: bool,
    calls: Vec<Call>,
    channels: [ChannelStatus; 32],
    next_handle: u32,
    next_cr: u16,
    restart: Option<PendingRestart>,
    transmit: VecDeque<MessageBuf>,
    events: VecDeque<CallEvent>,
    errors: ProtocolErrors,
}

impl Q931 {
    pub fn new(role: Role, config: Config) -> Q931 {
        let mut channels = [ChannelStatus::NotConfigured; 32];
        for ch in config.channels.iter() {
            channels[usize::from(ch)] = ChannelStatus::Idle;
        }
        Q931 {
            role,
            config,
            now: 0,
            link_up: false,
            calls: Vec::new(),
            channels,
            next_handle: 1,
            next_cr: 1,
            restart: None,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            errors: ProtocolErrors::default(),
        }
    }

    // ---- queries -----------------------------------------------------------------------

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn is_link_up(&self) -> bool {
        self.link_up
    }

    /// The Q.931 state of a call; `None` once it is released (Null).
    pub fn call_state(&self, call: CallHandle) -> Option<CallState> {
        self.find_handle(call).map(|i| self.calls[i].state)
    }

    /// The B-channel a call holds.
    pub fn call_channel(&self, call: CallHandle) -> Option<u8> {
        self.find_handle(call).and_then(|i| self.calls[i].channel)
    }

    pub fn calls(&self) -> impl Iterator<Item = CallInfo> + '_ {
        self.calls.iter().map(|c| CallInfo {
            handle: c.handle,
            state: c.state,
            channel: c.channel,
            call_ref: c.cr,
            outgoing: c.origin == Origin::Local,
        })
    }

    pub fn channel_status(&self, channel: u8) -> ChannelStatus {
        self.channels
            .get(usize::from(channel))
            .copied()
            .unwrap_or(ChannelStatus::NotConfigured)
    }

    pub fn restart_state(&self) -> RestartState {
        if self.restart.is_some() {
            RestartState::RestartRequest
        } else {
            RestartState::Null
        }
    }

    // ---- outputs -----------------------------------------------------------------------

    /// The next message for Q.921 (DL-DATA request).
    pub fn poll_transmit(&mut self) -> Option<MessageBuf> {
        self.transmit.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<CallEvent> {
        self.events.pop_front()
    }

    /// The next malformed or unexpected message received, with what was done about it
    /// (Q.931 §5.8), oldest first. At most [`MAX_QUEUED_PROTOCOL_ERRORS`] wait here; more
    /// are only counted, in [`Q931::protocol_errors`] and
    /// [`Q931::protocol_errors_dropped`].
    ///
    /// [`MAX_QUEUED_PROTOCOL_ERRORS`]: super::MAX_QUEUED_PROTOCOL_ERRORS
    pub fn poll_protocol_error(&mut self) -> Option<ProtocolError> {
        self.errors.pop()
    }

    /// Protocol errors reported since the stack was created, drained or not.
    pub fn protocol_errors(&self) -> u64 {
        self.errors.total()
    }

    /// Protocol errors counted but not kept because the queue was full.
    pub fn protocol_errors_dropped(&self) -> u64 {
        self.errors.dropped()
    }

    /// The earliest engine time at which `handle_timeout` has work.
    pub fn poll_timeout(&self) -> Option<u64> {
        let calls = self
            .calls
            .iter()
            .filter_map(|c| c.timer.map(|t| t.deadline_ms));
        let restart = self.restart.as_ref().map(|r| r.deadline_ms);
        calls.chain(restart).min()
    }

    // ---- inputs ------------------------------------------------------------------------

    /// A message from Q.921 (DL-DATA indication). Malformed input is answered per Q.931
    /// §5.8 or ignored, and reported in [`Q931::poll_protocol_error`]; it never panics.
    pub fn handle_message(&mut self, now_ms: u64, bytes: &[u8]) {
        self.advance(now_ms);
        // §5.8.1-§5.8.3.1: wrong discriminator, too short, bad call reference: ignore.
        let d = match decode(bytes) {
            Ok(d) => d,
            Err(error) => {
                self.errors.push(ProtocolError::unreadable(bytes, error));
                return;
            }
        };
        if d.message.call_ref.is_global() {
            self.on_global(&d);
            return;
        }
        match self.find_cr(d.message.call_ref) {
            Some(idx) => self.on_call_message(idx, &d),
            None => self.on_unknown_cr(&d),
        }
    }

    /// Q.921 reported the data link established (`true`: DL-ESTABLISH indication or
    /// confirm) or released (`false`: DL-RELEASE indication).
    pub fn handle_link(&mut self, now_ms: u64, up: bool) {
        self.advance(now_ms);
        if up {
            self.link_up = true;
            // §5.8.9: link back: stop T309 and report our state with STATUS cause 31.
            let mut i = 0;
            while i < self.calls.len() {
                if matches!(self.calls[i].timer, Some(t) if t.kind == TimerKind::T309) {
                    self.calls[i].timer = None;
                    let state = self.calls[i].state.value();
                    let cr = self.call_ref(i);
                    self.send_status(cr, state, Cause::NORMAL_UNSPECIFIED, &[]);
                }
                i += 1;
            }
            return;
        }
        if !self.link_up {
            return;
        }
        self.link_up = false;
        // §5.8.9: calls not active are cleared internally; active calls start T309.
        let mut i = 0;
        while i < self.calls.len() {
            if self.calls[i].state == CallState::Active {
                if self.calls[i].timer.is_none() {
                    self.set_timer(i, TimerKind::T309);
                }
                i += 1;
            } else {
                self.end_upward(i, Cause::TEMPORARY_FAILURE);
                self.release_call(i);
            }
        }
    }

    /// Runs every timer due at `now_ms`.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        self.advance(now_ms);
        let now = self.now;
        // Each expiry moves its timer forward, stops it or ends the call; the bound is a
        // guard against a zero-length timer configuration, not a path taken in practice.
        for _ in 0..10_000 {
            if let Some(idx) = self
                .calls
                .iter()
                .position(|c| matches!(c.timer, Some(t) if t.deadline_ms <= now))
            {
                self.fire(idx);
                continue;
            }
            if matches!(&self.restart, Some(r) if r.deadline_ms <= now) {
                self.fire_t316();
                continue;
            }
            break;
        }
    }

    /// A line command for a call. `CallOut` takes `call: None` and returns the new call's
    /// handle; the others name the call and return it.
    pub fn handle_command(
        &mut self,
        now_ms: u64,
        call: Option<CallHandle>,
        command: LineCommand,
    ) -> Result<CallHandle, Q931Error> {
        self.advance(now_ms);
        let name = command_name(&command);
        match command {
            LineCommand::CallOut { calling, called } => {
                if let Some(h) = call {
                    return Err(Q931Error::CallOutOnCall(h));
                }
                let sending_complete = !self.config.overlap;
                self.call_out(
                    now_ms,
                    OutgoingCall {
                        calling,
                        called: Some(called),
                        channel: None,
                        sending_complete,
                    },
                )
            }
            LineCommand::Answer => {
                let h = call.ok_or(Q931Error::NoCall(name))?;
                self.answer(h).map(|()| h)
            }
            LineCommand::Alert => {
                let h = call.ok_or(Q931Error::NoCall(name))?;
                self.alert(h).map(|()| h)
            }
            LineCommand::Hangup { cause } => {
                let h = call.ok_or(Q931Error::NoCall(name))?;
                self.hangup(h, cause);
                Ok(h)
            }
            LineCommand::Ring { .. } | LineCommand::PlayTone { .. } | LineCommand::StopTone => {
                Err(Q931Error::Unsupported(name))
            }
        }
    }

    /// Places a call: SETUP on a free (or the given) B-channel.
    pub fn call_out(&mut self, now_ms: u64, out: OutgoingCall) -> Result<CallHandle, Q931Error> {
        self.advance(now_ms);
        let channel = match out.channel {
            Some(ch) if !self.config.channels.contains(ch) => {
                return Err(Q931Error::NoSuchChannel(ch))
            }
            Some(ch) if self.channel_status(ch) != ChannelStatus::Idle => {
                return Err(Q931Error::ChannelBusy(ch))
            }
            Some(ch) => ch,
            None => self.pick_channel().ok_or(Q931Error::NoChannelAvailable)?,
        };
        let cr = self.alloc_cr().ok_or(Q931Error::NoChannelAvailable)?;
        let handle = self.alloc_handle();
        let exclusive = self.config.exclusive;
        self.calls.push(Call::initiated(
            handle,
            cr,
            Origin::Local,
            self.role,
            exclusive,
        ));
        let idx = self.calls.len() - 1;
        self.assign_channel(idx, channel);

        let mut msg = Message::new(CallRef::new(cr, false), MessageType::Setup);
        msg.ies.sending_complete = out.sending_complete;
        msg.ies.bearer_capability = Some(BearerCapability::speech_alaw());
        msg.ies.channel_id = Some(ChannelId::pri(channel, exclusive));
        if let Some(calling) = &out.calling {
            let (type_of_number, digits) = wire_number(&self.config.numbering, calling);
            msg.ies.calling = Some(CallingNumber {
                type_of_number,
                plan: NumberingPlan::Isdn,
                presentation: Some(Presentation {
                    indicator: PresentationIndicator::Allowed,
                    screening: match self.role {
                        Role::User => Screening::UserNotScreened,
                        Role::Network => Screening::Network,
                    },
                }),
                digits,
            });
        }
        if let Some(called) = &out.called {
            let (type_of_number, digits) = wire_number(&self.config.numbering, called);
            msg.ies.called = Some(CalledNumber {
                type_of_number,
                plan: NumberingPlan::Isdn,
                digits,
            });
        }
        if let Ok(bytes) = encode_to_vec(&msg) {
            self.calls[idx].setup = Some(bytes.clone());
            self.transmit.push_back(bytes);
        }
        self.set_timer(idx, TimerKind::T303);
        Ok(handle)
    }

    /// Overlap sending: more digits of the called number for a call we placed without
    /// Sending complete. Digits given before the peer's SETUP ACKNOWLEDGE are held and
    /// sent when it arrives.
    pub fn information(
        &mut self,
        now_ms: u64,
        call: CallHandle,
        digits: &str,
        sending_complete: bool,
    ) -> Result<(), Q931Error> {
        self.advance(now_ms);
        let idx = self.find_handle(call).ok_or(Q931Error::UnknownCall(call))?;
        if !digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
        {
            return Err(Q931Error::InvalidDigits(digits.to_owned()));
        }
        let c = &self.calls[idx];
        match (c.origin, c.phase(self.role)) {
            (Origin::Local, Phase::Initiated) => {
                let c = &mut self.calls[idx];
                c.pending_digits
                    .push_str(digits)
                    .map_err(|_| Q931Error::InvalidDigits(digits.to_owned()))?;
                c.pending_complete |= sending_complete;
                Ok(())
            }
            (Origin::Local, Phase::Overlap) => {
                self.send_information(idx, digits, sending_complete);
                Ok(())
            }
            _ => Err(self.invalid_state(idx, "information")),
        }
    }

    /// Restarts one B-channel (`Some`) or the whole interface (`None`): calls on them
    /// end at once (Hangup cause 41) and RESTART goes out, repeated on T316.
    pub fn restart(&mut self, now_ms: u64, channel: Option<u8>) -> Result<(), Q931Error> {
        self.advance(now_ms);
        if self.restart.is_some() {
            return Err(Q931Error::RestartPending);
        }
        if let Some(ch) = channel {
            if !self.config.channels.contains(ch) {
                return Err(Q931Error::NoSuchChannel(ch));
            }
        }
        self.clear_for_restart(channel);
        let targets: Vec<u8> = match channel {
            Some(ch) => vec![ch],
            None => self.config.channels.iter().collect(),
        };
        for ch in targets {
            self.channels[usize::from(ch)] = ChannelStatus::Restarting;
        }
        let mut msg = Message::new(CallRef::new(0, false), MessageType::Restart);
        match channel {
            Some(ch) => {
                msg.ies.channel_id = Some(ChannelId::pri(ch, true));
                msg.ies.restart_indicator = Some(RestartClass::Indicated);
            }
            None => msg.ies.restart_indicator = Some(RestartClass::SingleInterface),
        }
        let message = encode_to_vec(&msg).unwrap_or_default();
        self.transmit.push_back(message.clone());
        self.restart = Some(PendingRestart {
            channel,
            message,
            deadline_ms: self.now + self.config.timers.t316_ms,
            sent: 1,
        });
        Ok(())
    }

    // ---- commands ----------------------------------------------------------------------

    fn answer(&mut self, h: CallHandle) -> Result<(), Q931Error> {
        let idx = self.find_handle(h).ok_or(Q931Error::UnknownCall(h))?;
        let c = &self.calls[idx];
        let ok = c.origin == Origin::Remote
            && matches!(
                c.phase(self.role),
                Phase::Initiated | Phase::Overlap | Phase::Proceeding | Phase::Delivered
            );
        if !ok {
            return Err(self.invalid_state(idx, "answer"));
        }
        let msg = self.call_message(idx, MessageType::Connect);
        self.send(&msg);
        match self.role {
            Role::User => {
                self.enter(idx, Phase::ConnectRequest);
                self.set_timer(idx, TimerKind::T313);
            }
            Role::Network => {
                self.enter(idx, Phase::Active);
                self.calls[idx].timer = None;
            }
        }
        Ok(())
    }

    fn alert(&mut self, h: CallHandle) -> Result<(), Q931Error> {
        let idx = self.find_handle(h).ok_or(Q931Error::UnknownCall(h))?;
        let c = &self.calls[idx];
        if c.origin != Origin::Remote {
            return Err(self.invalid_state(idx, "alert"));
        }
        match c.phase(self.role) {
            Phase::Delivered => Ok(()),
            Phase::Initiated | Phase::Overlap | Phase::Proceeding => {
                let msg = self.call_message(idx, MessageType::Alerting);
                self.send(&msg);
                self.enter(idx, Phase::Delivered);
                Ok(())
            }
            _ => Err(self.invalid_state(idx, "alert")),
        }
    }

    fn hangup(&mut self, h: CallHandle, cause: Cause) {
        // Hanging up a call that is already gone is done.
        let Some(idx) = self.find_handle(h) else {
            return;
        };
        let cause = if (1..=127).contains(&cause.0) {
            cause
        } else {
            Cause::NORMAL_UNSPECIFIED
        };
        self.calls[idx].ended_upward = true;
        match self.calls[idx].phase(self.role) {
            Phase::Null
            | Phase::DisconnectSent
            | Phase::DisconnectReceived
            | Phase::ReleaseRequest => {}
            _ => self.disconnect(idx, cause, None),
        }
    }

    // ---- received messages -------------------------------------------------------------

    fn on_unknown_cr(&mut self, d: &Decoded) {
        let msg = &d.message;
        let reply = msg.call_ref.reply();
        match msg.kind {
            // §5.8.3.2 e): SETUP with the flag set is ignored.
            MessageType::Setup if msg.call_ref.to_originator => {
                self.ignored(msg, None, "SETUP with the call reference flag set")
            }
            MessageType::Setup => self.on_setup(d),
            // §5.8.3.2 c).
            MessageType::ReleaseComplete => self.ignored(msg, None, "unknown call reference"),
            // §5.8.10: we have no call: state 0.
            MessageType::StatusEnquiry => {
                self.send_status(reply, 0, RESPONSE_TO_STATUS_ENQUIRY, &[])
            }
            // §5.8.11: the peer thinks a call exists that we do not know.
            MessageType::Status => match msg.ies.call_state {
                Some(CallStateIe(0)) => {}
                None => self.ignored(msg, None, "STATUS without a valid call state"),
                Some(_) => {
                    self.send_release_complete(reply, Some(MESSAGE_NOT_COMPATIBLE), &[]);
                    self.answered(
                        msg,
                        None,
                        MessageType::ReleaseComplete,
                        MESSAGE_NOT_COMPATIBLE,
                        &[],
                        "far end reports a call we do not have",
                    );
                }
            },
            // §5.8.3.2 a), b): anything else for a call we do not know.
            _ => {
                self.send_release_complete(reply, Some(INVALID_CALL_REFERENCE), &[]);
                self.answered(
                    msg,
                    None,
                    MessageType::ReleaseComplete,
                    INVALID_CALL_REFERENCE,
                    &[],
                    "unknown call reference",
                );
            }
        }
    }

    fn on_setup(&mut self, d: &Decoded) {
        let msg = &d.message;
        let ies = &msg.ies;
        let reply = msg.call_ref.reply();
        let refuse = |stack: &mut Self, cause: Cause, ie: &[u8], detail: &'static str| {
            stack.send_release_complete(reply, Some(cause), ie);
            stack.answered(msg, None, MessageType::ReleaseComplete, cause, ie, detail);
        };
        // §5.8.6.2: mandatory element content errors (bearer, channel on a PRI).
        for ie in [id::BEARER_CAPABILITY, id::CHANNEL_IDENTIFICATION] {
            if d.has_error(ie) {
                let detail = "invalid mandatory information element";
                refuse(self, INVALID_IE_CONTENTS, &[ie], detail);
                return;
            }
        }
        // §5.8.6.1 and §5.8.7.1 (unknown comprehension-required element).
        let Some(bearer) = ies.bearer_capability else {
            let detail = "mandatory information element missing";
            refuse(self, MANDATORY_IE_MISSING, &[id::BEARER_CAPABILITY], detail);
            return;
        };
        if let Some(ie) = d.comprehension_required_unknown() {
            let detail = "unrecognized comprehension-required information element";
            refuse(self, MANDATORY_IE_MISSING, &[ie], detail);
            return;
        }
        if !bearer.is_voice() {
            self.send_release_complete(reply, Some(BEARER_NOT_IMPLEMENTED), &[]);
            return;
        }
        let (channel, steal_from) = match self.select_incoming_channel(ies.channel_id.as_ref()) {
            Ok(pick) => pick,
            // A channel of this span that is busy, or no free channel, is congestion,
            // not an error of the far end's.
            Err(cause) if cause == CHANNEL_DOES_NOT_EXIST => {
                refuse(
                    self,
                    cause,
                    &[],
                    "channel identification names no channel of ours",
                );
                return;
            }
            Err(cause) => {
                self.send_release_complete(reply, Some(cause), &[]);
                return;
            }
        };
        if let Some(other) = steal_from.and_then(|h| self.find_handle(h)) {
            // Glare: the network's SETUP wins the channel; our own call waits for the
            // network to give it another channel or to reject it.
            self.calls[other].channel = None;
        }
        let handle = self.alloc_handle();
        self.calls.push(Call::initiated(
            handle,
            msg.call_ref.value,
            Origin::Remote,
            self.role,
            true,
        ));
        let idx = self.calls.len() - 1;
        self.assign_channel(idx, channel);

        let calling = ies.calling.as_ref().and_then(|n| {
            let hidden = matches!(
                n.presentation.map(|p| p.indicator),
                Some(PresentationIndicator::Restricted | PresentationIndicator::NotAvailable)
            );
            if hidden {
                None
            } else {
                self.config
                    .numbering
                    .calling_from_wire(n.type_of_number, &n.digits)
            }
        });
        let called = ies.called.as_ref().and_then(|n| {
            self.config
                .numbering
                .called_from_wire(n.type_of_number, &n.digits)
        });
        let name = ies
            .display
            .as_ref()
            .filter(|d| !d.0.is_empty())
            .map(|d| d.0.as_str().to_owned());
        self.emit(
            idx,
            LineEvent::IncomingCall {
                calling,
                called,
                category: CallerCategory::Ordinary,
                name,
            },
        );

        // First response, with the channel we took.
        let overlap = self.config.overlap && !ies.sending_complete;
        let kind = if overlap {
            MessageType::SetupAcknowledge
        } else {
            MessageType::CallProceeding
        };
        let mut resp = self.call_message(idx, kind);
        resp.ies.channel_id = Some(ChannelId::pri(channel, true));
        self.send(&resp);
        self.enter(
            idx,
            if overlap {
                Phase::Overlap
            } else {
                Phase::Proceeding
            },
        );
        self.report_optional(idx, d, &[id::BEARER_CAPABILITY, id::CHANNEL_IDENTIFICATION]);
    }

    fn on_call_message(&mut self, idx: usize, d: &Decoded) {
        let msg = &d.message;
        let phase = self.calls[idx].phase(self.role);
        let always = matches!(
            msg.kind,
            MessageType::Release
                | MessageType::ReleaseComplete
                | MessageType::Status
                | MessageType::StatusEnquiry
                | MessageType::Disconnect
        );
        // While we wait for RELEASE (after our DISCONNECT or RELEASE) nothing but the
        // clearing and status messages matters.
        if !always && matches!(phase, Phase::ReleaseRequest | Phase::DisconnectSent) {
            return;
        }
        match msg.kind {
            // §5.8.3.2 d): SETUP for a call that exists is ignored.
            MessageType::Setup => {
                let state = Some(self.calls[idx].state);
                self.ignored(msg, state, "SETUP for an existing call reference");
            }
            MessageType::Release => self.on_release(idx, d),
            MessageType::ReleaseComplete => {
                let cause = msg
                    .ies
                    .cause
                    .as_ref()
                    .map_or(Cause::NORMAL_UNSPECIFIED, |c| c.value);
                self.end_upward(idx, cause);
                self.release_call(idx);
            }
            MessageType::Disconnect => self.on_disconnect(idx, d),
            MessageType::StatusEnquiry => {
                let cr = self.call_ref(idx);
                let state = self.calls[idx].state.value();
                self.send_status(cr, state, RESPONSE_TO_STATUS_ENQUIRY, &[]);
            }
            MessageType::Status => self.on_status(idx, d),
            MessageType::Facility | MessageType::Notify => {}
            MessageType::Other(t) => {
                // §5.8.4: unrecognized message type.
                let detail = "unrecognized message type";
                self.status_error(idx, msg, MESSAGE_TYPE_NOT_IMPLEMENTED, &[t], detail);
            }
            kind => {
                let c = &self.calls[idx];
                if !compatible(c.origin, phase, kind) {
                    // §5.8.4: known message, wrong state.
                    let detail = "message not expected in this call state";
                    self.status_error(idx, msg, MESSAGE_NOT_COMPATIBLE, &[kind.octet()], detail);
                    return;
                }
                let mandatory: &[u8] = match kind {
                    MessageType::Progress => &[id::PROGRESS_INDICATOR],
                    _ => &[],
                };
                if let Some(&ie) = mandatory.iter().find(|&&ie| d.has_error(ie)) {
                    let detail = "invalid mandatory information element";
                    self.status_error(idx, msg, INVALID_IE_CONTENTS, &[ie], detail);
                    return;
                }
                if kind == MessageType::Progress && msg.ies.progress.is_empty() {
                    let ie = [id::PROGRESS_INDICATOR];
                    let detail = "mandatory information element missing";
                    self.status_error(idx, msg, MANDATORY_IE_MISSING, &ie, detail);
                    return;
                }
                if let Some(ie) = d.comprehension_required_unknown() {
                    let detail = "unrecognized comprehension-required information element";
                    self.status_error(idx, msg, MANDATORY_IE_MISSING, &[ie], detail);
                    return;
                }
                let handle = self.calls[idx].handle;
                self.dispatch(idx, d);
                if let Some(idx) = self.find_handle(handle) {
                    self.report_optional(idx, d, mandatory);
                }
            }
        }
    }

    fn dispatch(&mut self, idx: usize, d: &Decoded) {
        let ies = &d.message.ies;
        match d.message.kind {
            MessageType::SetupAcknowledge => {
                if !self.accept_channel(idx, &d.message) {
                    return;
                }
                self.calls[idx].timer = None;
                self.enter(idx, Phase::Overlap);
                let c = &mut self.calls[idx];
                if !c.pending_digits.is_empty() || c.pending_complete {
                    let digits = std::mem::take(&mut c.pending_digits);
                    let complete = std::mem::take(&mut c.pending_complete);
                    self.send_information(idx, &digits, complete);
                }
            }
            MessageType::CallProceeding => {
                if !self.accept_channel(idx, &d.message) {
                    return;
                }
                self.enter(idx, Phase::Proceeding);
                self.set_timer(idx, TimerKind::T310);
                self.emit(idx, LineEvent::Progress);
            }
            MessageType::Alerting => {
                if !self.accept_channel(idx, &d.message) {
                    return;
                }
                self.enter(idx, Phase::Delivered);
                self.set_timer(idx, TimerKind::T301);
                self.emit(idx, LineEvent::Alerting);
            }
            MessageType::Connect => {
                if !self.accept_channel(idx, &d.message) {
                    return;
                }
                self.calls[idx].timer = None;
                let ack = self.call_message(idx, MessageType::ConnectAcknowledge);
                self.send(&ack);
                self.enter(idx, Phase::Active);
                self.emit(idx, LineEvent::Answered);
            }
            MessageType::ConnectAcknowledge
                if self.calls[idx].phase(self.role) == Phase::ConnectRequest =>
            {
                self.calls[idx].timer = None;
                self.enter(idx, Phase::Active);
            }
            MessageType::Progress if self.calls[idx].origin == Origin::Local => {
                // T310 stops on PROGRESS (in-band information may follow).
                if matches!(self.calls[idx].timer, Some(t) if t.kind == TimerKind::T310) {
                    self.calls[idx].timer = None;
                }
                self.emit(idx, LineEvent::Progress);
            }
            MessageType::Information => {
                let c = &self.calls[idx];
                if c.origin == Origin::Remote && c.phase(self.role) == Phase::Overlap {
                    if let Some(called) = &ies.called {
                        for digit in called.digits.chars() {
                            self.emit(idx, LineEvent::Digit { digit });
                        }
                    }
                    if ies.sending_complete {
                        let resp = self.call_message(idx, MessageType::CallProceeding);
                        self.send(&resp);
                        self.enter(idx, Phase::Proceeding);
                    }
                }
            }
            _ => {}
        }
    }

    fn on_disconnect(&mut self, idx: usize, d: &Decoded) {
        match self.calls[idx].phase(self.role) {
            // Clear collision (§5.3.5): both sent DISCONNECT.
            Phase::DisconnectSent => {
                self.release(idx, None, &[]);
            }
            Phase::ReleaseRequest | Phase::DisconnectReceived | Phase::Null => {}
            _ => {
                let ies = &d.message.ies;
                // §5.8.6.1/2: no or bad cause: act as cause 31, tell the peer in RELEASE.
                let (cause, mut report) = match &ies.cause {
                    Some(c) => (c.value, None),
                    None if d.has_error(id::CAUSE) => (
                        Cause::NORMAL_UNSPECIFIED,
                        Some((
                            INVALID_IE_CONTENTS,
                            id::CAUSE,
                            "invalid mandatory information element",
                        )),
                    ),
                    None => (
                        Cause::NORMAL_UNSPECIFIED,
                        Some((
                            MANDATORY_IE_MISSING,
                            id::CAUSE,
                            "mandatory information element missing",
                        )),
                    ),
                };
                if report.is_none() {
                    report = clearing_report(d, &[id::CAUSE]);
                }
                let state = Some(self.calls[idx].state);
                self.calls[idx].timer = None;
                self.end_upward(idx, cause);
                self.enter(idx, Phase::DisconnectReceived);
                match report {
                    Some((c, ie, detail)) => {
                        self.release(idx, Some(c), &[ie]);
                        self.answered(&d.message, state, MessageType::Release, c, &[ie], detail);
                    }
                    None => self.release(idx, None, &[]),
                }
            }
        }
    }

    fn on_release(&mut self, idx: usize, d: &Decoded) {
        let phase = self.calls[idx].phase(self.role);
        let ies = &d.message.ies;
        let cause = ies
            .cause
            .as_ref()
            .map_or(Cause::NORMAL_UNSPECIFIED, |c| c.value);
        if phase == Phase::ReleaseRequest {
            // Clear collision: both sent RELEASE.
            self.end_upward(idx, cause);
            self.release_call(idx);
            return;
        }
        // The cause is mandatory when RELEASE is the first clearing message.
        let first_clearing = !matches!(phase, Phase::DisconnectSent | Phase::DisconnectReceived);
        let report = match &ies.cause {
            None if first_clearing && d.has_error(id::CAUSE) => Some((
                INVALID_IE_CONTENTS,
                id::CAUSE,
                "invalid mandatory information element",
            )),
            None if first_clearing => Some((
                MANDATORY_IE_MISSING,
                id::CAUSE,
                "mandatory information element missing",
            )),
            _ => clearing_report(d, &[id::CAUSE]),
        };
        let cr = self.call_ref(idx);
        match report {
            Some((c, ie, detail)) => {
                self.send_release_complete(cr, Some(c), &[ie]);
                let state = Some(self.calls[idx].state);
                let kind = MessageType::ReleaseComplete;
                self.answered(&d.message, state, kind, c, &[ie], detail);
            }
            None => self.send_release_complete(cr, None, &[]),
        }
        self.end_upward(idx, cause);
        self.release_call(idx);
    }

    fn on_status(&mut self, idx: usize, d: &Decoded) {
        let msg = &d.message;
        let state = Some(self.calls[idx].state);
        // A STATUS without its mandatory elements is not answered (no STATUS loops).
        let Some(CallStateIe(theirs)) = msg.ies.call_state else {
            self.ignored(msg, state, "STATUS without a valid call state");
            return;
        };
        if msg.ies.cause.is_none() {
            self.ignored(msg, state, "STATUS without a valid cause");
            return;
        }
        if theirs == 0 {
            // §5.8.11: the peer has no call: release ours.
            self.end_upward(idx, Cause::TEMPORARY_FAILURE);
            self.release_call(idx);
            self.ignored(msg, state, "far end has no such call: cleared it here");
            return;
        }
        let c = &self.calls[idx];
        if c.phase(self.role) == Phase::ReleaseRequest {
            return;
        }
        if !states_compatible(c.state, theirs) {
            self.calls[idx].timer = None;
            self.end_upward(idx, MESSAGE_NOT_COMPATIBLE);
            self.release(idx, Some(MESSAGE_NOT_COMPATIBLE), &[]);
            let detail = "far end's call state is incompatible with ours";
            self.answered(
                msg,
                state,
                MessageType::Release,
                MESSAGE_NOT_COMPATIBLE,
                &[],
                detail,
            );
        }
    }

    fn on_global(&mut self, d: &Decoded) {
        let msg = &d.message;
        let reply = msg.call_ref.reply();
        match msg.kind {
            MessageType::Restart => self.on_restart(d),
            MessageType::RestartAcknowledge => {
                if self.restart.is_none() {
                    self.ignored(msg, None, "no RESTART of ours is waiting for it");
                }
                if let Some(r) = self.restart.take() {
                    let targets: Vec<u8> = match r.channel {
                        Some(ch) => vec![ch],
                        None => self.config.channels.iter().collect(),
                    };
                    for ch in targets {
                        if self.channels[usize::from(ch)] == ChannelStatus::Restarting {
                            self.channels[usize::from(ch)] = ChannelStatus::Idle;
                        }
                    }
                }
            }
            // Not answered (no STATUS loops), but the far end is telling us something.
            MessageType::Status => self.ignored(msg, None, "STATUS on the global call reference"),
            // §5.8.3.2 f): other messages on the global call reference.
            _ => {
                let state = self.restart_state().value();
                self.send_status(reply, state, INVALID_CALL_REFERENCE, &[]);
                self.answered(
                    msg,
                    None,
                    MessageType::Status,
                    INVALID_CALL_REFERENCE,
                    &[],
                    "message not allowed on the global call reference",
                );
            }
        }
    }

    fn on_restart(&mut self, d: &Decoded) {
        let msg = &d.message;
        let reply = msg.call_ref.reply();
        let rest = self.restart_state().value();
        let refuse = |stack: &mut Self, cause: Cause, ie: &[u8], detail: &'static str| {
            stack.send_status(reply, rest, cause, ie);
            stack.answered(msg, None, MessageType::Status, cause, ie, detail);
        };
        // A missing element (cause 96) or one whose contents we refused (cause 100).
        let missing = |ie: u8| {
            if d.has_error(ie) {
                (INVALID_IE_CONTENTS, "invalid mandatory information element")
            } else {
                (
                    MANDATORY_IE_MISSING,
                    "mandatory information element missing",
                )
            }
        };
        let class = match msg.ies.restart_indicator {
            Some(c) => c,
            None => {
                let (cause, detail) = missing(id::RESTART_INDICATOR);
                refuse(self, cause, &[id::RESTART_INDICATOR], detail);
                return;
            }
        };
        let channel = match class {
            RestartClass::Indicated => {
                match msg.ies.channel_id.as_ref().and_then(|c| c.channel()) {
                    Some(ch) if self.config.channels.contains(ch) => Some(ch),
                    Some(_) => {
                        let detail = "RESTART names a channel that is not one of ours";
                        refuse(self, CHANNEL_DOES_NOT_EXIST, &[], detail);
                        return;
                    }
                    None => {
                        let (cause, detail) = missing(id::CHANNEL_IDENTIFICATION);
                        refuse(self, cause, &[id::CHANNEL_IDENTIFICATION], detail);
                        return;
                    }
                }
            }
            RestartClass::SingleInterface | RestartClass::AllInterfaces => None,
        };
        self.clear_for_restart(channel);
        let mut ack = Message::new(reply, MessageType::RestartAcknowledge);
        ack.ies.channel_id = channel.map(|ch| ChannelId::pri(ch, true));
        ack.ies.restart_indicator = Some(class);
        self.send(&ack);
    }

    // ---- procedures --------------------------------------------------------------------

    /// Sends DISCONNECT and starts T305; tells the appliance `upward` if given.
    fn disconnect(&mut self, idx: usize, cause: Cause, upward: Option<Cause>) {
        if let Some(up) = upward {
            self.end_upward(idx, up);
        }
        let mut msg = self.call_message(idx, MessageType::Disconnect);
        msg.ies.cause = Some(self.cause_ie(cause, &[]));
        self.send(&msg);
        self.calls[idx].clearing_cause = cause;
        self.enter(idx, Phase::DisconnectSent);
        self.set_timer(idx, TimerKind::T305);
    }

    /// Sends RELEASE and starts T308.
    fn release(&mut self, idx: usize, cause: Option<Cause>, diagnostics: &[u8]) {
        let mut msg = self.call_message(idx, MessageType::Release);
        msg.ies.cause = cause.map(|c| self.cause_ie(c, diagnostics));
        self.send(&msg);
        self.enter(idx, Phase::ReleaseRequest);
        self.set_timer(idx, TimerKind::T308);
    }

    fn fire(&mut self, idx: usize) {
        let Some(timer) = self.calls[idx].timer.take() else {
            return;
        };
        let user = self.role == Role::User;
        match timer.kind {
            TimerKind::T303 if timer.expiries == 0 => {
                // §5.1.1: send SETUP once more.
                if let Some(setup) = self.calls[idx].setup.clone() {
                    self.transmit.push_back(setup);
                }
                self.set_timer(idx, TimerKind::T303);
                if let Some(t) = self.calls[idx].timer.as_mut() {
                    t.expiries = 1;
                }
            }
            TimerKind::T303 => {
                let cr = self.call_ref(idx);
                self.send_release_complete(cr, Some(Cause::RECOVERY_ON_TIMER_EXPIRY), &[]);
                let up = if user {
                    Cause::RECOVERY_ON_TIMER_EXPIRY
                } else {
                    Cause::NO_USER_RESPONDING
                };
                self.end_upward(idx, up);
                self.release_call(idx);
            }
            TimerKind::T310 => {
                let up = if user {
                    Cause::RECOVERY_ON_TIMER_EXPIRY
                } else {
                    Cause::NO_USER_RESPONDING
                };
                self.disconnect(idx, Cause::RECOVERY_ON_TIMER_EXPIRY, Some(up));
            }
            TimerKind::T301 => {
                self.disconnect(idx, Cause::RECOVERY_ON_TIMER_EXPIRY, Some(Cause::NO_ANSWER));
            }
            TimerKind::T313 => {
                self.disconnect(
                    idx,
                    Cause::RECOVERY_ON_TIMER_EXPIRY,
                    Some(Cause::RECOVERY_ON_TIMER_EXPIRY),
                );
            }
            TimerKind::T305 => {
                let cause = self.calls[idx].clearing_cause;
                self.release(idx, Some(cause), &[]);
            }
            TimerKind::T308 if timer.expiries == 0 => {
                let mut msg = self.call_message(idx, MessageType::Release);
                msg.ies.cause = Some(self.cause_ie(Cause::RECOVERY_ON_TIMER_EXPIRY, &[]));
                self.send(&msg);
                self.set_timer(idx, TimerKind::T308);
                if let Some(t) = self.calls[idx].timer.as_mut() {
                    t.expiries = 1;
                }
            }
            TimerKind::T308 => {
                self.end_upward(idx, Cause::RECOVERY_ON_TIMER_EXPIRY);
                self.release_call(idx);
            }
            TimerKind::T309 => {
                self.end_upward(idx, DESTINATION_OUT_OF_ORDER);
                self.release_call(idx);
            }
            TimerKind::T316 => {}
        }
    }

    fn fire_t316(&mut self) {
        let Some(mut r) = self.restart.take() else {
            return;
        };
        if r.sent >= RESTART_ATTEMPTS {
            // Give up: the channels go back to service rather than stay blocked forever.
            for ch in self.config.channels.iter() {
                if self.channels[usize::from(ch)] == ChannelStatus::Restarting {
                    self.channels[usize::from(ch)] = ChannelStatus::Idle;
                }
            }
            return;
        }
        self.transmit.push_back(r.message.clone());
        r.sent += 1;
        r.deadline_ms = self.now + self.config.timers.t316_ms;
        self.restart = Some(r);
    }

    /// Ends, without a message, every call on `channel` (or every call).
    fn clear_for_restart(&mut self, channel: Option<u8>) {
        let mut i = 0;
        while i < self.calls.len() {
            let hit = match channel {
                Some(ch) => self.calls[i].channel == Some(ch),
                None => true,
            };
            if hit {
                self.end_upward(i, Cause::TEMPORARY_FAILURE);
                self.release_call(i);
            } else {
                i += 1;
            }
        }
    }

    /// Takes the channel named in `response`, the peer's first response to our SETUP.
    /// Returns false if the call was cleared because the channel is unacceptable.
    fn accept_channel(&mut self, idx: usize, response: &Message) -> bool {
        let c = &self.calls[idx];
        if c.channel_confirmed {
            return true;
        }
        let named = response.ies.channel_id.as_ref().and_then(|c| c.channel());
        let verdict = match named {
            None if c.channel.is_some() => Ok(None),
            None => Err((
                REQUESTED_CHANNEL_NOT_AVAILABLE,
                "no channel named for our call",
            )),
            Some(ch) if c.channel == Some(ch) => Ok(None),
            Some(ch) if !self.config.channels.contains(ch) => {
                Err((CHANNEL_DOES_NOT_EXIST, "named channel is not one of ours"))
            }
            Some(_) if c.exclusive && c.channel.is_some() => Err((
                CHANNEL_UNACCEPTABLE,
                "named another channel than the exclusive one we asked for",
            )),
            Some(ch) if self.channel_status(ch) == ChannelStatus::Idle => Ok(Some(ch)),
            Some(_) => Err((REQUESTED_CHANNEL_NOT_AVAILABLE, "named channel is busy")),
        };
        self.calls[idx].channel_confirmed = true;
        match verdict {
            Ok(Some(ch)) => {
                self.unassign_channel(idx);
                self.assign_channel(idx, ch);
                true
            }
            Ok(None) => true,
            Err((cause, detail)) => {
                let state = Some(self.calls[idx].state);
                self.calls[idx].timer = None;
                self.disconnect(idx, cause, Some(cause));
                self.answered(response, state, MessageType::Disconnect, cause, &[], detail);
                false
            }
        }
    }

    /// The channel for an incoming SETUP, and the call of ours that must yield it (glare
    /// on the user side: the network wins).
    fn select_incoming_channel(
        &self,
        chan: Option<&ChannelId>,
    ) -> Result<(u8, Option<CallHandle>), Cause> {
        let (wanted, exclusive) = match chan {
            Some(c) if c.interface != InterfaceType::Primary || c.d_channel => {
                return Err(CHANNEL_DOES_NOT_EXIST)
            }
            Some(ChannelId {
                selection: ChannelSelection::Channel(ch),
                exclusive,
                ..
            }) => (Some(*ch), *exclusive),
            _ => (None, false),
        };
        let any = || self.pick_channel().ok_or(Cause::NO_CIRCUIT_AVAILABLE);
        let Some(ch) = wanted else {
            return any().map(|c| (c, None));
        };
        if !self.config.channels.contains(ch) {
            return if exclusive {
                Err(CHANNEL_DOES_NOT_EXIST)
            } else {
                any().map(|c| (c, None))
            };
        }
        match self.channel_status(ch) {
            ChannelStatus::Idle => return Ok((ch, None)),
            ChannelStatus::Busy(h) if self.role == Role::User => {
                let yields = self.find_handle(h).is_some_and(|i| {
                    let c = &self.calls[i];
                    c.origin == Origin::Local
                        && !c.channel_confirmed
                        && c.phase(self.role) == Phase::Initiated
                });
                if yields && (exclusive || self.pick_channel().is_none()) {
                    return Ok((ch, Some(h)));
                }
            }
            _ => {}
        }
        if exclusive {
            Err(REQUESTED_CHANNEL_NOT_AVAILABLE)
        } else {
            any().map(|c| (c, None))
        }
    }

    fn pick_channel(&self) -> Option<u8> {
        let idle = |&ch: &u8| self.channels[usize::from(ch)] == ChannelStatus::Idle;
        match self.config.hunt {
            Hunt::Ascending => self.config.channels.iter().find(idle),
            Hunt::Descending => self.config.channels.iter().rev().find(idle),
        }
    }

    fn assign_channel(&mut self, idx: usize, ch: u8) {
        if let Some(slot) = self.channels.get_mut(usize::from(ch)) {
            *slot = ChannelStatus::Busy(self.calls[idx].handle);
            self.calls[idx].channel = Some(ch);
        }
    }

    fn unassign_channel(&mut self, idx: usize) {
        let handle = self.calls[idx].handle;
        if let Some(ch) = self.calls[idx].channel.take() {
            if let Some(slot) = self.channels.get_mut(usize::from(ch)) {
                if *slot == ChannelStatus::Busy(handle) {
                    *slot = ChannelStatus::Idle;
                }
            }
        }
    }

    /// Frees the call's channel and call reference: the call is in the Null state.
    fn release_call(&mut self, idx: usize) {
        self.unassign_channel(idx);
        self.calls.remove(idx);
    }

    // ---- helpers -----------------------------------------------------------------------

    fn advance(&mut self, now_ms: u64) {
        self.now = self.now.max(now_ms);
    }

    fn alloc_handle(&mut self) -> CallHandle {
        let h = CallHandle(self.next_handle);
        self.next_handle = self.next_handle.wrapping_add(1).max(1);
        h
    }

    fn alloc_cr(&mut self) -> Option<u16> {
        for _ in 0..0x7FFF {
            let cr = self.next_cr;
            self.next_cr = if cr >= 0x7FFF { 1 } else { cr + 1 };
            let used = self
                .calls
                .iter()
                .any(|c| c.origin == Origin::Local && c.cr == cr);
            if !used {
                return Some(cr);
            }
        }
        None
    }

    fn find_handle(&self, h: CallHandle) -> Option<usize> {
        self.calls.iter().position(|c| c.handle == h)
    }

    /// The call a received message belongs to: flag 0 = the peer allocated the value.
    fn find_cr(&self, cr: CallRef) -> Option<usize> {
        let origin = if cr.to_originator {
            Origin::Local
        } else {
            Origin::Remote
        };
        self.calls
            .iter()
            .position(|c| c.cr == cr.value && c.origin == origin)
    }

    fn call_ref(&self, idx: usize) -> CallRef {
        let c = &self.calls[idx];
        CallRef::new(c.cr, c.origin == Origin::Remote)
    }

    fn call_message(&self, idx: usize, kind: MessageType) -> Message {
        Message::new(self.call_ref(idx), kind)
    }

    fn enter(&mut self, idx: usize, phase: Phase) {
        let state = self.calls[idx].state_for(self.role, phase);
        self.calls[idx].state = state;
    }

    fn set_timer(&mut self, idx: usize, kind: TimerKind) {
        self.calls[idx].timer = Some(Timer {
            kind,
            deadline_ms: self.now + self.config.timers.get(kind),
            expiries: 0,
        });
    }

    fn emit(&mut self, idx: usize, event: LineEvent) {
        let c = &self.calls[idx];
        self.events.push_back((c.handle, c.channel, event));
    }

    /// Tells the appliance the call is over, once.
    fn end_upward(&mut self, idx: usize, cause: Cause) {
        if !self.calls[idx].ended_upward {
            self.calls[idx].ended_upward = true;
            self.emit(idx, LineEvent::Hangup { cause });
        }
    }

    fn invalid_state(&self, idx: usize, command: &'static str) -> Q931Error {
        let c = &self.calls[idx];
        Q931Error::InvalidState {
            call: c.handle,
            state: c.state.name(),
            command,
        }
    }

    fn location(&self) -> Location {
        match self.role {
            Role::User => Location::User,
            Role::Network => Location::PrivateLocal,
        }
    }

    fn cause_ie(&self, cause: Cause, diagnostics: &[u8]) -> CauseIe {
        CauseIe::new(self.location(), cause).with_diagnostics(diagnostics)
    }

    fn send(&mut self, msg: &Message) {
        // Every message we build is valid and fits; an encoding failure would be a bug in
        // this module, and dropping the message is safer than sending garbage.
        if let Ok(bytes) = encode_to_vec(msg) {
            self.transmit.push_back(bytes);
        }
    }

    fn send_status(&mut self, cr: CallRef, state: u8, cause: Cause, diagnostics: &[u8]) {
        let mut msg = Message::new(cr, MessageType::Status);
        msg.ies.cause = Some(self.cause_ie(cause, diagnostics));
        msg.ies.call_state = Some(CallStateIe(state));
        self.send(&msg);
    }

    fn status_for(&mut self, idx: usize, cause: Cause, diagnostics: &[u8]) {
        let cr = self.call_ref(idx);
        let state = self.calls[idx].state.value();
        self.send_status(cr, state, cause, diagnostics);
    }

    /// Answers `received`, which was wrong for call `idx`, with STATUS and reports it.
    fn status_error(
        &mut self,
        idx: usize,
        received: &Message,
        cause: Cause,
        diagnostics: &[u8],
        detail: &'static str,
    ) {
        let state = Some(self.calls[idx].state);
        self.status_for(idx, cause, diagnostics);
        self.answered(
            received,
            state,
            MessageType::Status,
            cause,
            diagnostics,
            detail,
        );
    }

    /// Reports a protocol error answered with `reply` carrying `cause`.
    fn answered(
        &mut self,
        received: &Message,
        state: Option<CallState>,
        reply: MessageType,
        cause: Cause,
        diagnostics: &[u8],
        detail: &'static str,
    ) {
        self.errors.push(ProtocolError::about(
            received,
            state,
            Some(reply),
            Some(cause),
            diagnostics,
            detail,
        ));
    }

    /// Reports a protocol error that got no answer.
    fn ignored(&mut self, received: &Message, state: Option<CallState>, detail: &'static str) {
        self.errors.push(ProtocolError::about(
            received,
            state,
            None,
            None,
            &[],
            detail,
        ));
    }

    fn send_release_complete(&mut self, cr: CallRef, cause: Option<Cause>, diagnostics: &[u8]) {
        let mut msg = Message::new(cr, MessageType::ReleaseComplete);
        msg.ies.cause = cause.map(|c| self.cause_ie(c, diagnostics));
        self.send(&msg);
    }

    fn send_information(&mut self, idx: usize, digits: &str, complete: bool) {
        let mut msg = self.call_message(idx, MessageType::Information);
        msg.ies.sending_complete = complete;
        if !digits.is_empty() {
            let mut d = Digits::new();
            let _ = d.push_str(digits);
            msg.ies.called = Some(CalledNumber {
                type_of_number: TypeOfNumber::Unknown,
                plan: NumberingPlan::Isdn,
                digits: d,
            });
        }
        self.send(&msg);
    }

    /// §5.8.7: after acting on a message, report unrecognized (cause 99) or broken
    /// (cause 100) optional elements with STATUS.
    fn report_optional(&mut self, idx: usize, d: &Decoded, mandatory: &[u8]) {
        let unknown: heapless::Vec<u8, 8> = d
            .unknown
            .iter()
            .filter(|u| u.codeset == 0)
            .map(|u| u.id)
            .collect();
        if !unknown.is_empty() {
            let detail = "unrecognized information element";
            self.status_error(idx, &d.message, IE_NOT_IMPLEMENTED, &unknown, detail);
            return;
        }
        let broken: heapless::Vec<u8, 8> = d
            .errors
            .iter()
            .filter(|e| !mandatory.contains(&e.id))
            .map(|e| e.id)
            .collect();
        if !broken.is_empty() {
            let detail = "invalid optional information element";
            self.status_error(idx, &d.message, INVALID_IE_CONTENTS, &broken, detail);
        }
    }
}

/// The cause (with its diagnostic and what was wrong) to carry in our answer to a
/// clearing message with unknown or broken optional elements (§5.8.7.1 a, b).
fn clearing_report(d: &Decoded, mandatory: &[u8]) -> Option<(Cause, u8, &'static str)> {
    if let Some(u) = d.unknown.iter().find(|u| u.codeset == 0) {
        return Some(if u.comprehension_required {
            (
                MANDATORY_IE_MISSING,
                u.id,
                "unrecognized comprehension-required information element",
            )
        } else {
            (IE_NOT_IMPLEMENTED, u.id, "unrecognized information element")
        });
    }
    d.errors
        .iter()
        .find(|e| !mandatory.contains(&e.id))
        .map(|e| {
            (
                INVALID_IE_CONTENTS,
                e.id,
                "invalid optional information element",
            )
        })
}

/// Whether a message may arrive in a phase (Q.931 §5 and Annex A), for messages other
/// than the clearing and status ones.
fn compatible(origin: Origin, phase: Phase, kind: MessageType) -> bool {
    use Phase::*;
    let local = origin == Origin::Local;
    match kind {
        MessageType::SetupAcknowledge => local && phase == Initiated,
        MessageType::CallProceeding => local && matches!(phase, Initiated | Overlap),
        MessageType::Alerting => local && matches!(phase, Initiated | Overlap | Proceeding),
        MessageType::Connect => {
            local && matches!(phase, Initiated | Overlap | Proceeding | Delivered)
        }
        MessageType::ConnectAcknowledge => (!local && phase == ConnectRequest) || phase == Active,
        MessageType::Progress => matches!(phase, Initiated | Overlap | Proceeding | Delivered),
        MessageType::Information => matches!(
            phase,
            Overlap | Proceeding | Delivered | ConnectRequest | Active | DisconnectReceived
        ),
        _ => false,
    }
}

/// Whether the peer's call state (from STATUS) can coexist with ours, allowing for
/// messages in flight (§5.8.11).
fn states_compatible(ours: CallState, theirs: u8) -> bool {
    let Some(theirs) = CallState::from_value(theirs) else {
        return false;
    };
    let clearing = |s: CallState| {
        matches!(
            s,
            CallState::DisconnectRequest
                | CallState::DisconnectIndication
                | CallState::ReleaseRequest
        )
    };
    let user_est = |s: CallState| (1..=4).contains(&s.value());
    let net_est = |s: CallState| matches!(s.value(), 6..=9 | 25);
    let active = |s: CallState| matches!(s, CallState::Active | CallState::ConnectRequest);
    if clearing(ours) || clearing(theirs) {
        return true;
    }
    if active(ours) {
        return active(theirs);
    }
    if active(theirs) {
        return true; // CONNECT in flight
    }
    (user_est(ours) && user_est(theirs)) || (net_est(ours) && net_est(theirs))
}

/// A phone number as Q.931 carries it: "+" becomes type international.
fn wire_number(numbering: &Numbering, n: &PhoneNumber) -> (TypeOfNumber, Digits) {
    let (ton, digits) = numbering.to_wire(n);
    let mut d = Digits::new();
    let _ = d.push_str(digits);
    (ton, d)
}
