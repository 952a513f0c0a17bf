//! The parsed form of a scenario. `Display` on [`Action`] gives the canonical text, which
//! parses back to the same action.

use std::fmt;

use far_end::{CarrierAlarm, CidDelivery, PriRole, ReleasedBy};
use soft_hardware::DeviceKind;

/// Window of an `expect` without `within`/`for`.
pub const DEFAULT_WINDOW_MS: u64 = 5000;
/// `hears tone F` without `above`: the tone must be at least this loud…
pub const DEFAULT_TONE_MIN_DBM0: f32 = -30.0;
/// …for at least this long (`for`).
pub const DEFAULT_TONE_MIN_MS: u64 = 100;

/// A whole scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The file it came from (for messages).
    pub file: String,
    pub name: String,
    /// Configuration directory name under `hil-tests/configs/` (lock-step runs).
    pub config: Option<String>,
    pub devices: Vec<DeviceSpec>,
    /// `box time: 2026-12-07 22:30 +08:00`: the box's wall clock at its start, Unix ms
    /// (whoever starts the box for the scenario starts it with this clock).
    pub box_time_unix_ms: Option<u64>,
    /// `lookup server: ADDRESS …`: a billing system the runner starts before the box and
    /// stops at the end.
    pub lookup_server: Option<LookupServerSpec>,
    pub steps: Vec<Step>,
}

/// `lookup server: 127.0.0.1:18090 answers|slow 5s|garbage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupServerSpec {
    /// `host:port` to listen on.
    pub address: String,
    pub behaviour: far_end::LookupBehaviour,
}

impl LookupServerSpec {
    /// Starts the server (`far_end::LookupServer`); it stops when dropped.
    pub fn start(&self) -> std::io::Result<far_end::LookupServer> {
        far_end::LookupServer::start(&self.address, self.behaviour.clone())
    }
}

impl Scenario {
    /// The devices in the shape [`far_end::Rig::connect`] takes.
    pub fn rig_devices(&self) -> Vec<(&str, DeviceKind, u16)> {
        self.devices
            .iter()
            .map(|d| (d.name.as_str(), d.kind, d.id))
            .collect()
    }
}

/// A far end to plug in: `fxo1`, `fxs3`, `span1`, `span2:user`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSpec {
    pub name: String,
    pub kind: DeviceKind,
    pub id: u16,
    /// Spans: the side of the PRI the rig's carrier plays (`spanN:user` or
    /// `spanN:network`, the default); `None` for analog devices.
    pub pri_role: Option<PriRole>,
}

/// One step: its 1-based line in the file, the line's text (without comment) and what it
/// does.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub line: usize,
    pub text: String,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `fxo1 call [from N] [name "X"] [cid MODE]`
    Call {
        device: String,
        from: Option<String>,
        name: Option<String>,
        cid: CidDelivery,
    },
    /// `fxo1 hang-up` (open-loop disconnect) or `fxs3 hang-up` (= `on-hook`).
    HangUp { device: String },
    /// `fxs3 off-hook`
    OffHook { device: String },
    /// `fxs3 on-hook`
    OnHook { device: String },
    /// `fxs3 flash`
    Flash { device: String },
    /// `fxs3 dial 202` (DTMF; the phone must be off hook)
    Dial { device: String, digits: String },
    /// `fxo1 send dtmf "*#*9"`
    SendDtmf { device: String, digits: String },
    /// `fxo1 play tone 1004 [at -13 dBm0] for 2s`
    PlayTone {
        device: String,
        freq_hz: u16,
        level_dbm0: f32,
        duration_ms: u64,
    },
    /// `fxo1 play silence for 1s`
    PlaySilence { device: String, duration_ms: u64 },
    /// `wait 500ms`
    Wait { duration_ms: u64 },
    /// `span1 call [N] [from X] to Y`: N simultaneous calls into the box.
    SpanCall {
        device: String,
        count: u32,
        from: Option<String>,
        to: String,
    },
    /// `span1 answer`: the oldest call from the box still waiting for an answer.
    SpanAnswer { device: String },
    /// `span1 hang-up [all | call N] [cause C]`
    SpanHangUp {
        device: String,
        calls: CallSel,
        cause: u8,
    },
    /// `span1 alarm los|ais|clear`
    SpanAlarm {
        device: String,
        alarm: Option<CarrierAlarm>,
    },
    /// `span1 play tone …|silence … [on all calls | on call N]`, `span1 send dtmf D [on …]`
    SpanPlay {
        device: String,
        calls: CallSel,
        sound: Sound,
    },
    /// `supervise agent 201 whisper from 203`: the supervisor at extension 203 joins
    /// the live call agent 201 is on, in this mode (`POST /api/calls/{id}/supervise`).
    Supervise {
        agent: String,
        /// `listen`, `whisper`, `barge` or `take-over`.
        mode: String,
        extension: String,
    },
    /// `expect …`
    Expect(Expectation),
}

/// How the window of an expectation is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `within D`: the condition must become true at some tick in the window.
    Within,
    /// `for D`: the condition must hold at every tick of the window.
    Throughout,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    pub subject: Subject,
    /// `not`: the condition must be false at every tick of the window (whatever the mode).
    pub negated: bool,
    pub mode: Mode,
    pub window_ms: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    Device {
        device: String,
        condition: Condition,
    },
    /// An E1 carrier (`span1`).
    Span {
        device: String,
        condition: SpanCondition,
    },
    Cdr(CdrMatch),
    /// `expect ivr …`: a call's run through the IVR, from the box's events.
    Ivr {
        /// `of call N` (calls numbered 1, 2, … in the order their first IVR step appeared
        /// since the scenario started); `None`: the latest such call.
        call: Option<usize>,
        condition: IvrCondition,
    },
    /// `expect agent 201 ready`: an ACD agent's state, from the box's `/api/agents`.
    Agent(AgentCondition),
    /// `expect alert surge ivr:acd-test/main=3 active`: a floor alert, from the box's
    /// `/api/alerts`.
    Alert(AlertCondition),
}

/// The alert kinds of the box, as `/api/alerts` spells them (snake_case).
pub const ALERT_KINDS: [&str; 5] = [
    "surge",
    "vip",
    "queue_waiting",
    "queue_longest_wait",
    "not_ready_too_long",
];

/// `expect alert KIND [SUBJECT] [active|cleared]`: an alert of KIND (one of
/// [`ALERT_KINDS`]) about SUBJECT if given (its surge `key`, `queue`, `agent`, `caller`
/// or `call`, whichever it has) is active now; `cleared`: one not yet cleared when the
/// scenario started has cleared, and none such is active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertCondition {
    pub kind: String,
    pub subject: Option<String>,
    pub cleared: bool,
}

/// The agent states of the box's ACD, as `/api/agents` spells them (kebab-case).
pub const AGENT_STATES: [&str; 7] = [
    "logged-out",
    "ready",
    "not-ready",
    "reserved",
    "on-call",
    "on-hold",
    "wrap-up",
];

/// `expect agent ID STATE [REASON] [at DEVICE]`: agent ID is in STATE (one of
/// [`AGENT_STATES`]); for `not-ready`, with REASON if given; logged in at phone DEVICE
/// (its extension) if given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentCondition {
    pub agent: String,
    pub state: String,
    pub reason: Option<String>,
    pub device: Option<String>,
}

/// What can be expected of a call's run through the IVR (`expect ivr …`).
#[derive(Debug, Clone, PartialEq)]
pub enum IvrCondition {
    /// `path A,B,C`: the nodes entered are exactly these, in order; `path starts A,B`:
    /// they begin with these.
    Path { nodes: Vec<String>, prefix: bool },
    /// `variable NAME = VALUE`: the last value the flow set NAME to is VALUE.
    Variable { name: String, value: String },
    /// `lookup ok` / `lookup failed`: the latest lookup's result.
    Lookup { ok: bool },
    /// `digits D`: a menu, collect or language node took D (valid or not), after those
    /// matched by earlier `expect ivr digits` steps of the call.
    Digits(String),
}

/// Which calls of a span a step is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallSel {
    /// Every call up now (placed or offered, on a B-channel, not released).
    All,
    /// Call N (1-based, in the order calls appeared on the span).
    Call(usize),
}

/// What a span plays into calls.
#[derive(Debug, Clone, PartialEq)]
pub enum Sound {
    Tone {
        freq_hz: u16,
        level_dbm0: f32,
        duration_ms: u64,
    },
    Silence {
        duration_ms: u64,
    },
    Dtmf(String),
}

/// What can be expected of an E1 carrier.
#[derive(Debug, Clone, PartialEq)]
pub enum SpanCondition {
    /// The D-channel data link (Q.921) is established.
    LinkUp,
    /// The box sends RAI.
    RemoteAlarm,
    /// At least N calls on the span were answered (connected), counted since the start.
    Answered(u32),
    /// At least N calls ended and finished clearing, with this cause and ender if given.
    Released {
        count: u32,
        cause: Option<u8>,
        by: Option<ReleasedBy>,
    },
    /// A call from the box (to/from these numbers) not matched by an earlier step.
    Incoming {
        to: Option<String>,
        from: Option<String>,
    },
    /// A `hears …` condition on the selected calls (`HearsTone`, `HearsDtmf`,
    /// `HearsSilence`).
    Hears { calls: CallSel, hearing: Condition },
    /// No call on the span: the carrier holds none that is not released and cleared,
    /// and the box's status says none of the span's B-channels is busy.
    Idle,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// fxo: the box answered the current call (went off hook while we alerted).
    Answered,
    /// fxo: the box's loop is open now.
    OnHook,
    /// fxo: the box's loop is closed now.
    OffHook,
    /// fxs: ringing voltage on the line now.
    Ringing,
    /// fxs: at least N ring bursts since the phone last changed hook state.
    Rings(u32),
    /// fxs: the latest decoded caller ID has this number (and name).
    CallerId {
        number: String,
        name: Option<String>,
    },
    /// fxs: battery (line feed) present.
    Battery,
    /// The tone has been present, above the level, for at least `min_ms` without a break.
    HearsTone {
        freq_hz: u16,
        min_dbm0: f32,
        min_ms: u64,
    },
    /// These DTMF digits were heard, in order, after those matched by earlier steps.
    HearsDtmf(String),
    /// Everything below −45 dBm0 for at least `min_ms`.
    HearsSilence { min_ms: u64 },
    /// Every block above `min_dbm0` (whatever it is: speech, music, tones) for at least
    /// `min_ms`.
    HearsAudio { min_dbm0: f32, min_ms: u64 },
}

/// `expect cdr …`: a CDR written since the scenario started, not matched by an earlier
/// step, with every field given equal.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CdrMatch {
    /// `count N`: N distinct such CDRs (default 1).
    pub count: Option<u32>,
    pub disposition: Option<String>,
    pub cause: Option<i64>,
    /// `from N` / `from none` (`Some(None)`: no caller number).
    pub from: Option<Option<String>>,
    pub to: Option<Option<String>>,
    pub talk_min_ms: Option<i64>,
    pub talk_max_ms: Option<i64>,
    pub ring_min_ms: Option<i64>,
    pub ring_max_ms: Option<i64>,
    /// `ivr path A,B,C`: the CDR's `ivr_path` is exactly these nodes (`ivr path none`:
    /// empty).
    pub ivr_path: Option<Vec<String>>,
    /// `survey N`: the caller's post-call survey score is N (1-5); `survey none`: they
    /// gave none (`Some(None)`).
    pub survey: Option<Option<u8>>,
}

pub(crate) fn fmt_duration(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

fn fmt_signed_duration(ms: i64) -> String {
    if ms < 0 {
        format!("-{}", fmt_duration(ms.unsigned_abs()))
    } else {
        fmt_duration(ms as u64)
    }
}

pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

pub(crate) fn cid_name(cid: CidDelivery) -> &'static str {
    match cid {
        CidDelivery::None => "none",
        CidDelivery::EtsiFskBeforeRing => "etsi-before-ring",
        CidDelivery::EtsiFskAfterFirstRing => "etsi-after-ring",
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Call {
                device,
                from,
                name,
                cid,
            } => {
                write!(f, "{device} call")?;
                if let Some(from) = from {
                    write!(f, " from {}", quote(from))?;
                }
                if let Some(name) = name {
                    write!(f, " name {}", quote(name))?;
                }
                write!(f, " cid {}", cid_name(*cid))
            }
            Action::HangUp { device } => write!(f, "{device} hang-up"),
            Action::OffHook { device } => write!(f, "{device} off-hook"),
            Action::OnHook { device } => write!(f, "{device} on-hook"),
            Action::Flash { device } => write!(f, "{device} flash"),
            Action::Dial { device, digits } => write!(f, "{device} dial {}", quote(digits)),
            Action::SendDtmf { device, digits } => {
                write!(f, "{device} send dtmf {}", quote(digits))
            }
            Action::PlayTone {
                device,
                freq_hz,
                level_dbm0,
                duration_ms,
            } => {
                write!(
                    f,
                    "{device} play tone {freq_hz} at {level_dbm0} dBm0 for {}",
                    fmt_duration(*duration_ms)
                )
            }
            Action::PlaySilence {
                device,
                duration_ms,
            } => {
                write!(
                    f,
                    "{device} play silence for {}",
                    fmt_duration(*duration_ms)
                )
            }
            Action::Wait { duration_ms } => write!(f, "wait {}", fmt_duration(*duration_ms)),
            Action::Supervise {
                agent,
                mode,
                extension,
            } => write!(f, "supervise agent {agent} {mode} from {extension}"),
            Action::SpanCall {
                device,
                count,
                from,
                to,
            } => {
                write!(f, "{device} call {count}")?;
                if let Some(from) = from {
                    write!(f, " from {}", quote(from))?;
                }
                write!(f, " to {}", quote(to))
            }
            Action::SpanAnswer { device } => write!(f, "{device} answer"),
            Action::SpanHangUp {
                device,
                calls,
                cause,
            } => {
                let which = match calls {
                    CallSel::All => "all".to_string(),
                    CallSel::Call(n) => format!("call {n}"),
                };
                write!(f, "{device} hang-up {which} cause {cause}")
            }
            Action::SpanAlarm { device, alarm } => {
                let what = match alarm {
                    Some(CarrierAlarm::Los) => "los",
                    Some(CarrierAlarm::Ais) => "ais",
                    None => "clear",
                };
                write!(f, "{device} alarm {what}")
            }
            Action::SpanPlay {
                device,
                calls,
                sound,
            } => match sound {
                Sound::Tone {
                    freq_hz,
                    level_dbm0,
                    duration_ms,
                } => write!(
                    f,
                    "{device} play tone {freq_hz} at {level_dbm0} dBm0 {calls} for {}",
                    fmt_duration(*duration_ms)
                ),
                Sound::Silence { duration_ms } => {
                    write!(
                        f,
                        "{device} play silence {calls} for {}",
                        fmt_duration(*duration_ms)
                    )
                }
                Sound::Dtmf(digits) => write!(f, "{device} send dtmf {} {calls}", quote(digits)),
            },
            Action::Expect(e) => write!(f, "{e}"),
        }
    }
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expect ")?;
        match &self.subject {
            Subject::Device { device, condition } => {
                write!(f, "{device} ")?;
                if self.negated {
                    f.write_str("not ")?;
                }
                write!(f, "{condition}")?;
            }
            Subject::Span { device, condition } => {
                write!(f, "{device} ")?;
                if self.negated {
                    f.write_str("not ")?;
                }
                write!(f, "{condition}")?;
            }
            Subject::Cdr(m) => write!(f, "cdr{m}")?,
            Subject::Ivr { call, condition } => {
                write!(f, "ivr {condition}")?;
                if let Some(n) = call {
                    write!(f, " of call {n}")?;
                }
            }
            Subject::Agent(a) => {
                write!(f, "agent {} ", quote(&a.agent))?;
                if self.negated {
                    f.write_str("not ")?;
                }
                write!(f, "{a}")?;
            }
            Subject::Alert(a) => {
                write!(f, "alert {}", a.kind)?;
                if let Some(subject) = &a.subject {
                    write!(f, " {}", quote(subject))?;
                }
                if self.negated {
                    f.write_str(" not")?;
                }
                f.write_str(if a.cleared { " cleared" } else { " active" })?;
            }
        }
        let word = match self.mode {
            Mode::Within => "within",
            Mode::Throughout => "for",
        };
        write!(f, " {word} {}", fmt_duration(self.window_ms))
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Answered => f.write_str("answered"),
            Condition::OnHook => f.write_str("on-hook"),
            Condition::OffHook => f.write_str("off-hook"),
            Condition::Ringing => f.write_str("ringing"),
            Condition::Rings(n) => write!(f, "rings {n}"),
            Condition::CallerId { number, name } => {
                write!(f, "caller-id {}", quote(number))?;
                if let Some(name) = name {
                    write!(f, " name {}", quote(name))?;
                }
                Ok(())
            }
            Condition::Battery => f.write_str("battery"),
            Condition::HearsTone {
                freq_hz,
                min_dbm0,
                min_ms,
            } => {
                write!(
                    f,
                    "hears tone {freq_hz} above {min_dbm0} dBm0 for {}",
                    fmt_duration(*min_ms)
                )
            }
            Condition::HearsDtmf(digits) => write!(f, "hears dtmf {}", quote(digits)),
            Condition::HearsSilence { min_ms } => {
                write!(f, "hears silence for {}", fmt_duration(*min_ms))
            }
            Condition::HearsAudio { min_dbm0, min_ms } => write!(
                f,
                "hears audio above {min_dbm0} dBm0 for {}",
                fmt_duration(*min_ms)
            ),
        }
    }
}

impl fmt::Display for CallSel {
    /// `on all calls` / `on call N`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallSel::All => f.write_str("on all calls"),
            CallSel::Call(n) => write!(f, "on call {n}"),
        }
    }
}

impl fmt::Display for SpanCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpanCondition::LinkUp => f.write_str("link up"),
            SpanCondition::RemoteAlarm => f.write_str("remote-alarm"),
            SpanCondition::Answered(n) => write!(f, "answered {n}"),
            SpanCondition::Released { count, cause, by } => {
                write!(f, "released {count}")?;
                if let Some(c) = cause {
                    write!(f, " cause {c}")?;
                }
                match by {
                    Some(ReleasedBy::Box) => f.write_str(" by box"),
                    Some(ReleasedBy::Carrier) => f.write_str(" by carrier"),
                    None => Ok(()),
                }
            }
            SpanCondition::Incoming { to, from } => {
                f.write_str("incoming call")?;
                if let Some(to) = to {
                    write!(f, " to {}", quote(to))?;
                }
                if let Some(from) = from {
                    write!(f, " from {}", quote(from))?;
                }
                Ok(())
            }
            SpanCondition::Hears { calls, hearing } => write!(f, "{hearing} {calls}"),
            SpanCondition::Idle => f.write_str("idle"),
        }
    }
}

impl fmt::Display for CdrMatch {
    /// The field list, each with a leading space.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(n) = self.count {
            write!(f, " count {n}")?;
        }
        if let Some(d) = &self.disposition {
            write!(f, " disposition {d}")?;
        }
        if let Some(c) = self.cause {
            write!(f, " cause {c}")?;
        }
        for (word, value) in [("from", &self.from), ("to", &self.to)] {
            match value {
                Some(Some(n)) => write!(f, " {word} {}", quote(n))?,
                Some(None) => write!(f, " {word} none")?,
                None => {}
            }
        }
        for (word, op, value) in [
            ("talk", ">=", self.talk_min_ms),
            ("talk", "<=", self.talk_max_ms),
            ("ring", ">=", self.ring_min_ms),
            ("ring", "<=", self.ring_max_ms),
        ] {
            if let Some(ms) = value {
                write!(f, " {word} {op} {}", fmt_signed_duration(ms))?;
            }
        }
        match &self.ivr_path {
            Some(nodes) if nodes.is_empty() => f.write_str(" ivr path none")?,
            Some(nodes) => write!(f, " ivr path {}", nodes.join(","))?,
            None => {}
        }
        match self.survey {
            Some(Some(score)) => write!(f, " survey {score}")?,
            Some(None) => f.write_str(" survey none")?,
            None => {}
        }
        Ok(())
    }
}

impl fmt::Display for AgentCondition {
    /// The state, its reason and device (without the agent).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.state)?;
        if let Some(reason) = &self.reason {
            write!(f, " {reason}")?;
        }
        if let Some(device) = &self.device {
            write!(f, " at {}", quote(device))?;
        }
        Ok(())
    }
}

impl fmt::Display for IvrCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IvrCondition::Path { nodes, prefix } => {
                f.write_str("path ")?;
                if *prefix {
                    f.write_str("starts ")?;
                }
                f.write_str(&nodes.join(","))
            }
            IvrCondition::Variable { name, value } => {
                write!(f, "variable {name} = {}", quote(value))
            }
            IvrCondition::Lookup { ok } => {
                write!(f, "lookup {}", if *ok { "ok" } else { "failed" })
            }
            IvrCondition::Digits(digits) => write!(f, "digits {}", quote(digits)),
        }
    }
}
