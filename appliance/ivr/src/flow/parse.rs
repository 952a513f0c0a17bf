//! From TOML text to a [`Flow`]: serde reads a raw shape with spans, then each node is
//! converted to its strict type, every problem collected with its place.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::model::*;

type Text = Option<Spanned<String>>;
type Map = Option<Spanned<BTreeMap<Spanned<String>, Spanned<String>>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFlow {
    name: Spanned<String>,
    entry: Spanned<String>,
    #[serde(default)]
    language: Option<Language>,
    #[serde(default)]
    nodes: BTreeMap<Spanned<String>, RawNode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum NodeType {
    Play,
    Menu,
    Collect,
    Say,
    Branch,
    Time,
    Set,
    Language,
    Lookup,
    Transfer,
    Queue,
    Voicemail,
    Hangup,
}

/// Every setting of every node type; which ones a node may have depends on its type.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNode {
    #[serde(rename = "type")]
    kind: Spanned<NodeType>,
    prompt: Text,
    text: Text,
    language: Option<Spanned<Language>>,
    next: Text,
    barge_in: Option<Spanned<bool>>,
    choices: Map,
    timeout_s: Option<Spanned<u32>>,
    invalid_prompt: Text,
    timeout_prompt: Text,
    max_retries: Option<Spanned<u32>>,
    on_failure: Text,
    min: Option<Spanned<u32>>,
    max: Option<Spanned<u32>>,
    terminator: Text,
    into: Text,
    what: Option<Spanned<SayWhat>>,
    value: Option<Spanned<toml::Value>>,
    variable: Text,
    cases: Map,
    default: Text,
    schedule: Text,
    open: Text,
    closed: Text,
    url: Text,
    timeout_ms: Option<Spanned<u32>>,
    fields: Map,
    to: Text,
    queue: Text,
    priority: Option<Spanned<u8>>,
    extensions: Option<Spanned<Vec<Spanned<String>>>>,
    skills: Option<Spanned<BTreeMap<Spanned<String>, Spanned<u8>>>>,
    cause: Option<Spanned<u8>>,
    mailbox: Text,
    max_length_s: Option<Spanned<u32>>,
}

impl RawNode {
    /// The settings present, with where each is written.
    fn present(&self) -> Vec<(&'static str, Range<usize>)> {
        fn at<T>(
            name: &'static str,
            value: &Option<Spanned<T>>,
        ) -> Option<(&'static str, Range<usize>)> {
            value.as_ref().map(|value| (name, value.span()))
        }
        [
            at("prompt", &self.prompt),
            at("text", &self.text),
            at("language", &self.language),
            at("next", &self.next),
            at("barge_in", &self.barge_in),
            at("choices", &self.choices),
            at("timeout_s", &self.timeout_s),
            at("invalid_prompt", &self.invalid_prompt),
            at("timeout_prompt", &self.timeout_prompt),
            at("max_retries", &self.max_retries),
            at("on_failure", &self.on_failure),
            at("min", &self.min),
            at("max", &self.max),
            at("terminator", &self.terminator),
            at("into", &self.into),
            at("what", &self.what),
            at("value", &self.value),
            at("variable", &self.variable),
            at("cases", &self.cases),
            at("default", &self.default),
            at("schedule", &self.schedule),
            at("open", &self.open),
            at("closed", &self.closed),
            at("url", &self.url),
            at("timeout_ms", &self.timeout_ms),
            at("fields", &self.fields),
            at("to", &self.to),
            at("queue", &self.queue),
            at("priority", &self.priority),
            at("extensions", &self.extensions),
            at("skills", &self.skills),
            at("cause", &self.cause),
            at("mailbox", &self.mailbox),
            at("max_length_s", &self.max_length_s),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

impl NodeType {
    const ALL: [NodeType; 13] = [
        NodeType::Play,
        NodeType::Menu,
        NodeType::Collect,
        NodeType::Say,
        NodeType::Branch,
        NodeType::Time,
        NodeType::Set,
        NodeType::Language,
        NodeType::Lookup,
        NodeType::Transfer,
        NodeType::Queue,
        NodeType::Voicemail,
        NodeType::Hangup,
    ];

    fn name(self) -> &'static str {
        match self {
            NodeType::Play => "play",
            NodeType::Menu => "menu",
            NodeType::Collect => "collect",
            NodeType::Say => "say",
            NodeType::Branch => "branch",
            NodeType::Time => "time",
            NodeType::Set => "set",
            NodeType::Language => "language",
            NodeType::Lookup => "lookup",
            NodeType::Transfer => "transfer",
            NodeType::Queue => "queue",
            NodeType::Voicemail => "voicemail",
            NodeType::Hangup => "hangup",
        }
    }

    fn settings(self) -> &'static [&'static str] {
        match self {
            NodeType::Play => &["prompt", "text", "language", "next", "barge_in"],
            NodeType::Menu => &[
                "prompt",
                "choices",
                "timeout_s",
                "invalid_prompt",
                "timeout_prompt",
                "max_retries",
                "on_failure",
            ],
            NodeType::Collect => &[
                "prompt",
                "min",
                "max",
                "terminator",
                "timeout_s",
                "into",
                "next",
                "on_failure",
            ],
            NodeType::Say => &["what", "value", "next"],
            NodeType::Branch => &["variable", "cases", "default"],
            NodeType::Time => &["schedule", "open", "closed"],
            NodeType::Set => &["variable", "value", "next"],
            NodeType::Language => &["prompt", "choices", "timeout_s", "next"],
            NodeType::Lookup => &["url", "timeout_ms", "fields", "next", "on_failure"],
            NodeType::Transfer => &["to"],
            NodeType::Queue => &["queue", "priority", "extensions", "skills"],
            NodeType::Voicemail => &["mailbox", "prompt", "max_length_s"],
            NodeType::Hangup => &["cause"],
        }
    }
}

/// Byte offsets to line and column (1-based, columns in characters).
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(index, _)| index + 1))
            .collect();
        Lines { text, starts }
    }

    fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&start| start <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |prefix| prefix.chars().count())
            + 1;
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }
}

/// The errors found so far in one file.
pub(super) struct Errors<'a> {
    file: &'a str,
    list: Vec<FlowError>,
}

impl<'a> Errors<'a> {
    pub(super) fn new(file: &'a str) -> Errors<'a> {
        Errors {
            file,
            list: Vec::new(),
        }
    }

    pub(super) fn at(&mut self, pos: Pos, reason: impl Into<String>) {
        self.list.push(FlowError {
            file: self.file.to_owned(),
            line: pos.line,
            column: pos.column,
            reason: reason.into(),
        });
    }

    pub(super) fn finish(self) -> Result<(), FlowErrors> {
        if self.list.is_empty() {
            Ok(())
        } else {
            Err(self.into_errors())
        }
    }

    fn into_errors(mut self) -> FlowErrors {
        // File order reads best; the sort is stable so one place keeps its order.
        self.list.sort_by_key(|error| (error.line, error.column));
        FlowErrors(self.list)
    }
}

/// Collects errors while converting, placing spans in the text.
struct Report<'a> {
    lines: Lines<'a>,
    errors: Errors<'a>,
}

impl Report<'_> {
    fn at(&mut self, pos: Pos, reason: impl Into<String>) {
        self.errors.at(pos, reason);
    }

    fn span(&mut self, span: Range<usize>, reason: impl Into<String>) {
        let pos = self.lines.pos(span.start);
        self.at(pos, reason);
    }

    fn located<T>(&self, spanned: Spanned<T>) -> Located<T> {
        let at = self.lines.pos(spanned.span().start);
        Located {
            value: spanned.into_inner(),
            at,
        }
    }
}

pub(super) fn parse(text: &str, file: &str) -> Result<Flow, FlowErrors> {
    let mut report = Report {
        lines: Lines::new(text),
        errors: Errors::new(file),
    };
    let raw: RawFlow = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(error) => {
            let span = error.span().unwrap_or(0..0);
            let start = second_key(text, &span, error.message()).unwrap_or(span.start);
            report.span(start..start, toml_reason(&error));
            return Err(report.errors.into_errors());
        }
    };
    let mut nodes = Vec::new();
    for (name, raw_node) in raw.nodes {
        let at = report.lines.pos(name.span().start);
        let name = name.into_inner();
        if let Some(kind) = convert_node(&mut report, &name, at, raw_node) {
            nodes.push(Node { name, at, kind });
        }
    }
    nodes.sort_by_key(|node| node.at);
    let flow = Flow {
        file: file.to_owned(),
        name: report.located(raw.name),
        entry: report.located(raw.entry),
        language: raw.language.unwrap_or_default(),
        nodes,
    };
    report.errors.finish().map(|()| flow)
}

/// For a duplicate key in an inline table (a menu's choices), toml points just before
/// the table's first key; the second time the key is written on that line is where the
/// author has to look.
fn second_key(text: &str, span: &Range<usize>, message: &str) -> Option<usize> {
    let key = message.split("duplicate key `").nth(1)?.split('`').next()?;
    let rest = text.get(span.start..)?;
    let region = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let bytes = region.as_bytes();
    let mut found = region.match_indices(key).filter_map(|(index, _)| {
        let before = index.checked_sub(1).and_then(|at| bytes.get(at)).copied();
        let after = bytes.get(index + key.len()).copied();
        let quoted = matches!(
            (before, after),
            (Some(b'"'), Some(b'"')) | (Some(b'\''), Some(b'\''))
        );
        let bare = !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
            && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
        let end = index + key.len() + usize::from(quoted);
        let next = region.get(end..)?.trim_start().chars().next();
        // A key is followed by `=` (or, in a dotted key or header, `.` or `]`).
        let is_key = (quoted || bare) && matches!(next, Some('=' | '.' | ']'));
        is_key.then(|| span.start + index - usize::from(quoted))
    });
    found.next()?;
    found.next()
}

/// toml's message on one line, with two refusals a flow author meets often explained: a
/// key given twice (a menu digit, a node, a setting), which TOML refuses before we see
/// the table, and a misspelt setting (serde would list every setting of every type).
fn toml_reason(error: &toml::de::Error) -> String {
    let message = error
        .message()
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(": ");
    if message.contains("duplicate key") {
        format!(
            "{message}: a key is given twice (a menu digit, a node or a setting); \
             each may appear only once"
        )
    } else if message.starts_with("unknown field") && message.contains("`barge_in`") {
        let field = message.split(", expected").next().unwrap_or(&message);
        let field = field.trim_start_matches("unknown field ");
        format!("unknown setting {field}: no node type has it")
    } else {
        message
    }
}

/// Takes the settings of a node by name, checking that the type has them.
struct Settings<'r, 'a> {
    report: &'r mut Report<'a>,
    node: String,
    type_name: &'static str,
    at: Pos,
    failed: bool,
}

impl<'a> Settings<'_, 'a> {
    fn required<T>(&mut self, name: &str, value: Option<Spanned<T>>) -> Option<Located<T>> {
        match value {
            Some(value) => Some(self.report.located(value)),
            None => {
                self.failed = true;
                let reason = format!(
                    "node `{}`: a `{}` node needs `{name}`",
                    self.node, self.type_name
                );
                self.report.at(self.at, reason);
                None
            }
        }
    }

    fn optional<T>(&mut self, value: Option<Spanned<T>>) -> Option<Located<T>> {
        value.map(|value| self.report.located(value))
    }

    fn error(&mut self, at: Pos, reason: String) {
        self.failed = true;
        let reason = format!("node `{}`: {reason}", self.node);
        self.report.at(at, reason);
    }

    fn digit(&mut self, key: Located<String>, what: &str) -> Option<Located<Digit>> {
        match Digit::parse(&key.value) {
            Some(digit) => Some(Located {
                value: digit,
                at: key.at,
            }),
            None => {
                self.error(
                    key.at,
                    format!("{what} `{}` is not a key: one of 0-9, * or #", key.value),
                );
                None
            }
        }
    }

    fn template(&mut self, value: Located<String>) -> Option<Located<Template>> {
        match parse_template(&value.value) {
            Ok(template) => Some(Located {
                value: template,
                at: value.at,
            }),
            Err(reason) => {
                self.error(value.at, reason);
                None
            }
        }
    }

    fn variable(&mut self, value: Located<String>, what: &str) -> Option<Located<String>> {
        if is_variable_name(&value.value) {
            Some(value)
        } else {
            self.error(
                value.at,
                format!(
                    "{what} is `{}`, not a variable name (a letter or _, then letters, digits or _; no `${{}}`)",
                    value.value
                ),
            );
            None
        }
    }

    fn map(
        &mut self,
        value: Option<Spanned<BTreeMap<Spanned<String>, Spanned<String>>>>,
    ) -> Vec<(Located<String>, Located<String>)> {
        let Some(value) = value else {
            return Vec::new();
        };
        let mut entries: Vec<_> = value
            .into_inner()
            .into_iter()
            .map(|(key, value)| (self.report.located(key), self.report.located(value)))
            .collect();
        entries.sort_by_key(|(key, _)| key.at);
        entries
    }

    fn positive(&mut self, value: Option<Located<u32>>, name: &str, default: u32) -> u32 {
        match value {
            Some(value) if value.value == 0 => {
                self.error(value.at, format!("`{name}` must be at least 1"));
                default
            }
            Some(value) => value.value,
            None => default,
        }
    }

    fn number(&mut self, value: Located<String>, what: &str) -> Option<Located<String>> {
        if !value.value.is_empty() && value.value.chars().all(|c| c.is_ascii_digit()) {
            Some(value)
        } else {
            self.error(
                value.at,
                format!("{what} is `{}`, not a number (digits 0-9)", value.value),
            );
            None
        }
    }
}

/// A `value` as text: strings as written, numbers and booleans as TOML writes them.
fn value_text(value: Spanned<toml::Value>) -> Result<Spanned<String>, (Range<usize>, String)> {
    let span = value.span();
    let text = match value.into_inner() {
        toml::Value::String(text) => text,
        toml::Value::Integer(number) => number.to_string(),
        toml::Value::Float(number) => number.to_string(),
        toml::Value::Boolean(flag) => flag.to_string(),
        other => {
            return Err((
                span,
                format!("`value` must be text or a number, not {}", other.type_str()),
            ))
        }
    };
    Ok(Spanned::new(span, text))
}

fn convert_node(
    report: &mut Report<'_>,
    name: &str,
    at: Pos,
    mut raw: RawNode,
) -> Option<NodeKind> {
    let node_type = *raw.kind.get_ref();
    let allowed = node_type.settings();
    for (setting, span) in raw.present() {
        if !allowed.contains(&setting) {
            let reason = format!(
                "node `{name}`: `{setting}` is not a setting of a `{}` node (it has: type, {})",
                node_type.name(),
                allowed.join(", ")
            );
            report.span(span, reason);
        }
    }
    let value = match raw.value.take().map(value_text) {
        Some(Ok(value)) => Some(value),
        Some(Err((span, reason))) => {
            report.span(span, format!("node `{name}`: {reason}"));
            None
        }
        None => None,
    };
    let mut s = Settings {
        report,
        node: name.to_owned(),
        type_name: node_type.name(),
        at,
        failed: false,
    };
    let kind = match node_type {
        NodeType::Play => {
            let prompt = s.optional(raw.prompt);
            let text = s.optional(raw.text);
            let language = s.optional(raw.language);
            let next = s.required("next", raw.next);
            let source = match (prompt, text) {
                (Some(prompt), None) => {
                    if let Some(language) = language {
                        s.error(
                            language.at,
                            "`language` goes with `text`; a prompt plays in the call's language"
                                .to_owned(),
                        );
                    }
                    Some(PlaySource::Prompt(prompt))
                }
                (None, Some(text)) => Some(PlaySource::Text {
                    text,
                    language: language.map(|language| language.value),
                }),
                (Some(prompt), Some(_)) => {
                    s.error(
                        prompt.at,
                        "a `play` node has `prompt` or `text`, not both".to_owned(),
                    );
                    None
                }
                (None, None) => {
                    s.error(at, "a `play` node needs `prompt` or `text`".to_owned());
                    None
                }
            };
            NodeKind::Play(Play {
                source: source?,
                barge_in: raw.barge_in.is_some_and(|flag| *flag.get_ref()),
                next: next?,
            })
        }
        NodeType::Menu => {
            let prompt = s.required("prompt", raw.prompt);
            let choices_at = raw
                .choices
                .as_ref()
                .map(|map| s.report.lines.pos(map.span().start));
            let mut choices = Vec::new();
            for (key, node) in s.map(raw.choices) {
                if let Some(digit) = s.digit(key, "menu choice") {
                    choices.push((digit, node));
                }
            }
            match choices_at {
                None => {
                    s.required::<()>("choices", None);
                }
                Some(pos) if choices.is_empty() && !s.failed => {
                    s.error(pos, "a menu needs at least one choice".to_owned());
                }
                Some(_) => {}
            }
            let timeout_s = s.optional(raw.timeout_s);
            let timeout_s = s.positive(timeout_s, "timeout_s", 5);
            let invalid_prompt = s.optional(raw.invalid_prompt);
            let timeout_prompt = s.optional(raw.timeout_prompt);
            let max_retries = s.optional(raw.max_retries).map_or(3, |value| value.value);
            let on_failure = s.required("on_failure", raw.on_failure);
            NodeKind::Menu(Menu {
                prompt: prompt?,
                choices,
                timeout_s,
                invalid_prompt,
                timeout_prompt,
                max_retries,
                on_failure: on_failure?,
            })
        }
        NodeType::Collect => {
            let prompt = s.required("prompt", raw.prompt);
            let min = s.optional(raw.min);
            let max = s.required("max", raw.max);
            let terminator = match s.optional(raw.terminator) {
                Some(key) => s.digit(key, "terminator").map(|digit| digit.value),
                None => Digit::new('#'),
            };
            let timeout_s = s.optional(raw.timeout_s);
            let timeout_s = s.positive(timeout_s, "timeout_s", 5);
            let into = s.required("into", raw.into);
            let into = into.and_then(|into| s.variable(into, "`into`"));
            let next = s.required("next", raw.next);
            let on_failure = s.required("on_failure", raw.on_failure);
            let max = max?;
            let min_value = min.as_ref().map_or(1, |min| min.value);
            if max.value == 0 {
                s.error(max.at, "`max` must be at least 1".to_owned());
            } else if min_value > max.value {
                let pos = min.as_ref().map_or(max.at, |min| min.at);
                s.error(
                    pos,
                    format!("`min` ({min_value}) is more than `max` ({})", max.value),
                );
            }
            NodeKind::Collect(Collect {
                prompt: prompt?,
                min: min_value,
                max: max.value,
                terminator: terminator?,
                timeout_s,
                into: into?,
                next: next?,
                on_failure: on_failure?,
            })
        }
        NodeType::Say => {
            let what = s.required("what", raw.what);
            let value = s.required("value", value);
            let value = value.and_then(|value| s.template(value));
            let next = s.required("next", raw.next);
            if let (Some(what), Some(value)) = (&what, &value) {
                // A literal can be checked now; a variable's value only at call time.
                let literal = value.value.render(|_| None);
                if value.value.variables().next().is_none() && !sayable(what.value, &literal) {
                    s.error(
                        value.at,
                        format!("`{literal}` cannot be said as {}", say_form(what.value)),
                    );
                }
            }
            NodeKind::Say(Say {
                what: what?.value,
                value: value?,
                next: next?,
            })
        }
        NodeType::Branch => {
            let variable = s.required("variable", raw.variable);
            let variable = variable.and_then(|variable| s.variable(variable, "`variable`"));
            let cases = s.map(raw.cases);
            let default = s.required("default", raw.default);
            NodeKind::Branch(Branch {
                variable: variable?,
                cases,
                default: default?,
            })
        }
        NodeType::Time => {
            let schedule = s.required("schedule", raw.schedule);
            let open = s.required("open", raw.open);
            let closed = s.required("closed", raw.closed);
            NodeKind::Time(TimeCondition {
                schedule: schedule?,
                open: open?,
                closed: closed?,
            })
        }
        NodeType::Set => {
            let variable = s.required("variable", raw.variable);
            let variable = variable.and_then(|variable| s.variable(variable, "`variable`"));
            let value = s.required("value", value);
            let value = value.and_then(|value| s.template(value));
            let next = s.required("next", raw.next);
            NodeKind::Set(SetVariable {
                variable: variable?,
                value: value?,
                next: next?,
            })
        }
        NodeType::Language => {
            let prompt = s.required("prompt", raw.prompt);
            let present = raw.choices.is_some();
            let mut choices = Vec::new();
            for (key, language) in s.map(raw.choices) {
                let digit = s.digit(key, "language choice");
                let language = match language.value.as_str() {
                    "en" => Some(Language::En),
                    "zh" => Some(Language::Zh),
                    other => {
                        s.error(
                            language.at,
                            format!("`{other}` is not a language: \"en\" or \"zh\""),
                        );
                        None
                    }
                };
                if let (Some(digit), Some(language)) = (digit, language) {
                    choices.push((digit, language));
                }
            }
            if !present {
                s.required::<()>("choices", None);
            } else if choices.is_empty() && !s.failed {
                s.error(at, "a language choice needs at least one choice".to_owned());
            }
            let timeout_s = s.optional(raw.timeout_s);
            let timeout_s = s.positive(timeout_s, "timeout_s", 5);
            let next = s.required("next", raw.next);
            NodeKind::Language(LanguageChoice {
                prompt: prompt?,
                choices,
                timeout_s,
                next: next?,
            })
        }
        NodeType::Lookup => {
            let url = s.required("url", raw.url);
            let url = url.and_then(|url| s.template(url));
            let timeout_ms = s.optional(raw.timeout_ms);
            let timeout_ms = s.positive(timeout_ms, "timeout_ms", 2000);
            let mut fields = Vec::new();
            for (variable, path) in s.map(raw.fields) {
                if let Some(variable) = s.variable(variable, "a `fields` key") {
                    if path.value.is_empty() || path.value.split('.').any(str::is_empty) {
                        s.error(
                            path.at,
                            format!(
                                "`{}` is not a JSON path (names separated by dots)",
                                path.value
                            ),
                        );
                    } else {
                        fields.push((variable, path));
                    }
                }
            }
            let next = s.required("next", raw.next);
            let on_failure = s.required("on_failure", raw.on_failure);
            NodeKind::Lookup(Lookup {
                url: url?,
                timeout_ms,
                fields,
                next: next?,
                on_failure: on_failure?,
            })
        }
        NodeType::Transfer => {
            let to = s.required("to", raw.to);
            let to = to.and_then(|to| s.number(to, "`to`"));
            NodeKind::Transfer(Transfer { to: to? })
        }
        NodeType::Queue => {
            let queue = s.required("queue", raw.queue);
            let priority = s.optional(raw.priority);
            if let Some(priority) = priority.as_ref().filter(|p| p.value > 9) {
                let (at, value) = (priority.at, priority.value);
                s.error(at, format!("`priority` is {value}, not within 0-9"));
            }
            let priority = priority.map_or(0, |value| value.value);
            let mut numbers = Vec::new();
            if let Some(extensions) = raw.extensions {
                for extension in extensions.into_inner() {
                    let located = s.report.located(extension);
                    if let Some(number) = s.number(located, "an extension") {
                        numbers.push(number.value);
                    }
                }
            }
            let mut skills = Vec::new();
            if let Some(wanted) = raw.skills {
                for (skill, level) in wanted.into_inner() {
                    let skill = s.report.located(skill);
                    let level = s.report.located(level);
                    if !(1..=10).contains(&level.value) {
                        s.error(
                            level.at,
                            format!(
                                "skill `{}` level {} is not within 1-10",
                                skill.value, level.value
                            ),
                        );
                    }
                    skills.push((skill.value, level.value));
                }
            }
            NodeKind::Queue(Queue {
                queue: queue?,
                priority,
                extensions: numbers,
                skills,
            })
        }
        NodeType::Voicemail => {
            let mailbox = s.required("mailbox", raw.mailbox);
            let mailbox = mailbox.and_then(|mailbox| s.number(mailbox, "`mailbox`"));
            let prompt = s.optional(raw.prompt);
            let max_length_s = match s.optional(raw.max_length_s) {
                Some(length) if !VOICEMAIL_MAX_LENGTH_S.contains(&length.value) => {
                    s.error(
                        length.at,
                        format!(
                            "`max_length_s` is {}, not within {}-{} seconds",
                            length.value,
                            VOICEMAIL_MAX_LENGTH_S.start(),
                            VOICEMAIL_MAX_LENGTH_S.end()
                        ),
                    );
                    VOICEMAIL_DEFAULT_LENGTH_S
                }
                Some(length) => length.value,
                None => VOICEMAIL_DEFAULT_LENGTH_S,
            };
            NodeKind::Voicemail(Voicemail {
                mailbox: mailbox?,
                prompt,
                max_length_s,
            })
        }
        NodeType::Hangup => {
            let cause = s.optional(raw.cause);
            let cause = match cause {
                Some(cause) if !(1..=127).contains(&cause.value) => {
                    s.error(
                        cause.at,
                        format!("cause {} is not a Q.850 cause (1-127)", cause.value),
                    );
                    16
                }
                Some(cause) => cause.value,
                None => 16,
            };
            NodeKind::Hangup(Hangup { cause })
        }
    };
    (!s.failed).then_some(kind)
}

fn say_form(what: SayWhat) -> &'static str {
    match what {
        SayWhat::Number => "a number (like 105, -3 or 3.05)",
        SayWhat::Digits => "digits (0-9)",
        SayWhat::Date => "a date (YYYY-MM-DD)",
        SayWhat::Time => "a time (HH:MM, 24-hour)",
        SayWhat::Money => "money (like 12 or 3.05)",
    }
}

/// Whether a literal `say` value has the form its `what` reads.
fn sayable(what: SayWhat, text: &str) -> bool {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let in_range = |part: &str, low: u32, high: u32| {
        digits(part) && part.parse::<u32>().is_ok_and(|n| (low..=high).contains(&n))
    };
    let decimal = |text: &str, max_fraction: usize| {
        let unsigned = text.strip_prefix('-').unwrap_or(text);
        match unsigned.split_once('.') {
            Some((whole, fraction)) => {
                digits(whole) && digits(fraction) && fraction.len() <= max_fraction
            }
            None => digits(unsigned),
        }
    };
    match what {
        SayWhat::Number => decimal(text, usize::MAX),
        SayWhat::Digits => digits(text),
        SayWhat::Money => decimal(text, 2),
        SayWhat::Date => {
            let parts: Vec<&str> = text.split('-').collect();
            matches!(parts.as_slice(), [year, month, day]
                if year.len() == 4 && digits(year) && month.len() == 2 && in_range(month, 1, 12)
                    && day.len() == 2 && in_range(day, 1, 31))
        }
        SayWhat::Time => matches!(text.split_once(':'), Some((hour, minute))
            if hour.len() == 2 && in_range(hour, 0, 23) && minute.len() == 2 && in_range(minute, 0, 59)),
    }
}

/// Every node type as written in a flow file, with the settings a node of that type may
/// have (what the configuration form offers for a node).
pub fn node_types() -> impl Iterator<Item = (&'static str, &'static [&'static str])> {
    NodeType::ALL
        .into_iter()
        .map(|kind| (kind.name(), kind.settings()))
}
