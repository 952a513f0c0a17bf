//! Configuration errors: every one names its file, line, column, field and reason.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based; 0 when the error is about the whole file (missing, unreadable).
    pub line: usize,
    pub column: usize,
    /// Dotted path of the setting, e.g. `fxs[2].extension`.
    pub field: String,
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.field,
            self.reason
        )
    }
}

/// Every error found in a configuration directory; a config with any is refused whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    pub fn iter(&self) -> impl Iterator<Item = &ConfigError> {
        self.0.iter()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

/// One TOML file's text, to turn byte offsets into line and column.
pub(crate) struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

impl SourceFile {
    /// The file's TOML as `T`; a syntax or shape error is recorded at its position (the
    /// offending text as the field when it is short) and gives `None`.
    pub(crate) fn parse<T: serde::de::DeserializeOwned>(
        &self,
        errors: &mut Vec<ConfigError>,
    ) -> Option<T> {
        match toml::from_str::<T>(&self.text) {
            Ok(value) => Some(value),
            Err(error) => {
                let span = error.span().unwrap_or(0..0);
                let snippet = self.text.get(span.clone()).unwrap_or("").trim();
                let field = if !snippet.is_empty() && snippet.len() <= 40 && !snippet.contains('\n')
                {
                    snippet.to_owned()
                } else {
                    "toml".to_owned()
                };
                let reason = error.message().trim().to_owned();
                errors.push(self.error_at(span, field, reason));
                None
            }
        }
    }

    pub(crate) fn position(&self, offset: usize) -> (usize, usize) {
        // Step back to a character boundary: a span from the parser should already be on
        // one, but a bad offset must give a slightly wrong column, never a panic.
        let mut end = offset.min(self.text.len());
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let before = &self.text[..end];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    }

    pub(crate) fn error_at(
        &self,
        span: std::ops::Range<usize>,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> ConfigError {
        let (line, column) = self.position(span.start);
        ConfigError {
            file: self.path.clone(),
            line,
            column,
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn whole_file_error(
        path: &Path,
        field: &str,
        reason: impl Into<String>,
    ) -> ConfigError {
        ConfigError {
            file: path.to_owned(),
            line: 0,
            column: 0,
            field: field.to_owned(),
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile {
            path: PathBuf::from("x.toml"),
            text: text.to_owned(),
        }
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let source = file("a = 1\nname = \"漢字\" x\n");
        let offset = source.text.find('x').expect("x is in the text");
        assert_eq!(source.position(offset), (2, 13));
        assert_eq!(source.position(0), (1, 1));
    }

    #[test]
    fn an_offset_inside_a_character_or_past_the_end_does_not_panic() {
        let source = file("漢\n");
        assert_eq!(source.position(1), (1, 1));
        assert_eq!(source.position(99), (2, 1));
    }
}
