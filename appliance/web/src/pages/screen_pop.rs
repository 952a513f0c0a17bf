//! The agent desktop's screen pop and today's figures, rendered from what the API
//! answers (`api::desk`), so the page shows exactly what a CRM reads.

use super::wallboard::clock;
use crate::api::desk::TodayFigures;
use crate::i18n::{Lang, Msg};
use maud::{html, Markup};
use serde_json::Value;

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn when(value: &Value) -> String {
    value.as_u64().map(stats::format_utc).unwrap_or_default()
}

/// A disposition's label in the user's language.
fn label(lang: Lang, wrap_up: &Value) -> String {
    let label = &wrap_up["disposition_label"];
    let chosen = match lang {
        Lang::Zh => label["zh"].as_str().or_else(|| label["en"].as_str()),
        Lang::En => label["en"].as_str(),
    };
    chosen
        .map(str::to_owned)
        .unwrap_or_else(|| text(&wrap_up["disposition"]))
}

fn wrap_ups(lang: Lang, list: &Value) -> Markup {
    html! {
        @if let Some(list) = list.as_array() {
            @for wrap_up in list {
                div.wrap-up-note {
                    @if !wrap_up["disposition"].is_null() { span.badge.disposition { (label(lang, wrap_up)) } " " }
                    span.note { (text(&wrap_up["note"])) }
                    " — " small { (text(&wrap_up["author"])) }
                }
            }
        }
    }
}

/// The wrap-up form for `call` (a live call or the agent's last one).
fn wrap_up_form(lang: Lang, call: &str, dispositions: &box_config::Dispositions) -> Markup {
    html! {
        form #wrap-up-form hx-post=(format!("/desk/wrap-up/{}", super::url_encode(call))) hx-swap="none" {
            label { (lang.t(Msg::Disposition))
                select name="disposition" {
                    option value="" { "—" }
                    @for code in dispositions.all() {
                        option value=(code.code) {
                            (match lang { Lang::Zh => code.zh.clone().unwrap_or_else(|| code.en.clone()), Lang::En => code.en.clone() })
                        }
                    }
                }
            }
            label { (lang.t(Msg::Note)) textarea name="note" maxlength="4000" rows="3" {} }
            button type="submit" { (lang.t(Msg::SaveNote)) }
        }
    }
}

/// The screen pop: the call offered or taken, its IVR run, the caller's earlier calls
/// with their notes; with no call, the last call to wrap up.
pub fn render(lang: Lang, pop: &Value, dispositions: &box_config::Dispositions) -> Markup {
    let call = &pop["call"];
    html! {
        div #screen-pop {
            @if call.is_object() {
                dl.figures {
                    dt { (lang.t(Msg::Number)) } dd #pop-number { (text(&call["caller"])) }
                    @if !call["caller_name"].is_null() { dt { (lang.t(Msg::Name)) } dd #pop-name { (text(&call["caller_name"])) } }
                    dt { (lang.t(Msg::Queue)) } dd #pop-queue { (text(&call["queue"])) }
                    dt { (lang.t(Msg::Waited)) } dd { (call["waited_ms"].as_u64().map(clock).unwrap_or_default()) }
                    dt { (lang.t(Msg::IvrPath)) } dd #pop-ivr-path {
                        (call["ivr_path"].as_array().map(|p| p.iter().map(text).collect::<Vec<_>>().join(" → ")).unwrap_or_default())
                    }
                    dt { (lang.t(Msg::Variables)) } dd #pop-variables {
                        @if let Some(vars) = call["ivr_variables"].as_object() {
                            @for (name, value) in vars { code { (name) "=" (text(value)) } " " }
                        }
                    }
                }
                (wrap_ups(lang, &call["wrap_ups"]))
                (wrap_up_form(lang, &text(&call["id"]), dispositions))
            } @else {
                p.none { (lang.t(Msg::NoCall)) }
                @if pop["last_call"].is_object() {
                    @let last = &pop["last_call"];
                    p { (when(&last["end_unix_ms"])) " · " (text(&last["caller"])) }
                    (wrap_ups(lang, &last["wrap_ups"]))
                    (wrap_up_form(lang, &text(&last["id"]), dispositions))
                }
            }
            h3 { (lang.t(Msg::EarlierCalls)) }
            ul #pop-history {
                @match pop["history"].as_array() {
                    Some(calls) if !calls.is_empty() => {
                        @for earlier in calls {
                            li data-call=(text(&earlier["id"])) {
                                (when(&earlier["start_unix_ms"])) " · " (text(&earlier["disposition"]))
                                @if !earlier["agent"].is_null() { " · " (text(&earlier["agent"])) }
                                (wrap_ups(lang, &earlier["wrap_ups"]))
                            }
                        }
                    }
                    _ => { li.none { (lang.t(Msg::NoEarlierCalls)) } }
                }
            }
        }
    }
}

/// Today's own figures.
pub fn today(lang: Lang, figures: &TodayFigures) -> Markup {
    html! {
        dl #today.figures {
            dt { (lang.t(Msg::Answered)) } dd #today-answered { (figures.calls_answered) }
            dt { (lang.t(Msg::TalkTime)) } dd { (clock(figures.talk_ms)) }
            dt { (lang.t(Msg::AverageHandleTime)) } dd { (figures.average_handle_time_ms.map(clock).unwrap_or_else(|| "—".into())) }
            dt { (lang.t(Msg::StateReady)) } dd { (clock(figures.ready_ms)) }
            dt { (lang.t(Msg::StateNotReady)) } dd { (clock(figures.not_ready_ms)) }
            dt { (lang.t(Msg::StateWrapUp)) } dd { (clock(figures.in_wrap_up_ms)) }
        }
    }
}
