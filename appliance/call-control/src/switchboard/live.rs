//! Live calls for the web API: the list (`GET /api/calls`: the switchboard's view of
//! each call joined with what the call's session says about itself, down to its IVR
//! run and wait for the agent's screen pop) and a supervisor's
//! request (`POST /api/calls/{id}/supervise`: the switchboard checks the call and the
//! supervisor's phone, the call decides — see `session/supervise.rs`).

use super::Switchboard;
use crate::messages::{CallInput, Stamp};
use crate::session::{LegView, SessionView, SuperviseMode, SuperviseRefused, SuperviseRequest};
use actix::prelude::*;
use line_boundary::PhoneNumber;
use media_engine::WorkToken;
use serde::Serialize;

/// A supervisor at the phone of `extension` asks to join call `call` in `mode`.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), SuperviseError>")]
pub struct Supervise {
    pub call: String,
    pub mode: SuperviseMode,
    pub extension: String,
}

/// Why a supervisor's request was not taken; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SuperviseError {
    #[error("no live call {0}")]
    NoSuchCall(String),
    #[error("{0} is not an extension of the box")]
    UnknownExtension(String),
    #[error("extension {0} is busy")]
    ExtensionBusy(String),
    #[error(transparent)]
    Refused(#[from] SuperviseRefused),
}

/// Start (`start`) or stop call `call`'s recording by hand (`POST
/// /api/calls/{id}/recording`); the call decides by its recording rule.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), RecordError>")]
pub struct RecordCall {
    pub call: String,
    pub start: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("no live call {0}")]
    NoSuchCall(String),
    #[error(transparent)]
    Refused(#[from] crate::session::RecordingRefused),
}

impl Handler<RecordCall> for Switchboard {
    type Result = ResponseFuture<Result<(), RecordError>>;
    fn handle(&mut self, record: RecordCall, _ctx: &mut Context<Self>) -> Self::Result {
        let found = self
            .calls
            .iter()
            .find(|(id, _)| id.as_ref() == record.call)
            .map(|(_, entry)| entry.addr.clone());
        let now_ms = self.now_ms;
        Box::pin(async move {
            let Some(call) = found else {
                return Err(RecordError::NoSuchCall(record.call));
            };
            let (reply, verdict) = tokio::sync::oneshot::channel();
            call.do_send(CallInput::Record {
                start: record.start,
                reply,
                // Not from a tick: lock-step time does not wait for it.
                stamp: Stamp {
                    at_ms: now_ms,
                    token: WorkToken::untracked(),
                },
            });
            match verdict.await {
                Ok(result) => Ok(result?),
                Err(_) => Err(RecordError::NoSuchCall(record.call)),
            }
        })
    }
}

/// Every live call (`GET /api/calls`).
#[derive(Debug, Message)]
#[rtype(result = "Vec<LiveCall>")]
pub struct ListCalls;

/// One live call as `GET /api/calls` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct LiveCall {
    pub id: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub dialled: Option<String>,
    /// The box's wall clock when the call began, and how long ago that is.
    pub started_unix_ms: u64,
    pub age_ms: u64,
    /// When a destination answered (`null`: not yet).
    pub answered_unix_ms: Option<u64>,
    /// What the call runs now (`queue`, `agent-call`, `ivr`, `talk`, …; `unknown` if the
    /// call did not say).
    pub application: &'static str,
    /// The legs still in the call: channel, role (`origin`, `destination`,
    /// `supervisor`, `other`) and state.
    pub legs: Vec<LegView>,
    /// A queue call: the ACD queue it entered and the agent who answered it.
    pub queue: Option<String>,
    pub agent: Option<String>,
    pub supervisor: Option<crate::session::SupervisorView>,
    /// The caller's name as the line gave it (PRI display, analog caller ID name).
    pub caller_name: Option<String>,
    /// The call's run through an IVR so far: the flow, the nodes entered in order and
    /// its variables (`null`, `[]`, `{}` without one).
    pub ivr_flow: Option<String>,
    pub ivr_path: Vec<String>,
    pub ivr_variables: std::collections::BTreeMap<String, String>,
    /// A queue call: the caller's language, when it first entered the ACD and how long
    /// it waited there (until the agent's answer, or until now).
    pub language: Option<&'static str>,
    pub queued_unix_ms: Option<u64>,
    pub waited_ms: Option<u64>,
}

impl Handler<Supervise> for Switchboard {
    type Result = ResponseFuture<Result<(), SuperviseError>>;
    fn handle(&mut self, supervise: Supervise, _ctx: &mut Context<Self>) -> Self::Result {
        let checked = self.check_supervise(&supervise);
        Box::pin(async move {
            let reply = checked?;
            match reply.await {
                Ok(verdict) => Ok(verdict?),
                // The call's actor stopped before answering: the call is over.
                Err(_) => Err(SuperviseError::NoSuchCall(supervise.call)),
            }
        })
    }
}

type Verdict = tokio::sync::oneshot::Receiver<Result<(), SuperviseRefused>>;

impl Switchboard {
    /// The call exists, the extension is a phone of the box, and that phone is free (or
    /// on this very call: a supervisor changing mode): the request goes to the call.
    fn check_supervise(&self, supervise: &Supervise) -> Result<Verdict, SuperviseError> {
        let Some((id, entry)) = self
            .calls
            .iter()
            .find(|(id, _)| id.as_ref() == supervise.call)
        else {
            return Err(SuperviseError::NoSuchCall(supervise.call.clone()));
        };
        let unknown = || SuperviseError::UnknownExtension(supervise.extension.clone());
        let extension = PhoneNumber::parse(&supervise.extension).map_err(|_| unknown())?;
        let channel = self
            .pool
            .extension(extension.as_str())
            .ok_or_else(unknown)?;
        if self.pool.call_on(channel) != Some(id) && !self.pool.is_free(channel) {
            return Err(SuperviseError::ExtensionBusy(supervise.extension.clone()));
        }
        let (reply, verdict) = tokio::sync::oneshot::channel();
        entry.addr.do_send(CallInput::Supervise {
            request: SuperviseRequest {
                mode: supervise.mode,
                extension,
            },
            reply,
            // Not from a tick: lock-step time does not wait for it.
            stamp: Stamp {
                at_ms: self.now_ms,
                token: WorkToken::untracked(),
            },
        });
        Ok(verdict)
    }
}

impl Handler<ListCalls> for Switchboard {
    type Result = ResponseFuture<Vec<LiveCall>>;
    fn handle(&mut self, _: ListCalls, _ctx: &mut Context<Self>) -> Self::Result {
        let asked: Vec<AskedCall> = self
            .calls
            .iter()
            .map(|(id, entry)| self.ask(id, entry))
            .collect();
        Box::pin(async move {
            let mut calls = Vec::with_capacity(asked.len());
            for asked in asked {
                calls.push(asked.answer().await);
            }
            calls
        })
    }
}

/// One live call as `GET /api/calls` shows it (the agent's screen pop), `None` if there
/// is no such live call: only that call is asked, not every one.
#[derive(Debug, Message)]
#[rtype(result = "Option<LiveCall>")]
pub struct GetCall {
    pub call: String,
}

impl Handler<GetCall> for Switchboard {
    type Result = ResponseFuture<Option<LiveCall>>;
    fn handle(&mut self, get: GetCall, _ctx: &mut Context<Self>) -> Self::Result {
        let asked = self
            .calls
            .iter()
            .find(|(id, _)| id.as_ref() == get.call)
            .map(|(id, entry)| self.ask(id, entry));
        Box::pin(async move {
            match asked {
                Some(asked) => Some(asked.answer().await),
                None => None,
            }
        })
    }
}

/// What the switchboard knows of a live call, and the call's own answer to come.
struct AskedCall {
    call: LiveCall,
    view: tokio::sync::oneshot::Receiver<SessionView>,
    epoch_unix_ms: u64,
    /// A queue call waits until an agent answers it (or still, now).
    wait_ends_ms: u64,
}

impl Switchboard {
    /// Asks the call's actor to describe itself; fills in what the switchboard knows.
    fn ask(&self, id: &crate::messages::CallId, entry: &super::CallEntry) -> AskedCall {
        let epoch = self.plan.epoch_unix_ms;
        let (reply, view) = tokio::sync::oneshot::channel();
        entry.addr.do_send(CallInput::Describe { reply });
        let text = |n: &Option<PhoneNumber>| n.as_ref().map(|n| n.to_string());
        let call = LiveCall {
            id: id.to_string(),
            from: text(&entry.numbers.calling),
            to: text(&entry.numbers.callee),
            dialled: text(&entry.numbers.dialled),
            started_unix_ms: epoch + entry.started_ms,
            age_ms: self.now_ms.saturating_sub(entry.started_ms),
            answered_unix_ms: entry.answered_ms.map(|ms| epoch + ms),
            application: "unknown",
            legs: std::iter::once(entry.origin)
                .chain(entry.granted.iter().copied())
                .map(|channel| LegView {
                    channel: channel.to_string(),
                    role: if channel == entry.origin {
                        "origin"
                    } else {
                        "destination"
                    },
                    state: "unknown",
                })
                .collect(),
            queue: None,
            agent: None,
            supervisor: None,
            caller_name: entry.numbers.name.clone(),
            ivr_flow: None,
            ivr_path: Vec::new(),
            ivr_variables: Default::default(),
            language: None,
            queued_unix_ms: None,
            waited_ms: None,
        };
        AskedCall {
            call,
            view,
            epoch_unix_ms: epoch,
            wait_ends_ms: entry.answered_ms.unwrap_or(self.now_ms),
        }
    }
}

impl AskedCall {
    /// The call with what it says about itself; a call that ends meanwhile keeps what
    /// the switchboard knew of it.
    async fn answer(self) -> LiveCall {
        let AskedCall {
            mut call,
            view,
            epoch_unix_ms,
            wait_ends_ms,
        } = self;
        if let Ok(view) = view.await {
            call.application = view.application;
            call.legs = view.legs;
            call.queue = view.queue;
            call.agent = view.agent;
            call.supervisor = view.supervisor;
            if let Some(ivr) = view.ivr {
                call.ivr_flow = Some(ivr.flow);
                call.ivr_path = ivr.path;
                call.ivr_variables = ivr.variables;
            }
            call.language = view.language;
            call.queued_unix_ms = view.queued_ms.map(|ms| epoch_unix_ms + ms);
            call.waited_ms = view
                .queued_ms
                .map(|queued_ms| wait_ends_ms.saturating_sub(queued_ms));
        }
        call
    }
}
