//! The event bus: every call, leg, line and span change is a typed [`Event`], numbered by
//! the bus into an [`Envelope`] (`seq` 1, 2, 3… without gaps) and published to in-process
//! subscribers (CDR writer, statistics), to a live feed (the web's SSE stream) and into a
//! bounded history that late or lagging readers page through.
//!
//! - [`event`]: the vocabulary. It names channels, calls and states in plain strings and
//!   small enums of its own, so that this crate depends on nothing of the box's.
//! - [`log::EventLog`]: the sans-IO core (numbering, the history ring, paging).
//! - [`bus::EventBus`]: the actix actor around it, and [`bus::EventsHandle`], what the rest
//!   of the box holds to publish and read.

pub mod bus;
pub mod event;
pub mod log;

pub use bus::{BusError, EventBus, EventsAfter, EventsHandle, LastSeq, Publish, Subscribe};
pub use event::{CallId, Envelope, Event, IvrStep, LegRole, LineKind, QueueStep};
pub use log::{EventLog, Page, PageRequest, QueryError};
