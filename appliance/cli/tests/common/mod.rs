//! What the whole-box tests share: a box started from an HIL configuration (optionally
//! edited), stepping the rig until something holds, and the web API.
#![allow(dead_code)]

pub mod live_config;
pub mod ui;

use appliance::boot::{start_box, BoxOptions, RunningBox};
use far_end::Rig;
use std::io::{Read, Write};
use std::path::Path;

/// Starts a box (in `work`) from a copy of `hil-tests/configs/NAME`, each file's text
/// passed through `edit(file name, text)` first.
pub fn start_edited(work: &Path, name: &str, edit: impl Fn(&str, String) -> String) -> RunningBox {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../hil-tests/configs")
        .join(name);
    let config = work.join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    for file in ["system.toml", "lines.toml", "routes.toml"] {
        let text = std::fs::read_to_string(source.join(file)).expect("HIL config file");
        std::fs::write(config.join(file), edit(file, text)).expect("write config file");
    }
    let mut options = BoxOptions::new(config, work.join("data"));
    options.device_dir = Some(work.join("devices"));
    options.prompt_cache_dir = Some(shared_prompt_cache());
    options.provision_token = Some(TEST_TOKEN.into());
    start_box(options).expect("box starts")
}

/// The admin API token every test box is started with (`BoxOptions::provision_token`):
/// what `http`, `send` and `json` present.
pub const TEST_TOKEN: &str = "test-provisioning-token-0123456789abcdef";

/// One prompt cache for every box of the test run: each text is synthesized once.
pub fn shared_prompt_cache() -> std::path::PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("prompt-cache")
}

/// Starts a box from `hil-tests/configs/NAME` as it is.
pub fn start(work: &Path, name: &str) -> RunningBox {
    start_edited(work, name, |_, text| text)
}

/// Steps the rig until `done` holds or `ms` of engine time pass; whether it held.
pub fn step_until(rig: &mut Rig, ms: u64, mut done: impl FnMut(&Rig) -> bool) -> bool {
    let end = rig.now_ms() + ms;
    while rig.now_ms() < end {
        if done(rig) {
            return true;
        }
        rig.step().expect("rig steps");
    }
    done(rig)
}

/// One HTTP request; the status line and the body.
pub fn http(address: std::net::SocketAddr, method: &str, path: &str) -> (String, String) {
    send(address, method, path, "")
}

/// One HTTP request with a JSON body; the status line and the body.
pub fn send(
    address: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> (String, String) {
    send_with_headers(address, method, path, "", body)
}

/// A request that must answer 200 with JSON.
pub fn json(address: std::net::SocketAddr, method: &str, path: &str) -> serde_json::Value {
    let (status, body) = http(address, method, path);
    assert!(status.contains("200"), "{method} {path}: {status}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// Steps the rig until the carrier on `span` has its D-channel link up (3 s at most).
pub fn wait_link_up(rig: &mut Rig, span: &str) {
    let up = step_until(rig, 3000, |r| r.carrier(span).is_some_and(|c| c.link_up()));
    assert!(up, "{span}'s D-channel link up: {}", rig.state_summary());
}

/// The phone `phone` lifts its handset, waits half a second and dials `digits`.
pub fn dial(rig: &mut Rig, phone: &str, digits: &str) {
    let now = rig.now_ms();
    rig.phone_mut(phone).expect("phone").go_off_hook(now);
    rig.run_for(500).expect("rig steps");
    let now = rig.now_ms();
    rig.phone_mut(phone)
        .expect("phone")
        .dial(now, digits)
        .expect("digits dialled");
}

/// Starts a box from `hil-tests/configs/NAME` with fault injection on.
pub fn start_with_fault_injection(work: &Path, name: &str) -> RunningBox {
    start_edited(work, name, |file, text| {
        if file == "system.toml" {
            format!("{text}fault_injection = true\n")
        } else {
            text
        }
    })
}

/// The carrier on `span` places `count` calls from 0201234 to 100 (the echo test in the
/// `pri` configuration); steps until all of them are answered (3 s at most).
pub fn echo_calls(rig: &mut Rig, span: &str, count: usize) {
    let before = rig.carrier(span).expect("carrier").answered_count();
    let now = rig.now_ms();
    rig.carrier_mut(span)
        .expect("carrier")
        .place_calls(now, count, Some("0201234"), "100")
        .expect("calls placed");
    let answered = step_until(rig, 3000, |r| {
        r.carrier(span)
            .is_some_and(|c| c.answered_count() == before + count)
    });
    assert!(
        answered,
        "{count} echo call(s) answered: {}",
        rig.state_summary()
    );
}

/// One GET with extra header lines (each ending `\r\n`); the status line, the head and
/// the body as bytes (audio, files).
pub fn get_bytes(
    address: std::net::SocketAddr,
    path: &str,
    headers: &str,
) -> (String, String, Vec<u8>) {
    let mut stream = std::net::TcpStream::connect(address).expect("web port");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: box\r\nAuthorization: Bearer {TEST_TOKEN}\r\n{headers}Connection: close\r\n\r\n"
    )
    .expect("request sent");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("response read");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(response.len());
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let body = response.get(split + 4..).unwrap_or_default().to_vec();
    (
        head.lines().next().unwrap_or_default().to_owned(),
        head,
        body,
    )
}

/// Copies `hil-tests/configs/NAME` (prompts and flows too) into `work/config`, adds the
/// `extra` files, and starts a box from it at `epoch_unix_ms`.
pub fn start_config_with(
    work: &Path,
    name: &str,
    extra: &[(&str, &str)],
    epoch_unix_ms: u64,
) -> RunningBox {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../hil-tests/configs")
        .join(name);
    let config = work.join("config");
    copy_dir(&source, &config);
    for (file, text) in extra {
        std::fs::write(config.join(file), text).expect("extra config file");
    }
    let mut options = BoxOptions::new(config, work.join("data"));
    options.device_dir = Some(work.join("devices"));
    options.prompt_cache_dir = Some(shared_prompt_cache());
    options.epoch_unix_ms = Some(epoch_unix_ms);
    options.provision_token = Some(TEST_TOKEN.into());
    start_box(options).expect("box starts")
}

/// Copies a configuration directory (prompts and flows too).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("config dir");
    for entry in std::fs::read_dir(from).expect("HIL config") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy config file");
        }
    }
}

/// `agent` logs in at the phone of extension `device` by API and is made ready.
pub fn agent_ready(address: std::net::SocketAddr, agent: &str, device: &str) {
    let path = format!("/api/agents/{agent}/state");
    let (status, body) = send(
        address,
        "POST",
        &path,
        &format!(r#"{{"state":"login","device":"{device}"}}"#),
    );
    assert!(status.contains("204"), "login: {status} {body}");
    let (status, body) = send(address, "POST", &path, r#"{"state":"ready"}"#);
    assert!(status.contains("204"), "ready: {status} {body}");
}

/// The carrier on `span1` calls the hotline 95598 from `from` and steps until the box
/// has answered `answered` calls in all (5 s at most); the rig time of the answer.
pub fn hotline_call_answered(rig: &mut Rig, from: &str, answered: usize) -> u64 {
    let now = rig.now_ms();
    rig.carrier_mut("span1")
        .expect("carrier")
        .place_calls(now, 1, Some(from), "95598")
        .expect("call placed");
    assert!(
        step_until(rig, 5000, |r| r
            .carrier("span1")
            .is_some_and(|c| c.answered_count() == answered)),
        "the box answers: {}",
        rig.state_summary()
    );
    rig.now_ms()
}

/// The carrier's call `number` keys `digits` (a menu choice).
pub fn key(rig: &mut Rig, number: usize, digits: &str) {
    rig.carrier_mut("span1")
        .expect("carrier")
        .mouth(number)
        .expect("the call's audio")
        .push(far_end::PlayItem::Dtmf(digits.into()))
        .expect("digits");
}

/// As `send`, with extra header lines (each ending `\r\n`).
pub fn send_with_headers(
    address: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> (String, String) {
    let mut stream = std::net::TcpStream::connect(address).expect("web port");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: box\r\nAuthorization: Bearer {TEST_TOKEN}\r\n{headers}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("request sent");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response read");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (
        head.lines().next().unwrap_or_default().to_owned(),
        body.to_owned(),
    )
}

/// The `acd` configuration's hotline flow for the agent-desktop tests: 1 keys an account
/// number (the IVR variable `account`), then the queue; 2 the queue at once.
pub const ACCOUNT_FLOW: &str = r##"
name = "acd-test"
entry = "main"
language = "en"

[nodes.main]
type = "menu"
prompt = "main-menu"
choices = { "1" = "account", "2" = "queue" }
timeout_s = 5
max_retries = 2
on_failure = "bye"

[nodes.account]
type = "collect"
prompt = "main-menu"
min = 4
max = 10
terminator = "#"
timeout_s = 8
into = "account"
next = "queue"
on_failure = "bye"

[nodes.queue]
type = "queue"
queue = "agents"

[nodes.bye]
type = "hangup"
cause = 16
"##;
