//! The admin's pages: users and their roles, API tokens for CRM integrations, and the
//! audit log of every change.

use super::{failure_text, field_error, html_fragment, html_page, layout, role_name, Section};
use crate::auth::middleware::Gate;
use crate::auth::refusal::Refusal;
use crate::auth::store::{now_unix_ms, AuthError, AuthStore, User};
use crate::auth::{AuditDetail, Identity, Role};
use crate::endpoint::{Endpoint, ADMINS};
use crate::i18n::{Lang, Msg};
use actix_web::http::StatusCode;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/admin/users", ADMINS, || web::get().to(users_page)),
        Endpoint::post("/admin/users", ADMINS, || web::post().to(add_user)),
        Endpoint::post("/admin/users/{name}", ADMINS, || {
            web::post().to(update_user)
        }),
        Endpoint::post("/admin/users/{name}/password", ADMINS, || {
            web::post().to(reset_password)
        }),
        Endpoint::delete("/admin/users/{name}", ADMINS, || {
            web::delete().to(delete_user)
        }),
        Endpoint::get("/admin/tokens", ADMINS, || web::get().to(tokens_page)),
        Endpoint::post("/admin/tokens", ADMINS, || web::post().to(create_token)),
        Endpoint::delete("/admin/tokens/{name}", ADMINS, || {
            web::delete().to(revoke_token)
        }),
        Endpoint::get("/admin/audit", ADMINS, || web::get().to(audit_page)),
    ]
}

fn time(unix_ms: u64) -> String {
    stats::format_utc(unix_ms)
}

fn user_json(user: &User) -> serde_json::Value {
    serde_json::json!({
        "name": user.name,
        "display_name": user.display_name,
        "role": user.role.as_str(),
        "language": user.language.code(),
        "agent": user.agent,
        "disabled": user.disabled,
    })
}

fn role_select(lang: Lang, selected: Role) -> Markup {
    html! {
        select name="role" {
            @for role in Role::ALL {
                option value=(role.as_str()) selected[role == selected] { (role_name(lang, role)) }
            }
        }
    }
}

fn language_select(selected: Lang) -> Markup {
    html! {
        select name="language" {
            @for option in Lang::ALL {
                option value=(option.code()) selected[option == selected] { (option.own_name()) }
            }
        }
    }
}

fn users_section(lang: Lang, users: &[User], error: Option<&str>) -> Markup {
    html! {
        section #users.card {
            (field_error(error))
            table.users {
                thead { tr {
                    th { (lang.t(Msg::UserName)) } th { (lang.t(Msg::DisplayName)) }
                    th { (lang.t(Msg::Role)) } th { (lang.t(Msg::Language)) }
                    th { (lang.t(Msg::AgentId)) } th { (lang.t(Msg::Disabled)) } th {} th {}
                } }
                tbody {
                    @for user in users {
                        tr data-user=(user.name) {
                            td.name { (user.name) }
                            td { input form=(format!("u-{}", user.name)) type="text" name="display_name" value=(user.display_name); }
                            td { (html! { span form=(format!("u-{}", user.name)) {} }) (role_select_for(lang, user)) }
                            td { select form=(format!("u-{}", user.name)) name="language" {
                                @for option in Lang::ALL {
                                    option value=(option.code()) selected[option == user.language] { (option.own_name()) }
                                }
                            } }
                            td { input form=(format!("u-{}", user.name)) type="text" name="agent" value=(user.agent.clone().unwrap_or_default()); }
                            td { input form=(format!("u-{}", user.name)) type="checkbox" name="disabled" value="on" checked[user.disabled]; }
                            td {
                                form id=(format!("u-{}", user.name)) hx-post=(format!("/admin/users/{}", super::url_encode(&user.name))) hx-target="#users" hx-swap="outerHTML" {
                                    button type="submit" { (lang.t(Msg::Save)) }
                                }
                            }
                            td {
                                button.danger hx-delete=(format!("/admin/users/{}", super::url_encode(&user.name))) hx-target="#users" hx-swap="outerHTML" hx-confirm="?" { (lang.t(Msg::Remove)) }
                            }
                        }
                    }
                }
            }
            h2 { (lang.t(Msg::Add)) }
            form #add-user hx-post="/admin/users" hx-target="#users" hx-swap="outerHTML" {
                label { (lang.t(Msg::UserName)) input type="text" name="name" required; }
                label { (lang.t(Msg::DisplayName)) input type="text" name="display_name" required; }
                label { (lang.t(Msg::Role)) (role_select(lang, Role::Agent)) }
                label { (lang.t(Msg::Language)) (language_select(lang)) }
                label { (lang.t(Msg::AgentId)) input type="text" name="agent"; }
                label { (lang.t(Msg::Password)) input type="password" name="password" required minlength="8" autocomplete="new-password"; }
                button type="submit" { (lang.t(Msg::Add)) }
            }
        }
    }
}

fn role_select_for(lang: Lang, user: &User) -> Markup {
    html! {
        select form=(format!("u-{}", user.name)) name="role" {
            @for role in Role::ALL {
                option value=(role.as_str()) selected[role == user.role] { (role_name(lang, role)) }
            }
        }
    }
}

async fn users_page(gate: web::Data<Gate>, identity: Identity) -> HttpResponse {
    let lang = identity.language;
    let users = gate.auth.users().unwrap_or_default();
    html_page(layout(
        &identity,
        Section::Users,
        lang.t(Msg::Users),
        users_section(lang, &users, None),
    ))
}

async fn users_fragment(gate: &Gate, lang: Lang, error: Option<&str>) -> HttpResponse {
    let users = gate.auth.users().unwrap_or_default();
    html_fragment(StatusCode::OK, users_section(lang, &users, error))
}

#[derive(Deserialize)]
struct UserForm {
    name: Option<String>,
    display_name: String,
    role: String,
    language: String,
    agent: Option<String>,
    disabled: Option<String>,
    password: Option<String>,
}

fn user_from_form(name: &str, form: &UserForm) -> Result<User, AuthError> {
    let role = Role::parse(&form.role).ok_or_else(|| Refusal::UnknownRole(form.role.clone()))?;
    Ok(User {
        name: name.trim().to_owned(),
        display_name: form.display_name.trim().to_owned(),
        role,
        language: Lang::parse(&form.language).unwrap_or_default(),
        agent: form
            .agent
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned),
        disabled: form.disabled.is_some(),
        created_unix_ms: now_unix_ms(),
    })
}

/// Runs an account-store call off the web worker; a refusal or failure as the text the
/// page shows in `lang`.
async fn account_store<T: Send + 'static>(
    gate: &Gate,
    lang: Lang,
    call: impl FnOnce(&AuthStore) -> Result<T, AuthError> + Send + 'static,
) -> Result<T, String> {
    let auth = gate.auth.clone();
    match web::block(move || call(&auth)).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(error.text(lang)),
        Err(error) => Err(failure_text(lang, Msg::AccountStoreFailed, error)),
    }
}

async fn add_user(
    gate: web::Data<Gate>,
    identity: Identity,
    request: HttpRequest,
    form: web::Form<UserForm>,
) -> HttpResponse {
    let lang = identity.language;
    let form = form.into_inner();
    let name = form.name.clone().unwrap_or_default();
    let user = match user_from_form(&name, &form) {
        Ok(user) => user,
        Err(error) => return users_fragment(&gate, lang, Some(&error.text(lang))).await,
    };
    let (added, password) = (user.clone(), form.password.clone().unwrap_or_default());
    match account_store(&gate, lang, move |auth| auth.add_user(&added, &password)).await {
        Ok(()) => {
            request.extensions_mut().insert(AuditDetail {
                before: None,
                after: Some(user_json(&user)),
            });
            users_fragment(&gate, lang, None).await
        }
        Err(text) => users_fragment(&gate, lang, Some(&text)).await,
    }
}

async fn update_user(
    gate: web::Data<Gate>,
    identity: Identity,
    request: HttpRequest,
    name: web::Path<String>,
    form: web::Form<UserForm>,
) -> HttpResponse {
    let lang = identity.language;
    let user = match user_from_form(&name, &form) {
        Ok(user) => user,
        Err(error) => return users_fragment(&gate, lang, Some(&error.text(lang))).await,
    };
    let changed = user.clone();
    match account_store(&gate, lang, move |auth| auth.update_user(&changed)).await {
        Ok(Some(before)) => {
            request.extensions_mut().insert(AuditDetail {
                before: Some(user_json(&before)),
                after: Some(user_json(&user)),
            });
            users_fragment(&gate, lang, None).await
        }
        Ok(None) => HttpResponse::NotFound().body(lang.t(Msg::NoSuchUser)),
        Err(text) => users_fragment(&gate, lang, Some(&text)).await,
    }
}

#[derive(Deserialize)]
struct ResetForm {
    password: String,
}

async fn reset_password(
    gate: web::Data<Gate>,
    identity: Identity,
    name: web::Path<String>,
    form: web::Form<ResetForm>,
) -> HttpResponse {
    let lang = identity.language;
    let (name, password) = (name.into_inner(), form.into_inner().password);
    match account_store(&gate, lang, move |auth| {
        auth.set_password(&name, &password, None)
    })
    .await
    {
        Ok(true) => users_fragment(&gate, lang, None).await,
        Ok(false) => HttpResponse::NotFound().body(lang.t(Msg::NoSuchUser)),
        Err(text) => users_fragment(&gate, lang, Some(&text)).await,
    }
}

async fn delete_user(
    gate: web::Data<Gate>,
    identity: Identity,
    request: HttpRequest,
    name: web::Path<String>,
) -> HttpResponse {
    let lang = identity.language;
    let name = name.into_inner();
    match account_store(&gate, lang, move |auth| auth.delete_user(&name)).await {
        Ok(Some(before)) => {
            request.extensions_mut().insert(AuditDetail {
                before: Some(user_json(&before)),
                after: None,
            });
            users_fragment(&gate, lang, None).await
        }
        Ok(None) => HttpResponse::NotFound().body(lang.t(Msg::NoSuchUser)),
        Err(text) => users_fragment(&gate, lang, Some(&text)).await,
    }
}

fn tokens_section(
    lang: Lang,
    tokens: &[storage::ApiTokenRow],
    new_secret: Option<&str>,
    error: Option<&str>,
) -> Markup {
    html! {
        section #tokens.card {
            (field_error(error))
            @if let Some(secret) = new_secret {
                p.token-once { (lang.t(Msg::TokenShownOnce)) " " code #new-token { (secret) } }
            }
            table {
                thead { tr {
                    th { (lang.t(Msg::TokenName)) } th { (lang.t(Msg::Role)) }
                    th { (lang.t(Msg::Created)) } th { (lang.t(Msg::LastUsed)) } th {}
                } }
                tbody {
                    @for token in tokens {
                        tr {
                            td { (token.name) }
                            td { (Role::parse(&token.role).map(|r| role_name(lang, r)).unwrap_or("?")) }
                            td { (time(token.created_unix_ms)) " · " (token.created_by) }
                            td { (token.last_used_unix_ms.map(time).unwrap_or_else(|| lang.t(Msg::Never).into())) }
                            td { button.danger hx-delete=(format!("/admin/tokens/{}", super::url_encode(&token.name))) hx-target="#tokens" hx-swap="outerHTML" { (lang.t(Msg::Revoke)) } }
                        }
                    }
                }
            }
            form #add-token hx-post="/admin/tokens" hx-target="#tokens" hx-swap="outerHTML" {
                label { (lang.t(Msg::TokenName)) input type="text" name="name" required; }
                label { (lang.t(Msg::Role)) (role_select(lang, Role::Supervisor)) }
                button type="submit" { (lang.t(Msg::Add)) }
            }
        }
    }
}

async fn tokens_page(gate: web::Data<Gate>, identity: Identity) -> HttpResponse {
    let lang = identity.language;
    let auth = gate.auth.clone();
    let tokens = web::block(move || auth.tokens())
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    html_page(layout(
        &identity,
        Section::Tokens,
        lang.t(Msg::ApiTokens),
        tokens_section(lang, &tokens, None, None),
    ))
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
    role: String,
}

async fn create_token(
    gate: web::Data<Gate>,
    identity: Identity,
    request: HttpRequest,
    form: web::Form<TokenForm>,
) -> HttpResponse {
    let lang = identity.language;
    let auth = gate.auth.clone();
    let form = form.into_inner();
    let by = identity.name.clone();
    let result = web::block(move || {
        let role =
            Role::parse(&form.role).ok_or_else(|| Refusal::UnknownRole(form.role.clone()))?;
        let secret = auth.create_token(form.name.trim(), role, &by, now_unix_ms())?;
        Ok::<_, AuthError>((form.name.trim().to_owned(), role, secret, auth.tokens()?))
    })
    .await;
    match result {
        Ok(Ok((name, role, secret, tokens))) => {
            request.extensions_mut().insert(AuditDetail {
                before: None,
                after: Some(serde_json::json!({ "token": name, "role": role.as_str() })),
            });
            html_fragment(
                StatusCode::OK,
                tokens_section(lang, &tokens, Some(&secret), None),
            )
        }
        Ok(Err(error)) => {
            let tokens = gate.auth.tokens().unwrap_or_default();
            html_fragment(
                StatusCode::OK,
                tokens_section(lang, &tokens, None, Some(&error.text(lang))),
            )
        }
        Err(error) => HttpResponse::InternalServerError().body(failure_text(
            lang,
            Msg::AccountStoreFailed,
            error,
        )),
    }
}

async fn revoke_token(
    gate: web::Data<Gate>,
    identity: Identity,
    request: HttpRequest,
    name: web::Path<String>,
) -> HttpResponse {
    let lang = identity.language;
    let auth = gate.auth.clone();
    let name = name.into_inner();
    let revoked = name.clone();
    match web::block(move || Ok::<_, AuthError>((auth.revoke_token(&revoked)?, auth.tokens()?)))
        .await
    {
        Ok(Ok((true, tokens))) => {
            request.extensions_mut().insert(AuditDetail {
                before: Some(serde_json::json!({ "token": name })),
                after: None,
            });
            html_fragment(StatusCode::OK, tokens_section(lang, &tokens, None, None))
        }
        Ok(Ok((false, _))) => HttpResponse::NotFound().body(lang.t(Msg::NoSuchToken)),
        Ok(Err(error)) => HttpResponse::InternalServerError().body(error.text(lang)),
        Err(error) => HttpResponse::InternalServerError().body(failure_text(
            lang,
            Msg::AccountStoreFailed,
            error,
        )),
    }
}

#[derive(Deserialize)]
struct AuditQuery {
    before: Option<i64>,
}

async fn audit_page(
    gate: web::Data<Gate>,
    identity: Identity,
    query: web::Query<AuditQuery>,
) -> HttpResponse {
    let lang = identity.language;
    let auth = gate.auth.clone();
    let before = query.before;
    let entries = web::block(move || auth.audit_entries(before, 100))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let older = entries.last().map(|e| e.id);
    html_page(layout(
        &identity,
        Section::Audit,
        lang.t(Msg::AuditLog),
        html! {
            table #audit {
                thead { tr {
                    th { (lang.t(Msg::When)) } th { (lang.t(Msg::Who)) } th { (lang.t(Msg::What)) }
                    th { (lang.t(Msg::Target)) } th { (lang.t(Msg::Status)) }
                    th { (lang.t(Msg::Before)) } th { (lang.t(Msg::After)) }
                } }
                tbody {
                    @for entry in &entries {
                        tr {
                            td { (time(entry.unix_ms)) }
                            td { (entry.actor) @if let Some(address) = &entry.address { br; small { (address) } } }
                            td { (entry.action) }
                            td { code { (entry.target) } }
                            td { (entry.status) }
                            td { @if let Some(before) = &entry.before { code.json { (before) } } }
                            td { @if let Some(after) = &entry.after { code.json { (after) } } }
                        }
                    }
                }
            }
            @if let Some(id) = older {
                @if entries.len() == 100 {
                    a href=(format!("/admin/audit?before={id}")) { "→" }
                }
            }
        },
    ))
}
