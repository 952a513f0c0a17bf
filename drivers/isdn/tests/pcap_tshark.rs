//! A capture we write is one tshark decodes as LAPD/Q.931, with directions: a
//! user-side and a network-side `PriStack` bring the link up and carry one whole call,
//! the user side's view of the D-channel goes to a pcap file, tshark reads it back.
//!
//! tshark is required (CI installs it): without it this test fails, it does not skip.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use isdn::pcap::{Direction, PcapWriter};
use isdn::pri::PriStack;
use isdn::q921::Timers as LinkTimers;
use isdn::q931::{Config, Role};
use line_boundary::{Cause, LineCommand, LineEvent, PhoneNumber};

const CALLING: &str = "0201234567";
const CALLED: &str = "5551000";
/// Timestamps: engine milliseconds on top of a fixed wall-clock instant (2023-11-14).
const EPOCH: Duration = Duration::from_secs(1_700_000_000);

/// Both stacks plus the capture, taken at the `vantage` side.
struct Span {
    user: PriStack,
    network: PriStack,
    vantage: Role,
    capture: PcapWriter<BufWriter<File>>,
}

impl Span {
    fn direction(&self, sender: Role) -> Direction {
        if sender == self.vantage {
            Direction::Sent
        } else {
            Direction::Received
        }
    }

    /// Carries frames both ways until neither side has more, recording each.
    fn exchange(&mut self, now_ms: u64) {
        let at = EPOCH + Duration::from_millis(now_ms);
        loop {
            let mut moved = false;
            while let Some(f) = self.user.poll_frame() {
                moved = true;
                let dir = self.direction(Role::User);
                self.capture
                    .write_frame(at, dir, &f)
                    .expect("capture write");
                self.network.handle_frame(now_ms, &f);
            }
            while let Some(f) = self.network.poll_frame() {
                moved = true;
                let dir = self.direction(Role::Network);
                self.capture
                    .write_frame(at, dir, &f)
                    .expect("capture write");
                self.user.handle_frame(now_ms, &f);
            }
            if !moved {
                break;
            }
        }
    }
}

/// Runs link-up and one call (network → user: SETUP, CALL PROCEEDING, ALERTING,
/// CONNECT, CONNECT ACK; the user hangs up: DISCONNECT, RELEASE, RELEASE COMPLETE) and
/// writes the capture, as seen from `vantage`, to `path`.
fn capture_one_call(path: &Path, vantage: Role) {
    let file = File::create(path).expect("create capture file");
    let mut span = Span {
        user: PriStack::new(
            Role::User,
            Config::for_role(Role::User),
            LinkTimers::default(),
        ),
        network: PriStack::new(
            Role::Network,
            Config::for_role(Role::Network),
            LinkTimers::default(),
        ),
        vantage,
        capture: PcapWriter::new(BufWriter::new(file), vantage).expect("capture header"),
    };
    span.user.physical_up(0);
    span.network.physical_up(0);
    span.exchange(0);
    assert!(span.user.is_link_up() && span.network.is_link_up());

    let called = PhoneNumber::parse(CALLED).expect("valid number");
    let calling = Some(PhoneNumber::parse(CALLING).expect("valid number"));
    span.network
        .q931_mut()
        .handle_command(100, None, LineCommand::CallOut { calling, called })
        .expect("call out");
    span.network.pump(100);
    span.exchange(100);
    let (call, _, event) = span.user.poll_event().expect("incoming call");
    assert!(matches!(event, LineEvent::IncomingCall { .. }), "{event:?}");

    span.user
        .q931_mut()
        .handle_command(200, Some(call), LineCommand::Alert)
        .expect("alert");
    span.user.pump(200);
    span.exchange(200);
    span.user
        .q931_mut()
        .handle_command(300, Some(call), LineCommand::Answer)
        .expect("answer");
    span.user.pump(300);
    span.exchange(300);
    span.user
        .q931_mut()
        .handle_command(
            400,
            Some(call),
            LineCommand::Hangup {
                cause: Cause::NORMAL_CLEARING,
            },
        )
        .expect("hang up");
    span.user.pump(400);
    span.exchange(400);
    assert_eq!(
        span.user.q931().calls().count(),
        0,
        "call cleared on the user side"
    );
    assert_eq!(
        span.network.q931().calls().count(),
        0,
        "call cleared on the network side"
    );

    span.capture.flush().expect("flush capture");
}

/// The tshark fields we read, in output order.
const FIELDS: [&str; 8] = [
    "lapd.direction",
    "lapd.sapi",
    "lapd.control.u_modifier_cmd",
    "lapd.control.u_modifier_resp",
    "lapd.control.s_ftype",
    "q931.message_type",
    "q931.calling_party_number.digits",
    "q931.called_party_number.digits",
];

/// One frame as tshark decoded it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Decoded {
    direction: &'static str,
    sapi: String,
    /// SABME/UA/RR or the Q.931 message name.
    what: String,
    calling: String,
    called: String,
}

/// Names for the values tshark prints (`tshark -G values`); anything else verbatim, so
/// a mismatch shows what tshark saw.
fn name(u_cmd: &str, u_resp: &str, s_ftype: &str, message_type: &str) -> String {
    let named = match (u_cmd, u_resp, s_ftype, message_type) {
        // U frames: the dissector files the modifier under command or response from
        // the C/R bit *and* the direction, so these also check the direction.
        ("0x1b", "", "", "") => "SABME command",
        ("", "0x18", "", "") => "UA response",
        ("", "", "0x0000", "") => "RR",
        ("", "", "", "0x05") => "SETUP",
        ("", "", "", "0x02") => "CALL PROCEEDING",
        ("", "", "", "0x01") => "ALERTING",
        ("", "", "", "0x07") => "CONNECT",
        ("", "", "", "0x0f") => "CONNECT ACKNOWLEDGE",
        ("", "", "", "0x45") => "DISCONNECT",
        ("", "", "", "0x4d") => "RELEASE",
        ("", "", "", "0x5a") => "RELEASE COMPLETE",
        _ => return format!("cmd={u_cmd:?} resp={u_resp:?} s={s_ftype:?} q931={message_type:?}"),
    };
    named.to_owned()
}

fn tshark(path: &Path) -> Vec<Decoded> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(path)
        .args(["-T", "fields", "-E", "separator=|", "-E", "occurrence=f"]);
    for f in FIELDS {
        cmd.args(["-e", f]);
    }
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) => panic!(
            "cannot run tshark ({e}): this test needs it on PATH (Debian: apt-get install tshark); \
             it is deliberately not skipped"
        ),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "tshark failed ({}): {stderr}",
        out.status
    );
    stdout
        .lines()
        .map(|line| {
            let f: Vec<&str> = line.split('|').collect();
            assert_eq!(f.len(), FIELDS.len(), "unexpected tshark line {line:?}");
            Decoded {
                direction: match f[0] {
                    "0" => "U->N",
                    "1" => "N->U",
                    other => panic!("direction not decoded ({other:?}) in {line:?}"),
                },
                sapi: f[1].to_owned(),
                what: name(f[2], f[3], f[4], f[5]),
                calling: f[6].to_owned(),
                called: f[7].to_owned(),
            }
        })
        .collect()
}

fn check(frames: &[Decoded]) {
    let seq: Vec<(&str, &str)> = frames
        .iter()
        .map(|f| (f.direction, f.what.as_str()))
        .collect();
    assert!(
        frames.iter().all(|f| f.sapi == "0"),
        "all frames on SAPI 0: {frames:#?}"
    );

    // Link establishment: both sides ask (both are told layer 1 is up), both answer.
    assert_eq!(
        seq[..4],
        [
            ("U->N", "SABME command"),
            ("N->U", "SABME command"),
            ("N->U", "UA response"),
            ("U->N", "UA response")
        ],
        "{seq:#?}"
    );

    // Every other frame is an I frame with a Q.931 message or an RR acknowledging one.
    let layer3: Vec<(&str, &str)> = seq[4..]
        .iter()
        .copied()
        .filter(|(_, w)| *w != "RR")
        .collect();
    assert_eq!(
        layer3,
        [
            ("N->U", "SETUP"),
            ("U->N", "CALL PROCEEDING"),
            ("U->N", "ALERTING"),
            ("U->N", "CONNECT"),
            ("N->U", "CONNECT ACKNOWLEDGE"),
            ("U->N", "DISCONNECT"),
            ("N->U", "RELEASE"),
            ("U->N", "RELEASE COMPLETE"),
        ],
        "{seq:#?}"
    );
    // An I frame answered at once by one the other way is acknowledged by it (N(R)),
    // not by an RR: the SETUP by the CALL PROCEEDING right after it.
    let rrs = seq.len() - 4 - layer3.len();
    assert!(
        rrs < layer3.len(),
        "acknowledgements ride on I frames where they can: {seq:#?}"
    );
    assert_eq!(
        seq[4..6],
        [("N->U", "SETUP"), ("U->N", "CALL PROCEEDING")],
        "{seq:#?}"
    );

    let setup = frames
        .iter()
        .find(|f| f.what == "SETUP")
        .expect("SETUP decoded");
    assert_eq!(
        (setup.calling.as_str(), setup.called.as_str()),
        (CALLING, CALLED)
    );
}

#[test]
fn tshark_decodes_a_call_captured_at_the_user_side() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("user.pcap");
    capture_one_call(&path, Role::User);
    check(&tshark(&path));
}

/// The same call seen from the other end: "sent" and "received" swap, the role octet
/// swaps with them, and tshark must arrive at the same directions.
#[test]
fn tshark_decodes_a_call_captured_at_the_network_side() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("network.pcap");
    capture_one_call(&path, Role::Network);
    check(&tshark(&path));
}
