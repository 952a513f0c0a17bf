//! The IVR interpreter driven by scripts of inputs at given engine times; every action
//! (and, where it matters, every log event) asserted exactly.

use std::collections::HashMap;
use std::sync::Arc;

use ivr::flow::{Flow, Language, EXAMPLE};
use ivr::say;
use ivr::schedule::{days_from_civil, Schedule};
use ivr::session::{
    Abort, Action, Event, IvrSession, LookupFailed, Setup, ABORT_CAUSE, SPIN_LIMIT,
};
use proptest::prelude::*;

/// Parses and validates (every prompt and schedule counts as known).
fn flow(text: &str) -> Arc<Flow> {
    let flow = match Flow::load(text, "flows/test.toml", &|_| true, &|_| true) {
        Ok(flow) => flow,
        Err(errors) => panic!("{errors}"),
    };
    Arc::new(flow)
}

fn setup() -> Setup {
    Setup {
        variables: vec![
            ("caller".to_owned(), "13800138000".to_owned()),
            ("called".to_owned(), "95598".to_owned()),
        ],
        ..Setup::default()
    }
}

fn actions(session: &mut IvrSession) -> Vec<Action> {
    std::iter::from_fn(|| session.poll_action()).collect()
}

fn events(session: &mut IvrSession) -> Vec<Event> {
    std::iter::from_fn(|| session.poll_event()).collect()
}

fn play(prompts: &[&str], language: Language, id: u32, barge_in: bool) -> Action {
    Action::Play {
        prompts: prompts.iter().map(|p| (*p).to_owned()).collect(),
        language,
        id,
        barge_in,
    }
}

fn entered(node: &str) -> Event {
    Event::NodeEntered {
        node: node.to_owned(),
    }
}

fn collected(node: &str, digits: &str) -> Event {
    Event::DigitsCollected {
        node: node.to_owned(),
        digits: digits.to_owned(),
    }
}

fn set(name: &str, value: &str) -> Event {
    Event::VariableSet {
        name: name.to_owned(),
        value: value.to_owned(),
    }
}

fn fragments(list: Vec<say::Fragment>) -> Vec<String> {
    list.iter().map(|f| f.as_str().to_owned()).collect()
}

const MENU: &str = r##"
name = "menu"
entry = "main"

[nodes.main]
type = "menu"
prompt = "p-menu"
choices = { "1" = "one" }
timeout_s = 5
invalid_prompt = "p-invalid"
timeout_prompt = "p-timeout"
max_retries = 2
on_failure = "failed"

[nodes.one]
type = "hangup"
cause = 16

[nodes.failed]
type = "hangup"
cause = 17
"##;

#[test]
fn menu_invalid_entry_then_timeout_then_success() {
    let mut s = IvrSession::new(flow(MENU), setup(), 0);
    assert_eq!(actions(&mut s), [play(&["p-menu"], Language::En, 1, true)]);
    assert_eq!(events(&mut s), [entered("main")]);
    // The wait starts when the prompt ends.
    assert_eq!(s.poll_timeout(), None);
    s.handle_playback_done(3000, 1);
    assert_eq!(s.poll_timeout(), Some(8000));

    s.handle_digit(4000, '7');
    assert_eq!(
        actions(&mut s),
        [play(&["p-invalid", "p-menu"], Language::En, 2, true)]
    );
    assert_eq!(events(&mut s), [collected("main", "7")]);
    assert_eq!(s.poll_timeout(), None);
    s.handle_playback_done(7000, 2);
    assert_eq!(s.poll_timeout(), Some(12000));

    s.handle_timeout(11999);
    assert_eq!(actions(&mut s), []);
    s.handle_timeout(12000);
    assert_eq!(
        actions(&mut s),
        [play(&["p-timeout", "p-menu"], Language::En, 3, true)]
    );
    s.handle_playback_done(15000, 3);
    s.handle_digit(16000, '1');
    assert_eq!(actions(&mut s), [Action::Hangup { cause: 16 }]);
    assert_eq!(events(&mut s), [collected("main", "1"), entered("one")]);
    assert!(s.is_finished());
    assert_eq!(s.poll_timeout(), None);
    assert_eq!(s.path(), ["main", "one"]);

    // After the end, nothing is heard.
    s.handle_digit(17000, '1');
    s.handle_timeout(99_000);
    assert_eq!(actions(&mut s), []);
    assert_eq!(events(&mut s), []);
}

#[test]
fn menu_retries_exhausted_go_to_on_failure() {
    let mut s = IvrSession::new(flow(MENU), setup(), 0);
    assert_eq!(actions(&mut s), [play(&["p-menu"], Language::En, 1, true)]);
    // A digit during the prompt stops it and counts as the choice.
    s.handle_digit(500, '5');
    assert_eq!(
        actions(&mut s),
        [
            Action::StopPlayback,
            play(&["p-invalid", "p-menu"], Language::En, 2, true)
        ]
    );
    // The stopped prompt's completion is stale.
    s.handle_playback_done(520, 1);
    assert_eq!(s.poll_timeout(), None);
    s.handle_playback_done(3000, 2);
    s.handle_timeout(8000);
    assert_eq!(
        actions(&mut s),
        [play(&["p-timeout", "p-menu"], Language::En, 3, true)]
    );
    s.handle_playback_done(10000, 3);
    // The third failure is after the last of the two retries.
    s.handle_digit(11000, '#');
    assert_eq!(actions(&mut s), [Action::Hangup { cause: 17 }]);
    assert_eq!(
        events(&mut s),
        [
            entered("main"),
            collected("main", "5"),
            collected("main", "#"),
            entered("failed")
        ]
    );
    assert!(s.is_finished());
}

const COLLECT: &str = r##"
name = "collect"
entry = "account"

[nodes.account]
type = "collect"
prompt = "p-account"
min = 3
max = 6
terminator = "#"
timeout_s = 4
into = "account"
next = "read-back"
on_failure = "failed"

[nodes.read-back]
type = "say"
what = "digits"
value = "${account}"
next = "bye"

[nodes.bye]
type = "hangup"

[nodes.failed]
type = "hangup"
cause = 17
"##;

#[test]
fn collect_until_the_terminator() {
    let mut s = IvrSession::new(flow(COLLECT), setup(), 0);
    assert_eq!(
        actions(&mut s),
        [play(&["p-account"], Language::En, 1, true)]
    );
    s.handle_digit(1000, '4');
    assert_eq!(actions(&mut s), [Action::StopPlayback]);
    // Inter-digit timeout from the last digit.
    assert_eq!(s.poll_timeout(), Some(5000));
    s.handle_digit(2000, '0');
    s.handle_digit(3000, '2');
    assert_eq!(s.poll_timeout(), Some(7000));
    s.handle_digit(3500, '#');
    assert_eq!(
        actions(&mut s),
        [play(
            &["digits/4", "digits/0", "digits/2"],
            Language::En,
            2,
            false
        )]
    );
    assert_eq!(
        events(&mut s),
        [
            entered("account"),
            collected("account", "402"),
            set("account", "402"),
            entered("read-back")
        ]
    );
    s.handle_playback_done(6000, 2);
    assert_eq!(actions(&mut s), [Action::Hangup { cause: 16 }]);
    assert_eq!(
        s.variables().get("account").map(String::as_str),
        Some("402")
    );
}

#[test]
fn collect_too_few_digits_at_the_terminator_fails() {
    let mut s = IvrSession::new(flow(COLLECT), setup(), 0);
    s.handle_playback_done(2000, 1);
    assert_eq!(s.poll_timeout(), Some(6000));
    s.handle_digit(3000, '1');
    s.handle_digit(3100, '#');
    assert_eq!(
        actions(&mut s),
        [
            play(&["p-account"], Language::En, 1, true),
            Action::Hangup { cause: 17 }
        ]
    );
    assert_eq!(s.variables().get("account"), None);
}

#[test]
fn collect_ends_at_max_digits_or_at_the_timeout() {
    let mut s = IvrSession::new(flow(COLLECT), setup(), 0);
    s.handle_playback_done(2000, 1);
    for key in "123456".chars() {
        s.handle_digit(3000, key);
    }
    assert_eq!(
        s.variables().get("account").map(String::as_str),
        Some("123456")
    );

    let mut s = IvrSession::new(flow(COLLECT), setup(), 0);
    s.handle_playback_done(2000, 1);
    s.handle_digit(3000, '1');
    s.handle_digit(3000, '2');
    s.handle_digit(3000, '3');
    s.handle_timeout(7000);
    assert_eq!(
        s.variables().get("account").map(String::as_str),
        Some("123")
    );

    // No digit at all: the first-digit timeout fails.
    let mut s = IvrSession::new(flow(COLLECT), setup(), 0);
    s.handle_playback_done(2000, 1);
    s.handle_timeout(6000);
    assert_eq!(
        actions(&mut s),
        [
            play(&["p-account"], Language::En, 1, true),
            Action::Hangup { cause: 17 }
        ]
    );
}

#[test]
fn type_ahead_fills_a_collect_without_its_prompt() {
    let text = r##"
name = "type-ahead"
entry = "intro"

[nodes.intro]
type = "play"
prompt = "p-intro"
next = "account"
"##
    .to_owned()
        + &COLLECT
            .replace("entry = \"account\"", "")
            .replace("name = \"collect\"", "");
    let mut s = IvrSession::new(flow(&text), setup(), 0);
    s.handle_digit(100, '9');
    s.handle_digit(200, '8');
    s.handle_playback_done(3000, 1);
    // Two digits are fewer than `min`: the collect listens on, from now.
    assert_eq!(
        actions(&mut s),
        [play(&["p-intro"], Language::En, 1, false)]
    );
    assert_eq!(s.poll_timeout(), Some(7000));
    s.handle_digit(4000, '7');
    s.handle_digit(4100, '#');
    assert_eq!(
        s.variables().get("account").map(String::as_str),
        Some("987")
    );
    assert_eq!(s.path(), ["intro", "account", "read-back"]);
}

const LOOKUP: &str = r##"
name = "lookup"
entry = "balance"

[nodes.balance]
type = "lookup"
url = "https://billing.example/balance?caller=${caller}&ref=${called}"
timeout_ms = 2000
fields = { balance = "account.balance" }
next = "say-balance"
on_failure = "sorry"

[nodes.say-balance]
type = "say"
what = "money"
value = "${balance}"
next = "bye"

[nodes.sorry]
type = "play"
prompt = "p-sorry"
next = "bye"

[nodes.bye]
type = "hangup"
"##;

fn lookup_setup() -> Setup {
    Setup {
        variables: vec![
            ("caller".to_owned(), "+86 10&x=1".to_owned()),
            ("called".to_owned(), "95598".to_owned()),
        ],
        ..Setup::default()
    }
}

fn lookup_action() -> Action {
    Action::Lookup {
        id: 1,
        url: "https://billing.example/balance?caller=%2B86%2010%26x%3D1&ref=95598".to_owned(),
        fields: vec!["account.balance".to_owned()],
        timeout_ms: 2000,
    }
}

fn answer(pairs: &[(&str, &str)]) -> Result<HashMap<String, String>, LookupFailed> {
    Ok(pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect())
}

#[test]
fn lookup_answered_sets_its_fields() {
    let mut s = IvrSession::new(flow(LOOKUP), lookup_setup(), 1000);
    assert_eq!(actions(&mut s), [lookup_action()]);
    assert_eq!(s.poll_timeout(), Some(3000));
    // An answer to another lookup is not this one's.
    s.handle_lookup(1200, 7, answer(&[("account.balance", "1")]));
    assert_eq!(actions(&mut s), []);
    s.handle_lookup(1500, 1, answer(&[("account.balance", "3.05"), ("x", "y")]));
    let money = fragments(say::money(305, say::Language::En));
    assert_eq!(
        actions(&mut s),
        [Action::Play {
            prompts: money,
            language: Language::En,
            id: 2,
            barge_in: false
        }]
    );
    assert_eq!(
        events(&mut s),
        [
            entered("balance"),
            Event::LookupResult {
                node: "balance".to_owned(),
                id: 1,
                result: Ok(())
            },
            set("balance", "3.05"),
            entered("say-balance")
        ]
    );
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn lookup_timing_out_takes_the_fallback_and_a_late_answer_is_ignored() {
    let mut s = IvrSession::new(flow(LOOKUP), lookup_setup(), 1000);
    assert_eq!(actions(&mut s), [lookup_action()]);
    s.handle_timeout(2999);
    assert_eq!(actions(&mut s), []);
    s.handle_timeout(3000);
    assert_eq!(
        actions(&mut s),
        [play(&["p-sorry"], Language::En, 2, false)]
    );
    assert_eq!(
        events(&mut s),
        [
            entered("balance"),
            Event::LookupResult {
                node: "balance".to_owned(),
                id: 1,
                result: Err(LookupFailed::Timeout)
            },
            entered("sorry")
        ]
    );
    s.handle_lookup(3500, 1, answer(&[("account.balance", "3.05")]));
    assert_eq!(actions(&mut s), []);
    assert_eq!(events(&mut s), []);
    assert_eq!(s.variables().get("balance"), None);
    s.handle_playback_done(5000, 2);
    assert_eq!(actions(&mut s), [Action::Hangup { cause: 16 }]);
}

#[test]
fn lookup_failing_or_missing_a_field_takes_the_fallback() {
    for (result, reason) in [
        (
            answer(&[("other", "1")]),
            LookupFailed::MissingField("account.balance".to_owned()),
        ),
        (Err(LookupFailed::NotJson), LookupFailed::NotJson),
        (Err(LookupFailed::Status(500)), LookupFailed::Status(500)),
    ] {
        let mut s = IvrSession::new(flow(LOOKUP), lookup_setup(), 1000);
        s.handle_lookup(1100, 1, result);
        assert_eq!(
            actions(&mut s),
            [lookup_action(), play(&["p-sorry"], Language::En, 2, false)]
        );
        assert_eq!(
            events(&mut s)[1],
            Event::LookupResult {
                node: "balance".to_owned(),
                id: 1,
                result: Err(reason)
            }
        );
    }
}

#[test]
fn a_say_value_that_does_not_parse_is_skipped() {
    let mut s = IvrSession::new(flow(LOOKUP), lookup_setup(), 0);
    s.handle_lookup(100, 1, answer(&[("account.balance", "12.345")]));
    assert_eq!(
        actions(&mut s),
        [lookup_action(), Action::Hangup { cause: 16 }]
    );
    assert_eq!(
        events(&mut s)[4..],
        [
            Event::SayFailed {
                node: "say-balance".to_owned(),
                value: "12.345".to_owned()
            },
            entered("bye")
        ]
    );
}

const BARGE_IN: &str = r##"
name = "barge-in"
entry = "intro"

[nodes.intro]
type = "play"
prompt = "p-intro"
barge_in = BARGE
next = "main"

[nodes.main]
type = "menu"
prompt = "p-menu"
choices = { "1" = "one", "2" = "two" }
on_failure = "two"

[nodes.one]
type = "hangup"
cause = 16

[nodes.two]
type = "hangup"
cause = 17
"##;

#[test]
fn barge_in_stops_the_prompt_and_keeps_the_digit_for_the_menu() {
    let mut s = IvrSession::new(flow(&BARGE_IN.replace("BARGE", "true")), setup(), 0);
    assert_eq!(actions(&mut s), [play(&["p-intro"], Language::En, 1, true)]);
    s.handle_digit(700, '1');
    // The menu takes the kept digit without playing its prompt.
    assert_eq!(
        actions(&mut s),
        [Action::StopPlayback, Action::Hangup { cause: 16 }]
    );
    assert_eq!(
        events(&mut s),
        [
            entered("intro"),
            entered("main"),
            collected("main", "1"),
            entered("one")
        ]
    );
}

#[test]
fn without_barge_in_the_prompt_plays_on_and_the_digit_waits() {
    let mut s = IvrSession::new(flow(&BARGE_IN.replace("BARGE", "false")), setup(), 0);
    s.handle_digit(700, '2');
    assert_eq!(
        actions(&mut s),
        [play(&["p-intro"], Language::En, 1, false)]
    );
    s.handle_playback_done(3000, 1);
    assert_eq!(actions(&mut s), [Action::Hangup { cause: 17 }]);
    assert_eq!(s.path(), ["intro", "main", "two"]);
}

const LANGUAGE: &str = r##"
name = "language"
entry = "choose"

[nodes.choose]
type = "language"
prompt = "p-choose"
choices = { "1" = "zh", "2" = "en" }
timeout_s = 3
next = "amount"

[nodes.amount]
type = "say"
what = "number"
value = "105"
next = "bye"

[nodes.bye]
type = "hangup"
"##;

#[test]
fn a_language_choice_switches_say_to_mandarin() {
    let mut s = IvrSession::new(flow(LANGUAGE), setup(), 0);
    assert_eq!(
        actions(&mut s),
        [play(&["p-choose"], Language::En, 1, true)]
    );
    s.handle_playback_done(2000, 1);
    assert_eq!(s.poll_timeout(), Some(5000));
    s.handle_digit(2500, '1');
    assert_eq!(
        actions(&mut s),
        [play(
            &["zh/一", "zh/百", "zh/零", "zh/五"],
            Language::Zh,
            2,
            false
        )]
    );
    assert_eq!(
        events(&mut s),
        [
            entered("choose"),
            collected("choose", "1"),
            set("language", "zh"),
            entered("amount")
        ]
    );
    assert_eq!(s.language(), Language::Zh);
}

#[test]
fn no_language_choice_keeps_the_language() {
    let mut s = IvrSession::new(flow(LANGUAGE), setup(), 0);
    s.handle_playback_done(2000, 1);
    s.handle_timeout(5000);
    assert_eq!(
        actions(&mut s),
        [
            play(&["p-choose"], Language::En, 1, true),
            Action::Play {
                prompts: fragments(say::number(105, say::Language::En)),
                language: Language::En,
                id: 2,
                barge_in: false,
            },
        ]
    );
}

const HOURS: &str = r##"
name = "hours"
entry = "hours"

[nodes.hours]
type = "time"
schedule = "night"
open = "open"
closed = "closed"

[nodes.open]
type = "hangup"
cause = 16

[nodes.closed]
type = "hangup"
cause = 17
"##;

/// Unix milliseconds of a UTC+8 local time.
fn local_ms(year: i64, month: u32, day: u32, hour: i64, minute: i64) -> i64 {
    ((days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60) - 8 * 3600) * 1000
}

fn hours_at(unix_ms: i64) -> Vec<Action> {
    let schedule = match Schedule::parse("utc+08:00\nfri,sat 22:00-06:00\n2026-12-12") {
        Ok(schedule) => schedule,
        Err(error) => panic!("{error:?}"),
    };
    let now_ms = 5_000;
    let setup = Setup {
        schedules: Arc::new(HashMap::from([("night".to_owned(), schedule)])),
        unix_offset_ms: unix_ms - now_ms,
        ..setup()
    };
    let mut s = IvrSession::new(flow(HOURS), setup, now_ms as u64);
    actions(&mut s)
}

#[test]
fn a_time_condition_across_midnight() {
    let open = [Action::Hangup { cause: 16 }];
    let closed = [Action::Hangup { cause: 17 }];
    // 2026-12-04 is a Friday.
    assert_eq!(hours_at(local_ms(2026, 12, 4, 21, 59)), closed);
    assert_eq!(hours_at(local_ms(2026, 12, 4, 22, 0)), open);
    assert_eq!(hours_at(local_ms(2026, 12, 5, 5, 59)), open);
    assert_eq!(hours_at(local_ms(2026, 12, 5, 6, 0)), closed);
    assert_eq!(hours_at(local_ms(2026, 12, 5, 23, 0)), open);
    // Saturday's shift runs into Sunday.
    assert_eq!(hours_at(local_ms(2026, 12, 6, 1, 0)), open);
    assert_eq!(hours_at(local_ms(2026, 12, 6, 23, 0)), closed);
    // Thursday night is not a shift.
    assert_eq!(hours_at(local_ms(2026, 12, 3, 23, 0)), closed);
    // A holiday Saturday: its shift is off, and so is Friday's after midnight.
    assert_eq!(hours_at(local_ms(2026, 12, 12, 1, 0)), closed);
    assert_eq!(hours_at(local_ms(2026, 12, 12, 23, 0)), closed);
}

#[test]
fn a_missing_schedule_counts_as_closed() {
    let mut s = IvrSession::new(flow(HOURS), setup(), 0);
    assert_eq!(actions(&mut s), [Action::Hangup { cause: 17 }]);
    assert_eq!(
        events(&mut s),
        [
            entered("hours"),
            Event::ScheduleMissing {
                node: "hours".to_owned(),
                schedule: "night".to_owned()
            },
            entered("closed")
        ]
    );
}

fn example_session(unix_ms: i64) -> IvrSession {
    let schedule = match Schedule::parse("utc+08:00\nmon-fri 08:00-20:00") {
        Ok(schedule) => schedule,
        Err(error) => panic!("{error:?}"),
    };
    let setup = Setup {
        schedules: Arc::new(HashMap::from([("hotline-hours".to_owned(), schedule)])),
        unix_offset_ms: unix_ms,
        ..setup()
    };
    IvrSession::new(flow(EXAMPLE), setup, 0)
}

#[test]
fn the_example_flow_option_1_end_to_end() {
    // Monday 2026-12-07, 10:00 in the box's zone: open.
    let mut s = example_session(local_ms(2026, 12, 7, 10, 0));
    assert_eq!(
        actions(&mut s),
        [play(&["welcome-bilingual"], Language::Zh, 1, true)]
    );
    // 2 English, keyed during the welcome.
    s.handle_digit(1500, '2');
    assert_eq!(
        actions(&mut s),
        [
            Action::StopPlayback,
            play(&["main-menu"], Language::En, 2, true)
        ]
    );
    s.handle_playback_done(1520, 1);
    s.handle_playback_done(6000, 2);
    assert_eq!(s.poll_timeout(), Some(11000));
    s.handle_digit(7000, '1');
    assert_eq!(
        actions(&mut s),
        [play(&["enter-account"], Language::En, 3, true)]
    );
    s.handle_playback_done(9000, 3);
    for (i, key) in "1234567#".chars().enumerate() {
        s.handle_digit(10_000 + 300 * i as u64, key);
    }
    assert_eq!(
        actions(&mut s),
        [Action::Lookup {
            id: 4,
            url: "http://127.0.0.1:8090/balance?account=1234567&caller=13800138000".to_owned(),
            fields: vec!["account.balance".to_owned()],
            timeout_ms: 2000,
        }]
    );
    assert_eq!(s.poll_timeout(), Some(14_100));
    s.handle_lookup(12_500, 4, answer(&[("account.balance", "3.05")]));
    assert_eq!(
        actions(&mut s),
        [play(&["your-balance-is"], Language::En, 5, true)]
    );
    s.handle_playback_done(14_000, 5);
    assert_eq!(
        actions(&mut s),
        [Action::Play {
            prompts: fragments(say::money(305, say::Language::En)),
            language: Language::En,
            id: 6,
            barge_in: false
        }]
    );
    s.handle_playback_done(16_000, 6);
    assert_eq!(
        actions(&mut s),
        [play(&["main-menu"], Language::En, 7, true)]
    );
    // 0: an agent, keyed during the menu.
    s.handle_digit(17_000, '0');
    let variables = [
        ("account", "1234567"),
        ("balance", "3.05"),
        ("called", "95598"),
        ("caller", "13800138000"),
        ("language", "en"),
        ("topic", "general"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    assert_eq!(
        actions(&mut s),
        [
            Action::StopPlayback,
            Action::Queue {
                queue: "agents".to_owned(),
                priority: 5,
                extensions: vec!["201".to_owned(), "202".to_owned()],
                skills: Vec::new(),
                variables,
            }
        ]
    );
    assert!(s.is_finished());
    assert_eq!(
        events(&mut s),
        [
            entered("hours"),
            entered("welcome"),
            collected("welcome", "2"),
            set("language", "en"),
            entered("main"),
            collected("main", "1"),
            entered("billing"),
            collected("billing", "1234567"),
            set("account", "1234567"),
            entered("balance"),
            Event::LookupResult {
                node: "balance".to_owned(),
                id: 4,
                result: Ok(())
            },
            set("balance", "3.05"),
            entered("balance-intro"),
            entered("say-balance"),
            entered("main"),
            collected("main", "0"),
            entered("agent"),
            set("topic", "general"),
            entered("queue"),
        ]
    );
}

#[test]
fn the_example_flow_outside_hours() {
    // Saturday: closed.
    let mut s = example_session(local_ms(2026, 12, 5, 10, 0));
    assert_eq!(
        actions(&mut s),
        [Action::Speak {
            text: "Our hotline is open from eight in the morning to eight in the evening."
                .to_owned(),
            language: Language::En,
            id: 1,
            barge_in: false
        }]
    );
    s.handle_playback_done(5000, 1);
    assert_eq!(actions(&mut s), [Action::Hangup { cause: 16 }]);
    assert_eq!(s.path(), ["hours", "closed", "bye"]);
}

#[test]
fn a_spinning_flow_is_hung_up() {
    // The validator refuses this; an unvalidated flow must still not hang the caller.
    let text = r##"
name = "spin"
entry = "a"

[nodes.a]
type = "set"
variable = "x"
value = "1"
next = "b"

[nodes.b]
type = "branch"
variable = "x"
default = "a"
"##;
    let flow = match Flow::parse(text, "flows/spin.toml") {
        Ok(flow) => Arc::new(flow),
        Err(errors) => panic!("{errors}"),
    };
    let mut s = IvrSession::new(flow, setup(), 0);
    assert_eq!(actions(&mut s), [Action::Hangup { cause: ABORT_CAUSE }]);
    assert!(s.is_finished());
    assert_eq!(s.path().len(), SPIN_LIMIT as usize);
    assert_eq!(
        events(&mut s).last(),
        Some(&Event::Aborted {
            reason: Abort::Spinning {
                node: "a".to_owned()
            }
        })
    );
}

/// What a test environment owes the session: the playback or lookup it last asked for.
#[derive(Debug, Default)]
struct Owed {
    playback: Option<u32>,
    lookup: Option<u32>,
    last_id: u32,
}

impl Owed {
    fn take(&mut self, session: &mut IvrSession) -> bool {
        let mut finished = false;
        while let Some(action) = session.poll_action() {
            match action {
                Action::Play { id, .. } | Action::Speak { id, .. } => {
                    assert!(id > self.last_id, "ids count up");
                    self.last_id = id;
                    self.playback = Some(id);
                }
                Action::Lookup { id, .. } => {
                    assert!(id > self.last_id, "ids count up");
                    self.last_id = id;
                    self.lookup = Some(id);
                }
                Action::StopPlayback => {}
                Action::Transfer { .. }
                | Action::Queue { .. }
                | Action::Voicemail { .. }
                | Action::Hangup { .. } => {
                    assert!(!finished, "two final actions");
                    finished = true;
                }
            }
        }
        assert!(!finished || session.is_finished());
        finished
    }
}

#[derive(Debug, Clone)]
enum Input {
    Digit(char),
    Done,
    Timeout,
    Answer(bool),
    Wait(u64),
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        proptest::sample::select(vec!['0', '1', '2', '5', '9', '*', '#']).prop_map(Input::Digit),
        Just(Input::Done),
        Just(Input::Timeout),
        any::<bool>().prop_map(Input::Answer),
        (0u64..20_000).prop_map(Input::Wait),
    ]
}

proptest! {
    /// Any inputs in any order never panic, and a caller who then keys nothing is
    /// always led out of the example flow (by the menu's timeouts to the agents).
    #[test]
    fn the_example_flow_never_gets_stuck(inputs in proptest::collection::vec(input(), 0..60)) {
        let mut s = example_session(local_ms(2026, 12, 7, 10, 0));
        let mut owed = Owed::default();
        let mut now = 0u64;
        let mut finished = owed.take(&mut s);
        for input in inputs {
            match input {
                Input::Digit(key) => s.handle_digit(now, key),
                Input::Done => {
                    if let Some(id) = owed.playback.take() {
                        s.handle_playback_done(now, id);
                    }
                }
                Input::Timeout => {
                    if let Some(at) = s.poll_timeout() {
                        now = now.max(at);
                        s.handle_timeout(now);
                    }
                }
                Input::Answer(ok) => {
                    if let Some(id) = owed.lookup.take() {
                        let result = if ok {
                            answer(&[("account.balance", "3.05")])
                        } else {
                            Err(LookupFailed::Status(503))
                        };
                        s.handle_lookup(now, id, result);
                    }
                }
                Input::Wait(ms) => now += ms,
            }
            let ended = owed.take(&mut s);
            prop_assert!(!(finished && ended), "actions after the end");
            finished |= ended;
        }
        let mut steps = 0;
        while !finished {
            steps += 1;
            prop_assert!(steps < 100, "no end in sight");
            if let Some(id) = owed.playback.take() {
                s.handle_playback_done(now, id);
            } else if let Some(at) = s.poll_timeout() {
                now = now.max(at);
                s.handle_timeout(now);
            } else {
                prop_assert!(false, "stuck: no playback owed and no timeout");
            }
            finished = owed.take(&mut s);
        }
        prop_assert!(s.is_finished());
        prop_assert_eq!(s.poll_timeout(), None);
    }
}

#[test]
fn a_voicemail_node_finishes_the_session_with_its_mailbox_greeting_and_length() {
    let text = r#"
name = "vm"
entry = "main"
[nodes.main]
type = "menu"
prompt = "p-menu"
choices = { "4" = "leave", "5" = "away" }
on_failure = "bye"
[nodes.leave]
type = "voicemail"
mailbox = "202"
[nodes.away]
type = "voicemail"
mailbox = "203"
prompt = "p-away"
max_length_s = 30
[nodes.bye]
type = "hangup"
"#;
    let mut s = IvrSession::new(flow(text), setup(), 0);
    assert_eq!(actions(&mut s), [play(&["p-menu"], Language::En, 1, true)]);
    s.handle_playback_done(500, 1);
    s.handle_digit(1000, '4');
    assert_eq!(
        actions(&mut s),
        [Action::Voicemail {
            mailbox: "202".into(),
            greeting: None,
            max_ms: 120_000
        }]
    );
    assert_eq!(
        events(&mut s),
        [entered("main"), collected("main", "4"), entered("leave")]
    );
    assert!(s.is_finished());

    let mut s = IvrSession::new(flow(text), setup(), 0);
    let _ = actions(&mut s);
    s.handle_playback_done(500, 1);
    s.handle_digit(1000, '5');
    assert_eq!(
        actions(&mut s),
        [Action::Voicemail {
            mailbox: "203".into(),
            greeting: Some("p-away".into()),
            max_ms: 30_000
        }]
    );
}
