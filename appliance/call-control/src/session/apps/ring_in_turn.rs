//! A queue before the ACD exists: the caller hears music on hold while the queue's
//! extensions are rung one after the other, [`RING_EACH_MS`] each, round after round,
//! until one answers or the caller hangs up. A busy or missing extension is skipped at
//! once; when a whole round is refused the next starts after [`ROUND_PAUSE_MS`].

use super::{ask_destination, Application, Route, Talk};
use crate::session::{Call, CallSession, LegId};
use line_boundary::{Cause, LineEvent, PhoneNumber, Tone};
use media_engine::PromptId;
use storage::Disposition;

/// How long each extension rings before the next is tried.
pub const RING_EACH_MS: u64 = 15_000;
/// The pause after a round in which every extension was busy.
pub const ROUND_PAUSE_MS: u64 = 2_000;

enum Stage {
    /// Waiting for the switchboard's answer to this request.
    Asking(u32),
    /// This leg rings since then.
    Ringing { leg: LegId, since_ms: u64 },
    /// Every extension refused; try again from then.
    Pausing { until_ms: u64 },
}

pub struct RingInTurn {
    extensions: Vec<PhoneNumber>,
    music: Option<PromptId>,
    next: usize,
    refused_in_a_row: usize,
    stage: Stage,
}

impl RingInTurn {
    pub fn new(extensions: Vec<PhoneNumber>, music: Option<PromptId>) -> RingInTurn {
        RingInTurn {
            extensions,
            music,
            next: 0,
            refused_in_a_row: 0,
            stage: Stage::Pausing { until_ms: 0 },
        }
    }

    fn ask_next(&mut self, call: &mut Call<'_>) {
        if self.refused_in_a_row >= self.extensions.len() {
            self.refused_in_a_row = 0;
            self.stage = Stage::Pausing {
                until_ms: call.now_ms() + ROUND_PAUSE_MS,
            };
            return;
        }
        let number = self.extensions[self.next % self.extensions.len()].clone();
        self.next += 1;
        self.stage = Stage::Asking(call.request_leg(number));
    }
}

impl Application for RingInTurn {
    fn name(&self) -> &'static str {
        "queue"
    }

    fn start(&mut self, call: &mut Call<'_>) {
        if self.extensions.is_empty() {
            call.end(Disposition::Failed, Cause::NO_CIRCUIT_AVAILABLE);
            return;
        }
        match self.music {
            Some(music) => call.play_music(CallSession::ORIGIN, music),
            None => call.play_tone(CallSession::ORIGIN, Tone::Ringback),
        };
        self.ask_next(call);
    }

    fn on_line(&mut self, call: &mut Call<'_>, leg: LegId, event: &LineEvent) {
        if leg == CallSession::ORIGIN {
            if let LineEvent::Hangup { cause } = event {
                call.end(Disposition::Abandoned, *cause);
            }
            return;
        }
        let Stage::Ringing { leg: ringing, .. } = self.stage else {
            return;
        };
        if leg != ringing {
            return;
        }
        match event {
            LineEvent::Answered => {
                call.connect_answered(leg);
                call.hand_over(Box::new(Talk));
            }
            // Refused or cleared before answering: the next one.
            LineEvent::Hangup { .. } => {
                call.release_leg(leg, Cause::NORMAL_CLEARING);
                self.refused_in_a_row += 1;
                self.ask_next(call);
            }
            _ => {}
        }
    }

    fn on_leg(&mut self, call: &mut Call<'_>, request: u32, route: Route) {
        if !matches!(self.stage, Stage::Asking(asked) if asked == request) {
            if let Route::Ring { leg } | Route::Dial { leg, .. } = route {
                call.release_leg(leg, Cause::NORMAL_CLEARING);
            }
            return;
        }
        match ask_destination(call, route) {
            Ok(leg) => {
                self.stage = Stage::Ringing {
                    leg,
                    since_ms: call.now_ms(),
                };
            }
            Err(_) => {
                self.refused_in_a_row += 1;
                self.ask_next(call);
            }
        }
    }

    fn on_timeout(&mut self, call: &mut Call<'_>) {
        match self.stage {
            Stage::Ringing { leg, since_ms } if call.now_ms() >= since_ms + RING_EACH_MS => {
                call.release_leg(leg, Cause::NO_ANSWER);
                // A phone that rang out was free: this round is not all refusals.
                self.refused_in_a_row = 0;
                self.ask_next(call);
            }
            Stage::Pausing { until_ms } if call.now_ms() >= until_ms => self.ask_next(call),
            _ => {}
        }
    }
}
