//! The agent desktop: the agent's state with ready / not-ready (with a reason) and the
//! wrap-up countdown, the call offered or taken (the screen pop: number, IVR path and
//! variables), and the supervisors' notices.

use super::live;
use super::wallboard::{clock, state_label};
use super::{html_page, layout, Section};
use crate::auth::Identity;
use crate::endpoint::{Endpoint, FLOOR_AND_AGENTS};
use crate::i18n::Msg;
use crate::state::WebState;
use actix_web::{web, HttpResponse};
use call_control::acd_actor::{AgentRequest, GetAcdSnapshot};
use call_control::alert_actor::GetNotices;
use maud::{html, Markup};
use serde::Deserialize;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/desk", FLOOR_AND_AGENTS, || web::get().to(page)),
        Endpoint::get("/live/desk", FLOOR_AND_AGENTS, || web::get().to(stream)),
        Endpoint::post("/desk/state", FLOOR_AND_AGENTS, || {
            web::post().to(change_state)
        }),
        Endpoint::post("/desk/wrap-up/{call}", FLOOR_AND_AGENTS, || {
            web::post().to(save_wrap_up)
        }),
    ]
}

/// When the agent's wrap-up ends (engine ms), if they are in one.
fn wrap_up_until(state: &box_config::acd::AgentState) -> Option<u64> {
    match state {
        box_config::acd::AgentState::WrapUp { until_ms } => Some(*until_ms),
        _ => None,
    }
}

pub async fn fragments(state: &WebState, identity: &Identity) -> Vec<(&'static str, Markup)> {
    let lang = identity.language;
    let Some(agent_id) = identity.agent.clone() else {
        return vec![("agent", html! { p { (lang.t(Msg::NotBound)) } })];
    };
    let snapshot = state.acd.send(GetAcdSnapshot).await.ok();
    let agent = snapshot
        .as_ref()
        .and_then(|s| s.agents.iter().find(|a| a.id.to_string() == agent_id));
    let notices = state
        .alerts
        .send(GetNotices { queue: None })
        .await
        .unwrap_or_default();
    let status = html! {
        div #agent-state {
            @if let Some(agent) = agent {
                @let shown = state_label(lang, agent.state.kind());
                p { span #my-state class=(format!("badge big {}", shown.1)) { (shown.0) } " " span.time { (clock(agent.time_in_state_ms)) } }
                @if let Some(until_ms) = wrap_up_until(&agent.state) {
                    p.wrap-up { (lang.t(Msg::WrapUpEndsIn)) " " span #wrap-up-left { (clock(until_ms.saturating_sub(snapshot.as_ref().map(|s| s.at_ms).unwrap_or(0)))) } }
                }
                @if let Some(reason) = super::wallboard::not_ready_reason(&agent.state) { p.reason { (lang.t(Msg::Reason)) ": " (reason) } }
                @if let Some(device) = &agent.device { p { (lang.t(Msg::Extension)) " " (device) } }
                p { (lang.t(Msg::Answered)) " " (lang.t(Msg::Today)) ": " span #answered-today { (agent.answered_today) } }
            } @else {
                p { "?" }
            }
        }
    };
    let pop =
        crate::api::desk::screen_pop_json(std::sync::Arc::new(state.clone()), agent_id.clone())
            .await
            .unwrap_or(serde_json::Value::Null);
    let call = super::screen_pop::render(lang, &pop, &state.running.get().dispositions);
    let today =
        match crate::api::desk::today_of(std::sync::Arc::new(state.clone()), agent_id.clone(), 0)
            .await
        {
            Ok(figures) => super::screen_pop::today(lang, &figures),
            Err(_) => html! {},
        };
    let notices = html! {
        ul #notices {
            @for notice in &notices { li.notice { (notice.text) " — " (notice.by) } }
        }
    };
    vec![
        ("agent", status),
        ("call", call),
        ("today", today),
        ("notices", notices),
    ]
}

async fn page(state: web::Data<WebState>, identity: Identity) -> HttpResponse {
    let lang = identity.language;
    let parts = fragments(&state, &identity).await;
    html_page(layout(
        &identity,
        Section::Desk,
        lang.t(Msg::AgentDesk),
        html! {
            @if identity.agent.is_some() {
                form #state-form.card hx-post="/desk/state" hx-swap="none" {
                    button name="state" value="ready" { (lang.t(Msg::StateReady)) }
                    label { (lang.t(Msg::Reason)) input type="text" name="reason" value="break"; }
                    button name="state" value="not-ready" { (lang.t(Msg::StateNotReady)) }
                    label { (lang.t(Msg::Extension)) input type="text" name="device"; }
                    button name="state" value="login" { (lang.t(Msg::LogInAtPhone)) }
                    button name="state" value="logout" { (lang.t(Msg::LogOut)) }
                }
            }
            (live::connect("/live/desk", html! {
                @for (name, markup) in parts {
                    section.card id=(format!("live-{name}")) sse-swap=(name) { (markup) }
                }
            }))
        },
    ))
}

async fn stream(state: web::Data<WebState>, identity: Identity) -> HttpResponse {
    live::stream(render, state, identity)
}

#[derive(Deserialize)]
struct StateForm {
    state: String,
    reason: Option<String>,
    device: Option<String>,
}

async fn change_state(
    state: web::Data<WebState>,
    identity: Identity,
    form: web::Form<StateForm>,
) -> HttpResponse {
    let lang = identity.language;
    let Some(agent) = identity.agent.clone() else {
        return HttpResponse::Forbidden().body(lang.t(Msg::NotBound));
    };
    let form = form.into_inner();
    let request = match form.state.as_str() {
        "ready" => AgentRequest::Ready,
        "not-ready" => AgentRequest::NotReady {
            reason: form.reason.unwrap_or_default(),
        },
        "login" => AgentRequest::Login {
            device: form.device.unwrap_or_default(),
        },
        "logout" => AgentRequest::Logout,
        other => {
            return HttpResponse::BadRequest()
                .body(lang.fill(Msg::UnknownAgentState, &[&format!("{other:?}")]))
        }
    };
    crate::api::acd::send(&state, agent, request).await
}

#[derive(Deserialize)]
struct WrapUpForm {
    note: Option<String>,
    disposition: Option<String>,
}

/// The desktop's wrap-up form, saved through the API's own path (the same checks: the
/// agent took the call, the code is configured, the note's length).
async fn save_wrap_up(
    state: web::Data<WebState>,
    call: web::Path<String>,
    request: actix_web::HttpRequest,
    form: web::Form<WrapUpForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let body = serde_json::json!({
        "note": form.note.filter(|n| !n.trim().is_empty()),
        "disposition": form.disposition.filter(|d| !d.is_empty()),
    });
    crate::api::desk::save_wrap_up_for(
        state,
        call.into_inner(),
        &request,
        body.to_string().as_bytes(),
    )
    .await
}

/// The live stream's renderer of this page.
fn render(state: std::sync::Arc<WebState>, identity: Identity) -> live::Fragments {
    Box::pin(async move { fragments(&state, &identity).await })
}
