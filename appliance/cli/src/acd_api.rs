//! The ACD's part of the JSON API: the live queues and agents, and agent state changes
//! (what a CRM, a supervisor's screen or an agent's desktop asks for).
//!
//! - `GET /api/queues`: every queue with its waiting calls and longest wait.
//! - `GET /api/agents`: every agent with its state, reason and time in state.
//! - `POST /api/agents/{id}/state` with `{"state": "login", "device": "201"}`,
//!   `{"state": "ready"}`, `{"state": "not-ready", "reason": "lunch"}` or
//!   `{"state": "logout"}`: 204, or 400/404/409 with `{"error": …}` (nothing changed).

use crate::web::WebState;
use actix_web::{web, HttpResponse};
use box_config::acd::{AcdError, AgentId};
use call_control::acd_actor::{AgentCommand, AgentRequest, GetAcdSnapshot};
use serde::Deserialize;

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/api/queues", web::get().to(queues))
        .route("/api/agents", web::get().to(agents))
        .route("/api/agents/{agent}/state", web::post().to(change_state));
}

async fn snapshot(state: &WebState) -> Result<box_config::acd::Snapshot, HttpResponse> {
    state.acd.send(GetAcdSnapshot).await.map_err(|error| {
        HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "error": format!("ACD not answering: {error}") }))
    })
}

async fn queues(state: web::Data<WebState>) -> HttpResponse {
    match snapshot(&state).await {
        Ok(snapshot) => HttpResponse::Ok().json(serde_json::json!({
            "at_ms": snapshot.at_ms,
            "queues": snapshot.queues,
        })),
        Err(response) => response,
    }
}

async fn agents(state: web::Data<WebState>) -> HttpResponse {
    match snapshot(&state).await {
        Ok(snapshot) => HttpResponse::Ok().json(serde_json::json!({
            "at_ms": snapshot.at_ms,
            "agents": snapshot.agents,
        })),
        Err(response) => response,
    }
}

#[derive(Debug, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case", deny_unknown_fields)]
enum StateChange {
    Login { device: String },
    Logout,
    Ready,
    NotReady { reason: String },
}

async fn change_state(
    state: web::Data<WebState>,
    agent: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let change: StateChange = match serde_json::from_slice(&body) {
        Ok(change) => change,
        Err(error) => {
            return HttpResponse::BadRequest().json(serde_json::json!({
                "error": format!("{error}; expected {{\"state\": \"login\", \"device\": \"201\"}}, {{\"state\": \"ready\"}}, {{\"state\": \"not-ready\", \"reason\": \"…\"}} or {{\"state\": \"logout\"}}")
            }))
        }
    };
    let request = match change {
        StateChange::Login { device } => AgentRequest::Login { device },
        StateChange::Logout => AgentRequest::Logout,
        StateChange::Ready => AgentRequest::Ready,
        StateChange::NotReady { reason } => AgentRequest::NotReady { reason },
    };
    let command = AgentCommand {
        agent: AgentId::new(agent.into_inner()),
        request,
    };
    match state.acd.send(command).await {
        Ok(Ok(())) => HttpResponse::NoContent().finish(),
        Ok(Err(error)) => {
            let body = serde_json::json!({ "error": error.to_string() });
            match error {
                AcdError::UnknownAgent(_) => HttpResponse::NotFound().json(body),
                AcdError::UnknownReason(_) => HttpResponse::BadRequest().json(body),
                _ => HttpResponse::Conflict().json(body),
            }
        }
        Err(error) => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "error": format!("ACD not answering: {error}") })),
    }
}
