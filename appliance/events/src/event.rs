//! The event vocabulary: what happened, in terms a web page or a report can use as is.

use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A call's id as the switchboard names it (`c<epoch>-<n>`); the same `Arc<str>` type as
/// call-control's, so publishing one costs no copy.
pub type CallId = Arc<str>;

/// What a leg is to its call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegRole {
    /// The leg the call came in on.
    Origin,
    /// The leg the call was put through to (an extension rung, a trunk dialled out).
    Destination,
    /// Anyone else (a consulted party, a supervisor listening in).
    Other,
}

/// What kind of line a channel is on (the same names as the line boundary's `LineKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Fxo,
    Fxs,
    E1,
}

/// One change in the box. Channels are `"device/channel"` (an analog port is
/// `"<id>/1"`, a B-channel `"<span>/<timeslot>"`), as in `/api/status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A call came in on `origin` (a line seized, a PRI SETUP accepted).
    CallStarted {
        call: CallId,
        /// Calling number, when the line delivered one.
        from: Option<String>,
        /// Who the call is for (the extension or the number sent out), once known.
        to: Option<String>,
        /// What the caller dialled (keyed digits or the called number a trunk delivered).
        dialled: Option<String>,
        origin: String,
    },
    /// A channel became one of the call's legs.
    LegJoined {
        call: CallId,
        channel: String,
        role: LegRole,
    },
    /// A channel stopped being one of the call's legs.
    LegLeft {
        call: CallId,
        channel: String,
        role: LegRole,
    },
    /// A destination answered on `channel`.
    CallAnswered { call: CallId, channel: String },
    /// The call is over. `disposition` is the CDR's (`answered`, `busy`, `no_answer`…).
    CallEnded {
        call: CallId,
        disposition: String,
        /// Q.850 cause the call was cleared with.
        cause: Option<u8>,
    },
    /// A port or B-channel changed state (the states `/api/status` shows).
    LineStateChanged {
        channel: String,
        kind: LineKind,
        state: String,
    },
    /// An E1 span's layer 1 or D-channel changed.
    SpanStateChanged {
        device: u16,
        connected: bool,
        alarms: Vec<String>,
        /// PRI spans only: the D-channel's data link is up.
        d_channel_up: Option<bool>,
    },
    /// The call's CDR is in the database as row `cdr_seq`.
    CdrWritten { call: CallId, cdr_seq: u64 },
    /// An ACD agent changed state (`logged-out`, `ready`, `reserved`, `on-call-inbound`,
    /// `on-call-outbound`, `on-hold`, `wrap-up`, `not-ready`), with why (`login`,
    /// `ready-requested`, `missed`, …) and the not-ready reason code if any.
    AgentStateChanged {
        agent: String,
        from: String,
        to: String,
        reason: String,
        not_ready_reason: Option<String>,
    },
    /// An ACD queue's number of calls or its longest wait changed.
    QueueChanged {
        queue: String,
        waiting: usize,
        longest_wait_ms: u64,
    },
    /// A step of the call through the IVR flow `flow`.
    Ivr {
        call: CallId,
        flow: String,
        #[serde(flatten)]
        step: IvrStep,
    },
    /// A step of the call through the ACD's queues.
    Queue {
        call: CallId,
        #[serde(flatten)]
        step: QueueStep,
    },
    /// A supervisor's notice to agents was posted, expired or withdrawn.
    Notice {
        /// `posted`, `expired` or `withdrawn`.
        change: String,
        notice: u64,
        text: String,
        /// `None`: for every agent.
        queue: Option<String>,
        expires_at_ms: u64,
    },
    /// A recording started, was closed, failed, was found empty (a call without audio:
    /// the file is removed and never listed), was repaired after a restart
    /// (`interrupted`) or purged by retention.
    Recording {
        recording: String,
        call: Option<CallId>,
        /// `started`, `closed`, `failed`, `empty`, `interrupted` or `purged`.
        change: String,
        /// Why it started (the rule), why it failed, or why it was purged.
        detail: Option<String>,
    },
    /// A voicemail message was left (its recording closed with audio in it).
    Voicemail {
        mailbox: String,
        /// The message's recording (`GET /api/recordings/{recording}/audio`).
        recording: String,
        call: CallId,
        caller: Option<String>,
        duration_ms: u64,
    },
    /// Recording stopped for lack of disk space (`raised`: no new recording starts; calls
    /// go on), or started again (`cleared`).
    RecordingAlarm {
        raised: bool,
        reason: String,
        free_percent: u8,
    },
    /// A floor alert was raised, cleared or acknowledged (`GET /api/alerts` has it all).
    Alert {
        /// `raised`, `cleared` or `acknowledged`.
        change: String,
        /// Unique across restarts (`a<boot>-<n>`).
        alert: String,
        /// `vip`, `queue_waiting`, `queue_longest_wait`, `surge`, `not_ready_too_long`.
        kind: String,
        text: String,
    },
}

/// What happened to a call in the ACD; its `"step"` in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum QueueStep {
    /// It joined a queue (`vip`: the caller is on the VIP list).
    Entered {
        queue: String,
        priority: u8,
        vip: bool,
    },
    /// An agent was reserved for it and rung.
    Offered {
        agent: String,
    },
    Answered {
        queue: String,
        agent: String,
        waited_ms: u64,
    },
    /// The caller hung up before an agent answered.
    Abandoned {
        queue: String,
        waited_ms: u64,
    },
    /// It waited too long: to another queue (`queue:NAME`), a flow (`flow:NAME`) or a
    /// callback offer (`callback`).
    Overflowed {
        from: String,
        to: String,
    },
    CallbackRequested {
        number: String,
    },
    /// Turned away by the join or leave rule.
    Refused {
        queue: String,
        reason: String,
    },
    /// The agent passed the answered call on: to `queue:NAME` (it waits there again) or
    /// `out` (an extension or outside number).
    Transferred {
        agent: String,
        to: String,
        talk_ms: u64,
    },
    /// The answered call ended.
    Ended {
        agent: String,
        talk_ms: u64,
    },
}

/// What an IVR step was; its `"step"` in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum IvrStep {
    /// The call entered a node.
    NodeEntered { node: String },
    /// A menu, collect or language node took these digits (valid or not).
    DigitsCollected { node: String, digits: String },
    /// A variable got a value.
    VariableSet { name: String, value: String },
    /// A lookup answered (`error` is `None`) or failed (why, e.g. a timeout or bad JSON).
    LookupResult { node: String, error: Option<String> },
    /// A `say` value did not parse; nothing was said.
    SayFailed { node: String, value: String },
    /// A `time` node's schedule is missing; taken as closed.
    ScheduleMissing { node: String, schedule: String },
    /// The flow gave up on the call (a loop that never waits, a missing node).
    Aborted { reason: String },
}

impl Event {
    /// The event's type name: its `"type"` in JSON and its `event:` in the SSE stream.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::CallStarted { .. } => "call_started",
            Event::LegJoined { .. } => "leg_joined",
            Event::LegLeft { .. } => "leg_left",
            Event::CallAnswered { .. } => "call_answered",
            Event::CallEnded { .. } => "call_ended",
            Event::LineStateChanged { .. } => "line_state_changed",
            Event::SpanStateChanged { .. } => "span_state_changed",
            Event::CdrWritten { .. } => "cdr_written",
            Event::Ivr { .. } => "ivr",
            Event::AgentStateChanged { .. } => "agent_state_changed",
            Event::QueueChanged { .. } => "queue_changed",
            Event::Queue { .. } => "queue",
            Event::Alert { .. } => "alert",
            Event::Notice { .. } => "notice",
            Event::Recording { .. } => "recording",
            Event::RecordingAlarm { .. } => "recording_alarm",
            Event::Voicemail { .. } => "voicemail",
        }
    }

    /// The call the event is about, if any.
    pub fn call(&self) -> Option<&CallId> {
        match self {
            Event::CallStarted { call, .. }
            | Event::LegJoined { call, .. }
            | Event::LegLeft { call, .. }
            | Event::CallAnswered { call, .. }
            | Event::CallEnded { call, .. }
            | Event::CdrWritten { call, .. }
            | Event::Ivr { call, .. }
            | Event::Queue { call, .. }
            | Event::Voicemail { call, .. } => Some(call),
            Event::Recording { call, .. } => call.as_ref(),
            Event::LineStateChanged { .. }
            | Event::SpanStateChanged { .. }
            | Event::AgentStateChanged { .. }
            | Event::QueueChanged { .. }
            | Event::Alert { .. }
            | Event::Notice { .. }
            | Event::RecordingAlarm { .. } => None,
        }
    }
}

/// A published event with its place in the box's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// 1, 2, 3… in publishing order, without gaps, from the box's start.
    pub seq: u64,
    /// Engine time when it happened (the publisher's clock: lock-step tests are exact).
    pub at_ms: u64,
    /// Wall clock when the bus numbered it.
    pub unix_ms: u64,
    pub event: Event,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind() -> Vec<Event> {
        let call: CallId = Arc::from("c1-1");
        vec![
            Event::CallStarted {
                call: call.clone(),
                from: Some("100".into()),
                to: None,
                dialled: Some("201".into()),
                origin: "1/1".into(),
            },
            Event::LegJoined {
                call: call.clone(),
                channel: "2/1".into(),
                role: LegRole::Destination,
            },
            Event::LegLeft {
                call: call.clone(),
                channel: "2/1".into(),
                role: LegRole::Other,
            },
            Event::CallAnswered {
                call: call.clone(),
                channel: "2/1".into(),
            },
            Event::CallEnded {
                call: call.clone(),
                disposition: "answered".into(),
                cause: Some(16),
            },
            Event::LineStateChanged {
                channel: "9/3".into(),
                kind: LineKind::E1,
                state: "busy".into(),
            },
            Event::SpanStateChanged {
                device: 9,
                connected: true,
                alarms: vec!["los".into()],
                d_channel_up: Some(false),
            },
            Event::Ivr {
                call: call.clone(),
                flow: "hotline".into(),
                step: IvrStep::NodeEntered {
                    node: "main".into(),
                },
            },
            Event::Ivr {
                call: call.clone(),
                flow: "hotline".into(),
                step: IvrStep::LookupResult {
                    node: "balance".into(),
                    error: Some("no answer within the lookup's timeout".into()),
                },
            },
            Event::AgentStateChanged {
                agent: "201".into(),
                from: "logged-out".into(),
                to: "not-ready".into(),
                reason: "not-ready-requested".into(),
                not_ready_reason: Some("lunch".into()),
            },
            Event::QueueChanged {
                queue: "billing".into(),
                waiting: 3,
                longest_wait_ms: 42_000,
            },
            Event::Queue {
                call: call.clone(),
                step: QueueStep::Entered {
                    queue: "billing".into(),
                    priority: 5,
                    vip: true,
                },
            },
            Event::Queue {
                call: call.clone(),
                step: QueueStep::Answered {
                    queue: "billing".into(),
                    agent: "201".into(),
                    waited_ms: 12_000,
                },
            },
            Event::Alert {
                change: "raised".into(),
                alert: "a1-1".into(),
                kind: "vip".into(),
                text: "VIP caller 0209999 is waiting in queue billing".into(),
            },
            Event::Notice {
                change: "posted".into(),
                notice: 3,
                text: "System X is down".into(),
                queue: Some("billing".into()),
                expires_at_ms: 60_000,
            },
            Event::Recording {
                recording: "c1-1-r1".into(),
                call: Some(call.clone()),
                change: "started".into(),
                detail: Some("always:trunk 1".into()),
            },
            Event::RecordingAlarm {
                raised: true,
                reason: "4% of the disk is free; recording needs 10%".into(),
                free_percent: 4,
            },
            Event::Voicemail {
                mailbox: "202".into(),
                recording: "c1-1-r1".into(),
                call: call.clone(),
                caller: Some("5550123".into()),
                duration_ms: 3_020,
            },
            Event::CdrWritten { call, cdr_seq: 7 },
        ]
    }

    #[test]
    fn the_json_type_is_the_kind_and_events_read_back() {
        for event in every_kind() {
            let json = serde_json::to_value(&event).expect("serialises");
            assert_eq!(json["type"], event.kind(), "{json}");
            let back: Event = serde_json::from_value(json).expect("reads back");
            assert_eq!(back, event);
        }
    }

    #[test]
    fn an_ivr_step_is_flat_beside_its_call_and_flow() {
        let event = Event::Ivr {
            call: Arc::from("c1-2"),
            flow: "hotline".into(),
            step: IvrStep::DigitsCollected {
                node: "main".into(),
                digits: "7".into(),
            },
        };
        let json = serde_json::to_value(&event).expect("serialises");
        assert_eq!(json["type"], "ivr");
        assert_eq!(json["step"], "digits_collected");
        assert_eq!(json["call"], "c1-2");
        assert_eq!(json["digits"], "7");
    }

    #[test]
    fn an_envelope_nests_its_event() {
        let envelope = Envelope {
            seq: 3,
            at_ms: 40,
            unix_ms: 1_700_000_000_000,
            event: Event::LineStateChanged {
                channel: "1/1".into(),
                kind: LineKind::Fxo,
                state: "ringing".into(),
            },
        };
        let json = serde_json::to_value(&envelope).expect("serialises");
        assert_eq!(json["seq"], 3);
        assert_eq!(json["event"]["type"], "line_state_changed");
        assert_eq!(json["event"]["kind"], "fxo");
        assert_eq!(json["event"]["channel"], "1/1");
    }
}
