//! Binding the web port and mounting the endpoint table.

use crate::routes;
use crate::state::WebState;
use actix_web::{web, App, HttpServer};

/// Binds the web port and returns the server to spawn, and the address it got.
pub fn serve(
    state: WebState,
    listen: &str,
) -> anyhow::Result<(actix_web::dev::Server, std::net::SocketAddr)> {
    let server = HttpServer::new(move || {
        let mut app = App::new().app_data(web::Data::new(state.clone()));
        for endpoint in routes::table() {
            app = app.route(endpoint.path, (endpoint.route)());
        }
        app
    })
    .workers(1)
    .disable_signals()
    .bind(listen)
    .map_err(|error| anyhow::anyhow!("cannot listen for the web UI on {listen}: {error}"))?;
    let address = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| anyhow::anyhow!("web server bound no address"))?;
    Ok((server.run(), address))
}
