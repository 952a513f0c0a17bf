//! The technician's configuration pages end to end, in headless Chromium against a whole
//! box on soft hardware (the HIL configuration `acd`, plain HTTP) with the HIL rig's
//! calls: a queue's strategy changed in its form decides who rings for the next call;
//! a change applied from the form while a call talks leaves it talking both ways; a bad
//! number is refused beside its field; an invalid IVR node is refused beside the node's
//! field in the flow's form, and in the text editor at its file, line, node and setting,
//! and nothing applies;
//! a rollback from the versions page brings back the earlier file text and behaviour;
//! a corrupted backup uploaded from the backup page is refused and changes nothing, a
//! whole one is restored;
//! prompts are heard in the page before they are saved (a Mandarin text, a WAV); an agent
//! added and one removed in the agents' form are what the ACD knows after the apply.
//! Screenshots `config-form.png`, `ivr-editor.png` and `config-versions.png` go to `target/screenshots/`.

mod common;

use common::live_config::{
    agents_ready, current_version, ringing, tones_pass_both_ways, versions, NEW_CHOICES,
    OLD_CHOICES,
};

use common::ui::{click_centered, eval_text, screenshot, text_of};

use browser::Browser;
use far_end::Rig;
use serde_json::Value;
use soft_hardware::{ClockMode, DeviceKind};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

/// A weekday inside the hotline's opening hours (flows/acd-test.toml's `hours`).
const BOX_TIME_UNIX_MS: u64 = 1_796_608_800_000;
const FLOW: &str = "flows/acd-test.toml";
const WAIT: Duration = Duration::from_secs(15);

fn devices() -> [(&'static str, DeviceKind, u16); 4] {
    [
        ("span1", DeviceKind::E1, 1),
        ("fxs2", DeviceKind::Fxs, 2),
        ("fxs3", DeviceKind::Fxs, 3),
        ("fxs4", DeviceKind::Fxs, 4),
    ]
}

/// A box from `hil-tests/configs/acd` with the rig plugged in and a browser signed in
/// as the admin made at first start.
struct Bench {
    running: appliance::boot::RunningBox,
    rig: Rig,
    web: SocketAddr,
    base: String,
    browser: Browser,
}

fn start(work: &Path) -> Bench {
    let running = common::start_config_with(work, "acd", &[], BOX_TIME_UNIX_MS);
    let web = running.web_address();
    let base = running.web_url();
    let mut rig = Rig::connect(running.device_dir(), &devices(), ClockMode::LockStep).expect("rig");
    common::wait_link_up(&mut rig, "span1");
    let browser = Browser::start().expect("chromium starts");
    common::ui::first_start(&browser, &base);
    Bench {
        running,
        rig,
        web,
        base,
        browser,
    }
}

fn open_editor(bench: &Bench) {
    bench
        .browser
        .goto(&format!("{}/config", bench.base))
        .unwrap();
    bench
        .browser
        .wait_for("#config-form textarea[data-file='queues.toml']", WAIT)
        .expect("the configuration editor");
}

/// The editor's text of `file`.
fn editor_text(browser: &Browser, file: &str) -> String {
    eval_text(
        browser,
        &format!("return document.querySelector('textarea[data-file=\"{file}\"]').value;"),
    )
}

/// Edits `file` in its editor: `from` becomes `to`.
fn edit(browser: &Browser, file: &str, from: &str, to: &str) {
    let text = editor_text(browser, file);
    assert!(text.contains(from), "{file} has {from}: {text}");
    browser
        .eval_with(
            "document.querySelector('textarea[data-file=\"' + arguments[0] + '\"]').value = arguments[1]; return true;",
            vec![Value::from(file), Value::from(text.replace(from, to))],
        )
        .expect("edit");
}

/// Clicks a button of the editor (`#config-check`, `#config-apply`) and waits for the
/// outcome it shows; whether it says ok.
fn press(browser: &Browser, button: &str) -> bool {
    browser
        .eval("document.querySelector('#config-result').innerHTML = ''; return true;")
        .unwrap();
    browser.find(button).unwrap().click().unwrap();
    browser
        .wait_for("#config-outcome", WAIT)
        .unwrap_or_else(|e| panic!("{button} answers: {e}"));
    browser
        .find("#config-outcome")
        .unwrap()
        .attribute("data-ok")
        .unwrap()
        .as_deref()
        == Some("true")
}

fn apply_in_page(browser: &Browser, comment: &str) -> u64 {
    browser
        .find("#config-form input[name=comment]")
        .unwrap()
        .clear()
        .unwrap();
    browser
        .find("#config-form input[name=comment]")
        .unwrap()
        .type_text(comment)
        .unwrap();
    assert!(
        press(browser, "#config-apply"),
        "applied: {}",
        text_of(browser, "#config-result")
    );
    let version = text_of(browser, "#config-outcome .applied-version");
    assert_eq!(text_of(browser, "#current-version"), version);
    version.parse().expect("a version number")
}

/// Opens `file`'s form from the configuration pages' tabs.
fn open_form(browser: &Browser, file: &str) {
    // At the top: the tabs are under the top bar once the page has scrolled.
    browser.eval("window.scrollTo(0, 0); return true;").unwrap();
    browser
        .find("nav.tabs a[href='/config/form']")
        .unwrap()
        .click()
        .unwrap();
    browser
        .wait_for(
            &format!("nav.form-files a[href='/config/form?file={}']", file),
            WAIT,
        )
        .expect("the list of forms")
        .click()
        .unwrap();
    browser
        .wait_for(
            &format!("#form-editor[data-file='{file}'] fieldset.entry"),
            WAIT,
        )
        .unwrap_or_else(|e| panic!("{file}'s form: {e}"));
}

/// Sets the form's field for `field` (`queues.agents.strategy`): a choice or a text.
fn form_set(browser: &Browser, field: &str, value: &str) {
    let css = format!("#form-editor [name^='value.'][data-field='{field}']");
    let element = browser
        .find(&css)
        .unwrap_or_else(|e| panic!("{field}'s field: {e}"));
    if element.property("tagName").unwrap() == "SELECT" {
        element.select_by_value(value).unwrap();
    } else {
        element.clear().unwrap();
        element.type_text(value).unwrap();
    }
}

/// Presses a form button (`#form-check`, `#form-apply`) and waits for the re-drawn
/// form's outcome; whether it says ok.
fn form_press(browser: &Browser, button: &str) -> bool {
    browser
        .eval(
            "document.querySelector('#form-editor').setAttribute('data-old', 'yes'); return true;",
        )
        .unwrap();
    browser.find(button).unwrap().click().unwrap();
    browser
        .wait_for("#form-editor:not([data-old]) #config-outcome", WAIT)
        .unwrap_or_else(|e| panic!("{button} answers: {e}"));
    browser
        .find("#form-editor #config-outcome")
        .unwrap()
        .attribute("data-ok")
        .unwrap()
        .as_deref()
        == Some("true")
}

/// Applies the form with a comment; the new version's number.
fn form_apply(browser: &Browser, comment: &str) -> u64 {
    let input = browser.find("#form-editor input[name=comment]").unwrap();
    input.clear().unwrap();
    input.type_text(comment).unwrap();
    assert!(
        form_press(browser, "#form-apply"),
        "applied: {}",
        text_of(browser, "#form-editor")
    );
    text_of(browser, "#form-editor #config-outcome .applied-version")
        .parse()
        .expect("a version number")
}

/// The carrier calls the hotline as call `number` and keys `digits` after the menu starts.
fn call_and_key(rig: &mut Rig, number: usize, from: &str, digits: &str) {
    common::hotline_call_answered(rig, from, number);
    rig.run_for(1000).unwrap();
    common::key(rig, number, digits);
}

fn until_ringing(rig: &mut Rig, phone: &str) {
    assert!(
        common::step_until(rig, 8000, |r| ringing(r, phone)),
        "{phone} rings: {}",
        rig.state_summary()
    );
}

fn answer(rig: &mut Rig, phone: &str) {
    let now = rig.now_ms();
    rig.phone_mut(phone).unwrap().go_off_hook(now);
    rig.run_for(1000).unwrap();
}

#[test]
fn a_strategy_changed_in_its_form_rings_the_next_call_and_a_call_up_keeps_talking_through_an_apply_and_an_invalid_node_is_refused_at_its_field(
) {
    let work = tempfile::tempdir().expect("temp dir");
    let mut bench = start(work.path());
    let web = bench.web;
    assert_eq!(current_version(web), 1);
    agents_ready(&mut bench.rig, web);

    // The technician's navigation leads to the configuration: every group's editor is
    // there.
    bench
        .browser
        .find("nav.side a[href='/config']")
        .unwrap()
        .click()
        .unwrap();
    bench
        .browser
        .wait_for("#config-form textarea[data-file='queues.toml']", WAIT)
        .expect("the configuration editor");
    assert_eq!(text_of(&bench.browser, "#current-version"), "1");
    for group in [
        "GroupSystemLines",
        "GroupTrunksRoutes",
        "GroupIvrFlows",
        "GroupQueues",
        "GroupAgents",
        "GroupPrompts",
        "GroupSchedules",
    ] {
        bench
            .browser
            .find(&format!("fieldset[data-group={group}] textarea"))
            .unwrap_or_else(|e| panic!("{group}'s editor: {e}"));
    }

    // The queue goes round-robin in its form: a list of the strategies the checks take.
    open_form(&bench.browser, "queues.toml");
    let strategies: Vec<String> = bench
        .browser
        .find_all("select[data-field='queues.agents.strategy'] option")
        .unwrap()
        .iter()
        .map(|option| option.attribute("value").unwrap().unwrap_or_default())
        .collect();
    assert_eq!(
        strategies,
        [
            "",
            "longest-idle",
            "round-robin",
            "fewest-calls",
            "ring-all",
            "random",
            "skills-based"
        ]
    );
    form_set(&bench.browser, "queues.agents.strategy", "round-robin");
    assert!(
        form_press(&bench.browser, "#form-check"),
        "the change checks clean: {}",
        text_of(&bench.browser, "#form-editor")
    );
    assert!(
        bench.browser.find("#form-editor p.unsaved").is_ok(),
        "a checked change is shown as not applied yet"
    );
    assert_eq!(current_version(web), 1, "a check applies nothing");
    // A bad number is refused at its field before anything is checked or applied.
    form_set(&bench.browser, "queues.agents.ring_timeout_s", "eight");
    assert!(!form_press(&bench.browser, "#form-apply"), "refused");
    assert!(
        text_of(
            &bench.browser,
            "tr[data-field='queues.agents.ring_timeout_s'] td.errors .field-error"
        )
        .contains("not a whole number"),
        "the error beside the field: {}",
        text_of(&bench.browser, "#form-editor")
    );
    assert_eq!(current_version(web), 1, "nothing applied");
    form_set(&bench.browser, "queues.agents.ring_timeout_s", "8");
    screenshot(&bench.browser, "config-form");
    assert_eq!(form_apply(&bench.browser, "round-robin"), 2);
    assert_eq!(current_version(web), 2);
    let queues_file =
        std::fs::read_to_string(bench.running.config_dir().join("queues.toml")).unwrap();
    assert!(
        queues_file.contains("strategy = \"round-robin\""),
        "{queues_file}"
    );
    assert!(
        queues_file.starts_with("# The ACD of the HIL configuration"),
        "the file's comments stay: {queues_file}"
    );

    // Longest-idle would offer the call to 202; round-robin starts with 201.
    call_and_key(&mut bench.rig, 1, "0201111", "2");
    until_ringing(&mut bench.rig, "fxs2");
    assert!(!ringing(&bench.rig, "fxs3"), "202 is not offered the call");
    answer(&mut bench.rig, "fxs2");
    assert!(
        tones_pass_both_ways(&mut bench.rig, 1, "fxs2"),
        "call 1 talks"
    );

    // Applied from the form while call 1 talks: the call stays up, audio both ways.
    form_set(&bench.browser, "queues.agents.ring_timeout_s", "10");
    assert_eq!(form_apply(&bench.browser, "longer ring"), 3);
    assert!(
        bench
            .rig
            .carrier("span1")
            .unwrap()
            .call(1)
            .unwrap()
            .is_live(),
        "call 1 is still up"
    );
    assert!(
        tones_pass_both_ways(&mut bench.rig, 1, "fxs2"),
        "call 1 still talks both ways after the apply"
    );

    // A menu node that never waits for a key, set in the flow's form: refused beside
    // the node's field, nothing applied.
    open_form(&bench.browser, FLOW);
    bench
        .browser
        .find("fieldset.entry[data-field='nodes.main'] select[data-field='nodes.main.type'] option[value='menu'][selected]")
        .expect("the menu node's type");
    form_set(&bench.browser, "nodes.main.timeout_s", "0");
    assert!(
        !form_press(&bench.browser, "#form-apply"),
        "the apply is refused"
    );
    let beside = text_of(
        &bench.browser,
        "fieldset.entry.has-error[data-field='nodes.main'] tr[data-field='nodes.main.timeout_s'] td.errors .field-error",
    );
    assert!(
        beside.contains("`timeout_s` must be at least 1"),
        "the error beside the node's field: {beside:?}"
    );
    assert_eq!(current_version(web), 3, "nothing applied");

    // The same in the text editor: refused at its line and node.
    open_editor(&bench);
    let flow_before = editor_text(&bench.browser, FLOW);
    let line = 1 + flow_before
        .lines()
        .position(|l| l.starts_with("timeout_s ="))
        .expect("the menu's timeout");
    edit(&bench.browser, FLOW, "timeout_s = 5", "timeout_s = 0");
    assert!(
        !press(&bench.browser, "#config-check"),
        "the check finds the error"
    );
    assert!(
        !press(&bench.browser, "#config-apply"),
        "the apply is refused"
    );
    let error_css = format!("li.field-error[data-file='{FLOW}'][data-line='{line}']");
    let at_field = text_of(&bench.browser, &error_css);
    assert!(
        at_field.contains("node `main`: `timeout_s` must be at least 1"),
        "the error under the flow's editor: {at_field:?} ({})",
        text_of(&bench.browser, "#config-result")
    );
    assert!(
        text_of(&bench.browser, &format!("{error_css} pre.error-line mark"))
            .contains("timeout_s = 0"),
        "the offending line quoted"
    );
    let node_error = bench
        .browser
        .find(&format!(
            ".flow-nodes li.node[data-node='main'] p.node-error[data-line='{line}']"
        ))
        .expect("the error at the menu node");
    assert_eq!(
        node_error.attribute("data-setting").unwrap().as_deref(),
        Some("timeout_s")
    );
    bench
        .browser
        .find(".flow-nodes li.node.has-error[data-node='main'][data-type='menu'] tr.error[data-setting='timeout_s']")
        .expect("the node's timeout_s row marked");
    assert!(
        bench
            .browser
            .find(".flow-nodes li.node[data-node='bye'].has-error")
            .is_err(),
        "only the node concerned is marked"
    );
    // A click on the error selects its line in the flow's editor.
    click_centered(&bench.browser, &error_css);
    let selected = eval_text(
        &bench.browser,
        "const e = document.activeElement; return e.value.substring(e.selectionStart, e.selectionEnd);",
    );
    assert_eq!(selected, "timeout_s = 0");
    bench
        .browser
        .eval("document.querySelector('.flow-nodes').scrollIntoView(); return true;")
        .unwrap();
    screenshot(&bench.browser, "ivr-editor");
    assert_eq!(text_of(&bench.browser, "#current-version"), "3");
    assert_eq!(current_version(web), 3, "nothing applied");
    assert_eq!(versions(web).len(), 3);
    let live_flow = std::fs::read_to_string(bench.running.config_dir().join(FLOW)).unwrap();
    assert_eq!(live_flow, flow_before, "the live flow is unchanged");

    // The running flow still works: key 2 queues the next call, to 202, the one ready.
    call_and_key(&mut bench.rig, 2, "0202222", "2");
    until_ringing(&mut bench.rig, "fxs3");
    assert!(
        tones_pass_both_ways(&mut bench.rig, 1, "fxs2"),
        "call 1 talks to the end"
    );

    // A Mandarin text prompt: heard in the page first, then added to prompts.toml and
    // applied with the rest (the broken flow put right).
    edit(&bench.browser, FLOW, "timeout_s = 0", "timeout_s = 5");
    bench
        .browser
        .find("#prompt-name")
        .unwrap()
        .type_text("welcome-zh")
        .unwrap();
    bench
        .browser
        .find("#prompt-language")
        .unwrap()
        .select_by_value("zh")
        .unwrap();
    bench
        .browser
        .find("#prompt-text")
        .unwrap()
        .type_text("您好，欢迎致电")
        .unwrap();
    bench
        .browser
        .find("#prompt-listen")
        .unwrap()
        .click()
        .unwrap();
    bench
        .browser
        .wait_until(
            "document.querySelector('#prompt-audio').readyState >= 1 && document.querySelector('#prompt-audio').duration > 0.3",
            WAIT,
        )
        .expect("the synthesized prompt loads in the page's player");
    bench.browser.find("#prompt-add").unwrap().click().unwrap();
    assert!(
        editor_text(&bench.browser, "prompts.toml")
            .contains("[prompts.welcome-zh]\nzh = \"您好，欢迎致电\""),
        "{}",
        editor_text(&bench.browser, "prompts.toml")
    );
    assert_eq!(apply_in_page(&bench.browser, "a welcome in Mandarin"), 4);
    let prompts = common::json(web, "GET", "/api/config/current")["files"]["prompts.toml"].clone();
    assert!(
        prompts
            .as_str()
            .is_some_and(|text| text.contains("[prompts.welcome-zh]")),
        "{prompts}"
    );

    // The audit log keeps each apply with the version it replaced and the new one.
    bench
        .browser
        .goto(&format!("{}/admin/audit", bench.base))
        .unwrap();
    bench.browser.wait_for("table", WAIT).unwrap();
    let row = eval_text(
        &bench.browser,
        "const row = [...document.querySelectorAll('tr')].find(r => r.textContent.includes('/config/apply') && r.textContent.includes('a welcome in Mandarin'));
         return row ? row.textContent : '';",
    );
    assert!(
        row.contains(r#"{"version":3}"#) && row.contains(r#""version":4"#),
        "the audit entry's before and after: {row:?}"
    );

    // A recorded prompt: a WAV (16 kHz, half a second of 440 Hz) heard as a caller will
    // hear it, then saved as prompts/en/hold-on.wav in a new version; a file that is no
    // WAV is refused with the reader's reason and changes nothing.
    open_editor(&bench);
    bench
        .browser
        .find("#prompt-name")
        .unwrap()
        .type_text("hold-on")
        .unwrap();
    bench
        .browser
        .find("#prompt-language")
        .unwrap()
        .select_by_value("en")
        .unwrap();
    let size = choose_upload(&bench.browser, "tone");
    bench
        .browser
        .find("#prompt-wav-listen")
        .unwrap()
        .click()
        .unwrap();
    bench
        .browser
        .wait_until(
            "document.querySelector('#prompt-audio').src.startsWith('blob:') && Math.abs(document.querySelector('#prompt-audio').duration - 0.5) < 0.05",
            WAIT,
        )
        .expect("the converted recording loads in the page's player");
    bench
        .browser
        .find("#prompt-wav-save")
        .unwrap()
        .click()
        .unwrap();
    bench
        .browser
        .wait_for("#prompt-outcome[data-ok='true']", WAIT)
        .unwrap_or_else(|e| panic!("saved: {e}: {}", text_of(&bench.browser, "#prompt-result")));
    assert_eq!(
        text_of(&bench.browser, "#prompt-result .applied-version"),
        "5"
    );
    assert_eq!(text_of(&bench.browser, "#current-version"), "5");
    assert_eq!(current_version(web), 5);
    let saved = std::fs::read(bench.running.config_dir().join("prompts/en/hold-on.wav")).unwrap();
    assert_eq!(saved.len() as u64, size, "the upload saved as it was");
    choose_upload(&bench.browser, "junk");
    bench
        .browser
        .find("#prompt-wav-save")
        .unwrap()
        .click()
        .unwrap();
    bench
        .browser
        .wait_for("#prompt-outcome[data-ok='false']", WAIT)
        .expect("refused");
    assert!(text_of(&bench.browser, "#prompt-result").contains("RIFF"));
    assert_eq!(current_version(web), 5, "nothing applied");
    bench.running.stop();
}

/// Puts a file made in the page into the recorded prompt's file input: `tone` a 16 kHz
/// 16-bit WAV of half a second of 440 Hz, anything else a few bytes that are no WAV.
/// The file's size.
fn choose_upload(browser: &Browser, kind: &str) -> u64 {
    browser
        .eval_with(
            "let bytes;
             if (arguments[0] === 'tone') {
               const rate = 16000, count = rate / 2, buffer = new ArrayBuffer(44 + count * 2), v = new DataView(buffer);
               const text = (at, s) => { for (let i = 0; i < s.length; i++) v.setUint8(at + i, s.charCodeAt(i)); };
               text(0, 'RIFF'); v.setUint32(4, 36 + count * 2, true); text(8, 'WAVEfmt ');
               v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 1, true);
               v.setUint32(24, rate, true); v.setUint32(28, rate * 2, true); v.setUint16(32, 2, true);
               v.setUint16(34, 16, true); text(36, 'data'); v.setUint32(40, count * 2, true);
               for (let i = 0; i < count; i++) v.setInt16(44 + i * 2, Math.round(8000 * Math.sin(2 * Math.PI * 440 * i / rate)), true);
               bytes = new Uint8Array(buffer);
             } else {
               bytes = new TextEncoder().encode('ID3 this is an mp3, not a wav');
             }
             const list = new DataTransfer();
             list.items.add(new File([bytes], 'prompt.wav', { type: 'audio/wav' }));
             document.querySelector('#prompt-wav').files = list.files;
             document.querySelector('#prompt-result').innerHTML = '';
             return bytes.length;",
            vec![Value::from(kind)],
        )
        .expect("a file chosen")
        .as_u64()
        .unwrap_or(0)
}

#[test]
fn a_rollback_from_the_versions_page_restores_the_flow_and_a_corrupted_backup_changes_nothing() {
    let work = tempfile::tempdir().expect("temp dir");
    let mut bench = start(work.path());
    let web = bench.web;
    agents_ready(&mut bench.rig, web);

    // Version 2: the menu's key 2 is the outage notice; the next call hears it and is
    // hung up, no agent rings.
    open_editor(&bench);
    let original_flow = editor_text(&bench.browser, FLOW);
    edit(&bench.browser, FLOW, OLD_CHOICES, NEW_CHOICES);
    assert_eq!(
        apply_in_page(&bench.browser, "key 2 is the outage notice"),
        2
    );
    call_and_key(&mut bench.rig, 1, "0201111", "2");
    let cleared = common::step_until(&mut bench.rig, 30_000, |r| {
        r.carrier("span1")
            .and_then(|c| c.call(1))
            .is_some_and(|call| !call.is_live())
    });
    assert!(
        cleared,
        "call 1 ends after the notice: {}",
        bench.rig.state_summary()
    );
    assert!(!ringing(&bench.rig, "fxs2") && !ringing(&bench.rig, "fxs3"));

    // The versions page: both versions, the diff of version 1 against the current one.
    bench
        .browser
        .goto(&format!("{}/config/versions", bench.base))
        .unwrap();
    bench
        .browser
        .wait_for("#versions tr[data-version='1']", WAIT)
        .unwrap();
    assert!(
        text_of(&bench.browser, "#versions tr[data-version='2'] td.current").contains("Current")
    );
    assert!(text_of(&bench.browser, "#versions tr[data-version='2']").contains("root"));
    assert!(text_of(&bench.browser, "#versions tr[data-version='2']")
        .contains("key 2 is the outage notice"));
    bench
        .browser
        .find("#versions tr[data-version='1'] button.diff")
        .unwrap()
        .click()
        .unwrap();
    bench
        .browser
        .wait_for("#diff span.added", WAIT)
        .expect("the diff");
    let removed = text_of(&bench.browser, "#diff span.removed");
    let added = text_of(&bench.browser, "#diff span.added");
    assert_eq!(removed, format!("-{OLD_CHOICES}"), "version 1's line");
    assert_eq!(added, format!("+{NEW_CHOICES}"), "the current line");
    screenshot(&bench.browser, "config-versions");

    // Rolled back to 1 as version 3: the file's text and the behaviour come back.
    bench
        .browser
        .eval("window.confirm = function () { return true; }; return true;")
        .unwrap();
    bench
        .browser
        .find("#versions tr[data-version='1'] button.rollback")
        .unwrap()
        .click()
        .unwrap();
    bench
        .browser
        .wait_for("#versions-result #config-outcome", WAIT)
        .expect("rolled back");
    assert_eq!(
        text_of(&bench.browser, "#versions-result .applied-version"),
        "3"
    );
    bench
        .browser
        .wait_for("#versions tr[data-version='3'].current", WAIT)
        .unwrap();
    assert_eq!(current_version(web), 3);
    open_editor(&bench);
    assert_eq!(editor_text(&bench.browser, FLOW), original_flow);
    call_and_key(&mut bench.rig, 2, "0202222", "2");
    until_ringing(&mut bench.rig, "fxs3");
    answer(&mut bench.rig, "fxs3");
    assert!(
        tones_pass_both_ways(&mut bench.rig, 2, "fxs3"),
        "key 2 reaches an agent again"
    );

    // A backup downloaded from the page's link, one byte flipped, uploaded: refused with
    // the reason, nothing changed.
    let files_before = common::json(web, "GET", "/api/config/current");
    bench
        .browser
        .goto(&format!("{}/config/backup", bench.base))
        .unwrap();
    bench.browser.wait_for("#restore-file", WAIT).unwrap();
    let size = choose_backup(&bench.browser, true);
    assert!(size > 1000, "a backup of {size} bytes");
    bench
        .browser
        .find("#restore-button")
        .unwrap()
        .click()
        .unwrap();
    bench
        .browser
        .wait_for("#restore-outcome", WAIT)
        .expect("the restore answers");
    let outcome = bench.browser.find("#restore-outcome").unwrap();
    assert_eq!(
        outcome.attribute("data-ok").unwrap().as_deref(),
        Some("false")
    );
    let reason = text_of(&bench.browser, "#restore-outcome");
    assert!(
        reason.contains("refused") && (reason.contains("damaged") || reason.contains("SHA-256")),
        "{reason}"
    );
    assert_eq!(current_version(web), 3, "no version saved");
    assert_eq!(versions(web).len(), 3);
    assert_eq!(
        common::json(web, "GET", "/api/config/current"),
        files_before
    );
    assert!(
        !work.path().join("data/restore").exists(),
        "no database staged"
    );
    assert!(
        tones_pass_both_ways(&mut bench.rig, 2, "fxs3"),
        "call 2 still talks"
    );

    // The same backup whole: restored as version 4, its database staged for the next
    // start.
    choose_backup(&bench.browser, false);
    bench
        .browser
        .find("#restore-button")
        .unwrap()
        .click()
        .unwrap();
    bench
        .browser
        .wait_for("#restore-outcome[data-ok='true']", WAIT)
        .unwrap_or_else(|e| {
            panic!(
                "restored: {e}: {}",
                text_of(&bench.browser, "#restore-result")
            )
        });
    assert_eq!(
        bench
            .browser
            .find("#restore-outcome")
            .unwrap()
            .attribute("data-version")
            .unwrap()
            .as_deref(),
        Some("4")
    );
    assert!(text_of(&bench.browser, "#restore-outcome").contains("queues.toml"));
    assert_eq!(current_version(web), 4);
    assert_eq!(
        common::json(web, "GET", "/api/config/current")["files"],
        files_before["files"]
    );
    assert!(
        tones_pass_both_ways(&mut bench.rig, 2, "fxs3"),
        "call 2 still talks after the restore"
    );
    bench.running.stop();
}

/// Downloads a backup from the backup page's link and puts it into the restore's file
/// input, with one byte in its middle flipped when `damaged`; its size.
fn choose_backup(browser: &Browser, damaged: bool) -> u64 {
    browser
        .eval_with(
            "const link = document.querySelector('#backup-download').getAttribute('href');
             const x = new XMLHttpRequest(); x.open('GET', link, false);
             x.overrideMimeType('text/plain; charset=x-user-defined'); x.send();
             const bytes = new Uint8Array(x.responseText.length);
             for (let i = 0; i < bytes.length; i++) { bytes[i] = x.responseText.charCodeAt(i) & 0xff; }
             if (arguments[0]) { bytes[bytes.length >> 1] ^= 1; }
             const list = new DataTransfer();
             list.items.add(new File([bytes], 'box-backup.tar.gz', { type: 'application/gzip' }));
             document.querySelector('#restore-file').files = list.files;
             document.querySelector('#restore-result').innerHTML = '';
             return bytes.length;",
            vec![Value::from(damaged)],
        )
        .expect("a backup downloaded")
        .as_u64()
        .unwrap_or(0)
}

/// The agent numbers the ACD knows, with their names.
fn acd_agents(web: SocketAddr) -> Vec<(String, String)> {
    common::json(web, "GET", "/api/agents")["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .map(|agent| {
            (
                agent["id"].as_str().unwrap_or_default().to_owned(),
                agent["name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn an_agent_added_and_one_removed_in_the_agents_form_are_what_the_acd_knows_after_the_apply() {
    let work = tempfile::tempdir().expect("temp dir");
    let bench = start(work.path());
    let web = bench.web;
    let browser = &bench.browser;
    let ids = |agents: Vec<(String, String)>| -> Vec<String> {
        agents.into_iter().map(|(id, _)| id).collect()
    };
    assert_eq!(ids(acd_agents(web)), ["201", "202", "203"]);

    open_editor(&bench);
    open_form(browser, "agents.toml");
    // A new entry is drawn at once, not applied: its id, name, PIN and queues filled in.
    click_centered(
        browser,
        "div.add-entry[data-collection='agent'] button[value='add:agent']",
    );
    browser
        .wait_for("fieldset.entry[data-field='agent[3]']", WAIT)
        .expect("the new agent's entry");
    assert!(browser.find("#form-editor p.unsaved").is_ok());
    assert_eq!(current_version(web), 1, "adding an entry applies nothing");
    form_set(browser, "agent[3].id", "204");
    form_set(browser, "agent[3].name", "Agent Four");
    form_set(browser, "agent[3].pin", "2044");
    form_set(browser, "agent[3].queues", "agents");
    // Agent One goes.
    click_centered(
        browser,
        "fieldset.entry[data-field='agent[0]'] label.remove input[type=checkbox]",
    );
    assert_eq!(form_apply(browser, "agent 204 joins, 201 leaves"), 2);

    let agents = acd_agents(web);
    assert_eq!(ids(agents.clone()), ["202", "203", "204"], "{agents:?}");
    assert!(agents.contains(&("204".to_owned(), "Agent Four".to_owned())));
    let file = std::fs::read_to_string(bench.running.config_dir().join("agents.toml")).unwrap();
    assert!(!file.contains("Agent One"), "{file}");
    assert!(file.contains("[[agent]]\nid = \"204\""), "{file}");

    // A PIN of letters is the checks' error, beside the PIN; nothing applies.
    open_form(browser, "agents.toml");
    form_set(browser, "agent[0].pin", "abcd");
    assert!(!form_press(browser, "#form-apply"));
    assert!(
        text_of(
            browser,
            "tr[data-field='agent[0].pin'] td.errors .field-error"
        )
        .contains("a PIN is 4 to 8 digits"),
        "{}",
        text_of(browser, "#form-editor")
    );
    assert_eq!(current_version(web), 2, "nothing applied");
}
