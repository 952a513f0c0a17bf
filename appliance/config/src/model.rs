//! The validated configuration, in plain types.

use line_boundary::PhoneNumber;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    pub dir: PathBuf,
    pub system: SystemConfig,
    pub spans: Vec<SpanConfig>,
    pub ports: Vec<PortConfig>,
    pub routes: RoutesConfig,
    /// Named time conditions (`schedules.toml`), for the IVR's `time` nodes.
    pub schedules: std::collections::BTreeMap<String, ivr::schedule::Schedule>,
    /// IVR flows (`flows/*.toml`), each checked by the `ivr` crate's validator.
    pub flows: Vec<ivr::flow::Flow>,
    /// Text prompts (`prompts.toml`): prompt name → language → text, synthesized when
    /// the configuration is applied.
    pub text_prompts: crate::TextPrompts,
    /// The ACD (`queues.toml`, `agents.toml`): queues, agents, VIP numbers, not-ready
    /// reasons. Without the files: no queues, no agents, the core's defaults.
    pub acd: acd::AcdConfig,
    /// Whether `queues.toml` exists. With it, the IVR's `queue` nodes go to the ACD (each
    /// names one of its queues); without it, a `queue` node rings its `extensions` in turn.
    pub acd_queues_configured: bool,
    /// Each configured agent's PIN (4-8 digits), keyed at phone login (`*21`); the ACD
    /// core knows no PINs.
    pub agent_pins: std::collections::BTreeMap<acd::AgentId, String>,
    /// Each queue's music-on-hold class (`default`: the system's `music_dir`).
    pub queue_music: std::collections::BTreeMap<acd::QueueName, String>,
    /// What raises floor alerts (`queues.toml`'s `[alerts]` and each queue's `alert_*`).
    pub alerts: alerts::AlertConfig,
    /// Queues whose callers hear the post-call survey when the agent hangs up.
    pub survey_queues: std::collections::BTreeSet<acd::QueueName>,
    /// What an agent keys after a flash to send their caller to a queue → that queue.
    pub queue_transfer_numbers: std::collections::BTreeMap<String, acd::QueueName>,
    /// The codes an agent may wrap a call up with (`queues.toml`'s `[dispositions]`).
    pub dispositions: crate::Dispositions,
    /// Which calls are recorded, where and for how long (`recording.toml`; without it,
    /// none).
    pub recording: crate::RecordingSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TonePlan {
    Cn,
    Etsi,
    Na,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The box's 20 ms timer drives the lines.
    Realtime,
    /// The far end drives the lines (tests and HIL rigs).
    Lockstep,
}

#[derive(Debug, Clone)]
pub struct SystemConfig {
    pub name: String,
    pub tone_plan: TonePlan,
    pub clock: Clock,
    /// Where the soft-hardware sockets are created (absolute).
    pub device_dir: PathBuf,
    pub web_listen: SocketAddr,
    /// Serve plain HTTP instead of HTTPS (allowed on a loopback address only).
    pub web_plain_http: bool,
    /// A web session ends after this long without a request.
    pub web_session_idle_minutes: u32,
    pub log_level: String,
    /// Lets DTMF `*#*9` make a call's actor panic: for fault-isolation tests only.
    pub fault_injection: bool,
    /// English recorded prompts and say fragments (`NAME.wav`, `digits/5.wav`; absolute).
    pub sounds_dir: PathBuf,
    /// Music on hold: every `*.wav` in it, in name order (absolute).
    pub music_dir: PathBuf,
    /// PEM certificates `https://` lookups trust besides the system's (absolute).
    pub lookup_ca_file: Option<PathBuf>,
}

/// Where Debian's `asterisk-core-sounds-en-wav` puts its English prompts.
pub const DEFAULT_SOUNDS_DIR: &str = "/usr/share/asterisk/sounds/en_US_f_Allison";
/// Where Debian's `asterisk-moh-opsound-wav` puts its music on hold.
pub const DEFAULT_MUSIC_DIR: &str = "/usr/share/asterisk/moh";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanSignalling {
    PriNet,
    PriCpe,
    R2,
}

/// The physical kind of a span; E1 only today (T1 later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanKind {
    E1,
}

#[derive(Debug, Clone)]
pub struct SpanConfig {
    pub id: u16,
    pub name: String,
    pub kind: SpanKind,
    pub signalling: SpanSignalling,
    /// ISDN PRI settings (used when `signalling` is `pri-net` or `pri-cpe`).
    pub pri: PriSettings,
}

/// The Q.931 dialect a PRI span speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriSwitch {
    /// ETSI EN 300 403 (EuroISDN), the usual E1 carrier hand-over.
    Etsi,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriSettings {
    pub switch: PriSwitch,
    /// The B-channels (timeslots) in service, ascending.
    pub channels: Vec<u8>,
    /// Overlap receiving and sending (digits after SETUP); else en-bloc.
    pub overlap: bool,
    /// Dialled before national / international numbers; they set the type of number
    /// sent and are put back on received calling numbers. Empty: numbers go as dialled.
    pub national_prefix: String,
    pub international_prefix: String,
}

impl Default for PriSettings {
    fn default() -> Self {
        PriSettings {
            switch: PriSwitch::Etsi,
            channels: (1..=31).filter(|ts| *ts != 16).collect(),
            overlap: false,
            national_prefix: String::new(),
            international_prefix: String::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct PortConfig {
    pub id: u16,
    pub name: String,
    pub kind: PortKind,
}

#[derive(Debug, Clone)]
pub enum PortKind {
    Fxo(FxoPort),
    Fxs(FxsPort),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FxoCallerId {
    EtsiFsk,
    BellFsk,
    Dtmf,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disconnect {
    pub battery: bool,
    pub polarity: bool,
    pub busy_tone: bool,
}

#[derive(Debug, Clone)]
pub struct FxoPort {
    pub number: Option<PhoneNumber>,
    pub caller_id: FxoCallerId,
    pub disconnect: Disconnect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FxsCallerId {
    Etsi,
    Bell,
    Dtmf,
    None,
}

#[derive(Debug, Clone)]
pub struct FxsPort {
    pub extension: PhoneNumber,
    pub caller_id: FxsCallerId,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptSource {
    /// A prompt built into the firmware, by name (`builtin:greeting`).
    Builtin(String),
    /// A WAV file (absolute path).
    File(PathBuf),
}

#[derive(Debug, Clone)]
pub struct InboundRoute {
    pub lines: Vec<u16>,
    pub called: Option<PhoneNumber>,
    pub destination: RouteDestination,
}

/// Where an inbound route sends calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteDestination {
    /// Ring the FXS port with this extension.
    Extension(PhoneNumber),
    /// The built-in echo test: greeting, then the caller hears their own audio back.
    Echo,
    /// Run the IVR flow of this name (`flows/*.toml`); the flow has its own prompts, so
    /// no greeting is played before it.
    Flow(String),
}

impl RouteDestination {
    /// The name used in CDRs and logs: the extension, or `echo`.
    pub fn as_str(&self) -> &str {
        match self {
            RouteDestination::Extension(number) => number.as_str(),
            RouteDestination::Echo => "echo",
            RouteDestination::Flow(name) => name.as_str(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct OutboundRoute {
    pub prefix: String,
    pub strip: usize,
    pub lines: Vec<u16>,
}

#[derive(Debug, Clone)]
pub struct RoutesConfig {
    pub greeting: PromptSource,
    pub ring_timeout_s: u64,
    pub inbound: Vec<InboundRoute>,
    pub outbound: Vec<OutboundRoute>,
}

impl Config {
    pub fn port(&self, id: u16) -> Option<&PortConfig> {
        self.ports.iter().find(|p| p.id == id)
    }

    pub fn extension(&self, extension: &str) -> Option<&PortConfig> {
        self.ports
            .iter()
            .find(|p| matches!(&p.kind, PortKind::Fxs(fxs) if fxs.extension.as_str() == extension))
    }

    /// The extension an inbound call on `line` to `called` goes to.
    pub fn inbound_destination(&self, line: u16, called: Option<&str>) -> Option<&PortConfig> {
        self.routes
            .inbound
            .iter()
            .find(|r| {
                r.lines.contains(&line)
                    && r.called
                        .as_ref()
                        .is_none_or(|want| Some(want.as_str()) == called)
            })
            .and_then(|r| match &r.destination {
                RouteDestination::Extension(number) => self.extension(number.as_str()),
                RouteDestination::Echo | RouteDestination::Flow(_) => None,
            })
    }
}
