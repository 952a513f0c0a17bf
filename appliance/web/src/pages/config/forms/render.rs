//! A file's form as HTML: its entries grouped by collection, a field per setting of the
//! kind it takes, each error of the checks (or of the form itself) beside the field it
//! names, and the buttons to add and remove entries, check and apply.

use super::document::{Entry, Problem, Setting};
use super::labels;
use super::schema::{node_settings, FileSchema, Kind};
use crate::i18n::config_reasons::{field_error_text, translate_reason};
use crate::i18n::{Lang, Msg};
use config_store::FieldError;
use maud::{html, Markup};
use std::collections::BTreeMap;

/// Everything one rendering of a form shows.
pub struct FormView<'a> {
    pub file: &'a str,
    /// The text the form shows (what was applied, or changes not applied yet).
    pub text: &'a str,
    pub entries: &'a [Entry],
    pub version: Option<u32>,
    pub unsaved: bool,
    pub errors: &'a [FieldError],
    pub problems: &'a [Problem],
    /// Posted field texts kept when the form could not be written (entry, setting).
    pub kept: &'a BTreeMap<(usize, String), String>,
    /// The outcome of what was asked, above the form.
    pub outcome: Option<Markup>,
}

/// One error message placed on the page: where the checks said, with its line.
struct Placed {
    line: usize,
    text: String,
}

/// The errors of this file and the form's problems, by the field they go beside; the
/// rest (other files, fields no setting here shows) listed above the form.
struct Placement {
    by_field: BTreeMap<String, Vec<Placed>>,
    unplaced: Vec<String>,
}

fn place(lang: Lang, schema: &FileSchema, view: &FormView) -> Placement {
    // A collection's own problems (a new entry's name) go beside its add button.
    let mut fields: Vec<String> = schema
        .collections
        .iter()
        .map(|collection| collection.key.to_owned())
        .collect();
    for entry in view.entries {
        fields.push(entry.field.clone());
        for setting in &entry.settings {
            fields.push(entry.field_of(&setting.key));
        }
    }
    // The setting or entry the error is about: the field itself, else the longest one
    // it is inside (`agent[0].queues[1]` → `agent[0].queues`).
    let target = |field: &str| -> Option<String> {
        fields
            .iter()
            .filter(|known| {
                field == known.as_str()
                    || (!known.is_empty()
                        && field.starts_with(known.as_str())
                        && matches!(field.as_bytes().get(known.len()), Some(b'.' | b'[')))
            })
            .max_by_key(|known| known.len())
            .cloned()
    };
    let mut placement = Placement {
        by_field: BTreeMap::new(),
        unplaced: Vec::new(),
    };
    // An error naming no field of the form (an IVR flow's are only placed by line) goes
    // beside the setting written on its line, else to the entry its line is in.
    let by_line = |line: usize| -> Option<String> {
        let setting = view.entries.iter().find_map(|entry| {
            entry
                .settings
                .iter()
                .find(|setting| setting.line == Some(line))
                .map(|setting| entry.field_of(&setting.key))
        });
        setting.or_else(|| {
            view.entries
                .iter()
                .filter(|entry| entry.line.is_some_and(|header| header <= line))
                .max_by_key(|entry| entry.line)
                .map(|entry| entry.field.clone())
        })
    };
    for error in view.errors {
        let spot = (error.file == view.file)
            .then(|| target(&error.field).or_else(|| by_line(error.line)))
            .flatten();
        match spot {
            Some(field) => placement.by_field.entry(field).or_default().push(Placed {
                line: error.line,
                text: translate_reason(lang, &error.message).into_owned(),
            }),
            None => placement.unplaced.push(field_error_text(lang, error)),
        }
    }
    for problem in view.problems {
        let text = lang.t(problem.reason).to_owned();
        match target(&problem.field) {
            Some(field) => placement
                .by_field
                .entry(field)
                .or_default()
                .push(Placed { line: 0, text }),
            None => placement
                .unplaced
                .push(format!("{}: {text}", problem.field)),
        }
    }
    placement
}

fn field_errors(placement: &Placement, field: &str) -> Markup {
    html! {
        @if let Some(errors) = placement.by_field.get(field) {
            @for error in errors {
                span.field-error role="alert" data-field=(field) data-line=[(error.line > 0).then_some(error.line)] {
                    (error.text)
                }
            }
        }
    }
}

fn input(lang: Lang, name: &str, id: &str, field: &str, setting: &Setting, value: &str) -> Markup {
    let option = |choice: &str, label: &str| {
        html! { option value=(choice) selected[value == choice] { (label) } }
    };
    match &setting.kind {
        Kind::Bool => html! {
            select id=(id) name=(name) data-field=(field) {
                (option("", lang.t(Msg::FormDefault)))
                (option("true", lang.t(Msg::FormYes)))
                (option("false", lang.t(Msg::FormNo)))
            }
        },
        Kind::Choice(choices) => html! {
            select id=(id) name=(name) data-field=(field) {
                (option("", lang.t(Msg::FormDefault)))
                @for choice in choices { (option(choice, choice)) }
                // A value the checks do not accept stays selectable, so it can be seen.
                @if !value.is_empty() && !choices.contains(&value) { (option(value, value)) }
            }
        },
        kind => {
            let (class, mode) = match kind {
                Kind::Integer | Kind::IntegerList => ("number", Some("numeric")),
                Kind::Decimal => ("number", Some("decimal")),
                Kind::Literal => ("literal", None),
                _ => ("text", None),
            };
            html! {
                input type="text" id=(id) name=(name) value=(value) class=(class)
                    inputmode=[mode] data-field=(field) spellcheck="false";
            }
        }
    }
}

fn kind_hint(lang: Lang, kind: &Kind) -> Option<&'static str> {
    match kind {
        Kind::TextList | Kind::IntegerList => Some(lang.t(Msg::FormListHint)),
        Kind::Literal => Some(lang.t(Msg::FormTomlHint)),
        _ => None,
    }
}

fn entry_form(
    lang: Lang,
    view: &FormView,
    placement: &Placement,
    number: usize,
    entry: &Entry,
) -> Markup {
    let has_error = placement.by_field.contains_key(&entry.field)
        || entry.settings.iter().any(|setting| {
            placement
                .by_field
                .contains_key(&entry.field_of(&setting.key))
        });
    let title = entry
        .settings
        .iter()
        .find(|s| s.key == "name" || s.key == "type")
        .and_then(|s| s.shown.clone());
    // A node's type decides its other settings: these are what may be added.
    let addable: Vec<&'static str> = match entry.settings.iter().find(|s| s.key == "type") {
        Some(setting) if entry.field.starts_with("nodes.") => {
            node_settings(setting.shown.as_deref().unwrap_or(""))
                .into_iter()
                .map(|(key, _)| key)
                .collect()
        }
        _ => Vec::new(),
    };
    html! {
        fieldset.entry.has-error[has_error] data-field=(entry.field) data-entry=(number) {
            legend {
                @if entry.field.is_empty() { (lang.t(Msg::FormGeneral)) } @else { code { (entry.field) } }
                @if let Some(title) = title { " " span.entry-title { (title) } }
            }
            (field_errors(placement, &entry.field))
            table.settings {
                @for setting in &entry.settings {
                    @let field = entry.field_of(&setting.key);
                    @let name = format!("value.{number}.{}", setting.key);
                    @let id = format!("form-{}", field.replace(['.', '[', ']', '"'], "-"));
                    @let value = view.kept.get(&(number, setting.key.clone())).cloned()
                        .or_else(|| setting.shown.clone()).unwrap_or_default();
                    tr data-field=(field) class=[setting.shown.is_none().then_some("absent")] {
                        th { label for=(id) {
                            @if let Some(text) = labels::label(&entry.pattern, &setting.key) { span.label-text { (lang.t(text)) } br; }
                            code { (setting.key) }
                        } }
                        td {
                            (input(lang, &name, &id, &field, setting, &value))
                            @if let Some(hint) = kind_hint(lang, &setting.kind) { " " small.hint { (hint) } }
                        }
                        td.errors { (field_errors(placement, &field)) }
                    }
                }
            }
            details.add-setting {
                summary { (lang.t(Msg::FormAddSetting)) }
                @let list = format!("settings-{number}");
                label { (lang.t(Msg::NodeSetting)) " "
                    input type="text" name=(format!("new-key.{number}")) list=[(!addable.is_empty()).then_some(list.as_str())]; }
                " "
                label { (lang.t(Msg::FormValueToml)) " " input.literal type="text" name=(format!("new-value.{number}")); }
                @if !addable.is_empty() {
                    datalist id=(list) { @for key in &addable { option value=(key) {} } }
                }
            }
            @if entry.collection.is_some() {
                label.remove { input type="checkbox" name=(format!("remove.{number}")) value="on"; " " (lang.t(Msg::FormRemoveEntry)) }
            }
        }
    }
}

/// The row that adds an entry to a collection.
fn add_row(lang: Lang, schema: &FileSchema, key: &'static str) -> Markup {
    let Some(collection) = schema.collections.iter().find(|c| c.key == key) else {
        return html! {};
    };
    html! {
        div.add-entry data-collection=(key) {
            @if collection.named {
                label { (lang.t(Msg::FormNewName)) " " input type="text" name=(format!("add-name.{key}")); }
                @if key == "nodes" {
                    " " label { (lang.t(Msg::NodeType)) " "
                        select name="add-type" {
                            @for (name, _) in ivr::flow::node_types() { option value=(name) { (name) } }
                        }
                    }
                }
                " "
            }
            button type="submit" name="action" value=(format!("add:{key}")) { (lang.t(Msg::FormAddEntry)) }
        }
    }
}

pub fn form(lang: Lang, schema: &FileSchema, view: &FormView) -> Markup {
    let placement = place(lang, schema, view);
    let numbered: Vec<(usize, &Entry)> = view.entries.iter().enumerate().collect();
    html! {
        div #form-editor.form-editor data-file=(view.file) {
            form hx-post="/config/form" hx-target="#form-editor" hx-swap="outerHTML" {
                input type="hidden" name="file" value=(view.file);
                input type="hidden" name="version" value=(view.version.map(|v| v.to_string()).unwrap_or_default());
                input type="hidden" name="base" value=(view.text);
                // Enter in a field checks (the first submit button is the default one).
                button type="submit" name="action" value="check" style="display: none" {}
                @if let Some(outcome) = &view.outcome { div #form-outcome { (outcome) } }
                @if !placement.unplaced.is_empty() {
                    ul.config-errors.general {
                        @for error in &placement.unplaced { li.field-error role="alert" { (error) } }
                    }
                }
                @if view.unsaved {
                    p.unsaved role="status" { (lang.t(Msg::FormUnsaved)) }
                }
                @let general: Vec<&(usize, &Entry)> = numbered.iter().filter(|(_, e)| e.collection.is_none()).collect();
                @if !general.is_empty() {
                    fieldset.form-group data-collection="" {
                        legend { (lang.t(Msg::FormGeneral)) }
                        @for (number, entry) in general { (entry_form(lang, view, &placement, *number, entry)) }
                    }
                }
                @for collection in &schema.collections {
                    fieldset.form-group data-collection=(collection.key) {
                        legend { (lang.t(collection.title)) }
                        @for (number, entry) in numbered.iter().filter(|(_, e)| e.collection == Some(collection.key)) {
                            (entry_form(lang, view, &placement, *number, entry))
                        }
                        (field_errors(&placement, collection.key))
                        (add_row(lang, schema, collection.key))
                    }
                }
                div.actions {
                    label { (lang.t(Msg::ChangeComment)) " " input type="text" name="comment"; }
                    " "
                    button #form-check type="submit" name="action" value="check" { (lang.t(Msg::CheckConfig)) }
                    " "
                    button #form-apply type="submit" name="action" value="apply" { (lang.t(Msg::ApplyLive)) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::document::entries;
    use super::*;

    const FLOW: &str = "name = \"hotline\"\nentry = \"main\"\n\n[nodes.main]\ntype = \"menu\"\nprompt = \"main-menu\"\ntimeout_s = 0\n";

    fn error(file: &str, line: usize, field: &str, message: &str) -> FieldError {
        FieldError {
            file: file.into(),
            line,
            column: 1,
            field: field.into(),
            message: message.into(),
        }
    }

    fn placed(errors: &[FieldError], problems: &[Problem]) -> Placement {
        let schema = FileSchema::of("flows/hotline.toml");
        let listed = entries(FLOW, &schema).expect("parses");
        let view = FormView {
            file: "flows/hotline.toml",
            text: FLOW,
            entries: &listed,
            version: Some(1),
            unsaved: false,
            errors,
            problems,
            kept: &BTreeMap::new(),
            outcome: None,
        };
        place(Lang::Zh, &schema, &view)
    }

    #[test]
    fn an_error_goes_beside_the_field_it_names_or_is_written_on() {
        let placement = placed(
            &[
                // The flow's checks name no field, only the line.
                error(
                    "flows/hotline.toml",
                    7,
                    "flow",
                    "timeout_s must be at least 1",
                ),
                error(
                    "flows/hotline.toml",
                    4,
                    "flow",
                    "node main is never reached",
                ),
                error("flows/hotline.toml", 2, "entry", "no such node"),
                error("queues.toml", 3, "queues.a.strategy", "not a strategy"),
            ],
            &[Problem {
                field: "nodes".into(),
                reason: Msg::FormNameTaken,
            }],
        );
        let at = |field: &str| -> Vec<String> {
            placement
                .by_field
                .get(field)
                .map(|errors| errors.iter().map(|e| e.text.clone()).collect())
                .unwrap_or_default()
        };
        assert_eq!(at("nodes.main.timeout_s"), ["timeout_s must be at least 1"]);
        assert_eq!(at("nodes.main"), ["node main is never reached"]);
        assert_eq!(at("entry"), ["no such node"]);
        // A collection's own problem, in the user's language, beside its add button.
        assert_eq!(at("nodes"), [Lang::Zh.t(Msg::FormNameTaken)]);
        // Another file's error has no field here: listed above the form.
        assert_eq!(placement.unplaced.len(), 1);
        assert!(placement.unplaced[0].contains("queues.toml"));
    }

    #[test]
    fn every_demo_file_is_drawn_with_a_field_per_setting_and_labels_in_chinese() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/demo");
        for file in [
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
            let text = std::fs::read_to_string(dir.join(file)).expect(file);
            let schema = FileSchema::of(file);
            let listed = entries(&text, &schema).expect(file);
            let html = form(
                Lang::Zh,
                &schema,
                &FormView {
                    file,
                    text: &text,
                    entries: &listed,
                    version: Some(1),
                    unsaved: false,
                    errors: &[],
                    problems: &[],
                    kept: &BTreeMap::new(),
                    outcome: None,
                },
            )
            .into_string();
            let fields: usize = listed.iter().map(|entry| entry.settings.len()).sum();
            assert_eq!(
                html.matches(r#" name="value."#).count(),
                fields,
                "{file}: one field per setting"
            );
            assert!(html.contains(Lang::Zh.t(Msg::ApplyLive)), "{file}");
        }
    }
}
