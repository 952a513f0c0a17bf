//! A candidate configuration checked exactly as `appliance check-config` checks a
//! directory: written to a scratch directory and loaded by `box_config::Config::load`.

use crate::files::{is_safe_name, write_new_dir, ConfigFiles};
use serde::Serialize;
use std::path::Path;

/// One error, at its field, for the UI (file relative to the configuration directory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file, self.line, self.column, self.field, self.message
        )
    }
}

impl FieldError {
    /// An error about a whole file (line and column 0).
    pub fn whole_file(file: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            file: file.to_owned(),
            line: 0,
            column: 0,
            field: String::new(),
            message: message.into(),
        }
    }
}

/// Checks `files` in a fresh directory `scratch` (created, then removed): the loaded
/// configuration, or every error with its file relative to the configuration.
pub fn check_files(
    files: &ConfigFiles,
    scratch: &Path,
) -> Result<box_config::Config, Vec<FieldError>> {
    if let Some(bad) = files.keys().find(|name| !is_safe_name(name)) {
        return Err(vec![FieldError::whole_file(
            bad,
            "not a file name inside a configuration directory",
        )]);
    }
    if scratch.exists() {
        std::fs::remove_dir_all(scratch).map_err(|e| {
            vec![FieldError::whole_file(
                "",
                format!("scratch directory: {e}"),
            )]
        })?;
    }
    write_new_dir(scratch, files).map_err(|e| {
        vec![FieldError::whole_file(
            "",
            format!("cannot write the candidate: {e}"),
        )]
    })?;
    let outcome = box_config::Config::load(scratch).map_err(|errors| {
        errors
            .iter()
            .map(|error| FieldError {
                file: error
                    .file
                    .strip_prefix(scratch)
                    .unwrap_or(&error.file)
                    .to_string_lossy()
                    .replace('\\', "/"),
                line: error.line,
                column: error.column,
                field: error.field.clone(),
                message: error.reason.clone(),
            })
            .collect()
    });
    let _ = std::fs::remove_dir_all(scratch);
    outcome
}
