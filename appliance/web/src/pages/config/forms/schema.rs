//! What the configuration forms know about each file beyond what is written in it: the
//! collections one may add to (`[[span]]`, `[queues.NAME]`, `[nodes.NAME]`), each
//! setting's kind (so a number gets a number field and a strategy a list of the
//! strategies the checks accept) and the settings offered before they are written.
//! Settings not described here are still shown, with a kind taken from their value.

use crate::i18n::Msg;
use box_config::choices;

/// How a setting is edited and written back.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Text,
    Integer,
    Decimal,
    /// Yes, no, or left out (the default).
    Bool,
    /// One of these names, or left out.
    Choice(Vec<&'static str>),
    /// Comma-separated texts, written as an array of strings.
    TextList,
    /// Comma-separated whole numbers, written as an array of integers.
    IntegerList,
    /// Any TOML value as written (`{ billing = 5 }`, `[{ after_s = 60, drop = 2 }]`).
    Literal,
}

/// A group of entries one may add to and remove from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Collection {
    /// The array of tables (`span`) or the table holding named tables (`queues`).
    pub key: &'static str,
    pub named: bool,
    pub title: Msg,
    /// The setting a new entry gets the next free whole number in (`id`).
    pub numbered_by: Option<&'static str>,
}

/// One file's description.
pub struct FileSchema {
    pub collections: Vec<Collection>,
    /// Entry pattern (`""` for the top level, `span[]`, `queues.*`, `alerts.surge`) and
    /// the settings offered there, in order.
    pub settings: Vec<(&'static str, Vec<(&'static str, Kind)>)>,
}

fn choice<T>(table: &[(&'static str, T)]) -> Kind {
    Kind::Choice(choices::names(table))
}

fn text(keys: &[&'static str]) -> Vec<(&'static str, Kind)> {
    keys.iter().map(|key| (*key, Kind::Text)).collect()
}

impl FileSchema {
    /// What is known about `file`; an unknown file gets an empty description (its
    /// settings are still shown and edited by their written kind).
    pub fn of(file: &str) -> FileSchema {
        if file.starts_with("flows/") {
            return flow();
        }
        match file {
            "system.toml" => system(),
            "lines.toml" => lines(),
            "routes.toml" => routes(),
            "queues.toml" => queues(),
            "agents.toml" => agents(),
            "recording.toml" => recording(),
            "schedules.toml" => named_only(
                "schedules",
                Msg::FormSchedules,
                "schedules.*",
                vec![
                    ("weekly", Kind::TextList),
                    ("holidays", Kind::TextList),
                    ("utc_offset", Kind::Text),
                ],
            ),
            "prompts.toml" => named_only(
                "prompts",
                Msg::FormPrompts,
                "prompts.*",
                text(&["en", "zh"]),
            ),
            _ => FileSchema {
                collections: Vec::new(),
                settings: Vec::new(),
            },
        }
    }

    /// The settings offered in an entry of this pattern.
    pub fn settings_of(&self, pattern: &str) -> &[(&'static str, Kind)] {
        self.settings
            .iter()
            .find(|(at, _)| *at == pattern)
            .map_or(&[], |(_, settings)| settings.as_slice())
    }

    pub fn named_collection(&self, key: &str) -> Option<&Collection> {
        self.collections
            .iter()
            .find(|collection| collection.named && collection.key == key)
    }
}

fn system() -> FileSchema {
    FileSchema {
        collections: Vec::new(),
        settings: vec![(
            "system",
            vec![
                ("name", Kind::Text),
                ("tone_plan", choice(choices::TONE_PLANS)),
                ("clock", choice(choices::CLOCKS)),
                ("log_level", Kind::Choice(choices::LOG_LEVELS.to_vec())),
                ("web_listen", Kind::Text),
                ("web_plain_http", Kind::Bool),
                ("web_session_idle_minutes", Kind::Integer),
                ("device_dir", Kind::Text),
                ("sounds_dir", Kind::Text),
                ("music_dir", Kind::Text),
                ("lookup_ca_file", Kind::Text),
            ],
        )],
    }
}

fn lines() -> FileSchema {
    FileSchema {
        collections: vec![
            Collection {
                key: "span",
                named: false,
                title: Msg::FormSpans,
                numbered_by: Some("id"),
            },
            Collection {
                key: "fxo",
                named: false,
                title: Msg::FormFxoPorts,
                numbered_by: Some("id"),
            },
            Collection {
                key: "fxs",
                named: false,
                title: Msg::FormFxsPorts,
                numbered_by: Some("id"),
            },
        ],
        settings: vec![
            (
                "span[]",
                vec![
                    ("id", Kind::Integer),
                    ("name", Kind::Text),
                    ("kind", choice(choices::SPAN_KINDS)),
                    ("signalling", choice(choices::SPAN_SIGNALLING)),
                    ("switch", choice(choices::PRI_SWITCHES)),
                    ("channels", Kind::Text),
                    ("overlap", Kind::Bool),
                    ("national_prefix", Kind::Text),
                    ("international_prefix", Kind::Text),
                ],
            ),
            (
                "fxo[]",
                vec![
                    ("id", Kind::Integer),
                    ("name", Kind::Text),
                    ("number", Kind::Text),
                    ("caller_id", choice(choices::FXO_CALLER_ID)),
                    ("disconnect", Kind::Literal),
                ],
            ),
            (
                "fxs[]",
                vec![
                    ("id", Kind::Integer),
                    ("name", Kind::Text),
                    ("extension", Kind::Text),
                    ("caller_id", choice(choices::FXS_CALLER_ID)),
                    ("display_name", Kind::Text),
                ],
            ),
        ],
    }
}

fn routes() -> FileSchema {
    FileSchema {
        collections: vec![
            Collection {
                key: "inbound",
                named: false,
                title: Msg::FormInbound,
                numbered_by: None,
            },
            Collection {
                key: "outbound",
                named: false,
                title: Msg::FormOutbound,
                numbered_by: None,
            },
        ],
        settings: vec![
            (
                "",
                vec![("greeting", Kind::Text), ("ring_timeout_s", Kind::Integer)],
            ),
            (
                "inbound[]",
                vec![
                    ("lines", Kind::IntegerList),
                    ("called", Kind::Text),
                    ("destination", Kind::Text),
                ],
            ),
            (
                "outbound[]",
                vec![
                    ("prefix", Kind::Text),
                    ("strip", Kind::Integer),
                    ("lines", Kind::IntegerList),
                ],
            ),
        ],
    }
}

fn queues() -> FileSchema {
    let mut queue = vec![("strategy", choice(choices::QUEUE_STRATEGIES))];
    queue.extend([
        ("skills", Kind::Literal),
        ("widen", Kind::Literal),
        ("ring_timeout_s", Kind::Integer),
        ("max_missed", Kind::Integer),
        ("wrap_up_s", Kind::Integer),
        ("max_wait_s", Kind::Integer),
        ("overflow", Kind::Text),
        ("service_level_s", Kind::Integer),
        ("announce_every_s", Kind::Integer),
        ("when_no_agents", Kind::Literal),
        ("music", Kind::Choice(box_config::MUSIC_CLASSES.to_vec())),
        ("alert_waiting", Kind::Integer),
        ("alert_longest_wait_s", Kind::Integer),
        ("survey", Kind::Bool),
        ("transfer_number", Kind::Text),
    ]);
    FileSchema {
        collections: vec![Collection {
            key: "queues",
            named: true,
            title: Msg::FormQueues,
            numbered_by: None,
        }],
        settings: vec![
            (
                "",
                vec![
                    ("vip_numbers", Kind::TextList),
                    ("vip_boost", Kind::Integer),
                    ("not_ready_reasons", Kind::TextList),
                    ("default_handle_time_s", Kind::Integer),
                ],
            ),
            ("queues.*", queue),
            (
                "alerts",
                vec![
                    ("not_ready_limit_min", Kind::Integer),
                    ("not_ready_limits_min", Kind::Literal),
                ],
            ),
            (
                "alerts.surge",
                vec![
                    ("window_min", Kind::Integer),
                    ("baseline_min", Kind::Integer),
                    ("factor", Kind::Decimal),
                    ("min_calls", Kind::Integer),
                    ("area_code_digits", Kind::Integer),
                ],
            ),
        ],
    }
}

/// A file of named tables only (`[schedules.NAME]`, `[prompts.NAME]`).
fn named_only(
    key: &'static str,
    title: Msg,
    pattern: &'static str,
    settings: Vec<(&'static str, Kind)>,
) -> FileSchema {
    FileSchema {
        collections: vec![Collection {
            key,
            named: true,
            title,
            numbered_by: None,
        }],
        settings: vec![(pattern, settings)],
    }
}

fn recording() -> FileSchema {
    let rule = || vec![("record", Kind::Text), ("retention_days", Kind::Integer)];
    let collection = |key, title| Collection {
        key,
        named: true,
        title,
        numbered_by: None,
    };
    FileSchema {
        collections: vec![
            collection("trunks", Msg::FormRecordTrunks),
            collection("queues", Msg::FormRecordQueues),
            collection("extensions", Msg::FormRecordExtensions),
            collection("agents", Msg::FormRecordAgents),
        ],
        settings: vec![
            (
                "",
                vec![
                    ("default", Kind::Text),
                    ("retention_days", Kind::Integer),
                    ("min_free_percent", Kind::Integer),
                    ("max_disk_percent", Kind::Integer),
                    ("directory", Kind::Text),
                ],
            ),
            ("trunks.*", rule()),
            ("queues.*", rule()),
            ("extensions.*", rule()),
            ("agents.*", rule()),
        ],
    }
}

fn agents() -> FileSchema {
    let mut agent = text(&["id", "name", "pin"]);
    agent.extend([("queues", Kind::TextList), ("skills", Kind::Literal)]);
    FileSchema {
        collections: vec![Collection {
            key: "agent",
            named: false,
            title: Msg::FormAgents,
            numbered_by: None,
        }],
        settings: vec![("agent[]", agent)],
    }
}

/// The kind of an IVR node setting, by its name.
pub fn node_setting_kind(key: &str) -> Kind {
    match key {
        "type" => Kind::Choice(ivr::flow::node_types().map(|(name, _)| name).collect()),
        "timeout_s" | "max_retries" | "min" | "max" | "timeout_ms" | "priority" | "cause"
        | "max_length_s" => Kind::Integer,
        "barge_in" => Kind::Bool,
        "language" => Kind::Choice(vec!["en", "zh"]),
        "what" => Kind::Choice(vec!["number", "digits", "date", "time", "money"]),
        "extensions" => Kind::TextList,
        "choices" | "cases" | "fields" | "skills" | "value" => Kind::Literal,
        _ => Kind::Text,
    }
}

/// The settings a node of type `kind` may have, `type` first.
pub fn node_settings(kind: &str) -> Vec<(&'static str, Kind)> {
    let mut settings = vec![("type", node_setting_kind("type"))];
    if let Some((_, names)) = ivr::flow::node_types().find(|(name, _)| *name == kind) {
        settings.extend(names.iter().map(|name| (*name, node_setting_kind(name))));
    }
    settings
}

fn flow() -> FileSchema {
    FileSchema {
        collections: vec![Collection {
            key: "nodes",
            named: true,
            title: Msg::FlowNodes,
            numbered_by: None,
        }],
        settings: vec![(
            "",
            vec![
                ("name", Kind::Text),
                ("entry", Kind::Text),
                ("language", Kind::Choice(vec!["en", "zh"])),
            ],
        )],
    }
}
