//! The box on a PRI span, end to end through real sockets: the rig's carrier simulator
//! (network side) brings up the D-channel over HDLC on timeslot 16, calls into the echo
//! test, and the box's own pcap capture of the D-channel is decoded by tshark.

mod common;

use appliance::boot::RunningBox;
use common::{
    dial, echo_calls, http, json, start, start_edited, start_with_fault_injection, step_until,
    wait_link_up,
};
use far_end::Rig;
use soft_hardware::{ClockMode, DeviceKind};
use std::path::Path;
use std::process::Command;

const ONLY_100: &str = "[[inbound]]\nlines = [1]\ncalled = \"100\"\ndestination = \"echo\"\n";

#[test]
fn calls_over_pri_reach_the_echo_test_and_the_capture_decodes_in_tshark() {
    let work = tempfile::tempdir().unwrap();
    let mut running = start(work.path(), "pri");
    let web = running.web_address();
    let mut rig = Rig::connect(
        running.device_dir(),
        &[("span1", DeviceKind::E1, 1)],
        ClockMode::LockStep,
    )
    .unwrap();

    let up = step_until(&mut rig, 3000, |r| {
        r.carrier("span1").is_some_and(|c| c.link_up())
    });
    rig.run_for(100).unwrap(); // the carrier's UA on its way to the box
    let status = json(web, "GET", "/api/status");
    assert!(
        up,
        "D-channel did not come up: {}\n{status:#}",
        rig.state_summary()
    );
    assert_eq!(status["spans"][0]["d_channel_up"], true, "{status:#}");

    let capture = json(web, "POST", "/api/spans/1/capture");
    let file = capture["file"]
        .as_str()
        .expect("capture file name")
        .to_owned();
    let (refused, _) = http(web, "POST", "/api/spans/7/capture");
    assert!(refused.contains("400"), "no span 7: {refused}");

    let now = rig.now_ms();
    let carrier = rig.carrier_mut("span1").unwrap();
    carrier
        .place_calls(now, 2, Some("0201234"), "100")
        .expect("calls placed");
    let answered = step_until(&mut rig, 5000, |r| {
        r.carrier("span1").is_some_and(|c| c.answered_count() == 2)
    });
    assert!(answered, "calls not answered: {}", rig.state_summary());
    assert_eq!(
        json(web, "GET", "/api/status")["spans"][0]["b_channels_busy"],
        2
    );
    rig.run_for(3000).unwrap(); // the greeting, then the echo test: the call counts as answered

    let now = rig.now_ms();
    rig.carrier_mut("span1")
        .unwrap()
        .hang_up_all(now, 16)
        .expect("hang up");
    let cleared = step_until(&mut rig, 3000, |r| {
        r.carrier("span1")
            .is_some_and(|c| c.live_calls().count() == 0)
    });
    assert!(cleared, "calls not cleared: {}", rig.state_summary());
    rig.run_for(200).unwrap();
    json(web, "DELETE", "/api/spans/1/capture");

    let cdrs = json(web, "GET", "/api/cdrs");
    let cdrs = cdrs.as_array().expect("CDR list");
    assert_eq!(cdrs.len(), 2, "{cdrs:#?}");
    for cdr in cdrs {
        assert_eq!(cdr["disposition"], "answered", "{cdr}");
        assert_eq!(cdr["cause"], 16, "{cdr}");
        assert_eq!(cdr["caller"], "0201234", "{cdr}");
        assert!(
            cdr["inbound_channel"]
                .as_str()
                .is_some_and(|c| c.starts_with("1/")),
            "{cdr}"
        );
    }

    let messages = tshark_messages(Path::new(&file));
    let count = |name: &str| messages.iter().filter(|m| m.as_str() == name).count();
    assert_eq!(count("N->U SETUP"), 2, "{messages:#?}");
    assert_eq!(count("U->N CONNECT"), 2, "{messages:#?}");
    assert_eq!(count("N->U DISCONNECT"), 2, "{messages:#?}");
    assert_eq!(count("U->N RELEASE"), 2, "{messages:#?}");
    assert_eq!(count("N->U RELEASE COMPLETE"), 2, "{messages:#?}");
    let first_setup = messages.iter().position(|m| m == "N->U SETUP");
    let first_connect = messages.iter().position(|m| m == "U->N CONNECT");
    assert!(first_setup < first_connect, "{messages:#?}");
    running.stop();
}

/// `direction message` for every Q.931 message tshark finds in the capture.
fn tshark_messages(path: &Path) -> Vec<String> {
    let output = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args([
            "-Y",
            "q931",
            "-T",
            "fields",
            "-E",
            "separator=|",
            "-e",
            "lapd.direction",
            "-e",
            "q931.message_type",
        ])
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run tshark ({e}); CI installs it (apt-get install tshark)")
        });
    assert!(
        output.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let (direction, message) = line.split_once('|').unwrap_or((line, ""));
            let direction = if direction == "0" { "U->N" } else { "N->U" };
            let name = match message {
                "0x05" => "SETUP",
                "0x02" => "CALL PROCEEDING",
                "0x01" => "ALERTING",
                "0x07" => "CONNECT",
                "0x0f" => "CONNECT ACKNOWLEDGE",
                "0x45" => "DISCONNECT",
                "0x4d" => "RELEASE",
                "0x5a" => "RELEASE COMPLETE",
                other => other,
            };
            format!("{direction} {name}")
        })
        .collect()
}

#[test]
fn a_pri_call_without_a_route_is_refused_unanswered_with_its_cause() {
    let work = tempfile::tempdir().unwrap();
    // Only calls to 100 have somewhere to go.
    let mut running = start_edited(work.path(), "pri", |file, text| {
        if file == "routes.toml" {
            ONLY_100.to_owned()
        } else {
            text
        }
    });
    let mut rig = Rig::connect(
        running.device_dir(),
        &[("span1", DeviceKind::E1, 1)],
        ClockMode::LockStep,
    )
    .unwrap();
    wait_link_up(&mut rig, "span1");

    let now = rig.now_ms();
    rig.carrier_mut("span1")
        .unwrap()
        .place_calls(now, 1, Some("0201234"), "555")
        .unwrap();
    let released = step_until(&mut rig, 3000, |r| {
        r.carrier("span1")
            .and_then(|c| c.call(1))
            .is_some_and(|c| c.cleared)
    });
    let call = rig.carrier("span1").unwrap().call(1).unwrap();
    assert!(released, "call refused: {}", rig.state_summary());
    assert_eq!(call.answered_at_ms, None, "never answered");
    assert_eq!(call.cause, Some(1), "unallocated number");
    assert_eq!(call.released_by, Some(far_end::ReleasedBy::Box));
    rig.run_for(200).unwrap();
    let cdrs = json(running.web_address(), "GET", "/api/cdrs");
    assert_eq!(cdrs[0]["disposition"], "invalid_number", "{cdrs}");
    assert_eq!(cdrs[0]["cause"], 1, "{cdrs}");
    running.stop();
}

/// A box whose span receives in overlap; only calls to 100 have a route.
fn overlap_box(work: &Path) -> RunningBox {
    start_edited(work, "pri", |file, text| match file {
        "lines.toml" => {
            let lines = text.replace(
                "channels = \"1-15,17-31\"",
                "channels = \"1-15,17-31\"\noverlap = true",
            );
            assert!(lines.contains("overlap = true"));
            lines
        }
        "routes.toml" => ONLY_100.to_owned(),
        _ => text,
    })
}

/// Places one call to 100 with only its first digit in the SETUP; returns (answered,
/// cause, line time from placing to answer or release).
fn overlap_call(sending_complete: bool) -> (bool, Option<u8>, u64) {
    overlap_call_to("100", sending_complete)
}

fn overlap_call_to(number: &str, sending_complete: bool) -> (bool, Option<u8>, u64) {
    let work = tempfile::tempdir().unwrap();
    let mut running = overlap_box(work.path());
    let mut rig = Rig::connect(
        running.device_dir(),
        &[("span1", DeviceKind::E1, 1)],
        ClockMode::LockStep,
    )
    .unwrap();
    wait_link_up(&mut rig, "span1");
    let placed_at = rig.now_ms();
    let carrier = rig.carrier_mut("span1").unwrap();
    carrier.set_overlap_sending(Some(far_end::OverlapSending {
        digits_in_setup: 1,
        sending_complete,
    }));
    carrier
        .place_calls(placed_at, 1, Some("0201234"), number)
        .unwrap();
    let settled = |r: &Rig| {
        r.carrier("span1")
            .and_then(|c| c.call(1))
            .is_some_and(|c| c.is_answered() || c.cleared)
    };
    assert!(
        step_until(&mut rig, 10_000, settled),
        "call settled: {}",
        rig.state_summary()
    );
    let call = rig.carrier("span1").unwrap().call(1).unwrap();
    let at = call.answered_at_ms.or(call.released_at_ms).unwrap_or(0);
    let outcome = (call.is_answered(), call.cause, at - placed_at);
    running.stop();
    outcome
}

#[test]
fn overlap_received_digits_complete_the_number_before_routing() {
    // "1" alone has no route: a box routing on the SETUP's digits would refuse the call.
    let (answered, cause, ms) = overlap_call(true);
    assert!(
        answered,
        "the call to 1+00 reached the echo test (cause {cause:?})"
    );
    assert!(
        ms < 1000,
        "routed as soon as Sending complete came, not after a timeout: {ms} ms"
    );
}

#[test]
fn overlap_received_number_without_sending_complete_is_routed_when_it_matches_a_route() {
    let (answered, cause, ms) = overlap_call(false);
    assert!(
        answered,
        "the digits 1+00 name a route: answered (cause {cause:?})"
    );
    assert!(
        ms < 1000,
        "no need to wait for the digit timeout once the number matches: {ms} ms"
    );
}

#[test]
fn an_overlap_number_that_matches_no_route_is_decided_after_the_digit_timeout() {
    let (answered, cause, ms) = overlap_call_to("555", false);
    assert!(!answered);
    assert_eq!(cause, Some(1), "unallocated number");
    let timeout = call_control::span::OVERLAP_DIGIT_TIMEOUT_MS;
    assert!(
        (timeout..timeout + 1000).contains(&ms),
        "refused once no digit came for {timeout} ms: {ms} ms"
    );
}

#[test]
fn a_failed_span_actor_is_replaced_its_calls_cleared_and_the_span_works_again() {
    let work = tempfile::tempdir().unwrap();
    let mut running = start_with_fault_injection(work.path(), "pri");
    let devices = [("span1", DeviceKind::E1, 1), ("fxs2", DeviceKind::Fxs, 2)];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();
    wait_link_up(&mut rig, "span1");

    // A call up into the echo test when the span's actor fails.
    echo_calls(&mut rig, "span1", 1);
    rig.run_for(3000).unwrap();
    let now = rig.now_ms();
    rig.phone_mut("fxs2").unwrap().go_off_hook(now);
    rig.run_for(500).unwrap();
    let now = rig.now_ms();
    let digits = format!("9{}", call_control::span::SPAN_FAULT_NUMBER);
    rig.phone_mut("fxs2").unwrap().dial(now, &digits).unwrap();

    let restarted = step_until(&mut rig, 10_000, |_| {
        running.status().is_ok_and(|s| s.spans[0].restarts == 1)
    });
    assert!(
        restarted,
        "span restarted: {:?}",
        running.status().map(|s| s.spans)
    );
    // The new stack restarts the interface: the carrier drops the call it still had.
    let dropped = step_until(&mut rig, 5000, |r| {
        r.carrier("span1")
            .unwrap()
            .call(1)
            .is_some_and(|c| c.cleared)
    });
    assert!(
        dropped,
        "call 1 cleared at the carrier: {}",
        rig.state_summary()
    );
    let cdrs = json(running.web_address(), "GET", "/api/cdrs");
    let first = cdrs
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["caller"] == "0201234")
        .expect("CDR of call 1");
    assert_eq!(first["cause"], 41, "{cdrs:#}");

    // The span works again.
    assert!(
        step_until(&mut rig, 5000, |r| r.carrier("span1").unwrap().link_up()),
        "link back up"
    );
    let now = rig.now_ms();
    rig.carrier_mut("span1")
        .unwrap()
        .place_calls(now, 1, Some("0201235"), "100")
        .unwrap();
    assert!(
        step_until(&mut rig, 5000, |r| r
            .carrier("span1")
            .unwrap()
            .answered_count()
            == 2),
        "a new call is answered"
    );
    assert_eq!(running.status().unwrap().spans[0].d_channel_up, Some(true));
    running.stop();
}

#[test]
fn a_failed_b_channel_actor_is_replaced_its_call_cleared_and_the_channel_works_again() {
    let work = tempfile::tempdir().unwrap();
    let mut running = start_with_fault_injection(work.path(), "pri");
    let devices = [("span1", DeviceKind::E1, 1), ("fxs2", DeviceKind::Fxs, 2)];
    let mut rig = Rig::connect(running.device_dir(), &devices, ClockMode::LockStep).unwrap();
    wait_link_up(&mut rig, "span1");
    // A call into the echo test stays up on B1 throughout.
    echo_calls(&mut rig, "span1", 1);

    let digits = format!("9{}#", call_control::bchannel::BCHANNEL_FAULT_NUMBER);
    dial(&mut rig, "fxs2", &digits);
    let failed = step_until(&mut rig, 5000, |_| {
        json(running.web_address(), "GET", "/api/cdrs")
            .as_array()
            .is_some_and(|cdrs| cdrs.iter().any(|c| c["cause"] == 41))
    });
    assert!(
        failed,
        "the call on the failed B-channel ended with cause 41"
    );
    let now = rig.now_ms();
    rig.phone_mut("fxs2").unwrap().hang_up(now);
    rig.run_for(1500).unwrap();

    // The replaced B-channel (the user side hunts from the top: B31) carries a call again.
    dial(&mut rig, "fxs2", "90201234#");
    let offered = step_until(&mut rig, 5000, |r| {
        r.carrier("span1")
            .unwrap()
            .calls()
            .iter()
            .any(|c| c.direction == far_end::CallDirection::FromBox && c.channel == Some(31))
    });
    assert!(offered, "B31 works again: {}", rig.state_summary());
    let status = running.status().unwrap();
    assert_eq!(status.spans[0].restarts, 0, "the span itself carried on");
    assert_eq!(
        status.calls.len(),
        2,
        "the echo call is still up: {:?}",
        status.calls
    );
    running.stop();
}

#[test]
fn a_capture_whose_file_cannot_be_created_is_refused_with_the_reason() {
    let work = tempfile::tempdir().unwrap();
    let mut running = start(work.path(), "pri");
    let web = running.web_address();
    let mut rig = Rig::connect(
        running.device_dir(),
        &[("span1", DeviceKind::E1, 1)],
        ClockMode::LockStep,
    )
    .unwrap();
    wait_link_up(&mut rig, "span1");
    // Directories where the capture files of the next seconds would go: even root cannot
    // create a file there.
    let captures = running.data_dir().join("captures");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for second in now.saturating_sub(1)..now + 30 {
        std::fs::create_dir_all(captures.join(format!("span1-{second}.pcap"))).unwrap();
    }
    let (status, body) = http(web, "POST", "/api/spans/1/capture");
    assert!(status.contains("500"), "{status}: {body}");
    assert!(body.contains("cannot create capture file"), "{body}");
    // The span carries on, and a capture can be stopped and started again elsewhere.
    let (status, _) = http(web, "DELETE", "/api/spans/1/capture");
    assert!(status.contains("200"), "{status}");
    rig.run_for(200).unwrap();
    assert_eq!(running.status().unwrap().spans[0].d_channel_up, Some(true));
    running.stop();
}
