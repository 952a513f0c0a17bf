//! The technician's configuration pages: the current version's files in editors with
//! Check and Apply live (errors shown at the file, line and field; an IVR flow also as
//! its list of nodes), a prompt's text heard before it is saved, the versions with their
//! diffs and rollback, backup download and restore. The work is the configuration
//! keeper's (`WebState::config`, exactly what `/api/config` calls); these handlers only
//! render its answers.

use super::{html_fragment, html_page, layout, Section};
use crate::auth::Identity;
use crate::endpoint::{Endpoint, TECHNICIANS};
use crate::i18n::config_reasons::{field_error_text, translate_reason};
use crate::i18n::{Lang, Msg};
use crate::state::WebState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use config_store::service::{ConfigTexts, ServiceError};
use config_store::{Applied, ConfigService, FieldError, RestoreOutcome, VersionInfo};
use maud::{html, Markup, PreEscaped};
use std::sync::Arc;

mod flow_nodes;
mod forms;
mod prompts;

/// The largest editor form a Check or Apply may post (the API's own limit).
const MAX_FORM_BYTES: usize = 16 << 20;
/// The largest backup archive a restore accepts (the API's own limit).
const MAX_ARCHIVE_BYTES: usize = 1 << 30;
/// Form fields holding a file's text are named `file:NAME`.
const FILE_FIELD: &str = "file:";
/// Text prompts: their editor is shown even when the configuration has none.
const PROMPTS_FILE: &str = "prompts.toml";

pub fn endpoints() -> Vec<Endpoint> {
    let mut table = prompts::endpoints();
    table.extend(forms::endpoints());
    table.extend([
        Endpoint::get("/config", TECHNICIANS, || web::get().to(editor_page)),
        Endpoint::post("/config/check", TECHNICIANS, || web::post().to(check)),
        Endpoint::post("/config/apply", TECHNICIANS, || web::post().to(apply)),
        Endpoint::get("/config/versions", TECHNICIANS, || {
            web::get().to(versions_page)
        }),
        Endpoint::get("/config/versions/{n}/diff", TECHNICIANS, || {
            web::get().to(diff)
        }),
        Endpoint::post("/config/versions/{n}/rollback", TECHNICIANS, || {
            web::post().to(rollback)
        }),
        Endpoint::get("/config/backup", TECHNICIANS, || web::get().to(backup_page)),
        Endpoint::post("/config/backup/restore", TECHNICIANS, || {
            web::post().to(restore)
        }),
    ]);
    table
}

/// Runs a keeper call on the blocking pool, as the API's handlers do.
async fn keeper<T: Send + 'static>(
    state: &WebState,
    call: impl FnOnce(&dyn ConfigService) -> Result<T, ServiceError> + Send + 'static,
) -> Result<T, ServiceError> {
    let keeper = Arc::clone(&state.config);
    web::block(move || call(keeper.as_ref()))
        .await
        .unwrap_or_else(|error| Err(ServiceError::Failed(format!("blocking pool: {error}"))))
}

fn service_error(lang: Lang, error: &ServiceError) -> Markup {
    html! {
        p.field-error role="alert" { (lang.t(Msg::ConfigFailed)) ": " (translate_reason(lang, &error.to_string())) }
    }
}

/// An id-safe form of a file name (`flows/a.toml` → `flows-a-toml`).
fn slug(file: &str) -> String {
    file.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// The editor group a file belongs to.
fn group_of(file: &str) -> Msg {
    let name = file.trim_end_matches(".toml");
    match name {
        _ if file.starts_with("flows/") => Msg::GroupIvrFlows,
        "system" | "lines" => Msg::GroupSystemLines,
        "routes" | "trunks" => Msg::GroupTrunksRoutes,
        "queues" => Msg::GroupQueues,
        "agents" => Msg::GroupAgents,
        "recording" => Msg::GroupRecording,
        "prompts" => Msg::GroupPrompts,
        "schedules" => Msg::GroupSchedules,
        _ => Msg::GroupOther,
    }
}

const GROUPS: [Msg; 9] = [
    Msg::GroupSystemLines,
    Msg::GroupTrunksRoutes,
    Msg::GroupIvrFlows,
    Msg::GroupQueues,
    Msg::GroupAgents,
    Msg::GroupRecording,
    Msg::GroupPrompts,
    Msg::GroupSchedules,
    Msg::GroupOther,
];

/// A file's errors, under its editor: each with its line, column and field, and the line
/// itself quoted. `oob` swaps it into the page in place of the previous list.
fn file_errors(lang: Lang, file: &str, text: &str, errors: &[&FieldError], oob: bool) -> Markup {
    let lines: Vec<&str> = text.lines().collect();
    html! {
        ul.config-errors id=(format!("errors-{}", slug(file))) data-file=(file)
            hx-swap-oob=[oob.then_some("true")] {
            @for error in errors {
                li.field-error data-file=(file) data-line=(error.line)
                    data-column=(error.column) data-field=(error.field) {
                    span.where {
                        (lang.t(Msg::ErrorLine)) " " (error.line) ", "
                        (lang.t(Msg::ErrorColumn)) " " (error.column)
                        @if !error.field.is_empty() {
                            ", " (lang.t(Msg::ErrorField)) " " code { (error.field) }
                        }
                    }
                    ": " span.message { (translate_reason(lang, &error.message)) }
                    @if let Some(line) = error.line.checked_sub(1).and_then(|i| lines.get(i)) {
                        pre.error-line { span.line-number { (error.line) } " " mark { (line) } }
                    }
                }
            }
        }
    }
}

/// One file's editor: the text with a line-number gutter, its errors and, for a flow,
/// its nodes. The textarea is as tall as the file, so the gutter's numbers stay beside
/// their lines.
fn file_editor(lang: Lang, file: &str, text: &str, errors: &[&FieldError]) -> Markup {
    let id = slug(file);
    let line_count = text.lines().count().max(1);
    let gutter: String = (1..=line_count).map(|n| format!("{n}\n")).collect();
    html! {
        div.config-file id=(format!("file-{id}")) data-file=(file) {
            h3 { label for=(format!("text-{id}")) { code { (file) } } }
            div.editor {
                pre.gutter aria-hidden="true" { (gutter) }
                textarea id=(format!("text-{id}")) name=(format!("{FILE_FIELD}{file}"))
                    data-file=(file) rows=(line_count.max(4) + 1) spellcheck="false" {
                    // A newline right after <textarea> is dropped by the HTML parser:
                    // this one, so a file starting with one keeps it.
                    "\n" (text)
                }
            }
            (file_errors(lang, file, text, errors, false))
            @if file.starts_with("flows/") {
                (flow_nodes::render(lang, file, text, errors, false))
            }
        }
    }
}

fn errors_of<'a>(errors: &'a [FieldError], file: &str) -> Vec<&'a FieldError> {
    errors.iter().filter(|error| error.file == file).collect()
}

async fn editor_page(state: web::Data<WebState>, identity: Identity) -> HttpResponse {
    let lang = identity.language;
    let content = match keeper(&state, |keeper| keeper.current()).await {
        Err(error) => service_error(lang, &error),
        Ok(current) => {
            let has_prompts = current.files.contains_key(PROMPTS_FILE);
            let mut files = current.files;
            // The prompt trial adds to prompts.toml, so its editor is always there.
            if !has_prompts {
                files.insert(PROMPTS_FILE.to_owned(), String::new());
            }
            html! {
                (config_tabs(lang, "/config"))
                p { (lang.t(Msg::CurrentVersion)) ": " strong #current-version { (current.version.map(|v| v.to_string()).unwrap_or_default()) } }
                form #config-form hx-post="/config/check" hx-target="#config-result" {
                    @for group in GROUPS {
                        @let in_group: Vec<(&String, &String)> = files.iter().filter(|(file, _)| group_of(file) == group).collect();
                        @if !in_group.is_empty() {
                            fieldset.config-group data-group=(format!("{group:?}")) {
                                legend { (lang.t(group)) }
                                @for (file, text) in in_group {
                                    (file_editor(lang, file, text, &[]))
                                }
                                @if group == Msg::GroupPrompts && !has_prompts {
                                    input type="hidden" name="new" value=(PROMPTS_FILE);
                                }
                                @if group == Msg::GroupPrompts { (prompts::trial(lang)) }
                            }
                        }
                    }
                    div.actions {
                        label { (lang.t(Msg::ChangeComment)) input type="text" name="comment"; }
                        button #config-check type="submit" { (lang.t(Msg::CheckConfig)) }
                        button #config-apply type="button" hx-post="/config/apply" hx-include="#config-form" hx-target="#config-result" { (lang.t(Msg::ApplyLive)) }
                    }
                }
                section #config-result aria-live="polite" {}
                script { (PreEscaped(JUMP_TO_LINE)) }
            }
        }
    };
    html_page(layout(
        &identity,
        Section::Configuration,
        lang.t(Msg::Configuration),
        content,
    ))
}

/// The configuration pages' own looks: the editor's gutter, marked lines, the diff.
const STYLE: &str = "
.config-group { margin: 1em 0; }
.config-file .editor { display: flex; align-items: stretch; }
.config-file .gutter { margin: 0; padding: 2px 6px; text-align: right; color: #888; background: #f3f3f3; font: 13px/1.3 monospace; overflow: hidden; }
.config-file textarea { flex: 1; margin: 0; font: 13px/1.3 monospace; white-space: pre; overflow-x: auto; }
.config-errors { list-style: none; padding: 0; }
pre.error-line { margin: 2px 0; }
pre.error-line mark { background: #ffd6d6; }
.field-error[data-line], .node-error[data-line] { cursor: pointer; }
.flow-nodes ol.nodes { display: flex; flex-wrap: wrap; gap: 8px; padding: 0; list-style: none; }
.flow-nodes li.node { border: 1px solid #ccc; border-radius: 4px; padding: 6px; }
.flow-nodes li.node.has-error { border-color: #c00; }
.flow-nodes tr.error td { background: #ffd6d6; }
pre.diff .added { color: #064; background: #e6ffec; }
pre.diff .removed { color: #900; background: #ffebe9; }
pre.diff .hunk { color: #05a; }
pre.diff .file { font-weight: bold; }
tr.current td { font-weight: bold; }
.form-files a.active { font-weight: bold; text-decoration: none; }
.form-editor fieldset.entry { margin: .6em 0; }
.form-editor fieldset.entry.has-error { border-color: #c00; }
.form-editor table.settings th, .form-editor table.settings td { padding: 2px 8px; }
.form-editor tr.absent th code { color: #777; font-weight: normal; }
.form-editor input.literal { font-family: monospace; }
.form-editor .unsaved { color: #8a5a00; }
";

fn style() -> Markup {
    html! { style { (PreEscaped(STYLE)) } }
}

/// A click on an error selects its line in its file's editor.
const JUMP_TO_LINE: &str = r#"
document.addEventListener('click', function (event) {
  var error = event.target.closest('.field-error[data-line], .node-error[data-line]');
  var holder = error && error.closest('[data-file]');
  if (!holder) { return; }
  var editor = document.querySelector('textarea[data-file="' + holder.getAttribute('data-file') + '"]');
  var line = parseInt(error.getAttribute('data-line'), 10);
  if (!editor || !(line > 0)) { return; }
  var lines = editor.value.split('\n');
  var start = 0;
  for (var i = 0; i < line - 1 && i < lines.length; i++) { start += lines[i].length + 1; }
  editor.focus();
  editor.setSelectionRange(start, start + (lines[line - 1] || '').length);
});
"#;

/// The links between the three configuration pages.
fn config_tabs(lang: Lang, here: &str) -> Markup {
    let tabs = [
        ("/config", Msg::Configuration),
        ("/config/form", Msg::ConfigForms),
        ("/config/versions", Msg::ConfigVersions),
        ("/config/backup", Msg::ConfigBackup),
    ];
    html! {
        (style())
        nav.tabs {
            @for (path, msg) in tabs {
                a href=(path) class=[(path == here).then_some("active")] { (lang.t(msg)) } " "
            }
        }
    }
}

/// The editor form as posted: every `file:NAME` field and the comment.
struct EditorForm {
    files: ConfigTexts,
    comment: String,
}

async fn editor_form(payload: web::Payload) -> Result<EditorForm, HttpResponse> {
    let body = crate::api::config::read_body(payload, MAX_FORM_BYTES).await?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|error| {
        HttpResponse::BadRequest().body(format!("the editor's form cannot be read: {error}"))
    })?;
    let mut form = EditorForm {
        files: ConfigTexts::new(),
        comment: String::new(),
    };
    let mut new_files = Vec::new();
    for (name, value) in fields {
        if let Some(file) = name.strip_prefix(FILE_FIELD) {
            // Browsers post CRLF line ends from a textarea; the files keep LF.
            form.files
                .insert(file.to_owned(), value.replace("\r\n", "\n"));
        } else if name == "comment" {
            form.comment = value;
        } else if name == "new" {
            new_files.push(value);
        }
    }
    // An editor shown for a file the configuration does not have, left empty, does not
    // create it.
    for file in new_files {
        if form
            .files
            .get(&file)
            .is_some_and(|text| text.trim().is_empty())
        {
            form.files.remove(&file);
        }
    }
    Ok(form)
}

/// Every file's error list and flow node list again (swapped into the page in place):
/// `errors` empty clears them.
fn errors_everywhere(lang: Lang, files: &ConfigTexts, errors: &[FieldError]) -> Markup {
    html! {
        @for (file, text) in files {
            @let mine = errors_of(errors, file);
            (file_errors(lang, file, text, &mine, true))
            @if file.starts_with("flows/") {
                (flow_nodes::render(lang, file, text, &mine, true))
            }
        }
    }
}

/// Errors about no file in the editor (a missing file, the whole configuration).
fn other_errors(lang: Lang, files: &ConfigTexts, errors: &[FieldError]) -> Markup {
    html! {
        ul.config-errors.general {
            @for error in errors.iter().filter(|e| !files.contains_key(&e.file)) {
                li.field-error data-file=(error.file) data-line=(error.line) data-field=(error.field) { (field_error_text(lang, error)) }
            }
        }
    }
}

async fn check(
    state: web::Data<WebState>,
    identity: Identity,
    payload: web::Payload,
) -> HttpResponse {
    let lang = identity.language;
    let form = match editor_form(payload).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    let files = form.files.clone();
    let markup = match keeper(&state, move |keeper| keeper.check(&files)).await {
        Ok(errors) => html! {
            @if errors.is_empty() {
                p #config-outcome.ok data-ok="true" { (lang.t(Msg::ConfigOk)) }
            } @else {
                p #config-outcome.field-error role="alert" data-ok="false" { (lang.t(Msg::ConfigCheckErrors)) }
                (other_errors(lang, &form.files, &errors))
            }
            (errors_everywhere(lang, &form.files, &errors))
        },
        Err(error) => service_error(lang, &error),
    };
    html_fragment(StatusCode::OK, markup)
}

fn applied_summary(lang: Lang, lead: Msg, applied: &Applied) -> Markup {
    html! {
        p #config-outcome.ok data-ok="true" data-version=(applied.version.number) {
            (lang.t(lead)) " " strong.applied-version { (applied.version.number) }
        }
        @if !applied.restart_required.is_empty() {
            h4 { (lang.t(Msg::RestartRequired)) }
            ul.restart-required { @for item in &applied.restart_required { li { (item) } } }
        }
        @if !applied.notes.is_empty() {
            h4 { (lang.t(Msg::ConfigNotes)) }
            ul.notes { @for note in &applied.notes { li { (note) } } }
        }
    }
}

async fn apply(
    state: web::Data<WebState>,
    identity: Identity,
    request: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let lang = identity.language;
    let form = match editor_form(payload).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    let (files, comment, user) = (form.files.clone(), form.comment, identity.name.clone());
    let outcome = keeper(&state, move |keeper| keeper.apply(&files, &user, &comment)).await;
    // Answered 200 either way: htmx swaps only successful answers into the page.
    let markup = match outcome {
        Ok(applied) => {
            crate::api::config::audit(&request, &applied);
            html! {
                (applied_summary(lang, Msg::AppliedVersion, &applied))
                strong #current-version hx-swap-oob="true" { (applied.version.number) }
                (errors_everywhere(lang, &form.files, &[]))
            }
        }
        Err(ServiceError::Invalid(errors)) => html! {
            p #config-outcome.field-error role="alert" data-ok="false" { (lang.t(Msg::ConfigHasErrors)) }
            (other_errors(lang, &form.files, &errors))
            (errors_everywhere(lang, &form.files, &errors))
        },
        Err(error) => service_error(lang, &error),
    };
    html_fragment(StatusCode::OK, markup)
}

fn versions_table(lang: Lang, versions: &[VersionInfo], oob: bool) -> Markup {
    html! {
        table #versions hx-swap-oob=[oob.then_some("true")] {
            thead { tr {
                th { (lang.t(Msg::VersionNumber)) } th { (lang.t(Msg::VersionUser)) }
                th { (lang.t(Msg::VersionTime)) } th { (lang.t(Msg::ChangeComment)) }
                th { (lang.t(Msg::VersionCurrent)) } th {} th {}
            } }
            tbody {
                @for version in versions.iter().rev() {
                    tr data-version=(version.number) class=[version.current.then_some("current")] {
                        td { (version.number) }
                        td { (version.user) }
                        td { (stats::format_utc(version.applied_unix_ms)) }
                        td { (version.comment) }
                        td.current { @if version.current { span.badge.ok { (lang.t(Msg::VersionCurrent)) } } }
                        td { @if !version.current {
                            button.diff type="button" hx-get=(format!("/config/versions/{}/diff", version.number)) hx-target="#diff" hx-swap="outerHTML" { (lang.t(Msg::ShowDiff)) }
                        } }
                        td { @if !version.current {
                            button.rollback.danger type="button" hx-post=(format!("/config/versions/{}/rollback", version.number))
                                hx-target="#versions-result" hx-confirm=(lang.t(Msg::RollbackConfirm)) { (lang.t(Msg::Rollback)) }
                        } }
                    }
                }
            }
        }
    }
}

async fn versions_page(state: web::Data<WebState>, identity: Identity) -> HttpResponse {
    let lang = identity.language;
    let content = match keeper(&state, |keeper| keeper.versions()).await {
        Ok(versions) => html! {
            (config_tabs(lang, "/config/versions"))
            section.card { (versions_table(lang, &versions, false)) }
            section #versions-result aria-live="polite" {}
            section.card { pre #diff.diff {} }
        },
        Err(error) => service_error(lang, &error),
    };
    html_page(layout(
        &identity,
        Section::Configuration,
        lang.t(Msg::ConfigVersions),
        content,
    ))
}

/// A unified diff, each line classed by what it is (added, removed, a hunk or a file).
fn diff_lines(lang: Lang, diff: &str) -> Markup {
    html! {
        pre #diff.diff {
            @if diff.trim().is_empty() { (lang.t(Msg::NoDifference)) }
            @for line in diff.lines() {
                @let class = if line.starts_with("+++") || line.starts_with("---") { "file" }
                    else if line.starts_with('+') { "added" }
                    else if line.starts_with('-') { "removed" }
                    else if line.starts_with("@@") { "hunk" }
                    else { "same" };
                span class=(class) { (line) } "\n"
            }
        }
    }
}

/// From version `n` to the current one.
async fn diff(
    state: web::Data<WebState>,
    identity: Identity,
    number: web::Path<u32>,
) -> HttpResponse {
    let lang = identity.language;
    let from = number.into_inner();
    let outcome = keeper(&state, move |keeper| {
        let current = keeper
            .versions()?
            .into_iter()
            .find(|version| version.current)
            .ok_or_else(|| ServiceError::NotFound("no current version".to_owned()))?;
        keeper.diff(from, current.number)
    })
    .await;
    let markup = match outcome {
        Ok(text) => diff_lines(lang, &text),
        Err(error) => service_error(lang, &error),
    };
    html_fragment(StatusCode::OK, markup)
}

async fn rollback(
    state: web::Data<WebState>,
    identity: Identity,
    request: HttpRequest,
    number: web::Path<u32>,
) -> HttpResponse {
    let lang = identity.language;
    let number = number.into_inner();
    let user = identity.name.clone();
    let outcome = keeper(&state, move |keeper| {
        let applied = keeper.rollback(number, &user)?;
        Ok((applied, keeper.versions()?))
    })
    .await;
    let markup = match outcome {
        Ok((applied, versions)) => {
            crate::api::config::audit(&request, &applied);
            html! {
                (applied_summary(lang, Msg::RolledBack, &applied))
                (versions_table(lang, &versions, true))
                pre #diff.diff hx-swap-oob="true" {}
            }
        }
        Err(ServiceError::Invalid(errors)) => html! {
            p #config-outcome.field-error role="alert" data-ok="false" { (lang.t(Msg::ConfigHasErrors)) }
            ul.config-errors { @for error in &errors { li.field-error { (field_error_text(lang, error)) } } }
        },
        Err(error) => service_error(lang, &error),
    };
    html_fragment(StatusCode::OK, markup)
}

async fn backup_page(identity: Identity) -> HttpResponse {
    let lang = identity.language;
    let content = html! {
        (config_tabs(lang, "/config/backup"))
        section.card {
            h2 { (lang.t(Msg::DownloadBackup)) }
            a #backup-download.button href="/api/backup" download { (lang.t(Msg::DownloadBackup)) }
        }
        section.card {
            h2 { (lang.t(Msg::RestoreBackup)) }
            input #restore-file type="file" accept=".tar.gz,.tgz,application/gzip";
            button #restore-button type="button" { (lang.t(Msg::RestoreButton)) }
            div #restore-result aria-live="polite" {}
        }
        // The archive goes as the raw body (what the keeper reads); the answer is HTML.
        script { (PreEscaped(r#"
(function () {
  var button = document.getElementById('restore-button');
  button.addEventListener('click', function () {
    var file = document.getElementById('restore-file').files[0];
    if (!file) { return; }
    var result = document.getElementById('restore-result');
    button.disabled = true;
    fetch('/config/backup/restore', {
      method: 'POST',
      headers: { 'Content-Type': 'application/gzip',
                 'X-CSRF-Token': document.querySelector('meta[name="csrf-token"]').content },
      body: file
    }).then(function (answer) { return answer.text(); })
      .then(function (html) { result.innerHTML = html; })
      .catch(function (error) { result.textContent = String(error); })
      .finally(function () { button.disabled = false; });
  });
})();
"#)) }
    };
    html_page(layout(
        &identity,
        Section::Configuration,
        lang.t(Msg::ConfigBackup),
        content,
    ))
}

fn restored(lang: Lang, outcome: &RestoreOutcome) -> Markup {
    html! {
        div #restore-outcome.ok data-ok="true" data-version=(outcome.applied.version.number) {
            p { (lang.t(Msg::Restored)) " " strong { (outcome.applied.version.number) } }
            dl.figures {
                dt { (lang.t(Msg::BackupMade)) } dd { (stats::format_utc(outcome.manifest.created_unix_ms)) }
                dt { (lang.t(Msg::Version)) } dd { (outcome.manifest.firmware_version) }
                dt { (lang.t(Msg::DatabaseRestore)) } dd { (outcome.database) }
            }
            h4 { (lang.t(Msg::RestoredFiles)) }
            ul { @for file in outcome.manifest.files.keys() { li { code { (file) } } } }
            @if !outcome.applied.restart_required.is_empty() {
                h4 { (lang.t(Msg::RestartRequired)) }
                ul.restart-required { @for item in &outcome.applied.restart_required { li { (item) } } }
            }
        }
    }
}

async fn restore(
    state: web::Data<WebState>,
    identity: Identity,
    request: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let lang = identity.language;
    let archive = match crate::api::config::read_body(payload, MAX_ARCHIVE_BYTES).await {
        Ok(archive) => archive,
        Err(response) => return response,
    };
    let user = identity.name.clone();
    let markup = match keeper(&state, move |keeper| keeper.restore(&archive, &user)).await {
        Ok(outcome) => {
            crate::api::config::audit(&request, &outcome.applied);
            restored(lang, &outcome)
        }
        Err(ServiceError::Refused(why)) => html! {
            p #restore-outcome.field-error role="alert" data-ok="false" {
                (lang.t(Msg::RestoreRefusedMsg)) ": " span.reason { (translate_reason(lang, &why)) }
            }
        },
        Err(ServiceError::Invalid(errors)) => html! {
            div #restore-outcome.field-error role="alert" data-ok="false" {
                p { (lang.t(Msg::RestoreRefusedMsg)) ": " (lang.t(Msg::ConfigCheckErrors)) }
                ul.config-errors { @for error in &errors { li.field-error { (field_error_text(lang, error)) } } }
            }
        },
        Err(error) => service_error(lang, &error),
    };
    html_fragment(StatusCode::OK, markup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_go_to_their_groups() {
        assert_eq!(group_of("flows/acd-test.toml"), Msg::GroupIvrFlows);
        assert_eq!(group_of("lines.toml"), Msg::GroupSystemLines);
        assert_eq!(group_of("routes.toml"), Msg::GroupTrunksRoutes);
        assert_eq!(group_of("queues.toml"), Msg::GroupQueues);
        assert_eq!(group_of("alerts.toml"), Msg::GroupOther);
        assert_eq!(slug("flows/a b.toml"), "flows-a-b-toml");
    }

    #[test]
    fn an_error_is_shown_under_its_file_with_its_line_quoted() {
        let error = FieldError {
            file: "queues.toml".into(),
            line: 2,
            column: 12,
            field: "queues.agents.strategy".into(),
            message: "unknown strategy".into(),
        };
        let html = file_errors(
            Lang::En,
            "queues.toml",
            "[queues.agents]\nstrategy = \"fastest\"\n",
            &[&error],
            false,
        )
        .into_string();
        assert!(html.contains(r#"data-line="2""#), "{html}");
        assert!(
            html.contains(r#"data-field="queues.agents.strategy""#),
            "{html}"
        );
        assert!(
            html.contains("<mark>strategy = &quot;fastest&quot;</mark>"),
            "{html}"
        );
    }

    #[test]
    fn a_diff_colours_added_and_removed_lines() {
        let html =
            diff_lines(Lang::En, "--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n same\n").into_string();
        assert!(
            html.contains(r#"<span class="removed">-old</span>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<span class="added">+new</span>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<span class="file">+++ b</span>"#),
            "{html}"
        );
    }
}
