//! Floor alerts for the supervisor: the active ones and those cleared since the box
//! started, each acknowledged from the page by the signed-in user (the same internals as
//! `POST /api/alerts/{uid}/acknowledge`).

use super::{html_fragment, html_page, layout, Section};
use crate::auth::{AuditDetail, Identity};
use crate::endpoint::{Endpoint, FLOOR};
use crate::i18n::{Lang, Msg};
use crate::state::WebState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use call_control::alert_actor::{AlertView, GetAlerts};
use maud::{html, Markup};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/alerts", FLOOR, || web::get().to(page)),
        Endpoint::post("/alerts/{uid}/acknowledge", FLOOR, || {
            web::post().to(acknowledge)
        }),
    ]
}

/// One alert's row; `error` is a refused acknowledgement's reason.
fn row(lang: Lang, epoch_unix_ms: u64, alert: &AlertView, error: Option<&str>) -> Markup {
    let at = |ms: u64| stats::format_utc(epoch_unix_ms.saturating_add(ms));
    let acknowledged = alert.alert.acknowledged_by.is_some();
    html! {
        tr id=(format!("alert-{}", alert.uid)) data-alert=(alert.uid)
            class=(if acknowledged { "acknowledged" } else { "unacknowledged" }) {
            td.kind { (alert.alert.kind.name()) }
            td.text { (alert.alert.text) }
            td { (at(alert.alert.raised_at_ms)) }
            td { (alert.alert.cleared_at_ms.map(at).unwrap_or_else(|| "—".into())) }
            td.acknowledged {
                @if let Some(by) = &alert.alert.acknowledged_by {
                    span.by { (by) }
                    @if let Some(ms) = alert.alert.acknowledged_at_ms { " · " (at(ms)) }
                } @else {
                    button.acknowledge type="button" hx-post=(format!("/alerts/{}/acknowledge", super::url_encode(&alert.uid)))
                        hx-target="closest tr" hx-swap="outerHTML" { (lang.t(Msg::Acknowledge)) }
                }
                @if let Some(error) = error { " " span.field-error role="alert" { (error) } }
            }
        }
    }
}

fn table(lang: Lang, epoch_unix_ms: u64, id: &str, alerts: &[&AlertView], none: Msg) -> Markup {
    html! {
        @if alerts.is_empty() {
            p.none id=(id) { (lang.t(none)) }
        } @else {
            table.alerts-table id=(id) {
                thead { tr {
                    th { (lang.t(Msg::AlertKind)) } th { (lang.t(Msg::AlertText)) } th { (lang.t(Msg::Raised)) }
                    th { (lang.t(Msg::Cleared)) } th { (lang.t(Msg::AcknowledgedBy)) }
                } }
                tbody { @for alert in alerts { (row(lang, epoch_unix_ms, alert, None)) } }
            }
        }
    }
}

async fn page(state: web::Data<WebState>, identity: Identity) -> HttpResponse {
    let lang = identity.language;
    let alerts = state.alerts.send(GetAlerts).await;
    let content = match &alerts {
        Err(e) => {
            html! { p.field-error role="alert" { (super::failure_text(lang, Msg::AlertsNotAnswering, e)) } }
        }
        Ok(alerts) => {
            let (active, cleared): (Vec<&AlertView>, Vec<&AlertView>) =
                alerts.iter().partition(|a| a.active);
            html! {
                section.card {
                    h2 { (lang.t(Msg::ActiveAlerts)) }
                    (table(lang, state.epoch_unix_ms, "active-alerts", &active, Msg::NoAlerts))
                }
                section.card {
                    h2 { (lang.t(Msg::ClearedAlerts)) }
                    (table(lang, state.epoch_unix_ms, "cleared-alerts", &cleared, Msg::NoClearedAlerts))
                }
            }
        }
    };
    html_page(layout(
        &identity,
        Section::Alerts,
        lang.t(Msg::Alerts),
        content,
    ))
}

/// Acknowledges as the signed-in user; answers the alert's row as it is now.
async fn acknowledge(
    state: web::Data<WebState>,
    identity: Identity,
    uid: web::Path<String>,
    request: HttpRequest,
) -> HttpResponse {
    let lang = identity.language;
    let uid = uid.into_inner();
    request.extensions_mut().insert(AuditDetail {
        before: Some(serde_json::json!({ "alert": uid, "acknowledged_by": null })),
        after: Some(serde_json::json!({ "alert": uid, "acknowledged_by": identity.name })),
    });
    let response =
        crate::api::alerts::acknowledge_alert(&state, uid.clone(), identity.name.clone()).await;
    let error = super::calls::api_error(response)
        .await
        .map(|error| crate::i18n::api_errors::translate_api_error(lang, &error).into_owned());
    let alerts = state.alerts.send(GetAlerts).await.unwrap_or_default();
    match alerts.iter().find(|a| a.uid == uid) {
        Some(alert) => html_fragment(
            StatusCode::OK,
            row(lang, state.epoch_unix_ms, alert, error.as_deref()),
        ),
        None => html_fragment(
            StatusCode::OK,
            html! { tr { td colspan="5" { span.field-error role="alert" { (error.unwrap_or_default()) } } } },
        ),
    }
}
