//! The agent desktop's data (what the agent's page and a CRM read and write):
//!
//! - `GET /api/agents/{agent}/call`: the screen pop. The call offered to the agent (their
//!   phone rings) or that they are on: `{"agent", "call": {"id", "state" (`offered`,
//!   `connected`, `on-hold`), "caller", "caller_name" (`null` when the line gave none),
//!   "dialled", "queue", "language", "queued_unix_ms", "waited_ms", "started_unix_ms",
//!   "answered_unix_ms", "ivr_flow", "ivr_path", "ivr_variables", "wrap_ups"}, "history":
//!   [the caller's earlier calls, as below, at most 5], "last_call": the last call the agent
//!   answered, ended, as below (`null`: none; the call they wrap up)}`, or `{"agent",
//!   "call": null, "history": [], "last_call"}` when the agent has none. 404 for an
//!   unknown agent.
//! - `GET /api/callers/{number}/calls?limit=N` (default 20, at most 200): the caller's
//!   calls from the CDRs, newest first: `{"caller", "calls": [{"id", "caller",
//!   "start_unix_ms", "answer_unix_ms", "end_unix_ms", "disposition", "queue", "agent",
//!   "talk_ms", "ivr_flow", "ivr_path", "ivr_variables", "wrap_ups": [{"author", "note",
//!   "disposition", "disposition_label", "saved_unix_ms"}]}]}`.
//! - `PUT /api/calls/{call}/wrap-up` with `{"note": "…", "disposition": "CODE"}`: the
//!   acting user's note and disposition code on a call, live or ended (saving again
//!   replaces theirs). 200 with what was saved; 400 malformed; 403 an agent on a call
//!   they did not take; 404 no such call; 422 a note over 4000 characters, nothing to
//!   save, or a code `queues.toml` does not list (naming those it does).
//! - `GET /api/dispositions`: the configured codes with their labels.
//! - `GET /api/agents/{agent}/today?utc_offset_min=M`: the agent's own figures since
//!   midnight (UTC, or `M` minutes east of it): calls answered, talk, hold, wrap-up,
//!   handle time and its average, time ready, not ready (per reason), in wrap-up and on
//!   calls, the state they are in now counted up to now.
//!
//! Who acts is the signed-in user (an agent user as their agent; a supervisor or admin as
//! the floor, or for the agent an `X-Acting-Agent` header names, with that agent's
//! rights), see [`acting`]. An agent may read only their own call and figures, and
//! write only on calls they took.

mod today;
mod wrap_up;

pub use today::{day_start, today_figures, OpenState, TodayFigures};
pub use wrap_up::{may_write, parse_wrap_up, Actor, WrapUp, WrapUpRefused, MAX_NOTE_CHARS};

use super::query_params;
use crate::auth::{Identity, Role};
use crate::endpoint::{Endpoint, FLOOR_AND_AGENTS};
use crate::state::{read_storage, WebState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use box_config::acd::AgentSnapshot;
use call_control::acd_actor::GetAcdSnapshot;
use call_control::switchboard::{GetCall, LiveCall};
use serde_json::{json, Value};
use std::sync::Arc;

/// The header a supervisor's or admin's client (a CRM) names the agent it acts for with.
const ACTING_AGENT: &str = "X-Acting-Agent";
/// Earlier calls shown with a screen pop.
const SCREEN_POP_HISTORY: usize = 5;
const DEFAULT_HISTORY: usize = 20;
const MAX_HISTORY: usize = 200;

pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/api/agents/{agent}/call", FLOOR_AND_AGENTS, || {
            web::get().to(screen_pop)
        }),
        Endpoint::get("/api/agents/{agent}/today", FLOOR_AND_AGENTS, || {
            web::get().to(today)
        }),
        Endpoint::get("/api/callers/{number}/calls", FLOOR_AND_AGENTS, || {
            web::get().to(caller_calls)
        }),
        Endpoint::put("/api/calls/{call}/wrap-up", FLOOR_AND_AGENTS, || {
            web::put().to(save_wrap_up)
        }),
        Endpoint::get("/api/dispositions", FLOOR_AND_AGENTS, || {
            web::get().to(dispositions)
        }),
    ]
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "error": message.to_string() }))
}

/// Who acts on this request: the signed-in user (`auth::Identity`, set by the access
/// check). An agent user acts as their agent. A supervisor or admin (a user, or an API
/// token such as a CRM's) acts as the floor, or on behalf of the agent named by an
/// `X-Acting-Agent` header, with that agent's rights only (a CRM passing on what the
/// agent signed into it did). Technicians have no desk.
fn acting(request: &HttpRequest) -> Result<Actor, HttpResponse> {
    let Some(identity) = request.extensions().get::<Identity>().cloned() else {
        return Err(error(StatusCode::UNAUTHORIZED, "sign in first"));
    };
    match identity.role {
        Role::Agent => identity.agent.map(Actor::Agent).ok_or_else(|| {
            error(
                StatusCode::FORBIDDEN,
                format!("user {} works as no agent", identity.name),
            )
        }),
        Role::Supervisor | Role::Admin => {
            let on_behalf = request
                .headers()
                .get(ACTING_AGENT)
                .and_then(|value| value.to_str().ok())
                .map(str::trim)
                .filter(|agent| !agent.is_empty());
            Ok(match on_behalf {
                Some(agent) => Actor::Agent(agent.to_owned()),
                None => Actor::Floor(identity.name),
            })
        }
        Role::Technician => Err(error(
            StatusCode::FORBIDDEN,
            "the agent desktop is for agents and the floor",
        )),
    }
}

/// Refuses anyone but the agent themselves and the floor a look at an agent's desk.
fn check_reader(request: &HttpRequest, agent: &str) -> Result<(), HttpResponse> {
    let actor = acting(request)?;
    if actor.may_act_for(agent) {
        Ok(())
    } else {
        Err(error(
            StatusCode::FORBIDDEN,
            format!("agent {} may not read agent {agent}'s desk", actor.name()),
        ))
    }
}

/// The box's clock now: its epoch plus engine time (what CDRs and statistics use).
fn box_now_ms(state: &WebState) -> u64 {
    state
        .epoch_unix_ms
        .saturating_add((state.engine_stats)().engine_time_ms)
}

async fn agent_snapshot(state: &WebState, agent: &str) -> Result<AgentSnapshot, HttpResponse> {
    let snapshot = state.acd.send(GetAcdSnapshot).await.map_err(|e| {
        error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("ACD not answering: {e}"),
        )
    })?;
    snapshot
        .agents
        .into_iter()
        .find(|a| a.id.as_str() == agent)
        .ok_or_else(|| error(StatusCode::NOT_FOUND, format!("no agent {agent}")))
}

async fn live_call(state: &WebState, call: &str) -> Result<Option<LiveCall>, HttpResponse> {
    let get = GetCall {
        call: call.to_owned(),
    };
    state.switchboard.send(get).await.map_err(|e| {
        error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("switchboard not answering: {e}"),
        )
    })
}

fn internal(error_text: anyhow::Error) -> HttpResponse {
    error(StatusCode::INTERNAL_SERVER_ERROR, format!("{error_text:#}"))
}

/// A caller's calls from the CDRs with their wrap-ups, newest first, `skip` left out.
async fn history(
    state: Arc<WebState>,
    caller: String,
    limit: usize,
    skip: Option<String>,
) -> Result<Vec<Value>, HttpResponse> {
    let settings = state.running.get();
    read_storage(state, move |storage| {
        let mut calls = Vec::new();
        // One more, in case the skipped call is among them.
        for cdr in storage.cdrs_from_caller(&caller, limit + 1)? {
            if Some(&cdr.id) == skip.as_ref() || calls.len() == limit {
                continue;
            }
            calls.push(ended_call_json(storage, cdr, &settings.dispositions)?);
        }
        Ok(calls)
    })
    .await
    .map_err(internal)
}

/// The last call `agent` answered, as the history shows it (`null`: none yet): the call
/// they wrap up once it has ended.
async fn last_call(state: Arc<WebState>, agent: String) -> Result<Value, HttpResponse> {
    let settings = state.running.get();
    read_storage(state, move |storage| {
        match storage.last_cdr_of_agent(&agent)? {
            Some(cdr) => ended_call_json(storage, cdr, &settings.dispositions),
            None => Ok(Value::Null),
        }
    })
    .await
    .map_err(internal)
}

/// An ended call from its CDR, with the wrap-ups saved on it.
fn ended_call_json(
    storage: &storage::Storage,
    cdr: storage::Cdr,
    dispositions: &box_config::Dispositions,
) -> anyhow::Result<Value> {
    let wrap_ups = storage.wrap_ups_of(&cdr.id)?;
    Ok(json!({
        "id": cdr.id,
        "caller": cdr.caller,
        "start_unix_ms": cdr.start_unix_ms,
        "answer_unix_ms": cdr.answer_unix_ms,
        "end_unix_ms": cdr.end_unix_ms,
        "disposition": cdr.disposition,
        "queue": cdr.queue,
        "agent": cdr.agent,
        "talk_ms": cdr.talk_ms,
        "ivr_flow": cdr.ivr_flow,
        "ivr_path": cdr.ivr_path,
        "ivr_variables": cdr.ivr_variables,
        "wrap_ups": wrap_ups_json(&wrap_ups, dispositions),
    }))
}

fn wrap_ups_json(rows: &[storage::WrapUpRow], dispositions: &box_config::Dispositions) -> Value {
    rows.iter()
        .map(|row| {
            json!({
                "author": row.author,
                "note": row.note,
                "disposition": row.disposition,
                // A code since removed from the configuration keeps no label.
                "disposition_label": row.disposition.as_deref().and_then(|code| dispositions.find(code)),
                "saved_unix_ms": row.saved_unix_ms,
            })
        })
        .collect()
}

async fn screen_pop(
    state: web::Data<WebState>,
    agent: web::Path<String>,
    request: HttpRequest,
) -> HttpResponse {
    let agent = agent.into_inner();
    if let Err(response) = check_reader(&request, &agent) {
        return response;
    }
    match screen_pop_json(state.into_inner(), agent).await {
        Ok(json) => HttpResponse::Ok().json(json),
        Err(response) => response,
    }
}

/// The screen pop of `agent` (what `GET /api/agents/{agent}/call` answers; the caller
/// checks who may read it): the agent desktop's page renders the same.
pub async fn screen_pop_json(state: Arc<WebState>, agent: String) -> Result<Value, HttpResponse> {
    let snapshot = agent_snapshot(&state, &agent).await?;
    let last_call = last_call(state.clone(), agent.clone()).await?;
    let none = json!({
        "agent": agent,
        "call": null,
        "history": [],
        "last_call": last_call,
    });
    let call_state = match &snapshot.state {
        box_config::acd::AgentState::Reserved { .. } => "offered",
        box_config::acd::AgentState::OnCall { .. } => "connected",
        box_config::acd::AgentState::OnHold { .. } => "on-hold",
        _ => return Ok(none),
    };
    let Some(call_id) = snapshot.state.call().map(|call| call.as_str().to_owned()) else {
        return Ok(none);
    };
    // The call may end between the two looks: then there is none.
    let Some(live) = live_call(&state, &call_id).await? else {
        return Ok(none);
    };
    let settings = state.running.get();
    let id = call_id.clone();
    let wrap_ups = read_storage(state.clone(), move |storage| Ok(storage.wrap_ups_of(&id)?))
        .await
        .map_err(internal)?;
    let earlier = match &live.from {
        Some(caller) => {
            history(
                state.clone(),
                caller.clone(),
                SCREEN_POP_HISTORY,
                Some(call_id),
            )
            .await?
        }
        None => Vec::new(),
    };
    Ok(json!({
        "agent": agent,
        "call": {
            "id": live.id,
            "state": call_state,
            "caller": live.from,
            "caller_name": live.caller_name,
            "dialled": live.dialled,
            "queue": live.queue,
            "language": live.language,
            "queued_unix_ms": live.queued_unix_ms,
            "waited_ms": live.waited_ms,
            "started_unix_ms": live.started_unix_ms,
            "answered_unix_ms": live.answered_unix_ms,
            "ivr_flow": live.ivr_flow,
            "ivr_path": live.ivr_path,
            "ivr_variables": live.ivr_variables,
            "wrap_ups": wrap_ups_json(&wrap_ups, &settings.dispositions),
        },
        "history": earlier,
        "last_call": last_call,
    }))
}

/// A caller's number as the CDRs keep it: digits, optionally after a `+`.
fn checked_number(number: &str) -> Result<&str, HttpResponse> {
    let digits = number.strip_prefix('+').unwrap_or(number);
    if digits.is_empty() || digits.len() > 32 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            format!("{number:?} is not a phone number (digits, at most 32, optionally after a +)"),
        ));
    }
    Ok(number)
}

/// `limit=N` (1 to `MAX_HISTORY`), the only parameter.
fn parse_limit(query: &str) -> Result<usize, String> {
    match query_params(query, &["limit"])?.get("limit") {
        None => Ok(DEFAULT_HISTORY),
        Some(value) => value
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_HISTORY).contains(n))
            .ok_or_else(|| format!("limit: {value:?} is not a number from 1 to {MAX_HISTORY}")),
    }
}

async fn caller_calls(
    state: web::Data<WebState>,
    number: web::Path<String>,
    request: HttpRequest,
) -> HttpResponse {
    let number = number.into_inner();
    if let Err(response) = checked_number(&number) {
        return response;
    }
    let limit = match parse_limit(request.query_string()) {
        Ok(limit) => limit,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    match history(state.into_inner(), number.clone(), limit, None).await {
        Ok(calls) => HttpResponse::Ok().json(json!({ "caller": number, "calls": calls })),
        Err(response) => response,
    }
}

async fn dispositions(state: web::Data<WebState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "dispositions": &state.running.get().dispositions }))
}

/// The agents who took `call`: the live call's agent, the CDR's, and every agent who
/// answered an offer of it (a transferred call has more than one). `None`: no such call.
async fn who_took(
    state: &web::Data<WebState>,
    call: &str,
) -> Result<Option<Vec<String>>, HttpResponse> {
    let live = live_call(state, call).await?;
    let id = call.to_owned();
    let (cdr, answered) = read_storage(state.clone().into_inner(), move |storage| {
        Ok((storage.cdr(&id)?, storage.agents_who_answered(&id)?))
    })
    .await
    .map_err(internal)?;
    if live.is_none() && cdr.is_none() {
        return Ok(None);
    }
    let mut agents = answered;
    agents.extend(live.and_then(|live| live.agent));
    agents.extend(cdr.and_then(|cdr| cdr.agent));
    Ok(Some(agents))
}

async fn save_wrap_up(
    state: web::Data<WebState>,
    call: web::Path<String>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    save_wrap_up_for(state, call.into_inner(), &request, &body).await
}

/// Saves the acting user's note and disposition on `call` from a JSON body (what
/// `PUT /api/calls/{call}/wrap-up` does; the agent desktop's form goes through it too).
pub async fn save_wrap_up_for(
    state: web::Data<WebState>,
    call: String,
    request: &HttpRequest,
    body: &[u8],
) -> HttpResponse {
    let actor = match acting(request) {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    // The codes of the configuration running now (applied live or started with).
    let wrap_up = match parse_wrap_up(body, &state.running.get().dispositions) {
        Ok(wrap_up) => wrap_up,
        Err(refused @ WrapUpRefused::Malformed(_)) => {
            return error(StatusCode::BAD_REQUEST, refused)
        }
        Err(refused) => return error(StatusCode::UNPROCESSABLE_ENTITY, refused),
    };
    let took_it = match who_took(&state, &call).await {
        Ok(Some(agents)) => agents,
        Ok(None) => return error(StatusCode::NOT_FOUND, format!("no call {call}")),
        Err(response) => return response,
    };
    if !may_write(&actor, &took_it) {
        return error(
            StatusCode::FORBIDDEN,
            format!("agent {} did not take call {call}", actor.name()),
        );
    }
    let row = storage::WrapUpRow {
        call_id: call,
        author: actor.name().to_owned(),
        note: wrap_up.note,
        disposition: wrap_up.disposition,
        saved_unix_ms: i64::try_from(box_now_ms(&state)).unwrap_or(i64::MAX),
    };
    let saved = row.clone();
    match read_storage(state.clone().into_inner(), move |storage| {
        Ok(storage.save_wrap_up(&row)?)
    })
    .await
    {
        Ok(()) => HttpResponse::Ok().json(json!({
            "call": saved.call_id,
            "author": saved.author,
            "note": saved.note,
            "disposition": saved.disposition,
            "saved_unix_ms": saved.saved_unix_ms,
        })),
        Err(e) => internal(e),
    }
}

/// `utc_offset_min=M`, the only parameter (default 0).
fn parse_offset(query: &str) -> Result<i64, String> {
    match query_params(query, &["utc_offset_min"])?.get("utc_offset_min") {
        None => Ok(0),
        Some(value) => value
            .parse::<i64>()
            .map_err(|_| format!("utc_offset_min: {value:?} is not a whole number")),
    }
}

async fn today(
    state: web::Data<WebState>,
    agent: web::Path<String>,
    request: HttpRequest,
) -> HttpResponse {
    let agent = agent.into_inner();
    if let Err(response) = check_reader(&request, &agent) {
        return response;
    }
    let offset = match parse_offset(request.query_string()) {
        Ok(offset) => offset,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    match today_of(state.into_inner(), agent, offset).await {
        Ok(figures) => HttpResponse::Ok().json(figures),
        Err(response) => response,
    }
}

/// The agent's own figures since midnight `utc_offset_min` minutes east of UTC (what
/// `GET /api/agents/{agent}/today` answers; the caller checks who may read them).
pub async fn today_of(
    state: Arc<WebState>,
    agent: String,
    utc_offset_min: i64,
) -> Result<TodayFigures, HttpResponse> {
    let now = box_now_ms(&state);
    let from = day_start(now, utc_offset_min).map_err(|m| error(StatusCode::BAD_REQUEST, m))?;
    let open = open_state(&state, &agent).await?;
    let rows = stored_agent_rows(state, agent.clone(), from, now).await?;
    Ok(today_figures(&agent, &rows, Some(&open), from, now))
}

/// The state `agent` is in now, from the ACD's live view (its span is stored once it
/// ends). 404 for an unknown agent.
pub async fn open_state(state: &WebState, agent: &str) -> Result<OpenState, HttpResponse> {
    let snapshot = agent_snapshot(state, agent).await?;
    Ok(OpenState {
        state: serde_json::to_value(snapshot.state.kind())
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        not_ready_reason: match &snapshot.state {
            box_config::acd::AgentState::NotReady { reason } => Some(reason.clone()),
            _ => None,
        },
        since_unix_ms: state.epoch_unix_ms.saturating_add(snapshot.since_ms),
    })
}

/// `agent`'s stored 15-minute statistics rows from `from` to `now` (Unix ms), read from
/// the database: what [`today_figures`] sums.
pub async fn stored_agent_rows(
    state: Arc<WebState>,
    agent: String,
    from: u64,
    now: u64,
) -> Result<Vec<stats::AgentIntervalRow>, HttpResponse> {
    let rows = read_storage(state, move |storage| {
        Ok(storage.stats_between(from, now.max(from + 1))?)
    })
    .await
    .map_err(internal)?;
    let records = call_control::stats_actor::record_set(rows);
    let mut rows = stats::agent_intervals(&records);
    rows.retain(|row| row.agent == agent);
    Ok(rows)
}
