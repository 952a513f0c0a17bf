//! Every scenario in hil-tests/scenarios/, run by the real `hil` binary: in lock-step
//! against a box it starts itself, and in real time against `appliance run`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const SCENARIOS: [&str; 5] = [
    "inbound-caller-id.hil",
    "extension-to-extension.hil",
    "abandon-while-ringing.hil",
    "panic-isolation.hil",
    "offer-races-off-hook.hil",
];
/// Scenarios on the `pri` configuration: the carrier simulator on a soft E1.
const PRI_SCENARIOS: [&str; 4] = [
    "pri-30-inbound.hil",
    "pri-outbound.hil",
    "pri-alarm-recovery.hil",
    "pri-box-clears.hil",
];
/// Scenarios on the `pri-net` configuration: the box on the network side of the span.
const PRI_NET_SCENARIOS: [&str; 1] = ["pri-net-box-clears.hil"];

fn hil_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn scenario(name: &str) -> PathBuf {
    hil_root().join("scenarios").join(name)
}

fn report(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn run_lockstep(name: &str) {
    let output = Command::new(env!("CARGO_BIN_EXE_hil"))
        .arg("run")
        .arg(scenario(name))
        .output()
        .expect("hil runs");
    let text = report(&output);
    println!("{text}");
    assert!(
        output.status.success(),
        "{name} failed in lock-step:\n{text}"
    );
    assert!(text.contains("1 scenario(s) passed"), "{text}");
}

#[test]
fn inbound_call_with_caller_id_lockstep() {
    run_lockstep("inbound-caller-id.hil");
}

#[test]
fn extension_to_extension_lockstep() {
    run_lockstep("extension-to-extension.hil");
}

#[test]
fn abandon_while_ringing_lockstep() {
    run_lockstep("abandon-while-ringing.hil");
}

#[test]
fn panic_isolation_lockstep() {
    run_lockstep("panic-isolation.hil");
}

#[test]
fn a_call_offered_to_a_phone_just_lifted_ends_at_once_as_busy_lockstep() {
    run_lockstep("offer-races-off-hook.hil");
}

/// Every scenario file is in one of the lists above, so none is silently left out.
#[test]
fn every_scenario_file_is_run() {
    let listed: Vec<&str> = SCENARIOS
        .iter()
        .chain(PRI_SCENARIOS.iter())
        .copied()
        .collect();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(hil_root().join("scenarios")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".hil") && !listed.contains(&name.as_str()) {
            missing.push(name);
        }
    }
    assert!(missing.is_empty(), "scenarios no test runs: {missing:?}");
}

#[test]
fn thirty_pri_calls_into_the_echo_test_lockstep() {
    run_lockstep("pri-30-inbound.hil");
}

#[test]
fn extension_calls_out_over_pri_lockstep() {
    run_lockstep("pri-outbound.hil");
}

#[test]
fn pri_alarm_and_recovery_lockstep() {
    run_lockstep("pri-alarm-recovery.hil");
}

#[test]
fn b_channels_are_freed_when_the_box_clears_user_side_lockstep() {
    run_lockstep("pri-box-clears.hil");
}

#[test]
fn b_channels_are_freed_when_the_box_clears_network_side_lockstep() {
    run_lockstep("pri-net-box-clears.hil");
}

#[test]
fn a_failed_expectation_fails_the_run_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wrong.hil");
    std::fs::write(
        &path,
        "name: expects the wrong extension to ring\nconfig: basic\ndevices: fxo1 fxs3 fxs4\n\
         fxo1 call from 5550123 cid etsi-before-ring\nexpect fxs4 ringing within 8s\n",
    )
    .unwrap();
    let config = hil_root().join("configs").join("basic");
    let output = Command::new(env!("CARGO_BIN_EXE_hil"))
        .arg("run")
        .arg("--config")
        .arg(&config)
        .arg(&path)
        .output()
        .expect("hil runs");
    let text = report(&output);
    assert!(!output.status.success(), "the run must fail:\n{text}");
    assert!(
        text.contains("expect fxs4 ringing within 8s"),
        "names the failed step:\n{text}"
    );
    assert!(text.contains(":5"), "names its line:\n{text}");
}

/// The `appliance` binary built next to this test (xtask/test.sh builds all bins first).
fn appliance_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test path");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let binary = dir.join("appliance");
    assert!(
        binary.exists(),
        "{} missing: run `cargo build --workspace --bins` first",
        binary.display()
    );
    binary
}

struct RunningAppliance(Child);

impl Drop for RunningAppliance {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn scenarios_in_real_time_against_appliance_run() {
    run_real_time("basic", "fxs3.sock", &SCENARIOS);
}

#[test]
fn pri_scenarios_in_real_time_against_appliance_run() {
    run_real_time("pri", "span1.sock", &PRI_SCENARIOS);
}

#[test]
fn pri_net_scenarios_in_real_time_against_appliance_run() {
    run_real_time("pri-net", "span1.sock", &PRI_NET_SCENARIOS);
}

/// Starts `appliance run` on a real-time copy of configuration `config_name` and runs
/// `scenarios` against it, one after the other, with `hil run --box`.
fn run_real_time(config_name: &str, last_socket: &str, scenarios: &[&str]) {
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let source = hil_root().join("configs").join(config_name);
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), config.join(entry.file_name())).unwrap();
    }
    let port = free_port();
    let devices = work.path().join("devices");
    let system = std::fs::read_to_string(config.join("system.toml")).unwrap();
    let system = system
        .replace("clock = \"lockstep\"", "clock = \"realtime\"")
        .replace(
            "device_dir = \"run/devices\"",
            &format!("device_dir = {:?}", devices.display().to_string()),
        )
        .replace(
            "web_listen = \"127.0.0.1:0\"",
            &format!("web_listen = \"127.0.0.1:{port}\""),
        );
    assert!(
        system.contains("realtime") && system.contains(&port.to_string()),
        "config rewritten:\n{system}"
    );
    std::fs::write(config.join("system.toml"), system).unwrap();

    let child = Command::new(appliance_binary())
        .args(["run", "--config"])
        .arg(&config)
        .arg("--data")
        .arg(work.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("appliance starts");
    let _box = RunningAppliance(child);
    let ready = Instant::now() + Duration::from_secs(20);
    while !devices.join(last_socket).exists() {
        assert!(
            Instant::now() < ready,
            "appliance run did not create its sockets"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    for name in scenarios {
        let output = Command::new(env!("CARGO_BIN_EXE_hil"))
            .arg("run")
            .arg("--box")
            .arg(&devices)
            .arg("--web")
            .arg(format!("http://127.0.0.1:{port}"))
            .arg(scenario(name))
            .output()
            .expect("hil runs");
        let text = report(&output);
        println!("{text}");
        assert!(
            output.status.success(),
            "{name} failed in real time:\n{text}"
        );
    }
}
