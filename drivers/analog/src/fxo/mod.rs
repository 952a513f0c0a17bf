//! `FxoLine`: the box is the terminal on a telco loop-start line.

mod config;
mod ring;

pub use config::{AnswerSupervision, DisconnectSupervision, FxoConfig};

use crate::cadence::{CallerIdInfo, CallerIdMode};
use crate::error::{command_name, AnalogError};
use crate::Clocked as _;
use line_boundary::{CallerCategory, Cause, Hook, LineCommand, LineEvent, PhoneNumber};
use ring::{RingDetector, RingEdge};
use std::collections::VecDeque;

const SIDE: &str = "fxo";

/// The signalling bits the telco line presents to the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineFromTelco {
    /// Ringing voltage is present.
    pub ringing: bool,
    /// Loop polarity is reversed.
    pub reversed: bool,
    /// The CO feeds loop battery.
    pub battery: bool,
}

/// What the port must do on the line or in the DSP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FxoAction {
    /// Open or close the loop.
    SetHook(Hook),
    /// Switch the caller-ID (FSK/DTMF) receiver on or off.
    ListenForCallerId(bool),
    /// Send these digits as DTMF toward the CO.
    Dial(PhoneNumber),
}

/// The states of a loop-start terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FxoState {
    /// On hook, nothing happening.
    Idle,
    /// On hook, the CO announced caller ID (polarity reversal) or sent it; waiting for ringing.
    CallerIdBeforeRing,
    /// On hook, the first ring burst was seen; waiting for caller ID sent after it.
    Ringing,
    /// On hook, the call was offered to the appliance; ringing continues until answer.
    Offered,
    /// On hook, the appliance refused the call; ignoring ringing until the caller gives up.
    Rejected,
    /// Off hook after Answer; the loop settles before supervision starts.
    Answering,
    /// Off hook, in a call.
    Connected,
    /// Off hook for an outbound call, waiting for dial tone.
    Seizing,
    /// Off hook, sending the number as DTMF.
    Dialling,
    /// Off hook, dialled, waiting for the answer polarity reversal.
    AwaitingAnswer,
}

impl FxoState {
    /// A stable snake_case name for status reports.
    pub fn name(self) -> &'static str {
        match self {
            FxoState::Idle => "idle",
            FxoState::CallerIdBeforeRing => "caller_id_before_ring",
            FxoState::Ringing => "ringing",
            FxoState::Offered => "offered",
            FxoState::Rejected => "rejected",
            FxoState::Answering => "answering",
            FxoState::Connected => "connected",
            FxoState::Seizing => "seizing",
            FxoState::Dialling => "dialling",
            FxoState::AwaitingAnswer => "awaiting_answer",
        }
    }

    fn off_hook(self) -> bool {
        matches!(
            self,
            FxoState::Answering
                | FxoState::Connected
                | FxoState::Seizing
                | FxoState::Dialling
                | FxoState::AwaitingAnswer
        )
    }

    /// States in which silence after ringing means the caller gave up.
    fn rung(self) -> bool {
        matches!(
            self,
            FxoState::Ringing | FxoState::Offered | FxoState::Rejected
        )
    }
}

/// A loop-start FXO line. See the crate docs for the driving loop.
#[derive(Debug, Clone)]
pub struct FxoLine {
    config: FxoConfig,
    state: FxoState,
    /// Latest time seen; input times never move the machine backwards.
    now: u64,
    line: LineFromTelco,
    ring: RingDetector,
    listening: bool,
    caller_id: Option<CallerIdInfo>,
    /// Timer of the current state (caller-ID wait, answer settle, dial-tone wait, dialling).
    state_deadline: Option<u64>,
    battery_lost_at: Option<u64>,
    polarity_at_seize: bool,
    polarity_at_connect: bool,
    number_to_dial: Option<PhoneNumber>,
    events: VecDeque<LineEvent>,
    actions: VecDeque<FxoAction>,
}

impl FxoLine {
    pub fn new(config: FxoConfig) -> FxoLine {
        let mut line = FxoLine {
            ring: RingDetector::new(config.ring_min_ms),
            config,
            state: FxoState::Idle,
            now: 0,
            // Until told otherwise, assume a healthy idle line.
            line: LineFromTelco {
                ringing: false,
                reversed: false,
                battery: true,
            },
            listening: false,
            caller_id: None,
            state_deadline: None,
            battery_lost_at: None,
            polarity_at_seize: false,
            polarity_at_connect: false,
            number_to_dial: None,
            events: VecDeque::new(),
            actions: VecDeque::new(),
        };
        line.arm_idle_receiver();
        line
    }

    pub fn state(&self) -> FxoState {
        self.state
    }

    pub fn config(&self) -> &FxoConfig {
        &self.config
    }

    pub fn poll_event(&mut self) -> Option<LineEvent> {
        self.events.pop_front()
    }

    pub fn poll_action(&mut self) -> Option<FxoAction> {
        self.actions.pop_front()
    }

    /// The next time `handle_timeout` must be called; always later than the last input time.
    pub fn poll_timeout(&self) -> Option<u64> {
        [
            self.ring_deadline(),
            self.battery_deadline(),
            self.state_deadline,
            self.abandon_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    pub fn handle_timeout(&mut self, now_ms: u64) {
        self.advance(now_ms);
    }

    /// The signalling bits from the line changed (or were re-sent).
    pub fn handle_line(&mut self, now_ms: u64, line: LineFromTelco) {
        let now = self.advance(now_ms);
        let previous = self.line;
        self.line = line;
        if line.battery != previous.battery {
            self.battery_lost_at = if line.battery { None } else { Some(now) };
        }
        if line.ringing != previous.ringing
            && self.ring.input(now, line.ringing) == RingEdge::BurstEnded
        {
            self.on_ring_burst_end();
        }
        if line.reversed != previous.reversed {
            self.on_polarity_change(now);
        }
        self.expire(now);
    }

    /// The DSP decoded caller ID (FSK or DTMF).
    pub fn handle_caller_id(&mut self, now_ms: u64, info: CallerIdInfo) {
        let now = self.advance(now_ms);
        match self.state {
            FxoState::Idle if self.listening => {
                self.caller_id = Some(info);
                self.enter(
                    FxoState::CallerIdBeforeRing,
                    Some(now + u64::from(self.config.caller_id_wait_ms)),
                );
            }
            FxoState::CallerIdBeforeRing => self.caller_id = Some(info),
            FxoState::Ringing => {
                self.caller_id = Some(info);
                self.offer();
            }
            // Late or unexpected caller ID has nobody to tell.
            _ => {}
        }
        self.expire(now);
    }

    /// The DSP confirmed a busy or congestion cadence on the line.
    pub fn handle_busy_tone(&mut self, now_ms: u64) {
        let now = self.advance(now_ms);
        match self.state {
            FxoState::AwaitingAnswer => self.disconnect(Cause::USER_BUSY),
            FxoState::Connected if self.config.disconnect.busy_tone => {
                self.disconnect(Cause::NORMAL_CLEARING)
            }
            _ => {}
        }
        self.expire(now);
    }

    /// The DSP heard dial tone after the line was seized: dial without waiting longer.
    pub fn handle_dial_tone(&mut self, now_ms: u64) {
        let now = self.advance(now_ms);
        if self.state == FxoState::Seizing {
            self.start_dialling(now);
        }
        self.expire(now);
    }

    pub fn handle_command(&mut self, now_ms: u64, command: LineCommand) -> Result<(), AnalogError> {
        let now = self.advance(now_ms);
        let result = self.command(now, &command);
        self.expire(now);
        result
    }

    fn command(&mut self, now: u64, command: &LineCommand) -> Result<(), AnalogError> {
        let refuse = |state: FxoState| AnalogError::InvalidCommand {
            side: SIDE,
            state: state.name(),
            command: command_name(command),
        };
        match command {
            LineCommand::Answer => match self.state {
                FxoState::Offered => {
                    self.actions.push_back(FxoAction::SetHook(Hook::OffHook));
                    self.enter(
                        FxoState::Answering,
                        Some(now + u64::from(self.config.answer_delay_ms)),
                    );
                    Ok(())
                }
                state => Err(refuse(state)),
            },
            LineCommand::Hangup { .. } => {
                match self.state {
                    // Nothing the appliance knows of: hanging up is already done.
                    FxoState::Idle
                    | FxoState::CallerIdBeforeRing
                    | FxoState::Ringing
                    | FxoState::Rejected => {}
                    // A loop-start line cannot refuse a call; let it ring out unanswered.
                    FxoState::Offered => self.enter(FxoState::Rejected, None),
                    _ => {
                        self.actions.push_back(FxoAction::SetHook(Hook::OnHook));
                        self.go_idle();
                    }
                }
                Ok(())
            }
            LineCommand::CallOut { called, .. } => match self.state {
                FxoState::Idle if self.ring.is_on() => Err(AnalogError::Glare {
                    side: SIDE,
                    state: self.state.name(),
                }),
                FxoState::CallerIdBeforeRing => Err(AnalogError::Glare {
                    side: SIDE,
                    state: self.state.name(),
                }),
                FxoState::Idle if !self.line.battery => {
                    // A dead line: fail the call at once rather than dial into nothing.
                    self.events.push_back(LineEvent::Hangup {
                        cause: Cause::NETWORK_OUT_OF_ORDER,
                    });
                    Ok(())
                }
                FxoState::Idle => {
                    self.listen(false);
                    self.actions.push_back(FxoAction::SetHook(Hook::OffHook));
                    self.polarity_at_seize = self.line.reversed;
                    self.number_to_dial = Some(called.clone());
                    self.enter(
                        FxoState::Seizing,
                        Some(now + u64::from(self.config.dial_tone_wait_ms)),
                    );
                    Ok(())
                }
                state => Err(refuse(state)),
            },
            LineCommand::Alert => Ok(()),
            LineCommand::Ring { .. } | LineCommand::PlayTone { .. } | LineCommand::StopTone => {
                Err(AnalogError::Unsupported {
                    side: SIDE,
                    command: command_name(command),
                })
            }
        }
    }

    /// Fires the first due timer; false when none is due.
    fn expire_one(&mut self, now: u64) -> bool {
        if self.ring_deadline().is_some_and(|at| at <= now) && self.ring.expire(now) {
            self.on_ring_qualified();
            return true;
        }
        if self.battery_deadline().is_some_and(|at| at <= now) {
            self.disconnect(Cause::NORMAL_CLEARING);
            return true;
        }
        if self.state_deadline.is_some_and(|at| at <= now) {
            self.state_deadline = None;
            self.on_state_timeout(now);
            return true;
        }
        if self.abandon_deadline().is_some_and(|at| at <= now) {
            self.on_abandon();
            return true;
        }
        false
    }

    fn ring_deadline(&self) -> Option<u64> {
        // Only the states that act on a first or second ring need to hear it early.
        match self.state {
            FxoState::Idle | FxoState::CallerIdBeforeRing | FxoState::Ringing => {
                self.ring.deadline()
            }
            _ => None,
        }
    }

    fn battery_deadline(&self) -> Option<u64> {
        let limit = self.config.disconnect.battery_drop_ms?;
        let lost_at = self.battery_lost_at?;
        self.state
            .off_hook()
            .then(|| lost_at.saturating_add(u64::from(limit)))
    }

    fn abandon_deadline(&self) -> Option<u64> {
        if !self.state.rung() || self.ring.is_on() {
            return None;
        }
        let silence =
            u64::from(self.config.ring_cadence.off_ms) + u64::from(self.config.abandon_margin_ms);
        Some(self.ring.last_burst_end()?.saturating_add(silence))
    }

    fn on_state_timeout(&mut self, now: u64) {
        match self.state {
            // Caller ID announced but no ringing followed: forget it.
            FxoState::CallerIdBeforeRing => self.go_idle(),
            FxoState::Answering => self.connect(),
            FxoState::Seizing => self.start_dialling(now),
            FxoState::Dialling => self.dialling_done(),
            _ => {}
        }
    }

    fn on_ring_qualified(&mut self) {
        match self.state {
            FxoState::Idle | FxoState::CallerIdBeforeRing => {
                if self.config.caller_id == CallerIdMode::FskAfterFirstRing {
                    self.enter(FxoState::Ringing, None);
                } else {
                    self.offer();
                }
            }
            // The second ring: caller ID did not come (or was not decodable).
            FxoState::Ringing => self.offer(),
            _ => {}
        }
    }

    fn on_ring_burst_end(&mut self) {
        // Caller ID after the first ring comes in the silence that follows it.
        if self.state == FxoState::Ringing {
            self.listen(true);
        }
    }

    fn on_polarity_change(&mut self, now: u64) {
        match self.state {
            FxoState::Idle
                if matches!(
                    self.config.caller_id,
                    CallerIdMode::FskBeforeRing | CallerIdMode::Dtmf
                ) =>
            {
                // EN 300 659-1: a line reversal announces caller ID before ringing.
                self.listen(true);
                self.enter(
                    FxoState::CallerIdBeforeRing,
                    Some(now + u64::from(self.config.caller_id_wait_ms)),
                );
            }
            FxoState::Connected
                if self.config.disconnect.polarity_reversal
                    && self.line.reversed != self.polarity_at_connect =>
            {
                self.disconnect(Cause::NORMAL_CLEARING);
            }
            FxoState::AwaitingAnswer => self.answered(),
            _ => {}
        }
    }

    fn on_abandon(&mut self) {
        // Only an offered call is known upstream; the others just fade back to idle.
        if self.state == FxoState::Offered {
            self.events.push_back(LineEvent::Hangup {
                cause: Cause::NORMAL_CLEARING,
            });
        }
        self.go_idle();
    }

    fn offer(&mut self) {
        let info = self.caller_id.take().unwrap_or_default();
        self.events.push_back(LineEvent::IncomingCall {
            calling: info.number,
            called: None,
            category: CallerCategory::Ordinary,
            name: info.name,
        });
        self.listen(false);
        self.enter(FxoState::Offered, None);
    }

    fn start_dialling(&mut self, now: u64) {
        match self.number_to_dial.take() {
            Some(number) => {
                let digits = number.as_str().chars().count() as u64;
                self.actions.push_back(FxoAction::Dial(number));
                let duration = digits.saturating_mul(u64::from(self.config.dtmf_digit_ms));
                self.enter(FxoState::Dialling, Some(now.saturating_add(duration)));
            }
            None => self.dialling_done(),
        }
    }

    fn dialling_done(&mut self) {
        self.events.push_back(LineEvent::Progress);
        match self.config.answer_supervision {
            AnswerSupervision::AfterDialling => self.answered(),
            // The far end may have answered while we were still dialling.
            AnswerSupervision::PolarityReversal if self.line.reversed != self.polarity_at_seize => {
                self.answered()
            }
            AnswerSupervision::PolarityReversal => self.enter(FxoState::AwaitingAnswer, None),
        }
    }

    fn answered(&mut self) {
        self.events.push_back(LineEvent::Answered);
        self.connect();
    }

    fn connect(&mut self) {
        // The polarity at connect is the reference a clear-down reversal departs from.
        self.polarity_at_connect = self.line.reversed;
        self.enter(FxoState::Connected, None);
    }

    fn disconnect(&mut self, cause: Cause) {
        self.events.push_back(LineEvent::Hangup { cause });
        self.actions.push_back(FxoAction::SetHook(Hook::OnHook));
        self.go_idle();
    }

    fn enter(&mut self, state: FxoState, deadline: Option<u64>) {
        self.state = state;
        self.state_deadline = deadline;
    }

    fn go_idle(&mut self) {
        self.enter(FxoState::Idle, None);
        self.caller_id = None;
        self.number_to_dial = None;
        self.ring.reset_call();
        self.arm_idle_receiver();
    }

    /// DTMF caller ID comes unannounced, so that receiver stays on while idle.
    fn arm_idle_receiver(&mut self) {
        self.listen(self.config.caller_id == CallerIdMode::Dtmf);
    }

    fn listen(&mut self, on: bool) {
        if self.listening != on {
            self.listening = on;
            self.actions.push_back(FxoAction::ListenForCallerId(on));
        }
    }
}

impl crate::Clocked for FxoLine {
    fn clock(&mut self) -> &mut u64 {
        &mut self.now
    }
    fn fire_next_timer(&mut self, now: u64) -> bool {
        self.expire_one(now)
    }
}
