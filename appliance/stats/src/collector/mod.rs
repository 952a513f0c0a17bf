//! The collector: fed the bus's envelopes one by one, it follows each call through the
//! queues and each agent through their states, and hands out finished records.

mod agents;
mod calls;

use std::collections::BTreeMap;

use events::{Envelope, Event};

use crate::clock::{BootClock, Stamp};
use crate::records::{AgentStateSpan, QueueAttempt, Record, SpanEnd};
use agents::{AgentTrack, OpenSpan};
use calls::LiveCall;

/// See the crate docs. Sans-IO: no clock but the envelopes' and the `now` given to
/// [`flush`](Self::flush); never fails on odd input (an event out of place is taken as
/// well as it can be, or ignored).
#[derive(Debug, Default)]
pub struct StatsCollector {
    clock: BootClock,
    /// The calls the ACD holds, by call id.
    calls: BTreeMap<String, LiveCall>,
    agents: BTreeMap<String, AgentTrack>,
    finished: Vec<Record>,
}

impl StatsCollector {
    pub fn new() -> StatsCollector {
        StatsCollector::default()
    }

    /// A collector that goes on after a restart from the records stored before it: an
    /// agent whose last span is a not-ready ended by [`SpanEnd::Shutdown`] is still
    /// not ready with that reason, from that span's end, until their next state
    /// change. Pass at least each agent's latest span (passing them all is fine).
    pub fn resume<'a>(stored: impl IntoIterator<Item = &'a AgentStateSpan>) -> StatsCollector {
        let mut latest: BTreeMap<&str, &AgentStateSpan> = BTreeMap::new();
        for span in stored {
            let later = latest
                .get(span.agent.as_str())
                .is_none_or(|known| (span.to_ms, span.from_ms) >= (known.to_ms, known.from_ms));
            if later {
                latest.insert(span.agent.as_str(), span);
            }
        }
        let mut collector = StatsCollector::new();
        for (agent, span) in latest {
            if span.ended_by == SpanEnd::Shutdown && span.state == agents::NOT_READY {
                let track = collector.agents.entry(agent.to_owned()).or_default();
                track.span = Some(OpenSpan {
                    state: span.state.clone(),
                    reason: span.reason.clone(),
                    not_ready_reason: span.not_ready_reason.clone(),
                    since: Stamp::wall(span.to_ms),
                });
            }
        }
        collector
    }

    /// One envelope of the bus, in `seq` order. A `seq` not above the last one is a new
    /// boot: what was open is closed as at a [`flush`](Self::flush) at the last event.
    pub fn feed(&mut self, envelope: &Envelope) {
        if self.clock.is_new_boot(envelope.seq) {
            let last = self.clock.latest().unwrap_or(Stamp::wall(envelope.unix_ms));
            self.close_boot(last);
            self.clock.next_boot();
        }
        let at = self
            .clock
            .stamp(envelope.seq, envelope.at_ms, envelope.unix_ms);
        match &envelope.event {
            Event::Queue { call, step } => self.on_queue_step(call, step, at),
            Event::AgentStateChanged {
                agent,
                to,
                reason,
                not_ready_reason,
                ..
            } => self.on_agent_state(agent, to, reason, not_ready_reason.as_deref(), at),
            _ => {}
        }
    }

    /// The records finished since the last drain, in the order they finished.
    pub fn drain_records(&mut self) -> Vec<Record> {
        std::mem::take(&mut self.finished)
    }

    /// The box stops (or restarts) at `now_unix_ms`: every open span, offer and
    /// attempt is finished there and can be drained. Not-ready agents stay not ready
    /// (same reason) from then on, here or in a collector [`resume`](Self::resume)d
    /// from the stored records. The next envelope starts a new boot.
    pub fn flush(&mut self, now_unix_ms: u64) {
        let at = self.clock.at_wall(now_unix_ms);
        self.close_boot(at);
        self.clock.next_boot();
    }

    fn close_boot(&mut self, at: Stamp) {
        let agent_ids: Vec<String> = self.agents.keys().cloned().collect();
        for agent in agent_ids {
            self.close_agent_for_shutdown(&agent, at);
        }
        for (_, live) in std::mem::take(&mut self.calls) {
            let mut attempt = live.attempt;
            if let Some(answered) = attempt.answered {
                let talk = at.since(answered);
                attempt.record.talk_ms = talk.saturating_sub(attempt.record.hold_ms);
            } else {
                attempt.record.waited_ms = at.since(attempt.entered);
            }
            self.finish_attempt(attempt, at);
        }
    }

    fn finish_attempt(&mut self, attempt: OpenAttempt, at: Stamp) {
        let mut record = attempt.record;
        record.finished_at_ms = at.wall_ms.max(record.entered_at_ms);
        self.finished.push(Record::QueueAttempt(record));
    }
}

/// An attempt being followed, with the moments its durations are measured from.
#[derive(Debug, Clone)]
struct OpenAttempt {
    record: QueueAttempt,
    entered: Stamp,
    answered: Option<Stamp>,
}
