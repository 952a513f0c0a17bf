use box_config::{Clock, Config, PortKind, PromptSource, TonePlan};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn write_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

const SYSTEM: &str = "[system]\nname = \"t\"\n";
const LINES: &str = "[[fxo]]\nid = 1\n\n[[fxs]]\nid = 2\nextension = \"201\"\n";

#[test]
fn shipped_configs_load() {
    for dir in [
        "config/default",
        "config/demo",
        "config/examples/e1-and-analog",
        "config/examples/hotline-hours",
        "hil-tests/configs/basic",
        "hil-tests/configs/acd",
        "hil-tests/configs/acd-floor",
    ] {
        let config = Config::load(&repo().join(dir)).unwrap_or_else(|e| panic!("{dir}:\n{e}"));
        assert!(!config.ports.is_empty(), "{dir} has ports");
    }
    let default = Config::load(&repo().join("config/default")).unwrap();
    assert_eq!(default.system.tone_plan, TonePlan::Etsi);
    assert_eq!(default.system.clock, Clock::Realtime);
    assert_eq!(
        default.routes.greeting,
        PromptSource::Builtin("greeting".into())
    );
    // The trunk runs the reception flow; its menu's destinations are real extensions.
    assert_eq!(
        default.routes.inbound[0].destination,
        box_config::RouteDestination::Flow("reception".into())
    );
    assert!(default.flows.iter().any(|f| f.name.value == "reception"));
    assert!(default.schedules.contains_key("office-hours"));
    assert!(matches!(
        default.extension("202").map(|p| &p.kind),
        Some(PortKind::Fxs(_))
    ));
    let example = Config::load(&repo().join("config/examples/e1-and-analog")).unwrap();
    assert_eq!(
        example
            .inbound_destination(1, Some("5550103"))
            .map(|p| p.id),
        Some(5)
    );
    assert_eq!(
        example
            .inbound_destination(2, Some("5550103"))
            .map(|p| p.id),
        Some(3)
    );
    assert_eq!(example.routes.outbound.len(), 2);
    let basic = Config::load(&repo().join("hil-tests/configs/basic")).unwrap();
    assert_eq!(basic.system.clock, Clock::Lockstep);
    assert!(basic.system.fault_injection);
    assert!(
        basic.system.device_dir.is_absolute(),
        "relative device_dir resolved against the config dir"
    );
}

#[test]
fn broken_config_reports_every_error_with_position() {
    let errors = Config::load(&repo().join("config/examples/broken")).unwrap_err();
    let lines: Vec<String> = errors
        .iter()
        .map(|e| {
            format!(
                "{}:{}:{}: {}",
                e.file.file_name().unwrap().to_string_lossy(),
                e.line,
                e.column,
                e.field
            )
        })
        .collect();
    let expected = [
        "system.toml:4:13: system.tone_plan",
        "system.toml:6:14: system.web_listen",
        "lines.toml:4:10: fxo[0].number",
        "lines.toml:7:6: fxs[0].id",
        "lines.toml:12:13: fxs[1].extension",
        "routes.toml:1:12: greeting",
        "routes.toml:2:18: ring_timeout_s",
        "routes.toml:5:13: inbound[0].lines",
        "routes.toml:5:16: inbound[0].lines",
        "routes.toml:6:15: inbound[0].destination",
    ];
    for want in expected {
        assert!(
            lines.iter().any(|l| l == want),
            "missing {want} in:\n{}",
            lines.join("\n")
        );
    }
    assert_eq!(
        errors.len(),
        expected.len(),
        "exactly these errors:\n{errors}"
    );
    let text = errors.to_string();
    assert!(
        text.contains("\"mars\" is not one of cn, etsi, na"),
        "{text}"
    );
    assert!(
        text.contains("device id 1 is already used by fxo[0]"),
        "{text}"
    );
    assert!(
        text.contains("extension 201 is already used by fxs[0]"),
        "{text}"
    );
    assert!(text.contains("line 3 is an FXS port"), "{text}");
    assert!(text.contains("no span or fxo port has id 9"), "{text}");
    assert!(text.contains("missing.wav does not exist"), "{text}");
}

#[test]
fn syntax_errors_and_unknown_keys_are_located() {
    let dir = write_dir(&[
        ("system.toml", "[system]\nname = \"x\"\nclock = realtime\n"),
        ("lines.toml", LINES),
    ]);
    let errors = Config::load(dir.path()).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors}");
    let error = errors.iter().next().unwrap();
    assert_eq!(
        (error.line, error.file.ends_with("system.toml")),
        (3, true),
        "{error}"
    );

    let dir = write_dir(&[
        ("system.toml", SYSTEM),
        ("lines.toml", "[[fxo]]\nid = 1\ncolour = \"red\"\n"),
    ]);
    let errors = Config::load(dir.path()).unwrap_err();
    let error = errors.iter().next().unwrap();
    assert_eq!((error.line, error.column), (3, 1), "{error}");
    assert!(error.reason.contains("unknown field `colour`"), "{error}");
    assert_eq!(error.field, "colour");
}

#[test]
fn missing_files_are_named_and_routes_are_optional() {
    let dir = write_dir(&[("lines.toml", LINES)]);
    let errors = Config::load(dir.path()).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.file.ends_with("system.toml") && e.reason.contains("missing")),
        "{errors}"
    );

    let dir = write_dir(&[("system.toml", SYSTEM), ("lines.toml", LINES)]);
    let config = Config::load(dir.path()).unwrap();
    assert_eq!(config.routes.ring_timeout_s, 30);
    assert!(config.routes.inbound.is_empty());
    assert!(Config::load(&dir.path().join("nope")).is_err());
}

#[test]
fn a_greeting_file_must_exist_and_resolves_against_the_config_dir() {
    let dir = write_dir(&[
        ("system.toml", SYSTEM),
        ("lines.toml", LINES),
        ("routes.toml", "greeting = \"hello.wav\"\n"),
    ]);
    assert!(Config::load(dir.path()).is_err());
    std::fs::write(dir.path().join("hello.wav"), b"RIFF").unwrap();
    let config = Config::load(dir.path()).unwrap();
    match config.routes.greeting {
        PromptSource::File(path) => assert!(path.is_absolute() && path.ends_with("hello.wav")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_hotline_example_keeps_office_hours_and_holidays() {
    let config = Config::load(&repo().join("config/examples/hotline-hours")).unwrap();
    let hours = &config.schedules["hotline-hours"];
    // Unix seconds of times in China Standard Time (+08:00).
    assert!(
        !hours.is_open(1_798_768_800),
        "2027-01-01 10:00, New Year's Day: closed"
    );
    assert!(
        hours.is_open(1_799_028_000),
        "Monday 2027-01-04 10:00: open"
    );
    assert!(!hours.is_open(1_799_065_800), "Monday 20:30: closed");
    assert!(
        hours.is_open(1_799_463_600),
        "Saturday 2027-01-09 11:00: open"
    );
    assert!(!hours.is_open(1_799_470_800), "Saturday 13:00: closed");
}
