//! The appliance: wiring of the media engine, the actors, storage and the web port into
//! one running box (`boot`), and, with the `demo` feature only, the demo traffic generator
//! (`demo`, which drives the box through the HIL rig's far-end simulators).

pub mod acd_api;
pub mod alerts_api;
pub mod boot;
pub mod calls_api;
#[cfg(feature = "demo")]
pub mod demo;
pub mod logging;
pub mod metrics_api;
pub mod plan;
pub mod recordings_api;
pub mod reports_api;
pub mod voicemail_api;
pub mod web;
pub mod web_state;
