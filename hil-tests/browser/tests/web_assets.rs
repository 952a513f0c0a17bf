//! The web UI's own script with the real htmx in a real browser: every htmx request
//! carries the page's CSRF token as `X-CSRF-Token`. The files are the ones box-web embeds
//! (appliance/web/static/app.js and htmx from appliance/web/assets/node_modules).

mod common;

use browser::Browser;
use common::{browser, serve, Reply, Request};
use std::path::PathBuf;
use std::time::Duration;

fn web_file(relative: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../appliance/web")
        .join(relative);
    std::fs::read(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read {} ({error}): run `bash xtask/setup.sh`, which runs npm ci in appliance/web/assets",
            path.display()
        )
    })
}

fn page(meta: &str) -> String {
    format!(
        r##"<!doctype html><html><head><meta charset="utf-8">{meta}<title>htmx</title>
<script src="/assets/htmx.min.js"></script><script src="/assets/app.js"></script></head>
<body><button id="send" hx-post="/echo" hx-target="#out">send</button><div id="out">nothing yet</div></body></html>"##
    )
}

#[test]
fn htmx_requests_carry_the_csrf_token() {
    let htmx = web_file("assets/node_modules/htmx.org/dist/htmx.min.js");
    let app = web_file("static/app.js");
    let base = serve(move |request: &Request| match request.path.as_str() {
        "/with-token" => Reply::html(&page(r#"<meta name="csrf-token" content="tok-123_abc">"#)),
        "/without-token" => Reply::html(&page("")),
        "/assets/htmx.min.js" => Reply::new(200, "text/javascript", htmx.clone()),
        "/assets/app.js" => Reply::new(200, "text/javascript", app.clone()),
        "/echo" if request.method == "POST" => {
            let token = request.header("x-csrf-token").unwrap_or("no token");
            // htmx marks its requests; the echo shows this one really came from htmx.
            let htmx = request.header("hx-request").unwrap_or("not htmx");
            Reply::html(&format!("<span id=\"echo\">{token} / {htmx}</span>"))
        }
        _ => Reply::not_found(),
    });
    let browser = browser();

    assert_eq!(
        send_and_echo(&browser, &format!("{base}/with-token")),
        "tok-123_abc / true"
    );
    // A page without the meta sends no token (and no empty header).
    assert_eq!(
        send_and_echo(&browser, &format!("{base}/without-token")),
        "no token / true"
    );
}

/// Opens `url`, clicks its htmx button and gives the echo htmx swapped in.
fn send_and_echo(browser: &Browser, url: &str) -> String {
    browser.goto(url).expect("goto");
    browser
        .wait_until("window.htmx !== undefined", Duration::from_secs(5))
        .expect("htmx loads");
    browser
        .find("#send")
        .expect("#send")
        .click()
        .expect("click");
    browser
        .wait_for("#echo", Duration::from_secs(5))
        .expect("htmx swaps the answer in")
        .text()
        .expect("text")
}
