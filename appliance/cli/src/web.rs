//! The web port: for now the status JSON and the CDR list (the full UI is its own work).

use actix::Addr;
use actix_web::{web, App, HttpResponse, HttpServer};
use call_control::switchboard::{CaptureSpan, GetStatus, Switchboard};
use media_engine::{DeviceCounts, EngineStatsSnapshot};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// What the web handlers can reach. All of it is Send: handlers run on the web worker.
#[derive(Clone)]
pub struct WebState {
    pub switchboard: Addr<Switchboard>,
    pub engine_stats: Arc<dyn Fn() -> EngineStatsSnapshot + Send + Sync>,
    pub devices: Arc<dyn Fn() -> Vec<DeviceView> + Send + Sync>,
    pub data_dir: PathBuf,
    pub storage: Arc<Mutex<Option<storage::Storage>>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeviceView {
    pub id: u16,
    pub kind: &'static str,
    pub socket: String,
}

/// A device as configured, with what the engine counts for it.
#[derive(Serialize)]
struct DeviceJson {
    #[serde(flatten)]
    view: DeviceView,
    connected: bool,
    #[serde(flatten)]
    counters: DeviceCounts,
}

#[derive(Serialize)]
struct StatusJson {
    /// The engine's own clock: 20 ms per tick it has run.
    engine_time_ms: u64,
    /// Engine time of the newest event the control plane has handled, and how far that
    /// is behind (it hears of quiet ticks only through the once-a-second event).
    control_plane_time_ms: u64,
    control_plane_lag_ms: u64,
    /// The control plane's status less its `engine_time_ms` (shown above under its name).
    #[serde(flatten)]
    control: serde_json::Map<String, serde_json::Value>,
    devices: Vec<DeviceJson>,
    media_engine: EngineStatsSnapshot,
}

fn status_json(
    control: call_control::status::BoxStatus,
    views: Vec<DeviceView>,
    engine: EngineStatsSnapshot,
) -> Result<StatusJson, serde_json::Error> {
    let control_plane_time_ms = control.engine_time_ms;
    let mut control = match serde_json::to_value(control)? {
        serde_json::Value::Object(map) => map,
        other => {
            return Err(serde::ser::Error::custom(format_args!(
                "control-plane status is not an object: {other}"
            )))
        }
    };
    control.remove("engine_time_ms");
    let devices = views
        .into_iter()
        .map(|view| {
            let counted = engine.devices.iter().find(|d| d.id == view.id);
            DeviceJson {
                connected: counted.is_some_and(|d| d.connected),
                counters: counted.map(|d| d.counters).unwrap_or_default(),
                view,
            }
        })
        .collect();
    Ok(StatusJson {
        engine_time_ms: engine.engine_time_ms,
        control_plane_time_ms,
        control_plane_lag_ms: engine.engine_time_ms.saturating_sub(control_plane_time_ms),
        control,
        devices,
        media_engine: engine,
    })
}

async fn status(state: web::Data<WebState>) -> HttpResponse {
    let control = match state.switchboard.send(GetStatus).await {
        Ok(control) => control,
        Err(error) => {
            return HttpResponse::ServiceUnavailable()
                .body(format!("switchboard not answering: {error}"))
        }
    };
    match status_json(control, (state.devices)(), (state.engine_stats)()) {
        Ok(json) => HttpResponse::Ok().json(json),
        Err(error) => {
            HttpResponse::InternalServerError().body(format!("cannot build the status: {error}"))
        }
    }
}

#[derive(serde::Deserialize)]
struct CdrQuery {
    limit: Option<usize>,
}

async fn cdrs(state: web::Data<WebState>, query: web::Query<CdrQuery>) -> HttpResponse {
    let limit = query.limit.unwrap_or(50).min(1000);
    let state = state.into_inner();
    let result = web::block(move || -> anyhow::Result<Vec<storage::Cdr>> {
        let mut guard = state
            .storage
            .lock()
            .map_err(|_| anyhow::anyhow!("storage lock poisoned"))?;
        if guard.is_none() {
            *guard = Some(storage::Storage::open(&state.data_dir)?);
        }
        match guard.as_ref() {
            Some(storage) => Ok(storage.recent_cdrs(limit)?),
            None => Ok(Vec::new()),
        }
    })
    .await;
    match result {
        Ok(Ok(cdrs)) => HttpResponse::Ok().json(cdrs),
        Ok(Err(error)) => {
            HttpResponse::InternalServerError().body(format!("cannot read CDRs: {error:#}"))
        }
        Err(error) => {
            HttpResponse::InternalServerError().body(format!("cannot read CDRs: {error}"))
        }
    }
}

#[derive(Serialize)]
struct CaptureJson {
    span: u16,
    file: Option<String>,
}

/// Starts a pcap capture of a span's D-channel into `<data>/captures/`; a new request
/// starts a new file.
async fn start_capture(state: web::Data<WebState>, span: web::Path<u16>) -> HttpResponse {
    let span = span.into_inner();
    let dir = state.data_dir.join("captures");
    if let Err(error) = std::fs::create_dir_all(&dir) {
        return HttpResponse::InternalServerError()
            .body(format!("cannot create {}: {error}", dir.display()));
    }
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let file = dir.join(format!("span{span}-{stamp}.pcap"));
    capture_reply(&state, span, Some(file)).await
}

async fn stop_capture(state: web::Data<WebState>, span: web::Path<u16>) -> HttpResponse {
    capture_reply(&state, span.into_inner(), None).await
}

async fn capture_reply(state: &WebState, span: u16, file: Option<PathBuf>) -> HttpResponse {
    let shown = file.as_ref().map(|f| f.display().to_string());
    match state
        .switchboard
        .send(CaptureSpan {
            device: span,
            path: file,
        })
        .await
    {
        Ok(Ok(ended)) => {
            // Answer once an ended capture's file is complete, so it can be read at once.
            if let Some(ended) = ended {
                let _ = web::block(move || ended.wait()).await;
            }
            HttpResponse::Ok().json(CaptureJson { span, file: shown })
        }
        Ok(Err(reason)) => HttpResponse::BadRequest().body(reason),
        Err(error) => {
            HttpResponse::ServiceUnavailable().body(format!("switchboard not answering: {error}"))
        }
    }
}

async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("call-center appliance\n\nGET /api/status  box status (JSON)\nGET /api/cdrs?limit=N  recent call records (JSON)\n\
               POST /api/spans/ID/capture  start a pcap of span ID's D-channel (LAPD)\n\
               DELETE /api/spans/ID/capture  stop it\n")
}

/// Binds the web port and returns the server to spawn, and the address it got.
pub fn serve(
    state: WebState,
    listen: &str,
) -> anyhow::Result<(actix_web::dev::Server, std::net::SocketAddr)> {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(state.clone()))
            .route("/", web::get().to(index))
            .route("/api/status", web::get().to(status))
            .route("/api/cdrs", web::get().to(cdrs))
            .route("/api/spans/{span}/capture", web::post().to(start_capture))
            .route("/api/spans/{span}/capture", web::delete().to(stop_capture))
    })
    .workers(1)
    .disable_signals()
    .bind(listen)
    .map_err(|error| anyhow::anyhow!("cannot listen for the web UI on {listen}: {error}"))?;
    let address = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| anyhow::anyhow!("web server bound no address"))?;
    Ok((server.run(), address))
}
