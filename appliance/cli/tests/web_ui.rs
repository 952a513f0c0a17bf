//! The web UI end to end, in headless Chromium against a whole box on soft hardware with
//! the HIL rig's traffic, over HTTPS with the box's self-signed certificate: the first
//! start creates the admin, the dashboard lists the spans, the wallboard shows a new
//! new notice within a second, the Chinese UI shows Chinese labels, and an agent works from
//! the desktop. Screenshots of each page go to `target/screenshots/`.

mod common;

use browser::Browser;
use far_end::Rig;
use soft_hardware::{ClockMode, DeviceKind};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const BOX_TIME_UNIX_MS: u64 = 1_780_000_000_000;

fn devices() -> [(&'static str, DeviceKind, u16); 4] {
    [
        ("span1", DeviceKind::E1, 1),
        ("fxs2", DeviceKind::Fxs, 2),
        ("fxs3", DeviceKind::Fxs, 3),
        ("fxs4", DeviceKind::Fxs, 4),
    ]
}

fn screenshot(browser: &Browser, name: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/screenshots")
        .join(format!("{name}.png"));
    browser.screenshot(&path).expect("screenshot");
}

fn text_of(browser: &Browser, css: &str) -> String {
    browser
        .eval(&format!(
            "const e = document.querySelector({css:?}); return e ? e.textContent.trim() : null;"
        ))
        .expect("eval")
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A GET of the box's API from the signed-in page (its session cookie).
fn api_get(browser: &Browser, path: &str) -> serde_json::Value {
    let text = browser
        .eval(&format!(
            "const x = new XMLHttpRequest(); x.open('GET', {path:?}, false); x.send(); return x.responseText;"
        ))
        .expect("eval");
    serde_json::from_str(text.as_str().unwrap_or("null")).unwrap_or(serde_json::Value::Null)
}

/// A POST from the signed-in page with its CSRF token, as the UI's own requests send it.
fn api_post(browser: &Browser, path: &str, body: &str) -> u64 {
    browser
        .eval(&format!(
            "const x = new XMLHttpRequest(); x.open('POST', {path:?}, false); \
             x.setRequestHeader('Content-Type', 'application/json'); \
             x.setRequestHeader('X-CSRF-Token', document.querySelector('meta[name=csrf-token]').content); \
             x.send({body:?}); return x.status;"
        ))
        .expect("eval")
        .as_u64()
        .unwrap_or(0)
}

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn first_start_dashboard_wallboard_live_chinese_and_the_agents_screen_pop() {
    let work = tempfile::tempdir().expect("temp dir");
    // HTTPS, the box's default: the test configuration's plain-HTTP line is taken out.
    let system = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../hil-tests/configs/acd/system.toml"),
    )
    .expect("system.toml")
    .lines()
    .filter(|line| !line.starts_with("web_plain_http"))
    .collect::<Vec<_>>()
    .join("\n");
    let running = common::start_config_with(
        work.path(),
        "acd",
        &[("system.toml", &system)],
        BOX_TIME_UNIX_MS,
    );
    let base = running.web_url();
    assert!(base.starts_with("https://"), "{base}");
    let mut rig = Rig::connect(running.device_dir(), &devices(), ClockMode::LockStep).expect("rig");
    common::wait_link_up(&mut rig, "span1");
    let browser = Browser::start().expect("chromium starts");

    // First start: any page leads to the admin's creation; no default password.
    browser.goto(&format!("{base}/")).expect("goto");
    browser
        .wait_for("form.setup", WAIT)
        .expect("the first-start form");
    assert!(browser.url().expect("url").ends_with("/setup"));
    browser
        .find("input[name=name]")
        .unwrap()
        .type_text("root")
        .unwrap();
    browser
        .find("input[name=display_name]")
        .unwrap()
        .type_text("Root Admin")
        .unwrap();
    browser
        .find("input[name=password]")
        .unwrap()
        .type_text("correct horse battery")
        .unwrap();
    browser
        .find("input[name=password_again]")
        .unwrap()
        .type_text("correct horse battery")
        .unwrap();
    browser
        .find("form.setup button[type=submit]")
        .unwrap()
        .click()
        .unwrap();
    if browser.wait_for("#spans", WAIT).is_err() {
        panic!(
            "not signed in: {}",
            browser.page_source().unwrap_or_default()
        );
    }
    let cookies = browser.cookies().expect("cookies");
    let session = cookies
        .iter()
        .find(|c| c.name == "box_session")
        .expect("session cookie");
    assert!(session.http_only && session.secure, "{session:?}");
    assert_eq!(session.same_site.as_deref(), Some("Strict"));
    browser
        .wait_for("#spans tr[data-span='1']", WAIT)
        .expect("span 1 listed");
    let box_link_up = common::step_until(&mut rig, 5000, |_| {
        api_get(&browser, "/api/status")["spans"][0]["d_channel_up"] == true
    });
    assert!(box_link_up, "the box sees its D-channel up");
    browser.refresh().unwrap();
    browser.wait_for("#spans tr[data-span='1']", WAIT).unwrap();
    let span_row = text_of(&browser, "#spans tr[data-span='1']");
    assert!(span_row.contains("D-channel up"), "{span_row}");
    browser
        .wait_until("document.querySelector('.live') !== null", WAIT)
        .expect("live part");
    screenshot(&browser, "dashboard");

    // Sign out, then in again with the password just made.
    browser.find("button.sign-out").unwrap().click().unwrap();
    browser
        .wait_for("form.login", WAIT)
        .expect("the login page");
    browser
        .find("input[name=name]")
        .unwrap()
        .type_text("root")
        .unwrap();
    browser
        .find("input[name=password]")
        .unwrap()
        .type_text("correct horse battery")
        .unwrap();
    browser
        .find("form.login button[type=submit]")
        .unwrap()
        .click()
        .unwrap();
    browser.wait_for("#spans", WAIT).expect("signed in again");

    // The wallboard: a call entering the queue shows within a second of the event.
    browser.goto(&format!("{base}/wallboard")).unwrap();
    let waiting = "#queues tr[data-queue='agents'] .waiting";
    browser.wait_for(waiting, WAIT).expect("the queue's row");
    assert_eq!(text_of(&browser, waiting), "0");
    // The stream is open before the notice comes.
    std::thread::sleep(Duration::from_millis(1500));
    let status = api_post(
        &browser,
        "/api/notices",
        r#"{"text": "Outage in district 7", "expires_in_s": 600, "by": "root"}"#,
    );
    assert_eq!(status, 201, "notice posted");
    let published = Instant::now();
    browser
        .wait_until(
            "document.querySelector('#ticker').textContent.includes('Outage in district 7')",
            Duration::from_secs(1),
        )
        .expect("the wallboard's ticker shows the notice within 1 s");
    println!(
        "wallboard updated {} ms after the notice",
        published.elapsed().as_millis()
    );
    screenshot(&browser, "wallboard");

    // The admin switches to Chinese: every label follows.
    browser.goto(&format!("{base}/account")).unwrap();
    browser.wait_for("#language-form", WAIT).unwrap();
    browser
        .find("#language-form select[name=language]")
        .unwrap()
        .select_by_value("zh")
        .unwrap();
    browser
        .find("#language-form button[type=submit]")
        .unwrap()
        .click()
        .unwrap();
    browser
        .wait_until("document.documentElement.lang === 'zh-Hans'", WAIT)
        .expect("the page reloads in Chinese");
    browser.goto(&format!("{base}/wallboard")).unwrap();
    browser.wait_for(waiting, WAIT).unwrap();
    let nav = text_of(&browser, "nav.side");
    assert!(nav.contains("大屏看板") && nav.contains("仪表盘"), "{nav}");
    assert!(text_of(&browser, "#queues thead").contains("排队中"));
    assert!(!nav.contains("Wallboard"), "no English left: {nav}");
    screenshot(&browser, "wallboard-zh");

    // The admin adds an agent user; the agent signs in and gets the waiting call's
    // screen pop once ready at their phone.
    browser.goto(&format!("{base}/admin/users")).unwrap();
    browser.wait_for("#add-user", WAIT).unwrap();
    browser
        .find("#add-user input[name=name]")
        .unwrap()
        .type_text("agent201")
        .unwrap();
    browser
        .find("#add-user input[name=display_name]")
        .unwrap()
        .type_text("Agent One")
        .unwrap();
    browser
        .find("#add-user select[name=role]")
        .unwrap()
        .select_by_value("agent")
        .unwrap();
    browser
        .find("#add-user input[name=agent]")
        .unwrap()
        .type_text("201")
        .unwrap();
    browser
        .find("#add-user input[name=password]")
        .unwrap()
        .type_text("agent password")
        .unwrap();
    browser
        .find("#add-user button[type=submit]")
        .unwrap()
        .click()
        .unwrap();
    browser
        .wait_for("tr[data-user='agent201']", WAIT)
        .expect("the agent user is listed");
    browser.find("button.sign-out").unwrap().click().unwrap();
    browser.wait_for("form.login", WAIT).unwrap();
    browser
        .find("input[name=name]")
        .unwrap()
        .type_text("agent201")
        .unwrap();
    browser
        .find("input[name=password]")
        .unwrap()
        .type_text("agent password")
        .unwrap();
    browser
        .find("form.login button[type=submit]")
        .unwrap()
        .click()
        .unwrap();
    browser
        .wait_for("#agent-state", WAIT)
        .expect("the agent desktop");
    assert!(browser.url().unwrap().ends_with("/desk"));
    // The agent logs in at their phone and goes ready from the desktop: the live state
    // follows.
    browser
        .find("#state-form input[name=device]")
        .unwrap()
        .type_text("201")
        .unwrap();
    browser
        .find("#state-form button[value=login]")
        .unwrap()
        .click()
        .unwrap();
    browser
        .wait_until("document.querySelector('#my-state') && !document.querySelector('#my-state').className.includes('state-logged-out')", WAIT)
        .unwrap_or_else(|e| panic!("logged in: {e}: {}", text_of(&browser, "#live-agent")));
    browser
        .find("#state-form button[value=ready]")
        .unwrap()
        .click()
        .unwrap();
    browser
        .wait_until(
            "document.querySelector('#my-state').className.includes('state-ready')",
            WAIT,
        )
        .expect("ready");
    // The admin made the agent in the Chinese UI, which picks Chinese for them.
    assert_eq!(text_of(&browser, "#my-state"), "就绪");
    rig.run_for(200).expect("rig steps");
    screenshot(&browser, "agent-desk");
}
