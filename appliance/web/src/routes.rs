//! The one table of every endpoint the web port serves. The server mounts exactly this
//! table and the `authorize` middleware looks each request up in it, so an endpoint
//! cannot exist without an access rule (`appliance/cli/tests/web_security.rs` walks it).

use crate::endpoint::Endpoint;
use actix_web::http::Method;

/// Every endpoint of the box, API and pages.
pub fn table() -> Vec<Endpoint> {
    let mut table = Vec::new();
    table.extend(crate::api::events_status::endpoints());
    table.extend(crate::api::acd::endpoints());
    table.extend(crate::api::calls::endpoints());
    table.extend(crate::api::config::endpoints());
    table.extend(crate::api::alerts::endpoints());
    table.extend(crate::api::recordings::endpoints());
    table.extend(crate::api::voicemail::endpoints());
    table.extend(crate::api::reports::endpoints());
    table.extend(crate::api::metrics::endpoints());
    table.extend(crate::api::openapi::endpoints());
    table.extend(crate::api::desk::endpoints());
    table.extend(crate::pages::endpoints());
    table.extend(crate::assets::endpoints());
    table
}

/// The endpoint a request reaches: its method and the route pattern it matched.
pub fn find<'a>(table: &'a [Endpoint], method: &Method, pattern: &str) -> Option<&'a Endpoint> {
    table
        .iter()
        .find(|endpoint| endpoint.path == pattern && endpoint.method == method)
}
