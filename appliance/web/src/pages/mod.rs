//! The web UI's pages: server-rendered HTML (maud escapes every value it inserts), htmx
//! for changes and the SSE extension for live parts. Each module lists its endpoints.

pub mod account;
pub mod admin;
pub mod alerts;
pub mod calls;
pub mod charts;
pub mod config;
pub mod dashboard;
pub mod desk;
pub mod live;
pub mod login;
pub mod logs;
pub mod recordings;
pub mod reports;
pub mod screen_pop;
pub mod wallboard;

use crate::auth::{Identity, Role};
use crate::i18n::{Lang, Msg};
use actix_web::HttpResponse;
use maud::{html, Markup, PreEscaped, DOCTYPE};

pub use crate::url::encode as url_encode;

pub fn html_page(markup: Markup) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .body(markup.into_string())
}

pub fn html_fragment(status: actix_web::http::StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .body(markup.into_string())
}

/// Where a page lives in the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Dashboard,
    Configuration,
    Wallboard,
    LiveCalls,
    Recordings,
    Reports,
    Alerts,
    Desk,
    Users,
    Tokens,
    Audit,
    Account,
    Logs,
    Captures,
}

/// The pages each role sees in its navigation, in order.
fn navigation(role: Role) -> &'static [(Section, &'static str, Msg)] {
    use Section::*;
    const ADMIN: &[(Section, &str, Msg)] = &[
        (Dashboard, "/dashboard", Msg::Dashboard),
        (Configuration, "/config", Msg::Configuration),
        (Logs, "/logs", Msg::Log),
        (Captures, "/captures", Msg::Captures),
        (Wallboard, "/wallboard", Msg::Wallboard),
        (LiveCalls, "/calls", Msg::LiveCalls),
        (Recordings, "/recordings", Msg::Recordings),
        (Reports, "/reports", Msg::Reports),
        (Alerts, "/alerts", Msg::Alerts),
        (Users, "/admin/users", Msg::Users),
        (Tokens, "/admin/tokens", Msg::ApiTokens),
        (Audit, "/admin/audit", Msg::AuditLog),
        (Account, "/account", Msg::Account),
    ];
    const TECHNICIAN: &[(Section, &str, Msg)] = &[
        (Dashboard, "/dashboard", Msg::Dashboard),
        (Configuration, "/config", Msg::Configuration),
        (Logs, "/logs", Msg::Log),
        (Captures, "/captures", Msg::Captures),
        (Account, "/account", Msg::Account),
    ];
    const SUPERVISOR: &[(Section, &str, Msg)] = &[
        (Wallboard, "/wallboard", Msg::Wallboard),
        (LiveCalls, "/calls", Msg::LiveCalls),
        (Recordings, "/recordings", Msg::Recordings),
        (Reports, "/reports", Msg::Reports),
        (Alerts, "/alerts", Msg::Alerts),
        (Account, "/account", Msg::Account),
    ];
    const AGENT: &[(Section, &str, Msg)] = &[
        (Desk, "/desk", Msg::AgentDesk),
        (Account, "/account", Msg::Account),
    ];
    match role {
        Role::Admin => ADMIN,
        Role::Technician => TECHNICIAN,
        Role::Supervisor => SUPERVISOR,
        Role::Agent => AGENT,
    }
}

/// The home page of a role.
pub fn home(role: Role) -> &'static str {
    navigation(role)
        .first()
        .map(|(_, path, _)| *path)
        .unwrap_or("/account")
}

pub fn role_name(lang: Lang, role: Role) -> &'static str {
    lang.t(match role {
        Role::Admin => Msg::RoleAdmin,
        Role::Technician => Msg::RoleTechnician,
        Role::Supervisor => Msg::RoleSupervisor,
        Role::Agent => Msg::RoleAgent,
    })
}

fn head(lang: Lang, title: &str, csrf: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="csrf-token" content=(csrf);
            title { (title) " · " (lang.t(Msg::AppName)) }
            link rel="stylesheet" href="/assets/app.css";
            script src="/assets/htmx.min.js" {}
            script src="/assets/sse.js" {}
            script src="/assets/app.js" {}
        }
    }
}

/// A signed-in page: top bar, the role's navigation, the content.
pub fn layout(identity: &Identity, section: Section, title: &str, content: Markup) -> Markup {
    let lang = identity.language;
    html! {
        (DOCTYPE)
        html lang=(lang.html_lang()) {
            (head(lang, title, identity.csrf()))
            body.signed-in data-section=(format!("{section:?}")) {
                header.topbar.top {
                    span.brand { (lang.t(Msg::AppName)) }
                    span.spacer {}
                    span.user {
                        span.user-name { (identity.display_name) }
                        " · "
                        span.user-role { (role_name(lang, identity.role)) }
                    }
                    button.link.sign-out hx-post="/logout" { (lang.t(Msg::SignOut)) }
                }
                div.layout {
                    nav.nav.side {
                        ul {
                            @for (item, path, msg) in navigation(identity.role) {
                                li {
                                    a.active[*item == section] href=(path) { (lang.t(*msg)) }
                                }
                            }
                        }
                    }
                    main #content.main {
                        div.page-header { h1 { (title) } }
                        (content)
                    }
                }
            }
        }
    }
}

/// A page for no one signed in (login, first start).
pub fn bare_layout(lang: Lang, title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.html_lang()) {
            (head(lang, title, ""))
            body.signed-out {
                main.card.narrow {
                    h1 { (lang.t(Msg::AppName)) }
                    h2 { (title) }
                    (content)
                }
            }
        }
    }
}

/// An error message shown at a field (or a form).
pub fn field_error(message: Option<&str>) -> Markup {
    html! {
        @if let Some(message) = message {
            p.field-error.form-error role="alert" { (message) }
        }
    }
}

/// A failure of the box as a page says it: the lead-in in the user's language, the
/// detail as the failing part wrote it (English, for whoever reads the log).
pub fn failure_text(lang: Lang, lead: Msg, error: impl std::fmt::Display) -> String {
    format!("{}: {error}", lang.t(lead))
}

/// The language a signed-out visitor gets: `?lang=zh`, else their browser's first
/// preference.
pub fn visitor_lang(request: &actix_web::HttpRequest) -> Lang {
    let query = request.query_string();
    for pair in query.split('&') {
        if let Some(code) = pair.strip_prefix("lang=") {
            if let Some(lang) = Lang::parse(code) {
                return lang;
            }
        }
    }
    let accept = request
        .headers()
        .get("accept-language")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.trim_start().to_ascii_lowercase().starts_with("zh") {
        Lang::Zh
    } else {
        Lang::En
    }
}

/// Answers a successful htmx change by sending the browser elsewhere.
pub fn hx_redirect(to: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("HX-Redirect", to.to_owned()))
        .finish()
}

/// Raw HTML we wrote ourselves (never user data).
pub fn trusted(html: &'static str) -> PreEscaped<&'static str> {
    PreEscaped(html)
}

/// Every page endpoint.
pub fn endpoints() -> Vec<crate::endpoint::Endpoint> {
    let mut table = Vec::new();
    table.extend(login::endpoints());
    table.extend(account::endpoints());
    table.extend(admin::endpoints());
    table.extend(dashboard::endpoints());
    table.extend(config::endpoints());
    table.extend(wallboard::endpoints());
    table.extend(desk::endpoints());
    table.extend(logs::endpoints());
    table.extend(calls::endpoints());
    table.extend(recordings::endpoints());
    table.extend(reports::endpoints());
    table.extend(alerts::endpoints());
    table
}
