//! The ACD's part of the configuration directory: `queues.toml` (queues, VIP numbers,
//! not-ready reasons, wrap-up dispositions: `dispositions.rs`) and `agents.toml` (agents with their PINs, queues and skills),
//! both optional, read into an [`acd::AcdConfig`] and checked with every error at its
//! file, line and column. What needs other files is checked by `validate.rs` once they
//! are loaded: overflows to flows, and the IVR flows' `queue` nodes.
//!
//! ```toml
//! # queues.toml
//! vip_numbers = ["0209999"]
//! not_ready_reasons = ["break", "lunch"]
//!
//! [queues.billing]
//! strategy = "skills-based"
//! skills = { billing = 5 }
//! widen = [{ after_s = 60, drop = 2 }]
//! max_wait_s = 300
//! overflow = "queue:general"
//! ```
//!
//! ```toml
//! # agents.toml
//! [[agent]]
//! id = "201"
//! name = "Li Wei"
//! pin = "4821"
//! queues = ["billing", "general"]
//! skills = { billing = 9, english = 7 }
//! ```

use crate::check::{plain_name, Check, PLAIN_NAME};
use crate::error::{ConfigError, SourceFile};
use acd::{
    AcdConfig, AgentConfig, AgentId, JoinRule, LeaveRule, Overflow, OverflowTarget, QueueConfig,
    QueueName, SkillRequirement, Strategy, Widening, MAX_PRIORITY, MAX_SKILL_LEVEL, MISSED,
};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

pub const QUEUES_FILE: &str = "queues.toml";
pub const AGENTS_FILE: &str = "agents.toml";

/// `overflow = "queue:NAME"`.
pub const OVERFLOW_QUEUE_PREFIX: &str = "queue:";
/// `overflow = "flow:NAME"`.
pub const OVERFLOW_FLOW_PREFIX: &str = "flow:";
/// The music classes a queue may name; only the system's music directory today.
pub const MUSIC_CLASSES: &[&str] = &["default"];

use crate::choices::QUEUE_STRATEGIES as STRATEGIES;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueuesFile {
    #[serde(default)]
    queues: BTreeMap<String, Spanned<RawQueue>>,
    vip_numbers: Option<Vec<Spanned<String>>>,
    vip_boost: Option<Spanned<i64>>,
    not_ready_reasons: Option<Spanned<Vec<Spanned<String>>>>,
    default_handle_time_s: Option<Spanned<i64>>,
    alerts: Option<crate::alert_settings::RawAlerts>,
    dispositions: Option<crate::dispositions::RawDispositions>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQueue {
    strategy: Option<Spanned<String>>,
    #[serde(default)]
    skills: BTreeMap<String, Spanned<i64>>,
    #[serde(default)]
    widen: Vec<Spanned<RawWiden>>,
    ring_timeout_s: Option<Spanned<i64>>,
    max_missed: Option<Spanned<i64>>,
    wrap_up_s: Option<Spanned<i64>>,
    max_wait_s: Option<Spanned<i64>>,
    overflow: Option<Spanned<String>>,
    service_level_s: Option<Spanned<i64>>,
    announce_every_s: Option<Spanned<i64>>,
    when_no_agents: Option<RawWhenNoAgents>,
    music: Option<Spanned<String>>,
    alert_waiting: Option<Spanned<i64>>,
    alert_longest_wait_s: Option<Spanned<i64>>,
    survey: Option<Spanned<bool>>,
    transfer_number: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWiden {
    after_s: Spanned<i64>,
    drop: Spanned<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWhenNoAgents {
    join: Option<Spanned<String>>,
    leave: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentsFile {
    #[serde(default)]
    agent: Vec<Spanned<RawAgent>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgent {
    id: Spanned<String>,
    name: Option<Spanned<String>>,
    pin: Spanned<String>,
    #[serde(default)]
    queues: Vec<Spanned<String>>,
    #[serde(default)]
    skills: BTreeMap<String, Spanned<i64>>,
}

/// What the two files give, before the cross-file checks.
pub(crate) struct AcdFiles {
    pub config: AcdConfig,
    /// Whether `queues.toml` exists: then the IVR's `queue` nodes go to the ACD and must
    /// name one of its queues.
    pub queues_file: bool,
    /// Whether the queue names are known: false when `queues.toml` exists but did not
    /// parse (its own error is reported; refusing every name against it is only noise).
    pub queue_names_known: bool,
    pub pins: BTreeMap<AgentId, String>,
    pub music: BTreeMap<QueueName, String>,
    /// What raises floor alerts (`[alerts]` and the queues' `alert_*` settings).
    pub alerts: alerts::AlertConfig,
    /// Queues whose callers hear the post-call survey.
    pub survey_queues: BTreeSet<QueueName>,
    /// Transfer number → queue (what an agent keys after a flash to send a caller there).
    pub transfer_numbers: BTreeMap<String, QueueName>,
    /// Overflows to flows, checked once the flows are loaded: the flow's name and the
    /// error to report (its reason filled in then) if there is no such flow.
    pub flow_refs: Vec<(String, ConfigError)>,
    /// The codes agents wrap calls up with (`[dispositions]`).
    pub dispositions: crate::Dispositions,
}

fn read(dir: &Path, name: &str, errors: &mut Vec<ConfigError>) -> Option<SourceFile> {
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(SourceFile { path, text }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => {
            errors.push(SourceFile::whole_file_error(
                &path,
                name,
                format!("cannot read: {error}"),
            ));
            None
        }
    }
}

/// Reads `queues.toml` and `agents.toml` (both optional); every error with file, line,
/// column, field and reason.
pub(crate) fn load_acd(dir: &Path, errors: &mut Vec<ConfigError>) -> AcdFiles {
    let mut files = AcdFiles {
        config: AcdConfig::default(),
        queues_file: false,
        queue_names_known: true,
        pins: BTreeMap::new(),
        music: BTreeMap::new(),
        alerts: alerts::AlertConfig::default(),
        survey_queues: BTreeSet::new(),
        transfer_numbers: BTreeMap::new(),
        flow_refs: Vec::new(),
        dispositions: crate::Dispositions::default(),
    };
    let queues_source = read(dir, QUEUES_FILE, errors);
    files.queues_file = queues_source.is_some() || dir.join(QUEUES_FILE).exists();
    let mut queues_parsed = false;
    if let Some(source) = &queues_source {
        if let Some(raw) = source.parse::<QueuesFile>(errors) {
            queues_parsed = true;
            check_queues(
                &mut Check {
                    file: source,
                    errors,
                },
                raw,
                &mut files,
            );
        }
    }
    // queues.toml did not parse: its own error is reported, and refusing every agent's
    // queues would only add noise.
    let queues_known = !files.queues_file || queues_parsed;
    files.queue_names_known = queues_known;
    let queue_names: BTreeSet<String> = files
        .config
        .queues
        .iter()
        .map(|q| q.name.0.clone())
        .collect();
    if let Some(source) = read(dir, AGENTS_FILE, errors) {
        if let Some(raw) = source.parse::<AgentsFile>(errors) {
            let agents = check_agents(
                &mut Check {
                    file: &source,
                    errors,
                },
                raw,
                &queue_names,
                files.queues_file,
                queues_known,
                &mut files.pins,
            );
            files.config.agents = agents;
        }
    }
    files
}

fn check_queues(check: &mut Check, raw: QueuesFile, files: &mut AcdFiles) {
    let config = &mut files.config;
    // File order, not name order: the order they were written is the order shown.
    let mut entries: Vec<(String, Spanned<RawQueue>)> = raw.queues.into_iter().collect();
    entries.sort_by_key(|(_, queue)| queue.span().start);
    let names: BTreeSet<String> = entries.iter().map(|(name, _)| name.clone()).collect();
    // Queue → (overflow queue, span of the overflow setting), for the cycle check.
    let mut overflow_queues: BTreeMap<String, (String, Range<usize>)> = BTreeMap::new();
    for (name, queue) in entries {
        let span = queue.span();
        let queue = queue.into_inner();
        let field = format!("queues.{name}");
        if !plain_name(&name) {
            check.at(
                span,
                &field,
                format!("{name:?} is not a queue name ({PLAIN_NAME})"),
            );
            continue;
        }
        let strategy = check.choice(
            queue.strategy.as_ref(),
            &format!("{field}.strategy"),
            STRATEGIES,
            Strategy::LongestIdle,
        );
        let mut config_queue = QueueConfig::new(name.as_str(), strategy);
        config_queue.required_skills = check
            .skills(&queue.skills, &format!("{field}.skills"))
            .into_iter()
            .map(|(skill, level)| SkillRequirement::new(skill, level))
            .collect();
        let mut last_after: Option<u64> = None;
        for (index, step) in queue.widen.iter().enumerate() {
            let step_field = format!("{field}.widen[{index}]");
            let after = check.ranged(
                Some(&step.get_ref().after_s),
                &format!("{step_field}.after_s"),
                1..=86_400,
                " seconds",
            );
            let drop = check.ranged(
                Some(&step.get_ref().drop),
                &format!("{step_field}.drop"),
                1..=i64::from(MAX_SKILL_LEVEL - 1),
                " levels",
            );
            if let (Some(after), Some(last)) = (after, last_after) {
                if after <= last {
                    check.at(
                        step.get_ref().after_s.span(),
                        format!("{step_field}.after_s"),
                        format!("{after} s is not after the step before it ({last} s): write the steps in order of wait"),
                    );
                }
            }
            if let (Some(after), Some(drop)) = (after, drop) {
                last_after = Some(after);
                config_queue.widen.push(Widening {
                    after_wait_ms: after * 1000,
                    level_drop: drop as u8,
                });
            }
        }
        if let Some(s) = check.ranged(
            queue.ring_timeout_s.as_ref(),
            &format!("{field}.ring_timeout_s"),
            5..=600,
            " seconds",
        ) {
            config_queue.ring_timeout_ms = s * 1000;
        }
        if let Some(n) = check.ranged(
            queue.max_missed.as_ref(),
            &format!("{field}.max_missed"),
            0..=100,
            " offers; 0 never",
        ) {
            config_queue.max_missed = n as u32;
        }
        if let Some(s) = check.ranged(
            queue.wrap_up_s.as_ref(),
            &format!("{field}.wrap_up_s"),
            0..=3600,
            " seconds",
        ) {
            config_queue.wrap_up_ms = s * 1000;
        }
        if let Some(s) = check.ranged(
            queue.service_level_s.as_ref(),
            &format!("{field}.service_level_s"),
            1..=3600,
            " seconds",
        ) {
            config_queue.service_level_ms = s * 1000;
        }
        if let Some(s) = check.ranged(
            queue.announce_every_s.as_ref(),
            &format!("{field}.announce_every_s"),
            10..=3600,
            " seconds",
        ) {
            config_queue.announce_every_ms = Some(s * 1000);
        }
        if let Some(rules) = &queue.when_no_agents {
            config_queue.join_when_no_agents = check.choice(
                rules.join.as_ref(),
                &format!("{field}.when_no_agents.join"),
                &[("join", JoinRule::Join), ("refuse", JoinRule::Refuse)],
                JoinRule::Join,
            );
            config_queue.leave_when_no_agents = check.choice(
                rules.leave.as_ref(),
                &format!("{field}.when_no_agents.leave"),
                &[("stay", LeaveRule::Stay), ("leave", LeaveRule::Leave)],
                LeaveRule::Stay,
            );
        }
        let max_wait = check.ranged(
            queue.max_wait_s.as_ref(),
            &format!("{field}.max_wait_s"),
            5..=86_400,
            " seconds",
        );
        let target = queue.overflow.as_ref().and_then(|overflow| {
            let text = overflow.get_ref();
            let overflow_field = format!("{field}.overflow");
            if text == "callback" {
                Some(OverflowTarget::Callback)
            } else if let Some(to) = text.strip_prefix(OVERFLOW_QUEUE_PREFIX) {
                if to == name {
                    check.at(
                        overflow.span(),
                        overflow_field,
                        format!("queue {name:?} overflows into itself"),
                    );
                    None
                } else if !names.contains(to) {
                    let known: Vec<&str> = names.iter().map(String::as_str).collect();
                    check.at(
                        overflow.span(),
                        overflow_field,
                        format!(
                            "no queue named {to:?} in {QUEUES_FILE} (queues: {})",
                            known.join(", ")
                        ),
                    );
                    None
                } else {
                    overflow_queues.insert(name.clone(), (to.to_owned(), overflow.span()));
                    Some(OverflowTarget::Queue(QueueName::from(to)))
                }
            } else if let Some(flow) = text.strip_prefix(OVERFLOW_FLOW_PREFIX) {
                // Whether the flow exists is checked once the flows are loaded.
                files.flow_refs.push((
                    flow.to_owned(),
                    check
                        .file
                        .error_at(overflow.span(), overflow_field, String::new()),
                ));
                Some(OverflowTarget::Flow(flow.to_owned()))
            } else {
                check.at(
                    overflow.span(),
                    overflow_field,
                    format!(
                        "{text:?} is not an overflow: write \"queue:NAME\", \"flow:NAME\" or \"callback\""
                    ),
                );
                None
            }
        });
        match (&queue.max_wait_s, &queue.overflow) {
            (Some(max_wait_s), None) => check.at(
                max_wait_s.span(),
                format!("{field}.max_wait_s"),
                "a max wait needs somewhere to go: add `overflow = \"queue:NAME\"`, \"flow:NAME\" or \"callback\"",
            ),
            (None, Some(overflow)) => check.at(
                overflow.span(),
                format!("{field}.overflow"),
                "an overflow needs the wait after which it happens: add `max_wait_s = SECONDS`",
            ),
            _ => {}
        }
        if let (Some(max_wait), Some(to)) = (max_wait, target) {
            config_queue.overflow = Some(Overflow {
                max_wait_ms: max_wait * 1000,
                to,
            });
        }
        let music = match &queue.music {
            Some(music) if MUSIC_CLASSES.contains(&music.get_ref().as_str()) => {
                music.get_ref().clone()
            }
            Some(music) => {
                check.at(
                    music.span(),
                    format!("{field}.music"),
                    format!(
                        "no music class {:?} (classes: {})",
                        music.get_ref(),
                        MUSIC_CLASSES.join(", ")
                    ),
                );
                MUSIC_CLASSES[0].to_owned()
            }
            None => MUSIC_CLASSES[0].to_owned(),
        };
        files.music.insert(QueueName::from(name.as_str()), music);
        let thresholds = alerts::QueueThresholds {
            waiting: check
                .ranged(
                    queue.alert_waiting.as_ref(),
                    &format!("{field}.alert_waiting"),
                    1..=1000,
                    " calls",
                )
                .map(|n| n as usize),
            longest_wait_ms: check
                .ranged(
                    queue.alert_longest_wait_s.as_ref(),
                    &format!("{field}.alert_longest_wait_s"),
                    1..=86_400,
                    " seconds",
                )
                .map(|s| s * 1000),
        };
        if thresholds != alerts::QueueThresholds::default() {
            files.alerts.queues.insert(name.clone(), thresholds);
        }
        if queue.survey.as_ref().is_some_and(|s| *s.get_ref()) {
            files.survey_queues.insert(QueueName::from(name.as_str()));
        }
        if let Some(number) = &queue.transfer_number {
            let text = number.get_ref();
            let field = format!("{field}.transfer_number");
            if text.is_empty() || text.len() > 8 || !text.chars().all(|c| c.is_ascii_digit()) {
                check.at(
                    number.span(),
                    &field,
                    format!("{text:?} is not a transfer number (1-8 digits)"),
                );
            } else if let Some(other) = files.transfer_numbers.get(text) {
                check.at(
                    number.span(),
                    &field,
                    format!("{text} is queue {other}'s transfer number already"),
                );
            } else {
                files
                    .transfer_numbers
                    .insert(text.clone(), QueueName::from(name.as_str()));
            }
        }
        config.queues.push(config_queue);
    }
    // Overflow cycles between queues: each queue overflows to at most one queue, so
    // follow the chain from each; report a cycle once, at its first queue in file order.
    let order: Vec<String> = config.queues.iter().map(|q| q.name.0.clone()).collect();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    for start in &order {
        let mut chain = vec![start.clone()];
        let mut at = start.clone();
        while let Some((next, _)) = overflow_queues.get(&at) {
            if let Some(index) = chain.iter().position(|q| q == next) {
                let cycle = &chain[index..];
                if cycle.first() == Some(start) && !cycle.iter().any(|q| reported.contains(q)) {
                    reported.extend(cycle.iter().cloned());
                    let (_, span) = &overflow_queues[start];
                    let mut path: Vec<&str> = cycle.iter().map(String::as_str).collect();
                    path.push(start);
                    check.at(
                        span.clone(),
                        format!("queues.{start}.overflow"),
                        format!(
                            "overflow cycle: {} (a call would never leave these queues)",
                            path.join(" → ")
                        ),
                    );
                }
                break;
            }
            chain.push(next.clone());
            at = next.clone();
        }
    }

    if let Some(numbers) = &raw.vip_numbers {
        let mut seen = BTreeSet::new();
        for (index, number) in numbers.iter().enumerate() {
            let text = number.get_ref();
            let digits = text.strip_prefix('+').unwrap_or(text);
            let field = format!("vip_numbers[{index}]");
            if digits.is_empty() || digits.len() > 20 || !digits.chars().all(|c| c.is_ascii_digit())
            {
                check.at(
                    number.span(),
                    field,
                    format!(
                        "{text:?} is not a phone number (digits, at most 20, optionally after a +)"
                    ),
                );
            } else if !seen.insert(text.clone()) {
                check.at(number.span(), field, format!("{text} is listed twice"));
            } else {
                config.vip_numbers.push(text.clone());
            }
        }
    }
    if let Some(boost) = check.ranged(
        raw.vip_boost.as_ref(),
        "vip_boost",
        1..=i64::from(MAX_PRIORITY),
        " priority levels",
    ) {
        config.vip_boost = boost as u8;
    }
    if let Some(reasons) = &raw.not_ready_reasons {
        let mut checked: Vec<String> = Vec::new();
        if reasons.get_ref().is_empty() {
            check.at(
                reasons.span(),
                "not_ready_reasons",
                "lists no reason: leave it out for the defaults (break, lunch, meeting, training)",
            );
        }
        for (index, reason) in reasons.get_ref().iter().enumerate() {
            let text = reason.get_ref();
            let field = format!("not_ready_reasons[{index}]");
            if !plain_name(text) {
                check.at(
                    reason.span(),
                    field,
                    format!("{text:?} is not a reason code ({PLAIN_NAME})"),
                );
            } else if checked.contains(text) {
                check.at(reason.span(), field, format!("{text:?} is listed twice"));
            } else {
                checked.push(text.clone());
            }
        }
        // The core always accepts "missed" (it gives it after missed offers); listed
        // last, as in the core's defaults.
        if !checked.iter().any(|r| r == MISSED) {
            checked.push(MISSED.to_owned());
        }
        config.not_ready_reasons = checked;
    }
    if let Some(s) = check.ranged(
        raw.default_handle_time_s.as_ref(),
        "default_handle_time_s",
        1..=3600,
        " seconds",
    ) {
        config.default_handle_time_ms = s * 1000;
    }
    if let Some(raw_alerts) = &raw.alerts {
        let reasons = config.not_ready_reasons.clone();
        crate::alert_settings::check_alerts(check, raw_alerts, &reasons, &mut files.alerts);
    }
    if let Some(raw_dispositions) = &raw.dispositions {
        files.dispositions = crate::dispositions::check_dispositions(check, raw_dispositions);
    }
}

fn check_agents(
    check: &mut Check,
    raw: AgentsFile,
    queue_names: &BTreeSet<String>,
    queues_file: bool,
    queues_known: bool,
    pins: &mut BTreeMap<AgentId, String>,
) -> Vec<AgentConfig> {
    let mut agents = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (index, agent) in raw.agent.iter().enumerate() {
        let agent = agent.get_ref();
        let field = format!("agent[{index}]");
        let mut ok = true;
        let id = agent.id.get_ref();
        if id.is_empty() || id.len() > 8 || !id.chars().all(|c| c.is_ascii_digit()) {
            check.at(
                agent.id.span(),
                format!("{field}.id"),
                format!("{id:?} is not an agent number (1 to 8 digits)"),
            );
            ok = false;
        } else if let Some(first) = seen.get(id) {
            check.at(
                agent.id.span(),
                format!("{field}.id"),
                format!("agent {id} is already {first}"),
            );
            ok = false;
        } else {
            seen.insert(id.clone(), field.clone());
        }
        let pin = agent.pin.get_ref();
        if !(4..=8).contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
            check.at(
                agent.pin.span(),
                format!("{field}.pin"),
                "a PIN is 4 to 8 digits",
            );
            ok = false;
        }
        let name = match &agent.name {
            Some(name) if name.get_ref().trim().is_empty() => {
                check.at(name.span(), format!("{field}.name"), "the name is empty");
                id.clone()
            }
            Some(name) => name.get_ref().clone(),
            None => format!("agent {id}"),
        };
        let mut queues: Vec<QueueName> = Vec::new();
        for (q, queue) in agent.queues.iter().enumerate() {
            let text = queue.get_ref();
            let queue_field = format!("{field}.queues[{q}]");
            if !queue_names.contains(text) {
                if !queues_known {
                    continue;
                }
                let reason = if queues_file {
                    let known: Vec<&str> = queue_names.iter().map(String::as_str).collect();
                    format!(
                        "no queue named {text:?} in {QUEUES_FILE} (queues: {})",
                        if known.is_empty() {
                            "none".to_owned()
                        } else {
                            known.join(", ")
                        }
                    )
                } else {
                    format!("no queue named {text:?}: there is no {QUEUES_FILE}")
                };
                check.at(queue.span(), queue_field, reason);
            } else if queues.iter().any(|known| known.as_str() == text) {
                check.at(
                    queue.span(),
                    queue_field,
                    format!("queue {text:?} is listed twice"),
                );
            } else {
                queues.push(QueueName::from(text.as_str()));
            }
        }
        let skills = check.skills(&agent.skills, &format!("{field}.skills"));
        if ok {
            pins.insert(AgentId::from(id.as_str()), pin.clone());
            agents.push(AgentConfig {
                id: AgentId::from(id.as_str()),
                name,
                queues,
                skills,
            });
        }
    }
    agents
}
