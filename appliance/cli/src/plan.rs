//! Turns the validated configuration into the switchboard's plan: ports with their
//! engine slots and signalling settings, routes, the greeting.

use analog_signalling::{
    CallerIdMode, CidStandard, DisconnectSupervision, FxoConfig, FxsConfig, RingCadence,
};
use anyhow::{anyhow, Context};
use call_control::lookup::LookupTls;
use call_control::plan::{
    BChannelPlan, InboundRoute, InboundTarget, IvrPlan, OutboundRoute, PortPlan, PriPlan, SpanPlan,
    StackConfig, SwitchboardPlan,
};
use line_boundary::{ChannelId, LineKind};
use media_engine::EngineHandle;
use std::sync::Arc;

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
        let channel = ChannelId {
            device: port.id,
            channel: 1,
        };
        let slot = engine
            .slot(channel)
            .ok_or_else(|| anyhow!("port {} has no media channel", port.id))?;
        let (kind, extension, stack) = match &port.kind {
            box_config::PortKind::Fxo(fxo) => {
                let mut stack = FxoConfig::default();
                stack.ring_cadence = cadence;
                stack.caller_id = match fxo.caller_id {
                    box_config::FxoCallerId::EtsiFsk | box_config::FxoCallerId::BellFsk => {
                        CallerIdMode::FskBeforeRing
                    }
                    box_config::FxoCallerId::Dtmf => CallerIdMode::Dtmf,
                    box_config::FxoCallerId::None => CallerIdMode::None,
                };
                stack.disconnect = DisconnectSupervision {
                    battery_drop_ms: fxo
                        .disconnect
                        .battery
                        .then_some(stack.disconnect.battery_drop_ms.unwrap_or(350)),
                    polarity_reversal: fxo.disconnect.polarity,
                    busy_tone: fxo.disconnect.busy_tone,
                };
                (LineKind::Fxo, None, StackConfig::Fxo(stack))
            }
            box_config::PortKind::Fxs(fxs) => {
                let caller_id = match fxs.caller_id {
                    box_config::FxsCallerId::Etsi => CidStandard::Etsi,
                    box_config::FxsCallerId::Bell => CidStandard::Bell,
                    box_config::FxsCallerId::Dtmf => CidStandard::Dtmf,
                    box_config::FxsCallerId::None => CidStandard::None,
                };
                let stack = FxsConfig {
                    ring_cadence: cadence,
                    caller_id,
                    ..FxsConfig::default()
                };
                (
                    LineKind::Fxs,
                    Some(fxs.extension.to_string()),
                    StackConfig::Fxs(stack),
                )
            }
        };
        ports.push(PortPlan {
            channel,
            slot,
            name: port.name.clone(),
            kind,
            extension,
            stack,
        });
    }
    let mut spans = Vec::new();
    for span in &config.spans {
        spans.push(span_plan(span, engine)?);
    }
    let routing = routing_plan(config, engine.prompts())?;
    Ok(SwitchboardPlan {
        ports,
        spans,
        inbound: routing.inbound,
        outbound: routing.outbound,
        greeting: routing.greeting,
        ivr: routing.ivr,
        ring_timeout_ms: routing.ring_timeout_ms,
        fault_injection,
        epoch_unix_ms,
    })
}

/// What the next calls follow and a configuration applied live replaces: routes, the
/// greeting, flows and their prompts (resolved in `prompts`), the ring timeout.
pub struct RoutingPlan {
    pub inbound: Vec<InboundRoute>,
    pub outbound: Vec<OutboundRoute>,
    pub greeting: Option<media_engine::PromptId>,
    pub ivr: IvrPlan,
    pub ring_timeout_ms: u64,
}

pub fn routing_plan(
    config: &box_config::Config,
    prompts: Arc<media_engine::PromptStore>,
) -> anyhow::Result<RoutingPlan> {
    let outbound = config
        .routes
        .outbound
        .iter()
        .map(|route| OutboundRoute {
            prefix: route.prefix.clone(),
            strip: route.strip,
            lines: route.lines.clone(),
        })
        .collect();
    let inbound = config
        .routes
        .inbound
        .iter()
        .map(|route| InboundRoute {
            lines: route.lines.clone(),
            called: route.called.as_ref().map(|n| n.to_string()),
            destination: match &route.destination {
                box_config::RouteDestination::Extension(number) => {
                    InboundTarget::Extension(number.to_string())
                }
                box_config::RouteDestination::Echo => InboundTarget::Echo,
                box_config::RouteDestination::Flow(name) => InboundTarget::Flow(name.clone()),
            },
        })
        .collect();
    let greeting = match &config.routes.greeting {
        box_config::PromptSource::Builtin(name) => prompts.find(name),
        box_config::PromptSource::File(path) => prompts.find(&path.display().to_string()),
    };
    Ok(RoutingPlan {
        inbound,
        outbound,
        greeting,
        ivr: ivr_plan(config, prompts)?,
        ring_timeout_ms: config.routes.ring_timeout_s * 1000,
    })
}

/// The flows, schedules and prompts calls running IVR flows share.
fn ivr_plan(
    config: &box_config::Config,
    prompts: Arc<media_engine::PromptStore>,
) -> anyhow::Result<IvrPlan> {
    let lookup_tls = LookupTls::new(config.system.lookup_ca_file.as_deref())
        .context("cannot set up TLS for IVR lookups (system.lookup_ca_file)")?;
    Ok(IvrPlan {
        flows: config
            .flows
            .iter()
            .map(|flow| (flow.name.value.clone(), Arc::new(flow.clone())))
            .collect(),
        schedules: Arc::new(
            config
                .schedules
                .iter()
                .map(|(name, schedule)| (name.clone(), schedule.clone()))
                .collect(),
        ),
        prompts,
        lookup_tls: Some(lookup_tls),
        acd_queues: config.acd_queues_configured,
        survey_queues: Arc::new(config.survey_queues.iter().map(|q| q.to_string()).collect()),
        transfer_numbers: Arc::new(
            config
                .queue_transfer_numbers
                .iter()
                .map(|(number, queue)| (number.clone(), queue.to_string()))
                .collect(),
        ),
    })
}

/// A span's B-channels (with their engine slots) and, on PRI, its Q.931 settings.
fn span_plan(span: &box_config::SpanConfig, engine: &EngineHandle) -> anyhow::Result<SpanPlan> {
    let mut bchannels = Vec::new();
    for &timeslot in &span.pri.channels {
        let channel = ChannelId {
            device: span.id,
            channel: u16::from(timeslot),
        };
        let slot = engine.slot(channel).ok_or_else(|| {
            anyhow!(
                "span {} has no media channel for timeslot {timeslot}",
                span.id
            )
        })?;
        bchannels.push(BChannelPlan { timeslot, slot });
    }
    let role = match span.signalling {
        box_config::SpanSignalling::PriCpe => Some(isdn::q931::Role::User),
        box_config::SpanSignalling::PriNet => Some(isdn::q931::Role::Network),
        // MFC/R2 has its own issue; until then such a span carries no calls.
        box_config::SpanSignalling::R2 => None,
    };
    let pri = match role {
        Some(role) => {
            let mut config = isdn::q931::Config::for_role(role);
            config.channels = isdn::q931::ChannelSet::new(span.pri.channels.iter().copied())
                .map_err(|e| anyhow!("span {}: {e}", span.id))?;
            config.overlap = span.pri.overlap;
            config.numbering = isdn::q931::Numbering {
                national_prefix: span.pri.national_prefix.clone(),
                international_prefix: span.pri.international_prefix.clone(),
            };
            // Each call's leg owns its B-channel before the SETUP goes out, so we name it
            // exclusively; the EuroISDN and ITU profiles share this stack's message set.
            config.exclusive = true;
            Some(PriPlan { role, config })
        }
        None => None,
    };
    // Without call signalling the B-channels carry no calls, so none is put in service.
    let bchannels = if pri.is_some() { bchannels } else { Vec::new() };
    Ok(SpanPlan {
        device: span.id,
        name: span.name.clone(),
        pri,
        bchannels,
    })
}
