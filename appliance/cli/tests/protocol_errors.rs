//! A carrier that sends malformed or unexpected Q.931 messages is answered per §5.8 (the
//! stack's job) and leaves a trace: a warning naming the span, the call reference, the
//! message and the cause, rate-limited, and a per-span count in `/api/status`.

mod common;

use common::{json, start, wait_link_up};
use far_end::Rig;
use soft_hardware::{ClockMode, DeviceKind};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Collects every log line of this test process (the box runs in it).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[test]
fn protocol_errors_are_logged_rate_limited_and_counted_per_span() {
    let log = Captured::default();
    let writer = log.clone();
    tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .with_writer(move || writer.clone())
        .init();

    let work = tempfile::tempdir().unwrap();
    let mut running = start(work.path(), "pri");
    let mut rig = Rig::connect(
        running.device_dir(),
        &[("span1", DeviceKind::E1, 1)],
        ClockMode::LockStep,
    )
    .unwrap();
    wait_link_up(&mut rig, "span1");
    // ALERTING (0x01) for call reference 9, which the box never had: RELEASE COMPLETE 81.
    let alerting_unknown_call = [0x08, 0x02, 0x00, 0x09, 0x01];
    let now = rig.now_ms();
    rig.carrier_mut("span1")
        .unwrap()
        .send_raw_message(now, &alerting_unknown_call)
        .unwrap();
    rig.run_for(500).unwrap();
    let status = json(running.web_address(), "GET", "/api/status");
    assert_eq!(status["spans"][0]["protocol_errors"], 1, "{status:#}");
    let text = log.text();
    let line = text
        .lines()
        .find(|l| l.contains("Q.931 protocol error"))
        .unwrap_or_else(|| panic!("a warning for the bad message:\n{text}"));
    assert!(line.contains("WARN"), "{line}");
    assert!(line.contains("span=1"), "names the span: {line}");
    assert!(
        line.contains("call_ref=Some(9)"),
        "names the call reference: {line}"
    );
    assert!(line.contains("ALERTING"), "names the message: {line}");
    assert!(line.contains("81"), "names the cause: {line}");

    // A flood: every one counted, only a burst logged.
    for _ in 0..40 {
        let now = rig.now_ms();
        rig.carrier_mut("span1")
            .unwrap()
            .send_raw_message(now, &alerting_unknown_call)
            .unwrap();
        rig.run_for(20).unwrap();
    }
    rig.run_for(500).unwrap();
    let status = json(running.web_address(), "GET", "/api/status");
    assert_eq!(status["spans"][0]["protocol_errors"], 41, "{status:#}");
    let logged = log
        .text()
        .lines()
        .filter(|l| l.contains("Q.931 protocol error"))
        .count();
    assert_eq!(
        logged,
        call_control::log_limit::LogLimit::BURST as usize,
        "rate-limited to one burst in the window"
    );
    running.stop();
}
