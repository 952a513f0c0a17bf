//! The indexed, incremental routing pass against the reference: the same core with
//! `reference_pass` set (every call looked at, every agent scanned, as before the
//! index). Random floors (3 queues of any strategies, skills, widening, ring-all) and
//! random inputs; after every input both must have answered alike and given out the
//! same actions and events, in the same order.

use proptest::prelude::{any, prop_assert_eq, prop_oneof, proptest, Just, ProptestConfig};
use proptest::strategy::Strategy as _;
use proptest::test_runner::TestCaseError;

use super::*;

const AGENTS: usize = 7;
const QUEUES: [&str; 3] = ["q0", "q1", "q2"];
const SKILLS: [&str; 3] = ["english", "billing", "tech"];

#[derive(Debug, Clone)]
enum Op {
    Wait(u64),
    Enter(usize, u8, Option<(usize, u8)>),
    HangUp(usize),
    Answer(usize),
    Refuse(usize),
    End(usize),
    Callback(usize),
    Login(usize),
    Logout(usize),
    Ready(usize),
    NotReady(usize),
    SetQueues(usize, u8),
    SetSkill(usize, usize, Option<u8>),
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    prop_oneof![
        4 => (0u64..30_000).prop_map(Op::Wait),
        6 => (0..QUEUES.len(), 0u8..=3, proptest::option::of((0..SKILLS.len(), 1u8..=10)))
            .prop_map(|(q, p, s)| Op::Enter(q, p, s)),
        2 => (0usize..8).prop_map(Op::HangUp),
        4 => (0usize..4).prop_map(Op::Answer),
        2 => (0usize..4).prop_map(Op::Refuse),
        4 => (0usize..8).prop_map(Op::End),
        1 => (0usize..8).prop_map(Op::Callback),
        2 => (0..AGENTS).prop_map(Op::Login),
        1 => (0..AGENTS).prop_map(Op::Logout),
        3 => (0..AGENTS).prop_map(Op::Ready),
        1 => (0..AGENTS).prop_map(Op::NotReady),
        1 => (0..AGENTS, 0u8..8).prop_map(|(a, m)| Op::SetQueues(a, m)),
        1 => (0..AGENTS, 0..SKILLS.len(), proptest::option::of(1u8..=10))
            .prop_map(|(a, s, l)| Op::SetSkill(a, s, l)),
    ]
}

fn strategy() -> impl proptest::strategy::Strategy<Value = Strategy> {
    prop_oneof![
        Just(Strategy::LongestIdle),
        Just(Strategy::RoundRobin),
        Just(Strategy::FewestCalls),
        Just(Strategy::RingAll),
        Just(Strategy::Random),
        Just(Strategy::SkillsBased),
    ]
}

fn config(strategies: [Strategy; 3], levels: [[u8; 3]; AGENTS], seed: u64) -> AcdConfig {
    let queues = QUEUES
        .iter()
        .zip(strategies)
        .enumerate()
        .map(|(i, (name, strategy))| {
            let mut q = QueueConfig::new(*name, strategy);
            q.required_skills = vec![SkillRequirement::new(SKILLS[i], 4 + i as u8 * 2)];
            q.widen = vec![Widening {
                after_wait_ms: 15_000 + 10_000 * i as u64,
                level_drop: 3,
            }];
            q.ring_timeout_ms = 12_000;
            q.max_missed = 2;
            q.wrap_up_ms = [0, 4_000, 9_000][i];
            q.announce_every_ms = Some(20_000);
            if i == 2 {
                q.join_when_no_agents = JoinRule::Refuse;
                q.leave_when_no_agents = LeaveRule::Leave;
            }
            if i == 0 {
                q.overflow = Some(Overflow {
                    max_wait_ms: 50_000,
                    to: OverflowTarget::Queue(QueueName::from("q1")),
                });
            }
            q
        })
        .collect();
    let agents = levels
        .iter()
        .enumerate()
        .map(|(i, levels)| {
            let queues: Vec<&str> = (0..QUEUES.len())
                .filter(|q| (i + q) % 3 != 0)
                .map(|q| QUEUES[q])
                .collect();
            SKILLS
                .iter()
                .zip(levels)
                .filter(|(_, l)| **l > 0)
                .fold(AgentConfig::new(format!("a{i}"), &queues), |a, (s, l)| {
                    a.skill(s, *l)
                })
        })
        .collect();
    AcdConfig {
        queues,
        agents,
        seed,
        ..AcdConfig::default()
    }
}

fn agent(i: usize) -> AgentId {
    AgentId::new(format!("a{i}"))
}

/// The n-th of `items`, if any (n wraps).
fn nth<T: Clone>(items: &[T], n: usize) -> Option<T> {
    (!items.is_empty()).then(|| items[n % items.len()].clone())
}

/// One input to one core; the result as text, to compare.
fn apply(acd: &mut Acd, now: u64, op: &Op, n_call: u32) -> String {
    let calls: Vec<CallKey> = acd.calls().cloned().collect();
    let reserved = acd.reservations();
    let result = match op {
        Op::Wait(_) => {
            acd.handle_timeout(now);
            Ok(())
        }
        Op::Enter(q, priority, skill) => {
            let mut call = NewCall::new(format!("c{n_call}"), QUEUES[*q]);
            call.priority = *priority;
            call.skills = skill
                .iter()
                .map(|(s, l)| SkillRequirement::new(SKILLS[*s], *l))
                .collect();
            acd.call_entered(now, call)
        }
        Op::HangUp(n) => match nth(&calls, *n) {
            Some(c) => acd.call_left(now, &c),
            None => Ok(()),
        },
        Op::Answer(n) => match nth(&reserved, *n) {
            Some((c, a)) => acd.offer_answered(now, &c, &a),
            None => Ok(()),
        },
        Op::Refuse(n) => match nth(&reserved, *n) {
            Some((c, a)) => acd.offer_refused(now, &c, &a),
            None => Ok(()),
        },
        Op::End(n) => match nth(&calls, *n) {
            Some(c) => acd.call_ended(now, &c),
            None => Ok(()),
        },
        Op::Callback(n) => match nth(&calls, *n) {
            Some(c) => acd.callback_requested(now, &c, None),
            None => Ok(()),
        },
        Op::Login(a) => acd.login(now, &agent(*a), &format!("ext-{a}")),
        Op::Logout(a) => acd.logout(now, &agent(*a)),
        Op::Ready(a) => acd.ready(now, &agent(*a)),
        Op::NotReady(a) => acd.not_ready(now, &agent(*a), "break"),
        Op::SetQueues(a, mask) => {
            let queues: Vec<QueueName> = (0..QUEUES.len())
                .filter(|q| mask & (1 << q) != 0)
                .map(|q| QueueName::from(QUEUES[q]))
                .collect();
            acd.set_agent_queues(now, &agent(*a), &queues)
        }
        Op::SetSkill(a, s, level) => acd.set_agent_skill(now, &agent(*a), SKILLS[*s], *level),
    };
    format!("{result:?}")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn indexed_pass_decides_as_the_reference(
        strategies in [strategy(), strategy(), strategy()],
        levels in proptest::array::uniform7(proptest::array::uniform3(0u8..=10)),
        seed in any::<u64>(),
        ops in proptest::collection::vec(op(), 1..200),
    ) {
        let config = config(strategies, levels, seed);
        let mut fast = Acd::new(config.clone(), 0).expect("valid");
        let mut reference = Acd::new(config, 0).expect("valid");
        reference.reference_pass = true;
        let mut now = 0;
        for (step, op) in ops.iter().enumerate() {
            now += match op {
                Op::Wait(ms) => *ms,
                _ => 500,
            };
            let answered = apply(&mut fast, now, op, step as u32);
            prop_assert_eq!(&answered, &apply(&mut reference, now, op, step as u32), "step {} {:?}", step, op);
            let out = |acd: &mut Acd| {
                (
                    std::iter::from_fn(|| acd.poll_action()).collect::<Vec<_>>(),
                    std::iter::from_fn(|| acd.poll_event()).collect::<Vec<_>>(),
                )
            };
            prop_assert_eq!(out(&mut fast), out(&mut reference), "step {} {:?}", step, op);
            if let Err(broken) = fast.check_invariants() {
                return Err(TestCaseError::fail(format!("step {step} {op:?}: {broken}")));
            }
        }
    }
}
