//! A configuration applied while the box runs: what each actor is handed.
//!
//! Each actor swaps its settings between two messages, so a call already started keeps
//! what it was given (its session holds `Arc`s of its flow, schedules, prompts and
//! recording rules) and the next call takes the new ones. Lines (ports, spans) are not
//! here: their actors hold live signalling state, so a change to them waits for a
//! restart (the applier says so).

use crate::plan::{InboundRoute, IvrPlan, OutboundRoute};
use actix::Message;
use box_config::RecordingSettings;
use media_engine::PromptId;
use std::collections::BTreeMap;
use std::sync::Arc;

/// To the switchboard: where the next calls go and what they run.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ReplaceRouting {
    pub inbound: Vec<InboundRoute>,
    pub outbound: Vec<OutboundRoute>,
    pub greeting: Option<PromptId>,
    pub ivr: IvrPlan,
    pub ring_timeout_ms: u64,
    /// The recording rules the next calls are recorded by.
    pub recording: Arc<RecordingSettings>,
}

/// To the ACD actor: queues, agents, PINs, reasons and the flows overflows reach. An
/// error (the core refused the configuration) changes nothing.
#[derive(Message)]
#[rtype(result = "Result<acd::Reconfigured, acd::ConfigError>")]
pub struct ReconfigureAcd {
    pub config: acd::AcdConfig,
    pub pins: BTreeMap<acd::AgentId, String>,
    pub reasons: Vec<String>,
    pub flows: IvrPlan,
}

/// To the alert monitor: the thresholds from now on (active alerts stay until their
/// condition clears).
#[derive(Message)]
#[rtype(result = "()")]
pub struct ReplaceAlertConfig(pub alerts::AlertConfig);

/// To the recorder: retention and disk shares from now on.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ReplaceRecordingSettings(pub Arc<RecordingSettings>);
