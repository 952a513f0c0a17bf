//! The switchboard: routes new calls, starts a call actor for each, owns the pool of
//! ports, and supervises ports and calls: when one panics it clears only what that actor
//! owned (its legs get cause 41, its CDR is written) and restarts failed ports.

use crate::bchannel::{BChannelActor, BChannelLine, SetSpan};
use crate::call::{CallActor, CallSetup, CallTimes, Destination, Leg};
use crate::cdr_writer::WriteCdr;
use crate::containment::ActorFailed;
use crate::messages::{CallId, CallInput, PortInput, Stamp};
use crate::pcap_tap::CaptureDone;
use crate::plan::{PortPlan, SpanPlan, StackConfig, SwitchboardPlan, ECHO_DESTINATION};
use crate::port::{AnalogStack, DialPlan, PortActor};
use crate::router::{EventRouter, SetRoute, SetSpanRoute};
use crate::span::{CaptureDChannel, OverlapNumbers, SetBChannels, SpanActor, SpanSetup};
use crate::status::{BoxStatus, CallView, PortView, SpanView, Totals};
use actix::prelude::*;
use analog_signalling::{FxoLine, FxsPort};
use line_boundary::{CallerCategory, Cause, ChannelId, LineCommand, LineKind, PhoneNumber};
use media_engine::{CommandSender, EngineCommand, WorkToken};
use std::collections::BTreeMap;
use std::sync::Arc;
use storage::{Cdr, Disposition};

/// A port's stack reported a new call (a ringing trunk, or a phone that dialled).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Incoming {
    pub channel: ChannelId,
    pub calling: Option<PhoneNumber>,
    pub called: Option<PhoneNumber>,
    pub category: CallerCategory,
    pub name: Option<String>,
    pub stamp: Stamp,
}

#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct PortStatus {
    pub channel: ChannelId,
    pub state: &'static str,
    pub stamp: Stamp,
}

#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct CallAnswered {
    pub call: CallId,
    pub stamp: Stamp,
}

#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct CallEnded {
    pub call: CallId,
    pub disposition: Disposition,
    pub cause: Cause,
    pub times: CallTimes,
    pub stamp: Stamp,
}

/// A span's link or alarm state changed.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SpanState {
    pub device: u16,
    pub connected: bool,
    /// LOS/AIS/RAI bits as received.
    pub conditions: u8,
    pub alarms: Vec<&'static str>,
    /// The D-channel's data link is up (PRI spans).
    pub link_up: bool,
    /// Q.931 protocol errors and Q.921 MDL errors the span's stack saw since it started.
    pub protocol_errors: u64,
    pub link_errors: u64,
    pub stamp: Stamp,
}

/// Another second of engine time.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Second {
    pub stamp: Stamp,
}

#[derive(Debug, Message)]
#[rtype(result = "BoxStatus")]
pub struct GetStatus;

/// Start (`Some(file)`) or stop (`None`) the pcap capture of span `device`'s D-channel.
#[derive(Debug, Message)]
#[rtype(result = "Result<Option<CaptureDone>, String>")]
pub struct CaptureSpan {
    pub device: u16,
    pub path: Option<std::path::PathBuf>,
}

struct PortEntry {
    plan: PortPlan,
    addr: Recipient<PortInput>,
    state: &'static str,
    call: Option<CallId>,
    restarts: u32,
}

struct CallEntry {
    addr: Addr<CallActor>,
    origin: ChannelId,
    destination: Option<ChannelId>,
    calling: Option<PhoneNumber>,
    called: Option<PhoneNumber>,
    /// What the caller dialled (an extension's keyed digits, a trunk's called number).
    dialled: Option<PhoneNumber>,
    started_ms: u64,
    answered_ms: Option<u64>,
}

pub struct Switchboard {
    plan: Arc<SwitchboardPlan>,
    engine: CommandSender,
    router: Addr<EventRouter>,
    cdr: Recipient<WriteCdr>,
    dial_plan: Arc<DialPlan>,
    ports: BTreeMap<ChannelId, PortEntry>,
    spans: BTreeMap<u16, SpanView>,
    span_actors: BTreeMap<u16, Addr<SpanActor>>,
    /// Each span's B-channel actors by timeslot: they outlive a span actor's restart.
    span_bchannels: BTreeMap<u16, BTreeMap<u8, Addr<BChannelActor>>>,
    /// Each span's line as last reported (connected, LOS/AIS/RAI bits).
    span_lines: BTreeMap<u16, (bool, u8)>,
    /// Protocol and link errors counted by a span's failed actors before the current one.
    span_error_base: BTreeMap<u16, (u64, u64)>,
    calls: BTreeMap<CallId, CallEntry>,
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
                let view = SpanView {
                    device: s.device,
                    name: s.name.clone(),
                    connected: false,
                    alarms: vec![],
                    d_channel_up: s.pri.as_ref().map(|_| false),
                    b_channels: s.bchannels.len(),
                    b_channels_busy: 0,
                    restarts: 0,
                    protocol_errors: 0,
                    link_errors: 0,
                };
                (s.device, view)
            })
            .collect();
        Switchboard {
            plan: Arc::new(plan),
            engine,
            router,
            cdr,
            dial_plan,
            ports: BTreeMap::new(),
            spans,
            span_actors: BTreeMap::new(),
            span_bchannels: BTreeMap::new(),
            span_lines: BTreeMap::new(),
            span_error_base: BTreeMap::new(),
            calls: BTreeMap::new(),
            next_call: 1,
            now_ms: 0,
            totals: Totals::default(),
        }
    }

    /// Starts an analog port's actor (B-channels are started with their span).
    fn start_port(&self, plan: &PortPlan, me: Addr<Switchboard>) -> Option<Recipient<PortInput>> {
        let stack = match &plan.stack {
            StackConfig::Fxo(config) => AnalogStack::Fxo(FxoLine::new(config.clone())),
            StackConfig::Fxs(config) => AnalogStack::Fxs(FxsPort::new(config.clone())),
            StackConfig::BChannel => return None,
        };
        let port = PortActor::new(
            plan.channel,
            plan.slot,
            stack,
            self.engine.clone(),
            me,
            Arc::clone(&self.dial_plan),
        )
        .start()
        .recipient();
        self.router.do_send(SetRoute {
            slot: plan.slot,
            to: port.clone(),
        });
        Some(port)
    }

    /// Starts a span's actor with a fresh PRI stack (`restarted`: it replaces a failed one).
    fn start_span_actor(
        &self,
        plan: &SpanPlan,
        me: Addr<Switchboard>,
        restarted: bool,
    ) -> Addr<SpanActor> {
        let pri = plan.pri.as_ref().map(|pri| {
            isdn::pri::PriStack::new(pri.role, pri.config.clone(), isdn::q921::Timers::default())
        });
        // Numbers an inbound route names for this span: an overlap-received number that
        // reaches one of them is complete.
        let numbers = self
            .plan
            .inbound
            .iter()
            .filter(|route| route.lines.contains(&plan.device))
            .filter_map(|route| route.called.clone())
            .collect();
        let (connected, conditions) = self
            .span_lines
            .get(&plan.device)
            .copied()
            .unwrap_or((false, 0));
        let span = SpanActor::new(SpanSetup {
            device: plan.device,
            switchboard: me,
            engine: self.engine.clone(),
            pri,
            overlap_numbers: OverlapNumbers(numbers),
            fault_injection: self.plan.fault_injection,
            connected,
            conditions,
            now_ms: self.now_ms,
            restarted,
        })
        .start();
        self.router.do_send(SetSpanRoute {
            device: plan.device,
            to: span.clone(),
        });
        span
    }

    /// Starts a span's actor and one actor per B-channel in service.
    fn start_span(&mut self, plan: &SpanPlan, me: Addr<Switchboard>) {
        let span = self.start_span_actor(plan, me.clone(), false);
        let mut bchannels = BTreeMap::new();
        for bchannel in &plan.bchannels {
            let channel = ChannelId {
                device: plan.device,
                channel: u16::from(bchannel.timeslot),
            };
            let actor = BChannelActor::new(
                channel,
                bchannel.slot,
                span.clone(),
                me.clone(),
                self.engine.clone(),
            )
            .start();
            let recipient: Recipient<PortInput> = actor.clone().recipient();
            self.router.do_send(SetRoute {
                slot: bchannel.slot,
                to: recipient.clone(),
            });
            let port_plan = PortPlan {
                channel,
                slot: bchannel.slot,
                name: format!("{} B{}", plan.name, bchannel.timeslot),
                kind: LineKind::E1,
                extension: None,
                stack: StackConfig::BChannel,
            };
            let entry = PortEntry {
                plan: port_plan,
                addr: recipient,
                state: "idle",
                call: None,
                restarts: 0,
            };
            self.ports.insert(channel, entry);
            bchannels.insert(bchannel.timeslot, actor);
        }
        span.do_send(SetBChannels(bchannels.clone()));
        self.span_bchannels.insert(plan.device, bchannels);
        self.span_actors.insert(plan.device, span);
    }

    /// A span actor panicked: its stack's calls are gone, so each B-channel is told its
    /// call ended (cause 41, which ends the call and writes its CDR as a line hang-up
    /// would); a new actor with a fresh stack takes over the same B-channel actors and
    /// restarts the interface, so the far end drops its side of those calls too.
    fn restart_failed_span(&mut self, name: &str, ctx: &mut Context<Self>) {
        let Some(plan) = self
            .plan
            .spans
            .iter()
            .find(|s| format!("span {}", s.device) == name)
            .cloned()
        else {
            return;
        };
        let stamp = Stamp {
            at_ms: self.now_ms,
            token: WorkToken::untracked(),
        };
        let bchannels = self
            .span_bchannels
            .get(&plan.device)
            .cloned()
            .unwrap_or_default();
        for bchannel in bchannels.values() {
            bchannel.do_send(BChannelLine {
                event: line_boundary::LineEvent::Hangup {
                    cause: Cause::TEMPORARY_FAILURE,
                },
                stamp: stamp.clone(),
            });
        }
        let span = self.start_span_actor(&plan, ctx.address(), true);
        span.do_send(SetBChannels(bchannels.clone()));
        for bchannel in bchannels.values() {
            bchannel.do_send(SetSpan(span.clone()));
        }
        self.span_actors.insert(plan.device, span);
        if let Some(view) = self.spans.get_mut(&plan.device) {
            self.span_error_base
                .insert(plan.device, (view.protocol_errors, view.link_errors));
            view.restarts += 1;
            if view.d_channel_up.is_some() {
                view.d_channel_up = Some(false);
            }
        }
    }

    /// A free channel on one of `lines` to place an outbound call on: an idle FXO port,
    /// or an idle B-channel of a span whose D-channel is up.
    fn free_trunk_channel(&self, lines: &[u16]) -> Option<ChannelId> {
        lines.iter().find_map(|line| {
            let span_ready = match self.spans.get(line) {
                Some(span) => span.d_channel_up == Some(true),
                None => true,
            };
            if !span_ready {
                return None;
            }
            let mut free = self
                .ports
                .values()
                .filter(|entry| {
                    entry.plan.channel.device == *line && entry.plan.kind != LineKind::Fxs
                })
                .filter(|entry| entry.call.is_none() && entry.state == "idle")
                .map(|entry| entry.plan.channel);
            // The network side hunts B-channels upward; the user side takes them from the
            // top, so both ends rarely pick the same channel at once (glare).
            let user_side = self.plan.spans.iter().any(|span| {
                span.device == *line
                    && span
                        .pri
                        .as_ref()
                        .is_some_and(|p| p.role == isdn::q931::Role::User)
            });
            if user_side {
                free.next_back()
            } else {
                free.next()
            }
        })
    }

    /// Where a number dialled on an extension goes: another extension, or out of a trunk.
    /// Also the number a route would send on the trunk (its prefix stripped), even when
    /// no channel is free, so the CDR names it the same way whether the call got out or not.
    fn dialled_destination(
        &self,
        dialled: Option<&str>,
        origin: ChannelId,
    ) -> (Destination, Option<PhoneNumber>) {
        let Some(dialled) = dialled else {
            return (Destination::Reject(Cause::UNALLOCATED_NUMBER), None);
        };
        if let Some(channel) = self.extension_channel(dialled) {
            return (self.ring_extension(channel, origin), None);
        }
        for route in &self.plan.outbound {
            let Some(number) = route.number_for(dialled) else {
                continue;
            };
            let Ok(called) = PhoneNumber::parse(&number) else {
                continue;
            };
            let destination = match self
                .free_trunk_channel(&route.lines)
                .and_then(|c| self.leg(c))
            {
                Some(leg) => Destination::Dial {
                    leg,
                    called: called.clone(),
                },
                None => Destination::Reject(Cause::NO_CIRCUIT_AVAILABLE),
            };
            return (destination, Some(called));
        }
        (Destination::Reject(Cause::UNALLOCATED_NUMBER), None)
    }

    fn ring_extension(&self, channel: ChannelId, origin: ChannelId) -> Destination {
        if channel == origin {
            return Destination::Reject(Cause::USER_BUSY);
        }
        match self.ports.get(&channel) {
            Some(entry) if entry.call.is_none() && entry.state == "idle" => match self.leg(channel)
            {
                Some(leg) => Destination::Ring(leg),
                None => Destination::Reject(Cause::TEMPORARY_FAILURE),
            },
            _ => Destination::Reject(Cause::USER_BUSY),
        }
    }

    fn leg(&self, channel: ChannelId) -> Option<Leg> {
        self.ports.get(&channel).map(|entry| Leg {
            channel,
            slot: entry.plan.slot,
            kind: entry.plan.kind,
            port: entry.addr.clone(),
        })
    }

    fn extension_channel(&self, extension: &str) -> Option<ChannelId> {
        self.ports
            .values()
            .find(|entry| entry.plan.extension.as_deref() == Some(extension))
            .map(|entry| entry.plan.channel)
    }

    fn unix_ms(&self, engine_ms: u64) -> i64 {
        (self.plan.epoch_unix_ms + engine_ms) as i64
    }

    fn write_cdr(
        &mut self,
        call: &CallId,
        entry: &CallEntry,
        disposition: Disposition,
        cause: Cause,
        times: &CallTimes,
        stamp: &Stamp,
    ) {
        let cdr = Cdr {
            seq: 0,
            id: call.to_string(),
            start_unix_ms: self.unix_ms(entry.started_ms),
            line_answer_unix_ms: times.line_answered_ms.map(|ms| self.unix_ms(ms)),
            answer_unix_ms: times.answered_ms.map(|ms| self.unix_ms(ms)),
            end_unix_ms: self.unix_ms(stamp.at_ms),
            caller: entry.calling.as_ref().map(|n| n.to_string()),
            callee: entry.called.as_ref().map(|n| n.to_string()),
            dialled: entry.dialled.as_ref().map(|n| n.to_string()),
            inbound_channel: entry.origin.to_string(),
            outbound_channel: entry.destination.map(|c| c.to_string()),
            disposition,
            cause: cause.0 as i64,
            ring_ms: times.ringing_ms as i64,
            talk_ms: times
                .answered_ms
                .map_or(0, |answered| stamp.at_ms.saturating_sub(answered))
                as i64,
        };
        self.cdr.do_send(WriteCdr {
            cdr,
            token: stamp.token.clone(),
        });
    }

    fn release_ports(&mut self, call: &CallId) {
        for entry in self.ports.values_mut() {
            if entry.call.as_ref() == Some(call) {
                entry.call = None;
            }
        }
    }

    fn on_incoming(&mut self, incoming: Incoming, ctx: &mut Context<Self>) {
        self.now_ms = incoming.stamp.at_ms;
        let Some(origin) = self.leg(incoming.channel) else {
            tracing::warn!(channel = %incoming.channel, "incoming call on a port the switchboard does not know");
            return;
        };
        if let Some(reserved) = self
            .ports
            .get(&incoming.channel)
            .and_then(|entry| entry.call.clone())
        {
            self.give_way(&reserved, incoming.channel, &incoming.stamp);
        }
        let id: CallId = format!("c{}-{}", self.plan.epoch_unix_ms, self.next_call).into();
        self.next_call += 1;
        let called_text = incoming.called.as_ref().map(|n| n.to_string());
        let wanted = match origin.kind {
            LineKind::Fxs => called_text.clone(),
            LineKind::Fxo | LineKind::E1 => self
                .plan
                .destination_for(incoming.channel.device, called_text.as_deref())
                .map(str::to_owned),
        };
        let (destination, trunk_number) = match (origin.kind, wanted.as_deref()) {
            (LineKind::Fxs, dialled) => self.dialled_destination(dialled, incoming.channel),
            (_, Some(ECHO_DESTINATION)) => (Destination::Echo, None),
            (_, wanted) => match wanted.and_then(|ext| self.extension_channel(ext)) {
                None => (Destination::Reject(Cause::UNALLOCATED_NUMBER), None),
                Some(channel) => (self.ring_extension(channel, incoming.channel), None),
            },
        };
        let destination_channel = match &destination {
            Destination::Ring(leg) | Destination::Dial { leg, .. } => Some(leg.channel),
            Destination::Reject(_) | Destination::Echo => None,
        };
        // A phone presents its own extension as the calling number.
        let calling = match (origin.kind, incoming.calling.clone()) {
            (LineKind::Fxs, None) => self
                .ports
                .get(&incoming.channel)
                .and_then(|entry| entry.plan.extension.as_deref())
                .and_then(|extension| PhoneNumber::parse(extension).ok()),
            (_, calling) => calling,
        };
        let called = match origin.kind {
            // The number the trunk is asked for (access prefix stripped): what the carrier
            // bills, so what the CDR shows, whether or not the call got out.
            LineKind::Fxs => trunk_number.or(incoming.called.clone()),
            LineKind::Fxo | LineKind::E1 => wanted
                .as_deref()
                .and_then(|w| PhoneNumber::parse(w).ok())
                .or(incoming.called.clone()),
        };
        tracing::info!(
            call = %id, from = ?calling.as_ref().map(|n| n.to_string()), to = ?called.as_ref().map(|n| n.to_string()),
            origin = %incoming.channel, destination = ?destination_channel.map(|c| c.to_string()), "new call"
        );
        let call = CallActor::new(CallSetup {
            id: id.clone(),
            origin: origin.clone(),
            destination: destination.clone(),
            calling: calling.clone(),
            name: incoming.name.clone(),
            greeting: self.plan.greeting,
            ring_timeout_ms: self.plan.ring_timeout_ms,
            fault_injection: self.plan.fault_injection,
            engine: self.engine.clone(),
            switchboard: ctx.address(),
        })
        .start();
        let mut legs = vec![origin];
        if let Destination::Ring(leg) | Destination::Dial { leg, .. } = destination {
            legs.push(leg);
        }
        for leg in &legs {
            if let Some(entry) = self.ports.get_mut(&leg.channel) {
                entry.call = Some(id.clone());
            }
            leg.port.do_send(PortInput::Attach {
                call: id.clone(),
                to: call.clone().recipient(),
                stamp: incoming.stamp.clone(),
            });
        }
        call.do_send(CallInput::Start {
            stamp: incoming.stamp.clone(),
        });
        self.totals.calls_started += 1;
        self.calls.insert(
            id,
            CallEntry {
                addr: call,
                origin: incoming.channel,
                destination: destination_channel,
                calling,
                called,
                dialled: incoming.called.clone(),
                started_ms: incoming.stamp.at_ms,
                answered_ms: None,
            },
        );
    }

    /// A port reserved for `reserved` started a call of its own (a phone lifted as it was
    /// about to ring, a trunk seized as the box chose it to dial out): the line is taken,
    /// so the reserved call hears that leg is busy and ends as busy, and the port is freed
    /// for the new call (its `Detach` for the old call no longer matches).
    fn give_way(&mut self, reserved: &CallId, channel: ChannelId, stamp: &Stamp) {
        tracing::warn!(%channel, call = %reserved, "a port reserved for a call started one of its own; the reserved call gets busy");
        if let Some(entry) = self.calls.get(reserved) {
            entry.addr.do_send(CallInput::Line {
                channel,
                event: line_boundary::LineEvent::Hangup {
                    cause: Cause::USER_BUSY,
                },
                stamp: stamp.clone(),
            });
        }
        if let Some(entry) = self.ports.get_mut(&channel) {
            entry.call = None;
        }
    }

    /// A call actor panicked: hang up its legs with cause 41 and write its CDR.
    fn clear_failed_call(&mut self, call: CallId) {
        let Some(entry) = self.calls.remove(&call) else {
            return;
        };
        let stamp = Stamp {
            at_ms: self.now_ms,
            token: WorkToken::untracked(),
        };
        for channel in [Some(entry.origin), entry.destination]
            .into_iter()
            .flatten()
        {
            if let Some(port) = self.ports.get(&channel) {
                let slot = port.plan.slot;
                let _ = self.engine.send(EngineCommand::Unbridge { slot });
                let _ = self.engine.send(EngineCommand::StopPlayback { slot });
                port.addr.do_send(PortInput::Command {
                    command: LineCommand::Hangup {
                        cause: Cause::TEMPORARY_FAILURE,
                    },
                    stamp: stamp.clone(),
                });
                port.addr.do_send(PortInput::Detach {
                    call: call.clone(),
                    stamp: stamp.clone(),
                });
            }
        }
        self.release_ports(&call);
        self.totals.calls_failed += 1;
        self.totals.calls_ended += 1;
        // The call's own times died with its actor: keep what the switchboard saw.
        let times = CallTimes::answered_at(entry.answered_ms);
        self.write_cdr(
            &call,
            &entry,
            Disposition::Failed,
            Cause::TEMPORARY_FAILURE,
            &times,
            &stamp,
        );
    }

    /// A port actor panicked: fail its call, then give the port a fresh actor and stack.
    fn restart_failed_port(&mut self, name: &str, ctx: &mut Context<Self>) {
        let Some(channel) = self
            .ports
            .values()
            .find(|entry| format!("port {}", entry.plan.channel.device) == name)
            .map(|entry| entry.plan.channel)
        else {
            return;
        };
        if let Some(call) = self
            .ports
            .get(&channel)
            .and_then(|entry| entry.call.clone())
        {
            if let Some(entry) = self.calls.get(&call) {
                entry.addr.do_send(CallInput::Line {
                    channel,
                    event: line_boundary::LineEvent::Hangup {
                        cause: Cause::TEMPORARY_FAILURE,
                    },
                    stamp: Stamp {
                        at_ms: self.now_ms,
                        token: WorkToken::untracked(),
                    },
                });
            }
        }
        let plan = match self.ports.get(&channel) {
            Some(entry) => entry.plan.clone(),
            None => return,
        };
        let Some(addr) = self.start_port(&plan, ctx.address()) else {
            return;
        };
        if let Some(entry) = self.ports.get_mut(&channel) {
            entry.addr = addr;
            entry.state = "restarted";
            entry.restarts += 1;
        }
    }
}

impl Actor for Switchboard {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let plans = self.plan.ports.clone();
        for plan in plans {
            let Some(addr) = self.start_port(&plan, ctx.address()) else {
                continue;
            };
            self.ports.insert(
                plan.channel,
                PortEntry {
                    plan,
                    addr,
                    state: "starting",
                    call: None,
                    restarts: 0,
                },
            );
        }
        let spans = self.plan.spans.clone();
        for span in &spans {
            self.start_span(span, ctx.address());
        }
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
        if let Some(entry) = self.ports.get_mut(&status.channel) {
            entry.state = status.state;
        }
    }
}

impl Handler<CallAnswered> for Switchboard {
    type Result = ();
    fn handle(&mut self, answered: CallAnswered, _ctx: &mut Context<Self>) {
        self.now_ms = self.now_ms.max(answered.stamp.at_ms);
        if let Some(entry) = self.calls.get_mut(&answered.call) {
            entry.answered_ms = Some(answered.stamp.at_ms);
        }
    }
}

impl Handler<CallEnded> for Switchboard {
    type Result = ();
    fn handle(&mut self, ended: CallEnded, _ctx: &mut Context<Self>) {
        self.now_ms = self.now_ms.max(ended.stamp.at_ms);
        let Some(entry) = self.calls.remove(&ended.call) else {
            return;
        };
        self.release_ports(&ended.call);
        self.totals.calls_ended += 1;
        tracing::info!(call = %ended.call, disposition = ?ended.disposition, cause = %ended.cause, "call ended");
        self.write_cdr(
            &ended.call,
            &entry,
            ended.disposition,
            ended.cause,
            &ended.times,
            &ended.stamp,
        );
    }
}

impl Handler<ActorFailed> for Switchboard {
    type Result = ();
    fn handle(&mut self, failed: ActorFailed, ctx: &mut Context<Self>) {
        let name = failed.actor.to_string();
        if let Some(call) = name.strip_prefix("call ") {
            let call: CallId = call.into();
            tracing::warn!(%call, reason = %failed.reason, "clearing a failed call with cause 41");
            self.clear_failed_call(call);
        } else if name.starts_with("span ") {
            tracing::warn!(span = %name, reason = %failed.reason, "restarting a failed span");
            self.restart_failed_span(&name, ctx);
        } else if name.starts_with("port ") {
            tracing::warn!(port = %name, reason = %failed.reason, "restarting a failed port");
            self.restart_failed_port(&name, ctx);
        }
    }
}

impl Handler<SpanState> for Switchboard {
    type Result = ();
    fn handle(&mut self, state: SpanState, _ctx: &mut Context<Self>) {
        self.now_ms = self.now_ms.max(state.stamp.at_ms);
        if let Some(span) = self.spans.get_mut(&state.device) {
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
        }
    }
}

impl Handler<Second> for Switchboard {
    type Result = ();
    fn handle(&mut self, second: Second, _ctx: &mut Context<Self>) {
        self.now_ms = self.now_ms.max(second.stamp.at_ms);
        for entry in self.calls.values() {
            entry.addr.do_send(CallInput::Second {
                stamp: second.stamp.clone(),
            });
        }
    }
}

impl Handler<GetStatus> for Switchboard {
    type Result = MessageResult<GetStatus>;
    fn handle(&mut self, _: GetStatus, _ctx: &mut Context<Self>) -> Self::Result {
        // B-channels are summed up per span; the port list is the analog ports.
        let ports = self
            .ports
            .values()
            .filter(|entry| entry.plan.kind != LineKind::E1)
            .map(|entry| PortView {
                channel: entry.plan.channel.to_string(),
                name: entry.plan.name.clone(),
                kind: entry.plan.kind,
                extension: entry.plan.extension.clone(),
                state: entry.state,
                call: entry.call.as_ref().map(|c| c.to_string()),
                restarts: entry.restarts,
            })
            .collect();
        let calls = self
            .calls
            .iter()
            .map(|(id, entry)| CallView {
                id: id.to_string(),
                from: entry.calling.as_ref().map(|n| n.to_string()),
                to: entry.called.as_ref().map(|n| n.to_string()),
                origin: entry.origin.to_string(),
                destination: entry.destination.map(|c| c.to_string()),
                answered: entry.answered_ms.is_some(),
                age_ms: self.now_ms.saturating_sub(entry.started_ms),
            })
            .collect();
        MessageResult(BoxStatus {
            engine_time_ms: self.now_ms,
            ports,
            spans: self
                .spans
                .values()
                .map(|span| {
                    let mut view = span.clone();
                    view.b_channels_busy = self
                        .ports
                        .values()
                        .filter(|e| {
                            e.plan.channel.device == span.device && e.plan.kind == LineKind::E1
                        })
                        .filter(|e| e.call.is_some() || e.state == "busy")
                        .count();
                    view
                })
                .collect(),
            calls,
            totals: self.totals.clone(),
        })
    }
}

impl Handler<CaptureSpan> for Switchboard {
    type Result = ResponseFuture<Result<Option<CaptureDone>, String>>;
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
