//! A configuration directory as data: relative path (with `/`) → bytes.

use std::collections::BTreeMap;
use std::io;
use std::path::{Component, Path, PathBuf};

pub type ConfigFiles = BTreeMap<String, Vec<u8>>;

/// Whether `name` is a plain relative path inside a configuration directory (no `..`,
/// no absolute path, no hidden part): what an uploaded file may be called.
pub fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains('\\')
        && Path::new(name).components().all(|part| match part {
            Component::Normal(part) => !part.to_string_lossy().starts_with('.'),
            _ => false,
        })
}

/// Every file under `dir` (hidden ones left out).
pub fn read_dir(dir: &Path) -> io::Result<ConfigFiles> {
    let mut files = ConfigFiles::new();
    read_into(dir, "", &mut files)?;
    Ok(files)
}

fn read_into(dir: &Path, prefix: &str, files: &mut ConfigFiles) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let relative = format!("{prefix}{name}");
        let kind = entry.file_type()?;
        if kind.is_dir() {
            read_into(&entry.path(), &format!("{relative}/"), files)?;
        } else if kind.is_file() || kind.is_symlink() {
            files.insert(relative, std::fs::read(entry.path())?);
        }
    }
    Ok(())
}

/// Writes `files` as a fresh directory at `dir` (which must not exist).
pub fn write_new_dir(dir: &Path, files: &ConfigFiles) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, bytes) in files {
        if !is_safe_name(name) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{name}` is not a file name inside a configuration directory"),
            ));
        }
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)?;
    }
    Ok(())
}

/// Replaces the directory `live` by `files`: written beside it, synced, then renamed into
/// place (the old one moved aside first and removed last), so a power cut leaves either
/// the old directory or the new one whole, never a mix (at worst the new one is at
/// `live` and the old one still at `<live>.previous`).
pub fn replace_dir(live: &Path, files: &ConfigFiles) -> io::Result<()> {
    let staging = sibling(live, "incoming");
    let previous = sibling(live, "previous");
    for leftover in [&staging, &previous] {
        if leftover.exists() {
            std::fs::remove_dir_all(leftover)?;
        }
    }
    write_new_dir(&staging, files)?;
    sync_tree(&staging)?;
    std::fs::rename(live, &previous)?;
    if let Err(error) = std::fs::rename(&staging, live) {
        // Put the old one back: the box must restart with a configuration.
        let _ = std::fs::rename(&previous, live);
        return Err(error);
    }
    if let Some(parent) = live.parent() {
        if let Ok(dir) = std::fs::File::open(parent) {
            let _ = dir.sync_all();
        }
    }
    std::fs::remove_dir_all(&previous)
}

/// A hidden directory beside `dir` (`.NAME.what`): relative paths (`../sounds`) resolve
/// from it as from `dir`.
pub fn sibling(dir: &Path, what: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config".into());
    dir.with_file_name(format!(".{name}.{what}"))
}

fn sync_tree(dir: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            sync_tree(&entry.path())?;
        } else {
            std::fs::File::open(entry.path())?.sync_all()?;
        }
    }
    std::fs::File::open(dir)?.sync_all()
}

/// Whether a file is one of the configuration's texts (`*.toml`, flows included), which
/// the technician sends whole; everything else (recorded prompts) is kept as it is.
pub fn is_text_file(name: &str) -> bool {
    name.ends_with(".toml")
}

/// The candidate a technician's texts make: every `*.toml` replaced by `texts` (one not
/// sent is removed), every other file (WAV prompts) kept from `current`.
pub fn with_texts(current: &ConfigFiles, texts: &BTreeMap<String, String>) -> ConfigFiles {
    let mut files: ConfigFiles = current
        .iter()
        .filter(|(name, _)| !is_text_file(name))
        .map(|(name, bytes)| (name.clone(), bytes.clone()))
        .collect();
    for (name, text) in texts {
        files.insert(name.clone(), text.clone().into_bytes());
    }
    files
}

/// The configuration's texts, for the API (files that are not UTF-8 are left out).
pub fn texts(files: &ConfigFiles) -> BTreeMap<String, String> {
    files
        .iter()
        .filter(|(name, _)| is_text_file(name))
        .filter_map(|(name, bytes)| Some((name.clone(), String::from_utf8(bytes.clone()).ok()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_outside_the_directory_are_refused() {
        assert!(is_safe_name("queues.toml"));
        assert!(is_safe_name("flows/hotline.toml"));
        for bad in [
            "",
            "../etc/passwd",
            "/etc/passwd",
            "flows/../../x",
            ".hidden",
            "a\\b",
        ] {
            assert!(!is_safe_name(bad), "{bad}");
        }
    }

    #[test]
    fn a_directory_is_replaced_whole() {
        let root = tempfile::tempdir().expect("tempdir");
        let live = root.path().join("config");
        let mut files = ConfigFiles::new();
        files.insert("system.toml".into(), b"old".to_vec());
        files.insert("flows/a.toml".into(), b"a".to_vec());
        write_new_dir(&live, &files).expect("write");
        let mut next = ConfigFiles::new();
        next.insert("system.toml".into(), b"new".to_vec());
        next.insert("prompts/x.wav".into(), vec![0, 1, 2]);
        replace_dir(&live, &next).expect("replace");
        assert_eq!(read_dir(&live).expect("read"), next);
        // Nothing left beside it.
        let names: Vec<_> = std::fs::read_dir(root.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("config")]);
    }

    #[test]
    fn texts_replace_every_toml_and_keep_recordings() {
        let mut current = ConfigFiles::new();
        current.insert("system.toml".into(), b"s".to_vec());
        current.insert("flows/old.toml".into(), b"o".to_vec());
        current.insert("prompts/welcome.wav".into(), vec![1, 2]);
        let texts: BTreeMap<String, String> = [("system.toml".to_string(), "t".to_string())].into();
        let files = with_texts(&current, &texts);
        assert_eq!(files.len(), 2);
        assert_eq!(files["system.toml"], b"t");
        assert_eq!(files["prompts/welcome.wav"], vec![1, 2]);
    }
}
