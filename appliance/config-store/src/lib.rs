//! The box's configuration over time, for the technician's pages.
//!
//! - `files`: a configuration directory as a map of relative paths to bytes, read and
//!   written whole (written beside the live one, then renamed into place);
//! - `check`: a candidate checked by exactly what `appliance check-config` runs, each
//!   error with file, line, column, field and reason;
//! - `versions`: every applied configuration numbered in `DATA/config-versions/`, with
//!   who applied it, when and why, the running one marked current; unified diffs;
//! - `backup`: one tar.gz of the configuration, a consistent copy of the database and a
//!   manifest of SHA-256s, and the whole check of an uploaded one before a restore;
//! - `service`: the interface the web API calls (the box's binary implements it, since
//!   applying needs its actors);
//! - `live`: [`Live`], a value taken from the running configuration that readers share
//!   and the box's applier replaces whole at each apply, rollback or restore (the web's
//!   service levels and wrap-up codes).
//!
//! Nothing here touches the running box: applying live is the binary's wiring.

pub mod backup;
pub mod check;
pub mod files;
pub mod keeper;
pub mod live;
pub mod service;
pub mod versions;

pub use check::{check_files, FieldError};
pub use files::ConfigFiles;
pub use keeper::{restart_needs, ConfigKeeper, LiveApplier};
pub use live::Live;
pub use service::{Applied, ConfigService, CurrentConfig, RestoreOutcome, ServiceError};
pub use versions::{VersionInfo, VersionStore};
