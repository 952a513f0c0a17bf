//! A small W3C WebDriver client for the box's browser end-to-end tests: it starts
//! chromedriver (Debian's `chromium-driver`, installed by `xtask/setup.sh`) on a free
//! loopback port, opens one headless Chromium session with a fresh profile, and drives it
//! with blocking calls. Dropping the [`Browser`] ends the session, stops chromedriver and
//! Chromium and removes the profile.
//!
//! ```no_run
//! use std::time::Duration;
//! let browser = browser::Browser::start()?;
//! browser.goto("https://127.0.0.1:8443/login")?;
//! browser.find("#user")?.type_text("admin")?;
//! browser.find("button[type=submit]")?.click()?;
//! browser.wait_for("nav", Duration::from_secs(5))?;
//! # Ok::<(), browser::BrowserError>(())
//! ```

mod http;

use base64::Engine as _;
use serde_json::{json, Value};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian's `chromium-driver` and `chromium` put them.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The window every test sees: a common laptop screen.
pub const WINDOW_SIZE: (u32, u32) = (1366, 900);

/// The key W3C WebDriver gives element references in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long chromedriver gets to answer `/status` after it starts.
const DRIVER_READY_TIMEOUT: Duration = Duration::from_secs(20);
/// Bounds one HTTP exchange with chromedriver; above the page-load timeout so a slow page
/// is reported by WebDriver ("timeout"), not by a dead socket.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(90);
const PAGE_LOAD_TIMEOUT_MS: u64 = 60_000;
const SCRIPT_TIMEOUT_MS: u64 = 30_000;
/// Between two tries of a `wait_for` or `wait_until`.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// What can go wrong driving the browser.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error(
        "chromedriver not found at {path}: run `bash xtask/setup.sh`, which installs chromium and chromium-driver"
    )]
    DriverMissing { path: PathBuf },
    #[error(
        "Chromium not found at {path}: run `bash xtask/setup.sh`, which installs chromium and chromium-driver"
    )]
    ChromiumMissing { path: PathBuf },
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("chromedriver did not become ready: {detail}")]
    DriverNotReady { detail: String },
    /// chromedriver answered the command with a WebDriver error.
    #[error("{command}: WebDriver error `{error}`: {message}")]
    WebDriver {
        command: String,
        /// The error code, e.g. `no such element`, `javascript error`.
        error: String,
        message: String,
    },
    /// The exchange with chromedriver itself failed (connection, HTTP).
    #[error("{command}: cannot talk to chromedriver: {source}")]
    Transport {
        command: String,
        source: std::io::Error,
    },
    #[error("{command}: unexpected answer from chromedriver: {detail}")]
    Protocol { command: String, detail: String },
    #[error("timed out after {timeout:?} waiting for {what} (page at {url})")]
    Timeout {
        what: String,
        timeout: Duration,
        url: String,
    },
}

impl BrowserError {
    /// The WebDriver error code, if chromedriver reported one.
    pub fn webdriver_error(&self) -> Option<&str> {
        match self {
            BrowserError::WebDriver { error, .. } => Some(error),
            _ => None,
        }
    }
}

pub type Result<T, E = BrowserError> = std::result::Result<T, E>;

/// A cookie as the browser holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookie {
    pub name: String,
    pub value: String,
    pub path: Option<String>,
    pub domain: Option<String>,
    pub http_only: bool,
    pub secure: bool,
    /// `Strict`, `Lax` or `None`, as the browser reports it.
    pub same_site: Option<String>,
}

/// A headless Chromium driven through chromedriver. One session per `Browser`.
pub struct Browser {
    driver: Child,
    addr: SocketAddr,
    session: String,
    // Dropped after the driver is gone, so Chromium no longer writes into it.
    profile: Option<tempfile::TempDir>,
}

impl Browser {
    /// Starts chromedriver and a fresh headless Chromium session.
    pub fn start() -> Result<Browser> {
        if !Path::new(CHROMEDRIVER).exists() {
            return Err(BrowserError::DriverMissing {
                path: CHROMEDRIVER.into(),
            });
        }
        if !Path::new(CHROMIUM).exists() {
            return Err(BrowserError::ChromiumMissing {
                path: CHROMIUM.into(),
            });
        }
        let profile = tempfile::Builder::new()
            .prefix("browser-test-profile-")
            .tempdir()
            .map_err(|source| BrowserError::Io {
                context: "cannot create a temporary Chromium profile directory".into(),
                source,
            })?;

        // The free port is found by binding and releasing it; another process may take it
        // in between, so a driver that dies at once is retried on a new port.
        let mut last_failure = None;
        for _ in 0..3 {
            let port = free_port()?;
            let mut driver = spawn_driver(port)?;
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            match wait_ready(&mut driver, addr) {
                Ok(()) => {
                    let mut browser = Browser {
                        driver,
                        addr,
                        session: String::new(),
                        profile: Some(profile),
                    };
                    browser.session = browser.new_session()?;
                    return Ok(browser);
                }
                Err(error) => {
                    stop_driver(&mut driver);
                    last_failure = Some(error);
                }
            }
        }
        Err(
            last_failure.unwrap_or_else(|| BrowserError::DriverNotReady {
                detail: "no attempt made".into(),
            }),
        )
    }

    fn new_session(&self) -> Result<String> {
        let profile = self
            .profile
            .as_ref()
            .map(|dir| dir.path().display().to_string())
            .unwrap_or_default();
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            // The box serves HTTPS with a self-signed certificate.
            "--ignore-certificate-errors",
            "--lang=en-US",
        ]
        .iter()
        .map(|arg| arg.to_string())
        .collect();
        args.push(format!("--window-size={},{}", WINDOW_SIZE.0, WINDOW_SIZE.1));
        args.push(format!("--user-data-dir={profile}"));
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "acceptInsecureCerts": true,
                    "pageLoadStrategy": "normal",
                    "timeouts": {
                        "pageLoad": PAGE_LOAD_TIMEOUT_MS,
                        "script": SCRIPT_TIMEOUT_MS,
                        "implicit": 0,
                    },
                    "goog:chromeOptions": {
                        "binary": CHROMIUM,
                        "args": args,
                    },
                }
            }
        });
        let value = self.raw_command("new session", "POST", "/session", Some(&capabilities))?;
        value
            .get("sessionId")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| BrowserError::Protocol {
                command: "new session".into(),
                detail: format!("no sessionId in {value}"),
            })
    }

    /// Opens `url` and waits until it has loaded.
    pub fn goto(&self, url: &str) -> Result<()> {
        self.command(
            &format!("goto({url:?})"),
            "POST",
            "/url",
            json!({ "url": url }),
        )?;
        Ok(())
    }

    /// The current page's URL.
    pub fn url(&self) -> Result<String> {
        let value = self.get("url()", "/url")?;
        self.string("url()", value)
    }

    pub fn title(&self) -> Result<String> {
        let value = self.get("title()", "/title")?;
        self.string("title()", value)
    }

    pub fn back(&self) -> Result<()> {
        self.command("back()", "POST", "/back", json!({}))?;
        Ok(())
    }

    pub fn refresh(&self) -> Result<()> {
        self.command("refresh()", "POST", "/refresh", json!({}))?;
        Ok(())
    }

    /// The current page's HTML as the browser serializes it now (scripts' changes included).
    pub fn page_source(&self) -> Result<String> {
        let value = self.get("page_source()", "/source")?;
        self.string("page_source()", value)
    }

    /// The first element matching the CSS selector; a WebDriver `no such element` error if
    /// there is none yet (see [`Browser::wait_for`]).
    pub fn find(&self, css: &str) -> Result<Element<'_>> {
        let what = format!("find({css:?})");
        let value = self.command(
            &what,
            "POST",
            "/element",
            json!({ "using": "css selector", "value": css }),
        )?;
        self.element(&what, &value)
    }

    /// Every element matching the CSS selector, in document order (maybe none).
    pub fn find_all(&self, css: &str) -> Result<Vec<Element<'_>>> {
        let what = format!("find_all({css:?})");
        let value = self.command(
            &what,
            "POST",
            "/elements",
            json!({ "using": "css selector", "value": css }),
        )?;
        let Value::Array(items) = value else {
            return Err(BrowserError::Protocol {
                command: what,
                detail: format!("expected a list of elements, got {value}"),
            });
        };
        items.iter().map(|item| self.element(&what, item)).collect()
    }

    /// Polls until an element matches the CSS selector.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element<'_>> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.find(css) {
                Ok(element) => return Ok(element),
                Err(error) if error.webdriver_error() == Some("no such element") => {}
                Err(error) => return Err(error),
            }
            if Instant::now() >= deadline {
                return Err(self.timeout(format!("an element matching {css:?}"), timeout));
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    /// Polls until the JavaScript expression is `true`. A script error (say an element the
    /// expression reads is not there yet) counts as not yet, and is named if time runs out.
    pub fn wait_until(&self, expression: &str, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let script = format!("return ({expression});");
        let mut last_error;
        loop {
            match self.eval(&script) {
                Ok(Value::Bool(true)) => return Ok(()),
                Ok(_) => last_error = None,
                Err(error) if error.webdriver_error() == Some("javascript error") => {
                    last_error = Some(error.to_string());
                }
                Err(error) => return Err(error),
            }
            if Instant::now() >= deadline {
                let mut what = format!("`{expression}` to be true");
                if let Some(error) = last_error {
                    what.push_str(&format!(" (last try: {error})"));
                }
                return Err(self.timeout(what, timeout));
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    /// Runs a script body in the page (`return …` gives its value) and returns the value.
    pub fn eval(&self, script: &str) -> Result<Value> {
        self.eval_with(script, Vec::new())
    }

    /// Like [`Browser::eval`], with `arguments[0]`, `arguments[1]`… bound to `args`
    /// (JSON values, or elements through [`Element::to_arg`]).
    pub fn eval_with(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        let what = format!("eval({})", abbreviate(script));
        self.command(
            &what,
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": args }),
        )
    }

    /// Saves a PNG of the viewport at `path`, creating its parent directories.
    pub fn screenshot(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let what = format!("screenshot({})", path.display());
        let value = self.get(&what, "/screenshot")?;
        let encoded = self.string(&what, value)?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_bytes())
            .map_err(|error| BrowserError::Protocol {
                command: what.clone(),
                detail: format!("screenshot is not base64: {error}"),
            })?;
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|source| BrowserError::Io {
                context: format!("cannot create {}", parent.display()),
                source,
            })?;
        }
        std::fs::write(path, png).map_err(|source| BrowserError::Io {
            context: format!("cannot write screenshot {}", path.display()),
            source,
        })
    }

    /// The cookies the browser would send to the current page.
    pub fn cookies(&self) -> Result<Vec<Cookie>> {
        let value = self.get("cookies()", "/cookie")?;
        let Value::Array(items) = value else {
            return Err(BrowserError::Protocol {
                command: "cookies()".into(),
                detail: format!("expected a list of cookies, got {value}"),
            });
        };
        items
            .iter()
            .map(|item| {
                let text = |key: &str| item.get(key).and_then(Value::as_str).map(str::to_owned);
                let flag = |key: &str| item.get(key).and_then(Value::as_bool).unwrap_or(false);
                Ok(Cookie {
                    name: text("name").ok_or_else(|| BrowserError::Protocol {
                        command: "cookies()".into(),
                        detail: format!("cookie without a name: {item}"),
                    })?,
                    value: text("value").unwrap_or_default(),
                    path: text("path"),
                    domain: text("domain"),
                    http_only: flag("httpOnly"),
                    secure: flag("secure"),
                    same_site: text("sameSite"),
                })
            })
            .collect()
    }

    /// Deletes every cookie of the current page's domain.
    pub fn delete_cookies(&self) -> Result<()> {
        self.command_with_method("delete_cookies()", "DELETE", "/cookie", None)?;
        Ok(())
    }

    /// chromedriver's loopback address (for a test that wants to send a raw command).
    pub fn driver_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The temporary Chromium profile, removed when the browser is dropped.
    pub fn profile_dir(&self) -> Option<&Path> {
        self.profile.as_ref().map(|dir| dir.path())
    }

    fn timeout(&self, what: String, timeout: Duration) -> BrowserError {
        let url = self
            .url()
            .unwrap_or_else(|error| format!("<unknown: {error}>"));
        BrowserError::Timeout { what, timeout, url }
    }

    fn element(&self, what: &str, value: &Value) -> Result<Element<'_>> {
        let id = value
            .get(ELEMENT_KEY)
            .and_then(Value::as_str)
            .ok_or_else(|| BrowserError::Protocol {
                command: what.to_owned(),
                detail: format!("expected an element reference, got {value}"),
            })?;
        Ok(Element {
            browser: self,
            id: id.to_owned(),
            what: what.to_owned(),
        })
    }

    fn string(&self, what: &str, value: Value) -> Result<String> {
        match value {
            Value::String(text) => Ok(text),
            other => Err(BrowserError::Protocol {
                command: what.to_owned(),
                detail: format!("expected a string, got {other}"),
            }),
        }
    }

    fn get(&self, what: &str, path: &str) -> Result<Value> {
        self.command_with_method(what, "GET", path, None)
    }

    fn command(&self, what: &str, method: &str, path: &str, body: Value) -> Result<Value> {
        self.command_with_method(what, method, path, Some(&body))
    }

    /// A command on this session: `path` is below `/session/{id}`.
    fn command_with_method(
        &self,
        what: &str,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value> {
        let full = format!("/session/{}{path}", self.session);
        self.raw_command(what, method, &full, body)
    }

    /// Sends one WebDriver command and unwraps its `value`, or its error.
    fn raw_command(
        &self,
        what: &str,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value> {
        let command = format!("{what} [{method} {path}]");
        let body = body.map(|body| body.to_string().into_bytes());
        let response = http::request(self.addr, method, path, body.as_deref(), COMMAND_TIMEOUT)
            .map_err(|source| BrowserError::Transport {
                command: command.clone(),
                source,
            })?;
        let parsed: Value =
            serde_json::from_slice(&response.body).map_err(|error| BrowserError::Protocol {
                command: command.clone(),
                detail: format!(
                    "HTTP {} with a body that is not JSON ({error}): {}",
                    response.status,
                    abbreviate(&String::from_utf8_lossy(&response.body))
                ),
            })?;
        let value = match parsed {
            Value::Object(mut map) => map.remove("value").unwrap_or(Value::Null),
            other => {
                return Err(BrowserError::Protocol {
                    command,
                    detail: format!("HTTP {} with {other}", response.status),
                })
            }
        };
        if response.status >= 400 {
            let field = |key: &str| {
                value
                    .get(key)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            let error = field("error");
            return Err(BrowserError::WebDriver {
                command,
                error: if error.is_empty() {
                    format!("HTTP {}", response.status)
                } else {
                    error
                },
                message: field("message"),
            });
        }
        Ok(value)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            // Quits Chromium cleanly; the process group kill below covers a driver that
            // does not answer.
            let path = format!("/session/{}", self.session);
            let _ = http::request(self.addr, "DELETE", &path, None, Duration::from_secs(10));
        }
        stop_driver(&mut self.driver);
        if let Some(profile) = self.profile.take() {
            // Chromium may still be flushing its profile for a moment after it was killed.
            let path = profile.path().to_owned();
            if profile.close().is_err() {
                std::thread::sleep(Duration::from_millis(200));
                let _ = std::fs::remove_dir_all(&path);
            }
        }
    }
}

/// An element of the current page.
pub struct Element<'a> {
    browser: &'a Browser,
    id: String,
    /// How it was found, for error messages.
    what: String,
}

impl std::fmt::Debug for Element<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Element({} = {})", self.what, self.id)
    }
}

impl Element<'_> {
    /// The element as a script argument for [`Browser::eval_with`].
    pub fn to_arg(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }

    pub fn click(&self) -> Result<()> {
        self.command("click()", "POST", "/click", Some(json!({})))?;
        Ok(())
    }

    /// Types `text` into the element (appends to what is there; see [`Element::clear`]).
    pub fn type_text(&self, text: &str) -> Result<()> {
        self.command(
            &format!("type_text({text:?})"),
            "POST",
            "/value",
            Some(json!({ "text": text })),
        )?;
        Ok(())
    }

    pub fn clear(&self) -> Result<()> {
        self.command("clear()", "POST", "/clear", Some(json!({})))?;
        Ok(())
    }

    /// The rendered text (what a user sees: hidden parts left out).
    pub fn text(&self) -> Result<String> {
        let value = self.command("text()", "GET", "/text", None)?;
        self.browser.string(&self.describe("text()"), value)
    }

    /// An HTML attribute, `None` when the element does not have it.
    pub fn attribute(&self, name: &str) -> Result<Option<String>> {
        let what = format!("attribute({name:?})");
        let value = self.command(
            &what,
            "GET",
            &format!("/attribute/{}", percent_encode(name)),
            None,
        )?;
        match value {
            Value::Null => Ok(None),
            Value::String(text) => Ok(Some(text)),
            other => Ok(Some(other.to_string())),
        }
    }

    /// A DOM property (`value`, `checked`…), as JSON.
    pub fn property(&self, name: &str) -> Result<Value> {
        self.command(
            &format!("property({name:?})"),
            "GET",
            &format!("/property/{}", percent_encode(name)),
            None,
        )
    }

    /// Chooses the option with this value in a `<select>` and fires `input` and `change`
    /// as a user's choice would.
    pub fn select_by_value(&self, value: &str) -> Result<()> {
        let what = self.describe(&format!("select_by_value({value:?})"));
        let script = r#"
            const select = arguments[0], wanted = arguments[1];
            if (!(select instanceof HTMLSelectElement)) return "not a <select>";
            const option = Array.from(select.options).find(o => o.value === wanted);
            if (!option) return "no option with that value";
            select.value = wanted;
            select.dispatchEvent(new Event("input", { bubbles: true }));
            select.dispatchEvent(new Event("change", { bubbles: true }));
            return null;
        "#;
        match self
            .browser
            .eval_with(script, vec![self.to_arg(), Value::from(value)])?
        {
            Value::Null => Ok(()),
            problem => Err(BrowserError::Protocol {
                command: what,
                detail: problem.as_str().unwrap_or("unexpected answer").to_owned(),
            }),
        }
    }

    fn describe(&self, action: &str) -> String {
        format!("{}.{action}", self.what)
    }

    fn command(
        &self,
        action: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        let path = format!("/element/{}{path}", self.id);
        self.browser
            .command_with_method(&self.describe(action), method, &path, body.as_ref())
    }
}

/// A port nobody listens on right now.
fn free_port() -> Result<u16> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|source| BrowserError::Io {
            context: "cannot find a free loopback port for chromedriver".into(),
            source,
        })?;
    listener
        .local_addr()
        .map(|addr| addr.port())
        .map_err(|source| BrowserError::Io {
            context: "cannot read the free port's number".into(),
            source,
        })
}

fn spawn_driver(port: u16) -> Result<Child> {
    use std::os::unix::process::CommandExt as _;
    Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group, so Drop can stop Chromium with it.
        .process_group(0)
        .spawn()
        .map_err(|source| BrowserError::Io {
            context: format!("cannot start {CHROMEDRIVER}"),
            source,
        })
}

/// Polls chromedriver's `/status` until it says it is ready.
fn wait_ready(driver: &mut Child, addr: SocketAddr) -> Result<()> {
    let deadline = Instant::now() + DRIVER_READY_TIMEOUT;
    let mut last;
    loop {
        if let Ok(Some(status)) = driver.try_wait() {
            return Err(BrowserError::DriverNotReady {
                detail: format!("chromedriver exited ({status}) before it was ready on {addr}"),
            });
        }
        match http::request(addr, "GET", "/status", None, Duration::from_secs(2)) {
            Ok(response) => match serde_json::from_slice::<Value>(&response.body) {
                Ok(status) if status["value"]["ready"] == Value::Bool(true) => return Ok(()),
                Ok(status) => last = format!("/status says {status}"),
                Err(error) => last = format!("/status is not JSON: {error}"),
            },
            Err(error) => last = error.to_string(),
        }
        if Instant::now() >= deadline {
            return Err(BrowserError::DriverNotReady {
                detail: format!("not ready on {addr} after {DRIVER_READY_TIMEOUT:?}: {last}"),
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Kills chromedriver's process group (Chromium included) and reaps chromedriver.
fn stop_driver(driver: &mut Child) {
    use nix::sys::signal::{killpg, Signal};
    use nix::unistd::Pid;
    if let Ok(pid) = i32::try_from(driver.id()) {
        // The group's id is chromedriver's pid (process_group(0) at spawn).
        let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
    }
    let _ = driver.kill();
    let _ = driver.wait();
}

/// Percent-encodes a path segment (attribute and property names).
fn percent_encode(segment: &str) -> String {
    let mut encoded = String::new();
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The first line of a script or body, shortened, for error messages.
fn abbreviate(text: &str) -> String {
    let line = text.trim().lines().next().unwrap_or_default();
    let mut short: String = line.chars().take(80).collect();
    if short.len() < line.len() || text.trim().lines().count() > 1 {
        short.push('…');
    }
    format!("{short:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_driver_or_chromium_says_how_to_install_them() {
        for error in [
            BrowserError::DriverMissing {
                path: CHROMEDRIVER.into(),
            },
            BrowserError::ChromiumMissing {
                path: CHROMIUM.into(),
            },
        ] {
            let message = error.to_string();
            assert!(message.contains("bash xtask/setup.sh"), "{message}");
            assert!(message.contains("/usr/bin/chrom"), "{message}");
        }
    }

    #[test]
    fn timeouts_say_what_and_where() {
        let error = BrowserError::Timeout {
            what: "an element matching \"#x\"".into(),
            timeout: Duration::from_millis(500),
            url: "https://127.0.0.1:8443/floor".into(),
        };
        assert_eq!(
            error.to_string(),
            "timed out after 500ms waiting for an element matching \"#x\" (page at https://127.0.0.1:8443/floor)"
        );
    }

    #[test]
    fn percent_encoding_keeps_names_and_escapes_the_rest() {
        assert_eq!(percent_encode("data-state"), "data-state");
        assert_eq!(percent_encode("a/b c"), "a%2Fb%20c");
        assert_eq!(percent_encode("é"), "%C3%A9");
    }

    #[test]
    fn abbreviations_are_short_and_marked() {
        assert_eq!(abbreviate("return 1"), "\"return 1\"");
        assert_eq!(abbreviate("\n  a;\n  b;"), "\"a;…\"");
        assert_eq!(abbreviate(&"x".repeat(100)).chars().count(), 83);
    }
}
