//! Live calls in the JSON API, and a supervisor's actions on them (issue #11).
//!
//! - `GET /api/calls`: `{"calls": [{"id", "from", "to", "dialled", "started_unix_ms",
//!   "age_ms", "answered_unix_ms", "application", "legs": [{"channel", "role", "state"}],
//!   "queue", "agent", "supervisor": {"extension", "mode", "stage"}}, …]}`, oldest first.
//! - `POST /api/calls/{id}/supervise` with `{"mode": "listen"|"whisper"|"barge"|
//!   "take-over", "extension": "203"}`: the supervisor's phone is rung and, answered,
//!   joins the call in that mode (the same phone already on the call: the mode changes).
//!   202 accepted; 404 no such live call; 400 a malformed request or an extension that is
//!   not a phone of the box; 409 not possible now (not an agent call, another supervisor
//!   on it, the phone busy, the phone is a party to the call); with `{"error": …}`.
//! - `POST /api/calls/{id}/recording` with `{"action": "start"|"stop"}`: an agent or
//!   supervisor records the call from now on, or stops; only where the call's recording
//!   rule is `on-demand` (what came before a start is not kept). 202; 404 no such live
//!   call; 409 refused (the rule is not on-demand, recording already or not at all, no
//!   audio yet); 400 a malformed body.

use crate::endpoint::{Endpoint, FLOOR, FLOOR_AND_AGENTS, STAFF};
use crate::state::WebState;
use actix_web::{web, HttpResponse};
use call_control::session::{SuperviseMode, SuperviseRefused};
use call_control::switchboard::{ListCalls, Supervise, SuperviseError};
use serde::Deserialize;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/calls", STAFF, || web::get().to(calls)),
        Endpoint::post("/api/calls/{call}/supervise", FLOOR, || {
            web::post().to(supervise)
        }),
        Endpoint::post("/api/calls/{call}/recording", FLOOR_AND_AGENTS, || {
            web::post().to(recording)
        }),
    ]
}

fn unavailable(error: impl std::fmt::Display) -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .json(serde_json::json!({ "error": format!("switchboard not answering: {error}") }))
}

async fn calls(state: web::Data<WebState>) -> HttpResponse {
    match state.switchboard.send(ListCalls).await {
        Ok(calls) => HttpResponse::Ok().json(serde_json::json!({ "calls": calls })),
        Err(error) => unavailable(error),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuperviseBody {
    mode: String,
    extension: String,
}

const EXPECTED: &str =
    r#"expected {"mode": "listen"|"whisper"|"barge"|"take-over", "extension": "203"}"#;

async fn supervise(
    state: web::Data<WebState>,
    call: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let bad = |error: String| {
        HttpResponse::BadRequest()
            .json(serde_json::json!({ "error": format!("{error}; {EXPECTED}") }))
    };
    let body: SuperviseBody = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(error) => return bad(error.to_string()),
    };
    let Some(mode) = SuperviseMode::parse(&body.mode) else {
        return bad(format!("unknown mode {:?}", body.mode));
    };
    supervise_call(&state, call.into_inner(), mode, body.extension).await
}

/// Asks the switchboard to ring `extension` and join `call` in `mode` (the API and the
/// live calls page): 202, or 404/400/409/503 with `{"error": …}`.
pub async fn supervise_call(
    state: &WebState,
    call: String,
    mode: SuperviseMode,
    extension: String,
) -> HttpResponse {
    let request = Supervise {
        call: call.clone(),
        mode,
        extension,
    };
    match state.switchboard.send(request).await {
        Ok(Ok(())) => HttpResponse::Accepted().json(serde_json::json!({
            "call": call,
            "mode": mode,
        })),
        Ok(Err(error)) => {
            let body = serde_json::json!({ "error": error.to_string() });
            match error {
                SuperviseError::NoSuchCall(_)
                | SuperviseError::Refused(SuperviseRefused::Ended) => {
                    HttpResponse::NotFound().json(body)
                }
                SuperviseError::UnknownExtension(_) => HttpResponse::BadRequest().json(body),
                SuperviseError::ExtensionBusy(_) | SuperviseError::Refused(_) => {
                    HttpResponse::Conflict().json(body)
                }
            }
        }
        Err(error) => unavailable(error),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordingBody {
    action: String,
}

async fn recording(
    state: web::Data<WebState>,
    call: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    const EXPECTED: &str = r#"expected {"action": "start"|"stop"}"#;
    let start = match serde_json::from_slice::<RecordingBody>(&body) {
        Ok(body) if body.action == "start" => true,
        Ok(body) if body.action == "stop" => false,
        Ok(body) => {
            return HttpResponse::BadRequest().json(serde_json::json!({
                "error": format!("unknown action {:?}; {EXPECTED}", body.action)
            }))
        }
        Err(error) => {
            return HttpResponse::BadRequest()
                .json(serde_json::json!({ "error": format!("{error}; {EXPECTED}") }))
        }
    };
    let call = call.into_inner();
    let request = call_control::switchboard::RecordCall {
        call: call.clone(),
        start,
    };
    match state.switchboard.send(request).await {
        Ok(Ok(())) => HttpResponse::Accepted().json(serde_json::json!({
            "call": call,
            "recording": start,
        })),
        Ok(Err(error)) => {
            let body = serde_json::json!({ "error": error.to_string() });
            match error {
                call_control::switchboard::RecordError::NoSuchCall(_)
                | call_control::switchboard::RecordError::Refused(
                    call_control::session::RecordingRefused::Ended,
                ) => HttpResponse::NotFound().json(body),
                call_control::switchboard::RecordError::Refused(_) => {
                    HttpResponse::Conflict().json(body)
                }
            }
        }
        Err(error) => unavailable(error),
    }
}
