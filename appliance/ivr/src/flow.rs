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
//! Every node is a `[nodes.NAME]` table with a `type` and that type's settings (any
//! other setting is refused). `NODE` is a node's name, `PROMPT` a prompt store name,
//! `KEY` one of `0`-`9`, `*`, `#`; other upper-case words are placeholders too, and a
//! written-out value is the default (the setting may be left out):
//!
//! | `type` | settings |
//! | --- | --- |
//! | `play` | `prompt = PROMPT` or `text = "..."` with `language = "en"/"zh"` (default: the call's); `next = NODE`; `barge_in = false` |
//! | `menu` | `prompt`; `choices = { KEY = NODE, ... }`; `timeout_s = 5`; `invalid_prompt`, `timeout_prompt` (default: none); `max_retries = 3`; `on_failure = NODE` |
//! | `collect` | `prompt`; `min = 1`; `max`; `terminator = "#"`; `timeout_s = 5`; `into = VARIABLE`; `next`; `on_failure` |
//! | `say` | `what = "number"/"digits"/"date"/"time"/"money"`; `value = "${var}"` or a literal; `next` |
//! | `branch` | `variable = VARIABLE`; `cases = { "value" = NODE, ... }` (default: none); `default = NODE` |
//! | `time` | `schedule = NAME`; `open = NODE`; `closed = NODE` |
//! | `set` | `variable = VARIABLE`; `value` (text with `${var}`s, or a number); `next` |
//! | `language` | `prompt`; `choices = { KEY = "en"/"zh", ... }`; `timeout_s = 5`; `next` |
//! | `lookup` | `url` (http/https, `${var}`s); `timeout_ms = 2000`; `fields = { VARIABLE = "json.path", ... }` (default: none); `next`; `on_failure` |
//! | `transfer` | `to` (an extension or outside number, digits) |
//! | `queue` | `queue = NAME`; `priority = 0` (0-9); `skills = { SKILL = LEVEL, ... }` (levels 1-10, default: none); `extensions = ["201", ...]` (rung in turn when the box has no `queues.toml`; then at least one) |
//! | `voicemail` | `mailbox` (the owner's extension, digits); `prompt` (default: the built-in greeting); `max_length_s = 120` (5-600) |
//! | `hangup` | `cause = 16` (Q.850, 1-127) |
//!
//! See [`NodeKind`]'s variants for each type's meaning and [`EXAMPLE`] for a worked
//! example. A variable name is a letter or `_`, then letters, digits or `_`;
//! `${caller}`, `${called}` and `${language}` are built in.
//!
//! [`Flow::validate`] refuses, each at the line and column of what is wrong:
//! - a node reference (`entry`, `next`, `on_failure`, menu and branch targets, `open`,
//!   `closed`, `default`) naming no node;
//! - a node no path from `entry` reaches;
//! - a cycle of nodes none of which waits for the caller. Only `menu`, `collect` and
//!   `language` wait: they stop until the caller keys something or their timeout, and
//!   the keys choose or feed what comes next. A `play` with `barge_in` does not: a key
//!   cuts the prompt short but the flow goes to the same `next`, so the caller could
//!   never leave the loop. Nodes without successors (`transfer`, `queue`, `hangup`)
//!   are on no cycle;
//! - a prompt the prompt store does not have (`play` `text` is synthesized instead);
//! - a `time` node naming a schedule that is not configured (whether a schedule
//!   parses is the schedule's own check);
//! - a lookup URL that is not `http://` or `https://` with its host written out;
//! - a variable read (`${x}` in a `say` or `set` value or a lookup URL, a `branch`'s
//!   `variable`) that no node anywhere in the flow sets (`set`, `collect` `into`, a
//!   `lookup` `fields` key). The rule is flow-wide, not per path: a variable set on
//!   another path reads as empty.
//!
//! Parsing refuses what TOML refuses (a menu digit or node given twice is a duplicate
//! key, reported at the second one), unknown settings, settings of another node type,
//! missing settings, keys that are not `0`-`9`/`*`/`#`, and malformed values.
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
pub use parse::node_types;

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
