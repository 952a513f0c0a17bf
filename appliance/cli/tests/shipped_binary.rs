//! The shipped `appliance` binary does not link the HIL rig: the far-end simulators
//! (`far-end`) come in only with the `demo` feature (off by default) and as a
//! dev-dependency of the tests and the bench; the scenario language (`hil-scenario`) not
//! at all.
//!
//! Checked twice: in the dependency graph cargo resolves (for this package on its own and
//! for a whole-workspace build, where another member could turn the feature on), and in
//! the binary these tests run, which must carry no code from those crates.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// The HIL rig's crates that the appliance could link.
const RIG_PACKAGES: [&str; 2] = ["far-end", "hil-scenario"];

fn workspace_manifest() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml")
}

/// Package names printed by `cargo tree ARGS --prefix none -e normal,build` (what gets
/// linked into binaries: no dev-dependencies), one per line as `name vX.Y.Z …`.
fn cargo_tree(args: &[&str]) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .arg("tree")
        .arg("--manifest-path")
        .arg(workspace_manifest())
        .args(["--prefix", "none", "-e", "normal,build", "--color", "never"])
        .args(args)
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_appliance_package_does_not_depend_on_the_rig() {
    // `cargo build -p appliance` (the image's build): default features.
    let linked = cargo_tree(&["-p", "appliance"]);
    assert!(
        linked.contains("call-control") && linked.contains("soft-hardware"),
        "cargo tree output not understood: {linked:?}"
    );
    for package in RIG_PACKAGES {
        assert!(
            !linked.contains(package),
            "the appliance binary would link {package}: keep it behind the `demo` feature \
             or among the dev-dependencies"
        );
    }
}

#[test]
fn no_workspace_member_turns_the_demo_on_for_the_shipped_binary() {
    // `cargo build --workspace --bins` (xtask/test.sh, whose target/debug/appliance the
    // real-time HIL tests run): features unify across the members, so a member depending
    // on `appliance` with `demo` would put the simulators into the binary. The packages
    // that depend on far-end there must not include the appliance.
    let dependents = cargo_tree(&["--workspace", "--invert", "far-end"]);
    assert!(
        dependents.contains("far-end") && dependents.contains("hil"),
        "cargo tree output not understood: {dependents:?}"
    );
    assert!(
        !dependents.contains("appliance"),
        "a workspace build links far-end into the appliance binary: {dependents:?}"
    );
}

/// The binary these tests run (built with this package's features): no code of the rig's
/// crates in it. Linked code brings its source paths along (panic locations, debug info),
/// so the rig's source folders must not appear in it while ours do.
#[cfg(not(feature = "demo"))]
#[test]
fn the_built_binary_carries_no_rig_code() {
    let path = env!("CARGO_BIN_EXE_appliance");
    let folders = source_folders(Path::new(path));
    // Strings sit back to back in the binary: a path may follow other text directly.
    let named = |folder: &str| folders.iter().any(|f| f.ends_with(folder));
    for ours in ["appliance/cli", "drivers/soft-hardware"] {
        assert!(
            named(ours),
            "{path} names no source file of {ours}: this check cannot see source paths \
             (remapped or stripped?); it saw {folders:?}"
        );
    }
    for rig in ["hil-tests/far-end", "hil-tests/scenario"] {
        assert!(
            !named(rig),
            "{path} carries code from {rig}: the shipped binary must not link the HIL rig"
        );
    }
}

/// Every `PARENT/CRATE` that a `…PARENT/CRATE/src/` path in `binary` names (`PARENT` may
/// carry text that came just before the path). Reads the file
/// a `/` at a time (std's `read_until` finds them fast even in a debug build).
#[cfg(not(feature = "demo"))]
fn source_folders(binary: &Path) -> BTreeSet<String> {
    use std::io::BufRead;
    let file = std::fs::File::open(binary).expect("the binary is readable");
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut folders = BTreeSet::new();
    let mut chunk = Vec::new();
    // The two path components before this one: (name, whether the chunk was only that).
    let mut parent: (Vec<u8>, bool) = Default::default();
    let mut krate: (Vec<u8>, bool) = Default::default();
    loop {
        chunk.clear();
        let read = reader
            .read_until(b'/', &mut chunk)
            .expect("the binary is readable");
        if read == 0 {
            return folders;
        }
        let Some(body) = chunk.strip_suffix(b"/") else {
            continue;
        };
        let start = body
            .iter()
            .rposition(|b| !(b.is_ascii_alphanumeric() || b"._-".contains(b)))
            .map_or(0, |i| i + 1);
        let name = body[start..].to_vec();
        let whole = start == 0;
        if name == b"src" && whole && krate.1 && !parent.0.is_empty() && !krate.0.is_empty() {
            folders.insert(format!(
                "{}/{}",
                String::from_utf8_lossy(&parent.0),
                String::from_utf8_lossy(&krate.0)
            ));
        }
        parent = std::mem::replace(&mut krate, (name, whole));
    }
}

/// The shipped binary has no `demo` subcommand; asked for one, it says where the demo is.
#[cfg(not(feature = "demo"))]
#[test]
fn the_demo_subcommand_points_to_the_demo_script() {
    let appliance = env!("CARGO_BIN_EXE_appliance");
    let help = Command::new(appliance).arg("--help").output().unwrap();
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("check-config") && !help.contains("demo"),
        "{help}"
    );
    let demo = Command::new(appliance)
        .args(["demo", "--config", "config/demo"])
        .output()
        .unwrap();
    assert!(!demo.status.success());
    let said = String::from_utf8_lossy(&demo.stderr);
    assert!(said.contains("xtask/demo.sh"), "{said}");
}
