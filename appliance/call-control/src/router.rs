//! Routes each engine event to the actor that owns its channel or device.
//! The routing table lives here, in one actor, so restarting a port is one message.

use crate::messages::Second;
use crate::messages::{PortInput, Stamp};
use crate::span::{SpanActor, SpanInput};
use actix::prelude::*;
use media_engine::{EngineEvent, Slot, WorkToken};
use std::collections::BTreeMap;

#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct RoutedEvent {
    pub event: EngineEvent,
    pub token: WorkToken,
}

#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SetRoute {
    pub slot: Slot,
    pub to: Recipient<PortInput>,
}

#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SetSpanRoute {
    pub device: u16,
    pub to: Addr<SpanActor>,
}

#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SetSwitchboard(pub Recipient<Second>);

#[derive(Default)]
pub struct EventRouter {
    ports: BTreeMap<Slot, Recipient<PortInput>>,
    spans: BTreeMap<u16, Addr<SpanActor>>,
    switchboard: Option<Recipient<Second>>,
}

impl Actor for EventRouter {
    type Context = Context<Self>;
}

impl Handler<RoutedEvent> for EventRouter {
    type Result = ();
    fn handle(&mut self, routed: RoutedEvent, _ctx: &mut Context<Self>) {
        // The router holds nothing but its tables: a panic while routing one event loses
        // that event, never the router (every engine event goes through it).
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.route(routed)));
        if outcome.is_err() {
            tracing::error!("routing an engine event panicked; the event was dropped");
        }
    }
}

impl EventRouter {
    fn route(&mut self, routed: RoutedEvent) {
        let RoutedEvent { event, token } = routed;
        tracing::debug!(?event, "engine event");
        match event {
            EngineEvent::Second { at_ms } => {
                if let Some(switchboard) = &self.switchboard {
                    switchboard.do_send(Second {
                        stamp: Stamp { at_ms, token },
                    });
                }
            }
            event if event.device().is_some() => {
                if let Some(span) = event.device().and_then(|device| self.spans.get(&device)) {
                    span.do_send(SpanInput { event, token });
                }
            }
            event => {
                if let Some(port) = event.slot().and_then(|slot| self.ports.get(&slot)) {
                    port.do_send(PortInput::Engine { event, token });
                }
            }
        }
    }
}

impl Handler<SetRoute> for EventRouter {
    type Result = ();
    fn handle(&mut self, route: SetRoute, _ctx: &mut Context<Self>) {
        self.ports.insert(route.slot, route.to);
    }
}

impl Handler<SetSpanRoute> for EventRouter {
    type Result = ();
    fn handle(&mut self, route: SetSpanRoute, _ctx: &mut Context<Self>) {
        self.spans.insert(route.device, route.to);
    }
}

impl Handler<SetSwitchboard> for EventRouter {
    type Result = ();
    fn handle(&mut self, message: SetSwitchboard, _ctx: &mut Context<Self>) {
        self.switchboard = Some(message.0);
    }
}
