//! A TOML file as its form sees it, and the posted form written back into it.
//!
//! The file is cut into entries: the top level, every table and every element of an
//! array of tables, each with its settings (the values written in it, plus those its
//! schema offers). A posted form changes values, adds and removes settings and entries;
//! the change is made in the file's own text (`toml_edit`), so its comments, its order
//! and every setting the form did not touch stay as they were. Sans-IO: text in, text
//! out.

use super::schema::{node_setting_kind, node_settings, FileSchema, Kind};
use crate::i18n::Msg;
use std::collections::BTreeSet;
use toml_edit::{ArrayOfTables, DocumentMut, ImDocument, Item, Table, Value};

/// One step of the way from the top of the file to an entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// One setting as the form shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub key: String,
    pub kind: Kind,
    /// What the field holds; `None` when the file does not have the setting.
    pub shown: Option<String>,
    /// The line (1-based) its key is written on, when it is written.
    pub line: Option<usize>,
}

/// A table of the file with its settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub path: Vec<Step>,
    /// Where the checks say an error is (`span[0]`, `queues.billing`; empty at the top).
    pub field: String,
    /// Where it is in the schema's terms (`span[]`, `queues.*`).
    pub pattern: String,
    /// The schema collection it belongs to, when one may remove it.
    pub collection: Option<&'static str>,
    pub settings: Vec<Setting>,
    /// The line (1-based) of its `[header]`; `None` for the top level.
    pub line: Option<usize>,
}

impl Entry {
    /// The checks' name of one of its settings (`span[0].channels`).
    pub fn field_of(&self, key: &str) -> String {
        if self.field.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.field)
        }
    }
}

/// Something posted that cannot be written: where (a setting's field, or a collection's
/// key for a new entry) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub field: String,
    pub reason: Msg,
}

/// What a form posts, entries numbered as [`entries`] lists them for the same text.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Posted {
    /// Entry, setting, the field's text.
    pub values: Vec<(usize, String, String)>,
    /// Entry, a new setting's name, its value as TOML.
    pub new_settings: Vec<(usize, String, String)>,
    pub removed: BTreeSet<usize>,
    pub add: Option<NewEntry>,
}

/// An entry to add to a collection: named ones (`[queues.NAME]`) need the name; a new
/// IVR node its type.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    pub collection: String,
    pub name: String,
    pub node_type: Option<String>,
}

fn field_of(path: &[Step]) -> String {
    let mut field = String::new();
    for step in path {
        match step {
            Step::Key(key) if field.is_empty() => field.push_str(key),
            Step::Key(key) => {
                field.push('.');
                field.push_str(key);
            }
            Step::Index(index) => field.push_str(&format!("[{index}]")),
        }
    }
    field
}

/// The schema's name for where an entry is: `span[]`, `queues.*`, `alerts.surge`.
fn pattern_of(path: &[Step], schema: &FileSchema) -> String {
    let mut pattern = String::new();
    for (depth, step) in path.iter().enumerate() {
        match step {
            Step::Key(key) => {
                let in_named = depth == 1
                    && matches!(&path[0], Step::Key(parent) if schema.named_collection(parent).is_some());
                if !pattern.is_empty() {
                    pattern.push('.');
                }
                pattern.push_str(if in_named { "*" } else { key });
            }
            Step::Index(_) => pattern.push_str("[]"),
        }
    }
    pattern
}

/// A value as TOML, without the spaces and comment around it.
fn literal(value: &Value) -> String {
    let mut bare = value.clone();
    bare.decor_mut().clear();
    bare.to_string()
}

/// A value as its field shows it: plain for the kinds a field edits directly, TOML for
/// the rest (and for a value of another type than its kind, so nothing is lost).
pub fn shown(kind: &Kind, value: &Value) -> String {
    match (kind, value) {
        (Kind::Text | Kind::Choice(_), Value::String(text)) => text.value().clone(),
        (Kind::Integer, Value::Integer(number)) => number.value().to_string(),
        (Kind::Decimal, Value::Float(number)) => number.value().to_string(),
        (Kind::Bool, Value::Boolean(flag)) => flag.value().to_string(),
        (Kind::TextList, Value::Array(items)) if items.iter().all(Value::is_str) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        (Kind::IntegerList, Value::Array(items)) if items.iter().all(Value::is_integer) => items
            .iter()
            .filter_map(Value::as_integer)
            .map(|number| number.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        _ => literal(value),
    }
}

fn inferred_kind(value: &Value) -> Kind {
    match value {
        Value::String(_) => Kind::Text,
        Value::Integer(_) => Kind::Integer,
        Value::Float(_) => Kind::Decimal,
        Value::Boolean(_) => Kind::Bool,
        _ => Kind::Literal,
    }
}

/// The settings an entry offers, in order: those its schema names, then the others
/// written in it.
fn offered(table: &Table, pattern: &str, schema: &FileSchema) -> Vec<(String, Kind)> {
    let declared: Vec<(&'static str, Kind)> =
        if pattern == "nodes.*" && schema.named_collection("nodes").is_some() {
            let node_type = table.get("type").and_then(Item::as_str).unwrap_or("");
            node_settings(node_type)
        } else {
            schema.settings_of(pattern).to_vec()
        };
    let mut settings: Vec<(String, Kind)> = declared
        .into_iter()
        .map(|(key, kind)| (key.to_owned(), kind))
        .collect();
    for (key, item) in table.iter() {
        if let Item::Value(value) = item {
            if !settings.iter().any(|(known, _)| known == key) {
                let kind = if pattern == "nodes.*" {
                    node_setting_kind(key)
                } else {
                    inferred_kind(value)
                };
                settings.push((key.to_owned(), kind));
            }
        }
    }
    settings
}

/// Byte offsets to 1-based lines.
struct LineStarts(Vec<usize>);

impl LineStarts {
    fn new(text: &str) -> LineStarts {
        LineStarts(
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(at, _)| at + 1))
                .collect(),
        )
    }

    fn line(&self, span: Option<std::ops::Range<usize>>) -> Option<usize> {
        span.map(|span| self.0.partition_point(|&start| start <= span.start).max(1))
    }
}

fn walk(
    table: &Table,
    path: Vec<Step>,
    schema: &FileSchema,
    lines: &LineStarts,
    out: &mut Vec<Entry>,
) {
    let pattern = pattern_of(&path, schema);
    let collection = match path.as_slice() {
        [Step::Key(key), Step::Index(_)] => schema
            .collections
            .iter()
            .find(|c| !c.named && c.key == key)
            .map(|c| c.key),
        [Step::Key(key), Step::Key(_)] => schema.named_collection(key).map(|c| c.key),
        _ => None,
    };
    let settings: Vec<Setting> = offered(table, &pattern, schema)
        .into_iter()
        .map(|(key, kind)| {
            let shown = table
                .get(&key)
                .and_then(Item::as_value)
                .map(|value| shown(&kind, value));
            let line = lines.line(table.key(&key).and_then(|written| written.span()));
            Setting {
                key,
                kind,
                shown,
                line,
            }
        })
        .collect();
    // A table holding only tables (`[queues]` above `[queues.billing]`) is no entry.
    if !settings.is_empty() || collection.is_some() {
        out.push(Entry {
            field: field_of(&path),
            pattern: pattern.clone(),
            line: lines.line(table.span()),
            path: path.clone(),
            collection,
            settings,
        });
    }
    for (key, item) in table.iter() {
        let mut inner = path.clone();
        inner.push(Step::Key(key.to_owned()));
        match item {
            Item::Table(child) => walk(child, inner, schema, lines, out),
            Item::ArrayOfTables(array) => {
                for (index, child) in array.iter().enumerate() {
                    let mut element = inner.clone();
                    element.push(Step::Index(index));
                    walk(child, element, schema, lines, out);
                }
            }
            _ => {}
        }
    }
}

/// The file's entries in file order, the top level first.
pub fn entries(text: &str, schema: &FileSchema) -> Result<Vec<Entry>, toml_edit::TomlError> {
    // Read, not edited: this keeps where each key and header is written.
    let document = ImDocument::parse(text)?;
    let mut out = Vec::new();
    let lines = LineStarts::new(text);
    walk(document.as_table(), Vec::new(), schema, &lines, &mut out);
    Ok(out)
}

/// The table at `path`.
fn table_mut<'a>(root: &'a mut Table, path: &[Step]) -> Option<&'a mut Table> {
    let mut table = root;
    let mut at = 0;
    while at < path.len() {
        let Step::Key(key) = &path[at] else {
            return None;
        };
        let item = table.get_mut(key)?;
        if let Some(Step::Index(index)) = path.get(at + 1) {
            table = item.as_array_of_tables_mut()?.get_mut(*index)?;
            at += 2;
        } else {
            table = item.as_table_mut()?;
            at += 1;
        }
    }
    Some(table)
}

/// A field's text as the value to write; `None` removes the setting.
pub fn parse_value(kind: &Kind, text: &str) -> Result<Option<Value>, Msg> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let list = || {
        text.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
    };
    let value = match kind {
        Kind::Text | Kind::Choice(_) => Value::from(text),
        Kind::Integer => Value::from(text.parse::<i64>().map_err(|_| Msg::FormNotWholeNumber)?),
        Kind::Decimal => match text.parse::<f64>() {
            Ok(number) if number.is_finite() => Value::from(number),
            _ => return Err(Msg::FormNotNumber),
        },
        Kind::Bool => match text {
            "true" => Value::from(true),
            "false" => Value::from(false),
            _ => return Err(Msg::FormNotYesNo),
        },
        Kind::TextList => Value::Array(list().collect()),
        Kind::IntegerList => {
            let numbers: Result<Vec<i64>, _> = list().map(str::parse::<i64>).collect();
            Value::Array(
                numbers
                    .map_err(|_| Msg::FormNotWholeNumbers)?
                    .into_iter()
                    .collect(),
            )
        }
        Kind::Literal => parse_literal(text)?,
    };
    Ok(Some(value))
}

fn parse_literal(text: &str) -> Result<Value, Msg> {
    // A value alone is no TOML document: it is read as the value of one key.
    let document: DocumentMut = format!("value = {text}\n")
        .parse()
        .map_err(|_| Msg::FormNotTomlValue)?;
    document
        .get("value")
        .and_then(Item::as_value)
        .cloned()
        .ok_or(Msg::FormNotTomlValue)
}

/// A name one may give a new setting or named entry: a bare TOML key.
fn plain_key(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn set(table: &mut Table, key: &str, value: Option<Value>) {
    match value {
        None => {
            table.remove(key);
        }
        Some(mut value) => match table.get_mut(key) {
            // The comment after the old value stays with the new one.
            Some(Item::Value(old)) => {
                *value.decor_mut() = old.decor().clone();
                *old = value;
            }
            _ => {
                table.insert(key, Item::Value(value));
            }
        },
    }
}

/// The form's changes written into `text`: the new text, or every problem found (then
/// nothing is written).
pub fn apply(text: &str, schema: &FileSchema, posted: &Posted) -> Result<String, Vec<Problem>> {
    let listed = entries(text, schema).map_err(|_| {
        vec![Problem {
            field: String::new(),
            reason: Msg::FormNotToml,
        }]
    })?;
    let mut document: DocumentMut = text.parse().map_err(|_| {
        vec![Problem {
            field: String::new(),
            reason: Msg::FormNotToml,
        }]
    })?;
    let mut problems = Vec::new();
    let root = document.as_table_mut();
    for (number, key, posted_text) in &posted.values {
        let Some(entry) = listed.get(*number) else {
            continue;
        };
        let Some(setting) = entry.settings.iter().find(|s| &s.key == key) else {
            continue;
        };
        if setting.shown.as_deref().unwrap_or("").trim() == posted_text.trim() {
            continue;
        }
        match parse_value(&setting.kind, posted_text) {
            Err(reason) => problems.push(Problem {
                field: entry.field_of(key),
                reason,
            }),
            Ok(value) => {
                if let Some(table) = table_mut(root, &entry.path) {
                    set(table, key, value);
                }
            }
        }
    }
    for (number, key, posted_text) in &posted.new_settings {
        let (key, posted_text) = (key.trim(), posted_text.trim());
        let Some(entry) = listed.get(*number) else {
            continue;
        };
        if key.is_empty() && posted_text.is_empty() {
            continue;
        }
        let field = entry.field_of(key);
        let Some(table) = table_mut(root, &entry.path) else {
            continue;
        };
        if !plain_key(key) {
            problems.push(Problem {
                field,
                reason: Msg::FormBadName,
            });
        } else if table.contains_key(key) {
            problems.push(Problem {
                field,
                reason: Msg::FormSettingExists,
            });
        } else {
            match parse_literal(posted_text) {
                Ok(value) => set(table, key, Some(value)),
                Err(reason) => problems.push(Problem { field, reason }),
            }
        }
    }
    // Last first, so an array's later elements go before the earlier ones' indexes move.
    let mut removed: Vec<&Entry> = posted
        .removed
        .iter()
        .filter_map(|number| listed.get(*number))
        .filter(|entry| entry.collection.is_some())
        .collect();
    removed.sort_by(|a, b| b.path.cmp(&a.path));
    for entry in removed {
        remove(root, &entry.path);
    }
    if let Some(new) = &posted.add {
        if let Err(problem) = add(root, schema, new) {
            problems.push(problem);
        }
    }
    if problems.is_empty() {
        Ok(document.to_string())
    } else {
        Err(problems)
    }
}

fn remove(root: &mut Table, path: &[Step]) {
    match path.split_last() {
        Some((Step::Index(index), parent)) => {
            let Some((Step::Key(key), holder)) = parent.split_last() else {
                return;
            };
            let Some(table) = table_mut(root, holder) else {
                return;
            };
            let now_empty = match table.get_mut(key).and_then(Item::as_array_of_tables_mut) {
                Some(array) if *index < array.len() => {
                    array.remove(*index);
                    array.is_empty()
                }
                _ => false,
            };
            if now_empty {
                table.remove(key);
            }
        }
        Some((Step::Key(key), parent)) => {
            if let Some(table) = table_mut(root, parent) {
                table.remove(key);
            }
        }
        None => {}
    }
}

fn add(root: &mut Table, schema: &FileSchema, new: &NewEntry) -> Result<(), Problem> {
    let Some(collection) = schema.collections.iter().find(|c| c.key == new.collection) else {
        return Ok(());
    };
    let problem = |reason| Problem {
        field: collection.key.to_owned(),
        reason,
    };
    if collection.named {
        let name = new.name.trim();
        if !plain_key(name) {
            return Err(problem(Msg::FormBadName));
        }
        let holder = root
            .entry(collection.key)
            .or_insert_with(|| {
                let mut table = Table::new();
                table.set_implicit(true);
                Item::Table(table)
            })
            .as_table_mut()
            .ok_or_else(|| problem(Msg::FormNotToml))?;
        if holder.contains_key(name) {
            return Err(problem(Msg::FormNameTaken));
        }
        let mut table = Table::new();
        if let Some(node_type) = new.node_type.as_deref().filter(|t| !t.is_empty()) {
            table.insert("type", Item::Value(Value::from(node_type)));
        }
        holder.insert(name, Item::Table(table));
    } else {
        let mut table = Table::new();
        if let Some(key) = collection.numbered_by {
            table.insert(
                key,
                Item::Value(Value::from(1 + highest(root, schema, key))),
            );
        }
        root.entry(collection.key)
            .or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()))
            .as_array_of_tables_mut()
            .ok_or_else(|| problem(Msg::FormNotToml))?
            .push(table);
    }
    Ok(())
}

/// The highest whole number under `key` in every collection numbered by it (0 when
/// none): a device id is unique across spans and ports, not only among its kind.
fn highest(root: &Table, schema: &FileSchema, key: &str) -> i64 {
    schema
        .collections
        .iter()
        .filter(|collection| !collection.named && collection.numbered_by == Some(key))
        .filter_map(|collection| root.get(collection.key).and_then(Item::as_array_of_tables))
        .flat_map(|array| array.iter())
        .filter_map(|table| table.get(key).and_then(Item::as_integer))
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUEUES: &str = r#"# Callers from this number jump ahead.
vip_numbers = ["0209999"]

# Billing first.
[queues.billing]
strategy = "skills-based" # the best agent first
skills = { billing = 5 }
ring_timeout_s = 15

# Everything else.
[queues.general]
strategy = "longest-idle"
"#;

    const LINES: &str = r#"[[span]]
id = 7
channels = "1-15,17-31"

[[fxo]]
id = 1
name = "PSTN line 1"

[[fxs]]
id = 3
extension = "201"
"#;

    fn entry<'a>(entries: &'a [Entry], field: &str) -> (usize, &'a Entry) {
        entries
            .iter()
            .enumerate()
            .find(|(_, entry)| entry.field == field)
            .unwrap_or_else(|| panic!("no entry {field} in {entries:#?}"))
    }

    fn setting<'a>(entry: &'a Entry, key: &str) -> &'a Setting {
        entry
            .settings
            .iter()
            .find(|setting| setting.key == key)
            .unwrap_or_else(|| panic!("no setting {key} in {entry:#?}"))
    }

    #[test]
    fn a_file_is_cut_into_its_entries_with_the_settings_its_schema_offers() {
        let schema = FileSchema::of("queues.toml");
        let entries = entries(QUEUES, &schema).expect("parses");
        let fields: Vec<&str> = entries.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["", "queues.billing", "queues.general"]);
        let (_, billing) = entry(&entries, "queues.billing");
        assert_eq!(billing.collection, Some("queues"));
        let strategy = setting(billing, "strategy");
        assert_eq!(strategy.shown.as_deref(), Some("skills-based"));
        assert!(matches!(&strategy.kind, Kind::Choice(names) if names.contains(&"round-robin")));
        assert_eq!(
            setting(billing, "skills").shown.as_deref(),
            Some("{ billing = 5 }")
        );
        // Offered although not written: the form shows it empty.
        assert_eq!(setting(billing, "wrap_up_s").shown, None);
        assert_eq!(
            setting(&entries[0], "vip_numbers").shown.as_deref(),
            Some("0209999")
        );
    }

    #[test]
    fn a_changed_value_is_written_in_place_and_the_rest_of_the_text_stays() {
        let schema = FileSchema::of("queues.toml");
        let listed = entries(QUEUES, &schema).expect("parses");
        let (billing, _) = entry(&listed, "queues.billing");
        let (general, _) = entry(&listed, "queues.general");
        let posted = Posted {
            values: vec![
                (billing, "strategy".into(), "round-robin".into()),
                (billing, "skills".into(), "{ billing = 5 }".into()),
                (billing, "wrap_up_s".into(), "20".into()),
                (general, "strategy".into(), "".into()),
                (0, "vip_numbers".into(), "0209999, 0208888".into()),
            ],
            ..Posted::default()
        };
        let text = apply(QUEUES, &schema, &posted).expect("writes");
        assert!(
            text.contains("strategy = \"round-robin\" # the best agent first"),
            "{text}"
        );
        assert!(text.contains("wrap_up_s = 20"), "{text}");
        assert!(text.contains("# Everything else."), "{text}");
        assert!(
            text.contains("# Callers from this number jump ahead."),
            "{text}"
        );
        assert!(
            text.contains(r#"vip_numbers = ["0209999", "0208888"]"#),
            "{text}"
        );
        // Emptied: the setting goes (the default applies).
        let general_part = text.split("[queues.general]").nth(1).expect("kept");
        assert!(!general_part.contains("strategy"), "{text}");
        // Untouched values are not rewritten.
        assert!(text.contains("skills = { billing = 5 }"), "{text}");
    }

    #[test]
    fn a_field_that_cannot_be_written_is_named_and_nothing_is_written() {
        let schema = FileSchema::of("queues.toml");
        let listed = entries(QUEUES, &schema).expect("parses");
        let (billing, _) = entry(&listed, "queues.billing");
        let posted = Posted {
            values: vec![
                (billing, "strategy".into(), "round-robin".into()),
                (billing, "ring_timeout_s".into(), "fifteen".into()),
                (billing, "skills".into(), "{ billing = ".into()),
            ],
            ..Posted::default()
        };
        let problems = apply(QUEUES, &schema, &posted).expect_err("refused");
        assert_eq!(
            problems,
            [
                Problem {
                    field: "queues.billing.ring_timeout_s".into(),
                    reason: Msg::FormNotWholeNumber
                },
                Problem {
                    field: "queues.billing.skills".into(),
                    reason: Msg::FormNotTomlValue
                },
            ]
        );
    }

    #[test]
    fn entries_are_added_and_removed_and_a_new_device_gets_a_free_id() {
        let schema = FileSchema::of("lines.toml");
        let listed = entries(LINES, &schema).expect("parses");
        let (fxo, _) = entry(&listed, "fxo[0]");
        let posted = Posted {
            removed: [fxo].into(),
            add: Some(NewEntry {
                collection: "fxs".into(),
                name: String::new(),
                node_type: None,
            }),
            ..Posted::default()
        };
        let text = apply(LINES, &schema, &posted).expect("writes");
        assert!(!text.contains("[[fxo]]"), "{text}");
        let after = entries(&text, &schema).expect("parses");
        let fields: Vec<&str> = after.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["span[0]", "fxs[0]", "fxs[1]"]);
        // Span 7 is the highest device id: ids are unique across spans and ports.
        assert_eq!(setting(&after[2], "id").shown.as_deref(), Some("8"));
    }

    #[test]
    fn a_named_entry_needs_a_plain_unused_name() {
        let schema = FileSchema::of("queues.toml");
        let add = |name: &str| Posted {
            add: Some(NewEntry {
                collection: "queues".into(),
                name: name.into(),
                node_type: None,
            }),
            ..Posted::default()
        };
        let refused = |name: &str| apply(QUEUES, &schema, &add(name)).expect_err(name)[0].reason;
        assert_eq!(refused("new queue"), Msg::FormBadName);
        assert_eq!(refused(""), Msg::FormBadName);
        assert_eq!(refused("billing"), Msg::FormNameTaken);
        let text = apply(QUEUES, &schema, &add("sales")).expect("adds");
        assert!(text.contains("[queues.sales]"), "{text}");
        let fields: Vec<String> = entries(&text, &schema)
            .expect("parses")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert!(fields.contains(&"queues.sales".to_owned()), "{fields:?}");
    }

    #[test]
    fn an_ivr_node_offers_the_settings_of_its_type_and_takes_new_ones_as_toml() {
        let flow = "name = \"hotline\"\nentry = \"main\"\n\n[nodes.main]\ntype = \"menu\"\nprompt = \"main-menu\"\n";
        let schema = FileSchema::of("flows/hotline.toml");
        let listed = entries(flow, &schema).expect("parses");
        let (main, node) = entry(&listed, "nodes.main");
        let keys: Vec<&str> = node.settings.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "type",
                "prompt",
                "choices",
                "timeout_s",
                "invalid_prompt",
                "timeout_prompt",
                "max_retries",
                "on_failure"
            ]
        );
        let posted = Posted {
            values: vec![(main, "timeout_s".into(), "5".into())],
            new_settings: vec![(main, "choices".into(), r#"{ "1" = "billing" }"#.into())],
            add: Some(NewEntry {
                collection: "nodes".into(),
                name: "billing".into(),
                node_type: Some("hangup".into()),
            }),
            ..Posted::default()
        };
        let text = apply(flow, &schema, &posted).expect("writes");
        let table: toml::Table = text.parse().expect("still TOML");
        let nodes = &table["nodes"];
        assert_eq!(nodes["main"]["timeout_s"].as_integer(), Some(5));
        assert_eq!(nodes["main"]["choices"]["1"].as_str(), Some("billing"));
        assert_eq!(nodes["billing"]["type"].as_str(), Some("hangup"));
    }

    #[test]
    fn every_demo_file_round_trips_unchanged_through_its_form() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/demo");
        let mut files = vec![];
        for name in [
            "system.toml",
            "lines.toml",
            "routes.toml",
            "queues.toml",
            "agents.toml",
            "recording.toml",
            "schedules.toml",
            "prompts.toml",
            "flows/hotline.toml",
        ] {
            files.push((name, std::fs::read_to_string(dir.join(name)).expect(name)));
        }
        for (name, text) in files {
            let schema = FileSchema::of(name);
            let listed = entries(&text, &schema).expect(name);
            assert!(!listed.is_empty(), "{name}");
            // Every field posted back as shown: the text does not change by a byte.
            let values = listed
                .iter()
                .enumerate()
                .flat_map(|(number, entry)| {
                    entry.settings.iter().map(move |setting| {
                        (
                            number,
                            setting.key.clone(),
                            setting.shown.clone().unwrap_or_default(),
                        )
                    })
                })
                .collect();
            let posted = Posted {
                values,
                ..Posted::default()
            };
            assert_eq!(apply(&text, &schema, &posted).expect(name), text, "{name}");
        }
    }
}
