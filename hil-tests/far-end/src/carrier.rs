//! The carrier on a box E1 span: the ISDN PRI *network* side (the box is the user side,
//! `signalling = "pri-cpe"`), or, built with [`Carrier::with_role`]`(Role::User)`, the
//! *user* side facing a box that plays the network (`signalling = "pri-net"`: a PBX on
//! the box's span). Q.921 and Q.931 take their role-dependent behaviour from the `isdn`
//! stack: the command/response bits, who may hunt which B-channel (the network names its
//! channels exclusively and hunts upward; the user side only prefers a channel and hunts
//! from the top, and takes whichever channel the network gives in CALL PROCEEDING), the
//! answer (the network side is connected at once, the user side when CONNECT ACKNOWLEDGE
//! arrives). Everything else here is the same for both roles.
//!
//! It places calls into the box (many at once), offers and answers calls the box places
//! toward it, hangs up with a cause, and keeps per call what happened (answered,
//! released, cause, who released). Each call has its own [`Mouth`] and [`Ear`] on its
//! B-channel, A-law like the analog simulators. It can also pull the cable (LOS) or send
//! AIS, and reports the RAI the box sends back.
//!
//! Everything runs on rig time (20 ms per block), so a lock-step run is deterministic.

use std::collections::VecDeque;

use isdn::hdlc::BLOCK_OCTETS;
use isdn::q931::{CallHandle, Role};
use line_boundary::{Cause, LineCommand, LineEvent, PhoneNumber};
use soft_hardware::{Block, LineConditions, AUDIO_OCTETS};

use crate::audio::{Ear, Mouth};
use crate::dchannel::DChannel;
use crate::device::FarEndDevice;
use crate::BLOCK_SAMPLES;

/// Timeslots of an E1 block.
pub const E1_TIMESLOTS: usize = 32;
/// The D-channel timeslot.
pub const D_CHANNEL: usize = 16;
/// Commands (SETUP, DISCONNECT, CONNECT…) wait while Q.921 holds this many unacknowledged
/// or queued messages, so 30 calls at once never overflow its 32-message queue; the
/// margin is for what Q.931 sends by itself (CONNECT ACK, RELEASE…).
pub const LAPD_BACKLOG_LIMIT: usize = 20;
/// Audio octets an E1 sends in AIS (all ones).
const AIS_OCTET: u8 = 0xFF;

/// What the carrier sends instead of a working line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CarrierAlarm {
    /// Loss of signal: the cable is pulled (both directions are lost).
    Los,
    /// Alarm indication signal: all ones (an upstream failure); no D-channel either.
    Ais,
}

/// Who placed a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallDirection {
    /// The carrier called into the box (our SETUP).
    ToBox,
    /// The box called out through the carrier (its SETUP).
    FromBox,
}

/// Where a call stands, as the carrier sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallStage {
    /// Asked for; the SETUP waits for room on the D-channel.
    Queued,
    /// SETUP sent, nothing back yet.
    Calling,
    /// The box sent CALL PROCEEDING.
    Proceeding,
    /// The box is alerting (ALERTING).
    Alerting,
    /// The box's call, offered to us (we sent CALL PROCEEDING and ALERTING); not answered.
    Offered,
    /// Connected.
    Answered,
    /// Over (see [`SpanCall::cause`] and [`SpanCall::released_by`]).
    Released,
}

/// Who ended a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleasedBy {
    /// We hung up (or could not place the call).
    Carrier,
    /// Anything we did not ask for: the box cleared, or the stack cleared the call
    /// (layer-2 loss, timer expiry).
    Box,
}

/// Why the carrier refused a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CarrierError {
    #[error("the D-channel link is down (no calls can be placed)")]
    LinkDown,
    #[error("{asked} calls asked for but only {free} B-channels are free")]
    NoChannels { asked: usize, free: usize },
    #[error("asked for no calls")]
    NoCalls,
    #[error("bad number {number:?}: {reason}")]
    BadNumber { number: String, reason: String },
    #[error("no call {0} on this span")]
    NoSuchCall(usize),
    #[error("call {0} is already released")]
    Released(usize),
    #[error("no call from the box is waiting to be answered")]
    NothingToAnswer,
    #[error("cause {0} is not a Q.850 cause (1-127)")]
    BadCause(u8),
    #[error("the stack refused: {0}")]
    Refused(String),
}

/// Per-call audio: what we play into the B-channel and what we hear from it.
struct CallAudio {
    mouth: Mouth,
    ear: Ear,
}

impl CallAudio {
    fn new() -> Box<CallAudio> {
        Box::new(CallAudio {
            mouth: Mouth::new(),
            ear: Ear::new(),
        })
    }
}

/// One call on the span.
pub struct SpanCall {
    /// 1-based, in the order calls appeared on the span (placed or offered).
    pub number: usize,
    pub direction: CallDirection,
    pub calling: Option<String>,
    pub called: Option<String>,
    /// The B-channel (timeslot) once known.
    pub channel: Option<u8>,
    pub stage: CallStage,
    pub started_at_ms: u64,
    pub answered_at_ms: Option<u64>,
    pub released_at_ms: Option<u64>,
    /// Q.850 cause of the release.
    pub cause: Option<u8>,
    pub released_by: Option<ReleasedBy>,
    /// The release is complete: our stack holds nothing more of the call.
    pub cleared: bool,
    handle: Option<CallHandle>,
    /// An answer is queued (so two `answer`s pick two calls).
    answering: bool,
    /// Dropped at release: a released call hears nothing.
    audio: Option<Box<CallAudio>>,
}

impl SpanCall {
    /// Up now: not released and on a B-channel.
    pub fn is_live(&self) -> bool {
        self.stage != CallStage::Released && self.channel.is_some()
    }
    pub fn is_answered(&self) -> bool {
        self.answered_at_ms.is_some()
    }
    pub fn ear(&self) -> Option<&Ear> {
        self.audio.as_ref().map(|a| &a.ear)
    }
}

/// Work that needs the D-channel; run at the next block, paced by [`LAPD_BACKLOG_LIMIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Place(usize),
    Alert(usize),
    Answer(usize),
    HangUp(usize, u8),
}

/// Overlap sending for the calls the carrier places (DDI digits after the SETUP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverlapSending {
    /// How many leading digits of the called number go in the SETUP (no Sending
    /// complete); the rest follow in one INFORMATION once the box sends SETUP ACKNOWLEDGE.
    pub digits_in_setup: usize,
    /// The INFORMATION carries Sending complete; else the box must decide by timeout.
    pub sending_complete: bool,
}

/// The carrier simulator on a soft E1. See the module docs.
pub struct Carrier {
    d: DChannel,
    overlap: Option<OverlapSending>,
    calls: Vec<SpanCall>,
    commands: VecDeque<Command>,
    alarm: Option<CarrierAlarm>,
    /// The box's block said LOS or AIS: we have no signal from it.
    rx_alarm: bool,
    /// The box's block said RAI.
    box_rai: bool,
}

impl Default for Carrier {
    fn default() -> Self {
        Carrier::new()
    }
}

impl Carrier {
    /// The network side (the usual carrier facing a `pri-cpe` box).
    pub fn new() -> Carrier {
        Carrier::with_role(Role::Network)
    }

    /// A carrier playing `role` on the D-channel: [`Role::Network`] (as [`Carrier::new`])
    /// or [`Role::User`] (facing a `pri-net` box). Swap it in before the rig's first step.
    pub fn with_role(role: Role) -> Carrier {
        Carrier {
            d: DChannel::new(role),
            overlap: None,
            calls: Vec::new(),
            commands: VecDeque::new(),
            alarm: None,
            rx_alarm: false,
            box_rai: false,
        }
    }

    // ---- what it sees -----------------------------------------------------------------

    /// Which side of the PRI this carrier plays.
    pub fn role(&self) -> Role {
        self.d.stack().q931().role()
    }

    /// The Q.921 data link is established.
    pub fn link_up(&self) -> bool {
        self.d.stack().is_link_up()
    }
    /// The alarm we send, if any.
    pub fn alarm(&self) -> Option<CarrierAlarm> {
        self.alarm
    }
    /// The box sends RAI (it lost our signal).
    pub fn box_rai(&self) -> bool {
        self.box_rai
    }
    /// The box sends LOS or AIS (we have no signal from it).
    pub fn box_signal_lost(&self) -> bool {
        self.rx_alarm
    }
    /// Every call so far, oldest first (`calls()[n - 1]` is call `n`).
    pub fn calls(&self) -> &[SpanCall] {
        &self.calls
    }
    pub fn call(&self, number: usize) -> Option<&SpanCall> {
        number.checked_sub(1).and_then(|i| self.calls.get(i))
    }
    /// Calls not yet over: every call but those released *and* cleared (queued calls
    /// included).
    pub fn open_calls(&self) -> impl Iterator<Item = &SpanCall> {
        self.calls
            .iter()
            .filter(|c| !(c.stage == CallStage::Released && c.cleared))
    }
    /// Calls up now (see [`SpanCall::is_live`]).
    pub fn live_calls(&self) -> impl Iterator<Item = &SpanCall> {
        self.calls.iter().filter(|c| c.is_live())
    }
    /// Calls that were answered (connected) at some point.
    pub fn answered_count(&self) -> usize {
        self.calls.iter().filter(|c| c.is_answered()).count()
    }
    pub fn ear(&self, number: usize) -> Option<&Ear> {
        self.call(number).and_then(SpanCall::ear)
    }
    /// The call's mouth, while it is not released.
    pub fn mouth(&mut self, number: usize) -> Option<&mut Mouth> {
        let i = number.checked_sub(1)?;
        self.calls
            .get_mut(i)
            .and_then(|c| c.audio.as_mut())
            .map(|a| &mut a.mouth)
    }
    /// D-channel counters: frames in and out, messages Q.921 refused, link-ups, bad frames.
    pub fn counters(&self) -> (isdn::pri::PriCounters, u64) {
        (self.d.stack().counters(), self.d.bad_frames)
    }

    // ---- what it does -----------------------------------------------------------------

    /// Calls placed from now on send their called number en bloc (`None`, the default)
    /// or in overlap.
    pub fn set_overlap_sending(&mut self, overlap: Option<OverlapSending>) {
        self.overlap = overlap;
    }

    /// Places `count` simultaneous calls from `from` to `to`; returns their numbers.
    /// SETUPs go out from the next block on, paced so the D-channel never overflows.
    pub fn place_calls(
        &mut self,
        now_ms: u64,
        count: usize,
        from: Option<&str>,
        to: &str,
    ) -> Result<std::ops::RangeInclusive<usize>, CarrierError> {
        if count == 0 {
            return Err(CarrierError::NoCalls);
        }
        if !self.link_up() {
            return Err(CarrierError::LinkDown);
        }
        if let Some(from) = from {
            parse_number(from)?;
        }
        parse_number(to)?;
        let q931 = self.d.stack().q931();
        let idle = q931
            .config()
            .channels
            .iter()
            .filter(|&ch| q931.channel_status(ch) == isdn::q931::ChannelStatus::Idle)
            .count();
        let queued = self
            .calls
            .iter()
            .filter(|c| c.stage == CallStage::Queued)
            .count();
        let free = idle.saturating_sub(queued);
        if count > free {
            return Err(CarrierError::NoChannels { asked: count, free });
        }
        let first = self.calls.len() + 1;
        for _ in 0..count {
            let index = self.calls.len();
            self.calls.push(new_call(
                index,
                CallDirection::ToBox,
                from.map(str::to_owned),
                Some(to.to_owned()),
                now_ms,
            ));
            self.commands.push_back(Command::Place(index));
        }
        Ok(first..=self.calls.len())
    }

    /// Answers the oldest call from the box that waits for an answer; returns its number.
    pub fn answer_next(&mut self, _now_ms: u64) -> Result<usize, CarrierError> {
        let call = self
            .calls
            .iter_mut()
            .find(|c| {
                c.direction == CallDirection::FromBox
                    && c.stage == CallStage::Offered
                    && !c.answering
            })
            .ok_or(CarrierError::NothingToAnswer)?;
        call.answering = true;
        let number = call.number;
        self.commands.push_back(Command::Answer(number - 1));
        Ok(number)
    }

    /// Hangs up call `number` with a Q.850 cause (DISCONNECT at the next block).
    pub fn hang_up(&mut self, now_ms: u64, number: usize, cause: u8) -> Result<(), CarrierError> {
        check_cause(cause)?;
        let index = number
            .checked_sub(1)
            .filter(|&i| i < self.calls.len())
            .ok_or(CarrierError::NoSuchCall(number))?;
        if self.calls[index].stage == CallStage::Released {
            return Err(CarrierError::Released(number));
        }
        self.release_locally(now_ms, index, cause);
        Ok(())
    }

    /// Hangs up every call not yet released; returns how many.
    pub fn hang_up_all(&mut self, now_ms: u64, cause: u8) -> Result<usize, CarrierError> {
        check_cause(cause)?;
        let open: Vec<usize> = self
            .calls
            .iter()
            .enumerate()
            .filter(|(_, c)| c.stage != CallStage::Released)
            .map(|(i, _)| i)
            .collect();
        for &index in &open {
            self.release_locally(now_ms, index, cause);
        }
        Ok(open.len())
    }

    /// Starts (`Some`) or stops (`None`) sending an alarm. LOS and AIS both take the
    /// D-channel down at once on our side; the box sees them from the next block.
    pub fn set_alarm(&mut self, now_ms: u64, alarm: Option<CarrierAlarm>) {
        self.alarm = alarm;
        self.update_layer1(now_ms);
    }

    /// Sends RESTART for one B-channel (`Some(timeslot)`) or the whole interface: our
    /// calls on it end at once (cause 41), the box must idle the channels and clear its
    /// calls there (Q.931 §5.5). Fails if the link is down or a RESTART is still pending.
    pub fn restart(&mut self, now_ms: u64, channel: Option<u8>) -> Result<(), CarrierError> {
        if !self.link_up() {
            return Err(CarrierError::LinkDown);
        }
        let stack = self.d.stack_mut();
        stack
            .q931_mut()
            .restart(now_ms, channel)
            .map_err(|e| CarrierError::Refused(e.to_string()))?;
        stack.pump(now_ms);
        self.drain_events(now_ms);
        Ok(())
    }

    /// Sends `message` as a layer-3 message exactly as given (no Q.931 checks): to see how
    /// the box answers malformed or unexpected messages.
    pub fn send_raw_message(&mut self, now_ms: u64, message: &[u8]) -> Result<(), CarrierError> {
        if !self.link_up() {
            return Err(CarrierError::LinkDown);
        }
        self.d
            .stack_mut()
            .send_raw_message(now_ms, message)
            .map_err(|e| CarrierError::Refused(e.to_string()))
    }

    // ---- internals --------------------------------------------------------------------

    fn release_locally(&mut self, now_ms: u64, index: usize, cause: u8) {
        let call = &mut self.calls[index];
        let had_setup = call.handle.is_some();
        call.stage = CallStage::Released;
        call.released_at_ms = Some(now_ms);
        call.cause = Some(cause);
        call.released_by = Some(ReleasedBy::Carrier);
        call.audio = None;
        if had_setup {
            self.commands.push_back(Command::HangUp(index, cause));
        } else {
            // Never left the carrier: nothing to clear on the line.
            call.cleared = true;
        }
    }

    /// SETUP with the first digits and no Sending complete; the rest are handed to the
    /// stack at once, which holds them until the box's SETUP ACKNOWLEDGE.
    fn place_overlap(
        &mut self,
        now_ms: u64,
        calling: Option<PhoneNumber>,
        called: &PhoneNumber,
        overlap: OverlapSending,
    ) -> Result<CallHandle, isdn::q931::Q931Error> {
        let digits = called.as_str();
        let split = overlap.digits_in_setup.clamp(1, digits.len());
        let (first, rest) = digits.split_at(split);
        let first = PhoneNumber::parse(first)
            .map_err(|_| isdn::q931::Q931Error::InvalidDigits(first.to_owned()))?;
        let out = isdn::q931::OutgoingCall {
            calling,
            called: Some(first),
            channel: None,
            sending_complete: false,
        };
        let q931 = self.d.stack_mut().q931_mut();
        let handle = q931.call_out(now_ms, out)?;
        if !rest.is_empty() || overlap.sending_complete {
            q931.information(now_ms, handle, rest, overlap.sending_complete)?;
        }
        Ok(handle)
    }

    fn update_layer1(&mut self, now_ms: u64) {
        let up = self.alarm.is_none() && !self.rx_alarm;
        self.d.set_layer1(now_ms, up);
        self.drain_events(now_ms);
    }

    /// Runs queued commands while Q.921 has room.
    fn run_commands(&mut self, now_ms: u64) {
        while self.d.stack().lapd().queued() < LAPD_BACKLOG_LIMIT {
            let Some(command) = self.commands.pop_front() else {
                break;
            };
            self.run_command(now_ms, command);
            self.d.stack_mut().pump(now_ms);
            self.drain_events(now_ms);
        }
    }

    fn run_command(&mut self, now_ms: u64, command: Command) {
        match command {
            Command::Place(index) => {
                let Some(call) = self.calls.get(index) else {
                    return;
                };
                if call.stage != CallStage::Queued {
                    return;
                }
                // Checked in `place_calls`; a failure here is reported as the call's cause.
                let calling = call
                    .calling
                    .as_deref()
                    .and_then(|n| PhoneNumber::parse(n).ok());
                let called = call
                    .called
                    .as_deref()
                    .and_then(|n| PhoneNumber::parse(n).ok());
                let result = match (called, self.overlap) {
                    (Some(called), None) => self.d.stack_mut().q931_mut().handle_command(
                        now_ms,
                        None,
                        LineCommand::CallOut { calling, called },
                    ),
                    (Some(called), Some(overlap)) => {
                        self.place_overlap(now_ms, calling, &called, overlap)
                    }
                    (None, _) => Err(isdn::q931::Q931Error::InvalidDigits(
                        call.called.clone().unwrap_or_default(),
                    )),
                };
                let channel = result
                    .as_ref()
                    .ok()
                    .and_then(|&h| self.d.stack().q931().call_channel(h));
                let call = &mut self.calls[index];
                match result {
                    Ok(handle) => {
                        call.handle = Some(handle);
                        call.stage = CallStage::Calling;
                        call.channel = channel;
                        call.audio = Some(CallAudio::new());
                    }
                    Err(e) => {
                        tracing::warn!(call = call.number, error = %e, "carrier could not place a call");
                        call.stage = CallStage::Released;
                        call.released_at_ms = Some(now_ms);
                        call.cause = Some(e.cause().0);
                        call.released_by = Some(ReleasedBy::Carrier);
                        call.cleared = true;
                    }
                }
            }
            Command::Alert(index) | Command::Answer(index) => {
                let Some(call) = self.calls.get(index) else {
                    return;
                };
                let (Some(handle), CallStage::Offered) = (call.handle, call.stage) else {
                    return;
                };
                let line_command = if matches!(command, Command::Alert(_)) {
                    LineCommand::Alert
                } else {
                    LineCommand::Answer
                };
                match self.d.stack_mut().q931_mut().handle_command(
                    now_ms,
                    Some(handle),
                    line_command,
                ) {
                    Ok(_) if matches!(command, Command::Answer(_)) => {
                        let call = &mut self.calls[index];
                        call.stage = CallStage::Answered;
                        call.answered_at_ms = Some(now_ms);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(call = index + 1, error = %e, "carrier command refused")
                    }
                }
            }
            Command::HangUp(index, cause) => {
                let Some(handle) = self.calls.get(index).and_then(|c| c.handle) else {
                    return;
                };
                let hangup = LineCommand::Hangup {
                    cause: Cause(cause),
                };
                if let Err(e) =
                    self.d
                        .stack_mut()
                        .q931_mut()
                        .handle_command(now_ms, Some(handle), hangup)
                {
                    tracing::warn!(call = index + 1, error = %e, "carrier hang-up refused");
                }
            }
        }
    }

    /// Takes the stack's call events into the call table.
    fn drain_events(&mut self, now_ms: u64) {
        while let Some((handle, channel, event)) = self.d.stack_mut().poll_event() {
            let index = match self.calls.iter().position(|c| c.handle == Some(handle)) {
                Some(i) => i,
                None => match &event {
                    LineEvent::IncomingCall {
                        calling, called, ..
                    } => {
                        let index = self.calls.len();
                        let mut call = new_call(
                            index,
                            CallDirection::FromBox,
                            calling.as_ref().map(|n| n.as_str().to_owned()),
                            called.as_ref().map(|n| n.as_str().to_owned()),
                            now_ms,
                        );
                        call.handle = Some(handle);
                        call.stage = CallStage::Offered;
                        call.audio = Some(CallAudio::new());
                        self.calls.push(call);
                        // The called party rings at once: ALERTING back to the box.
                        self.commands.push_back(Command::Alert(index));
                        index
                    }
                    other => {
                        tracing::debug!(?other, "carrier: event for a call it does not know");
                        continue;
                    }
                },
            };
            let call = &mut self.calls[index];
            if call.stage == CallStage::Released {
                continue;
            }
            if channel.is_some() {
                call.channel = channel;
            }
            match event {
                LineEvent::Progress if call.stage == CallStage::Calling => {
                    call.stage = CallStage::Proceeding
                }
                LineEvent::Alerting
                    if matches!(call.stage, CallStage::Calling | CallStage::Proceeding) =>
                {
                    call.stage = CallStage::Alerting
                }
                LineEvent::Answered => {
                    call.stage = CallStage::Answered;
                    call.answered_at_ms.get_or_insert(now_ms);
                }
                LineEvent::Hangup { cause } => {
                    call.stage = CallStage::Released;
                    call.released_at_ms = Some(now_ms);
                    call.cause = Some(cause.0);
                    call.released_by = Some(ReleasedBy::Box);
                    call.audio = None;
                }
                _ => {}
            }
        }
        let q931 = self.d.stack().q931();
        for call in self.calls.iter_mut() {
            let known = call.handle.filter(|&h| q931.call_state(h).is_some());
            if call.stage == CallStage::Released {
                if !call.cleared && known.is_none() {
                    call.cleared = true;
                }
            } else if let Some(h) = known {
                // The stack's channel is the truth: on the user side the network may give
                // another channel than the one we preferred, or take ours in a collision.
                call.channel = q931.call_channel(h);
            }
        }
    }

    fn summary_of_stages(&self) -> String {
        let stages = [
            CallStage::Queued,
            CallStage::Calling,
            CallStage::Proceeding,
            CallStage::Alerting,
            CallStage::Offered,
            CallStage::Answered,
            CallStage::Released,
        ];
        let parts: Vec<String> = stages
            .iter()
            .filter_map(|&s| {
                let n = self.calls.iter().filter(|c| c.stage == s).count();
                (n > 0).then(|| format!("{n} {s:?}"))
            })
            .collect();
        if parts.is_empty() {
            "no calls".to_string()
        } else {
            parts.join(", ")
        }
    }
}

fn new_call(
    index: usize,
    direction: CallDirection,
    calling: Option<String>,
    called: Option<String>,
    now_ms: u64,
) -> SpanCall {
    SpanCall {
        number: index + 1,
        direction,
        calling,
        called,
        channel: None,
        stage: CallStage::Queued,
        started_at_ms: now_ms,
        answered_at_ms: None,
        released_at_ms: None,
        cause: None,
        released_by: None,
        cleared: false,
        handle: None,
        answering: false,
        audio: None,
    }
}

fn parse_number(text: &str) -> Result<PhoneNumber, CarrierError> {
    PhoneNumber::parse(text).map_err(|e| CarrierError::BadNumber {
        number: text.to_owned(),
        reason: e.to_string(),
    })
}

fn check_cause(cause: u8) -> Result<(), CarrierError> {
    if (1..=127).contains(&cause) {
        Ok(())
    } else {
        Err(CarrierError::BadCause(cause))
    }
}

impl FarEndDevice for Carrier {
    fn produce(&mut self, now_ms: u64, out: &mut Block) {
        self.update_layer1(now_ms);
        self.d.run_timers(now_ms);
        self.drain_events(now_ms);
        self.run_commands(now_ms);
        out.fill_idle(E1_TIMESLOTS);
        out.conditions = LineConditions::NONE;
        if self.rx_alarm {
            // What a line terminal does when it loses the far end's signal.
            out.conditions.insert(LineConditions::RAI);
        }
        // Mouths play on in rig time whatever the line does, so timing stays predictable.
        let mut samples = [0i16; BLOCK_SAMPLES];
        for call in self.calls.iter_mut() {
            let Some(audio) = call.audio.as_mut() else {
                continue;
            };
            audio.mouth.fill(&mut samples);
            let record = call
                .channel
                .and_then(|ch| out.channels.get_mut(usize::from(ch)));
            if let (Some(record), None) = (record, self.alarm) {
                dsp::g711::alaw_encode_slice(&samples, &mut record.audio);
            }
        }
        match self.alarm {
            Some(CarrierAlarm::Los) => out.conditions.insert(LineConditions::LOS),
            Some(CarrierAlarm::Ais) => {
                out.conditions.insert(LineConditions::AIS);
                for record in out.channels.iter_mut() {
                    record.audio = [AIS_OCTET; AUDIO_OCTETS];
                }
            }
            None => {
                let mut ts16 = [0u8; BLOCK_OCTETS];
                self.d.transmit(&mut ts16);
                if let Some(record) = out.channels.get_mut(D_CHANNEL) {
                    record.audio = ts16;
                }
            }
        }
    }

    fn consume(&mut self, now_ms: u64, inp: &Block) {
        let lost = inp.conditions.contains(LineConditions::LOS)
            || inp.conditions.contains(LineConditions::AIS);
        self.box_rai = inp.conditions.contains(LineConditions::RAI);
        self.rx_alarm = lost;
        self.update_layer1(now_ms);
        let signal = self.alarm.is_none() && !lost;
        if signal {
            if let Some(record) = inp.channels.get(D_CHANNEL) {
                self.d.receive(now_ms, &record.audio);
            }
            self.drain_events(now_ms);
        }
        let silence = [soft_hardware::ALAW_SILENCE; AUDIO_OCTETS];
        for call in self.calls.iter_mut() {
            let Some(audio) = call.audio.as_mut() else {
                continue;
            };
            let heard = match call
                .channel
                .and_then(|ch| inp.channels.get(usize::from(ch)))
            {
                Some(record) if signal => &record.audio,
                _ => &silence,
            };
            audio.ear.hear(now_ms, heard);
        }
    }

    fn state_summary(&self) -> String {
        let alarm = match self.alarm {
            Some(CarrierAlarm::Los) => "sending LOS",
            Some(CarrierAlarm::Ais) => "sending AIS",
            None => "no alarm sent",
        };
        let from_box = match (self.rx_alarm, self.box_rai) {
            (true, _) => "; no signal from the box",
            (false, true) => "; box sends RAI",
            _ => "",
        };
        let (counters, bad) = self.counters();
        let released: Vec<String> = {
            let mut causes: Vec<(u8, usize)> = Vec::new();
            for c in self.calls.iter().filter(|c| c.stage == CallStage::Released) {
                let cause = c.cause.unwrap_or(0);
                match causes.iter_mut().find(|(k, _)| *k == cause) {
                    Some((_, n)) => *n += 1,
                    None => causes.push((cause, 1)),
                }
            }
            causes
                .iter()
                .map(|(k, n)| format!("{n}× cause {k}"))
                .collect()
        };
        let mut live: Vec<String> = self
            .live_calls()
            .take(3)
            .map(|c| {
                let ear = c.ear().map(|e| e.summary()).unwrap_or_default();
                format!(
                    "call {} B{} {:?}: {ear}",
                    c.number,
                    c.channel.unwrap_or(0),
                    c.stage
                )
            })
            .collect();
        let more = self.live_calls().count().saturating_sub(3);
        if more > 0 {
            live.push(format!("{more} more"));
        }
        format!(
            "E1 carrier ({} side): link {}, {alarm}{from_box}; calls: {}{}; D-channel {} frames in, {} out, {} bad, {} messages refused{}",
            match self.role() { Role::Network => "network", Role::User => "user" },
            if self.link_up() { "up" } else { "down" },
            self.summary_of_stages(),
            if released.is_empty() { String::new() } else { format!(" (released: {})", released.join(", ")) },
            counters.frames_in,
            counters.frames_out,
            bad,
            counters.messages_refused,
            if live.is_empty() { String::new() } else { format!("; live: {}", live.join("; ")) },
        )
    }
}
