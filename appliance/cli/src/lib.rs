//! The appliance: wiring of the media engine, the actors, storage and the web port into
//! one running box (`boot`), and the demo traffic generator (`demo`).

pub mod boot;
pub mod demo;
pub mod logging;
pub mod plan;
pub mod prompts;
pub mod web;
