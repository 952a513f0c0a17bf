//! `hil`: runs HIL scenario files.
//!
//! `hil run SCENARIO...` starts a box itself from the scenario's configuration, in
//! lock-step, and drives it as fast as the CPU allows. `hil run --box DIR SCENARIO...`
//! drives a box that is already running (real time) through its soft-hardware sockets.

mod http;

use anyhow::{anyhow, Context};
use appliance::boot::{start_box, BoxOptions, RunningBox};
use clap::{Parser, Subcommand};
use far_end::Rig;
use hil_scenario::{AgentView, AlertView, BoxView, CdrView, EventView, Scenario};
use soft_hardware::ClockMode;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "hil",
    version,
    about = "Hardware-in-the-loop scenario runner for the call-center appliance"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenarios; stops at the first failed expectation and exits non-zero, naming it.
    Run {
        /// Drive an already running box through the sockets in this device directory
        /// (real time) instead of starting one in lock-step.
        #[arg(long = "box", value_name = "DEVICE_DIR")]
        box_dir: Option<PathBuf>,
        /// The running box's web address, for its CDRs and status (with --box).
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        web: String,
        /// A file holding the running box's API token (with --box; the box takes it with
        /// `appliance run --provision-token-file`).
        #[arg(long, value_name = "FILE")]
        token_file: Option<PathBuf>,
        /// Use this configuration directory instead of the one the scenario names
        /// (lock-step runs only).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Scenario files.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    appliance::logging::init("HIL_LOG", "warn");
    let Cli {
        command:
            Command::Run {
                box_dir,
                web,
                token_file,
                config,
                scenarios,
            },
    } = Cli::parse();
    for path in &scenarios {
        let outcome = match &box_dir {
            Some(dir) => run_against_running_box(path, dir, &web, token_file.as_deref()),
            None => run_lockstep(path, config.as_deref()),
        };
        if let Err(error) = outcome {
            eprintln!("hil: {}: {error:#}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!("hil: {} scenario(s) passed", scenarios.len());
    ExitCode::SUCCESS
}

/// CDRs and status read from the box's web API; the API's `seq` orders the CDRs.
pub struct WebBox {
    pub api: http::Api,
}

#[derive(serde::Deserialize)]
struct CdrJson {
    seq: i64,
    caller: Option<String>,
    callee: Option<String>,
    disposition: String,
    cause: i64,
    talk_ms: i64,
    ring_ms: i64,
    #[serde(default)]
    ivr_flow: Option<String>,
    #[serde(default)]
    ivr_path: Vec<String>,
    #[serde(default)]
    survey: Option<u8>,
}

/// A page of `/api/events`.
#[derive(serde::Deserialize)]
struct EventsPageJson {
    events: Vec<EventJson>,
    last_seq: u64,
}

/// An envelope of `/api/events` or `/api/calls/{id}/events`.
#[derive(serde::Deserialize)]
struct EventJson {
    seq: u64,
    at_ms: u64,
    event: serde_json::Value,
}

/// `/api/calls/{id}/events`.
#[derive(serde::Deserialize)]
struct CallEventsJson {
    events: Vec<EventJson>,
}

impl From<EventJson> for EventView {
    fn from(e: EventJson) -> EventView {
        let mut view = EventView {
            seq: e.seq,
            at_ms: e.at_ms,
            ..EventView::default()
        };
        if let serde_json::Value::Object(fields) = e.event {
            for (name, value) in fields {
                let text = match value {
                    serde_json::Value::Null => continue,
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                match name.as_str() {
                    "type" => view.kind = text,
                    "call" => view.call = Some(text),
                    _ => {
                        view.fields.insert(name, text);
                    }
                }
            }
        }
        view
    }
}

/// `/api/agents`: each agent's number, state (`{"state": "not-ready", "reason": …}`,
/// tagged like the ACD core's `AgentState`) and device.
#[derive(serde::Deserialize)]
struct AgentsJson {
    agents: Vec<AgentJson>,
}

#[derive(serde::Deserialize)]
struct AgentJson {
    id: String,
    state: AgentStateJson,
    #[serde(default)]
    device: Option<String>,
}

#[derive(serde::Deserialize)]
struct AgentStateJson {
    state: String,
    #[serde(default)]
    reason: Option<String>,
}

/// `/api/alerts`: each alert's uid, kind, whether active, text and the fields of its
/// kind that say what it is about.
#[derive(serde::Deserialize)]
struct AlertsJson {
    alerts: Vec<AlertJson>,
}

#[derive(serde::Deserialize)]
struct AlertJson {
    uid: String,
    kind: String,
    active: bool,
    #[serde(default)]
    text: String,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    queue: Option<String>,
    #[serde(default)]
    agent: Option<String>,
    #[serde(default)]
    caller: Option<String>,
    #[serde(default)]
    call: Option<String>,
}

/// The part of `/api/status` a scenario reads.
#[derive(serde::Deserialize)]
struct StatusJson {
    spans: Vec<SpanJson>,
}

#[derive(serde::Deserialize)]
struct SpanJson {
    device: u16,
    b_channels_busy: usize,
}

impl BoxView for WebBox {
    fn span_busy_channels(&mut self, device: u16) -> anyhow::Result<usize> {
        let body = http::get(&self.api, "/api/status")?;
        let status: StatusJson = serde_json::from_str(&body)
            .context("box's /api/status has no spans list with device and b_channels_busy")?;
        match status.spans.iter().find(|s| s.device == device) {
            Some(span) => Ok(span.b_channels_busy),
            None => {
                let known: Vec<String> =
                    status.spans.iter().map(|s| s.device.to_string()).collect();
                anyhow::bail!(
                    "the box's /api/status lists no span {device} (spans: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )
            }
        }
    }

    fn latest(&mut self, count: usize) -> anyhow::Result<Vec<CdrView>> {
        let body = http::get(&self.api, &format!("/api/cdrs?limit={count}"))?;
        let rows: Vec<CdrJson> =
            serde_json::from_str(&body).context("box's /api/cdrs is not a CDR list")?;
        Ok(rows
            .into_iter()
            .map(|row| CdrView {
                id: row.seq,
                caller: row.caller,
                callee: row.callee,
                disposition: row.disposition,
                cause: row.cause,
                talk_ms: row.talk_ms,
                ring_ms: row.ring_ms,
                ivr_flow: row.ivr_flow,
                ivr_path: row.ivr_path,
                survey: row.survey,
            })
            .collect())
    }

    fn events_after(&mut self, after: u64) -> anyhow::Result<(Vec<EventView>, u64)> {
        let body = http::get(&self.api, &format!("/api/events?after={after}&limit=1000"))?;
        let page: EventsPageJson =
            serde_json::from_str(&body).context("box's /api/events is not a page of events")?;
        Ok((
            page.events.into_iter().map(EventView::from).collect(),
            page.last_seq,
        ))
    }

    fn agents(&mut self) -> anyhow::Result<Vec<AgentView>> {
        let body = http::get(&self.api, "/api/agents")?;
        let page: AgentsJson = serde_json::from_str(&body)
            .context("box's /api/agents is not a list of agents with id, state and device")?;
        Ok(page
            .agents
            .into_iter()
            .map(|a| AgentView {
                id: a.id,
                state: a.state.state,
                reason: a.state.reason,
                device: a.device,
            })
            .collect())
    }

    fn alerts(&mut self) -> anyhow::Result<Vec<AlertView>> {
        let body = http::get(&self.api, "/api/alerts")?;
        let page: AlertsJson = serde_json::from_str(&body)
            .context("box's /api/alerts is not a list of alerts with uid, kind and active")?;
        Ok(page
            .alerts
            .into_iter()
            .map(|a| AlertView {
                uid: a.uid,
                kind: a.kind,
                active: a.active,
                text: a.text,
                key: a.key,
                queue: a.queue,
                agent: a.agent,
                caller: a.caller,
                call: a.call,
            })
            .collect())
    }

    fn supervise(&mut self, agent: &str, mode: &str, extension: &str) -> anyhow::Result<String> {
        let body = http::get(&self.api, "/api/calls")?;
        let list: serde_json::Value =
            serde_json::from_str(&body).context("box's /api/calls is not JSON")?;
        let calls = list["calls"]
            .as_array()
            .context("box's /api/calls has no calls list")?;
        let Some(call) = calls
            .iter()
            .find(|c| c["agent"].as_str() == Some(agent))
            .and_then(|c| c["id"].as_str())
        else {
            let seen: Vec<String> = calls
                .iter()
                .map(|c| {
                    format!(
                        "{} {} agent {}",
                        c["id"].as_str().unwrap_or("?"),
                        c["application"].as_str().unwrap_or("?"),
                        c["agent"].as_str().unwrap_or("none")
                    )
                })
                .collect();
            anyhow::bail!(
                "no live call of agent {agent} (the box's calls: {})",
                if seen.is_empty() {
                    "none".to_owned()
                } else {
                    seen.join("; ")
                }
            );
        };
        let request = serde_json::json!({ "mode": mode, "extension": extension }).to_string();
        let (code, status, answer) =
            http::post_json(&self.api, &format!("/api/calls/{call}/supervise"), &request)?;
        if code != 202 {
            anyhow::bail!("POST /api/calls/{call}/supervise {request}: {status}: {answer}");
        }
        Ok(call.to_owned())
    }

    fn call_events(&mut self, call: &str) -> anyhow::Result<Option<Vec<EventView>>> {
        let (code, status, body) = http::get_any(&self.api, &format!("/api/calls/{call}/events"))?;
        match code {
            200 => {
                let list: CallEventsJson = serde_json::from_str(&body).with_context(|| {
                    format!("box's /api/calls/{call}/events is not a call's events")
                })?;
                Ok(Some(list.events.into_iter().map(EventView::from).collect()))
            }
            // No such API yet, or no event of the call stored: the bus has them.
            404 => Ok(None),
            _ => anyhow::bail!("GET /api/calls/{call}/events: {status}: {body}"),
        }
    }
}

fn load(path: &Path) -> anyhow::Result<Scenario> {
    hil_scenario::parse_file(path).map_err(|error| anyhow!("{error}"))
}

/// The configuration a scenario names lives in `configs/<name>` beside its folder
/// (`hil-tests/configs/` for `hil-tests/scenarios/*.hil`), or beside a folder further up
/// (for scenarios in subfolders).
fn scenario_config(path: &Path, scenario: &Scenario) -> anyhow::Result<PathBuf> {
    let name = scenario
        .config
        .as_deref()
        .context("the scenario names no `config:`; pass --config")?;
    let folder = path.parent().unwrap_or(Path::new("."));
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    let found = folder
        .ancestors()
        .map(|dir| dir.join("configs").join(name))
        .find(|dir| dir.is_dir());
    Ok(found.unwrap_or_else(|| folder.join("..").join("configs").join(name)))
}

pub fn run_lockstep(path: &Path, config: Option<&Path>) -> anyhow::Result<()> {
    let scenario = load(path)?;
    let config_dir = match config {
        Some(dir) => dir.to_owned(),
        None => scenario_config(path, &scenario)?,
    };
    let work = tempfile::tempdir().context("cannot make a scratch directory")?;
    let mut options = BoxOptions::new(config_dir, work.path().join("data"));
    options.clock = Some(ClockMode::LockStep);
    options.device_dir = Some(work.path().join("devices"));
    options.web_listen = Some("127.0.0.1:0".into());
    options.epoch_unix_ms = scenario.box_time_unix_ms;
    // The box is this run's own: a fresh random token for its API.
    let token = fresh_token()?;
    options.provision_token = Some(token.clone());
    // Before the box, so its first lookup finds it; stopped after the box.
    let lookup = start_lookup_server(&scenario)?;
    let running = start_box(options)?;
    let outcome = drive(&scenario, &running, ClockMode::LockStep, token);
    drop(running);
    drop(lookup);
    outcome
}

/// The scenario's `lookup server:`, started (it stops when dropped).
fn start_lookup_server(scenario: &Scenario) -> anyhow::Result<Option<far_end::LookupServer>> {
    scenario
        .lookup_server
        .as_ref()
        .map(|spec| {
            spec.start()
                .with_context(|| format!("cannot start the lookup server on {}", spec.address))
        })
        .transpose()
}

/// A random API token (from the kernel's generator).
fn fresh_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 24];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .context("cannot read /dev/urandom")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn drive(
    scenario: &Scenario,
    running: &RunningBox,
    clock: ClockMode,
    token: String,
) -> anyhow::Result<()> {
    let mut rig = Rig::connect(running.device_dir(), &scenario.rig_devices(), clock)?;
    let mut view = WebBox {
        api: http::Api {
            base: running.web_url(),
            token,
        },
    };
    run_scenario(scenario, &mut rig, &mut view)
}

fn run_scenario(scenario: &Scenario, rig: &mut Rig, view: &mut dyn BoxView) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout();
    println!("== {} ({})", scenario.name, scenario.file);
    let report = hil_scenario::run(scenario, rig, view, &mut stdout)
        .map_err(|failure| anyhow!("{failure}"))?;
    println!(
        "== passed: {} steps, {:.1} s of line time",
        report.steps,
        report.rig_ms as f64 / 1000.0
    );
    Ok(())
}

pub fn run_against_running_box(
    path: &Path,
    device_dir: &Path,
    web: &str,
    token_file: Option<&Path>,
) -> anyhow::Result<()> {
    let token = match token_file {
        Some(file) => std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the API token {}", file.display()))?
            .trim()
            .to_owned(),
        None => anyhow::bail!("--token-file is needed with --box: the box's API takes a token"),
    };
    let scenario = load(path)?;
    // The box runs already: its clock is whatever it was started with (a `box time:` is
    // for whoever starts it: `appliance run --epoch-unix-ms`).
    let _lookup = start_lookup_server(&scenario)?;
    let mut rig = Rig::connect(device_dir, &scenario.rig_devices(), ClockMode::RealTime)?;
    let mut view = WebBox {
        api: http::Api {
            base: web.trim_end_matches('/').to_owned(),
            token,
        },
    };
    run_scenario(&scenario, &mut rig, &mut view)
}
