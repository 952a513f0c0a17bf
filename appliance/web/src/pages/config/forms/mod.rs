//! The configuration as forms: a file's spans and ports, routes, queues, agents, system
//! settings or IVR nodes as fields of the kind each setting takes, with entries added and
//! removed. The form is written back into the file's text (comments and untouched
//! settings kept) and goes through exactly the editor's Check and Apply live, so its
//! errors come from the same checks and land beside the field they name.

mod document;
mod labels;
mod render;
mod schema;

use super::{applied_summary, config_tabs, keeper, service_error, MAX_FORM_BYTES};
use crate::auth::Identity;
use crate::endpoint::{Endpoint, TECHNICIANS};
use crate::i18n::{Lang, Msg};
use crate::pages::{html_fragment, html_page, layout, Section};
use crate::state::WebState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use config_store::service::{ConfigTexts, ServiceError};
use config_store::FieldError;
use document::{NewEntry, Posted, Problem};
use maud::{html, Markup};
use render::FormView;
use schema::FileSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/config/form", TECHNICIANS, || web::get().to(form_page)),
        Endpoint::post("/config/form", TECHNICIANS, || web::post().to(form_post)),
    ]
}

#[derive(Deserialize)]
struct FileQuery {
    file: Option<String>,
}

/// The files with a form, in the order a technician sets a box up.
fn form_files(files: &ConfigTexts) -> Vec<&str> {
    const FIRST: [&str; 5] = [
        "system.toml",
        "lines.toml",
        "routes.toml",
        "queues.toml",
        "agents.toml",
    ];
    let mut list: Vec<&str> = FIRST
        .iter()
        .copied()
        .filter(|file| files.contains_key(*file))
        .collect();
    list.extend(
        files
            .keys()
            .map(String::as_str)
            .filter(|file| file.ends_with(".toml") && !FIRST.contains(file)),
    );
    list
}

fn file_links(lang: Lang, files: &[&str], here: Option<&str>) -> Markup {
    html! {
        nav.form-files aria-label=(lang.t(Msg::FormFiles)) {
            @for file in files {
                a href=(format!("/config/form?file={}", crate::url::encode(file)))
                    class=[(Some(*file) == here).then_some("active")] { code { (file) } } " "
            }
        }
    }
}

async fn form_page(
    state: web::Data<WebState>,
    identity: Identity,
    query: web::Query<FileQuery>,
) -> HttpResponse {
    let lang = identity.language;
    let wanted = query.into_inner().file;
    let content = match keeper(&state, |keeper| keeper.current()).await {
        Err(error) => service_error(lang, &error),
        Ok(current) => {
            let files = form_files(&current.files);
            let chosen = wanted
                .as_deref()
                .or_else(|| files.first().copied())
                .unwrap_or_default();
            html! {
                (config_tabs(lang, "/config/form"))
                (file_links(lang, &files, Some(chosen)))
                @match current.files.get(chosen).filter(|_| files.contains(&chosen)) {
                    None => p.field-error role="alert" { (lang.t(Msg::FormNoSuchFile)) ": " code { (chosen) } },
                    Some(text) => (rendered(lang, Rendering {
                        file: chosen,
                        text,
                        version: current.version,
                        unsaved: false,
                        errors: &[],
                        problems: &[],
                        kept: &BTreeMap::new(),
                        outcome: None,
                    })),
                }
            }
        }
    };
    html_page(layout(
        &identity,
        Section::Configuration,
        lang.t(Msg::ConfigForms),
        content,
    ))
}

/// What one rendering needs, before the file is cut into entries.
struct Rendering<'a> {
    file: &'a str,
    text: &'a str,
    version: Option<u32>,
    unsaved: bool,
    errors: &'a [FieldError],
    problems: &'a [Problem],
    kept: &'a BTreeMap<(usize, String), String>,
    outcome: Option<Markup>,
}

fn rendered(lang: Lang, rendering: Rendering) -> Markup {
    let schema = FileSchema::of(rendering.file);
    match document::entries(rendering.text, &schema) {
        // A file the forms cannot read is mended in the text editor, which shows why.
        Err(_) => html! {
            div #form-editor {
                (rendering.outcome.unwrap_or_default())
                p.field-error role="alert" { (lang.t(Msg::FormNotToml)) " " a href="/config" { (lang.t(Msg::Configuration)) } }
            }
        },
        Ok(entries) => render::form(
            lang,
            &schema,
            &FormView {
                file: rendering.file,
                text: rendering.text,
                entries: &entries,
                version: rendering.version,
                unsaved: rendering.unsaved,
                errors: rendering.errors,
                problems: rendering.problems,
                kept: rendering.kept,
                outcome: rendering.outcome,
            },
        ),
    }
}

#[derive(Debug, PartialEq)]
enum Action {
    Check,
    Apply,
    Add(String),
}

/// The form as posted.
#[derive(Debug)]
struct FormPost {
    file: String,
    version: Option<u32>,
    base: String,
    comment: String,
    action: Action,
    posted: Posted,
    /// The fields' texts by entry and setting, to show again when they cannot be written.
    kept: BTreeMap<(usize, String), String>,
}

/// `value.3.strategy` → (3, `strategy`).
fn numbered(rest: &str) -> Option<(usize, String)> {
    let (number, key) = rest.split_once('.')?;
    Some((number.parse().ok()?, key.to_owned()))
}

fn read_post(fields: Vec<(String, String)>) -> FormPost {
    let mut post = FormPost {
        file: String::new(),
        version: None,
        base: String::new(),
        comment: String::new(),
        action: Action::Check,
        posted: Posted::default(),
        kept: BTreeMap::new(),
    };
    let mut new_keys: BTreeMap<usize, String> = BTreeMap::new();
    let mut new_values: BTreeMap<usize, String> = BTreeMap::new();
    let mut add_names: BTreeMap<String, String> = BTreeMap::new();
    let mut add_type = None;
    for (name, value) in fields {
        // Browsers post CRLF line ends; the files keep LF.
        let value = value.replace("\r\n", "\n");
        match name.as_str() {
            "file" => post.file = value,
            "version" => post.version = value.parse().ok(),
            "base" => post.base = value,
            "comment" => post.comment = value,
            "add-type" => add_type = Some(value),
            "action" => {
                post.action = match value.as_str() {
                    "apply" => Action::Apply,
                    other => other
                        .strip_prefix("add:")
                        .map_or(Action::Check, |key| Action::Add(key.to_owned())),
                }
            }
            _ => {
                if let Some((number, key)) = name.strip_prefix("value.").and_then(numbered) {
                    post.kept.insert((number, key.clone()), value.clone());
                    post.posted.values.push((number, key, value));
                } else if let Some(number) =
                    name.strip_prefix("new-key.").and_then(|n| n.parse().ok())
                {
                    new_keys.insert(number, value);
                } else if let Some(number) =
                    name.strip_prefix("new-value.").and_then(|n| n.parse().ok())
                {
                    new_values.insert(number, value);
                } else if let Some(number) =
                    name.strip_prefix("remove.").and_then(|n| n.parse().ok())
                {
                    post.posted.removed.insert(number);
                } else if let Some(key) = name.strip_prefix("add-name.") {
                    add_names.insert(key.to_owned(), value);
                }
            }
        }
    }
    for (number, key) in new_keys {
        let value = new_values.remove(&number).unwrap_or_default();
        post.posted.new_settings.push((number, key, value));
    }
    if let Action::Add(collection) = &post.action {
        post.posted.add = Some(NewEntry {
            collection: collection.clone(),
            name: add_names.remove(collection).unwrap_or_default(),
            node_type: add_type.filter(|_| collection == "nodes"),
        });
    }
    post
}

/// A message drawn where the form was (htmx swaps only answers of 200 into the page),
/// with the way back to the forms.
fn in_place(lang: Lang, message: Markup) -> Markup {
    html! {
        div #form-editor {
            (message)
            p { a href="/config/form" { (lang.t(Msg::ConfigForms)) } }
        }
    }
}

fn outcome_ok(lang: Lang, msg: Msg) -> Markup {
    html! { p #config-outcome.ok data-ok="true" { (lang.t(msg)) } }
}

fn outcome_errors(lang: Lang, msg: Msg) -> Markup {
    html! { p #config-outcome.field-error role="alert" data-ok="false" { (lang.t(msg)) } }
}

async fn form_post(
    state: web::Data<WebState>,
    identity: Identity,
    request: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let lang = identity.language;
    let body = match crate::api::config::read_body(payload, MAX_FORM_BYTES).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let fields: Vec<(String, String)> = match serde_urlencoded::from_bytes(&body) {
        Ok(fields) => fields,
        Err(_) => {
            return html_fragment(
                StatusCode::OK,
                in_place(lang, outcome_errors(lang, Msg::FormUnreadable)),
            )
        }
    };
    let post = read_post(fields);
    let current = match keeper(&state, |keeper| keeper.current()).await {
        Ok(current) => current,
        Err(error) => {
            return html_fragment(StatusCode::OK, in_place(lang, service_error(lang, &error)))
        }
    };
    let Some(applied_text) = current.files.get(&post.file).cloned() else {
        return html_fragment(
            StatusCode::OK,
            in_place(lang, outcome_errors(lang, Msg::FormNoSuchFile)),
        );
    };
    // Someone applied another version since this form was drawn: its changes would be
    // written over that version's, so the form starts again from the current one.
    if post.version != current.version {
        let markup = rendered(
            lang,
            Rendering {
                file: &post.file,
                text: &applied_text,
                version: current.version,
                unsaved: false,
                errors: &[],
                problems: &[],
                kept: &BTreeMap::new(),
                outcome: Some(outcome_errors(lang, Msg::FormStale)),
            },
        );
        return html_fragment(StatusCode::OK, markup);
    }
    let schema = FileSchema::of(&post.file);
    let text = match document::apply(&post.base, &schema, &post.posted) {
        Ok(text) => text,
        Err(problems) => {
            let markup = rendered(
                lang,
                Rendering {
                    file: &post.file,
                    text: &post.base,
                    version: current.version,
                    unsaved: post.base != applied_text,
                    errors: &[],
                    problems: &problems,
                    kept: &post.kept,
                    outcome: Some(outcome_errors(lang, Msg::FormHasProblems)),
                },
            );
            return html_fragment(StatusCode::OK, markup);
        }
    };
    let mut files = current.files.clone();
    files.insert(post.file.clone(), text.clone());
    let changed = text != applied_text;
    let acted = act(
        &state,
        &identity,
        &request,
        &post,
        files,
        current.version,
        changed,
    )
    .await;
    let markup = rendered(
        lang,
        Rendering {
            file: &post.file,
            text: &text,
            version: acted.version,
            unsaved: acted.unsaved,
            errors: &acted.errors,
            problems: &[],
            kept: &BTreeMap::new(),
            outcome: acted.outcome,
        },
    );
    html_fragment(StatusCode::OK, markup)
}

/// What a Check, Apply or Add came to, for the form drawn again.
struct Acted {
    errors: Vec<FieldError>,
    outcome: Option<Markup>,
    version: Option<u32>,
    unsaved: bool,
}

/// Runs the form's action on the configuration with its file's new text (`files`):
/// `changed` when that text differs from the running one.
async fn act(
    state: &WebState,
    identity: &Identity,
    request: &HttpRequest,
    post: &FormPost,
    files: ConfigTexts,
    version: Option<u32>,
    changed: bool,
) -> Acted {
    let lang = identity.language;
    let failed = |error: ServiceError| Acted {
        errors: Vec::new(),
        outcome: Some(service_error(lang, &error)),
        version,
        unsaved: true,
    };
    match &post.action {
        Action::Add(_) => Acted {
            errors: Vec::new(),
            outcome: None,
            version,
            unsaved: changed,
        },
        Action::Check => match keeper(state, move |keeper| keeper.check(&files)).await {
            Ok(errors) => Acted {
                outcome: Some(if errors.is_empty() {
                    outcome_ok(lang, Msg::ConfigOk)
                } else {
                    outcome_errors(lang, Msg::ConfigCheckErrors)
                }),
                errors,
                version,
                unsaved: changed,
            },
            Err(error) => failed(error),
        },
        Action::Apply => {
            let (user, comment) = (identity.name.clone(), post.comment.clone());
            match keeper(state, move |keeper| keeper.apply(&files, &user, &comment)).await {
                Ok(applied) => {
                    crate::api::config::audit(request, &applied);
                    Acted {
                        errors: Vec::new(),
                        outcome: Some(applied_summary(lang, Msg::AppliedVersion, &applied)),
                        version: Some(applied.version.number),
                        unsaved: false,
                    }
                }
                Err(ServiceError::Invalid(errors)) => Acted {
                    errors,
                    outcome: Some(outcome_errors(lang, Msg::ConfigHasErrors)),
                    version,
                    unsaved: true,
                },
                Err(error) => failed(error),
            }
        }
    }
}
