//! One actor per E1 span: it watches the span's link and alarms (LOS, AIS, RAI) and will
//! own the span's signalling stack (PRI, R2) when those land.

use crate::messages::Stamp;
use crate::switchboard::{SpanState, Switchboard};
use actix::prelude::*;
use media_engine::{EngineEvent, WorkToken};
use soft_hardware::LineConditions;

#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SpanInput {
    pub event: EngineEvent,
    pub token: WorkToken,
}

pub struct SpanActor {
    pub device: u16,
    pub switchboard: Addr<Switchboard>,
    connected: bool,
    conditions: u8,
}

impl SpanActor {
    pub fn new(device: u16, switchboard: Addr<Switchboard>) -> SpanActor {
        SpanActor { device, switchboard, connected: false, conditions: 0 }
    }

    fn alarms(&self) -> Vec<&'static str> {
        if !self.connected {
            return vec!["los"];
        }
        let mut alarms = Vec::new();
        let bits = self.conditions;
        if bits & LineConditions::LOS.0 != 0 {
            alarms.push("los");
        }
        if bits & LineConditions::AIS.0 != 0 {
            alarms.push("ais");
        }
        if bits & LineConditions::RAI.0 != 0 {
            alarms.push("rai");
        }
        alarms
    }
}

impl Actor for SpanActor {
    type Context = Context<Self>;
}

impl Handler<SpanInput> for SpanActor {
    type Result = ();
    fn handle(&mut self, input: SpanInput, _ctx: &mut Context<Self>) {
        match input.event {
            EngineEvent::DeviceLink { connected, .. } => self.connected = connected,
            EngineEvent::LineConditions { bits, .. } => self.conditions = bits,
            _ => return,
        }
        let alarms = self.alarms();
        if !alarms.is_empty() {
            tracing::warn!(span = self.device, ?alarms, "span in alarm");
        }
        self.switchboard.do_send(SpanState {
            device: self.device,
            connected: self.connected,
            alarms,
            stamp: Stamp { at_ms: input.event.at_ms(), token: input.token },
        });
    }
}
