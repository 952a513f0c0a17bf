//! Every applied configuration, numbered: `DATA/config-versions/N/` holds its files and
//! `index.json` who applied each, when, why, and which one runs.

use crate::files::{is_text_file, read_dir, write_new_dir, ConfigFiles};
use serde::{Deserialize, Serialize};
use std::io;
use std::path::{Path, PathBuf};

/// The folder in the data directory.
pub const VERSIONS_DIR: &str = "config-versions";
const INDEX_FILE: &str = "index.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub number: u32,
    /// Who applied it (a user name; `boot` for what the box found at its start).
    pub user: String,
    pub applied_unix_ms: u64,
    pub comment: String,
    /// The version the box runs.
    #[serde(default)]
    pub current: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    versions: Vec<VersionInfo>,
}

#[derive(Debug, thiserror::Error)]
pub enum VersionError {
    #[error("no configuration version {0}")]
    NoSuchVersion(u32),
    #[error("configuration versions in {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("configuration versions index {path} is unreadable: {source}")]
    Index {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

pub struct VersionStore {
    dir: PathBuf,
    index: Index,
}

impl VersionStore {
    /// Opens (creating if needed) the store in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<VersionStore, VersionError> {
        let dir = data_dir.join(VERSIONS_DIR);
        std::fs::create_dir_all(&dir).map_err(|source| VersionError::Io {
            path: dir.clone(),
            source,
        })?;
        let path = dir.join(INDEX_FILE);
        let index = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|source| VersionError::Index { path, source })?,
            Err(error) if error.kind() == io::ErrorKind::NotFound => Index::default(),
            Err(source) => return Err(VersionError::Io { path, source }),
        };
        Ok(VersionStore { dir, index })
    }

    pub fn list(&self) -> Vec<VersionInfo> {
        self.index.versions.clone()
    }

    pub fn current(&self) -> Option<&VersionInfo> {
        self.index.versions.iter().find(|v| v.current)
    }

    pub fn info(&self, number: u32) -> Result<&VersionInfo, VersionError> {
        self.index
            .versions
            .iter()
            .find(|v| v.number == number)
            .ok_or(VersionError::NoSuchVersion(number))
    }

    pub fn read(&self, number: u32) -> Result<ConfigFiles, VersionError> {
        self.info(number)?;
        let path = self.dir.join(number.to_string());
        read_dir(&path).map_err(|source| VersionError::Io { path, source })
    }

    /// Saves `files` as the next version and marks it current; the index is written last
    /// (and atomically), so a version half written is never listed.
    pub fn save(
        &mut self,
        files: &ConfigFiles,
        user: &str,
        applied_unix_ms: u64,
        comment: &str,
    ) -> Result<VersionInfo, VersionError> {
        let number = self
            .index
            .versions
            .iter()
            .map(|v| v.number)
            .max()
            .unwrap_or(0)
            + 1;
        let path = self.dir.join(number.to_string());
        let io_error = |path: &Path| {
            let path = path.to_owned();
            move |source| VersionError::Io { path, source }
        };
        if path.exists() {
            // Left by a save the index never listed.
            std::fs::remove_dir_all(&path).map_err(io_error(&path))?;
        }
        write_new_dir(&path, files).map_err(io_error(&path))?;
        let info = VersionInfo {
            number,
            user: user.to_owned(),
            applied_unix_ms,
            comment: comment.to_owned(),
            current: true,
        };
        let mut index = Index {
            versions: self.index.versions.clone(),
        };
        for version in &mut index.versions {
            version.current = false;
        }
        index.versions.push(info.clone());
        self.write_index(&index)?;
        self.index = index;
        Ok(info)
    }

    fn write_index(&self, index: &Index) -> Result<(), VersionError> {
        let path = self.dir.join(INDEX_FILE);
        let temporary = self.dir.join(format!("{INDEX_FILE}.new"));
        let bytes = serde_json::to_vec_pretty(index).map_err(|source| VersionError::Index {
            path: path.clone(),
            source,
        })?;
        let write = || -> io::Result<()> {
            std::fs::write(&temporary, &bytes)?;
            std::fs::File::open(&temporary)?.sync_all()?;
            std::fs::rename(&temporary, &path)
        };
        write().map_err(|source| VersionError::Io { path, source })
    }

    /// A unified diff of the texts of version `from` against version `to` (recorded
    /// prompts are named when they differ, not diffed).
    pub fn diff(&self, from: u32, to: u32) -> Result<String, VersionError> {
        Ok(diff_files(
            &self.read(from)?,
            &self.read(to)?,
            &format!("v{from}"),
            &format!("v{to}"),
        ))
    }
}

/// A unified diff between two configurations, file by file in name order.
pub fn diff_files(
    old: &ConfigFiles,
    new: &ConfigFiles,
    old_label: &str,
    new_label: &str,
) -> String {
    let mut names: Vec<&String> = old.keys().chain(new.keys()).collect();
    names.sort();
    names.dedup();
    let mut out = String::new();
    for name in names {
        let (before, after) = (old.get(name), new.get(name));
        if before == after {
            continue;
        }
        if !is_text_file(name) {
            out.push_str(&format!("Binary file {name} differs\n"));
            continue;
        }
        let text = |bytes: Option<&Vec<u8>>| {
            bytes
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default()
        };
        let (before_text, after_text) = (text(before), text(after));
        let diff = similar::TextDiff::from_lines(&before_text, &after_text);
        let old_header = match before {
            Some(_) => format!("{old_label}/{name}"),
            None => "/dev/null".to_owned(),
        };
        let new_header = match after {
            Some(_) => format!("{new_label}/{name}"),
            None => "/dev/null".to_owned(),
        };
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&old_header, &new_header)
                .to_string(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> ConfigFiles {
        pairs
            .iter()
            .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn versions_are_numbered_kept_and_reopened_with_the_current_one() {
        let data = tempfile::tempdir().expect("tempdir");
        let mut store = VersionStore::open(data.path()).expect("open");
        assert!(store.current().is_none());
        let one = files(&[("queues.toml", "a = 1\n")]);
        let two = files(&[("queues.toml", "a = 2\n"), ("flows/x.toml", "x\n")]);
        assert_eq!(
            store
                .save(&one, "boot", 10, "at first start")
                .expect("save")
                .number,
            1
        );
        let saved = store.save(&two, "alice", 20, "longer ring").expect("save");
        assert_eq!((saved.number, saved.current), (2, true));

        let store = VersionStore::open(data.path()).expect("reopen");
        let list = store.list();
        assert_eq!(list.len(), 2);
        assert!(!list[0].current && list[1].current);
        assert_eq!(list[1].user, "alice");
        assert_eq!(list[1].comment, "longer ring");
        assert_eq!(store.read(1).expect("read"), one);
        assert_eq!(store.read(2).expect("read"), two);
        assert!(matches!(store.read(3), Err(VersionError::NoSuchVersion(3))));
    }

    #[test]
    fn a_diff_shows_changed_added_and_removed_files() {
        let data = tempfile::tempdir().expect("tempdir");
        let mut store = VersionStore::open(data.path()).expect("open");
        store
            .save(
                &files(&[("queues.toml", "a = 1\nb = 2\n"), ("old.toml", "o\n")]),
                "u",
                1,
                "",
            )
            .expect("save");
        store
            .save(
                &files(&[("queues.toml", "a = 1\nb = 3\n"), ("flows/n.toml", "n\n")]),
                "u",
                2,
                "",
            )
            .expect("save");
        let diff = store.diff(1, 2).expect("diff");
        assert!(
            diff.contains("--- v1/queues.toml\n+++ v2/queues.toml\n"),
            "{diff}"
        );
        assert!(diff.contains("-b = 2\n+b = 3\n"), "{diff}");
        assert!(
            diff.contains("--- /dev/null\n+++ v2/flows/n.toml\n"),
            "{diff}"
        );
        assert!(diff.contains("--- v1/old.toml\n+++ /dev/null\n"), "{diff}");
        assert!(store.diff(2, 2).expect("diff").is_empty());
    }
}
