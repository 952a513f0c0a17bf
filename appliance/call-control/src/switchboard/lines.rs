//! Starting the box's lines: an actor per analog port, and per span an actor with its PRI
//! stack plus an actor per B-channel. Every line joins the leg pool.

use super::{LineEntry, Switchboard};
use crate::bchannel::BChannelActor;
use crate::messages::{PortInput, SwitchboardLink};
use crate::plan::{PortPlan, SpanPlan, StackConfig};
use crate::port::{AnalogStack, PortActor};
use crate::router::{SetRoute, SetSpanRoute};
use crate::span::{OverlapNumbers, SpanActor, SpanSetup};
use crate::span_link::{BChannelLink, SetBChannels};
use actix::prelude::*;
use analog_signalling::{FxoLine, FxsPort};
use line_boundary::{ChannelId, LineKind};
use std::collections::BTreeMap;
use std::sync::Arc;

impl Switchboard {
    /// Starts every port and span of the plan.
    pub(super) fn start_lines(&mut self, me: Addr<Switchboard>) {
        let plans = self.plan.ports.clone();
        for plan in plans {
            let Some(addr) = self.start_port(&plan, me.clone()) else {
                continue;
            };
            self.pool
                .add(plan.channel, plan.kind, plan.extension.clone());
            self.lines.insert(
                plan.channel,
                LineEntry {
                    plan,
                    addr,
                    restarts: 0,
                },
            );
        }
        let spans = self.plan.spans.clone();
        for span in &spans {
            self.start_span(span, me.clone());
        }
    }

    /// Starts an analog port's actor (B-channels are started with their span).
    pub(super) fn start_port(
        &self,
        plan: &PortPlan,
        me: Addr<Switchboard>,
    ) -> Option<Recipient<PortInput>> {
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
            SwitchboardLink::to(&me),
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
    pub(super) fn start_span_actor(
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
            switchboard: SwitchboardLink::to(&me),
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
                span.clone().recipient(),
                SwitchboardLink::to(&me),
                self.engine.clone(),
                self.plan.fault_injection,
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
            // Out of service until the span reports the channel (its stack's view).
            self.pool.add(channel, LineKind::E1, None);
            self.lines.insert(
                channel,
                LineEntry {
                    plan: port_plan,
                    addr: recipient,
                    restarts: 0,
                },
            );
            bchannels.insert(bchannel.timeslot, actor);
        }
        span.do_send(SetBChannels(links(&bchannels)));
        self.span_bchannels.insert(plan.device, bchannels);
        self.span_actors.insert(plan.device, span);
    }
}

/// How a span reaches each of its B-channel actors.
pub(super) fn links(bchannels: &BTreeMap<u8, Addr<BChannelActor>>) -> BTreeMap<u8, BChannelLink> {
    bchannels
        .iter()
        .map(|(timeslot, actor)| (*timeslot, BChannelLink::to(actor)))
        .collect()
}
