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

/// Where a far end of a device without a span (a phone) connecting or leaving is told.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SetPhoneLinks(pub Recipient<PhoneLink>);

/// The far end of device `device` (a phone port) connected or left: a phone plugged in
/// or unplugged.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct PhoneLink {
    pub device: u16,
    pub connected: bool,
    pub at_ms: u64,
}

/// Answered once every message sent to the router before it is handled (boot waits for
/// it, so the routes the switchboard set at its start are in place).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct RouterReady;

#[derive(Default)]
pub struct EventRouter {
    ports: BTreeMap<Slot, Recipient<PortInput>>,
    spans: BTreeMap<u16, Addr<SpanActor>>,
    switchboard: Option<Recipient<Second>>,
    phone_links: Option<Recipient<PhoneLink>>,
    /// Where a stopped tap is told (the recorder).
    taps: Option<Recipient<crate::recorder_actor::TapStopped>>,
    /// The latest state-type event (a far end connecting, line conditions, signal bits)
    /// for a device or slot that had no route yet: handed over when its route is set, so
    /// a line that came up during start-up is not missed. Only the latest of each kind.
    unrouted_devices: BTreeMap<(u16, bool), (EngineEvent, WorkToken)>,
    unrouted_slots: BTreeMap<Slot, (EngineEvent, WorkToken)>,
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
            EngineEvent::TapStopped {
                tap, frames, at_ms, ..
            } => {
                if let Some(taps) = &self.taps {
                    taps.do_send(crate::recorder_actor::TapStopped {
                        tap,
                        frames,
                        stamp: Stamp { at_ms, token },
                    });
                }
            }
            EngineEvent::Second { at_ms } => {
                if let Some(switchboard) = &self.switchboard {
                    switchboard.do_send(Second {
                        stamp: Stamp { at_ms, token },
                    });
                }
            }
            event if event.device().is_some() => {
                let Some(device) = event.device() else { return };
                match self.spans.get(&device) {
                    Some(span) => span.do_send(SpanInput { event, token }),
                    None => {
                        if let (
                            EngineEvent::DeviceLink {
                                device,
                                connected,
                                at_ms,
                            },
                            Some(links),
                        ) = (&event, &self.phone_links)
                        {
                            links.do_send(PhoneLink {
                                device: *device,
                                connected: *connected,
                                at_ms: *at_ms,
                            });
                        }
                        let kind = match event {
                            EngineEvent::DeviceLink { .. } => Some(true),
                            EngineEvent::LineConditions { .. } => Some(false),
                            _ => None,
                        };
                        if let Some(kind) = kind {
                            // Held untracked: a tick must not wait for a route that may
                            // never come.
                            self.unrouted_devices
                                .insert((device, kind), (event, WorkToken::untracked()));
                        }
                    }
                }
            }
            event => {
                let Some(slot) = event.slot() else { return };
                match self.ports.get(&slot) {
                    Some(port) => port.do_send(PortInput::Engine { event, token }),
                    None => {
                        if let EngineEvent::Signal { .. } = event {
                            self.unrouted_slots
                                .insert(slot, (event, WorkToken::untracked()));
                        }
                    }
                }
            }
        }
    }
}

impl Handler<SetRoute> for EventRouter {
    type Result = ();
    fn handle(&mut self, route: SetRoute, _ctx: &mut Context<Self>) {
        if let Some((event, token)) = self.unrouted_slots.remove(&route.slot) {
            route.to.do_send(PortInput::Engine { event, token });
        }
        self.ports.insert(route.slot, route.to);
    }
}

impl Handler<SetSpanRoute> for EventRouter {
    type Result = ();
    fn handle(&mut self, route: SetSpanRoute, _ctx: &mut Context<Self>) {
        // The link first, then the conditions seen on it.
        for kind in [true, false] {
            if let Some((event, token)) = self.unrouted_devices.remove(&(route.device, kind)) {
                route.to.do_send(SpanInput { event, token });
            }
        }
        self.spans.insert(route.device, route.to);
    }
}

impl Handler<RouterReady> for EventRouter {
    type Result = ();
    fn handle(&mut self, _: RouterReady, _ctx: &mut Context<Self>) {}
}

impl Handler<SetPhoneLinks> for EventRouter {
    type Result = ();
    fn handle(&mut self, message: SetPhoneLinks, _ctx: &mut Context<Self>) {
        self.phone_links = Some(message.0);
    }
}

/// Where stopped taps are told (the recorder).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SetTapListener(pub Recipient<crate::recorder_actor::TapStopped>);

impl Handler<SetTapListener> for EventRouter {
    type Result = ();
    fn handle(&mut self, message: SetTapListener, _ctx: &mut Context<Self>) {
        self.taps = Some(message.0);
    }
}

impl Handler<SetSwitchboard> for EventRouter {
    type Result = ();
    fn handle(&mut self, message: SetSwitchboard, _ctx: &mut Context<Self>) {
        self.switchboard = Some(message.0);
    }
}
