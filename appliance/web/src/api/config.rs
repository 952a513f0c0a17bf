//! The technician's configuration API: check, apply live, versions with diff and
//! rollback, backup and restore. The work is the configuration keeper's
//! (`config_store::ConfigService`, wired by the box's binary); these handlers run it off
//! the web worker and shape its answers.
//!
//! - `GET /api/config/current`: `{"version", "files": {"queues.toml": "…", …}}`.
//! - `POST /api/config/check` `{"files": {…}}`: `{"ok", "errors": [{file, line, column,
//!   field, message}]}`.
//! - `POST /api/config/apply` `{"files": {…}, "comment"}`: 200 `{"version", "restart_required",
//!   "notes"}`, or 422 `{"ok": false, "errors": […]}` and nothing changed.
//! - `GET /api/config/versions`, `GET /api/config/versions/{n}` (its files),
//!   `GET /api/config/versions/{n}/diff?against=M` (unified diff from M, by default n-1,
//!   to n, text),
//!   `POST /api/config/versions/{n}/rollback` (as apply).
//! - `GET /api/backup`: the archive (tar.gz) as an attachment.
//! - `POST /api/backup/restore` with the archive as the body: 200 with what was restored,
//!   or 422 `{"error"}` (or `{"errors"}` for a configuration inside that fails its check)
//!   and nothing changed.
//!
//! `files` is the configuration's every `*.toml` (flows as `flows/NAME.toml`): one left
//! out is removed; recorded prompts (`prompts/*.wav`) stay as they are.

use crate::endpoint::{Endpoint, TECHNICIANS};
use crate::state::WebState;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use config_store::service::{ConfigTexts, ServiceError};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// The largest configuration a request may carry.
const MAX_CONFIG_BYTES: usize = 16 << 20;
/// The largest backup archive a restore accepts (recordings are not in it).
const MAX_ARCHIVE_BYTES: usize = 1 << 30;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/config/current", TECHNICIANS, || {
            web::get().to(current)
        }),
        Endpoint::post("/api/config/check", TECHNICIANS, || web::post().to(check)),
        Endpoint::post("/api/config/apply", TECHNICIANS, || web::post().to(apply)),
        Endpoint::get("/api/config/versions", TECHNICIANS, || {
            web::get().to(versions)
        }),
        Endpoint::get("/api/config/versions/{n}", TECHNICIANS, || {
            web::get().to(version)
        }),
        Endpoint::get("/api/config/versions/{n}/diff", TECHNICIANS, || {
            web::get().to(diff)
        }),
        Endpoint::post("/api/config/versions/{n}/rollback", TECHNICIANS, || {
            web::post().to(rollback)
        }),
        Endpoint::get("/api/backup", TECHNICIANS, || web::get().to(backup)),
        Endpoint::post("/api/backup/restore", TECHNICIANS, || {
            web::post().to(restore)
        }),
    ]
}

/// Who asks: the signed-in identity's name (or a plain `String` a test or an earlier
/// layer put in the request's extensions), else `unknown`.
fn user_of(request: &HttpRequest) -> String {
    let extensions = request.extensions();
    if let Some(identity) = extensions.get::<crate::auth::Identity>() {
        return identity.name.clone();
    }
    extensions
        .get::<String>()
        .cloned()
        .unwrap_or_else(|| "unknown".to_owned())
}

/// What the audit log keeps of an applied configuration: the version it replaced and the
/// new one.
pub(crate) fn audit(request: &HttpRequest, applied: &config_store::Applied) {
    request.extensions_mut().insert(crate::auth::AuditDetail {
        before: Some(json!({ "version": applied.replaced })),
        after: Some(json!({
            "version": applied.version.number,
            "comment": applied.version.comment,
            "restart_required": applied.restart_required,
        })),
    });
}

fn error_response(error: ServiceError) -> HttpResponse {
    match error {
        ServiceError::Invalid(errors) => {
            HttpResponse::UnprocessableEntity().json(json!({ "ok": false, "errors": errors }))
        }
        ServiceError::Refused(why) => {
            HttpResponse::UnprocessableEntity().json(json!({ "error": why }))
        }
        ServiceError::NotFound(why) => HttpResponse::NotFound().json(json!({ "error": why })),
        ServiceError::Failed(why) => {
            HttpResponse::InternalServerError().json(json!({ "error": why }))
        }
    }
}

/// Runs a keeper call on the blocking pool (it writes files, builds prompts, waits for
/// actors).
async fn run<T: Send + 'static>(
    state: &WebState,
    call: impl FnOnce(&dyn config_store::ConfigService) -> Result<T, ServiceError> + Send + 'static,
) -> Result<T, HttpResponse> {
    let keeper = Arc::clone(&state.config);
    match web::block(move || call(keeper.as_ref())).await {
        Ok(outcome) => outcome.map_err(error_response),
        Err(error) => Err(HttpResponse::InternalServerError()
            .json(json!({ "error": format!("the configuration keeper failed: {error}") }))),
    }
}

pub(crate) async fn read_body(
    mut payload: web::Payload,
    limit: usize,
) -> Result<Vec<u8>, HttpResponse> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| {
            HttpResponse::BadRequest()
                .json(json!({ "error": format!("reading the body: {error}") }))
        })?;
        if body.len() + chunk.len() > limit {
            return Err(HttpResponse::PayloadTooLarge()
                .json(json!({ "error": format!("the body is larger than {limit} bytes") })));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilesBody {
    files: ConfigTexts,
    #[serde(default)]
    comment: String,
}

async fn files_body(payload: web::Payload) -> Result<FilesBody, HttpResponse> {
    let body = read_body(payload, MAX_CONFIG_BYTES).await?;
    serde_json::from_slice(&body).map_err(|error| {
        HttpResponse::BadRequest().json(json!({
            "error": format!("expected {{\"files\": {{\"NAME.toml\": \"text\", …}}, \"comment\": \"…\"}}: {error}")
        }))
    })
}

async fn current(state: web::Data<WebState>) -> HttpResponse {
    match run(&state, |keeper| keeper.current()).await {
        Ok(current) => HttpResponse::Ok().json(current),
        Err(response) => response,
    }
}

async fn check(state: web::Data<WebState>, payload: web::Payload) -> HttpResponse {
    let body = match files_body(payload).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    match run(&state, move |keeper| keeper.check(&body.files)).await {
        Ok(errors) => HttpResponse::Ok().json(json!({ "ok": errors.is_empty(), "errors": errors })),
        Err(response) => response,
    }
}

async fn apply(
    state: web::Data<WebState>,
    request: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let user = user_of(&request);
    let body = match files_body(payload).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    match run(&state, move |keeper| {
        keeper.apply(&body.files, &user, &body.comment)
    })
    .await
    {
        Ok(applied) => {
            audit(&request, &applied);
            HttpResponse::Ok().json(applied)
        }
        Err(response) => response,
    }
}

async fn versions(state: web::Data<WebState>) -> HttpResponse {
    match run(&state, |keeper| keeper.versions()).await {
        Ok(list) => HttpResponse::Ok().json(json!({ "versions": list })),
        Err(response) => response,
    }
}

async fn version(state: web::Data<WebState>, number: web::Path<u32>) -> HttpResponse {
    let number = number.into_inner();
    match run(&state, move |keeper| keeper.version(number)).await {
        Ok((info, files)) => HttpResponse::Ok().json(json!({ "version": info, "files": files })),
        Err(response) => response,
    }
}

#[derive(Debug, Deserialize)]
struct DiffQuery {
    /// The version diffed from; the one before `n` when left out.
    against: Option<u32>,
}

async fn diff(
    state: web::Data<WebState>,
    number: web::Path<u32>,
    query: web::Query<DiffQuery>,
) -> HttpResponse {
    let to = number.into_inner();
    let from = query.against.unwrap_or(to.saturating_sub(1));
    match run(&state, move |keeper| keeper.diff(from, to)).await {
        Ok(text) => HttpResponse::Ok()
            .content_type("text/x-diff; charset=utf-8")
            .body(text),
        Err(response) => response,
    }
}

async fn rollback(
    state: web::Data<WebState>,
    request: HttpRequest,
    number: web::Path<u32>,
) -> HttpResponse {
    let user = user_of(&request);
    let number = number.into_inner();
    match run(&state, move |keeper| keeper.rollback(number, &user)).await {
        Ok(applied) => {
            audit(&request, &applied);
            HttpResponse::Ok().json(applied)
        }
        Err(response) => response,
    }
}

async fn backup(state: web::Data<WebState>) -> HttpResponse {
    match run(&state, |keeper| keeper.backup()).await {
        Ok((name, archive)) => HttpResponse::Ok()
            .content_type("application/gzip")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"{name}\""),
            ))
            .body(archive),
        Err(response) => response,
    }
}

async fn restore(
    state: web::Data<WebState>,
    request: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let user = user_of(&request);
    let archive = match read_body(payload, MAX_ARCHIVE_BYTES).await {
        Ok(archive) => archive,
        Err(response) => return response,
    };
    match run(&state, move |keeper| keeper.restore(&archive, &user)).await {
        Ok(outcome) => {
            audit(&request, &outcome.applied);
            HttpResponse::Ok().json(outcome)
        }
        Err(response) => response,
    }
}
