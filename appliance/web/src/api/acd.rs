//! The ACD's part of the JSON API: the live queues and agents, and agent state changes
//! (what a CRM, a supervisor's screen or an agent's desktop asks for).
//!
//! - `GET /api/queues`: every queue with its waiting calls and longest wait.
//! - `GET /api/agents`: every agent with its state, reason and time in state.
//! - `POST /api/agents/{id}/state` with `{"state": "login", "device": "201"}`,
//!   `{"state": "ready"}`, `{"state": "not-ready", "reason": "lunch"}` or
//!   `{"state": "logout"}`: 204, or 400/404/409 with `{"error": …}` (nothing changed).
//! - `PUT /api/agents/{id}/queues` with `{"queues": ["billing", "general"]}`: the agent's
//!   queue memberships, live (a new member may take a waiting call at once).
//! - `PUT /api/agents/{id}/skills/{skill}` with `{"level": 7}` (1-10) or `{"level": null}`
//!   (remove it): live.

use crate::endpoint::{Endpoint, FLOOR, FLOOR_AND_AGENTS, SIGNED_IN, STAFF};
use crate::state::WebState;
use actix_web::{web, HttpResponse};
use box_config::acd::{AcdError, AgentId, QueueName};
use call_control::acd_actor::{AgentCommand, AgentRequest, GetAcdSnapshot};
use serde::Deserialize;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/queues", SIGNED_IN, || web::get().to(queues)),
        Endpoint::get("/api/agents", STAFF, || web::get().to(agents)),
        Endpoint::post("/api/agents/{agent}/state", FLOOR_AND_AGENTS, || {
            web::post().to(change_state)
        }),
        Endpoint::put("/api/agents/{agent}/queues", FLOOR, || {
            web::put().to(set_queues)
        }),
        Endpoint::put("/api/agents/{agent}/skills/{skill}", FLOOR, || {
            web::put().to(set_skill)
        }),
    ]
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
    identity: crate::auth::Identity,
    agent: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    if !identity.may_act_for_agent(&agent) {
        return HttpResponse::Forbidden()
            .json(serde_json::json!({ "error": "an agent may change only their own state" }));
    }
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
    send(&state, agent.into_inner(), request).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Queues {
    queues: Vec<String>,
}

async fn set_queues(
    state: web::Data<WebState>,
    agent: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let queues: Queues = match serde_json::from_slice(&body) {
        Ok(queues) => queues,
        Err(error) => {
            return HttpResponse::BadRequest().json(serde_json::json!({
                "error": format!("{error}; expected {{\"queues\": [\"billing\", …]}}")
            }))
        }
    };
    let request = AgentRequest::SetQueues {
        queues: queues.queues.into_iter().map(QueueName::from).collect(),
    };
    send(&state, agent.into_inner(), request).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Level {
    level: Option<u8>,
}

async fn set_skill(
    state: web::Data<WebState>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let level: Level = match serde_json::from_slice(&body) {
        Ok(level) => level,
        Err(error) => {
            return HttpResponse::BadRequest().json(serde_json::json!({
                "error": format!("{error}; expected {{\"level\": 1-10}} or {{\"level\": null}}")
            }))
        }
    };
    let (agent, skill) = path.into_inner();
    let request = AgentRequest::SetSkill {
        skill,
        level: level.level,
    };
    send(&state, agent, request).await
}

/// Sends an agent request; 204, or the core's refusal as 404 (no such agent or queue),
/// 400 (a value out of range) or 409 (not possible in the agent's state).
pub async fn send(state: &WebState, agent: String, request: AgentRequest) -> HttpResponse {
    let command = AgentCommand {
        agent: AgentId::new(agent),
        request,
    };
    match state.acd.send(command).await {
        Ok(Ok(())) => HttpResponse::NoContent().finish(),
        Ok(Err(error)) => {
            let body = serde_json::json!({ "error": error.to_string() });
            match error {
                AcdError::UnknownAgent(_) | AcdError::UnknownQueue(_) => {
                    HttpResponse::NotFound().json(body)
                }
                AcdError::UnknownReason(_) | AcdError::SkillLevel { .. } => {
                    HttpResponse::BadRequest().json(body)
                }
                _ => HttpResponse::Conflict().json(body),
            }
        }
        Err(error) => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "error": format!("ACD not answering: {error}") })),
    }
}
