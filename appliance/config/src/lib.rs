//! The box's configuration: a directory of TOML files.
//!
//! - `system.toml` (required): name, tone plan, clock, device directory, web port.
//! - `lines.toml` (required): `[[span]]`, `[[fxo]]` and `[[fxs]]` entries.
//! - `routes.toml` (optional): greeting, ring timeout, inbound and outbound routes.
//! - `schedules.toml` (optional): named time conditions (opening hours, holidays).
//! - `flows/*.toml` (optional): IVR flows, one per file (see the `ivr` crate).
//! - `prompts.toml` (optional): text prompts, synthesized when the configuration is
//!   applied; recordings go in `prompts/` (`prompts/NAME.wav`, `prompts/en/NAME.wav`,
//!   `prompts/zh/NAME.wav`).
//! - `queues.toml` (optional): the ACD's queues (strategy, skills, widening, ring timeout,
//!   wrap-up, overflow, service level, announcements, join/leave rules, music), VIP
//!   numbers, not-ready reasons and the disposition codes agents wrap calls up with
//!   (`[dispositions]`). With it, the IVR's `queue` nodes must name its queues.
//! - `agents.toml` (optional): `[[agent]]` entries (number, name, PIN, queues, skills).
//!   Both are read into [`Config::acd`], an [`acd::AcdConfig`] the ACD core starts from.
//! - `recording.toml` (optional): recording rules per trunk, queue, extension and agent,
//!   retention, and the disk shares (see `recording_settings.rs`).
//!
//! [`Config::load`] reads and checks all of it and reports every error it finds, each
//! with file, line, column, field and reason (see `config/REFERENCE.md`). A config with
//! any error is refused whole: the box never starts or applies half a configuration.

mod acd_files;
mod alert_settings;
mod check;
pub mod choices;
mod dispositions;
mod error;
mod ivr_files;
mod model;
mod prompts_file;
mod raw;
mod recording_settings;
mod validate;

/// The ACD core's crate, whose configuration types [`Config::acd`] holds.
pub use acd;
pub use acd_files::{
    AGENTS_FILE, MUSIC_CLASSES, OVERFLOW_FLOW_PREFIX, OVERFLOW_QUEUE_PREFIX, QUEUES_FILE,
};
pub use alerts;
pub use dispositions::{DispositionCode, Dispositions, MAX_LABEL_CHARS};
pub use error::{ConfigError, ConfigErrors};
pub use ivr_files::{FLOWS_DIR, SCHEDULES_FILE};
pub use model::*;
pub use prompts_file::{TextPrompts, PROMPTS_DIR, PROMPTS_FILE};
pub use recording_settings::{
    RecordMode, RecordRule, RecordingSettings, DEFAULT_RETENTION_DAYS, RECORDING_FILE,
};

use std::path::Path;

pub const SYSTEM_FILE: &str = "system.toml";
pub const LINES_FILE: &str = "lines.toml";
pub const ROUTES_FILE: &str = "routes.toml";

impl Config {
    pub fn load(dir: &Path) -> Result<Config, ConfigErrors> {
        validate::load(dir)
    }
}
