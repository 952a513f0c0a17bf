//! What the Chromium tests share: screenshots, page text, the API from the signed-in
//! page, the first start, signing in and adding a user through the pages.

use browser::Browser;
use std::path::PathBuf;
use std::time::Duration;

pub const WAIT: Duration = Duration::from_secs(15);
/// The first-start admin's password in every browser test.
pub const ADMIN_PASSWORD: &str = "correct horse battery";

/// Saves a PNG of the page as `target/screenshots/NAME.png`.
pub fn screenshot(browser: &Browser, name: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/screenshots")
        .join(format!("{name}.png"));
    browser.screenshot(&path).expect("screenshot");
}

/// As `screenshot`, with the element `css` scrolled to the top first.
pub fn screenshot_at(browser: &Browser, name: &str, css: &str) {
    browser
        .eval(&format!(
            "const e = document.querySelector({css:?}); if (e) e.scrollIntoView({{block: 'start'}});"
        ))
        .expect("scroll");
    screenshot(browser, name);
}

/// Clicks the element at `css` after scrolling it to the middle of the window (the top
/// bar stays over the page's top and would take the click).
pub fn click_centered(browser: &Browser, css: &str) {
    browser
        .eval(&format!(
            "document.querySelector({css:?}).scrollIntoView({{block: 'center'}}); return true;"
        ))
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    browser
        .find(css)
        .and_then(|element| element.click())
        .unwrap_or_else(|e| panic!("{css}: {e}"));
}

/// A script's string result ("" for anything else).
pub fn eval_text(browser: &Browser, script: &str) -> String {
    browser
        .eval(script)
        .expect("eval")
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The trimmed text of the first element matching `css` ("" when there is none).
pub fn text_of(browser: &Browser, css: &str) -> String {
    eval_text(
        browser,
        &format!(
            "const e = document.querySelector({css:?}); return e ? e.textContent.trim() : '';"
        ),
    )
}

/// A GET of the box's API from the signed-in page (its session cookie).
pub fn api_get(browser: &Browser, path: &str) -> serde_json::Value {
    let text = eval_text(
        browser,
        &format!(
            "const x = new XMLHttpRequest(); x.open('GET', {path:?}, false); x.send(); return x.responseText;"
        ),
    );
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

/// A POST from the signed-in page with its CSRF token, as the UI's own requests send
/// it; the status.
pub fn api_post(browser: &Browser, path: &str, body: &str) -> u64 {
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

fn fill(browser: &Browser, form: &str, fields: &[(&str, &str)]) {
    for (field, value) in fields {
        browser
            .find(&format!("{form} input[name={field}]"))
            .unwrap_or_else(|e| panic!("{form} {field}: {e}"))
            .type_text(value)
            .unwrap_or_else(|e| panic!("{form} {field}: {e}"));
    }
}

fn submit(browser: &Browser, form: &str) {
    browser
        .find(&format!("{form} button[type=submit]"))
        .expect("submit button")
        .click()
        .expect("submitted");
}

/// The first start: any page leads to the admin's creation (no default password); the
/// admin `root` is made and signed in.
pub fn first_start(browser: &Browser, base: &str) {
    browser.goto(&format!("{base}/")).expect("goto");
    browser
        .wait_for("form.setup", WAIT)
        .expect("the first-start form");
    assert!(browser.url().expect("url").ends_with("/setup"));
    fill(
        browser,
        "form.setup",
        &[
            ("name", "root"),
            ("display_name", "Root Admin"),
            ("password", ADMIN_PASSWORD),
            ("password_again", ADMIN_PASSWORD),
        ],
    );
    submit(browser, "form.setup");
    if browser.wait_for("nav.side", WAIT).is_err() {
        panic!(
            "not signed in after the first start: {}",
            browser.page_source().unwrap_or_default()
        );
    }
}

/// Signs in through the login form.
pub fn sign_in(browser: &Browser, base: &str, name: &str, password: &str) {
    browser.goto(&format!("{base}/login")).expect("goto");
    browser
        .wait_for("form.login", WAIT)
        .expect("the login form");
    fill(
        browser,
        "form.login",
        &[("name", name), ("password", password)],
    );
    submit(browser, "form.login");
}

/// Signs out with the top bar's button.
pub fn sign_out(browser: &Browser) {
    browser
        .find("button.sign-out")
        .expect("sign-out")
        .click()
        .expect("clicked");
    browser
        .wait_for("form.login", WAIT)
        .expect("the login page");
}

/// The admin adds an agent user working as `agent` on the users page.
pub fn add_agent_user(browser: &Browser, base: &str, name: &str, agent: &str, password: &str) {
    browser.goto(&format!("{base}/admin/users")).expect("goto");
    browser.wait_for("#add-user", WAIT).expect("the add form");
    fill(
        browser,
        "#add-user",
        &[("name", name), ("display_name", "Agent One")],
    );
    browser
        .find("#add-user select[name=role]")
        .expect("role")
        .select_by_value("agent")
        .expect("agent role");
    fill(
        browser,
        "#add-user",
        &[("agent", agent), ("password", password)],
    );
    submit(browser, "#add-user");
    browser
        .wait_for(&format!("tr[data-user='{name}']"), WAIT)
        .expect("the agent user is listed");
}

/// The HIL configuration `acd`'s `system.toml` serving HTTPS, the box's default: its
/// plain-HTTP line taken out.
pub fn https_system_toml() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../hil-tests/configs/acd/system.toml");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|line| !line.starts_with("web_plain_http"))
        .collect::<Vec<_>>()
        .join("\n")
}
