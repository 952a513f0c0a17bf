//! The ACD core driven by scripts of inputs at given engine times; the actions asserted
//! exactly, the invariants checked after every step.

use std::collections::BTreeMap;

use acd::*;

/// The core under test: every input unwraps, then the invariants are checked.
struct Floor {
    acd: Acd,
    events: Vec<Event>,
}

fn q(name: &str) -> QueueName {
    QueueName::from(name)
}

fn a(id: &str) -> AgentId {
    AgentId::from(id)
}

fn c(key: &str) -> CallKey {
    CallKey::from(key)
}

fn offer(call: &str, agent: &str) -> Action {
    Action::Offer {
        call: c(call),
        agent: a(agent),
    }
}

fn cancel(call: &str, agent: &str) -> Action {
    Action::CancelOffer {
        call: c(call),
        agent: a(agent),
    }
}

impl Floor {
    fn new(queues: Vec<QueueConfig>, agents: Vec<AgentConfig>) -> Floor {
        Floor::with(AcdConfig {
            queues,
            agents,
            ..AcdConfig::default()
        })
    }

    fn with(config: AcdConfig) -> Floor {
        let acd = Acd::new(config, 0).expect("valid config");
        acd.check_invariants().expect("invariants");
        Floor {
            acd,
            events: Vec::new(),
        }
    }

    /// Checks the invariants, keeps the events and returns the actions of the step.
    fn done(&mut self) -> Vec<Action> {
        if let Err(broken) = self.acd.check_invariants() {
            panic!("{broken}\n{:#?}", self.acd.snapshot());
        }
        self.events
            .extend(std::iter::from_fn(|| self.acd.poll_event()));
        std::iter::from_fn(|| self.acd.poll_action()).collect()
    }

    fn login(&mut self, t: u64, agent: &str) -> Vec<Action> {
        self.acd
            .login(t, &a(agent), &format!("ext-{agent}"))
            .unwrap();
        self.done()
    }

    fn enter(&mut self, t: u64, call: NewCall) -> Vec<Action> {
        self.acd.call_entered(t, call).unwrap();
        self.done()
    }

    fn call(&mut self, t: u64, call: &str, queue: &str) -> Vec<Action> {
        self.enter(t, NewCall::new(call, queue))
    }

    fn answer(&mut self, t: u64, call: &str, agent: &str) -> Vec<Action> {
        self.acd.offer_answered(t, &c(call), &a(agent)).unwrap();
        self.done()
    }

    fn refuse(&mut self, t: u64, call: &str, agent: &str) -> Vec<Action> {
        self.acd.offer_refused(t, &c(call), &a(agent)).unwrap();
        self.done()
    }

    fn end(&mut self, t: u64, call: &str) -> Vec<Action> {
        self.acd.call_ended(t, &c(call)).unwrap();
        self.done()
    }

    fn hang_up(&mut self, t: u64, call: &str) -> Vec<Action> {
        self.acd.call_left(t, &c(call)).unwrap();
        self.done()
    }

    fn time(&mut self, t: u64) -> Vec<Action> {
        self.acd.handle_timeout(t);
        self.done()
    }

    /// Answers and ends the call at once, returning the agent it was offered to.
    fn serve(&mut self, t: u64, call: &str, queue: &str) -> String {
        let actions = self.call(t, call, queue);
        let [Action::Offer { agent, .. }] = actions.as_slice() else {
            panic!("one offer expected, got {actions:?}");
        };
        let agent = agent.0.clone();
        assert!(self.answer(t, call, &agent).is_empty());
        assert!(self.end(t, call).is_empty());
        agent
    }

    fn state(&self, agent: &str) -> AgentState {
        self.acd.agent(&a(agent)).expect("agent").0.clone()
    }

    fn state_changes(&self, agent: &str) -> Vec<(AgentStateKind, ChangeReason)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::AgentStateChanged {
                    agent: who,
                    to,
                    reason,
                    ..
                } if who.as_str() == agent => Some((to.kind(), *reason)),
                _ => None,
            })
            .collect()
    }
}

fn agents(ids: &[&str], queue: &str) -> Vec<AgentConfig> {
    ids.iter()
        .map(|id| AgentConfig::new(*id, &[queue]))
        .collect()
}

#[test]
fn longest_idle_order_over_six_calls_with_three_agents() {
    let mut f = Floor::new(
        vec![QueueConfig::new("sales", Strategy::LongestIdle)],
        agents(&["201", "202", "203"], "sales"),
    );
    f.login(0, "203");
    f.login(1_000, "201");
    f.login(2_000, "202");
    // Idle since: 203 at 0, 201 at 1 s, 202 at 2 s.
    assert_eq!(f.call(10_000, "c1", "sales"), [offer("c1", "203")]);
    f.answer(11_000, "c1", "203");
    assert_eq!(f.call(12_000, "c2", "sales"), [offer("c2", "201")]);
    f.answer(13_000, "c2", "201");
    assert_eq!(f.call(14_000, "c3", "sales"), [offer("c3", "202")]);
    f.answer(15_000, "c3", "202");
    // Calls end in the order 202, 203, 201: that is the idle order now.
    f.end(20_000, "c3");
    f.end(21_000, "c1");
    f.end(22_000, "c2");
    assert_eq!(f.serve(30_000, "c4", "sales"), "202");
    assert_eq!(f.serve(31_000, "c5", "sales"), "203");
    assert_eq!(f.serve(32_000, "c6", "sales"), "201");
    // A refusal does not make an agent "fresh": 202 (idle since 30 s) is still first.
    assert_eq!(f.call(40_000, "c7", "sales"), [offer("c7", "202")]);
    assert_eq!(f.refuse(41_000, "c7", "202"), [offer("c7", "203")]);
    f.answer(42_000, "c7", "203");
    assert_eq!(f.call(43_000, "c8", "sales"), [offer("c8", "202")]);
}

#[test]
fn round_robin_goes_round_by_agent_id() {
    let mut f = Floor::new(
        vec![QueueConfig::new("sales", Strategy::RoundRobin)],
        agents(&["201", "202", "203"], "sales"),
    );
    for agent in ["203", "202", "201"] {
        f.login(0, agent);
    }
    let picks: Vec<String> = (0..7)
        .map(|i| f.serve(1_000 * (i + 1), &format!("c{i}"), "sales"))
        .collect();
    assert_eq!(picks, ["201", "202", "203", "201", "202", "203", "201"]);
    // An agent not ready is skipped, the round goes on after them.
    f.acd.not_ready(10_000, &a("202"), "break").unwrap();
    f.done();
    assert_eq!(f.serve(11_000, "c8", "sales"), "203");
    assert_eq!(f.serve(12_000, "c9", "sales"), "201");
}

#[test]
fn fewest_calls_then_longest_idle() {
    let mut f = Floor::new(
        vec![QueueConfig::new("sales", Strategy::FewestCalls)],
        agents(&["201", "202", "203"], "sales"),
    );
    f.login(0, "201");
    f.login(1, "202");
    f.login(2, "203");
    // Equal counts: longest idle (201, 202, 203), each then has one call.
    assert_eq!(f.serve(100, "c1", "sales"), "201");
    assert_eq!(f.serve(200, "c2", "sales"), "202");
    assert_eq!(f.serve(300, "c3", "sales"), "203");
    // 202 goes on break for a while: the others get ahead of it in count.
    f.acd.not_ready(400, &a("202"), "break").unwrap();
    f.done();
    assert_eq!(f.serve(500, "c4", "sales"), "201");
    assert_eq!(f.serve(600, "c5", "sales"), "203");
    f.acd.ready(700, &a("202")).unwrap();
    f.done();
    // 202 has 1 call, the others 2: 202, although 201 is idle longer.
    assert_eq!(f.serve(800, "c6", "sales"), "202");
    // Now 2 each: the longest idle, 201 (ended at 500), then 203 (600).
    assert_eq!(f.serve(900, "c7", "sales"), "201");
    assert_eq!(f.serve(1_000, "c8", "sales"), "203");
    // A new day.
    f.acd.reset_daily_counts();
    assert_eq!(f.serve(1_100, "c9", "sales"), "202");
}

#[test]
fn random_is_reproducible_from_the_seed_and_spreads() {
    let run = |seed: u64| {
        let mut f = Floor::with(AcdConfig {
            queues: vec![QueueConfig::new("sales", Strategy::Random)],
            agents: agents(&["201", "202", "203", "204"], "sales"),
            seed,
            ..AcdConfig::default()
        });
        for agent in ["201", "202", "203", "204"] {
            f.login(0, agent);
        }
        (0..40)
            .map(|i| f.serve(1_000 * (i + 1), &format!("c{i}"), "sales"))
            .collect::<Vec<_>>()
    };
    let first = run(7);
    assert_eq!(first, run(7));
    assert_ne!(first, run(8));
    for agent in ["201", "202", "203", "204"] {
        assert!(
            first.iter().any(|p| p == agent),
            "{agent} never picked: {first:?}"
        );
    }
}

fn billing_floor(strategy: Strategy) -> Floor {
    let mut queue = QueueConfig::new("billing", strategy);
    queue.required_skills = vec![SkillRequirement::new("billing", 3)];
    Floor::new(
        vec![queue],
        vec![
            AgentConfig::new("201", &["billing"]).skill("billing", 5),
            AgentConfig::new("202", &["billing"]).skill("billing", 9),
            AgentConfig::new("203", &["billing"]).skill("billing", 2),
            AgentConfig::new("204", &["billing"]).skill("billing", 9),
        ],
    )
}

#[test]
fn skills_based_picks_the_highest_level_then_longest_idle() {
    let mut f = billing_floor(Strategy::SkillsBased);
    f.login(0, "201");
    f.login(0, "203");
    f.login(100, "202");
    f.login(200, "204");
    // 202 and 204 have level 9; 202 is idle longer. 201 (5) waits its turn.
    assert_eq!(f.call(1_000, "c1", "billing"), [offer("c1", "202")]);
    assert_eq!(f.call(1_100, "c2", "billing"), [offer("c2", "204")]);
    assert_eq!(f.call(1_200, "c3", "billing"), [offer("c3", "201")]);
    // 203 (level 2) is below the queue's 3: never offered.
    assert_eq!(f.call(1_300, "c4", "billing"), []);
    assert_eq!(f.acd.call_state(&c("c4")), Some(CallState::Waiting));
}

#[test]
fn the_calls_own_skills_add_to_and_override_the_queues() {
    let mut f = billing_floor(Strategy::LongestIdle);
    for agent in ["201", "202", "203", "204"] {
        f.login(0, agent);
    }
    f.acd
        .set_agent_skill(0, &a("204"), "english", Some(6))
        .unwrap();
    f.done();
    let mut call = NewCall::new("c1", "billing");
    call.skills = vec![
        SkillRequirement::new("billing", 8),
        SkillRequirement::new("english", 4),
    ];
    call.variables = BTreeMap::from([("account".to_owned(), "8812".to_owned())]);
    assert_eq!(f.enter(1_000, call), [offer("c1", "204")]);
    assert_eq!(
        f.acd
            .call_variables(&c("c1"))
            .and_then(|v| v.get("account")),
        Some(&"8812".to_owned())
    );
    // Lowering the call's billing level lets the novice 203 in (longest idle of the rest).
    let mut call = NewCall::new("c2", "billing");
    call.skills = vec![SkillRequirement::new("billing", 1)];
    assert_eq!(f.enter(1_000, call), [offer("c2", "201")]);
}

#[test]
fn widening_lets_the_level_5_agent_take_the_call_after_the_wait() {
    let mut queue = QueueConfig::new("billing", Strategy::SkillsBased);
    queue.required_skills = vec![SkillRequirement::new("billing", 8)];
    queue.widen = vec![
        Widening {
            after_wait_ms: 30_000,
            level_drop: 3,
        },
        Widening {
            after_wait_ms: 60_000,
            level_drop: 7,
        },
    ];
    let mut f = Floor::new(
        vec![queue],
        vec![
            AgentConfig::new("201", &["billing"]).skill("billing", 5),
            AgentConfig::new("202", &["billing"]).skill("billing", 1),
        ],
    );
    f.login(0, "201");
    f.login(0, "202");
    assert_eq!(f.call(10_000, "c1", "billing"), []);
    assert_eq!(f.acd.poll_timeout(), Some(40_000));
    assert_eq!(f.time(39_999), []);
    assert_eq!(f.time(40_000), [offer("c1", "201")]);
    f.answer(40_500, "c1", "201");
    // A second call widens further after 60 s: level 8 - 7 = 1, so 202 takes it.
    assert_eq!(f.call(41_000, "c2", "billing"), []);
    assert_eq!(f.acd.poll_timeout(), Some(71_000));
    assert_eq!(f.time(71_000), []); // level 5 now, but 201 is busy
    assert_eq!(f.acd.poll_timeout(), Some(101_000));
    assert_eq!(f.time(101_000), [offer("c2", "202")]);
}

#[test]
fn priority_and_vip_jump_the_queue_fifo_within_a_priority() {
    let mut f = Floor::with(AcdConfig {
        queues: vec![QueueConfig::new("sales", Strategy::LongestIdle)],
        agents: agents(&["201"], "sales"),
        vip_numbers: vec!["13900000001".to_owned()],
        vip_boost: 5,
        ..AcdConfig::default()
    });
    f.call(1_000, "c1", "sales");
    f.call(2_000, "c2", "sales");
    let mut vip = NewCall::new("vip", "sales");
    vip.caller = "13900000001".to_owned();
    f.enter(3_000, vip);
    let mut urgent = NewCall::new("urgent", "sales");
    urgent.priority = 3; // set by the IVR: below the VIP's 0 + 5
    f.enter(4_000, urgent);
    f.call(5_000, "c3", "sales");
    assert_eq!(
        f.acd.queue_order(&q("sales")),
        [c("vip"), c("urgent"), c("c1"), c("c2"), c("c3")]
    );
    assert_eq!(f.login(10_000, "201"), [offer("vip", "201")]);
    let mut served = vec!["vip".to_owned()];
    for (t, call) in [
        (11_000, "vip"),
        (12_000, "urgent"),
        (13_000, "c1"),
        (14_000, "c2"),
    ] {
        f.answer(t, call, "201");
        let next = f.end(t + 500, call);
        let [Action::Offer { call: next, .. }] = next.as_slice() else {
            panic!("{next:?}");
        };
        served.push(next.0.clone());
    }
    assert_eq!(served, ["vip", "urgent", "c1", "c2", "c3"]);
    assert!(f.events.contains(&Event::CallEntered {
        call: c("vip"),
        queue: q("sales"),
        priority: 5,
        vip: true,
        at_ms: 3_000
    }));
}

#[test]
fn an_agent_who_misses_max_missed_offers_goes_not_ready_missed() {
    let mut queue = QueueConfig::new("sales", Strategy::LongestIdle);
    queue.ring_timeout_ms = 10_000;
    queue.max_missed = 2;
    let mut f = Floor::new(vec![queue], agents(&["201", "202"], "sales"));
    f.login(0, "201");
    f.login(1, "202");
    assert_eq!(f.call(1_000, "c1", "sales"), [offer("c1", "201")]);
    assert_eq!(f.acd.poll_timeout(), Some(11_000));
    // 201 lets it ring out: the core takes it back and offers it to 202.
    assert_eq!(f.time(11_000), [cancel("c1", "201"), offer("c1", "202")]);
    assert_eq!(f.state("201"), AgentState::Ready);
    // 202 refuses: both missed it, so it goes back to the longest idle, 201.
    assert_eq!(f.refuse(12_000, "c1", "202"), [offer("c1", "201")]);
    // 201's second miss in a row: not-ready "missed"; the call goes to 202.
    assert_eq!(f.time(22_000), [cancel("c1", "201"), offer("c1", "202")]);
    assert_eq!(
        f.state("201"),
        AgentState::NotReady {
            reason: MISSED.to_owned()
        }
    );
    assert_eq!(
        f.state_changes("201"),
        [
            (AgentStateKind::Ready, ChangeReason::Login),
            (AgentStateKind::Reserved, ChangeReason::Offered),
            (AgentStateKind::Ready, ChangeReason::Missed),
            (AgentStateKind::Reserved, ChangeReason::Offered),
            (AgentStateKind::NotReady, ChangeReason::Missed),
        ]
    );
    f.answer(23_000, "c1", "202");
    // An answer resets 202's count: one more miss does not make it not-ready.
    f.end(24_000, "c1");
    assert_eq!(f.call(25_000, "c2", "sales"), [offer("c2", "202")]);
    assert_eq!(f.time(35_000), [cancel("c2", "202"), offer("c2", "202")]);
    assert_eq!(f.state("202"), AgentState::Reserved { call: c("c2") });
    // Back from not-ready, 201's count starts again.
    f.acd.ready(36_000, &a("201")).unwrap();
    f.done();
    let snapshot = f.acd.snapshot();
    let agent = snapshot.agents.iter().find(|x| x.id == a("201")).unwrap();
    assert_eq!(agent.missed_in_row, 0);
}

#[test]
fn a_caller_who_hangs_up_during_an_offer_cancels_it_and_frees_the_agent() {
    let mut f = Floor::new(
        vec![QueueConfig::new("sales", Strategy::LongestIdle)],
        agents(&["201"], "sales"),
    );
    f.login(0, "201");
    assert_eq!(f.call(1_000, "c1", "sales"), [offer("c1", "201")]);
    f.call(1_500, "c2", "sales");
    assert_eq!(
        f.hang_up(2_000, "c1"),
        [cancel("c1", "201"), offer("c2", "201")]
    );
    assert_eq!(f.acd.call_state(&c("c1")), None);
    assert!(f.events.contains(&Event::CallAbandoned {
        call: c("c1"),
        queue: q("sales"),
        waited_ms: 1_000,
        at_ms: 2_000
    }));
    // The late answer of the cancelled offer is refused and changes nothing.
    assert_eq!(
        f.acd.offer_answered(2_100, &c("c1"), &a("201")),
        Err(AcdError::NoSuchOffer {
            call: c("c1"),
            agent: a("201")
        })
    );
    assert_eq!(f.state("201"), AgentState::Reserved { call: c("c2") });
    // Hung up while waiting: abandoned, nothing to cancel.
    f.call(3_000, "c3", "sales");
    assert_eq!(f.hang_up(4_000, "c3"), []);
    assert_eq!(f.acd.snapshot().queues[0].abandoned, 2);
}

#[test]
fn wrap_up_blocks_offers_until_it_ends() {
    let mut queue = QueueConfig::new("sales", Strategy::LongestIdle);
    queue.wrap_up_ms = 30_000;
    let mut f = Floor::new(vec![queue], agents(&["201"], "sales"));
    f.login(0, "201");
    f.call(1_000, "c1", "sales");
    f.answer(2_000, "c1", "201");
    assert_eq!(f.end(62_000, "c1"), []);
    assert_eq!(f.state("201"), AgentState::WrapUp { until_ms: 92_000 });
    assert_eq!(f.call(63_000, "c2", "sales"), []);
    assert_eq!(f.acd.poll_timeout(), Some(92_000));
    assert_eq!(f.time(91_999), []);
    assert_eq!(f.time(92_000), [offer("c2", "201")]);
    assert_eq!(
        f.state_changes("201")[3..],
        [
            (AgentStateKind::WrapUp, ChangeReason::CallEnded),
            (AgentStateKind::Ready, ChangeReason::WrapUpEnded),
            (AgentStateKind::Reserved, ChangeReason::Offered),
        ]
    );
    // The average handle time is talk plus wrap-up.
    assert_eq!(f.acd.average_handle_time(&q("sales")), 60_000 + 30_000);
    // The agent may end wrap-up early.
    f.answer(93_000, "c2", "201");
    f.end(94_000, "c2");
    f.call(95_000, "c3", "sales");
    f.acd.ready(96_000, &a("201")).unwrap();
    assert_eq!(f.done(), [offer("c3", "201")]);
}

#[test]
fn overflow_after_max_wait_to_another_queue_or_a_flow() {
    let mut sales = QueueConfig::new("sales", Strategy::LongestIdle);
    sales.overflow = Some(Overflow {
        max_wait_ms: 60_000,
        to: OverflowTarget::Queue(q("backup")),
    });
    let mut backup = QueueConfig::new("backup", Strategy::LongestIdle);
    backup.overflow = Some(Overflow {
        max_wait_ms: 30_000,
        to: OverflowTarget::Flow("voicemail".to_owned()),
    });
    let mut f = Floor::new(
        vec![sales, backup],
        vec![
            AgentConfig::new("201", &["sales"]),
            AgentConfig::new("301", &["backup"]),
        ],
    );
    f.login(0, "301");
    f.acd.not_ready(0, &a("301"), "lunch").unwrap();
    f.done();
    f.call(1_000, "c1", "sales");
    f.call(2_000, "c2", "sales");
    assert_eq!(f.acd.poll_timeout(), Some(61_000));
    assert_eq!(
        f.time(61_000),
        [Action::Overflow {
            call: c("c1"),
            to: OverflowTarget::Queue(q("backup"))
        }]
    );
    assert_eq!(f.acd.queue_order(&q("backup")), [c("c1")]);
    // In the backup queue its wait starts again: 30 s more, then the flow.
    assert_eq!(
        f.time(62_000),
        [Action::Overflow {
            call: c("c2"),
            to: OverflowTarget::Queue(q("backup"))
        }]
    );
    assert_eq!(
        f.time(91_000),
        [Action::Overflow {
            call: c("c1"),
            to: OverflowTarget::Flow("voicemail".to_owned())
        }]
    );
    assert_eq!(f.acd.call_state(&c("c1")), None);
    // An agent of the backup queue takes c2 before its wait there ends.
    f.acd.ready(91_500, &a("301")).unwrap();
    assert_eq!(f.done(), [offer("c2", "301")]);
    let backup = &f.acd.snapshot().queues[0];
    assert_eq!(
        (backup.name.as_str(), backup.entered, backup.overflowed),
        ("backup", 2, 1)
    );
}

#[test]
fn callback_keeps_its_place_and_starts_with_the_agent_reserved() {
    let mut queue = QueueConfig::new("sales", Strategy::LongestIdle);
    queue.overflow = Some(Overflow {
        max_wait_ms: 60_000,
        to: OverflowTarget::Callback,
    });
    let mut f = Floor::new(vec![queue], agents(&["201"], "sales"));
    let mut c1 = NewCall::new("c1", "sales");
    c1.caller = "13800138000".to_owned();
    f.enter(0, c1);
    // Max wait: the caller is offered a callback, once.
    assert_eq!(
        f.time(60_000),
        [Action::Overflow {
            call: c("c1"),
            to: OverflowTarget::Callback
        }]
    );
    assert_eq!(f.time(200_000), []);
    f.acd.callback_requested(70_000, &c("c1"), None).unwrap();
    f.done();
    assert_eq!(
        f.acd.call_state(&c("c1")),
        Some(CallState::Callback {
            number: "13800138000".to_owned(),
            reserved: None
        })
    );
    f.call(80_000, "c2", "sales");
    assert_eq!(f.acd.queue_order(&q("sales")), [c("c1"), c("c2")]);
    // The first agent goes to the callback, not to the caller still on the line.
    assert_eq!(
        f.login(90_000, "201"),
        [Action::StartCallback {
            call: c("c1"),
            agent: a("201"),
            number: "13800138000".to_owned()
        }]
    );
    assert_eq!(f.state("201"), AgentState::Reserved { call: c("c1") });
    // The agent refuses: the callback keeps its place and comes back to them.
    let again = f.refuse(91_000, "c1", "201");
    assert_eq!(
        again,
        [Action::StartCallback {
            call: c("c1"),
            agent: a("201"),
            number: "13800138000".to_owned()
        }]
    );
    f.answer(92_000, "c1", "201");
    assert_eq!(
        f.state("201"),
        AgentState::OnCall {
            call: c("c1"),
            direction: Direction::Outbound
        }
    );
    assert_eq!(f.end(100_000, "c1"), [offer("c2", "201")]);
}

#[test]
fn a_callback_left_at_another_number_and_taken_during_an_offer() {
    let mut f = Floor::new(
        vec![QueueConfig::new("sales", Strategy::LongestIdle)],
        agents(&["201"], "sales"),
    );
    f.login(0, "201");
    f.call(1_000, "c1", "sales");
    f.acd
        .callback_requested(2_000, &c("c1"), Some("5551234".to_owned()))
        .unwrap();
    assert_eq!(
        f.done(),
        [
            cancel("c1", "201"),
            Action::StartCallback {
                call: c("c1"),
                agent: a("201"),
                number: "5551234".to_owned()
            }
        ]
    );
    assert_eq!(
        f.acd.callback_requested(3_000, &c("c1"), None),
        Err(AcdError::AlreadyCallback(c("c1")))
    );
    // Cancelling a callback (the caller rang back) counts as abandoned.
    assert_eq!(f.hang_up(4_000, "c1"), [cancel("c1", "201")]);
    assert_eq!(f.state("201"), AgentState::Ready);
}

#[test]
fn announcements_every_n_seconds_with_position_and_estimate() {
    let mut queue = QueueConfig::new("sales", Strategy::LongestIdle);
    queue.announce_every_ms = Some(30_000);
    let mut f = Floor::with(AcdConfig {
        queues: vec![queue],
        agents: agents(&["201"], "sales"),
        default_handle_time_ms: 60_000,
        ..AcdConfig::default()
    });
    let announce = |call: &str, position: usize| Action::Announce {
        call: c(call),
        position,
        estimated_wait_ms: position as u64 * 60_000,
    };
    f.call(0, "c1", "sales");
    f.call(10_000, "c2", "sales");
    assert_eq!(f.acd.poll_timeout(), Some(30_000));
    assert_eq!(f.time(30_000), [announce("c1", 1)]);
    assert_eq!(f.time(40_000), [announce("c2", 2)]);
    assert_eq!(f.time(60_000), [announce("c1", 1)]);
    assert_eq!(f.hang_up(65_000, "c1"), []);
    assert_eq!(f.time(70_000), [announce("c2", 1)]);
    // Late timeouts catch up with one announcement, not several.
    assert_eq!(f.time(200_000), [announce("c2", 1)]);
    assert_eq!(f.acd.poll_timeout(), Some(220_000));
    // No announcement over an agent ringing.
    f.login(201_000, "201");
    assert_eq!(f.time(220_000), []);
}

#[test]
fn join_and_leave_rules_with_no_agents_logged_in() {
    let mut strict = QueueConfig::new("strict", Strategy::LongestIdle);
    strict.join_when_no_agents = JoinRule::Refuse;
    strict.leave_when_no_agents = LeaveRule::Leave;
    let lenient = QueueConfig::new("lenient", Strategy::LongestIdle);
    let mut f = Floor::new(
        vec![strict, lenient],
        vec![AgentConfig::new("201", &["strict", "lenient"])],
    );
    assert_eq!(
        f.call(1_000, "c1", "strict"),
        [Action::Refused {
            call: c("c1"),
            reason: RefuseReason::NoAgentsToJoin
        }]
    );
    assert_eq!(f.acd.call_state(&c("c1")), None);
    assert_eq!(f.call(1_000, "c2", "lenient"), []);
    // A logged-in agent who is not ready still lets callers join.
    f.login(2_000, "201");
    f.answer(2_000, "c2", "201");
    f.call(3_000, "c3", "strict");
    f.call(3_000, "c4", "lenient");
    assert_eq!(f.acd.call_state(&c("c3")), Some(CallState::Waiting));
    f.end(4_000, "c2"); // 201 takes c3 (first in serving order), c4 waits
    f.call(5_000, "c5", "strict");
    f.acd.not_ready(6_000, &a("201"), "break").unwrap();
    assert_eq!(f.done(), [cancel("c3", "201")]);
    // The last agent logs out: the strict queue's callers leave, the lenient's stay.
    f.acd.logout(7_000, &a("201")).unwrap();
    assert_eq!(
        f.done(),
        [
            Action::Refused {
                call: c("c3"),
                reason: RefuseReason::NoAgentsLeft
            },
            Action::Refused {
                call: c("c5"),
                reason: RefuseReason::NoAgentsLeft
            }
        ]
    );
    assert_eq!(f.acd.call_state(&c("c4")), Some(CallState::Waiting));
}

#[test]
fn ring_all_offers_everyone_and_the_first_answer_wins() {
    let mut f = Floor::new(
        vec![QueueConfig::new("sales", Strategy::RingAll)],
        agents(&["201", "202", "203"], "sales"),
    );
    f.login(0, "201");
    f.login(0, "202");
    f.login(0, "203");
    assert_eq!(
        f.call(1_000, "c1", "sales"),
        [offer("c1", "201"), offer("c1", "202"), offer("c1", "203")]
    );
    f.call(1_500, "c2", "sales");
    // 203 refuses: the others keep ringing.
    assert_eq!(f.refuse(2_000, "c1", "203"), [offer("c2", "203")]);
    assert_eq!(
        f.answer(3_000, "c1", "202"),
        [cancel("c1", "201"), offer("c2", "201")]
    );
    assert_eq!(
        f.acd.call_state(&c("c1")),
        Some(CallState::Connected { agent: a("202") })
    );
    // 201 (cancelled, not a miss) rings for c2 along with 203.
    assert_eq!(
        f.acd.call_state(&c("c2")),
        Some(CallState::Offered {
            agents: vec![a("201"), a("203")]
        })
    );
    // Nobody answers c2: both released; 201 and 203 are offered it again.
    let after = f.time(22_000);
    assert_eq!(
        after,
        [
            cancel("c2", "201"),
            cancel("c2", "203"),
            offer("c2", "201"),
            offer("c2", "203")
        ]
    );
}

#[test]
fn logout_mid_offer_passes_the_call_to_the_next_agent() {
    let mut f = Floor::new(
        vec![QueueConfig::new("sales", Strategy::LongestIdle)],
        agents(&["201", "202"], "sales"),
    );
    f.login(0, "201");
    f.login(1, "202");
    f.call(1_000, "c1", "sales");
    f.acd.logout(2_000, &a("201")).unwrap();
    assert_eq!(f.done(), [cancel("c1", "201"), offer("c1", "202")]);
    assert_eq!(f.state("201"), AgentState::LoggedOut);
    f.answer(3_000, "c1", "202");
    // Not while on a call.
    assert_eq!(
        f.acd.logout(4_000, &a("202")),
        Err(AcdError::AgentBusy {
            agent: a("202"),
            state: AgentStateKind::OnCallInbound
        })
    );
    // Hold and unhold keep the call.
    f.acd.hold(5_000, &a("202")).unwrap();
    f.done();
    assert_eq!(f.acd.time_in_state(&a("202"), 7_000), Some(2_000));
    f.acd.unhold(8_000, &a("202")).unwrap();
    f.done();
    f.end(9_000, "c1");
    f.acd.logout(10_000, &a("202")).unwrap();
    f.done();
}

#[test]
fn hot_desking_and_live_membership_changes() {
    let mut f = Floor::new(
        vec![
            QueueConfig::new("sales", Strategy::LongestIdle),
            QueueConfig::new("support", Strategy::LongestIdle),
        ],
        vec![
            AgentConfig::new("201", &["sales"]),
            AgentConfig::new("202", &["sales"]),
        ],
    );
    f.acd.login(0, &a("201"), "fxs-1").unwrap();
    assert_eq!(
        f.acd.login(0, &a("202"), "fxs-1"),
        Err(AcdError::DeviceInUse {
            device: "fxs-1".to_owned(),
            agent: a("201")
        })
    );
    f.acd.login(1_000, &a("201"), "fxs-2").unwrap(); // moves desks, stays ready
    f.done();
    assert_eq!(f.acd.agent_at_device("fxs-2"), Some(&a("201")));
    assert_eq!(f.acd.agent_at_device("fxs-1"), None);
    assert_eq!(f.call(2_000, "c1", "support"), []);
    f.acd
        .set_agent_queues(3_000, &a("201"), &[q("sales"), q("support")])
        .unwrap();
    assert_eq!(f.done(), [offer("c1", "201")]);
    assert_eq!(f.state_changes("201").len(), 2); // login, offered: the move is no change
}

#[test]
fn errors_change_nothing() {
    let mut f = Floor::new(
        vec![QueueConfig::new("sales", Strategy::LongestIdle)],
        agents(&["201"], "sales"),
    );
    assert_eq!(
        f.acd.call_entered(0, NewCall::new("c1", "nope")),
        Err(AcdError::UnknownQueue(q("nope")))
    );
    assert_eq!(
        f.acd.ready(0, &a("201")),
        Err(AcdError::NotLoggedIn(a("201")))
    );
    f.login(0, "201");
    assert_eq!(
        f.acd.not_ready(0, &a("201"), "gossip"),
        Err(AcdError::UnknownReason("gossip".to_owned()))
    );
    let mut bad = NewCall::new("c1", "sales");
    bad.priority = 10;
    assert_eq!(f.acd.call_entered(0, bad), Err(AcdError::Priority(10)));
    f.call(0, "c1", "sales");
    assert_eq!(
        f.acd.call_entered(0, NewCall::new("c1", "sales")),
        Err(AcdError::DuplicateCall(c("c1")))
    );
    assert_eq!(
        f.acd.call_ended(0, &c("c1")),
        Err(AcdError::NotConnected(c("c1")))
    );
    assert!(f.done().is_empty());
    assert!(matches!(
        Acd::new(
            AcdConfig {
                agents: agents(&["201"], "nope"),
                ..AcdConfig::default()
            },
            0
        ),
        Err(ConfigError::UnknownQueue { .. })
    ));
}

#[test]
fn snapshot_shows_queues_and_agents() {
    let mut f = Floor::new(
        vec![QueueConfig::new("sales", Strategy::LongestIdle)],
        agents(&["201", "202"], "sales"),
    );
    f.login(0, "201");
    f.call(1_000, "c1", "sales");
    f.call(2_000, "c2", "sales");
    f.answer(3_000, "c1", "201");
    f.time(10_000);
    let snapshot = f.acd.snapshot();
    let sales = &snapshot.queues[0];
    assert_eq!(
        (
            sales.waiting,
            sales.connected,
            sales.longest_wait_ms,
            sales.agents_logged_in
        ),
        (1, 1, 8_000, 1)
    );
    assert_eq!(sales.calls[0].call, c("c2"));
    let agent = &snapshot.agents[0];
    assert_eq!(agent.time_in_state_ms, 7_000);
    assert_eq!(agent.device.as_deref(), Some("ext-201"));
    assert_eq!(snapshot.agents[1].state, AgentState::LoggedOut);
    let changes: Vec<(usize, u64)> = f
        .events
        .iter()
        .filter_map(|e| match e {
            Event::QueueChanged {
                waiting,
                longest_wait_ms,
                ..
            } => Some((*waiting, *longest_wait_ms)),
            _ => None,
        })
        .collect();
    assert_eq!(changes, [(1, 0), (2, 1_000), (1, 1_000)]);
}

#[test]
fn an_own_call_takes_the_agent_off_offers_and_a_break_resumes_after_it() {
    let mut floor = Floor::new(
        vec![QueueConfig::new("q", Strategy::LongestIdle)],
        agents(&["201"], "q"),
    );
    floor.login(0, "201");
    floor
        .acd
        .outbound_started(1000, &a("201"), &c("own-1"))
        .unwrap();
    assert!(floor.done().is_empty());
    // A queue call waits while the agent is on their own call.
    assert!(floor.call(2000, "q1", "q").is_empty());
    assert_eq!(floor.end(5000, "own-1"), vec![offer("q1", "201")]);
    assert!(floor.answer(6000, "q1", "201").is_empty());
    assert!(floor.end(9000, "q1").is_empty());
    // On a break, the agent calls out: after the call, still on the same break.
    floor.acd.not_ready(10_000, &a("201"), "lunch").unwrap();
    floor.done();
    floor
        .acd
        .outbound_started(11_000, &a("201"), &c("own-2"))
        .unwrap();
    floor.done();
    floor.end(20_000, "own-2");
    assert_eq!(
        floor.state("201"),
        AgentState::NotReady {
            reason: "lunch".into()
        }
    );
    assert_eq!(
        floor.state_changes("201").last(),
        Some(&(AgentStateKind::NotReady, ChangeReason::CallEnded))
    );
}

#[test]
fn a_lost_device_logs_the_agent_out_at_once_or_after_the_call() {
    let mut floor = Floor::new(
        vec![QueueConfig::new("q", Strategy::LongestIdle)],
        agents(&["201", "202"], "q"),
    );
    floor.login(0, "201");
    floor.login(10, "202");
    // 201 rings for q1 when the phone goes: the offer is taken back, 202 rings.
    assert_eq!(floor.call(1000, "q1", "q"), vec![offer("q1", "201")]);
    floor.acd.device_lost(2000, &a("201")).unwrap();
    assert_eq!(floor.done(), vec![cancel("q1", "201"), offer("q1", "202")]);
    assert_eq!(floor.state("201"), AgentState::LoggedOut);
    assert_eq!(
        floor.state_changes("201").last(),
        Some(&(AgentStateKind::LoggedOut, ChangeReason::DeviceLost))
    );
    // The device is free for another agent (hot desking).
    assert!(floor.acd.device(&a("201")).is_none());
    // 202 is on the call when their phone goes: logged out once the call ends.
    floor.answer(3000, "q1", "202");
    floor.acd.device_lost(4000, &a("202")).unwrap();
    assert!(floor.done().is_empty());
    assert!(matches!(floor.state("202"), AgentState::OnCall { .. }));
    floor.end(9000, "q1");
    assert_eq!(floor.state("202"), AgentState::LoggedOut);
    assert!(floor.acd.device(&a("202")).is_none());
}

#[test]
fn a_transfer_to_another_queue_keeps_the_callers_place_and_the_agent_wraps_up() {
    let mut sales = QueueConfig::new("sales", Strategy::LongestIdle);
    sales.wrap_up_ms = 5_000;
    let support = QueueConfig::new("support", Strategy::LongestIdle);
    let mut floor = Floor::new(
        vec![sales, support],
        vec![
            AgentConfig::new("201", &["sales"]),
            AgentConfig::new("202", &["support"]),
        ],
    );
    floor.login(0, "201");
    assert_eq!(floor.call(1000, "c1", "sales"), vec![offer("c1", "201")]);
    floor.answer(2000, "c1", "201");
    // A later caller already waits in support; c1 came first, so it is served first.
    assert!(floor.call(3000, "c2", "support").is_empty());
    floor
        .acd
        .transferred(10_000, &c("c1"), Some(&q("support")))
        .unwrap();
    assert!(floor.done().is_empty());
    assert_eq!(floor.state("201"), AgentState::WrapUp { until_ms: 15_000 });
    assert_eq!(floor.acd.call_state(&c("c1")), Some(CallState::Waiting));
    assert!(floor.events.iter().any(|e| matches!(
        e,
        Event::CallTransferred { call, to_queue: Some(to), talk_ms: 8_000, .. }
            if call == &c("c1") && to == &q("support")
    )));
    assert_eq!(floor.login(11_000, "202"), vec![offer("c1", "202")]);
    // A transfer out of the ACD finishes the call.
    floor.answer(12_000, "c1", "202");
    floor.acd.transferred(20_000, &c("c1"), None).unwrap();
    floor.done();
    assert_eq!(floor.acd.call_state(&c("c1")), None);
    assert_eq!(
        floor
            .events
            .iter()
            .filter(|e| e.finished_call() == Some(&c("c1")))
            .count(),
        1
    );
    // Only answered queue calls can be transferred.
    assert_eq!(
        floor.acd.transferred(21_000, &c("c2"), None),
        Err(AcdError::NotConnected(c("c2")))
    );
}
