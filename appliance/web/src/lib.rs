//! The box's web port: the JSON API (`api/`), the event stream, and the local web UI, all
//! mounted from one endpoint table (`routes.rs`) behind one access check.

pub mod api;
pub mod auth;
pub mod routes;
pub mod server;
pub mod state;

pub use server::serve;
pub use state::{read_storage, DeviceView, WebState};
