//! The control plane's part of the box status (the web layer adds the engine's figures).

use crate::leg_pool::LineState;
use line_boundary::{Alarm, LineKind};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct BoxStatus {
    pub engine_time_ms: u64,
    pub ports: Vec<PortView>,
    pub spans: Vec<SpanView>,
    pub calls: Vec<CallView>,
    pub totals: Totals,
}

#[derive(Debug, Clone, Serialize)]
pub struct PortView {
    pub channel: String,
    pub name: String,
    pub kind: LineKind,
    pub extension: Option<String>,
    /// The port's stack state (`idle`, `dial_tone`, `ringing`, …).
    pub state: &'static str,
    /// What the leg pool makes of it: idle, in use, out of service.
    pub line: Option<LineState>,
    pub call: Option<String>,
    pub restarts: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct SpanView {
    pub device: u16,
    pub name: String,
    pub connected: bool,
    pub alarms: Vec<Alarm>,
    /// PRI spans: the D-channel's data link is up (multiple-frame established).
    pub d_channel_up: Option<bool>,
    /// B-channels in service and how many carry a call now.
    pub b_channels: usize,
    pub b_channels_busy: usize,
    /// Times the span's actor failed and was replaced.
    pub restarts: u32,
    /// The span's actor failed too often and is not restarted any more (an alarm).
    pub out_of_service: bool,
    /// Malformed or unexpected Q.931 messages from the far end (each answered per Q.931
    /// §5.8 and logged at warn), and Q.921 MDL errors, since the box started.
    pub protocol_errors: u64,
    pub link_errors: u64,
}

impl SpanView {
    /// A span before its far end connects: loss of signal.
    pub fn new(device: u16, name: &str, pri: bool, b_channels: usize) -> SpanView {
        SpanView {
            device,
            name: name.to_owned(),
            connected: false,
            alarms: vec![],
            d_channel_up: pri.then_some(false),
            b_channels,
            b_channels_busy: 0,
            restarts: 0,
            out_of_service: false,
            protocol_errors: 0,
            link_errors: 0,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CallView {
    pub id: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub origin: String,
    pub destination: Option<String>,
    pub answered: bool,
    pub age_ms: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub calls_started: u64,
    pub calls_ended: u64,
    /// Calls that ended with disposition `failed` (the box or the network could not
    /// complete them, or a call's actor failed).
    pub calls_failed: u64,
}
