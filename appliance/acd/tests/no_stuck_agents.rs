//! Issue #11's "no stuck agents": random interleavings of calls entering, being
//! answered, refused, timing out and abandoned at every point, callbacks, agents logging
//! in and out (also mid-offer), going not-ready, holding, wrapping up, dialling out,
//! transferring calls (to a queue or out), phones unplugged at any point, and queues and
//! skills changed live. After every step: the core's invariants, no work
//! overdue, every agent state change announced by an event, every call entered either
//! held or finished by exactly one event. At the end the floor is staffed and drained:
//! every call finishes and every agent comes back to ready.

use std::collections::{BTreeMap, BTreeSet};

use acd::{
    Acd, AcdConfig, AgentConfig, AgentId, AgentState, CallKey, Event, JoinRule, LeaveRule, NewCall,
    Overflow, OverflowTarget, QueueConfig, QueueName, SkillRequirement, Widening, MISSED,
};
use proptest::prelude::*;

const AGENTS: usize = 4;
const QUEUES: [&str; 2] = ["sales", "support"];
const VIP: &str = "13900000001";

#[derive(Debug, Clone)]
enum Op {
    /// Let time pass (engine ms) and give the core `handle_timeout`.
    Wait(u64),
    Enter {
        queue: usize,
        priority: u8,
        vip: bool,
        skill: Option<u8>,
    },
    /// The caller of the n-th call the ACD holds hangs up (any stage).
    HangUp(usize),
    Answer(usize),
    Refuse(usize),
    TimeOut(usize),
    /// The n-th talking agent's call ends.
    End(usize),
    Callback(usize, bool),
    Login(usize, usize),
    Logout(usize),
    Ready(usize),
    NotReady(usize, usize),
    Hold(usize),
    Unhold(usize),
    Outbound(usize),
    SetQueues(usize, u8),
    SetSkill(usize, u8),
    /// The n-th talking agent transfers their call: to a queue, or out of the ACD.
    Transfer(usize, Option<usize>),
    /// The agent's phone goes away.
    Unplug(usize),
    /// An input for something that does not exist or is stale: must be refused cleanly.
    Stale(usize, usize),
    /// A configuration applied live: both queues' strategies (by index into
    /// `STRATEGIES`), and with `narrow` agent 202 in `sales` only, with shorter timers.
    Reconfigure(usize, usize, bool),
}

const STRATEGIES: [acd::Strategy; 6] = [
    acd::Strategy::LongestIdle,
    acd::Strategy::RoundRobin,
    acd::Strategy::FewestCalls,
    acd::Strategy::RingAll,
    acd::Strategy::Random,
    acd::Strategy::SkillsBased,
];

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    prop_oneof![
        4 => (0u64..25_000).prop_map(Op::Wait),
        5 => (0..QUEUES.len(), 0u8..=9, proptest::bool::weighted(0.1), proptest::option::of(1u8..=10))
            .prop_map(|(queue, priority, vip, skill)| Op::Enter { queue, priority, vip, skill }),
        2 => (0usize..8).prop_map(Op::HangUp),
        4 => (0usize..4).prop_map(Op::Answer),
        1 => (0usize..4).prop_map(Op::Refuse),
        1 => (0usize..4).prop_map(Op::TimeOut),
        3 => (0usize..4).prop_map(Op::End),
        1 => (0usize..8, any::<bool>()).prop_map(|(n, own)| Op::Callback(n, own)),
        2 => (0..AGENTS, 0usize..6).prop_map(|(a, d)| Op::Login(a, d)),
        1 => (0..AGENTS).prop_map(Op::Logout),
        2 => (0..AGENTS).prop_map(Op::Ready),
        1 => (0..AGENTS, 0usize..3).prop_map(|(a, r)| Op::NotReady(a, r)),
        1 => (0..AGENTS).prop_map(Op::Hold),
        1 => (0..AGENTS).prop_map(Op::Unhold),
        1 => (0..AGENTS).prop_map(Op::Outbound),
        1 => (0..AGENTS, 0u8..4).prop_map(|(a, m)| Op::SetQueues(a, m)),
        1 => (0..AGENTS, 0u8..=10).prop_map(|(a, l)| Op::SetSkill(a, l)),
        1 => (0usize..4, proptest::option::of(0..QUEUES.len())).prop_map(|(n, q)| Op::Transfer(n, q)),
        1 => (0..AGENTS).prop_map(Op::Unplug),
        1 => (0usize..4, 0usize..4).prop_map(|(x, y)| Op::Stale(x, y)),
        1 => (0..STRATEGIES.len(), 0..STRATEGIES.len(), any::<bool>())
            .prop_map(|(a, b, narrow)| Op::Reconfigure(a, b, narrow)),
    ]
}

fn strategy() -> impl proptest::strategy::Strategy<Value = acd::Strategy> {
    prop_oneof![
        Just(acd::Strategy::LongestIdle),
        Just(acd::Strategy::RoundRobin),
        Just(acd::Strategy::FewestCalls),
        Just(acd::Strategy::RingAll),
        Just(acd::Strategy::Random),
        Just(acd::Strategy::SkillsBased),
    ]
}

fn agent_id(i: usize) -> AgentId {
    AgentId::new(format!("20{i}"))
}

fn config(strategies: (acd::Strategy, acd::Strategy), seed: u64) -> AcdConfig {
    let mut sales = QueueConfig::new("sales", strategies.0);
    sales.required_skills = vec![SkillRequirement::new("billing", 6)];
    sales.widen = vec![Widening {
        after_wait_ms: 20_000,
        level_drop: 3,
    }];
    sales.ring_timeout_ms = 15_000;
    sales.max_missed = 2;
    sales.wrap_up_ms = 5_000;
    sales.announce_every_ms = Some(20_000);
    sales.overflow = Some(Overflow {
        max_wait_ms: 60_000,
        to: OverflowTarget::Queue(QueueName::from("support")),
    });
    let mut support = QueueConfig::new("support", strategies.1);
    support.ring_timeout_ms = 10_000;
    support.max_missed = 3;
    support.overflow = Some(Overflow {
        max_wait_ms: 90_000,
        to: if seed.is_multiple_of(2) {
            OverflowTarget::Callback
        } else {
            OverflowTarget::Flow("voicemail".to_owned())
        },
    });
    support.join_when_no_agents = JoinRule::Refuse;
    support.leave_when_no_agents = LeaveRule::Leave;
    support.announce_every_ms = Some(30_000);
    let agents = (0..AGENTS)
        .map(|i| {
            let queues: &[&str] = match i {
                0 => &["sales"],
                1 => &["support"],
                _ => &["sales", "support"],
            };
            AgentConfig::new(agent_id(i), queues)
                .skill("billing", [9, 5, 6, 3][i])
                .skill("english", [2, 8, 5, 7][i])
        })
        .collect();
    AcdConfig {
        queues: vec![sales, support],
        agents,
        vip_numbers: vec![VIP.to_owned()],
        seed,
        ..AcdConfig::default()
    }
}

/// The core plus what the test saw of it.
struct Run {
    acd: Acd,
    now: u64,
    next_call: u32,
    /// Every call the core accepted (`call_entered` returned `Ok`).
    entered: BTreeSet<CallKey>,
    /// How many events finished each call.
    finished: BTreeMap<CallKey, u32>,
    /// Each agent's state as its events tell it.
    told: BTreeMap<AgentId, AgentState>,
    outbound: u32,
}

impl Run {
    fn new(config: AcdConfig) -> Run {
        let acd = Acd::new(config, 0).expect("valid config");
        let told = acd
            .agent_ids()
            .map(|a| (a.clone(), AgentState::LoggedOut))
            .collect();
        Run {
            acd,
            now: 0,
            next_call: 0,
            entered: BTreeSet::new(),
            finished: BTreeMap::new(),
            told,
            outbound: 0,
        }
    }

    fn reservations(&self) -> Vec<(CallKey, AgentId)> {
        self.acd.reservations()
    }

    fn talking(&self) -> Vec<(AgentId, CallKey)> {
        self.acd
            .agent_ids()
            .filter_map(|a| {
                let (state, _) = self.acd.agent(a)?;
                match state {
                    AgentState::OnCall { call, .. } | AgentState::OnHold { call, .. } => {
                        Some((a.clone(), call.clone()))
                    }
                    _ => None,
                }
            })
            .collect()
    }

    fn held(&self) -> Vec<CallKey> {
        self.acd.calls().cloned().collect()
    }

    fn apply(&mut self, op: &Op) {
        // Every input but `Wait` comes a little after the last.
        let now = match op {
            Op::Wait(ms) => self.now + ms,
            _ => self.now + 250,
        };
        self.now = now;
        let pick = |list: usize, n: usize| if list == 0 { None } else { Some(n % list) };
        // Results are ignored: refusals are fine, as long as nothing breaks.
        let _ = match op.clone() {
            Op::Wait(_) => {
                self.acd.handle_timeout(now);
                Ok(())
            }
            Op::Enter {
                queue,
                priority,
                vip,
                skill,
            } => {
                self.next_call += 1;
                let key = CallKey::new(format!("c{}", self.next_call));
                let mut call = NewCall::new(key.clone(), QUEUES[queue]);
                call.priority = priority;
                call.caller = if vip {
                    VIP.to_owned()
                } else {
                    format!("138{:08}", self.next_call)
                };
                call.skills = skill
                    .map(|level| vec![SkillRequirement::new("english", level)])
                    .unwrap_or_default();
                call.variables.insert("menu".to_owned(), "2".to_owned());
                let result = self.acd.call_entered(now, call);
                if result.is_ok() {
                    self.entered.insert(key);
                }
                result
            }
            Op::HangUp(n) => match pick(self.held().len(), n) {
                Some(i) => self.acd.call_left(now, &self.held()[i]),
                None => Ok(()),
            },
            Op::Answer(n) | Op::Refuse(n) | Op::TimeOut(n) => {
                match pick(self.reservations().len(), n) {
                    Some(i) => {
                        let (call, agent) = self.reservations()[i].clone();
                        match op {
                            Op::Answer(_) => self.acd.offer_answered(now, &call, &agent),
                            Op::Refuse(_) => self.acd.offer_refused(now, &call, &agent),
                            _ => self.acd.offer_timed_out(now, &call, &agent),
                        }
                    }
                    None => Ok(()),
                }
            }
            Op::End(n) => match pick(self.talking().len(), n) {
                Some(i) => {
                    let (_, call) = self.talking()[i].clone();
                    self.acd.call_ended(now, &call)
                }
                None => Ok(()),
            },
            Op::Callback(n, own) => match pick(self.held().len(), n) {
                Some(i) => {
                    let number = own.then(|| "5550000".to_owned());
                    self.acd.callback_requested(now, &self.held()[i], number)
                }
                None => Ok(()),
            },
            Op::Login(a, device) => self.acd.login(now, &agent_id(a), &format!("fxs-{device}")),
            Op::Logout(a) => self.acd.logout(now, &agent_id(a)),
            Op::Ready(a) => self.acd.ready(now, &agent_id(a)),
            Op::NotReady(a, r) => {
                self.acd
                    .not_ready(now, &agent_id(a), ["break", "lunch", MISSED][r])
            }
            Op::Hold(a) => self.acd.hold(now, &agent_id(a)),
            Op::Unhold(a) => self.acd.unhold(now, &agent_id(a)),
            Op::Outbound(a) => {
                self.outbound += 1;
                let key = CallKey::new(format!("out{}", self.outbound));
                self.acd.outbound_started(now, &agent_id(a), &key)
            }
            Op::Reconfigure(a, b, narrow) => {
                let mut next = config((STRATEGIES[a], STRATEGIES[b]), 7);
                if narrow {
                    next.agents[2].queues = vec![QueueName::from("sales")];
                    for queue in &mut next.queues {
                        queue.ring_timeout_ms /= 2;
                        queue.wrap_up_ms /= 2;
                    }
                }
                self.acd
                    .reconfigure(now, next)
                    .map(|_| ())
                    .map_err(|e| panic!("the same queues and agents are always accepted: {e}"))
            }
            Op::SetQueues(a, mask) => {
                let queues: Vec<QueueName> = QUEUES
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, q)| QueueName::from(*q))
                    .collect();
                self.acd.set_agent_queues(now, &agent_id(a), &queues)
            }
            Op::SetSkill(a, level) => {
                let level = (level > 0).then_some(level);
                self.acd
                    .set_agent_skill(now, &agent_id(a), "billing", level)
            }
            Op::Transfer(n, queue) => match pick(self.talking().len(), n) {
                Some(i) => {
                    let (_, call) = self.talking()[i].clone();
                    let to = queue.map(|q| QueueName::from(QUEUES[q]));
                    self.acd.transferred(now, &call, to.as_ref())
                }
                None => Ok(()),
            },
            Op::Unplug(a) => self.acd.device_lost(now, &agent_id(a)),
            Op::Stale(x, y) => {
                let ghost = CallKey::new(format!("ghost{x}"));
                let agent = agent_id(y);
                let _ = self.acd.offer_answered(now, &ghost, &agent);
                let _ = self.acd.call_left(now, &ghost);
                // An agent answering a call offered to someone else.
                if let Some((call, holder)) = self.reservations().first().cloned() {
                    if holder != agent {
                        let _ = self.acd.offer_answered(now, &call, &agent);
                    }
                }
                self.acd.call_ended(now, &ghost)
            }
        };
        self.check();
    }

    /// What must hold after every step.
    fn check(&mut self) {
        if let Err(broken) = self.acd.check_invariants() {
            panic!("{broken}\n{:#?}", self.acd.snapshot());
        }
        while let Some(event) = self.acd.poll_event() {
            if let Event::AgentStateChanged {
                agent, from, to, ..
            } = &event
            {
                let told = self.told.get_mut(agent).expect("known agent");
                assert_eq!(told, from, "agent {agent} changed from a state never told");
                *told = to.clone();
            }
            if let Some(call) = event.finished_call() {
                *self.finished.entry(call.clone()).or_default() += 1;
            }
        }
        while self.acd.poll_action().is_some() {}
        for (agent, told) in &self.told {
            let (state, _) = self.acd.agent(agent).expect("known agent");
            assert_eq!(
                state, told,
                "agent {agent}'s state changed without an event"
            );
        }
        for call in &self.entered {
            let finishes = self.finished.get(call).copied().unwrap_or(0);
            let held = self.acd.call_state(call).is_some();
            assert!(
                finishes <= 1 && (finishes == 1) != held,
                "call {call}: finished {finishes} times, held {held}"
            );
        }
        assert_eq!(
            self.finished
                .keys()
                .filter(|c| !self.entered.contains(*c))
                .count(),
            0,
            "a call finished that never entered"
        );
        if let Some(due) = self.acd.poll_timeout() {
            assert!(
                due > self.acd.now_ms(),
                "work overdue: {due} at {}",
                self.acd.now_ms()
            );
        }
    }

    /// Staff the floor fully and serve everything: every call must finish and every
    /// agent come back to ready.
    fn drain(&mut self) {
        let all: Vec<QueueName> = QUEUES.iter().map(|q| QueueName::from(*q)).collect();
        for i in 0..AGENTS {
            let agent = agent_id(i);
            self.now += 100;
            self.acd.set_agent_queues(self.now, &agent, &all).unwrap();
            self.acd
                .set_agent_skill(self.now, &agent, "billing", Some(10))
                .unwrap();
            self.acd
                .set_agent_skill(self.now, &agent, "english", Some(10))
                .unwrap();
            self.check();
        }
        for _ in 0..10_000 {
            self.now += 1_000;
            for i in 0..AGENTS {
                let agent = agent_id(i);
                if self.acd.agent(&agent).unwrap().0 == &AgentState::LoggedOut {
                    // Takes a free device (one of the six only these agents use).
                    let _ = (0..6).find(|d| {
                        self.acd
                            .login(self.now, &agent, &format!("fxs-{d}"))
                            .is_ok()
                    });
                }
                let _ = self.acd.ready(self.now, &agent);
                self.check();
            }
            if self.acd.calls().next().is_none() && self.talking().is_empty() {
                break;
            }
            if let Some((call, agent)) = self.reservations().first().cloned() {
                self.acd.offer_answered(self.now, &call, &agent).unwrap();
            } else if let Some((_, call)) = self.talking().first().cloned() {
                self.acd.call_ended(self.now, &call).unwrap();
            } else {
                self.acd.handle_timeout(self.now);
            }
            self.check();
        }
        assert!(
            self.acd.calls().next().is_none(),
            "calls left: {:#?}",
            self.acd.snapshot()
        );
        self.now += 60_000;
        self.acd.handle_timeout(self.now);
        self.check();
        for i in 0..AGENTS {
            assert_eq!(self.acd.agent(&agent_id(i)).unwrap().0, &AgentState::Ready);
        }
        for call in &self.entered {
            assert_eq!(
                self.finished.get(call),
                Some(&1),
                "call {call} never finished"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_stuck_agents(
        strategies in (strategy(), strategy()),
        seed in any::<u64>(),
        ops in proptest::collection::vec(op(), 200),
    ) {
        let mut run = Run::new(config(strategies, seed));
        run.check();
        for op in &ops {
            run.apply(op);
        }
        run.drain();
    }
}
