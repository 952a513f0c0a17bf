//! Starting the box: load the configuration, bind the soft devices, start the media
//! engine, the actors, the CDR writer and the web port.

use actix::prelude::*;
use anyhow::{anyhow, Context};
use box_config::acd;
use box_config::alerts;
use box_web::{self as web, DeviceView, WebState};
use call_control::acd_actor::AcdActor;
use call_control::alert_actor::{AlertActor, AlertStore};
use call_control::cdr_writer::CdrWriter;
use call_control::event_archive::EventArchive;
use call_control::recorder_actor::{RecorderActor, RecordingStore};
use call_control::router::{EventRouter, RoutedEvent, RouterReady, SetSwitchboard};
use call_control::stats_actor::{FlushStats, StatsActor, StatsStore};
use call_control::switchboard::{GetStatus, Switchboard};
use media_engine::{DeviceSpec, EngineHandle, EngineSetup, PromptStore, WorkGauge};
use soft_hardware::{ClockMode, DeviceKind};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// How to start a box; the overrides let the HIL rig and tests run a config in lock-step
/// on a private socket directory and a free web port.
#[derive(Debug, Clone)]
pub struct BoxOptions {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    pub clock: Option<ClockMode>,
    pub device_dir: Option<PathBuf>,
    pub web_listen: Option<String>,
    pub fault_injection: Option<bool>,
    /// Where synthesized prompts are cached; default `DATA_DIR/prompt-cache`. Tests share
    /// one so that each text is synthesized once per test run.
    pub prompt_cache_dir: Option<PathBuf>,
    /// The box's wall clock at its start (Unix ms), instead of the system clock: what IVR
    /// time conditions and CDR times count from (HIL scenarios' `box time:`).
    pub epoch_unix_ms: Option<u64>,
    /// An API token (32 characters or more) installed at start as the admin-role token
    /// `provisioning`: how an installer, the HIL runner or a test reaches the API of a
    /// box that has no user yet.
    pub provision_token: Option<String>,
}

impl BoxOptions {
    pub fn new(config_dir: PathBuf, data_dir: PathBuf) -> BoxOptions {
        BoxOptions {
            config_dir,
            data_dir,
            clock: None,
            device_dir: None,
            web_listen: None,
            fault_injection: None,
            prompt_cache_dir: None,
            epoch_unix_ms: None,
            provision_token: None,
        }
    }
}

pub struct RunningBox {
    system: actix::System,
    thread: Option<std::thread::JoinHandle<()>>,
    engine: Option<EngineHandle>,
    acd: Addr<AcdActor>,
    alerts: Addr<AlertActor>,
    stats: Addr<StatsActor>,
    switchboard: Addr<Switchboard>,
    events: events::EventsHandle,
    web_address: SocketAddr,
    web_scheme: &'static str,
    device_dir: PathBuf,
    data_dir: PathBuf,
    config_dir: PathBuf,
}

struct Started {
    system: actix::System,
    engine: EngineHandle,
    acd: Addr<AcdActor>,
    alerts: Addr<AlertActor>,
    stats: Addr<StatsActor>,
    switchboard: Addr<Switchboard>,
    events: events::EventsHandle,
    web_address: SocketAddr,
    web_scheme: &'static str,
}

pub fn start_box(options: BoxOptions) -> anyhow::Result<RunningBox> {
    let config = box_config::Config::load(&options.config_dir).map_err(|errors| {
        let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        anyhow!(
            "configuration {} has {} error(s):\n{}",
            options.config_dir.display(),
            list.len(),
            list.join("\n")
        )
    })?;
    // A restore staged a database for this start: it replaces the live one before any
    // connection opens.
    if let Some(database) = config_store::backup::install_staged_database(&options.data_dir)
        .context("cannot put the restored database in place")?
    {
        tracing::warn!(database = %database.display(), "the restored database replaced the live one");
    }
    let storage = storage::Storage::open(&options.data_dir)
        .with_context(|| format!("cannot open the database in {}", options.data_dir.display()))?;
    // The event archive writes call events on a thread and connection of its own.
    let archive_storage = storage::Storage::open(&options.data_dir)
        .with_context(|| format!("cannot open the database in {}", options.data_dir.display()))?;
    let archive =
        EventArchive::start(archive_storage).context("cannot start the event archive thread")?;
    // Alerts are written on the alert store's thread, with a connection of their own.
    let alert_storage = Mutex::new(Some(
        storage::Storage::open(&options.data_dir).with_context(|| {
            format!("cannot open the database in {}", options.data_dir.display())
        })?,
    ));
    // The recordings index is written on the recording store's thread; opening it closes
    // the recordings a stop cut off.
    let recording_storage = Mutex::new(Some(
        storage::Storage::open(&options.data_dir).with_context(|| {
            format!("cannot open the database in {}", options.data_dir.display())
        })?,
    ));
    // Statistics: the store writes batches on its own thread and connection; the actor
    // keeps one for a stop without `FlushStats`, and resumes from each agent's latest
    // stored span (an agent not ready at the last stop stays so).
    let open_stats_storage = || {
        storage::Storage::open(&options.data_dir)
            .with_context(|| format!("cannot open the database in {}", options.data_dir.display()))
    };
    let stats_shutdown_storage = open_stats_storage()?;
    let stored_spans: Vec<stats::AgentStateSpan> = stats_shutdown_storage
        .latest_agent_spans()
        .context("cannot read the agents' latest statistics")?
        .into_iter()
        .filter_map(call_control::stats_actor::span_of)
        .collect();
    let stats_storage = Mutex::new(Some(open_stats_storage()?));
    // What the web's views read of the running configuration; the applier replaces it.
    let running_settings = config_store::Live::new(web::RunningSettings::of(&config));
    let recordings_dir = config
        .recording
        .directory
        .clone()
        .unwrap_or_else(|| options.data_dir.join(RECORDINGS_DIR));
    let archive_feed = archive.feed();
    let prompt_cache_dir = options
        .prompt_cache_dir
        .clone()
        .unwrap_or_else(|| options.data_dir.join(PROMPT_CACHE_DIR));
    let prompts_store = load_prompts(&config, &prompt_cache_dir)?;
    let clock = options.clock.unwrap_or(match config.system.clock {
        box_config::Clock::Realtime => ClockMode::RealTime,
        box_config::Clock::Lockstep => ClockMode::LockStep,
    });
    let device_dir = options
        .device_dir
        .clone()
        .unwrap_or_else(|| config.system.device_dir.clone());
    let web_listen = options
        .web_listen
        .clone()
        .unwrap_or_else(|| config.system.web_listen.to_string());
    // The accounts (users, sessions, API tokens) are opened before anything starts, so a
    // broken database stops the box with the reason.
    let auth = Arc::new(
        web::auth::store::AuthStore::open(
            &options.data_dir,
            u64::from(config.system.web_session_idle_minutes) * 60_000,
        )
        .context("cannot open the web's accounts")?,
    );
    if let Some(token) = &options.provision_token {
        auth.install_token(
            "provisioning",
            token,
            web::auth::Role::Admin,
            "the box's start",
            web::auth::store::now_unix_ms(),
        )
        .context("cannot install the provisioning token")?;
    }
    let web_settings = web::WebSettings {
        listen: web_listen.clone(),
        tls_dir: (!config.system.web_plain_http).then(|| options.data_dir.join("tls")),
        box_name: config.system.name.clone(),
    };
    let fault_injection = options
        .fault_injection
        .unwrap_or(config.system.fault_injection);
    let epoch_unix_ms = options.epoch_unix_ms.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    });

    let devices = device_specs(&config);
    let (started_tx, started_rx) = std::sync::mpsc::channel::<anyhow::Result<Started>>();
    let data_dir = options.data_dir.clone();
    let thread_device_dir = device_dir.clone();
    let thread = std::thread::Builder::new()
        .name("control-plane".into())
        .spawn(move || {
            let system = actix::System::new();
            let outcome = system.block_on(async move {
                // First, so that everything started after it can be handed the bus.
                let events = events::EventBus::start_default();
                let router = EventRouter::default().start();
                let sink_router = router.clone();
                let engine = EngineHandle::start(
                    EngineSetup {
                        devices: &devices,
                        device_dir: &thread_device_dir,
                        clock,
                        plan: dsp::tone_plan::TonePlan::new(tone_plan_name(&config)),
                        prompts: prompts_store,
                        gauge: WorkGauge::new(),
                    },
                    Box::new(move |event, token| sink_router.do_send(RoutedEvent { event, token })),
                )
                .context("media engine did not start")?;
                let plan = crate::plan::switchboard_plan(
                    &config,
                    &engine,
                    fault_injection,
                    epoch_unix_ms,
                )?;
                let storage_slot = Mutex::new(Some(storage));
                let cdr_events = events.publisher();
                let cdr_writer = SyncArbiter::start(1, move || {
                    let storage = match storage_slot.lock().ok().and_then(|mut s| s.take()) {
                        Some(storage) => storage,
                        // Only one writer thread is ever started, so this cannot be reached twice.
                        None => unreachable!("the CDR writer is started once"),
                    };
                    CdrWriter::new(storage).with_events(cdr_events.clone())
                });
                events
                    .subscribe(archive_feed.start().recipient())
                    .await
                    .context("the event archive did not subscribe to the event bus")?;
                // The ACD core is checked by check-config; a config without queues gets an
                // empty one (agents and queues empty in the API).
                let acd_core = acd::Acd::new(config.acd.clone(), 0)
                    .map_err(|error| anyhow::anyhow!("ACD configuration: {error}"))?;
                let acd = AcdActor::new(acd_core)
                    .with_events(events.publisher())
                    .with_flows(plan.ivr.clone(), epoch_unix_ms as i64)
                    .with_phone_logins(
                        config.agent_pins.clone(),
                        config.acd.not_ready_reasons.clone(),
                    )
                    .with_devices(
                        plan.ports
                            .iter()
                            .filter_map(|port| {
                                let phone = call_control::agent_device::FxsPhone {
                                    extension: port.extension.clone()?,
                                    channel: port.channel.to_string(),
                                };
                                Some(Box::new(phone)
                                    as Box<dyn call_control::agent_device::AgentDevice>)
                            })
                            .collect(),
                    )
                    .start();
                events
                    .subscribe(acd.clone().recipient())
                    .await
                    .context("the ACD did not subscribe to the event bus")?;
                let alert_store = SyncArbiter::start(1, move || {
                    match alert_storage.lock().ok().and_then(|mut s| s.take()) {
                        Some(storage) => AlertStore::new(storage),
                        // Only one store thread is ever started.
                        None => unreachable!("the alert store is started once"),
                    }
                });
                let alerts = AlertActor::new(
                    alerts::AlertMonitor::new(config.alerts.clone()),
                    epoch_unix_ms,
                )
                .with_events(events.publisher())
                .with_store(alert_store.recipient())
                .start();
                events
                    .subscribe(alerts.clone().recipient())
                    .await
                    .context("the alert monitor did not subscribe to the event bus")?;
                let stats_store = SyncArbiter::start(1, move || {
                    match stats_storage.lock().ok().and_then(|mut s| s.take()) {
                        Some(storage) => StatsStore::new(storage),
                        // Only one store thread is ever started.
                        None => unreachable!("the statistics store is started once"),
                    }
                });
                let stats = StatsActor::new(&stored_spans, epoch_unix_ms)
                    .with_store(stats_store.recipient())
                    .with_shutdown_storage(stats_shutdown_storage)
                    .start();
                events
                    .subscribe(stats.clone().recipient())
                    .await
                    .context("the statistics did not subscribe to the event bus")?;
                let recording_store = SyncArbiter::start(1, move || {
                    match recording_storage.lock().ok().and_then(|mut s| s.take()) {
                        Some(storage) => RecordingStore::new(storage),
                        // Only one store thread is ever started.
                        None => unreachable!("the recording store is started once"),
                    }
                });
                let recording_settings = Arc::new(config.recording.clone());
                let recorder = RecorderActor::new(
                    Arc::clone(&recording_settings),
                    recordings_dir,
                    engine.tap_rings(),
                    engine.commands(),
                    recording_store,
                )
                .with_streams(engine.stream_rings())
                .with_events(events.publisher())
                .start();
                router.do_send(call_control::router::SetTapListener(
                    recorder.clone().recipient(),
                ));
                let switchboard = Switchboard::new(
                    plan.clone(),
                    engine.commands(),
                    router.clone(),
                    cdr_writer.recipient(),
                )
                .with_events(events.publisher())
                .with_clock_listener(acd.clone().recipient())
                .with_clock_listener(alerts.clone().recipient())
                .with_clock_listener(stats.clone().recipient())
                .with_acd(acd.clone().recipient())
                .with_recorder(
                    call_control::recorder_actor::RecorderLink::to(&recorder),
                    recording_settings,
                )
                .start();
                acd.do_send(call_control::acd_actor::SetCallbacks(
                    switchboard.clone().recipient(),
                ));
                router.do_send(SetSwitchboard(switchboard.clone().recipient()));
                router.do_send(call_control::router::SetPhoneLinks(
                    switchboard.clone().recipient(),
                ));
                // The box is up once the switchboard has started every line and the router
                // knows their routes (each answer comes after what was sent before it).
                switchboard
                    .send(GetStatus)
                    .await
                    .context("the switchboard did not start")?;
                router
                    .send(RouterReady)
                    .await
                    .context("the event router did not start")?;
                let stats_source = engine.stats_source();
                let device_views: Vec<DeviceView> = devices
                    .iter()
                    .map(|d| DeviceView {
                        id: d.id,
                        kind: d.kind.socket_prefix(),
                        socket: soft_hardware::socket_path(&thread_device_dir, d.kind, d.id)
                            .display()
                            .to_string(),
                    })
                    .collect();
                let acd_for_box = acd.clone();
                let alerts_for_box = alerts.clone();
                // Configuration applied live, versions, backup and restore (`/api/config`).
                let applier = crate::live_config::BoxApplier {
                    prompt_cache_dir: prompt_cache_dir.clone(),
                    prompts: engine.prompt_swapper(),
                    switchboard: switchboard.clone(),
                    acd: acd.clone(),
                    alerts: alerts.clone(),
                    recorder: recorder.clone(),
                    web: running_settings.clone(),
                    arbiter: actix::Arbiter::current(),
                };
                let config_keeper = config_store::ConfigKeeper::open(
                    &config.dir,
                    &data_dir,
                    config.clone(),
                    env!("CARGO_PKG_VERSION"),
                    Box::new(applier),
                    Box::new(|| {
                        SystemTime::now()
                            .duration_since(UNIX_EPOCH)
                            .map(|d| d.as_millis() as u64)
                            .unwrap_or(0)
                    }),
                )
                .context("cannot open the configuration versions")?;
                let state = WebState {
                    switchboard: switchboard.clone(),
                    config: Arc::new(config_keeper),
                    engine_stats: Arc::new(move || stats_source.snapshot()),
                    devices: Arc::new(move || device_views.clone()),
                    data_dir: data_dir.clone(),
                    storage: Arc::new(Mutex::new(None)),
                    events: events.clone(),
                    acd,
                    alerts,
                    recorder,
                    epoch_unix_ms,
                    running: running_settings,
                };
                let served = web::serve(state, auth, &web_settings)?;
                let (server, web_address, web_scheme) =
                    (served.server, served.address, served.scheme);
                actix::spawn(async move {
                    if let Err(error) = server.await {
                        tracing::error!(%error, "web server stopped");
                    }
                });
                anyhow::Ok(Started {
                    system: actix::System::current(),
                    engine,
                    acd: acd_for_box,
                    alerts: alerts_for_box,
                    stats,
                    switchboard,
                    events,
                    web_address,
                    web_scheme,
                })
            });
            let failed = outcome.is_err();
            let _ = started_tx.send(outcome);
            if !failed {
                let _ = system.run();
            }
            // The control plane has stopped: the archive writes what it was sent, then ends.
            archive.finish();
        })
        .context("cannot start the control-plane thread")?;
    let started = started_rx
        .recv()
        .map_err(|_| anyhow!("the control plane died while starting"))??;
    tracing::info!(web = %started.web_address, devices = %device_dir.display(), ?clock, "box running");
    Ok(RunningBox {
        system: started.system,
        thread: Some(thread),
        engine: Some(started.engine),
        acd: started.acd,
        alerts: started.alerts,
        stats: started.stats,
        switchboard: started.switchboard,
        events: started.events,
        web_address: started.web_address,
        web_scheme: started.web_scheme,
        device_dir,
        data_dir: options.data_dir,
        config_dir: options.config_dir,
    })
}

fn tone_plan_name(config: &box_config::Config) -> dsp::tone_plan::TonePlanName {
    match config.system.tone_plan {
        box_config::TonePlan::Cn => dsp::tone_plan::TonePlanName::China,
        box_config::TonePlan::Etsi => dsp::tone_plan::TonePlanName::Etsi,
        box_config::TonePlan::Na => dsp::tone_plan::TonePlanName::NorthAmerica,
    }
}

fn device_specs(config: &box_config::Config) -> Vec<DeviceSpec> {
    let spans = config.spans.iter().map(|span| DeviceSpec {
        id: span.id,
        kind: DeviceKind::E1,
    });
    let ports = config.ports.iter().map(|port| DeviceSpec {
        id: port.id,
        kind: match port.kind {
            box_config::PortKind::Fxo(_) => DeviceKind::Fxo,
            box_config::PortKind::Fxs(_) => DeviceKind::Fxs,
        },
    });
    spans.chain(ports).collect()
}

/// The prompt cache's folder in the data directory, unless `BoxOptions` names another.
pub const PROMPT_CACHE_DIR: &str = "prompt-cache";
/// Where recordings go in the data directory, unless `recording.toml` says otherwise.
pub const RECORDINGS_DIR: &str = "recordings";

/// Every prompt the configuration can play, decoded (and texts synthesized) now: a prompt
/// that cannot be loaded stops the box from starting, rather than playing silence later.
fn load_prompts(config: &box_config::Config, cache_dir: &Path) -> anyhow::Result<PromptStore> {
    prompt_library::build_store(config, cache_dir).with_context(|| {
        format!(
            "cannot load the prompts of configuration {}",
            config.dir.display()
        )
    })
}

/// Blocks SIGINT and SIGTERM in this thread and every thread it starts from now on, so
/// that they can be waited for in one place and the box stops cleanly. Call it first.
pub fn block_stop_signals() -> anyhow::Result<nix::sys::signal::SigSet> {
    use nix::sys::signal::{SigSet, Signal};
    let mut signals = SigSet::empty();
    signals.add(Signal::SIGINT);
    signals.add(Signal::SIGTERM);
    signals
        .thread_block()
        .context("cannot block SIGINT/SIGTERM")?;
    Ok(signals)
}

impl RunningBox {
    pub fn web_address(&self) -> SocketAddr {
        self.web_address
    }

    /// The web port's base URL (`https://127.0.0.1:8443`).
    pub fn web_url(&self) -> String {
        format!("{}://{}", self.web_scheme, self.web_address)
    }

    pub fn device_dir(&self) -> &Path {
        &self.device_dir
    }

    pub fn config_dir(&self) -> &Path {
        &self.config_dir
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn switchboard(&self) -> Addr<Switchboard> {
        self.switchboard.clone()
    }

    /// The event bus: publish with `events().publish(event, at_ms)` from any thread.
    pub fn events(&self) -> events::EventsHandle {
        self.events.clone()
    }

    /// An agent's request to the ACD (log in, ready, not ready, log out), asked from
    /// outside the actor system, as the API does.
    /// The ACD's queues and agents now.
    pub fn acd_snapshot(&self) -> anyhow::Result<acd::Snapshot> {
        let acd = self.acd.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        self.system.arbiter().spawn(async move {
            let _ = tx.send(acd.send(call_control::acd_actor::GetAcdSnapshot).await);
        });
        rx.recv_timeout(std::time::Duration::from_secs(5))
            .map_err(|_| anyhow!("the ACD did not answer within 5 s"))?
            .map_err(|error| anyhow!("the ACD actor is gone: {error}"))
    }

    /// The floor's alerts now (active first).
    pub fn alerts(&self) -> anyhow::Result<Vec<call_control::alert_actor::AlertView>> {
        let alerts = self.alerts.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        self.system.arbiter().spawn(async move {
            let _ = tx.send(alerts.send(call_control::alert_actor::GetAlerts).await);
        });
        rx.recv_timeout(std::time::Duration::from_secs(5))
            .map_err(|_| anyhow!("the alert monitor did not answer within 5 s"))?
            .map_err(|error| anyhow!("the alert monitor is gone: {error}"))
    }

    pub fn agent_request(
        &self,
        agent: &str,
        request: call_control::acd_actor::AgentRequest,
    ) -> anyhow::Result<()> {
        let acd = self.acd.clone();
        let command = call_control::acd_actor::AgentCommand {
            agent: acd::AgentId::new(agent),
            request,
        };
        let (tx, rx) = std::sync::mpsc::channel();
        self.system.arbiter().spawn(async move {
            let _ = tx.send(acd.send(command).await);
        });
        rx.recv_timeout(std::time::Duration::from_secs(5))
            .map_err(|_| anyhow!("the ACD did not answer within 5 s"))?
            .map_err(|e| anyhow!("the ACD is unreachable: {e}"))?
            .map_err(|e| anyhow!("agent {agent}: {e}"))
    }

    /// The control plane's status, asked from outside the actor system.
    pub fn status(&self) -> anyhow::Result<call_control::status::BoxStatus> {
        let switchboard = self.switchboard.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        self.system.arbiter().spawn(async move {
            let _ = tx.send(switchboard.send(GetStatus).await);
        });
        rx.recv_timeout(std::time::Duration::from_secs(5))
            .map_err(|_| anyhow!("switchboard did not answer within 5 s"))?
            .map_err(|e| anyhow!("switchboard unreachable: {e}"))
    }

    pub fn engine_stats(&self) -> Option<media_engine::EngineStatsSnapshot> {
        self.engine.as_ref().map(|engine| engine.stats())
    }

    /// Blocks until one of `signals` (see [`block_stop_signals`]) arrives, then stops the box.
    pub fn wait_for(mut self, signals: &nix::sys::signal::SigSet) -> anyhow::Result<()> {
        let signal = signals.wait().context("waiting for a signal failed")?;
        tracing::info!(?signal, "stopping");
        self.stop();
        Ok(())
    }

    pub fn stop(&mut self) {
        let mut engine_ms = 0;
        if let Some(mut engine) = self.engine.take() {
            engine_ms = engine.stats().engine_time_ms;
            engine.stop();
        }
        if self.thread.is_some() {
            self.flush_stats(engine_ms);
        }
        self.system.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl RunningBox {
    /// Closes the open statistics (agents' spans, calls still waiting) at `engine_ms` and
    /// waits until they are written: after the system stops, the store's thread is gone.
    fn flush_stats(&self, engine_ms: u64) {
        let stats = self.stats.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        self.system.arbiter().spawn(async move {
            let _ = tx.send(stats.send(FlushStats { engine_ms }).await);
        });
        match rx.recv_timeout(std::time::Duration::from_secs(5)) {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::error!(%error, "statistics not flushed at the stop"),
            Err(_) => tracing::error!("statistics not flushed within 5 s of the stop"),
        }
    }
}

impl Drop for RunningBox {
    fn drop(&mut self) {
        self.stop();
    }
}
