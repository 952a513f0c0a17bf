//! Binding the web port (HTTPS by default, plain HTTP on loopback when configured) and
//! mounting the endpoint table behind the access check.

use crate::auth::middleware::{authorize, Gate};
use crate::auth::store::AuthStore;
use crate::routes;
use crate::state::WebState;
use actix_web::{web, App, HttpServer};
use std::path::PathBuf;
use std::sync::Arc;

/// How the web port is served.
pub struct WebSettings {
    pub listen: String,
    /// `None`: plain HTTP (the configuration allows it on loopback only). `Some(dir)`:
    /// HTTPS with the certificate kept in `dir` (made at first start).
    pub tls_dir: Option<PathBuf>,
    /// The box's name, in the certificate.
    pub box_name: String,
}

/// What `serve` started.
pub struct Served {
    pub server: actix_web::dev::Server,
    pub address: std::net::SocketAddr,
    /// `https` or `http`.
    pub scheme: &'static str,
}

/// Binds the web port and returns the server to spawn, and the address it got.
pub fn serve(
    state: WebState,
    auth: Arc<AuthStore>,
    settings: &WebSettings,
) -> anyhow::Result<Served> {
    let gate = Gate::new(auth, &routes::table(), settings.tls_dir.is_some());
    let server = HttpServer::new(move || {
        let mut app = App::new()
            .app_data(web::Data::new(state.clone()))
            .app_data(web::Data::new(gate.clone()))
            .wrap(actix_web::middleware::from_fn(authorize));
        for endpoint in routes::table() {
            app = app.route(endpoint.path, (endpoint.route)());
        }
        app
    })
    .workers(1)
    .disable_signals();
    let listen = &settings.listen;
    let cannot = |error: std::io::Error| {
        anyhow::anyhow!("cannot listen for the web UI on {listen}: {error}")
    };
    let (server, scheme) = match &settings.tls_dir {
        Some(dir) => {
            let config = crate::tls::server_config(dir, &settings.box_name)?;
            (
                server.bind_rustls_0_23(listen, config).map_err(cannot)?,
                "https",
            )
        }
        None => (server.bind(listen).map_err(cannot)?, "http"),
    };
    let address = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| anyhow::anyhow!("web server bound no address"))?;
    Ok(Served {
        server: server.run(),
        address,
        scheme,
    })
}
