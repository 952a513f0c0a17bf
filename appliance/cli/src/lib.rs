//! The appliance: wiring of the media engine, the actors, storage and the web port into
//! one running box (`boot`), and, with the `demo` feature only, the demo traffic generator
//! (`demo`, which drives the box through the HIL rig's far-end simulators).

pub mod boot;
#[cfg(feature = "demo")]
pub mod demo;
pub mod live_config;
pub mod logging;
pub mod plan;
pub use box_web as web;
