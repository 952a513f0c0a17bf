//! Recordings search: the filters of `GET /api/recordings` (dates, agent, queue, number)
//! as a form, the matching recordings newest first, each playable in the page from
//! `/api/recordings/{id}/audio` (Ogg Opus with ranges, so the player seeks) or
//! downloaded as WAV.

use super::wallboard::clock;
use super::{html_page, layout, Section};
use crate::auth::Identity;
use crate::endpoint::{Endpoint, FLOOR};
use crate::i18n::Msg;
use crate::state::{read_storage, WebState};
use actix_web::{web, HttpResponse};
use maud::html;
use serde::Deserialize;

pub fn endpoints() -> Vec<Endpoint> {
    vec![Endpoint::get("/recordings", FLOOR, || web::get().to(page))]
}

const DAY_MS: u64 = 24 * 3_600_000;
/// Rows shown at most (the API's default).
const LIMIT: u32 = 100;

#[derive(Debug, Default, Deserialize)]
struct SearchForm {
    from: Option<String>,
    to: Option<String>,
    agent: Option<String>,
    queue: Option<String>,
    number: Option<String>,
}

/// A form field given (not blank), trimmed.
fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The storage filter of a search; dates are whole UTC days, `to` included.
fn filter(form: &SearchForm) -> Result<storage::RecordingFilter, String> {
    let day = |name: &str, value: &Option<String>| {
        given(value)
            .map(|text| crate::api::recordings::parse_time(&text))
            .transpose()
            .map_err(|reason| format!("{name}: {reason}"))
    };
    Ok(storage::RecordingFilter {
        from_unix_ms: day("from", &form.from)?,
        to_unix_ms: day("to", &form.to)?.map(|start| start + DAY_MS),
        agent: given(&form.agent),
        queue: given(&form.queue),
        number: given(&form.number),
        kind: None,
        mailbox: None,
        limit: LIMIT,
    })
}

async fn page(
    state: web::Data<WebState>,
    identity: Identity,
    form: web::Query<SearchForm>,
) -> HttpResponse {
    let lang = identity.language;
    let form = form.into_inner();
    let found = match filter(&form) {
        Ok(filter) => read_storage(state.into_inner(), move |s| Ok(s.list_recordings(&filter)?))
            .await
            .map_err(|e| super::failure_text(lang, Msg::RecordingsUnreadable, format!("{e:#}"))),
        Err(message) => Err(message),
    };
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    html_page(layout(
        &identity,
        Section::Recordings,
        lang.t(Msg::Recordings),
        html! {
            form #recording-search.card method="get" action="/recordings" {
                label { (lang.t(Msg::DateFrom)) " " input type="date" name="from" value=(value(&form.from)); }
                label { (lang.t(Msg::DateTo)) " " input type="date" name="to" value=(value(&form.to)); }
                label { (lang.t(Msg::RoleAgent)) " " input type="text" name="agent" size="6" value=(value(&form.agent)); }
                label { (lang.t(Msg::Queue)) " " input type="text" name="queue" size="10" value=(value(&form.queue)); }
                label { (lang.t(Msg::Number)) " " input type="text" name="number" size="12" value=(value(&form.number)); }
                button type="submit" { (lang.t(Msg::Search)) }
            }
            @match found {
                Err(message) => { p.field-error role="alert" { (message) } }
                Ok(rows) if rows.is_empty() => { p #recordings.none { (lang.t(Msg::NoRecordings)) } }
                Ok(rows) => {
                    table #recordings.recordings {
                        thead { tr {
                            th { (lang.t(Msg::Started)) } th { (lang.t(Msg::CallFrom)) } th { (lang.t(Msg::CallTo)) }
                            th { (lang.t(Msg::Queue)) } th { (lang.t(Msg::RoleAgent)) } th { (lang.t(Msg::Duration)) }
                            th { (lang.t(Msg::Status)) } th { (lang.t(Msg::Playback)) }
                        } }
                        tbody {
                            @for row in &rows {
                                @let id = super::url_encode(&row.uid);
                                tr data-recording=(row.uid) {
                                    td { (stats::format_utc(row.started_unix_ms)) }
                                    td { (row.caller.as_deref().unwrap_or("—")) }
                                    td { (row.called.as_deref().unwrap_or("—")) }
                                    td { (row.queue.as_deref().unwrap_or("—")) }
                                    td { (row.agent.as_deref().unwrap_or("—")) }
                                    td { (row.duration_ms.map(clock).unwrap_or_else(|| "—".into())) }
                                    td { (row.status) }
                                    td {
                                        audio controls preload="none" src=(format!("/api/recordings/{id}/audio")) {}
                                        " " a href=(format!("/api/recordings/{id}/wav")) download { (lang.t(Msg::DownloadWav)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_whole_days_and_blank_fields_do_not_filter() {
        let form = SearchForm {
            from: Some("2026-12-07".into()),
            to: Some("2026-12-07".into()),
            agent: Some(" ".into()),
            queue: None,
            number: Some(" 5550123 ".into()),
        };
        let filter = filter(&form).expect("a valid search");
        assert_eq!(filter.from_unix_ms, Some(1_796_601_600_000));
        assert_eq!(filter.to_unix_ms, Some(1_796_601_600_000 + DAY_MS));
        assert_eq!(filter.agent, None);
        assert_eq!(filter.number.as_deref(), Some("5550123"));
        let bad = SearchForm {
            from: Some("yesterday".into()),
            ..SearchForm::default()
        };
        assert!(filter_error_names(&bad, "from"));
    }

    fn filter_error_names(form: &SearchForm, field: &str) -> bool {
        filter(form).is_err_and(|message| message.starts_with(field))
    }
}
