//! The switchboard: the box's one actor that knows every line and every call. It starts
//! the line actors (`lines.rs`), routes each new call (`crate::routing`, pure) onto
//! channels the leg pool (`crate::leg_pool`, the one owner of "is this channel free")
//! reserves, starts a call actor for it, writes its CDR when it ends, supervises failed
//! actors (`supervision.rs`), publishes every change on the event bus and answers the
//! status view (`view.rs`).

mod lines;
mod live;
mod supervision;
mod view;

use crate::bchannel::BChannelActor;
use crate::call::{CallActor, CallSetup, LegLine};
use crate::cdr_writer::{cdr_from_record, WriteCdr};
use crate::leg_pool::LegPool;
pub use crate::messages::{CallAnswered, CallEnded, Incoming, PortStatus, Second, SpanState};
use crate::messages::{
    CallId, CallInput, CallbackNotPlaced, LegLeft, PlaceCallback, PortInput, RequestLeg, Stamp,
    SwitchboardLink,
};
use crate::plan::SwitchboardPlan;
use crate::port::DialPlan;
use crate::restart_policy::RestartHistory;
use crate::router::EventRouter;
use crate::routing::{route, route_dialled, Target};
use crate::session::{
    plan_applications, CallNumbers, CallRecord, CallSession, IvrContext, Leg, LegGrant, LegRole,
    Route, SessionConfig,
};
use crate::span::{CaptureChange, CaptureDChannel, SpanActor};
use crate::status::{BoxStatus, SpanView, Totals};
use actix::prelude::*;
use events::{Event, Publish};
use line_boundary::{Cause, ChannelId, LineKind, PhoneNumber};
pub use live::{GetCall, ListCalls, LiveCall, RecordCall, RecordError, Supervise, SuperviseError};
use media_engine::CommandSender;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Message)]
#[rtype(result = "BoxStatus")]
pub struct GetStatus;

/// Start (`Some(file)`) or stop (`None`) the pcap capture of span `device`'s D-channel.
#[derive(Debug, Message)]
#[rtype(result = "Result<CaptureChange, String>")]
pub struct CaptureSpan {
    pub device: u16,
    pub path: Option<std::path::PathBuf>,
}

/// A line's actor and what the switchboard keeps about it.
struct LineEntry {
    plan: crate::plan::PortPlan,
    addr: Recipient<PortInput>,
    restarts: u32,
}

/// A live call, for supervision and the status view (its own record is in its session).
struct CallEntry {
    addr: Addr<CallActor>,
    origin: ChannelId,
    /// The leg granted last that is still in the call (the status view's destination).
    destination: Option<ChannelId>,
    /// Every leg granted to the call (routed or asked for mid-call: an agent's phone, a
    /// supervisor's) still in it, oldest first.
    granted: Vec<ChannelId>,
    numbers: CallNumbers,
    started_ms: u64,
    answered_ms: Option<u64>,
}

pub struct Switchboard {
    plan: Arc<SwitchboardPlan>,
    engine: CommandSender,
    router: Addr<EventRouter>,
    cdr: Recipient<WriteCdr>,
    events: Option<Recipient<Publish>>,
    /// Told each second of engine time (the ACD's timers).
    clock_listeners: Vec<Recipient<Second>>,
    /// The ACD actor, handed to every call (queue nodes join its queues).
    acd: Option<Recipient<crate::messages::CallToAcd>>,
    /// The recorder and the rules each call is recorded by.
    recorder: Option<(
        crate::recorder_actor::RecorderLink,
        Arc<box_config::RecordingSettings>,
    )>,
    dial_plan: Arc<DialPlan>,
    lines: BTreeMap<ChannelId, LineEntry>,
    pool: LegPool,
    spans: BTreeMap<u16, SpanView>,
    span_actors: BTreeMap<u16, Addr<SpanActor>>,
    /// Each span's B-channel actors by timeslot: they outlive a span actor's restart.
    span_bchannels: BTreeMap<u16, BTreeMap<u8, Addr<BChannelActor>>>,
    /// Each span's line as last reported (connected, LOS/AIS/RAI bits).
    span_lines: BTreeMap<u16, (bool, u8)>,
    /// Protocol and link errors counted by a span's failed actors before the current one.
    span_error_base: BTreeMap<u16, (u64, u64)>,
    calls: BTreeMap<CallId, CallEntry>,
    /// Each line's and span's recent failures, and the restarts waiting for their time.
    restarts: BTreeMap<supervision::Failed, RestartHistory>,
    pending_restarts: Vec<(u64, supervision::Failed)>,
    /// While a failure is being cleaned up: its work token, for everything sent on.
    cleanup_token: Option<media_engine::WorkToken>,
    next_call: u64,
    now_ms: u64,
    totals: Totals,
}

impl Switchboard {
    pub fn new(
        plan: SwitchboardPlan,
        engine: CommandSender,
        router: Addr<EventRouter>,
        cdr: Recipient<WriteCdr>,
    ) -> Switchboard {
        let dial_plan = Arc::new(DialPlan {
            extensions: plan
                .ports
                .iter()
                .filter_map(|p| p.extension.clone())
                .collect(),
            outbound_prefixes: Vec::new(),
            fault_injection: plan.fault_injection,
        });
        let spans = plan
            .spans
            .iter()
            .map(|s| {
                (
                    s.device,
                    SpanView::new(s.device, &s.name, s.pri.is_some(), s.bchannels.len()),
                )
            })
            .collect();
        Switchboard {
            plan: Arc::new(plan),
            engine,
            router,
            cdr,
            events: None,
            clock_listeners: Vec::new(),
            acd: None,
            recorder: None,
            dial_plan,
            lines: BTreeMap::new(),
            pool: LegPool::default(),
            spans,
            span_actors: BTreeMap::new(),
            span_bchannels: BTreeMap::new(),
            span_lines: BTreeMap::new(),
            span_error_base: BTreeMap::new(),
            calls: BTreeMap::new(),
            restarts: BTreeMap::new(),
            pending_restarts: Vec::new(),
            cleanup_token: None,
            next_call: 1,
            now_ms: 0,
            totals: Totals::default(),
        }
    }

    /// Publishes every call, leg, line and span change on this bus.
    pub fn with_events(mut self, events: Recipient<Publish>) -> Switchboard {
        self.events = Some(events);
        self
    }

    /// Gives every call the ACD actor, for queue nodes.
    pub fn with_acd(mut self, acd: Recipient<crate::messages::CallToAcd>) -> Switchboard {
        self.acd = Some(acd);
        self
    }

    /// Gives every call the recorder and the recording rules.
    pub fn with_recorder(
        mut self,
        recorder: crate::recorder_actor::RecorderLink,
        settings: Arc<box_config::RecordingSettings>,
    ) -> Switchboard {
        self.recorder = Some((recorder, settings));
        self
    }

    /// Passes each engine second on to `listener` too (the ACD actor's timers).
    pub fn with_clock_listener(mut self, listener: Recipient<Second>) -> Switchboard {
        self.clock_listeners.push(listener);
        self
    }

    fn publish(&self, event: Event) {
        if let Some(events) = &self.events {
            events.do_send(Publish::new(event, self.now_ms));
        }
    }

    fn line(&self, channel: ChannelId) -> Option<LegLine> {
        self.lines.get(&channel).map(|entry| LegLine {
            channel,
            slot: entry.plan.slot,
            port: entry.addr.clone(),
        })
    }

    fn kind(&self, channel: ChannelId) -> LineKind {
        self.lines
            .get(&channel)
            .map_or(LineKind::Fxs, |entry| entry.plan.kind)
    }

    fn span_ready(&self, device: u16) -> bool {
        match self.spans.get(&device) {
            // A span places calls once its D-channel is up; an analog trunk always may.
            Some(span) => span.d_channel_up == Some(true),
            None => true,
        }
    }

    fn write_cdr(&mut self, call: &CallId, record: &CallRecord, stamp: &Stamp) {
        let cdr = cdr_from_record(call, record, self.plan.epoch_unix_ms, stamp.at_ms);
        self.publish(Event::CallEnded {
            call: call.clone(),
            disposition: record.disposition.as_str().to_owned(),
            cause: Some(record.cause.0),
        });
        self.cdr.do_send(WriteCdr {
            cdr,
            token: stamp.token.clone(),
        });
    }

    /// A call is over for the switchboard: its channels go back to the pool, its CDR is
    /// written.
    fn finish_call(&mut self, call: &CallId, record: &CallRecord, stamp: &Stamp) {
        if let Some(entry) = self.calls.remove(call) {
            // A leg granted while the call was ending never reached its session: its line
            // must not stay attached to a call that is gone (a detach is harmless twice).
            for line in entry
                .granted
                .iter()
                .filter_map(|&channel| self.line(channel))
            {
                line.port.do_send(PortInput::Detach {
                    call: call.clone(),
                    stamp: stamp.clone(),
                });
            }
            let legs = std::iter::once((entry.origin, events::LegRole::Origin)).chain(
                entry
                    .granted
                    .iter()
                    .map(|&channel| (channel, events::LegRole::Destination)),
            );
            for (channel, role) in legs {
                self.publish(Event::LegLeft {
                    call: call.clone(),
                    channel: channel.to_string(),
                    role,
                });
            }
        }
        self.pool.release_call(call);
        self.totals.calls_ended += 1;
        if record.disposition == storage::Disposition::Failed {
            self.totals.calls_failed += 1;
        }
        self.write_cdr(call, record, stamp);
    }

    fn on_incoming(&mut self, incoming: Incoming, ctx: &mut Context<Self>) {
        self.now_ms = self.now_ms.max(incoming.stamp.at_ms);
        let Some(origin) = self.line(incoming.channel) else {
            tracing::warn!(channel = %incoming.channel, "incoming call on a line the switchboard does not know");
            return;
        };
        let id: CallId = format!("c{}-{}", self.plan.epoch_unix_ms, self.next_call).into();
        self.next_call += 1;
        if let Some(reserved) = self.pool.seize(incoming.channel, &id) {
            self.give_way(&reserved, incoming.channel, &incoming.stamp);
        }
        let kind = self.kind(incoming.channel);
        let plan = Arc::clone(&self.plan);
        let routing = route(
            &plan,
            &self.pool,
            &|device| self.span_ready(device),
            incoming.channel,
            kind,
            incoming.called.as_ref(),
        );
        // The router only names free channels; reserving is what makes them this call's.
        let target = match routing.target {
            Target::Ring(channel) | Target::Dial { channel, .. }
                if self.pool.reserve(channel, &id).is_err() =>
            {
                Target::Reject(Cause::USER_BUSY)
            }
            target => target,
        };
        // A phone presents its own extension as the calling number.
        let calling = match (kind, incoming.calling.clone()) {
            (LineKind::Fxs, None) => self
                .pool
                .get(incoming.channel)
                .and_then(|entry| entry.extension.as_deref())
                .and_then(|extension| PhoneNumber::parse(extension).ok()),
            (_, calling) => calling,
        };
        let mut numbers = CallNumbers {
            calling,
            name: incoming.name.clone(),
            callee: routing.callee,
            dialled: incoming.called.clone(),
        };
        if matches!(target, Target::Feature(_)) {
            // A login's PIN goes in no log, event or record.
            let masked = numbers.dialled.as_ref().and_then(|d| {
                PhoneNumber::parse(&crate::feature_codes::without_pin(d.as_str())).ok()
            });
            numbers.dialled = masked.clone();
            numbers.callee = masked;
        }
        let destination = match &target {
            Target::Ring(channel) | Target::Dial { channel, .. } => Some(*channel),
            Target::Echo
            | Target::Flow(_)
            | Target::Feature(_)
            | Target::Voicemail
            | Target::Reject(_) => None,
        };
        tracing::info!(
            call = %id, from = ?numbers.calling.as_ref().map(|n| n.to_string()), to = ?numbers.callee.as_ref().map(|n| n.to_string()),
            origin = %incoming.channel, destination = ?destination.map(|c| c.to_string()), "new call"
        );
        self.publish(Event::CallStarted {
            call: id.clone(),
            from: numbers.calling.as_ref().map(|n| n.to_string()),
            to: numbers.callee.as_ref().map(|n| n.to_string()),
            dialled: numbers.dialled.as_ref().map(|n| n.to_string()),
            origin: incoming.channel.to_string(),
        });
        let (session, app, lines) =
            self.new_session(origin, target, numbers.clone(), incoming.stamp.at_ms);
        self.start_call(
            NewCall {
                id,
                session,
                app,
                lines,
                numbers,
                destination,
                acd_key: None,
            },
            &incoming.stamp,
            ctx,
        );
    }

    /// The call's session with its legs, the application it starts with, and the line
    /// actor of each leg (`lines[i]` runs `LegId(i)`).
    fn new_session(
        &self,
        origin: LegLine,
        target: Target,
        numbers: CallNumbers,
        now_ms: u64,
    ) -> (
        CallSession,
        Box<dyn crate::session::Application>,
        Vec<LegLine>,
    ) {
        let origin_leg = Leg::new(
            origin.channel,
            origin.slot,
            self.kind(origin.channel),
            LegRole::Origin,
        );
        let trunk = origin_leg.is_trunk();
        let origin_leg_channel = origin_leg.channel;
        let config = SessionConfig {
            ring_timeout_ms: self.plan.ring_timeout_ms,
            fault_injection: self.plan.fault_injection,
        };
        let mut session = CallSession::new(origin_leg, numbers, config, now_ms);
        let mut lines = vec![origin];
        let mut join = |session: &mut CallSession, channel: ChannelId| {
            let line = self.line(channel)?;
            let leg = Leg::new(channel, line.slot, self.kind(channel), LegRole::Destination);
            lines.push(line);
            Some(session.add_leg(leg))
        };
        let route = match target {
            Target::Ring(channel) => match join(&mut session, channel) {
                Some(leg) => Route::Ring { leg },
                None => Route::Reject(Cause::TEMPORARY_FAILURE),
            },
            Target::Dial { channel, called } => match join(&mut session, channel) {
                Some(leg) => Route::Dial { leg, called },
                None => Route::Reject(Cause::TEMPORARY_FAILURE),
            },
            Target::Echo => Route::Echo,
            Target::Flow(name) => match self.ivr_context(&name) {
                Some(context) => Route::Flow(context),
                None => {
                    tracing::error!(flow = %name, "a route names a flow the box does not have");
                    Route::Reject(Cause::TEMPORARY_FAILURE)
                }
            },
            Target::Feature(code) => Route::Feature(crate::session::FeatureRequest {
                code,
                device: self
                    .plan
                    .ports
                    .iter()
                    .find(|port| port.channel == origin_leg_channel)
                    .and_then(|port| port.extension.clone())
                    .unwrap_or_default(),
                prompts: Arc::clone(&self.plan.ivr.prompts),
            }),
            Target::Voicemail => {
                let extension = self
                    .plan
                    .ports
                    .iter()
                    .find(|port| port.channel == origin_leg_channel)
                    .and_then(|port| port.extension.clone());
                match extension {
                    Some(mailbox) => Route::Voicemail(crate::session::ListenRequest {
                        mailbox,
                        prompts: Arc::clone(&self.plan.ivr.prompts),
                        language: ivr::flow::Language::En,
                    }),
                    // A phone without an extension has no mailbox.
                    None => Route::Reject(Cause::UNALLOCATED_NUMBER),
                }
            }
            Target::Reject(cause) => Route::Reject(cause),
        };
        let app = plan_applications(trunk, route, self.plan.greeting);
        (session, app, lines)
    }
}

impl Switchboard {
    fn ivr_context(&self, flow: &str) -> Option<IvrContext> {
        self.plan.ivr.context(flow, self.plan.epoch_unix_ms as i64)
    }

    /// A call asks for a line mid-call: routed like a number dialled on a phone of the
    /// box, reserved, attached to the call, then the call is told.
    fn on_request_leg(&mut self, request: RequestLeg) {
        self.now_ms = self.now_ms.max(request.stamp.at_ms);
        let Some(entry) = self.calls.get(&request.call) else {
            return;
        };
        let (call_addr, origin) = (entry.addr.clone(), entry.origin);
        let plan = Arc::clone(&self.plan);
        let routing = route_dialled(
            &plan,
            &self.pool,
            &|device| self.span_ready(device),
            origin,
            Some(&request.number),
        );
        let reserved = match routing.target {
            Target::Ring(channel) | Target::Dial { channel, .. }
                if self.pool.reserve(channel, &request.call).is_err() =>
            {
                Target::Reject(Cause::USER_BUSY)
            }
            target => target,
        };
        let channel = match &reserved {
            Target::Ring(channel) | Target::Dial { channel, .. } => Some(*channel),
            _ => None,
        };
        let line = channel.and_then(|channel| self.line(channel));
        let grant = match (reserved, &line) {
            (Target::Ring(channel), Some(line)) => LegGrant::Ring(Leg::new(
                channel,
                line.slot,
                self.kind(channel),
                LegRole::Destination,
            )),
            (Target::Dial { channel, called }, Some(line)) => LegGrant::Dial {
                leg: Leg::new(channel, line.slot, self.kind(channel), LegRole::Destination),
                called,
            },
            (Target::Reject(cause), _) => LegGrant::Refused(cause),
            _ => LegGrant::Refused(Cause::TEMPORARY_FAILURE),
        };
        if let (Some(line), LegGrant::Ring(_) | LegGrant::Dial { .. }) = (&line, &grant) {
            self.publish(Event::LegJoined {
                call: request.call.clone(),
                channel: line.channel.to_string(),
                role: events::LegRole::Destination,
            });
            line.port.do_send(PortInput::Attach {
                call: request.call.clone(),
                to: call_addr.clone().recipient(),
                stamp: request.stamp.clone(),
            });
            if let Some(entry) = self.calls.get_mut(&request.call) {
                entry.destination = Some(line.channel);
                entry.granted.push(line.channel);
            }
        } else if let Some(channel) = channel {
            // Reserved but no line actor to run it: give it back.
            self.pool.release(channel, &request.call);
        }
        let line = matches!(grant, LegGrant::Ring(_) | LegGrant::Dial { .. })
            .then_some(line)
            .flatten();
        call_addr.do_send(CallInput::Leg {
            request: request.request,
            grant,
            line,
            stamp: request.stamp,
        });
    }

    fn on_leg_left(&mut self, left: LegLeft) {
        self.now_ms = self.now_ms.max(left.stamp.at_ms);
        let Some(entry) = self.calls.get_mut(&left.call) else {
            return;
        };
        entry.granted.retain(|&channel| channel != left.channel);
        if entry.destination == Some(left.channel) {
            entry.destination = entry.granted.last().copied();
        }
        self.pool.release(left.channel, &left.call);
        self.publish(Event::LegLeft {
            call: left.call,
            channel: left.channel.to_string(),
            role: events::LegRole::Destination,
        });
    }
}

/// A call about to start: its session, first application and legs' lines (`lines[0]`
/// the origin).
struct NewCall {
    id: CallId,
    session: CallSession,
    app: Box<dyn crate::session::Application>,
    lines: Vec<LegLine>,
    numbers: CallNumbers,
    destination: Option<ChannelId>,
    acd_key: Option<CallId>,
}

impl Switchboard {
    /// Starts a call's actor, attaches its legs (each joining on the bus), starts its
    /// first application and enters it in the call table.
    fn start_call(&mut self, new: NewCall, stamp: &Stamp, ctx: &mut Context<Self>) {
        let mut session = new.session;
        if let Some((_, settings)) = &self.recorder {
            session.set_recording(
                Arc::clone(settings),
                crate::session::recording_seed(&new.id),
            );
        }
        let call = CallActor::new(CallSetup {
            id: new.id.clone(),
            session,
            lines: new.lines.clone(),
            app: new.app,
            engine: self.engine.clone(),
            switchboard: SwitchboardLink::to(&ctx.address()),
            events: self.events.clone(),
            lookup_tls: self.plan.ivr.lookup_tls.clone(),
            acd: self.acd.clone(),
            acd_key: new.acd_key,
            recorder: self.recorder.as_ref().map(|(link, _)| link.clone()),
        })
        .start();
        for (index, line) in new.lines.iter().enumerate() {
            let role = if index == 0 {
                events::LegRole::Origin
            } else {
                events::LegRole::Destination
            };
            self.publish(Event::LegJoined {
                call: new.id.clone(),
                channel: line.channel.to_string(),
                role,
            });
            line.port.do_send(PortInput::Attach {
                call: new.id.clone(),
                to: call.clone().recipient(),
                stamp: stamp.clone(),
            });
        }
        call.do_send(CallInput::Start {
            stamp: stamp.clone(),
        });
        self.totals.calls_started += 1;
        let origin = new.lines[0].channel;
        self.calls.insert(
            new.id,
            CallEntry {
                addr: call,
                origin,
                destination: new.destination,
                granted: new.destination.into_iter().collect(),
                numbers: new.numbers,
                started_ms: stamp.at_ms,
                answered_ms: None,
            },
        );
    }

    /// Starts the call of a callback: the agent's phone is this call's origin (rung, not
    /// ringing in), the customer is dialled once the agent answered.
    fn on_place_callback(&mut self, place: PlaceCallback, ctx: &mut Context<Self>) {
        self.now_ms = self.now_ms.max(place.stamp.at_ms);
        let not_placed = |reason: String, unreachable: bool| {
            tracing::info!(call = %place.acd_call, agent = %place.agent, %reason, "callback not placed");
            place.not_placed.do_send(CallbackNotPlaced {
                acd_call: place.acd_call.clone(),
                agent: place.agent.clone(),
                reason,
                unreachable,
                stamp: place.stamp.clone(),
            });
        };
        let (Ok(customer), Some(dial)) = (
            PhoneNumber::parse(&place.number),
            self.plan
                .outbound
                .iter()
                .find_map(|route| route.dialled_for(&place.number))
                .and_then(|d| PhoneNumber::parse(&d).ok()),
        ) else {
            return not_placed(format!("no outbound route reaches {}", place.number), true);
        };
        let id: CallId = format!("c{}-{}", self.plan.epoch_unix_ms, self.next_call).into();
        self.next_call += 1;
        let Some(channel) = self.pool.extension(&place.device) else {
            return not_placed(format!("no phone {}", place.device), false);
        };
        if !self.pool.is_free(channel) || self.pool.reserve(channel, &id).is_err() {
            return not_placed(format!("phone {} is busy", place.device), false);
        }
        let Some(line) = self.line(channel) else {
            self.pool.release(channel, &id);
            return not_placed(format!("phone {} has no line actor", place.device), false);
        };
        let numbers = CallNumbers {
            calling: PhoneNumber::parse(&place.device).ok(),
            name: None,
            callee: Some(customer.clone()),
            dialled: Some(customer.clone()),
        };
        tracing::info!(call = %id, for_call = %place.acd_call, agent = %place.agent, number = %customer, "callback");
        self.publish(Event::CallStarted {
            call: id.clone(),
            from: Some(place.device.clone()),
            to: Some(customer.to_string()),
            dialled: Some(customer.to_string()),
            origin: channel.to_string(),
        });
        let origin = Leg::new(channel, line.slot, self.kind(channel), LegRole::Origin);
        let config = SessionConfig {
            ring_timeout_ms: self.plan.ring_timeout_ms,
            fault_injection: self.plan.fault_injection,
        };
        let session = CallSession::new(origin, numbers.clone(), config, place.stamp.at_ms);
        let app = Box::new(crate::session::CallbackCall::new(
            crate::session::CallbackRequest {
                agent: place.agent.clone(),
                customer,
                dial,
                prompts: Arc::clone(&self.plan.ivr.prompts),
            },
        ));
        self.start_call(
            NewCall {
                id,
                session,
                app,
                lines: vec![line],
                numbers,
                destination: None,
                acd_key: Some(place.acd_call.clone()),
            },
            &place.stamp,
            ctx,
        );
    }
}

/// A phone plugged in or unplugged: said on the bus as its line's state (`plugged`,
/// `unplugged`), which the ACD reads to log out an agent whose phone went away.
impl Handler<crate::router::PhoneLink> for Switchboard {
    type Result = ();
    fn handle(&mut self, link: crate::router::PhoneLink, _ctx: &mut Context<Self>) {
        let Some(port) = self
            .plan
            .ports
            .iter()
            .find(|p| p.channel.device == link.device && p.kind == LineKind::Fxs)
        else {
            return;
        };
        let channel = port.channel;
        self.now_ms = self.now_ms.max(link.at_ms);
        tracing::info!(%channel, connected = link.connected, "phone link");
        self.publish(Event::LineStateChanged {
            channel: channel.to_string(),
            kind: events::LineKind::Fxs,
            state: if link.connected {
                "plugged"
            } else {
                "unplugged"
            }
            .to_owned(),
        });
    }
}

impl Handler<PlaceCallback> for Switchboard {
    type Result = ();
    fn handle(&mut self, place: PlaceCallback, ctx: &mut Context<Self>) {
        self.on_place_callback(place, ctx);
    }
}

impl Handler<RequestLeg> for Switchboard {
    type Result = ();
    fn handle(&mut self, request: RequestLeg, _ctx: &mut Context<Self>) {
        self.on_request_leg(request);
    }
}

impl Handler<LegLeft> for Switchboard {
    type Result = ();
    fn handle(&mut self, left: LegLeft, _ctx: &mut Context<Self>) {
        self.on_leg_left(left);
    }
}

impl Actor for Switchboard {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.start_lines(ctx.address());
    }
}

impl Handler<Incoming> for Switchboard {
    type Result = ();
    fn handle(&mut self, incoming: Incoming, ctx: &mut Context<Self>) {
        self.on_incoming(incoming, ctx);
    }
}

impl Handler<PortStatus> for Switchboard {
    type Result = ();
    fn handle(&mut self, status: PortStatus, _ctx: &mut Context<Self>) {
        self.now_ms = self.now_ms.max(status.stamp.at_ms);
        let kind = self.kind(status.channel);
        self.pool
            .line_changed(status.channel, status.line, status.detail);
        self.publish(Event::LineStateChanged {
            channel: status.channel.to_string(),
            kind: match kind {
                LineKind::Fxo => events::LineKind::Fxo,
                LineKind::Fxs => events::LineKind::Fxs,
                LineKind::E1 => events::LineKind::E1,
            },
            state: status.detail.to_owned(),
        });
    }
}

impl Handler<CallAnswered> for Switchboard {
    type Result = ();
    fn handle(&mut self, answered: CallAnswered, _ctx: &mut Context<Self>) {
        self.now_ms = self.now_ms.max(answered.stamp.at_ms);
        if let Some(entry) = self.calls.get_mut(&answered.call) {
            entry.answered_ms = Some(answered.stamp.at_ms);
        }
        self.publish(Event::CallAnswered {
            call: answered.call,
            channel: answered
                .channel
                .map_or_else(|| "box".to_owned(), |c| c.to_string()),
        });
    }
}

impl Handler<CallEnded> for Switchboard {
    type Result = ();
    fn handle(&mut self, ended: CallEnded, _ctx: &mut Context<Self>) {
        self.now_ms = self.now_ms.max(ended.stamp.at_ms);
        if !self.calls.contains_key(&ended.call) {
            return;
        }
        tracing::info!(call = %ended.call, disposition = ?ended.record.disposition, cause = %ended.record.cause, "call ended");
        self.finish_call(&ended.call, &ended.record, &ended.stamp);
    }
}

impl Handler<SpanState> for Switchboard {
    type Result = ();
    fn handle(&mut self, state: SpanState, _ctx: &mut Context<Self>) {
        self.now_ms = self.now_ms.max(state.stamp.at_ms);
        let Some(span) = self.spans.get_mut(&state.device) else {
            return;
        };
        span.connected = state.connected;
        self.span_lines
            .insert(state.device, (state.connected, state.conditions));
        span.alarms = state.alarms;
        if span.d_channel_up.is_some() {
            span.d_channel_up = Some(state.link_up);
        }
        // A restarted span's stack counts from zero: keep what its predecessors saw.
        let (protocol_base, link_base) = self
            .span_error_base
            .get(&state.device)
            .copied()
            .unwrap_or_default();
        span.protocol_errors = protocol_base + state.protocol_errors;
        span.link_errors = link_base + state.link_errors;
        let event = Event::SpanStateChanged {
            device: state.device,
            connected: span.connected,
            alarms: span.alarms.iter().map(|a| a.as_str().to_owned()).collect(),
            d_channel_up: span.d_channel_up,
        };
        self.publish(event);
    }
}

impl Handler<Second> for Switchboard {
    type Result = ();
    fn handle(&mut self, second: Second, ctx: &mut Context<Self>) {
        self.now_ms = self.now_ms.max(second.stamp.at_ms);
        self.run_due_restarts(ctx);
        for entry in self.calls.values() {
            entry.addr.do_send(CallInput::Second {
                stamp: second.stamp.clone(),
            });
        }
        for listener in &self.clock_listeners {
            listener.do_send(Second {
                stamp: second.stamp.clone(),
            });
        }
    }
}

impl Handler<CaptureSpan> for Switchboard {
    type Result = ResponseFuture<Result<CaptureChange, String>>;
    fn handle(&mut self, capture: CaptureSpan, _ctx: &mut Context<Self>) -> Self::Result {
        let span = self.span_actors.get(&capture.device).cloned();
        Box::pin(async move {
            let span = span.ok_or_else(|| format!("no span {}", capture.device))?;
            span.send(CaptureDChannel(capture.path))
                .await
                .map_err(|e| format!("span actor not answering: {e}"))?
        })
    }
}

impl Handler<crate::live_config::ReplaceRouting> for Switchboard {
    type Result = ();
    /// The next calls' routes, flows and recording rules; calls already up keep theirs
    /// (their sessions hold what they were started with). Lines stay as they are.
    fn handle(&mut self, new: crate::live_config::ReplaceRouting, _ctx: &mut Context<Self>) {
        let mut plan = (*self.plan).clone();
        plan.inbound = new.inbound;
        plan.outbound = new.outbound;
        plan.greeting = new.greeting;
        plan.ivr = new.ivr;
        plan.ring_timeout_ms = new.ring_timeout_ms;
        self.plan = Arc::new(plan);
        if let Some((_, settings)) = &mut self.recorder {
            *settings = new.recording;
        }
    }
}
