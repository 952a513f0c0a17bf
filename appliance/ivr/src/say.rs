//! Numbers, digits, dates, times and money amounts as sequences of prompt fragments, in
//! English and Mandarin. Pure functions: the caller plays the fragments back to back.
//!
//! # English fragments
//!
//! Named after the files of Debian's `asterisk-core-sounds-en-wav` (1.6.1, checked with
//! `dpkg -c`), under `/usr/share/asterisk/sounds/en_US_f_Allison/`, without `.wav`:
//!
//! - `digits/0` … `digits/20`, `digits/30` … `digits/90` (tens),
//!   `digits/hundred`, `digits/thousand`, `digits/million`, `digits/billion`;
//! - `digits/h-1` … `digits/h-20`, `digits/h-30` (ordinals for days; the package has no
//!   `h-21` … `h-29` or `h-31`, so the 21st is `digits/20 digits/h-1`, as Asterisk says it);
//! - `digits/mon-0` … `digits/mon-11` (January … December);
//! - `digits/oh` (“nine oh five”), `digits/oclock`, `digits/a-m`, `digits/p-m`;
//! - `digits/dollars`, and `letters/dollar` (the word “dollar”) for one dollar.
//!
//! The package has no file for “cent” or “cents”: [`EN_CENT`] and [`EN_CENTS`]
//! (`currency/cent`, `currency/cents`) must be synthesized like the Mandarin fragments.
//!
//! # Mandarin fragments
//!
//! `zh/零` … `zh/九`, `zh/十`, `zh/百`, `zh/千`, `zh/万`, `zh/亿`, `zh/两`, `zh/点`, `zh/元`,
//! `zh/角`, `zh/分`, `zh/年`, `zh/月`, `zh/日`, `zh/号`, `zh/点钟`, synthesized with
//! espeak-ng when the configuration is applied. `zh/零` is also read for the year digit 〇
//! (both are líng).
//!
//! Grammar choices:
//! - 十 without 一 only at the very start of a number (10 十, 15 十五, 100000 十万), 一十
//!   elsewhere (110 一百一十, 10010 一万零一十);
//! - one 零 for each run of zeros between non-zero digits, across 万/亿 too (105 一百零五,
//!   10010 一万零一十, 100000 十万); no trailing 零;
//! - 两 for a 2 before 百 and 千 (200 两百, 2000 两千, 1200 一千两百), and for a number
//!   that starts with a lone 2 before 万/亿 (20000 两万, 200000000 两亿); 二 otherwise
//!   (2 二, 12 十二, 22 二十二, 220000 二十二万). 两百 and 二百 are both correct; we
//!   pick the spoken 两百.
//! - money: `元`/`角`/`分` with 零 where 角 is skipped (3.05 三元零五分, 3.50 三元五角,
//!   0.05 五分); amounts use 二 (二元, 二角), the written form.
//! - dates: the year digit by digit (二〇二六年), then 月 and 日 (the written 日, not the
//!   spoken 号).
//! - times: 24-hour, 两点 for 2 o'clock, 点钟 on the hour (八点钟), else 点 and the minutes
//!   with 分 (八点零五分, 八点三十分).

use std::fmt;

/// A prompt language: what a flow is configured in (`"en"`, `"zh"`) and what says
/// numbers; one type for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Zh,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Zh => "zh",
        }
    }
}

/// The name of one prompt fragment, e.g. `digits/5` or `zh/五`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fragment(&'static str);

impl Fragment {
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Fragment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Why a value cannot be said.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SayError {
    #[error("no digits to say")]
    NoDigits,
    #[error("{found:?} at position {position} is not a digit 0-9")]
    NotADigit { position: usize, found: char },
    #[error("{year:04}-{month:02}-{day:02} is not a date (years 1-9999)")]
    InvalidDate { year: u32, month: u32, day: u32 },
    #[error("{hour:02}:{minute:02} is not a time of day")]
    InvalidTime { hour: u32, minute: u32 },
}

const EN_NUMBERS: [&str; 21] = [
    "digits/0",
    "digits/1",
    "digits/2",
    "digits/3",
    "digits/4",
    "digits/5",
    "digits/6",
    "digits/7",
    "digits/8",
    "digits/9",
    "digits/10",
    "digits/11",
    "digits/12",
    "digits/13",
    "digits/14",
    "digits/15",
    "digits/16",
    "digits/17",
    "digits/18",
    "digits/19",
    "digits/20",
];
// Indexed by the tens digit; 0 and 1 never used (those are in EN_NUMBERS).
const EN_TENS: [&str; 10] = [
    "",
    "",
    "digits/20",
    "digits/30",
    "digits/40",
    "digits/50",
    "digits/60",
    "digits/70",
    "digits/80",
    "digits/90",
];
// Ordinals 1st … 20th, indexed by day - 1.
const EN_ORDINALS: [&str; 20] = [
    "digits/h-1",
    "digits/h-2",
    "digits/h-3",
    "digits/h-4",
    "digits/h-5",
    "digits/h-6",
    "digits/h-7",
    "digits/h-8",
    "digits/h-9",
    "digits/h-10",
    "digits/h-11",
    "digits/h-12",
    "digits/h-13",
    "digits/h-14",
    "digits/h-15",
    "digits/h-16",
    "digits/h-17",
    "digits/h-18",
    "digits/h-19",
    "digits/h-20",
];
const EN_THIRTIETH: &str = "digits/h-30";
const EN_MONTHS: [&str; 12] = [
    "digits/mon-0",
    "digits/mon-1",
    "digits/mon-2",
    "digits/mon-3",
    "digits/mon-4",
    "digits/mon-5",
    "digits/mon-6",
    "digits/mon-7",
    "digits/mon-8",
    "digits/mon-9",
    "digits/mon-10",
    "digits/mon-11",
];
const EN_HUNDRED: &str = "digits/hundred";
const EN_THOUSAND: &str = "digits/thousand";
const EN_MILLION: &str = "digits/million";
const EN_BILLION: &str = "digits/billion";
const EN_OH: &str = "digits/oh";
const EN_OCLOCK: &str = "digits/oclock";
const EN_AM: &str = "digits/a-m";
const EN_PM: &str = "digits/p-m";
const EN_DOLLARS: &str = "digits/dollars";
const EN_DOLLAR: &str = "letters/dollar";
/// “cent”: not in `asterisk-core-sounds-en-wav`; synthesized.
pub const EN_CENT: &str = "currency/cent";
/// “cents”: not in `asterisk-core-sounds-en-wav`; synthesized.
pub const EN_CENTS: &str = "currency/cents";

const ZH_DIGITS: [&str; 10] = [
    "zh/零", "zh/一", "zh/二", "zh/三", "zh/四", "zh/五", "zh/六", "zh/七", "zh/八", "zh/九",
];
const ZH_ZERO: &str = "zh/零";
const ZH_TEN: &str = "zh/十";
const ZH_HUNDRED: &str = "zh/百";
const ZH_THOUSAND: &str = "zh/千";
const ZH_WAN: &str = "zh/万";
const ZH_YI: &str = "zh/亿";
const ZH_LIANG: &str = "zh/两";
const ZH_DIAN: &str = "zh/点";
const ZH_YUAN: &str = "zh/元";
const ZH_JIAO: &str = "zh/角";
const ZH_FEN: &str = "zh/分";
const ZH_NIAN: &str = "zh/年";
const ZH_YUE: &str = "zh/月";
const ZH_RI: &str = "zh/日";
const ZH_HAO: &str = "zh/号";
const ZH_DIANZHONG: &str = "zh/点钟";

/// Every fragment name the functions of this module can produce in `lang`: what the
/// prompt store must hold for say nodes to work.
pub fn known_fragments(lang: Language) -> Vec<&'static str> {
    match lang {
        Language::En => {
            let mut all: Vec<&'static str> = EN_NUMBERS.to_vec();
            all.extend(EN_TENS[3..].iter());
            all.extend(EN_ORDINALS.iter());
            all.extend(EN_MONTHS.iter());
            all.extend([
                EN_THIRTIETH,
                EN_HUNDRED,
                EN_THOUSAND,
                EN_MILLION,
                EN_BILLION,
                EN_OH,
                EN_OCLOCK,
                EN_AM,
                EN_PM,
                EN_DOLLARS,
                EN_DOLLAR,
                EN_CENT,
                EN_CENTS,
            ]);
            all
        }
        Language::Zh => {
            let mut all: Vec<&'static str> = ZH_DIGITS.to_vec();
            all.extend([
                ZH_TEN,
                ZH_HUNDRED,
                ZH_THOUSAND,
                ZH_WAN,
                ZH_YI,
                ZH_LIANG,
                ZH_DIAN,
                ZH_YUAN,
                ZH_JIAO,
                ZH_FEN,
                ZH_NIAN,
                ZH_YUE,
                ZH_RI,
                ZH_HAO,
                ZH_DIANZHONG,
            ]);
            all
        }
    }
}

/// A number, e.g. 105: `digits/1 digits/hundred digits/5`, 一百零五.
pub fn number(n: u64, lang: Language) -> Vec<Fragment> {
    let mut out = Vec::new();
    match lang {
        Language::En => en_number(n, &mut out),
        Language::Zh => zh_number(n, &mut out),
    }
    out.into_iter().map(Fragment).collect()
}

/// Each digit of `text` on its own (an account or phone number). Only 0-9 are accepted.
///
/// Mandarin reads 1 as 一 (yī); the 幺 (yāo) of spoken phone numbers has no fragment yet.
pub fn digits(text: &str, lang: Language) -> Result<Vec<Fragment>, SayError> {
    if text.is_empty() {
        return Err(SayError::NoDigits);
    }
    text.chars()
        .enumerate()
        .map(|(position, c)| match c.to_digit(10) {
            Some(d) => Ok(Fragment(digit_name(d as usize, lang))),
            None => Err(SayError::NotADigit { position, found: c }),
        })
        .collect()
}

/// A money amount in cents (fen): “3 dollars 5 cents”, 三元零五分.
pub fn money(cents: u64, lang: Language) -> Vec<Fragment> {
    let major = cents / 100;
    let minor = cents % 100;
    let mut out = Vec::new();
    match lang {
        Language::En => {
            // Zero says “0 dollars”; otherwise each non-zero part with its unit.
            if major > 0 || minor == 0 {
                en_number(major, &mut out);
                out.push(if major == 1 { EN_DOLLAR } else { EN_DOLLARS });
            }
            if minor > 0 {
                en_number(minor, &mut out);
                out.push(if minor == 1 { EN_CENT } else { EN_CENTS });
            }
        }
        Language::Zh => {
            let jiao = (minor / 10) as usize;
            let fen = (minor % 10) as usize;
            if major > 0 || minor == 0 {
                zh_number(major, &mut out);
                out.push(ZH_YUAN);
            }
            if jiao > 0 {
                out.extend([ZH_DIGITS[jiao], ZH_JIAO]);
            } else if fen > 0 && major > 0 {
                // The skipped 角 is read as 零: 三元零五分.
                out.push(ZH_ZERO);
            }
            if fen > 0 {
                out.extend([ZH_DIGITS[fen], ZH_FEN]);
            }
        }
    }
    out.into_iter().map(Fragment).collect()
}

/// A date: “January 5th 2026” (`digits/mon-0 digits/h-5 digits/20 digits/26`),
/// 二〇二六年一月五日. Refuses a date that does not exist (month 13, 30 February, …).
pub fn date(year: u32, month: u32, day: u32, lang: Language) -> Result<Vec<Fragment>, SayError> {
    let valid = (1..=9999).contains(&year)
        && (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month);
    if !valid {
        return Err(SayError::InvalidDate { year, month, day });
    }
    let mut out = Vec::new();
    match lang {
        Language::En => {
            out.push(EN_MONTHS[(month - 1) as usize]);
            en_ordinal(day, &mut out);
            en_year(year, &mut out);
        }
        Language::Zh => {
            for d in year.to_string().chars().filter_map(|c| c.to_digit(10)) {
                out.push(ZH_DIGITS[d as usize]);
            }
            out.push(ZH_NIAN);
            zh_number(u64::from(month), &mut out);
            out.push(ZH_YUE);
            zh_number(u64::from(day), &mut out);
            out.push(ZH_RI);
        }
    }
    Ok(out.into_iter().map(Fragment).collect())
}

/// A time of day from its 24-hour parts: “9 oh 5 a-m” (English says 12-hour time),
/// 九点零五分.
pub fn time(hour: u32, minute: u32, lang: Language) -> Result<Vec<Fragment>, SayError> {
    if hour > 23 || minute > 59 {
        return Err(SayError::InvalidTime { hour, minute });
    }
    let mut out = Vec::new();
    match lang {
        Language::En => {
            let h12 = match hour % 12 {
                0 => 12,
                h => h,
            };
            en_number(u64::from(h12), &mut out);
            match minute {
                0 => out.push(EN_OCLOCK),
                1..=9 => {
                    out.push(EN_OH);
                    en_number(u64::from(minute), &mut out);
                }
                _ => en_number(u64::from(minute), &mut out),
            }
            out.push(if hour < 12 { EN_AM } else { EN_PM });
        }
        Language::Zh => {
            if hour == 2 {
                // Clock hours say 两点, not 二点.
                out.push(ZH_LIANG);
            } else {
                zh_number(u64::from(hour), &mut out);
            }
            if minute == 0 {
                out.push(ZH_DIANZHONG);
            } else {
                out.push(ZH_DIAN);
                if minute < 10 {
                    out.push(ZH_ZERO);
                }
                zh_number(u64::from(minute), &mut out);
                out.push(ZH_FEN);
            }
        }
    }
    Ok(out.into_iter().map(Fragment).collect())
}

/// Whether `year` is a Gregorian leap year.
pub(crate) fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// Days in `month` (1-12) of `year`; 0 for a month out of range.
pub(crate) fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

fn digit_name(d: usize, lang: Language) -> &'static str {
    match lang {
        Language::En => EN_NUMBERS[d],
        Language::Zh => ZH_DIGITS[d],
    }
}

fn en_number(n: u64, out: &mut Vec<&'static str>) {
    if n == 0 {
        out.push(EN_NUMBERS[0]);
        return;
    }
    en_nonzero(n, out);
}

fn en_nonzero(mut n: u64, out: &mut Vec<&'static str>) {
    // Above a billion the count of billions is itself a number (recursion), so any u64
    // can be said.
    const SCALES: [(u64, &str); 3] = [
        (1_000_000_000, EN_BILLION),
        (1_000_000, EN_MILLION),
        (1_000, EN_THOUSAND),
    ];
    for (scale, word) in SCALES {
        if n >= scale {
            en_nonzero(n / scale, out);
            out.push(word);
            n %= scale;
        }
    }
    if n > 0 {
        en_under_1000(n as usize, out);
    }
}

fn en_under_1000(mut n: usize, out: &mut Vec<&'static str>) {
    if n >= 100 {
        out.extend([EN_NUMBERS[n / 100], EN_HUNDRED]);
        n %= 100;
    }
    if n == 0 {
        return;
    }
    if n <= 20 {
        out.push(EN_NUMBERS[n]);
    } else {
        out.push(EN_TENS[n / 10]);
        if !n.is_multiple_of(10) {
            out.push(EN_NUMBERS[n % 10]);
        }
    }
}

fn en_ordinal(day: u32, out: &mut Vec<&'static str>) {
    let day = day as usize;
    match day {
        1..=20 => out.push(EN_ORDINALS[day - 1]),
        30 => out.push(EN_THIRTIETH),
        // No h-21 … h-29, h-31 files: “twenty” + “first”.
        _ => out.extend([EN_TENS[day / 10], EN_ORDINALS[day % 10 - 1]]),
    }
}

fn en_year(year: u32, out: &mut Vec<&'static str>) {
    let (hi, lo) = (u64::from(year / 100), u64::from(year % 100));
    if year < 1000 || (2000..2010).contains(&year) || year.is_multiple_of(1000) {
        // “two thousand five”, “nine hundred twelve”
        en_number(u64::from(year), out);
    } else if lo == 0 {
        // “nineteen hundred”
        en_number(hi, out);
        out.push(EN_HUNDRED);
    } else {
        // “twenty twenty-six”, “nineteen oh five”
        en_number(hi, out);
        if lo < 10 {
            out.push(EN_OH);
        }
        en_number(lo, out);
    }
}

fn zh_number(n: u64, out: &mut Vec<&'static str>) {
    if n == 0 {
        out.push(ZH_ZERO);
        return;
    }
    zh_nonzero(n, true, out);
}

/// `leading`: these are the first words of the whole number (十 without 一, 两万).
fn zh_nonzero(n: u64, leading: bool, out: &mut Vec<&'static str>) {
    const YI: u64 = 100_000_000;
    const WAN: u64 = 10_000;
    if n >= YI {
        // Above 亿 the count of 亿 is itself a number (recursion): 一万亿.
        zh_group(n / YI, leading, out);
        out.push(ZH_YI);
        let rest = n % YI;
        if rest > 0 {
            // A zero in the 千万 place is read as one 零: 一亿零五百万.
            if rest < YI / 10 {
                out.push(ZH_ZERO);
            }
            zh_nonzero(rest, false, out);
        }
    } else if n >= WAN {
        zh_group(n / WAN, leading, out);
        out.push(ZH_WAN);
        let rest = n % WAN;
        if rest > 0 {
            if rest < 1000 {
                out.push(ZH_ZERO);
            }
            zh_section(rest as usize, false, out);
        }
    } else {
        zh_section(n as usize, leading, out);
    }
}

/// The count before 万 or 亿: a lone 2 that starts the number is 两 (两万, 两亿).
fn zh_group(n: u64, leading: bool, out: &mut Vec<&'static str>) {
    if n == 2 && leading {
        out.push(ZH_LIANG);
    } else {
        zh_nonzero(n, leading, out);
    }
}

/// 1..=9999 in 千/百/十 places, one 零 for each inner run of zeros, none trailing.
fn zh_section(n: usize, leading: bool, out: &mut Vec<&'static str>) {
    let places = [
        (n / 1000, Some(ZH_THOUSAND)),
        (n / 100 % 10, Some(ZH_HUNDRED)),
        (n / 10 % 10, Some(ZH_TEN)),
        (n % 10, None),
    ];
    let mut started = false;
    let mut zero_pending = false;
    for (d, unit) in places {
        if d == 0 {
            zero_pending |= started;
            continue;
        }
        if zero_pending {
            out.push(ZH_ZERO);
            zero_pending = false;
        }
        match unit {
            // 十五, 十万: no 一 before a leading 十.
            Some(ZH_TEN) if d == 1 && leading && !started => {}
            Some(ZH_HUNDRED | ZH_THOUSAND) if d == 2 => out.push(ZH_LIANG),
            _ => out.push(ZH_DIGITS[d]),
        }
        if let Some(unit) = unit {
            out.push(unit);
        }
        started = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leap_years() {
        assert!(is_leap(2000) && is_leap(2024) && !is_leap(1900) && !is_leap(2026));
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2026, 2), 28);
        assert_eq!(days_in_month(2026, 13), 0);
    }
}
