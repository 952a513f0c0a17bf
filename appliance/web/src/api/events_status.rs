//! The status JSON, the CDR list, D-channel captures and the event bus over HTTP.

use super::query_params;
use crate::endpoint::{Endpoint, STAFF, TECHNICIANS};
use crate::state::{read_storage, DeviceView, WebState};
use actix_web::{web, HttpRequest, HttpResponse};
use call_control::switchboard::{CaptureSpan, GetStatus};
use events::{Envelope, EventsHandle, PageRequest};
use media_engine::{DeviceCounts, EngineStatsSnapshot};
use serde::Serialize;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

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
    let result = read_storage(state.into_inner(), move |storage| {
        Ok(storage.recent_cdrs(limit)?)
    })
    .await;
    match result {
        Ok(cdrs) => HttpResponse::Ok().json(cdrs),
        Err(error) => {
            HttpResponse::InternalServerError().body(format!("cannot read CDRs: {error:#}"))
        }
    }
}

/// One event of a call in `/api/calls/{id}/events`: its envelope with the event as JSON
/// (read back from the database or taken from the bus, the same either way).
#[derive(Debug, Serialize)]
struct CallEventJson {
    seq: u64,
    at_ms: u64,
    unix_ms: u64,
    event: serde_json::Value,
}

#[derive(Serialize)]
struct CallEventsJson {
    call: String,
    events: Vec<CallEventJson>,
}

/// The call's events the database holds, in seq order (off the web worker).
async fn stored_call_events(
    state: &Arc<WebState>,
    call: &str,
) -> anyhow::Result<Vec<CallEventJson>> {
    let call = call.to_owned();
    read_storage(state.clone(), move |storage| {
        storage
            .call_events(&call)?
            .into_iter()
            .map(|row| {
                let event = serde_json::from_str(&row.body_json).map_err(|error| {
                    anyhow::anyhow!(
                        "stored event {} of call {call} is not JSON: {error}",
                        row.seq
                    )
                })?;
                Ok(CallEventJson {
                    seq: row.seq,
                    at_ms: row.at_ms,
                    unix_ms: row.unix_ms,
                    event,
                })
            })
            .collect()
    })
    .await
}

/// The call's events still in the bus's history (the newest ones, perhaps not archived
/// yet), in seq order.
async fn bus_call_events(events: &EventsHandle, call: &str) -> anyhow::Result<Vec<CallEventJson>> {
    let mut found = Vec::new();
    let mut after = 0;
    loop {
        let page = events.after(PageRequest::largest(after)).await?;
        for envelope in &page.events {
            if envelope.event.call().is_some_and(|id| &**id == call) {
                found.push(CallEventJson {
                    seq: envelope.seq,
                    at_ms: envelope.at_ms,
                    unix_ms: envelope.unix_ms,
                    event: serde_json::to_value(&envelope.event)?,
                });
            }
        }
        if page.events.is_empty() || page.is_last() {
            return Ok(found);
        }
        after = page.next;
    }
}

/// `GET /api/calls/{id}/events`: every event of a call in seq order: what the event
/// archive stored, merged with what is still only on the bus (the archive writes in
/// batches, so the newest events may not be in the database yet). 404 if neither has any.
async fn call_events(state: web::Data<WebState>, call: web::Path<String>) -> HttpResponse {
    let call = call.into_inner();
    let state = state.into_inner();
    // The database first: an event archived after this read is still in the bus's history.
    let stored =
        match stored_call_events(&state, &call).await {
            Ok(stored) => stored,
            Err(error) => return HttpResponse::InternalServerError().json(
                serde_json::json!({"error": format!("cannot read the call's events: {error:#}")}),
            ),
        };
    let live = match bus_call_events(&state.events, &call).await {
        Ok(live) => live,
        Err(error) => {
            return HttpResponse::ServiceUnavailable().json(
                serde_json::json!({"error": format!("cannot read the event bus: {error:#}")}),
            )
        }
    };
    let mut by_seq = std::collections::BTreeMap::new();
    for event in stored.into_iter().chain(live) {
        by_seq.entry(event.seq).or_insert(event);
    }
    if by_seq.is_empty() {
        return HttpResponse::NotFound()
            .json(serde_json::json!({"error": format!("no events of call {call:?}")}));
    }
    HttpResponse::Ok().json(CallEventsJson {
        call,
        events: by_seq.into_values().collect(),
    })
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
    let made = {
        let dir = dir.clone();
        web::block(move || std::fs::create_dir_all(dir)).await
    };
    if let Err(error) = made
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()))
    {
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
        Ok(Ok(change)) => {
            // Answer once an ended capture's file is complete (so it can be read at once)
            // and a new one's file exists; both are waited for off the actor threads.
            if let Some(ended) = change.ended {
                let _ = web::block(move || ended.wait()).await;
            }
            let started = match change.started {
                Some(started) => web::block(move || started.wait())
                    .await
                    .unwrap_or_else(|e| {
                        Err(call_control::pcap_tap::CaptureError::Create {
                            path: shown.clone().unwrap_or_default(),
                            source: std::io::Error::other(e.to_string()),
                        })
                    }),
                None => Ok(()),
            };
            match started {
                Ok(()) => HttpResponse::Ok().json(CaptureJson { span, file: shown }),
                Err(error) => {
                    // Nothing is written: let the span drop the failed capture.
                    state.switchboard.do_send(CaptureSpan {
                        device: span,
                        path: None,
                    });
                    HttpResponse::InternalServerError().body(error.to_string())
                }
            }
        }
        Ok(Err(reason)) => HttpResponse::BadRequest().body(reason),
        Err(error) => {
            HttpResponse::ServiceUnavailable().body(format!("switchboard not answering: {error}"))
        }
    }
}

/// An event `seq` a client sent (`after`, `Last-Event-ID`).
fn parse_seq(what: &str, text: &str) -> Result<u64, String> {
    text.trim().parse().map_err(|_| {
        format!("{what} must be an event seq (a whole number, 0 for the start), not {text:?}")
    })
}

/// `after` and `limit` of `/api/events`, checked.
fn page_request(query: &str) -> Result<PageRequest, String> {
    let params = query_params(query, &["after", "limit"])?;
    let after = match params.get("after") {
        Some(text) => parse_seq("after", text)?,
        None => 0,
    };
    let limit = match params.get("limit") {
        Some(text) => text.trim().parse::<usize>().map_err(|_| {
            format!(
                "limit must be a whole number from 1 to {}, not {text:?}",
                events::log::MAX_PAGE
            )
        })?,
        None => events::log::DEFAULT_PAGE,
    };
    PageRequest::new(after, limit).map_err(|error| error.to_string())
}

/// `GET /api/events?after=N&limit=M`: the envelopes after seq N (oldest first), where to
/// ask next, and whether some the client asked for are no longer held (`missed`).
async fn events_page(state: web::Data<WebState>, request: HttpRequest) -> HttpResponse {
    let page_request = match page_request(request.query_string()) {
        Ok(page_request) => page_request,
        Err(message) => return HttpResponse::BadRequest().body(message),
    };
    match state.events.after(page_request).await {
        Ok(page) => HttpResponse::Ok().json(page),
        Err(error) => HttpResponse::ServiceUnavailable().body(error.to_string()),
    }
}

/// How often an idle event stream sends a comment, so proxies and clients see it alive
/// and a client that left is noticed.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// `GET /api/events/stream`: server-sent events, one per envelope (`id:` its seq,
/// `event:` its type, `data:` the envelope's JSON). With `Last-Event-ID` (what a browser
/// sends on reconnecting) or `?after=N` it first replays the history after that seq;
/// without, it starts with what is published next.
async fn events_stream(state: web::Data<WebState>, request: HttpRequest) -> HttpResponse {
    let params = match query_params(request.query_string(), &["after"]) {
        Ok(params) => params,
        Err(message) => return HttpResponse::BadRequest().body(message),
    };
    let resume_from = match request.headers().get("last-event-id") {
        Some(header) => match header.to_str() {
            Ok(text) => parse_seq("Last-Event-ID", text).map(Some),
            Err(_) => Err("Last-Event-ID must be an event seq, not binary".to_owned()),
        },
        None => params
            .get("after")
            .map(|text| parse_seq("after", text))
            .transpose(),
    };
    let resume_from = match resume_from {
        Ok(resume_from) => resume_from,
        Err(message) => return HttpResponse::BadRequest().body(message),
    };
    // Subscribed before the history is read, so nothing falls between the two.
    let live = state.events.live();
    let (cursor, catch_up) = match resume_from {
        Some(after) => (after, true),
        None => match state.events.last_seq().await {
            Ok(last_seq) => (last_seq, false),
            Err(error) => return HttpResponse::ServiceUnavailable().body(error.to_string()),
        },
    };
    let feed = EventFeed::new(state.events.clone(), live, cursor, catch_up, KEEP_ALIVE);
    let body = futures_util::stream::unfold(feed, |mut feed| async move {
        let chunk = feed.next_chunk().await?;
        Some((Ok::<_, std::convert::Infallible>(chunk), feed))
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .streaming(body)
}

/// One SSE client's position: it has (or was told it missed) everything up to `cursor`.
struct EventFeed {
    events: EventsHandle,
    live: tokio::sync::broadcast::Receiver<Arc<Envelope>>,
    cursor: u64,
    /// Read the history after `cursor` before following the live feed again.
    catch_up: bool,
    /// History read but not yet sent, all at or below `cursor`.
    pending: VecDeque<Arc<Envelope>>,
    notice: Option<web::Bytes>,
    keep_alive: tokio::time::Interval,
}

impl EventFeed {
    fn new(
        events: EventsHandle,
        live: tokio::sync::broadcast::Receiver<Arc<Envelope>>,
        cursor: u64,
        catch_up: bool,
        keep_alive: Duration,
    ) -> EventFeed {
        let mut keep_alive =
            tokio::time::interval_at(tokio::time::Instant::now() + keep_alive, keep_alive);
        keep_alive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        EventFeed {
            events,
            live,
            cursor,
            catch_up,
            pending: VecDeque::new(),
            // Sent at once: the client knows the stream is open and where it stands.
            notice: Some(web::Bytes::from(format!(": events after {cursor}\n\n"))),
            keep_alive,
        }
    }

    /// The next chunk of the stream; `None` ends it (the bus has stopped).
    async fn next_chunk(&mut self) -> Option<web::Bytes> {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            if let Some(notice) = self.notice.take() {
                return Some(notice);
            }
            if let Some(envelope) = self.pending.pop_front() {
                return Some(sse_event(&envelope));
            }
            if self.catch_up {
                let page = self
                    .events
                    .after(PageRequest::largest(self.cursor))
                    .await
                    .ok()?;
                if page.missed {
                    self.notice = Some(missed_notice(self.cursor, &page));
                }
                self.cursor = page.next;
                self.catch_up = !page.is_last();
                self.pending.extend(page.events);
                continue;
            }
            tokio::select! {
                received = self.live.recv() => match received {
                    Ok(envelope) if envelope.seq <= self.cursor => continue,
                    Ok(envelope) if envelope.seq == self.cursor + 1 => {
                        self.cursor = envelope.seq;
                        return Some(sse_event(&envelope));
                    }
                    // A gap, or this client fell behind the live buffer: the history has
                    // what it lacks, and the bus never waited for it.
                    Ok(_) | Err(RecvError::Lagged(_)) => self.catch_up = true,
                    Err(RecvError::Closed) => return None,
                },
                _ = self.keep_alive.tick() => return Some(web::Bytes::from_static(b": keep-alive\n\n")),
            }
        }
    }
}

fn sse_event(envelope: &Envelope) -> web::Bytes {
    match serde_json::to_string(envelope) {
        Ok(json) => web::Bytes::from(format!(
            "id: {}\nevent: {}\ndata: {json}\n\n",
            envelope.seq,
            envelope.event.kind()
        )),
        // Not reachable with the event types as they are; say so rather than skip silently.
        Err(error) => web::Bytes::from(format!(
            ": event {} could not be encoded: {error}\n\n",
            envelope.seq
        )),
    }
}

/// Tells a client that events after `after` up to the oldest held are lost to it (it
/// has no id, so the client's Last-Event-ID stays where it was).
fn missed_notice(after: u64, page: &events::Page) -> web::Bytes {
    let json = serde_json::json!({
        "after": after,
        "oldest_seq": page.oldest_seq,
        "last_seq": page.last_seq,
    });
    web::Bytes::from(format!("event: missed\ndata: {json}\n\n"))
}

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/status", STAFF, || web::get().to(status)),
        Endpoint::get("/api/cdrs", STAFF, || web::get().to(cdrs)),
        Endpoint::post("/api/spans/{span}/capture", TECHNICIANS, || {
            web::post().to(start_capture)
        }),
        Endpoint::delete("/api/spans/{span}/capture", TECHNICIANS, || {
            web::delete().to(stop_capture)
        }),
        Endpoint::get("/api/events", STAFF, || web::get().to(events_page)),
        Endpoint::get("/api/events/stream", STAFF, || web::get().to(events_stream)),
        Endpoint::get("/api/calls/{call}/events", STAFF, || {
            web::get().to(call_events)
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix::test]
    async fn an_idle_event_stream_sends_keep_alive_comments_between_events() {
        let events = events::EventBus::start_default();
        let live = events.live();
        let mut feed = EventFeed::new(events.clone(), live, 0, false, Duration::from_millis(30));
        assert_eq!(
            feed.next_chunk().await.expect("the feed goes on"),
            ": events after 0\n\n"
        );
        assert_eq!(
            feed.next_chunk().await.expect("the feed goes on"),
            ": keep-alive\n\n"
        );
        assert_eq!(
            feed.next_chunk().await.expect("the feed goes on"),
            ": keep-alive\n\n"
        );
        events.publish(
            events::Event::CdrWritten {
                call: "c1-1".into(),
                cdr_seq: 4,
            },
            60,
        );
        // A keep-alive may still come first on a loaded machine.
        let mut chunk = feed.next_chunk().await.expect("the feed goes on");
        while chunk == ": keep-alive\n\n" {
            chunk = feed.next_chunk().await.expect("the feed goes on");
        }
        let text = std::str::from_utf8(&chunk).expect("UTF-8");
        assert!(
            text.starts_with("id: 1\nevent: cdr_written\ndata: {\"seq\":1,\"at_ms\":60,"),
            "{text}"
        );
        assert!(text.ends_with("}\n\n"), "{text}");
    }
}
