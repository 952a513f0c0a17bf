//! The actor that owns the box's ACD core (`acd::Acd`): it feeds the core agent commands
//! (from the API now; from phones' feature codes and the calls' queue application next)
//! and engine seconds, publishes what the core reports on the event bus, and answers the
//! live snapshot of queues and agents. The matching logic lives in the core, tested
//! without actors.

use crate::messages::Second;
use acd::{Acd, AcdError, AgentId, AgentState, Event as AcdEvent, Snapshot};
use actix::prelude::*;
use events::{Event, Publish};

/// What an agent (or a supervisor for them) asks of the ACD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentRequest {
    /// Log in at a device (the extension of the phone the agent works at).
    Login {
        device: String,
    },
    Logout,
    Ready,
    NotReady {
        reason: String,
    },
}

/// An agent request; the answer is the core's verdict (a refusal changes nothing).
#[derive(Debug, Message)]
#[rtype(result = "Result<(), AcdError>")]
pub struct AgentCommand {
    pub agent: AgentId,
    pub request: AgentRequest,
}

/// The queues and agents as they are now (`GET /api/queues`, `GET /api/agents`).
#[derive(Debug, Message)]
#[rtype(result = "Snapshot")]
pub struct GetAcdSnapshot;

pub struct AcdActor {
    acd: Acd,
    events: Option<Recipient<Publish>>,
}

impl AcdActor {
    pub fn new(acd: Acd) -> AcdActor {
        AcdActor { acd, events: None }
    }

    /// Publishes agent and queue changes on this bus.
    pub fn with_events(mut self, events: Recipient<Publish>) -> AcdActor {
        self.events = Some(events);
        self
    }

    /// Moves what the core reports to the bus and the log. Offers and the rest of the
    /// actions need calls in queues, which reach the ACD in the next step of the work.
    fn drain(&mut self) {
        while let Some(event) = self.acd.poll_event() {
            if let Some((event, at_ms)) = bus_event(event) {
                if let Some(events) = &self.events {
                    events.do_send(Publish::new(event, at_ms));
                }
            }
        }
        while let Some(action) = self.acd.poll_action() {
            tracing::warn!(?action, "ACD action with no call to carry it out yet");
        }
    }
}

/// The bus's form of a core event (agent and queue changes; call events come with the
/// queue application).
fn bus_event(event: AcdEvent) -> Option<(Event, u64)> {
    match event {
        AcdEvent::AgentStateChanged {
            agent,
            from,
            to,
            reason,
            at_ms,
        } => {
            let not_ready_reason = match &to {
                AgentState::NotReady { reason } => Some(reason.clone()),
                _ => None,
            };
            Some((
                Event::AgentStateChanged {
                    agent: agent.to_string(),
                    from: kebab(&from.kind()),
                    to: kebab(&to.kind()),
                    reason: kebab(&reason),
                    not_ready_reason,
                },
                at_ms,
            ))
        }
        AcdEvent::QueueChanged {
            queue,
            waiting,
            longest_wait_ms,
            at_ms,
        } => Some((
            Event::QueueChanged {
                queue: queue.to_string(),
                waiting,
                longest_wait_ms,
            },
            at_ms,
        )),
        _ => None,
    }
}

/// A unit enum's serde name (`on-call-inbound`, `ready-requested`).
fn kebab<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::from("unknown"),
    }
}

impl Actor for AcdActor {
    type Context = Context<Self>;
}

impl Handler<AgentCommand> for AcdActor {
    type Result = Result<(), AcdError>;
    fn handle(&mut self, command: AgentCommand, _ctx: &mut Context<Self>) -> Self::Result {
        // API requests carry no engine time: they happen at the core's latest time.
        let now = self.acd.now_ms();
        let agent = &command.agent;
        let result = match command.request {
            AgentRequest::Login { device } => self.acd.login(now, agent, &device),
            AgentRequest::Logout => self.acd.logout(now, agent),
            AgentRequest::Ready => self.acd.ready(now, agent),
            AgentRequest::NotReady { reason } => self.acd.not_ready(now, agent, &reason),
        };
        self.drain();
        result
    }
}

impl Handler<GetAcdSnapshot> for AcdActor {
    type Result = MessageResult<GetAcdSnapshot>;
    fn handle(&mut self, _: GetAcdSnapshot, _ctx: &mut Context<Self>) -> Self::Result {
        MessageResult(self.acd.snapshot())
    }
}

impl Handler<Second> for AcdActor {
    type Result = ();
    fn handle(&mut self, second: Second, _ctx: &mut Context<Self>) {
        self.acd.handle_timeout(second.stamp.at_ms);
        self.drain();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use acd::{AcdConfig, AgentConfig, QueueConfig, QueueName, Strategy};
    use events::EventBus;

    fn config() -> AcdConfig {
        AcdConfig {
            queues: vec![QueueConfig::new(
                QueueName::new("billing"),
                Strategy::LongestIdle,
            )],
            agents: vec![AgentConfig::new(AgentId::new("201"), &["billing"])],
            ..AcdConfig::default()
        }
    }

    #[test]
    fn agent_commands_change_the_snapshot_and_reach_the_bus() {
        actix::System::new().block_on(async {
            let bus = EventBus::start_default();
            let acd = Acd::new(config(), 0).expect("valid config");
            let actor = AcdActor::new(acd).with_events(bus.publisher()).start();
            let agent = AgentId::new("201");
            actor
                .send(AgentCommand {
                    agent: agent.clone(),
                    request: AgentRequest::Login {
                        device: "201".into(),
                    },
                })
                .await
                .expect("actor answers")
                .expect("login accepted");
            actor
                .send(AgentCommand {
                    agent: agent.clone(),
                    request: AgentRequest::NotReady {
                        reason: "lunch".into(),
                    },
                })
                .await
                .expect("actor answers")
                .expect("not-ready accepted");
            let refused = actor
                .send(AgentCommand {
                    agent: AgentId::new("999"),
                    request: AgentRequest::Ready,
                })
                .await
                .expect("actor answers");
            assert!(refused.is_err(), "an unknown agent is refused");
            let snapshot = actor.send(GetAcdSnapshot).await.expect("snapshot");
            let json = serde_json::to_value(&snapshot).expect("serialises");
            let agents = json["agents"].as_array().expect("agents");
            assert_eq!(agents.len(), 1, "{json}");
            assert!(json.to_string().contains("lunch"), "{json}");

            let page = bus
                .after(events::PageRequest::new(0, 100).expect("page size"))
                .await
                .expect("bus answers");
            let changes: Vec<(String, String, Option<String>)> = page
                .events
                .iter()
                .filter_map(|e| match &e.event {
                    Event::AgentStateChanged {
                        agent,
                        to,
                        not_ready_reason,
                        ..
                    } => Some((agent.clone(), to.clone(), not_ready_reason.clone())),
                    _ => None,
                })
                .collect();
            assert_eq!(
                changes,
                vec![
                    ("201".to_owned(), "ready".to_owned(), None),
                    (
                        "201".to_owned(),
                        "not-ready".to_owned(),
                        Some("lunch".to_owned())
                    ),
                ]
            );
        });
    }
}
