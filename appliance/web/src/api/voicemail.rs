//! Voicemail in the JSON API (a phone's owner reads their messages in the web UI; a CRM
//! marks them heard):
//!
//! - `GET /api/mailboxes/{mailbox}/messages`: the mailbox's messages, newest first:
//!   `{"messages": [{uid, caller, started_unix_ms, duration_ms, heard, audio}]}`, where
//!   `audio` is the recording's `/api/recordings/{uid}/audio`. Messages still being left,
//!   empty or purged are not listed.
//! - `POST /api/recordings/{id}/heard`: marks a message (any recording) heard; 204, 404
//!   for an unknown one. Listening on `*98` marks them too.

use crate::endpoint::{Endpoint, STAFF};
use crate::state::{read_storage, WebState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/mailboxes/{mailbox}/messages", STAFF, || {
            web::get().to(messages)
        }),
        Endpoint::post("/api/recordings/{id}/heard", STAFF, || {
            web::post().to(heard)
        }),
    ]
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({ "error": message.to_string() }))
}

/// How many messages a mailbox lists at most.
const MAX_MESSAGES: u32 = 1000;

async fn messages(state: web::Data<WebState>, mailbox: web::Path<String>) -> HttpResponse {
    let mailbox = mailbox.into_inner();
    if mailbox.is_empty() || !mailbox.bytes().all(|b| b.is_ascii_digit()) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("mailbox `{mailbox}` is not an extension (digits)"),
        );
    }
    let filter = storage::RecordingFilter {
        kind: Some("voicemail".to_owned()),
        mailbox: Some(mailbox),
        limit: MAX_MESSAGES,
        ..storage::RecordingFilter::default()
    };
    match read_storage(state.into_inner(), move |s| Ok(s.list_recordings(&filter)?)).await {
        Ok(rows) => {
            let messages: Vec<serde_json::Value> = rows
                .into_iter()
                // A message still being left is not one yet.
                .filter(|row| row.status != "recording")
                .map(|row| {
                    serde_json::json!({
                        "uid": row.uid,
                        "caller": row.caller,
                        "started_unix_ms": row.started_unix_ms,
                        "duration_ms": row.duration_ms,
                        "heard": row.heard,
                        "audio": format!("/api/recordings/{}/audio", row.uid),
                    })
                })
                .collect();
            HttpResponse::Ok().json(serde_json::json!({ "messages": messages }))
        }
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

async fn heard(state: web::Data<WebState>, id: web::Path<String>) -> HttpResponse {
    let id = id.into_inner();
    let wanted = id.clone();
    let result = read_storage(state.into_inner(), move |s| {
        let known = s.recording(&wanted)?.is_some();
        if known {
            s.mark_recording_heard(&wanted)?;
        }
        Ok(known)
    })
    .await;
    match result {
        Ok(true) => HttpResponse::NoContent().finish(),
        Ok(false) => error(StatusCode::NOT_FOUND, format!("no recording {id}")),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}
