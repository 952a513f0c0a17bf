//! Signing in and out, and the first start, which creates the administrator (there is
//! no default password).

use super::{bare_layout, failure_text, field_error, html_page, visitor_lang};
use crate::auth::middleware::{credential, peer, Gate};
use crate::auth::store::{now_unix_ms, LoginRefused, User};
use crate::auth::{Identity, Role, Via};
use crate::endpoint::{Access, Endpoint, SIGNED_IN};
use crate::i18n::{Lang, Msg};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/", SIGNED_IN, || web::get().to(home)),
        Endpoint::get("/login", Access::Public, || web::get().to(login_page)),
        Endpoint::post("/login", Access::Public, || web::post().to(login)),
        Endpoint::post("/logout", SIGNED_IN, || web::post().to(logout)),
        Endpoint::get("/setup", Access::Public, || web::get().to(setup_page)),
        Endpoint::post("/setup", Access::Public, || web::post().to(setup)),
    ]
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_owned()))
        .finish()
}

async fn home(identity: Identity) -> HttpResponse {
    see_other(super::home(identity.role))
}

/// Where to go after signing in: only a path on this box (never `//elsewhere`).
fn safe_next(next: Option<&str>) -> Option<&str> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
}

fn login_form(lang: Lang, next: Option<&str>, name: &str, error: Option<&str>) -> maud::Markup {
    bare_layout(
        lang,
        lang.t(Msg::SignIn),
        html! {
            form.login method="post" action="/login" {
                (field_error(error))
                label { (lang.t(Msg::UserName))
                    input type="text" name="name" value=(name) autocomplete="username" required autofocus;
                }
                label { (lang.t(Msg::Password))
                    input type="password" name="password" autocomplete="current-password" required;
                }
                @if let Some(next) = next {
                    input type="hidden" name="next" value=(next);
                }
                input type="hidden" name="lang" value=(lang.code());
                button type="submit" { (lang.t(Msg::SignIn)) }
            }
            p.languages {
                @for other in Lang::ALL {
                    a href=(format!("/login?lang={}", other.code())) { (other.own_name()) } " "
                }
            }
        },
    )
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(
    gate: web::Data<Gate>,
    request: HttpRequest,
    query: web::Query<NextQuery>,
) -> HttpResponse {
    if gate.auth.first_start() {
        return see_other("/setup");
    }
    if let Some((identity, _)) =
        credential(&request).and_then(|c| gate.auth.identify(&c, now_unix_ms()))
    {
        return see_other(super::home(identity.role));
    }
    html_page(login_form(
        visitor_lang(&request),
        safe_next(query.next.as_deref()),
        "",
        None,
    ))
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
    next: Option<String>,
    lang: Option<String>,
}

async fn login(
    gate: web::Data<Gate>,
    request: HttpRequest,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    if gate.auth.first_start() {
        return see_other("/setup");
    }
    let form = form.into_inner();
    let lang = form
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_else(|| visitor_lang(&request));
    let address = peer(&request);
    let auth = gate.auth.clone();
    let (name, password, at) = (form.name.clone(), form.password.clone(), address.clone());
    let result = web::block(move || auth.login(&name, &password, &at, now_unix_ms())).await;
    let next = safe_next(form.next.as_deref());
    let refused = |status: StatusCode, msg: Msg| {
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(login_form(lang, next, &form.name, Some(lang.t(msg))).into_string())
    };
    let audit = |what: &str| storage::NewAudit {
        unix_ms: now_unix_ms(),
        actor: form.name.clone(),
        address: Some(address.clone()),
        action: what.to_owned(),
        target: "/login".into(),
        status: 0,
        before: None,
        after: None,
    };
    match result {
        Ok(Ok(Ok((user, session)))) => {
            let mut entry = audit("sign in");
            entry.status = 303;
            entry.actor = user.name.clone();
            let auth = gate.auth.clone();
            let _ = web::block(move || auth.audit(&entry)).await;
            HttpResponse::SeeOther()
                .insert_header((header::SET_COOKIE, gate.session_cookie(&session.secret)))
                .insert_header((
                    header::LOCATION,
                    next.unwrap_or(super::home(user.role)).to_owned(),
                ))
                .finish()
        }
        Ok(Ok(Err(LoginRefused::WrongPassword))) => {
            let mut entry = audit("sign in refused: wrong password");
            entry.status = 401;
            let auth = gate.auth.clone();
            let _ = web::block(move || auth.audit(&entry)).await;
            refused(StatusCode::UNAUTHORIZED, Msg::WrongPassword)
        }
        Ok(Ok(Err(LoginRefused::Throttled(throttled)))) => {
            let mut response = refused(StatusCode::TOO_MANY_REQUESTS, Msg::Throttled);
            if let Ok(value) =
                header::HeaderValue::from_str(&throttled.retry_after_ms.div_ceil(1000).to_string())
            {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Ok(Err(error)) => {
            tracing::error!(%error, "sign-in failed");
            HttpResponse::InternalServerError().body(failure_text(lang, Msg::CannotSignIn, error))
        }
        Err(error) => {
            HttpResponse::InternalServerError().body(failure_text(lang, Msg::CannotSignIn, error))
        }
    }
}

async fn logout(gate: web::Data<Gate>, identity: Identity, request: HttpRequest) -> HttpResponse {
    if let Via::Session { hash, .. } = &identity.via {
        let (auth, hash) = (gate.auth.clone(), hash.clone());
        if let Ok(Err(error)) = web::block(move || auth.logout(&hash)).await {
            tracing::error!(%error, "cannot end a session");
        }
    }
    let mut response = if request.headers().contains_key("hx-request") {
        HttpResponse::Ok()
            .insert_header(("HX-Redirect", "/login"))
            .finish()
    } else {
        see_other("/login")
    };
    if let Ok(value) = header::HeaderValue::from_str(&gate.cleared_cookie()) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize, Default)]
struct SetupForm {
    name: String,
    display_name: String,
    password: String,
    password_again: String,
    language: String,
}

fn setup_form(lang: Lang, form: &SetupForm, error: Option<&str>) -> maud::Markup {
    bare_layout(
        lang,
        lang.t(Msg::FirstStartTitle),
        html! {
            p { (lang.t(Msg::FirstStartText)) }
            form.setup method="post" action="/setup" {
                (field_error(error))
                label { (lang.t(Msg::UserName))
                    input type="text" name="name" value=(form.name) required autofocus;
                }
                label { (lang.t(Msg::DisplayName))
                    input type="text" name="display_name" value=(form.display_name) required;
                }
                label { (lang.t(Msg::Password))
                    input type="password" name="password" autocomplete="new-password" required minlength="8";
                }
                label { (lang.t(Msg::PasswordAgain))
                    input type="password" name="password_again" autocomplete="new-password" required minlength="8";
                }
                label { (lang.t(Msg::Language))
                    select name="language" {
                        @for option in Lang::ALL {
                            option value=(option.code()) selected[option == lang] { (option.own_name()) }
                        }
                    }
                }
                button type="submit" { (lang.t(Msg::CreateAdmin)) }
            }
        },
    )
}

async fn setup_page(gate: web::Data<Gate>, request: HttpRequest) -> HttpResponse {
    if !gate.auth.first_start() {
        return see_other("/login");
    }
    html_page(setup_form(
        visitor_lang(&request),
        &SetupForm::default(),
        None,
    ))
}

async fn setup(
    gate: web::Data<Gate>,
    request: HttpRequest,
    form: web::Form<SetupForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let lang = Lang::parse(&form.language).unwrap_or_else(|| visitor_lang(&request));
    let again = |status: StatusCode, message: &str| {
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(setup_form(lang, &form, Some(message)).into_string())
    };
    if !gate.auth.first_start() {
        return again(StatusCode::CONFLICT, lang.t(Msg::SetupDone));
    }
    if form.password != form.password_again {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang.t(Msg::PasswordsDiffer),
        );
    }
    if form.password.chars().count() < crate::auth::password::MIN_LENGTH {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang.t(Msg::PasswordTooShort),
        );
    }
    let user = User {
        name: form.name.trim().to_owned(),
        display_name: form.display_name.trim().to_owned(),
        role: Role::Admin,
        language: lang,
        agent: None,
        disabled: false,
        created_unix_ms: now_unix_ms(),
    };
    let address = peer(&request);
    let auth = gate.auth.clone();
    let (created, password) = (user.clone(), form.password.clone());
    let result = web::block(move || {
        let session = auth.create_first_admin(&created, &password, &address, now_unix_ms())?;
        if session.is_some() {
            auth.audit(&storage::NewAudit {
                unix_ms: now_unix_ms(),
                actor: created.name.clone(),
                address: Some(address),
                action: "create the first admin".into(),
                target: "/setup".into(),
                status: 303,
                before: None,
                after: Some(serde_json::json!({"user": created.name, "role": "admin"}).to_string()),
            })?;
        }
        Ok::<_, crate::auth::store::AuthError>(session)
    })
    .await;
    match result {
        Ok(Ok(Some(session))) => HttpResponse::SeeOther()
            .insert_header((header::SET_COOKIE, gate.session_cookie(&session.secret)))
            .insert_header((header::LOCATION, super::home(Role::Admin)))
            .finish(),
        Ok(Ok(None)) => again(StatusCode::CONFLICT, lang.t(Msg::SetupDone)),
        Ok(Err(error)) => again(StatusCode::UNPROCESSABLE_ENTITY, &error.text(lang)),
        Err(error) => again(
            StatusCode::INTERNAL_SERVER_ERROR,
            &failure_text(lang, Msg::AccountStoreFailed, error),
        ),
    }
}
