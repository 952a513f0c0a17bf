//! Runs a [`Scenario`] against a [`Rig`]: one line of output per step, stops at the first
//! failed step with a message naming it, its line and what was seen instead.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Write;

use far_end::{Ear, PlayItem, Rig, ToneMeter, BLOCK_MS, DEFAULT_MIN_SHARE, SILENCE_DBM0};

use crate::ast::*;

mod span;

/// CDRs (and the box's status, for `idle`) are read at most this often while an
/// expectation waits (rig time).
const CDR_POLL_MS: u64 = 200;
/// How many of the newest CDRs an `expect cdr` looks at (more for `count N`).
const CDR_LOOKBACK: usize = 50;
/// The most a `count N` makes it look at (the box's API limit).
const CDR_LOOKBACK_MAX: usize = 1000;
/// New CDRs listed in a failure message.
const CDRS_SHOWN: usize = 10;

/// One call detail record as the scenario sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdrView {
    pub id: i64,
    pub caller: Option<String>,
    pub callee: Option<String>,
    pub disposition: String,
    /// Q.850 cause.
    pub cause: i64,
    pub talk_ms: i64,
    pub ring_ms: i64,
    /// The IVR flow the call ran (`ivr_flow`), if any.
    pub ivr_flow: Option<String>,
    /// The nodes it entered (`ivr_path`), `[]` without a flow.
    pub ivr_path: Vec<String>,
    /// The caller's post-call survey score (`survey`, 1-5), if they gave one.
    pub survey: Option<u8>,
}

/// One event of the box's event bus (`/api/events`, `/api/calls/{id}/events`): its seq,
/// engine time, `type`, the call it names and its other fields as text (a JSON string as
/// it is, a number or other value in JSON; a `null` field is absent).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventView {
    pub seq: u64,
    pub at_ms: u64,
    pub kind: String,
    pub call: Option<String>,
    /// `step`, `node`, `digits`, `name`, `value`, `error`, …
    pub fields: std::collections::BTreeMap<String, String>,
}

impl EventView {
    /// An IVR step's `step` (`node_entered`, …); `""` for other events.
    pub fn ivr_step(&self) -> &str {
        if self.kind == "ivr" {
            self.field("step")
        } else {
            ""
        }
    }
    /// A field's text, `""` if absent.
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }
}

/// One ACD agent as the scenario sees it (`/api/agents`): its number, state as the API
/// spells it (`ready`, `not-ready`, `on-call`, …), not-ready reason and the phone it is
/// logged in at.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgentView {
    pub id: String,
    pub state: String,
    pub reason: Option<String>,
    pub device: Option<String>,
}

impl fmt::Display for AgentView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "agent {} {}", self.id, self.state)?;
        if let Some(reason) = &self.reason {
            write!(f, " {reason}")?;
        }
        match &self.device {
            Some(device) => write!(f, " at {device}"),
            None => f.write_str(" at no phone"),
        }
    }
}

/// One floor alert as the scenario sees it (`/api/alerts`): its uid, kind as the API
/// spells it (`surge`, `vip`, `queue_waiting`, …), whether it is active, its text and
/// what it is about (the fields its kind has).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AlertView {
    pub uid: String,
    pub kind: String,
    pub active: bool,
    pub text: String,
    /// A surge's key: `ivr:FLOW/NODE=KEY` or `area:PREFIX`.
    pub key: Option<String>,
    pub queue: Option<String>,
    pub agent: Option<String>,
    /// A VIP alert's caller number and call id.
    pub caller: Option<String>,
    pub call: Option<String>,
}

impl AlertView {
    /// Whether the alert is about `subject`: its key, queue, agent, caller or call.
    pub fn is_about(&self, subject: &str) -> bool {
        [
            &self.key,
            &self.queue,
            &self.agent,
            &self.caller,
            &self.call,
        ]
        .iter()
        .any(|field| field.as_deref() == Some(subject))
    }
}

impl fmt::Display for AlertView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} ({:?})",
            self.uid,
            self.kind,
            if self.active { "active" } else { "cleared" },
            self.text
        )
    }
}

impl fmt::Display for CdrView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "#{} {} → {} {} cause {} ring {}ms talk {}ms",
            self.id,
            self.caller.as_deref().unwrap_or("none"),
            self.callee.as_deref().unwrap_or("none"),
            self.disposition,
            self.cause,
            self.ring_ms,
            self.talk_ms
        )?;
        if let Some(flow) = &self.ivr_flow {
            write!(f, " ivr {flow} path {}", self.ivr_path.join(","))?;
        }
        if let Some(score) = self.survey {
            write!(f, " survey {score}")?;
        }
        Ok(())
    }
}

/// What a scenario reads from the box itself rather than from its lines: its CDRs and
/// its status. The `hil` binary implements it over the box's web API (`/api/cdrs`,
/// `/api/status`).
pub trait BoxView {
    /// The `count` newest CDRs, any order.
    fn latest(&mut self, count: usize) -> anyhow::Result<Vec<CdrView>>;

    /// How many B-channels of E1 span `device` (the N of `spanN`) carry a call by the
    /// box's own account (`b_channels_busy` of the span in `/api/status`). Without an
    /// implementation the box's status is not available, and `idle` cannot hold.
    fn span_busy_channels(&mut self, device: u16) -> anyhow::Result<usize> {
        anyhow::bail!(
            "the box's status is not available (nothing reads its /api/status for span {device})"
        )
    }

    /// The bus's events after seq `after`, oldest first (one page, any length), and the
    /// newest seq published (`/api/events?after=N`).
    fn events_after(&mut self, after: u64) -> anyhow::Result<(Vec<EventView>, u64)> {
        anyhow::bail!(
            "the box's events are not available (nothing reads /api/events after {after})"
        )
    }

    /// Every agent of the box's ACD as it is now (`/api/agents`).
    fn agents(&mut self) -> anyhow::Result<Vec<AgentView>> {
        anyhow::bail!("the box's agents are not available (nothing reads its /api/agents)")
    }

    /// The supervisor at `extension` joins the live call agent `agent` is on, in `mode`
    /// (`GET /api/calls` to find it, `POST /api/calls/{id}/supervise`); the call's id.
    fn supervise(&mut self, agent: &str, mode: &str, extension: &str) -> anyhow::Result<String> {
        anyhow::bail!(
            "the box cannot be asked to supervise (nothing posts to its /api/calls/ID/supervise for agent {agent}, {mode} from {extension})"
        )
    }

    /// The box's floor alerts since it started, active and cleared (`/api/alerts`).
    fn alerts(&mut self) -> anyhow::Result<Vec<AlertView>> {
        anyhow::bail!("the box's alerts are not available (nothing reads its /api/alerts)")
    }

    /// Every event of call `call` the box has, stored and live, in seq order
    /// (`/api/calls/{id}/events`); `Ok(None)` if the box cannot tell (no such API, or it
    /// knows no event of the call), and the scenario takes the call's events from
    /// [`BoxView::events_after`] instead.
    fn call_events(&mut self, call: &str) -> anyhow::Result<Option<Vec<EventView>>> {
        let _ = call;
        Ok(None)
    }
}

/// A box with no CDRs and no status (scenarios without `expect cdr` or `idle`).
pub struct NoCdrs;

impl BoxView for NoCdrs {
    fn latest(&mut self, _count: usize) -> anyhow::Result<Vec<CdrView>> {
        Ok(Vec::new())
    }
}

/// A scenario that passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub name: String,
    pub steps: usize,
    /// Rig time the run took.
    pub rig_ms: u64,
}

/// The step that failed and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFailure {
    pub file: String,
    pub line: usize,
    /// The step's text.
    pub step: String,
    /// What went wrong and what was seen instead.
    pub message: String,
    /// Rig time of the failure.
    pub at_ms: u64,
    /// Every device's state at the failure, one per line.
    pub devices: String,
}

impl fmt::Display for StepFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: `{}` failed at t={:.2}s: {}",
            self.file,
            self.line,
            self.step,
            secs(self.at_ms),
            self.message
        )?;
        if !self.devices.is_empty() {
            f.write_str("\n  devices:")?;
            for line in self.devices.lines() {
                write!(f, "\n    {line}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for StepFailure {}

fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// Runs `scenario` on `rig` (already connected to the box), reading CDRs and the box's
/// status from `view` and printing one line per step to `out`.
///
/// A span the scenario lists as `spanN:user` gets a user-side carrier
/// ([`far_end::Carrier::with_role`]) before the first step, unless the rig's already is.
pub fn run(
    scenario: &Scenario,
    rig: &mut Rig,
    view: &mut dyn BoxView,
    out: &mut dyn Write,
) -> Result<Report, StepFailure> {
    let started = rig.now_ms();
    let span_ids = scenario
        .devices
        .iter()
        .filter(|d| d.pri_role.is_some())
        .map(|d| (d.name.clone(), d.id))
        .collect();
    let roles = set_span_roles(scenario, rig);
    let mut exec = Exec {
        rig,
        view,
        span_ids,
        dtmf_cursor: HashMap::new(),
        cdr_baseline: None,
        cdr_used: HashSet::new(),
        ivr: IvrLog::default(),
        incoming_used: HashSet::new(),
        prev_step_ms: started,
        alerts_cleared_before: HashSet::new(),
    };
    let _ = writeln!(out, "scenario: {} ({})", scenario.name, scenario.file);
    if let (Err(message), Some(step)) = (roles, scenario.steps.first()) {
        let _ = writeln!(out, "[FAIL] {}: {}: {}", step.line, step.text, message);
        return Err(exec.failure(scenario, step, message));
    }
    let first_cdr_step = scenario.steps.iter().find(|s| {
        matches!(
            &s.action,
            Action::Expect(Expectation {
                subject: Subject::Cdr(_),
                ..
            })
        )
    });
    if let Some(step) = first_cdr_step {
        // CDRs already in the database belong to earlier runs.
        match exec.view.latest(1) {
            Ok(list) => exec.cdr_baseline = list.iter().map(|c| c.id).max(),
            Err(e) => {
                return Err(exec.failure(
                    scenario,
                    step,
                    format!("cannot read CDRs at scenario start: {e:#}"),
                ));
            }
        }
    }
    let first_ivr_step = scenario.steps.iter().find(|s| {
        matches!(
            &s.action,
            Action::Expect(Expectation {
                subject: Subject::Ivr { .. },
                ..
            })
        )
    });
    if let Some(step) = first_ivr_step {
        // Calls before the scenario's start are not its own.
        match exec.view.events_after(0) {
            Ok((_, last_seq)) => {
                exec.ivr.baseline = last_seq;
                exec.ivr.cursor = last_seq;
            }
            Err(e) => {
                return Err(exec.failure(
                    scenario,
                    step,
                    format!("cannot read the box's events at scenario start: {e:#}"),
                ));
            }
        }
    }
    let first_alert_step = scenario.steps.iter().find(|s| {
        matches!(
            &s.action,
            Action::Expect(Expectation {
                subject: Subject::Alert(_),
                ..
            })
        )
    });
    if let Some(step) = first_alert_step {
        // Alerts cleared before the scenario's start are not its own.
        match exec.view.alerts() {
            Ok(list) => {
                exec.alerts_cleared_before = list
                    .into_iter()
                    .filter(|a| !a.active)
                    .map(|a| a.uid)
                    .collect();
            }
            Err(e) => {
                return Err(exec.failure(
                    scenario,
                    step,
                    format!("cannot read the box's alerts at scenario start: {e:#}"),
                ));
            }
        }
    }
    for step in &scenario.steps {
        let step_started = exec.rig.now_ms();
        let outcome = exec.step(&step.action);
        exec.prev_step_ms = step_started;
        match outcome {
            Ok(detail) => {
                let _ = writeln!(out, "[ok] {}: {}{}", step.line, step.text, detail);
            }
            Err(message) => {
                let _ = writeln!(out, "[FAIL] {}: {}: {}", step.line, step.text, message);
                let failure = exec.failure(scenario, step, message);
                if !failure.devices.is_empty() {
                    for line in failure.devices.lines() {
                        let _ = writeln!(out, "    {line}");
                    }
                }
                return Err(failure);
            }
        }
    }
    let rig_ms = exec.rig.now_ms() - started;
    let _ = writeln!(
        out,
        "passed: {} ({} steps, {:.2}s of line time)",
        scenario.name,
        scenario.steps.len(),
        secs(rig_ms)
    );
    Ok(Report {
        name: scenario.name.clone(),
        steps: scenario.steps.len(),
        rig_ms,
    })
}

/// Gives every span listed `spanN:user` (or `:network`) a carrier playing that side,
/// replacing the rig's default one; only before the rig's first step.
fn set_span_roles(scenario: &Scenario, rig: &mut Rig) -> Result<(), String> {
    let fresh = rig.now_ms() == 0;
    for device in &scenario.devices {
        let Some(role) = device.pri_role else {
            continue;
        };
        // A missing carrier is reported by the first step that uses it.
        let Some(carrier) = rig.carrier_mut(&device.name) else {
            continue;
        };
        if carrier.role() == role {
            continue;
        }
        if !fresh {
            return Err(format!(
                "{} should play the {} side of the PRI, but the rig's carrier plays the {} side and has already run (swap it with Carrier::with_role before the rig's first step)",
                device.name,
                side_name(role),
                side_name(carrier.role())
            ));
        }
        *carrier = far_end::Carrier::with_role(role);
    }
    Ok(())
}

fn side_name(role: far_end::PriRole) -> &'static str {
    match role {
        far_end::PriRole::Network => "network",
        far_end::PriRole::User => "user",
    }
}

struct Exec<'a> {
    rig: &'a mut Rig,
    view: &'a mut dyn BoxView,
    /// E1 device name → its id (the span number in the box's status).
    span_ids: HashMap<String, u16>,
    /// Per device (per call on a span: `span1#3`): how many received DTMF digits earlier
    /// `hears dtmf` steps matched.
    dtmf_cursor: HashMap<String, usize>,
    cdr_baseline: Option<i64>,
    cdr_used: HashSet<i64>,
    /// What `expect ivr` steps have read of the box's events.
    ivr: IvrLog,
    /// Calls from the box (span, call number) matched by earlier `incoming call` steps.
    incoming_used: HashSet<(String, usize)>,
    /// Rig time at which the previous step began.
    prev_step_ms: u64,
    /// Alerts cleared already when the scenario started (their uids): not its own.
    alerts_cleared_before: HashSet<String>,
}

/// Polling state of one expectation.
#[derive(Default)]
struct Poll {
    /// `within` without `not`: on a span, each call may meet the condition at its own
    /// block of the window (they need not all hear the greeting at the same instant).
    accumulate: bool,
    /// `not`: the condition holds (and the step fails) as soon as any call meets it.
    any: bool,
    /// Span calls that met the condition so far in this window (with `accumulate`).
    met: HashSet<usize>,
    /// With `accumulate`: how far back before the window a call's audio may have met
    /// the condition (to the start of the previous step), checked once at the first look.
    lookback_ms: u64,
    looked_back: bool,
    next_ms: u64,
    last_seen: Vec<CdrView>,
    /// CDRs found for a `count N` at the last read.
    cdr_found: usize,
    last_error: Option<String>,
    /// `idle`: the box's busy B-channels at the last read of its status, or why the
    /// read failed.
    box_busy: Option<Result<usize, String>>,
    /// `expect ivr`: what the call's IVR steps were at the last read.
    ivr_seen: Option<String>,
    /// `expect agent`: whether the agent was in the state at the last read of
    /// `/api/agents` (kept between reads), and what it was.
    agent_holds: bool,
    agent_seen: Option<String>,
    /// `expect alert`: whether the condition held at the last read of `/api/alerts`
    /// (kept between reads), and the alerts of the kind read then.
    alert_holds: bool,
    alert_seen: Option<Vec<AlertView>>,
}

/// The IVR calls seen on the box's event bus since the scenario started.
#[derive(Default)]
struct IvrLog {
    /// The bus's newest seq when the scenario started.
    baseline: u64,
    /// Events read up to this seq.
    cursor: u64,
    /// Calls in the order their first IVR step appeared.
    calls: Vec<String>,
    /// Each call's IVR steps as read from the bus.
    steps: HashMap<String, Vec<EventView>>,
    /// Per call: how many `digits_collected` steps earlier `expect ivr digits` matched.
    digits_used: HashMap<String, usize>,
}

impl Exec<'_> {
    fn failure(&self, scenario: &Scenario, step: &Step, message: String) -> StepFailure {
        StepFailure {
            file: scenario.file.clone(),
            line: step.line,
            step: step.text.clone(),
            message,
            at_ms: self.rig.now_ms(),
            devices: self.rig.state_summary(),
        }
    }

    fn not_in_rig(&self, device: &str, what: &str) -> String {
        let names: Vec<&str> = self.rig.names().collect();
        format!(
            "the rig has no {what} named {device} (it has: {})",
            names.join(", ")
        )
    }

    fn step(&mut self, action: &Action) -> Result<String, String> {
        let now = self.rig.now_ms();
        match action {
            Action::Call {
                device,
                from,
                name,
                cid,
            } => {
                let missing = self.not_in_rig(device, "telco line");
                let line = self.rig.telco_mut(device).ok_or(missing)?;
                line.place_call(now, from.as_deref(), name.as_deref(), *cid)
                    .map_err(|e| e.to_string())?;
            }
            Action::HangUp { device } => {
                if let Some(line) = self.rig.telco_mut(device) {
                    line.hang_up(now);
                } else if let Some(phone) = self.rig.phone_mut(device) {
                    phone.hang_up(now);
                } else {
                    return Err(self.not_in_rig(device, "device"));
                }
            }
            Action::OffHook { device } => self.phone(device)?.go_off_hook(now),
            Action::OnHook { device } => self.phone(device)?.hang_up(now),
            Action::Flash { device } => {
                self.phone(device)?.flash(now).map_err(|e| e.to_string())?
            }
            Action::Dial { device, digits } => self
                .phone(device)?
                .dial(now, digits)
                .map_err(|e| e.to_string())?,
            Action::SendDtmf { device, digits } => {
                self.play(device, PlayItem::Dtmf(digits.clone()))?
            }
            Action::PlayTone {
                device,
                freq_hz,
                level_dbm0,
                duration_ms,
            } => self.play(
                device,
                PlayItem::Tone {
                    freq_hz: *freq_hz,
                    level_dbm0: *level_dbm0,
                    duration_ms: u32::try_from(*duration_ms).unwrap_or(u32::MAX),
                },
            )?,
            Action::PlaySilence {
                device,
                duration_ms,
            } => self.play(
                device,
                PlayItem::Silence {
                    duration_ms: u32::try_from(*duration_ms).unwrap_or(u32::MAX),
                },
            )?,
            Action::Wait { duration_ms } => self
                .rig
                .run_for(*duration_ms)
                .map_err(|e| format!("rig: {e}"))?,
            Action::SpanCall { .. }
            | Action::SpanAnswer { .. }
            | Action::SpanHangUp { .. }
            | Action::SpanAlarm { .. }
            | Action::SpanPlay { .. } => return self.span_action(now, action),
            Action::Supervise {
                agent,
                mode,
                extension,
            } => {
                let call = self
                    .view
                    .supervise(agent, mode, extension)
                    .map_err(|e| format!("{e:#}"))?;
                return Ok(format!(" (call {call})"));
            }
            Action::Expect(e) => return self.expect(e),
        }
        Ok(String::new())
    }

    fn phone(&mut self, device: &str) -> Result<&mut far_end::Phone, String> {
        let missing = self.not_in_rig(device, "phone");
        self.rig.phone_mut(device).ok_or(missing)
    }

    fn play(&mut self, device: &str, item: PlayItem) -> Result<(), String> {
        let result = if let Some(line) = self.rig.telco_mut(device) {
            line.mouth().push(item)
        } else if let Some(phone) = self.rig.phone_mut(device) {
            phone.mouth().push(item)
        } else {
            return Err(self.not_in_rig(device, "device"));
        };
        result.map_err(|e| e.to_string())
    }

    fn expect(&mut self, e: &Expectation) -> Result<String, String> {
        let start = self.rig.now_ms();
        let end = start + e.window_ms;
        let mut poll = Poll {
            accumulate: !e.negated && e.mode == Mode::Within,
            any: e.negated,
            lookback_ms: start.saturating_sub(self.prev_step_ms),
            next_ms: start,
            ..Poll::default()
        };
        // `within` may already be satisfied; `for` and `not` judge the blocks exchanged
        // during the window, so they look first after one tick (at least one look).
        let eventually = !e.negated && e.mode == Mode::Within;
        if !eventually {
            self.rig.step().map_err(|err| format!("rig: {err}"))?;
        }
        loop {
            let now = self.rig.now_ms();
            let last_tick = now >= end.max(start + BLOCK_MS);
            let consume = !e.negated;
            let holds = self.evaluate(&e.subject, consume, &mut poll, last_tick)?;
            let elapsed = secs(now - start);
            match (e.negated, e.mode) {
                (false, Mode::Within) if holds => return Ok(format!(" (after {elapsed:.2}s)")),
                (false, Mode::Throughout) if !holds => {
                    return Err(format!(
                        "stopped holding after {elapsed:.2}s: {}",
                        self.seen(&e.subject, &poll)
                    ))
                }
                (true, _) if holds => {
                    return Err(format!(
                        "happened after {elapsed:.2}s: {}",
                        self.seen(&e.subject, &poll)
                    ))
                }
                _ => {}
            }
            if last_tick {
                break;
            }
            self.rig.step().map_err(|err| format!("rig: {err}"))?;
        }
        if !e.negated && e.mode == Mode::Within {
            Err(format!(
                "not seen within {}: {}",
                fmt_duration(e.window_ms),
                self.seen(&e.subject, &poll)
            ))
        } else {
            Ok(format!(" (held for {:.2}s)", secs(e.window_ms)))
        }
    }

    /// Whether the condition holds now. `consume`: a satisfied `hears dtmf` or `cdr`
    /// marks what it matched as used.
    fn evaluate(
        &mut self,
        subject: &Subject,
        consume: bool,
        poll: &mut Poll,
        last_tick: bool,
    ) -> Result<bool, String> {
        match subject {
            Subject::Cdr(m) => self.evaluate_cdr(m, consume, poll, last_tick),
            Subject::Agent(a) => self.evaluate_agent(a, poll, last_tick),
            Subject::Alert(a) => self.evaluate_alert(a, poll, last_tick),
            Subject::Ivr { call, condition } => {
                self.evaluate_ivr(*call, condition, consume, poll, last_tick)
            }
            Subject::Span { device, condition } => {
                self.evaluate_span(device, condition, consume, poll, last_tick)
            }
            Subject::Device { device, condition } => {
                let now = self.rig.now_ms();
                let missing = self.not_in_rig(device, "device");
                let device_ref = self.rig.device(device).ok_or(missing)?;
                Ok(match (condition, device_ref) {
                    (Condition::Answered, far_end::AnyDevice::Telco(t)) => {
                        t.answered_at_ms().is_some()
                    }
                    (Condition::OnHook, far_end::AnyDevice::Telco(t)) => !t.box_off_hook(),
                    (Condition::OffHook, far_end::AnyDevice::Telco(t)) => t.box_off_hook(),
                    (Condition::Ringing, far_end::AnyDevice::Phone(p)) => p.ringing(),
                    (Condition::Rings(n), far_end::AnyDevice::Phone(p)) => p.ring_bursts() >= *n,
                    (Condition::Battery, far_end::AnyDevice::Phone(p)) => p.battery(),
                    (Condition::CallerId { number, name }, far_end::AnyDevice::Phone(p)) => {
                        p.last_caller_id().is_some_and(|c| {
                            c.number.as_deref() == Some(number.as_str())
                                && name
                                    .as_ref()
                                    .is_none_or(|n| c.name.as_deref() == Some(n.as_str()))
                        })
                    }
                    (
                        c @ (Condition::HearsTone { .. }
                        | Condition::HearsSilence { .. }
                        | Condition::HearsAudio { .. }
                        | Condition::HearsDtmf(_)),
                        d,
                    ) => {
                        let e = ear(d).ok_or_else(|| format!("{device} has no ear"))?;
                        let cursor = self.dtmf_cursor.get(device).copied().unwrap_or(0);
                        let (holds, matched) = ear_hears(e, c, cursor, tone_share(poll));
                        if let (true, Some(next)) = (consume, matched) {
                            self.dtmf_cursor.insert(device.clone(), next);
                        }
                        holds
                    }
                    (c, _) => {
                        return Err(format!("`{c}` cannot be checked on {device} at {}ms", now))
                    }
                })
            }
        }
    }

    /// `expect cdr`: exactly N (default 1) of the CDRs written since the scenario started,
    /// and not matched by an earlier `expect cdr`, match. Fewer: not yet. More: the step
    /// fails at once (CDRs are only ever added, so it could not come right).
    fn evaluate_cdr(
        &mut self,
        m: &CdrMatch,
        consume: bool,
        poll: &mut Poll,
        last_tick: bool,
    ) -> Result<bool, String> {
        let now = self.rig.now_ms();
        if now < poll.next_ms && !last_tick {
            return Ok(false);
        }
        poll.next_ms = now + CDR_POLL_MS;
        let want = m.count.map_or(1, |n| n as usize);
        let list = match self.new_cdrs(want) {
            Ok(list) => list,
            Err(e) => {
                poll.last_error = Some(format!("{e:#}"));
                return Ok(false);
            }
        };
        poll.last_error = None;
        let found: Vec<i64> = list
            .iter()
            .filter(|c| cdr_matches(m, c))
            .map(|c| c.id)
            .collect();
        poll.last_seen = list;
        poll.cdr_found = found.len();
        if found.len() > want {
            let ids: Vec<String> = found.iter().map(|id| format!("#{id}")).collect();
            return Err(format!(
                "{} matching CDRs found, expected exactly {want} ({}); {}",
                found.len(),
                ids.join(", "),
                new_cdrs_text(&poll.last_seen)
            ));
        }
        if found.len() < want {
            return Ok(false);
        }
        if consume {
            self.cdr_used.extend(found);
        }
        Ok(true)
    }

    /// `expect agent`: reads `/api/agents` every 200 ms of rig time (and at the window's
    /// last block); between reads the last answer stands. An agent the box does not
    /// have fails the step at once.
    fn evaluate_agent(
        &mut self,
        want: &AgentCondition,
        poll: &mut Poll,
        last_tick: bool,
    ) -> Result<bool, String> {
        let now = self.rig.now_ms();
        if now < poll.next_ms && !last_tick {
            return Ok(poll.agent_holds);
        }
        poll.next_ms = now + CDR_POLL_MS;
        // An unreadable /api/agents fails the step: a `not` or `for` must not pass on
        // what it could not see.
        let agents = self
            .view
            .agents()
            .map_err(|e| format!("cannot read the box's agents: {e:#}"))?;
        let Some(agent) = agents.iter().find(|a| a.id == want.agent) else {
            let ids: Vec<&str> = agents.iter().map(|a| a.id.as_str()).collect();
            return Err(format!(
                "the box has no agent {} (its agents: {})",
                want.agent,
                if ids.is_empty() {
                    "none".to_string()
                } else {
                    ids.join(", ")
                }
            ));
        };
        poll.agent_seen = Some(agent.to_string());
        poll.agent_holds = agent.state == want.state
            && want
                .reason
                .as_ref()
                .is_none_or(|r| agent.reason.as_deref() == Some(r.as_str()))
            && want
                .device
                .as_ref()
                .is_none_or(|d| agent.device.as_deref() == Some(d.as_str()));
        Ok(poll.agent_holds)
    }

    /// `expect alert`: reads `/api/alerts` every 200 ms of rig time (and at the window's
    /// last block); between reads the last answer stands. `active`: an alert of the kind
    /// (about the subject) is active; `cleared`: one cleared since the scenario started,
    /// and none active.
    fn evaluate_alert(
        &mut self,
        want: &AlertCondition,
        poll: &mut Poll,
        last_tick: bool,
    ) -> Result<bool, String> {
        let now = self.rig.now_ms();
        if now < poll.next_ms && !last_tick {
            return Ok(poll.alert_holds);
        }
        poll.next_ms = now + CDR_POLL_MS;
        // An unreadable /api/alerts fails the step: a `not` or `for` must not pass on
        // what it could not see.
        let alerts = self
            .view
            .alerts()
            .map_err(|e| format!("cannot read the box's alerts: {e:#}"))?;
        let matching: Vec<AlertView> = alerts
            .into_iter()
            .filter(|a| a.kind == want.kind)
            .filter(|a| want.subject.as_deref().is_none_or(|s| a.is_about(s)))
            .collect();
        let active = matching.iter().any(|a| a.active);
        poll.alert_holds = if want.cleared {
            !active
                && matching
                    .iter()
                    .any(|a| !self.alerts_cleared_before.contains(&a.uid))
        } else {
            active
        };
        poll.alert_seen = Some(matching);
        Ok(poll.alert_holds)
    }

    /// `expect ivr`: reads the bus's new events (every 200 ms of rig time), picks the
    /// call, takes its IVR steps from `/api/calls/{id}/events` (or the bus) and judges.
    fn evaluate_ivr(
        &mut self,
        call: Option<usize>,
        condition: &IvrCondition,
        consume: bool,
        poll: &mut Poll,
        last_tick: bool,
    ) -> Result<bool, String> {
        let now = self.rig.now_ms();
        if now < poll.next_ms && !last_tick {
            return Ok(false);
        }
        poll.next_ms = now + CDR_POLL_MS;
        if let Err(e) = self.read_ivr_events() {
            poll.last_error = Some(format!("{e:#}"));
            return Ok(false);
        }
        poll.last_error = None;
        let index = match call {
            Some(n) => n - 1,
            None => match self.ivr.calls.len() {
                0 => return Ok(false),
                n => n - 1,
            },
        };
        let Some(id) = self.ivr.calls.get(index).cloned() else {
            return Ok(false);
        };
        let steps: Vec<EventView> = match self.view.call_events(&id) {
            Ok(Some(list)) => list.into_iter().filter(|e| e.kind == "ivr").collect(),
            Ok(None) => self.ivr.steps.get(&id).cloned().unwrap_or_default(),
            Err(e) => {
                poll.last_error = Some(format!("/api/calls/{id}/events: {e:#}"));
                self.ivr.steps.get(&id).cloned().unwrap_or_default()
            }
        };
        let number = index + 1;
        let path: Vec<String> = steps
            .iter()
            .filter(|e| e.ivr_step() == "node_entered")
            .map(|e| e.field("node").to_owned())
            .collect();
        poll.ivr_seen = Some(describe_ivr(
            &id,
            number,
            self.ivr.calls.len(),
            &steps,
            &path,
        ));
        match condition {
            IvrCondition::Path { nodes, prefix } => {
                if *prefix {
                    if path.starts_with(nodes) {
                        return Ok(true);
                    }
                    if !nodes.starts_with(&path) {
                        return Err(format!(
                            "the path cannot start with {} any more: {}",
                            nodes.join(","),
                            poll.ivr_seen.as_deref().unwrap_or_default()
                        ));
                    }
                    Ok(false)
                } else {
                    if path == *nodes {
                        return Ok(true);
                    }
                    if !nodes.starts_with(&path) {
                        return Err(format!(
                            "the path is not {} and cannot become it: {}",
                            nodes.join(","),
                            poll.ivr_seen.as_deref().unwrap_or_default()
                        ));
                    }
                    Ok(false)
                }
            }
            IvrCondition::Variable { name, value } => Ok(steps
                .iter()
                .rev()
                .find(|e| e.ivr_step() == "variable_set" && e.field("name") == *name)
                .is_some_and(|e| e.field("value") == *value)),
            IvrCondition::Lookup { ok } => Ok(steps
                .iter()
                .rev()
                .find(|e| e.ivr_step() == "lookup_result")
                .is_some_and(|e| e.fields.contains_key("error") != *ok)),
            IvrCondition::Digits(digits) => {
                let used = self.ivr.digits_used.get(&id).copied().unwrap_or(0);
                let collected: Vec<&EventView> = steps
                    .iter()
                    .filter(|e| e.ivr_step() == "digits_collected")
                    .collect();
                let found = collected
                    .iter()
                    .enumerate()
                    .skip(used)
                    .find(|(_, e)| e.field("digits") == *digits)
                    .map(|(i, _)| i);
                match found {
                    Some(i) => {
                        if consume {
                            self.ivr.digits_used.insert(id, i + 1);
                        }
                        Ok(true)
                    }
                    None => Ok(false),
                }
            }
        }
    }

    /// Reads the bus's events after the last read: notes each call's IVR steps and the
    /// order calls entered a flow.
    fn read_ivr_events(&mut self) -> anyhow::Result<()> {
        loop {
            let (events, last_seq) = self.view.events_after(self.ivr.cursor)?;
            anyhow::ensure!(
                last_seq >= self.ivr.baseline,
                "the box's event numbering went back from {} to {last_seq}: did it restart?",
                self.ivr.baseline
            );
            let mut newest = self.ivr.cursor;
            for event in events {
                newest = newest.max(event.seq);
                if event.kind != "ivr" || event.seq <= self.ivr.baseline {
                    continue;
                }
                let Some(call) = event.call.clone() else {
                    continue;
                };
                if !self.ivr.steps.contains_key(&call) {
                    self.ivr.calls.push(call.clone());
                }
                self.ivr.steps.entry(call).or_default().push(event);
            }
            if newest == self.ivr.cursor || newest >= last_seq {
                self.ivr.cursor = newest;
                return Ok(());
            }
            self.ivr.cursor = newest;
        }
    }

    /// Every CDR written since the scenario started and not matched by an earlier step,
    /// oldest first. Reads the newest `max(50, 2 × want)` CDRs, or, when they may not
    /// reach back to the scenario's start, the newest 1000 (the box's limit).
    fn new_cdrs(&mut self, want: usize) -> anyhow::Result<Vec<CdrView>> {
        let mut lookback = CDR_LOOKBACK
            .max(want.saturating_mul(2))
            .min(CDR_LOOKBACK_MAX);
        loop {
            let mut list = self.view.latest(lookback)?;
            let baseline = self.cdr_baseline;
            let reaches_start =
                list.len() < lookback || list.iter().any(|c| baseline.is_some_and(|b| c.id <= b));
            if !reaches_start {
                anyhow::ensure!(
                    lookback < CDR_LOOKBACK_MAX,
                    "more than {CDR_LOOKBACK_MAX} CDRs were written since the scenario started: they cannot all be read to count the matching ones"
                );
                lookback = CDR_LOOKBACK_MAX;
                continue;
            }
            list.retain(|c| baseline.is_none_or(|b| c.id > b) && !self.cdr_used.contains(&c.id));
            list.sort_by_key(|c| c.id);
            return Ok(list);
        }
    }

    /// What was seen instead, for failure messages.
    fn seen(&self, subject: &Subject, poll: &Poll) -> String {
        match subject {
            Subject::Span { device, condition } => self.seen_span(device, condition, poll),
            Subject::Ivr { call, .. } => {
                let mut s = poll.ivr_seen.clone().unwrap_or_else(|| match call {
                    Some(n) => format!(
                        "no call {n} entered an IVR flow since the scenario started ({} did)",
                        self.ivr.calls.len()
                    ),
                    None => "no call entered an IVR flow since the scenario started".to_string(),
                });
                if let Some(e) = &poll.last_error {
                    s.push_str(&format!(" (reading the box's events failed: {e})"));
                }
                s
            }
            Subject::Agent(a) => match &poll.agent_seen {
                Some(seen) => format!("the box says {seen}"),
                None => format!("agent {} was not read from the box", a.agent),
            },
            Subject::Alert(a) => {
                let about = match &a.subject {
                    Some(subject) => format!(" about {subject}"),
                    None => String::new(),
                };
                match &poll.alert_seen {
                    None => "the box's alerts were not read".to_string(),
                    Some(list) if list.is_empty() => {
                        format!(
                            "the box has had no {} alert{about} since it started",
                            a.kind
                        )
                    }
                    Some(list) => {
                        let shown: Vec<String> = list.iter().map(|a| a.to_string()).collect();
                        format!("the box's {} alerts{about}: {}", a.kind, shown.join("; "))
                    }
                }
            }
            Subject::Cdr(m) => {
                let want = m.count.unwrap_or(1);
                let mut s = format!(
                    "{} of {want} matching CDRs found; {}",
                    poll.cdr_found,
                    new_cdrs_text(&poll.last_seen)
                );
                if let Some(e) = &poll.last_error {
                    s.push_str(&format!(" (reading CDRs failed: {e})"));
                }
                s
            }
            Subject::Device { device, condition } => {
                let Some(d) = self.rig.device(device) else {
                    return format!("no device {device}");
                };
                match (condition, d) {
                    (Condition::Answered, far_end::AnyDevice::Telco(t)) => format!(
                        "the line is {:?}, box loop {}, {} ring bursts sent",
                        t.state(),
                        if t.box_off_hook() { "closed" } else { "open" },
                        t.ring_bursts()
                    ),
                    (Condition::OnHook | Condition::OffHook, far_end::AnyDevice::Telco(t)) => {
                        format!(
                            "the box's loop is {}",
                            if t.box_off_hook() {
                                "closed (off hook)"
                            } else {
                                "open (on hook)"
                            }
                        )
                    }
                    (
                        Condition::Ringing | Condition::Rings(_) | Condition::Battery,
                        far_end::AnyDevice::Phone(p),
                    ) => {
                        format!(
                            "ringing {}, battery {}, {} ring bursts since the phone last changed hook state",
                            if p.ringing() { "on" } else { "off" },
                            if p.battery() { "on" } else { "off" },
                            p.ring_bursts()
                        )
                    }
                    (Condition::CallerId { .. }, far_end::AnyDevice::Phone(p)) => {
                        if p.caller_ids().is_empty() {
                            "no caller ID was received".to_string()
                        } else {
                            let list: Vec<String> = p
                                .caller_ids()
                                .iter()
                                .map(|c| match &c.error {
                                    Some(e) => format!("at {:.2}s undecodable: {e}", secs(c.at_ms)),
                                    None => format!(
                                        "at {:.2}s number {} name {}",
                                        secs(c.at_ms),
                                        c.number.as_deref().or(c.number_absent).unwrap_or("-"),
                                        c.name.as_deref().unwrap_or("-")
                                    ),
                                })
                                .collect();
                            format!("caller IDs received: {}", list.join("; "))
                        }
                    }
                    (
                        c @ (Condition::HearsTone { .. }
                        | Condition::HearsSilence { .. }
                        | Condition::HearsAudio { .. }
                        | Condition::HearsDtmf(_)),
                        d,
                    ) => match ear(d) {
                        Some(e) => {
                            let cursor = self.dtmf_cursor.get(device).copied().unwrap_or(0);
                            ear_seen(e, c, cursor, tone_share(poll))
                        }
                        None => String::new(),
                    },
                    _ => d_summary(d),
                }
            }
        }
    }
}

/// A call's IVR steps for failure messages: its path, variables, lookups and digits.
fn describe_ivr(
    id: &str,
    number: usize,
    of: usize,
    steps: &[EventView],
    path: &[String],
) -> String {
    let mut parts = vec![format!(
        "call {id} (IVR call {number} of {of}): path {}",
        if path.is_empty() {
            "empty".to_string()
        } else {
            path.join(",")
        }
    )];
    for e in steps {
        match e.ivr_step() {
            "variable_set" => parts.push(format!("{} = {:?}", e.field("name"), e.field("value"))),
            "lookup_result" => parts.push(if !e.fields.contains_key("error") {
                format!("lookup at {} ok", e.field("node"))
            } else {
                format!("lookup at {} failed: {}", e.field("node"), e.field("error"))
            }),
            "digits_collected" => {
                parts.push(format!("{} took {:?}", e.field("node"), e.field("digits")))
            }
            "node_entered" | "" => {}
            other => parts.push(format!("{other} {:?}", e.fields)),
        }
    }
    parts.join("; ")
}

fn d_summary(d: &far_end::AnyDevice) -> String {
    use far_end::FarEndDevice;
    d.state_summary()
}

fn ear(d: &far_end::AnyDevice) -> Option<&far_end::Ear> {
    match d {
        far_end::AnyDevice::Telco(t) => Some(t.ear()),
        far_end::AnyDevice::Phone(p) => Some(p.ear()),
        // A span has one ear per call: see `exec/span.rs`.
        far_end::AnyDevice::Carrier(_) | far_end::AnyDevice::Other(_) => None,
    }
}

/// The share of a block's power a tone must carry to be heard.
///
/// `hears tone F` wants F to carry at least half of what the ear receives, so a trace of
/// F in other audio is not "hearing" it. `not hears tone F` fails on any trace of F at
/// the level, whatever else is heard: a caller's own tone mixed back into the other
/// side's fails `not hears` even at half the power.
fn tone_share(poll: &Poll) -> f32 {
    if poll.any {
        0.0
    } else {
        DEFAULT_MIN_SHARE
    }
}

/// Whether `ear` meets a `hears …` condition now (false for other conditions); a tone
/// must carry `min_share` of the block's power. For `hears dtmf`, `cursor` counts the
/// digits earlier steps matched; a match also returns the cursor just past it.
fn ear_hears(
    ear: &Ear,
    condition: &Condition,
    cursor: usize,
    min_share: f32,
) -> (bool, Option<usize>) {
    match condition {
        Condition::HearsTone {
            freq_hz,
            min_dbm0,
            min_ms,
        } => (
            ear.meter()
                .tone_run_ms(f32::from(*freq_hz), *min_dbm0, min_share, *min_ms)
                >= *min_ms,
            None,
        ),
        Condition::HearsSilence { min_ms } => (
            ear.meter().silence_run_ms(SILENCE_DBM0, *min_ms) >= *min_ms,
            None,
        ),
        Condition::HearsAudio { min_dbm0, min_ms } => (
            audio_run_ms(ear.meter(), *min_dbm0, *min_ms) >= *min_ms,
            None,
        ),
        Condition::HearsDtmf(want) => {
            let heard = ear.digit_string();
            let from = cursor.min(heard.len());
            match heard.get(from..).and_then(|rest| rest.find(want.as_str())) {
                Some(at) => (true, Some(from + at + want.len())),
                None => (false, None),
            }
        }
        _ => (false, None),
    }
}

/// Whether a tone or silence condition held, for its full duration, at any block of the
/// last `lookback_ms` of `ear`'s audio (false for other conditions).
fn ear_met_within(ear: &Ear, condition: &Condition, lookback_ms: u64) -> bool {
    let meter = ear.meter();
    let (min_ms, present): (u64, Box<dyn Fn(usize) -> bool + '_>) = match condition {
        Condition::HearsTone {
            freq_hz,
            min_dbm0,
            min_ms,
        } => (
            *min_ms,
            Box::new(move |ago| {
                meter
                    .measure(f32::from(*freq_hz), ago)
                    .is_some_and(|m| m.is_present(*min_dbm0, DEFAULT_MIN_SHARE))
            }),
        ),
        Condition::HearsSilence { min_ms } => (
            *min_ms,
            Box::new(move |ago| {
                meter
                    .block_level_dbm0(ago)
                    .is_some_and(|l| l < SILENCE_DBM0)
            }),
        ),
        Condition::HearsAudio { min_dbm0, min_ms } => (
            *min_ms,
            Box::new(move |ago| meter.block_level_dbm0(ago).is_some_and(|l| l > *min_dbm0)),
        ),
        _ => return false,
    };
    let oldest = (((lookback_ms + min_ms) / BLOCK_MS) as usize).min(meter.len().saturating_sub(1));
    let mut run = 0;
    for ago in (0..=oldest).rev() {
        run = if present(ago) { run + BLOCK_MS } else { 0 };
        if run >= min_ms && (ago as u64) * BLOCK_MS <= lookback_ms {
            return true;
        }
    }
    false
}

/// What an ear heard instead of a `hears …` condition, for failure messages.
fn ear_seen(ear: &Ear, condition: &Condition, cursor: usize, min_share: f32) -> String {
    match condition {
        Condition::HearsTone {
            freq_hz, min_dbm0, ..
        } => describe_tone(
            ear.meter(),
            f32::from(*freq_hz),
            *min_dbm0,
            min_share,
            &ear.summary(),
        ),
        Condition::HearsSilence { .. } => format!(
            "longest silence in the last {:.0}s: {}ms; now {}",
            secs(far_end::HISTORY_MS),
            longest_silence(ear.meter()),
            ear.summary()
        ),
        Condition::HearsAudio { min_dbm0, .. } => format!(
            "longest run of audio above {min_dbm0} dBm0 in the last {:.0}s: {}ms; now {}",
            secs(far_end::HISTORY_MS),
            longest_audio(ear.meter(), *min_dbm0),
            ear.summary()
        ),
        Condition::HearsDtmf(_) => {
            let heard = ear.digit_string();
            let from = cursor.min(heard.len());
            format!(
                "DTMF heard since the last match: {:?} (all: {:?})",
                heard.get(from..).unwrap_or_default(),
                heard
            )
        }
        _ => ear.summary(),
    }
}

fn describe_tone(meter: &ToneMeter, freq: f32, min_dbm0: f32, min_share: f32, now: &str) -> String {
    let (mut longest, mut run, mut loudest) = (0u64, 0u64, f32::NEG_INFINITY);
    for ago in (0..meter.len()).rev() {
        if let Some(m) = meter.measure(freq, ago) {
            loudest = loudest.max(m.level_dbm0);
            if m.is_present(min_dbm0, min_share) {
                run += BLOCK_MS;
                longest = longest.max(run);
            } else {
                run = 0;
            }
        }
    }
    format!(
        "in the last {:.0}s {freq} Hz was above {min_dbm0} dBm0 for at most {longest}ms (loudest {loudest:.1} dBm0); now {now}",
        secs(far_end::HISTORY_MS)
    )
}

/// How long every block has been above `min_dbm0`, up to `want_ms`.
fn audio_run_ms(meter: &ToneMeter, min_dbm0: f32, want_ms: u64) -> u64 {
    let mut run = 0;
    for ago in 0..meter.len() {
        if run >= want_ms {
            break;
        }
        match meter.block_level_dbm0(ago) {
            Some(level) if level > min_dbm0 => run += BLOCK_MS,
            _ => break,
        }
    }
    run
}

fn longest_audio(meter: &ToneMeter, min_dbm0: f32) -> u64 {
    let (mut longest, mut run) = (0u64, 0u64);
    for ago in (0..meter.len()).rev() {
        match meter.block_level_dbm0(ago) {
            Some(l) if l > min_dbm0 => {
                run += BLOCK_MS;
                longest = longest.max(run);
            }
            _ => run = 0,
        }
    }
    longest
}

fn longest_silence(meter: &ToneMeter) -> u64 {
    let (mut longest, mut run) = (0u64, 0u64);
    for ago in (0..meter.len()).rev() {
        match meter.block_level_dbm0(ago) {
            Some(l) if l < SILENCE_DBM0 => {
                run += BLOCK_MS;
                longest = longest.max(run);
            }
            _ => run = 0,
        }
    }
    longest
}

/// The new CDRs (written since the start, not matched earlier), for failure messages.
fn new_cdrs_text(list: &[CdrView]) -> String {
    if list.is_empty() {
        return "no new CDR was written".to_string();
    }
    let mut shown: Vec<String> = list
        .iter()
        .take(CDRS_SHOWN)
        .map(|c| c.to_string())
        .collect();
    if list.len() > CDRS_SHOWN {
        shown.push(format!("… {} more", list.len() - CDRS_SHOWN));
    }
    format!("new CDRs: {}", shown.join("; "))
}

fn cdr_matches(m: &CdrMatch, c: &CdrView) -> bool {
    m.disposition
        .as_ref()
        .is_none_or(|d| d.eq_ignore_ascii_case(&c.disposition))
        && m.cause.is_none_or(|x| x == c.cause)
        && m.from
            .as_ref()
            .is_none_or(|f| f.as_deref() == c.caller.as_deref())
        && m.to
            .as_ref()
            .is_none_or(|t| t.as_deref() == c.callee.as_deref())
        && m.talk_min_ms.is_none_or(|x| c.talk_ms >= x)
        && m.talk_max_ms.is_none_or(|x| c.talk_ms <= x)
        && m.ring_min_ms.is_none_or(|x| c.ring_ms >= x)
        && m.ring_max_ms.is_none_or(|x| c.ring_ms <= x)
        && m.ivr_path.as_ref().is_none_or(|p| *p == c.ivr_path)
        && m.survey.is_none_or(|s| s == c.survey)
}
