//! The JSON API, one module per area; each lists its endpoints for `routes::table`.

pub mod acd;
pub mod alerts;
pub mod calls;
pub mod config;
pub mod desk;
pub mod events_status;
pub mod metrics;
pub mod openapi;
pub mod recordings;
pub mod reports;
pub mod voicemail;

use actix_web::web;

/// A query string's parameters, each at most once and each one of `allowed`; a message
/// for the client otherwise.
pub(crate) fn query_params(
    query: &str,
    allowed: &[&str],
) -> Result<std::collections::HashMap<String, String>, String> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(query)
        .map_err(|error| format!("malformed query string: {error}"))?
        .into_inner();
    let mut params = std::collections::HashMap::new();
    for (name, value) in pairs {
        if !allowed.contains(&name.as_str()) {
            return Err(format!(
                "unknown parameter {name:?}; this takes {}",
                allowed.join(", ")
            ));
        }
        if params.contains_key(&name) {
            return Err(format!("{name} given more than once"));
        }
        params.insert(name, value);
    }
    Ok(params)
}
