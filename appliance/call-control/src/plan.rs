//! What the switchboard needs to know from the configuration, in plain resolved form.

use analog_signalling::{FxoConfig, FxsConfig};
use line_boundary::{ChannelId, LineKind};
use media_engine::{PromptId, Slot};

#[derive(Debug, Clone)]
pub enum StackConfig {
    Fxo(FxoConfig),
    Fxs(FxsConfig),
    /// A PRI B-channel: its signalling runs in the span's stack.
    BChannel,
}

#[derive(Debug, Clone)]
pub struct PortPlan {
    pub channel: ChannelId,
    pub slot: Slot,
    pub name: String,
    pub kind: LineKind,
    /// The extension an FXS port answers to.
    pub extension: Option<String>,
    pub stack: StackConfig,
}

#[derive(Debug, Clone)]
pub struct InboundRoute {
    /// Device ids of the trunks (FXO ports, spans) this route takes calls from.
    pub lines: Vec<u16>,
    /// Only calls to this number, when set.
    pub called: Option<String>,
    pub destination: InboundTarget,
}

/// Where an inbound route sends its calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundTarget {
    /// Ring the FXS port with this extension.
    Extension(String),
    /// The built-in echo test.
    Echo,
    /// Run this IVR flow (a name in [`IvrPlan::flows`]).
    Flow(String),
}

/// What calls running IVR flows share: the flows, the schedules their time conditions
/// name, the prompts (to turn prompt names into the engine's ids), and the wall clock.
#[derive(Debug, Clone, Default)]
pub struct IvrPlan {
    pub flows: std::collections::HashMap<String, std::sync::Arc<ivr::flow::Flow>>,
    pub schedules: std::sync::Arc<std::collections::HashMap<String, ivr::schedule::Schedule>>,
    pub prompts: std::sync::Arc<media_engine::PromptStore>,
    /// Whom `https://` lookups trust (`None`: plain HTTP only).
    pub lookup_tls: Option<crate::lookup::LookupTls>,
    /// Whether the box has ACD queues: a flow's `queue` node then joins one, else it
    /// rings its extensions in turn.
    pub acd_queues: bool,
    /// Queues whose callers hear the post-call survey.
    pub survey_queues: std::sync::Arc<std::collections::BTreeSet<String>>,
    /// Queues' transfer numbers → queue.
    pub transfer_numbers: std::sync::Arc<std::collections::BTreeMap<String, String>>,
}

impl IvrPlan {
    /// What a call running `flow` needs (`None`: no such flow).
    pub fn context(&self, flow: &str, epoch_unix_ms: i64) -> Option<crate::session::IvrContext> {
        Some(crate::session::IvrContext {
            flow: std::sync::Arc::clone(self.flows.get(flow)?),
            schedules: std::sync::Arc::clone(&self.schedules),
            prompts: std::sync::Arc::clone(&self.prompts),
            epoch_unix_ms,
            acd_queues: self.acd_queues,
            survey_queues: std::sync::Arc::clone(&self.survey_queues),
            transfer_numbers: std::sync::Arc::clone(&self.transfer_numbers),
        })
    }
}

/// A B-channel in service on a span: its timeslot and its engine slot.
#[derive(Debug, Clone, Copy)]
pub struct BChannelPlan {
    pub timeslot: u8,
    pub slot: Slot,
}

/// Q.931 settings of a PRI span, resolved from the configuration.
#[derive(Debug, Clone)]
pub struct PriPlan {
    pub role: isdn::q931::Role,
    pub config: isdn::q931::Config,
}

#[derive(Debug, Clone)]
pub struct SpanPlan {
    pub device: u16,
    pub name: String,
    /// Call signalling on the D-channel; `None` on a span without PRI.
    pub pri: Option<PriPlan>,
    pub bchannels: Vec<BChannelPlan>,
}

/// Dialled numbers starting with `prefix` leave through the first of `lines` with a free
/// channel, with `strip` leading digits removed.
#[derive(Debug, Clone)]
pub struct OutboundRoute {
    pub prefix: String,
    pub strip: usize,
    pub lines: Vec<u16>,
}

impl OutboundRoute {
    /// The number to send out, if `dialled` belongs to this route.
    pub fn number_for(&self, dialled: &str) -> Option<String> {
        let rest = dialled.strip_prefix(self.prefix.as_str())?;
        let number = format!(
            "{}{}",
            &self.prefix[self.strip.min(self.prefix.len())..],
            rest
        );
        (!number.is_empty()).then_some(number)
    }

    /// What a phone of the box dials to reach `number` out of this route (the inverse
    /// of [`OutboundRoute::number_for`]), if it can.
    pub fn dialled_for(&self, number: &str) -> Option<String> {
        let kept = &self.prefix[self.strip.min(self.prefix.len())..];
        let rest = number.strip_prefix(kept)?;
        let dialled = format!("{}{rest}", self.prefix);
        (self.number_for(&dialled).as_deref() == Some(number)).then_some(dialled)
    }
}

#[derive(Debug, Clone)]
pub struct SwitchboardPlan {
    pub ports: Vec<PortPlan>,
    pub spans: Vec<SpanPlan>,
    pub inbound: Vec<InboundRoute>,
    pub outbound: Vec<OutboundRoute>,
    pub greeting: Option<PromptId>,
    pub ivr: IvrPlan,
    pub ring_timeout_ms: u64,
    pub fault_injection: bool,
    /// Wall-clock time (Unix ms) at engine time 0, for CDR timestamps.
    pub epoch_unix_ms: u64,
}

impl SwitchboardPlan {
    pub fn destination_for(&self, line: u16, called: Option<&str>) -> Option<&InboundTarget> {
        self.inbound
            .iter()
            .find(|route| {
                route.lines.contains(&line)
                    && route
                        .called
                        .as_deref()
                        .is_none_or(|want| Some(want) == called)
            })
            .map(|route| &route.destination)
    }

    /// Whether calls placed on span `device` hunt B-channels from the top (the user side,
    /// so both ends rarely pick the same channel at once).
    pub fn hunts_downward(&self, device: u16) -> bool {
        self.spans.iter().any(|span| {
            span.device == device
                && span
                    .pri
                    .as_ref()
                    .is_some_and(|p| p.role == isdn::q931::Role::User)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbound_prefix_is_stripped_as_configured() {
        let route = OutboundRoute {
            prefix: "9".into(),
            strip: 1,
            lines: vec![1],
        };
        assert_eq!(route.number_for("90201234").as_deref(), Some("0201234"));
        assert_eq!(route.number_for("80201234"), None);
        assert_eq!(route.number_for("9"), None, "nothing left to dial");
        let keep = OutboundRoute {
            prefix: "00".into(),
            strip: 0,
            lines: vec![1],
        };
        assert_eq!(keep.number_for("0044123").as_deref(), Some("0044123"));
    }
}
