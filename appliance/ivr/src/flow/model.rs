//! The strict flow model and its errors.

use std::fmt;
use std::ops::Deref;

use serde::Deserialize;

/// Where something is in a flow file, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// A value with the place it was written, so validation can point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub at: Pos,
}

impl<T> Deref for Located<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// A reference to a node by name.
pub type NodeRef = Located<String>;

pub use crate::say::Language;

/// A DTMF key: `0`-`9`, `*` or `#`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digit(char);

impl Digit {
    pub fn new(key: char) -> Option<Digit> {
        matches!(key, '0'..='9' | '*' | '#').then_some(Digit(key))
    }

    /// The digit a one-character string names, if it names one.
    pub fn parse(text: &str) -> Option<Digit> {
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(key), None) => Digit::new(key),
            _ => None,
        }
    }

    pub fn as_char(self) -> char {
        self.0
    }
}

impl fmt::Display for Digit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a `play` node plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaySource {
    /// A prompt of the prompt store, by name, in the call's language.
    Prompt(Located<String>),
    /// Text synthesized when the configuration is applied (never at call time), in
    /// `language` or else the call's language.
    Text {
        text: Located<String>,
        language: Option<Language>,
    },
}

/// How a `say` node reads its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SayWhat {
    Number,
    Digits,
    Date,
    Time,
    Money,
}

/// A value: literal text with `${name}` references to variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    Literal(String),
    Variable(String),
}

impl Template {
    /// The variables the template reads, in order.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            TemplatePart::Variable(name) => Some(name.as_str()),
            TemplatePart::Literal(_) => None,
        })
    }

    /// The text with every variable replaced by what `lookup` gives (empty if unset).
    pub fn render(&self, lookup: impl Fn(&str) -> Option<String>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                TemplatePart::Literal(text) => out.push_str(text),
                TemplatePart::Variable(name) => out.push_str(&lookup(name).unwrap_or_default()),
            }
        }
        out
    }
}

/// `type = "play"`: `prompt = "name"` or `text = "..."` (with optional `language`),
/// `next`, `barge_in` (default false: a digit does not cut the prompt short).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Play {
    pub source: PlaySource,
    pub barge_in: bool,
    pub next: NodeRef,
}

/// `type = "menu"`: `prompt`, `choices = { "1" = "node", ... }`, `timeout_s` (default
/// 5), `invalid_prompt`, `timeout_prompt` (optional), `max_retries` (default 3: invalid
/// entries and timeouts together), `on_failure` (the node after the last retry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Menu {
    pub prompt: Located<String>,
    pub choices: Vec<(Located<Digit>, NodeRef)>,
    pub timeout_s: u32,
    pub invalid_prompt: Option<Located<String>>,
    pub timeout_prompt: Option<Located<String>>,
    pub max_retries: u32,
    pub on_failure: NodeRef,
}

/// `type = "collect"`: `prompt`, `min` (default 1), `max`, `terminator` (default `#`),
/// `timeout_s` (default 5, between digits too), `into` (the variable), `next`,
/// `on_failure` (fewer than `min` digits at the timeout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collect {
    pub prompt: Located<String>,
    pub min: u32,
    pub max: u32,
    pub terminator: Digit,
    pub timeout_s: u32,
    pub into: Located<String>,
    pub next: NodeRef,
    pub on_failure: NodeRef,
}

/// `type = "say"`: `what` (`number`, `digits`, `date`, `time`, `money`), `value` (a
/// literal or `"${variable}"`), `next`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Say {
    pub what: SayWhat,
    pub value: Located<Template>,
    pub next: NodeRef,
}

/// `type = "branch"`: `variable` (a name, no `${}`), `cases = { "value" = "node" }`,
/// `default`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    pub variable: Located<String>,
    pub cases: Vec<(Located<String>, NodeRef)>,
    pub default: NodeRef,
}

/// `type = "time"`: `schedule` (a schedule's name), `open`, `closed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeCondition {
    pub schedule: Located<String>,
    pub open: NodeRef,
    pub closed: NodeRef,
}

/// `type = "set"`: `variable`, `value` (text with `${variable}`s, or a number), `next`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetVariable {
    pub variable: Located<String>,
    pub value: Located<Template>,
    pub next: NodeRef,
}

/// `type = "language"`: `prompt`, `choices = { "1" = "zh", "2" = "en" }`, `timeout_s`
/// (default 5), `next`. No key or a key not in `choices` keeps the current language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageChoice {
    pub prompt: Located<String>,
    pub choices: Vec<(Located<Digit>, Language)>,
    pub timeout_s: u32,
    pub next: NodeRef,
}

/// `type = "lookup"`: `url` (http or https, with `${variable}`s, URL-encoded when
/// filled in), `timeout_ms` (default 2000), `fields = { variable = "json.path" }`,
/// `next`, `on_failure` (timeout, HTTP error, not JSON, a field missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    pub url: Located<Template>,
    pub timeout_ms: u32,
    pub fields: Vec<(Located<String>, Located<String>)>,
    pub next: NodeRef,
    pub on_failure: NodeRef,
}

/// `type = "transfer"`: `to` (an extension or an outside number, digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub to: Located<String>,
}

/// `type = "queue"`: `queue` (its name in `queues.toml`), `priority` (0-9, default 0,
/// higher first), `skills` (skill → level 1-10 the call needs, added to the queue's),
/// `extensions` (rung in turn instead when the box has no ACD queues: then at least
/// one, which the configuration check asks for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    pub queue: Located<String>,
    pub priority: u8,
    pub extensions: Vec<String>,
    pub skills: Vec<(String, u8)>,
}

/// `type = "voicemail"`: `mailbox` (digits: the extension whose owner hears the
/// messages), `prompt` (the greeting; default the built-in "Please leave a message
/// after the tone…"), `max_length_s` (5-600, default 120). The caller hears the
/// greeting and a beep, then is recorded until `#`, the maximum length or hanging up;
/// the call ends there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voicemail {
    pub mailbox: Located<String>,
    pub prompt: Option<Located<String>>,
    pub max_length_s: u32,
}

/// The longest and shortest a voicemail message may be set to, in seconds.
pub const VOICEMAIL_MAX_LENGTH_S: std::ops::RangeInclusive<u32> = 5..=600;
/// A voicemail node's `max_length_s` when it has none.
pub const VOICEMAIL_DEFAULT_LENGTH_S: u32 = 120;

/// `type = "hangup"`: `cause` (Q.850, default 16 normal clearing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hangup {
    pub cause: u8,
}

/// A node's type and settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    Play(Play),
    Menu(Menu),
    Collect(Collect),
    Say(Say),
    Branch(Branch),
    Time(TimeCondition),
    Set(SetVariable),
    Language(LanguageChoice),
    Lookup(Lookup),
    Transfer(Transfer),
    Queue(Queue),
    Voicemail(Voicemail),
    Hangup(Hangup),
}

impl NodeKind {
    /// The nodes this one can go to.
    pub fn successors(&self) -> Vec<&NodeRef> {
        match self {
            NodeKind::Play(play) => vec![&play.next],
            NodeKind::Menu(menu) => menu
                .choices
                .iter()
                .map(|(_, node)| node)
                .chain([&menu.on_failure])
                .collect(),
            NodeKind::Collect(collect) => vec![&collect.next, &collect.on_failure],
            NodeKind::Say(say) => vec![&say.next],
            NodeKind::Branch(branch) => branch
                .cases
                .iter()
                .map(|(_, node)| node)
                .chain([&branch.default])
                .collect(),
            NodeKind::Time(time) => vec![&time.open, &time.closed],
            NodeKind::Set(set) => vec![&set.next],
            NodeKind::Language(language) => vec![&language.next],
            NodeKind::Lookup(lookup) => vec![&lookup.next, &lookup.on_failure],
            NodeKind::Transfer(_)
            | NodeKind::Queue(_)
            | NodeKind::Voicemail(_)
            | NodeKind::Hangup(_) => Vec::new(),
        }
    }

    /// The prompt store names the node plays (a `play` node's text is not one).
    pub fn prompts(&self) -> Vec<&Located<String>> {
        match self {
            NodeKind::Play(Play {
                source: PlaySource::Prompt(prompt),
                ..
            }) => vec![prompt],
            NodeKind::Menu(menu) => [Some(&menu.prompt)]
                .into_iter()
                .chain([menu.invalid_prompt.as_ref(), menu.timeout_prompt.as_ref()])
                .flatten()
                .collect(),
            NodeKind::Collect(collect) => vec![&collect.prompt],
            NodeKind::Language(language) => vec![&language.prompt],
            NodeKind::Voicemail(voicemail) => voicemail.prompt.iter().collect(),
            _ => Vec::new(),
        }
    }

    /// Whether the node waits for the caller: it does not go on until the caller keys
    /// something or its own timeout runs out, and what the caller keys decides or
    /// feeds what happens next. Only `menu`, `collect` and `language` do. A `play` with
    /// `barge_in` does not: a key only cuts the prompt short and the flow goes to the
    /// same `next`, so a loop of such plays never lets the caller out.
    pub fn waits_for_caller(&self) -> bool {
        matches!(
            self,
            NodeKind::Menu(_) | NodeKind::Collect(_) | NodeKind::Language(_)
        )
    }

    /// The type's name as written in `type = "..."`.
    pub fn type_name(&self) -> &'static str {
        match self {
            NodeKind::Play(_) => "play",
            NodeKind::Menu(_) => "menu",
            NodeKind::Collect(_) => "collect",
            NodeKind::Say(_) => "say",
            NodeKind::Branch(_) => "branch",
            NodeKind::Time(_) => "time",
            NodeKind::Set(_) => "set",
            NodeKind::Language(_) => "language",
            NodeKind::Lookup(_) => "lookup",
            NodeKind::Transfer(_) => "transfer",
            NodeKind::Queue(_) => "queue",
            NodeKind::Voicemail(_) => "voicemail",
            NodeKind::Hangup(_) => "hangup",
        }
    }
}

/// A node: its name (where its `[nodes.NAME]` key is written) and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub at: Pos,
    pub kind: NodeKind,
}

/// A parsed flow. Nodes are in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub file: String,
    pub name: Located<String>,
    pub entry: NodeRef,
    pub language: Language,
    pub nodes: Vec<Node>,
}

impl Flow {
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|node| node.name == name)
    }
}

/// One thing wrong with a flow file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {reason}")]
pub struct FlowError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub reason: String,
}

/// Everything wrong with a flow file, in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FlowErrors(pub Vec<FlowError>);

impl fmt::Display for FlowErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

/// Variables every call has without a node setting them.
pub const BUILT_IN_VARIABLES: &[&str] = &["caller", "called", "language"];

/// Whether `name` is a variable name: a letter or `_`, then letters, digits, `_`.
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(first) if first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Splits `text` at its `${name}` references.
pub fn parse_template(text: &str) -> Result<Template, String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        if start > 0 {
            parts.push(TemplatePart::Literal(rest[..start].to_owned()));
        }
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(format!("`${{` without its closing `}}` in `{text}`"));
        };
        let name = &after[..end];
        if !is_variable_name(name) {
            return Err(format!(
                "`${{{name}}}` is not a variable name (a letter or _, then letters, digits or _)"
            ));
        }
        parts.push(TemplatePart::Variable(name.to_owned()));
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(TemplatePart::Literal(rest.to_owned()));
    }
    Ok(Template { parts })
}
