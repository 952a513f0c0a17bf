//! Where call-center statistics commonly go wrong, one whole-box scenario per case
//! (issue #12: "a scenario per statistics case whose interval figures match the
//! scenario's known numbers exactly"), lock-step with the HIL rig on the `acd`
//! configuration with three queues (`agents`: menu 2, transfer number 600; `second`:
//! menu 4, 5 s of wrap-up; `later`: menu 5, a callback offer after 5 s) and agent 201 in
//! all three, 202 and 203 in `agents`:
//!
//! a. a call transferred back to its queue: each agent's talk, hold and wrap-up as they
//!    served it, the queue's handle time both agents', the call offered and answered once;
//!    and one transferred to an extension (out of the ACD): the first agent's side only;
//! b. wrap-up kept whole on the queue of the call when the agent serves two queues;
//! c. not-ready reasons survive a logout and a restart;
//! d. a call abandoned while the agent's phone rings: abandoned, not answered, an offer
//!    not answered for the agent, no missed-call not-ready;
//! e. a callback counts once, answered, its wait from the caller's first entry;
//! f. a 15-minute boundary: a call entered before it and answered after counts in the
//!    earlier interval with its exact wait; a not-ready across it is split exactly.
//! g. (recording) a call with no audio never shows as a zero-length recording: covered by
//!    `tests/recordings.rs`, `a_call_without_audio_leaves_no_recording_and_never_means_never`.
//!
//! Every figure is checked twice: exactly against what the bus's events say happened
//! (the events the statistics are built from), and against the times the test drove the
//! rig, within one 20 ms tick. The rig's times reach the box's events through the line
//! signalling, whose delays are fixed (see the `*_LAG_MS` constants): an off-hook counts
//! after its 40 ms debounce, a flash once the loop is closed again and debounced, a
//! hang-up once it is longer than the longest flash; a carrier's DISCONNECT is seen in
//! the tick it is sent. Two things the ACD does in whole seconds of engine time: its
//! timers (a wrap-up of 3 s ends at the first second at or after the 3 s), and the time
//! of an API request (the latest engine second it heard of: tests make their requests
//! one tick after a whole second, see `Floor::to_whole_second`).
mod common;

use appliance::boot::{start_box, BoxOptions, RunningBox};
use far_end::{PlayItem, Rig};
use serde_json::Value;
use soft_hardware::{ClockMode, DeviceKind};
use std::net::SocketAddr;
use std::path::Path;

/// 2026-12-07 10:00 +08:00 (02:00 UTC, a 15-minute boundary): the flow's opening hours.
const TEN_AM_UNIX_MS: u64 = 1_796_608_800_000;
const QUARTER_MS: u64 = 15 * 60_000;

const QUEUES: &str = r#"
not_ready_reasons = ["break", "lunch"]

[queues.agents]
strategy = "longest-idle"
ring_timeout_s = 8
max_missed = 1
wrap_up_s = 3
transfer_number = "600"

[queues.second]
strategy = "longest-idle"
ring_timeout_s = 8
max_missed = 1
wrap_up_s = 5

[queues.later]
strategy = "longest-idle"
ring_timeout_s = 8
max_missed = 1
wrap_up_s = 3
max_wait_s = 5
overflow = "callback"
"#;

const AGENTS: &str = r#"
[[agent]]
id = "201"
name = "Agent One"
pin = "2011"
queues = ["agents", "second", "later"]

[[agent]]
id = "202"
name = "Agent Two"
pin = "2022"
queues = ["agents"]

[[agent]]
id = "203"
name = "Agent Three"
pin = "2033"
queues = ["agents"]
"#;

const FLOW: &str = r#"
name = "acd-test"
entry = "hours"
language = "en"

[nodes.hours]
type = "time"
schedule = "test-hours"
open = "main"
closed = "bye"

[nodes.main]
type = "menu"
prompt = "main-menu"
choices = { "2" = "agents", "4" = "second", "5" = "later" }
timeout_s = 5
max_retries = 2
on_failure = "bye"

[nodes.agents]
type = "queue"
queue = "agents"

[nodes.second]
type = "queue"
queue = "second"

[nodes.later]
type = "queue"
queue = "later"

[nodes.bye]
type = "hangup"
cause = 16
"#;

const ROUTES: &str = r#"
greeting = "builtin:greeting"
ring_timeout_s = 60

[[inbound]]
lines = [1]
called = "95598"
destination = "flow:acd-test"

[[outbound]]
prefix = "9"
strip = 1
lines = [1]
"#;

/// An off-hook counts after the hook debounce (analog `FxsConfig::hook_debounce_ms`).
const OFF_HOOK_LAG_MS: u64 = 40;
/// A flash (the rig's 100 ms break) counts once the loop is closed again, debounced.
const FLASH_LAG_MS: u64 = far_end::FLASH_MS + 40;
/// An on-hook is a hang-up once it lasts longer than the longest flash
/// (`FxsConfig::flash_max_ms`).
const HANG_UP_LAG_MS: u64 = 700;
/// The ringing voltage reaches the rig's phone a tick after the offer.
const RING_LAG_MS: u64 = 40;
/// One tick: how far a figure may be from the one the rig's times give.
const TICK_MS: u64 = 20;

struct Floor {
    running: RunningBox,
    rig: Rig,
    web: SocketAddr,
}

const EXTRA_FILES: [(&str, &str); 4] = [
    ("queues.toml", QUEUES),
    ("agents.toml", AGENTS),
    ("flows/acd-test.toml", FLOW),
    ("routes.toml", ROUTES),
];

fn connect(running: RunningBox) -> Floor {
    let web = running.web_address();
    let devices = [
        ("span1", DeviceKind::E1, 1),
        ("fxs2", DeviceKind::Fxs, 2),
        ("fxs3", DeviceKind::Fxs, 3),
        ("fxs4", DeviceKind::Fxs, 4),
    ];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();
    common::wait_link_up(&mut rig, "span1");
    Floor { running, rig, web }
}

/// A box on `work` with the cases' configuration, its clock at `epoch_unix_ms`.
fn start_floor(work: &Path, epoch_unix_ms: u64) -> Floor {
    connect(common::start_config_with(
        work,
        "acd",
        &EXTRA_FILES,
        epoch_unix_ms,
    ))
}

/// The same box started again on `work`'s configuration and data (devices in `devices`).
fn restart_floor(work: &Path, devices: &str, epoch_unix_ms: u64) -> Floor {
    let mut options = BoxOptions::new(work.join("config"), work.join("data"));
    options.device_dir = Some(work.join(devices));
    options.prompt_cache_dir = Some(common::shared_prompt_cache());
    options.provision_token = Some(common::TEST_TOKEN.into());
    options.epoch_unix_ms = Some(epoch_unix_ms);
    connect(start_box(options).expect("box starts again"))
}

impl Floor {
    fn agent(&mut self, agent: &str, body: &str) -> u64 {
        let at = self.to_whole_second();
        let (status, answer) = common::send(
            self.web,
            "POST",
            &format!("/api/agents/{agent}/state"),
            body,
        );
        assert!(status.contains("204"), "{agent} {body}: {status} {answer}");
        at
    }

    /// `agent` logs in at their own phone (ready); the engine time it is stamped with.
    fn login(&mut self, agent: &str) -> u64 {
        self.agent(agent, &format!(r#"{{"state":"login","device":"{agent}"}}"#))
    }

    fn not_ready(&mut self, agent: &str, reason: &str) -> u64 {
        self.agent(
            agent,
            &format!(r#"{{"state":"not-ready","reason":"{reason}"}}"#),
        )
    }

    /// Steps to one tick past a whole second of engine time and returns that second: an
    /// API request now is stamped with it (the ACD stamps a request with the latest
    /// engine time it has heard of, the engine's seconds among them; the rig's
    /// `now_ms` is the tick it sends next, so the second's tick is done one tick on).
    fn to_whole_second(&mut self) -> u64 {
        while self.rig.now_ms() % 1000 != TICK_MS {
            self.rig.step().unwrap();
        }
        self.rig.now_ms() - TICK_MS
    }

    /// A carrier call to the hotline (the carrier's call `number`) that keys `key` once
    /// the IVR answers; the rig time the key starts.
    fn call_in(&mut self, number: usize, from: &str, key: &str) -> u64 {
        let now = self.rig.now_ms();
        let placed = self
            .rig
            .carrier_mut("span1")
            .unwrap()
            .place_calls(now, 1, Some(from), "95598")
            .unwrap();
        assert_eq!(*placed.start(), number);
        assert!(common::step_until(&mut self.rig, 5000, |r| r
            .carrier("span1")
            .is_some_and(|c| c.answered_count() >= number)));
        self.rig.run_for(1000).unwrap();
        self.rig
            .carrier_mut("span1")
            .unwrap()
            .mouth(number)
            .unwrap()
            .push(PlayItem::Dtmf(key.into()))
            .unwrap();
        self.rig.now_ms()
    }

    /// Steps until `phone` rings; the engine time of the offer that rang it.
    fn until_ringing(&mut self, phone: &str) -> u64 {
        assert!(
            common::step_until(&mut self.rig, 8000, |r| r
                .phone(phone)
                .is_some_and(|p| p.ringing())),
            "{phone} rings: {}",
            self.rig.state_summary()
        );
        self.rig.now_ms() - RING_LAG_MS
    }

    /// `phone` goes off hook; the engine time the box counts it at.
    fn off_hook(&mut self, phone: &str) -> u64 {
        let now = self.rig.now_ms();
        self.rig.phone_mut(phone).unwrap().go_off_hook(now);
        now + OFF_HOOK_LAG_MS
    }

    /// `phone` hangs up; the engine time the box counts it at.
    fn on_hook(&mut self, phone: &str) -> u64 {
        let now = self.rig.now_ms();
        self.rig.phone_mut(phone).unwrap().hang_up(now);
        now + HANG_UP_LAG_MS
    }

    /// `phone` flashes; the engine time the box counts it at.
    fn flash(&mut self, phone: &str) -> u64 {
        let now = self.rig.now_ms();
        self.rig.phone_mut(phone).unwrap().flash(now).unwrap();
        now + FLASH_LAG_MS
    }

    fn dial(&mut self, phone: &str, digits: &str) {
        let now = self.rig.now_ms();
        self.rig
            .phone_mut(phone)
            .unwrap()
            .dial(now, digits)
            .unwrap();
    }

    /// The carrier's call `number` hangs up; the engine time the box counts it at.
    fn caller_hangs_up(&mut self, number: usize) -> u64 {
        let now = self.rig.now_ms();
        self.rig
            .carrier_mut("span1")
            .unwrap()
            .hang_up(now, number, 16)
            .unwrap();
        now
    }

    fn run(&mut self, ms: u64) {
        self.rig.run_for(ms).unwrap();
    }

    /// Every queue step and agent state change on the bus so far.
    fn bus(&self) -> Bus {
        let page = common::json(self.web, "GET", "/api/events?after=0&limit=1000");
        assert_eq!(page["missed"], false, "the whole history: {page}");
        Bus(page["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|envelope| {
                let mut event = envelope.get("event").unwrap_or(envelope).clone();
                event["at_ms"] = envelope["at_ms"].clone();
                event
            })
            .filter(|e| e["type"] == "queue" || e["type"] == "agent_state_changed")
            .collect())
    }

    fn queue_rows(&self, range: &str) -> Vec<Value> {
        common::json(
            self.web,
            "GET",
            &format!("/api/reports/queues?{range}&interval=15m"),
        )["queues"]
            .as_array()
            .cloned()
            .expect("queue rows")
    }

    fn agent_rows(&self, range: &str, agent: &str) -> Vec<Value> {
        common::json(
            self.web,
            "GET",
            &format!("/api/reports/agents?{range}&interval=15m&agent={agent}"),
        )["agents"]
            .as_array()
            .cloned()
            .expect("agent rows")
    }

    /// Steps until `agent`'s `count`th wrap-up is over.
    fn until_wrapped_up(&mut self, agent: &str, count: usize) {
        self.until(&format!("{agent}'s wrap-up #{count} over"), |f| {
            f.bus()
                .changes(agent)
                .iter()
                .filter(|c| c["reason"] == "wrap-up-ended")
                .count()
                >= count
        });
    }

    /// Steps the rig (200 ms at a time, 20 s at most) until `done` holds.
    fn until(&mut self, what: &str, mut done: impl FnMut(&Floor) -> bool) {
        let end = self.rig.now_ms() + 20_000;
        while !done(self) {
            assert!(self.rig.now_ms() < end, "{what}: not within 20 s");
            self.rig.run_for(200).unwrap();
        }
    }
}

/// The bus's queue steps and agent state changes, each with its `at_ms`.
struct Bus(Vec<Value>);

impl Bus {
    /// The engine time of the `nth` (from 0) queue step `step` of any call.
    fn step(&self, step: &str, nth: usize) -> u64 {
        self.steps(step)
            .get(nth)
            .map(|e| at(e))
            .unwrap_or_else(|| panic!("no queue step {step} #{nth}: {self}"))
    }

    fn steps(&self, step: &str) -> Vec<&Value> {
        self.0
            .iter()
            .filter(|e| e["type"] == "queue" && e["step"] == step)
            .collect()
    }

    fn changes(&self, agent: &str) -> Vec<&Value> {
        self.0
            .iter()
            .filter(|e| e["type"] == "agent_state_changed" && e["agent"] == agent)
            .collect()
    }

    /// The engine time of `agent`'s `nth` (from 0) change to `to`.
    fn became(&self, agent: &str, to: &str, nth: usize) -> u64 {
        self.changes(agent)
            .into_iter()
            .filter(|c| c["to"] == to)
            .nth(nth)
            .map(at)
            .unwrap_or_else(|| panic!("{agent} not {to} #{nth}: {self}"))
    }

    /// How long `agent` was in `state`, each time until their next change.
    fn time_in(&self, agent: &str, state: &str) -> u64 {
        let changes = self.changes(agent);
        changes
            .windows(2)
            .filter(|pair| pair[0]["to"] == state)
            .map(|pair| at(pair[1]) - at(pair[0]))
            .sum()
    }
}

impl std::fmt::Display for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for event in &self.0 {
            writeln!(f, "{event}")?;
        }
        Ok(())
    }
}

fn at(event: &Value) -> u64 {
    event["at_ms"].as_u64().expect("at_ms")
}

/// `row`'s counts and durations are exactly `expected` (a missing map entry is 0).
fn assert_figures(row: &Value, expected: &[(&str, u64)]) {
    for (field, value) in expected {
        let mut found = row;
        for part in field.split('.') {
            found = &found[part];
        }
        let actual = if found.is_null() {
            0
        } else {
            found
                .as_u64()
                .unwrap_or_else(|| panic!("{field} is not a count in {row:#}"))
        };
        assert_eq!(actual, *value, "{field} in {row:#}");
    }
}

/// `figure` (from the report) is what the rig's times give, within a tick.
fn assert_near(what: &str, figure: u64, from_rig: u64) {
    assert!(
        figure.abs_diff(from_rig) <= TICK_MS,
        "{what}: {figure} ms reported, {from_rig} ms from the rig's times"
    );
}

/// The engine time a wrap-up of `wrap_up_ms` started at `from` ends: the ACD's timers
/// run on the engine's whole seconds.
fn wrap_up_end(from: u64, wrap_up_ms: u64) -> u64 {
    (from + wrap_up_ms).div_ceil(1000) * 1000
}

/// The one row in `rows` for interval `start` (and `key` = `name`).
fn row<'a>(rows: &'a [Value], key: &str, name: &str, start: &str) -> &'a Value {
    let found: Vec<&Value> = rows
        .iter()
        .filter(|r| r[key] == name && r["interval_start"] == start)
        .collect();
    assert_eq!(found.len(), 1, "one {name} row at {start}: {rows:#?}");
    found[0]
}

/// An hour of reports from 10:00 +08:00.
const RANGE: &str = "from=2026-12-07T02:00:00Z&to=2026-12-07T03:00:00Z";
const AT_10_00: &str = "2026-12-07T02:00:00Z";

/// a. Agent 201 answers a call from `agents`, talks, flashes (the caller on hold) and
/// keys the queue's transfer number 600#: the caller waits in `agents` again and 202
/// answers, talks, holds once and hangs up. Each agent's row has their own talk, hold
/// and wrap-up (201's hold: from the flash to the transfer); the queue has both agents'
/// handle time and counts the call once: offered 1, answered 1 with the first wait, one
/// transfer out.
#[test]
fn a_transferred_call_counts_for_each_agent_as_served_and_once_for_the_queue() {
    let work = tempfile::tempdir().expect("temp dir");
    let mut floor = start_floor(work.path(), TEN_AM_UNIX_MS);
    floor.login("201");
    let keyed = floor.call_in(1, "5550123", "2");
    let offered_a = floor.until_ringing("fxs2");
    floor.run(2000);
    let answered_a = floor.off_hook("fxs2");
    floor.run(1000);
    // 202 logs in once 201 has the call (so the first offer is 201's).
    floor.login("202");
    floor.run(2000);
    let held_a = floor.flash("fxs2");
    floor.run(1000);
    floor.dial("fxs2", "600#");
    let offered_b = floor.until_ringing("fxs3");
    floor.on_hook("fxs2");
    floor.run(1500);
    let answered_b = floor.off_hook("fxs3");
    floor.run(3000);
    let held_b = floor.flash("fxs3");
    floor.run(1000);
    let unheld_b = floor.flash("fxs3");
    floor.run(2000);
    let ended_b = floor.on_hook("fxs3");
    floor.until_wrapped_up("202", 1);
    let bus = floor.bus();
    let wrapped = bus.time_in("201", "wrap-up") + bus.time_in("202", "wrap-up");
    floor.until("the call stored with both wrap-ups", |f| {
        f.queue_rows(RANGE)
            .first()
            .is_some_and(|r| r["wrap_up_ms"] == wrapped)
    });
    // The transfer is at 201's '#' (DTMF detection): the bus gives it; 202's phone
    // rang at once.
    let transferred = bus.step("transferred", 0);
    assert_eq!(transferred, offered_b, "{bus}");
    let entered = bus.step("entered", 0);
    assert!(
        (keyed..keyed + 200).contains(&entered),
        "key 2 at {keyed}: {bus}"
    );
    assert_eq!(bus.steps("entered").len(), 1, "{bus}");
    assert_eq!(offered_a, entered, "{bus}");

    // From the rig's times: 201 talked from their answer to the flash, held until the
    // transfer and wrapped up 3 s (to the next whole second); 202 talked from their
    // answer to the hang-up but for the hold between the two flashes.
    let wait = answered_a - entered;
    let (talk_a, hold_a) = (held_a - answered_a, transferred - held_a);
    let wrap_a = wrap_up_end(transferred, 3000) - transferred;
    let hold_b = unheld_b - held_b;
    let talk_b = ended_b - answered_b - hold_b;
    let wrap_b = wrap_up_end(ended_b, 3000) - ended_b;
    // The same from the bus, exactly.
    let wait_bus = bus.step("answered", 0) - entered;
    let talk_a_bus = bus.time_in("201", "on-call-inbound");
    let hold_a_bus = bus.time_in("201", "on-hold");
    let wrap_a_bus = bus.time_in("201", "wrap-up");
    let talk_b_bus = bus.time_in("202", "on-call-inbound");
    let hold_b_bus = bus.time_in("202", "on-hold");
    let wrap_b_bus = bus.time_in("202", "wrap-up");
    let served = bus.steps("ended");
    assert_eq!(served.len(), 1, "{bus}");
    assert_eq!(served[0]["agent"], "202");

    let rows = floor.queue_rows(RANGE);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let queue = row(&rows, "queue", "agents", AT_10_00);
    assert_figures(
        queue,
        &[
            ("offered", 1),
            ("answered", 1),
            ("answered_within_service_level", 1),
            ("abandoned", 0),
            ("answer_wait_ms", wait_bus),
            ("talk_ms", talk_a_bus + talk_b_bus),
            ("hold_ms", hold_a_bus + hold_b_bus),
            ("wrap_up_ms", wrap_a_bus + wrap_b_bus),
            ("transfers_out", 1),
        ],
    );
    assert_near("the queue's wait", wait_bus, wait);
    assert_near("the queue's talk", talk_a_bus + talk_b_bus, talk_a + talk_b);
    assert_near("the queue's hold", hold_a_bus + hold_b_bus, hold_a + hold_b);
    assert_near(
        "the queue's wrap-up",
        wrap_a_bus + wrap_b_bus,
        wrap_a + wrap_b,
    );
    assert_eq!(
        queue["average_handle_time_ms"],
        (talk_a_bus + talk_b_bus + hold_a_bus + hold_b_bus + wrap_a_bus + wrap_b_bus) as f64,
        "one call: both agents' handle time"
    );

    let a = floor.agent_rows(RANGE, "201");
    let a = row(&a, "agent", "201", AT_10_00);
    assert_figures(
        a,
        &[
            ("offers", 1),
            ("offers_answered", 1),
            ("answered", 1),
            ("talk_ms", talk_a_bus),
            ("hold_ms", hold_a_bus),
            ("wrap_up_ms", wrap_a_bus),
            ("transfers_out", 1),
            ("state_ms.reserved", answered_a - offered_a),
        ],
    );
    assert_near("201's talk", talk_a_bus, talk_a);
    assert_near("201's hold", hold_a_bus, hold_a);
    assert_near("201's wrap-up", wrap_a_bus, wrap_a);
    let b = floor.agent_rows(RANGE, "202");
    let b = row(&b, "agent", "202", AT_10_00);
    assert_figures(
        b,
        &[
            ("offers", 1),
            ("offers_answered", 1),
            ("answered", 1),
            ("talk_ms", talk_b_bus),
            ("hold_ms", hold_b_bus),
            ("wrap_up_ms", wrap_b_bus),
            ("transfers_out", 0),
            ("state_ms.reserved", answered_b - offered_b),
        ],
    );
    assert_near("202's talk", talk_b_bus, talk_b);
    assert_near("202's hold", hold_b_bus, hold_b);
    assert_near("202's wrap-up", wrap_b_bus, wrap_b);
}

/// b. Agent 201 serves `agents` (3 s of wrap-up) and `second` (5 s). A call from
/// `agents` is answered and 201 hangs up; a call from `second`, waiting meanwhile, is
/// offered after 201's wrap-up, answered, and the caller hangs up. The first wrap-up
/// counts whole on `agents` (none of it on `second`, whose call waited through it), the
/// second whole on `second`; 201's row has both.
#[test]
fn b_wrap_up_is_kept_whole_on_the_queue_of_the_call_when_an_agent_serves_two() {
    let work = tempfile::tempdir().expect("temp dir");
    let mut floor = start_floor(work.path(), TEN_AM_UNIX_MS);
    floor.login("201");
    floor.call_in(1, "5550123", "2");
    let offered_1 = floor.until_ringing("fxs2");
    floor.run(1000);
    let answered_1 = floor.off_hook("fxs2");
    let keyed_2 = floor.call_in(2, "5550456", "4");
    floor.run(2000);
    let ended_1 = floor.on_hook("fxs2");
    let offered_2 = floor.until_ringing("fxs2");
    floor.run(1000);
    let answered_2 = floor.off_hook("fxs2");
    floor.run(2000);
    let ended_2 = floor.caller_hangs_up(2);
    floor.run(500);
    floor.on_hook("fxs2");
    floor.until_wrapped_up("201", 2);
    let bus = floor.bus();
    let wrapped = bus.time_in("201", "wrap-up");
    floor.until("both calls stored", |f| {
        let rows = f.queue_rows(RANGE);
        rows.len() == 2
            && rows
                .iter()
                .map(|r| r["wrap_up_ms"].as_u64().unwrap_or(0))
                .sum::<u64>()
                == wrapped
    });

    // From the rig: each wrap-up runs from the call's end to the first whole second
    // after the queue's wrap-up time; the second call is offered at the first's end.
    let wrap_1 = wrap_up_end(ended_1, 3000) - ended_1;
    let wrap_2 = wrap_up_end(ended_2, 5000) - ended_2;
    assert_eq!(offered_2, ended_1 + wrap_1, "{bus}");
    // From the bus, exactly: each wrap-up from 201's change to it to the next change.
    let changes = bus.changes("201");
    let wraps: Vec<u64> = changes
        .windows(2)
        .filter(|pair| pair[0]["to"] == "wrap-up")
        .map(|pair| at(pair[1]) - at(pair[0]))
        .collect();
    assert_eq!(wraps.len(), 2, "{bus}");
    assert_near("the first wrap-up", wraps[0], wrap_1);
    assert_near("the second wrap-up", wraps[1], wrap_2);
    let entered: Vec<(&str, u64)> = bus
        .steps("entered")
        .iter()
        .map(|e| (e["queue"].as_str().unwrap(), at(e)))
        .collect();
    assert_eq!(entered.len(), 2, "{bus}");
    assert_eq!((entered[0].0, entered[1].0), ("agents", "second"));
    let entered_2 = entered[1].1;
    assert!((keyed_2..keyed_2 + 200).contains(&entered_2), "{bus}");
    let talks: Vec<u64> = bus
        .steps("ended")
        .iter()
        .map(|e| e["talk_ms"].as_u64().unwrap())
        .collect();
    assert_eq!(talks.len(), 2, "{bus}");
    assert_near("the first talk", talks[0], ended_1 - answered_1);
    assert_near("the second talk", talks[1], ended_2 - answered_2);

    let rows = floor.queue_rows(RANGE);
    assert_figures(
        row(&rows, "queue", "agents", AT_10_00),
        &[
            ("offered", 1),
            ("answered", 1),
            ("answer_wait_ms", bus.step("answered", 0) - entered[0].1),
            ("talk_ms", talks[0]),
            ("hold_ms", 0),
            ("wrap_up_ms", wraps[0]),
        ],
    );
    // `second`'s call waited through 201's wrap-up for `agents`: its wait has it, its
    // wrap-up has none of it.
    let second = row(&rows, "queue", "second", AT_10_00);
    assert_figures(
        second,
        &[
            ("offered", 1),
            ("answered", 1),
            ("answer_wait_ms", bus.step("answered", 1) - entered_2),
            ("talk_ms", talks[1]),
            ("hold_ms", 0),
            ("wrap_up_ms", wraps[1]),
        ],
    );
    assert_near(
        "second's wait",
        u(&second["answer_wait_ms"]),
        answered_2 - entered_2,
    );

    let agent = floor.agent_rows(RANGE, "201");
    assert_figures(
        row(&agent, "agent", "201", AT_10_00),
        &[
            ("offers", 2),
            ("offers_answered", 2),
            ("answered", 2),
            ("talk_ms", talks[0] + talks[1]),
            ("wrap_up_ms", wraps[0] + wraps[1]),
            ("state_ms.wrap-up", wraps[0] + wraps[1]),
            (
                "state_ms.reserved",
                (answered_1 - offered_1) + (answered_2 - offered_2),
            ),
        ],
    );
}

/// d. Agent 201's phone rings 6 s for a call; the caller hangs up while it rings. The
/// queue counts it abandoned (after 6 s: not a short abandon), not answered; 201 has an
/// offer not answered, the ringing as reserved time, and is ready again at once (a
/// caller who left is no missed call: no not-ready).
#[test]
fn d_a_call_abandoned_while_the_agent_rings_is_abandoned_and_an_offer_not_answered() {
    let work = tempfile::tempdir().expect("temp dir");
    let mut floor = start_floor(work.path(), TEN_AM_UNIX_MS);
    let login = floor.login("201");
    floor.call_in(1, "5550123", "2");
    let offered = floor.until_ringing("fxs2");
    floor.run(6000);
    let hung_up = floor.caller_hangs_up(1);
    floor.run(2000);
    assert!(
        !floor.rig.phone("fxs2").unwrap().ringing(),
        "the ringing stopped"
    );
    let logout = floor.agent("201", r#"{"state":"logout"}"#);
    floor.until("the call and 201's spans stored", |f| {
        f.queue_rows(RANGE).len() == 1
            && f.agent_rows(RANGE, "201").first().is_some_and(|r| {
                r["state_ms"]["ready"]
                    .as_u64()
                    .is_some_and(|ms| ms > offered - login)
            })
    });

    let bus = floor.bus();
    let entered = bus.step("entered", 0);
    assert_eq!(entered, offered, "{bus}");
    assert_eq!(bus.step("abandoned", 0), hung_up, "{bus}");
    assert!(bus.steps("answered").is_empty(), "{bus}");
    let changes = bus.changes("201");
    let tos: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| (c["to"].as_str().unwrap(), c["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        tos,
        [
            ("ready", "login"),
            ("reserved", "offered"),
            ("ready", "offer-cancelled"),
            ("logged-out", "logout")
        ],
        "{bus}"
    );

    let rows = floor.queue_rows(RANGE);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let queue = row(&rows, "queue", "agents", AT_10_00);
    assert_figures(
        queue,
        &[
            ("offered", 1),
            ("answered", 0),
            ("answered_within_service_level", 0),
            ("abandoned", 1),
            ("abandoned_short", 0),
            ("abandon_wait_ms", hung_up - entered),
            ("answer_wait_ms", 0),
            ("talk_ms", 0),
            ("wrap_up_ms", 0),
        ],
    );
    assert_eq!(queue["service_level_percent"], 0.0, "{queue:#}");
    assert_eq!(
        queue["average_speed_of_answer_ms"],
        Value::Null,
        "{queue:#}"
    );

    let agent = floor.agent_rows(RANGE, "201");
    let agent = row(&agent, "agent", "201", AT_10_00);
    assert_figures(
        agent,
        &[
            ("offers", 1),
            ("offers_answered", 0),
            ("offers_not_answered", 1),
            ("answered", 0),
            ("talk_ms", 0),
            ("wrap_up_ms", 0),
            ("state_ms.reserved", hung_up - offered),
            ("state_ms.ready", (offered - login) + (logout - hung_up)),
            ("state_ms.not-ready", 0),
            ("logged_in_ms", logout - login),
        ],
    );
}

fn u(value: &Value) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("not a count: {value}"))
}

/// e. A caller in `later` (no agent logged in) is offered a callback after 5 s, keys 1
/// and is cleared; agent 201 logs in, their phone rings for the callback, they answer,
/// the box calls the customer, who answers; 201 hangs up. The queue counts the call once:
/// offered 1, answered 1 (a callback), never abandoned, its wait from the caller's entry
/// to 201's answer (outside the 20 s service level); 201 has one offer answered and the
/// call as outbound talk.
#[test]
fn e_a_callback_counts_once_with_its_wait_from_the_first_entry() {
    let work = tempfile::tempdir().expect("temp dir");
    let mut floor = start_floor(work.path(), TEN_AM_UNIX_MS);
    let keyed = floor.call_in(1, "5550123", "5");
    // The offer comes at 5 s (on the ACD's next second); 1 during it takes it.
    floor.run(6500);
    floor
        .rig
        .carrier_mut("span1")
        .unwrap()
        .mouth(1)
        .unwrap()
        .push(PlayItem::Dtmf("1".into()))
        .unwrap();
    assert!(
        common::step_until(&mut floor.rig, 15_000, |r| !r
            .carrier("span1")
            .and_then(|c| c.call(1))
            .is_some_and(|c| c.is_live())),
        "the box clears the caller after the confirmation"
    );
    floor.run(1000);
    let login = floor.login("201");
    floor.until_ringing("fxs2");
    floor.run(1500);
    let answered = floor.off_hook("fxs2");
    assert!(
        common::step_until(&mut floor.rig, 10_000, |r| r
            .carrier("span1")
            .and_then(|c| c.call(2))
            .is_some_and(|c| c.stage == far_end::CallStage::Offered)),
        "the box calls the customer"
    );
    let now = floor.rig.now_ms();
    floor
        .rig
        .carrier_mut("span1")
        .unwrap()
        .answer_next(now)
        .unwrap();
    floor.run(3000);
    let ended = floor.on_hook("fxs2");
    floor.until_wrapped_up("201", 1);
    floor.until("the callback stored", |f| {
        f.queue_rows(RANGE)
            .first()
            .is_some_and(|r| r["wrap_up_ms"].as_u64().is_some_and(|ms| ms > 0))
    });

    let bus = floor.bus();
    let entered = bus.step("entered", 0);
    assert!((keyed..keyed + 200).contains(&entered), "{bus}");
    assert_eq!(bus.steps("entered").len(), 1, "{bus}");
    assert_eq!(bus.steps("callback_requested").len(), 1, "{bus}");
    assert!(bus.steps("abandoned").is_empty(), "{bus}");
    let offered = bus.step("offered", 0);
    assert_eq!(offered, login, "offered at the login: {bus}");
    assert_eq!(bus.step("answered", 0), answered, "{bus}");
    assert_eq!(
        bus.steps("answered")[0]["waited_ms"],
        answered - entered,
        "{bus}"
    );
    assert_eq!(bus.step("ended", 0), ended, "{bus}");
    let wrap_up = wrap_up_end(ended, 3000) - ended;
    assert_eq!(bus.time_in("201", "wrap-up"), wrap_up, "{bus}");

    let rows = floor.queue_rows(RANGE);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let queue = row(&rows, "queue", "later", AT_10_00);
    assert_figures(
        queue,
        &[
            ("offered", 1),
            ("answered", 1),
            ("answered_within_service_level", 0),
            ("abandoned", 0),
            ("overflowed", 0),
            ("unfinished", 0),
            ("callbacks", 1),
            ("answer_wait_ms", answered - entered),
            ("talk_ms", ended - answered),
            ("hold_ms", 0),
            ("wrap_up_ms", wrap_up),
        ],
    );
    assert_eq!(queue["service_level_percent"], 0.0, "{queue:#}");
    let hourly = common::json(
        floor.web,
        "GET",
        &format!("/api/reports/queues?{RANGE}&interval=1h"),
    );
    assert_eq!(hourly["queues"][0]["offered"], 1, "{hourly:#}");
    assert_eq!(hourly["queues"][0]["callbacks"], 1, "{hourly:#}");

    let agent = floor.agent_rows(RANGE, "201");
    assert_figures(
        row(&agent, "agent", "201", AT_10_00),
        &[
            ("offers", 1),
            ("offers_answered", 1),
            ("answered", 1),
            ("talk_ms", ended - answered),
            ("wrap_up_ms", wrap_up),
            ("state_ms.reserved", answered - offered),
            ("state_ms.on-call-outbound", ended - answered),
            ("state_ms.on-call-inbound", 0),
        ],
    );
}

/// f. The box's clock starts 20 s before 10:15 (+08:00), so the 15-minute boundary is at
/// engine time 20 s. Agent 201 logs in and goes not ready (break) at once; a call enters
/// `agents` about 1.5 s before the boundary; 201 is ready 2 s after it and answers. The
/// queue counts the call offered and answered in 10:00-10:15 with its whole wait (across
/// the boundary), and has no row for 10:15; 201's break is split exactly at the boundary,
/// and their offer and call count in 10:15, when they rang and were answered.
#[test]
fn f_an_interval_boundary_splits_nothing_it_should_not() {
    const BOUNDARY: u64 = 20_000;
    let work = tempfile::tempdir().expect("temp dir");
    let mut floor = start_floor(work.path(), TEN_AM_UNIX_MS + QUARTER_MS - BOUNDARY);
    let login = floor.login("201");
    let on_break = floor.not_ready("201", "break");
    floor.run(17_500 - floor.rig.now_ms());
    let keyed = floor.call_in(1, "5550123", "2");
    floor.run(BOUNDARY + 1_000 - floor.rig.now_ms());
    let ready = floor.agent("201", r#"{"state":"ready"}"#);
    let offered = floor.until_ringing("fxs2");
    floor.run(1000);
    let answered = floor.off_hook("fxs2");
    floor.run(2000);
    let ended = floor.caller_hangs_up(1);
    floor.run(500);
    floor.on_hook("fxs2");
    floor.until_wrapped_up("201", 1);
    floor.run(1000);
    let logout = floor.agent("201", r#"{"state":"logout"}"#);
    floor.until("the call and 201's spans stored", |f| {
        !f.queue_rows(RANGE).is_empty()
            && f.agent_rows(RANGE, "201")
                .last()
                .is_some_and(|r| r["state_ms"]["ready"].as_u64().is_some())
    });

    let bus = floor.bus();
    let entered = bus.step("entered", 0);
    assert!((keyed..keyed + 200).contains(&entered), "{bus}");
    assert!(entered < BOUNDARY && BOUNDARY - entered <= 2_000, "{bus}");
    // 201 is offered the call at their ready; the phone rings from then (a request
    // from the API runs outside the lock-step's ticks: the ring may start a tick late).
    assert_eq!(bus.step("offered", 0), ready, "{bus}");
    assert_near("the ring after the ready", offered, ready);
    let offered = ready;
    assert_eq!(bus.step("answered", 0), answered, "{bus}");
    assert_eq!(bus.step("ended", 0), ended, "{bus}");
    assert_eq!(bus.became("201", "not-ready", 0), on_break, "{bus}");
    let wrap_up = wrap_up_end(ended, 3000) - ended;
    assert_eq!(bus.time_in("201", "wrap-up"), wrap_up, "{bus}");

    let rows = floor.queue_rows(RANGE);
    assert_eq!(rows.len(), 1, "the call in 10:00-10:15 only: {rows:#?}");
    let queue = row(&rows, "queue", "agents", AT_10_00);
    assert_figures(
        queue,
        &[
            ("offered", 1),
            ("answered", 1),
            ("answered_within_service_level", 1),
            ("abandoned", 0),
            ("answer_wait_ms", answered - entered),
            ("talk_ms", ended - answered),
            ("wrap_up_ms", wrap_up),
        ],
    );

    let agent = floor.agent_rows(RANGE, "201");
    assert_eq!(agent.len(), 2, "{agent:#?}");
    assert_figures(
        row(&agent, "agent", "201", AT_10_00),
        &[
            ("state_ms.ready", on_break - login),
            ("state_ms.not-ready", BOUNDARY - on_break),
            ("not_ready_ms.break", BOUNDARY - on_break),
            ("logged_in_ms", BOUNDARY - login),
            ("offers", 0),
            ("answered", 0),
        ],
    );
    assert_figures(
        row(&agent, "agent", "201", "2026-12-07T02:15:00Z"),
        &[
            ("state_ms.not-ready", ready - BOUNDARY),
            ("not_ready_ms.break", ready - BOUNDARY),
            ("state_ms.reserved", answered - offered),
            ("state_ms.on-call-inbound", ended - answered),
            ("state_ms.wrap-up", wrap_up),
            ("state_ms.ready", logout - (ended + wrap_up)),
            ("logged_in_ms", logout - BOUNDARY),
            ("offers", 1),
            ("offers_answered", 1),
            ("answered", 1),
            ("talk_ms", ended - answered),
            ("wrap_up_ms", wrap_up),
        ],
    );
}

/// c. Agent 201 goes to lunch, logs out, and the box restarts; agent 202 goes on a break
/// and is still on it when the box restarts (a minute later on the clock). 201's lunch
/// is lunch until their logout, not a moment more (logged-out time counts for nothing,
/// and the restart does not bring the lunch back); 202's break goes on through the
/// restart, still a break, until they log in again on the new box. Extends `reports.rs`
/// (a not-ready carried over a restart) with the logout in between.
#[test]
fn c_not_ready_reasons_survive_logout_and_restart() {
    let work = tempfile::tempdir().expect("temp dir");
    let mut floor = start_floor(work.path(), TEN_AM_UNIX_MS);
    let login_201 = floor.login("201");
    floor.run(1000);
    let login_202 = floor.login("202");
    floor.run(1000);
    let lunch = floor.not_ready("201", "lunch");
    floor.run(5000);
    let logout = floor.agent("201", r#"{"state":"logout"}"#);
    floor.run(1000);
    let on_break = floor.not_ready("202", "break");
    floor.run(4000);
    floor.until("201's lunch stored", |f| {
        f.agent_rows(RANGE, "201")
            .first()
            .is_some_and(|r| r["not_ready_ms"]["lunch"].as_u64().is_some())
    });
    let bus = floor.bus();
    assert_eq!(bus.became("201", "not-ready", 0), lunch, "{bus}");
    assert_eq!(bus.became("201", "logged-out", 0), logout, "{bus}");
    assert_eq!(bus.became("202", "not-ready", 0), on_break, "{bus}");

    // The box stops (the rig first: lock-step time stands still) and starts again a
    // minute later on the clock, on the same data.
    let stopped_at = floor.running.engine_stats().expect("engine").engine_time_ms;
    drop(floor);
    let restart_epoch = TEN_AM_UNIX_MS + stopped_at + 60_000;
    let mut floor = restart_floor(work.path(), "devices-2", restart_epoch);
    let before = floor.agent_rows(RANGE, "202");
    assert_figures(
        row(&before, "agent", "202", AT_10_00),
        &[("not_ready_ms.break", stopped_at - on_break)],
    );
    floor.run(2000);
    let login_201_again = floor.login("201");
    floor.run(1000);
    let login_202_again = floor.login("202");
    floor.until("202's break stored through the restart", |f| {
        f.agent_rows(RANGE, "202").first().is_some_and(|r| {
            r["not_ready_ms"]["break"]
                .as_u64()
                .is_some_and(|ms| ms > stopped_at - on_break)
        })
    });
    let bus = floor.bus();
    let logins: Vec<(&str, &str)> = bus
        .0
        .iter()
        .map(|c| (c["agent"].as_str().unwrap(), c["to"].as_str().unwrap()))
        .collect();
    assert_eq!(logins, [("201", "ready"), ("202", "ready")], "{bus}");

    let a = floor.agent_rows(RANGE, "201");
    let a = row(&a, "agent", "201", AT_10_00);
    assert_eq!(
        a["not_ready_ms"],
        serde_json::json!({ "lunch": logout - lunch }),
        "lunch until the logout only: {a:#}"
    );
    assert_figures(
        a,
        &[
            ("state_ms.not-ready", logout - lunch),
            ("state_ms.ready", lunch - login_201),
        ],
    );
    // Logged in: the first box until the logout (201's ready span on the new box is
    // still open: not stored yet).
    // An API request is stamped with the ACD's latest engine second: on a loaded machine
    // that can be the next one (the figures below go by the stamp the bus shows).
    let stamped_201 = bus.became("201", "ready", 0);
    assert!(stamped_201.abs_diff(login_201_again) <= 1_000, "{bus}");
    assert_figures(a, &[("logged_in_ms", logout - login_201)]);

    let b = floor.agent_rows(RANGE, "202");
    let b = row(&b, "agent", "202", AT_10_00);
    let stamped_202 = bus.became("202", "ready", 0);
    assert!(stamped_202.abs_diff(login_202_again) <= 1_000, "{bus}");
    let break_ms = (stopped_at - on_break) + 60_000 + stamped_202;
    assert_eq!(
        b["not_ready_ms"],
        serde_json::json!({ "break": break_ms }),
        "the break through the restart until the login: {b:#}"
    );
    assert_figures(
        b,
        &[
            ("state_ms.not-ready", break_ms),
            ("state_ms.ready", on_break - login_202),
        ],
    );
}

/// a (the other way). Agent 201 answers a call from `agents`, flashes and keys 202's
/// extension: 202 rings, answers and talks with 201 (the caller on hold), then 201
/// hangs up: an attended transfer out of the ACD. 201's row and the queue's have 201's
/// talk (to the flash), hold (the consultation, to the transfer) and wrap-up; the call
/// is offered and answered once, one transfer out. What 202 does on their phone is no
/// longer a queue call: it is in neither row's handle time.
///
/// (202 is a logged-in agent here, and the ACD leaves them `ready` all through this
/// call: their leg joins a call the ACD still holds for 201, which `outbound_started`
/// refuses as a duplicate, so their time on it counts as ready: a gap in the ACD
/// (`call-control` `acd_actor.rs`, `acd` `outbound_started`), not asserted here.)
#[test]
fn a_a_call_transferred_to_an_extension_counts_the_first_agent_and_once_for_the_queue() {
    let work = tempfile::tempdir().expect("temp dir");
    let mut floor = start_floor(work.path(), TEN_AM_UNIX_MS);
    floor.login("201");
    floor.call_in(1, "5550123", "2");
    let offered = floor.until_ringing("fxs2");
    floor.run(2000);
    let answered = floor.off_hook("fxs2");
    floor.run(1000);
    floor.login("202");
    floor.run(2000);
    let held = floor.flash("fxs2");
    floor.run(1000);
    floor.dial("fxs2", "202#");
    floor.until_ringing("fxs3");
    floor.run(1000);
    floor.off_hook("fxs3");
    floor.run(2000);
    let transferred = floor.on_hook("fxs2");
    floor.run(3000);
    floor.on_hook("fxs3");
    floor.until_wrapped_up("201", 1);
    let bus = floor.bus();
    let wrapped = bus.time_in("201", "wrap-up");
    floor.until("the call stored", |f| {
        f.queue_rows(RANGE)
            .first()
            .is_some_and(|r| r["wrap_up_ms"] == wrapped)
    });

    let steps = bus.steps("transferred");
    assert_eq!(steps.len(), 1, "{bus}");
    assert_eq!(steps[0]["to"], "out", "{bus}");
    assert_eq!(at(steps[0]), transferred, "at 201's hang-up: {bus}");
    assert!(bus.steps("ended").is_empty(), "{bus}");
    let entered = bus.step("entered", 0);
    assert_eq!(entered, offered, "{bus}");
    let (talk, hold) = (held - answered, transferred - held);
    // 3 s of wrap-up, ended by the core at its next input: here 202's leg leaving as
    // it hangs up, which can come before the next whole second.
    let wrap_up = bus.time_in("201", "wrap-up");
    assert!(
        wrap_up >= 3000 && wrap_up <= wrap_up_end(transferred, 3000) - transferred,
        "{bus}"
    );
    assert_eq!(bus.time_in("201", "on-call-inbound"), talk, "{bus}");
    assert_eq!(bus.time_in("201", "on-hold"), hold, "{bus}");
    assert_eq!(wrapped, wrap_up, "{bus}");

    let rows = floor.queue_rows(RANGE);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_figures(
        row(&rows, "queue", "agents", AT_10_00),
        &[
            ("offered", 1),
            ("answered", 1),
            ("answer_wait_ms", answered - entered),
            ("talk_ms", talk),
            ("hold_ms", hold),
            ("wrap_up_ms", wrap_up),
            ("transfers_out", 1),
        ],
    );
    let a = floor.agent_rows(RANGE, "201");
    assert_figures(
        row(&a, "agent", "201", AT_10_00),
        &[
            ("offers", 1),
            ("offers_answered", 1),
            ("answered", 1),
            ("talk_ms", talk),
            ("hold_ms", hold),
            ("wrap_up_ms", wrap_up),
            ("transfers_out", 1),
        ],
    );
    let b = floor.agent_rows(RANGE, "202");
    assert!(
        b.iter().all(|r| r["answered"] == 0 && r["offers"] == 0),
        "202 took no queue call: {b:#?}"
    );
    // 202, an agent, talked to the caller on their own phone: busy (on a call of their
    // own) from the ring until they hung up, not ready for offers meanwhile.
    let on_own_call = bus.time_in("202", "on-call-outbound");
    assert!(on_own_call > 0, "{bus}");
    assert_figures(
        row(&b, "agent", "202", AT_10_00),
        &[("state_ms.on-call-outbound", on_own_call)],
    );
}
