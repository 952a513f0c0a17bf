//! Backup archives: one tar.gz with `manifest.json`, the configuration under `config/`
//! and a consistent copy of the database (`appliance.db`, made by SQLite's
//! `VACUUM INTO` while the box runs). A restore checks the archive whole before anything
//! is replaced: every file listed with its SHA-256 and none more, the database sound and
//! of a schema this firmware knows (the configuration's own check is the caller's, with
//! `check_files`).

use crate::files::{is_safe_name, ConfigFiles};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

pub const MANIFEST_FILE: &str = "manifest.json";
pub const CONFIG_PREFIX: &str = "config/";
pub const DATABASE_ENTRY: &str = "appliance.db";
/// Where a restored database waits in the data directory for the next start.
pub const STAGED_DATABASE: &str = "restore/appliance.db";
/// Where the database a restore replaced is kept.
pub const REPLACED_DIR: &str = "replaced-by-restore";
const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub firmware_version: String,
    pub schema_version: i64,
    pub created_unix_ms: u64,
    /// Every other entry of the archive → its SHA-256 (hex).
    pub files: BTreeMap<String, String>,
}

/// Why an uploaded archive was refused; nothing was changed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RestoreRefused {
    #[error("the archive is damaged or truncated: {0}")]
    Damaged(String),
    #[error("the archive has no manifest.json")]
    NoManifest,
    #[error("manifest.json is unreadable: {0}")]
    BadManifest(String),
    #[error("archive format {0} is not one this firmware reads")]
    UnknownFormat(u32),
    #[error("{0} is listed in the manifest but missing from the archive")]
    Missing(String),
    #[error("{0} is in the archive but not in the manifest")]
    Unlisted(String),
    #[error("{0} does not match its SHA-256 in the manifest")]
    HashMismatch(String),
    #[error("`{0}` is not a file name a configuration may have")]
    BadName(String),
    #[error("the archive holds no configuration")]
    NoConfiguration,
    #[error("the archive holds no database")]
    NoDatabase,
    #[error("the database in the archive is damaged: {0}")]
    DatabaseDamaged(String),
    #[error(
        "the database in the archive has schema version {found}; this firmware knows up to {known}"
    )]
    UnknownSchema { found: i64, known: i64 },
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("cannot copy the database {path}: {source}")]
    Database {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("backup: {context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
}

fn io_error(context: impl Into<String>) -> impl FnOnce(io::Error) -> BackupError {
    let context = context.into();
    move |source| BackupError::Io { context, source }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A consistent copy of the live database, taken while other connections write
/// (`VACUUM INTO` reads one snapshot), through `scratch` (created and removed).
pub fn database_copy(database: &Path, scratch: &Path) -> Result<Vec<u8>, BackupError> {
    std::fs::create_dir_all(scratch).map_err(io_error("scratch directory"))?;
    let copy = scratch.join("backup.db");
    let _ = std::fs::remove_file(&copy);
    let db_error = |source| BackupError::Database {
        path: database.to_owned(),
        source,
    };
    let connection =
        rusqlite::Connection::open_with_flags(database, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(db_error)?;
    connection
        .busy_timeout(std::time::Duration::from_secs(5))
        .map_err(db_error)?;
    connection
        .execute("VACUUM INTO ?1", [copy.to_string_lossy()])
        .map_err(db_error)?;
    drop(connection);
    let bytes = std::fs::read(&copy).map_err(io_error("reading the database copy"));
    let _ = std::fs::remove_dir_all(scratch);
    bytes
}

/// The archive of `config` and `database` (a copy's bytes).
pub fn build_archive(
    config: &ConfigFiles,
    database: &[u8],
    firmware_version: &str,
    schema_version: i64,
    created_unix_ms: u64,
) -> Result<Vec<u8>, BackupError> {
    let mut entries: BTreeMap<String, &[u8]> = config
        .iter()
        .map(|(name, bytes)| (format!("{CONFIG_PREFIX}{name}"), bytes.as_slice()))
        .collect();
    entries.insert(DATABASE_ENTRY.to_owned(), database);
    let manifest = Manifest {
        format: FORMAT,
        firmware_version: firmware_version.to_owned(),
        schema_version,
        created_unix_ms,
        files: entries
            .iter()
            .map(|(name, bytes)| (name.clone(), sha256_hex(bytes)))
            .collect(),
    };
    let manifest = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| io_error("manifest")(io::Error::other(e)))?;
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut archive = tar::Builder::new(encoder);
    let mut append = |name: &str, bytes: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(created_unix_ms / 1000);
        header.set_cksum();
        archive
            .append_data(&mut header, name, bytes)
            .map_err(io_error(format!("adding {name}")))
    };
    append(MANIFEST_FILE, &manifest)?;
    for (name, bytes) in &entries {
        append(name, bytes)?;
    }
    archive
        .into_inner()
        .and_then(|encoder| encoder.finish())
        .map_err(io_error("finishing the archive"))
}

/// What a sound archive holds, ready to restore.
#[derive(Debug)]
pub struct RestoreCandidate {
    pub manifest: Manifest,
    pub config: ConfigFiles,
    pub database: Vec<u8>,
}

/// Checks an uploaded archive whole; `scratch` (created and removed) is where its
/// database is opened for `PRAGMA integrity_check`.
pub fn inspect_archive(
    archive: &[u8],
    known_schema: i64,
    scratch: &Path,
) -> Result<RestoreCandidate, RestoreRefused> {
    // Decompress all of it first: the gzip trailer's CRC and length catch a flipped or
    // missing byte anywhere.
    let mut tar_bytes = Vec::new();
    flate2::read::GzDecoder::new(archive)
        .read_to_end(&mut tar_bytes)
        .map_err(|e| RestoreRefused::Damaged(e.to_string()))?;
    let mut entries: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut reader = tar::Archive::new(tar_bytes.as_slice());
    let list = reader
        .entries()
        .map_err(|e| RestoreRefused::Damaged(e.to_string()))?;
    for entry in list {
        let mut entry = entry.map_err(|e| RestoreRefused::Damaged(e.to_string()))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry
            .path()
            .map_err(|e| RestoreRefused::Damaged(e.to_string()))?
            .to_string_lossy()
            .into_owned();
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| RestoreRefused::Damaged(format!("{name}: {e}")))?;
        entries.insert(name, bytes);
    }
    let manifest_bytes = entries
        .remove(MANIFEST_FILE)
        .ok_or(RestoreRefused::NoManifest)?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| RestoreRefused::BadManifest(e.to_string()))?;
    if manifest.format != FORMAT {
        return Err(RestoreRefused::UnknownFormat(manifest.format));
    }
    for (name, hash) in &manifest.files {
        let bytes = entries
            .get(name)
            .ok_or_else(|| RestoreRefused::Missing(name.clone()))?;
        if &sha256_hex(bytes) != hash {
            return Err(RestoreRefused::HashMismatch(name.clone()));
        }
    }
    if let Some(extra) = entries.keys().find(|n| !manifest.files.contains_key(*n)) {
        return Err(RestoreRefused::Unlisted(extra.clone()));
    }
    let database = entries
        .remove(DATABASE_ENTRY)
        .ok_or(RestoreRefused::NoDatabase)?;
    let mut config = ConfigFiles::new();
    for (name, bytes) in entries {
        let Some(relative) = name.strip_prefix(CONFIG_PREFIX) else {
            return Err(RestoreRefused::BadName(name));
        };
        if !is_safe_name(relative) {
            return Err(RestoreRefused::BadName(name));
        }
        config.insert(relative.to_owned(), bytes);
    }
    if config.is_empty() {
        return Err(RestoreRefused::NoConfiguration);
    }
    check_database(&database, known_schema, scratch)?;
    Ok(RestoreCandidate {
        manifest,
        config,
        database,
    })
}

fn check_database(bytes: &[u8], known_schema: i64, scratch: &Path) -> Result<(), RestoreRefused> {
    let damaged = |e: &dyn std::fmt::Display| RestoreRefused::DatabaseDamaged(e.to_string());
    std::fs::create_dir_all(scratch).map_err(|e| damaged(&e))?;
    let path = scratch.join("restore-check.db");
    let outcome = (|| {
        std::fs::write(&path, bytes).map_err(|e| damaged(&e))?;
        let connection = rusqlite::Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .map_err(|e| damaged(&e))?;
        let verdict: String = connection
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .map_err(|e| damaged(&e))?;
        if verdict != "ok" {
            return Err(RestoreRefused::DatabaseDamaged(verdict));
        }
        let found: i64 = connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(|e| damaged(&e))?;
        if found < 1 || found > known_schema {
            return Err(RestoreRefused::UnknownSchema {
                found,
                known: known_schema,
            });
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(scratch);
    outcome
}

/// Puts a restored database where the next start picks it up (`install_staged_database`).
pub fn stage_database(data_dir: &Path, database: &[u8]) -> io::Result<PathBuf> {
    let path = data_dir.join(STAGED_DATABASE);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let temporary = path.with_extension("db.new");
    std::fs::write(&temporary, database)?;
    std::fs::File::open(&temporary)?.sync_all()?;
    std::fs::rename(&temporary, &path)?;
    Ok(path)
}

/// At the start, before any connection opens: a staged restored database replaces the
/// live one, which (with its WAL) is moved to `DATA/replaced-by-restore/`. `Some` when it
/// did.
pub fn install_staged_database(data_dir: &Path) -> io::Result<Option<PathBuf>> {
    let staged = data_dir.join(STAGED_DATABASE);
    if !staged.exists() {
        return Ok(None);
    }
    let replaced = data_dir.join(REPLACED_DIR);
    std::fs::create_dir_all(&replaced)?;
    for suffix in ["", "-wal", "-shm"] {
        let name = format!("{}{suffix}", storage::DATABASE_FILE);
        let live = data_dir.join(&name);
        if live.exists() {
            std::fs::rename(&live, replaced.join(&name))?;
        } else {
            let _ = std::fs::remove_file(replaced.join(&name));
        }
    }
    let live = data_dir.join(storage::DATABASE_FILE);
    std::fs::rename(&staged, &live)?;
    Ok(Some(live))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database(dir: &Path) -> Vec<u8> {
        let storage = storage::Storage::open(dir).expect("storage");
        drop(storage);
        database_copy(&dir.join(storage::DATABASE_FILE), &dir.join("scratch")).expect("copy")
    }

    fn sample() -> (tempfile::TempDir, Vec<u8>, ConfigFiles) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = database(dir.path());
        let config: ConfigFiles = [
            ("system.toml".to_string(), b"[system]\n".to_vec()),
            ("flows/a.toml".to_string(), b"name = \"a\"\n".to_vec()),
        ]
        .into();
        let archive =
            build_archive(&config, &db, "0.1.0", storage::SCHEMA_VERSION, 1_000).expect("build");
        (dir, archive, config)
    }

    fn inspect(archive: &[u8], dir: &Path) -> Result<RestoreCandidate, RestoreRefused> {
        inspect_archive(archive, storage::SCHEMA_VERSION, &dir.join("check"))
    }

    #[test]
    fn a_sound_archive_gives_back_what_went_in() {
        let (dir, archive, config) = sample();
        let candidate = inspect(&archive, dir.path()).expect("sound");
        assert_eq!(candidate.config, config);
        assert_eq!(candidate.manifest.schema_version, storage::SCHEMA_VERSION);
        assert_eq!(candidate.manifest.firmware_version, "0.1.0");
        assert_eq!(candidate.manifest.files.len(), 3);
    }

    #[test]
    fn a_flipped_byte_or_a_truncation_is_refused() {
        let (dir, archive, _) = sample();
        for at in [10, archive.len() / 2, archive.len() - 5] {
            let mut flipped = archive.clone();
            flipped[at] ^= 0x40;
            let refused = inspect(&flipped, dir.path()).expect_err("flipped");
            assert!(
                matches!(
                    refused,
                    RestoreRefused::Damaged(_) | RestoreRefused::HashMismatch(_)
                ),
                "byte {at}: {refused}"
            );
        }
        let truncated = &archive[..archive.len() * 2 / 3];
        assert!(matches!(
            inspect(truncated, dir.path()),
            Err(RestoreRefused::Damaged(_))
        ));
        assert!(matches!(
            inspect(b"not an archive", dir.path()),
            Err(RestoreRefused::Damaged(_))
        ));
    }

    /// An archive written by hand: a manifest and entries as given.
    fn handmade(manifest: &Manifest, entries: &[(&str, &[u8])]) -> Vec<u8> {
        let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut archive = tar::Builder::new(encoder);
        let manifest = serde_json::to_vec(manifest).expect("json");
        let mut all: Vec<(&str, &[u8])> = vec![(MANIFEST_FILE, &manifest)];
        all.extend_from_slice(entries);
        for (name, bytes) in all {
            // The name goes into the header raw: the tar crate refuses to write `..`,
            // which is what a hostile archive would carry.
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            if let Some(gnu) = header.as_gnu_mut() {
                gnu.name[..name.len()].copy_from_slice(name.as_bytes());
            }
            header.set_cksum();
            archive.append(&header, bytes).expect("append");
        }
        archive.into_inner().expect("tar").finish().expect("gz")
    }

    #[test]
    fn wrong_hashes_unlisted_files_bad_names_and_bad_databases_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = database(dir.path());
        let system: &[u8] = b"[system]\n";
        let manifest = |files: &[(&str, &[u8])]| Manifest {
            format: FORMAT,
            firmware_version: "0.1.0".into(),
            schema_version: storage::SCHEMA_VERSION,
            created_unix_ms: 0,
            files: files
                .iter()
                .map(|(n, b)| (n.to_string(), sha256_hex(b)))
                .collect(),
        };
        let good = [
            ("config/system.toml", system),
            (DATABASE_ENTRY, db.as_slice()),
        ];

        let mut wrong = manifest(&good);
        wrong
            .files
            .insert("config/system.toml".into(), sha256_hex(b"something else"));
        assert_eq!(
            inspect(&handmade(&wrong, &good), dir.path()).expect_err("hash"),
            RestoreRefused::HashMismatch("config/system.toml".into())
        );

        let extra: [(&str, &[u8]); 3] = [good[0], good[1], ("config/sneaky.toml", b"x")];
        assert_eq!(
            inspect(&handmade(&manifest(&good), &extra), dir.path()).expect_err("unlisted"),
            RestoreRefused::Unlisted("config/sneaky.toml".into())
        );

        let escape: [(&str, &[u8]); 2] = [("config/../../etc/x", system), good[1]];
        assert!(matches!(
            inspect(&handmade(&manifest(&escape), &escape), dir.path()),
            Err(RestoreRefused::BadName(_))
        ));

        let garbage: [(&str, &[u8]); 2] = [good[0], (DATABASE_ENTRY, b"not sqlite at all")];
        assert!(matches!(
            inspect(&handmade(&manifest(&garbage), &garbage), dir.path()),
            Err(RestoreRefused::DatabaseDamaged(_))
        ));

        assert_eq!(
            inspect_archive(
                &handmade(&manifest(&good), &good),
                storage::SCHEMA_VERSION - 1,
                &dir.path().join("check")
            )
            .expect_err("newer schema"),
            RestoreRefused::UnknownSchema {
                found: storage::SCHEMA_VERSION,
                known: storage::SCHEMA_VERSION - 1
            }
        );

        let no_manifest = {
            let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            let mut archive = tar::Builder::new(encoder);
            let mut header = tar::Header::new_gnu();
            header.set_size(system.len() as u64);
            header.set_cksum();
            archive
                .append_data(&mut header, "config/system.toml", system)
                .expect("append");
            archive.into_inner().expect("tar").finish().expect("gz")
        };
        assert_eq!(
            inspect(&no_manifest, dir.path()).expect_err("no manifest"),
            RestoreRefused::NoManifest
        );
    }

    #[test]
    fn a_staged_database_replaces_the_live_one_at_the_next_start() {
        let dir = tempfile::tempdir().expect("tempdir");
        let live = dir.path().join(storage::DATABASE_FILE);
        std::fs::write(&live, b"old").expect("write");
        assert_eq!(install_staged_database(dir.path()).expect("none"), None);
        stage_database(dir.path(), b"new").expect("stage");
        assert_eq!(
            install_staged_database(dir.path()).expect("install"),
            Some(live.clone())
        );
        assert_eq!(std::fs::read(&live).expect("read"), b"new");
        assert_eq!(
            std::fs::read(dir.path().join(REPLACED_DIR).join(storage::DATABASE_FILE))
                .expect("kept"),
            b"old"
        );
        assert!(!dir.path().join(STAGED_DATABASE).exists());
    }
}
