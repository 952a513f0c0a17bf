//! Turns the validated configuration into the switchboard's plan: ports with their
//! engine slots and signalling settings, routes, the greeting.

use analog_signalling::{CallerIdMode, CidStandard, DisconnectSupervision, FxoConfig, FxsConfig, RingCadence};
use anyhow::anyhow;
use call_control::plan::{InboundRoute, PortPlan, SpanPlan, StackConfig, SwitchboardPlan};
use line_boundary::{ChannelId, LineKind};
use media_engine::EngineHandle;

fn ring_cadence(config: &box_config::Config) -> RingCadence {
    match config.system.tone_plan {
        box_config::TonePlan::Cn => RingCadence::china(),
        box_config::TonePlan::Etsi => RingCadence::etsi(),
        box_config::TonePlan::Na => RingCadence::north_america(),
    }
}

pub fn switchboard_plan(
    config: &box_config::Config,
    engine: &EngineHandle,
    fault_injection: bool,
    epoch_unix_ms: u64,
) -> anyhow::Result<SwitchboardPlan> {
    let cadence = ring_cadence(config);
    let mut ports = Vec::new();
    for port in &config.ports {
        let channel = ChannelId { device: port.id, channel: 1 };
        let slot = engine.slot(channel).ok_or_else(|| anyhow!("port {} has no media channel", port.id))?;
        let (kind, extension, stack) = match &port.kind {
            box_config::PortKind::Fxo(fxo) => {
                let mut stack = FxoConfig::default();
                stack.ring_cadence = cadence;
                stack.caller_id = match fxo.caller_id {
                    box_config::FxoCallerId::EtsiFsk | box_config::FxoCallerId::BellFsk => CallerIdMode::FskBeforeRing,
                    box_config::FxoCallerId::Dtmf => CallerIdMode::Dtmf,
                    box_config::FxoCallerId::None => CallerIdMode::None,
                };
                stack.disconnect = DisconnectSupervision {
                    battery_drop_ms: fxo.disconnect.battery.then_some(stack.disconnect.battery_drop_ms.unwrap_or(350)),
                    polarity_reversal: fxo.disconnect.polarity,
                    busy_tone: fxo.disconnect.busy_tone,
                };
                (LineKind::Fxo, None, StackConfig::Fxo(stack))
            }
            box_config::PortKind::Fxs(fxs) => {
                let mut stack = FxsConfig::default();
                stack.ring_cadence = cadence;
                stack.caller_id = match fxs.caller_id {
                    box_config::FxsCallerId::Etsi => CidStandard::Etsi,
                    box_config::FxsCallerId::Bell => CidStandard::Bell,
                    box_config::FxsCallerId::Dtmf => CidStandard::Dtmf,
                    box_config::FxsCallerId::None => CidStandard::None,
                };
                (LineKind::Fxs, Some(fxs.extension.to_string()), StackConfig::Fxs(stack))
            }
        };
        ports.push(PortPlan { channel, slot, name: port.name.clone(), kind, extension, stack });
    }
    let spans = config.spans.iter().map(|span| SpanPlan { device: span.id, name: span.name.clone() }).collect();
    let inbound = config
        .routes
        .inbound
        .iter()
        .map(|route| InboundRoute {
            lines: route.lines.clone(),
            called: route.called.as_ref().map(|n| n.to_string()),
            destination: route.destination.to_string(),
        })
        .collect();
    let prompts = engine.prompts();
    let greeting = match &config.routes.greeting {
        box_config::PromptSource::Builtin(name) => prompts.find(name),
        box_config::PromptSource::File(path) => prompts.find(&path.display().to_string()),
    };
    Ok(SwitchboardPlan {
        ports,
        spans,
        inbound,
        greeting,
        ring_timeout_ms: config.routes.ring_timeout_s * 1000,
        fault_injection,
        epoch_unix_ms,
    })
}
