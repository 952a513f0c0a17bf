//! The WebDriver client against a real headless Chromium and a page served on loopback.
//! These need /usr/bin/chromedriver and /usr/bin/chromium: without them they fail, saying
//! to run `bash xtask/setup.sh`.

mod common;

use browser::{Browser, BrowserError};
use common::{browser, serve, Reply, Request};
use serde_json::json;
use std::time::{Duration, Instant};

const PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test page</title></head>
<body>
  <h1 id="heading" data-kind="greeting">Hello</h1>
  <span id="status">idle</span>
  <button id="go" onclick="setTimeout(() => { document.getElementById('status').textContent = 'clicked'; }, 150)">Go</button>
  <form action="/next" method="get">
    <input id="name" name="name" value="preset">
    <select id="colour" name="colour" onchange="document.getElementById('chosen').textContent = this.value">
      <option value="red">Red</option><option value="green">Green</option>
    </select>
    <span id="chosen"></span>
  </form>
  <ul><li class="item">one</li><li class="item">two</li><li class="item">three</li></ul>
  <a id="next" href="/next">next</a>
</body></html>"#;

const NEXT: &str = r#"<!doctype html><html><head><title>Next page</title></head>
<body><p id="here">second page</p></body></html>"#;

fn site(request: &Request) -> Reply {
    match request.path.as_str() {
        "/" => Reply::html(PAGE)
            .with_header(
                "Set-Cookie",
                "session=s3cr3t; Path=/; HttpOnly; SameSite=Strict",
            )
            .with_header("Set-Cookie", "theme=dark; Path=/; SameSite=Lax"),
        path if path.starts_with("/next") => Reply::html(NEXT),
        _ => Reply::not_found(),
    }
}

#[test]
fn clicks_waits_and_reads_the_page() {
    let base = serve(site);
    let started = Instant::now();
    let browser = browser();
    eprintln!("Browser::start() took {:?}", started.elapsed());

    browser.goto(&format!("{base}/")).expect("goto");
    assert_eq!(browser.title().expect("title"), "Test page");
    assert_eq!(browser.url().expect("url"), format!("{base}/"));

    let status = browser.find("#status").expect("find #status");
    assert_eq!(status.text().expect("text"), "idle");
    browser
        .find("#go")
        .expect("find #go")
        .click()
        .expect("click");
    // The page changes the text 150 ms after the click: only waiting sees it.
    browser
        .wait_until(
            "document.getElementById('status').textContent === 'clicked'",
            Duration::from_secs(5),
        )
        .expect("status changes after the click");
    assert_eq!(status.text().expect("text"), "clicked");

    let heading = browser.find("#heading").expect("find #heading");
    assert_eq!(
        heading.attribute("data-kind").expect("attribute"),
        Some("greeting".to_owned())
    );
    assert_eq!(heading.attribute("data-missing").expect("attribute"), None);
    assert_eq!(heading.property("tagName").expect("property"), json!("H1"));

    let items = browser.find_all("li.item").expect("find_all");
    let texts: Vec<String> = items
        .iter()
        .map(|item| item.text().expect("text"))
        .collect();
    assert_eq!(texts, ["one", "two", "three"]);
    assert!(browser.find_all("li.none").expect("find_all").is_empty());

    // Scripts get their arguments, elements included.
    let sum = browser
        .eval_with(
            "return arguments[0] + arguments[1];",
            vec![json!(2), json!(40)],
        )
        .expect("eval_with");
    assert_eq!(sum, json!(42));
    let tag = browser
        .eval_with("return arguments[0].id;", vec![heading.to_arg()])
        .expect("eval with an element");
    assert_eq!(tag, json!("heading"));
    assert_eq!(
        browser.eval("return document.title").expect("eval"),
        json!("Test page")
    );

    assert!(browser
        .page_source()
        .expect("page_source")
        .contains("<span id=\"status\">clicked</span>"));
}

#[test]
fn forms_and_navigation() {
    let base = serve(site);
    let browser = browser();
    browser.goto(&format!("{base}/")).expect("goto");

    let name = browser.find("#name").expect("find #name");
    assert_eq!(name.property("value").expect("value"), json!("preset"));
    name.clear().expect("clear");
    name.type_text("Zhang Wei 张伟").expect("type_text");
    assert_eq!(
        name.property("value").expect("value"),
        json!("Zhang Wei 张伟")
    );

    let colour = browser.find("#colour").expect("find #colour");
    colour.select_by_value("green").expect("select green");
    assert_eq!(colour.property("value").expect("value"), json!("green"));
    // The page's change handler ran.
    assert_eq!(
        browser
            .find("#chosen")
            .expect("#chosen")
            .text()
            .expect("text"),
        "green"
    );
    let error = colour
        .select_by_value("blue")
        .expect_err("there is no blue option");
    assert!(error.to_string().contains("no option"), "{error}");
    let error = name
        .select_by_value("x")
        .expect_err("an input is no select");
    assert!(error.to_string().contains("not a <select>"), "{error}");

    browser
        .find("#next")
        .expect("find #next")
        .click()
        .expect("click");
    browser
        .wait_for("#here", Duration::from_secs(5))
        .expect("second page");
    assert_eq!(browser.title().expect("title"), "Next page");
    browser.back().expect("back");
    browser
        .wait_for("#heading", Duration::from_secs(5))
        .expect("first page again");
    assert_eq!(browser.url().expect("url"), format!("{base}/"));
    browser.refresh().expect("refresh");
    assert_eq!(
        browser
            .find("#status")
            .expect("#status")
            .text()
            .expect("text"),
        "idle"
    );
}

#[test]
fn screenshot_is_a_png() {
    let base = serve(site);
    let browser = browser();
    browser.goto(&format!("{base}/")).expect("goto");
    let dir = tempfile::tempdir().expect("temp dir");
    // Parent directories are created.
    let path = dir.path().join("shots/nested/page.png");
    browser.screenshot(&path).expect("screenshot");
    let png = std::fs::read(&path).expect("read the screenshot");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "not a PNG: {:?}",
        &png[..png.len().min(8)]
    );
    assert!(png.len() > 1024, "only {} bytes", png.len());
}

#[test]
fn waiting_for_a_missing_element_times_out_naming_it() {
    let base = serve(site);
    let browser = browser();
    browser.goto(&format!("{base}/")).expect("goto");

    let started = Instant::now();
    let error = browser
        .wait_for("#never-there", Duration::from_millis(600))
        .expect_err("nothing matches");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(600) && waited < Duration::from_secs(10),
        "{waited:?}"
    );
    assert!(
        matches!(error, BrowserError::Timeout { .. }),
        "not a timeout: {error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("#never-there"), "{message}");
    assert!(
        message.contains(&format!("{base}/")),
        "no URL in: {message}"
    );

    let error = browser
        .wait_until("document.title === 'Other'", Duration::from_millis(300))
        .expect_err("the title never changes");
    assert!(
        error.to_string().contains("document.title === 'Other'"),
        "{error}"
    );

    // A plain find reports WebDriver's own error code and the command.
    let error = browser.find("#never-there").expect_err("nothing matches");
    assert_eq!(error.webdriver_error(), Some("no such element"));
    assert!(
        error.to_string().contains("find(\"#never-there\")"),
        "{error}"
    );

    // A script error is reported as one, with the command that failed.
    let error = browser.eval("throw new Error('boom')").expect_err("throws");
    assert_eq!(error.webdriver_error(), Some("javascript error"));
    assert!(error.to_string().contains("boom"), "{error}");
}

#[test]
fn cookies_report_http_only() {
    let base = serve(site);
    let browser = browser();
    browser.goto(&format!("{base}/")).expect("goto");

    let mut cookies = browser.cookies().expect("cookies");
    cookies.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    let session = &cookies[0];
    assert_eq!(
        (session.name.as_str(), session.value.as_str()),
        ("session", "s3cr3t")
    );
    assert!(session.http_only, "{session:?}");
    assert!(!session.secure, "{session:?}");
    assert_eq!(session.same_site.as_deref(), Some("Strict"));
    let theme = &cookies[1];
    assert_eq!(theme.name, "theme");
    assert!(!theme.http_only, "{theme:?}");
    assert_eq!(theme.same_site.as_deref(), Some("Lax"));
    // Page scripts see only the cookie that is not HttpOnly.
    assert_eq!(
        browser.eval("return document.cookie").expect("eval"),
        json!("theme=dark")
    );

    browser.delete_cookies().expect("delete_cookies");
    assert!(browser.cookies().expect("cookies").is_empty());
}

#[test]
fn drop_stops_the_driver_and_chromium_and_removes_the_profile() {
    let base = serve(site);
    let browser = browser();
    browser.goto(&format!("{base}/")).expect("goto");
    let driver = browser.driver_addr();
    let profile = browser
        .profile_dir()
        .expect("a profile while running")
        .to_owned();
    assert!(profile.is_dir());
    assert!(
        !processes_using(&profile).is_empty(),
        "Chromium should run with {}",
        profile.display()
    );
    drop(browser);

    assert!(
        std::net::TcpStream::connect(driver).is_err(),
        "chromedriver still listens on {driver}"
    );
    assert!(!profile.exists(), "{} was left behind", profile.display());
    // Killed processes may take a moment to be reaped by their parent.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = processes_using(&profile);
        if left.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Chromium processes left running: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Live (not zombie) processes whose command line names `dir`.
fn processes_using(dir: &std::path::Path) -> Vec<u32> {
    let needle = dir.display().to_string();
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("read /proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let zombie = std::fs::read_to_string(entry.path().join("stat"))
            .map(|stat| {
                stat.rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z')
            })
            .unwrap_or(false);
        if !zombie && String::from_utf8_lossy(&cmdline).contains(&needle) {
            pids.push(pid);
        }
    }
    pids
}

/// Two browsers at once do not share a profile or a driver.
#[test]
fn two_browsers_are_independent() {
    let base = serve(site);
    let first: Browser = browser();
    let second: Browser = browser();
    assert_ne!(first.driver_addr(), second.driver_addr());
    first.goto(&format!("{base}/")).expect("goto");
    second.goto(&format!("{base}/next")).expect("goto");
    assert_eq!(first.title().expect("title"), "Test page");
    assert_eq!(second.title().expect("title"), "Next page");
    // Cookies are per profile.
    assert_eq!(first.cookies().expect("cookies").len(), 2);
    assert!(second.cookies().expect("cookies").is_empty());
}
