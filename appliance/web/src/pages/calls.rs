//! The supervisor's live calls: every call up now (as `/api/calls` lists them), live
//! through the page's SSE stream, each with listen / whisper / barge / take-over at the
//! supervisor's phone; beside them, changing any agent's state and broadcasting a notice.
//! Each action calls the same internals as its API endpoint.

use super::live;
use super::wallboard::{clock, state_label};
use super::{html_fragment, html_page, layout, Section};
use crate::auth::{AuditDetail, Identity};
use crate::endpoint::{Endpoint, FLOOR};
use crate::i18n::{Lang, Msg};
use crate::state::WebState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use call_control::acd_actor::{AgentRequest, GetAcdSnapshot};
use call_control::alert_actor::PostNotice;
use call_control::session::SuperviseMode;
use call_control::switchboard::ListCalls;
use maud::{html, Markup};
use serde::Deserialize;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/calls", FLOOR, || web::get().to(page)),
        Endpoint::get("/live/calls", FLOOR, || web::get().to(stream)),
        Endpoint::post("/calls/{call}/supervise", FLOOR, || {
            web::post().to(supervise)
        }),
        Endpoint::post("/calls/agent-state", FLOOR, || {
            web::post().to(change_agent_state)
        }),
        Endpoint::post("/calls/notice", FLOOR, || web::post().to(notice)),
    ]
}

/// The supervisor's four ways into a call, with their labels.
const MODES: [(SuperviseMode, &str, Msg); 4] = [
    (SuperviseMode::Listen, "listen", Msg::Listen),
    (SuperviseMode::Whisper, "whisper", Msg::Whisper),
    (SuperviseMode::Barge, "barge", Msg::Barge),
    (SuperviseMode::TakeOver, "take-over", Msg::TakeOver),
];

pub async fn fragments(state: &WebState, identity: &Identity) -> Vec<(&'static str, Markup)> {
    let lang = identity.language;
    let Ok(calls) = state.switchboard.send(ListCalls).await else {
        return vec![(
            "calls",
            html! { p.field-error { "switchboard not answering" } },
        )];
    };
    let table = html! {
        @if calls.is_empty() {
            p #calls.none { (lang.t(Msg::NoLiveCalls)) }
        } @else {
            table #calls.live-calls {
                thead { tr {
                    th { (lang.t(Msg::CallFrom)) } th { (lang.t(Msg::CallTo)) }
                    th { (lang.t(Msg::CallStep)) } th { (lang.t(Msg::Queue)) }
                    th { (lang.t(Msg::RoleAgent)) } th { (lang.t(Msg::CallAge)) }
                    th { (lang.t(Msg::Supervising)) } th {}
                } }
                tbody {
                    @for call in &calls {
                        tr data-call=(call.id) data-application=(call.application) {
                            td.from { (call.from.as_deref().unwrap_or("—")) }
                            td.to { (call.to.as_deref().or(call.dialled.as_deref()).unwrap_or("—")) }
                            td.application { (call.application) }
                            td.queue { (call.queue.as_deref().unwrap_or("—")) }
                            td.agent { (call.agent.as_deref().unwrap_or("—")) }
                            td.age { (clock(call.age_ms)) }
                            td.supervisor {
                                @if let Some(supervisor) = &call.supervisor {
                                    (supervisor.extension) " · " (supervisor.mode.as_str())
                                } @else { "—" }
                            }
                            td.actions {
                                @for (_, name, msg) in MODES {
                                    button.supervise type="button" data-mode=(name)
                                        hx-post=(format!("/calls/{}/supervise", super::url_encode(&call.id)))
                                        hx-vals=(format!(r#"{{"mode": "{name}"}}"#))
                                        hx-include="#supervisor-extension"
                                        hx-target="#supervise-outcome" { (lang.t(msg)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    vec![("calls", table)]
}

async fn page(state: web::Data<WebState>, identity: Identity) -> HttpResponse {
    let lang = identity.language;
    let parts = fragments(&state, &identity).await;
    let snapshot = state.acd.send(GetAcdSnapshot).await.ok();
    let agents = snapshot
        .as_ref()
        .map(|s| s.agents.as_slice())
        .unwrap_or(&[]);
    let queues = snapshot
        .as_ref()
        .map(|s| s.queues.as_slice())
        .unwrap_or(&[]);
    html_page(layout(
        &identity,
        Section::LiveCalls,
        lang.t(Msg::LiveCalls),
        html! {
            div.card {
                label { (lang.t(Msg::YourExtension)) " "
                    input #supervisor-extension type="text" name="extension" size="6" inputmode="numeric";
                }
                " " span #supervise-outcome {}
            }
            (live::connect("/live/calls", html! {
                @for (name, markup) in parts {
                    section.card id=(format!("live-{name}")) sse-swap=(name) { (markup) }
                }
            }))
            div.supervisor-tools {
                form #agent-state-form.card hx-post="/calls/agent-state" hx-target="#agent-state-outcome" {
                    h2 { (lang.t(Msg::ChangeAgentState)) }
                    label { (lang.t(Msg::RoleAgent)) " "
                        select name="agent" {
                            @for agent in agents {
                                @let shown = state_label(lang, agent.state.kind());
                                option value=(agent.id.to_string()) { (agent.id.to_string()) " · " (agent.name) " (" (shown.0) ")" }
                            }
                        }
                    }
                    label { (lang.t(Msg::NewState)) " "
                        select name="state" {
                            option value="login" { (lang.t(Msg::LogIn)) }
                            option value="ready" { (lang.t(Msg::StateReady)) }
                            option value="not-ready" { (lang.t(Msg::StateNotReady)) }
                            option value="logout" { (lang.t(Msg::LogOut)) }
                        }
                    }
                    label { (lang.t(Msg::Reason)) " " input type="text" name="reason" value="break" size="8"; }
                    label { (lang.t(Msg::Extension)) " " input type="text" name="device" size="6"; }
                    button type="submit" { (lang.t(Msg::Apply)) }
                    " " span #agent-state-outcome {}
                }
                form #notice-form.card hx-post="/calls/notice" hx-target="#notice-outcome" {
                    h2 { (lang.t(Msg::BroadcastNotice)) }
                    label { (lang.t(Msg::NoticeText)) " " input type="text" name="text" required size="40"; }
                    label { (lang.t(Msg::Queue)) " "
                        select name="queue" {
                            option value="" { (lang.t(Msg::AllQueues)) }
                            @for queue in queues { option value=(queue.name.to_string()) { (queue.name.to_string()) } }
                        }
                    }
                    label { (lang.t(Msg::Minutes)) " " input type="number" name="minutes" min="1" max="1440" value="10"; }
                    button type="submit" { (lang.t(Msg::Broadcast)) }
                    " " span #notice-outcome {}
                }
            }
        },
    ))
}

async fn stream(state: web::Data<WebState>, identity: Identity) -> HttpResponse {
    live::stream(render, state, identity)
}

/// An API answer shown where the action was: `done` on success, else the API's own
/// error. Always 200, so htmx swaps it in; `data-status` keeps the API's status.
pub(super) async fn outcome(lang: Lang, response: HttpResponse, done: &str) -> HttpResponse {
    let status = response.status();
    let message = match api_error(response).await {
        None => done.to_owned(),
        Some(error) => format!(
            "{}: {}",
            lang.t(Msg::Refused),
            crate::i18n::api_errors::translate_api_error(lang, &error)
        ),
    };
    html_fragment(
        StatusCode::OK,
        html! {
            span class=(if status.is_success() { "outcome ok" } else { "outcome field-error" })
                data-status=(status.as_u16()) role="status" { (message) }
        },
    )
}

/// The API's `{"error": …}` of a refused request (its body as text if it has none);
/// `None` when the request succeeded.
pub(super) async fn api_error(response: HttpResponse) -> Option<String> {
    if response.status().is_success() {
        return None;
    }
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap_or_default();
    Some(
        serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned()),
    )
}

#[derive(Deserialize)]
struct SuperviseForm {
    mode: String,
    extension: String,
}

async fn supervise(
    state: web::Data<WebState>,
    identity: Identity,
    call: web::Path<String>,
    form: web::Form<SuperviseForm>,
    request: HttpRequest,
) -> HttpResponse {
    let lang = identity.language;
    let form = form.into_inner();
    let Some(mode) = SuperviseMode::parse(&form.mode) else {
        return html_fragment(
            StatusCode::BAD_REQUEST,
            html! { span.field-error { "unknown mode " (form.mode) } },
        );
    };
    let call = call.into_inner();
    let extension = form.extension.trim().to_owned();
    request.extensions_mut().insert(AuditDetail {
        before: None,
        after: Some(serde_json::json!({ "call": call, "mode": form.mode, "extension": extension })),
    });
    let response = crate::api::calls::supervise_call(&state, call, mode, extension).await;
    outcome(lang, response, lang.t(Msg::SupervisePhoneRings)).await
}

#[derive(Deserialize)]
struct AgentStateForm {
    agent: String,
    state: String,
    reason: Option<String>,
    device: Option<String>,
}

async fn change_agent_state(
    state: web::Data<WebState>,
    identity: Identity,
    form: web::Form<AgentStateForm>,
    request: HttpRequest,
) -> HttpResponse {
    let lang = identity.language;
    let form = form.into_inner();
    let agent_request = match form.state.as_str() {
        "login" => AgentRequest::Login {
            device: form.device.clone().unwrap_or_default().trim().to_owned(),
        },
        "ready" => AgentRequest::Ready,
        "not-ready" => AgentRequest::NotReady {
            reason: form.reason.clone().unwrap_or_default().trim().to_owned(),
        },
        "logout" => AgentRequest::Logout,
        other => {
            return html_fragment(
                StatusCode::BAD_REQUEST,
                html! { span.field-error { (lang.fill(Msg::UnknownAgentState, &[&format!("{other:?}")])) } },
            )
        }
    };
    // The agent's state before, for the audit log.
    let before = state
        .acd
        .send(GetAcdSnapshot)
        .await
        .ok()
        .and_then(|snapshot| {
            snapshot
                .agents
                .iter()
                .find(|a| a.id.to_string() == form.agent)
                .and_then(|a| serde_json::to_value(&a.state).ok())
        });
    request.extensions_mut().insert(AuditDetail {
        before,
        after: Some(serde_json::json!({
            "agent": form.agent, "state": form.state, "reason": form.reason, "device": form.device,
        })),
    });
    let response = crate::api::acd::send(&state, form.agent, agent_request).await;
    outcome(lang, response, lang.t(Msg::StateChanged)).await
}

#[derive(Deserialize)]
struct NoticeForm {
    text: String,
    queue: Option<String>,
    minutes: u64,
}

async fn notice(
    state: web::Data<WebState>,
    identity: Identity,
    form: web::Form<NoticeForm>,
    request: HttpRequest,
) -> HttpResponse {
    let lang = identity.language;
    let form = form.into_inner();
    let queue = form.queue.filter(|q| !q.trim().is_empty());
    request.extensions_mut().insert(AuditDetail {
        before: None,
        after: Some(
            serde_json::json!({ "text": form.text, "queue": queue, "minutes": form.minutes }),
        ),
    });
    let post = PostNotice {
        text: form.text,
        queue,
        by: identity.display_name.clone(),
        lasts_ms: form.minutes.saturating_mul(60_000),
    };
    let response = crate::api::alerts::publish_notice(&state, post).await;
    outcome(lang, response, lang.t(Msg::NoticePosted)).await
}

/// The live stream's renderer of this page.
fn render(state: std::sync::Arc<WebState>, identity: Identity) -> live::Fragments {
    Box::pin(async move { fragments(&state, &identity).await })
}
