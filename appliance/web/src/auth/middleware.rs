//! The one access check every request passes: the endpoint it reaches (from the route
//! table), who presents what (session cookie or API token), whether their role is
//! admitted, the CSRF token on every change made with a cookie, and the audit entry of
//! every change made.

use super::store::{now_unix_ms, AuthStore, Credential};
use super::{AuditDetail, Identity, Via};
use crate::endpoint::{Access, Endpoint};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};
use std::sync::Arc;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "box_session";
/// The header htmx (and scripts) send the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// What the access check needs, shared by every worker.
#[derive(Clone)]
pub struct Gate {
    pub auth: Arc<AuthStore>,
    /// (method, path pattern, access) of every endpoint.
    pub table: Arc<Vec<(Method, &'static str, Access)>>,
    /// Cookies carry `Secure` (the port speaks HTTPS).
    pub secure_cookies: bool,
}

impl Gate {
    pub fn new(auth: Arc<AuthStore>, table: &[Endpoint], secure_cookies: bool) -> Gate {
        Gate {
            auth,
            table: Arc::new(
                table
                    .iter()
                    .map(|e| (e.method.clone(), e.path, e.access))
                    .collect(),
            ),
            secure_cookies,
        }
    }

    fn access(&self, method: &Method, pattern: &str) -> Option<Access> {
        self.table
            .iter()
            .find(|(m, path, _)| m == method && *path == pattern)
            .map(|(_, _, access)| *access)
    }

    /// The `Set-Cookie` value of a new session.
    pub fn session_cookie(&self, secret: &str) -> String {
        format!(
            "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict{}",
            if self.secure_cookies { "; Secure" } else { "" }
        )
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub fn cleared_cookie(&self) -> String {
        format!(
            "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
            if self.secure_cookies { "; Secure" } else { "" }
        )
    }
}

/// The API answers in JSON; pages redirect to the login.
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/metrics"
}

/// The credential a request presents: a bearer token first, else the session cookie.
pub fn credential(request: &actix_web::HttpRequest) -> Option<Credential> {
    if let Some(value) = request.headers().get(header::AUTHORIZATION) {
        let text = value.to_str().ok()?;
        let token = text.strip_prefix("Bearer ")?.trim();
        return Some(Credential::Token(token.to_owned()));
    }
    request
        .cookie_value(SESSION_COOKIE)
        .map(Credential::Session)
}

trait CookieValue {
    fn cookie_value(&self, name: &str) -> Option<String>;
}

impl CookieValue for actix_web::HttpRequest {
    fn cookie_value(&self, name: &str) -> Option<String> {
        self.headers()
            .get_all(header::COOKIE)
            .filter_map(|value| value.to_str().ok())
            .flat_map(|text| text.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_owned())
    }
}

/// The client's address, for throttling and the audit log.
pub fn peer(request: &actix_web::HttpRequest) -> String {
    request
        .peer_addr()
        .map(|address| address.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn refuse(path: &str, status: actix_web::http::StatusCode, message: &str) -> HttpResponse {
    if is_api(path) {
        let mut response = HttpResponse::build(status);
        if status == actix_web::http::StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.json(serde_json::json!({ "error": message }))
    } else {
        HttpResponse::build(status)
            .content_type("text/plain; charset=utf-8")
            .body(message.to_owned())
    }
}

fn redirect(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

/// A change that came from another site's page (its `Origin` is not this host).
fn foreign_origin(request: &actix_web::HttpRequest) -> bool {
    let Some(origin) = request.headers().get(header::ORIGIN) else {
        return false;
    };
    // The host asked for: the Host header, or HTTP/2's :authority.
    let info = request.connection_info();
    let host = info.host();
    let origin = origin.to_str().unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    origin_host != host
}

fn is_change(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The access check, as an actix `from_fn` middleware around the whole app.
pub async fn authorize(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(gate) = request.app_data::<web::Data<Gate>>().cloned() else {
        return Ok(request.into_response(
            HttpResponse::InternalServerError().body("the access check is not configured"),
        ));
    };
    let method = request.method().clone();
    let path = request.path().to_owned();
    let pattern = request.match_pattern();
    // Not in the table: no handler is mounted for it, so actix answers 404/405.
    let Some(access) = pattern
        .as_deref()
        .and_then(|pattern| gate.access(&method, pattern))
    else {
        return next.call(request).await.map(|r| r.map_into_boxed_body());
    };
    let now = now_unix_ms();
    let identity = credential(request.request()).and_then(|c| gate.auth.identify(&c, now));
    if let Some((identity, due)) = &identity {
        if *due {
            if let Via::Session { hash, .. } = &identity.via {
                let (auth, hash) = (gate.auth.clone(), hash.clone());
                // The idle clock is in memory; the database copy only has to survive a
                // restart, so it is written in the background.
                actix_web::rt::spawn(async move {
                    let _ = web::block(move || auth.touch_session(&hash, now)).await;
                });
            }
        }
        request.extensions_mut().insert(identity.clone());
    }
    if let Access::Roles(_) = access {
        let Some((identity, _)) = &identity else {
            if is_api(&path) {
                let message = if gate.auth.first_start() {
                    "no account exists yet: create the admin at /setup first"
                } else {
                    "sign in first (a session cookie or an Authorization: Bearer token)"
                };
                return Ok(request.into_response(refuse(
                    &path,
                    actix_web::http::StatusCode::UNAUTHORIZED,
                    message,
                )));
            }
            let to = if gate.auth.first_start() {
                "/setup".to_owned()
            } else {
                format!("/login?next={}", crate::url::encode(&path))
            };
            return Ok(request.into_response(redirect(to)));
        };
        if !access.allows(identity.role) {
            return Ok(request.into_response(refuse(
                &path,
                actix_web::http::StatusCode::FORBIDDEN,
                &format!("a {} may not do this", identity.role.as_str()),
            )));
        }
    }
    if is_change(&method) {
        if foreign_origin(request.request()) {
            return Ok(request.into_response(refuse(
                &path,
                actix_web::http::StatusCode::FORBIDDEN,
                "refused: the request came from another site (Origin)",
            )));
        }
        if let Some((
            Identity {
                via: Via::Session { csrf, .. },
                ..
            },
            _,
        )) = &identity
        {
            if access != Access::Public {
                let presented = request
                    .headers()
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if !super::secret::same(presented, csrf) {
                    return Ok(request.into_response(refuse(
                        &path,
                        actix_web::http::StatusCode::FORBIDDEN,
                        "refused: the CSRF token is missing or wrong (reload the page)",
                    )));
                }
            }
        }
    }
    let address = peer(request.request());
    let response = next.call(request).await?.map_into_boxed_body();
    if is_change(&method) && access != Access::Public {
        if let Some((identity, _)) = identity {
            let status = response.status();
            if status.is_success() || status.is_redirection() {
                let detail = response
                    .request()
                    .extensions()
                    .get::<AuditDetail>()
                    .cloned()
                    .unwrap_or_default();
                let entry = storage::NewAudit {
                    unix_ms: now,
                    actor: identity.name,
                    address: Some(address),
                    action: format!("{method} {}", pattern.unwrap_or_default()),
                    target: path,
                    status: status.as_u16(),
                    before: detail.before.map(|v| v.to_string()),
                    after: detail.after.map(|v| v.to_string()),
                };
                let auth = gate.auth.clone();
                // Written before the answer goes out: a change is never unaudited.
                match web::block(move || auth.audit(&entry)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => tracing::error!(%error, "cannot write the audit log"),
                    Err(error) => tracing::error!(%error, "cannot write the audit log"),
                }
            }
        }
    }
    Ok(response)
}

/// Every endpoint's access, for the route walk in the tests.
pub fn describe(table: &[Endpoint]) -> Vec<(String, &'static str, Access)> {
    table
        .iter()
        .map(|e| (e.method.to_string(), e.path, e.access))
        .collect()
}
