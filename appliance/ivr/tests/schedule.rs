//! Time conditions: weekly hours, across midnight, holidays, the UTC offset, and the
//! refusals with their place and reason.

use ivr::schedule::{days_from_civil, Place, Reason, Schedule, ScheduleError};
use proptest::prelude::*;

/// Unix seconds of a local time in a zone `offset_hours` east of UTC.
fn at(offset_hours: i64, y: i64, m: u32, d: u32, hh: i64, mm: i64) -> i64 {
    days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 - offset_hours * 3600
}

/// 2026-12-07 is a Monday.
fn local(y_m_d: (i64, u32, u32), hh: i64, mm: i64) -> i64 {
    at(8, y_m_d.0, y_m_d.1, y_m_d.2, hh, mm)
}

const MON: (i64, u32, u32) = (2026, 12, 7);
const FRI: (i64, u32, u32) = (2026, 12, 11);
const SAT: (i64, u32, u32) = (2026, 12, 12);
const SUN: (i64, u32, u32) = (2026, 12, 13);

fn hotline() -> Schedule {
    Schedule::parse(
        "# the hotline
         utc+08:00
         mon-fri 08:00-20:00
         sat 09:00-12:00
         2026-10-01
         2026-12-25 10:00-14:00   # Christmas: short day
        ",
    )
    .expect("valid schedule")
}

#[test]
fn weekday_boundaries() {
    let s = hotline();
    assert!(!s.is_open(local(MON, 7, 59)));
    assert!(s.is_open(local(MON, 8, 0)));
    assert!(s.is_open(local(MON, 19, 59)));
    assert!(!s.is_open(local(MON, 20, 0)), "ranges are half-open");
    assert!(s.is_open(local(FRI, 12, 0)));
    assert!(!s.is_open(local(SAT, 8, 59)));
    assert!(s.is_open(local(SAT, 9, 0)));
    assert!(!s.is_open(local(SAT, 12, 0)));
    assert!(!s.is_open(local(SUN, 10, 0)));
}

#[test]
fn the_offset_is_applied() {
    let s = hotline();
    // 08:30 in Beijing is 00:30 UTC; 23:30 UTC Sunday is 07:30 Monday in Beijing.
    assert!(s.is_open(at(0, 2026, 12, 7, 0, 30)));
    assert!(!s.is_open(at(0, 2026, 12, 6, 23, 30)));
    let utc = Schedule::parse("mon-fri 08:00-20:00").expect("valid");
    assert!(!utc.is_open(at(0, 2026, 12, 7, 0, 30)));
    assert!(utc.is_open(at(0, 2026, 12, 7, 8, 30)));
    let west = Schedule::parse("utc-05:30\nmon 08:00-09:00").expect("valid");
    assert_eq!(west.utc_offset_seconds(), -(5 * 3600 + 1800));
    assert!(west.is_open(at(0, 2026, 12, 7, 13, 45)));
    assert!(!west.is_open(at(0, 2026, 12, 7, 13, 25)));
}

#[test]
fn holidays_close_or_shorten_the_day() {
    let s = hotline();
    // 2026-10-01 is a Thursday: closed all day.
    assert!(!s.is_open(local((2026, 10, 1), 12, 0)));
    assert!(s.is_open(local((2026, 10, 2), 12, 0)));
    // 2026-12-25 is a Friday: 10:00-14:00 only.
    assert!(!s.is_open(local((2026, 12, 25), 9, 0)));
    assert!(s.is_open(local((2026, 12, 25), 10, 0)));
    assert!(!s.is_open(local((2026, 12, 25), 14, 0)));
    assert!(!s.is_open(local((2026, 12, 25), 18, 0)));
}

#[test]
fn across_midnight() {
    let s = Schedule::parse("utc+08:00\nfri,sat 22:00-06:00\nsun 00:00-24:00").expect("valid");
    assert!(!s.is_open(local(FRI, 21, 59)));
    assert!(s.is_open(local(FRI, 22, 0)));
    assert!(
        s.is_open(local(SAT, 3, 0)),
        "Friday's night runs into Saturday"
    );
    assert!(!s.is_open(local(SAT, 6, 0)));
    assert!(s.is_open(local(SAT, 23, 0)));
    assert!(s.is_open(local(SUN, 5, 0)));
    assert!(s.is_open(local(SUN, 23, 59)));
    assert!(
        !s.is_open(local((2026, 12, 14), 0, 0)),
        "Sunday's range ends at midnight"
    );
    assert!(!s.is_open(local((2026, 12, 10), 23, 0)), "not on Thursday");
    assert!(!s.is_open(local(FRI, 3, 0)), "Thursday has no night");
}

#[test]
fn a_holiday_cuts_a_night_at_midnight() {
    let s = Schedule::parse("utc+08:00\nmon-sun 22:00-06:00\n2026-12-25\n").expect("valid");
    assert!(s.is_open(local((2026, 12, 24), 23, 0)));
    assert!(
        !s.is_open(local((2026, 12, 25), 1, 0)),
        "the holiday starts at midnight"
    );
    assert!(!s.is_open(local((2026, 12, 25), 23, 0)));
    assert!(
        !s.is_open(local((2026, 12, 26), 1, 0)),
        "the holiday's night is off too"
    );
    assert!(s.is_open(local((2026, 12, 26), 23, 0)));
}

#[test]
fn day_lists_and_wrapping_ranges() {
    let s = Schedule::parse("sat-mon 10:00-11:00\nwed 10:00-11:00,15:00-16:00").expect("valid");
    let utc = |d, h| at(0, 2026, 12, d, h, 30);
    assert!(s.is_open(utc(12, 10)) && s.is_open(utc(13, 10)) && s.is_open(utc(7, 10)));
    assert!(!s.is_open(utc(8, 10)) && !s.is_open(utc(11, 10)));
    assert!(s.is_open(utc(9, 15)) && !s.is_open(utc(9, 13)));
}

#[test]
fn next_change() {
    let s = hotline();
    assert_eq!(s.next_change(local(MON, 7, 0)), Some(local(MON, 8, 0)));
    assert_eq!(s.next_change(local(MON, 8, 0)), Some(local(MON, 20, 0)));
    assert_eq!(
        s.next_change(local(SAT, 12, 0)),
        Some(local((2026, 12, 14), 8, 0))
    );
    // Thursday 2026-09-30 evening: the holiday skips Thursday, Friday opens.
    assert_eq!(
        s.next_change(local((2026, 9, 30), 20, 0)),
        Some(local((2026, 10, 2), 8, 0))
    );
    assert_eq!(Schedule::parse("").expect("valid").next_change(0), None);
    let always = Schedule::parse("mon-sun 00:00-24:00").expect("valid");
    assert!(always.is_open(12345));
    assert_eq!(always.next_change(12345), None);
    let nights = Schedule::parse("mon-sun 22:00-06:00").expect("valid");
    assert_eq!(
        nights.next_change(at(0, 2026, 12, 7, 23, 0)),
        Some(at(0, 2026, 12, 8, 6, 0))
    );
    // Friday's night ends on Saturday morning, a day with no hours of its own.
    let friday_night = Schedule::parse("fri 22:00-06:00").expect("valid");
    assert_eq!(
        friday_night.next_change(at(0, 2026, 12, 11, 23, 0)),
        Some(at(0, 2026, 12, 12, 6, 0))
    );
    assert_eq!(
        friday_night.next_change(at(0, 2026, 12, 12, 6, 0)),
        Some(at(0, 2026, 12, 18, 22, 0))
    );
}

#[test]
fn from_toml_parts() {
    let s = Schedule::from_parts(
        &["mon-fri 08:00-20:00", "sat 09:00-12:00"],
        &["2026-10-01", "2026-12-25 10:00-14:00"],
        Some("+08:00"),
    )
    .expect("valid");
    assert_eq!(s, hotline());
    let err = Schedule::from_parts(&["2026-10-01"], &[] as &[&str], None).expect_err("kind");
    assert_eq!(err.place, Place::Weekly(1));
    assert!(matches!(err.reason, Reason::WrongKind { .. }));
    let err = Schedule::from_parts(&[] as &[&str], &["2026-10-01", "mon 08:00-09:00"], None)
        .expect_err("kind");
    assert_eq!(err.place, Place::Holiday(2));
    let err = Schedule::from_parts(&[] as &[&str], &[] as &[&str], Some("8")).expect_err("bad");
    assert_eq!(err.place, Place::UtcOffset);
    assert_eq!(err.reason, Reason::BadOffset("8".into()));
}

fn refused(text: &str) -> ScheduleError {
    Schedule::parse(text).expect_err(text)
}

#[test]
fn refusals_say_where_and_why() {
    let e = refused("mon-fri 08:00-20:00\nmon-fry 08:00-20:00");
    assert_eq!((e.place, e.column), (Place::Line(2), 5));
    assert_eq!(e.reason, Reason::UnknownDay("fry".into()));
    assert_eq!(
        e.to_string(),
        "line 2, column 5: unknown day \"fry\" (expected mon, tue, wed, thu, fri, sat or sun)"
    );

    let e = refused("mon 08:00-25:00");
    assert_eq!((e.column, e.reason), (11, Reason::BadTime("25:00".into())));
    let e = refused("mon 08:00-12:00,13:60-14:00");
    assert_eq!((e.column, e.reason), (17, Reason::BadTime("13:60".into())));
    let e = refused("mon 8:00-12:00");
    assert_eq!(e.reason, Reason::BadTime("8:00".into()));
    let e = refused("mon 08:00");
    assert_eq!((e.column, e.reason), (5, Reason::BadRange("08:00".into())));
    let e = refused("mon 08:00-08:00");
    assert_eq!(e.reason, Reason::EmptyRange("08:00-08:00".into()));
    let e = refused("mon");
    assert_eq!((e.column, e.reason), (4, Reason::MissingHours));
    let e = refused("mon 08:00-09:00 extra");
    assert_eq!(
        (e.column, e.reason),
        (17, Reason::Unexpected("extra".into()))
    );
    let e = refused("24:00-08:00");
    assert_eq!(e.reason, Reason::BadDate("24:00-08:00".into()));

    for offset in [
        "utc+8",
        "utc+15:00",
        "utc+08:60",
        "utc08:00",
        "utc+08:00:00",
    ] {
        let e = refused(offset);
        assert_eq!((e.column, e.reason), (1, Reason::BadOffset(offset.into())));
    }
    let e = refused("utc+08:00\nutc+09:00");
    assert_eq!(
        (e.place, e.reason),
        (Place::Line(2), Reason::DuplicateOffset)
    );

    for date in ["2026-02-29", "2026-13-01", "2026-1-01", "2026-00-10"] {
        assert_eq!(refused(date).reason, Reason::BadDate(date.into()));
    }
    let e = refused("2026-12-25 22:00-02:00");
    assert_eq!(
        (e.column, e.reason),
        (12, Reason::HolidayPastMidnight("22:00-02:00".into()))
    );
    let e = refused("2026-12-25\n2026-12-25 closed");
    assert_eq!(e.reason, Reason::DuplicateHoliday("2026-12-25".into()));
}

#[test]
fn holiday_closed_keyword_and_leap_day() {
    let s = Schedule::parse("mon-sun 00:00-24:00\n2028-02-29 closed").expect("valid");
    assert!(!s.is_open(at(0, 2028, 2, 29, 12, 0)));
    assert!(s.is_open(at(0, 2028, 3, 1, 12, 0)));
}

proptest! {
    /// `next_change` agrees with walking minute by minute (every boundary is on a minute).
    #[test]
    fn next_change_agrees_with_a_walk(start in at(0, 2026, 9, 20, 0, 0)..at(0, 2027, 1, 10, 0, 0)) {
        let s = Schedule::parse(
            "utc+05:30\nmon-thu 08:00-12:00,13:00-20:00\nfri 22:00-06:00\nsun 10:00-10:30\n\
             2026-10-01\n2026-10-02 09:00-10:00\n2026-12-25 closed",
        )
        .expect("valid");
        let open = s.is_open(start);
        let next_minute = (start.div_euclid(60) + 1) * 60;
        let walked = (0..8 * 1440)
            .map(|i| next_minute + i * 60)
            .find(|&t| s.is_open(t) != open);
        prop_assert_eq!(s.next_change(start), walked);
    }
}
