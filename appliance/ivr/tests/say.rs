//! Say-number and friends: exact fragment sequences in both languages, and a property
//! test reading Mandarin fragments back into the number.

use ivr::say::{self, Fragment, Language, SayError};
use proptest::prelude::*;

fn names(fragments: &[Fragment]) -> Vec<&'static str> {
    fragments.iter().map(Fragment::as_str).collect()
}

fn en(n: u64) -> Vec<&'static str> {
    names(&say::number(n, Language::En))
}

/// Mandarin without the `zh/` prefix, joined: easier to read in assertions.
fn zh(fragments: &[Fragment]) -> String {
    fragments
        .iter()
        .map(|f| f.as_str().strip_prefix("zh/").unwrap_or("?"))
        .collect()
}

fn zh_number(n: u64) -> String {
    zh(&say::number(n, Language::Zh))
}

#[test]
fn english_numbers_from_the_issue() {
    assert_eq!(en(0), ["digits/0"]);
    assert_eq!(en(10), ["digits/10"]);
    assert_eq!(en(15), ["digits/15"]);
    assert_eq!(en(105), ["digits/1", "digits/hundred", "digits/5"]);
    assert_eq!(en(2000), ["digits/2", "digits/thousand"]);
    assert_eq!(en(10010), ["digits/10", "digits/thousand", "digits/10"]);
}

#[test]
fn english_numbers_more() {
    assert_eq!(en(110), ["digits/1", "digits/hundred", "digits/10"]);
    assert_eq!(en(200), ["digits/2", "digits/hundred"]);
    assert_eq!(
        en(100_000),
        ["digits/1", "digits/hundred", "digits/thousand"]
    );
    assert_eq!(en(42), ["digits/40", "digits/2"]);
    assert_eq!(
        en(999_999_999),
        [
            "digits/9",
            "digits/hundred",
            "digits/90",
            "digits/9",
            "digits/million",
            "digits/9",
            "digits/hundred",
            "digits/90",
            "digits/9",
            "digits/thousand",
            "digits/9",
            "digits/hundred",
            "digits/90",
            "digits/9",
        ]
    );
    assert_eq!(
        en(3_000_000_021),
        ["digits/3", "digits/billion", "digits/20", "digits/1"]
    );
}

#[test]
fn mandarin_numbers_from_the_issue() {
    assert_eq!(zh_number(0), "零");
    assert_eq!(zh_number(10), "十");
    assert_eq!(zh_number(15), "十五");
    assert_eq!(zh_number(105), "一百零五");
    assert_eq!(zh_number(2000), "两千");
    assert_eq!(zh_number(10010), "一万零一十");
}

#[test]
fn mandarin_numbers_more() {
    let cases = [
        (2, "二"),
        (12, "十二"),
        (20, "二十"),
        (22, "二十二"),
        (110, "一百一十"),
        (200, "两百"),
        (1200, "一千两百"),
        (1005, "一千零五"),
        (1050, "一千零五十"),
        (100_000, "十万"),
        (150_000, "十五万"),
        (20_000, "两万"),
        (220_000, "二十二万"),
        (100_100, "十万零一百"),
        (1_001_000, "一百万一千"),
        (10_000_000, "一千万"),
        (100_000_000, "一亿"),
        (200_000_000, "两亿"),
        (105_000_000, "一亿零五百万"),
        (110_000_000, "一亿一千万"),
        (100_000_010, "一亿零一十"),
        (999_999_999, "九亿九千九百九十九万九千九百九十九"),
        (1_000_000_000_000, "一万亿"),
    ];
    for (n, expected) in cases {
        assert_eq!(zh_number(n), expected, "{n}");
    }
}

#[test]
fn fragments_are_the_expected_names() {
    assert_eq!(
        names(&say::number(105, Language::Zh)),
        ["zh/一", "zh/百", "zh/零", "zh/五"]
    );
    assert_eq!(names(&say::number(2000, Language::Zh)), ["zh/两", "zh/千"]);
}

#[test]
fn money_from_the_issue() {
    assert_eq!(
        names(&say::money(305, Language::En)),
        ["digits/3", "digits/dollars", "digits/5", "currency/cents"]
    );
    assert_eq!(
        names(&say::money(305, Language::Zh)),
        ["zh/三", "zh/元", "zh/零", "zh/五", "zh/分"]
    );
}

#[test]
fn money_more() {
    let zh_money = |cents| zh(&say::money(cents, Language::Zh));
    assert_eq!(zh_money(350), "三元五角");
    assert_eq!(zh_money(5), "五分");
    assert_eq!(zh_money(50), "五角");
    assert_eq!(zh_money(55), "五角五分");
    assert_eq!(zh_money(0), "零元");
    assert_eq!(zh_money(300), "三元");
    assert_eq!(zh_money(1005), "十元零五分");
    assert_eq!(zh_money(200_055), "两千元五角五分");
    let en_money = |cents| names(&say::money(cents, Language::En));
    assert_eq!(en_money(0), ["digits/0", "digits/dollars"]);
    assert_eq!(en_money(100), ["digits/1", "letters/dollar"]);
    assert_eq!(en_money(1), ["digits/1", "currency/cent"]);
    assert_eq!(en_money(5), ["digits/5", "currency/cents"]);
    assert_eq!(
        en_money(2550),
        [
            "digits/20",
            "digits/5",
            "digits/dollars",
            "digits/50",
            "currency/cents"
        ]
    );
}

#[test]
fn digits_one_by_one_and_refused() {
    assert_eq!(
        names(&say::digits("9055", Language::En).expect("digits")),
        ["digits/9", "digits/0", "digits/5", "digits/5"]
    );
    assert_eq!(
        zh(&say::digits("95598", Language::Zh).expect("digits")),
        "九五五九八"
    );
    assert_eq!(
        say::digits("12a4", Language::En),
        Err(SayError::NotADigit {
            position: 2,
            found: 'a'
        })
    );
    assert_eq!(say::digits("", Language::Zh), Err(SayError::NoDigits));
    assert!(
        say::digits("１２", Language::Zh).is_err(),
        "full-width digits are refused"
    );
}

#[test]
fn dates() {
    assert_eq!(
        names(&say::date(2026, 1, 5, Language::En).expect("date")),
        [
            "digits/mon-0",
            "digits/h-5",
            "digits/20",
            "digits/20",
            "digits/6"
        ]
    );
    assert_eq!(
        names(&say::date(2026, 12, 31, Language::En).expect("date")),
        [
            "digits/mon-11",
            "digits/30",
            "digits/h-1",
            "digits/20",
            "digits/20",
            "digits/6"
        ]
    );
    assert_eq!(
        names(&say::date(2005, 3, 22, Language::En).expect("date")),
        [
            "digits/mon-2",
            "digits/20",
            "digits/h-2",
            "digits/2",
            "digits/thousand",
            "digits/5"
        ]
    );
    assert_eq!(
        names(&say::date(1905, 6, 30, Language::En).expect("date")),
        [
            "digits/mon-5",
            "digits/h-30",
            "digits/19",
            "digits/oh",
            "digits/5"
        ]
    );
    let zh_date = |y, m, d| zh(&say::date(y, m, d, Language::Zh).expect("date"));
    assert_eq!(zh_date(2026, 1, 5), "二零二六年一月五日");
    assert_eq!(zh_date(2026, 10, 1), "二零二六年十月一日");
    assert_eq!(zh_date(2024, 2, 29), "二零二四年二月二十九日");
    assert_eq!(zh_date(2026, 12, 20), "二零二六年十二月二十日");
}

#[test]
fn invalid_dates_are_refused() {
    for (y, m, d) in [
        (2026, 2, 29),
        (2026, 13, 1),
        (2026, 0, 1),
        (2026, 4, 31),
        (2026, 1, 0),
        (0, 1, 1),
        (10_000, 1, 1),
    ] {
        assert_eq!(
            say::date(y, m, d, Language::En),
            Err(SayError::InvalidDate {
                year: y,
                month: m,
                day: d
            })
        );
    }
}

#[test]
fn times() {
    let en_time = |h, m| names(&say::time(h, m, Language::En).expect("time"));
    assert_eq!(
        en_time(9, 5),
        ["digits/9", "digits/oh", "digits/5", "digits/a-m"]
    );
    assert_eq!(en_time(0, 0), ["digits/12", "digits/oclock", "digits/a-m"]);
    assert_eq!(en_time(12, 0), ["digits/12", "digits/oclock", "digits/p-m"]);
    assert_eq!(
        en_time(20, 45),
        ["digits/8", "digits/40", "digits/5", "digits/p-m"]
    );
    let zh_time = |h, m| zh(&say::time(h, m, Language::Zh).expect("time"));
    assert_eq!(zh_time(8, 0), "八点钟");
    assert_eq!(zh_time(2, 0), "两点钟");
    assert_eq!(zh_time(9, 5), "九点零五分");
    assert_eq!(zh_time(14, 30), "十四点三十分");
    assert_eq!(zh_time(10, 10), "十点十分");
    assert_eq!(zh_time(0, 15), "零点十五分");
    assert_eq!(
        say::time(24, 0, Language::Zh),
        Err(SayError::InvalidTime {
            hour: 24,
            minute: 0
        })
    );
    assert!(say::time(7, 60, Language::En).is_err());
}

#[test]
fn errors_read_well() {
    let e = say::date(2026, 2, 30, Language::En).expect_err("30 February");
    assert_eq!(e.to_string(), "2026-02-30 is not a date (years 1-9999)");
}

/// Reads Mandarin number fragments back into the number (test-only, the inverse of
/// `say::number` for what it produces).
fn parse_zh(fragments: &[Fragment]) -> Option<u64> {
    let (mut total, mut section, mut digit) = (0u64, 0u64, None::<u64>);
    for f in fragments {
        let word = f.as_str().strip_prefix("zh/")?;
        match word {
            "零" => digit = None,
            "两" => digit = Some(2),
            "十" => {
                section += digit.take().unwrap_or(1) * 10;
            }
            "百" => section += digit.take()? * 100,
            "千" => section += digit.take()? * 1000,
            "万" => section = (section + digit.take().unwrap_or(0)) * 10_000,
            "亿" => {
                total = (total + section + digit.take().unwrap_or(0)) * 100_000_000;
                section = 0;
            }
            _ => {
                let d = "一二三四五六七八九"
                    .chars()
                    .position(|c| word == c.to_string())?;
                if digit.is_some() {
                    return None;
                }
                digit = Some(d as u64 + 1);
            }
        }
    }
    Some(total + section + digit.unwrap_or(0))
}

proptest! {
    #[test]
    fn every_number_is_said_with_known_fragments(n in 0u64..1_000_000_000) {
        for lang in [Language::En, Language::Zh] {
            let known = say::known_fragments(lang);
            let said = say::number(n, lang);
            prop_assert!(!said.is_empty());
            for f in &said {
                prop_assert!(known.contains(&f.as_str()), "{} unknown", f);
            }
        }
        let said = say::number(n, Language::Zh);
        prop_assert_eq!(parse_zh(&said), Some(n), "{}", zh(&said));
        // No doubled 零, none at the end (but 0 itself).
        let text = zh(&said);
        prop_assert!(!text.contains("零零"));
        prop_assert!(n == 0 || !text.ends_with('零'));
    }

    #[test]
    fn every_amount_is_said_with_known_fragments(cents in 0u64..100_000_000) {
        for lang in [Language::En, Language::Zh] {
            let known = say::known_fragments(lang);
            let said = say::money(cents, lang);
            prop_assert!(!said.is_empty());
            for f in &said {
                prop_assert!(known.contains(&f.as_str()), "{} unknown", f);
            }
        }
    }
}
