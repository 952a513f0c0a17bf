//! The switchboard's part of `/api/status`: spans, analog ports, live calls, totals.

use super::{GetStatus, Switchboard};
use crate::status::{BoxStatus, CallView, PortView};
use actix::prelude::*;
use line_boundary::LineKind;

impl Handler<GetStatus> for Switchboard {
    type Result = MessageResult<GetStatus>;
    fn handle(&mut self, _: GetStatus, _ctx: &mut Context<Self>) -> Self::Result {
        // B-channels are summed up per span; the port list is the analog ports.
        let ports = self
            .lines
            .values()
            .filter(|entry| entry.plan.kind != LineKind::E1)
            .map(|entry| {
                let pooled = self.pool.get(entry.plan.channel);
                PortView {
                    channel: entry.plan.channel.to_string(),
                    name: entry.plan.name.clone(),
                    kind: entry.plan.kind,
                    extension: entry.plan.extension.clone(),
                    state: pooled.map_or("unknown", |p| p.detail),
                    line: pooled.map(|p| p.line),
                    call: pooled.and_then(|p| p.call.as_ref()).map(|c| c.to_string()),
                    restarts: entry.restarts,
                }
            })
            .collect();
        let calls = self
            .calls
            .iter()
            .map(|(id, entry)| CallView {
                id: id.to_string(),
                from: entry.numbers.calling.as_ref().map(|n| n.to_string()),
                to: entry.numbers.callee.as_ref().map(|n| n.to_string()),
                origin: entry.origin.to_string(),
                destination: entry.destination.map(|c| c.to_string()),
                answered: entry.answered_ms.is_some(),
                age_ms: self.now_ms.saturating_sub(entry.started_ms),
            })
            .collect();
        let spans = self
            .spans
            .values()
            .map(|span| {
                let mut view = span.clone();
                view.b_channels_busy = self.pool.busy_on(span.device);
                view
            })
            .collect();
        MessageResult(BoxStatus {
            engine_time_ms: self.now_ms,
            ports,
            spans,
            calls,
            totals: self.totals.clone(),
        })
    }
}
