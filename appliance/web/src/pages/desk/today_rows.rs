//! When an open agent desktop reads the agent's stored statistics again, sans-IO.
//!
//! The desk's live stream renders on every bus event and each second (its clocks and the
//! state the agent is in now count up), but the stored 15-minute rows its figures sum
//! change only when the statistics actor writes records of the agent, and those follow
//! the agent's own events: a state change, a queue step naming them (offered, answered,
//! transferred, ended). So the rows are kept between renderings and read again only:
//!
//! - at the first rendering, and when the day (the figures' start) changes;
//! - after one of the agent's events, at each rendering until [`SETTLE_MS`] have passed
//!   since it in engine time and on the wall clock both (the actor hands its records to
//!   the store at the next engine second and the store writes them on its own thread, so
//!   a read right at the event may come too early; a lock-step box's engine may also
//!   stand still or run ahead of the wall clock);
//! - when the stream lost events to lag (it cannot know whose they were);
//! - when the rows are [`MAX_AGE_MS`] old whatever happened (a record closed by an event
//!   that names no agent).

use events::{Event, QueueStep};
use stats::AgentIntervalRow;

/// How long after one of the agent's events the rows may still be on their way.
pub const SETTLE_MS: u64 = 3_000;
/// The oldest the rows get before they are read again anyway.
pub const MAX_AGE_MS: u64 = 60_000;

/// A moment on both clocks: the wall clock (monotonic ms, the stream's own) and the
/// box's engine time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    pub wall_ms: u64,
    pub engine_ms: u64,
}

#[derive(Debug)]
struct Read {
    day_start_unix_ms: u64,
    rows: Vec<AgentIntervalRow>,
    at: Moment,
}

/// One desk's stored rows of its agent and when they must be read again.
#[derive(Debug)]
pub struct TodayRows {
    agent: String,
    read: Option<Read>,
    /// The latest of the agent's events (or of a gap in the stream).
    last_event: Option<Moment>,
}

impl TodayRows {
    pub fn new(agent: &str) -> TodayRows {
        TodayRows {
            agent: agent.to_owned(),
            read: None,
            last_event: None,
        }
    }

    /// A bus event the stream received, `at` the wall time it arrived and its engine
    /// time (the envelope's `at_ms`): it counts if it names the agent.
    pub fn saw(&mut self, event: &Event, at: Moment) {
        if names_agent(event, &self.agent) {
            self.note_event(at);
        }
    }

    /// The stream lost events: any of them may have been the agent's.
    pub fn missed(&mut self, now: Moment) {
        self.note_event(now);
    }

    fn note_event(&mut self, at: Moment) {
        self.last_event = Some(match self.last_event {
            Some(last) => Moment {
                wall_ms: last.wall_ms.max(at.wall_ms),
                engine_ms: last.engine_ms.max(at.engine_ms),
            },
            None => at,
        });
    }

    /// Whether the rows of the day starting at `day_start_unix_ms` must be read now.
    pub fn needs_read(&self, day_start_unix_ms: u64, now: Moment) -> bool {
        let Some(read) = &self.read else {
            return true;
        };
        if read.day_start_unix_ms != day_start_unix_ms
            || now.wall_ms.saturating_sub(read.at.wall_ms) >= MAX_AGE_MS
        {
            return true;
        }
        self.last_event.is_some_and(|event| {
            read.at.wall_ms < event.wall_ms.saturating_add(SETTLE_MS)
                || read.at.engine_ms < event.engine_ms.saturating_add(SETTLE_MS)
        })
    }

    /// The rows just read (at `at`, before the read began).
    pub fn stored(&mut self, day_start_unix_ms: u64, rows: Vec<AgentIntervalRow>, at: Moment) {
        self.read = Some(Read {
            day_start_unix_ms,
            rows,
            at,
        });
    }

    /// The rows kept for the day starting at `day_start_unix_ms`, if any.
    pub fn rows(&self, day_start_unix_ms: u64) -> Option<&[AgentIntervalRow]> {
        self.read
            .as_ref()
            .filter(|read| read.day_start_unix_ms == day_start_unix_ms)
            .map(|read| read.rows.as_slice())
    }
}

/// Whether `event` is one the statistics may write a record of `agent` after.
fn names_agent(event: &Event, agent: &str) -> bool {
    match event {
        Event::AgentStateChanged { agent: who, .. } => who == agent,
        Event::Queue { step, .. } => match step {
            QueueStep::Offered { agent: who }
            | QueueStep::Answered { agent: who, .. }
            | QueueStep::Transferred { agent: who, .. }
            | QueueStep::Ended { agent: who, .. } => who == agent,
            QueueStep::Entered { .. }
            | QueueStep::Abandoned { .. }
            | QueueStep::Overflowed { .. }
            | QueueStep::CallbackRequested { .. }
            | QueueStep::Refused { .. } => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 1_796_601_600_000;

    fn at(wall_ms: u64, engine_ms: u64) -> Moment {
        Moment { wall_ms, engine_ms }
    }

    fn state_change(agent: &str) -> Event {
        Event::AgentStateChanged {
            agent: agent.into(),
            from: "ready".into(),
            to: "reserved".into(),
            reason: "offered".into(),
            not_ready_reason: None,
        }
    }

    fn step(step: QueueStep) -> Event {
        Event::Queue {
            call: "c1-1".into(),
            step,
        }
    }

    /// Read once at `at(0, 0)`.
    fn read_once() -> TodayRows {
        let mut today = TodayRows::new("201");
        assert!(today.needs_read(DAY, at(0, 0)), "nothing read yet");
        today.stored(DAY, Vec::new(), at(0, 0));
        today
    }

    #[test]
    fn rows_are_kept_while_nothing_of_the_agent_happens() {
        let mut today = read_once();
        assert_eq!(today.rows(DAY), Some(&[][..]));
        // Each second for most of a minute, other agents and calls busy meanwhile.
        for second in 1..60 {
            let now = at(second * 1_000, second * 1_000);
            today.saw(&state_change("202"), now);
            today.saw(
                &step(QueueStep::Entered {
                    queue: "agents".into(),
                    priority: 0,
                    vip: false,
                }),
                now,
            );
            today.saw(
                &step(QueueStep::Abandoned {
                    queue: "agents".into(),
                    waited_ms: 4_000,
                }),
                now,
            );
            today.saw(
                &step(QueueStep::Offered {
                    agent: "202".into(),
                }),
                now,
            );
            assert!(!today.needs_read(DAY, now), "second {second}");
        }
        // A minute old: read again anyway.
        assert!(today.needs_read(DAY, at(MAX_AGE_MS, MAX_AGE_MS)));
    }

    #[test]
    fn the_agents_events_make_it_read_again_until_the_records_have_settled() {
        for event in [
            state_change("201"),
            step(QueueStep::Offered {
                agent: "201".into(),
            }),
            step(QueueStep::Answered {
                queue: "agents".into(),
                agent: "201".into(),
                waited_ms: 7_000,
            }),
            step(QueueStep::Transferred {
                agent: "201".into(),
                to: "out".into(),
                talk_ms: 1_000,
            }),
            step(QueueStep::Ended {
                agent: "201".into(),
                talk_ms: 1_000,
            }),
        ] {
            let mut today = read_once();
            today.saw(&event, at(10_000, 10_000));
            // Read at each rendering while the records may still be on their way…
            let mut reads = 0;
            for second in 10..20 {
                let now = at(second * 1_000, second * 1_000);
                if today.needs_read(DAY, now) {
                    reads += 1;
                    today.stored(DAY, Vec::new(), now);
                }
            }
            // …at 10, 11, 12 s and once at 13 s, past the settling time: then kept.
            assert_eq!(reads, 4, "{event:?}");
            assert!(!today.needs_read(DAY, at(20_000, 20_000)), "{event:?}");
        }
    }

    #[test]
    fn a_stalled_engine_keeps_the_window_open_and_a_fast_one_does_not_close_it_early() {
        // Lock-step: the wall clock runs on while the engine stands still.
        let mut today = read_once();
        today.saw(&state_change("201"), at(1_000, 1_000));
        today.stored(DAY, Vec::new(), at(9_000, 1_500));
        assert!(
            today.needs_read(DAY, at(10_000, 1_500)),
            "the engine has not reached the next second: nothing may be written yet"
        );
        today.stored(DAY, Vec::new(), at(11_000, 4_000));
        assert!(!today.needs_read(DAY, at(12_000, 4_000)));

        // The engine runs far ahead of the wall clock: the store's thread may still be
        // writing.
        let mut today = read_once();
        today.saw(&state_change("201"), at(1_000, 1_000));
        today.stored(DAY, Vec::new(), at(1_200, 30_000));
        assert!(today.needs_read(DAY, at(1_400, 31_000)));
        today.stored(DAY, Vec::new(), at(4_000, 60_000));
        assert!(!today.needs_read(DAY, at(5_000, 61_000)));
    }

    #[test]
    fn lost_events_and_a_new_day_make_it_read_again() {
        let mut today = read_once();
        today.missed(at(5_000, 5_000));
        assert!(today.needs_read(DAY, at(5_000, 5_000)));
        today.stored(DAY, Vec::new(), at(9_000, 9_000));
        assert!(!today.needs_read(DAY, at(10_000, 10_000)));

        let tomorrow = DAY + 24 * 3_600_000;
        assert!(today.needs_read(tomorrow, at(11_000, 11_000)));
        assert_eq!(
            today.rows(tomorrow),
            None,
            "yesterday's rows are not today's"
        );
    }
}
