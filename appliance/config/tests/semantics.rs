//! Cross-checks between files, error positions and the resolved model's queries.

use box_config::{Config, ConfigError, ConfigErrors, PortKind, SpanKind, SpanSignalling};
use std::path::Path;

const SYSTEM: &str = "[system]\nname = \"t\"\n";

fn write_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write config file");
    }
    dir
}

fn load(lines: &str, routes: &str) -> Result<Config, ConfigErrors> {
    let dir = write_dir(&[
        ("system.toml", SYSTEM),
        ("lines.toml", lines),
        ("routes.toml", routes),
    ]);
    Config::load(dir.path())
}

/// `file:line:column field` for each error, file by name only.
fn located(errors: &ConfigErrors) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            let name = e
                .file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            format!("{name}:{}:{} {}", e.line, e.column, e.field)
        })
        .collect()
}

const TWO_PHONES: &str = "[[fxo]]\nid = 1\n\n[[fxo]]\nid = 2\n\n[[fxs]]\nid = 3\nextension = \"201\"\n\n[[fxs]]\nid = 4\nextension = \"202\"\n";

#[test]
fn display_is_file_line_column_field_reason() {
    let error = ConfigError {
        file: Path::new("/etc/appliance/lines.toml").to_owned(),
        line: 7,
        column: 6,
        field: "fxs[0].id".into(),
        reason: "device id 1 is already used by fxo[0]".into(),
    };
    assert_eq!(
        error.to_string(),
        "/etc/appliance/lines.toml:7:6: fxs[0].id: device id 1 is already used by fxo[0]"
    );
    let errors = ConfigErrors(vec![error.clone(), error]);
    assert_eq!(errors.to_string().lines().count(), 2, "one error per line");
}

#[test]
fn an_fxo_only_field_on_an_fxs_port_is_refused_where_it_is() {
    let errors = load(
        "[[fxs]]\nid = 2\nextension = \"201\"\n  number = \"5550100\"\n",
        "",
    )
    .unwrap_err();
    assert_eq!(located(&errors), ["lines.toml:4:3 number"], "{errors}");
    assert!(
        errors.to_string().contains("unknown field `number`"),
        "{errors}"
    );
}

#[test]
fn a_syntax_error_has_its_exact_column() {
    let errors = load("[[fxo]]\nid = 1\nname = \"a\" \"b\"\n", "").unwrap_err();
    assert_eq!(errors.len(), 1, "{errors}");
    let error = errors.iter().next().expect("one error");
    assert_eq!((error.line, error.column), (3, 12), "{error}");
}

#[test]
fn a_broken_lines_file_does_not_cascade_into_routes() {
    // Routes name lines and extensions that lines.toml would declare had it parsed.
    let errors = load(
        "[[fxo]\nid = 1\n",
        "[[inbound]]\nlines = [1]\ndestination = \"201\"\n",
    )
    .unwrap_err();
    assert_eq!(errors.len(), 1, "only the syntax error:\n{errors}");
    assert!(
        errors.iter().all(|e| e.file.ends_with("lines.toml")),
        "{errors}"
    );
}

#[test]
fn a_route_to_an_extension_on_a_port_with_a_bad_id_gets_no_second_error() {
    let lines = "[[fxo]]\nid = 1\n\n[[fxs]]\nid = 1\nextension = \"201\"\n";
    let errors = load(lines, "[[inbound]]\nlines = [1]\ndestination = \"201\"\n").unwrap_err();
    assert_eq!(located(&errors), ["lines.toml:5:6 fxs[0].id"], "{errors}");
}

#[test]
fn routes_are_checked_against_the_lines() {
    let routes = "\
[[inbound]]
lines = []
destination = \"201\"

[[inbound]]
lines = [0, 70000]
called = \"555 0100\"
destination = \"201\"

[[outbound]]
prefix = \"9x\"
strip = 3
lines = [4]
";
    let errors = load(TWO_PHONES, routes).unwrap_err();
    let want = [
        "routes.toml:2:9 inbound[0].lines",
        "routes.toml:6:10 inbound[1].lines",
        "routes.toml:6:13 inbound[1].lines",
        "routes.toml:7:10 inbound[1].called",
        "routes.toml:11:10 outbound[0].prefix",
        "routes.toml:12:9 outbound[0].strip",
        "routes.toml:13:10 outbound[0].lines",
    ];
    assert_eq!(located(&errors), want, "{errors}");
    let text = errors.to_string();
    assert!(text.contains("names no line"), "{text}");
    assert!(text.contains("70000 is not a device id"), "{text}");
    assert!(text.contains("line 4 is an FXS port"), "{text}");
}

#[test]
fn spans_are_trunks_with_a_kind_and_signalling() {
    let lines = format!("[[span]]\nid = 9\nkind = \"e1\"\nsignalling = \"r2\"\n\n{TWO_PHONES}");
    let config = load(
        &lines,
        "[[inbound]]\nlines = [9, 1]\ndestination = \"202\"\n",
    )
    .expect("valid");
    assert_eq!(config.spans.len(), 1);
    assert_eq!(
        (config.spans[0].kind, config.spans[0].signalling),
        (SpanKind::E1, SpanSignalling::R2)
    );
    assert_eq!(config.inbound_destination(9, None).map(|p| p.id), Some(4));

    let errors = load(
        "[[span]]\nid = 9\nkind = \"t1\"\nsignalling = \"ss7\"\n",
        "",
    )
    .unwrap_err();
    assert_eq!(
        located(&errors),
        [
            "lines.toml:3:8 span[0].kind",
            "lines.toml:4:14 span[0].signalling"
        ],
        "{errors}"
    );
}

#[test]
fn a_trunk_that_never_notices_hang_up_is_refused() {
    let lines = "[[fxo]]\nid = 1\ndisconnect = { battery = false }\n";
    let errors = load(lines, "").unwrap_err();
    assert_eq!(
        located(&errors),
        ["lines.toml:2:6 fxo[0].disconnect"],
        "{errors}"
    );
}

#[test]
fn inbound_routes_match_line_and_called_number_first_match_wins() {
    let routes = "\
[[inbound]]
lines = [1]
called = \"5550100\"
destination = \"202\"

[[inbound]]
lines = [1, 2]
destination = \"201\"
";
    let config = load(TWO_PHONES, routes).expect("valid");
    let destination = |line, called| config.inbound_destination(line, called).map(|p| p.id);
    assert_eq!(
        destination(1, Some("5550100")),
        Some(4),
        "the called-number route comes first"
    );
    assert_eq!(destination(1, Some("5550199")), Some(3));
    assert_eq!(
        destination(1, None),
        Some(3),
        "no called number: only routes without one match"
    );
    assert_eq!(destination(2, Some("5550100")), Some(3));
    assert_eq!(destination(3, None), None, "an fxs port is never a trunk");
    assert!(matches!(
        config.extension("202").map(|p| &p.kind),
        Some(PortKind::Fxs(_))
    ));
    assert!(config.extension("299").is_none());
    assert_eq!(config.port(2).map(|p| p.name.as_str()), Some("line 2"));
}

mod positions {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Whatever comes before it (comments in any script, blank lines, indentation),
        /// a bad value is reported at its own line and column, counted in characters.
        #[test]
        fn a_bad_value_is_found_wherever_it_is(
            comments in proptest::collection::vec("[a-zé漢 ]{0,12}", 0..6),
            indent in 0usize..6,
        ) {
            let mut lines = String::from("[[fxo]]\nid = 1\n");
            for comment in &comments {
                lines.push_str(&format!("# {comment}\n"));
            }
            lines.push_str(&format!("{}caller_id = \"smoke\"\n", " ".repeat(indent)));
            let errors = load(&lines, "").unwrap_err();
            let error = errors.iter().next().expect("one error");
            prop_assert_eq!(errors.len(), 1);
            prop_assert_eq!(error.line, 3 + comments.len());
            prop_assert_eq!(error.column, indent + "caller_id = ".len() + 1);
            prop_assert_eq!(error.field.as_str(), "fxo[0].caller_id");
        }
    }
}

#[test]
fn pri_span_settings_are_read_and_checked_where_they_are() {
    let lines = "[[span]]\nid = 1\nsignalling = \"pri-cpe\"\nswitch = \"etsi\"\nchannels = \"1-3, 17\"\noverlap = true\n\
                 national_prefix = \"0\"\ninternational_prefix = \"00\"\n";
    let config = load(lines, "[[inbound]]\nlines = [1]\ndestination = \"echo\"\n").expect("valid");
    let span = &config.spans[0];
    assert_eq!(span.pri.channels, vec![1, 2, 3, 17]);
    assert!(span.pri.overlap);
    assert_eq!(span.pri.switch, box_config::PriSwitch::Etsi);
    assert_eq!(
        (
            span.pri.national_prefix.as_str(),
            span.pri.international_prefix.as_str()
        ),
        ("0", "00")
    );
    assert_eq!(
        config.routes.inbound[0].destination,
        box_config::RouteDestination::Echo
    );

    let default = load("[[span]]\nid = 1\n", "").expect("valid");
    assert_eq!(
        default.spans[0].pri.channels.len(),
        30,
        "all 30 B-channels by default"
    );

    let bad = "[[span]]\nid = 1\nswitch = \"ni2\"\nchannels = \"1-16\"\nnational_prefix = \"+0\"\n";
    let errors = load(bad, "[[inbound]]\nlines = [1]\ndestination = \"ech0\"\n").unwrap_err();
    assert_eq!(
        located(&errors),
        [
            "lines.toml:3:10 span[0].switch",
            "lines.toml:4:12 span[0].channels",
            "lines.toml:5:19 span[0].national_prefix",
            "routes.toml:3:15 inbound[0].destination"
        ],
        "{errors}"
    );
    assert!(
        errors
            .to_string()
            .contains("timeslot 16 is not a B-channel"),
        "{errors}"
    );
}
