//! A user's own account: their language and password.

use super::{failure_text, field_error, html_fragment, html_page, hx_redirect, layout, Section};
use crate::auth::middleware::Gate;
use crate::auth::{AuditDetail, Identity, Via};
use crate::endpoint::{Endpoint, SIGNED_IN};
use crate::i18n::{Lang, Msg};
use actix_web::http::StatusCode;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/account", SIGNED_IN, || web::get().to(page)),
        Endpoint::post("/account/language", SIGNED_IN, || {
            web::post().to(set_language)
        }),
        Endpoint::post("/account/password", SIGNED_IN, || {
            web::post().to(set_password)
        }),
    ]
}

fn password_form(lang: Lang, message: Option<&str>, done: bool) -> Markup {
    html! {
        form #password-form hx-post="/account/password" hx-swap="outerHTML" {
            h2 { (lang.t(Msg::ChangePassword)) }
            (field_error(message))
            @if done { p.saved { (lang.t(Msg::Saved)) } }
            label { (lang.t(Msg::CurrentPassword))
                input type="password" name="current" autocomplete="current-password" required;
            }
            label { (lang.t(Msg::NewPassword))
                input type="password" name="new" autocomplete="new-password" required minlength="8";
            }
            label { (lang.t(Msg::PasswordAgain))
                input type="password" name="again" autocomplete="new-password" required minlength="8";
            }
            button type="submit" { (lang.t(Msg::Save)) }
        }
    }
}

async fn page(identity: Identity) -> HttpResponse {
    let lang = identity.language;
    html_page(layout(
        &identity,
        Section::Account,
        lang.t(Msg::Account),
        html! {
            section.card {
                form #language-form hx-post="/account/language" {
                    label { (lang.t(Msg::Language))
                        select name="language" {
                            @for option in Lang::ALL {
                                option value=(option.code()) selected[option == lang] { (option.own_name()) }
                            }
                        }
                    }
                    button type="submit" { (lang.t(Msg::Save)) }
                }
            }
            section.card { (password_form(lang, None, false)) }
        },
    ))
}

#[derive(Deserialize)]
struct LanguageForm {
    language: String,
}

async fn set_language(
    gate: web::Data<Gate>,
    identity: Identity,
    request: HttpRequest,
    form: web::Form<LanguageForm>,
) -> HttpResponse {
    let lang = identity.language;
    let Some(language) = Lang::parse(&form.language) else {
        return HttpResponse::UnprocessableEntity().body(lang.t(Msg::LanguageMustBe));
    };
    let auth = gate.auth.clone();
    let name = identity.name.clone();
    let result = web::block(move || {
        let Some(mut user) = auth.user(&name)? else {
            return Ok(None);
        };
        let before = user.language;
        user.language = language;
        auth.update_user(&user)?;
        Ok::<_, crate::auth::store::AuthError>(Some(before))
    })
    .await;
    match result {
        Ok(Ok(Some(before))) => {
            request.extensions_mut().insert(AuditDetail {
                before: Some(serde_json::json!({ "language": before.code() })),
                after: Some(serde_json::json!({ "language": language.code() })),
            });
            hx_redirect("/account")
        }
        Ok(Ok(None)) => HttpResponse::NotFound().body(lang.t(Msg::NoSuchUser)),
        Ok(Err(error)) => HttpResponse::UnprocessableEntity().body(error.text(lang)),
        Err(error) => HttpResponse::InternalServerError().body(failure_text(
            lang,
            Msg::AccountStoreFailed,
            error,
        )),
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
    again: String,
}

async fn set_password(
    gate: web::Data<Gate>,
    identity: Identity,
    request: HttpRequest,
    form: web::Form<PasswordForm>,
) -> HttpResponse {
    let lang = identity.language;
    let fail =
        |message: &str| html_fragment(StatusCode::OK, password_form(lang, Some(message), false));
    if form.new != form.again {
        return fail(lang.t(Msg::PasswordsDiffer));
    }
    if form.new.chars().count() < crate::auth::password::MIN_LENGTH {
        return fail(lang.t(Msg::PasswordTooShort));
    }
    let Via::Session { hash, .. } = identity.via.clone() else {
        return HttpResponse::BadRequest().body(lang.t(Msg::TokenHasNoPassword));
    };
    let auth = gate.auth.clone();
    let address = crate::auth::middleware::peer(&request);
    let form = form.into_inner();
    let name = identity.name.clone();
    let result = web::block(move || {
        // The current password, checked (and throttled) like a sign-in, without opening
        // a session: the same check, so it cannot be guessed here instead.
        match auth.check_password(
            &name,
            &form.current,
            &address,
            crate::auth::store::now_unix_ms(),
        )? {
            Ok(()) => {}
            Err(refused) => return Ok(Err(refused)),
        }
        auth.set_password(&name, &form.new, Some(&hash))?;
        Ok::<_, crate::auth::store::AuthError>(Ok(()))
    })
    .await;
    match result {
        Ok(Ok(Ok(()))) => html_fragment(StatusCode::OK, password_form(lang, None, true)),
        Ok(Ok(Err(crate::auth::store::LoginRefused::Throttled(_)))) => fail(lang.t(Msg::Throttled)),
        Ok(Ok(Err(_))) => fail(lang.t(Msg::WrongPassword)),
        Ok(Err(error)) => fail(&error.text(lang)),
        Err(error) => fail(&failure_text(lang, Msg::AccountStoreFailed, error)),
    }
}
