//! Scenario text → [`Scenario`]. Every error names `file:line` and what is wrong.

use std::fmt;
use std::path::Path;

use far_end::{CidDelivery, PriRole, HISTORY_MS};
use soft_hardware::DeviceKind;

use crate::ast::*;

mod span;

/// Longest window or duration a step may ask for.
const MAX_DURATION_MS: u64 = 3_600_000;
/// Most rounds of one `repeat` block.
const MAX_REPEAT: u32 = 1000;
/// Most steps a scenario may have once its `repeat` blocks are unrolled.
pub const MAX_STEPS: usize = 100_000;
/// Default `for` of `hears silence`.
const DEFAULT_SILENCE_MS: u64 = 500;
/// Default `above` and `for` of `hears audio`.
const DEFAULT_AUDIO_DBM0: f32 = -40.0;
const DEFAULT_AUDIO_MS: u64 = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub file: String,
    /// 1-based; 0 when the whole file is concerned (e.g. a missing `name:`).
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

impl std::error::Error for ParseError {}

/// Reads and parses a scenario file.
pub fn parse_file(path: &Path) -> Result<Scenario, ParseError> {
    let file = path.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|e| ParseError {
        file: file.clone(),
        line: 0,
        message: format!("cannot read: {e}"),
    })?;
    parse(&source, &file)
}

/// A step and the rounds of the `repeat` blocks it was unrolled from, innermost first.
struct Unrolled {
    step: Step,
    rounds: Vec<(u32, u32)>,
}

/// A `repeat N` block being read: its line, N and its steps so far (inner blocks
/// already unrolled).
struct RepeatBlock {
    line: usize,
    count: u32,
    steps: Vec<Unrolled>,
}

/// Parses scenario text; `file` is only used in messages.
pub fn parse(source: &str, file: &str) -> Result<Scenario, ParseError> {
    let mut name: Option<String> = None;
    let mut config: Option<String> = None;
    let mut devices: Option<Vec<DeviceSpec>> = None;
    let mut box_time: Option<u64> = None;
    let mut lookup_server: Option<LookupServerSpec> = None;
    let mut steps: Vec<Unrolled> = Vec::new();
    // `repeat` blocks not yet closed, outermost first.
    let mut open: Vec<RepeatBlock> = Vec::new();
    let mut seen_step = false;
    for (index, raw) in source.lines().enumerate() {
        let line = index + 1;
        let err = |message: String| ParseError {
            file: file.to_owned(),
            line,
            message,
        };
        let (tokens, text) = tokenize(raw).map_err(err)?;
        if tokens.is_empty() {
            continue;
        }
        match tokens[0] {
            Tok::Word(ref w) if w == "repeat" => {
                let count = repeat_count(&tokens[1..]).map_err(err)?;
                seen_step = true;
                open.push(RepeatBlock {
                    line,
                    count,
                    steps: Vec::new(),
                });
                continue;
            }
            Tok::Word(ref w) if w == "end" => {
                if let Some(extra) = tokens.get(1) {
                    return Err(err(format!("unexpected {:?} after `end`", extra.text())));
                }
                let block = open
                    .pop()
                    .ok_or_else(|| err("`end` without a `repeat` to close".into()))?;
                let into = match open.last_mut() {
                    Some(outer) => &mut outer.steps,
                    None => &mut steps,
                };
                unroll(block, line, into).map_err(|(line, message)| ParseError {
                    file: file.to_owned(),
                    line,
                    message,
                })?;
                continue;
            }
            _ => {}
        }
        // Two-word headers: `box time:`, `lookup server:`.
        let two_word = match (&tokens[0], tokens.get(1)) {
            (Tok::Word(a), Some(Tok::Word(b)))
                if (a == "box" && b == "time:") || (a == "lookup" && b == "server:") =>
            {
                Some(format!("{a} {}", b.trim_end_matches(':')))
            }
            _ => None,
        };
        let header = match (&tokens[0], &two_word) {
            (_, Some(key)) => Some(key.clone()),
            (Tok::Word(w), None) if w.ends_with(':') => Some(w.trim_end_matches(':').to_owned()),
            _ => None,
        };
        let header_words = if two_word.is_some() { 2 } else { 1 };
        if let Some(key) = header {
            if let Some(block) = open.last() {
                return Err(err(format!(
                    "`{key}:` inside the `repeat` block of line {}: headers go outside `repeat … end`",
                    block.line
                )));
            }
            let rest: Vec<&str> = tokens[header_words..].iter().map(Tok::text).collect();
            match key.as_str() {
                "box time" => {
                    if box_time.is_some() {
                        return Err(err("`box time:` given twice".into()));
                    }
                    box_time = Some(parse_box_time(&rest.join(" ")).map_err(err)?);
                }
                "lookup server" => {
                    if lookup_server.is_some() {
                        return Err(err("`lookup server:` given twice".into()));
                    }
                    lookup_server = Some(parse_lookup_server(&rest).map_err(err)?);
                }
                "name" => {
                    if name.is_some() {
                        return Err(err("`name:` given twice".into()));
                    }
                    if rest.is_empty() {
                        return Err(err("`name:` needs a text".into()));
                    }
                    name = Some(rest.join(" "));
                }
                "config" => {
                    if config.is_some() {
                        return Err(err("`config:` given twice".into()));
                    }
                    match rest.as_slice() {
                        [dir] if valid_config_name(dir) => config = Some((*dir).to_owned()),
                        [dir] => return Err(err(format!("config {dir:?}: use a directory name under hil-tests/configs/ (letters, digits, - and _)"))),
                        _ => return Err(err("`config:` takes exactly one directory name".into())),
                    }
                }
                "devices" => {
                    if devices.is_some() {
                        return Err(err("`devices:` given twice".into()));
                    }
                    if seen_step {
                        return Err(err("`devices:` must come before the first step".into()));
                    }
                    let mut list: Vec<DeviceSpec> = Vec::new();
                    for word in rest {
                        let spec = parse_device_spec(word).map_err(err)?;
                        if list.iter().any(|d| d.name == spec.name) {
                            return Err(err(format!("device {word} listed twice")));
                        }
                        if list.iter().any(|d| d.id == spec.id) {
                            return Err(err(format!(
                                "device id {} used twice (ids are unique across kinds)",
                                spec.id
                            )));
                        }
                        list.push(spec);
                    }
                    if list.is_empty() {
                        return Err(err(
                            "`devices:` needs at least one device (e.g. fxo1 fxs3)".into()
                        ));
                    }
                    devices = Some(list);
                }
                other => {
                    return Err(err(format!(
                        "unknown header `{other}:` (expected name:, config:, devices:, box time: or lookup server:)"
                    )))
                }
            }
            continue;
        }
        let declared = devices.as_deref().unwrap_or(&[]);
        let mut cursor = Cursor {
            tokens: &tokens,
            at: 0,
            declared,
            devices_given: devices.is_some(),
        };
        let action = cursor.step().map_err(err)?;
        seen_step = true;
        let into = match open.last_mut() {
            Some(block) => &mut block.steps,
            None => &mut steps,
        };
        if into.len() >= MAX_STEPS {
            return Err(err(format!(
                "more than {MAX_STEPS} steps (once `repeat` blocks are unrolled)"
            )));
        }
        into.push(Unrolled {
            step: Step {
                line,
                text: text.trim().to_owned(),
                action,
            },
            rounds: Vec::new(),
        });
    }
    if let Some(block) = open.last() {
        return Err(ParseError {
            file: file.to_owned(),
            line: block.line,
            message: format!(
                "`repeat {}` is not closed: add a line `end` after its steps",
                block.count
            ),
        });
    }
    let whole = |message: &str| ParseError {
        file: file.to_owned(),
        line: 0,
        message: message.to_owned(),
    };
    let name = name.ok_or_else(|| whole("missing `name:` header"))?;
    let devices = devices.ok_or_else(|| whole("missing `devices:` header"))?;
    if steps.is_empty() {
        return Err(whole("no steps"));
    }
    let steps = steps.into_iter().map(Unrolled::into_step).collect();
    Ok(Scenario {
        file: file.to_owned(),
        name,
        config,
        devices,
        box_time_unix_ms: box_time,
        lookup_server,
        steps,
    })
}

/// `2026-12-07 22:30 +08:00` (also `22:30:15`, and `Z` or `+00:00` for UTC) → Unix ms.
pub fn parse_box_time(text: &str) -> Result<u64, String> {
    let bad = |why: &str| {
        format!(
            "bad box time {text:?}: {why} (expected a local date, time and UTC offset, e.g. `2026-12-07 22:30 +08:00`)"
        )
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    let [date, time, offset] = words.as_slice() else {
        return Err(bad("three parts wanted"));
    };
    let number = |s: &str, what: &str, max: i64| -> Result<i64, String> {
        s.parse::<i64>()
            .ok()
            .filter(|n| {
                (0..=max).contains(n) && !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
            })
            .ok_or_else(|| bad(&format!("{what} {s:?}")))
    };
    let d: Vec<&str> = date.split('-').collect();
    let [y, m, day] = d.as_slice() else {
        return Err(bad("the date is YYYY-MM-DD"));
    };
    let (year, month, day) = (
        number(y, "year", 9999)?,
        number(m, "month", 12)?,
        number(day, "day", 31)?,
    );
    if year < 1970 || month < 1 || day < 1 || day > days_in_month(year, month) {
        return Err(bad("no such date (1970 or later)"));
    }
    let t: Vec<&str> = time.split(':').collect();
    let (hour, minute, second) = match t.as_slice() {
        [h, m] => (number(h, "hour", 23)?, number(m, "minute", 59)?, 0),
        [h, m, s] => (
            number(h, "hour", 23)?,
            number(m, "minute", 59)?,
            number(s, "second", 59)?,
        ),
        _ => return Err(bad("the time is HH:MM or HH:MM:SS")),
    };
    let offset_min = if *offset == "Z" || *offset == "UTC" {
        0
    } else {
        let (sign, rest) = match offset.split_at_checked(1) {
            Some(("+", rest)) => (1, rest),
            Some(("-", rest)) => (-1, rest),
            _ => return Err(bad("the UTC offset is +HH:MM, -HH:MM or Z")),
        };
        let Some((h, m)) = rest.split_once(':') else {
            return Err(bad("the UTC offset is +HH:MM, -HH:MM or Z"));
        };
        let minutes = number(h, "offset hours", 14)? * 60 + number(m, "offset minutes", 59)?;
        if minutes > 14 * 60 {
            return Err(bad("the UTC offset is at most 14:00"));
        }
        sign * minutes
    };
    let days = days_from_civil(year, month, day);
    let local_s = days * 86_400 + hour * 3600 + minute * 60 + second;
    let utc_s = local_s - offset_min * 60;
    if utc_s < 0 {
        return Err(bad("before 1970"));
    }
    Ok(utc_s as u64 * 1000)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The words after `lookup server:`: `ADDRESS answers`, `ADDRESS slow D`, `ADDRESS garbage`.
fn parse_lookup_server(words: &[&str]) -> Result<LookupServerSpec, String> {
    let usage = "`lookup server:` takes an address and how it answers: `127.0.0.1:18090 answers`, `… slow 5s` or `… garbage`";
    let Some((address, how)) = words.split_first() else {
        return Err(usage.into());
    };
    if address.parse::<std::net::SocketAddr>().is_err() {
        return Err(format!(
            "lookup server address {address:?}: expected IP:PORT, e.g. 127.0.0.1:18090"
        ));
    }
    let behaviour = match how {
        ["answers"] => far_end::LookupBehaviour::Balance,
        ["garbage"] => far_end::LookupBehaviour::Garbage,
        ["slow", d] => {
            far_end::LookupBehaviour::Slow(std::time::Duration::from_millis(parse_duration(d)?))
        }
        _ => return Err(usage.into()),
    };
    Ok(LookupServerSpec {
        address: (*address).to_owned(),
        behaviour,
    })
}

/// The N of `repeat N` (the words after `repeat`).
fn repeat_count(rest: &[Tok]) -> Result<u32, String> {
    let word = match rest {
        [] => return Err(format!("`repeat` needs a count: `repeat N` (1 to {MAX_REPEAT}), then the steps, then `end`")),
        [word] => word.text(),
        [_, extra, ..] => {
            return Err(format!(
                "unexpected {:?} after `repeat {}` (the steps to repeat go on the lines below, closed by `end`)",
                extra.text(),
                rest[0].text()
            ))
        }
    };
    word.parse()
        .ok()
        .filter(|n| (1..=MAX_REPEAT).contains(n))
        .ok_or_else(|| format!("bad repeat count {word:?}: expected 1 to {MAX_REPEAT}"))
}

/// Appends `block`'s steps `block.count` times to `into`, each marked with its round.
/// `end_line` is the line of its `end`. An error names the line of the `repeat`.
fn unroll(
    block: RepeatBlock,
    end_line: usize,
    into: &mut Vec<Unrolled>,
) -> Result<(), (usize, String)> {
    let RepeatBlock { line, count, steps } = block;
    if steps.is_empty() {
        return Err((
            line,
            format!(
                "`repeat {count}` has no steps before its `end` (line {end_line}): put the steps to repeat between them"
            ),
        ));
    }
    let total = steps
        .len()
        .saturating_mul(count as usize)
        .saturating_add(into.len());
    if total > MAX_STEPS {
        return Err((
            line,
            format!(
                "`repeat {count}` of {} steps makes {total} steps; at most {MAX_STEPS} once `repeat` blocks are unrolled",
                steps.len()
            ),
        ));
    }
    into.reserve(steps.len() * count as usize);
    for round in 1..=count {
        for s in &steps {
            let mut rounds = s.rounds.clone();
            rounds.push((round, count));
            into.push(Unrolled {
                step: s.step.clone(),
                rounds,
            });
        }
    }
    Ok(())
}

impl Unrolled {
    /// The step, its text marked with its rounds, outermost first:
    /// `fxs2 off-hook (repeat 3/31)`, `wait 1s (repeat 2/5, 1/3)`.
    fn into_step(self) -> Step {
        let mut step = self.step;
        if !self.rounds.is_empty() {
            let rounds: Vec<String> = self
                .rounds
                .iter()
                .rev()
                .map(|(round, count)| format!("{round}/{count}"))
                .collect();
            step.text = format!("{} (repeat {})", step.text, rounds.join(", "));
        }
        step
    }
}

fn valid_config_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
}

impl Tok {
    fn text(&self) -> &str {
        match self {
            Tok::Word(s) | Tok::Quoted(s) => s,
        }
    }
}

/// Splits a line into words and "quoted strings"; a `#` that begins a word (outside
/// quotes) starts a comment, so `*#*9` is a word but `#9` must be quoted.
/// Returns the tokens and the line's text before the comment.
fn tokenize(line: &str) -> Result<(Vec<Tok>, &str), String> {
    let mut tokens = Vec::new();
    let mut chars = line.char_indices().peekable();
    let mut end = line.len();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '#' {
            end = i;
            break;
        } else if c == '"' {
            chars.next();
            let mut s = String::new();
            let mut closed = false;
            while let Some((_, c)) = chars.next() {
                match c {
                    '"' => {
                        closed = true;
                        break;
                    }
                    '\\' => match chars.next() {
                        Some((_, e)) => s.push(e),
                        None => break,
                    },
                    c => s.push(c),
                }
            }
            if !closed {
                return Err("unterminated quoted string".into());
            }
            tokens.push(Tok::Quoted(s));
        } else {
            let mut s = String::new();
            while let Some(&(_, c)) = chars.peek() {
                if c.is_whitespace() || c == '"' {
                    break;
                }
                s.push(c);
                chars.next();
            }
            tokens.push(Tok::Word(s));
        }
    }
    Ok((tokens, &line[..end]))
}

/// A word of `devices:`: a device name, for a span optionally with the rig's side of
/// the PRI: `span1:user`, `span1:network` (the default).
fn parse_device_spec(word: &str) -> Result<DeviceSpec, String> {
    let Some((name, side)) = word.split_once(':') else {
        return parse_device_name(word);
    };
    let mut spec = parse_device_name(name)?;
    if spec.kind != DeviceKind::E1 {
        return Err(format!(
            "{word:?}: only a span takes a side (e.g. span1:user or span1:network)"
        ));
    }
    spec.pri_role = Some(match side {
        "network" => PriRole::Network,
        "user" => PriRole::User,
        other => {
            return Err(format!(
                "{word:?}: the rig's side of a span is `user` or `network`, not {other:?}"
            ))
        }
    });
    Ok(spec)
}

fn parse_device_name(word: &str) -> Result<DeviceSpec, String> {
    let (kind, digits) = if let Some(d) = word.strip_prefix("fxo") {
        (DeviceKind::Fxo, d)
    } else if let Some(d) = word.strip_prefix("fxs") {
        (DeviceKind::Fxs, d)
    } else if let Some(d) = word.strip_prefix("span") {
        (DeviceKind::E1, d)
    } else {
        return Err(format!(
            "{word:?} is not a device (expected fxoN, fxsN or spanN, e.g. fxo1, fxs3, span1)"
        ));
    };
    let id: u16 = digits
        .parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| format!("{word:?}: the device id must be a number from 1 to 65535"))?;
    Ok(DeviceSpec {
        name: word.to_owned(),
        kind,
        id,
        pri_role: (kind == DeviceKind::E1).then_some(PriRole::Network),
    })
}

/// `10s`, `500ms`, `1.5s`, `2min`.
pub(crate) fn parse_duration(text: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "bad duration {text:?}: expected a number with ms, s or min (e.g. 500ms, 10s, 1.5s)"
        )
    };
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix("min") {
        (n, 60_000.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return Err(bad());
    };
    let value: f64 = number.parse().map_err(|_| bad())?;
    if !value.is_finite() || value < 0.0 {
        return Err(bad());
    }
    let ms = (value * scale).round();
    if ms > MAX_DURATION_MS as f64 {
        return Err(format!("duration {text} is longer than the 1 hour limit"));
    }
    Ok(ms as u64)
}

fn check_digits(digits: &str) -> Result<(), String> {
    if digits.is_empty() {
        return Err("no digits given (quote digits that contain #, e.g. \"*#*9\")".into());
    }
    if let Some(bad) = digits
        .chars()
        .find(|c| !matches!(c, '0'..='9' | 'A'..='D' | 'a'..='d' | '*' | '#'))
    {
        return Err(format!(
            "{bad:?} in {digits:?} is not a DTMF digit (0-9, A-D, *, #)"
        ));
    }
    Ok(())
}

struct Cursor<'a> {
    tokens: &'a [Tok],
    at: usize,
    declared: &'a [DeviceSpec],
    devices_given: bool,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(Tok::text)
    }
    /// Peeks an unquoted word (keywords are never quoted).
    fn peek_word(&self) -> Option<&str> {
        match self.tokens.get(self.at) {
            Some(Tok::Word(w)) => Some(w),
            _ => None,
        }
    }
    fn eat(&mut self, word: &str) -> bool {
        if self.peek_word() == Some(word) {
            self.at += 1;
            true
        } else {
            false
        }
    }
    fn next(&mut self, what: &str) -> Result<String, String> {
        match self.tokens.get(self.at) {
            Some(t) => {
                self.at += 1;
                Ok(t.text().to_owned())
            }
            None => Err(format!("missing {what}")),
        }
    }
    fn expect_word(&mut self, word: &str, context: &str) -> Result<(), String> {
        if self.eat(word) {
            Ok(())
        } else {
            Err(match self.peek() {
                Some(got) => format!("{context}: expected `{word}`, found {got:?}"),
                None => format!("{context}: expected `{word}`"),
            })
        }
    }
    fn done(&self, context: &str) -> Result<(), String> {
        match self.peek() {
            None => Ok(()),
            Some(extra) => Err(format!("unexpected {extra:?} after {context}")),
        }
    }
    fn duration(&mut self, what: &str) -> Result<u64, String> {
        let text = self.next(what)?;
        parse_duration(&text)
    }
    fn level(&mut self, what: &str) -> Result<f32, String> {
        let text = self.next(what)?;
        let lower = text.to_ascii_lowercase();
        let number = lower.strip_suffix("dbm0").unwrap_or(&lower);
        let level: f32 = number
            .parse()
            .ok()
            .filter(|l: &f32| l.is_finite() && (-80.0..=3.0).contains(l))
            .ok_or_else(|| {
                format!("bad level {text:?}: expected dBm0 between -80 and 3, e.g. -13")
            })?;
        if number.len() == lower.len() {
            // Optional unit as a separate word.
            if self.peek_word().map(str::to_ascii_lowercase).as_deref() == Some("dbm0") {
                self.at += 1;
            }
        }
        Ok(level)
    }
    fn freq(&mut self) -> Result<u16, String> {
        let text = self.next("frequency in Hz")?;
        let text_num = text.strip_suffix("Hz").unwrap_or(&text);
        text_num
            .parse::<u16>()
            .ok()
            .filter(|f| (100..=3900).contains(f))
            .ok_or_else(|| format!("bad frequency {text:?}: expected Hz between 100 and 3900"))
    }

    fn device(&mut self) -> Result<DeviceSpec, String> {
        let word = self.next("device")?;
        let spec = parse_device_name(&word)?;
        if !self.devices_given {
            return Err("`devices:` must come before the first step".into());
        }
        match self.declared.iter().find(|d| d.name == spec.name) {
            Some(d) => Ok(d.clone()),
            None => Err(format!("device {word} is not listed in `devices:`")),
        }
    }

    /// `supervise agent ID MODE from EXTENSION`.
    fn supervise(&mut self) -> Result<Action, String> {
        if !self.eat("agent") {
            return Err("expected `supervise agent ID MODE from EXTENSION`".into());
        }
        let digits = |text: String, what: &str| -> Result<String, String> {
            if (1..=8).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
                Ok(text)
            } else {
                Err(format!("bad {what} {text:?}: 1 to 8 digits"))
            }
        };
        let agent = digits(self.next("agent after `supervise agent`")?, "agent")?;
        let mode = self.next("mode (listen, whisper, barge, take-over)")?;
        if !["listen", "whisper", "barge", "take-over"].contains(&mode.as_str()) {
            return Err(format!(
                "unknown supervise mode {mode:?} (listen, whisper, barge, take-over)"
            ));
        }
        if !self.eat("from") {
            return Err("expected `from EXTENSION` after the mode".into());
        }
        let extension = digits(self.next("extension after `from`")?, "extension")?;
        self.done("supervise")?;
        Ok(Action::Supervise {
            agent,
            mode,
            extension,
        })
    }

    fn step(&mut self) -> Result<Action, String> {
        if self.eat("wait") {
            let duration_ms = self.duration("duration after `wait`")?;
            self.done("wait")?;
            return Ok(Action::Wait { duration_ms });
        }
        if self.eat("expect") {
            return self.expect().map(Action::Expect);
        }
        if self.eat("supervise") {
            return self.supervise();
        }
        let first = self.peek().unwrap_or_default().to_owned();
        if parse_device_name(&first).is_err() {
            return Err(format!(
                "unknown step {first:?}: a step starts with `wait`, `expect` or a device name (fxo1 call, fxs3 off-hook, span1 call, …)"
            ));
        }
        let dev = self.device()?;
        if dev.kind == DeviceKind::E1 {
            return self.span_step(dev);
        }
        let device = dev.name.clone();
        let verb = self.next(&format!("what {device} should do"))?;
        let need = |kind: DeviceKind, what: &str| -> Result<(), String> {
            if dev.kind == kind {
                Ok(())
            } else {
                Err(format!(
                    "`{what}` is for {} devices; {device} is an {}",
                    kind.socket_prefix(),
                    dev.kind.socket_prefix()
                ))
            }
        };
        let action = match verb.as_str() {
            "call" => {
                need(DeviceKind::Fxo, "call")?;
                let (mut from, mut name, mut cid) = (None, None, CidDelivery::None);
                while let Some(word) = self.peek_word().map(str::to_owned) {
                    self.at += 1;
                    match word.as_str() {
                        "from" => from = Some(self.next("caller number after `from`")?),
                        "name" => name = Some(self.next("caller name after `name`")?),
                        "cid" => {
                            let mode = self.next("caller ID mode after `cid`")?;
                            cid = match mode.as_str() {
                                "none" => CidDelivery::None,
                                "etsi-before-ring" => CidDelivery::EtsiFskBeforeRing,
                                "etsi-after-ring" => CidDelivery::EtsiFskAfterFirstRing,
                                other => {
                                    return Err(format!(
                                        "unknown caller ID mode {other:?} (none, etsi-before-ring, etsi-after-ring)"
                                    ))
                                }
                            };
                        }
                        other => return Err(format!("unexpected {other:?} in `call` (from, name, cid)")),
                    }
                }
                self.done("call")?;
                if let Some(n) = &from {
                    if n.is_empty() || n.len() > 20 {
                        return Err(format!("caller number {n:?} must be 1 to 20 characters"));
                    }
                }
                if let Some(n) = &name {
                    if n.len() > 50 {
                        return Err(format!("caller name {n:?} is longer than 50 bytes"));
                    }
                }
                Action::Call { device, from, name, cid }
            }
            "hang-up" => Action::HangUp { device },
            "off-hook" => {
                need(DeviceKind::Fxs, "off-hook")?;
                Action::OffHook { device }
            }
            "on-hook" => {
                need(DeviceKind::Fxs, "on-hook")?;
                Action::OnHook { device }
            }
            "flash" => {
                need(DeviceKind::Fxs, "flash")?;
                Action::Flash { device }
            }
            "dial" => {
                need(DeviceKind::Fxs, "dial")?;
                let digits = self.next("digits to dial")?;
                check_digits(&digits)?;
                Action::Dial { device, digits }
            }
            "send" => {
                self.expect_word("dtmf", "send")?;
                let digits = self.next("DTMF digits (quote digits that contain #, e.g. \"*#*9\")")?;
                check_digits(&digits)?;
                Action::SendDtmf { device, digits }
            }
            "play" => {
                if self.eat("silence") {
                    self.expect_word("for", "play silence")?;
                    let duration_ms = self.duration("duration")?;
                    Action::PlaySilence { device, duration_ms }
                } else {
                    self.expect_word("tone", "play")?;
                    let freq_hz = self.freq()?;
                    let level_dbm0 = if self.eat("at") { self.level("level after `at`")? } else { -13.0 };
                    self.expect_word("for", "play tone")?;
                    let duration_ms = self.duration("duration")?;
                    Action::PlayTone { device, freq_hz, level_dbm0, duration_ms }
                }
            }
            other => {
                return Err(format!(
                    "unknown action {other:?} for {device} (call, hang-up, off-hook, on-hook, flash, dial, send dtmf, play)"
                ))
            }
        };
        self.done(&verb)?;
        Ok(action)
    }

    fn expect(&mut self) -> Result<Expectation, String> {
        let (subject, negated) = if self.eat("cdr") {
            (Subject::Cdr(self.cdr_match()?), false)
        } else if self.eat("ivr") {
            (self.ivr()?, false)
        } else if self.eat("agent") {
            self.agent()?
        } else if self.eat("alert") {
            self.alert()?
        } else {
            let dev = self.device()?;
            let negated = self.eat("not");
            if dev.kind == DeviceKind::E1 {
                let condition = self.span_condition(&dev)?;
                (
                    Subject::Span {
                        device: dev.name,
                        condition,
                    },
                    negated,
                )
            } else {
                let condition = self.condition(&dev)?;
                (
                    Subject::Device {
                        device: dev.name,
                        condition,
                    },
                    negated,
                )
            }
        };
        let (mode, window_ms) = if self.eat("within") {
            (Mode::Within, self.duration("duration after `within`")?)
        } else if self.eat("for") {
            (Mode::Throughout, self.duration("duration after `for`")?)
        } else if negated && hears_a_sound(&subject) {
            // `not hears tone F for 100ms` reads like a 100 ms window but is a 100 ms
            // tone judged over the default 5 s: have the window written out.
            return Err(
                "`not hears tone`/`not hears silence` needs its window written out: the `for D` in `hears tone F for D` is how long the sound lasts, not the window (e.g. `expect fxs3 not hears tone 1004 for 100ms within 2s`)"
                    .into(),
            );
        } else {
            (Mode::Within, DEFAULT_WINDOW_MS)
        };
        if matches!(subject, Subject::Cdr(_)) && mode == Mode::Throughout {
            return Err("`expect cdr` takes `within`, not `for`".into());
        }
        if matches!(subject, Subject::Ivr { .. }) && mode == Mode::Throughout {
            return Err("`expect ivr` takes `within`, not `for`".into());
        }
        self.done("the expectation")?;
        Ok(Expectation {
            subject,
            negated,
            mode,
            window_ms,
        })
    }

    fn condition(&mut self, dev: &DeviceSpec) -> Result<Condition, String> {
        let word = self.next(&format!("what to expect of {}", dev.name))?;
        let need = |kind: DeviceKind| -> Result<(), String> {
            if dev.kind == kind {
                Ok(())
            } else {
                Err(format!(
                    "`{word}` can only be expected of {} devices; {} is an {}",
                    kind.socket_prefix(),
                    dev.name,
                    dev.kind.socket_prefix()
                ))
            }
        };
        Ok(match word.as_str() {
            "answered" => {
                need(DeviceKind::Fxo)?;
                Condition::Answered
            }
            "on-hook" => {
                need(DeviceKind::Fxo)?;
                Condition::OnHook
            }
            "off-hook" => {
                need(DeviceKind::Fxo)?;
                Condition::OffHook
            }
            "ringing" => {
                need(DeviceKind::Fxs)?;
                Condition::Ringing
            }
            "rings" => {
                need(DeviceKind::Fxs)?;
                let n = self.next("number of ring bursts")?;
                Condition::Rings(n.parse().map_err(|_| format!("bad ring count {n:?}"))?)
            }
            "caller-id" => {
                need(DeviceKind::Fxs)?;
                let number = self.next("caller ID number")?;
                let name = if self.eat("name") { Some(self.next("caller ID name")?) } else { None };
                Condition::CallerId { number, name }
            }
            "battery" => {
                need(DeviceKind::Fxs)?;
                Condition::Battery
            }
            "hears" => self.hearing(false)?.0,
            other => {
                return Err(format!(
                    "unknown expectation {other:?} (answered, on-hook, off-hook, ringing, rings, caller-id, battery, hears)"
                ))
            }
        })
    }

    /// What follows `hears`: `tone F [above L] [for D]`, `dtmf DIGITS` or
    /// `silence [for D]`; with `calls`, also `on all calls` / `on call N` among the options.
    fn hearing(&mut self, calls: bool) -> Result<(Condition, Option<CallSel>), String> {
        let what = self.next("tone, dtmf, silence or audio after `hears`")?;
        let mut on = None;
        let condition = match what.as_str() {
            "tone" => {
                let freq_hz = self.freq()?;
                let (mut min_dbm0, mut min_ms) = (None, None);
                loop {
                    if min_dbm0.is_none() && self.eat("above") {
                        min_dbm0 = Some(self.level("level after `above`")?);
                    } else if min_ms.is_none() && self.eat("for") {
                        min_ms = Some(self.duration("duration")?);
                    } else if calls && on.is_none() && self.eat("on") {
                        on = Some(self.call_sel()?);
                    } else {
                        break;
                    }
                }
                let min_ms = min_ms.unwrap_or(DEFAULT_TONE_MIN_MS);
                check_history(min_ms)?;
                Condition::HearsTone {
                    freq_hz,
                    min_dbm0: min_dbm0.unwrap_or(DEFAULT_TONE_MIN_DBM0),
                    min_ms,
                }
            }
            "dtmf" => {
                let digits = self.next("DTMF digits")?;
                check_digits(&digits)?;
                if calls && self.eat("on") {
                    on = Some(self.call_sel()?);
                }
                Condition::HearsDtmf(digits)
            }
            "silence" => {
                let mut min_ms = None;
                loop {
                    if min_ms.is_none() && self.eat("for") {
                        min_ms = Some(self.duration("duration")?);
                    } else if calls && on.is_none() && self.eat("on") {
                        on = Some(self.call_sel()?);
                    } else {
                        break;
                    }
                }
                let min_ms = min_ms.unwrap_or(DEFAULT_SILENCE_MS);
                check_history(min_ms)?;
                Condition::HearsSilence { min_ms }
            }
            "audio" => {
                let (mut min_dbm0, mut min_ms) = (None, None);
                loop {
                    if min_dbm0.is_none() && self.eat("above") {
                        min_dbm0 = Some(self.level("level after `above`")?);
                    } else if min_ms.is_none() && self.eat("for") {
                        min_ms = Some(self.duration("duration")?);
                    } else if calls && on.is_none() && self.eat("on") {
                        on = Some(self.call_sel()?);
                    } else {
                        break;
                    }
                }
                let min_ms = min_ms.unwrap_or(DEFAULT_AUDIO_MS);
                check_history(min_ms)?;
                Condition::HearsAudio {
                    min_dbm0: min_dbm0.unwrap_or(DEFAULT_AUDIO_DBM0),
                    min_ms,
                }
            }
            other => {
                return Err(format!(
                    "`hears {other}`: expected tone, dtmf, silence or audio"
                ))
            }
        };
        Ok((condition, on))
    }

    /// What follows `expect ivr`: `path [starts] A,B,C`, `variable NAME = VALUE`,
    /// `lookup ok|failed`, `digits D`, then `[of call N]`.
    fn ivr(&mut self) -> Result<Subject, String> {
        if self.peek_word() == Some("not") {
            return Err("`expect ivr` takes no `not`".into());
        }
        let word = self.next("what to expect of the IVR (path, variable, lookup, digits)")?;
        let condition = match word.as_str() {
            "path" => {
                let prefix = self.eat("starts");
                let nodes = self.node_list("the nodes of the path, e.g. main,billing")?;
                IvrCondition::Path { nodes, prefix }
            }
            "variable" => {
                let name = self.next("variable name")?;
                self.expect_word("=", "ivr variable NAME = VALUE")?;
                let value = self.next("the variable's value")?;
                IvrCondition::Variable { name, value }
            }
            "lookup" => match self.next("`ok` or `failed` after `lookup`")?.as_str() {
                "ok" => IvrCondition::Lookup { ok: true },
                "failed" => IvrCondition::Lookup { ok: false },
                other => return Err(format!("`ivr lookup {other}`: expected ok or failed")),
            },
            "digits" => {
                let digits = self.next("digits")?;
                check_digits(&digits)?;
                IvrCondition::Digits(digits)
            }
            other => {
                return Err(format!(
                    "unknown IVR expectation {other:?} (path, variable, lookup, digits)"
                ))
            }
        };
        let call = if self.eat("of") {
            self.expect_word("call", "of")?;
            let n = self.next("call number")?;
            Some(
                n.parse::<usize>()
                    .ok()
                    .filter(|&n| n >= 1)
                    .ok_or_else(|| format!("bad call number {n:?}: calls are numbered from 1"))?,
            )
        } else {
            None
        };
        Ok(Subject::Ivr { call, condition })
    }

    /// What follows `expect agent`: `ID [not] STATE [REASON] [at DEVICE]`.
    fn agent(&mut self) -> Result<(Subject, bool), String> {
        let agent = self.next("the agent's number after `expect agent`")?;
        if agent.is_empty() || agent.len() > 8 || !agent.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "bad agent number {agent:?}: expected 1-8 digits, as in agents.toml"
            ));
        }
        let negated = self.eat("not");
        let states = AGENT_STATES.join(", ");
        let state = self.next(&format!("the agent's state ({states})"))?;
        if !AGENT_STATES.contains(&state.as_str()) {
            return Err(format!(
                "unknown agent state {state:?} (expected one of {states})"
            ));
        }
        let reason = match self.peek_word() {
            Some(word) if !matches!(word, "at" | "within" | "for") => {
                if state != "not-ready" {
                    return Err(format!(
                        "unexpected {word:?} after agent state {state}: only not-ready takes a reason"
                    ));
                }
                let reason = self.next("not-ready reason")?;
                if !reason
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
                {
                    return Err(format!(
                        "bad not-ready reason {reason:?}: reasons are a-z, 0-9, - and _ (e.g. missed, lunch)"
                    ));
                }
                Some(reason)
            }
            _ => None,
        };
        let device = if self.eat("at") {
            let device = self.next("the phone's extension after `at`")?;
            if device.is_empty() || !device.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "bad extension {device:?} after `at`: expected digits (the phone's extension)"
                ));
            }
            Some(device)
        } else {
            None
        };
        Ok((
            Subject::Agent(AgentCondition {
                agent,
                state,
                reason,
                device,
            }),
            negated,
        ))
    }

    /// What follows `expect alert`: `KIND [SUBJECT] [not] [active|cleared]`. A subject
    /// spelled like one of those keywords (or `within`, `for`) is quoted.
    fn alert(&mut self) -> Result<(Subject, bool), String> {
        let kinds = ALERT_KINDS.join(", ");
        let kind = self.next(&format!("the alert's kind after `expect alert` ({kinds})"))?;
        if !ALERT_KINDS.contains(&kind.as_str()) {
            return Err(format!(
                "unknown alert kind {kind:?} (expected one of {kinds})"
            ));
        }
        let keyword = |w: &str| matches!(w, "not" | "active" | "cleared" | "within" | "for");
        let subject = match (self.tokens.get(self.at), self.peek_word()) {
            (None, _) => None,
            (Some(_), Some(word)) if keyword(word) => None,
            (Some(_), _) => {
                let subject = self.next("the alert's subject")?;
                if subject.is_empty() || subject.chars().any(char::is_whitespace) {
                    return Err(format!(
                        "bad alert subject {subject:?}: expected a surge key, queue, agent or caller number without blanks"
                    ));
                }
                Some(subject)
            }
        };
        let negated = self.eat("not");
        let cleared = if self.eat("cleared") {
            true
        } else {
            self.eat("active");
            false
        };
        Ok((
            Subject::Alert(AlertCondition {
                kind,
                subject,
                cleared,
            }),
            negated,
        ))
    }

    /// Node names separated by commas (`main,billing`; blanks after commas are allowed),
    /// up to the next keyword.
    fn node_list(&mut self, what: &str) -> Result<Vec<String>, String> {
        let mut text = String::new();
        while let Some(word) = self.peek_word() {
            if matches!(word, "of" | "within" | "for")
                || (!text.is_empty() && !text.ends_with(',') && !word.starts_with(','))
            {
                break;
            }
            text.push_str(word);
            self.at += 1;
        }
        if text.is_empty() {
            return Err(format!("missing {what}"));
        }
        let nodes: Vec<String> = text.split(',').map(str::to_owned).collect();
        if let Some(bad) = nodes.iter().find(|n| {
            n.is_empty()
                || !n
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        }) {
            return Err(format!(
                "bad node name {bad:?} in {text:?}: node names are letters, digits, - and _, separated by commas"
            ));
        }
        Ok(nodes)
    }

    fn cdr_match(&mut self) -> Result<CdrMatch, String> {
        let mut m = CdrMatch::default();
        let mut any = false;
        while let Some(word) = self.peek_word().map(str::to_owned) {
            if word == "within" || word == "for" {
                break;
            }
            self.at += 1;
            any = true;
            match word.as_str() {
                "count" => {
                    let n = self.next("number of CDRs after `count`")?;
                    m.count = Some(n.parse().ok().filter(|&n| n >= 1).ok_or_else(|| format!("bad CDR count {n:?}: expected 1 or more"))?);
                }
                "disposition" => m.disposition = Some(self.next("disposition")?),
                "cause" => {
                    let c = self.next("cause")?;
                    m.cause = Some(c.parse().map_err(|_| format!("bad cause {c:?}: expected a Q.850 number"))?);
                }
                "from" | "to" => {
                    let v = self.next("number")?;
                    let v = if v == "none" { None } else { Some(v) };
                    if word == "from" {
                        m.from = Some(v);
                    } else {
                        m.to = Some(v);
                    }
                }
                "talk" | "ring" => {
                    let op = self.next("`>=` or `<=`")?;
                    let ms = self.duration("duration")? as i64;
                    let slot = match (word.as_str(), op.as_str()) {
                        ("talk", ">=") => &mut m.talk_min_ms,
                        ("talk", "<=") => &mut m.talk_max_ms,
                        ("ring", ">=") => &mut m.ring_min_ms,
                        ("ring", "<=") => &mut m.ring_max_ms,
                        _ => return Err(format!("`{word} {op}`: expected `>=` or `<=`")),
                    };
                    *slot = Some(ms);
                }
                "ivr" => {
                    self.expect_word("path", "ivr")?;
                    let nodes = self.node_list("the nodes of the IVR path (A,B,C or none)")?;
                    m.ivr_path = Some(if nodes == ["none"] { Vec::new() } else { nodes });
                }
                "survey" => {
                    let v = self.next("survey score (1-5 or none)")?;
                    m.survey = Some(if v == "none" {
                        None
                    } else {
                        Some(v.parse().ok().filter(|s| (1..=5).contains(s)).ok_or_else(
                            || format!("bad survey score {v:?}: expected 1 to 5, or none"),
                        )?)
                    });
                }
                other => {
                    return Err(format!(
                        "unknown CDR field {other:?} (count, disposition, cause, from, to, talk >=/<=, ring >=/<=, ivr path, survey)"
                    ))
                }
            }
        }
        if !any {
            return Err(
                "`expect cdr` needs at least one field (e.g. disposition answered cause 16)".into(),
            );
        }
        Ok(m)
    }
}

/// A `hears tone` or `hears silence` condition (whose `for` is the sound's duration).
fn hears_a_sound(subject: &Subject) -> bool {
    let sound = |c: &Condition| {
        matches!(
            c,
            Condition::HearsTone { .. }
                | Condition::HearsSilence { .. }
                | Condition::HearsAudio { .. }
        )
    };
    match subject {
        Subject::Device { condition, .. } => sound(condition),
        Subject::Span {
            condition: SpanCondition::Hears { hearing, .. },
            ..
        } => sound(hearing),
        _ => false,
    }
}

fn check_history(ms: u64) -> Result<(), String> {
    if ms > HISTORY_MS {
        Err(format!(
            "at most {} of audio is kept; ask for a shorter duration",
            fmt_duration(HISTORY_MS)
        ))
    } else {
        Ok(())
    }
}
