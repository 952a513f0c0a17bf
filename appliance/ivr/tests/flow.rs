//! The flow model: the worked example, one test per refusal (exact file:line:column and
//! reason), and parsing arbitrary text never panics.

use ivr::flow::{
    Digit, Flow, FlowErrors, Language, NodeKind, PlaySource, SayWhat, EXAMPLE, EXAMPLE_PROMPTS,
    EXAMPLE_SCHEDULES,
};
use proptest::prelude::*;

const FILE: &str = "flows/test.toml";

fn known_prompt(name: &str) -> bool {
    EXAMPLE_PROMPTS.contains(&name) || name.starts_with("p-")
}

fn known_schedule(name: &str) -> bool {
    EXAMPLE_SCHEDULES.contains(&name)
}

fn lines(errors: FlowErrors) -> Vec<String> {
    errors.0.iter().map(ToString::to_string).collect()
}

/// Parse and validate; the errors as `file:line:column: reason`.
fn check(text: &str) -> Vec<String> {
    match Flow::load(text, FILE, &known_prompt, &known_schedule) {
        Ok(_) => Vec::new(),
        Err(errors) => lines(errors),
    }
}

#[test]
fn the_worked_example_parses_and_validates() {
    let flow = match Flow::parse(EXAMPLE, "flows/hotline.toml") {
        Ok(flow) => flow,
        Err(errors) => panic!("{errors}"),
    };
    if let Err(errors) = flow.validate(&known_prompt, &known_schedule) {
        panic!("{errors}");
    }
    assert_eq!(*flow.name, "hotline");
    assert_eq!(*flow.entry, "hours");
    assert_eq!(flow.language, Language::Zh);
    assert_eq!(flow.nodes.len(), 14);
    // Nodes keep file order.
    assert_eq!(flow.nodes[0].name, "hours");
    assert_eq!(flow.nodes[0].at.line, 7);

    let Some(NodeKind::Menu(menu)) = flow.node("main").map(|node| &node.kind) else {
        panic!("main is a menu");
    };
    let choices: Vec<(char, &str)> = menu
        .choices
        .iter()
        .map(|(digit, node)| (digit.as_char(), node.as_str()))
        .collect();
    assert_eq!(
        choices,
        [
            ('1', "billing"),
            ('2', "outage"),
            ('9', "operator"),
            ('0', "agent")
        ]
    );
    assert_eq!((menu.timeout_s, menu.max_retries), (5, 3));
    assert_eq!(*menu.on_failure, "agent");

    let Some(NodeKind::Language(language)) = flow.node("welcome").map(|node| &node.kind) else {
        panic!("welcome is a language choice");
    };
    assert_eq!(
        language
            .choices
            .iter()
            .map(|(digit, language)| (digit.as_char(), *language))
            .collect::<Vec<_>>(),
        [('1', Language::Zh), ('2', Language::En)]
    );

    let Some(NodeKind::Collect(collect)) = flow.node("billing").map(|node| &node.kind) else {
        panic!("billing collects");
    };
    assert_eq!((collect.min, collect.max), (6, 10));
    assert_eq!(Some(collect.terminator), Digit::new('#'));
    assert_eq!(*collect.into, "account");

    let Some(NodeKind::Lookup(lookup)) = flow.node("balance").map(|node| &node.kind) else {
        panic!("balance is a lookup");
    };
    assert_eq!(
        lookup.url.variables().collect::<Vec<_>>(),
        ["account", "caller"]
    );
    let url = lookup.url.render(|name| Some(format!("<{name}>")));
    assert_eq!(
        url,
        "http://127.0.0.1:8090/balance?account=<account>&caller=<caller>"
    );
    assert_eq!(lookup.timeout_ms, 2000);
    assert_eq!(*lookup.fields[0].0, "balance");
    assert_eq!(*lookup.fields[0].1, "account.balance");

    let Some(NodeKind::Say(say)) = flow.node("say-balance").map(|node| &node.kind) else {
        panic!("say-balance says");
    };
    assert_eq!(say.what, SayWhat::Money);

    let Some(NodeKind::Play(closed)) = flow.node("closed").map(|node| &node.kind) else {
        panic!("closed plays");
    };
    assert!(matches!(
        &closed.source,
        PlaySource::Text {
            language: Some(Language::En),
            ..
        }
    ));
    assert!(!closed.barge_in);

    let Some(NodeKind::Queue(queue)) = flow.node("queue").map(|node| &node.kind) else {
        panic!("queue queues");
    };
    assert_eq!((queue.queue.as_str(), queue.priority), ("agents", 5));
    assert_eq!(queue.extensions, ["201", "202"]);

    let Some(NodeKind::Hangup(hangup)) = flow.node("bye").map(|node| &node.kind) else {
        panic!("bye hangs up");
    };
    assert_eq!(hangup.cause, 16);
}

#[test]
fn defaults_apply() {
    let text = r##"name = "d"
entry = "m"
[nodes.m]
type = "menu"
prompt = "p-menu"
choices = { "*" = "bye", "#" = "bye" }
on_failure = "bye"
[nodes.bye]
type = "hangup"
"##;
    let flow = match Flow::parse(text, FILE) {
        Ok(flow) => flow,
        Err(errors) => panic!("{errors}"),
    };
    assert_eq!(flow.language, Language::En);
    let Some(NodeKind::Menu(menu)) = flow.node("m").map(|node| &node.kind) else {
        panic!("m is a menu");
    };
    assert_eq!((menu.timeout_s, menu.max_retries), (5, 3));
    assert_eq!(menu.invalid_prompt, None);
    let Some(NodeKind::Hangup(hangup)) = flow.node("bye").map(|node| &node.kind) else {
        panic!("bye hangs up");
    };
    assert_eq!(hangup.cause, 16);
    assert_eq!(check(text), Vec::<String>::new());
}

/// A flow whose entry menu offers `choices`, with every other node `extra` adds.
/// Line 1 is `name`, the menu's `choices` is line 6, `extra` starts at line 11.
fn flow_with(choices: &str, extra: &str) -> String {
    format!(
        r#"name = "t"
entry = "main"
[nodes.main]
type = "menu"
prompt = "p-menu"
choices = {{ {choices} }}
on_failure = "bye"
[nodes.bye]
type = "hangup"
cause = 16
{extra}"#
    )
}

fn one(error: &str) -> Vec<String> {
    vec![format!("{FILE}:{error}")]
}

const UNSET: &str = "which no node sets (set, collect `into` or lookup `fields`; \
                     built in: caller, called, language)";

#[test]
fn refuses_an_unknown_node() {
    assert_eq!(
        check(&flow_with(r#""1" = "nowhere""#, "")),
        one("6:19: node `main` goes to node `nowhere`, which does not exist")
    );
    let text = flow_with(r#""1" = "bye""#, "").replace(r#"entry = "main""#, r#"entry = "start""#);
    assert_eq!(
        check(&text),
        [
            format!("{FILE}:2:9: `entry` names node `start`, which does not exist"),
            format!("{FILE}:3:8: node `main` is unreachable: no path leads to it from the entry `start`"),
            format!("{FILE}:8:8: node `bye` is unreachable: no path leads to it from the entry `start`"),
        ]
    );
}

#[test]
fn refuses_an_unknown_prompt() {
    let extra = "[nodes.a]\ntype = \"play\"\nprompt = \"unknown\"\nnext = \"bye\"\n";
    assert_eq!(
        check(&flow_with(r#""1" = "a""#, extra)),
        one("13:10: node `a` plays prompt `unknown`, which is not in the prompt store")
    );
    let text = flow_with(r#""1" = "bye""#, "")
        .replace("on_failure", "invalid_prompt = \"nope\"\non_failure");
    assert_eq!(
        check(&text),
        one("7:18: node `main` plays prompt `nope`, which is not in the prompt store")
    );
}

#[test]
fn refuses_an_unreachable_node() {
    let extra = "[nodes.lost]\ntype = \"hangup\"\n";
    assert_eq!(
        check(&flow_with(r#""1" = "bye""#, extra)),
        one("11:8: node `lost` is unreachable: no path leads to it from the entry `main`")
    );
}

#[test]
fn refuses_a_cycle_without_a_node_that_waits() {
    // play (even with barge-in) → lookup → play: nothing the caller keys gets them out.
    let extra = "[nodes.a]\ntype = \"play\"\nprompt = \"p-a\"\nbarge_in = true\nnext = \"b\"\n\
                 [nodes.b]\ntype = \"lookup\"\nurl = \"https://x/${caller}\"\nnext = \"a\"\n\
                 on_failure = \"bye\"\n";
    assert_eq!(
        check(&flow_with(r#""1" = "a""#, extra)),
        one(
            "11:8: nodes `a`, `b` form a cycle with no node that waits for the caller \
             (menu, collect or language): the call would loop forever"
        )
    );
    // A set that goes to itself.
    let extra = "[nodes.a]\ntype = \"set\"\nvariable = \"x\"\nvalue = 1\nnext = \"a\"\n";
    assert_eq!(
        check(&flow_with(r#""1" = "a""#, extra)),
        one(
            "11:8: nodes `a` form a cycle with no node that waits for the caller \
             (menu, collect or language): the call would loop forever"
        )
    );
    // Through the menu the same loop is fine: the caller chooses each time round.
    let extra = "[nodes.a]\ntype = \"play\"\nprompt = \"p-a\"\nnext = \"main\"\n";
    assert_eq!(
        check(&flow_with(r#""1" = "a""#, extra)),
        Vec::<String>::new()
    );
}

#[test]
fn refuses_a_menu_digit_given_twice() {
    let reason = "duplicate key `1`: a key is given twice (a menu digit, a node or a setting); \
                  each may appear only once";
    // TOML refuses the duplicate key itself; the error points at the second one.
    assert_eq!(
        check(&flow_with(r#""1" = "bye", "1" = "main""#, "")),
        one(&format!("6:26: {reason}"))
    );
    assert_eq!(
        check(&flow_with(r#""1" = "bye", 1 = "main""#, "")),
        one(&format!("6:26: {reason}"))
    );
    // A node given twice, likewise.
    assert_eq!(
        check(&flow_with(
            r#""1" = "bye""#,
            "[nodes.bye]\ntype = \"hangup\"\n"
        )),
        one(
            "11:1: invalid table header: duplicate key `bye` in table `nodes`: a key is given \
             twice (a menu digit, a node or a setting); each may appear only once"
        )
    );
}

#[test]
fn refuses_a_menu_key_that_is_not_a_digit() {
    assert_eq!(
        check(&flow_with(r#""12" = "bye", "a" = "bye", "*" = "bye""#, "")),
        [
            format!("{FILE}:6:13: node `main`: menu choice `12` is not a key: one of 0-9, * or #"),
            format!("{FILE}:6:27: node `main`: menu choice `a` is not a key: one of 0-9, * or #"),
        ]
    );
}

#[test]
fn refuses_an_unknown_schedule() {
    let extra =
        "[nodes.a]\ntype = \"time\"\nschedule = \"never\"\nopen = \"bye\"\nclosed = \"bye\"\n";
    assert_eq!(
        check(&flow_with(r#""1" = "a""#, extra)),
        one("13:12: node `a` names schedule `never`, which is not configured")
    );
}

fn lookup(url: &str) -> String {
    flow_with(
        r#""1" = "a""#,
        &format!(
            "[nodes.a]\ntype = \"lookup\"\nurl = \"{url}\"\nnext = \"bye\"\non_failure = \"bye\"\n"
        ),
    )
}

#[test]
fn refuses_a_lookup_url_that_is_not_http() {
    assert_eq!(
        check(&lookup("ftp://x/${caller}")),
        one("13:7: node `a`: lookup URL `ftp://x/${caller}` is not an http:// or https:// URL")
    );
    assert_eq!(
        check(&lookup("billing.local/balance")),
        one("13:7: node `a`: lookup URL `billing.local/balance` is not an http:// or https:// URL")
    );
    assert_eq!(
        check(&lookup("${caller}")),
        one("13:7: node `a`: lookup URL `${caller}` is not an http:// or https:// URL")
    );
    assert_eq!(
        check(&lookup("http://${caller}/x")),
        one(
            "13:7: node `a`: lookup URL `http://${caller}/x` has no host written out \
             (a variable cannot be the host)"
        )
    );
    assert_eq!(
        check(&lookup("HTTPS://billing:8080?n=${caller}")),
        Vec::<String>::new()
    );
    assert_eq!(check(&lookup("http://billing")), Vec::<String>::new());
}

#[test]
fn refuses_a_variable_used_but_never_set() {
    let extra = "[nodes.a]\ntype = \"say\"\nwhat = \"money\"\nvalue = \"${balance}\"\nnext = \"b\"\n\
                 [nodes.b]\ntype = \"branch\"\nvariable = \"vip\"\ncases = { yes = \"bye\" }\ndefault = \"c\"\n\
                 [nodes.c]\ntype = \"set\"\nvariable = \"greeting\"\nvalue = \"hi ${name}, ${caller}\"\nnext = \"bye\"\n";
    assert_eq!(
        check(&flow_with(r#""1" = "a""#, extra)),
        [
            format!("{FILE}:14:9: node `a` uses variable `balance`, {UNSET}"),
            format!("{FILE}:18:12: node `b` uses variable `vip`, {UNSET}"),
            format!("{FILE}:24:9: node `c` uses variable `name`, {UNSET}"),
        ]
    );
    // Set by set, collect and lookup: fine (the flow-wide rule; see the module docs).
    let extra = "[nodes.a]\ntype = \"collect\"\nprompt = \"p-a\"\nmax = 4\ninto = \"pin\"\nnext = \"b\"\non_failure = \"bye\"\n\
                 [nodes.b]\ntype = \"lookup\"\nurl = \"http://h/${pin}\"\nfields = { name = \"a.b\" }\nnext = \"c\"\non_failure = \"bye\"\n\
                 [nodes.c]\ntype = \"set\"\nvariable = \"vip\"\nvalue = \"${name}\"\nnext = \"d\"\n\
                 [nodes.d]\ntype = \"branch\"\nvariable = \"vip\"\ncases = { yes = \"bye\" }\ndefault = \"bye\"\n";
    assert_eq!(
        check(&flow_with(r#""1" = "a""#, extra)),
        Vec::<String>::new()
    );
}

#[test]
fn reports_every_error_in_file_order() {
    let extra = "[nodes.a]\ntype = \"say\"\nwhat = \"number\"\nvalue = \"${n}\"\nnext = \"b\"\n\
                 [nodes.b]\ntype = \"play\"\nprompt = \"missing\"\nnext = \"gone\"\n\
                 [nodes.orphan]\ntype = \"hangup\"\n";
    assert_eq!(
        check(&flow_with(r#""1" = "a""#, extra)),
        [
            format!("{FILE}:14:9: node `a` uses variable `n`, {UNSET}"),
            format!("{FILE}:18:10: node `b` plays prompt `missing`, which is not in the prompt store"),
            format!("{FILE}:19:8: node `b` goes to node `gone`, which does not exist"),
            format!("{FILE}:20:8: node `orphan` is unreachable: no path leads to it from the entry `main`"),
        ]
    );
}

#[test]
fn refuses_settings_that_do_not_belong_and_missing_ones() {
    let extra = "[nodes.a]\ntype = \"play\"\nprompt = \"p-a\"\nchoices = { \"1\" = \"bye\" }\n";
    assert_eq!(
        check(&flow_with(r#""1" = "a""#, extra)),
        [
            format!("{FILE}:11:8: node `a`: a `play` node needs `next`"),
            format!(
                "{FILE}:14:11: node `a`: `choices` is not a setting of a `play` node \
                 (it has: type, prompt, text, language, next, barge_in)"
            ),
        ]
    );
    let extra = "[nodes.a]\ntype = \"play\"\nprompt = \"p-a\"\ncolour = \"red\"\n";
    assert_eq!(
        check(&flow_with(r#""1" = "a""#, extra)),
        one("14:1: unknown setting `colour`: no node type has it")
    );
    let extra = "[nodes.a]\ntype = \"dance\"\n";
    let errors = check(&flow_with(r#""1" = "a""#, extra));
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with(&format!(
            "{FILE}:12:8: unknown variant `dance`, expected one of"
        )),
        "{errors:?}"
    );
    assert_eq!(check("entry = \"a\"\n"), one("1:1: missing field `name`"));
}

#[test]
fn refuses_bad_settings() {
    let extra = "[nodes.a]\ntype = \"collect\"\nprompt = \"p-a\"\nmin = 5\nmax = 4\n\
                 terminator = \"x\"\ninto = \"${pin}\"\nnext = \"bye\"\non_failure = \"bye\"\n\
                 [nodes.b]\ntype = \"language\"\nprompt = \"p-b\"\nchoices = { \"1\" = \"fr\" }\nnext = \"bye\"\n\
                 [nodes.c]\ntype = \"set\"\nvariable = \"v\"\nvalue = \"${oops\"\nnext = \"bye\"\n\
                 [nodes.d]\ntype = \"hangup\"\ncause = 0\n\
                 [nodes.e]\ntype = \"queue\"\nqueue = \"q\"\npriority = 12\nskills = { billing = 11 }\n\
                 [nodes.f]\ntype = \"transfer\"\nto = \"20x\"\n\
                 [nodes.g]\ntype = \"queue\"\nqueue = \"q\"\nextensions = [\"201\", \"2O2\"]\n";
    assert_eq!(
        check(&flow_with(r#""1" = "a""#, extra)),
        [
            format!("{FILE}:14:7: node `a`: `min` (5) is more than `max` (4)"),
            format!("{FILE}:16:14: node `a`: terminator `x` is not a key: one of 0-9, * or #"),
            format!(
                "{FILE}:17:8: node `a`: `into` is `${{pin}}`, not a variable name \
                 (a letter or _, then letters, digits or _; no `${{}}`)"
            ),
            format!("{FILE}:23:19: node `b`: `fr` is not a language: \"en\" or \"zh\""),
            format!("{FILE}:28:9: node `c`: `${{` without its closing `}}` in `${{oops`"),
            format!("{FILE}:32:9: node `d`: cause 0 is not a Q.850 cause (1-127)"),
            format!("{FILE}:36:12: node `e`: `priority` is 12, not within 0-9"),
            format!("{FILE}:37:22: node `e`: skill `billing` level 11 is not within 1-10"),
            format!("{FILE}:40:6: node `f`: `to` is `20x`, not a number (digits 0-9)"),
            format!("{FILE}:44:22: node `g`: an extension is `2O2`, not a number (digits 0-9)"),
        ]
    );
}

#[test]
fn a_voicemail_node_parses_with_its_defaults_and_its_prompt_is_checked() {
    let extra = "[nodes.vm]\ntype = \"voicemail\"\nmailbox = \"202\"\n\
                 [nodes.vm2]\ntype = \"voicemail\"\nmailbox = \"203\"\nprompt = \"p-away\"\nmax_length_s = 30\n";
    let text = flow_with(r#""1" = "vm", "2" = "vm2""#, extra);
    let flow = match Flow::load(&text, FILE, &known_prompt, &known_schedule) {
        Ok(flow) => flow,
        Err(errors) => panic!("{errors}"),
    };
    let Some(NodeKind::Voicemail(vm)) = flow.node("vm").map(|node| &node.kind) else {
        panic!("vm takes messages");
    };
    assert_eq!(
        (vm.mailbox.as_str(), vm.prompt.as_ref(), vm.max_length_s),
        ("202", None, 120)
    );
    assert!(
        flow.node("vm").unwrap().kind.successors().is_empty(),
        "the call ends there"
    );
    assert!(
        flow.node("vm").unwrap().kind.prompts().is_empty(),
        "the built-in greeting"
    );
    let Some(NodeKind::Voicemail(vm2)) = flow.node("vm2").map(|node| &node.kind) else {
        panic!("vm2 takes messages");
    };
    assert_eq!(vm2.max_length_s, 30);
    let prompts: Vec<&str> = flow
        .node("vm2")
        .unwrap()
        .kind
        .prompts()
        .iter()
        .map(|p| p.as_str())
        .collect();
    assert_eq!(prompts, ["p-away"], "check-config checks the greeting");
    assert_eq!(flow.node("vm2").unwrap().kind.type_name(), "voicemail");

    let extra = "[nodes.vm]\ntype = \"voicemail\"\nmailbox = \"202\"\nprompt = \"gone\"\n";
    assert_eq!(
        check(&flow_with(r#""1" = "vm""#, extra)),
        one("14:10: node `vm` plays prompt `gone`, which is not in the prompt store")
    );
}

#[test]
fn refuses_a_voicemail_node_without_a_mailbox_or_with_bad_settings() {
    let extra = "[nodes.a]\ntype = \"voicemail\"\n\
                 [nodes.b]\ntype = \"voicemail\"\nmailbox = \"20x\"\n\
                 [nodes.c]\ntype = \"voicemail\"\nmailbox = \"202\"\nmax_length_s = 4\n\
                 [nodes.d]\ntype = \"voicemail\"\nmailbox = \"202\"\nmax_length_s = 601\nnext = \"bye\"\n";
    assert_eq!(
        check(&flow_with(
            r#""1" = "a", "2" = "b", "3" = "c", "4" = "d""#,
            extra
        )),
        [
            format!("{FILE}:11:8: node `a`: a `voicemail` node needs `mailbox`"),
            format!("{FILE}:15:11: node `b`: `mailbox` is `20x`, not a number (digits 0-9)"),
            format!("{FILE}:19:16: node `c`: `max_length_s` is 4, not within 5-600 seconds"),
            format!("{FILE}:23:16: node `d`: `max_length_s` is 601, not within 5-600 seconds"),
            format!(
                "{FILE}:24:8: node `d`: `next` is not a setting of a `voicemail` node \
                 (it has: type, mailbox, prompt, max_length_s)"
            ),
        ]
    );
}

/// Lines of the worked example, for mutations that stay close to a real flow.
fn example_lines() -> Vec<&'static str> {
    EXAMPLE.lines().collect()
}

proptest! {
    #[test]
    fn parsing_arbitrary_text_never_panics(text in "\\PC*") {
        if let Ok(flow) = Flow::parse(&text, FILE) {
            let _ = flow.validate(&known_prompt, &known_schedule);
        }
    }

    #[test]
    fn parsing_toml_like_text_never_panics(
        text in r#"([a-z_.\[\]]{0,12}( = ("[a-z0-9${}#*]{0,8}"|[0-9]{1,3}|\{ ?"[0-9#*]{1,2}" = "[a-z]{0,4}" ?\}|true))?\n){0,20}"#
    ) {
        if let Ok(flow) = Flow::parse(&text, FILE) {
            let _ = flow.validate(&known_prompt, &known_schedule);
        }
    }

    /// The example with lines dropped, duplicated or swapped: every outcome is a flow or
    /// errors with a place inside the file, never a panic.
    #[test]
    fn mutated_example_never_panics(edits in proptest::collection::vec((0usize..200, 0usize..200, 0u8..3), 1..6)) {
        let mut lines = example_lines();
        for (a, b, op) in edits {
            let len = lines.len();
            if len == 0 { break; }
            let (a, b) = (a % len, b % len);
            match op {
                0 => { lines.remove(a); }
                1 => { let line = lines[a]; lines.insert(b, line); }
                _ => lines.swap(a, b),
            }
        }
        let text = lines.join("\n");
        let count = u32::try_from(lines.len()).unwrap_or(u32::MAX) + 1;
        let outcome = Flow::parse(&text, FILE)
            .and_then(|flow| flow.validate(&known_prompt, &known_schedule));
        if let Err(errors) = outcome {
            prop_assert!(!errors.0.is_empty());
            for error in errors.0 {
                prop_assert!(error.line >= 1 && error.line <= count, "{error}");
                prop_assert!(error.column >= 1, "{error}");
            }
        }
    }
}

fn say(what: &str, value: &str) -> Vec<String> {
    let extra =
        format!("[nodes.a]\ntype = \"say\"\nwhat = \"{what}\"\nvalue = {value}\nnext = \"bye\"\n");
    check(&flow_with(r#""1" = "a""#, &extra))
}

#[test]
fn say_literals_must_have_their_form() {
    for (what, value) in [
        ("number", "105"),
        ("number", "\"-3\""),
        ("number", "3.05"),
        ("digits", "\"0123\""),
        ("money", "\"3.05\""),
        ("money", "2000"),
        ("date", "\"2026-12-07\""),
        ("time", "\"23:59\""),
        ("time", "\"${caller}\""),
    ] {
        assert_eq!(say(what, value), Vec::<String>::new(), "{what} {value}");
    }
    assert_eq!(
        say("money", "\"3.055\""),
        one("14:9: node `a`: `3.055` cannot be said as money (like 12 or 3.05)")
    );
    assert_eq!(
        say("digits", "\"12a\""),
        one("14:9: node `a`: `12a` cannot be said as digits (0-9)")
    );
    assert_eq!(
        say("date", "\"2026-13-01\""),
        one("14:9: node `a`: `2026-13-01` cannot be said as a date (YYYY-MM-DD)")
    );
    assert_eq!(
        say("time", "\"24:00\""),
        one("14:9: node `a`: `24:00` cannot be said as a time (HH:MM, 24-hour)")
    );
    assert_eq!(
        say("weather", "1"),
        one(
            "13:8: unknown variant `weather`, expected one of `number`, `digits`, `date`, \
             `time`, `money`"
        )
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    // Mandarin text before the error on the same line: the column is in characters.
    let text = "name = \"热线\"\nentry = \"热线\" # 入口\n";
    assert_eq!(
        check(text),
        one("2:9: `entry` names node `热线`, which does not exist")
    );
    let menu = flow_with(r#""一" = "bye", "1" = "bye""#, "");
    assert_eq!(
        check(&menu),
        one("6:13: node `main`: menu choice `一` is not a key: one of 0-9, * or #")
    );
    // A parse error stops before validation: only the key is reported, not `再见`.
    let menu = flow_with(r#""1" = "再见", "一" = "bye""#, "");
    assert_eq!(
        check(&menu),
        one("6:25: node `main`: menu choice `一` is not a key: one of 0-9, * or #")
    );
}

/// `count` set nodes in a chain; the last goes to `last_next`.
fn chain(count: usize, last_next: &str) -> String {
    let mut text = String::from("name = \"long\"\nentry = \"n0\"\n");
    for index in 0..count {
        let next = if index + 1 == count {
            last_next.to_owned()
        } else {
            format!("n{}", index + 1)
        };
        text.push_str(&format!(
            "[nodes.n{index}]\ntype = \"set\"\nvariable = \"v\"\nvalue = {index}\nnext = \"{next}\"\n"
        ));
    }
    text.push_str("[nodes.bye]\ntype = \"hangup\"\n");
    text
}

#[test]
fn long_chains_and_cycles_are_checked_without_deep_recursion() {
    assert_eq!(check(&chain(3000, "bye")), Vec::<String>::new());
    let errors = check(&chain(3000, "n0"));
    assert_eq!(
        errors.len(),
        2,
        "{:?}",
        errors
            .iter()
            .map(|e| &e[..80.min(e.len())])
            .collect::<Vec<_>>()
    );
    assert_eq!(
        errors[0],
        format!(
            "{FILE}:3:8: nodes `n0`, `n1`, `n2`, `n3`, `n4`, `n5`, `n6`, `n7`, and 2992 more \
             form a cycle with no node that waits for the caller (menu, collect or language): \
             the call would loop forever"
        )
    );
    assert_eq!(
        errors[1],
        format!(
            "{FILE}:15003:8: node `bye` is unreachable: no path leads to it from the entry `n0`"
        )
    );
}
