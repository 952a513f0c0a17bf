//! The `spanN` steps and conditions (an E1 carrier). Kept apart from the analog grammar
//! in `parse.rs`; shares its cursor.

use far_end::{CarrierAlarm, ReleasedBy};
use soft_hardware::DeviceKind;

use super::{check_digits, Cursor};
use crate::ast::*;

/// Most calls one `call` step may place (an E1 has 30 B-channels; the carrier refuses
/// what does not fit, this only catches typos).
const MAX_CALLS: u32 = 1000;

const SPAN_ACTIONS: &str = "call, answer, hang-up, alarm, play, send dtmf";
const SPAN_CONDITIONS: &str =
    "link up, remote-alarm, answered, released, incoming call, hears, idle";

impl Cursor<'_> {
    /// A step on an E1 carrier; the device name has been read.
    pub(super) fn span_step(&mut self, dev: DeviceSpec) -> Result<Action, String> {
        debug_assert_eq!(dev.kind, DeviceKind::E1);
        let device = dev.name;
        let verb = self.next(&format!("what {device} should do ({SPAN_ACTIONS})"))?;
        let action = match verb.as_str() {
            "call" => self.span_call(device)?,
            "answer" => Action::SpanAnswer { device },
            "hang-up" => {
                let calls = if self.eat("all") {
                    CallSel::All
                } else if self.eat("call") {
                    CallSel::Call(self.call_number()?)
                } else {
                    CallSel::All
                };
                let cause = if self.eat("cause") { self.cause()? } else { 16 };
                Action::SpanHangUp {
                    device,
                    calls,
                    cause,
                }
            }
            "alarm" => {
                let what = self.next("los, ais or clear after `alarm`")?;
                let alarm = match what.as_str() {
                    "los" => Some(CarrierAlarm::Los),
                    "ais" => Some(CarrierAlarm::Ais),
                    "clear" => None,
                    other => return Err(format!("unknown alarm {other:?} (los, ais, clear)")),
                };
                Action::SpanAlarm { device, alarm }
            }
            "play" => self.span_play(device)?,
            "send" => {
                self.expect_word("dtmf", "send")?;
                let digits =
                    self.next("DTMF digits (quote digits that contain #, e.g. \"*#*9\")")?;
                check_digits(&digits)?;
                let calls = if self.eat("on") {
                    self.call_sel()?
                } else {
                    CallSel::All
                };
                Action::SpanPlay {
                    device,
                    calls,
                    sound: Sound::Dtmf(digits),
                }
            }
            other => {
                return Err(format!(
                    "unknown action {other:?} for {device} ({SPAN_ACTIONS})"
                ))
            }
        };
        self.done(&verb)?;
        Ok(action)
    }

    /// `call [N] [from X] to Y`
    fn span_call(&mut self, device: String) -> Result<Action, String> {
        let mut count = 1;
        if let Some(word) = self
            .peek_word()
            .filter(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        {
            count = word
                .parse()
                .ok()
                .filter(|n| (1..=MAX_CALLS).contains(n))
                .ok_or_else(|| format!("bad call count {word:?}: expected 1 to {MAX_CALLS}"))?;
            self.at += 1;
        }
        let (mut from, mut to) = (None, None);
        while let Some(word) = self.peek_word().map(str::to_owned) {
            self.at += 1;
            match word.as_str() {
                "from" if from.is_none() => from = Some(self.number("caller number after `from`")?),
                "to" if to.is_none() => to = Some(self.number("called number after `to`")?),
                other => return Err(format!("unexpected {other:?} in `call` (from, to)")),
            }
        }
        let to = to.ok_or("`call` needs the called number: `to NUMBER`")?;
        Ok(Action::SpanCall {
            device,
            count,
            from,
            to,
        })
    }

    /// `play tone F [at L] [on …] for D` / `play silence [on …] for D`
    fn span_play(&mut self, device: String) -> Result<Action, String> {
        let tone = if self.eat("silence") {
            None
        } else {
            self.expect_word("tone", "play")?;
            Some(self.freq()?)
        };
        let (mut level, mut calls, mut duration) = (None, None, None);
        loop {
            if tone.is_some() && level.is_none() && self.eat("at") {
                level = Some(self.level("level after `at`")?);
            } else if calls.is_none() && self.eat("on") {
                calls = Some(self.call_sel()?);
            } else if duration.is_none() && self.eat("for") {
                duration = Some(self.duration("duration")?);
            } else {
                break;
            }
        }
        let duration_ms = duration.ok_or("`play` needs `for DURATION`")?;
        let calls = calls.unwrap_or(CallSel::All);
        let sound = match tone {
            Some(freq_hz) => Sound::Tone {
                freq_hz,
                level_dbm0: level.unwrap_or(-13.0),
                duration_ms,
            },
            None => Sound::Silence { duration_ms },
        };
        Ok(Action::SpanPlay {
            device,
            calls,
            sound,
        })
    }

    /// What follows `expect spanN [not]`.
    pub(super) fn span_condition(&mut self, dev: &DeviceSpec) -> Result<SpanCondition, String> {
        let word = self.next(&format!(
            "what to expect of {} ({SPAN_CONDITIONS})",
            dev.name
        ))?;
        Ok(match word.as_str() {
            "link" => {
                self.expect_word("up", "link")?;
                SpanCondition::LinkUp
            }
            "remote-alarm" => SpanCondition::RemoteAlarm,
            "idle" => SpanCondition::Idle,
            "answered" => SpanCondition::Answered(self.optional_count()?),
            "released" => {
                let count = self.optional_count()?;
                let (mut cause, mut by) = (None, None);
                loop {
                    if cause.is_none() && self.eat("cause") {
                        cause = Some(self.cause()?);
                    } else if by.is_none() && self.eat("by") {
                        let who = self.next("box or carrier after `by`")?;
                        by = Some(match who.as_str() {
                            "box" => ReleasedBy::Box,
                            "carrier" => ReleasedBy::Carrier,
                            other => {
                                return Err(format!(
                                    "`released by {other}`: expected box or carrier"
                                ))
                            }
                        });
                    } else {
                        break;
                    }
                }
                SpanCondition::Released { count, cause, by }
            }
            "incoming" => {
                self.expect_word("call", "incoming")?;
                let (mut to, mut from) = (None, None);
                loop {
                    if to.is_none() && self.eat("to") {
                        to = Some(self.number("called number after `to`")?);
                    } else if from.is_none() && self.eat("from") {
                        from = Some(self.number("caller number after `from`")?);
                    } else {
                        break;
                    }
                }
                SpanCondition::Incoming { to, from }
            }
            "hears" => {
                let (hearing, calls) = self.hearing(true)?;
                SpanCondition::Hears {
                    calls: calls.unwrap_or(CallSel::All),
                    hearing,
                }
            }
            other => {
                return Err(format!(
                    "`{other}` cannot be expected of a span ({SPAN_CONDITIONS})"
                ))
            }
        })
    }

    /// `all calls` / `call N` (after `on`).
    pub(super) fn call_sel(&mut self) -> Result<CallSel, String> {
        if self.eat("all") {
            self.expect_word("calls", "on all")?;
            Ok(CallSel::All)
        } else if self.eat("call") {
            Ok(CallSel::Call(self.call_number()?))
        } else {
            Err(match self.peek() {
                Some(got) => format!("`on`: expected `all calls` or `call N`, found {got:?}"),
                None => "`on`: expected `all calls` or `call N`".to_string(),
            })
        }
    }

    fn call_number(&mut self) -> Result<usize, String> {
        let n = self.next("call number")?;
        n.parse()
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| format!("bad call number {n:?}: calls are numbered from 1"))
    }

    /// A count right after the keyword, or 1.
    fn optional_count(&mut self) -> Result<u32, String> {
        match self
            .peek_word()
            .filter(|w| w.starts_with(|c: char| c.is_ascii_digit()))
            .map(str::to_owned)
        {
            Some(word) => {
                self.at += 1;
                word.parse()
                    .ok()
                    .filter(|&n| n >= 1)
                    .ok_or_else(|| format!("bad count {word:?}: expected 1 or more"))
            }
            None => Ok(1),
        }
    }

    fn cause(&mut self) -> Result<u8, String> {
        let c = self.next("cause")?;
        c.parse()
            .ok()
            .filter(|c| (1..=127).contains(c))
            .ok_or_else(|| format!("bad cause {c:?}: expected a Q.850 cause 1-127"))
    }

    fn number(&mut self, what: &str) -> Result<String, String> {
        let n = self.next(what)?;
        let ok = !n.is_empty()
            && n.len() <= 32
            && n.chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || c == '*' || c == '#' || (c == '+' && i == 0));
        if ok {
            Ok(n)
        } else {
            Err(format!(
                "bad number {n:?}: 1 to 32 of 0-9, *, # and a leading +"
            ))
        }
    }
}
