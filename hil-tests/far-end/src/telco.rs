//! The telco side of a box FXO port: battery feed, ringing, ETSI FSK caller ID,
//! answer supervision and open-loop disconnect.

use dsp::caller_id::{AbsenceReason, CallerIdError, CallerIdMessage, FskCallerIdGenerator};
use soft_hardware::{signal, Block};

use crate::audio::{Ear, Mouth};
use crate::device::FarEndDevice;
use crate::{BLOCK_MS, BLOCK_SAMPLES};

/// Ringing cadence: 1 s on, 4 s off (ETSI / CEPT common value).
pub const RING_ON_MS: u64 = 1000;
pub const RING_OFF_MS: u64 = 4000;
/// Open-loop disconnect: battery removed this long when the caller hangs up.
pub const DISCONNECT_MS: u64 = 1000;
/// Caller ID before ringing: polarity reversal, this long, then the FSK burst, this long
/// again, then the first ring (EN 300 659-1 asks for ≥ 100 ms and ≥ 200 ms).
const CID_ALERT_MS: u64 = 300;
const CID_TO_RING_MS: u64 = 300;
/// Caller ID after the first ring: the FSK burst starts this long after the ring ends.
const RING_TO_CID_MS: u64 = 500;

/// How the line delivers caller ID with a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CidDelivery {
    /// Ringing only.
    None,
    /// ETSI EN 300 659-1 §6.1.1 with line reversal: polarity reversal, ~300 ms, the FSK
    /// burst (V.23, MDMF), polarity restored, ~300 ms, then ringing 1 s on / 4 s off.
    EtsiFskBeforeRing,
    /// ETSI EN 300 659-1 §6.1.2: the FSK burst ~500 ms after the first ring.
    EtsiFskAfterFirstRing,
}

/// Where a [`TelcoLine`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TelcoState {
    /// Battery on, no call.
    Idle,
    /// A call is offered: caller ID and/or ringing.
    Alerting,
    /// The box went off hook while we were alerting; the call is up.
    Answered,
    /// The box went on hook after answering (it hung up); battery stays on.
    Released,
    /// We hung up: battery removed for [`DISCONNECT_MS`].
    Disconnecting,
}

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("the line is not idle (state {0:?}); hang up first")]
    NotIdle(TelcoState),
    #[error("caller number {0:?} is too long for caller ID (max 20 characters)")]
    NumberTooLong(String),
    #[error("caller name {0:?} is too long for caller ID (max 50 characters)")]
    NameTooLong(String),
    #[error("caller ID cannot be encoded: {0}")]
    CallerId(#[from] CallerIdError),
}

struct Alerting {
    cid: CidDelivery,
    started_ms: u64,
    /// FSK still to send and when it may start.
    fsk: Option<(u64, Box<FskCallerIdGenerator>)>,
    /// Set once ringing starts (or is scheduled).
    ring_start_ms: Option<u64>,
}

/// The telco line. Drive it with [`FarEndDevice::produce`]/[`FarEndDevice::consume`] once
/// per 20 ms block; command it with [`TelcoLine::place_call`] and [`TelcoLine::hang_up`].
pub struct TelcoLine {
    state: TelcoState,
    alerting: Option<Alerting>,
    disconnect_until_ms: u64,
    box_off_hook: bool,
    /// Signal byte we sent last (for queries).
    last_signal: u8,
    ring_bursts: u32,
    calls_placed: u32,
    answered_at_ms: Option<u64>,
    released_at_ms: Option<u64>,
    abandoned: bool,
    from: Option<String>,
    mouth: Mouth,
    ear: Ear,
}

impl Default for TelcoLine {
    fn default() -> Self {
        TelcoLine::new()
    }
}

impl TelcoLine {
    pub fn new() -> TelcoLine {
        TelcoLine {
            state: TelcoState::Idle,
            alerting: None,
            disconnect_until_ms: 0,
            box_off_hook: false,
            last_signal: signal::line(false, false, true),
            ring_bursts: 0,
            calls_placed: 0,
            answered_at_ms: None,
            released_at_ms: None,
            abandoned: false,
            from: None,
            mouth: Mouth::new(),
            ear: Ear::new(),
        }
    }

    /// Offers a call to the box from `from` (caller ID number) with `name`.
    pub fn place_call(
        &mut self,
        now_ms: u64,
        from: Option<&str>,
        name: Option<&str>,
        cid: CidDelivery,
    ) -> Result<(), CallError> {
        if !matches!(self.state, TelcoState::Idle | TelcoState::Released) {
            return Err(CallError::NotIdle(self.state));
        }
        let fsk = match cid {
            CidDelivery::None => None,
            CidDelivery::EtsiFskBeforeRing | CidDelivery::EtsiFskAfterFirstRing => {
                let message = caller_id_message(from, name)?;
                let generator = Box::new(FskCallerIdGenerator::new(&message)?);
                let start = match cid {
                    CidDelivery::EtsiFskBeforeRing => now_ms + CID_ALERT_MS,
                    _ => now_ms + RING_ON_MS + RING_TO_CID_MS,
                };
                Some((start, generator))
            }
        };
        let ring_start_ms = match cid {
            CidDelivery::EtsiFskBeforeRing => None,
            _ => Some(now_ms),
        };
        self.alerting = Some(Alerting {
            cid,
            started_ms: now_ms,
            fsk,
            ring_start_ms,
        });
        self.state = TelcoState::Alerting;
        self.ring_bursts = 0;
        self.calls_placed += 1;
        self.answered_at_ms = None;
        self.released_at_ms = None;
        self.abandoned = false;
        self.from = from.map(str::to_owned);
        Ok(())
    }

    /// The caller hangs up: ringing (if any) stops and battery is removed for
    /// [`DISCONNECT_MS`] (open-loop disconnect), then restored.
    pub fn hang_up(&mut self, now_ms: u64) {
        if self.state == TelcoState::Alerting {
            self.abandoned = true;
        }
        self.alerting = None;
        self.mouth.clear();
        self.state = TelcoState::Disconnecting;
        self.disconnect_until_ms = now_ms + DISCONNECT_MS;
    }

    pub fn state(&self) -> TelcoState {
        self.state
    }
    /// The box's loop is closed (as of the last block received).
    pub fn box_off_hook(&self) -> bool {
        self.box_off_hook
    }
    /// When the box answered the current (or last) call.
    pub fn answered_at_ms(&self) -> Option<u64> {
        self.answered_at_ms
    }
    /// When the box went on hook after answering the current (or last) call.
    pub fn released_at_ms(&self) -> Option<u64> {
        self.released_at_ms
    }
    /// The last call was abandoned (we hung up before the box answered).
    pub fn abandoned(&self) -> bool {
        self.abandoned
    }
    /// Ring bursts started in the current (or last) call.
    pub fn ring_bursts(&self) -> u32 {
        self.ring_bursts
    }
    pub fn calls_placed(&self) -> u32 {
        self.calls_placed
    }
    /// Ringing voltage in the last block sent.
    pub fn ringing(&self) -> bool {
        signal::is_ringing(self.last_signal)
    }
    pub fn battery(&self) -> bool {
        signal::has_battery(self.last_signal)
    }
    pub fn reversed(&self) -> bool {
        signal::is_reversed(self.last_signal)
    }
    pub fn mouth(&mut self) -> &mut Mouth {
        &mut self.mouth
    }
    pub fn ear(&self) -> &Ear {
        &self.ear
    }

    /// Signal byte and audio for the block starting at `now_ms`.
    fn alerting_block(&mut self, now_ms: u64, audio: &mut [i16; BLOCK_SAMPLES]) -> u8 {
        let Some(alerting) = self.alerting.as_mut() else {
            return signal::line(false, false, true);
        };
        let mut reversed = false;
        let mut fsk_done_at = None;
        if let Some((start, generator)) = alerting.fsk.as_mut() {
            if alerting.cid == CidDelivery::EtsiFskBeforeRing {
                reversed = true;
            }
            if now_ms >= *start && !generator.fill(audio) {
                fsk_done_at = Some(now_ms + BLOCK_MS);
            }
        }
        if let Some(done) = fsk_done_at {
            alerting.fsk = None;
            if alerting.ring_start_ms.is_none() {
                alerting.ring_start_ms = Some(done + CID_TO_RING_MS);
            }
        }
        let ringing = match alerting.ring_start_ms {
            Some(start) if now_ms >= start => {
                (now_ms - start) % (RING_ON_MS + RING_OFF_MS) < RING_ON_MS
            }
            _ => false,
        };
        if ringing && !signal::is_ringing(self.last_signal) {
            self.ring_bursts += 1;
        }
        signal::line(ringing, reversed, true)
    }
}

fn caller_id_message(from: Option<&str>, name: Option<&str>) -> Result<CallerIdMessage, CallError> {
    let mut message = CallerIdMessage::default();
    match from {
        Some(number) => {
            let mut s = heapless::String::new();
            s.push_str(number)
                .map_err(|_| CallError::NumberTooLong(number.to_owned()))?;
            message.number = Some(s);
        }
        None => message.number_absent = Some(AbsenceReason::Unavailable),
    }
    if let Some(name) = name {
        let mut s = heapless::String::new();
        s.push_str(name)
            .map_err(|_| CallError::NameTooLong(name.to_owned()))?;
        message.name = Some(s);
    }
    Ok(message)
}

impl FarEndDevice for TelcoLine {
    fn produce(&mut self, now_ms: u64, out: &mut Block) {
        if self.state == TelcoState::Disconnecting && now_ms >= self.disconnect_until_ms {
            self.state = TelcoState::Idle;
        }
        let mut audio = [0i16; BLOCK_SAMPLES];
        // The queue plays on in rig time whatever the state, so timing stays predictable;
        // it only reaches the box while loop current flows.
        self.mouth.fill(&mut audio);
        let signal = match self.state {
            TelcoState::Alerting => {
                audio = [0; BLOCK_SAMPLES];
                self.alerting_block(now_ms, &mut audio)
            }
            TelcoState::Disconnecting => {
                audio = [0; BLOCK_SAMPLES];
                signal::line(false, false, false)
            }
            TelcoState::Idle | TelcoState::Answered | TelcoState::Released => {
                if !self.box_off_hook {
                    audio = [0; BLOCK_SAMPLES];
                }
                signal::line(false, false, true)
            }
        };
        self.last_signal = signal;
        out.fill_idle(1);
        if let Some(record) = out.channels.first_mut() {
            record.signal = signal;
            dsp::g711::alaw_encode_slice(&audio, &mut record.audio);
        }
    }

    fn consume(&mut self, now_ms: u64, inp: &Block) {
        let Some(record) = inp.channels.first() else {
            return;
        };
        let off_hook = signal::is_off_hook(record.signal);
        match self.state {
            TelcoState::Alerting if off_hook => {
                self.state = TelcoState::Answered;
                self.alerting = None;
                self.answered_at_ms = Some(now_ms);
            }
            TelcoState::Answered if !off_hook => {
                self.state = TelcoState::Released;
                self.released_at_ms = Some(now_ms);
            }
            _ => {}
        }
        self.box_off_hook = off_hook;
        self.ear.hear(now_ms, &record.audio);
    }

    fn state_summary(&self) -> String {
        let alerting = match &self.alerting {
            Some(a) => format!(
                ", alerting since {:.2}s ({:?}, {} ring bursts{})",
                a.started_ms as f64 / 1000.0,
                a.cid,
                self.ring_bursts,
                if a.fsk.is_some() {
                    ", caller ID pending"
                } else {
                    ""
                }
            ),
            None => String::new(),
        };
        format!(
            "telco line {:?}{alerting}; box loop {}; battery {}{}; {}",
            self.state,
            if self.box_off_hook {
                "closed (off hook)"
            } else {
                "open (on hook)"
            },
            if self.battery() { "on" } else { "off" },
            if self.reversed() { ", reversed" } else { "" },
            self.ear.summary()
        )
    }
}
