//! `FxsPort`: the box feeds an analog phone (battery, ringing, tones, caller ID).

mod config;
mod hook;

pub use config::FxsConfig;

use crate::cadence::CidStandard;
use crate::error::{command_name, AnalogError};
use crate::Clocked as _;
use hook::HookDebouncer;
use line_boundary::{CallerCategory, Cause, Hook, LineCommand, LineEvent, PhoneNumber, Tone};
use std::collections::VecDeque;

const SIDE: &str = "fxs";
/// Longest number a `PhoneNumber` carries.
const MAX_NUMBER_LEN: usize = 32;

/// What the port must do on the line or in the DSP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FxsAction {
    SetRinging(bool),
    SetPolarity(bool),
    SetBattery(bool),
    PlayTone(Tone),
    StopTone,
    SendCallerId {
        number: Option<PhoneNumber>,
        name: Option<String>,
        standard: CidStandard,
    },
}

/// The states of a port feeding a phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FxsState {
    /// Phone on hook, nothing happening.
    Idle,
    /// Phone off hook, dial tone playing, no digit yet.
    DialTone,
    /// Phone off hook, collecting dialled digits.
    CollectingDigits,
    /// The phone's call was handed to the appliance (IncomingCall); phone off hook.
    CallPlaced,
    /// The appliance is ringing the phone (on hook).
    Ringing,
    /// The phone answered a call that rang it.
    Connected,
    /// The call is over (or dialling failed) but the phone is still off hook: busy or
    /// congestion tone until it goes on hook.
    AwaitingOnHook,
}

impl FxsState {
    /// A stable snake_case name for status reports.
    pub fn name(self) -> &'static str {
        match self {
            FxsState::Idle => "idle",
            FxsState::DialTone => "dial_tone",
            FxsState::CollectingDigits => "collecting_digits",
            FxsState::CallPlaced => "call_placed",
            FxsState::Ringing => "ringing",
            FxsState::Connected => "connected",
            FxsState::AwaitingOnHook => "awaiting_on_hook",
        }
    }

    /// States in which the phone is off hook (as far as the port has accepted).
    fn off_hook(self) -> bool {
        !matches!(self, FxsState::Idle | FxsState::Ringing)
    }

    /// States with a call in which a short on-hook means register recall.
    fn in_call(self) -> bool {
        matches!(self, FxsState::CallPlaced | FxsState::Connected)
    }
}

/// Where the ringing cadence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RingPhase {
    /// DTMF caller ID is being sent before the first ring.
    CallerIdLead,
    On,
    Off,
}

#[derive(Debug, Clone)]
struct PendingCallerId {
    number: Option<PhoneNumber>,
    name: Option<String>,
    /// When to send it, once the first ring has ended.
    at: Option<u64>,
}

/// A loop-start FXS port. See the crate docs for the driving loop.
#[derive(Debug, Clone)]
pub struct FxsPort {
    config: FxsConfig,
    state: FxsState,
    now: u64,
    hook: HookDebouncer,
    /// Raw edge time of an accepted on-hook that is not yet a hang-up (maybe a flash).
    on_hook_since: Option<u64>,
    digits: String,
    /// First-digit or inter-digit timer.
    dial_deadline: Option<u64>,
    ring_phase: Option<(RingPhase, u64)>,
    ringing: bool,
    caller_id: Option<PendingCallerId>,
    tone_playing: bool,
    /// While battery is dropped for an open-loop disconnect: when to restore it, the tone
    /// to play then, and the raw hook state heard meanwhile (unreliable without battery).
    open_loop: Option<(u64, Tone)>,
    raw_hook_during_open_loop: Option<bool>,
    events: VecDeque<LineEvent>,
    actions: VecDeque<FxsAction>,
}

impl FxsPort {
    pub fn new(mut config: FxsConfig) -> FxsPort {
        config.max_digits = config.max_digits.clamp(1, MAX_NUMBER_LEN);
        FxsPort {
            hook: HookDebouncer::new(config.hook_debounce_ms),
            config,
            state: FxsState::Idle,
            now: 0,
            on_hook_since: None,
            digits: String::new(),
            dial_deadline: None,
            ring_phase: None,
            ringing: false,
            caller_id: None,
            tone_playing: false,
            open_loop: None,
            raw_hook_during_open_loop: None,
            events: VecDeque::new(),
            actions: VecDeque::new(),
        }
    }

    pub fn state(&self) -> FxsState {
        self.state
    }

    pub fn config(&self) -> &FxsConfig {
        &self.config
    }

    /// The digits collected so far in the current dialling.
    pub fn dialled(&self) -> &str {
        &self.digits
    }

    pub fn poll_event(&mut self) -> Option<LineEvent> {
        self.events.pop_front()
    }

    pub fn poll_action(&mut self) -> Option<FxsAction> {
        self.actions.pop_front()
    }

    /// The next time `handle_timeout` must be called; always later than the last input time.
    pub fn poll_timeout(&self) -> Option<u64> {
        [
            self.hook.deadline(),
            self.hangup_deadline(),
            self.dial_deadline,
            self.ring_phase.map(|(_, until)| until),
            self.caller_id.as_ref().and_then(|cid| cid.at),
            self.open_loop.map(|(until, _)| until),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    pub fn handle_timeout(&mut self, now_ms: u64) {
        self.advance(now_ms);
    }

    /// The raw hook state reported by the line (undebounced).
    pub fn handle_hook(&mut self, now_ms: u64, off_hook: bool) {
        let now = self.advance(now_ms);
        if self.open_loop.is_some() {
            self.raw_hook_during_open_loop = Some(off_hook);
        } else {
            self.hook.input(now, off_hook);
        }
        self.expire(now);
    }

    /// The DSP detected a DTMF digit from the phone.
    pub fn handle_digit(&mut self, now_ms: u64, digit: char) {
        let now = self.advance(now_ms);
        let digit = digit.to_ascii_uppercase();
        if matches!(digit, '0'..='9' | '*' | '#' | 'A'..='D') {
            self.on_digit(now, digit);
        }
        self.expire(now);
    }

    /// The router recognised the digits so far as a complete number. Ignored outside
    /// digit collection: it may race with the inter-digit timeout.
    pub fn complete_dialling(&mut self, now_ms: u64) {
        let now = self.advance(now_ms);
        if self.state == FxsState::CollectingDigits {
            self.place_call();
        }
        self.expire(now);
    }

    pub fn handle_command(&mut self, now_ms: u64, command: LineCommand) -> Result<(), AnalogError> {
        let now = self.advance(now_ms);
        let result = self.command(now, command);
        self.expire(now);
        result
    }

    fn command(&mut self, now: u64, command: LineCommand) -> Result<(), AnalogError> {
        let name = command_name(&command);
        match command {
            LineCommand::Ring {
                calling,
                name: display,
            } => match self.state {
                FxsState::Idle => {
                    self.start_ringing(now, calling, display);
                    Ok(())
                }
                state => Err(AnalogError::InvalidCommand {
                    side: SIDE,
                    state: state.name(),
                    command: name,
                }),
            },
            LineCommand::Hangup { cause } => {
                match self.state {
                    FxsState::Idle | FxsState::AwaitingOnHook => {}
                    FxsState::Ringing => {
                        self.stop_ringing();
                        self.enter(FxsState::Idle);
                    }
                    _ => self.clear_to_phone(now, cause),
                }
                Ok(())
            }
            LineCommand::PlayTone { tone } => {
                self.play(tone);
                Ok(())
            }
            LineCommand::StopTone => {
                self.stop_tone();
                Ok(())
            }
            // The phone answers by going off hook; alerting is the caller's ringback.
            LineCommand::Answer | LineCommand::Alert => Ok(()),
            LineCommand::CallOut { .. } => Err(AnalogError::Unsupported {
                side: SIDE,
                command: name,
            }),
        }
    }

    /// Fires the first due timer; false when none is due.
    fn expire_one(&mut self, now: u64) -> bool {
        if let Some((off_hook, edge)) = self.hook.expire(now) {
            if off_hook {
                self.on_off_hook(now, edge);
            } else {
                self.on_on_hook(edge);
            }
            return true;
        }
        if self.hangup_deadline().is_some_and(|at| at <= now) {
            self.on_hung_up();
            return true;
        }
        if let Some((until, tone)) = self.open_loop.filter(|(until, _)| *until <= now) {
            self.open_loop = None;
            self.actions.push_back(FxsAction::SetBattery(true));
            if let Some(raw) = self.raw_hook_during_open_loop.take() {
                self.hook.input(until, raw);
            }
            if self.state == FxsState::AwaitingOnHook {
                self.play(tone);
            }
            return true;
        }
        if self.dial_deadline.is_some_and(|at| at <= now) {
            self.dial_deadline = None;
            match self.state {
                FxsState::DialTone => self.fail_dialling(),
                FxsState::CollectingDigits => self.place_call(),
                _ => {}
            }
            return true;
        }
        if let Some((phase, until)) = self.ring_phase.filter(|(_, until)| *until <= now) {
            self.next_ring_phase(phase, until);
            return true;
        }
        if let Some(cid) = self
            .caller_id
            .take_if(|cid| cid.at.is_some_and(|at| at <= now))
        {
            self.send_caller_id(cid);
            return true;
        }
        false
    }

    fn hangup_deadline(&self) -> Option<u64> {
        self.on_hook_since
            .map(|since| since.saturating_add(u64::from(self.config.flash_max_ms)))
    }

    fn on_off_hook(&mut self, now: u64, edge: u64) {
        match self.state {
            FxsState::Idle => {
                self.events.push_back(LineEvent::Hook {
                    hook: Hook::OffHook,
                });
                self.play(Tone::Dial);
                self.digits.clear();
                self.enter(FxsState::DialTone);
                self.dial_deadline = Some(now + u64::from(self.config.first_digit_timeout_ms));
            }
            FxsState::Ringing => {
                // Ring trip: stop ringing in the same step that reports the answer.
                self.stop_ringing();
                self.events.push_back(LineEvent::Answered);
                self.enter(FxsState::Connected);
            }
            state => {
                if let Some(since) = self.on_hook_since.take() {
                    let on_hook_ms = edge.saturating_sub(since);
                    if state.in_call() && on_hook_ms >= u64::from(self.config.flash_min_ms) {
                        self.events.push_back(LineEvent::Flash);
                    }
                }
            }
        }
    }

    fn on_on_hook(&mut self, edge: u64) {
        // Not yet a hang-up: a flash comes back within flash_max_ms.
        if self.state.off_hook() {
            self.on_hook_since = Some(edge);
        }
    }

    fn on_hung_up(&mut self) {
        self.on_hook_since = None;
        self.stop_tone();
        self.events
            .push_back(LineEvent::Hook { hook: Hook::OnHook });
        // After a clear-down the appliance has already ended the call.
        if self.state != FxsState::AwaitingOnHook {
            self.events.push_back(LineEvent::Hangup {
                cause: Cause::NORMAL_CLEARING,
            });
        }
        if let Some((_, _)) = self.open_loop.take() {
            self.raw_hook_during_open_loop = None;
            self.actions.push_back(FxsAction::SetBattery(true));
        }
        self.digits.clear();
        self.enter(FxsState::Idle);
    }

    fn on_digit(&mut self, now: u64, digit: char) {
        match self.state {
            FxsState::DialTone => {
                self.stop_tone();
                self.enter(FxsState::CollectingDigits);
                self.collect(now, digit);
            }
            FxsState::CollectingDigits => self.collect(now, digit),
            FxsState::CallPlaced | FxsState::Connected => {
                self.events.push_back(LineEvent::Digit { digit })
            }
            // Detector noise while on hook or after clear-down.
            _ => {}
        }
    }

    fn collect(&mut self, now: u64, digit: char) {
        self.events.push_back(LineEvent::Digit { digit });
        if digit == '#' && !self.digits.is_empty() {
            // '#' ends dialling; it is not part of the number.
            self.place_call();
            return;
        }
        // A-D cannot be part of a number; they are reported as digits only.
        if !digit.is_ascii_alphabetic() {
            self.digits.push(digit);
        }
        if self.digits.len() >= self.config.max_digits {
            self.place_call();
        } else {
            self.dial_deadline = Some(now + u64::from(self.config.interdigit_timeout_ms));
        }
    }

    fn place_call(&mut self) {
        let called = PhoneNumber::parse(&self.digits).ok();
        self.digits.clear();
        self.events.push_back(LineEvent::IncomingCall {
            calling: None,
            called,
            category: CallerCategory::Ordinary,
            name: None,
        });
        self.enter(FxsState::CallPlaced);
    }

    /// No digit after dial tone: tell the user with congestion, say nothing upstream.
    fn fail_dialling(&mut self) {
        self.play(Tone::Congestion);
        self.enter(FxsState::AwaitingOnHook);
    }

    /// The far end (or the appliance) ended the call while the phone is off hook.
    fn clear_to_phone(&mut self, now: u64, cause: Cause) {
        // Q.850 normal class (16..=31): busy; anything else is a failure: congestion.
        let tone = if (16..=31).contains(&cause.0) {
            Tone::Busy
        } else {
            Tone::Congestion
        };
        self.digits.clear();
        self.enter(FxsState::AwaitingOnHook);
        match self.config.open_loop_disconnect_ms {
            Some(ms) if ms > 0 => {
                self.stop_tone();
                self.actions.push_back(FxsAction::SetBattery(false));
                self.open_loop = Some((now + u64::from(ms), tone));
            }
            _ => self.play(tone),
        }
    }

    fn start_ringing(&mut self, now: u64, calling: Option<PhoneNumber>, name: Option<String>) {
        let standard = self.config.caller_id;
        let has_caller_id = standard != CidStandard::None && (calling.is_some() || name.is_some());
        if has_caller_id && standard == CidStandard::Dtmf {
            self.actions.push_back(FxsAction::SendCallerId {
                number: calling,
                name,
                standard,
            });
            self.ring_phase = Some((
                RingPhase::CallerIdLead,
                now + u64::from(self.config.dtmf_caller_id_lead_ms),
            ));
        } else {
            if has_caller_id {
                self.caller_id = Some(PendingCallerId {
                    number: calling,
                    name,
                    at: None,
                });
            }
            self.set_ringing(true);
            self.ring_phase = Some((
                RingPhase::On,
                now + u64::from(self.config.ring_cadence.on_ms),
            ));
        }
        self.enter(FxsState::Ringing);
    }

    fn next_ring_phase(&mut self, phase: RingPhase, at: u64) {
        let cadence = self.config.ring_cadence;
        match phase {
            RingPhase::CallerIdLead | RingPhase::Off => {
                self.set_ringing(true);
                self.ring_phase = Some((RingPhase::On, at + u64::from(cadence.on_ms)));
            }
            RingPhase::On => {
                self.set_ringing(false);
                self.ring_phase = Some((RingPhase::Off, at + u64::from(cadence.off_ms)));
                // FSK caller ID goes in the silence after the first ring only.
                if let Some(cid) = self.caller_id.as_mut().filter(|cid| cid.at.is_none()) {
                    cid.at = Some(at + u64::from(self.config.caller_id_delay_ms));
                }
            }
        }
    }

    fn send_caller_id(&mut self, cid: PendingCallerId) {
        self.actions.push_back(FxsAction::SendCallerId {
            number: cid.number,
            name: cid.name,
            standard: self.config.caller_id,
        });
    }

    fn stop_ringing(&mut self) {
        self.set_ringing(false);
        self.ring_phase = None;
        self.caller_id = None;
    }

    fn set_ringing(&mut self, on: bool) {
        if self.ringing != on {
            self.ringing = on;
            self.actions.push_back(FxsAction::SetRinging(on));
        }
    }

    fn play(&mut self, tone: Tone) {
        self.tone_playing = true;
        self.actions.push_back(FxsAction::PlayTone(tone));
    }

    fn stop_tone(&mut self) {
        if self.tone_playing {
            self.tone_playing = false;
            self.actions.push_back(FxsAction::StopTone);
        }
    }

    fn enter(&mut self, state: FxsState) {
        self.state = state;
        if !matches!(state, FxsState::DialTone | FxsState::CollectingDigits) {
            self.dial_deadline = None;
        }
    }
}

impl crate::Clocked for FxsPort {
    fn clock(&mut self) -> &mut u64 {
        &mut self.now
    }
    fn fire_next_timer(&mut self, now: u64) -> bool {
        self.expire_one(now)
    }
}
