//! Time conditions: weekly opening hours, holidays, in the box's time zone. Sans-IO: the
//! caller passes the time (Unix seconds); nothing here reads a clock.
//!
//! # Syntax
//!
//! A schedule is a list of lines (one rule each; blank lines and `#` comments ignored).
//! Each line says what it is by how it starts:
//!
//! ```text
//! utc+08:00                      # the box's offset from UTC (default utc+00:00)
//! mon-fri 08:00-20:00            # weekly hours
//! sat 09:00-12:00,13:00-17:00    # several ranges on one day
//! fri,sat 22:00-06:00            # across midnight: Fri 22:00 to Sat 06:00, Sat to Sun
//! sun 00:00-24:00                # all day
//! 2026-10-01                     # a holiday: closed all day
//! 2026-12-25 10:00-14:00         # a holiday with special hours
//! ```
//!
//! Days are `mon tue wed thu fri sat sun`, a range `fri-mon` (wrapping), or a list of
//! days and ranges `mon,wed,fri-sat`. Times are `HH:MM`; `24:00` only as an end. A range
//! whose end is before its start runs across midnight into the next day; a range may not
//! be empty (`08:00-08:00`).
//!
//! In TOML the same rules fit as strings, fed to [`Schedule::from_parts`]:
//!
//! ```toml
//! weekly = ["mon-fri 08:00-20:00", "sat 09:00-12:00"]
//! holidays = ["2026-10-01", "2026-12-25 10:00-14:00"]
//! utc_offset = "+08:00"
//! ```
//!
//! # Meaning
//!
//! - Open at an instant if a weekly range covers it, unless that local day is a holiday.
//! - A holiday replaces the whole local day (00:00 to 24:00): closed, or open only in its
//!   own ranges, which must end that day. A weekly range that starts the day before a
//!   holiday and runs past midnight stops at midnight; one that starts on a holiday does
//!   not run at all (not even its part after midnight): the shift starting that day is off.
//! - Ranges are half-open: `08:00-20:00` is open at 08:00:00 and closed at 20:00:00.
//!
//! # Limit: time zone
//!
//! The box's zone is a fixed offset from UTC. There is no time-zone database, so daylight
//! saving time is not followed: a box in a zone with DST must have its offset changed
//! twice a year (China, where the first boxes go, has no DST).

use std::collections::BTreeMap;
use std::fmt;

const DAY: i64 = 86_400;
const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// The largest accepted offset, ±14:00 (Kiribati, Line Islands).
const MAX_OFFSET: i64 = 14 * 3600;

/// Where in the schedule's text an error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Line of the text given to [`Schedule::parse`] (1-based).
    Line(usize),
    /// Entry of the `weekly` list of [`Schedule::from_parts`] (1-based).
    Weekly(usize),
    /// Entry of the `holidays` list of [`Schedule::from_parts`] (1-based).
    Holiday(usize),
    /// The `utc_offset` of [`Schedule::from_parts`].
    UtcOffset,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Line(n) => write!(f, "line {n}"),
            Place::Weekly(n) => write!(f, "weekly entry {n}"),
            Place::Holiday(n) => write!(f, "holidays entry {n}"),
            Place::UtcOffset => f.write_str("utc_offset"),
        }
    }
}

/// A schedule the parser refuses: where (entry and 1-based column, in characters) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}, column {column}: {reason}")]
pub struct ScheduleError {
    pub place: Place,
    pub column: usize,
    pub reason: Reason,
}

/// Why a schedule is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    #[error("unknown day {0:?} (expected mon, tue, wed, thu, fri, sat or sun)")]
    UnknownDay(String),
    #[error("{0:?} is not a time HH:MM between 00:00 and 24:00")]
    BadTime(String),
    #[error("{0:?} is not a time range HH:MM-HH:MM")]
    BadRange(String),
    #[error("empty time range {0:?} (start equals end)")]
    EmptyRange(String),
    #[error("{0:?} is not a date YYYY-MM-DD")]
    BadDate(String),
    #[error("{0:?} is not a UTC offset like +08:00 (at most ±14:00)")]
    BadOffset(String),
    #[error("holiday hours {0:?} run past midnight; end the day with 24:00")]
    HolidayPastMidnight(String),
    #[error("holiday {0} is given twice")]
    DuplicateHoliday(String),
    #[error("the UTC offset is given twice")]
    DuplicateOffset,
    #[error("weekly hours need a time range after the days")]
    MissingHours,
    #[error("unexpected {0:?}")]
    Unexpected(String),
    #[error("expected {expected}, found {found:?}")]
    WrongKind {
        expected: &'static str,
        found: String,
    },
}

/// Opening hours as evaluated by [`Schedule::is_open`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schedule {
    /// Seconds east of UTC.
    utc_offset: i64,
    /// Per weekday (Monday = 0): open ranges within that day, seconds from midnight.
    own: [Vec<(u32, u32)>; 7],
    /// Per weekday: the part after midnight of its ranges across midnight, applied to the
    /// next day (seconds from that day's midnight).
    spill: [Vec<(u32, u32)>; 7],
    /// Holiday (days since 1970-01-01) → its hours; empty = closed all day.
    holidays: BTreeMap<i64, Vec<(u32, u32)>>,
}

/// One parsed line.
enum Rule {
    Offset(i64),
    Weekly([bool; 7], Vec<(u32, u32)>),
    Holiday(i64, Vec<(u32, u32)>),
}

impl Schedule {
    /// Parses the line syntax described in the [module docs](self).
    pub fn parse(text: &str) -> Result<Schedule, ScheduleError> {
        let mut schedule = Schedule::default();
        let mut offset_seen = false;
        for (i, line) in text.lines().enumerate() {
            let place = Place::Line(i + 1);
            let content = line.split('#').next().unwrap_or("");
            if content.trim().is_empty() {
                continue;
            }
            let rule = parse_rule(content).map_err(|(column, reason)| ScheduleError {
                place,
                column,
                reason,
            })?;
            schedule.add(rule, &mut offset_seen, place, content)?;
        }
        Ok(schedule)
    }

    /// Builds a schedule from the TOML-shaped parts (see the [module docs](self)); each
    /// list entry is checked to be of its kind. `utc_offset` is `+08:00` (`utc` optional).
    pub fn from_parts<W, H>(
        weekly: &[W],
        holidays: &[H],
        utc_offset: Option<&str>,
    ) -> Result<Schedule, ScheduleError>
    where
        W: AsRef<str>,
        H: AsRef<str>,
    {
        let mut schedule = Schedule::default();
        let mut offset_seen = false;
        if let Some(text) = utc_offset {
            let trimmed = text.trim();
            let bare = trimmed.strip_prefix("utc").unwrap_or(trimmed);
            let offset = parse_offset(bare).ok_or_else(|| ScheduleError {
                place: Place::UtcOffset,
                column: 1,
                reason: Reason::BadOffset(text.to_string()),
            })?;
            schedule.add(
                Rule::Offset(offset),
                &mut offset_seen,
                Place::UtcOffset,
                text,
            )?;
        }
        let entries = weekly
            .iter()
            .enumerate()
            .map(|(i, w)| (Place::Weekly(i + 1), w.as_ref(), "weekly hours"))
            .chain(
                holidays
                    .iter()
                    .enumerate()
                    .map(|(i, h)| (Place::Holiday(i + 1), h.as_ref(), "a holiday")),
            );
        for (place, text, expected) in entries {
            let rule = parse_rule(text).map_err(|(column, reason)| ScheduleError {
                place,
                column,
                reason,
            })?;
            let right_kind = matches!(
                (&rule, place),
                (Rule::Weekly(..), Place::Weekly(_)) | (Rule::Holiday(..), Place::Holiday(_))
            );
            if !right_kind {
                return Err(ScheduleError {
                    place,
                    column: 1,
                    reason: Reason::WrongKind {
                        expected,
                        found: text.to_string(),
                    },
                });
            }
            schedule.add(rule, &mut offset_seen, place, text)?;
        }
        Ok(schedule)
    }

    fn add(
        &mut self,
        rule: Rule,
        offset_seen: &mut bool,
        place: Place,
        text: &str,
    ) -> Result<(), ScheduleError> {
        let column = first_column(text);
        match rule {
            Rule::Offset(offset) => {
                if std::mem::replace(offset_seen, true) {
                    return Err(ScheduleError {
                        place,
                        column,
                        reason: Reason::DuplicateOffset,
                    });
                }
                self.utc_offset = offset;
            }
            Rule::Weekly(days, ranges) => {
                for (day, _) in days.iter().enumerate().filter(|(_, on)| **on) {
                    for &(start, end) in &ranges {
                        if start < end {
                            self.own[day].push((start, end));
                        } else {
                            // Across midnight: the evening here, the morning tomorrow.
                            self.own[day].push((start, DAY as u32));
                            if end > 0 {
                                self.spill[day].push((0, end));
                            }
                        }
                    }
                }
            }
            Rule::Holiday(day, ranges) => {
                if self.holidays.insert(day, ranges).is_some() {
                    let (y, m, d) = civil_from_days(day);
                    return Err(ScheduleError {
                        place,
                        column,
                        reason: Reason::DuplicateHoliday(format!("{y:04}-{m:02}-{d:02}")),
                    });
                }
            }
        }
        Ok(())
    }

    /// The box's offset from UTC, in seconds east.
    pub fn utc_offset_seconds(&self) -> i64 {
        self.utc_offset
    }

    /// Whether the schedule is open at `unix_seconds`.
    pub fn is_open(&self, unix_seconds: i64) -> bool {
        let local = unix_seconds.saturating_add(self.utc_offset);
        let day = local.div_euclid(DAY);
        let second = local.rem_euclid(DAY) as u32;
        let covers = |ranges: &[(u32, u32)]| ranges.iter().any(|&(a, b)| a <= second && second < b);
        if let Some(hours) = self.holidays.get(&day) {
            return covers(hours);
        }
        let weekday = weekday(day);
        if covers(&self.own[weekday]) {
            return true;
        }
        // Yesterday's range across midnight, unless yesterday was a holiday (its shift was off).
        !self.holidays.contains_key(&(day - 1)) && covers(&self.spill[(weekday + 6) % 7])
    }

    /// The first instant after `unix_seconds` at which [`is_open`](Self::is_open)
    /// changes, or `None` if it never does (always open or always closed from then on).
    pub fn next_change(&self, unix_seconds: i64) -> Option<i64> {
        let now_open = self.is_open(unix_seconds);
        let local = unix_seconds.checked_add(self.utc_offset)?;
        let today = local.div_euclid(DAY);
        // Past the last holiday the week repeats, so one more week (and a day for a
        // spill) shows every change there is.
        let last_holiday = self.holidays.keys().next_back().copied().unwrap_or(today);
        let last_day = last_holiday.max(today) + 8;
        for day in today..=last_day {
            let wd = weekday(day);
            // Openness only changes at midnight or at a range's ends.
            let mut points: Vec<u32> = vec![0];
            let ranges = self.own[wd]
                .iter()
                .chain(&self.spill[(wd + 6) % 7])
                .chain(self.holidays.get(&day).into_iter().flatten());
            for &(a, b) in ranges {
                points.extend([a, b]);
            }
            points.sort_unstable();
            points.dedup();
            for p in points {
                let at = (day * DAY + i64::from(p)).checked_sub(self.utc_offset)?;
                if at > unix_seconds && self.is_open(at) != now_open {
                    return Some(at);
                }
            }
        }
        None
    }
}

/// 1-based column of the first non-blank character.
fn first_column(text: &str) -> usize {
    text.chars().take_while(|c| c.is_whitespace()).count() + 1
}

/// Splits `text` into words separated by whitespace, each with its 1-based column.
fn words(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start: Option<(usize, usize)> = None; // (byte, column)
    for (column, (byte, c)) in text.char_indices().enumerate() {
        match (c.is_whitespace(), start) {
            (true, Some((b, col))) => {
                out.push((col, &text[b..byte]));
                start = None;
            }
            (false, None) => start = Some((byte, column + 1)),
            _ => {}
        }
    }
    if let Some((b, col)) = start {
        out.push((col, &text[b..]));
    }
    out
}

type RuleError = (usize, Reason);

fn parse_rule(text: &str) -> Result<Rule, RuleError> {
    let words = words(text);
    let Some(&(column, first)) = words.first() else {
        return Err((1, Reason::MissingHours));
    };
    let rest = &words[1..];
    let lower = first.to_ascii_lowercase();
    if let Some(offset) = lower.strip_prefix("utc") {
        if let Some(&(col, extra)) = rest.first() {
            return Err((col, Reason::Unexpected(extra.to_string())));
        }
        // A bare `utc` is offset zero.
        if offset.is_empty() {
            return Ok(Rule::Offset(0));
        }
        return parse_offset(offset)
            .map(Rule::Offset)
            .ok_or((column, Reason::BadOffset(first.to_string())));
    }
    if first.starts_with(|c: char| c.is_ascii_digit()) {
        let day = parse_date(first).ok_or((column, Reason::BadDate(first.to_string())))?;
        let ranges = match rest {
            [] => Vec::new(),
            [(_, word)] if word.eq_ignore_ascii_case("closed") => Vec::new(),
            [(col, word)] => {
                let ranges = parse_ranges(word, *col)?;
                if ranges.iter().any(|(start, end)| start > end) {
                    return Err((*col, Reason::HolidayPastMidnight(word.to_string())));
                }
                ranges
            }
            [_, (col, extra), ..] => return Err((*col, Reason::Unexpected(extra.to_string()))),
        };
        return Ok(Rule::Holiday(day, ranges));
    }
    let days = parse_days(first, column)?;
    match rest {
        [] => Err((column + first.chars().count(), Reason::MissingHours)),
        [(col, word)] => Ok(Rule::Weekly(days, parse_ranges(word, *col)?)),
        [_, (col, extra), ..] => Err((*col, Reason::Unexpected(extra.to_string()))),
    }
}

/// `mon`, `mon-fri`, `fri-mon`, `mon,wed,fri-sat`.
fn parse_days(text: &str, column: usize) -> Result<[bool; 7], RuleError> {
    let mut days = [false; 7];
    let mut col = column;
    for item in text.split(',') {
        let day = |name: &str, at: usize| {
            WEEKDAYS
                .iter()
                .position(|d| d.eq_ignore_ascii_case(name))
                .ok_or((at, Reason::UnknownDay(name.to_string())))
        };
        match item.split_once('-') {
            Some((from, to)) => {
                let first = day(from, col)?;
                let last = day(to, col + from.chars().count() + 1)?;
                // A range wraps past Sunday: fri-mon is fri, sat, sun, mon.
                let mut d = first;
                loop {
                    days[d] = true;
                    if d == last {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => days[day(item, col)?] = true,
        }
        col += item.chars().count() + 1;
    }
    Ok(days)
}

/// `08:00-12:00,13:00-17:00`: (start, end) seconds from midnight.
fn parse_ranges(text: &str, column: usize) -> Result<Vec<(u32, u32)>, RuleError> {
    let mut ranges = Vec::new();
    let mut col = column;
    for item in text.split(',') {
        let (from, to) = item
            .split_once('-')
            .ok_or((col, Reason::BadRange(item.to_string())))?;
        let start = parse_clock(from)
            .filter(|&s| s < DAY as u32)
            .ok_or((col, Reason::BadTime(from.to_string())))?;
        let end_col = col + from.chars().count() + 1;
        let end = parse_clock(to).ok_or((end_col, Reason::BadTime(to.to_string())))?;
        if start == end {
            return Err((col, Reason::EmptyRange(item.to_string())));
        }
        ranges.push((start, end));
        col += item.chars().count() + 1;
    }
    Ok(ranges)
}

/// `HH:MM` from 00:00 to 24:00, in seconds.
fn parse_clock(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let h: u32 = digits_only(h)?;
    let m: u32 = digits_only(m)?;
    let ok = (h < 24 && m < 60) || (h == 24 && m == 0);
    ok.then_some(h * 3600 + m * 60)
}

fn digits_only(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `+08:00`, `-05:30`, `+0800`: seconds east of UTC.
fn parse_offset(text: &str) -> Option<i64> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some(parts) => parts,
        None if rest.len() == 4 => rest.split_at_checked(2)?,
        None => return None,
    };
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m) = (i64::from(digits_only(h)?), i64::from(digits_only(m)?));
    let seconds = h * 3600 + m * 60;
    (m < 60 && seconds <= MAX_OFFSET).then_some(sign * seconds)
}

/// `YYYY-MM-DD` → days since 1970-01-01.
fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d) = (digits_only(y)?, digits_only(m)?, digits_only(d)?);
    if y == 0 || d == 0 || d > crate::say::days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y as i64, m, d))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1-12, day 1-31).
///
/// Counts in 400-year eras (146 097 days each) of years starting in March, so that the
/// leap day is the last day of its year and month lengths follow a fixed pattern.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // Shift the year to start in March: January and February belong to the year before.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400); // 0..=399
    let month_from_march = i64::from((month + 9) % 12); // March 0 … February 11
                                                        // Days before the month in a March-based year: 31,30,31,30,31 repeating averages
                                                        // 30.6 days a month; (153 m + 2) / 5 gives the exact totals.
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    // 719 468 days from 0000-03-01 to 1970-01-01.
    era * 146_097 + day_of_era - 719_468
}

/// The date (year, month 1-12, day 1-31) of a day counted from 1970-01-01; the inverse
/// of [`days_from_civil`].
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097); // 0..=146096
                                            // Remove the leap days (every 4 years, not every 100, but the 400th's last day).
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Weekday of a day counted from 1970-01-01 (a Thursday): Monday = 0 … Sunday = 6.
pub fn weekday(days: i64) -> usize {
    (days + 3).rem_euclid(7) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_and_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(weekday(0), 3); // Thursday
        assert_eq!(weekday(days_from_civil(2026, 12, 7)), 0); // a Monday
        for days in -800_000..800_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn words_have_columns() {
        assert_eq!(words("  ab c"), vec![(3, "ab"), (6, "c")]);
    }
}
