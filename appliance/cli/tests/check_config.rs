//! `appliance check-config` as a technician runs it.

use std::path::Path;
use std::process::Command;

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

#[test]
fn a_valid_config_passes() {
    let output = Command::new(env!("CARGO_BIN_EXE_appliance"))
        .arg("check-config")
        .arg(repo("config/default"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout)
        .contains("configuration is valid (0 spans, 3 ports)"));
}

#[test]
fn a_broken_config_is_refused_with_every_error_located() {
    let output = Command::new(env!("CARGO_BIN_EXE_appliance"))
        .arg("check-config")
        .arg(repo("config/examples/broken"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let errors = String::from_utf8_lossy(&output.stderr);
    for want in [
        "system.toml:4:13: system.tone_plan: \"mars\" is not one of cn, etsi, na",
        "lines.toml:7:6: fxs[0].id: device id 1 is already used by fxo[0]",
        "routes.toml:6:15: inbound[0].destination: no fxs port has extension 299",
        "10 error(s); configuration refused",
    ] {
        assert!(errors.contains(want), "missing {want:?} in:\n{errors}");
    }
}

#[test]
fn run_refuses_a_broken_config_before_touching_anything() {
    let data = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_appliance"))
        .args(["run", "--config"])
        .arg(repo("config/examples/broken"))
        .arg("--data")
        .arg(data.path().join("data"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(errors.contains("has 10 error(s)"), "{errors}");
    assert!(
        !data.path().join("data").exists(),
        "no database created for a refused config"
    );
}

#[test]
fn the_demo_config_with_its_pri_span_is_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/demo");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_appliance"))
        .arg("check-config")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout)
        .contains("configuration is valid (1 span, 6 ports)"));
}

#[test]
fn a_flow_that_would_spin_is_refused_with_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for file in ["system.toml", "lines.toml", "routes.toml"] {
        std::fs::copy(
            repo("hil-tests/configs/basic").join(file),
            dir.path().join(file),
        )
        .unwrap();
    }
    std::fs::create_dir(dir.path().join("flows")).unwrap();
    // Two nodes that hand the call to each other without ever waiting for the caller.
    std::fs::write(
        dir.path().join("flows/loop.toml"),
        "name = \"loop\"\nentry = \"a\"\n\n[nodes.a]\ntype = \"set\"\nvariable = \"x\"\nvalue = \"1\"\nnext = \"b\"\n\n\
         [nodes.b]\ntype = \"set\"\nvariable = \"y\"\nvalue = \"2\"\nnext = \"a\"\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_appliance"))
        .arg("check-config")
        .arg(dir.path())
        .output()
        .unwrap();
    let errors = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{errors}");
    assert!(errors.contains("flows/loop.toml:4:"), "{errors}");
    assert!(errors.contains("a") && errors.contains("b"), "{errors}");
}
