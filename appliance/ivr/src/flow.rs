//! IVR flows as configured: the TOML model, its parsing with file:line:column on every
//! error, and its validation (`check-config`, later the web UI's flow editor).
//!
//! A flow file:
//!
//! ```toml
//! name = "hotline"
//! entry = "welcome"          # the node a call starts at
//! language = "zh"            # optional, "en" (default) or "zh"
//!
//! [nodes.welcome]
//! type = "play"
//! prompt = "welcome"
//! next = "bye"
//!
//! [nodes.bye]
//! type = "hangup"
//! ```
//!
//! Every node is a `[nodes.NAME]` table with a `type` and that type's settings; see
//! [`NodeKind`] for each type's syntax and [`EXAMPLE`] for a worked example.
//!
//! Parsing is two steps: serde reads a permissive raw shape (every setting of every
//! type, each with its span), then each node is converted to its strict type. Serde's
//! internally tagged enums cannot carry spans, and this way a setting that belongs to
//! another node type gets a precise reason instead of serde's generic one.

mod example;
mod model;
mod parse;
mod validate;

pub use model::*;

/// The worked example: a bilingual hotline. A welcome in both languages lets the
/// caller pick one; a time condition sends calls outside opening hours to a closing
/// message; the main menu offers 1 billing (account number, balance lookup, the balance
/// said as money), 2 outage information, 9 the operator and 0 an agent queue.
///
/// It validates with the prompts and schedule it names; `config/REFERENCE.md` reuses it.
pub const EXAMPLE: &str = example::EXAMPLE;

/// The prompts [`EXAMPLE`] names, for tests and documentation.
pub const EXAMPLE_PROMPTS: &[&str] = &[
    "welcome-bilingual",
    "main-menu",
    "invalid-entry",
    "no-entry",
    "enter-account",
    "your-balance-is",
    "lookup-failed",
    "outage-info",
    "goodbye",
];

/// The schedules [`EXAMPLE`] names.
pub const EXAMPLE_SCHEDULES: &[&str] = &["hotline-hours"];
