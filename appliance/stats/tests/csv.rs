//! The CSV of the queue and agent tables: exact text, names quoted.

mod common;

use std::collections::BTreeMap;

use common::{t, SECOND};
use stats::{
    agent_csv, agent_intervals, queue_csv, AgentIntervalRow, Granularity, QueueIntervalRow,
    RecordSet,
};

#[test]
fn a_queue_row_with_a_comma_and_quotes_in_its_name() {
    let row = QueueIntervalRow {
        queue: "Sales, \"East\"".into(),
        granularity: Granularity::FifteenMinutes,
        start_ms: t(10, 0, 0),
        offered: 3,
        answered: 2,
        answered_within_service_level: 1,
        abandoned: 1,
        abandoned_short: 0,
        abandon_wait_ms: 12 * SECOND,
        overflowed: 0,
        refused: 0,
        unfinished: 0,
        callbacks: 0,
        answer_wait_ms: 30 * SECOND,
        talk_ms: 200 * SECOND,
        hold_ms: 10 * SECOND,
        wrap_up_ms: 30 * SECOND,
        transfers_out: 1,
    };
    let csv = queue_csv(&[row]);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines,
        vec![
            "interval_start,interval,queue,offered,answered,answered_within_service_level,\
             service_level_percent,abandoned,abandoned_short,abandon_wait_s,\
             average_abandon_wait_s,overflowed,refused,unfinished,callbacks,\
             average_speed_of_answer_s,average_handle_time_s,talk_s,hold_s,wrap_up_s,\
             transfers_out",
            "2024-05-06T10:00:00Z,15m,\"Sales, \"\"East\"\"\",3,2,1,33.3,1,0,12.0,12.0,0,0,0,0,\
             15.0,120.0,200.0,10.0,30.0,1",
            "",
        ]
    );
}

#[test]
fn an_agent_row_has_a_column_per_state_and_per_not_ready_reason() {
    let row = AgentIntervalRow {
        agent: "O'Brien, Pat".into(),
        granularity: Granularity::Hour,
        start_ms: t(10, 0, 0),
        offers: 3,
        offers_answered: 2,
        answered: 2,
        talk_ms: 100 * SECOND,
        hold_ms: 0,
        wrap_up_ms: 20 * SECOND,
        transfers_out: 0,
        state_ms: BTreeMap::from([
            ("ready".to_owned(), 300 * SECOND),
            ("reserved".to_owned(), 10 * SECOND),
            ("on-call-inbound".to_owned(), 100 * SECOND),
            ("wrap-up".to_owned(), 20 * SECOND),
            ("not-ready".to_owned(), 120 * SECOND),
        ]),
        not_ready_ms: BTreeMap::from([("lunch, long".to_owned(), 120 * SECOND)]),
    };
    let csv = agent_csv(&[row]);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines,
        vec![
            "interval_start,interval,agent,offers,offers_answered,offers_not_answered,answered,\
             average_handle_time_s,talk_s,hold_s,wrap_up_s,transfers_out,occupancy_percent,\
             logged_in_s,busy_s,state_s:ready,state_s:reserved,state_s:on-call-inbound,\
             state_s:on-call-outbound,state_s:on-hold,state_s:wrap-up,state_s:not-ready,\
             \"not_ready_s:lunch, long\"",
            "2024-05-06T10:00:00Z,1h,\"O'Brien, Pat\",3,2,1,2,60.0,100.0,0.0,20.0,0,30.2,\
             550.0,130.0,300.0,10.0,100.0,0.0,0.0,20.0,120.0,120.0",
            "",
        ]
    );
}

#[test]
fn no_rows_is_a_header_alone_and_ratios_without_calls_are_empty() {
    let csv = agent_csv(&agent_intervals(&RecordSet::default()));
    assert_eq!(csv.matches("\r\n").count(), 1);
    let idle = QueueIntervalRow {
        queue: "night".into(),
        granularity: Granularity::Day,
        start_ms: t(0, 0, 0),
        offered: 0,
        answered: 0,
        answered_within_service_level: 0,
        abandoned: 0,
        abandoned_short: 0,
        abandon_wait_ms: 0,
        overflowed: 0,
        refused: 0,
        unfinished: 0,
        callbacks: 0,
        answer_wait_ms: 0,
        talk_ms: 0,
        hold_ms: 0,
        wrap_up_ms: 0,
        transfers_out: 0,
    };
    let csv = queue_csv(&[idle]);
    assert!(
        csv.ends_with(
            "\r\n2024-05-06T00:00:00Z,1d,night,0,0,0,,0,0,0.0,,0,0,0,0,,,0.0,0.0,0.0,0\r\n"
        ),
        "{csv}"
    );
}
