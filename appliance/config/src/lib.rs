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
//!
//! [`Config::load`] reads and checks all of it and reports every error it finds, each
//! with file, line, column, field and reason (see `config/REFERENCE.md`). A config with
//! any error is refused whole: the box never starts or applies half a configuration.

mod error;
mod ivr_files;
mod model;
mod prompts_file;
mod raw;
mod validate;

pub use error::{ConfigError, ConfigErrors};
pub use ivr_files::{FLOWS_DIR, SCHEDULES_FILE};
pub use model::*;
pub use prompts_file::{TextPrompts, PROMPTS_DIR, PROMPTS_FILE};

use std::path::Path;

pub const SYSTEM_FILE: &str = "system.toml";
pub const LINES_FILE: &str = "lines.toml";
pub const ROUTES_FILE: &str = "routes.toml";

impl Config {
    pub fn load(dir: &Path) -> Result<Config, ConfigErrors> {
        validate::load(dir)
    }
}
