//! The configuration keeper: one place that checks, writes, versions and hands a
//! configuration to the running box (through a [`LiveApplier`] the binary provides).
//! One operation at a time (a lock around each).

use crate::backup::{self, RestoreRefused};
use crate::check::{check_files, FieldError};
use crate::files::{self, read_dir, replace_dir, ConfigFiles};
use crate::service::{
    Applied, ConfigService, ConfigTexts, CurrentConfig, RestoreOutcome, ServiceError,
};
use crate::versions::{diff_files, VersionError, VersionInfo, VersionStore};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Hands a checked configuration (loaded from the live directory) to the running box.
pub trait LiveApplier: Send + Sync {
    /// Makes the next calls follow `config`; calls in progress keep theirs. Notes on
    /// what stays for now come back. An error must leave the box as it was.
    fn apply(&self, config: &box_config::Config) -> Result<Vec<String>, String>;
}

/// Scratch folders: the check's beside the live directory, the others in the data
/// directory.
const CHECK_DIR: &str = "check";
const BACKUP_SCRATCH: &str = "backup-scratch";
const RESTORE_SCRATCH: &str = "restore-check";

pub struct ConfigKeeper {
    config_dir: PathBuf,
    data_dir: PathBuf,
    firmware_version: String,
    applier: Box<dyn LiveApplier>,
    clock: Box<dyn Fn() -> u64 + Send + Sync>,
    state: Mutex<KeeperState>,
}

struct KeeperState {
    versions: VersionStore,
    /// What the box started with: lines and system settings compare against it.
    started_with: box_config::Config,
}

fn failed(error: impl std::fmt::Display) -> ServiceError {
    ServiceError::Failed(error.to_string())
}

fn version_error(error: VersionError) -> ServiceError {
    match error {
        VersionError::NoSuchVersion(_) => ServiceError::NotFound(error.to_string()),
        other => failed(other),
    }
}

impl ConfigKeeper {
    /// The keeper of the box started from `started_with` (loaded from `config_dir`).
    /// The first start saves that configuration as version 1; a start that finds the
    /// directory changed by hand since the current version saves it as a new one.
    pub fn open(
        config_dir: &Path,
        data_dir: &Path,
        started_with: box_config::Config,
        firmware_version: &str,
        applier: Box<dyn LiveApplier>,
        clock: Box<dyn Fn() -> u64 + Send + Sync>,
    ) -> Result<ConfigKeeper, ServiceError> {
        let mut versions = VersionStore::open(data_dir).map_err(failed)?;
        let files = read_dir(config_dir).map_err(failed)?;
        let saved = match versions.current() {
            Some(current) => Some(versions.read(current.number).map_err(version_error)?),
            None => None,
        };
        match saved {
            None => {
                versions
                    .save(&files, "boot", clock(), "the configuration at first start")
                    .map_err(failed)?;
            }
            Some(saved) if saved != files => {
                versions
                    .save(
                        &files,
                        "boot",
                        clock(),
                        "changed outside the web UI, found at start",
                    )
                    .map_err(failed)?;
            }
            Some(_) => {}
        }
        Ok(ConfigKeeper {
            config_dir: config_dir.to_owned(),
            data_dir: data_dir.to_owned(),
            firmware_version: firmware_version.to_owned(),
            applier,
            clock,
            state: Mutex::new(KeeperState {
                versions,
                started_with,
            }),
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, KeeperState>, ServiceError> {
        self.state
            .lock()
            .map_err(|_| failed("the configuration keeper failed in an earlier request"))
    }

    /// The candidate the technician's texts make; only `*.toml` files come as text.
    fn candidate(&self, texts: &ConfigTexts) -> Result<ConfigFiles, ServiceError> {
        let not_text: Vec<FieldError> = texts
            .keys()
            .filter(|name| !files::is_text_file(name))
            .map(|name| {
                FieldError::whole_file(
                    name,
                    "only the *.toml files are sent as text; recorded prompts stay as they are",
                )
            })
            .collect();
        if !not_text.is_empty() {
            return Err(ServiceError::Invalid(not_text));
        }
        let current = read_dir(&self.config_dir).map_err(failed)?;
        Ok(files::with_texts(&current, texts))
    }

    fn check_candidate(&self, files: &ConfigFiles) -> Result<(), ServiceError> {
        // Beside the live directory, so that paths relative to it resolve the same.
        check_files(files, &files::sibling(&self.config_dir, CHECK_DIR))
            .map(|_| ())
            .map_err(ServiceError::Invalid)
    }

    /// Checks, writes, applies live and saves `files` as the next version.
    fn apply_files(
        &self,
        state: &mut KeeperState,
        files: ConfigFiles,
        user: &str,
        comment: &str,
    ) -> Result<Applied, ServiceError> {
        self.check_candidate(&files)?;
        let previous = read_dir(&self.config_dir).map_err(failed)?;
        replace_dir(&self.config_dir, &files).map_err(failed)?;
        let put_back = |why: String| {
            if let Err(error) = replace_dir(&self.config_dir, &previous) {
                return failed(format!(
                    "{why}; and the previous files could not be put back: {error}"
                ));
            }
            failed(why)
        };
        // Loaded from where it now lives, so its paths are the live directory's.
        let config = match box_config::Config::load(&self.config_dir) {
            Ok(config) => config,
            Err(errors) => {
                return Err(put_back(format!(
                    "the written configuration did not load: {errors}"
                )))
            }
        };
        let notes = match self.applier.apply(&config) {
            Ok(notes) => notes,
            Err(why) => return Err(put_back(format!("not applied: {why}"))),
        };
        let replaced = state.versions.current().map(|v| v.number);
        let version = state
            .versions
            .save(&files, user, (self.clock)(), comment)
            .map_err(failed)?;
        Ok(Applied {
            version,
            replaced,
            restart_required: restart_needs(&state.started_with, &config),
            notes,
        })
    }
}

/// Where an uploaded recording may go: `prompts/NAME.wav`, `prompts/en/NAME.wav` or
/// `prompts/zh/NAME.wav`, NAME of letters, digits, `-` and `_`.
fn is_recording_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("prompts/") else {
        return false;
    };
    let stem = match rest.split_once('/') {
        Some(("en" | "zh", stem)) => stem,
        Some(_) => return false,
        None => rest,
    };
    stem.strip_suffix(".wav").is_some_and(|stem| {
        !stem.is_empty()
            && stem
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    })
}

/// What differs from what the box started with in settings only a start applies: the
/// lines (their actors hold signalling state), `system.toml` and the recordings'
/// directory. Everything else the box takes live (the binary's `LiveApplier`), the
/// queues' service levels and the wrap-up codes included.
pub fn restart_needs(running: &box_config::Config, next: &box_config::Config) -> Vec<String> {
    let mut needs = Vec::new();
    let describe = |value: &dyn std::fmt::Debug| format!("{value:?}");
    let spans = |c: &box_config::Config| -> Vec<(u16, String)> {
        c.spans.iter().map(|s| (s.id, describe(s))).collect()
    };
    let ports = |c: &box_config::Config| -> Vec<(u16, String)> {
        c.ports.iter().map(|p| (p.id, describe(p))).collect()
    };
    for (what, old, new) in [
        ("span", spans(running), spans(next)),
        ("port", ports(running), ports(next)),
    ] {
        for (id, text) in &old {
            match new.iter().find(|(other, _)| other == id) {
                None => needs.push(format!("{}: {what} {id} removed", box_config::LINES_FILE)),
                Some((_, other)) if other != text => {
                    needs.push(format!("{}: {what} {id} changed", box_config::LINES_FILE))
                }
                Some(_) => {}
            }
        }
        for (id, _) in &new {
            if !old.iter().any(|(other, _)| other == id) {
                needs.push(format!("{}: {what} {id} added", box_config::LINES_FILE));
            }
        }
    }
    if describe(&running.system) != describe(&next.system) {
        needs.push(format!("{}: changed", box_config::SYSTEM_FILE));
    }
    if running.recording.directory != next.recording.directory {
        needs.push(format!("{}: directory changed", box_config::RECORDING_FILE));
    }
    needs
}

impl ConfigService for ConfigKeeper {
    fn current(&self) -> Result<CurrentConfig, ServiceError> {
        let state = self.lock()?;
        let files = read_dir(&self.config_dir).map_err(failed)?;
        Ok(CurrentConfig {
            version: state.versions.current().map(|v| v.number),
            files: files::texts(&files),
        })
    }

    fn check(&self, texts: &ConfigTexts) -> Result<Vec<FieldError>, ServiceError> {
        let _state = self.lock()?;
        match self
            .candidate(texts)
            .and_then(|files| self.check_candidate(&files))
        {
            Ok(()) => Ok(Vec::new()),
            Err(ServiceError::Invalid(errors)) => Ok(errors),
            Err(other) => Err(other),
        }
    }

    fn apply(
        &self,
        texts: &ConfigTexts,
        user: &str,
        comment: &str,
    ) -> Result<Applied, ServiceError> {
        let mut state = self.lock()?;
        let files = self.candidate(texts)?;
        self.apply_files(&mut state, files, user, comment)
    }

    fn apply_with_recordings(
        &self,
        texts: &ConfigTexts,
        recordings: &ConfigFiles,
        user: &str,
        comment: &str,
    ) -> Result<Applied, ServiceError> {
        let misnamed: Vec<FieldError> = recordings
            .keys()
            .filter(|name| !is_recording_name(name))
            .map(|name| {
                FieldError::whole_file(
                    name,
                    "a recorded prompt is prompts/NAME.wav or prompts/LANG/NAME.wav",
                )
            })
            .collect();
        if !misnamed.is_empty() {
            return Err(ServiceError::Invalid(misnamed));
        }
        let mut state = self.lock()?;
        let mut files = self.candidate(texts)?;
        files.extend(
            recordings
                .iter()
                .map(|(name, bytes)| (name.clone(), bytes.clone())),
        );
        self.apply_files(&mut state, files, user, comment)
    }

    fn versions(&self) -> Result<Vec<VersionInfo>, ServiceError> {
        Ok(self.lock()?.versions.list())
    }

    fn version(&self, number: u32) -> Result<(VersionInfo, ConfigTexts), ServiceError> {
        let state = self.lock()?;
        let info = state.versions.info(number).map_err(version_error)?.clone();
        let files = state.versions.read(number).map_err(version_error)?;
        Ok((info, files::texts(&files)))
    }

    fn diff(&self, from: u32, to: u32) -> Result<String, ServiceError> {
        let state = self.lock()?;
        let old = state.versions.read(from).map_err(version_error)?;
        let new = state.versions.read(to).map_err(version_error)?;
        Ok(diff_files(
            &old,
            &new,
            &format!("v{from}"),
            &format!("v{to}"),
        ))
    }

    fn rollback(&self, number: u32, user: &str) -> Result<Applied, ServiceError> {
        let mut state = self.lock()?;
        let files = state.versions.read(number).map_err(version_error)?;
        self.apply_files(&mut state, files, user, &format!("rollback to {number}"))
    }

    fn backup(&self) -> Result<(String, Vec<u8>), ServiceError> {
        let _state = self.lock()?;
        let config = read_dir(&self.config_dir).map_err(failed)?;
        let database = backup::database_copy(
            &self.data_dir.join(storage::DATABASE_FILE),
            &self.data_dir.join(BACKUP_SCRATCH),
        )
        .map_err(failed)?;
        let now = (self.clock)();
        let archive = backup::build_archive(
            &config,
            &database,
            &self.firmware_version,
            storage::SCHEMA_VERSION,
            now,
        )
        .map_err(failed)?;
        Ok((format!("box-backup-{now}.tar.gz"), archive))
    }

    fn restore(&self, archive: &[u8], user: &str) -> Result<RestoreOutcome, ServiceError> {
        let mut state = self.lock()?;
        let candidate = backup::inspect_archive(
            archive,
            storage::SCHEMA_VERSION,
            &self.data_dir.join(RESTORE_SCRATCH),
        )
        .map_err(|refused: RestoreRefused| ServiceError::Refused(refused.to_string()))?;
        // The configuration inside is checked before anything is staged or written.
        self.check_candidate(&candidate.config)?;
        let staged = backup::stage_database(&self.data_dir, &candidate.database).map_err(failed)?;
        let comment = format!(
            "restore of a backup made at {} ms by firmware {}",
            candidate.manifest.created_unix_ms, candidate.manifest.firmware_version
        );
        match self.apply_files(&mut state, candidate.config, user, &comment) {
            Ok(applied) => Ok(RestoreOutcome {
                applied,
                manifest: candidate.manifest,
                database: format!(
                    "staged at {}: it replaces the live database at the next start (the live one is kept in {})",
                    staged.display(),
                    self.data_dir.join(backup::REPLACED_DIR).display()
                ),
            }),
            Err(error) => {
                let _ = std::fs::remove_file(&staged);
                Err(error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;

    struct FakeBox {
        applied: Arc<AtomicUsize>,
        refuse: Arc<AtomicBool>,
    }

    impl LiveApplier for FakeBox {
        fn apply(&self, _config: &box_config::Config) -> Result<Vec<String>, String> {
            if self.refuse.load(Ordering::SeqCst) {
                return Err("the engine is gone".into());
            }
            self.applied.fetch_add(1, Ordering::SeqCst);
            Ok(Vec::new())
        }
    }

    fn the_default_config(root: &Path) -> PathBuf {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/default");
        let files = read_dir(&source).expect("config/default");
        let dir = root.join("config");
        files::write_new_dir(&dir, &files).expect("copy");
        dir
    }

    fn keeper(root: &Path) -> (ConfigKeeper, Arc<AtomicUsize>, Arc<AtomicBool>) {
        let dir = the_default_config(root);
        let data = root.join("data");
        let config = box_config::Config::load(&dir).expect("valid");
        let (applied, refuse) = (
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicBool::new(false)),
        );
        let fake = FakeBox {
            applied: Arc::clone(&applied),
            refuse: Arc::clone(&refuse),
        };
        let keeper =
            ConfigKeeper::open(&dir, &data, config, "test", Box::new(fake), Box::new(|| 42))
                .expect("keeper");
        (keeper, applied, refuse)
    }

    #[test]
    fn apply_saves_a_version_and_rollback_brings_the_old_files_back() {
        let root = tempfile::tempdir().expect("tempdir");
        let (keeper, applied, _) = keeper(root.path());
        let first = keeper.current().expect("current");
        assert_eq!(first.version, Some(1));
        let mut texts = first.files.clone();
        let routes = texts["routes.toml"].replace("ring_timeout_s = 30", "ring_timeout_s = 45");
        texts.insert("routes.toml".into(), routes.clone());
        let done = keeper
            .apply(&texts, "alice", "longer ring")
            .expect("applied");
        assert_eq!(
            (done.version.number, done.version.user.as_str()),
            (2, "alice")
        );
        assert!(
            done.restart_required.is_empty(),
            "{:?}",
            done.restart_required
        );
        assert_eq!(applied.load(Ordering::SeqCst), 1);
        let live = std::fs::read_to_string(root.path().join("config/routes.toml")).expect("read");
        assert_eq!(live, routes);
        let diff = keeper.diff(1, 2).expect("diff");
        assert!(
            diff.contains("-ring_timeout_s = 30\n+ring_timeout_s = 45\n"),
            "{diff}"
        );

        let back = keeper.rollback(1, "bob").expect("rolled back");
        assert_eq!(back.version.number, 3);
        assert_eq!(back.version.comment, "rollback to 1");
        assert_eq!(back.replaced, Some(2));
        assert_eq!(keeper.current().expect("current").files, first.files);
        let list = keeper.versions().expect("list");
        assert_eq!(
            list.iter()
                .filter(|v| v.current)
                .map(|v| v.number)
                .collect::<Vec<_>>(),
            vec![3]
        );
    }

    #[test]
    fn an_invalid_configuration_is_refused_at_its_field_and_changes_nothing() {
        let root = tempfile::tempdir().expect("tempdir");
        let (keeper, applied, _) = keeper(root.path());
        let mut texts = keeper.current().expect("current").files;
        texts.insert(
            "routes.toml".into(),
            "greeting = \"builtin:greeting\"\nring_timeout_s = 2\n".into(),
        );
        let errors = keeper.check(&texts).expect("checked");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            (
                errors[0].file.as_str(),
                errors[0].line,
                errors[0].field.as_str()
            ),
            ("routes.toml", 2, "ring_timeout_s")
        );
        match keeper.apply(&texts, "alice", "bad") {
            Err(ServiceError::Invalid(refused)) => assert_eq!(refused, errors),
            other => panic!("not refused: {other:?}"),
        }
        assert_eq!(applied.load(Ordering::SeqCst), 0);
        assert_eq!(keeper.versions().expect("list").len(), 1);
        assert_eq!(keeper.current().expect("current").version, Some(1));
    }

    #[test]
    fn only_toml_files_come_as_text_and_no_name_leaves_the_directory() {
        let root = tempfile::tempdir().expect("tempdir");
        let (keeper, applied, _) = keeper(root.path());
        for name in ["prompts/welcome.wav", "../outside.toml"] {
            let mut texts = keeper.current().expect("current").files;
            texts.insert(name.into(), "x".into());
            let errors = keeper.check(&texts).expect("checked");
            assert_eq!(errors.len(), 1, "{name}: {errors:?}");
            assert_eq!(errors[0].file, name);
            assert!(keeper.apply(&texts, "a", "").is_err(), "{name}");
        }
        assert!(!root.path().join("outside.toml").exists());
        assert_eq!(applied.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_recording_is_added_beside_the_texts_only_under_a_prompt_name() {
        let root = tempfile::tempdir().expect("tempdir");
        let (keeper, applied, _) = keeper(root.path());
        let texts = keeper.current().expect("current").files;
        for name in [
            "welcome.wav",
            "prompts/../x.wav",
            "prompts/fr/a.wav",
            "prompts/a.toml",
        ] {
            let recordings = ConfigFiles::from([(name.to_owned(), b"RIFF".to_vec())]);
            match keeper.apply_with_recordings(&texts, &recordings, "a", "") {
                Err(ServiceError::Invalid(errors)) => assert_eq!(errors[0].file, name),
                other => panic!("{name} not refused: {other:?}"),
            }
        }
        assert_eq!(applied.load(Ordering::SeqCst), 0);
        let recordings = ConfigFiles::from([("prompts/zh/hello.wav".to_owned(), b"RIFF".to_vec())]);
        let done = keeper
            .apply_with_recordings(&texts, &recordings, "alice", "hello recorded")
            .expect("applied");
        assert_eq!(done.version.number, 2);
        assert_eq!(
            std::fs::read(root.path().join("config/prompts/zh/hello.wav")).expect("written"),
            b"RIFF"
        );
        assert_eq!(
            keeper.current().expect("current").files,
            texts,
            "texts as they were"
        );
    }

    #[test]
    fn a_start_saves_a_directory_changed_by_hand_as_a_new_version_once() {
        let root = tempfile::tempdir().expect("tempdir");
        let (keeper, _, _) = keeper(root.path());
        drop(keeper);
        let routes = root.path().join("config/routes.toml");
        let text = std::fs::read_to_string(&routes).expect("read");
        std::fs::write(
            &routes,
            text.replace("ring_timeout_s = 30", "ring_timeout_s = 40"),
        )
        .expect("edit");
        let reopen = || {
            let dir = root.path().join("config");
            let config = box_config::Config::load(&dir).expect("valid");
            let fake = FakeBox {
                applied: Arc::new(AtomicUsize::new(0)),
                refuse: Arc::new(AtomicBool::new(false)),
            };
            ConfigKeeper::open(
                &dir,
                &root.path().join("data"),
                config,
                "test",
                Box::new(fake),
                Box::new(|| 43),
            )
            .expect("keeper")
        };
        let list = reopen().versions().expect("list");
        assert_eq!(list.len(), 2);
        assert_eq!((list[1].user.as_str(), list[1].current), ("boot", true));
        assert!(list[1].comment.contains("outside"), "{}", list[1].comment);
        assert_eq!(reopen().versions().expect("list").len(), 2, "saved once");
    }

    #[test]
    fn a_box_that_cannot_take_it_gets_the_old_files_back() {
        let root = tempfile::tempdir().expect("tempdir");
        let (keeper, _, refuse) = keeper(root.path());
        let before = keeper.current().expect("current").files;
        let mut texts = before.clone();
        let routes = texts["routes.toml"].replace("ring_timeout_s = 30", "ring_timeout_s = 45");
        texts.insert("routes.toml".into(), routes);
        refuse.store(true, Ordering::SeqCst);
        assert!(matches!(
            keeper.apply(&texts, "a", ""),
            Err(ServiceError::Failed(_))
        ));
        assert_eq!(keeper.current().expect("current").files, before);
        assert_eq!(keeper.versions().expect("list").len(), 1);
    }

    /// The web's reports and agent desktop take them live (the binary's applier hands
    /// them over): a change of either waits for no restart.
    #[test]
    fn service_levels_and_wrap_up_codes_need_no_restart() {
        let root = tempfile::tempdir().expect("tempdir");
        let with_queues = |name: &str, service_level_s: u32, codes: &str| {
            let dir = the_default_config(&root.path().join(name));
            let queues = format!(
                "[queues.reception]\nservice_level_s = {service_level_s}\n\n[dispositions]\n{codes}"
            );
            std::fs::write(dir.join(box_config::QUEUES_FILE), queues).expect("queues.toml");
            box_config::Config::load(&dir).expect("valid")
        };
        let running = with_queues("running", 20, "resolved = { en = \"Resolved\" }\n");
        let next = with_queues(
            "next",
            5,
            "callback-promised = { en = \"Callback promised\", zh = \"承诺回电\" }\n",
        );
        assert_ne!(running.dispositions, next.dispositions);
        assert_ne!(
            running.acd.queues[0].service_level_ms,
            next.acd.queues[0].service_level_ms
        );
        assert_eq!(restart_needs(&running, &next), Vec::<String>::new());
    }

    #[test]
    fn a_changed_line_is_reported_as_needing_a_restart() {
        let root = tempfile::tempdir().expect("tempdir");
        let (keeper, _, _) = keeper(root.path());
        let mut texts = keeper.current().expect("current").files;
        let lines = texts["lines.toml"].clone();
        let renamed = lines.replacen("name = \"PSTN line 1\"", "name = \"renamed\"", 1);
        assert_ne!(renamed, lines, "lines.toml has a line with id 1");
        texts.insert("lines.toml".into(), renamed);
        let done = keeper.apply(&texts, "a", "").expect("applied");
        assert!(
            done.restart_required
                .iter()
                .any(|n| n.starts_with("lines.toml: ") && n.ends_with(" 1 changed")),
            "{:?}",
            done.restart_required
        );
    }
}
