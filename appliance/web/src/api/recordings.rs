//! Recordings in the JSON API (supervisors replay calls; CRMs link to them):
//!
//! - `GET /api/recordings?from=&to=&agent=&queue=&number=&kind=&mailbox=&limit=`: the
//!   index, newest first (`from`/`to`: Unix ms or RFC 3339 / `YYYY-MM-DD`, UTC; `number`
//!   matches the caller or the called number; `limit` default 100, at most 1000). Empty
//!   recordings (a call without audio) and purged ones are never listed.
//! - `GET /api/recordings/{id}`: one row.
//! - `GET /api/recordings/{id}/audio`: the Ogg Opus file, with HTTP range requests (one
//!   range; 206 with `Content-Range`, 416 when it cannot be satisfied) so a browser
//!   seeks.
//! - `GET /api/recordings/{id}/wav`: the same audio as a 16-bit 8 kHz stereo WAV,
//!   converted on the fly (left: the caller; right: the box's side).
//! - `GET /api/recorder`: the recorder's figures (recording now, started, failed, refused
//!   for lack of disk, frames missing, suspended, frames encoded and the time spent
//!   encoding them).

use crate::endpoint::{Endpoint, FLOOR, STAFF};
use crate::state::{read_storage, WebState};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use std::io::{Read, Seek, SeekFrom};

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/recorder", STAFF, || web::get().to(figures)),
        Endpoint::get("/api/recordings", FLOOR, || web::get().to(list)),
        Endpoint::get("/api/recordings/{id}", FLOOR, || web::get().to(one)),
        Endpoint::get("/api/recordings/{id}/audio", FLOOR, || web::get().to(audio)),
        Endpoint::get("/api/recordings/{id}/wav", FLOOR, || web::get().to(wav)),
    ]
}

fn error(status: actix_web::http::StatusCode, message: impl std::fmt::Display) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({ "error": message.to_string() }))
}

async fn figures(state: web::Data<WebState>) -> HttpResponse {
    match state
        .recorder
        .send(call_control::recorder_actor::GetRecorderFigures)
        .await
    {
        Ok(figures) => HttpResponse::Ok().json(figures),
        Err(e) => error(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            format!("recorder not answering: {e}"),
        ),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    from: Option<String>,
    to: Option<String>,
    agent: Option<String>,
    queue: Option<String>,
    number: Option<String>,
    kind: Option<String>,
    mailbox: Option<String>,
    limit: Option<u32>,
}

async fn list(state: web::Data<WebState>, query: web::Query<ListQuery>) -> HttpResponse {
    let query = query.into_inner();
    let time = |field: &str, value: &Option<String>| -> Result<Option<u64>, HttpResponse> {
        value
            .as_deref()
            .map(parse_time)
            .transpose()
            .map_err(|reason| {
                error(
                    actix_web::http::StatusCode::BAD_REQUEST,
                    format!("{field}: {reason}"),
                )
            })
    };
    let from = match time("from", &query.from) {
        Ok(from) => from,
        Err(response) => return response,
    };
    let to = match time("to", &query.to) {
        Ok(to) => to,
        Err(response) => return response,
    };
    let filter = storage::RecordingFilter {
        from_unix_ms: from,
        to_unix_ms: to,
        agent: query.agent,
        queue: query.queue,
        number: query.number,
        kind: query.kind,
        mailbox: query.mailbox,
        limit: query.limit.unwrap_or(100).clamp(1, 1000),
    };
    match read_storage(state.into_inner(), move |s| Ok(s.list_recordings(&filter)?)).await {
        Ok(rows) => HttpResponse::Ok().json(serde_json::json!({ "recordings": rows })),
        Err(e) => error(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// The row of a listed recording (not empty, not purged), or the response saying why not.
async fn find(
    state: web::Data<WebState>,
    id: String,
) -> Result<storage::RecordingRow, HttpResponse> {
    let wanted = id.clone();
    match read_storage(state.into_inner(), move |s| Ok(s.recording(&wanted)?)).await {
        Ok(Some(row)) if row.status != "empty" && row.status != "purged" => Ok(row),
        Ok(Some(row)) => Err(error(
            actix_web::http::StatusCode::GONE,
            format!("recording {id} is {}", row.status),
        )),
        Ok(None) => Err(error(
            actix_web::http::StatusCode::NOT_FOUND,
            format!("no recording {id}"),
        )),
        Err(e) => Err(error(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR, e)),
    }
}

async fn one(state: web::Data<WebState>, id: web::Path<String>) -> HttpResponse {
    match find(state, id.into_inner()).await {
        Ok(row) => HttpResponse::Ok().json(row),
        Err(response) => response,
    }
}

/// A byte range asked for, resolved against the file's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Range {
    Whole,
    Part { start: u64, end: u64 },
    Unsatisfiable,
}

/// One `bytes=` range (`a-b`, `a-`, `-n`); several ranges or another unit: the whole file
/// (RFC 9110 lets a server ignore a Range it does not support).
fn parse_range(value: Option<&str>, length: u64) -> Range {
    let Some(spec) = value.and_then(|v| v.trim().strip_prefix("bytes=")) else {
        return Range::Whole;
    };
    if spec.contains(',') {
        return Range::Whole;
    }
    let Some((first, last)) = spec.split_once('-') else {
        return Range::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    let parsed = match (first.is_empty(), last.is_empty()) {
        (true, false) => last.parse::<u64>().ok().map(|suffix| {
            if suffix == 0 {
                None
            } else {
                Some((length.saturating_sub(suffix), length.saturating_sub(1)))
            }
        }),
        (false, _) => first.parse::<u64>().ok().and_then(|start| {
            let end = if last.is_empty() {
                Some(length.saturating_sub(1))
            } else {
                last.parse::<u64>()
                    .ok()
                    .map(|end| end.min(length.saturating_sub(1)))
            };
            end.map(|end| {
                if start > end {
                    None
                } else {
                    Some((start, end))
                }
            })
        }),
        (true, true) => None,
    };
    match parsed {
        None => Range::Whole,
        Some(None) => Range::Unsatisfiable,
        Some(Some(_)) if length == 0 => Range::Unsatisfiable,
        Some(Some((start, _))) if start >= length => Range::Unsatisfiable,
        Some(Some((start, end))) => Range::Part { start, end },
    }
}

async fn audio(
    state: web::Data<WebState>,
    id: web::Path<String>,
    request: HttpRequest,
) -> HttpResponse {
    let row = match find(state, id.into_inner()).await {
        Ok(row) => row,
        Err(response) => return response,
    };
    let range_header = request
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let path = row.path.clone();
    let read = web::block(move || -> std::io::Result<(u64, Range, Vec<u8>)> {
        let mut file = std::fs::File::open(&path)?;
        let length = file.metadata()?.len();
        let range = parse_range(range_header.as_deref(), length);
        let (start, count) = match range {
            Range::Whole => (0, length),
            Range::Part { start, end } => (start, end - start + 1),
            Range::Unsatisfiable => return Ok((length, range, Vec::new())),
        };
        file.seek(SeekFrom::Start(start))?;
        let mut bytes = Vec::with_capacity(count as usize);
        file.take(count).read_to_end(&mut bytes)?;
        Ok((length, range, bytes))
    })
    .await;
    let (length, range, bytes) = match read {
        Ok(Ok(read)) => read,
        Ok(Err(e)) => {
            return error(
                actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot read recording {}: {e}", row.uid),
            )
        }
        Err(e) => return error(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    match range {
        Range::Whole => HttpResponse::Ok()
            .content_type("audio/ogg")
            .insert_header((header::ACCEPT_RANGES, "bytes"))
            .body(bytes),
        Range::Part { start, end } => HttpResponse::PartialContent()
            .content_type("audio/ogg")
            .insert_header((header::ACCEPT_RANGES, "bytes"))
            .insert_header((
                header::CONTENT_RANGE,
                format!("bytes {start}-{end}/{length}"),
            ))
            .body(bytes),
        Range::Unsatisfiable => HttpResponse::RangeNotSatisfiable()
            .insert_header((header::CONTENT_RANGE, format!("bytes */{length}")))
            .finish(),
    }
}

async fn wav(state: web::Data<WebState>, id: web::Path<String>) -> HttpResponse {
    let row = match find(state, id.into_inner()).await {
        Ok(row) => row,
        Err(response) => return response,
    };
    let path = row.path.clone();
    let converted = web::block(move || -> anyhow::Result<Vec<u8>> {
        let decoded = recorder::decode(std::fs::File::open(&path)?)?;
        Ok(recorder::wav::wav_bytes(&decoded))
    })
    .await;
    match converted {
        Ok(Ok(bytes)) => HttpResponse::Ok()
            .content_type("audio/wav")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.wav\"", row.uid),
            ))
            .body(bytes),
        Ok(Err(e)) => error(
            actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot convert recording {}: {e}", row.uid),
        ),
        Err(e) => error(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// Unix ms, or an RFC 3339 UTC time (`2026-12-07T10:00:00Z`), or a date (`2026-12-07`,
/// midnight UTC).
pub fn parse_time(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<u64>().map_err(|e| e.to_string());
    }
    let bad = || format!("{text:?} is not Unix ms, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let mut parts = date.split('-').map(|p| p.parse::<u64>().ok());
    let (Some(Some(year)), Some(Some(month)), Some(Some(day)), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let (mut hour, mut minute, mut second) = (0, 0, 0);
    if let Some(time) = time {
        let time = time.strip_suffix('Z').ok_or_else(bad)?;
        let mut fields = time.split(':').map(|f| f.parse::<u64>().ok());
        hour = fields.next().flatten().ok_or_else(bad)?;
        minute = fields.next().flatten().ok_or_else(bad)?;
        second = fields.next().flatten().unwrap_or(0);
    }
    // The statistics' calendar: one civil-date conversion in the box.
    stats::utc_ms(year, month, day, hour, minute, second).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_resolve_as_rfc_9110_says() {
        assert_eq!(parse_range(None, 100), Range::Whole);
        assert_eq!(
            parse_range(Some("bytes=0-9"), 100),
            Range::Part { start: 0, end: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=90-"), 100),
            Range::Part { start: 90, end: 99 }
        );
        assert_eq!(
            parse_range(Some("bytes=-10"), 100),
            Range::Part { start: 90, end: 99 }
        );
        assert_eq!(
            parse_range(Some("bytes=50-500"), 100),
            Range::Part { start: 50, end: 99 }
        );
        assert_eq!(parse_range(Some("bytes=100-"), 100), Range::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=9-3"), 100), Range::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), Range::Whole);
        assert_eq!(parse_range(Some("items=0-1"), 100), Range::Whole);
        assert_eq!(parse_range(Some("bytes=abc"), 100), Range::Whole);
    }

    #[test]
    fn times_are_unix_ms_dates_or_rfc_3339() {
        assert_eq!(parse_time("1796637600000"), Ok(1_796_637_600_000));
        assert_eq!(parse_time("2026-12-07T10:00:00Z"), Ok(1_796_637_600_000));
        assert_eq!(parse_time("2026-12-07"), Ok(1_796_601_600_000));
        assert_eq!(parse_time("2000-02-29"), Ok(951_782_400_000));
        assert!(parse_time("2026-13-01").is_err());
        assert!(parse_time("yesterday").is_err());
        assert!(
            parse_time("2026-12-07T10:00:00").is_err(),
            "UTC only, said with Z"
        );
    }
}
