//! What the web handlers share: the box's actors and views they reach, and the web's
//! database connection. Its own module so the API modules and `web.rs`, which mounts
//! them, both depend on it and not on each other.

use actix::Addr;
use actix_web::web;
use call_control::switchboard::Switchboard;
use config_store::Live;
use events::EventsHandle;
use media_engine::EngineStatsSnapshot;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// What the web handlers can reach. All of it is Send: handlers run on the web worker.
#[derive(Clone)]
pub struct WebState {
    pub switchboard: Addr<Switchboard>,
    /// The configuration keeper: live apply, versions, backup and restore (`api/config.rs`).
    pub config: Arc<dyn config_store::ConfigService>,
    pub engine_stats: Arc<dyn Fn() -> EngineStatsSnapshot + Send + Sync>,
    pub devices: Arc<dyn Fn() -> Vec<DeviceView> + Send + Sync>,
    pub data_dir: PathBuf,
    pub storage: Arc<Mutex<Option<storage::Storage>>>,
    /// The event bus: `/api/events` pages through its history, the stream follows it live.
    pub events: EventsHandle,
    /// The ACD: `/api/queues`, `/api/agents` (see `acd_api.rs`).
    pub acd: Addr<call_control::acd_actor::AcdActor>,
    /// The floor's alerts: `/api/alerts` (see `alerts_api.rs`).
    pub alerts: Addr<call_control::alert_actor::AlertActor>,
    /// The recorder: its figures for `/metrics`.
    pub recorder: Addr<call_control::recorder_actor::RecorderActor>,
    /// The box's clock at engine time 0 (Unix ms): what the stored statistics count in.
    pub epoch_unix_ms: u64,
    /// What the views take from the running configuration, replaced by the box's applier
    /// whenever a configuration is applied live: read it once per request or rendering.
    pub running: Live<RunningSettings>,
}

/// The settings of the running configuration the web's views read (not the keeper's
/// files: those may hold changes that wait for a restart).
#[derive(Debug, Clone, PartialEq)]
pub struct RunningSettings {
    /// The reports' thresholds (each queue's service level): `api/reports.rs`.
    pub stats: stats::StatsConfig,
    /// The codes agents wrap calls up with (`queues.toml`'s `[dispositions]`): the wrap-up
    /// checks, `/api/dispositions` and the agent desktop (`api/desk.rs`, `pages/desk.rs`).
    pub dispositions: box_config::Dispositions,
}

impl RunningSettings {
    pub fn of(config: &box_config::Config) -> RunningSettings {
        RunningSettings {
            stats: call_control::stats_actor::stats_config(&config.acd),
            dispositions: config.dispositions.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DeviceView {
    pub id: u16,
    pub kind: &'static str,
    pub socket: String,
}

/// Runs `read` on the web's own database connection (opened at first use), off the web
/// worker.
pub async fn read_storage<T: Send + 'static>(
    state: Arc<WebState>,
    read: impl FnOnce(&storage::Storage) -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    web::block(move || -> anyhow::Result<T> {
        let mut guard = state
            .storage
            .lock()
            .map_err(|_| anyhow::anyhow!("storage lock poisoned"))?;
        if guard.is_none() {
            *guard = Some(storage::Storage::open(&state.data_dir)?);
        }
        match guard.as_ref() {
            Some(storage) => read(storage),
            None => Err(anyhow::anyhow!("no database")),
        }
    })
    .await?
}
