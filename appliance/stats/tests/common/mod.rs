//! Scripts the bus as the ACD actor publishes it (the core's order of events), feeds a
//! collector and keeps what it drains.

#![allow(dead_code)] // each test file uses its own part

use std::collections::BTreeMap;
use std::sync::Arc;

use events::{Envelope, Event, QueueStep};
use stats::{utc_ms, RecordSet, StatsCollector};

/// Monday 6 May 2024 at `hour:minute:second` UTC, in Unix ms.
pub fn t(hour: u64, minute: u64, second: u64) -> u64 {
    utc_ms(2024, 5, 6, hour, minute, second).expect("a real time")
}

pub const MINUTE: u64 = 60_000;
pub const SECOND: u64 = 1_000;

/// One boot of the box feeding a collector: `seq` from 1, engine time 0 at `started`.
pub struct Bus {
    pub collector: StatsCollector,
    pub records: RecordSet,
    started: u64,
    seq: u64,
    states: BTreeMap<String, String>,
    entered: BTreeMap<String, u64>,
}

impl Bus {
    pub fn boot(started: u64) -> Bus {
        Bus::resumed(StatsCollector::new(), started)
    }

    /// A new boot of the box feeding `collector`.
    pub fn resumed(collector: StatsCollector, started: u64) -> Bus {
        Bus {
            collector,
            records: RecordSet::default(),
            started,
            seq: 0,
            states: BTreeMap::new(),
            entered: BTreeMap::new(),
        }
    }

    pub fn publish(&mut self, at: u64, event: Event) {
        self.seq += 1;
        self.collector.feed(&Envelope {
            seq: self.seq,
            at_ms: at - self.started,
            unix_ms: at,
            event,
        });
    }

    pub fn step(&mut self, at: u64, call: &str, step: QueueStep) {
        self.publish(
            at,
            Event::Queue {
                call: Arc::from(call),
                step,
            },
        );
    }

    /// The agent's state changes to `to` because of `reason`.
    pub fn state(&mut self, at: u64, agent: &str, to: &str, reason: &str) {
        self.change(at, agent, to, reason, None);
    }

    pub fn not_ready(&mut self, at: u64, agent: &str, why: &str) {
        self.change(at, agent, "not-ready", "not-ready-requested", Some(why));
    }

    fn change(&mut self, at: u64, agent: &str, to: &str, reason: &str, not_ready: Option<&str>) {
        let from = self
            .states
            .insert(agent.to_owned(), to.to_owned())
            .unwrap_or_else(|| "logged-out".to_owned());
        self.publish(
            at,
            Event::AgentStateChanged {
                agent: agent.to_owned(),
                from,
                to: to.to_owned(),
                reason: reason.to_owned(),
                not_ready_reason: not_ready.map(str::to_owned),
            },
        );
    }

    pub fn login(&mut self, at: u64, agent: &str) {
        self.state(at, agent, "ready", "login");
    }

    pub fn entered(&mut self, at: u64, call: &str, queue: &str) {
        self.entered.insert(call.to_owned(), at);
        self.step(
            at,
            call,
            QueueStep::Entered {
                queue: queue.to_owned(),
                priority: 0,
                vip: false,
            },
        );
    }

    /// The core reserves `agent` and rings them.
    pub fn offer(&mut self, at: u64, call: &str, agent: &str) {
        self.state(at, agent, "reserved", "offered");
        self.step(
            at,
            call,
            QueueStep::Offered {
                agent: agent.to_owned(),
            },
        );
    }

    /// `agent` answers `call` waiting in `queue` (a callback: `on-call-outbound`).
    pub fn answer(&mut self, at: u64, call: &str, queue: &str, agent: &str, on_call: &str) {
        self.state(at, agent, on_call, "answered");
        let waited_ms = at - self.entered.get(call).copied().unwrap_or(at);
        self.step(
            at,
            call,
            QueueStep::Answered {
                queue: queue.to_owned(),
                agent: agent.to_owned(),
                waited_ms,
            },
        );
    }

    /// The answered call ends; the agent goes to `next` (`wrap-up` or `ready`).
    pub fn end(&mut self, at: u64, call: &str, agent: &str, talk_ms: u64, next: &str) {
        self.step(
            at,
            call,
            QueueStep::Ended {
                agent: agent.to_owned(),
                talk_ms,
            },
        );
        self.state(at, agent, next, "call-ended");
    }

    /// `agent` transfers `call` to `queue`; the agent goes to `next`.
    pub fn transfer_to_queue(
        &mut self,
        at: u64,
        call: &str,
        agent: &str,
        queue: &str,
        talk_ms: u64,
        next: &str,
    ) {
        self.entered.insert(call.to_owned(), at);
        self.step(
            at,
            call,
            QueueStep::Transferred {
                agent: agent.to_owned(),
                to: format!("queue:{queue}"),
                talk_ms,
            },
        );
        self.state(at, agent, next, "transferred");
    }

    pub fn abandon(&mut self, at: u64, call: &str, queue: &str) {
        let waited_ms = at - self.entered.get(call).copied().unwrap_or(at);
        self.step(
            at,
            call,
            QueueStep::Abandoned {
                queue: queue.to_owned(),
                waited_ms,
            },
        );
    }

    pub fn drain(&mut self) {
        let drained = self.collector.drain_records();
        self.records.extend(drained);
    }

    /// The box stops at `at`: flush and keep the records.
    pub fn shut_down(&mut self, at: u64) {
        self.collector.flush(at);
        self.drain();
    }
}
