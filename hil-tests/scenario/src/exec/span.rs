//! Running `spanN` steps against the rig's [`Carrier`]; kept apart from the analog
//! devices in `exec.rs`, whose state and helpers it shares.

use far_end::{CallDirection, CallStage, Carrier, PlayItem, SpanCall};

use super::{ear_hears, ear_met_within, ear_seen, tone_share, Exec, Poll, CDR_POLL_MS};
use crate::ast::*;

/// Calls described one by one in a failure message.
const CALLS_SHOWN: usize = 5;

impl Exec<'_> {
    fn carrier(&self, device: &str) -> Result<&Carrier, String> {
        let missing = self.not_in_rig(device, "E1 carrier");
        self.rig.carrier(device).ok_or(missing)
    }

    fn carrier_mut(&mut self, device: &str) -> Result<&mut Carrier, String> {
        let missing = self.not_in_rig(device, "E1 carrier");
        self.rig.carrier_mut(device).ok_or(missing)
    }

    /// A span action; `Ok` carries a note for the output line, e.g. " (calls 1-30)".
    pub(super) fn span_action(&mut self, now: u64, action: &Action) -> Result<String, String> {
        match action {
            Action::SpanCall {
                device,
                count,
                from,
                to,
            } => {
                let numbers = self
                    .carrier_mut(device)?
                    .place_calls(now, *count as usize, from.as_deref(), to)
                    .map_err(|e| e.to_string())?;
                Ok(if numbers.start() == numbers.end() {
                    format!(" (call {})", numbers.start())
                } else {
                    format!(" (calls {}-{})", numbers.start(), numbers.end())
                })
            }
            Action::SpanAnswer { device } => {
                let n = self
                    .carrier_mut(device)?
                    .answer_next(now)
                    .map_err(|e| e.to_string())?;
                Ok(format!(" (call {n})"))
            }
            Action::SpanHangUp {
                device,
                calls,
                cause,
            } => {
                let carrier = self.carrier_mut(device)?;
                match calls {
                    CallSel::All => match carrier
                        .hang_up_all(now, *cause)
                        .map_err(|e| e.to_string())?
                    {
                        0 => Err(format!("no call is up on {device}")),
                        1 => Ok(" (1 call)".to_string()),
                        n => Ok(format!(" ({n} calls)")),
                    },
                    CallSel::Call(n) => carrier
                        .hang_up(now, *n, *cause)
                        .map(|()| String::new())
                        .map_err(|e| e.to_string()),
                }
            }
            Action::SpanAlarm { device, alarm } => {
                self.carrier_mut(device)?.set_alarm(now, *alarm);
                Ok(String::new())
            }
            Action::SpanPlay {
                device,
                calls,
                sound,
            } => {
                let item = match sound {
                    Sound::Tone {
                        freq_hz,
                        level_dbm0,
                        duration_ms,
                    } => PlayItem::Tone {
                        freq_hz: *freq_hz,
                        level_dbm0: *level_dbm0,
                        duration_ms: u32::try_from(*duration_ms).unwrap_or(u32::MAX),
                    },
                    Sound::Silence { duration_ms } => PlayItem::Silence {
                        duration_ms: u32::try_from(*duration_ms).unwrap_or(u32::MAX),
                    },
                    Sound::Dtmf(digits) => PlayItem::Dtmf(digits.clone()),
                };
                let carrier = self.carrier_mut(device)?;
                let targets = selected(carrier, *calls);
                if targets.is_empty() {
                    return Err(match calls {
                        CallSel::All => format!("no call is up on {device} to play into"),
                        CallSel::Call(n) => format!("call {n} on {device} is not up"),
                    });
                }
                for n in &targets {
                    if let Some(mouth) = carrier.mouth(*n) {
                        mouth.push(item.clone()).map_err(|e| e.to_string())?;
                    }
                }
                Ok(if targets.len() > 1 {
                    format!(" ({} calls)", targets.len())
                } else {
                    String::new()
                })
            }
            _ => Err(format!("`{action}` is not a span action")),
        }
    }

    pub(super) fn evaluate_span(
        &mut self,
        device: &str,
        condition: &SpanCondition,
        consume: bool,
        poll: &mut Poll,
        last_tick: bool,
    ) -> Result<bool, String> {
        // Borrow only the rig, so cursors and matches can be updated alongside.
        let missing = self.not_in_rig(device, "E1 carrier");
        let carrier = self.rig.carrier(device).ok_or(missing)?;
        Ok(match condition {
            SpanCondition::Idle => {
                let now = self.rig.now_ms();
                if now >= poll.next_ms || last_tick || poll.box_busy.is_none() {
                    poll.next_ms = now + CDR_POLL_MS;
                    let id = self
                        .span_ids
                        .get(device)
                        .copied()
                        .ok_or_else(|| format!("{device} is not a span of the scenario"))?;
                    poll.box_busy = Some(
                        self.view
                            .span_busy_channels(id)
                            .map_err(|e| format!("{e:#}")),
                    );
                }
                if carrier.open_calls().next().is_some() {
                    false
                } else {
                    match &poll.box_busy {
                        Some(Ok(busy)) => *busy == 0,
                        // Not knowing the box's side, `not idle` cannot be judged.
                        Some(Err(e)) if poll.any => {
                            return Err(format!(
                                "cannot tell whether {device} is idle: the carrier holds no call, but {e}"
                            ))
                        }
                        _ => false,
                    }
                }
            }
            SpanCondition::LinkUp => carrier.link_up(),
            SpanCondition::RemoteAlarm => carrier.box_rai(),
            SpanCondition::Answered(n) => carrier.answered_count() >= *n as usize,
            SpanCondition::Released { count, cause, by } => {
                released(carrier, *cause, *by).count() >= *count as usize
            }
            SpanCondition::Incoming { to, from } => {
                let found = carrier
                    .calls()
                    .iter()
                    .find(|c| {
                        c.direction == CallDirection::FromBox
                            && !self.incoming_used.contains(&(device.to_owned(), c.number))
                            && to
                                .as_ref()
                                .is_none_or(|t| c.called.as_deref() == Some(t.as_str()))
                            && from
                                .as_ref()
                                .is_none_or(|f| c.calling.as_deref() == Some(f.as_str()))
                    })
                    .map(|c| c.number);
                match found {
                    Some(n) => {
                        if consume {
                            self.incoming_used.insert((device.to_owned(), n));
                        }
                        true
                    }
                    None => false,
                }
            }
            SpanCondition::Hears { calls, hearing } => {
                let targets = listening(carrier, *calls);
                if poll.accumulate && !poll.looked_back {
                    poll.looked_back = true;
                    let earlier = targets.iter().filter(|&&n| {
                        carrier
                            .ear(n)
                            .is_some_and(|e| ear_met_within(e, hearing, poll.lookback_ms))
                    });
                    poll.met.extend(earlier);
                }
                let mut meets = Vec::with_capacity(targets.len());
                for &n in &targets {
                    let key = cursor_key(device, n);
                    let cursor = self.dtmf_cursor.get(&key).copied().unwrap_or(0);
                    let (holds, matched) = match carrier.ear(n) {
                        Some(ear) => ear_hears(ear, hearing, cursor, tone_share(poll)),
                        None => (false, None),
                    };
                    if let (true, Some(next)) = (consume, matched) {
                        self.dtmf_cursor.insert(key, next);
                    }
                    meets.push((n, holds));
                }
                if poll.accumulate {
                    poll.met.extend(meets.iter().filter(|m| m.1).map(|m| m.0));
                    !targets.is_empty() && targets.iter().all(|n| poll.met.contains(n))
                } else if poll.any {
                    meets.iter().any(|m| m.1)
                } else {
                    !meets.is_empty() && meets.iter().all(|m| m.1)
                }
            }
        })
    }

    /// What was seen instead, for failure messages.
    pub(super) fn seen_span(&self, device: &str, condition: &SpanCondition, poll: &Poll) -> String {
        let Ok(carrier) = self.carrier(device) else {
            return format!("no E1 carrier {device}");
        };
        use far_end::FarEndDevice;
        let summary = carrier.state_summary();
        match condition {
            SpanCondition::Idle => {
                let open: Vec<&SpanCall> = carrier.open_calls().collect();
                let far = if open.is_empty() {
                    "the carrier holds no call".to_string()
                } else {
                    let shown: Vec<String> = open
                        .iter()
                        .take(CALLS_SHOWN)
                        .map(|c| {
                            let stage = match (c.stage, c.channel) {
                                (CallStage::Released, _) => "Released, still clearing".to_string(),
                                (stage, Some(ch)) => format!("{stage:?} on B{ch}"),
                                (stage, None) => format!("{stage:?}"),
                            };
                            format!("call {} {stage}", c.number)
                        })
                        .collect();
                    let more = open.len().saturating_sub(CALLS_SHOWN);
                    format!(
                        "the carrier holds {} call{} not released and cleared: {}{}",
                        open.len(),
                        if open.len() == 1 { "" } else { "s" },
                        shown.join(", "),
                        if more > 0 {
                            format!(", … {more} more")
                        } else {
                            String::new()
                        }
                    )
                };
                let boxed = match &poll.box_busy {
                    Some(Ok(busy)) => format!("the box says b_channels_busy {busy}"),
                    Some(Err(e)) => e.clone(),
                    None => "the box's status was not read".to_string(),
                };
                format!("{far}; {boxed}")
            }
            SpanCondition::LinkUp | SpanCondition::RemoteAlarm => summary,
            SpanCondition::Answered(_) => {
                format!(
                    "{} of {} calls answered; {summary}",
                    carrier.answered_count(),
                    carrier.calls().len()
                )
            }
            SpanCondition::Released { cause, by, .. } => {
                let matching = released(carrier, *cause, *by).count();
                let pending = carrier
                    .calls()
                    .iter()
                    .filter(|c| c.stage == CallStage::Released && !c.cleared)
                    .count();
                format!("{matching} released calls match; {pending} still clearing; {summary}")
            }
            SpanCondition::Incoming { .. } => {
                let list: Vec<String> = carrier
                    .calls()
                    .iter()
                    .filter(|c| c.direction == CallDirection::FromBox)
                    .map(|c| {
                        let used = self.incoming_used.contains(&(device.to_owned(), c.number));
                        format!(
                            "call {} to {} from {}{}",
                            c.number,
                            c.called.as_deref().unwrap_or("none"),
                            c.calling.as_deref().unwrap_or("none"),
                            if used { " (matched earlier)" } else { "" }
                        )
                    })
                    .collect();
                if list.is_empty() {
                    format!("the box placed no call; {summary}")
                } else {
                    format!("calls from the box: {}", list.join("; "))
                }
            }
            SpanCondition::Hears { calls, hearing } => {
                let targets = listening(carrier, *calls);
                if targets.is_empty() {
                    return match calls {
                        CallSel::All => format!("no call is up; {summary}"),
                        CallSel::Call(n) => format!("call {n} is not up; {summary}"),
                    };
                }
                let cursor = |n: usize| {
                    self.dtmf_cursor
                        .get(&cursor_key(device, n))
                        .copied()
                        .unwrap_or(0)
                };
                let hears_now = |n: usize| {
                    carrier
                        .ear(n)
                        .is_some_and(|e| ear_hears(e, hearing, cursor(n), tone_share(poll)).0)
                };
                // `not`: the calls that hear it; otherwise those that have not (yet).
                let offending: Vec<&SpanCall> = targets
                    .iter()
                    .copied()
                    .filter(|&n| {
                        if poll.any {
                            hears_now(n)
                        } else {
                            !poll.met.contains(&n) && !hears_now(n)
                        }
                    })
                    .filter_map(|n| carrier.call(n))
                    .collect();
                let shown: Vec<String> = offending
                    .iter()
                    .take(CALLS_SHOWN)
                    .map(|c| {
                        let heard = match c.ear() {
                            Some(e) => ear_seen(e, hearing, cursor(c.number), tone_share(poll)),
                            None => format!("{:?}, not on a B-channel yet", c.stage),
                        };
                        format!("call {} (B{}): {heard}", c.number, c.channel.unwrap_or(0))
                    })
                    .collect();
                let more = offending.len().saturating_sub(CALLS_SHOWN);
                format!(
                    "{} of {} calls up {}: {}{}",
                    offending.len(),
                    targets.len(),
                    if poll.any { "hear it" } else { "do not" },
                    shown.join("; "),
                    if more > 0 {
                        format!("; … {more} more")
                    } else {
                        String::new()
                    }
                )
            }
        }
    }
}

/// The calls a `hears` judges: every call not released (those still being set up
/// hear nothing yet, so they hold a `within` back until they are up), or call N.
fn listening(carrier: &Carrier, calls: CallSel) -> Vec<usize> {
    match calls {
        CallSel::All => carrier
            .calls()
            .iter()
            .filter(|c| c.stage != CallStage::Released)
            .map(|c| c.number)
            .collect(),
        CallSel::Call(n) => carrier
            .call(n)
            .filter(|c| c.is_live())
            .map(|c| c.number)
            .into_iter()
            .collect(),
    }
}

/// The call numbers a selector picks to play into: every live call, or call N while it
/// is live.
fn selected(carrier: &Carrier, calls: CallSel) -> Vec<usize> {
    match calls {
        CallSel::All => carrier.live_calls().map(|c| c.number).collect(),
        CallSel::Call(n) => carrier
            .call(n)
            .filter(|c| c.is_live())
            .map(|c| c.number)
            .into_iter()
            .collect(),
    }
}

fn released(
    carrier: &Carrier,
    cause: Option<u8>,
    by: Option<far_end::ReleasedBy>,
) -> impl Iterator<Item = &SpanCall> + '_ {
    carrier.calls().iter().filter(move |c| {
        c.stage == CallStage::Released
            && c.cleared
            && cause.is_none_or(|x| c.cause == Some(x))
            && by.is_none_or(|b| c.released_by == Some(b))
    })
}

/// DTMF cursors of span calls are kept per call.
fn cursor_key(device: &str, call: usize) -> String {
    format!("{device}#{call}")
}
