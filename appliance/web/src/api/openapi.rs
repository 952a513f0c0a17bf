//! `GET /api/openapi.json`: the API's OpenAPI 3 document, made from the route table
//! itself, so every endpoint a CRM can call is in it with its method, path parameters,
//! the roles admitted (`x-roles`) and how to authenticate; none can be missing.

use crate::auth::middleware::Gate;
use crate::endpoint::{Access, Endpoint, SIGNED_IN};
use actix_web::http::Method;
use actix_web::{web, HttpResponse};
use serde_json::{json, Map, Value};

pub fn endpoints() -> Vec<Endpoint> {
    vec![Endpoint::get("/api/openapi.json", SIGNED_IN, || {
        web::get().to(document_handler)
    })]
}

/// The document of the table the server mounted (the access check holds it).
async fn document_handler(gate: web::Data<Gate>) -> HttpResponse {
    HttpResponse::Ok().json(document(&gate.table))
}

/// The path parameters of a route pattern (`/api/calls/{call}/events` → `call`).
pub fn parameters(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}

/// The area an endpoint belongs to (`/api/recordings/{id}/audio` → `recordings`).
fn tag(path: &str) -> &str {
    path.trim_start_matches('/')
        .split('/')
        .nth(1)
        .filter(|_| path.starts_with("/api/"))
        .unwrap_or("metrics")
}

struct Described<'a> {
    method: &'a Method,
    path: &'a str,
    access: Access,
}

/// The OpenAPI document of the table's API endpoints (`/api/…` and `/metrics`).
pub fn document(table: &[(Method, &'static str, Access)]) -> Value {
    let mut paths = Map::new();
    for (method, path, access) in table
        .iter()
        .filter(|(_, path, _)| path.starts_with("/api/") || *path == "/metrics")
    {
        let endpoint = Described {
            method,
            path,
            access: *access,
        };
        let roles: Vec<&str> = match endpoint.access {
            Access::Public => vec![],
            Access::Roles(roles) => roles.iter().map(|r| r.as_str()).collect(),
        };
        let params: Vec<Value> = parameters(endpoint.path)
            .into_iter()
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            json!({ "description": "done (JSON, or the file asked for)" }),
        );
        responses.insert(
            "401".into(),
            json!({ "description": "no session or token" }),
        );
        responses.insert(
            "403".into(),
            json!({ "description": "the role may not, or the CSRF token is missing" }),
        );
        let operation = json!({
            "tags": [tag(endpoint.path)],
            "operationId": format!("{} {}", endpoint.method, endpoint.path),
            "parameters": params,
            "x-roles": roles,
            "security": [{ "bearer": [] }, { "session": [] }],
            "responses": responses,
        });
        let entry = paths
            .entry(endpoint.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(methods) = entry {
            methods.insert(endpoint.method.as_str().to_lowercase(), operation);
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Call-center box API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The API the box's own pages use. Authenticate with `Authorization: Bearer TOKEN` (tokens made by an admin under API tokens) or a signed-in session; a change made with a session also needs its `X-CSRF-Token`.",
        },
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "session": { "type": "apiKey", "in": "cookie", "name": crate::auth::middleware::SESSION_COOKIE },
            }
        },
        "paths": paths,
    })
}
