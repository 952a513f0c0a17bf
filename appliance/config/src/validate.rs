//! Reading the files and checking every value, collecting all errors.

use crate::error::{ConfigError, ConfigErrors, SourceFile};
use crate::ivr_files::FLOWS_DIR;
use crate::model::*;
use crate::prompts_file::{TextPrompts, PROMPTS_DIR};
use crate::raw::{LinesFile, RoutesFile, SystemFile};
use crate::{LINES_FILE, ROUTES_FILE, SYSTEM_FILE};
use line_boundary::PhoneNumber;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use toml::Spanned;

const BUILTIN_PROMPTS: &[&str] = &["greeting"];
use crate::choices::{self, LOG_LEVELS};

/// What `lines.toml` declares, for the cross-file checks of `routes.toml`.
struct Lines {
    spans: Vec<SpanConfig>,
    ports: Vec<PortConfig>,
    /// Every well-formed extension, including those on entries dropped for a bad id: a
    /// route to one must not get a second, misleading "no such extension" error.
    extensions: BTreeSet<String>,
}

struct Checker {
    errors: Vec<ConfigError>,
    /// Flows inbound routes name, with where: checked once the flows are loaded.
    flow_refs: Vec<(String, std::ops::Range<usize>, String)>,
}

/// An inbound route's `destination` that runs an IVR flow: `flow:NAME`.
pub const FLOW_PREFIX: &str = "flow:";

impl Checker {
    fn at<T>(
        &mut self,
        file: &SourceFile,
        spanned: &Spanned<T>,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) {
        self.errors
            .push(file.error_at(spanned.span(), field, reason));
    }

    /// Picks the value named by `text` from `choices`, or records an error listing them.
    fn choice<T: Copy>(
        &mut self,
        file: &SourceFile,
        value: Option<&Spanned<String>>,
        field: &str,
        choices: &[(&str, T)],
        default: T,
    ) -> T {
        let Some(value) = value else { return default };
        match choices.iter().find(|(name, _)| *name == value.get_ref()) {
            Some((_, chosen)) => *chosen,
            None => {
                let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
                self.at(
                    file,
                    value,
                    field,
                    format!("{:?} is not one of {}", value.get_ref(), names.join(", ")),
                );
                default
            }
        }
    }

    fn number(
        &mut self,
        file: &SourceFile,
        value: &Spanned<String>,
        field: &str,
    ) -> Option<PhoneNumber> {
        match PhoneNumber::parse(value.get_ref()) {
            Ok(number) => Some(number),
            Err(error) => {
                self.at(file, value, field, error.to_string());
                None
            }
        }
    }

    fn device_id(&mut self, file: &SourceFile, value: &Spanned<i64>, field: &str) -> Option<u16> {
        match u16::try_from(*value.get_ref()) {
            Ok(id) if id >= 1 => Some(id),
            _ => {
                self.at(
                    file,
                    value,
                    field,
                    format!("{} is not a device id (1 to 65535)", value.get_ref()),
                );
                None
            }
        }
    }
}

fn read(
    dir: &Path,
    name: &str,
    required: bool,
    errors: &mut Vec<ConfigError>,
) -> Option<SourceFile> {
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(SourceFile { path, text }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && !required => None,
        Err(error) => {
            let reason = if error.kind() == std::io::ErrorKind::NotFound {
                format!("required file is missing from {}", dir.display())
            } else {
                format!("cannot read: {error}")
            };
            errors.push(SourceFile::whole_file_error(&path, name, reason));
            None
        }
    }
}

fn resolve(dir: &Path, path: &str) -> PathBuf {
    let path = Path::new(path);
    if path.is_absolute() {
        path.to_owned()
    } else {
        dir.join(path)
    }
}

/// A prompt a flow may name: exactly what the prompt library loads. A built-in one
/// (`builtin:greeting` or `greeting`), a recording in the configuration's `prompts/`
/// folder (`welcome` is `prompts/welcome.wav`, `prompts/en/welcome.wav` or
/// `prompts/zh/welcome.wav`), a text prompt of `prompts.toml`, or a recording of the
/// sounds directory (`vm-goodbye` is `SOUNDS_DIR/vm-goodbye.wav`).
fn known_prompt(dir: &Path, sounds_dir: &Path, text_prompts: &TextPrompts, name: &str) -> bool {
    let bare = name.strip_prefix("builtin:").unwrap_or(name);
    if BUILTIN_PROMPTS.contains(&bare) || text_prompts.contains_key(name) {
        return true;
    }
    let file = format!("{name}.wav");
    let prompts = dir.join(PROMPTS_DIR);
    prompts.join(&file).is_file()
        || prompts.join("en").join(&file).is_file()
        || prompts.join("zh").join(&file).is_file()
        || sounds_dir.join(&file).is_file()
}

pub fn load(dir: &Path) -> Result<Config, ConfigErrors> {
    let mut errors = Vec::new();
    if !dir.is_dir() {
        errors.push(SourceFile::whole_file_error(
            dir,
            "config",
            "not a directory",
        ));
        return Err(ConfigErrors(errors));
    }
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
    let system_file = read(&dir, SYSTEM_FILE, true, &mut errors);
    let lines_file = read(&dir, LINES_FILE, true, &mut errors);
    let routes_file = read(&dir, ROUTES_FILE, false, &mut errors);
    let system_raw: Option<SystemFile> = system_file.as_ref().and_then(|f| f.parse(&mut errors));
    let lines_raw: Option<LinesFile> = lines_file.as_ref().and_then(|f| f.parse(&mut errors));
    let routes_raw: Option<RoutesFile> = match &routes_file {
        Some(file) => file.parse(&mut errors),
        None => Some(RoutesFile::default()),
    };
    let mut check = Checker {
        errors,
        flow_refs: Vec::new(),
    };

    let system = match (&system_file, system_raw) {
        (Some(file), Some(raw)) => Some(check_system(&mut check, file, &dir, raw)),
        _ => None,
    };
    let lines = match (&lines_file, lines_raw) {
        (Some(file), Some(raw)) => Some(check_lines(&mut check, file, raw)),
        _ => None,
    };
    let routes_source = routes_file.unwrap_or(SourceFile {
        path: dir.join(ROUTES_FILE),
        text: String::new(),
    });
    let routes =
        routes_raw.map(|raw| check_routes(&mut check, &routes_source, &dir, raw, lines.as_ref()));
    let schedules = crate::ivr_files::load_schedules(&dir, &mut check.errors);
    let text_prompts = crate::prompts_file::load_text_prompts(&dir, &mut check.errors);
    // With system.toml broken, its own error is reported; flows are checked against the
    // default sounds directory meanwhile.
    let sounds_dir = system.as_ref().map_or_else(
        || PathBuf::from(DEFAULT_SOUNDS_DIR),
        |s| s.sounds_dir.clone(),
    );
    let known_prompt = |name: &str| known_prompt(&dir, &sounds_dir, &text_prompts, name);
    let flows = crate::ivr_files::load_flows(&dir, &schedules, &known_prompt, &mut check.errors);
    let acd = crate::acd_files::load_acd(&dir, &mut check.errors);
    check_acd_against_flows(&acd, &flows, &mut check.errors);
    if let Some(lines) = &lines {
        check_mailboxes(lines, &flows, &mut check.errors);
    }
    let recording = match &lines {
        Some(lines) => {
            let known = crate::recording_settings::KnownTargets {
                trunks: lines
                    .spans
                    .iter()
                    .map(|span| span.id)
                    .chain(lines.ports.iter().filter_map(|port| match port.kind {
                        crate::PortKind::Fxo(_) => Some(port.id),
                        crate::PortKind::Fxs(_) => None,
                    }))
                    .collect(),
                extensions: lines
                    .ports
                    .iter()
                    .filter_map(|port| match &port.kind {
                        crate::PortKind::Fxs(fxs) => Some(fxs.extension.to_string()),
                        crate::PortKind::Fxo(_) => None,
                    })
                    .collect(),
                queues: acd
                    .config
                    .queues
                    .iter()
                    .map(|q| q.name.to_string())
                    .collect(),
                agents: acd.config.agents.iter().map(|a| a.id.to_string()).collect(),
            };
            crate::recording_settings::load_recording(&dir, &known, &mut check.errors)
        }
        // lines.toml's own errors are reported; the rules cannot be checked against it.
        None => crate::RecordingSettings::default(),
    };
    if check.errors.is_empty() {
        // Everything the files can get wrong is reported above, at its place; this only
        // guards against the core refusing what the checks let through.
        if let Err(error) = acd::Acd::new(acd.config.clone(), 0) {
            check.errors.push(SourceFile::whole_file_error(
                &dir.join(crate::QUEUES_FILE),
                "acd",
                format!("the ACD core refuses the configuration: {error}"),
            ));
        }
    }
    for (name, span, field) in std::mem::take(&mut check.flow_refs) {
        if !flows.iter().any(|flow| flow.name.value == name) {
            let known: Vec<&str> = flows.iter().map(|f| f.name.value.as_str()).collect();
            check.errors.push(routes_source.error_at(
                span,
                field,
                format!(
                    "no flow named {name:?} in {FLOWS_DIR}/ (flows: {})",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        }
    }

    match (system, lines, routes) {
        (Some(system), Some(lines), Some(routes)) if check.errors.is_empty() => Ok(Config {
            dir,
            system,
            spans: lines.spans,
            ports: lines.ports,
            routes,
            schedules,
            flows,
            text_prompts,
            acd: acd.config,
            acd_queues_configured: acd.queues_file,
            agent_pins: acd.pins,
            queue_music: acd.music,
            alerts: acd.alerts,
            survey_queues: acd.survey_queues,
            queue_transfer_numbers: acd.transfer_numbers,
            dispositions: acd.dispositions,
            recording,
        }),
        _ => Err(ConfigErrors(check.errors)),
    }
}

fn flow_names(flows: &[ivr::flow::Flow]) -> String {
    let known: Vec<&str> = flows.iter().map(|f| f.name.value.as_str()).collect();
    if known.is_empty() {
        "none".to_owned()
    } else {
        known.join(", ")
    }
}

/// What the ACD files and the flows say about each other: a queue's overflow to a flow
/// names one that exists; with `queues.toml`, every flow's `queue` node names one of its
/// queues (without it, a `queue` node rings its extensions in turn, as before the ACD).
/// A voicemail node's mailbox is the extension of a phone of the box: its owner listens
/// from that phone (`*98`).
fn check_mailboxes(lines: &Lines, flows: &[ivr::flow::Flow], errors: &mut Vec<ConfigError>) {
    let extensions: Vec<String> = lines
        .ports
        .iter()
        .filter_map(|port| match &port.kind {
            crate::PortKind::Fxs(fxs) => Some(fxs.extension.to_string()),
            crate::PortKind::Fxo(_) => None,
        })
        .collect();
    for flow in flows {
        for node in &flow.nodes {
            let ivr::flow::NodeKind::Voicemail(voicemail) = &node.kind else {
                continue;
            };
            if !extensions.contains(&voicemail.mailbox.value) {
                errors.push(ConfigError {
                    file: PathBuf::from(&flow.file),
                    line: voicemail.mailbox.at.line as usize,
                    column: voicemail.mailbox.at.column as usize,
                    field: format!("nodes.{}.mailbox", node.name),
                    reason: format!(
                        "mailbox {:?} is not the extension of a phone in {} (its owner \
                         listens there with *98; extensions: {})",
                        voicemail.mailbox.value,
                        crate::LINES_FILE,
                        if extensions.is_empty() {
                            "none".to_owned()
                        } else {
                            extensions.join(", ")
                        }
                    ),
                });
            }
        }
    }
}

fn check_acd_against_flows(
    acd: &crate::acd_files::AcdFiles,
    flows: &[ivr::flow::Flow],
    errors: &mut Vec<ConfigError>,
) {
    for (name, error) in &acd.flow_refs {
        if !flows.iter().any(|flow| flow.name.value == *name) {
            errors.push(ConfigError {
                reason: format!(
                    "no flow named {name:?} in {FLOWS_DIR}/ (flows: {})",
                    flow_names(flows)
                ),
                ..error.clone()
            });
        }
    }
    if !acd.queues_file {
        // Without the ACD a queue node can only ring its extensions.
        for flow in flows {
            for node in &flow.nodes {
                let ivr::flow::NodeKind::Queue(queue) = &node.kind else {
                    continue;
                };
                if queue.extensions.is_empty() {
                    errors.push(ConfigError {
                        file: PathBuf::from(&flow.file),
                        line: node.at.line as usize,
                        column: node.at.column as usize,
                        field: format!("nodes.{}.extensions", node.name),
                        reason: format!(
                            "no `extensions` to ring and no {} for queue {:?}: without \
                             the ACD a queue rings its extensions in turn",
                            crate::QUEUES_FILE,
                            queue.queue.value
                        ),
                    });
                }
            }
        }
        return;
    }
    if !acd.queue_names_known {
        return;
    }
    let queues: Vec<&str> = acd.config.queues.iter().map(|q| q.name.as_str()).collect();
    for flow in flows {
        for node in &flow.nodes {
            let ivr::flow::NodeKind::Queue(queue) = &node.kind else {
                continue;
            };
            if !queues.contains(&queue.queue.value.as_str()) {
                errors.push(ConfigError {
                    file: PathBuf::from(&flow.file),
                    line: queue.queue.at.line as usize,
                    column: queue.queue.at.column as usize,
                    field: format!("nodes.{}.queue", node.name),
                    reason: format!(
                        "no queue named {:?} in {} (queues: {})",
                        queue.queue.value,
                        crate::QUEUES_FILE,
                        if queues.is_empty() {
                            "none".to_owned()
                        } else {
                            queues.join(", ")
                        }
                    ),
                });
            }
        }
    }
}

fn check_system(
    check: &mut Checker,
    file: &SourceFile,
    dir: &Path,
    raw: SystemFile,
) -> SystemConfig {
    let raw = raw.system.into_inner();
    let tone_plan = check.choice(
        file,
        raw.tone_plan.as_ref(),
        "system.tone_plan",
        choices::TONE_PLANS,
        TonePlan::Etsi,
    );
    let clock = check.choice(
        file,
        raw.clock.as_ref(),
        "system.clock",
        choices::CLOCKS,
        Clock::Realtime,
    );
    let device_dir = raw
        .device_dir
        .as_ref()
        .map(|d| resolve(dir, d.get_ref()))
        .unwrap_or_else(|| PathBuf::from("/run/appliance/devices"));
    let default_listen = std::net::SocketAddr::from(([127, 0, 0, 1], 8080));
    let web_listen = match &raw.web_listen {
        Some(text) => match text.get_ref().parse() {
            Ok(address) => address,
            Err(_) => {
                check.at(
                    file,
                    text,
                    "system.web_listen",
                    format!(
                        "{:?} is not an address:port like 127.0.0.1:8080",
                        text.get_ref()
                    ),
                );
                default_listen
            }
        },
        None => default_listen,
    };
    let web_plain_http = match &raw.web_plain_http {
        Some(plain) if *plain.get_ref() && !web_listen.ip().is_loopback() => {
            check.at(
                file,
                plain,
                "system.web_plain_http",
                format!(
                    "plain HTTP is allowed on a loopback address only, and web_listen is {web_listen}: \
                     remove web_plain_http (the box serves HTTPS) or listen on 127.0.0.1"
                ),
            );
            false
        }
        Some(plain) => *plain.get_ref(),
        None => false,
    };
    let web_session_idle_minutes = match &raw.web_session_idle_minutes {
        Some(minutes) if (1..=1440).contains(minutes.get_ref()) => *minutes.get_ref() as u32,
        Some(minutes) => {
            check.at(
                file,
                minutes,
                "system.web_session_idle_minutes",
                format!("{} is not from 1 to 1440 minutes", minutes.get_ref()),
            );
            30
        }
        None => 30,
    };
    let log_level = match &raw.log_level {
        Some(level) if LOG_LEVELS.contains(&level.get_ref().as_str()) => level.get_ref().clone(),
        Some(level) => {
            check.at(
                file,
                level,
                "system.log_level",
                format!(
                    "{:?} is not one of {}",
                    level.get_ref(),
                    LOG_LEVELS.join(", ")
                ),
            );
            "info".into()
        }
        None => "info".into(),
    };
    let directory = |value: &Option<Spanned<String>>, default: &str| {
        value
            .as_ref()
            .map_or_else(|| PathBuf::from(default), |d| resolve(dir, d.get_ref()))
    };
    let sounds_dir = directory(&raw.sounds_dir, DEFAULT_SOUNDS_DIR);
    let music_dir = directory(&raw.music_dir, DEFAULT_MUSIC_DIR);
    // Whether it holds certificates is checked when the box starts (a PEM parser
    // belongs to the TLS side); that it exists is checked here.
    let lookup_ca_file = raw.lookup_ca_file.as_ref().and_then(|value| {
        let path = resolve(dir, value.get_ref());
        if path.is_file() {
            Some(path)
        } else {
            check.at(
                file,
                value,
                "system.lookup_ca_file",
                format!("{} is not a file", path.display()),
            );
            None
        }
    });
    SystemConfig {
        name: raw
            .name
            .map(Spanned::into_inner)
            .unwrap_or_else(|| "call-center box".into()),
        tone_plan,
        clock,
        device_dir,
        web_listen,
        web_plain_http,
        web_session_idle_minutes,
        log_level,
        fault_injection: raw.fault_injection.unwrap_or(false),
        sounds_dir,
        music_dir,
        lookup_ca_file,
    }
}

/// The PRI settings of `span[index]`: switch variant and B-channel list.
fn check_pri(
    check: &mut Checker,
    file: &SourceFile,
    span: &crate::raw::RawSpan,
    index: usize,
) -> PriSettings {
    let defaults = PriSettings::default();
    let switch = check.choice(
        file,
        span.switch.as_ref(),
        &format!("span[{index}].switch"),
        choices::PRI_SWITCHES,
        PriSwitch::Etsi,
    );
    let channels = match &span.channels {
        None => defaults.channels,
        Some(text) => match parse_channel_ranges(text.get_ref()) {
            Ok(channels) => channels,
            Err(reason) => {
                check.at(file, text, format!("span[{index}].channels"), reason);
                defaults.channels
            }
        },
    };
    let mut prefix = |value: &Option<Spanned<String>>, name: &str| -> String {
        let Some(value) = value else {
            return String::new();
        };
        let text = value.get_ref();
        if text.is_empty() || text.len() > 4 || !text.chars().all(|c| c.is_ascii_digit()) {
            check.at(
                file,
                value,
                format!("span[{index}].{name}"),
                format!("{text:?} is not a dialling prefix (1 to 4 digits)"),
            );
            return String::new();
        }
        text.clone()
    };
    let national_prefix = prefix(&span.national_prefix, "national_prefix");
    let international_prefix = prefix(&span.international_prefix, "international_prefix");
    PriSettings {
        switch,
        channels,
        overlap: span.overlap.unwrap_or(false),
        national_prefix,
        international_prefix,
    }
}

/// `"1-15,17-31"` → the B-channel timeslots; timeslots 0 and 16 are not B-channels on E1.
pub(crate) fn parse_channel_ranges(text: &str) -> Result<Vec<u8>, String> {
    let mut channels = BTreeSet::new();
    for part in text.split(',').map(str::trim) {
        let (first, last) = match part.split_once('-') {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (part, part),
        };
        let parse = |t: &str| {
            t.parse::<u8>()
                .map_err(|_| format!("{part:?} is not a timeslot or a range like 1-15"))
        };
        let (first, last) = (parse(first)?, parse(last)?);
        if first > last {
            return Err(format!("range {part:?} runs backwards"));
        }
        for ts in first..=last {
            if ts == 0 || ts == 16 || ts > 31 {
                return Err(format!(
                    "timeslot {ts} is not a B-channel on E1 (use 1-15 and 17-31)"
                ));
            }
            channels.insert(ts);
        }
    }
    Ok(channels.into_iter().collect())
}

fn check_lines(check: &mut Checker, file: &SourceFile, raw: LinesFile) -> Lines {
    let mut seen_ids: BTreeMap<u16, String> = BTreeMap::new();
    let mut seen_extensions: BTreeMap<String, String> = BTreeMap::new();
    let mut claim_id = |check: &mut Checker, id: &Spanned<i64>, field: String| -> Option<u16> {
        let value = check.device_id(file, id, &field)?;
        if let Some(first) = seen_ids.get(&value) {
            check.at(
                file,
                id,
                field,
                format!("device id {value} is already used by {first}"),
            );
            return None;
        }
        seen_ids.insert(value, field.trim_end_matches(".id").to_owned());
        Some(value)
    };
    let mut spans = Vec::new();
    for (index, span) in raw.span.iter().enumerate() {
        let span = span.get_ref();
        let id = claim_id(check, &span.id, format!("span[{index}].id"));
        let kind = check.choice(
            file,
            span.kind.as_ref(),
            &format!("span[{index}].kind"),
            choices::SPAN_KINDS,
            SpanKind::E1,
        );
        let signalling = check.choice(
            file,
            span.signalling.as_ref(),
            &format!("span[{index}].signalling"),
            choices::SPAN_SIGNALLING,
            SpanSignalling::PriCpe,
        );
        let pri = check_pri(check, file, span, index);
        if let Some(id) = id {
            let name = span.name.clone().unwrap_or_else(|| format!("span {id}"));
            spans.push(SpanConfig {
                id,
                name,
                kind,
                signalling,
                pri,
            });
        }
    }
    let mut ports = Vec::new();
    for (index, fxo) in raw.fxo.iter().enumerate() {
        let fxo = fxo.get_ref();
        let id = claim_id(check, &fxo.id, format!("fxo[{index}].id"));
        let number = fxo
            .number
            .as_ref()
            .and_then(|n| check.number(file, n, &format!("fxo[{index}].number")));
        let caller_id = check.choice(
            file,
            fxo.caller_id.as_ref(),
            &format!("fxo[{index}].caller_id"),
            choices::FXO_CALLER_ID,
            FxoCallerId::EtsiFsk,
        );
        let disconnect = fxo.disconnect.as_ref().map_or(
            Disconnect {
                battery: true,
                polarity: false,
                busy_tone: false,
            },
            |d| Disconnect {
                battery: d.battery.unwrap_or(true),
                polarity: d.polarity.unwrap_or(false),
                busy_tone: d.busy_tone.unwrap_or(false),
            },
        );
        if !(disconnect.battery || disconnect.polarity || disconnect.busy_tone) {
            check.at(file, &fxo.id, format!("fxo[{index}].disconnect"), "at least one disconnect supervision (battery, polarity, busy_tone) must be on, or calls never end");
        }
        if let Some(id) = id {
            ports.push(PortConfig {
                id,
                name: fxo.name.clone().unwrap_or_else(|| format!("line {id}")),
                kind: PortKind::Fxo(FxoPort {
                    number,
                    caller_id,
                    disconnect,
                }),
            });
        }
    }
    for (index, fxs) in raw.fxs.iter().enumerate() {
        let fxs = fxs.get_ref();
        let field = format!("fxs[{index}]");
        let id = claim_id(check, &fxs.id, format!("{field}.id"));
        let extension = check.number(file, &fxs.extension, &format!("{field}.extension"));
        if let Some(extension) = &extension {
            if let Some(first) = seen_extensions.get(extension.as_str()) {
                check.at(
                    file,
                    &fxs.extension,
                    format!("{field}.extension"),
                    format!("extension {extension} is already used by {first}"),
                );
            } else {
                seen_extensions.insert(extension.to_string(), field.clone());
            }
        }
        let caller_id = check.choice(
            file,
            fxs.caller_id.as_ref(),
            &format!("{field}.caller_id"),
            choices::FXS_CALLER_ID,
            FxsCallerId::Etsi,
        );
        if let (Some(id), Some(extension)) = (id, extension) {
            ports.push(PortConfig {
                id,
                name: fxs
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("extension {extension}")),
                kind: PortKind::Fxs(FxsPort {
                    extension,
                    caller_id,
                    display_name: fxs.display_name.clone(),
                }),
            });
        }
    }
    Lines {
        spans,
        ports,
        extensions: seen_extensions.into_keys().collect(),
    }
}

fn check_lines_list(
    check: &mut Checker,
    file: &SourceFile,
    lines: &Spanned<Vec<Spanned<i64>>>,
    field: &str,
    declared: Option<&Lines>,
) -> Vec<u16> {
    if lines.get_ref().is_empty() {
        check.at(file, lines, field, "names no line");
    }
    let mut ids = Vec::new();
    for line in lines.get_ref() {
        let Some(id) = check.device_id(file, line, field) else {
            continue;
        };
        // lines.toml did not parse: its own error is reported, and guessing here would
        // only add noise.
        let Some(Lines { spans, ports, .. }) = declared else {
            ids.push(id);
            continue;
        };
        let is_trunk = spans.iter().any(|s| s.id == id)
            || ports
                .iter()
                .any(|p| p.id == id && matches!(p.kind, PortKind::Fxo(_)));
        if is_trunk {
            ids.push(id);
        } else if ports.iter().any(|p| p.id == id) {
            check.at(
                file,
                line,
                field,
                format!("line {id} is an FXS port (a phone), not a trunk"),
            );
        } else {
            check.at(
                file,
                line,
                field,
                format!("no span or fxo port has id {id} (see lines.toml)"),
            );
        }
    }
    ids
}

fn check_routes(
    check: &mut Checker,
    file: &SourceFile,
    dir: &Path,
    raw: RoutesFile,
    declared: Option<&Lines>,
) -> RoutesConfig {
    let greeting = match &raw.greeting {
        None => PromptSource::Builtin("greeting".into()),
        Some(text) => match text.get_ref().strip_prefix("builtin:") {
            Some(name) if BUILTIN_PROMPTS.contains(&name) => PromptSource::Builtin(name.into()),
            Some(name) => {
                check.at(
                    file,
                    text,
                    "greeting",
                    format!(
                        "no built-in prompt {name:?}; built in: {}",
                        BUILTIN_PROMPTS.join(", ")
                    ),
                );
                PromptSource::Builtin("greeting".into())
            }
            None => {
                let path = resolve(dir, text.get_ref());
                if !path.is_file() {
                    check.at(
                        file,
                        text,
                        "greeting",
                        format!("prompt file {} does not exist", path.display()),
                    );
                }
                PromptSource::File(path)
            }
        },
    };
    let ring_timeout_s = match &raw.ring_timeout_s {
        None => 30,
        Some(value) if (5..=600).contains(value.get_ref()) => *value.get_ref() as u64,
        Some(value) => {
            check.at(
                file,
                value,
                "ring_timeout_s",
                format!("{} is out of range (5 to 600 seconds)", value.get_ref()),
            );
            30
        }
    };
    let mut inbound = Vec::new();
    for (index, route) in raw.inbound.iter().enumerate() {
        let route = route.get_ref();
        let field = format!("inbound[{index}]");
        let lines = check_lines_list(
            check,
            file,
            &route.lines,
            &format!("{field}.lines"),
            declared,
        );
        let called = route
            .called
            .as_ref()
            .and_then(|c| check.number(file, c, &format!("{field}.called")));
        let destination = if route.destination.get_ref() == "echo" {
            Some(RouteDestination::Echo)
        } else if let Some(flow) = route.destination.get_ref().strip_prefix(FLOW_PREFIX) {
            // Whether the flow exists is checked once the flows are loaded.
            check.flow_refs.push((
                flow.to_owned(),
                route.destination.span(),
                format!("{field}.destination"),
            ));
            Some(RouteDestination::Flow(flow.to_owned()))
        } else {
            check
                .number(file, &route.destination, &format!("{field}.destination"))
                .map(RouteDestination::Extension)
        };
        if let (Some(RouteDestination::Extension(destination)), Some(declared)) =
            (&destination, declared)
        {
            if !declared.extensions.contains(destination.as_str()) {
                check.at(
                    file,
                    &route.destination,
                    format!("{field}.destination"),
                    format!("no fxs port has extension {destination} (or use \"echo\" or \"flow:NAME\")"),
                );
            }
        }
        if let Some(destination) = destination {
            inbound.push(InboundRoute {
                lines,
                called,
                destination,
            });
        }
    }
    let mut outbound = Vec::new();
    for (index, route) in raw.outbound.iter().enumerate() {
        let route = route.get_ref();
        let field = format!("outbound[{index}]");
        let prefix = route.prefix.get_ref().clone();
        if prefix.is_empty()
            || !prefix
                .chars()
                .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
        {
            check.at(
                file,
                &route.prefix,
                format!("{field}.prefix"),
                format!("{prefix:?} is not a dialling prefix (digits, * or #)"),
            );
        }
        let strip = match &route.strip {
            None => 0,
            Some(value) if *value.get_ref() >= 0 && (*value.get_ref() as usize) <= prefix.len() => {
                *value.get_ref() as usize
            }
            Some(value) => {
                check.at(
                    file,
                    value,
                    format!("{field}.strip"),
                    format!(
                        "{} is not between 0 and the prefix length {}",
                        value.get_ref(),
                        prefix.len()
                    ),
                );
                0
            }
        };
        let lines = check_lines_list(
            check,
            file,
            &route.lines,
            &format!("{field}.lines"),
            declared,
        );
        outbound.push(OutboundRoute {
            prefix,
            strip,
            lines,
        });
    }
    RoutesConfig {
        greeting,
        ring_timeout_s,
        inbound,
        outbound,
    }
}
