//! The web UI end to end, in headless Chromium against a whole box on soft hardware with
//! the HIL rig's traffic, over HTTPS with the box's self-signed certificate: the first
//! start creates the admin, the dashboard lists the spans, the wallboard shows a new
//! new notice within a second, the Chinese UI shows Chinese labels, and an agent works from
//! the desktop. Screenshots of each page go to `target/screenshots/`.

mod common;

use common::ui::{self, api_get, api_post, screenshot, text_of, WAIT};

use browser::Browser;
use far_end::Rig;
use soft_hardware::{ClockMode, DeviceKind};
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

#[test]
fn first_start_dashboard_wallboard_live_chinese_and_the_agents_screen_pop() {
    let work = tempfile::tempdir().expect("temp dir");
    // HTTPS, the box's default.
    let system = ui::https_system_toml();
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
    ui::first_start(&browser, &base);
    browser
        .wait_for("#spans", WAIT)
        .expect("the dashboard after the first start");
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
    ui::sign_out(&browser);
    ui::sign_in(&browser, &base, "root", ui::ADMIN_PASSWORD);
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
    // The configuration forms say what each setting is in Chinese, beside its key.
    browser
        .goto(&format!("{base}/config/form?file=queues.toml"))
        .unwrap();
    browser
        .wait_for("#form-editor fieldset.entry", WAIT)
        .unwrap();
    let strategy = text_of(&browser, "#form-editor tr[data-field$='.strategy'] th");
    assert!(
        strategy.contains("振铃策略") && strategy.contains("strategy"),
        "{strategy}"
    );
    let form = text_of(&browser, "#form-editor");
    assert!(form.contains("队列") && form.contains("在线应用"), "{form}");
    assert!(
        !form.contains("Ring strategy") && !form.contains("Apply live"),
        "no English left: {form}"
    );
    screenshot(&browser, "config-form-zh");
    browser.goto(&format!("{base}/wallboard")).unwrap();
    browser.wait_for(waiting, WAIT).unwrap();

    // The box restarts (same data, same port): the wall screen reconnects by itself,
    // still signed in, and shows what happens after the restart.
    let port = running.web_address().port();
    drop(rig);
    drop(running);
    let mut options =
        appliance::boot::BoxOptions::new(work.path().join("config"), work.path().join("data"));
    options.device_dir = Some(work.path().join("devices"));
    options.prompt_cache_dir = Some(common::shared_prompt_cache());
    options.epoch_unix_ms = Some(BOX_TIME_UNIX_MS);
    options.provision_token = Some(common::TEST_TOKEN.into());
    options.web_listen = Some(format!("127.0.0.1:{port}"));
    let running = appliance::boot::start_box(options).expect("the box starts again");
    let mut rig = Rig::connect(running.device_dir(), &devices(), ClockMode::LockStep).expect("rig");
    common::wait_link_up(&mut rig, "span1");
    let posted = common::step_until(&mut rig, 10_000, |_| {
        api_post(
            &browser,
            "/api/notices",
            r#"{"text": "Back after the restart", "expires_in_s": 600, "by": "root"}"#,
        ) == 201
    });
    assert!(posted, "the session outlives the restart");
    browser
        .wait_until(
            "document.querySelector('#ticker').textContent.includes('Back after the restart')",
            Duration::from_secs(20),
        )
        .expect("the wallboard reconnected by itself");

    // The admin adds an agent user; the agent signs in and gets the waiting call's
    // screen pop once ready at their phone.
    ui::add_agent_user(&browser, &base, "agent201", "201", "agent password");
    ui::sign_out(&browser);
    ui::sign_in(&browser, &base, "agent201", "agent password");
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

const CALLER: &str = "0201234";

fn ringing(rig: &mut Rig) {
    assert!(
        common::step_until(rig, 10_000, |r| r
            .phone("fxs2")
            .is_some_and(|p| p.ringing())),
        "201's phone rings: {}",
        rig.state_summary()
    );
}

#[test]
fn the_agent_gets_a_screen_pop_with_the_callers_earlier_call_and_note() {
    let work = tempfile::tempdir().expect("temp dir");
    let running = common::start_config_with(
        work.path(),
        "acd",
        &[("flows/acd-test.toml", common::ACCOUNT_FLOW)],
        BOX_TIME_UNIX_MS,
    );
    let web = running.web_address();
    let base = running.web_url();
    let mut rig = Rig::connect(running.device_dir(), &devices(), ClockMode::LockStep).expect("rig");
    common::wait_link_up(&mut rig, "span1");
    let browser = Browser::start().expect("chromium starts");

    // The admin (first start) makes the agent's account; the agent signs in.
    ui::first_start(&browser, &base);
    ui::add_agent_user(&browser, &base, "agent201", "201", "agent password");
    // The admin watches the wallboard; the agent works in a browser of their own.
    browser.goto(&format!("{base}/wallboard")).unwrap();
    let waiting = "#queues tr[data-queue='agents'] .waiting";
    browser.wait_for(waiting, WAIT).expect("the queue's row");
    assert_eq!(text_of(&browser, waiting), "0");
    let agent_browser = Browser::start().expect("a second chromium");
    ui::sign_in(&agent_browser, &base, "agent201", "agent password");
    agent_browser
        .wait_for("#screen-pop", WAIT)
        .expect("the agent desktop");

    // The first call: the caller keys an account number and waits in the queue (201 is
    // not ready yet): the wallboard shows it within a second of the queue's change.
    common::hotline_call_answered(&mut rig, CALLER, 1);
    rig.run_for(1000).expect("rig steps");
    common::key(&mut rig, 1, "1");
    rig.run_for(4000).expect("rig steps");
    common::key(&mut rig, 1, "123456#");
    let queued = common::step_until(&mut rig, 10_000, |_| {
        common::json(web, "GET", "/api/queues")["queues"]
            .as_array()
            .and_then(|queues| queues.iter().find(|q| q["name"] == "agents"))
            .is_some_and(|q| q["waiting"] == 1)
    });
    assert!(
        queued,
        "the call waits in the queue: {}",
        rig.state_summary()
    );
    let changed = Instant::now();
    browser
        .wait_until(
            &format!("document.querySelector({waiting:?}).textContent.trim() === '1'"),
            Duration::from_secs(1),
        )
        .expect("the wallboard shows the waiting call within 1 s");
    println!(
        "wallboard showed the waiting call {} ms after the queue changed",
        changed.elapsed().as_millis()
    );
    screenshot(&browser, "wallboard-waiting");

    // 201 logs in at their phone (ready at once): the call is offered, and the desktop
    // pops it.
    let (status, body) = common::send(
        web,
        "POST",
        "/api/agents/201/state",
        r#"{"state":"login","device":"201"}"#,
    );
    assert!(status.contains("204"), "login: {status} {body}");
    ringing(&mut rig);
    let browser = agent_browser;
    browser
        .wait_until(
            &format!("(document.querySelector('#pop-number') || {{textContent: ''}}).textContent.trim() === '{CALLER}'"),
            Duration::from_secs(3),
        )
        .expect("the screen pop shows the caller");
    assert_eq!(text_of(&browser, "#pop-ivr-path"), "main → account → queue");
    assert!(text_of(&browser, "#pop-variables").contains("account=123456"));
    assert!(text_of(&browser, "#pop-history").contains("No earlier calls"));

    // 201 answers, notes the call with a disposition from the desktop, and hangs up.
    let now = rig.now_ms();
    rig.phone_mut("fxs2").expect("phone").go_off_hook(now);
    rig.run_for(1000).expect("rig steps");
    browser
        .find("#wrap-up-form select[name=disposition]")
        .unwrap()
        .select_by_value("resolved")
        .unwrap();
    browser
        .find("#wrap-up-form textarea[name=note]")
        .unwrap()
        .type_text("Asked about the May bill")
        .unwrap();
    browser
        .find("#wrap-up-form button[type=submit]")
        .unwrap()
        .click()
        .unwrap();
    browser
        .wait_until(
            "document.querySelector('#screen-pop').textContent.includes('Asked about the May bill')",
            Duration::from_secs(3),
        )
        .expect("the saved note shows");
    rig.run_for(2000).expect("rig steps");
    let now = rig.now_ms();
    rig.phone_mut("fxs2").expect("phone").hang_up(now);
    let written = common::step_until(&mut rig, 10_000, |_| {
        common::json(web, "GET", &format!("/api/callers/{CALLER}/calls"))["calls"]
            .as_array()
            .is_some_and(|calls| calls.len() == 1)
    });
    assert!(written, "the first call's record is written");
    let ready_again = common::step_until(&mut rig, 15_000, |_| {
        common::json(web, "GET", "/api/agents")["agents"]
            .as_array()
            .and_then(|agents| agents.iter().find(|a| a["id"] == "201"))
            .is_some_and(|a| a["state"]["state"] == "ready")
    });
    assert!(ready_again, "201 is ready after wrap-up");
    // The desktop's own figures count the call once its statistics are stored: the live
    // stream reads the agent's stored rows again after their events.
    let counted = common::step_until(&mut rig, 10_000, |_| {
        text_of(&browser, "#today-answered") == "1"
    });
    assert!(
        counted,
        "today's figures count the call: {}",
        text_of(&browser, "#today")
    );

    // The same caller again: the screen pop shows the earlier call with its note.
    common::hotline_call_answered(&mut rig, CALLER, 2);
    rig.run_for(1000).expect("rig steps");
    common::key(&mut rig, 2, "2");
    ringing(&mut rig);
    browser
        .wait_until(
            "document.querySelector('#pop-history').textContent.includes('Asked about the May bill')",
            Duration::from_secs(3),
        )
        .expect("the earlier call's note in the screen pop");
    assert!(text_of(&browser, "#pop-history").contains("Resolved"));
    assert_eq!(text_of(&browser, "#pop-ivr-path"), "main → queue");
    screenshot(&browser, "agent-desk-screen-pop");
}
