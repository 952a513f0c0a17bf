//! What the web API asks of the box's configuration keeper: blocking calls (run them off
//! the web worker), each answering with data ready to serialize.

use crate::backup::Manifest;
use crate::check::FieldError;
use crate::versions::VersionInfo;
use serde::Serialize;
use std::collections::BTreeMap;

/// File name → text, as the technician edits them.
pub type ConfigTexts = BTreeMap<String, String>;

#[derive(Debug, Clone, Serialize)]
pub struct CurrentConfig {
    pub version: Option<u32>,
    pub files: ConfigTexts,
}

/// A configuration the box now runs.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    pub version: VersionInfo,
    /// The version that was current before.
    pub replaced: Option<u32>,
    /// Changes saved but not in effect until the next start (lines, system settings).
    pub restart_required: Vec<String>,
    /// What stays as it was for now (a removed queue that still holds calls…).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RestoreOutcome {
    pub applied: Applied,
    /// The archive's manifest (firmware, schema, time, files).
    pub manifest: Manifest,
    /// What happens to the database: staged, in place at the next start.
    pub database: String,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ServiceError {
    /// The configuration has errors; nothing changed.
    #[error("the configuration has {} error(s)", .0.len())]
    Invalid(Vec<FieldError>),
    /// An upload or request refused before anything changed.
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    NotFound(String),
    /// Something failed on the box's side (disk, an actor).
    #[error("{0}")]
    Failed(String),
}

pub trait ConfigService: Send + Sync {
    fn current(&self) -> Result<CurrentConfig, ServiceError>;
    /// The errors `texts` would be refused for (empty: it would apply).
    fn check(&self, texts: &ConfigTexts) -> Result<Vec<FieldError>, ServiceError>;
    fn apply(
        &self,
        texts: &ConfigTexts,
        user: &str,
        comment: &str,
    ) -> Result<Applied, ServiceError>;
    /// As `apply`, with recorded prompts added or replaced: `prompts/NAME.wav` or
    /// `prompts/LANG/NAME.wav` → the WAV's bytes (the technician's upload).
    fn apply_with_recordings(
        &self,
        texts: &ConfigTexts,
        recordings: &crate::files::ConfigFiles,
        user: &str,
        comment: &str,
    ) -> Result<Applied, ServiceError> {
        let _ = (texts, recordings, user, comment);
        Err(ServiceError::Refused(
            "this box does not take recorded prompts".to_owned(),
        ))
    }
    fn versions(&self) -> Result<Vec<VersionInfo>, ServiceError>;
    fn version(&self, number: u32) -> Result<(VersionInfo, ConfigTexts), ServiceError>;
    /// Unified diff from `from` to `to`.
    fn diff(&self, from: u32, to: u32) -> Result<String, ServiceError>;
    /// Applies version `number` again, as a new version.
    fn rollback(&self, number: u32, user: &str) -> Result<Applied, ServiceError>;
    /// The archive's file name and bytes.
    fn backup(&self) -> Result<(String, Vec<u8>), ServiceError>;
    fn restore(&self, archive: &[u8], user: &str) -> Result<RestoreOutcome, ServiceError>;
}
