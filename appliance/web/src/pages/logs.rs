//! The technician's log page (the box's recent log lines, filtered by level and text,
//! refreshed every two seconds) and D-channel captures (start and stop per PRI span, the
//! pcap files to download).

use super::{html_fragment, html_page, layout, Section};
use crate::auth::Identity;
use crate::endpoint::{Endpoint, TECHNICIANS};
use crate::i18n::{Lang, Msg};
use crate::log_ring::{self, Level};
use crate::state::WebState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use call_control::switchboard::GetStatus;
use maud::{html, Markup};
use serde::Deserialize;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/logs", TECHNICIANS, || web::get().to(logs_page)),
        Endpoint::get("/logs/lines", TECHNICIANS, || web::get().to(log_lines)),
        Endpoint::get("/captures", TECHNICIANS, || web::get().to(captures_page)),
        Endpoint::get("/captures/{file}", TECHNICIANS, || {
            web::get().to(capture_file)
        }),
    ]
}

/// Lines shown at most.
const SHOWN: usize = 500;

#[derive(Deserialize)]
struct LogQuery {
    level: Option<String>,
    text: Option<String>,
}

impl LogQuery {
    fn level(&self) -> Level {
        self.level
            .as_deref()
            .and_then(Level::parse)
            .unwrap_or(Level::Info)
    }
    fn text(&self) -> &str {
        self.text.as_deref().unwrap_or("")
    }
}

fn lines_table(lang: Lang, query: &LogQuery) -> Markup {
    let lines = log_ring::global().recent(query.level(), query.text(), SHOWN);
    html! {
        table #log-lines {
            thead { tr { th { (lang.t(Msg::When)) } th { "" } th { (lang.t(Msg::Target)) } th { (lang.t(Msg::Message)) } } }
            tbody {
                @for line in &lines {
                    tr class=(format!("log-{}", line.level.as_str())) {
                        td { (stats::format_utc(line.unix_ms)) }
                        td.level { (line.level.as_str()) }
                        td { code { (line.target) } }
                        td { (line.message) }
                    }
                }
            }
        }
    }
}

async fn logs_page(identity: Identity, query: web::Query<LogQuery>) -> HttpResponse {
    let lang = identity.language;
    let chosen = query.level();
    html_page(layout(
        &identity,
        Section::Logs,
        lang.t(Msg::Log),
        html! {
            form #log-filter.card hx-get="/logs/lines" hx-target="#log-lines" hx-swap="outerHTML" hx-trigger="change, submit" {
                label { (lang.t(Msg::LevelAtLeast))
                    select name="level" {
                        @for level in Level::ALL {
                            option value=(level.as_str()) selected[level == chosen] { (level.as_str()) }
                        }
                    }
                }
                label { (lang.t(Msg::Search)) input type="search" name="text" value=(query.text()); }
                button type="submit" { (lang.t(Msg::Search)) }
            }
            div hx-get="/logs/lines" hx-include="#log-filter" hx-target="#log-lines" hx-swap="outerHTML" hx-trigger="every 2s" {}
            (lines_table(lang, &query))
        },
    ))
}

async fn log_lines(identity: Identity, query: web::Query<LogQuery>) -> HttpResponse {
    html_fragment(StatusCode::OK, lines_table(identity.language, &query))
}

/// The capture files in `dir`: name and size, newest first.
fn capture_files(dir: &std::path::Path) -> Vec<(String, u64)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, u64, std::time::SystemTime)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let meta = entry.metadata().ok()?;
            (meta.is_file() && name.ends_with(".pcap")).then(|| {
                (
                    name,
                    meta.len(),
                    meta.modified().unwrap_or(std::time::UNIX_EPOCH),
                )
            })
        })
        .collect();
    files.sort_by(|a, b| b.2.cmp(&a.2));
    files
        .into_iter()
        .map(|(name, size, _)| (name, size))
        .collect()
}

async fn captures_page(state: web::Data<WebState>, identity: Identity) -> HttpResponse {
    let lang = identity.language;
    let spans = state
        .switchboard
        .send(GetStatus)
        .await
        .map(|status| status.spans)
        .unwrap_or_default();
    let dir = state.data_dir.join("captures");
    // A directory listing, off the web worker.
    let files = web::block(move || capture_files(&dir))
        .await
        .unwrap_or_default();
    html_page(layout(
        &identity,
        Section::Captures,
        lang.t(Msg::Captures),
        html! {
            section.card {
                table #capture-spans {
                    tbody {
                        @for span in spans.iter().filter(|s| s.d_channel_up.is_some()) {
                            tr data-span=(span.device) {
                                td { (span.device) " " (span.name) }
                                td { button hx-post=(format!("/api/spans/{}/capture", span.device)) hx-swap="none" hx-on--after-request="location.reload()" { (lang.t(Msg::StartCapture)) } }
                                td { button hx-delete=(format!("/api/spans/{}/capture", span.device)) hx-swap="none" hx-on--after-request="location.reload()" { (lang.t(Msg::StopCapture)) } }
                            }
                        }
                    }
                }
            }
            section.card {
                h2 { (lang.t(Msg::CaptureFiles)) }
                table #capture-files {
                    thead { tr { th { (lang.t(Msg::Name)) } th { (lang.t(Msg::Size)) } } }
                    tbody {
                        @for (name, size) in &files {
                            tr { td { a href=(format!("/captures/{}", super::url_encode(name))) download { (name) } } td { (size) } }
                        }
                    }
                }
            }
        },
    ))
}

/// A capture file by name: only plain `.pcap` names in the captures folder.
async fn capture_file(
    state: web::Data<WebState>,
    identity: Identity,
    file: web::Path<String>,
) -> HttpResponse {
    let lang = identity.language;
    let name = file.into_inner();
    let plain = !name.is_empty()
        && name.ends_with(".pcap")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.');
    if !plain {
        return HttpResponse::BadRequest().body(lang.t(Msg::NotCaptureName));
    }
    let path = state.data_dir.join("captures").join(&name);
    match web::block(move || std::fs::read(path)).await {
        Ok(Ok(bytes)) => HttpResponse::Ok()
            .content_type("application/vnd.tcpdump.pcap")
            .insert_header((
                "content-disposition",
                format!("attachment; filename=\"{name}\""),
            ))
            .body(bytes),
        Ok(Err(error)) if error.kind() == std::io::ErrorKind::NotFound => {
            HttpResponse::NotFound().body(lang.t(Msg::NoSuchCapture))
        }
        Ok(Err(error)) => HttpResponse::InternalServerError().body(super::failure_text(
            lang,
            Msg::CaptureUnreadable,
            error,
        )),
        Err(error) => HttpResponse::InternalServerError().body(super::failure_text(
            lang,
            Msg::CaptureUnreadable,
            error,
        )),
    }
}
