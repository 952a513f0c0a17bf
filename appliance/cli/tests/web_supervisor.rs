//! The supervisor's pages end to end, in headless Chromium against a whole box over
//! HTTPS, lock-step with the HIL rig: a VIP caller waits in the queue, which raises an
//! alert the alerts page acknowledges (its row then names who did); the live calls page
//! shows the call as it waits and once agent 201 — made ready from the same page — has
//! answered it, and a listen request from the page is accepted; the call was recorded,
//! and the recordings page finds it and plays it in the page; the day's report draws the
//! call in its volume chart. Screenshots go to `target/screenshots/`.

mod common;

use common::ui::{self, api_get, first_start, screenshot_at, text_of, WAIT};

use browser::Browser;
use far_end::Rig;
use soft_hardware::{ClockMode, DeviceKind};
use std::time::Duration;

/// 2026-12-07 10:00 +08:00 (02:00 UTC): the flow's opening hours.
const BOX_TIME_UNIX_MS: u64 = 1_796_608_800_000;
/// The `acd` configuration's VIP number.
const VIP: &str = "0209999";
const RECORD_TRUNK: &str =
    "default = \"never\"\nretention_days = 30\n[trunks.1]\nrecord = \"always\"\n";

fn devices() -> [(&'static str, DeviceKind, u16); 4] {
    [
        ("span1", DeviceKind::E1, 1),
        ("fxs2", DeviceKind::Fxs, 2),
        ("fxs3", DeviceKind::Fxs, 3),
        ("fxs4", DeviceKind::Fxs, 4),
    ]
}

/// A screenshot of the page scrolled to `css`, the part it is about.

/// Steps the rig 100 ms at a time (10 s of box time at most) until `done` holds in the
/// page; the box moves only when the rig steps.
fn step_until_page(rig: &mut Rig, browser: &Browser, expression: &str) -> bool {
    let end = rig.now_ms() + 10_000;
    while rig.now_ms() < end {
        if browser
            .eval(&format!("return Boolean({expression});"))
            .ok()
            .and_then(|v| v.as_bool())
            == Some(true)
        {
            return true;
        }
        rig.run_for(100).expect("rig steps");
    }
    false
}

/// Submits the live calls page's agent-state form and waits for its accepted outcome.
fn set_agent_state(rig: &mut Rig, browser: &Browser, agent: &str, state: &str, device: &str) {
    let form = "#agent-state-form";
    browser
        .find(&format!("{form} select[name=agent]"))
        .unwrap()
        .select_by_value(agent)
        .unwrap();
    browser
        .find(&format!("{form} select[name=state]"))
        .unwrap()
        .select_by_value(state)
        .unwrap();
    let device_field = browser.find(&format!("{form} input[name=device]")).unwrap();
    device_field.clear().unwrap();
    if !device.is_empty() {
        device_field.type_text(device).unwrap();
    }
    browser
        .eval("document.querySelector('#agent-state-outcome').textContent = '';")
        .unwrap();
    browser
        .find(&format!("{form} button[type=submit]"))
        .unwrap()
        .click()
        .unwrap();
    assert!(
        step_until_page(
            rig,
            browser,
            "document.querySelector('#agent-state-outcome .outcome')"
        ),
        "no answer to {state}"
    );
    let status = browser
        .find("#agent-state-outcome .outcome")
        .unwrap()
        .attribute("data-status")
        .unwrap();
    assert_eq!(
        status.as_deref(),
        Some("204"),
        "{state}: {}",
        text_of(browser, "#agent-state-outcome")
    );
}

#[test]
fn alert_acknowledged_live_call_listened_to_recording_played_and_report_charted() {
    let work = tempfile::tempdir().expect("temp dir");
    // HTTPS, the box's default.
    let system = ui::https_system_toml();
    let running = common::start_config_with(
        work.path(),
        "acd",
        &[("system.toml", &system), ("recording.toml", RECORD_TRUNK)],
        BOX_TIME_UNIX_MS,
    );
    let base = running.web_url();
    assert!(base.starts_with("https://"), "{base}");
    let mut rig = Rig::connect(running.device_dir(), &devices(), ClockMode::LockStep).expect("rig");
    common::wait_link_up(&mut rig, "span1");
    let browser = Browser::start().expect("chromium starts");
    first_start(&browser, &base);

    // Agent 201 logs in at their phone from the live calls page, and goes on a break.
    browser.goto(&format!("{base}/calls")).unwrap();
    browser
        .wait_for("#agent-state-form", WAIT)
        .expect("the live calls page");
    assert_eq!(text_of(&browser, "#calls"), "No live calls.");
    set_agent_state(&mut rig, &browser, "201", "login", "201");
    set_agent_state(&mut rig, &browser, "201", "not-ready", "");
    let agents = api_get(&browser, "/api/agents");
    let agent = agents["agents"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["id"] == "201"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(agent["device"], "201", "{agents}");
    assert_eq!(agent["state"]["state"], "not-ready", "{agents}");
    assert_eq!(agent["state"]["reason"], "break", "{agents}");

    // The VIP caller keys 2 into the queue and waits: the call shows on the live page.
    common::hotline_call_answered(&mut rig, VIP, 1);
    rig.run_for(1000).unwrap();
    common::key(&mut rig, 1, "2");
    assert!(
        step_until_page(
            &mut rig,
            &browser,
            "document.querySelector(\"#calls tr[data-application='queue'] td.from\")"
        ),
        "the waiting call on the live page: {}",
        text_of(&browser, "#live-calls")
    );
    assert_eq!(
        text_of(&browser, "#calls tr[data-application='queue'] td.from"),
        VIP
    );
    assert_eq!(
        text_of(&browser, "#calls tr[data-application='queue'] td.queue"),
        "agents"
    );

    // The VIP alert, acknowledged from the alerts page by the signed-in user.
    browser.goto(&format!("{base}/alerts")).unwrap();
    let vip_row = "#active-alerts tr[data-alert]";
    browser.wait_for(vip_row, WAIT).expect("the VIP alert");
    assert_eq!(text_of(&browser, &format!("{vip_row} td.kind")), "vip");
    let uid = browser
        .find(vip_row)
        .unwrap()
        .attribute("data-alert")
        .unwrap()
        .expect("the alert's uid");
    assert!(
        text_of(&browser, vip_row).contains(VIP),
        "{}",
        text_of(&browser, vip_row)
    );
    browser
        .find(&format!("{vip_row} button.acknowledge"))
        .unwrap()
        .click()
        .unwrap();
    let acknowledged = format!("tr[data-alert='{uid}'].acknowledged");
    browser
        .wait_for(&acknowledged, WAIT)
        .expect("the row shows the acknowledgement");
    assert_eq!(text_of(&browser, &format!("{acknowledged} .by")), "root");
    assert!(browser
        .find_all(&format!("tr[data-alert='{uid}'] button.acknowledge"))
        .unwrap()
        .is_empty());
    let alerts = api_get(&browser, "/api/alerts");
    assert_eq!(alerts["alerts"][0]["acknowledged_by"], "root", "{alerts}");
    screenshot_at(&browser, "alerts", "main h1");

    // 201 made ready from the live calls page: their phone rings, they answer.
    browser.goto(&format!("{base}/calls")).unwrap();
    browser.wait_for("#agent-state-form", WAIT).unwrap();
    set_agent_state(&mut rig, &browser, "201", "ready", "");
    assert!(common::step_until(&mut rig, 5000, |r| r
        .phone("fxs2")
        .is_some_and(|p| p.ringing())));
    let now = rig.now_ms();
    rig.phone_mut("fxs2").unwrap().go_off_hook(now);
    let answered = "#calls tr[data-application='agent-call']";
    assert!(
        step_until_page(
            &mut rig,
            &browser,
            &format!("document.querySelector(\"{answered} td.agent\")")
        ),
        "the answered call on the live page: {}",
        text_of(&browser, "#live-calls")
    );
    assert_eq!(text_of(&browser, &format!("{answered} td.agent")), "201");

    // A listen request from the page, at phone 203: accepted, 203 rings.
    browser
        .find("#supervisor-extension")
        .unwrap()
        .type_text("203")
        .unwrap();
    browser
        .find(&format!("{answered} button[data-mode=listen]"))
        .unwrap()
        .click()
        .unwrap();
    assert!(
        step_until_page(
            &mut rig,
            &browser,
            "document.querySelector('#supervise-outcome .outcome')"
        ),
        "no answer to the listen request"
    );
    let outcome = browser.find("#supervise-outcome .outcome").unwrap();
    assert_eq!(
        outcome.attribute("data-status").unwrap().as_deref(),
        Some("202"),
        "{}",
        text_of(&browser, "#supervise-outcome")
    );
    assert!(common::step_until(&mut rig, 5000, |r| r
        .phone("fxs4")
        .is_some_and(|p| p.ringing())));
    assert!(
        step_until_page(
            &mut rig,
            &browser,
            &format!(
                "document.querySelector(\"{answered} td.supervisor\").textContent.includes('203')"
            )
        ),
        "the live page shows the supervisor: {}",
        text_of(&browser, "#live-calls")
    );
    screenshot_at(&browser, "live-calls", "#supervisor-extension");

    // Three seconds of talk, then the agent hangs up; the recording closes.
    rig.run_for(3000).unwrap();
    let now = rig.now_ms();
    rig.phone_mut("fxs2").unwrap().hang_up(now);
    let closed = common::step_until(&mut rig, 10_000, |_| {
        api_get(&browser, "/api/recordings")["recordings"][0]["status"] == "complete"
    });
    assert!(closed, "{}", api_get(&browser, "/api/recordings"));

    // The recordings page finds it by its day and the number, and plays it. (The
    // recorder stamps a recording with the host's clock, not the box's.)
    let day = browser
        .eval(
            "const x = new XMLHttpRequest(); x.open('GET', '/api/recordings', false); x.send(); \
             return new Date(JSON.parse(x.responseText).recordings[0].started_unix_ms).toISOString().slice(0, 10);",
        )
        .unwrap();
    let day = day.as_str().expect("the recording's day");
    browser
        .goto(&format!(
            "{base}/recordings?from={day}&to={day}&number={VIP}"
        ))
        .unwrap();
    let player = "#recordings tr[data-recording] audio";
    browser
        .wait_for(player, WAIT)
        .expect("the recording is listed");
    assert_eq!(
        browser
            .find_all("#recordings tr[data-recording]")
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        browser
            .find(player)
            .unwrap()
            .attribute("preload")
            .unwrap()
            .as_deref(),
        Some("none")
    );
    // A click in the page is the user's gesture that lets it play with sound.
    browser.find("h1").unwrap().click().unwrap();
    browser
        .eval(&format!(
            "const a = document.querySelector({player:?}); window.playResult = 'pending'; \
             a.play().then(() => window.playResult = 'playing') \
              .catch(e => {{ window.playResult = e.name; a.muted = true; \
                 return a.play().then(() => window.playResult = 'playing muted'); }});"
        ))
        .unwrap();
    browser
        .wait_until(
            &format!(
                "document.querySelector({player:?}).ended || document.querySelector({player:?}).currentTime > 1.0"
            ),
            Duration::from_secs(15),
        )
        .unwrap_or_else(|e| {
            panic!(
                "the recording does not play: {e}; play(): {:?}, error: {:?}",
                browser.eval("return window.playResult;").ok(),
                browser
                    .eval(&format!("const a = document.querySelector({player:?}); return a.error ? a.error.code + ' ' + a.error.message : null;"))
                    .ok()
            )
        });
    println!(
        "play(): {:?}",
        browser
            .eval("return window.playResult;")
            .unwrap_or_default()
    );
    screenshot_at(&browser, "recordings", "#recordings");

    // The day's report: the call is in the 02:00 quarter of the volume chart.
    let reported = common::step_until(&mut rig, 10_000, |_| {
        api_get(
            &browser,
            "/api/reports/queues?from=2026-12-07&to=2026-12-08&interval=15m",
        )["queues"][0]["answered"]
            == 1
    });
    assert!(reported, "the call is in the statistics");
    browser
        .goto(&format!(
            "{base}/reports?report=queues&interval=15m&from=2026-12-07&to=2026-12-07"
        ))
        .unwrap();
    browser.wait_for("svg.chart", WAIT).expect("a chart");
    let offered = browser
        .find("svg.chart path.series[data-series=Offered]")
        .expect("the offered line")
        .attribute("d")
        .unwrap()
        .unwrap_or_default();
    // Every quarter of the day is a point; the call's quarter stands above the others.
    assert_eq!(offered.matches('M').count(), 1, "{offered}");
    assert_eq!(offered.matches('L').count(), 95, "{offered}");
    let heights: Vec<f64> = offered
        .split(' ')
        .filter_map(|point| point[1..].split_once(',')?.1.parse().ok())
        .collect();
    let baseline = heights.iter().copied().fold(f64::MIN, f64::max);
    let raised: Vec<usize> = (0..heights.len())
        .filter(|&i| heights[i] < baseline)
        .collect();
    assert_eq!(
        raised,
        vec![8],
        "one call at 02:00 (the 9th quarter): {offered}"
    );
    assert_eq!(
        text_of(
            &browser,
            "#report-figures tr[data-queue=agents] td.answered"
        ),
        "1"
    );
    let csv = browser
        .find("#export-csv")
        .unwrap()
        .attribute("href")
        .unwrap()
        .unwrap_or_default();
    assert!(
        csv.starts_with("/api/reports/queues?") && csv.ends_with("format=csv"),
        "{csv}"
    );
    let csv_status = browser
        .eval(&format!(
            "const x = new XMLHttpRequest(); x.open('GET', {csv:?}, false); x.send(); \
             return [x.status, x.getResponseHeader('content-type'), x.responseText.split('\\n').length];"
        ))
        .unwrap();
    assert_eq!(csv_status[0], 200, "{csv_status}");
    assert!(
        csv_status[1]
            .as_str()
            .unwrap_or_default()
            .starts_with("text/csv"),
        "{csv_status}"
    );
    screenshot_at(&browser, "report-chart", "p.range");

    // In Chinese, the supervisor's pages and their charts speak Chinese.
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
        .expect("the account page in Chinese");
    browser
        .goto(&format!(
            "{base}/reports?report=queues&interval=1h&from=2026-12-07&to=2026-12-07"
        ))
        .unwrap();
    browser.wait_for("svg.chart", WAIT).unwrap();
    let nav = text_of(&browser, "nav.side");
    for label in ["实时通话", "录音", "报表", "告警"] {
        assert!(nav.contains(label), "{label}: {nav}");
    }
    assert!(
        browser
            .find("svg.chart path.series[data-series=呼入]")
            .is_ok(),
        "the offered line named in Chinese"
    );
    browser.goto(&format!("{base}/calls")).unwrap();
    browser.wait_for("#agent-state-form", WAIT).unwrap();
    assert_eq!(text_of(&browser, "#calls"), "当前没有通话。");
}
