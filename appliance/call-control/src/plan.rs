//! What the switchboard needs to know from the configuration, in plain resolved form.

use analog_signalling::{FxoConfig, FxsConfig};
use line_boundary::{ChannelId, LineKind};
use media_engine::{PromptId, Slot};

#[derive(Debug, Clone)]
pub enum StackConfig {
    Fxo(FxoConfig),
    Fxs(FxsConfig),
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
    /// The extension to ring.
    pub destination: String,
}

#[derive(Debug, Clone)]
pub struct SpanPlan {
    pub device: u16,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct SwitchboardPlan {
    pub ports: Vec<PortPlan>,
    pub spans: Vec<SpanPlan>,
    pub inbound: Vec<InboundRoute>,
    pub greeting: Option<PromptId>,
    pub ring_timeout_ms: u64,
    pub fault_injection: bool,
    /// Wall-clock time (Unix ms) at engine time 0, for CDR timestamps.
    pub epoch_unix_ms: u64,
}

impl SwitchboardPlan {
    pub fn destination_for(&self, line: u16, called: Option<&str>) -> Option<&str> {
        self.inbound
            .iter()
            .find(|route| {
                route.lines.contains(&line) && route.called.as_deref().map_or(true, |want| Some(want) == called)
            })
            .map(|route| route.destination.as_str())
    }
}
