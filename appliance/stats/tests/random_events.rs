//! Random event sequences (in and out of the ACD's usual order, across restarts):
//! the collector never panics, every call that entered a queue comes out counted, each
//! queue's outcomes add up to its offered calls, and agent time is conserved.

use std::collections::BTreeMap;
use std::sync::Arc;

use events::{Envelope, Event, QueueStep};
use proptest::prelude::*;
use stats::{
    agent_csv, agent_intervals, queue_csv, queue_intervals, rollup, Granularity, Record, RecordSet,
    StatsCollector, StatsConfig,
};

const CALLS: [&str; 4] = ["c1", "c2", "c3", "c4"];
const QUEUES: [&str; 3] = ["X", "Y", "Z"];
const AGENTS: [&str; 3] = ["A", "B", "C"];
const STATES: [&str; 8] = [
    "logged-out",
    "ready",
    "reserved",
    "on-call-inbound",
    "on-call-outbound",
    "on-hold",
    "wrap-up",
    "not-ready",
];
const REASONS: [&str; 6] = [
    "login",
    "offered",
    "answered",
    "missed",
    "offer-cancelled",
    "call-ended",
];
const NOT_READY: [&str; 2] = ["lunch", "break"];

#[derive(Debug, Clone)]
enum Op {
    Wait(u64),
    /// The box restarts: numbering starts again at 1, engine time at 0.
    Restart,
    Flush,
    Step(usize, QueueStep),
    Agent(usize, usize, usize, Option<usize>),
    CallEnded(usize),
}

fn queue_target() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..QUEUES.len()).prop_map(|q| format!("queue:{}", QUEUES[q])),
        Just("flow:after-hours".to_owned()),
        Just("callback".to_owned()),
        Just("out".to_owned()),
    ]
}

fn step() -> impl Strategy<Value = QueueStep> {
    let queue = || (0..QUEUES.len()).prop_map(|q| QUEUES[q].to_owned());
    let agent = || (0..AGENTS.len()).prop_map(|a| AGENTS[a].to_owned());
    prop_oneof![
        3 => (queue(), 0..10u8, any::<bool>())
            .prop_map(|(queue, priority, vip)| QueueStep::Entered { queue, priority, vip }),
        2 => agent().prop_map(|agent| QueueStep::Offered { agent }),
        2 => (queue(), agent(), 0..100_000u64)
            .prop_map(|(queue, agent, waited_ms)| QueueStep::Answered { queue, agent, waited_ms }),
        1 => (queue(), 0..100_000u64)
            .prop_map(|(queue, waited_ms)| QueueStep::Abandoned { queue, waited_ms }),
        1 => (queue(), queue_target()).prop_map(|(from, to)| QueueStep::Overflowed { from, to }),
        1 => Just(QueueStep::CallbackRequested { number: "5550123".into() }),
        1 => queue().prop_map(|queue| QueueStep::Refused { queue, reason: "no-agents-to-join".into() }),
        1 => (agent(), queue_target(), 0..300_000u64)
            .prop_map(|(agent, to, talk_ms)| QueueStep::Transferred { agent, to, talk_ms }),
        2 => (agent(), 0..300_000u64).prop_map(|(agent, talk_ms)| QueueStep::Ended { agent, talk_ms }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..400_000u64).prop_map(Op::Wait),
        1 => Just(Op::Restart),
        1 => Just(Op::Flush),
        10 => ((0..CALLS.len()), step()).prop_map(|(call, step)| Op::Step(call, step)),
        8 => (0..AGENTS.len(), 0..STATES.len(), 0..REASONS.len(), proptest::option::of(0..NOT_READY.len()))
            .prop_map(|(agent, state, reason, not_ready)| Op::Agent(agent, state, reason, not_ready)),
        1 => (0..CALLS.len()).prop_map(Op::CallEnded),
    ]
}

/// Runs the ops; returns every record and, per queue, the `entered` events fed.
fn run(ops: &[Op]) -> (RecordSet, BTreeMap<String, u64>) {
    let mut collector = StatsCollector::new();
    let mut records = RecordSet::default();
    let mut entered: BTreeMap<String, u64> = BTreeMap::new();
    let mut wall = 1_714_989_600_000u64; // 2024-05-06 10:00 UTC
    let mut boot_started = wall;
    let mut seq = 0u64;
    for op in ops {
        let event = match op {
            Op::Wait(ms) => {
                wall += ms;
                continue;
            }
            Op::Restart => {
                seq = 0;
                boot_started = wall;
                continue;
            }
            Op::Flush => {
                collector.flush(wall);
                seq = 0;
                boot_started = wall;
                continue;
            }
            Op::Step(call, step) => {
                if let QueueStep::Entered { queue, .. } = step {
                    *entered.entry(queue.clone()).or_default() += 1;
                }
                Event::Queue {
                    call: Arc::from(CALLS[*call]),
                    step: step.clone(),
                }
            }
            Op::Agent(agent, state, reason, not_ready) => Event::AgentStateChanged {
                agent: AGENTS[*agent].to_owned(),
                from: "ready".into(),
                to: STATES[*state].to_owned(),
                reason: REASONS[*reason].to_owned(),
                not_ready_reason: not_ready.map(|r| NOT_READY[r].to_owned()),
            },
            Op::CallEnded(call) => Event::CallEnded {
                call: Arc::from(CALLS[*call]),
                disposition: "answered".into(),
                cause: None,
            },
        };
        seq += 1;
        collector.feed(&Envelope {
            seq,
            at_ms: wall - boot_started,
            unix_ms: wall,
            event,
        });
        records.extend(collector.drain_records());
    }
    collector.flush(wall + 1_000);
    records.extend(collector.drain_records());
    // Nothing is left open but not-ready agents, who stay so (a span of no time).
    collector.flush(wall + 1_000);
    for record in collector.drain_records() {
        match record {
            Record::AgentState(span) => {
                assert_eq!((span.state.as_str(), span.duration_ms()), ("not-ready", 0))
            }
            other => panic!("left open after a flush: {other:?}"),
        }
    }
    (records, entered)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_events_never_panic_and_every_offered_call_has_one_outcome(
        ops in proptest::collection::vec(op(), 0..150)
    ) {
        let (records, entered) = run(&ops);
        let queues = queue_intervals(&records.attempts, &StatsConfig::default());
        let mut offered: BTreeMap<&str, u64> = BTreeMap::new();
        for row in &queues {
            prop_assert_eq!(
                row.answered + row.abandoned + row.overflowed + row.refused + row.unfinished,
                row.offered,
                "{:?}", row
            );
            prop_assert!(row.answered_within_service_level <= row.answered);
            prop_assert!(row.abandoned_short <= row.abandoned);
            prop_assert!(row.callbacks <= row.offered);
            *offered.entry(row.queue.as_str()).or_default() += row.offered;
        }
        // Every `entered` starts a stay that the queue counts.
        for (queue, count) in &entered {
            prop_assert!(offered.get(queue.as_str()).copied().unwrap_or(0) >= *count);
        }

        // Agent time is conserved by the split into intervals and by the roll-up.
        let agents = agent_intervals(&records);
        let span_time: u64 = records
            .agent_states
            .iter()
            .filter(|span| span.state != "logged-out")
            .map(|span| span.duration_ms())
            .sum();
        let row_time: u64 = agents.iter().map(|row| row.logged_in_ms()).sum();
        prop_assert_eq!(span_time, row_time);
        let months = rollup(&agents, Granularity::Month).expect("quarters fit in months");
        prop_assert_eq!(months.iter().map(|row| row.logged_in_ms()).sum::<u64>(), row_time);
        let offers: u64 = agents.iter().map(|row| row.offers).sum();
        prop_assert_eq!(offers, records.offers.len() as u64);

        // An agent is in one state at a time.
        let mut by_agent: BTreeMap<&str, Vec<(u64, u64)>> = BTreeMap::new();
        for span in &records.agent_states {
            by_agent.entry(&span.agent).or_default().push((span.from_ms, span.to_ms));
        }
        for spans in by_agent.values_mut() {
            spans.sort();
            for pair in spans.windows(2) {
                prop_assert!(pair[0].1 <= pair[1].0, "overlap: {:?}", pair);
            }
        }

        let hours = rollup(&queues, Granularity::Hour).expect("quarters fit in hours");
        prop_assert_eq!(
            hours.iter().map(|row| row.offered).sum::<u64>(),
            queues.iter().map(|row| row.offered).sum::<u64>()
        );
        prop_assert_eq!(queue_csv(&hours).matches("\r\n").count(), hours.len() + 1);
        prop_assert_eq!(agent_csv(&agents).matches("\r\n").count(), agents.len() + 1);
    }
}
