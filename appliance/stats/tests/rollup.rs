//! Roll-ups add 15-minute sums; ratios come from the sums.

mod common;

use std::collections::BTreeMap;

use common::{t, MINUTE, SECOND};
use stats::{
    between, rollup, utc_ms, AgentIntervalRow, Granularity, QueueIntervalRow, RollupError,
};

fn quarter(
    start: u64,
    answered: u64,
    within: u64,
    abandoned: u64,
    wait_s: u64,
) -> QueueIntervalRow {
    QueueIntervalRow {
        queue: "support".into(),
        granularity: Granularity::FifteenMinutes,
        start_ms: start,
        offered: answered + abandoned,
        answered,
        answered_within_service_level: within,
        abandoned,
        abandoned_short: 0,
        abandon_wait_ms: abandoned * 30 * SECOND,
        overflowed: 0,
        refused: 0,
        unfinished: 0,
        callbacks: 0,
        answer_wait_ms: wait_s * SECOND,
        talk_ms: answered * 100 * SECOND,
        hold_ms: 0,
        wrap_up_ms: answered * 20 * SECOND,
        transfers_out: 0,
    }
}

#[test]
fn four_quarters_make_an_hour_with_the_service_level_from_the_sums() {
    let rows = [
        quarter(t(10, 0, 0), 10, 10, 0, 100), // 100 %
        quarter(t(10, 15, 0), 10, 5, 0, 300), // 50 %
        quarter(t(10, 30, 0), 0, 0, 10, 0),   // 0 %
        quarter(t(10, 45, 0), 2, 2, 0, 40),   // 100 %
    ];
    let hour = rollup(&rows, Granularity::Hour).expect("quarters fit in hours");
    assert_eq!(hour.len(), 1);
    let hour = &hour[0];
    assert_eq!(
        (hour.granularity, hour.start_ms),
        (Granularity::Hour, t(10, 0, 0))
    );
    assert_eq!((hour.offered, hour.answered, hour.abandoned), (32, 22, 10));
    assert_eq!(hour.answered_within_service_level, 17);
    // 17 of 32, not the average of the quarters' 100, 50, 0 and 100 (62.5).
    assert_eq!(hour.service_level_percent(), Some(53.125));
    assert_eq!(hour.average_speed_of_answer_ms(), Some(20_000.0));
    assert_eq!(hour.average_handle_time_ms(), Some(120_000.0));
    assert_eq!(hour.average_abandon_wait_ms(), Some(30_000.0));
}

#[test]
fn weeks_start_on_monday_and_months_on_the_first_in_utc() {
    let sunday_night = utc_ms(2024, 5, 5, 23, 45, 0).expect("date");
    let monday = utc_ms(2024, 5, 6, 0, 0, 0).expect("date");
    let april_end = utc_ms(2024, 4, 30, 23, 45, 0).expect("date");
    let rows = [
        quarter(april_end, 1, 1, 0, 1),
        quarter(sunday_night, 2, 2, 0, 2),
        quarter(monday, 4, 4, 0, 4),
    ];
    let weeks = rollup(&rows, Granularity::Week).expect("quarters fit in weeks");
    let starts: Vec<(u64, u64)> = weeks.iter().map(|w| (w.start_ms, w.answered)).collect();
    assert_eq!(
        starts,
        vec![
            (utc_ms(2024, 4, 29, 0, 0, 0).expect("date"), 3),
            (monday, 4)
        ]
    );
    let months = rollup(&rows, Granularity::Month).expect("quarters fit in months");
    let starts: Vec<(u64, u64)> = months.iter().map(|m| (m.start_ms, m.answered)).collect();
    assert_eq!(
        starts,
        vec![
            (utc_ms(2024, 4, 1, 0, 0, 0).expect("date"), 1),
            (utc_ms(2024, 5, 1, 0, 0, 0).expect("date"), 6)
        ]
    );
    // Days roll up into months the same as quarters do.
    let days = rollup(&rows, Granularity::Day).expect("quarters fit in days");
    assert_eq!(rollup(&days, Granularity::Month), Ok(months));
    // Weeks straddle months: refused rather than wrong.
    assert_eq!(
        rollup(&weeks, Granularity::Month),
        Err(RollupError::DoesNotNest {
            from: Granularity::Week,
            to: Granularity::Month
        })
    );
}

#[test]
fn agent_rows_add_state_times_and_occupancy_comes_from_the_sums() {
    let row = |start: u64, busy_min: u64, ready_min: u64, lunch_min: u64| AgentIntervalRow {
        agent: "201".into(),
        granularity: Granularity::FifteenMinutes,
        start_ms: start,
        offers: 1,
        offers_answered: 1,
        answered: 1,
        talk_ms: 60 * SECOND,
        hold_ms: 0,
        wrap_up_ms: 0,
        transfers_out: 0,
        state_ms: BTreeMap::from([
            ("on-call-inbound".to_owned(), busy_min * MINUTE),
            ("ready".to_owned(), ready_min * MINUTE),
            ("not-ready".to_owned(), lunch_min * MINUTE),
        ]),
        not_ready_ms: BTreeMap::from([("lunch".to_owned(), lunch_min * MINUTE)]),
    };
    let rows = [row(t(10, 0, 0), 10, 5, 0), row(t(10, 15, 0), 0, 5, 10)];
    assert_eq!(rows[0].occupancy_percent(), Some(10.0 * 100.0 / 15.0));
    assert_eq!(rows[1].occupancy_percent(), Some(0.0));
    let hour = rollup(&rows, Granularity::Hour).expect("quarters fit in hours");
    let hour = &hour[0];
    assert_eq!(hour.time_in("ready"), 10 * MINUTE);
    assert_eq!(hour.not_ready_ms.get("lunch"), Some(&(10 * MINUTE)));
    assert_eq!(hour.logged_in_ms(), 30 * MINUTE);
    // 10 busy of 20 available, not the average of 66.7 % and 0 %.
    assert_eq!(hour.occupancy_percent(), Some(50.0));
    assert_eq!(hour.average_handle_time_ms(), Some(60_000.0));
}

#[test]
fn between_keeps_the_rows_starting_in_the_range() {
    let rows = [
        quarter(t(9, 45, 0), 1, 1, 0, 1),
        quarter(t(10, 0, 0), 1, 1, 0, 1),
        quarter(t(10, 45, 0), 1, 1, 0, 1),
        quarter(t(11, 0, 0), 1, 1, 0, 1),
    ];
    let kept: Vec<u64> = between(&rows, t(10, 0, 0), t(11, 0, 0))
        .iter()
        .map(|row| row.start_ms)
        .collect();
    assert_eq!(kept, vec![t(10, 0, 0), t(10, 45, 0)]);
}
