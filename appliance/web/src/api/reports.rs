//! Call-center reports from the stored statistics (the `stats` crate's records, written
//! by the stats actor):
//!
//! - `GET /api/reports/queues?from=&to=&interval=&queue=&format=`: one row per queue
//!   and interval: offered, answered (within the service level), abandoned (short
//!   ones apart, with their waits), overflowed, refused, unfinished, callbacks, talk,
//!   hold and wrap-up, transfers out, and the ratios `service_level_percent`,
//!   `average_speed_of_answer_ms`, `average_handle_time_ms`, `average_abandon_wait_ms`
//!   (`null` when there is nothing to divide by).
//! - `GET /api/reports/agents?from=&to=&interval=&agent=&format=`: one row per agent
//!   and interval: offers (answered or not), calls answered, talk, hold, wrap-up,
//!   transfers out, time per state and per not-ready reason, and `occupancy_percent`,
//!   `average_handle_time_ms`, `busy_ms`, `logged_in_ms`.
//!
//! `from` and `to`: Unix ms, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ` (UTC); rows whose
//! interval starts in `[from, to)`. Default `to`: now (the box's clock); default
//! `from`: the start of the interval a day (15m, 1h), a month (1d), 12 weeks (1w) or a
//! year (1mo) before `to`. `interval`: `15m`, `1h` (default), `1d`, `1w` (from Monday)
//! or `1mo`, in UTC. `format`: `json` (default) or `csv` (`text/csv`, as a file). A bad
//! or unknown parameter is a 400 with `{"error": …}` naming it.

use crate::endpoint::{Endpoint, FLOOR};
use crate::state::{read_storage, WebState};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use stats::{
    agent_csv, agent_intervals, between, format_utc, queue_csv, queue_intervals, rollup,
    AgentIntervalRow, Granularity, QueueIntervalRow,
};

const DAY_MS: u64 = 24 * 3_600_000;
/// The longest range a report reads (its records are read whole into memory).
const MAX_RANGE_MS: u64 = 400 * DAY_MS;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/reports/queues", FLOOR, || web::get().to(queues)),
        Endpoint::get("/api/reports/agents", FLOOR, || web::get().to(agents)),
    ]
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "error": message.to_string() }))
}

fn bad_request(message: impl std::fmt::Display) -> HttpResponse {
    error(StatusCode::BAD_REQUEST, message)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

/// A report's parameters, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    pub from_ms: u64,
    pub to_ms: u64,
    pub interval: Granularity,
    /// `queue=` for the queue report, `agent=` for the agent report.
    pub only: Option<String>,
    pub format: Format,
}

/// Parses `query` (the URL's query string); `filter` is the one filter parameter this
/// report takes. Errors name the parameter.
pub fn parse_query(query: &str, filter: &str, now_ms: u64) -> Result<ReportQuery, String> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(query)
        .map_err(|e| format!("query: {e}"))?
        .into_inner();
    let (mut from, mut to, mut interval, mut only, mut format) = (None, None, None, None, None);
    for (name, value) in pairs {
        let slot = match name.as_str() {
            "from" => &mut from,
            "to" => &mut to,
            "interval" => &mut interval,
            "format" => &mut format,
            name if name == filter => &mut only,
            _ => {
                return Err(format!(
                    "{name}: unknown parameter (expected from, to, interval, {filter}, format)"
                ))
            }
        };
        if slot.replace(value).is_some() {
            return Err(format!("{name}: given twice"));
        }
    }
    let interval = match interval.as_deref() {
        None => Granularity::Hour,
        Some(name) => name.parse().map_err(|e| format!("interval: {e}"))?,
    };
    let time = |name: &str, value: &str| {
        crate::api::recordings::parse_time(value).map_err(|reason| format!("{name}: {reason}"))
    };
    let to_ms = match to.as_deref() {
        Some(value) => time("to", value)?,
        None => now_ms,
    };
    let from_ms = match from.as_deref() {
        Some(value) => time("from", value)?,
        None => interval.start_of(to_ms.saturating_sub(default_lookback_ms(interval))),
    };
    if from_ms >= to_ms {
        return Err(format!("to: {to_ms} is not after from ({from_ms})"));
    }
    if to_ms - from_ms > MAX_RANGE_MS {
        return Err(format!(
            "from: the range is longer than {} days",
            MAX_RANGE_MS / DAY_MS
        ));
    }
    let format = match format.as_deref() {
        None | Some("json") => Format::Json,
        Some("csv") => Format::Csv,
        Some(other) => return Err(format!("format: {other:?} is not json or csv")),
    };
    if only.as_deref() == Some("") {
        return Err(format!("{filter}: empty"));
    }
    Ok(ReportQuery {
        from_ms,
        to_ms,
        interval,
        only,
        format,
    })
}

fn default_lookback_ms(interval: Granularity) -> u64 {
    match interval {
        Granularity::FifteenMinutes | Granularity::Hour => DAY_MS,
        Granularity::Day => 31 * DAY_MS,
        Granularity::Week => 12 * 7 * DAY_MS,
        Granularity::Month => 365 * DAY_MS,
    }
}

/// The end of the interval holding `unix_ms`.
pub fn interval_end(interval: Granularity, unix_ms: u64) -> u64 {
    let start = interval.start_of(unix_ms);
    match interval {
        Granularity::FifteenMinutes => start + Granularity::QUARTER_HOUR_MS,
        Granularity::Hour => start + 3_600_000,
        Granularity::Day => start + DAY_MS,
        Granularity::Week => start + 7 * DAY_MS,
        // Past the longest month: the next month's start.
        Granularity::Month => Granularity::Month.start_of(start + 32 * DAY_MS),
    }
}

/// The box's clock now: its epoch plus engine time.
pub fn box_now_ms(state: &WebState) -> u64 {
    state
        .epoch_unix_ms
        .saturating_add((state.engine_stats)().engine_time_ms)
}

/// The records every row of the report needs: those of the whole intervals the range
/// touches (rows starting before `from` are computed, then left out).
async fn read_records(
    state: web::Data<WebState>,
    query: &ReportQuery,
) -> Result<stats::RecordSet, HttpResponse> {
    let read_from = query.interval.start_of(query.from_ms);
    let read_to = interval_end(query.interval, query.to_ms - 1);
    read_storage(state.into_inner(), move |storage| {
        Ok(storage.stats_between(read_from, read_to)?)
    })
    .await
    .map(call_control::stats_actor::record_set)
    .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e))
}

async fn queues(state: web::Data<WebState>, request: HttpRequest) -> HttpResponse {
    let query = match parse_query(request.query_string(), "queue", box_now_ms(&state)) {
        Ok(query) => query,
        Err(message) => return bad_request(message),
    };
    let rows = match queue_rows(state, &query).await {
        Ok(rows) => rows,
        Err(response) => return response,
    };
    match query.format {
        Format::Csv => csv_file("queues", &query, queue_csv(&rows)),
        Format::Json => HttpResponse::Ok().json(json!({
            "from": query.from_ms,
            "to": query.to_ms,
            "interval": query.interval.name(),
            "queues": rows.iter().map(queue_json).collect::<Vec<_>>(),
        })),
    }
}

async fn agents(state: web::Data<WebState>, request: HttpRequest) -> HttpResponse {
    let query = match parse_query(request.query_string(), "agent", box_now_ms(&state)) {
        Ok(query) => query,
        Err(message) => return bad_request(message),
    };
    let rows = match agent_rows(state, &query).await {
        Ok(rows) => rows,
        Err(response) => return response,
    };
    match query.format {
        Format::Csv => csv_file("agents", &query, agent_csv(&rows)),
        Format::Json => HttpResponse::Ok().json(json!({
            "from": query.from_ms,
            "to": query.to_ms,
            "interval": query.interval.name(),
            "agents": rows.iter().map(agent_json).collect::<Vec<_>>(),
        })),
    }
}

/// The queue report's rows (the API and the reports page).
pub async fn queue_rows(
    state: web::Data<WebState>,
    query: &ReportQuery,
) -> Result<Vec<QueueIntervalRow>, HttpResponse> {
    // The thresholds of the configuration running now (applied live or started with).
    let settings = state.running.get();
    let mut records = read_records(state, query).await?;
    if let Some(queue) = &query.only {
        records.attempts.retain(|attempt| &attempt.queue == queue);
    }
    let rows = queue_intervals(&records.attempts, &settings.stats);
    rollup(&rows, query.interval)
        .map(|rows| between(&rows, query.from_ms, query.to_ms))
        .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e))
}

/// The agent report's rows (the API and the reports page).
pub async fn agent_rows(
    state: web::Data<WebState>,
    query: &ReportQuery,
) -> Result<Vec<AgentIntervalRow>, HttpResponse> {
    let records = read_records(state, query).await?;
    let mut rows = agent_intervals(&records);
    if let Some(agent) = &query.only {
        rows.retain(|row| &row.agent == agent);
    }
    rollup(&rows, query.interval)
        .map(|rows| between(&rows, query.from_ms, query.to_ms))
        .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e))
}

fn csv_file(report: &str, query: &ReportQuery, body: String) -> HttpResponse {
    // `2026-12-07T02:00:00Z` → `20261207T020000Z`: no characters a file name dislikes.
    let stamp = |ms: u64| format_utc(ms).replace([':', '-'], "");
    let filename = format!(
        "{report}-{}-{}-{}.csv",
        query.interval.name(),
        stamp(query.from_ms),
        stamp(query.to_ms)
    );
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body)
}

/// A row's sums with its ratios beside them (`null`: nothing to divide by).
fn queue_json(row: &QueueIntervalRow) -> Value {
    let mut value = serde_json::to_value(row).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut value {
        fields.insert("interval_start".into(), format_utc(row.start_ms).into());
        fields.insert("handle_ms".into(), row.handle_ms().into());
        fields.insert(
            "service_level_percent".into(),
            json!(row.service_level_percent()),
        );
        fields.insert(
            "average_speed_of_answer_ms".into(),
            json!(row.average_speed_of_answer_ms()),
        );
        fields.insert(
            "average_handle_time_ms".into(),
            json!(row.average_handle_time_ms()),
        );
        fields.insert(
            "average_abandon_wait_ms".into(),
            json!(row.average_abandon_wait_ms()),
        );
    }
    value
}

fn agent_json(row: &AgentIntervalRow) -> Value {
    let mut value = serde_json::to_value(row).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut value {
        fields.insert("interval_start".into(), format_utc(row.start_ms).into());
        fields.insert(
            "offers_not_answered".into(),
            row.offers_not_answered().into(),
        );
        fields.insert("handle_ms".into(), row.handle_ms().into());
        fields.insert("busy_ms".into(), row.busy_ms().into());
        fields.insert("logged_in_ms".into(), row.logged_in_ms().into());
        fields.insert("occupancy_percent".into(), json!(row.occupancy_percent()));
        fields.insert(
            "average_handle_time_ms".into(),
            json!(row.average_handle_time_ms()),
        );
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_796_608_800_000; // 2026-12-07T02:00:00Z

    #[test]
    fn parameters_parse_with_defaults() {
        let query = parse_query("", "queue", NOW).expect("defaults");
        assert_eq!(query.interval, Granularity::Hour);
        assert_eq!(query.format, Format::Json);
        assert_eq!((query.from_ms, query.to_ms), (NOW - DAY_MS, NOW));
        let query = parse_query(
            "from=2026-12-07&to=2026-12-07T03:00:00Z&interval=15m&queue=agents&format=csv",
            "queue",
            NOW,
        )
        .expect("all given");
        assert_eq!(query.from_ms, NOW - 2 * 3_600_000);
        assert_eq!(query.to_ms, NOW + 3_600_000);
        assert_eq!(query.interval, Granularity::FifteenMinutes);
        assert_eq!(query.only.as_deref(), Some("agents"));
        assert_eq!(query.format, Format::Csv);
    }

    #[test]
    fn a_bad_parameter_is_named() {
        for (query, named) in [
            ("interval=2h", "interval"),
            ("from=yesterday", "from"),
            ("to=2026-13-01", "to"),
            ("from=2000&to=1000", "to"),
            ("format=xml", "format"),
            ("agent=201", "agent"),
            ("queue=a&queue=b", "queue"),
            ("from=0&to=1796608800000", "from"),
        ] {
            let message = parse_query(query, "queue", NOW).expect_err(query);
            assert!(message.starts_with(named), "{query}: {message}");
        }
    }

    #[test]
    fn a_months_end_is_the_next_months_start() {
        let feb = stats::utc_ms(2027, 2, 10, 0, 0, 0).expect("date");
        let march = stats::utc_ms(2027, 3, 1, 0, 0, 0).expect("date");
        assert_eq!(interval_end(Granularity::Month, feb), march);
        assert_eq!(interval_end(Granularity::Hour, NOW + 5), NOW + 3_600_000);
    }
}
