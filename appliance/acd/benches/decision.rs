//! Issue #11: the time of one ACD decision on a busy floor. 500 agents in 20 queues
//! (each agent in 2-4 queues with 3-5 skills at levels 1-10; queues with skill
//! requirements, widening, every strategy, a quarter with the join and leave rules on),
//! most agents on calls, some ready (for no waiting call), some on a break, 50-200
//! calls waiting. Two decisions, timed apart:
//!
//! - `call_entered`: a call enters a queue; the core runs its whole after-input work
//!   (timers, leave rules, the routing pass, announcements, queue reports);
//! - `agent_ready`: an agent back from a break becomes ready; the same work, and the
//!   routing pass usually hands them a waiting call.
//!
//! Only the input itself is timed. Between iterations, untimed, the decision is undone
//! (the call hangs up; the agent goes back on a break, which cancels their offer, not a
//! miss) so every iteration meets the same floor. Time stands still during the bench:
//! no timer falls due, so nothing but the decision is measured. Figures: BENCH.md.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use acd::{
    Acd, AcdConfig, Action, AgentConfig, AgentId, AgentState, CallKey, JoinRule, LeaveRule,
    NewCall, Overflow, OverflowTarget, QueueConfig, SkillRequirement, Strategy, Widening,
};
use criterion::{criterion_group, criterion_main, Criterion};

const AGENTS: usize = 500;
const QUEUES: usize = 20;
/// Agents kept on a break: the pool the `agent_ready` decision draws from.
const ON_BREAK: usize = 25;
const SKILLS: [&str; 10] = [
    "english",
    "spanish",
    "french",
    "german",
    "billing",
    "tech",
    "sales",
    "retention",
    "claims",
    "vip",
];
const STRATEGIES: [Strategy; 6] = [
    Strategy::LongestIdle,
    Strategy::RoundRobin,
    Strategy::FewestCalls,
    Strategy::SkillsBased,
    Strategy::Random,
    Strategy::RingAll,
];

/// The bench's own generator, so the floor is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn level(&mut self, low: u8, high: u8) -> u8 {
        low + self.below((high - low + 1) as usize) as u8
    }
}

fn queue_name(i: usize) -> String {
    format!("q{i:02}")
}

fn config(rng: &mut Rng) -> AcdConfig {
    let queues: Vec<QueueConfig> = (0..QUEUES)
        .map(|i| {
            let mut q = QueueConfig::new(queue_name(i), STRATEGIES[i % STRATEGIES.len()]);
            // Most queues need one skill, some two, a few none.
            let needs = [1, 1, 2, 0, 1][i % 5];
            let mut skills = SKILLS.to_vec();
            for _ in 0..needs {
                let skill = skills.swap_remove(rng.below(skills.len()));
                q.required_skills
                    .push(SkillRequirement::new(skill, rng.level(1, 4)));
            }
            q.widen = vec![
                Widening {
                    after_wait_ms: 30_000,
                    level_drop: 2,
                },
                Widening {
                    after_wait_ms: 120_000,
                    level_drop: 4,
                },
            ];
            q.wrap_up_ms = 10_000;
            if i % 4 == 3 {
                // Callers may not join, and leave, while no member is logged in.
                q.join_when_no_agents = JoinRule::Refuse;
                q.leave_when_no_agents = LeaveRule::Leave;
            }
            q.announce_every_ms = Some(45_000);
            q.overflow = Some(Overflow {
                max_wait_ms: 600_000,
                to: OverflowTarget::Queue(queue_name((i + 1) % QUEUES).into()),
            });
            q
        })
        .collect();
    // Agents join queues whose skills they have (at some level: below the requirement
    // they serve only once widening lowers it), topped up with any queue to reach 2.
    let agents = (0..AGENTS)
        .map(|i| {
            let mut skills = SKILLS.to_vec();
            let mine: Vec<(&str, u8)> = (0..3 + rng.below(3))
                .map(|_| {
                    (
                        skills.swap_remove(rng.below(skills.len())),
                        rng.level(1, 10),
                    )
                })
                .collect();
            let has = |q: &QueueConfig| {
                q.required_skills
                    .iter()
                    .all(|n| mine.iter().any(|(s, _)| *s == n.skill))
            };
            let mut fitting: Vec<&QueueConfig> = queues.iter().filter(|q| has(q)).collect();
            let mut others: Vec<&QueueConfig> = queues.iter().filter(|q| !has(q)).collect();
            let wanted = 2 + rng.below(3);
            let mut memberships: Vec<String> = Vec::new();
            while memberships.len() < wanted {
                let pool = if fitting.is_empty() {
                    &mut others
                } else {
                    &mut fitting
                };
                let q = pool.swap_remove(rng.below(pool.len()));
                memberships.push(q.name.as_str().to_owned());
            }
            let refs: Vec<&str> = memberships.iter().map(String::as_str).collect();
            mine.iter()
                .fold(AgentConfig::new(format!("a{i:03}"), &refs), |a, (s, l)| {
                    a.skill(s, *l)
                })
        })
        .collect();
    AcdConfig {
        queues,
        agents,
        ..AcdConfig::default()
    }
}

/// A call as the IVR sends it: a queue, usually priority 0, sometimes a skill of its own.
fn new_call(rng: &mut Rng, key: String) -> NewCall {
    let mut call = NewCall::new(key, queue_name(rng.below(QUEUES)));
    call.priority = [0, 0, 0, 0, 1, 2, 5][rng.below(7)];
    call.caller = format!("0{}", 100_000_000 + rng.below(900_000_000));
    if rng.below(4) == 0 {
        call.skills.push(SkillRequirement::new(
            SKILLS[rng.below(SKILLS.len())],
            rng.level(2, 8),
        ));
    }
    call.variables =
        BTreeMap::from([("account".to_owned(), format!("{}", rng.next() % 1_000_000))]);
    call
}

/// Answers every offer (the first agent of a ring-all wins).
fn answer_all(acd: &mut Acd, now: u64) {
    while acd.poll_event().is_some() {}
    let actions: Vec<Action> = std::iter::from_fn(|| acd.poll_action()).collect();
    for action in actions {
        if let Action::Offer { call, agent } | Action::StartCallback { call, agent, .. } = action {
            // Ring-all: the others' offers were cancelled by the first answer.
            let _ = acd.offer_answered(now, &call, &agent);
        }
    }
    while acd.poll_action().is_some() {}
    while acd.poll_event().is_some() {}
}

struct Floor {
    acd: Acd,
    now: u64,
    rng: Rng,
    on_break: Vec<AgentId>,
    next_call: u64,
}

/// Logs everyone in, sends `ON_BREAK` agents on a break, then lets calls in (answered
/// as soon as offered) until at least `min_waiting` wait and at most 40 agents are
/// ready (for none of them), or twice as many wait.
fn floor(min_waiting: usize) -> Floor {
    let mut rng = Rng(0x0ac0_5eed_1234_5678);
    let mut acd = Acd::new(config(&mut rng), 0).expect("valid config");
    let ids: Vec<AgentId> = acd.agent_ids().cloned().collect();
    for (i, id) in ids.iter().enumerate() {
        acd.login(0, id, &format!("ext-{i}")).expect("login");
    }
    let on_break: Vec<AgentId> = (0..ON_BREAK)
        .map(|i| ids[i * AGENTS / ON_BREAK].clone())
        .collect();
    for id in &on_break {
        acd.not_ready(0, id, "break").expect("break");
    }
    let mut now = 0;
    let mut next_call = 0;
    loop {
        now += 50;
        next_call += 1;
        let call = new_call(&mut rng, format!("c{next_call}"));
        acd.call_entered(now, call).expect("enters");
        answer_all(&mut acd, now);
        let waiting = waiting(&acd);
        if (waiting >= min_waiting && ready(&acd) <= 40) || waiting >= 2 * min_waiting {
            break;
        }
    }
    acd.check_invariants().expect("a sound floor");
    Floor {
        acd,
        now,
        rng,
        on_break,
        next_call,
    }
}

fn waiting(acd: &Acd) -> usize {
    acd.snapshot().queues.iter().map(|q| q.waiting).sum()
}

fn ready(acd: &Acd) -> usize {
    acd.agent_ids()
        .filter(|a| acd.agent(a).is_some_and(|(s, _)| *s == AgentState::Ready))
        .count()
}

fn describe(f: &Floor) {
    let snapshot = f.acd.snapshot();
    let count = |pred: &dyn Fn(&AgentState) -> bool| {
        snapshot.agents.iter().filter(|a| pred(&a.state)).count()
    };
    eprintln!(
        "floor at {} s: {} agents on call, {} ready, {} on break, {} wrapping up; {} calls waiting",
        f.now / 1000,
        count(&|s| matches!(s, AgentState::OnCall { .. })),
        count(&|s| *s == AgentState::Ready),
        count(&|s| matches!(s, AgentState::NotReady { .. })),
        count(&|s| matches!(s, AgentState::WrapUp { .. })),
        waiting(&f.acd),
    );
}

fn drain(acd: &mut Acd) -> Vec<Action> {
    while acd.poll_event().is_some() {}
    std::iter::from_fn(|| acd.poll_action()).collect()
}

fn decision(c: &mut Criterion) {
    // About 100 calls waiting, then the top of the range.
    for min_waiting in [100, 200] {
        decisions(c, min_waiting);
    }
}

fn decisions(c: &mut Criterion, min_waiting: usize) {
    let mut f = floor(min_waiting);
    describe(&f);
    let waiting = waiting(&f.acd);
    let mut group = c.benchmark_group(format!(
        "acd_decision_500_agents_20_queues_{waiting}_waiting"
    ));

    let mut offered = 0u64;
    let mut total = 0u64;
    group.bench_function("call_entered", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                f.next_call += 1;
                let key = format!("bench-{}", f.next_call);
                let call = new_call(&mut f.rng, key.clone());
                let start = Instant::now();
                f.acd.call_entered(f.now, black_box(call)).expect("enters");
                spent += start.elapsed();
                // Undo, untimed: the caller hangs up (an offer is cancelled, not missed).
                total += 1;
                if drain(&mut f.acd)
                    .iter()
                    .any(|a| matches!(a, Action::Offer { .. }))
                {
                    offered += 1;
                }
                f.acd.call_left(f.now, &CallKey::from(key)).expect("held");
                drain(&mut f.acd);
            }
            spent
        })
    });
    eprintln!("call_entered: {offered} of {total} entering calls were offered at once");

    let mut offered = 0u64;
    let mut total = 0u64;
    let mut next = 0;
    group.bench_function("agent_ready", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                let agent = f.on_break[next % f.on_break.len()].clone();
                next += 1;
                let start = Instant::now();
                f.acd.ready(f.now, black_box(&agent)).expect("from a break");
                spent += start.elapsed();
                // Undo, untimed: back on a break (an offer is cancelled, not missed).
                total += 1;
                if drain(&mut f.acd)
                    .iter()
                    .any(|a| matches!(a, Action::Offer { .. }))
                {
                    offered += 1;
                }
                f.acd.not_ready(f.now, &agent, "break").expect("on a break");
                drain(&mut f.acd);
            }
            spent
        })
    });
    eprintln!("agent_ready: {offered} of {total} agents becoming ready were offered a call");
    group.finish();
    describe(&f);
    f.acd.check_invariants().expect("still sound");
}

criterion_group!(benches, decision);
criterion_main!(benches);
