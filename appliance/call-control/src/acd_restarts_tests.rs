//! No stuck agents when call actors die: the ACD actor driven by random interleavings of
//! calls entering, offers answered or failing, callers leaving, agents logging in, out
//! and going ready, engine seconds, and call actors stopping without a word (a contained
//! panic stops the actor; its `Left` never comes). After every step the core's
//! invariants hold; at the end, two seconds after the last call actor stopped, no agent
//! is reserved for or talking on a call whose actor is gone, and no call waits.

use crate::acd_actor::{AcdActor, AgentCommand, AgentRequest, CheckAcd, GetAcdSnapshot};
use crate::messages::{CallInput, CallToAcd, Second, Stamp};
use crate::session::{AcdInstruction, AcdRequest, QueueEntry};
use acd::{Acd, AcdConfig, AgentConfig, AgentId, AgentStateKind, QueueConfig};
use actix::prelude::*;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

const AGENTS: usize = 3;

/// A call actor that keeps what the ACD tells it, and can die.
struct FakeCall(Arc<Mutex<Vec<AcdInstruction>>>);

impl Actor for FakeCall {
    type Context = Context<Self>;
}

impl Handler<CallInput> for FakeCall {
    type Result = ();
    fn handle(&mut self, input: CallInput, _ctx: &mut Context<Self>) {
        if let CallInput::Acd { instruction, .. } = input {
            self.0.lock().expect("not poisoned").push(instruction);
        }
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Die;

impl Handler<Die> for FakeCall {
    type Result = ();
    fn handle(&mut self, _: Die, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

#[derive(Debug, Clone)]
enum Op {
    Enter,
    /// The n-th live call answers its latest offer.
    Answer(usize),
    /// The n-th live call's offer fails (busy phone).
    Fail(usize),
    /// The n-th live call leaves (the caller hangs up, or the answered call ends).
    Leave(usize),
    /// The n-th live call's actor dies without a word.
    Die(usize),
    Login(usize),
    Logout(usize),
    Ready(usize),
    Second,
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Enter),
        3 => (0usize..6).prop_map(Op::Answer),
        1 => (0usize..6).prop_map(Op::Fail),
        2 => (0usize..6).prop_map(Op::Leave),
        2 => (0usize..6).prop_map(Op::Die),
        2 => (0..AGENTS).prop_map(Op::Login),
        1 => (0..AGENTS).prop_map(Op::Logout),
        2 => (0..AGENTS).prop_map(Op::Ready),
        3 => Just(Op::Second),
    ]
}

fn agent(i: usize) -> AgentId {
    AgentId::new(format!("20{i}"))
}

struct LiveCall {
    id: String,
    addr: Addr<FakeCall>,
    heard: Arc<Mutex<Vec<AcdInstruction>>>,
}

impl LiveCall {
    fn last_offer(&self) -> Option<AgentId> {
        self.heard
            .lock()
            .expect("not poisoned")
            .iter()
            .rev()
            .find_map(|i| match i {
                AcdInstruction::Offer { agent, .. } => Some(agent.clone()),
                _ => None,
            })
    }
}

fn stamp(at_ms: u64) -> Stamp {
    Stamp {
        at_ms,
        token: media_engine::WorkToken::untracked(),
    }
}

async fn run(ops: Vec<Op>) {
    let mut queue = QueueConfig::new("q", acd::Strategy::LongestIdle);
    queue.ring_timeout_ms = 5_000;
    queue.wrap_up_ms = 2_000;
    let config = AcdConfig {
        queues: vec![queue],
        agents: (0..AGENTS)
            .map(|i| AgentConfig::new(agent(i), &["q"]))
            .collect(),
        ..AcdConfig::default()
    };
    let actor = AcdActor::new(Acd::new(config, 0).expect("valid config")).start();
    let mut calls: Vec<LiveCall> = Vec::new();
    let mut now = 0;
    let mut next = 0;
    for op in ops {
        now += 100;
        let send = |call: &LiveCall, request: AcdRequest, at: u64| CallToAcd {
            call: call.id.as_str().into(),
            caller: Some("5550123".into()),
            request,
            reply: call.addr.clone().recipient(),
            stamp: stamp(at),
        };
        let pick = |n: usize, len: usize| (len > 0).then(|| n % len);
        match op {
            Op::Enter => {
                next += 1;
                let heard = Arc::new(Mutex::new(Vec::new()));
                let call = LiveCall {
                    id: format!("c{next}"),
                    addr: FakeCall(heard.clone()).start(),
                    heard,
                };
                let entry = QueueEntry {
                    queue: "q".into(),
                    priority: 0,
                    skills: Vec::new(),
                    variables: BTreeMap::new(),
                    language: ivr::flow::Language::En,
                };
                actor
                    .send(send(&call, AcdRequest::Enter(entry), now))
                    .await
                    .expect("actor answers");
                calls.push(call);
            }
            Op::Answer(n) | Op::Fail(n) => {
                if let Some(i) = pick(n, calls.len()) {
                    if let Some(agent) = calls[i].last_offer() {
                        let request = match op {
                            Op::Answer(_) => AcdRequest::OfferAnswered { agent },
                            _ => AcdRequest::OfferFailed { agent },
                        };
                        let _ = actor.send(send(&calls[i], request, now)).await;
                    }
                }
            }
            Op::Leave(n) => {
                if let Some(i) = pick(n, calls.len()) {
                    let call = calls.remove(i);
                    let _ = actor.send(send(&call, AcdRequest::Left, now)).await;
                    call.addr.do_send(Die);
                }
            }
            Op::Die(n) => {
                if let Some(i) = pick(n, calls.len()) {
                    calls.remove(i).addr.do_send(Die);
                }
            }
            Op::Login(a) | Op::Logout(a) | Op::Ready(a) => {
                let request = match op {
                    Op::Login(_) => AgentRequest::Login {
                        device: format!("fxs-{a}"),
                    },
                    Op::Logout(_) => AgentRequest::Logout,
                    _ => AgentRequest::Ready,
                };
                let _ = actor
                    .send(AgentCommand {
                        agent: agent(a),
                        request,
                    })
                    .await;
            }
            Op::Second => {
                now += 1000;
                let _ = actor.send(Second { stamp: stamp(now) }).await;
            }
        }
        // Let the fake calls take their mail (and the dead ones stop).
        actix::clock::sleep(std::time::Duration::from_millis(1)).await;
        if let Err(broken) = actor.send(CheckAcd).await.expect("actor answers") {
            panic!("{broken}");
        }
    }
    // Every call actor dies; two seconds later nothing is held for them.
    for call in calls.drain(..) {
        call.addr.do_send(Die);
    }
    actix::clock::sleep(std::time::Duration::from_millis(5)).await;
    for _ in 0..3 {
        now += 1000;
        let _ = actor.send(Second { stamp: stamp(now) }).await;
    }
    let snapshot = actor.send(GetAcdSnapshot).await.expect("actor answers");
    for a in &snapshot.agents {
        assert!(
            !matches!(
                a.state.kind(),
                AgentStateKind::Reserved | AgentStateKind::OnCallInbound | AgentStateKind::OnHold
            ),
            "agent {} stuck {:?} after every call actor died: {snapshot:#?}",
            a.id,
            a.state
        );
    }
    assert_eq!(snapshot.queues[0].waiting, 0, "{snapshot:#?}");
    if let Err(broken) = actor.send(CheckAcd).await.expect("actor answers") {
        panic!("{broken}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_agent_stays_stuck_when_call_actors_die(ops in proptest::collection::vec(op(), 60)) {
        actix::System::new().block_on(run(ops));
    }
}
