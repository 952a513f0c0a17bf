//! Report intervals on the UTC calendar: 15 minutes, hours, days, weeks (from Monday)
//! and months, and the dates to label them with. No time zones: reports are in UTC.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

const MINUTE_MS: u64 = 60_000;
const HOUR_MS: u64 = 60 * MINUTE_MS;
const DAY_MS: u64 = 24 * HOUR_MS;
/// 1970-01-01 was a Thursday: days since the epoch plus this, mod 7, is 0 on Mondays.
const EPOCH_WEEKDAY_FROM_MONDAY: u64 = 3;

/// The length of a report row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Granularity {
    #[serde(rename = "15m")]
    FifteenMinutes,
    #[serde(rename = "1h")]
    Hour,
    #[serde(rename = "1d")]
    Day,
    #[serde(rename = "1w")]
    Week,
    #[serde(rename = "1mo")]
    Month,
}

impl Granularity {
    pub const ALL: [Granularity; 5] = [
        Granularity::FifteenMinutes,
        Granularity::Hour,
        Granularity::Day,
        Granularity::Week,
        Granularity::Month,
    ];

    /// The length of the finest interval, the one the tables are built in.
    pub const QUARTER_HOUR_MS: u64 = 15 * MINUTE_MS;

    /// Its name in the API and in CSV (`15m`, `1h`, `1d`, `1w`, `1mo`).
    pub fn name(self) -> &'static str {
        match self {
            Granularity::FifteenMinutes => "15m",
            Granularity::Hour => "1h",
            Granularity::Day => "1d",
            Granularity::Week => "1w",
            Granularity::Month => "1mo",
        }
    }

    /// The start (UTC) of the interval holding `unix_ms`.
    pub fn start_of(self, unix_ms: u64) -> u64 {
        let floor = |length: u64| unix_ms - unix_ms % length;
        match self {
            Granularity::FifteenMinutes => floor(Self::QUARTER_HOUR_MS),
            Granularity::Hour => floor(HOUR_MS),
            Granularity::Day => floor(DAY_MS),
            Granularity::Week => {
                let days = unix_ms / DAY_MS;
                let since_monday = (days + EPOCH_WEEKDAY_FROM_MONDAY) % 7;
                // The first days of 1970 belong to a week that began before the epoch.
                days.saturating_sub(since_monday) * DAY_MS
            }
            Granularity::Month => {
                let date = CivilDate::from_days(unix_ms / DAY_MS);
                CivilDate { day: 1, ..date }.to_days() * DAY_MS
            }
        }
    }

    /// Whether every interval of this granularity lies within one of `coarser`
    /// (weeks straddle months; nothing lies within a finer one).
    pub fn nests_in(self, coarser: Granularity) -> bool {
        self <= coarser && !(self == Granularity::Week && coarser == Granularity::Month)
    }
}

impl fmt::Display for Granularity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A granularity name the API does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown interval `{0}` (expected 15m, 1h, 1d, 1w or 1mo)")]
pub struct UnknownGranularity(pub String);

impl FromStr for Granularity {
    type Err = UnknownGranularity;

    fn from_str(name: &str) -> Result<Granularity, UnknownGranularity> {
        Granularity::ALL
            .into_iter()
            .find(|g| g.name() == name)
            .ok_or_else(|| UnknownGranularity(name.to_owned()))
    }
}

/// A date of the proleptic Gregorian calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CivilDate {
    year: u64,
    month: u64,
    day: u64,
}

impl CivilDate {
    /// The date `days` after 1970-01-01. Counts in 400-year eras (146 097 days) of
    /// years starting on 1 March, so the leap day is the last day of its year.
    fn from_days(days: u64) -> CivilDate {
        // Days since 0000-03-01.
        let shifted = days + 719_468;
        let era = shifted / 146_097;
        let day_of_era = shifted % 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        // Months from March: 153 days per five months.
        let month_from_march = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
        let month = if month_from_march < 10 {
            month_from_march + 3
        } else {
            month_from_march - 9
        };
        let year = era * 400 + year_of_era + u64::from(month <= 2);
        CivilDate { year, month, day }
    }

    /// Days from 1970-01-01 (the date is on or after it).
    fn to_days(self) -> u64 {
        let year = self.year - u64::from(self.month <= 2);
        let era = year / 400;
        let year_of_era = year % 400;
        let month_from_march = if self.month > 2 {
            self.month - 3
        } else {
            self.month + 9
        };
        let day_of_year = (153 * month_from_march + 2) / 5 + self.day - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        (era * 146_097 + day_of_era).saturating_sub(719_468)
    }
}

/// `unix_ms` as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_utc(unix_ms: u64) -> String {
    let date = CivilDate::from_days(unix_ms / DAY_MS);
    let of_day = unix_ms % DAY_MS;
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        date.year,
        date.month,
        date.day,
        of_day / HOUR_MS,
        of_day % HOUR_MS / MINUTE_MS,
        of_day % MINUTE_MS / 1_000
    )
}

/// Unix ms of a UTC date and time (for tests and callers building ranges); `None` for
/// a date that does not exist or lies before 1970.
pub fn utc_ms(year: u64, month: u64, day: u64, hour: u64, minute: u64, second: u64) -> Option<u64> {
    let in_range = (1970..=9999).contains(&year)
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60;
    if !in_range {
        return None;
    }
    let date = CivilDate { year, month, day };
    let days = date.to_days();
    // 31 February comes back as a March date: not a date.
    if CivilDate::from_days(days) != date {
        return None;
    }
    Some(days * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS + second * 1_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(year: u64, month: u64, day: u64, hour: u64, minute: u64) -> u64 {
        utc_ms(year, month, day, hour, minute, 0).expect("a real date")
    }

    #[test]
    fn dates_read_back_across_leap_years_and_centuries() {
        for days in (0..200_000).step_by(7) {
            assert_eq!(CivilDate::from_days(days).to_days(), days);
        }
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(at(2024, 2, 29, 23, 59)), "2024-02-29T23:59:00Z");
        assert_eq!(format_utc(at(2000, 3, 1, 0, 0)), "2000-03-01T00:00:00Z");
        assert_eq!(utc_ms(2023, 2, 29, 0, 0, 0), None);
        assert_eq!(utc_ms(2100, 2, 29, 0, 0, 0), None);
    }

    #[test]
    fn intervals_start_on_the_quarter_hour_hour_day_monday_and_first_of_month() {
        let t = at(2024, 5, 8, 10, 14) + 50_000; // a Wednesday
        assert_eq!(
            Granularity::FifteenMinutes.start_of(t),
            at(2024, 5, 8, 10, 0)
        );
        assert_eq!(Granularity::Hour.start_of(t), at(2024, 5, 8, 10, 0));
        assert_eq!(Granularity::Day.start_of(t), at(2024, 5, 8, 0, 0));
        assert_eq!(Granularity::Week.start_of(t), at(2024, 5, 6, 0, 0));
        assert_eq!(Granularity::Month.start_of(t), at(2024, 5, 1, 0, 0));
        // A Monday starts its own week; a Sunday belongs to the Monday before.
        assert_eq!(
            Granularity::Week.start_of(at(2024, 5, 6, 0, 0)),
            at(2024, 5, 6, 0, 0)
        );
        assert_eq!(
            Granularity::Week.start_of(at(2024, 5, 12, 23, 59)),
            at(2024, 5, 6, 0, 0)
        );
        // A week across a new year.
        assert_eq!(
            Granularity::Week.start_of(at(2025, 1, 1, 12, 0)),
            at(2024, 12, 30, 0, 0)
        );
    }

    #[test]
    fn names_parse_back_and_weeks_do_not_nest_in_months() {
        for g in Granularity::ALL {
            assert_eq!(g.name().parse::<Granularity>(), Ok(g));
        }
        assert!("5m".parse::<Granularity>().is_err());
        assert!(Granularity::FifteenMinutes.nests_in(Granularity::Month));
        assert!(Granularity::Day.nests_in(Granularity::Week));
        assert!(!Granularity::Week.nests_in(Granularity::Month));
        assert!(!Granularity::Day.nests_in(Granularity::Hour));
    }
}
