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
