//! Call-center statistics, sans-IO like the ACD core and the alert monitor: a
//! [`StatsCollector`] is fed the bus's envelopes one by one ([`StatsCollector::feed`])
//! and hands out finished [`Record`]s ([`StatsCollector::drain_records`]) to be stored;
//! the reports are pure functions of stored records: 15-minute rows per queue and per
//! agent ([`queue_intervals`], [`agent_intervals`]), rolled up to 1h, 1d, 1w (from
//! Monday) and 1mo in UTC ([`rollup`]), rendered as CSV ([`queue_csv`], [`agent_csv`]).
//!
//! # Records
//!
//! - [`QueueAttempt`]: one call's stay in one queue, from its entry (a `queue`
//!   `entered` event, or an overflow or transfer into the queue, which have none) to
//!   its outcome: answered (then served: talk, hold, the agent's wrap-up after it),
//!   abandoned, overflowed (to a queue or a flow), refused, or unfinished (waiting when
//!   the box stopped). A callback is not a new attempt: the ACD keeps the caller's
//!   place under the original call id, so the attempt goes on and is answered when the
//!   agent answers the box's ring for it.
//! - [`AgentOffer`]: one agent rung for one call, answered or not (and why not).
//! - [`AgentStateSpan`]: an agent in one state, with the reason they entered it and
//!   the not-ready reason, from/to. A span open when the box stops ends there
//!   ([`SpanEnd::Shutdown`], by [`StatsCollector::flush`] or at the first event of the
//!   next boot); a not-ready one goes on from there with the same reason, in this
//!   collector or in one [`StatsCollector::resume`]d from the stored spans, until the
//!   agent's next state change (after a restart agents come back logged out: their
//!   not-ready reason still counts until they log in again).
//!
//! # Time
//!
//! Records are in wall-clock Unix ms (UTC). Within a boot an event's time is its engine
//! time (`at_ms`) plus the boot's anchor (the wall clock at its first event, moved
//! forward if the wall clock runs ahead): durations are engine-exact (lock-step runs
//! too) and never negative; a boot is recognised by `seq` starting again. Across a
//! restart (a carried not-ready span) durations are wall-clock.
//!
//! # Figures
//!
//! **Queues**: each attempt counts in the 15-minute interval the call entered the
//! queue, with all its figures (answer, abandon, handle time), so a call entered at
//! 10:14:50 and answered at 10:15:10 is offered and answered in 10:00–10:15 with a
//! 20 s wait. A call counts once per queue per stay in the ACD: back in a queue it was
//! in (transferred or overflowed back), its outcome is not counted again there, but
//! its handle time is, in the interval of its first entry.
//!
//! - offered = answered + abandoned + overflowed + refused + unfinished;
//! - answered within the service level: waited ≤ the queue's threshold (default 20 s);
//! - service level % = answered within it ÷ (answered + abandoned − short abandons);
//! - abandoned, with the waits summed; short abandons (waited ≤ 5 s by default) are
//!   also counted apart and left out of the service level;
//! - wait = from entering the queue to the answer or abandon. A callback's wait runs
//!   from the caller's entry to the agent's answer of the callback ring (the caller's
//!   whole wait for service: a callback answered after 10 minutes is not within a 20 s
//!   service level); it counts once, answered, never abandoned;
//! - ASA = answered calls' waits ÷ answered;
//! - handle time = talk (answer to end, hold excluded) + hold + wrap-up; a transferred
//!   call's handle time is each serving agent's own: the first agent's talk until the
//!   transfer and their wrap-up after it, the next agent's after they answer; AHT =
//!   handle time ÷ answered calls;
//! - transfers out: transfers the queue's agents made of its calls (to a queue or out).
//!
//! **Agents**: time per state (and per not-ready reason) is split at interval
//! boundaries (a not-ready from 10:10 to 10:20 is 5 minutes in each); logged-out time
//! is not counted. Offers count in the interval they rang: answered, or not (missed,
//! the caller hung up while it rang, the agent logged out or went not ready). An
//! answered call's talk, hold and wrap-up count whole in the interval of the answer,
//! for the agent who served it and for that call's queue only: a wrap-up is never
//! split across the other queues an agent serves. Occupancy = busy ÷ (busy + ready),
//! busy being reserved (ringing), on a call (inbound or outbound), on hold and wrap-up;
//! not-ready time is left out.
//!
//! **Roll-ups** add the 15-minute rows' counts and sums; every ratio (service level,
//! ASA, AHT, occupancy) is a method computing it from a row's sums.
//!
//! # What the events do not say
//!
//! `agent_state_changed` names no call and no queue, so hold and wrap-up are tied to a
//! call by the order the ACD publishes in (an offer's `reserved` before `offered`, an
//! answer's `on-call-*` before `answered`, `ended`/`transferred` before the agent's
//! next state). A callback's own call (started by the switchboard under a new call id)
//! is not linked to the queue call on the bus, so whether the customer answered the
//! agent's callback is not known here.

mod calendar;
mod clock;
mod collector;
mod config;
mod csv;
mod records;
mod report;

pub use calendar::{format_utc, utc_ms, Granularity, UnknownGranularity};
pub use collector::StatsCollector;
pub use config::StatsConfig;
pub use csv::{agent_csv, queue_csv};
pub use records::{
    AgentOffer, AgentStateSpan, AttemptOutcome, EntryKind, QueueAttempt, Record, RecordSet, SpanEnd,
};
pub use report::{
    agent_intervals, between, queue_intervals, rollup, AgentIntervalRow, IntervalRow,
    QueueIntervalRow, RollupError, AGENT_STATES,
};
