//! An agent's own figures for today, sans-IO: the stored statistics' 15-minute rows of
//! the day, plus the state the agent is in now (its span is stored only once it ends).

use serde::Serialize;
use stats::AgentIntervalRow;
use std::collections::BTreeMap;

const DAY_MS: u64 = 24 * 3_600_000;
const QUARTER_MS: i64 = 15 * 60_000;
/// Offsets from UTC a day may start at: whole quarter hours from -12:00 to +14:00.
const OFFSETS_MIN: std::ops::RangeInclusive<i64> = -720..=840;

/// Where the agent is now, from the ACD's live view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenState {
    /// The statistics' state name (`ready`, `on-call-inbound`, `wrap-up`, `not-ready`…);
    /// `logged-out` counts nowhere.
    pub state: String,
    pub not_ready_reason: Option<String>,
    pub since_unix_ms: u64,
}

/// Today's figures, as `GET /api/agents/{agent}/today` shows them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TodayFigures {
    pub agent: String,
    pub day_start_unix_ms: u64,
    pub now_unix_ms: u64,
    /// Calls answered and finished today (a call still going on counts once it ends).
    pub calls_answered: u64,
    /// Times the agent was rung, and of those answered.
    pub offers: u64,
    pub offers_answered: u64,
    /// Of the finished calls: talk, hold, after-call work and their sum.
    pub talk_ms: u64,
    pub hold_ms: u64,
    pub wrap_up_ms: u64,
    pub handle_ms: u64,
    /// `handle_ms` ÷ `calls_answered`; `null` before the first.
    pub average_handle_time_ms: Option<u64>,
    /// Time in each state today, the state the agent is in now up to now included.
    pub ready_ms: u64,
    pub not_ready_ms: u64,
    pub in_wrap_up_ms: u64,
    pub on_call_ms: u64,
    pub state_ms: BTreeMap<String, u64>,
    pub not_ready_reasons_ms: BTreeMap<String, u64>,
}

/// The Unix ms today starts at for a clock `utc_offset_min` minutes from UTC, or why the
/// offset is refused.
pub fn day_start(now_unix_ms: u64, utc_offset_min: i64) -> Result<u64, String> {
    if !OFFSETS_MIN.contains(&utc_offset_min) || utc_offset_min % 15 != 0 {
        return Err(format!(
            "utc_offset_min: {utc_offset_min} is not a whole number of quarter hours from -720 to 840"
        ));
    }
    let offset_ms = utc_offset_min * 60_000;
    let local = now_unix_ms as i64 + offset_ms;
    let start = local - local.rem_euclid(DAY_MS as i64) - offset_ms;
    // Quarter-hour offsets keep the day's start on the rows' 15-minute boundaries.
    debug_assert_eq!(start.rem_euclid(QUARTER_MS), 0);
    Ok(start.max(0) as u64)
}

/// Sums `agent`'s rows that start within `[day_start, now)` and adds the open state's
/// time since the later of its start and the day's.
pub fn today_figures(
    agent: &str,
    rows: &[AgentIntervalRow],
    open: Option<&OpenState>,
    day_start_unix_ms: u64,
    now_unix_ms: u64,
) -> TodayFigures {
    let mut figures = TodayFigures {
        agent: agent.to_owned(),
        day_start_unix_ms,
        now_unix_ms,
        ..TodayFigures::default()
    };
    for row in rows.iter().filter(|row| {
        row.agent == agent && row.start_ms >= day_start_unix_ms && row.start_ms < now_unix_ms
    }) {
        figures.calls_answered += row.answered;
        figures.offers += row.offers;
        figures.offers_answered += row.offers_answered;
        figures.talk_ms += row.talk_ms;
        figures.hold_ms += row.hold_ms;
        figures.wrap_up_ms += row.wrap_up_ms;
        for (state, ms) in &row.state_ms {
            *figures.state_ms.entry(state.clone()).or_default() += ms;
        }
        for (reason, ms) in &row.not_ready_ms {
            *figures
                .not_ready_reasons_ms
                .entry(reason.clone())
                .or_default() += ms;
        }
    }
    if let Some(open) = open.filter(|open| open.state != "logged-out") {
        let from = open.since_unix_ms.max(day_start_unix_ms);
        let open_ms = now_unix_ms.saturating_sub(from);
        *figures.state_ms.entry(open.state.clone()).or_default() += open_ms;
        if let Some(reason) = &open.not_ready_reason {
            *figures
                .not_ready_reasons_ms
                .entry(reason.clone())
                .or_default() += open_ms;
        }
    }
    let state = |name: &str| figures.state_ms.get(name).copied().unwrap_or(0);
    figures.ready_ms = state("ready");
    figures.not_ready_ms = state("not-ready");
    figures.in_wrap_up_ms = state("wrap-up");
    figures.on_call_ms = state("on-call-inbound") + state("on-call-outbound") + state("on-hold");
    figures.handle_ms = figures.talk_ms + figures.hold_ms + figures.wrap_up_ms;
    figures.average_handle_time_ms = figures.handle_ms.checked_div(figures.calls_answered);
    figures
}

#[cfg(test)]
mod tests {
    use super::*;
    use stats::Granularity;

    /// 2026-12-07T02:00:00Z, 10:00 in UTC+8.
    const NOW: u64 = 1_796_608_800_000;
    const HOUR: u64 = 3_600_000;

    fn row(agent: &str, start_ms: u64) -> AgentIntervalRow {
        AgentIntervalRow {
            agent: agent.to_owned(),
            granularity: Granularity::FifteenMinutes,
            start_ms,
            offers: 2,
            offers_answered: 1,
            answered: 1,
            talk_ms: 60_000,
            hold_ms: 5_000,
            wrap_up_ms: 10_000,
            transfers_out: 0,
            state_ms: BTreeMap::from([
                ("ready".to_owned(), 300_000),
                ("on-call-inbound".to_owned(), 60_000),
                ("wrap-up".to_owned(), 10_000),
                ("not-ready".to_owned(), 120_000),
            ]),
            not_ready_ms: BTreeMap::from([("lunch".to_owned(), 120_000)]),
        }
    }

    #[test]
    fn the_day_starts_at_local_midnight() {
        assert_eq!(day_start(NOW, 0), Ok(NOW - 2 * HOUR));
        // 10:00 in UTC+8: the day began ten hours ago.
        assert_eq!(day_start(NOW, 480), Ok(NOW - 10 * HOUR));
        // 21:00 the day before in UTC-5.
        assert_eq!(day_start(NOW, -300), Ok(NOW - 21 * HOUR));
        assert!(day_start(NOW, 481).is_err());
        assert!(day_start(NOW, 900).is_err());
    }

    #[test]
    fn todays_rows_of_the_agent_are_summed_with_the_open_state() {
        let start = NOW - 2 * HOUR;
        let rows = [
            row("201", start - 15 * 60_000), // yesterday
            row("201", start),
            row("201", start + HOUR),
            row("202", start),
        ];
        let open = OpenState {
            state: "not-ready".into(),
            not_ready_reason: Some("break".into()),
            since_unix_ms: NOW - 90_000,
        };
        let figures = today_figures("201", &rows, Some(&open), start, NOW);
        assert_eq!(figures.calls_answered, 2);
        assert_eq!((figures.offers, figures.offers_answered), (4, 2));
        assert_eq!(figures.talk_ms, 120_000);
        assert_eq!(figures.handle_ms, 150_000);
        assert_eq!(figures.average_handle_time_ms, Some(75_000));
        assert_eq!(figures.ready_ms, 600_000);
        assert_eq!(figures.in_wrap_up_ms, 20_000);
        assert_eq!(figures.on_call_ms, 120_000);
        assert_eq!(figures.not_ready_ms, 240_000 + 90_000);
        assert_eq!(figures.not_ready_reasons_ms["lunch"], 240_000);
        assert_eq!(figures.not_ready_reasons_ms["break"], 90_000);
    }

    #[test]
    fn an_open_state_from_yesterday_counts_from_midnight_and_logged_out_not_at_all() {
        let start = NOW - 2 * HOUR;
        let open = OpenState {
            state: "ready".into(),
            not_ready_reason: None,
            since_unix_ms: start - HOUR,
        };
        let figures = today_figures("201", &[], Some(&open), start, NOW);
        assert_eq!(figures.ready_ms, 2 * HOUR);
        assert_eq!(figures.calls_answered, 0);
        assert_eq!(figures.average_handle_time_ms, None);
        let gone = OpenState {
            state: "logged-out".into(),
            ..open
        };
        let figures = today_figures("201", &[], Some(&gone), start, NOW);
        assert!(figures.state_ms.is_empty(), "{:?}", figures.state_ms);
    }
}
