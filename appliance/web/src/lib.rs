//! The box's web port: the JSON API (`api/`), the event stream, and the local web UI, all
//! mounted from one endpoint table (`routes.rs`) behind one access check.

pub mod api;
pub mod assets;
pub mod auth;
pub mod endpoint;
pub mod i18n;
pub mod log_ring;
pub mod pages;
pub mod routes;
pub mod server;
pub mod state;
pub mod tls;
pub mod url;

pub use server::{serve, Served, WebSettings};
pub use state::{read_storage, DeviceView, RunningSettings, WebState};
