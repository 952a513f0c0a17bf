//! The values a setting with a fixed set of choices accepts: the checks pick from these
//! and the configuration forms offer exactly these.

use crate::model::*;
use acd::Strategy;

pub const TONE_PLANS: &[(&str, TonePlan)] = &[
    ("cn", TonePlan::Cn),
    ("etsi", TonePlan::Etsi),
    ("na", TonePlan::Na),
];
pub const CLOCKS: &[(&str, Clock)] =
    &[("realtime", Clock::Realtime), ("lockstep", Clock::Lockstep)];
pub const LOG_LEVELS: &[&str] = &["error", "warn", "info", "debug", "trace"];
pub const SPAN_KINDS: &[(&str, SpanKind)] = &[("e1", SpanKind::E1)];
pub const SPAN_SIGNALLING: &[(&str, SpanSignalling)] = &[
    ("pri-net", SpanSignalling::PriNet),
    ("pri-cpe", SpanSignalling::PriCpe),
    ("r2", SpanSignalling::R2),
];
/// Only the variant the PRI stack implements is offered; others come with their work.
pub const PRI_SWITCHES: &[(&str, PriSwitch)] = &[("etsi", PriSwitch::Etsi)];
pub const FXO_CALLER_ID: &[(&str, FxoCallerId)] = &[
    ("etsi-fsk", FxoCallerId::EtsiFsk),
    ("bell-fsk", FxoCallerId::BellFsk),
    ("dtmf", FxoCallerId::Dtmf),
    ("none", FxoCallerId::None),
];
pub const FXS_CALLER_ID: &[(&str, FxsCallerId)] = &[
    ("etsi", FxsCallerId::Etsi),
    ("bell", FxsCallerId::Bell),
    ("dtmf", FxsCallerId::Dtmf),
    ("none", FxsCallerId::None),
];
pub const QUEUE_STRATEGIES: &[(&str, Strategy)] = &[
    ("longest-idle", Strategy::LongestIdle),
    ("round-robin", Strategy::RoundRobin),
    ("fewest-calls", Strategy::FewestCalls),
    ("ring-all", Strategy::RingAll),
    ("random", Strategy::Random),
    ("skills-based", Strategy::SkillsBased),
];

/// The names of a choice table, in its order.
pub fn names<T>(choices: &[(&'static str, T)]) -> Vec<&'static str> {
    choices.iter().map(|(name, _)| *name).collect()
}
