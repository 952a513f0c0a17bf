//! Floor alerts in the JSON API (the wallboard and CRMs read them; supervisors
//! acknowledge them):
//!
//! - `GET /api/alerts`: the alerts since the box started, active first (oldest first),
//!   then the cleared ones (newest first), each with its `uid`, `kind`, `text`, times and
//!   who acknowledged it.
//! - `GET /api/alerts/history?limit=N`: the stored alerts of every start, newest first
//!   (default 100, at most 1000).
//! - `POST /api/alerts/{uid}/acknowledge` with `{"by": "name"}`: 204, 404 (no such
//!   alert since the start), 409 (acknowledged already), 400 (bad body).
//! - Notices to agents: `POST /api/notices` with `{"text": "…", "expires_in_s": 600,
//!   "queue": "billing", "by": "name"}` (`queue` left out: every agent) → 201
//!   `{"id": N}`, or 400; `GET /api/notices[?queue=NAME]` (those up, for everyone and
//!   that queue); `DELETE /api/notices/{id}` → 204 or 404.

use crate::endpoint::{Endpoint, FLOOR, SIGNED_IN, STAFF};
use crate::state::WebState;
use actix_web::{web, HttpResponse};
use call_control::alert_actor::{
    AcknowledgeAlert, AcknowledgeError, GetAlerts, GetNotices, PostNotice, WithdrawNotice,
};
use serde::Deserialize;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/alerts", STAFF, || web::get().to(alerts)),
        Endpoint::get("/api/alerts/history", STAFF, || web::get().to(history)),
        Endpoint::post("/api/alerts/{uid}/acknowledge", FLOOR, || {
            web::post().to(acknowledge)
        }),
        Endpoint::get("/api/notices", SIGNED_IN, || web::get().to(notices)),
        Endpoint::post("/api/notices", FLOOR, || web::post().to(post_notice)),
        Endpoint::delete("/api/notices/{id}", FLOOR, || {
            web::delete().to(withdraw_notice)
        }),
    ]
}

fn error(status: actix_web::http::StatusCode, message: String) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({ "error": message }))
}

async fn alerts(state: web::Data<WebState>) -> HttpResponse {
    match state.alerts.send(GetAlerts).await {
        Ok(alerts) => HttpResponse::Ok().json(serde_json::json!({ "alerts": alerts })),
        Err(e) => error(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            format!("alerts not answering: {e}"),
        ),
    }
}

#[derive(Deserialize)]
struct HistoryQuery {
    limit: Option<usize>,
}

async fn history(state: web::Data<WebState>, query: web::Query<HistoryQuery>) -> HttpResponse {
    let limit = query.limit.unwrap_or(100).min(1000);
    let result = crate::state::read_storage(state.into_inner(), move |storage| {
        Ok(storage.recent_alerts(limit)?)
    })
    .await;
    match result {
        Ok(rows) => {
            // The stored body is the alert itself; hand it back as JSON, not a string.
            let alerts: Vec<serde_json::Value> = rows
                .into_iter()
                .map(|row| {
                    let mut body: serde_json::Value =
                        serde_json::from_str(&row.body_json).unwrap_or(serde_json::json!({}));
                    if let Some(object) = body.as_object_mut() {
                        object.insert("uid".into(), row.uid.into());
                        object.insert("raised_unix_ms".into(), row.raised_unix_ms.into());
                        object.insert("cleared_unix_ms".into(), row.cleared_unix_ms.into());
                        object.insert(
                            "acknowledged_unix_ms".into(),
                            row.acknowledged_unix_ms.into(),
                        );
                    }
                    body
                })
                .collect();
            HttpResponse::Ok().json(serde_json::json!({ "alerts": alerts }))
        }
        Err(e) => error(
            actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read alerts: {e:#}"),
        ),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Acknowledge {
    by: String,
}

async fn acknowledge(
    state: web::Data<WebState>,
    uid: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let ack = match serde_json::from_slice::<Acknowledge>(&body) {
        Ok(ack) if !ack.by.trim().is_empty() => ack,
        Ok(_) => {
            return error(
                actix_web::http::StatusCode::BAD_REQUEST,
                "`by` is empty: say who acknowledges".into(),
            )
        }
        Err(e) => {
            return error(
                actix_web::http::StatusCode::BAD_REQUEST,
                format!("{e}; expected {{\"by\": \"name\"}}"),
            )
        }
    };
    acknowledge_alert(&state, uid.into_inner(), ack.by).await
}

/// `by` acknowledges alert `uid` (the API and the alerts page): 204, or 404/409/503
/// with `{"error": …}`.
pub async fn acknowledge_alert(state: &WebState, uid: String, by: String) -> HttpResponse {
    let request = AcknowledgeAlert { uid, by };
    match state.alerts.send(request).await {
        Ok(Ok(())) => HttpResponse::NoContent().finish(),
        Ok(Err(e @ AcknowledgeError::Unknown(_)))
        | Ok(Err(e @ AcknowledgeError::Monitor(box_config::alerts::AckError::Unknown(_)))) => {
            error(actix_web::http::StatusCode::NOT_FOUND, e.to_string())
        }
        Ok(Err(e)) => error(actix_web::http::StatusCode::CONFLICT, e.to_string()),
        Err(e) => error(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            format!("alerts not answering: {e}"),
        ),
    }
}

#[derive(Deserialize)]
struct NoticesQuery {
    queue: Option<String>,
}

async fn notices(state: web::Data<WebState>, query: web::Query<NoticesQuery>) -> HttpResponse {
    let get = GetNotices {
        queue: query.into_inner().queue,
    };
    match state.alerts.send(get).await {
        Ok(notices) => HttpResponse::Ok().json(serde_json::json!({ "notices": notices })),
        Err(e) => error(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            format!("notices not answering: {e}"),
        ),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewNotice {
    text: String,
    expires_in_s: u64,
    queue: Option<String>,
    by: String,
}

async fn post_notice(state: web::Data<WebState>, body: web::Bytes) -> HttpResponse {
    let notice = match serde_json::from_slice::<NewNotice>(&body) {
        Ok(notice) => notice,
        Err(e) => {
            return error(
                actix_web::http::StatusCode::BAD_REQUEST,
                format!("{e}; expected {{\"text\": \"…\", \"expires_in_s\": 600, \"by\": \"name\"}} and optionally \"queue\""),
            )
        }
    };
    publish_notice(
        &state,
        PostNotice {
            text: notice.text,
            queue: notice.queue,
            by: notice.by,
            lasts_ms: notice.expires_in_s.saturating_mul(1000),
        },
    )
    .await
}

/// Puts a notice up (the API and the supervisor's pages): 201 `{"id": N}`, or 400/503
/// with `{"error": …}`.
pub async fn publish_notice(state: &WebState, post: PostNotice) -> HttpResponse {
    match state.alerts.send(post).await {
        Ok(Ok(id)) => HttpResponse::Created().json(serde_json::json!({ "id": id })),
        Ok(Err(e)) => error(actix_web::http::StatusCode::BAD_REQUEST, e.to_string()),
        Err(e) => error(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            format!("notices not answering: {e}"),
        ),
    }
}

async fn withdraw_notice(state: web::Data<WebState>, id: web::Path<u64>) -> HttpResponse {
    match state.alerts.send(WithdrawNotice(id.into_inner())).await {
        Ok(Ok(())) => HttpResponse::NoContent().finish(),
        Ok(Err(e)) => error(actix_web::http::StatusCode::NOT_FOUND, e.to_string()),
        Err(e) => error(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            format!("notices not answering: {e}"),
        ),
    }
}
