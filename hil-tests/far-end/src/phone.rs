//! The phone on a box FXS port: sees ringing and caller ID, goes off hook, dials.

use dsp::caller_id::{AbsenceReason, FskCallerIdDecoder};
use dsp::dtmf::DtmfError;
use soft_hardware::{signal, Block};

use crate::audio::{Ear, Mouth, PlayItem};
use crate::device::FarEndDevice;
use crate::BLOCK_SAMPLES;

/// Length of a hook flash (timed break recall; ETSI allows roughly 80–130 ms).
pub const FLASH_MS: u64 = 100;

/// A caller ID message the phone decoded (or failed to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedCallerId {
    pub at_ms: u64,
    pub number: Option<String>,
    pub name: Option<String>,
    /// "unavailable" / "private" when the number is withheld.
    pub number_absent: Option<&'static str>,
    /// Set when a burst was received but did not decode (checksum, truncation…).
    pub error: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PhoneError {
    #[error("the phone is on hook")]
    OnHook,
    #[error(transparent)]
    Dtmf(#[from] DtmfError),
}

pub struct Phone {
    off_hook: bool,
    flash_until_ms: Option<u64>,
    line_signal: u8,
    seen_block: bool,
    ringing_since_ms: Option<u64>,
    ring_bursts: u32,
    ring_bursts_total: u32,
    cid: Box<FskCallerIdDecoder>,
    caller_ids: Vec<DecodedCallerId>,
    hook_changed_at_ms: u64,
    mouth: Mouth,
    ear: Ear,
}

impl Default for Phone {
    fn default() -> Self {
        Phone::new()
    }
}

impl Phone {
    pub fn new() -> Phone {
        Phone {
            off_hook: false,
            flash_until_ms: None,
            line_signal: 0,
            seen_block: false,
            ringing_since_ms: None,
            ring_bursts: 0,
            ring_bursts_total: 0,
            cid: Box::new(FskCallerIdDecoder::new()),
            caller_ids: Vec::new(),
            hook_changed_at_ms: 0,
            mouth: Mouth::new(),
            ear: Ear::new(),
        }
    }

    pub fn go_off_hook(&mut self, now_ms: u64) {
        if !self.off_hook {
            self.off_hook = true;
            self.hook_changed_at_ms = now_ms;
            self.ring_bursts = 0;
        }
    }

    /// Back on hook; whatever was queued to play is dropped.
    pub fn hang_up(&mut self, now_ms: u64) {
        if self.off_hook {
            self.off_hook = false;
            self.flash_until_ms = None;
            self.hook_changed_at_ms = now_ms;
            self.ring_bursts = 0;
            self.mouth.clear();
        }
    }

    /// A [`FLASH_MS`] break of the loop.
    pub fn flash(&mut self, now_ms: u64) -> Result<(), PhoneError> {
        if !self.off_hook {
            return Err(PhoneError::OnHook);
        }
        self.flash_until_ms = Some(now_ms + FLASH_MS);
        Ok(())
    }

    /// Dials `digits` as DTMF (after whatever is already queued).
    pub fn dial(&mut self, _now_ms: u64, digits: &str) -> Result<(), PhoneError> {
        if !self.off_hook {
            return Err(PhoneError::OnHook);
        }
        self.mouth.push(PlayItem::Dtmf(digits.to_owned()))?;
        Ok(())
    }

    pub fn is_off_hook(&self) -> bool {
        self.off_hook
    }
    /// Ringing voltage in the last block received.
    pub fn ringing(&self) -> bool {
        signal::is_ringing(self.line_signal)
    }
    pub fn battery(&self) -> bool {
        signal::has_battery(self.line_signal)
    }
    pub fn reversed(&self) -> bool {
        signal::is_reversed(self.line_signal)
    }
    /// Ring bursts since the phone last changed hook state.
    pub fn ring_bursts(&self) -> u32 {
        self.ring_bursts
    }
    /// Ring bursts since the phone was plugged in.
    pub fn ring_bursts_total(&self) -> u32 {
        self.ring_bursts_total
    }
    /// Every caller ID burst received, oldest first.
    pub fn caller_ids(&self) -> &[DecodedCallerId] {
        &self.caller_ids
    }
    /// The latest caller ID that decoded.
    pub fn last_caller_id(&self) -> Option<&DecodedCallerId> {
        self.caller_ids.iter().rev().find(|c| c.error.is_none())
    }
    pub fn mouth(&mut self) -> &mut Mouth {
        &mut self.mouth
    }
    pub fn ear(&self) -> &Ear {
        &self.ear
    }
}

impl FarEndDevice for Phone {
    fn produce(&mut self, now_ms: u64, out: &mut Block) {
        let flashing = match self.flash_until_ms {
            Some(until) if now_ms < until => true,
            Some(_) => {
                self.flash_until_ms = None;
                false
            }
            None => false,
        };
        let mut audio = [0i16; BLOCK_SAMPLES];
        self.mouth.fill(&mut audio);
        let loop_closed = self.off_hook && !flashing;
        if !loop_closed {
            audio = [0; BLOCK_SAMPLES];
        }
        out.fill_idle(1);
        if let Some(record) = out.channels.first_mut() {
            record.signal = signal::hook(loop_closed);
            dsp::g711::alaw_encode_slice(&audio, &mut record.audio);
        }
    }

    fn consume(&mut self, now_ms: u64, inp: &Block) {
        let Some(record) = inp.channels.first() else {
            return;
        };
        let ringing = signal::is_ringing(record.signal);
        if ringing && (!signal::is_ringing(self.line_signal) || !self.seen_block) {
            self.ring_bursts += 1;
            self.ring_bursts_total += 1;
            self.ringing_since_ms = Some(now_ms);
        } else if !ringing {
            self.ringing_since_ms = None;
        }
        self.line_signal = record.signal;
        self.seen_block = true;
        let linear = self.ear.hear(now_ms, &record.audio);
        self.cid.process(&linear);
        while let Some(result) = self.cid.poll() {
            let decoded = match result {
                Ok(m) => DecodedCallerId {
                    at_ms: now_ms,
                    number: m.number.map(|n| n.as_str().to_owned()),
                    name: m.name.map(|n| n.as_str().to_owned()),
                    number_absent: m.number_absent.map(|r| match r {
                        AbsenceReason::Unavailable => "unavailable",
                        AbsenceReason::Private => "private",
                    }),
                    error: None,
                },
                Err(e) => DecodedCallerId {
                    at_ms: now_ms,
                    number: None,
                    name: None,
                    number_absent: None,
                    error: Some(e.to_string()),
                },
            };
            self.caller_ids.push(decoded);
        }
    }

    fn state_summary(&self) -> String {
        let cid = match self.caller_ids.last() {
            Some(c) => match &c.error {
                Some(e) => format!("last caller ID failed to decode: {e}"),
                None => format!(
                    "last caller ID {} {}",
                    c.number.as_deref().or(c.number_absent).unwrap_or("-"),
                    c.name
                        .as_deref()
                        .map(|n| format!("{n:?}"))
                        .unwrap_or_default()
                ),
            },
            None => "no caller ID".to_string(),
        };
        format!(
            "phone {}; line: battery {}{}{}; {} ring bursts since hook change; {cid}; {}",
            if self.off_hook { "off hook" } else { "on hook" },
            if self.battery() { "on" } else { "off" },
            if self.reversed() { ", reversed" } else { "" },
            if self.ringing() { ", RINGING" } else { "" },
            self.ring_bursts,
            self.ear.summary()
        )
    }
}
