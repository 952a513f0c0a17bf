//! The status endpoint and the E1 span's alarm handling, through real sockets.

use appliance::boot::{start_box, BoxOptions};
use soft_hardware::{Block, ClockMode, DeviceKind, FarEnd, LineConditions};
use std::io::{Read, Write};
use std::time::Duration;

/// The admin API token the test boxes are started with.
const TOKEN: &str = "status-test-token-0123456789abcdefghij";

fn http_get(address: std::net::SocketAddr, path: &str) -> serde_json::Value {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: box\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn config_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("system.toml"),
        "[system]\nname = \"t\"\nclock = \"lockstep\"\nweb_listen = \"127.0.0.1:0\"\nweb_plain_http = true\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("lines.toml"),
        "[[span]]\nid = 9\nname = \"carrier\"\n\n[[fxo]]\nid = 1\n\n[[fxs]]\nid = 2\nextension = \"201\"\n",
    )
    .unwrap();
    dir
}

/// One lock-step exchange on every far end.
fn step(far: &mut [(FarEnd, Block, Block)]) {
    for (end, out, _) in far.iter_mut() {
        end.send_block(out).unwrap();
    }
    for (end, _, inp) in far.iter_mut() {
        end.recv_block(inp, Duration::from_secs(5)).unwrap();
    }
}

#[test]
fn status_shows_spans_ports_calls_and_engine_figures_and_spans_answer_alarms() {
    let config = config_dir();
    let work = tempfile::tempdir().unwrap();
    let mut options = BoxOptions::new(config.path().to_owned(), work.path().join("data"));
    options.device_dir = Some(work.path().join("devices"));
    options.provision_token = Some(TOKEN.into());
    let running = start_box(options).unwrap();
    let span_path = soft_hardware::socket_path(running.device_dir(), DeviceKind::E1, 9);
    let (span, _) = FarEnd::connect(
        &span_path,
        Some(DeviceKind::E1),
        Some(ClockMode::LockStep),
        Duration::from_secs(5),
    )
    .unwrap();
    let mut far = vec![(span, Block::idle(32), Block::idle(32))];

    far[0].1.conditions = LineConditions::LOS;
    for _ in 0..5 {
        step(&mut far);
    }
    assert!(
        far[0].2.conditions.contains(LineConditions::RAI),
        "a span that lost signal sends RAI"
    );
    let status = http_get(running.web_address(), "/api/status");
    let span = &status["spans"][0];
    assert_eq!(span["device"], 9);
    assert_eq!(span["connected"], true);
    assert_eq!(span["alarms"], serde_json::json!(["los"]));
    assert_eq!(span["d_channel_up"], false, "no D-channel through LOS");
    assert_eq!(span["b_channels"], 30);
    assert_eq!(span["b_channels_busy"], 0);
    assert_eq!(status["ports"].as_array().unwrap().len(), 2);
    assert_eq!(status["ports"][1]["extension"], "201");
    assert_eq!(status["ports"][1]["state"], "idle");
    assert_eq!(status["calls"], serde_json::json!([]));
    assert!(
        status["media_engine"]["ticks"].as_u64().unwrap() >= 5,
        "{status}"
    );
    assert!(status["media_engine"]["tick_lateness"]["p99_us"].is_u64());
    assert_eq!(status["devices"].as_array().unwrap().len(), 3);

    far[0].1.conditions = LineConditions::NONE;
    for _ in 0..5 {
        step(&mut far);
    }
    assert!(
        !far[0].2.conditions.contains(LineConditions::RAI),
        "RAI clears with the alarm"
    );
    let status = http_get(running.web_address(), "/api/status");
    assert_eq!(status["spans"][0]["alarms"], serde_json::json!([]));
    assert_eq!(
        http_get(running.web_address(), "/api/cdrs"),
        serde_json::json!([])
    );
}
