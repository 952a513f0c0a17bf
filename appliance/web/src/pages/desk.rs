//! The agent desktop: the agent's state with ready / not-ready (with a reason) and the
//! wrap-up countdown, the call offered or taken (the screen pop: number, IVR path and
//! variables), today's own figures and the supervisors' notices. Its live stream keeps
//! the agent's stored statistics between renderings (`today_rows.rs` decides when they
//! are read again).

mod today_rows;

use super::live;
use super::wallboard::{clock, state_label};
use super::{html_page, layout, Section};
use crate::api::desk as desk_api;
use crate::auth::Identity;
use crate::endpoint::{Endpoint, FLOOR_AND_AGENTS};
use crate::i18n::{Lang, Msg};
use crate::state::WebState;
use actix_web::{web, HttpResponse};
use call_control::acd_actor::{AgentRequest, GetAcdSnapshot};
use call_control::alert_actor::GetNotices;
use maud::{html, Markup};
use serde::Deserialize;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;
use today_rows::{Moment, TodayRows};

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

/// The desk's fragments, everything read now.
pub async fn fragments(state: &WebState, identity: &Identity) -> Vec<(&'static str, Markup)> {
    fragments_with(state, identity, None).await
}

/// What a desk's live stream keeps between renderings.
struct DeskMemory {
    /// The agent's stored statistics rows (`None`: the user is bound to no agent).
    today: Option<RefCell<TodayRows>>,
    /// The stream's wall clock starts here.
    started: Instant,
}

impl DeskMemory {
    fn moment(&self, engine_ms: u64) -> Moment {
        Moment {
            wall_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            engine_ms,
        }
    }
}

/// The desk as its live stream renders it (see [`live::LiveView`]).
struct DeskStream {
    memory: Rc<DeskMemory>,
    state: Arc<WebState>,
}

impl live::LiveView for DeskStream {
    fn saw(&mut self, envelope: &events::Envelope) {
        if let Some(today) = &self.memory.today {
            let at = self.memory.moment(envelope.at_ms);
            today.borrow_mut().saw(&envelope.event, at);
        }
    }

    fn missed(&mut self) {
        if let Some(today) = &self.memory.today {
            let now = self
                .memory
                .moment((self.state.engine_stats)().engine_time_ms);
            today.borrow_mut().missed(now);
        }
    }

    fn render(&mut self, state: Arc<WebState>, identity: Identity) -> live::Fragments {
        let memory = Rc::clone(&self.memory);
        Box::pin(async move { fragments_with(&state, &identity, Some(&memory)).await })
    }
}

/// Today's figures: the stored rows `memory` keeps while they hold (the live stream),
/// else read now (the page).
async fn today_part(
    state: &WebState,
    lang: Lang,
    agent: &str,
    memory: Option<&DeskMemory>,
) -> Markup {
    let state = Arc::new(state.clone());
    let Some((memory, today)) = memory.and_then(|m| m.today.as_ref().map(|t| (m, t))) else {
        return match desk_api::today_of(state, agent.to_owned(), 0).await {
            Ok(figures) => super::screen_pop::today(lang, &figures),
            Err(_) => html! {},
        };
    };
    let engine_ms = (state.engine_stats)().engine_time_ms;
    let now = state.epoch_unix_ms.saturating_add(engine_ms);
    let Ok(from) = desk_api::day_start(now, 0) else {
        return html! {};
    };
    let Ok(open) = desk_api::open_state(&state, agent).await else {
        return html! {};
    };
    let moment = memory.moment(engine_ms);
    if today.borrow().needs_read(from, moment) {
        match desk_api::stored_agent_rows(state.clone(), agent.to_owned(), from, now).await {
            Ok(rows) => today.borrow_mut().stored(from, rows, moment),
            Err(_) => return html! {},
        }
    }
    let kept = today.borrow();
    let rows = kept.rows(from).unwrap_or_default();
    let figures = desk_api::today_figures(agent, rows, Some(&open), from, now);
    super::screen_pop::today(lang, &figures)
}

async fn fragments_with(
    state: &WebState,
    identity: &Identity,
    memory: Option<&DeskMemory>,
) -> Vec<(&'static str, Markup)> {
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
    let pop = desk_api::screen_pop_json(Arc::new(state.clone()), agent_id.clone())
        .await
        .unwrap_or(serde_json::Value::Null);
    let call = super::screen_pop::render(lang, &pop, &state.running.get().dispositions);
    let today = today_part(state, lang, &agent_id, memory).await;
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
    let view = DeskStream {
        memory: Rc::new(DeskMemory {
            today: identity
                .agent
                .as_deref()
                .map(|agent| RefCell::new(TodayRows::new(agent))),
            started: Instant::now(),
        }),
        state: state.clone().into_inner(),
    };
    live::stream_view(Box::new(view), state, identity)
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
    desk_api::save_wrap_up_for(
        state,
        call.into_inner(),
        &request,
        body.to_string().as_bytes(),
    )
    .await
}
