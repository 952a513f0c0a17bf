//! A supervisor joining a live call from their phone (`POST /api/calls/{id}/supervise`):
//! the request the session is fed with [`super::CallSession::handle_supervise`], why one
//! is refused, and what a call says about itself for `GET /api/calls`.
//!
//! The modes are directed connections between the supervisor's leg and the two parties,
//! who stay bridged to each other (`MediaCommand::Connect { listener, source }`: the
//! listener hears the source):
//!
//! | mode | supervisor hears | agent hears supervisor | caller hears supervisor |
//! | --- | --- | --- | --- |
//! | listen | caller and agent | no | no |
//! | whisper | caller and agent | yes | no |
//! | barge | caller and agent | yes | yes |
//! | take-over | the caller (bridged) | — the agent leg is released | yes |

use line_boundary::PhoneNumber;
use serde::Serialize;
use std::fmt;

/// What the supervisor does on the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuperviseMode {
    /// Silent monitoring: hears both parties, heard by none.
    Listen,
    /// Coaching: hears both parties, heard by the agent only.
    Whisper,
    /// Joins: all three hear each other.
    Barge,
    /// Takes the call: the agent leg is released, caller and supervisor talk.
    TakeOver,
}

impl SuperviseMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SuperviseMode::Listen => "listen",
            SuperviseMode::Whisper => "whisper",
            SuperviseMode::Barge => "barge",
            SuperviseMode::TakeOver => "take-over",
        }
    }

    /// `listen`, `whisper`, `barge`, `take-over` (as the API spells them).
    pub fn parse(text: &str) -> Option<SuperviseMode> {
        match text {
            "listen" => Some(SuperviseMode::Listen),
            "whisper" => Some(SuperviseMode::Whisper),
            "barge" => Some(SuperviseMode::Barge),
            "take-over" => Some(SuperviseMode::TakeOver),
            _ => None,
        }
    }
}

impl fmt::Display for SuperviseMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A supervisor at the phone of `extension` asks to join the call in `mode` (or, already
/// on it from that phone, to change mode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuperviseRequest {
    pub mode: SuperviseMode,
    pub extension: PhoneNumber,
}

/// Why a call refused a supervisor; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SuperviseRefused {
    /// Only a queue call an agent answered can be supervised.
    #[error("the call is not an agent call (it runs {application})")]
    NotAgentCall { application: &'static str },
    /// Another supervisor is on the call (or being rung for it).
    #[error("the call is supervised from {extension} already")]
    Supervised { extension: String },
    /// The extension is the agent's own phone (or the caller's).
    #[error("{extension} is a party to the call")]
    Party { extension: String },
    /// The call is over (or ending).
    #[error("the call has ended")]
    Ended,
}

/// Where a supervisor's leg is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SupervisorStage {
    /// The switchboard is looking for the phone's line.
    Asking,
    /// The phone rings.
    Ringing,
    /// The supervisor is on the call.
    Up,
}

/// A supervisor on a call, for `GET /api/calls`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupervisorView {
    pub extension: String,
    pub mode: SuperviseMode,
    pub stage: SupervisorStage,
}

/// One leg of a live call, for `GET /api/calls`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegView {
    /// `device/channel` (e.g. `1/1` for span 1's B-channel 1, `3/1` for an analog port).
    pub channel: String,
    /// `origin`, `destination`, `supervisor` or `other`.
    pub role: &'static str,
    /// `joined`, `alerting`, `up`.
    pub state: &'static str,
}

/// What a live call says about itself (its application, legs, queue, agent, supervisor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionView {
    pub application: &'static str,
    /// The legs still in the call.
    pub legs: Vec<LegView>,
    /// The ACD queue the call entered, if any.
    pub queue: Option<String>,
    /// The agent who answered it, if any.
    pub agent: Option<String>,
    pub supervisor: Option<SupervisorView>,
    /// The call's run through an IVR flow so far (the agent's screen pop).
    pub ivr: Option<super::IvrRecord>,
    /// The caller's language (`en`, `zh`) as the call entered the ACD.
    pub language: Option<&'static str>,
    /// When (engine ms) the call first entered the ACD.
    pub queued_ms: Option<u64>,
}
