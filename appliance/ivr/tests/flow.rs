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
    match Flow::parse(text, FILE) {
        Err(errors) => lines(errors),
        Ok(flow) => match flow.validate(&known_prompt, &known_schedule) {
            Ok(()) => Vec::new(),
            Err(errors) => lines(errors),
        },
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
