//! Every scenario in hil-tests/scenarios/, found by itself (no list to keep), run by the
//! real `hil` binary: in lock-step, each against a box it starts itself, and in real
//! time, one `appliance run` per configuration the scenarios name (`config:`), each
//! group's scenarios one after the other against it. Every failure is reported, not just
//! the first.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Held by the lock-step and the real-time runs, so they never load the machine together.
static ALONE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn hil_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `*.hil` file under hil-tests/scenarios/ (subfolders too), sorted.
fn scenario_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|x| x == "hil") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&hil_root().join("scenarios"), &mut found);
    found.sort();
    assert!(!found.is_empty(), "no scenario file found");
    found
}

/// The file's name under hil-tests/scenarios/, for messages.
fn short(path: &Path) -> String {
    path.strip_prefix(hil_root().join("scenarios"))
        .unwrap_or(path)
        .display()
        .to_string()
}

fn report(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Panics listing every failure, each with the run's output.
fn assert_none_failed(how: &str, ran: usize, failures: &[(String, String)]) {
    if failures.is_empty() {
        return;
    }
    let mut text = format!(
        "{} of {ran} scenario(s) failed {how}: {}\n",
        failures.len(),
        failures
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (name, output) in failures {
        text.push_str(&format!("\n===== {name} =====\n{output}\n"));
    }
    panic!("{text}");
}

/// Each scenario in lock-step, against a box `hil run` starts from its `config:`.
#[test]
fn every_scenario_passes_in_lock_step() {
    let _alone = ALONE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let files = scenario_files();
    let mut failures = Vec::new();
    for path in &files {
        let started = Instant::now();
        let output = Command::new(env!("CARGO_BIN_EXE_hil"))
            .arg("run")
            .arg(path)
            .output()
            .expect("hil runs");
        let text = report(&output);
        let ok = output.status.success() && text.contains("1 scenario(s) passed");
        println!(
            "{} {} in lock-step ({:.1} s)",
            if ok { "passed" } else { "FAILED" },
            short(path),
            started.elapsed().as_secs_f64()
        );
        if !ok {
            failures.push((short(path), text));
        }
    }
    assert_none_failed("in lock-step", files.len(), &failures);
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

/// A scenario to run in real time: its file, the sockets its devices plug into and the
/// box's clock at its start (`box time:`).
struct RealTimeRun {
    path: PathBuf,
    sockets: Vec<PathBuf>,
    box_time_unix_ms: Option<u64>,
}

/// Each configuration the scenarios name gets one `appliance run` (in real time), and
/// its scenarios run against it one after the other, one configuration after the other.
/// A scenario that cannot be read or names no configuration fails here too.
/// Scenarios run in lock-step only. Each takes about 110 s of line time (31 calls
/// cleared one after the other, then 31 refused) and exercises the same clearing in real
/// time as `pri-outbound.hil` and `pri-30-inbound.hil` do; their real-time pass is left
/// out to keep the whole suite under CI's 30 minutes.
const LOCK_STEP_ONLY: &[&str] = &["pri-box-clears.hil", "pri-net-box-clears.hil"];

#[test]
fn every_scenario_passes_in_real_time_against_appliance_run() {
    let files: Vec<PathBuf> = scenario_files()
        .into_iter()
        .filter(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let skipped = LOCK_STEP_ONLY.contains(&name);
            if skipped {
                println!("{name}: lock-step only (LOCK_STEP_ONLY)");
            }
            !skipped
        })
        .collect();
    assert!(
        files.len() > 30,
        "the real-time pass still runs every other scenario ({})",
        files.len()
    );
    let mut groups: BTreeMap<String, Vec<RealTimeRun>> = BTreeMap::new();
    let mut failures = Vec::new();
    for path in &files {
        let scenario = match hil_scenario::parse_file(path) {
            Ok(scenario) => scenario,
            Err(e) => {
                failures.push((short(path), format!("cannot be read: {e}")));
                continue;
            }
        };
        let Some(config) = scenario.config.clone() else {
            failures.push((
                short(path),
                "names no `config:`, so no box runs it".to_string(),
            ));
            continue;
        };
        let sockets = scenario
            .devices
            .iter()
            .map(|d| soft_hardware::socket_path(Path::new(""), d.kind, d.id))
            .collect();
        groups.entry(config).or_default().push(RealTimeRun {
            path: path.clone(),
            sockets,
            box_time_unix_ms: scenario.box_time_unix_ms,
        });
    }
    let ran = files.len();
    // One box at a time, and never beside the lock-step run: a real-time box on a loaded
    // 2-core machine misses its 20 ms ticks, and then a scenario fails for no fault of
    // the box's.
    let _alone = ALONE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let group_failures: Vec<(String, String)> = groups
        .iter()
        .flat_map(|(config, runs)| run_real_time(config, runs))
        .collect();
    failures.extend(group_failures);
    assert_none_failed("in real time", ran, &failures);
}

/// A real-time box: `appliance run` on a copy of an HIL configuration.
struct RealTimeBox {
    _process: RunningAppliance,
    devices: PathBuf,
    web: String,
    /// The file holding the box's API token (`--provision-token-file`, `--token-file`).
    token_file: PathBuf,
    _work: tempfile::TempDir,
}

/// Copies directory `from` into `to`, subfolders too (`flows/`, `prompts/`).
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Starts `appliance run` on a real-time copy of configuration `config_name` and waits
/// for `sockets` (relative to its device folder); with `epoch_unix_ms`, the box's clock
/// starts there (`--epoch-unix-ms`).
fn start_real_time_box(
    config_name: &str,
    sockets: &[PathBuf],
    epoch_unix_ms: Option<u64>,
) -> Result<RealTimeBox, String> {
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("config");
    let source = hil_root().join("configs").join(config_name);
    copy_dir(&source, &config).map_err(|e| format!("configuration {}: {e}", source.display()))?;
    let port = free_port();
    let devices = work.path().join("devices");
    let system = std::fs::read_to_string(config.join("system.toml"))
        .map_err(|e| format!("configuration {config_name}: system.toml: {e}"))?;
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
    if !(system.contains("realtime") && system.contains(&port.to_string())) {
        return Err(format!(
            "configuration {config_name}: system.toml could not be made real-time:\n{system}"
        ));
    }
    std::fs::write(config.join("system.toml"), system).unwrap();

    let token_file = work.path().join("api-token");
    let token: String = format!(
        "hil-real-time-{}-{port}-0123456789abcdef",
        std::process::id()
    );
    std::fs::write(&token_file, token).map_err(|e| format!("token file: {e}"))?;
    let mut command = Command::new(appliance_binary());
    command
        .args(["run", "--config"])
        .arg(&config)
        .arg("--data")
        .arg(work.path().join("data"))
        .arg("--provision-token-file")
        .arg(&token_file);
    if let Some(ms) = epoch_unix_ms {
        command.arg("--epoch-unix-ms").arg(ms.to_string());
    }
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("appliance starts");
    let process = RunningAppliance(child);
    let ready = Instant::now() + Duration::from_secs(20);
    while let Some(missing) = sockets.iter().find(|s| !devices.join(s).exists()) {
        if Instant::now() > ready {
            return Err(format!(
                "appliance run ({config_name}) did not create {} within 20 s",
                missing.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // The sockets come before the web port (the prompts load in between): a scenario
    // reads CDRs and status from its first step.
    let web_address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    while std::net::TcpStream::connect_timeout(&web_address, Duration::from_millis(200)).is_err() {
        if Instant::now() > ready {
            return Err(format!(
                "appliance run ({config_name}) did not open its web port {port} within 20 s"
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(RealTimeBox {
        _process: process,
        devices,
        web: format!("http://127.0.0.1:{port}"),
        token_file,
        _work: work,
    })
}

/// Runs `runs` one after the other with `hil run --box` against one real-time box on
/// configuration `config_name`; the failures. A failed scenario may leave calls up, so
/// the box is started afresh after one, and every failure is the scenario's own. A
/// scenario with `box time:` gets a box of its own, started with that clock.
fn run_real_time(config_name: &str, runs: &[RealTimeRun]) -> Vec<(String, String)> {
    let mut sockets: Vec<PathBuf> = runs.iter().flat_map(|r| r.sockets.clone()).collect();
    sockets.sort();
    sockets.dedup();
    let mut failures = Vec::new();
    let mut running: Option<RealTimeBox> = None;
    for run in runs {
        let name = format!("{} (config {config_name})", short(&run.path));
        if run.box_time_unix_ms.is_some() {
            // Its clock starts at its box time: a box that ran earlier scenarios is late.
            running = None;
        }
        if running.is_none() {
            match start_real_time_box(config_name, &sockets, run.box_time_unix_ms) {
                Ok(started) => running = Some(started),
                Err(e) => {
                    failures.push((name, e));
                    continue;
                }
            }
        }
        let Some(the_box) = &running else { continue };
        let started = Instant::now();
        let output = Command::new(env!("CARGO_BIN_EXE_hil"))
            .arg("run")
            .arg("--box")
            .arg(&the_box.devices)
            .arg("--web")
            .arg(&the_box.web)
            .arg("--token-file")
            .arg(&the_box.token_file)
            .arg(&run.path)
            .output()
            .expect("hil runs");
        let text = report(&output);
        let ok = output.status.success();
        println!(
            "{} {} in real time on {config_name} ({:.1} s)",
            if ok { "passed" } else { "FAILED" },
            short(&run.path),
            started.elapsed().as_secs_f64()
        );
        if !ok || run.box_time_unix_ms.is_some() {
            running = None;
        }
        if !ok {
            failures.push((name, text));
        }
    }
    failures
}
