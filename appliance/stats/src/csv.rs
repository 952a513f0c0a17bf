//! CSV of the interval tables (RFC 4180: a header line, CRLF line ends, a field with a
//! comma, quote or line break in double quotes with its quotes doubled). Times are
//! the interval's UTC start; durations in seconds with one decimal; ratios empty when
//! there is nothing to divide by.

use std::collections::BTreeSet;

use crate::calendar::format_utc;
use crate::report::{AgentIntervalRow, QueueIntervalRow, AGENT_STATES};

const QUEUE_HEADER: [&str; 21] = [
    "interval_start",
    "interval",
    "queue",
    "offered",
    "answered",
    "answered_within_service_level",
    "service_level_percent",
    "abandoned",
    "abandoned_short",
    "abandon_wait_s",
    "average_abandon_wait_s",
    "overflowed",
    "refused",
    "unfinished",
    "callbacks",
    "average_speed_of_answer_s",
    "average_handle_time_s",
    "talk_s",
    "hold_s",
    "wrap_up_s",
    "transfers_out",
];

/// The queue table.
pub fn queue_csv(rows: &[QueueIntervalRow]) -> String {
    let mut out = String::new();
    push_line(&mut out, QUEUE_HEADER.iter().map(|h| h.to_string()));
    for row in rows {
        push_line(
            &mut out,
            [
                format_utc(row.start_ms),
                row.granularity.name().to_owned(),
                row.queue.clone(),
                row.offered.to_string(),
                row.answered.to_string(),
                row.answered_within_service_level.to_string(),
                one_decimal(row.service_level_percent()),
                row.abandoned.to_string(),
                row.abandoned_short.to_string(),
                seconds(row.abandon_wait_ms),
                seconds_of(row.average_abandon_wait_ms()),
                row.overflowed.to_string(),
                row.refused.to_string(),
                row.unfinished.to_string(),
                row.callbacks.to_string(),
                seconds_of(row.average_speed_of_answer_ms()),
                seconds_of(row.average_handle_time_ms()),
                seconds(row.talk_ms),
                seconds(row.hold_ms),
                seconds(row.wrap_up_ms),
                row.transfers_out.to_string(),
            ],
        );
    }
    out
}

const AGENT_HEADER: [&str; 15] = [
    "interval_start",
    "interval",
    "agent",
    "offers",
    "offers_answered",
    "offers_not_answered",
    "answered",
    "average_handle_time_s",
    "talk_s",
    "hold_s",
    "wrap_up_s",
    "transfers_out",
    "occupancy_percent",
    "logged_in_s",
    "busy_s",
];

/// The agent table: the fixed columns, then one `state_s:STATE` column per agent state
/// (the known ones, then any other the rows have) and one `not_ready_s:REASON` column
/// per not-ready reason the rows have.
pub fn agent_csv(rows: &[AgentIntervalRow]) -> String {
    let mut states: Vec<String> = AGENT_STATES.iter().map(|s| s.to_string()).collect();
    let others: BTreeSet<&String> = rows
        .iter()
        .flat_map(|row| row.state_ms.keys())
        .filter(|state| !AGENT_STATES.contains(&state.as_str()))
        .collect();
    states.extend(others.into_iter().cloned());
    let reasons: BTreeSet<&String> = rows
        .iter()
        .flat_map(|row| row.not_ready_ms.keys())
        .collect();

    let mut out = String::new();
    let header = AGENT_HEADER
        .iter()
        .map(|h| h.to_string())
        .chain(states.iter().map(|state| format!("state_s:{state}")))
        .chain(reasons.iter().map(|reason| format!("not_ready_s:{reason}")));
    push_line(&mut out, header);
    for row in rows {
        let fixed = [
            format_utc(row.start_ms),
            row.granularity.name().to_owned(),
            row.agent.clone(),
            row.offers.to_string(),
            row.offers_answered.to_string(),
            row.offers_not_answered().to_string(),
            row.answered.to_string(),
            seconds_of(row.average_handle_time_ms()),
            seconds(row.talk_ms),
            seconds(row.hold_ms),
            seconds(row.wrap_up_ms),
            row.transfers_out.to_string(),
            one_decimal(row.occupancy_percent()),
            seconds(row.logged_in_ms()),
            seconds(row.busy_ms()),
        ];
        let per_state = states.iter().map(|state| seconds(row.time_in(state)));
        let per_reason = reasons
            .iter()
            .map(|reason| seconds(row.not_ready_ms.get(*reason).copied().unwrap_or(0)));
        push_line(
            &mut out,
            fixed.into_iter().chain(per_state).chain(per_reason),
        );
    }
    out
}

fn push_line(out: &mut String, fields: impl IntoIterator<Item = String>) {
    for (index, field) in fields.into_iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        push_field(out, &field);
    }
    out.push_str("\r\n");
}

/// A field as is, or quoted when it holds a comma, a quote or a line break.
fn push_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

/// Milliseconds as seconds with one decimal, rounded half up.
fn seconds(ms: u64) -> String {
    let tenths = ms.saturating_add(50) / 100;
    format!("{}.{}", tenths / 10, tenths % 10)
}

fn seconds_of(ms: Option<f64>) -> String {
    one_decimal(ms.map(|ms| ms / 1_000.0))
}

fn one_decimal(value: Option<f64>) -> String {
    value.map_or_else(String::new, |value| format!("{value:.1}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_quotes_or_line_breaks_are_quoted() {
        let mut out = String::new();
        push_line(
            &mut out,
            ["plain", "a,b", "say \"hi\"", "two\nlines", ""].map(str::to_owned),
        );
        assert_eq!(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
    }

    #[test]
    fn seconds_round_to_one_decimal() {
        assert_eq!(seconds(0), "0.0");
        assert_eq!(seconds(20_000), "20.0");
        assert_eq!(seconds(1_249), "1.2");
        assert_eq!(seconds(1_250), "1.3");
        assert_eq!(one_decimal(None), "");
    }
}
