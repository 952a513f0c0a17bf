//! Reports: the queue or agent report of `/api/reports/*` for a date range and interval,
//! drawn as SVG line charts (volume, service level or occupancy, average handle time)
//! over every interval of the range, with the table of figures and CSV export links.

use super::charts::{line_chart, LineChart, Series};
use super::wallboard::clock;
use super::{html_page, layout, Section};
use crate::api::reports::{agent_rows, box_now_ms, interval_end, parse_query, queue_rows};
use crate::auth::Identity;
use crate::endpoint::{Endpoint, FLOOR};
use crate::i18n::{Lang, Msg};
use crate::state::WebState;
use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;
use stats::{format_utc, Granularity, IntervalRow};
use std::collections::BTreeMap;

pub fn endpoints() -> Vec<Endpoint> {
    vec![Endpoint::get("/reports", FLOOR, || web::get().to(page))]
}

const DAY_MS: u64 = 24 * 3_600_000;
/// A chart's x axis has every interval of the range up to this many; past it, only
/// the intervals with figures.
const MAX_CHART_POINTS: usize = 1_000;

#[derive(Debug, Default, Deserialize)]
struct ReportForm {
    /// `queues` (default) or `agents`.
    report: Option<String>,
    /// The queue or agent to report on alone.
    name: Option<String>,
    interval: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl ReportForm {
    fn per_agent(&self) -> bool {
        self.report.as_deref() == Some("agents")
    }

    /// The API's query string for this form: dates are whole UTC days, `to` included.
    fn api_query(&self) -> Result<String, String> {
        let given = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let mut pairs = Vec::new();
        if let Some(from) = given(&self.from) {
            pairs.push(format!("from={}", super::url_encode(&from)));
        }
        if let Some(to) = given(&self.to) {
            let start = crate::api::recordings::parse_time(&to).map_err(|e| format!("to: {e}"))?;
            pairs.push(format!("to={}", start + DAY_MS));
        }
        if let Some(interval) = given(&self.interval) {
            pairs.push(format!("interval={}", super::url_encode(&interval)));
        }
        if let Some(name) = given(&self.name) {
            let filter = if self.per_agent() { "agent" } else { "queue" };
            pairs.push(format!("{filter}={}", super::url_encode(&name)));
        }
        Ok(pairs.join("&"))
    }
}

/// Every interval start of `[from_ms, to_ms)`, or `None` when there are too many to draw.
fn interval_starts(interval: Granularity, from_ms: u64, to_ms: u64) -> Option<Vec<u64>> {
    let mut starts = Vec::new();
    let mut start = interval.start_of(from_ms);
    while start < to_ms {
        if start >= from_ms {
            starts.push(start);
        }
        if starts.len() > MAX_CHART_POINTS {
            return None;
        }
        start = interval_end(interval, start);
    }
    Some(starts)
}

/// An interval's label on the x axis: as much of its UTC start as the interval needs.
fn x_label(interval: Granularity, start_ms: u64) -> String {
    let stamp = format_utc(start_ms);
    match interval {
        Granularity::FifteenMinutes | Granularity::Hour => {
            stamp.get(5..16).unwrap_or(&stamp).replace('T', " ")
        }
        Granularity::Day | Granularity::Week => stamp.get(..10).unwrap_or(&stamp).to_owned(),
        Granularity::Month => stamp.get(..7).unwrap_or(&stamp).to_owned(),
    }
}

/// The rows of every key added up per interval (ratios stay exact: they are computed
/// from the sums), on the chart's x axis.
fn totals<R: IntervalRow>(
    rows: &[R],
    interval: Granularity,
    from_ms: u64,
    to_ms: u64,
) -> (Vec<u64>, Vec<Option<R>>) {
    let mut by_start: BTreeMap<u64, R> = BTreeMap::new();
    for row in rows {
        match by_start.get_mut(&row.start_ms()) {
            Some(total) => total.absorb(row),
            None => {
                by_start.insert(row.start_ms(), row.clone());
            }
        }
    }
    let starts = interval_starts(interval, from_ms, to_ms)
        .unwrap_or_else(|| by_start.keys().copied().collect());
    let totals = starts.iter().map(|s| by_start.get(s).cloned()).collect();
    (starts, totals)
}

/// A chart of one series, titled as the series is named.
fn one_series<R>(
    title: &str,
    x_labels: Vec<String>,
    totals: &[Option<R>],
    value: impl Fn(&R) -> Option<f64>,
    y_max: Option<f64>,
) -> LineChart {
    LineChart {
        title: title.into(),
        x_labels,
        series: vec![series(title, totals, value, None)],
        y_max,
    }
}

fn series<R>(
    name: &str,
    totals: &[Option<R>],
    value: impl Fn(&R) -> Option<f64>,
    empty: Option<f64>,
) -> Series {
    Series {
        name: name.to_owned(),
        values: totals
            .iter()
            .map(|total| total.as_ref().map_or(empty, &value))
            .collect(),
    }
}

/// A count is zero in an interval without figures; a ratio has nothing to show.
const ZERO: Option<f64> = Some(0.0);

fn queue_charts(lang: Lang, rows: &[stats::QueueIntervalRow], q: &ReportRange) -> Vec<LineChart> {
    let (starts, totals) = totals(rows, q.interval, q.from_ms, q.to_ms);
    let labels: Vec<String> = starts.iter().map(|s| x_label(q.interval, *s)).collect();
    vec![
        LineChart {
            title: lang.t(Msg::CallVolume).into(),
            x_labels: labels.clone(),
            series: vec![
                series(
                    lang.t(Msg::Offered),
                    &totals,
                    |r| Some(r.offered as f64),
                    ZERO,
                ),
                series(
                    lang.t(Msg::Answered),
                    &totals,
                    |r| Some(r.answered as f64),
                    ZERO,
                ),
                series(
                    lang.t(Msg::Abandoned),
                    &totals,
                    |r| Some(r.abandoned as f64),
                    ZERO,
                ),
            ],
            y_max: None,
        },
        one_series(
            lang.t(Msg::ServiceLevelPercent),
            labels.clone(),
            &totals,
            |r| r.service_level_percent(),
            Some(100.0),
        ),
        one_series(
            lang.t(Msg::AverageHandleSeconds),
            labels,
            &totals,
            |r| r.average_handle_time_ms().map(|ms| ms / 1000.0),
            None,
        ),
    ]
}

fn agent_charts(lang: Lang, rows: &[stats::AgentIntervalRow], q: &ReportRange) -> Vec<LineChart> {
    let (starts, totals) = totals(rows, q.interval, q.from_ms, q.to_ms);
    let labels: Vec<String> = starts.iter().map(|s| x_label(q.interval, *s)).collect();
    vec![
        LineChart {
            title: lang.t(Msg::CallVolume).into(),
            x_labels: labels.clone(),
            series: vec![
                series(
                    lang.t(Msg::Offers),
                    &totals,
                    |r| Some(r.offers as f64),
                    ZERO,
                ),
                series(
                    lang.t(Msg::Answered),
                    &totals,
                    |r| Some(r.answered as f64),
                    ZERO,
                ),
            ],
            y_max: None,
        },
        one_series(
            lang.t(Msg::OccupancyPercent),
            labels.clone(),
            &totals,
            |r| r.occupancy_percent(),
            Some(100.0),
        ),
        one_series(
            lang.t(Msg::AverageHandleSeconds),
            labels,
            &totals,
            |r| r.average_handle_time_ms().map(|ms| ms / 1000.0),
            None,
        ),
    ]
}

/// The range and interval a report covers (the API's checked query).
struct ReportRange {
    interval: Granularity,
    from_ms: u64,
    to_ms: u64,
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".into(), |v| format!("{v:.1} %"))
}

fn duration(value_ms: Option<f64>) -> String {
    value_ms.map_or_else(|| "—".into(), |ms| clock(ms.round() as u64))
}

fn queue_table(lang: Lang, rows: &[stats::QueueIntervalRow]) -> Markup {
    html! {
        table #report-figures.report {
            thead { tr {
                th { (lang.t(Msg::IntervalStart)) } th { (lang.t(Msg::Queue)) } th { (lang.t(Msg::Offered)) }
                th { (lang.t(Msg::Answered)) } th { (lang.t(Msg::Abandoned)) } th { (lang.t(Msg::ServiceLevelPercent)) }
                th { (lang.t(Msg::AverageHandleTime)) }
            } }
            tbody {
                @for row in rows {
                    tr data-queue=(row.queue) data-start=(row.start_ms) {
                        td { (format_utc(row.start_ms)) } td { (row.queue) } td.offered { (row.offered) }
                        td.answered { (row.answered) } td.abandoned { (row.abandoned) }
                        td { (percent(row.service_level_percent())) } td { (duration(row.average_handle_time_ms())) }
                    }
                }
            }
        }
    }
}

fn agent_table(lang: Lang, rows: &[stats::AgentIntervalRow]) -> Markup {
    html! {
        table #report-figures.report {
            thead { tr {
                th { (lang.t(Msg::IntervalStart)) } th { (lang.t(Msg::RoleAgent)) } th { (lang.t(Msg::Offers)) }
                th { (lang.t(Msg::Answered)) } th { (lang.t(Msg::OccupancyPercent)) } th { (lang.t(Msg::AverageHandleTime)) }
            } }
            tbody {
                @for row in rows {
                    tr data-agent=(row.agent) data-start=(row.start_ms) {
                        td { (format_utc(row.start_ms)) } td { (row.agent) } td.offers { (row.offers) }
                        td.answered { (row.answered) } td { (percent(row.occupancy_percent())) }
                        td { (duration(row.average_handle_time_ms())) }
                    }
                }
            }
        }
    }
}

/// The charts and table of the report, or why it could not be made.
async fn report(
    state: web::Data<WebState>,
    lang: Lang,
    form: &ReportForm,
) -> Result<(Markup, String), String> {
    let query_string = form.api_query()?;
    let filter = if form.per_agent() { "agent" } else { "queue" };
    let query = parse_query(&query_string, filter, box_now_ms(&state))?;
    let range = ReportRange {
        interval: query.interval,
        from_ms: query.from_ms,
        to_ms: query.to_ms,
    };
    let unreadable =
        |response: HttpResponse| lang.fill(Msg::ReportFailed, &[&response.status().to_string()]);
    let (charts, table) = if form.per_agent() {
        let rows = agent_rows(state, &query).await.map_err(unreadable)?;
        (agent_charts(lang, &rows, &range), agent_table(lang, &rows))
    } else {
        let rows = queue_rows(state, &query).await.map_err(unreadable)?;
        (queue_charts(lang, &rows, &range), queue_table(lang, &rows))
    };
    let markup = html! {
        p.range { (format_utc(range.from_ms)) " – " (format_utc(range.to_ms)) " · " (range.interval.name()) }
        div.charts {
            @for chart in &charts { figure.card { (line_chart(chart, lang.t(Msg::NoData))) } }
        }
        (table)
    };
    Ok((markup, query_string))
}

async fn page(
    state: web::Data<WebState>,
    identity: Identity,
    form: web::Query<ReportForm>,
) -> HttpResponse {
    let lang = identity.language;
    let form = form.into_inner();
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let chosen_interval = form.interval.clone().unwrap_or_else(|| "1h".into());
    let outcome = report(state, lang, &form).await;
    let api = if form.per_agent() { "agents" } else { "queues" };
    html_page(layout(
        &identity,
        Section::Reports,
        lang.t(Msg::Reports),
        html! {
            form #report-form.card method="get" action="/reports" {
                label { input type="radio" name="report" value="queues" checked[!form.per_agent()]; " " (lang.t(Msg::PerQueue)) }
                label { input type="radio" name="report" value="agents" checked[form.per_agent()]; " " (lang.t(Msg::PerAgent)) }
                label { (lang.t(Msg::Queue)) " / " (lang.t(Msg::RoleAgent)) " " input type="text" name="name" size="10" value=(value(&form.name)); }
                label { (lang.t(Msg::Interval)) " "
                    select name="interval" {
                        @for (code, msg) in [("15m", Msg::Interval15m), ("1h", Msg::Interval1h), ("1d", Msg::Interval1d), ("1w", Msg::Interval1w), ("1mo", Msg::Interval1mo)] {
                            option value=(code) selected[chosen_interval == code] { (lang.t(msg)) }
                        }
                    }
                }
                label { (lang.t(Msg::DateFrom)) " " input type="date" name="from" value=(value(&form.from)); }
                label { (lang.t(Msg::DateTo)) " " input type="date" name="to" value=(value(&form.to)); }
                button type="submit" { (lang.t(Msg::Show)) }
            }
            @match outcome {
                Err(message) => { p.field-error role="alert" { (message) } }
                Ok((markup, query)) => {
                    p.exports {
                        a #export-csv href=(format!("/api/reports/{api}?{query}{}format=csv", if query.is_empty() { "" } else { "&" })) download {
                            (lang.t(Msg::ExportCsv))
                        }
                    }
                    (markup)
                }
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 1_796_601_600_000; // 2026-12-07T00:00:00Z

    #[test]
    fn a_day_in_hours_has_24_points_and_too_many_have_none() {
        let starts = interval_starts(Granularity::Hour, DAY, DAY + DAY_MS).expect("24");
        assert_eq!(starts.len(), 24);
        assert_eq!((starts[0], starts[23]), (DAY, DAY + 23 * 3_600_000));
        assert!(interval_starts(Granularity::FifteenMinutes, DAY, DAY + 30 * DAY_MS).is_none());
        assert_eq!(
            x_label(Granularity::Hour, DAY + 2 * 3_600_000),
            "12-07 02:00"
        );
        assert_eq!(x_label(Granularity::Month, DAY), "2026-12");
    }

    #[test]
    fn the_form_becomes_the_apis_query_with_the_last_day_included() {
        let form = ReportForm {
            report: Some("agents".into()),
            name: Some("201".into()),
            interval: Some("15m".into()),
            from: Some("2026-12-07".into()),
            to: Some("2026-12-07".into()),
        };
        let query = form.api_query().expect("valid");
        assert_eq!(
            query,
            format!("from=2026-12-07&to={}&interval=15m&agent=201", DAY + DAY_MS)
        );
        let checked = parse_query(&query, "agent", DAY).expect("the API accepts it");
        assert_eq!((checked.from_ms, checked.to_ms), (DAY, DAY + DAY_MS));
        assert_eq!(ReportForm::default().api_query().as_deref(), Ok(""));
    }
}
