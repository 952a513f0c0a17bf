//! The control plane: actix actors that own calls and lines.
//!
//! - [`router::EventRouter`] hands each media-engine event to the actor owning its channel.
//! - [`port::PortActor`], one per analog port, runs the port's loop-start stack.
//! - [`span::SpanActor`], one per E1 span, watches link and alarms.
//! - [`call::CallActor`], one per call, owns its legs, greeting, ringing, bridge.
//! - [`switchboard::Switchboard`] routes new calls and supervises ports and calls.
//! - [`cdr_writer::CdrWriter`] writes CDRs on its own thread.
//! - [`event_archive::EventArchive`] keeps each call's bus events in the database, on its
//!   own thread.
//! - [`stats_actor::StatsActor`] turns the bus's queue and agent events into statistics
//!   records, written by [`stats_actor::StatsStore`] on its own thread.
//!
//! Every handler that touches a call's or a line's state runs inside
//! [`containment::run_contained`]: a panic ends that actor only.

pub mod acd_actor;
#[cfg(test)]
mod acd_restarts_tests;
pub mod agent_device;
pub mod alert_actor;
pub mod bchannel;
pub mod call;
pub mod cdr_writer;
pub mod containment;
pub mod event_archive;
pub mod feature_codes;
pub mod leg;
pub mod leg_pool;
pub mod live_config;
pub mod log_limit;
pub mod lookup;
pub mod messages;
pub mod pcap_tap;
pub mod plan;
pub mod port;
pub mod recorder_actor;
pub mod restart_policy;
pub mod router;
pub mod routing;
pub mod session;
pub mod span;
pub mod span_link;
pub mod stats_actor;
pub mod status;
pub mod switchboard;
