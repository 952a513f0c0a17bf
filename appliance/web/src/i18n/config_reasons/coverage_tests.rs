//! Every reason the real checks give has a Chinese rendering that keeps its values: the
//! broken example configurations and one-line mutations of the demo configuration, each
//! checked exactly as the keeper checks a technician's candidate (`check_files`, which
//! is `appliance check-config`'s `Config::load`).

use super::chinese;
use config_store::{check_files, ConfigFiles, FieldError};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One change to the demo configuration.
enum Change {
    /// In `file`, the first `from` becomes `to` (one line, or a line split in two).
    Line(&'static str, &'static str, &'static str),
    /// A file added (or replaced) whole.
    AddFile(&'static str, &'static str),
    RemoveFile(&'static str),
}

use Change::{AddFile, Line, RemoveFile};

const MUTATIONS: &[Change] = &[
    // system.toml
    Line(
        "system.toml",
        r#"tone_plan = "etsi""#,
        r#"tone_plan = "mars""#,
    ),
    Line(
        "system.toml",
        r#"web_listen = "127.0.0.1:8080""#,
        r#"web_listen = "localhost""#,
    ),
    Line(
        "system.toml",
        r#"web_listen = "127.0.0.1:8080""#,
        "web_listen = \"0.0.0.0:8443\"\nweb_plain_http = true",
    ),
    Line(
        "system.toml",
        r#"log_level = "info""#,
        r#"log_level = "loud""#,
    ),
    Line(
        "system.toml",
        r#"log_level = "info""#,
        "log_level = \"info\"\nweb_session_idle_minutes = 0",
    ),
    Line(
        "system.toml",
        r#"log_level = "info""#,
        "log_level = \"info\"\nlookup_ca_file = \"missing-ca.pem\"",
    ),
    Line("system.toml", r#"clock = "realtime""#, "clock = 5"),
    Line(
        "system.toml",
        r#"clock = "realtime""#,
        "clock = [\"realtime\"]",
    ),
    Line(
        "system.toml",
        r#"name = "demo box""#,
        r#"nmae = "demo box""#,
    ),
    Line("system.toml", "[system]", "[system"),
    Line("system.toml", r#"name = "demo box""#, r#"name = "demo box"#),
    Line(
        "system.toml",
        r#"clock = "realtime""#,
        "clock = \"realtime\"\nclock = \"lockstep\"",
    ),
    Line("system.toml", r#"clock = "realtime""#, "clock = "),
    Line("system.toml", r#"clock = "realtime""#, "clock realtime"),
    // lines.toml
    Line("lines.toml", "id = 7", "id = 0"),
    Line("lines.toml", "id = 7", "id = 70000"),
    Line("lines.toml", "id = 2", "id = 1"),
    Line("lines.toml", "id = 3", "id = \"three\""),
    Line("lines.toml", r#"extension = "202""#, r#"extension = "201""#),
    Line("lines.toml", r#"extension = "203""#, r#"extension = "2x3""#),
    Line("lines.toml", r#"extension = "204""#, r#"extension = """#),
    Line(
        "lines.toml",
        r#"extension = "204""#,
        r#"extension = "123456789012345678901234567890123""#,
    ),
    Line("lines.toml", r#"extension = "204""#, ""),
    Line(
        "lines.toml",
        r#"channels = "1-15,17-31""#,
        r#"channels = "1-15,16""#,
    ),
    Line(
        "lines.toml",
        r#"channels = "1-15,17-31""#,
        r#"channels = "15-1""#,
    ),
    Line(
        "lines.toml",
        r#"channels = "1-15,17-31""#,
        r#"channels = "a-b""#,
    ),
    Line(
        "lines.toml",
        r#"signalling = "pri-cpe""#,
        r#"signalling = "isdn""#,
    ),
    Line("lines.toml", r#"kind = "e1""#, r#"kind = "t1""#),
    Line("lines.toml", r#"switch = "etsi""#, r#"switch = "ni2""#),
    Line(
        "lines.toml",
        r#"switch = "etsi""#,
        "switch = \"etsi\"\nnational_prefix = \"0x\"",
    ),
    Line(
        "lines.toml",
        r#"caller_id = "etsi-fsk""#,
        r#"caller_id = "fsk""#,
    ),
    Line(
        "lines.toml",
        r#"caller_id = "etsi-fsk""#,
        "caller_id = \"etsi-fsk\"\ndisconnect = { battery = false }",
    ),
    Line(
        "lines.toml",
        r#"name = "Agent 201""#,
        "name = \"Agent 201\"\ncaller_id = \"fsk\"",
    ),
    Line("lines.toml", "[[fxs]]", "[[fxz]]"),
    // routes.toml
    Line("routes.toml", "ring_timeout_s = 30", "ring_timeout_s = 2"),
    Line(
        "routes.toml",
        r#"greeting = "builtin:greeting""#,
        r#"greeting = "builtin:hello""#,
    ),
    Line(
        "routes.toml",
        r#"greeting = "builtin:greeting""#,
        r#"greeting = "prompts/missing.wav""#,
    ),
    Line(
        "routes.toml",
        r#"destination = "201""#,
        r#"destination = "299""#,
    ),
    Line("routes.toml", "lines = [1]", "lines = [3]"),
    Line("routes.toml", "lines = [1]", "lines = [9]"),
    Line("routes.toml", "lines = [1]", "lines = []"),
    Line("routes.toml", "lines = [1]", "lines = [-1]"),
    Line(
        "routes.toml",
        r#"destination = "flow:hotline""#,
        r#"destination = "flow:nowhere""#,
    ),
    Line("routes.toml", r#"prefix = "9""#, r#"prefix = "9a""#),
    Line("routes.toml", "strip = 1", "strip = 5"),
    Line("routes.toml", r#"called = "95598""#, r#"called = "955+98""#),
    // schedules.toml
    Line(
        "schedules.toml",
        r#"weekly = ["mon-sun 00:00-24:00"]"#,
        r#"weekly = ["moon 08:00-20:00"]"#,
    ),
    Line(
        "schedules.toml",
        r#"weekly = ["mon-sun 00:00-24:00"]"#,
        r#"weekly = ["mon-sun 25:00-26:00"]"#,
    ),
    Line(
        "schedules.toml",
        r#"weekly = ["mon-sun 00:00-24:00"]"#,
        r#"weekly = ["mon-sun 0800-2000"]"#,
    ),
    Line(
        "schedules.toml",
        r#"weekly = ["mon-sun 00:00-24:00"]"#,
        r#"weekly = ["mon-sun 08:00-08:00"]"#,
    ),
    Line(
        "schedules.toml",
        r#"weekly = ["mon-sun 00:00-24:00"]"#,
        r#"weekly = ["mon-sun"]"#,
    ),
    Line(
        "schedules.toml",
        r#"weekly = ["mon-sun 00:00-24:00"]"#,
        r#"weekly = ["2026-10-01"]"#,
    ),
    Line(
        "schedules.toml",
        r#"utc_offset = "+08:00""#,
        r#"utc_offset = "+15:00""#,
    ),
    Line(
        "schedules.toml",
        r#"utc_offset = "+08:00""#,
        "utc_offset = \"+08:00\"\nholidays = [\"2026-02-30\"]",
    ),
    Line(
        "schedules.toml",
        r#"utc_offset = "+08:00""#,
        "utc_offset = \"+08:00\"\nholidays = [\"2026-10-01 20:00-02:00\"]",
    ),
    Line(
        "schedules.toml",
        r#"utc_offset = "+08:00""#,
        "utc_offset = \"+08:00\"\nholidays = [\"2026-10-01\", \"2026-10-01\"]",
    ),
    Line(
        "schedules.toml",
        r#"utc_offset = "+08:00""#,
        r#"utc = "+08:00""#,
    ),
    // prompts.toml
    Line("prompts.toml", r#"en = "Your balance is""#, r#"en = """#),
    Line(
        "prompts.toml",
        "[prompts.goodbye]",
        r#"[prompts."../goodbye"]"#,
    ),
    Line("prompts.toml", r#"en = "For English, press 2.""#, ""),
    Line(
        "prompts.toml",
        r#"en = "For English, press 2.""#,
        r#"fr = "For English, press 2.""#,
    ),
    // recording.toml
    Line(
        "recording.toml",
        r#"default = "never""#,
        r#"default = "sometimes""#,
    ),
    Line(
        "recording.toml",
        r#"default = "never""#,
        "default = \"never\"\ndirectory = \"recordings\"",
    ),
    Line("recording.toml", "[trunks.7]", "[trunks.8]"),
    Line("recording.toml", "[queues.billing]", "[queues.sales]"),
    Line("recording.toml", "[agents.204]", "[agents.299]"),
    Line(
        "recording.toml",
        "retention_days = 30",
        "retention_days = 0",
    ),
    Line(
        "recording.toml",
        "min_free_percent = 5",
        "min_free_percent = 150",
    ),
    // queues.toml
    Line(
        "queues.toml",
        r#"strategy = "skills-based""#,
        r#"strategy = "fastest""#,
    ),
    Line(
        "queues.toml",
        "skills = { billing = 5 }",
        "skills = { billing = 11 }",
    ),
    Line(
        "queues.toml",
        "skills = { billing = 5 }",
        "skills = { Billing = 5 }",
    ),
    Line(
        "queues.toml",
        "widen = [{ after_s = 60, drop = 2 }, { after_s = 120, drop = 4 }]",
        "widen = [{ after_s = 120, drop = 2 }, { after_s = 60, drop = 4 }]",
    ),
    Line(
        "queues.toml",
        "widen = [{ after_s = 60, drop = 2 }, { after_s = 120, drop = 4 }]",
        "widen = [{ after_s = 60, drop = 20 }]",
    ),
    Line("queues.toml", "ring_timeout_s = 15", "ring_timeout_s = 1"),
    Line("queues.toml", "max_missed = 2", "max_missed = 200"),
    Line(
        "queues.toml",
        r#"overflow = "queue:general""#,
        r#"overflow = "queue:billing""#,
    ),
    Line(
        "queues.toml",
        r#"overflow = "queue:general""#,
        r#"overflow = "queue:sales""#,
    ),
    Line(
        "queues.toml",
        r#"overflow = "queue:general""#,
        r#"overflow = "elsewhere""#,
    ),
    Line(
        "queues.toml",
        r#"overflow = "queue:general""#,
        r#"overflow = "flow:nowhere""#,
    ),
    Line(
        "queues.toml",
        r#"overflow = "callback""#,
        r#"overflow = "queue:billing""#,
    ),
    Line("queues.toml", "max_wait_s = 120", ""),
    Line("queues.toml", "max_wait_s = 300", "alert_waiting = 2"),
    Line("queues.toml", r#"music = "default""#, r#"music = "jazz""#),
    Line(
        "queues.toml",
        r#"transfer_number = "600""#,
        r#"transfer_number = "6x""#,
    ),
    Line(
        "queues.toml",
        r#"transfer_number = "601""#,
        r#"transfer_number = "600""#,
    ),
    Line(
        "queues.toml",
        r#"vip_numbers = ["0209999"]"#,
        r#"vip_numbers = ["02-9999"]"#,
    ),
    Line(
        "queues.toml",
        r#"vip_numbers = ["0209999"]"#,
        r#"vip_numbers = ["0209999", "0209999"]"#,
    ),
    Line("queues.toml", "vip_boost = 5", "vip_boost = 50"),
    Line(
        "queues.toml",
        r#"not_ready_reasons = ["break", "lunch", "meeting", "training"]"#,
        "not_ready_reasons = []",
    ),
    Line(
        "queues.toml",
        r#"not_ready_reasons = ["break", "lunch", "meeting", "training"]"#,
        r#"not_ready_reasons = ["break", "Lunch!"]"#,
    ),
    Line(
        "queues.toml",
        r#"not_ready_reasons = ["break", "lunch", "meeting", "training"]"#,
        r#"not_ready_reasons = ["break", "break", "lunch"]"#,
    ),
    Line(
        "queues.toml",
        "default_handle_time_s = 180",
        "default_handle_time_s = 0",
    ),
    Line(
        "queues.toml",
        "not_ready_limit_min = 15",
        "not_ready_limit_min = 0",
    ),
    Line("queues.toml", "factor = 3.0", "factor = 500.0"),
    Line("queues.toml", "min_calls = 6", "min_calls = 0"),
    Line(
        "queues.toml",
        "area_code_digits = 3",
        "area_code_digits = 99",
    ),
    Line(
        "queues.toml",
        r#"resolved = { en = "Resolved", zh = "已解决" }"#,
        r#"resolved = { en = "", zh = "已解决" }"#,
    ),
    Line(
        "queues.toml",
        r#"resolved = { en = "Resolved", zh = "已解决" }"#,
        r#"resolved = { en = "Resolved and closed with every question of the caller answered in full" }"#,
    ),
    Line(
        "queues.toml",
        r#"resolved = { en = "Resolved", zh = "已解决" }"#,
        r#""Re solved" = { en = "Resolved" }"#,
    ),
    Line(
        "queues.toml",
        r#"when_no_agents = { join = "join", leave = "stay" }"#,
        r#"when_no_agents = { join = "maybe", leave = "stay" }"#,
    ),
    Line(
        "queues.toml",
        "announce_every_s = 60",
        r#"announce_every_s = "often""#,
    ),
    Line("queues.toml", "[queues.billing]", "[queues.Billing]"),
    Line("queues.toml", "survey = true", "surveys = true"),
    Line("queues.toml", "[queues.general]", "[queues.billing]"),
    // agents.toml
    Line("agents.toml", r#"id = "201""#, r#"id = "20a""#),
    Line("agents.toml", r#"id = "202""#, r#"id = "201""#),
    Line("agents.toml", r#"pin = "2011""#, r#"pin = "12""#),
    Line("agents.toml", r#"pin = "2011""#, ""),
    Line("agents.toml", r#"name = "Li Wei""#, r#"name = " ""#),
    Line(
        "agents.toml",
        r#"queues = ["billing", "general", "agents"]"#,
        r#"queues = ["billing", "sales", "agents"]"#,
    ),
    Line(
        "agents.toml",
        r#"queues = ["billing", "general", "agents"]"#,
        r#"queues = ["billing", "billing"]"#,
    ),
    Line(
        "agents.toml",
        "skills = { billing = 9, english = 7, mandarin = 10 }",
        "skills = { billing = 0, english = 7, mandarin = 10 }",
    ),
    // flows/hotline.toml
    Line(
        "flows/hotline.toml",
        r#"entry = "hours""#,
        r#"entry = "start""#,
    ),
    Line(
        "flows/hotline.toml",
        r#"open = "welcome""#,
        r#"open = "welcom""#,
    ),
    Line(
        "flows/hotline.toml",
        r#"prompt = "closed""#,
        r#"prompt = "closd""#,
    ),
    Line(
        "flows/hotline.toml",
        r#"schedule = "hotline-hours""#,
        r#"schedule = "office""#,
    ),
    Line(
        "flows/hotline.toml",
        r#"choices = { "1" = "zh", "2" = "en" }"#,
        r#"choices = { "1" = "zh", "2" = "fr" }"#,
    ),
    Line(
        "flows/hotline.toml",
        r#"choices = { "1" = "zh", "2" = "en" }"#,
        "choices = {}",
    ),
    Line(
        "flows/hotline.toml",
        r#"choices = { "1" = "billing","#,
        r#"choices = { "x" = "billing","#,
    ),
    Line(
        "flows/hotline.toml",
        r#"choices = { "1" = "billing","#,
        r#"choices = { "1" = "billing", "1" = "outage","#,
    ),
    Line("flows/hotline.toml", "min = 6", "min = 12"),
    Line("flows/hotline.toml", "max = 10", "max = 0"),
    Line("flows/hotline.toml", "timeout_s = 8", "timeout_s = 0"),
    Line(
        "flows/hotline.toml",
        r##"terminator = "#""##,
        r#"terminator = "x""#,
    ),
    Line(
        "flows/hotline.toml",
        r#"into = "account""#,
        r#"into = "my account""#,
    ),
    Line(
        "flows/hotline.toml",
        "url = \"http://127.0.0.1:8090/balance?account=${account}&caller=${caller}\"",
        r#"url = "ftp://127.0.0.1/balance""#,
    ),
    Line(
        "flows/hotline.toml",
        "url = \"http://127.0.0.1:8090/balance?account=${account}&caller=${caller}\"",
        "url = \"http://${account}/balance\"",
    ),
    Line(
        "flows/hotline.toml",
        "url = \"http://127.0.0.1:8090/balance?account=${account}&caller=${caller}\"",
        "url = \"http://127.0.0.1:8090/balance?account=${account\"",
    ),
    Line(
        "flows/hotline.toml",
        "url = \"http://127.0.0.1:8090/balance?account=${account}&caller=${caller}\"",
        "url = \"http://127.0.0.1:8090/balance?account=${1x}\"",
    ),
    Line(
        "flows/hotline.toml",
        r#"fields = { balance = "account.balance" }"#,
        r#"fields = { balance = "account..balance" }"#,
    ),
    Line(
        "flows/hotline.toml",
        r#"fields = { balance = "account.balance" }"#,
        r#"fields = { "1balance" = "account.balance" }"#,
    ),
    Line(
        "flows/hotline.toml",
        "value = \"${balance}\"",
        r#"value = "twelve""#,
    ),
    Line(
        "flows/hotline.toml",
        r#"what = "money""#,
        r#"what = "weather""#,
    ),
    Line(
        "flows/hotline.toml",
        "value = \"${balance}\"",
        "value = \"${balanse}\"",
    ),
    Line(
        "flows/hotline.toml",
        r#"mailbox = "204""#,
        r#"mailbox = "209""#,
    ),
    Line(
        "flows/hotline.toml",
        r#"mailbox = "204""#,
        r#"mailbox = "20x""#,
    ),
    Line(
        "flows/hotline.toml",
        "max_length_s = 120",
        "max_length_s = 9999",
    ),
    Line("flows/hotline.toml", "priority = 5", "priority = 12"),
    Line(
        "flows/hotline.toml",
        "skills = { mandarin = 6 }",
        "skills = { mandarin = 60 }",
    ),
    Line("flows/hotline.toml", "cause = 16", "cause = 300"),
    Line("flows/hotline.toml", r#"to = "204""#, r#"to = "2o4""#),
    Line(
        "flows/hotline.toml",
        r#"type = "hangup""#,
        r#"type = "explode""#,
    ),
    Line("flows/hotline.toml", "barge_in = true", "barge_inn = true"),
    Line(
        "flows/hotline.toml",
        r#"open = "welcome""#,
        "open = \"welcome\"\ntimeout_s = 4",
    ),
    Line("flows/hotline.toml", r#"value = "general""#, "value = [1]"),
    Line(
        "flows/hotline.toml",
        r#"variable = "topic""#,
        "variable = \"${topic}\"",
    ),
    Line("flows/hotline.toml", r#"next = "bye""#, ""),
    Line(
        "flows/hotline.toml",
        r#"prompt = "closed""#,
        "prompt = \"closed\"\ntext = \"We are closed.\"",
    ),
    Line(
        "flows/hotline.toml",
        r#"prompt = "closed""#,
        "prompt = \"closed\"\nlanguage = \"en\"",
    ),
    Line("flows/hotline.toml", r#"prompt = "closed""#, ""),
    Line(
        "flows/hotline.toml",
        r#"next = "queue""#,
        r#"next = "agent""#,
    ),
    Line(
        "flows/hotline.toml",
        r#"name = "hotline""#,
        r#"name = "hotline"x"#,
    ),
    Line("flows/hotline.toml", "[nodes.bye]", "[nodes.hours]"),
    Line("flows/hotline.toml", r#"name = "hotline""#, ""),
    Line(
        "flows/hotline.toml",
        r#"queue = "agents""#,
        r#"queue = "sales""#,
    ),
    AddFile(
        "flows/copy.toml",
        "name = \"hotline\"\nentry = \"bye\"\n[nodes.bye]\ntype = \"hangup\"\n",
    ),
    AddFile(
        "flows/ring.toml",
        "name = \"ring\"\nentry = \"q\"\n[nodes.q]\ntype = \"queue\"\nqueue = \"sales\"\n",
    ),
    AddFile("../outside.toml", "name = \"x\"\n"),
    RemoveFile("lines.toml"),
    RemoveFile("queues.toml"),
];

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read_configuration(dir: &Path) -> ConfigFiles {
    config_store::files::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

fn errors_of(files: &ConfigFiles, scratch: &Path) -> Vec<FieldError> {
    match check_files(files, scratch) {
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    }
}

fn mutated(demo: &ConfigFiles, change: &Change) -> ConfigFiles {
    let mut files = demo.clone();
    match change {
        Line(file, from, to) => {
            let text = String::from_utf8(files[*file].clone()).expect("the demo is UTF-8");
            assert!(text.contains(from), "{file} has no {from:?}");
            files.insert((*file).to_owned(), text.replacen(from, to, 1).into_bytes());
        }
        AddFile(file, text) => {
            files.insert((*file).to_owned(), text.as_bytes().to_vec());
        }
        RemoveFile(file) => {
            files.remove(*file);
        }
    }
    files
}

/// The values a reason quotes (`"x"`, `` `x` ``, read left to right so one kind of quote
/// may hold the other) and its numbers: the Chinese text must show each as written.
fn values_in(reason: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut chars = reason.chars();
    while let Some(c) = chars.next() {
        if c != '"' && c != '`' {
            continue;
        }
        let mut value = String::new();
        let mut escaped = false;
        for inner in chars.by_ref() {
            if inner == c && !escaped {
                break;
            }
            escaped = c == '"' && inner == '\\' && !escaped;
            value.push(inner);
        }
        if !value.is_empty() {
            values.push(value);
        }
    }
    values.extend(
        reason
            .split(|c: char| !c.is_ascii_digit())
            .filter(|digits| !digits.is_empty())
            .map(str::to_owned),
    );
    values
}

fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn every_reason_of_the_real_checks_has_a_chinese_text_that_keeps_its_values() {
    let scratch_root = tempfile::tempdir().expect("a scratch directory");
    let scratch = scratch_root.path().join("check");
    let mut reasons: BTreeSet<String> = BTreeSet::new();

    let broken = repository().join("config/examples/broken");
    let found = errors_of(&read_configuration(&broken), &scratch);
    assert!(!found.is_empty(), "the broken example has errors");
    reasons.extend(found.into_iter().map(|e| e.message));

    let demo = read_configuration(&repository().join("config/demo"));
    let clean = errors_of(&demo, &scratch);
    assert!(
        clean.is_empty(),
        "the demo configuration is clean: {clean:?}"
    );
    for change in MUTATIONS {
        let found = errors_of(&mutated(&demo, change), &scratch);
        let label = match change {
            Line(file, _, to) => format!("{file}: {to:?}"),
            AddFile(file, _) => format!("added {file}"),
            RemoveFile(file) => format!("removed {file}"),
        };
        assert!(!found.is_empty(), "{label} is refused");
        reasons.extend(found.into_iter().map(|e| e.message));
    }

    // CONFIG_REASONS_DUMP=FILE lists every reason with its rendering, for review.
    if let Ok(dump) = std::env::var("CONFIG_REASONS_DUMP") {
        let text: String = reasons
            .iter()
            .map(|r| format!("{r:?}\n  {:?}\n", chinese(r)))
            .collect();
        std::fs::write(dump, text).expect("dump written");
    }
    assert!(
        reasons.len() >= 40,
        "only {} different reasons",
        reasons.len()
    );
    let mut failures = Vec::new();
    for reason in &reasons {
        match chinese(reason) {
            None => failures.push(format!("no translation: {reason:?}")),
            Some(zh) if !has_chinese(&zh) => failures.push(format!("not Chinese: {zh:?}")),
            Some(zh) => {
                for value in values_in(reason) {
                    if !zh.contains(&value) {
                        failures.push(format!("{value:?} lost: {reason:?} → {zh:?}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
