//! The supervisor's wallboard, for a wall screen: every queue on one screen (waiting,
//! longest wait, service level, abandoned, agents ready), a tile per agent coloured by
//! state with its time in state, the active alerts and a ticker with the notices.

use super::live;
use super::{html_page, layout, Section};
use crate::auth::Identity;
use crate::endpoint::{Endpoint, FLOOR};
use crate::i18n::{Lang, Msg};
use crate::state::WebState;
use actix_web::{web, HttpResponse};
use call_control::acd_actor::GetAcdSnapshot;
use call_control::alert_actor::{GetAlerts, GetNotices};
use maud::{html, Markup};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/wallboard", FLOOR, || web::get().to(page)),
        Endpoint::get("/live/wallboard", FLOOR, || web::get().to(stream)),
    ]
}

/// `m:ss` (or `h:mm:ss`).
pub fn clock(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// An agent state's name and its CSS class.
pub fn state_label(
    lang: Lang,
    kind: box_config::acd::AgentStateKind,
) -> (&'static str, &'static str) {
    use box_config::acd::AgentStateKind as K;
    match kind {
        K::LoggedOut => (lang.t(Msg::StateLoggedOut), "state-logged-out"),
        K::Ready => (lang.t(Msg::StateReady), "state-ready"),
        K::Reserved => (lang.t(Msg::StateReserved), "state-reserved"),
        K::OnCallInbound => (lang.t(Msg::StateOnCallInbound), "state-on-call-inbound"),
        K::OnCallOutbound => (lang.t(Msg::StateOnCallOutbound), "state-on-call-outbound"),
        K::OnHold => (lang.t(Msg::StateOnHold), "state-on-hold"),
        K::WrapUp => (lang.t(Msg::StateWrapUp), "state-wrap-up"),
        K::NotReady => (lang.t(Msg::StateNotReady), "state-not-ready"),
    }
}

/// Why an agent is not ready, if they are not.
pub fn not_ready_reason(state: &box_config::acd::AgentState) -> Option<&str> {
    match state {
        box_config::acd::AgentState::NotReady { reason } => Some(reason),
        _ => None,
    }
}

pub async fn fragments(state: &WebState, identity: &Identity) -> Vec<(&'static str, Markup)> {
    let lang = identity.language;
    let Ok(snapshot) = state.acd.send(GetAcdSnapshot).await else {
        return vec![("queues", html! { p.field-error { "ACD not answering" } })];
    };
    let alerts = state.alerts.send(GetAlerts).await.unwrap_or_default();
    let notices = state
        .alerts
        .send(GetNotices { queue: None })
        .await
        .unwrap_or_default();
    let queues = html! {
        table #queues.wallboard-queues {
            thead { tr {
                th { (lang.t(Msg::Queue)) } th { (lang.t(Msg::Waiting)) } th { (lang.t(Msg::LongestWait)) }
                th { (lang.t(Msg::ServiceLevel)) } th { (lang.t(Msg::AbandonedToday)) } th { (lang.t(Msg::AgentsReady)) }
            } }
            tbody {
                @for queue in &snapshot.queues {
                    tr data-queue=(queue.name.to_string()) {
                        td.queue-name { (queue.name.to_string()) }
                        td.big.waiting { (queue.waiting) }
                        td.big.longest-wait { (clock(queue.longest_wait_ms)) }
                        td.big.service-level { @if queue.answered > 0 {
                            (queue.answered_within_service_level * 100 / queue.answered) " %"
                        } @else { "—" } }
                        td.big.abandoned { (queue.abandoned) }
                        td.big.ready { (queue.agents_ready) }
                    }
                }
            }
        }
    };
    let agents = html! {
        div #agent-tiles.tiles {
            @for agent in &snapshot.agents {
                @let shown = state_label(lang, agent.state.kind());
                div class=(format!("tile badge {}", shown.1)) data-agent=(agent.id.to_string()) {
                    div.tile-name { (agent.name) }
                    div.tile-state { (shown.0) @if let Some(reason) = not_ready_reason(&agent.state) { " · " (reason) } }
                    div.tile-time { (clock(agent.time_in_state_ms)) }
                }
            }
        }
    };
    let active: Vec<_> = alerts.iter().filter(|a| a.active).collect();
    let alerts = html! {
        ul #alerts.alerts {
            @if active.is_empty() { li.none { (lang.t(Msg::NoAlerts)) } }
            @for alert in active {
                li.alert data-alert=(alert.uid) { (alert.alert.text) }
            }
        }
    };
    let ticker = html! {
        div #ticker.ticker {
            @for notice in &notices {
                span.notice { (notice.text) " — " (notice.by) }
            }
        }
    };
    vec![
        ("queues", queues),
        ("agents", agents),
        ("alerts", alerts),
        ("ticker", ticker),
    ]
}

async fn page(state: web::Data<WebState>, identity: Identity) -> HttpResponse {
    let lang = identity.language;
    let parts = fragments(&state, &identity).await;
    html_page(layout(
        &identity,
        Section::Wallboard,
        lang.t(Msg::Wallboard),
        live::connect(
            "/live/wallboard",
            html! {
                div.wallboard {
                    @for (name, markup) in parts {
                        section id=(format!("live-{name}")) sse-swap=(name) { (markup) }
                    }
                }
            },
        ),
    ))
}

async fn stream(state: web::Data<WebState>, identity: Identity) -> HttpResponse {
    live::stream(render, state, identity)
}

/// The live stream's renderer of this page.
fn render(state: std::sync::Arc<WebState>, identity: Identity) -> live::Fragments {
    Box::pin(async move { fragments(&state, &identity).await })
}
