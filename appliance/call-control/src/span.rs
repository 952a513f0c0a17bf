//! One actor per E1 span: it watches the span's link and alarms (LOS, AIS, RAI) and, on a
//! PRI span, owns the D-channel's Q.921 + Q.931 stack. Calls cross out of here as plain
//! line events on B-channels (`ChannelId { device: span, channel: timeslot }`), each
//! delivered through that B-channel's actor.

use crate::contained_handler;
use crate::containment::{ActorFailed, Contained};
use crate::leg_pool::LineState;
use crate::log_limit::LogLimit;
use crate::messages::Stamp;
use crate::messages::{PortStatus, SpanState, SwitchboardLink};
use crate::pcap_tap::{CaptureDone, CaptureStarted, DChannelCapture};
use crate::span_link::{BChannelLine, BChannelLink, CallOutRefused, SetBChannels, SpanCommand};
use actix::prelude::*;
use isdn::pri::PriStack;
use isdn::q931::{CallHandle, CallState, ChannelStatus, OutgoingCall};
use line_boundary::LineConditions;
use line_boundary::{Alarm, CallerCategory, Cause, ChannelId, LineCommand, LineEvent, PhoneNumber};
use media_engine::{CommandSender, EngineCommand, EngineEvent, WorkToken};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SpanInput {
    pub event: EngineEvent,
    pub token: WorkToken,
}

/// Start (`Some(path)`) or stop (`None`) writing this span's D-channel to a pcap file.
#[derive(Debug, Message)]
#[rtype(result = "Result<CaptureChange, String>")]
pub struct CaptureDChannel(pub Option<PathBuf>);

/// What changing a span's capture did: the capture started (its file is being created off
/// this thread) and the one it replaced (its writer may still be catching up).
#[derive(Debug, Default)]
pub struct CaptureChange {
    pub started: Option<CaptureStarted>,
    pub ended: Option<CaptureDone>,
}

/// How long the box waits for the next digit of an overlap-received number before it
/// routes on what it has (as an analog extension's inter-digit timeout).
pub const OVERLAP_DIGIT_TIMEOUT_MS: u64 = 4_000;

/// Which overlap-received numbers are complete: those an inbound route names exactly.
#[derive(Debug, Clone, Default)]
pub struct OverlapNumbers(pub Vec<String>);

impl OverlapNumbers {
    fn is_complete(&self, digits: &str) -> bool {
        self.0.iter().any(|n| n == digits)
    }
}

/// An incoming call still receiving its number in overlap: offered once it is complete.
struct PendingOffer {
    timeslot: u8,
    calling: Option<PhoneNumber>,
    called: String,
    category: CallerCategory,
    name: Option<String>,
    deadline_ms: u64,
}

/// Dialling this number out of a span with fault injection on makes the span's actor
/// panic: proves a failed span is restarted (its calls cleared with cause 41, the
/// interface restarted) and nothing else is hit.
pub const SPAN_FAULT_NUMBER: &str = "*997";

/// Everything a span actor starts from.
pub struct SpanSetup {
    pub device: u16,
    pub switchboard: SwitchboardLink,
    pub engine: CommandSender,
    pub pri: Option<PriStack>,
    pub overlap_numbers: OverlapNumbers,
    pub fault_injection: bool,
    /// The line as last reported (far end connected, LOS/AIS/RAI bits): a restarted span
    /// is not told again what the engine already reported to its predecessor.
    pub connected: bool,
    pub conditions: u8,
    /// Engine time now, for a restarted span's first steps.
    pub now_ms: u64,
    /// Replaces a failed span: RESTART the whole interface once the link is up, so the
    /// far end drops the calls this new stack knows nothing about.
    pub restarted: bool,
}

pub struct SpanActor {
    pub device: u16,
    pub switchboard: SwitchboardLink,
    engine: CommandSender,
    name: Arc<str>,
    fault_injection: bool,
    restart_interface: bool,
    started_at_ms: u64,
    pri: Option<PriStack>,
    bchannels: BTreeMap<u8, BChannelLink>,
    /// Which call each busy B-channel carries, both ways.
    calls: BTreeMap<CallHandle, u8>,
    timeslots: BTreeMap<u8, CallHandle>,
    connected: bool,
    conditions: u8,
    link_up: bool,
    wake_at: Option<u64>,
    capture: Option<DChannelCapture>,
    /// The alarms last logged, so each change is logged once.
    logged_alarms: Vec<Alarm>,
    overlap_numbers: OverlapNumbers,
    pending: BTreeMap<CallHandle, PendingOffer>,
    /// Each B-channel's line state as last reported to the switchboard. The stack is the
    /// one judge of whether a B-channel is free (a call the box clears itself holds its
    /// channel until RELEASE COMPLETE; a RESTART frees it), so the span reports it.
    reported_busy: BTreeMap<u8, bool>,
    /// Rate limit on far-end protocol errors in the log.
    error_log: LogLimit,
    /// Protocol and link error counts as last reported to the switchboard.
    reported_errors: (u64, u64),
}

impl SpanActor {
    pub fn new(setup: SpanSetup) -> SpanActor {
        let mut span = SpanActor {
            device: setup.device,
            switchboard: setup.switchboard,
            engine: setup.engine,
            name: format!("span {}", setup.device).into(),
            fault_injection: setup.fault_injection,
            restart_interface: setup.restarted,
            started_at_ms: setup.now_ms,
            pri: setup.pri,
            bchannels: BTreeMap::new(),
            calls: BTreeMap::new(),
            timeslots: BTreeMap::new(),
            connected: setup.connected,
            conditions: setup.conditions,
            link_up: false,
            wake_at: None,
            capture: None,
            logged_alarms: Vec::new(),
            overlap_numbers: setup.overlap_numbers,
            pending: BTreeMap::new(),
            reported_busy: BTreeMap::new(),
            error_log: LogLimit::default(),
            reported_errors: (0, 0),
        };
        // A span starts without its far end: LOS until it connects, not worth a warning.
        span.logged_alarms = span.alarms();
        span
    }

    fn alarms(&self) -> Vec<Alarm> {
        if !self.connected {
            return vec![Alarm::Los];
        }
        let mut alarms = Vec::new();
        let bits = self.conditions;
        if bits & LineConditions::LOS.0 != 0 {
            alarms.push(Alarm::Los);
        }
        if bits & LineConditions::AIS.0 != 0 {
            alarms.push(Alarm::Ais);
        }
        if bits & LineConditions::RAI.0 != 0 {
            alarms.push(Alarm::Rai);
        }
        alarms
    }

    /// Layer 1 is usable when a far end is connected and neither LOS nor AIS is seen.
    fn layer1_up(&self) -> bool {
        let alarm_bits = LineConditions::LOS.0 | LineConditions::AIS.0;
        self.connected && self.conditions & alarm_bits == 0
    }

    fn report_state(&mut self, stamp: &Stamp) {
        let alarms = self.alarms();
        if alarms != self.logged_alarms {
            if alarms.is_empty() {
                tracing::info!(span = self.device, "span alarms cleared");
            } else {
                tracing::warn!(span = self.device, ?alarms, "span in alarm");
            }
            self.logged_alarms = alarms.clone();
        }
        self.switchboard.span_state.do_send(SpanState {
            device: self.device,
            connected: self.connected,
            conditions: self.conditions,
            alarms,
            link_up: self.link_up,
            protocol_errors: self.reported_errors.0,
            link_errors: self.reported_errors.1,
            stamp: stamp.clone(),
        });
    }

    /// Logs the far end's protocol errors the stack reported (rate-limited: a carrier
    /// sending garbage must not flood the log) and reports new counts in the span's state.
    fn log_protocol_errors(&mut self, stamp: &Stamp) {
        let Some(pri) = self.pri.as_mut() else { return };
        while let Some(error) = pri.poll_protocol_error() {
            if let Some(held) = self.error_log.allow(stamp.at_ms) {
                tracing::warn!(
                    span = self.device,
                    call_ref = ?error.call_ref,
                    message = %error.message.map_or("unreadable", |m| m.name()),
                    cause = ?error.cause.map(|c| c.0),
                    held_back = held,
                    "Q.931 protocol error: {error}"
                );
            }
        }
        while let Some(error) = pri.poll_link_error() {
            if let Some(held) = self.error_log.allow(stamp.at_ms) {
                tracing::warn!(span = self.device, held_back = held, "Q.921 error: {error}");
            }
        }
        let counters = pri.counters();
        let counts = (counters.protocol_errors, counters.link_errors);
        if counts != self.reported_errors {
            self.reported_errors = counts;
            self.report_state(stamp);
        }
    }

    fn on_input(&mut self, input: SpanInput, _ctx: &mut Context<Self>) {
        self.on_engine(input.event, input.token);
    }

    fn on_command_input(&mut self, command: SpanCommand, _ctx: &mut Context<Self>) {
        if self.fault_injection {
            if let LineCommand::CallOut { called, .. } = &command.command {
                if called.as_str() == SPAN_FAULT_NUMBER {
                    panic!(
                        "fault injected by a call to {SPAN_FAULT_NUMBER} on span {}",
                        self.device
                    );
                }
            }
        }
        self.on_command(command);
    }

    fn on_engine(&mut self, event: EngineEvent, token: WorkToken) {
        let at_ms = event.at_ms();
        let stamp = Stamp { at_ms, token };
        let was_up = self.layer1_up();
        match event {
            EngineEvent::DeviceLink { connected, .. } => self.connected = connected,
            EngineEvent::LineConditions { bits, .. } => self.conditions = bits,
            EngineEvent::DChannelFrame { frame, .. } => {
                self.capture_frame(false, &frame);
                if let Some(pri) = self.pri.as_mut() {
                    pri.handle_frame(at_ms, &frame);
                }
                self.drain(&stamp);
                return;
            }
            EngineEvent::DeviceWake { .. } => {
                if let Some(pri) = self.pri.as_mut() {
                    // The wake we asked for is spent; drain() asks for the next one.
                    self.wake_at = None;
                    pri.handle_timeout(at_ms);
                }
                self.drain(&stamp);
                let due: Vec<CallHandle> = self
                    .pending
                    .iter()
                    .filter(|(_, p)| p.deadline_ms <= at_ms)
                    .map(|(h, _)| *h)
                    .collect();
                for handle in due {
                    self.offer(handle, &stamp);
                }
                self.request_wake();
                return;
            }
            _ => return,
        }
        let is_up = self.layer1_up();
        if let Some(pri) = self.pri.as_mut() {
            if is_up && !was_up {
                tracing::info!(span = self.device, "layer 1 up: starting the D-channel");
                pri.physical_up(at_ms);
            } else if was_up && !is_up {
                tracing::warn!(span = self.device, "layer 1 lost: D-channel down");
                pri.physical_down(at_ms);
            }
        }
        self.drain(&stamp);
        self.report_state(&stamp);
    }

    fn on_command(&mut self, command: SpanCommand) {
        let SpanCommand {
            timeslot,
            command,
            stamp,
        } = command;
        tracing::debug!(span = self.device, timeslot, ?command, "line command");
        let Some(pri) = self.pri.as_mut() else {
            tracing::warn!(
                span = self.device,
                ?command,
                "span has no call signalling; command refused"
            );
            self.tell_bchannel(
                timeslot,
                LineEvent::Hangup {
                    cause: Cause::TEMPORARY_FAILURE,
                },
                &stamp,
            );
            return;
        };
        let at_ms = stamp.at_ms;
        let placing = matches!(command, LineCommand::CallOut { .. });
        let result = match command {
            LineCommand::CallOut { calling, called } => {
                let sending_complete = !pri.q931().config().overlap;
                let out = OutgoingCall {
                    calling,
                    called: Some(called),
                    channel: Some(timeslot),
                    sending_complete,
                };
                pri.q931_mut().call_out(at_ms, out).map(|handle| {
                    self.calls.insert(handle, timeslot);
                    self.timeslots.insert(timeslot, handle);
                })
            }
            command => match self.timeslots.get(&timeslot).copied() {
                Some(handle) => pri
                    .q931_mut()
                    .handle_command(at_ms, Some(handle), command)
                    .map(|_| ()),
                // The call is already gone (the far end cleared first): tell the leg so.
                None if matches!(command, LineCommand::Hangup { .. }) => Ok(()),
                None => Err(isdn::q931::Q931Error::NoCall("on this B-channel")),
            },
        };
        // Commands given through `q931_mut` reach layer 2 only when pumped.
        pri.pump(at_ms);
        if let Err(error) = result {
            tracing::warn!(span = self.device, timeslot, %error, "PRI refused a command");
            let cause = error.cause();
            if placing {
                // Nothing was placed: the timeslot may carry another call now (the far
                // end's SETUP won a glare), which is not the one to clear.
                if let Some(bchannel) = self.bchannels.get(&timeslot) {
                    bchannel.refused.do_send(CallOutRefused {
                        cause,
                        stamp: stamp.clone(),
                    });
                }
            } else {
                if let Some(handle) = self.timeslots.remove(&timeslot) {
                    self.calls.remove(&handle);
                }
                self.tell_bchannel(timeslot, LineEvent::Hangup { cause }, &stamp);
            }
        }
        self.drain(&stamp);
    }

    fn tell_bchannel(&self, timeslot: u8, event: LineEvent, stamp: &Stamp) {
        match self.bchannels.get(&timeslot) {
            Some(bchannel) => bchannel.line.do_send(BChannelLine {
                event,
                stamp: stamp.clone(),
            }),
            None => tracing::warn!(
                span = self.device,
                timeslot,
                ?event,
                "line event for a B-channel not in service"
            ),
        }
    }

    /// Moves the stack's output to the engine (frames, wake-up) and to the B-channels.
    fn drain(&mut self, stamp: &Stamp) {
        let Some(pri) = self.pri.as_mut() else { return };
        if self.restart_interface && pri.is_link_up() {
            self.restart_interface = false;
            tracing::warn!(
                span = self.device,
                "restarting the interface after a span failure"
            );
            if let Err(error) = pri.q931_mut().restart(stamp.at_ms, None) {
                tracing::warn!(span = self.device, %error, "RESTART not sent");
            }
            pri.pump(stamp.at_ms);
        }
        let mut frames = Vec::new();
        while let Some(frame) = pri.poll_frame() {
            frames.push(frame);
        }
        let mut events = Vec::new();
        while let Some(event) = pri.poll_event() {
            events.push(event);
        }
        let link_up = pri.is_link_up();
        for frame in frames {
            self.capture_frame(true, &frame);
            if let Err(error) = self.engine.send(EngineCommand::SendDChannelFrame {
                device: self.device,
                frame,
            }) {
                tracing::error!(span = self.device, %error, "D-channel frame not sent");
            }
        }
        for (handle, channel, event) in events {
            self.deliver(handle, channel, event, stamp);
        }
        // Sending complete arrived (the stack left overlap receiving): the number is whole.
        let whole: Vec<CallHandle> = self
            .pending
            .keys()
            .copied()
            .filter(|h| {
                self.pri.as_ref().and_then(|p| p.q931().call_state(*h))
                    != Some(CallState::OverlapReceiving)
            })
            .collect();
        for handle in whole {
            self.offer(handle, stamp);
        }
        self.request_wake();
        self.report_channels(stamp);
        self.log_protocol_errors(stamp);
        if link_up != self.link_up {
            self.link_up = link_up;
            tracing::info!(span = self.device, link_up, "D-channel data link changed");
            self.report_state(stamp);
        }
    }

    /// Tells the switchboard each B-channel whose line state changed: busy while the stack
    /// holds a call on it (from SETUP to RELEASE COMPLETE) or waits for a RESTART's
    /// acknowledgement; idle otherwise.
    fn report_channels(&mut self, stamp: &Stamp) {
        let timeslots: Vec<u8> = self.bchannels.keys().copied().collect();
        for timeslot in timeslots {
            let busy = match self.pri.as_ref() {
                Some(pri) => !matches!(
                    pri.q931().channel_status(timeslot),
                    ChannelStatus::Idle | ChannelStatus::NotConfigured
                ),
                None => false,
            };
            if self.reported_busy.get(&timeslot) == Some(&busy) {
                continue;
            }
            self.reported_busy.insert(timeslot, busy);
            self.switchboard.line_status.do_send(PortStatus {
                channel: ChannelId {
                    device: self.device,
                    channel: u16::from(timeslot),
                },
                line: if busy {
                    LineState::InUse
                } else {
                    LineState::Idle
                },
                detail: if busy { "busy" } else { "idle" },
                stamp: stamp.clone(),
            });
        }
    }

    /// Asks the engine for a wake-up at the earliest protocol timer or digit deadline.
    fn request_wake(&mut self) {
        let protocol = self.pri.as_ref().and_then(PriStack::poll_timeout);
        let digits = self.pending.values().map(|p| p.deadline_ms).min();
        let next_wake = match (protocol, digits) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if next_wake != self.wake_at {
            self.wake_at = next_wake;
            let _ = self.engine.send(EngineCommand::WakeDeviceAt {
                device: self.device,
                at_ms: next_wake,
            });
        }
    }

    /// Offers a call whose overlap-received number is now complete (or timed out).
    fn offer(&mut self, handle: CallHandle, stamp: &Stamp) {
        let Some(pending) = self.pending.remove(&handle) else {
            return;
        };
        tracing::info!(span = self.device, %handle, called = %pending.called, "overlap-received number complete");
        let event = LineEvent::IncomingCall {
            calling: pending.calling,
            called: PhoneNumber::parse(&pending.called).ok(),
            category: pending.category,
            name: pending.name,
        };
        self.tell_bchannel(pending.timeslot, event, stamp);
    }

    /// Holds back a call whose number arrives in overlap; true if it was held.
    fn hold_overlap(
        &mut self,
        handle: CallHandle,
        timeslot: u8,
        event: &LineEvent,
        at_ms: u64,
    ) -> bool {
        let receiving = self.pri.as_ref().and_then(|p| p.q931().call_state(handle))
            == Some(CallState::OverlapReceiving);
        match event {
            LineEvent::IncomingCall {
                calling,
                called,
                category,
                name,
            } if receiving => {
                let called = called
                    .as_ref()
                    .map(|n| n.as_str().to_owned())
                    .unwrap_or_default();
                if self.overlap_numbers.is_complete(&called) {
                    return false;
                }
                let deadline_ms = at_ms + OVERLAP_DIGIT_TIMEOUT_MS;
                let offer = PendingOffer {
                    timeslot,
                    calling: calling.clone(),
                    called,
                    category: *category,
                    name: name.clone(),
                    deadline_ms,
                };
                self.pending.insert(handle, offer);
                true
            }
            LineEvent::Digit { digit } => match self.pending.get_mut(&handle) {
                Some(pending) => {
                    pending.called.push(*digit);
                    pending.deadline_ms = at_ms + OVERLAP_DIGIT_TIMEOUT_MS;
                    true
                }
                None => false,
            },
            LineEvent::Hangup { .. } => {
                // Cleared while dialling: never offered, nothing else to tell.
                self.pending.remove(&handle).is_some()
            }
            _ => false,
        }
    }

    fn deliver(
        &mut self,
        handle: CallHandle,
        channel: Option<u8>,
        event: LineEvent,
        stamp: &Stamp,
    ) {
        let known = self.calls.get(&handle).copied();
        let timeslot = match (known, channel) {
            (Some(ts), Some(now)) if ts != now => {
                // We always send the channel as exclusive; a network that moves the call
                // anyway has broken the B-channel the call's leg was given.
                tracing::warn!(span = self.device, %handle, ts, now, "network moved the call to another B-channel");
                ts
            }
            (Some(ts), _) => ts,
            (None, Some(ts)) => ts,
            (None, None) => {
                tracing::debug!(span = self.device, %handle, ?event, "call event without a B-channel");
                return;
            }
        };
        if let LineEvent::IncomingCall { .. } = &event {
            self.calls.insert(handle, timeslot);
            self.timeslots.insert(timeslot, handle);
        }
        let held = self.hold_overlap(handle, timeslot, &event, stamp.at_ms);
        if let LineEvent::Hangup { .. } = &event {
            self.calls.remove(&handle);
            if self.timeslots.get(&timeslot) == Some(&handle) {
                self.timeslots.remove(&timeslot);
            }
        }
        if !held {
            self.tell_bchannel(timeslot, event, stamp);
        } else if self
            .pending
            .get(&handle)
            .is_some_and(|p| self.overlap_numbers.is_complete(&p.called))
        {
            // The digits so far make a routed number: no need to wait for more.
            self.offer(handle, stamp);
        }
    }

    fn capture_frame(&mut self, sent: bool, frame: &[u8]) {
        let Some(capture) = self.capture.as_mut() else {
            return;
        };
        if let Err(error) = capture.write(sent, frame) {
            tracing::error!(span = self.device, %error, "D-channel capture failed; stopped");
            // The writer thread has already ended; nothing to wait for.
            drop(self.capture.take().map(DChannelCapture::finish));
        }
    }
}

impl Actor for SpanActor {
    type Context = Context<Self>;

    fn started(&mut self, _ctx: &mut Context<Self>) {
        let stamp = Stamp {
            at_ms: self.started_at_ms,
            token: WorkToken::untracked(),
        };
        // A restarted span may find its line already up: start the D-channel now.
        if self.layer1_up() {
            if let Some(pri) = self.pri.as_mut() {
                pri.physical_up(self.started_at_ms);
            }
            self.drain(&stamp);
        }
        self.report_channels(&stamp);
    }
}

impl Contained for SpanActor {
    fn actor_name(&self) -> Arc<str> {
        Arc::clone(&self.name)
    }
    fn supervisor(&self) -> Recipient<ActorFailed> {
        self.switchboard.failed.clone()
    }
}

contained_handler!(SpanActor, SpanInput, on_input);
contained_handler!(SpanActor, SpanCommand, on_command_input);

contained_handler!(SpanActor, SetBChannels, on_set_bchannels);

impl SpanActor {
    fn on_set_bchannels(&mut self, message: SetBChannels, _ctx: &mut Context<Self>) {
        self.bchannels = message.0;
        // A new (or restarted) span reports every B-channel once: a fresh stack holds none.
        self.reported_busy.clear();
        let stamp = Stamp {
            at_ms: self.started_at_ms,
            token: WorkToken::untracked(),
        };
        self.report_channels(&stamp);
    }
}

impl Handler<CaptureDChannel> for SpanActor {
    type Result = Result<CaptureChange, String>;
    fn handle(&mut self, message: CaptureDChannel, ctx: &mut Context<Self>) -> Self::Result {
        let device = self.device;
        crate::containment::run_contained(self, ctx, |span, _ctx| span.capture_changed(message))
            .unwrap_or_else(|| Err(format!("span {device} failed while changing its capture")))
    }
}

impl SpanActor {
    /// Starting a capture replaces (and ends) any running one; the ended one comes back
    /// so the caller can wait for its file off this thread.
    fn capture_changed(&mut self, message: CaptureDChannel) -> Result<CaptureChange, String> {
        let Some(pri) = self.pri.as_ref() else {
            return Err(format!("span {} has no D-channel", self.device));
        };
        let role = pri.q931().role();
        let (new, started) = match message.0 {
            None => (None, None),
            Some(path) => {
                let (capture, started) =
                    DChannelCapture::create(&path, role).map_err(|e| e.to_string())?;
                (Some(capture), Some(started))
            }
        };
        let ended = std::mem::replace(&mut self.capture, new).map(DChannelCapture::finish);
        tracing::info!(
            span = self.device,
            capturing = self.capture.is_some(),
            "D-channel capture changed"
        );
        Ok(CaptureChange { started, ended })
    }
}

impl crate::containment::Traced for SpanInput {
    fn work_token(&self) -> WorkToken {
        self.token.clone()
    }
}
