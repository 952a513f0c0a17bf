//! Logs written to a file or a pipe carry no ANSI colour codes (the service's log is read
//! in the journal and in files).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn logs_to_a_pipe_are_plain_text() {
    let work = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../hil-tests/configs/basic");
    let config = work.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    for file in ["lines.toml", "routes.toml", "system.toml"] {
        let text = std::fs::read_to_string(source.join(file)).unwrap();
        let text = text
            .replace("clock = \"lockstep\"", "clock = \"realtime\"")
            .replace(
                "device_dir = \"run/devices\"",
                &format!(
                    "device_dir = {:?}",
                    work.path().join("devices").display().to_string()
                ),
            );
        std::fs::write(config.join(file), text).unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_appliance"))
        .args(["run", "--config"])
        .arg(&config)
        .arg("--data")
        .arg(work.path().join("data"))
        .env_remove("NO_COLOR")
        .env("APPLIANCE_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let _ = child.kill();
    let _ = child.wait();
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(
        logs.contains("INFO"),
        "the box logs at info to stderr:\n{logs}"
    );
    assert!(
        !logs.contains('\u{1b}'),
        "no escape codes in piped logs:\n{logs}"
    );
}
