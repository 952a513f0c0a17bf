//! The actor that owns the box's ACD core (`acd::Acd`): it feeds the core agent commands
//! (API and phones' feature codes), the calls' queue requests and engine seconds; it
//! carries the core's actions to the calls they concern (offers go to the call, which
//! rings the agent's device through the switchboard), publishes what the core reports
//! on the event bus, and answers the live snapshot of queues and agents. The matching
//! logic lives in the core, tested without actors.
//!
//! A call actor that stopped without saying it left (a contained panic) is found on the
//! next second and taken out of the ACD as if the caller hung up, so no agent stays
//! reserved for a call that is gone.

use crate::agent_device::{AgentDevice, DeviceSignal};
use crate::feature_codes::FeatureCode;
use crate::messages::{
    CallId, CallInput, CallToAcd, CallbackNotPlaced, PlaceCallback, Second, Stamp,
};
use crate::plan::IvrPlan;
use crate::session::{AcdInstruction, AcdRequest};
use acd::{
    Acd, AcdError, Action, AgentId, AgentState, CallKey, Direction, Event as AcdEvent, NewCall,
    OverflowTarget, SkillRequirement, Snapshot,
};
use actix::prelude::*;
use events::{Event, Publish, QueueStep};
use line_boundary::PhoneNumber;
use std::collections::{BTreeMap, HashMap};

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
    /// Replace the agent's queue memberships (live).
    SetQueues {
        queues: Vec<acd::QueueName>,
    },
    /// Set a skill's level (1-10), or remove it (`None`).
    SetSkill {
        skill: String,
        level: Option<u8>,
    },
}

/// An agent request; the answer is the core's verdict (a refusal changes nothing).
#[derive(Debug, Message)]
#[rtype(result = "Result<(), AcdError>")]
pub struct AgentCommand {
    pub agent: AgentId,
    pub request: AgentRequest,
}

/// Whether the core's invariants hold now (diagnostics and tests).
#[derive(Debug, Message)]
#[rtype(result = "Result<(), acd::InvariantViolation>")]
pub struct CheckAcd;

/// The queues and agents as they are now (`GET /api/queues`, `GET /api/agents`).
#[derive(Debug, Message)]
#[rtype(result = "Snapshot")]
pub struct GetAcdSnapshot;

pub struct AcdActor {
    acd: Acd,
    events: Option<Recipient<Publish>>,
    /// Where each call the ACD holds takes its instructions.
    calls: HashMap<CallKey, Recipient<CallInput>>,
    /// The flows an overflow may send a call to, and the wall clock at engine time 0.
    flows: Option<(IvrPlan, i64)>,
    /// Each agent's PIN, checked at phone login.
    pins: BTreeMap<AgentId, String>,
    /// The not-ready reasons in configured order (`*24N` picks the Nth).
    reasons: Vec<String>,
    /// The devices agents work at (a phone on an FXS port today).
    devices: Vec<Box<dyn AgentDevice>>,
    /// Feature code calls in progress: a phone dialling one is not busy for the ACD
    /// (else `*22` would find its agent on a call and refuse the logout).
    feature_calls: std::collections::HashSet<CallId>,
    /// Calls whose actor was found stopped at the last second.
    stopped_calls: std::collections::HashSet<CallKey>,
    /// Where callbacks are placed (the switchboard).
    callbacks: Option<Recipient<PlaceCallback>>,
    /// Callbacks whose call could not be started (most often the agent's phone still
    /// hangs up from the feature code call that made them ready): placed again at each
    /// second while the agent stays reserved for them, as an offer asks a busy phone
    /// again; the queue's ring timeout still decides when the reservation is missed.
    unplaced_callbacks: Vec<(CallKey, AgentId)>,
}

impl AcdActor {
    pub fn new(acd: Acd) -> AcdActor {
        AcdActor {
            acd,
            events: None,
            calls: HashMap::new(),
            flows: None,
            pins: BTreeMap::new(),
            reasons: Vec::new(),
            devices: Vec::new(),
            feature_calls: std::collections::HashSet::new(),
            stopped_calls: std::collections::HashSet::new(),
            callbacks: None,
            unplaced_callbacks: Vec::new(),
        }
    }

    /// Lets callbacks be placed: the switchboard rings the agent, then dials the customer.
    pub fn with_callbacks(mut self, callbacks: Recipient<PlaceCallback>) -> AcdActor {
        self.callbacks = Some(callbacks);
        self
    }

    /// The devices agents may work at. With the bus's events fed in, a device busy with
    /// a call that is not an offer (the agent dials out, or is rung directly) takes its
    /// agent off the queues until it is free again, and a device gone logs its agent out.
    pub fn with_devices(mut self, devices: Vec<Box<dyn AgentDevice>>) -> AcdActor {
        self.devices = devices;
        self
    }

    /// Lets agents log in from phones with these PINs, and pick these not-ready reasons
    /// by number.
    pub fn with_phone_logins(
        mut self,
        pins: BTreeMap<AgentId, String>,
        reasons: Vec<String>,
    ) -> AcdActor {
        self.pins = pins;
        self.reasons = reasons;
        self
    }

    /// Publishes agent and queue changes on this bus.
    pub fn with_events(mut self, events: Recipient<Publish>) -> AcdActor {
        self.events = Some(events);
        self
    }

    /// Lets overflows send calls into these flows.
    pub fn with_flows(mut self, plan: IvrPlan, epoch_unix_ms: i64) -> AcdActor {
        self.flows = Some((plan, epoch_unix_ms));
        self
    }

    /// Moves what the core reports to the bus, and what it wants done to the calls.
    /// Carrying out an action may feed the core again (an offer to an agent with no
    /// device fails at once), so this runs until both queues are empty.
    fn drain(&mut self, stamp: Option<&Stamp>) {
        self.drain_with(stamp, None);
    }

    /// As `drain`; `me` lets a callback's failure come back to this actor.
    fn drain_with(&mut self, stamp: Option<&Stamp>, me: Option<Recipient<CallbackNotPlaced>>) {
        self.drain_actions(stamp, me);
        self.forget_calls_out_of_reach();
    }

    /// Only calls the ACD may still instruct keep their place in `calls`: a callback
    /// waiting for its turn has no call (the one that rang an agent for it and failed is
    /// over), and a call the ACD let go needs nothing more.
    fn forget_calls_out_of_reach(&mut self) {
        let acd = &self.acd;
        self.calls.retain(|key, _| {
            matches!(
                acd.call_state(key),
                Some(
                    acd::CallState::Waiting
                        | acd::CallState::Offered { .. }
                        | acd::CallState::Connected { .. }
                        | acd::CallState::Callback {
                            reserved: Some(_),
                            ..
                        }
                )
            )
        });
    }

    fn drain_actions(&mut self, stamp: Option<&Stamp>, me: Option<Recipient<CallbackNotPlaced>>) {
        loop {
            while let Some(event) = self.acd.poll_event() {
                if let Some((event, at_ms)) = bus_event(event) {
                    if let Some(events) = &self.events {
                        events.do_send(Publish::new(event, at_ms));
                    }
                }
            }
            let Some(action) = self.acd.poll_action() else {
                break;
            };
            self.carry_out(action, stamp, me.as_ref());
        }
    }

    fn carry_out(
        &mut self,
        action: Action,
        stamp: Option<&Stamp>,
        me: Option<&Recipient<CallbackNotPlaced>>,
    ) {
        let now = self.acd.now_ms();
        match action {
            Action::Offer { call, agent } => {
                // A device the box knows is reached its own way; any other id (an API
                // login at a number) is dialled as a phone of the box would.
                let device = self.acd.device(&agent).and_then(|id| {
                    match self.devices.iter().find(|d| d.id() == id) {
                        Some(device) => device.reach(),
                        None => PhoneNumber::parse(id).ok(),
                    }
                });
                let sent = device.is_some_and(|device| {
                    self.tell(
                        &call,
                        AcdInstruction::Offer {
                            agent: agent.clone(),
                            device,
                        },
                        stamp,
                    )
                });
                if !sent {
                    tracing::warn!(%call, %agent, "offer could not reach the call or the agent's phone");
                    let _ = self.acd.offer_refused(now, &call, &agent);
                }
            }
            Action::CancelOffer { call, agent } => {
                self.tell(&call, AcdInstruction::CancelOffer { agent }, stamp);
            }
            Action::Announce {
                call,
                position,
                estimated_wait_ms,
            } => {
                self.tell(
                    &call,
                    AcdInstruction::Announce {
                        position,
                        estimated_wait_ms,
                    },
                    stamp,
                );
            }
            Action::Overflow { call, to } => match to {
                // The core moved the call already; the call's record follows.
                OverflowTarget::Queue(queue) => {
                    self.tell(
                        &call,
                        AcdInstruction::MovedTo {
                            queue: queue.to_string(),
                        },
                        stamp,
                    );
                }
                OverflowTarget::Flow(flow) => {
                    let context = self
                        .flows
                        .as_ref()
                        .and_then(|(plan, epoch)| plan.context(&flow, *epoch));
                    let instruction = match context {
                        Some(context) => AcdInstruction::OverflowToFlow(context),
                        None => {
                            tracing::error!(%call, %flow, "overflow to a flow the box does not have");
                            AcdInstruction::Refused
                        }
                    };
                    self.tell(&call, instruction, stamp);
                    self.calls.remove(&call);
                }
                OverflowTarget::Callback => {
                    self.tell(&call, AcdInstruction::OfferCallback, stamp);
                }
            },
            Action::StartCallback {
                call,
                agent,
                number,
            } => {
                let stamp = stamp.cloned().unwrap_or_else(|| Stamp {
                    at_ms: now,
                    token: media_engine::WorkToken::untracked(),
                });
                self.place_callback(call, agent, number, stamp, me);
            }
            Action::Refused { call, .. } => {
                self.tell(&call, AcdInstruction::Refused, stamp);
                self.calls.remove(&call);
            }
        }
    }

    /// Asks the switchboard to start the call of a callback reserved for `agent`. Without
    /// `me` (an API command or a bus event made the agent ready) its failure could not
    /// come back: it is placed at the next second instead.
    fn place_callback(
        &mut self,
        call: CallKey,
        agent: AgentId,
        number: String,
        stamp: Stamp,
        me: Option<&Recipient<CallbackNotPlaced>>,
    ) {
        let device = self.acd.device(&agent).map(str::to_owned);
        match (&self.callbacks, me, device) {
            (Some(callbacks), Some(me), Some(device)) => {
                callbacks.do_send(PlaceCallback {
                    acd_call: CallId::from(call.0.as_str()),
                    agent,
                    device,
                    number,
                    not_placed: me.clone(),
                    stamp,
                });
            }
            (Some(_), None, Some(_)) => self.unplaced_callbacks.push((call, agent)),
            // Nobody to place it: the agent stays reserved until the ring
            // timeout takes the offer back (a miss), never in a loop here.
            _ => tracing::error!(%call, %agent, "no way to place a callback"),
        }
    }

    /// Places again the callbacks not placed before whose agent is still reserved for
    /// them (the ring timeout may have taken the reservation back, or the caller's
    /// place may have gone to another agent: then nothing).
    fn retry_unplaced_callbacks(&mut self, stamp: &Stamp, me: &Recipient<CallbackNotPlaced>) {
        for (call, agent) in std::mem::take(&mut self.unplaced_callbacks) {
            if let Some(acd::CallState::Callback {
                number,
                reserved: Some(reserved),
            }) = self.acd.call_state(&call)
            {
                if reserved == agent {
                    self.place_callback(call, agent, number, stamp.clone(), Some(me));
                }
            }
        }
    }

    /// Sends an instruction to a call; false when the call is not reachable.
    fn tell(&self, call: &CallKey, instruction: AcdInstruction, stamp: Option<&Stamp>) -> bool {
        let Some(reply) = self.calls.get(call) else {
            return false;
        };
        let stamp = match stamp {
            Some(stamp) => stamp.clone(),
            None => Stamp {
                at_ms: self.acd.now_ms(),
                token: media_engine::WorkToken::untracked(),
            },
        };
        reply
            .try_send(CallInput::Acd { instruction, stamp })
            .is_ok()
    }

    fn on_call(&mut self, message: CallToAcd) -> Result<(), AcdError> {
        let now = message.stamp.at_ms;
        let key = call_key(&message.call);
        match message.request {
            AcdRequest::Enter(entry) => {
                self.calls.insert(key.clone(), message.reply);
                let new = NewCall {
                    call: key.clone(),
                    queue: entry.queue.into(),
                    priority: entry.priority,
                    caller: message.caller.unwrap_or_default(),
                    skills: entry
                        .skills
                        .into_iter()
                        .map(|(skill, level)| SkillRequirement::new(skill, level))
                        .collect(),
                    variables: entry.variables,
                };
                let entered = self.acd.call_entered(now, new);
                if entered.is_err() {
                    self.tell(&key, AcdInstruction::Refused, Some(&message.stamp));
                    self.calls.remove(&key);
                }
                entered
            }
            AcdRequest::CallbackRinging { .. } => {
                // The callback's own call: the ACD's word for this key goes to it now.
                self.calls.insert(key, message.reply);
                Ok(())
            }
            AcdRequest::OfferAnswered { agent } => self.acd.offer_answered(now, &key, &agent),
            AcdRequest::OfferFailed { agent } => self.acd.offer_refused(now, &key, &agent),
            AcdRequest::Transferred { to_queue } => {
                let to_queue = to_queue.map(acd::QueueName::from);
                if to_queue.is_none() {
                    // The ACD is done with the call; its end is not reported.
                    self.calls.remove(&key);
                }
                self.acd.transferred(now, &key, to_queue.as_ref())
            }
            AcdRequest::Hold { agent } => self.acd.hold(now, &agent),
            AcdRequest::Unhold { agent } => self.acd.unhold(now, &agent),
            AcdRequest::CallbackRequested { number } => {
                // The caller hangs up now; the ACD keeps their place, not this call.
                self.calls.remove(&key);
                self.acd.callback_requested(now, &key, Some(number))
            }
            AcdRequest::Left => {
                self.calls.remove(&key);
                self.acd.call_left(now, &key)
            }
            AcdRequest::Feature { device, code } => {
                let result = self.feature(now, &device, code);
                if let Err(error) = &result {
                    tracing::info!(%device, %error, "feature code refused");
                }
                let _ = message.reply.try_send(CallInput::Acd {
                    instruction: AcdInstruction::FeatureDone {
                        accepted: result.is_ok(),
                    },
                    stamp: message.stamp.clone(),
                });
                Ok(())
            }
        }
    }

    /// A feature code from the phone `device`: for the agent logging in there, or the
    /// agent logged in there.
    fn feature(&mut self, now: u64, device: &str, code: FeatureCode) -> Result<(), FeatureRefused> {
        if device.is_empty() {
            return Err(FeatureRefused::NoDevice);
        }
        let agent_here = || {
            self.acd
                .agent_at_device(device)
                .cloned()
                .ok_or(FeatureRefused::NobodyHere)
        };
        match code {
            FeatureCode::Login { agent, pin } => {
                let agent = AgentId::new(agent);
                // The same answer for an unknown agent and a wrong PIN: no probing.
                if self.pins.get(&agent) != Some(&pin) {
                    return Err(FeatureRefused::WrongPin);
                }
                Ok(self.acd.login(now, &agent, device)?)
            }
            FeatureCode::Logout => Ok(self.acd.logout(now, &agent_here()?)?),
            FeatureCode::Ready => Ok(self.acd.ready(now, &agent_here()?)?),
            FeatureCode::NotReady { reason } => {
                let index = reason.unwrap_or(1);
                let reason = self
                    .reasons
                    .get(index - 1)
                    .cloned()
                    .ok_or(FeatureRefused::NoSuchReason(index))?;
                Ok(self.acd.not_ready(now, &agent_here()?, &reason)?)
            }
        }
    }

    /// Calls whose actor stopped without leaving (a contained panic): out of the ACD. A
    /// call seen stopped is taken out on the next second, not at once: its last message
    /// (`Left`) may still be behind this second in the mailbox.
    fn drop_vanished_calls(&mut self, now_ms: u64) {
        let stopped: std::collections::HashSet<CallKey> = self
            .calls
            .iter()
            .filter(|(_, reply)| !reply.connected())
            .map(|(call, _)| call.clone())
            .collect();
        let vanished: Vec<CallKey> = stopped.intersection(&self.stopped_calls).cloned().collect();
        for call in vanished {
            tracing::warn!(%call, "call actor gone without leaving the ACD: taken out");
            self.calls.remove(&call);
            let _ = self.acd.call_left(now_ms, &call);
        }
        self.stopped_calls = stopped;
    }
}

/// Why a feature code changed nothing.
#[derive(Debug, thiserror::Error)]
enum FeatureRefused {
    #[error("the phone has no extension")]
    NoDevice,
    #[error("unknown agent or wrong PIN")]
    WrongPin,
    #[error("no agent is logged in at this phone")]
    NobodyHere,
    #[error("no not-ready reason number {0}")]
    NoSuchReason(usize),
    #[error(transparent)]
    Acd(#[from] AcdError),
}

fn call_key(call: &CallId) -> CallKey {
    CallKey::new(call.to_string())
}

/// The bus's form of a core event: agent and queue changes, and each call's steps
/// through the queues (stored with the call's other events).
fn bus_event(event: AcdEvent) -> Option<(Event, u64)> {
    let queue_step = |call: CallKey, step: QueueStep, at_ms: u64| {
        Some((
            Event::Queue {
                call: CallId::from(call.0),
                step,
            },
            at_ms,
        ))
    };
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
        AcdEvent::CallEntered {
            call,
            queue,
            priority,
            vip,
            at_ms,
        } => queue_step(
            call,
            QueueStep::Entered {
                queue: queue.0,
                priority,
                vip,
            },
            at_ms,
        ),
        AcdEvent::CallOffered { call, agent, at_ms } => {
            queue_step(call, QueueStep::Offered { agent: agent.0 }, at_ms)
        }
        AcdEvent::CallAnswered {
            call,
            agent,
            queue,
            waited_ms,
            at_ms,
        } => queue_step(
            call,
            QueueStep::Answered {
                queue: queue.0,
                agent: agent.0,
                waited_ms,
            },
            at_ms,
        ),
        AcdEvent::CallAbandoned {
            call,
            queue,
            waited_ms,
            at_ms,
        } => queue_step(
            call,
            QueueStep::Abandoned {
                queue: queue.0,
                waited_ms,
            },
            at_ms,
        ),
        AcdEvent::CallOverflowed {
            call,
            from,
            to,
            at_ms,
        } => {
            let to = match to {
                OverflowTarget::Queue(queue) => format!("queue:{queue}"),
                OverflowTarget::Flow(flow) => format!("flow:{flow}"),
                OverflowTarget::Callback => "callback".to_owned(),
            };
            queue_step(call, QueueStep::Overflowed { from: from.0, to }, at_ms)
        }
        AcdEvent::CallbackRequested {
            call,
            number,
            at_ms,
        } => queue_step(call, QueueStep::CallbackRequested { number }, at_ms),
        AcdEvent::CallRefused {
            call,
            queue,
            reason,
            at_ms,
        } => queue_step(
            call,
            QueueStep::Refused {
                queue: queue.0,
                reason: kebab(&reason),
            },
            at_ms,
        ),
        AcdEvent::CallTransferred {
            call,
            agent,
            to_queue,
            talk_ms,
            at_ms,
        } => queue_step(
            call,
            QueueStep::Transferred {
                agent: agent.0,
                to: to_queue.map_or_else(|| "out".to_owned(), |q| format!("queue:{q}")),
                talk_ms,
            },
            at_ms,
        ),
        AcdEvent::CallEnded {
            call,
            agent,
            talk_ms,
            at_ms,
        } => queue_step(
            call,
            QueueStep::Ended {
                agent: agent.0,
                talk_ms,
            },
            at_ms,
        ),
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
            AgentRequest::SetQueues { queues } => self.acd.set_agent_queues(now, agent, &queues),
            AgentRequest::SetSkill { skill, level } => {
                self.acd.set_agent_skill(now, agent, &skill, level)
            }
        };
        self.drain(None);
        result
    }
}

impl Handler<crate::live_config::ReconfigureAcd> for AcdActor {
    type Result = Result<acd::Reconfigured, acd::ConfigError>;
    fn handle(
        &mut self,
        new: crate::live_config::ReconfigureAcd,
        _ctx: &mut Context<Self>,
    ) -> Self::Result {
        let now = self.acd.now_ms();
        let report = self.acd.reconfigure(now, new.config)?;
        self.pins = new.pins;
        self.reasons = new.reasons;
        if let Some((plan, _)) = &mut self.flows {
            *plan = new.flows;
        }
        // The new settings may offer a waiting call at once.
        self.drain(None);
        Ok(report)
    }
}

impl Handler<CheckAcd> for AcdActor {
    type Result = Result<(), acd::InvariantViolation>;
    fn handle(&mut self, _: CheckAcd, _ctx: &mut Context<Self>) -> Self::Result {
        self.acd.check_invariants()
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
    fn handle(&mut self, second: Second, ctx: &mut Context<Self>) {
        self.drop_vanished_calls(second.stamp.at_ms);
        self.acd.handle_timeout(second.stamp.at_ms);
        let me: Recipient<CallbackNotPlaced> = ctx.address().recipient();
        self.drain_with(Some(&second.stamp), Some(me.clone()));
        self.retry_unplaced_callbacks(&second.stamp, &me);
    }
}

/// The bus: feature code calls (which do not make a phone busy), and what agents'
/// devices say (busy with a call, free again, gone).
impl Handler<events::Envelope> for AcdActor {
    type Result = ();
    fn handle(&mut self, envelope: events::Envelope, _ctx: &mut Context<Self>) {
        match &envelope.event {
            Event::CallStarted {
                call,
                dialled: Some(dialled),
                ..
            } if crate::feature_codes::is_feature_code(dialled) => {
                self.feature_calls.insert(call.clone());
                return;
            }
            Event::CallEnded { call, .. } => {
                self.feature_calls.remove(call);
                return;
            }
            _ => {}
        }
        let Some((device, signal)) = self
            .devices
            .iter()
            .find_map(|d| d.signal(&envelope.event).map(|s| (d.id().to_owned(), s)))
        else {
            return;
        };
        let Some(agent) = self.acd.agent_at_device(&device).cloned() else {
            return;
        };
        let now = envelope.at_ms;
        match (signal, &envelope.event) {
            (DeviceSignal::Gone, _) => {
                tracing::warn!(%agent, %device, "agent's device gone: logged out");
                let _ = self.acd.device_lost(now, &agent);
            }
            (
                DeviceSignal::Leg { joined },
                Event::LegJoined { call, .. } | Event::LegLeft { call, .. },
            ) => {
                if self.feature_calls.contains(call) {
                    return;
                }
                let key = call_key(call);
                // The same call may already be another agent's (a colleague's transfer
                // ringing this phone): this agent's part of it gets a key of its own.
                let this_phones = CallKey::new(format!("{call}@{device}"));
                if joined {
                    // Refused while the agent is reserved or on a call: that is the
                    // ACD's own offer joining, or a second call the device cannot take.
                    let started = match self.acd.outbound_started(now, &agent, &key) {
                        Err(acd::AcdError::DuplicateCall(_)) => {
                            self.acd.outbound_started(now, &agent, &this_phones)
                        }
                        other => other,
                    };
                    if started.is_ok() {
                        tracing::info!(%agent, %call, "agent's device busy with a call of its own");
                    }
                } else {
                    let own_call = match self.acd.agent(&agent) {
                        Some((
                            AgentState::OnCall {
                                call: c,
                                direction: Direction::Outbound,
                            }
                            | AgentState::OnHold {
                                call: c,
                                direction: Direction::Outbound,
                            },
                            _,
                        )) if *c == key || *c == this_phones => Some(c.clone()),
                        _ => None,
                    };
                    if let Some(own) = own_call {
                        let _ = self.acd.call_ended(now, &own);
                    }
                }
            }
            _ => return,
        }
        self.drain(None);
    }
}

impl Handler<CallToAcd> for AcdActor {
    type Result = ();
    fn handle(&mut self, message: CallToAcd, ctx: &mut Context<Self>) {
        let call = message.call.clone();
        let stamp = message.stamp.clone();
        if let Err(error) = self.on_call(message) {
            // A late answer or failure for an offer the core took back already, or a
            // request for a call it let go: nothing changed.
            tracing::info!(%call, %error, "ACD did not take a call's request");
        }
        self.drain_with(Some(&stamp), Some(ctx.address().recipient()));
    }
}

/// Where callbacks are placed, once the switchboard exists (it is started after the ACD,
/// which it is handed).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SetCallbacks(pub Recipient<PlaceCallback>);

impl Handler<SetCallbacks> for AcdActor {
    type Result = ();
    fn handle(&mut self, set: SetCallbacks, _ctx: &mut Context<Self>) {
        self.callbacks = Some(set.0);
    }
}

impl Handler<CallbackNotPlaced> for AcdActor {
    type Result = ();
    fn handle(&mut self, failed: CallbackNotPlaced, ctx: &mut Context<Self>) {
        // Not refused at once: the same agent could be offered it again at once, and again.
        // The reservation stands until the queue's ring timeout takes it back (a miss);
        // until then the callback is placed again each second (the phone may be
        // hanging up from the feature code call that made the agent ready); the
        // callback keeps its place.
        let key = call_key(&failed.acd_call);
        if failed.unreachable {
            // No trunk route reaches the number: it can never be called back. It leaves
            // the ACD (counted abandoned) and the agent is free, instead of missing it
            // again and again.
            tracing::error!(call = %failed.acd_call, reason = %failed.reason, "callback dropped: its number cannot be reached");
            let _ = self.acd.call_left(failed.stamp.at_ms, &key);
        } else {
            tracing::info!(call = %failed.acd_call, agent = %failed.agent, reason = %failed.reason, "callback not placed; tried again next second until the offer's ring timeout");
            self.unplaced_callbacks.push((key, failed.agent.clone()));
        }
        self.drain_with(Some(&failed.stamp), Some(ctx.address().recipient()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::AcdRequest;
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

    /// Keeps what the ACD tells a call.
    struct FakeCall(std::sync::Arc<std::sync::Mutex<Vec<AcdInstruction>>>);

    impl Actor for FakeCall {
        type Context = Context<Self>;
    }

    /// Stops the fake call as a contained panic would.
    #[derive(Message)]
    #[rtype(result = "()")]
    struct Die;

    impl Handler<Die> for FakeCall {
        type Result = ();
        fn handle(&mut self, _: Die, ctx: &mut Context<Self>) {
            ctx.stop();
        }
    }

    impl Handler<CallInput> for FakeCall {
        type Result = ();
        fn handle(&mut self, input: CallInput, _ctx: &mut Context<Self>) {
            if let CallInput::Acd { instruction, .. } = input {
                self.0.lock().expect("not poisoned").push(instruction);
            }
        }
    }

    fn stamp(at_ms: u64) -> Stamp {
        Stamp {
            at_ms,
            token: media_engine::WorkToken::untracked(),
        }
    }

    #[test]
    fn a_phone_login_with_the_right_pin_gets_the_waiting_call_offered_at_that_phone() {
        actix::System::new().block_on(async {
            let acd = Acd::new(config(), 0).expect("valid config");
            let actor = AcdActor::new(acd)
                .with_phone_logins(
                    BTreeMap::from([(AgentId::new("201"), "2011".to_owned())]),
                    vec!["break".into(), "lunch".into()],
                )
                .start();
            let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let call = FakeCall(heard.clone()).start();
            let send = |id: &str, request: AcdRequest, at_ms: u64| {
                actor.send(CallToAcd {
                    call: id.into(),
                    caller: Some("5550123".into()),
                    request,
                    reply: call.clone().recipient(),
                    stamp: stamp(at_ms),
                })
            };
            send(
                "c1",
                AcdRequest::Enter(crate::session::QueueEntry {
                    queue: "billing".into(),
                    priority: 0,
                    skills: Vec::new(),
                    variables: BTreeMap::new(),
                    language: ivr::flow::Language::En,
                }),
                1000,
            )
            .await
            .expect("actor answers");
            let login = |pin: &str| AcdRequest::Feature {
                device: "203".into(),
                code: FeatureCode::Login {
                    agent: "201".into(),
                    pin: pin.into(),
                },
            };
            send("f1", login("9999"), 2000)
                .await
                .expect("actor answers");
            send("f2", login("2011"), 3000)
                .await
                .expect("actor answers");
            // Reason 2 of the list; the agent is reserved for c1, so the ACD takes the
            // offer back.
            send(
                "f3",
                AcdRequest::Feature {
                    device: "203".into(),
                    code: FeatureCode::NotReady { reason: Some(2) },
                },
                4000,
            )
            .await
            .expect("actor answers");
            let snapshot = actor.send(GetAcdSnapshot).await.expect("snapshot");
            // Let the fake call take its mail.
            actix::clock::sleep(std::time::Duration::from_millis(50)).await;
            let heard = heard.lock().expect("not poisoned").clone();
            assert_eq!(
                heard,
                vec![
                    AcdInstruction::FeatureDone { accepted: false },
                    // The verdict goes to the phone, then the core's actions to the call.
                    AcdInstruction::FeatureDone { accepted: true },
                    AcdInstruction::Offer {
                        agent: AgentId::new("201"),
                        device: PhoneNumber::parse("203").expect("number"),
                    },
                    AcdInstruction::FeatureDone { accepted: true },
                    AcdInstruction::CancelOffer {
                        agent: AgentId::new("201"),
                    },
                ]
            );
            assert_eq!(
                snapshot.agents[0].state,
                AgentState::NotReady {
                    reason: "lunch".into()
                }
            );
            assert_eq!(snapshot.agents[0].device.as_deref(), Some("203"));
        });
    }

    fn envelope(seq: u64, at_ms: u64, event: Event) -> events::Envelope {
        events::Envelope {
            seq,
            at_ms,
            unix_ms: 0,
            event,
        }
    }

    #[test]
    fn an_agents_phone_busy_with_its_own_call_takes_no_offer_until_it_is_free() {
        actix::System::new().block_on(async {
            let mut acd = Acd::new(config(), 0).expect("valid config");
            acd.login(0, &AgentId::new("201"), "203").expect("login");
            let actor = AcdActor::new(acd)
                .with_devices(vec![Box::new(crate::agent_device::FxsPhone {
                    extension: "203".into(),
                    channel: "3/1".into(),
                })])
                .start();
            let leg = |seq, at_ms, call: &str, joined: bool| {
                let (call, channel) = (CallId::from(call), "3/1".to_owned());
                let event = if joined {
                    Event::LegJoined {
                        call,
                        channel,
                        role: events::LegRole::Origin,
                    }
                } else {
                    Event::LegLeft {
                        call,
                        channel,
                        role: events::LegRole::Origin,
                    }
                };
                envelope(seq, at_ms, event)
            };
            let state = |snapshot: Snapshot| snapshot.agents[0].state.kind();
            // A feature code call from the phone does not make it busy.
            actor
                .send(envelope(
                    1,
                    500,
                    Event::CallStarted {
                        call: "f1".into(),
                        from: Some("203".into()),
                        to: Some("*22".into()),
                        dialled: Some("*22".into()),
                        origin: "3/1".into(),
                    },
                ))
                .await
                .expect("actor answers");
            actor
                .send(leg(2, 500, "f1", true))
                .await
                .expect("actor answers");
            let snapshot = actor.send(GetAcdSnapshot).await.expect("snapshot");
            assert_eq!(state(snapshot), acd::AgentStateKind::Ready);
            // The agent dials a colleague: on a call of their own.
            actor
                .send(leg(3, 1000, "x1", true))
                .await
                .expect("actor answers");
            let snapshot = actor.send(GetAcdSnapshot).await.expect("snapshot");
            assert_eq!(state(snapshot), acd::AgentStateKind::OnCallOutbound);
            // Hung up: ready again.
            actor
                .send(leg(4, 9000, "x1", false))
                .await
                .expect("actor answers");
            let snapshot = actor.send(GetAcdSnapshot).await.expect("snapshot");
            assert_eq!(state(snapshot), acd::AgentStateKind::Ready);
            // A leg of another phone changes nothing.
            actor
                .send(envelope(
                    5,
                    9500,
                    Event::LegJoined {
                        call: "y1".into(),
                        channel: "4/1".into(),
                        role: events::LegRole::Origin,
                    },
                ))
                .await
                .expect("actor answers");
            let snapshot = actor.send(GetAcdSnapshot).await.expect("snapshot");
            assert_eq!(state(snapshot), acd::AgentStateKind::Ready);
        });
    }

    #[test]
    fn a_colleagues_transfer_to_an_agents_phone_makes_that_agent_busy_until_it_leaves() {
        actix::System::new().block_on(async {
            let mut config = config();
            config
                .agents
                .push(AgentConfig::new(AgentId::new("202"), &["billing"]));
            let mut acd = Acd::new(config, 0).expect("valid config");
            acd.login(0, &AgentId::new("201"), "201").expect("login");
            acd.login(0, &AgentId::new("202"), "202").expect("login");
            let phone =
                |extension: &str, channel: &str| -> Box<dyn crate::agent_device::AgentDevice> {
                    Box::new(crate::agent_device::FxsPhone {
                        extension: extension.into(),
                        channel: channel.into(),
                    })
                };
            let actor = AcdActor::new(acd)
                .with_devices(vec![phone("201", "2/1"), phone("202", "3/1")])
                .start();
            let leg = |seq, at_ms, channel: &str, joined: bool| {
                let (call, channel) = (CallId::from("c1"), channel.to_owned());
                let role = events::LegRole::Destination;
                envelope(
                    seq,
                    at_ms,
                    if joined {
                        Event::LegJoined {
                            call,
                            channel,
                            role,
                        }
                    } else {
                        Event::LegLeft {
                            call,
                            channel,
                            role,
                        }
                    },
                )
            };
            let state = |snapshot: &Snapshot, agent: &str| {
                snapshot
                    .agents
                    .iter()
                    .find(|a| a.id.as_str() == agent)
                    .map(|a| a.state.kind())
            };
            // 201 is on call c1; 201 consults 202, whose phone joins the same call.
            actor
                .send(leg(1, 1000, "2/1", true))
                .await
                .expect("actor answers");
            actor
                .send(leg(2, 5000, "3/1", true))
                .await
                .expect("actor answers");
            let snapshot = actor.send(GetAcdSnapshot).await.expect("snapshot");
            assert_eq!(
                state(&snapshot, "201"),
                Some(acd::AgentStateKind::OnCallOutbound)
            );
            assert_eq!(
                state(&snapshot, "202"),
                Some(acd::AgentStateKind::OnCallOutbound)
            );
            // 201 hangs up (the transfer completes): 202 is still on it.
            actor
                .send(leg(3, 8000, "2/1", false))
                .await
                .expect("actor answers");
            let snapshot = actor.send(GetAcdSnapshot).await.expect("snapshot");
            assert_eq!(state(&snapshot, "201"), Some(acd::AgentStateKind::Ready));
            assert_eq!(
                state(&snapshot, "202"),
                Some(acd::AgentStateKind::OnCallOutbound)
            );
            actor
                .send(leg(4, 12000, "3/1", false))
                .await
                .expect("actor answers");
            let snapshot = actor.send(GetAcdSnapshot).await.expect("snapshot");
            assert_eq!(state(&snapshot, "202"), Some(acd::AgentStateKind::Ready));
        });
    }

    #[test]
    fn a_call_whose_actor_died_is_taken_out_and_its_agent_freed() {
        actix::System::new().block_on(async {
            let mut acd = Acd::new(config(), 0).expect("valid config");
            acd.login(0, &AgentId::new("201"), "201").expect("login");
            let actor = AcdActor::new(acd).start();
            let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let call = FakeCall(heard.clone()).start();
            actor
                .send(CallToAcd {
                    call: "c1".into(),
                    caller: None,
                    request: AcdRequest::Enter(crate::session::QueueEntry {
                        queue: "billing".into(),
                        priority: 0,
                        skills: Vec::new(),
                        variables: BTreeMap::new(),
                        language: ivr::flow::Language::En,
                    }),
                    reply: call.clone().recipient(),
                    stamp: stamp(1000),
                })
                .await
                .expect("actor answers");
            let state = |s: Snapshot| s.agents[0].state.kind();
            let snapshot = actor.send(GetAcdSnapshot).await.expect("snapshot");
            assert_eq!(state(snapshot), acd::AgentStateKind::Reserved);
            // The call's actor stops (a contained panic) without saying it left.
            call.do_send(Die);
            actix::clock::sleep(std::time::Duration::from_millis(50)).await;
            let second = |at_ms| Second {
                stamp: stamp(at_ms),
            };
            actor.send(second(2000)).await.expect("actor answers");
            let snapshot = actor.send(GetAcdSnapshot).await.expect("snapshot");
            assert_eq!(
                state(snapshot),
                acd::AgentStateKind::Reserved,
                "one second's grace for a Left still in the mailbox"
            );
            actor.send(second(3000)).await.expect("actor answers");
            let snapshot = actor.send(GetAcdSnapshot).await.expect("snapshot");
            assert_eq!(state(snapshot.clone()), acd::AgentStateKind::Ready);
            assert_eq!(snapshot.queues[0].abandoned, 1);
        });
    }

    #[test]
    fn an_agents_phone_unplugged_logs_the_agent_out() {
        actix::System::new().block_on(async {
            let mut acd = Acd::new(config(), 0).expect("valid config");
            acd.login(0, &AgentId::new("201"), "203").expect("login");
            let actor = AcdActor::new(acd)
                .with_devices(vec![Box::new(crate::agent_device::FxsPhone {
                    extension: "203".into(),
                    channel: "3/1".into(),
                })])
                .start();
            let line = |state: &str| {
                envelope(
                    1,
                    5000,
                    Event::LineStateChanged {
                        channel: "3/1".into(),
                        kind: events::LineKind::Fxs,
                        state: state.into(),
                    },
                )
            };
            // Plugging in, or any other line state, changes nothing.
            actor.send(line("plugged")).await.expect("actor answers");
            actor.send(line("ringing")).await.expect("actor answers");
            let snapshot = actor.send(GetAcdSnapshot).await.expect("snapshot");
            assert_eq!(snapshot.agents[0].state, AgentState::Ready);
            actor.send(line("unplugged")).await.expect("actor answers");
            let snapshot = actor.send(GetAcdSnapshot).await.expect("snapshot");
            assert_eq!(snapshot.agents[0].state, AgentState::LoggedOut);
            assert_eq!(snapshot.agents[0].device, None);
        });
    }

    /// A switchboard that says the agent's phone is busy for the first `busy` callbacks
    /// it is asked to place, and keeps every request.
    struct FakeSwitchboard {
        busy: usize,
        /// Refuses as "no route" instead of busy.
        unreachable: bool,
        asked: std::sync::Arc<std::sync::Mutex<Vec<(u64, String, String)>>>,
    }

    impl Actor for FakeSwitchboard {
        type Context = Context<Self>;
    }

    impl Handler<PlaceCallback> for FakeSwitchboard {
        type Result = ();
        fn handle(&mut self, place: PlaceCallback, _ctx: &mut Context<Self>) {
            let mut asked = self.asked.lock().expect("not poisoned");
            asked.push((
                place.stamp.at_ms,
                place.device.clone(),
                place.number.clone(),
            ));
            if asked.len() <= self.busy {
                place.not_placed.do_send(CallbackNotPlaced {
                    acd_call: place.acd_call,
                    agent: place.agent,
                    reason: format!("phone {} is busy", place.device),
                    unreachable: self.unreachable,
                    stamp: place.stamp,
                });
            }
        }
    }

    /// Call c1 from 5550123 enters billing at 1 s and takes a callback at 2 s.
    async fn callback_waiting(actor: &Addr<AcdActor>) {
        let call = FakeCall(std::sync::Arc::new(std::sync::Mutex::new(Vec::new()))).start();
        for (request, at_ms) in [
            (
                AcdRequest::Enter(crate::session::QueueEntry {
                    queue: "billing".into(),
                    priority: 0,
                    skills: Vec::new(),
                    variables: BTreeMap::new(),
                    language: ivr::flow::Language::En,
                }),
                1000,
            ),
            (
                AcdRequest::CallbackRequested {
                    number: "5550123".into(),
                },
                2000,
            ),
        ] {
            actor
                .send(CallToAcd {
                    call: "c1".into(),
                    caller: Some("5550123".into()),
                    request,
                    reply: call.clone().recipient(),
                    stamp: stamp(at_ms),
                })
                .await
                .expect("actor answers");
        }
    }

    /// An agent made ready while their phone still hangs up from the feature code call
    /// (or by the API, whose command has no way to hear a failure back) is reserved for
    /// the waiting callback: the callback is placed again each second until the phone
    /// can be had, not left to run out as a missed offer (acd-callback.hil).
    #[test]
    fn a_callback_not_placed_is_placed_again_each_second_while_its_agent_is_reserved() {
        actix::System::new().block_on(async {
            let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let switchboard = FakeSwitchboard {
                busy: 1,
                unreachable: false,
                asked: asked.clone(),
            }
            .start();
            let acd = Acd::new(config(), 0).expect("valid config");
            let actor = AcdActor::new(acd)
                .with_callbacks(switchboard.recipient())
                .start();
            callback_waiting(&actor).await;
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
            for at_ms in [3000, 4000, 5000, 6000] {
                actor
                    .send(Second {
                        stamp: stamp(at_ms),
                    })
                    .await
                    .expect("actor answers");
                // Let the switchboard answer before the next second.
                actix::clock::sleep(std::time::Duration::from_millis(20)).await;
            }
            let snapshot = actor.send(GetAcdSnapshot).await.expect("snapshot");
            let asked = asked.lock().expect("not poisoned").clone();
            // Asked at the first second after the login (the API's command could not
            // hear a failure), refused as busy, asked again at the next; placed, so
            // not again.
            assert_eq!(
                asked,
                vec![
                    (3000, "201".to_owned(), "5550123".to_owned()),
                    (4000, "201".to_owned(), "5550123".to_owned()),
                ]
            );
            assert_eq!(
                snapshot.agents[0].state,
                AgentState::Reserved {
                    call: CallKey::new("c1")
                }
            );
        });
    }

    #[test]
    fn a_callback_to_a_number_no_route_reaches_is_dropped_and_its_agent_freed() {
        actix::System::new().block_on(async {
            let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let switchboard = FakeSwitchboard {
                busy: usize::MAX,
                unreachable: true,
                asked: asked.clone(),
            }
            .start();
            let mut acd = Acd::new(config(), 0).expect("valid config");
            acd.login(0, &AgentId::new("201"), "201").expect("login");
            acd.not_ready(0, &AgentId::new("201"), "break")
                .expect("not ready");
            let actor = AcdActor::new(acd)
                .with_callbacks(switchboard.recipient())
                .start();
            callback_waiting(&actor).await;
            actor
                .send(AgentCommand {
                    agent: AgentId::new("201"),
                    request: AgentRequest::Ready,
                })
                .await
                .expect("actor answers")
                .expect("ready");
            for at_ms in [3000, 4000, 5000] {
                actor
                    .send(Second {
                        stamp: stamp(at_ms),
                    })
                    .await
                    .expect("actor answers");
                actix::clock::sleep(std::time::Duration::from_millis(20)).await;
            }
            let snapshot = actor.send(GetAcdSnapshot).await.expect("snapshot");
            assert_eq!(asked.lock().expect("not poisoned").len(), 1, "asked once");
            assert_eq!(snapshot.agents[0].state, AgentState::Ready);
            assert_eq!(snapshot.agents[0].missed_in_row, 0);
            assert_eq!(snapshot.queues[0].waiting, 0);
            assert_eq!(snapshot.queues[0].abandoned, 1);
        });
    }
}
