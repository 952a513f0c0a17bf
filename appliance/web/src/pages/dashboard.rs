//! The technician's dashboard: every span, port and channel live (state, alarms,
//! D-channel, the call on it) and the system's figures (version, uptime, disk, CPU, the
//! media engine's lateness and frames dropped).

use super::live;
use super::{html_page, layout, Section};
use crate::auth::Identity;
use crate::endpoint::{Endpoint, TECHNICIANS};
use crate::i18n::Msg;
use crate::state::WebState;
use actix_web::{web, HttpResponse};
use call_control::switchboard::GetStatus;
use maud::{html, Markup};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/dashboard", TECHNICIANS, || web::get().to(page)),
        Endpoint::get("/live/dashboard", TECHNICIANS, || web::get().to(stream)),
    ]
}

fn text(value: impl serde::Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(serde_json::Value::Null) => String::new(),
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn duration(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 86_400 {
        format!(
            "{}d {:02}:{:02}:{:02}",
            s / 86_400,
            s / 3600 % 24,
            s / 60 % 60,
            s % 60
        )
    } else {
        format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    }
}

/// The data directory's disk: used share and free bytes.
fn disk(data_dir: &std::path::Path) -> Option<(f64, u64)> {
    let stat = nix::sys::statvfs::statvfs(data_dir).ok()?;
    let total = stat.blocks() as f64 * stat.fragment_size() as f64;
    let free = stat.blocks_available() as u64 * stat.fragment_size() as u64;
    (total > 0.0).then(|| (100.0 * (1.0 - free as f64 / total), free))
}

/// The box process's CPU use since it started, in % of one core.
fn cpu_percent(uptime_ms: u64) -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command (which may hold spaces) start after the last ')'.
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // /proc counts in USER_HZ, which Linux fixes at 100 for user space.
    let per_second = 100u64;
    (uptime_ms > 0).then(|| 100.0 * ticks as f64 / per_second as f64 / (uptime_ms as f64 / 1000.0))
}

pub async fn fragments(state: &WebState, identity: &Identity) -> Vec<(&'static str, Markup)> {
    let lang = identity.language;
    let Ok(status) = state.switchboard.send(GetStatus).await else {
        return vec![(
            "spans",
            html! { p.field-error { "switchboard not answering" } },
        )];
    };
    let engine = (state.engine_stats)();
    let devices = (state.devices)();
    let connected = |id: u16| engine.devices.iter().any(|d| d.id == id && d.connected);
    let spans = html! {
        table #spans {
            thead { tr {
                th { "#" } th { (lang.t(Msg::Spans)) } th { (lang.t(Msg::Status)) }
                th { (lang.t(Msg::Alarm)) } th { "D" } th { (lang.t(Msg::Channels)) }
            } }
            tbody {
                @for span in &status.spans {
                    tr data-span=(span.device) class=@if !span.alarms.is_empty() || span.out_of_service { "alarm" } {
                        td { (span.device) }
                        td { (span.name) }
                        td { @if span.connected { span.badge.ok { (lang.t(Msg::Connected)) } } @else { span.badge.bad { (lang.t(Msg::Unplugged)) } } }
                        td { @if span.alarms.is_empty() { (lang.t(Msg::NoAlarm)) } @else { span.badge.bad { (text(&span.alarms)) } } }
                        td { @match span.d_channel_up {
                            Some(true) => span.badge.ok { (lang.t(Msg::DChannelUp)) },
                            Some(false) => span.badge.bad { (lang.t(Msg::DChannelDown)) },
                            None => "—",
                        } }
                        td { (span.b_channels_busy) " / " (span.b_channels) }
                    }
                }
            }
        }
        table #ports {
            thead { tr {
                th { (lang.t(Msg::Channels)) } th { "" } th { (lang.t(Msg::Status)) } th { (lang.t(Msg::ActiveCall)) }
            } }
            tbody {
                @for port in &status.ports {
                    tr data-channel=(port.channel) {
                        td { (port.channel) " " (port.name) }
                        td { (text(&port.kind)) @if let Some(extension) = &port.extension { " " (extension) } }
                        td { (port.state) }
                        td { @if let Some(call) = &port.call { code { (call) } } @else { (lang.t(Msg::Idle)) } }
                    }
                }
                @for device in &devices {
                    @if !status.spans.iter().any(|s| s.device == device.id) && !status.ports.iter().any(|p| p.channel.starts_with(&format!("{}/", device.id))) {
                        tr { td { (device.id) } td { (device.kind) } td { @if connected(device.id) { (lang.t(Msg::Connected)) } @else { (lang.t(Msg::Unplugged)) } } td {} }
                    }
                }
            }
        }
    };
    let uptime_ms = engine.engine_time_ms;
    // File system calls, off the web worker.
    let data_dir = state.data_dir.clone();
    let (disk, cpu) = web::block(move || (disk(&data_dir), cpu_percent(uptime_ms)))
        .await
        .unwrap_or((None, None));
    let system = html! {
        dl #system.figures {
            dt { (lang.t(Msg::Version)) } dd { (env!("CARGO_PKG_VERSION")) }
            dt { (lang.t(Msg::Uptime)) } dd { (duration(uptime_ms)) }
            dt { (lang.t(Msg::Disk)) } dd { @match disk {
                Some((used, free)) => { (format!("{used:.0} %")) " · " (free / 1_048_576) " " (lang.t(Msg::MibFree)) },
                None => "—",
            } }
            dt { (lang.t(Msg::Cpu)) } dd { @match cpu { Some(cpu) => (format!("{cpu:.1} %")), None => "—" } }
            dt { (lang.t(Msg::Lateness)) } dd { (engine.tick_lateness.p99_us) " µs" }
            dt { (lang.t(Msg::FramesDropped)) } dd #frames-dropped { (engine.tap_frames_dropped + engine.frames_tx_dropped + engine.frames_overrun) }
            dt { (lang.t(Msg::LiveCalls)) } dd #calls-up { (status.calls.len()) }
        }
    };
    vec![("spans", spans), ("system", system)]
}

async fn page(state: web::Data<WebState>, identity: Identity) -> HttpResponse {
    let lang = identity.language;
    let parts = fragments(&state, &identity).await;
    html_page(layout(
        &identity,
        Section::Dashboard,
        lang.t(Msg::Dashboard),
        live::connect(
            "/live/dashboard",
            html! {
                @for (name, markup) in parts {
                    section.card id=(format!("live-{name}")) sse-swap=(name) { (markup) }
                }
            },
        ),
    ))
}

async fn stream(state: web::Data<WebState>, identity: Identity) -> HttpResponse {
    live::stream(render, state, identity)
}

/// The live stream's renderer of this page.
fn render(state: std::sync::Arc<WebState>, identity: Identity) -> live::Fragments {
    Box::pin(async move { fragments(&state, &identity).await })
}
