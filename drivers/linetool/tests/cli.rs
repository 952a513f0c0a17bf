//! Runs the built `linetool` binary on WAV files the tests write.

use dsp::caller_id::{CallerIdMessage, FskCallerIdGenerator};
use dsp::mf_r2::{Direction, MfR2Generator};
use dsp::tone::ToneGenerator;
use dsp::tone_plan::{TonePlan, TonePlanName};
use line_boundary::Tone;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("linetool")
        .join(test);
    std::fs::create_dir_all(&dir).expect("create test dir");
    dir
}

fn linetool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_linetool"))
        .args(args)
        .output()
        .expect("run linetool")
}

fn ok_stdout(args: &[&str]) -> String {
    let output = linetool(args);
    assert!(
        output.status.success(),
        "linetool {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

fn fails_with(args: &[&str], expected: &[&str]) {
    let output = linetool(args);
    assert!(!output.status.success(), "linetool {args:?} should fail");
    let stderr = String::from_utf8_lossy(&output.stderr);
    for text in expected {
        assert!(
            stderr.contains(text),
            "linetool {args:?}: stderr {stderr:?} lacks {text:?}"
        );
    }
}

/// A 16-bit 8 kHz mono WAV, written independently of linetool's writer.
fn write_pcm_wav(path: &Path, samples: &[i16]) {
    write_wav(
        path,
        1,
        1,
        8000,
        16,
        &samples
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect::<Vec<u8>>(),
    );
}

fn write_wav(path: &Path, tag: u16, channels: u16, rate: u32, bits: u16, data: &[u8]) {
    let block_align = channels * bits / 8;
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&tag.to_le_bytes());
    bytes.extend_from_slice(&channels.to_le_bytes());
    bytes.extend_from_slice(&rate.to_le_bytes());
    bytes.extend_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
    bytes.extend_from_slice(&block_align.to_le_bytes());
    bytes.extend_from_slice(&bits.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&(data.len() as u32).to_le_bytes());
    bytes.extend_from_slice(data);
    std::fs::write(path, bytes).expect("write wav");
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// Parses `<ms> <token>` lines.
fn timed_lines(stdout: &str) -> Vec<(u64, String)> {
    stdout
        .lines()
        .map(|line| {
            let (ms, token) = line.split_once(' ').expect("`<ms> <token>`");
            (ms.parse().expect("ms"), token.to_string())
        })
        .collect()
}

#[test]
fn dtmf_gen_then_detect_in_each_encoding() {
    let dir = dir("dtmf");
    for encoding in ["linear", "alaw", "ulaw"] {
        let file = dir.join(format!("digits-{encoding}.wav"));
        ok_stdout(&[
            "dtmf-gen",
            "0123456789ABCD*#",
            p(&file),
            "--encoding",
            encoding,
        ]);
        let found = timed_lines(&ok_stdout(&["dtmf-detect", p(&file)]));
        let digits: String = found.iter().map(|(_, d)| d.as_str()).collect();
        assert_eq!(digits, "0123456789ABCD*#", "{encoding}");
        // 100 ms lead-in, then one digit every 160 ms (80 on, 80 off).
        for (index, (ms, _)) in found.iter().enumerate() {
            let expected = 100 + 160 * index as u64;
            assert!(
                ms.abs_diff(expected) <= 15,
                "{encoding}: digit {index} at {ms} ms, expected {expected}"
            );
        }
    }
    fails_with(
        &["dtmf-gen", "12x4", p(&dir.join("bad.wav"))],
        &["'x'", "not a DTMF digit"],
    );
}

#[test]
fn mf_detect_both_directions() {
    let dir = dir("mf");
    for (direction, name) in [
        (Direction::Forward, "forward"),
        (Direction::Backward, "backward"),
    ] {
        let mut generator = MfR2Generator::new(direction);
        let mut samples = vec![0i16; 800];
        let signals = [1u8, 10, 15, 4, 4, 11];
        let mut starts = Vec::new();
        for &signal in &signals {
            starts.push(samples.len() as u64 / 8);
            generator.start(signal).unwrap();
            let mut tone = vec![0i16; 960];
            generator.fill(&mut tone);
            samples.extend_from_slice(&tone);
            generator.stop();
            samples.extend(vec![0i16; 560]);
        }
        let file = dir.join(format!("{name}.wav"));
        write_pcm_wav(&file, &samples);
        let found = timed_lines(&ok_stdout(&["mf-detect", p(&file), "--direction", name]));
        let digits: Vec<u8> = found
            .iter()
            .map(|(_, d)| d.parse().expect("signal number"))
            .collect();
        assert_eq!(digits, signals, "{name}");
        for ((ms, _), start) in found.iter().zip(starts) {
            assert!(
                ms.abs_diff(start) <= 8,
                "{name}: at {ms} ms, sent at {start} ms"
            );
        }
        // The other direction hears nothing.
        let other = if name == "forward" {
            "backward"
        } else {
            "forward"
        };
        assert_eq!(
            ok_stdout(&["mf-detect", p(&file), "--direction", other]),
            ""
        );
    }
}

#[test]
fn cid_encode_then_decode() {
    let dir = dir("cid");
    for encoding in ["linear", "alaw"] {
        let file = dir.join(format!("cid-{encoding}.wav"));
        ok_stdout(&[
            "cid-encode",
            "--number",
            "0201234",
            "--name",
            "Jane Doe",
            "--datetime",
            "11231530",
            "--encoding",
            encoding,
            p(&file),
        ]);
        let stdout = ok_stdout(&["cid-decode", p(&file)]);
        assert_eq!(
            stdout, "standard: etsi\ndatetime: 11-23 15:30\nnumber: 0201234\nname: Jane Doe\n",
            "{encoding}"
        );
    }
}

#[test]
fn cid_decode_of_a_burst_made_by_the_dsp_crate() {
    let dir = dir("cid-dsp");
    let message = CallerIdMessage {
        number: Some("5551212".try_into().unwrap()),
        ..CallerIdMessage::default()
    };
    let mut generator = FskCallerIdGenerator::new(&message).unwrap();
    let mut samples = vec![0i16; 4000];
    let mut frame = [0i16; 160];
    while generator.fill(&mut frame) {
        samples.extend_from_slice(&frame);
    }
    samples.extend(vec![0i16; 4000]);
    let file = dir.join("burst.wav");
    write_pcm_wav(&file, &samples);
    assert_eq!(
        ok_stdout(&["cid-decode", p(&file)]),
        "standard: etsi\nnumber: 5551212\n"
    );

    let silent = dir.join("silence.wav");
    write_pcm_wav(&silent, &[0; 8000]);
    fails_with(
        &["cid-decode", p(&silent)],
        &["silence.wav", "no caller ID found"],
    );
}

#[test]
fn cid_standards_not_built_fail_clearly() {
    let dir = dir("cid-standards");
    for standard in ["bell", "dtmf"] {
        let file = dir.join(format!("{standard}.wav"));
        fails_with(
            &[
                "cid-encode",
                "--number",
                "123",
                "--standard",
                standard,
                p(&file),
            ],
            &["not available"],
        );
        assert!(!file.exists(), "{standard}: no file written on failure");
    }
    fails_with(
        &["cid-encode", "--number", "12ab", p(&dir.join("x.wav"))],
        &["--number", "12ab"],
    );
    fails_with(
        &[
            "cid-encode",
            "--number",
            "1",
            "--datetime",
            "1399",
            p(&dir.join("x.wav")),
        ],
        &["MMDDHHMM"],
    );
}

fn plan_tone(plan: TonePlanName, tone: Tone, ms: usize) -> Vec<i16> {
    let mut generator = ToneGenerator::new(&TonePlan::new(plan).spec(tone));
    let mut samples = vec![0i16; ms * 8];
    generator.fill(&mut samples);
    samples
}

#[test]
fn tones_detect_recognises_plan_tones() {
    let dir = dir("tones");
    let cases = [
        (
            TonePlanName::Etsi,
            "etsi",
            Tone::Busy,
            3000,
            "busy",
            "425 Hz",
        ),
        (
            TonePlanName::Etsi,
            "etsi",
            Tone::Congestion,
            3000,
            "congestion",
            "425 Hz",
        ),
        (
            TonePlanName::Etsi,
            "etsi",
            Tone::Dial,
            2000,
            "dial",
            "425 Hz",
        ),
        (
            TonePlanName::NorthAmerica,
            "na",
            Tone::Dial,
            2000,
            "dial",
            "350+440 Hz",
        ),
        (
            TonePlanName::NorthAmerica,
            "na",
            Tone::Busy,
            3000,
            "busy",
            "480+620 Hz",
        ),
        (
            TonePlanName::China,
            "cn",
            Tone::Busy,
            3000,
            "busy",
            "450 Hz",
        ),
        (
            TonePlanName::China,
            "cn",
            Tone::Congestion,
            4000,
            "congestion",
            "450 Hz",
        ),
    ];
    for (plan, plan_arg, tone, ms, name, freqs) in cases {
        let mut samples = vec![0i16; 800];
        samples.extend(plan_tone(plan, tone, ms));
        let file = dir.join(format!("{plan_arg}-{name}.wav"));
        write_pcm_wav(&file, &samples);
        let stdout = ok_stdout(&["tones-detect", p(&file), "--plan", plan_arg]);
        let tones: Vec<&str> = stdout
            .lines()
            .filter_map(|l| l.split_once(" tone: "))
            .map(|(_, t)| t)
            .collect();
        assert_eq!(tones, [name], "{plan_arg} {name}: {stdout}");
        assert!(
            stdout.lines().next().is_some_and(|l| l.ends_with(freqs)),
            "{plan_arg} {name}: {stdout}"
        );
    }
    // Busy and congestion of one plan are told apart by cadence alone, and silence is
    // nothing at all.
    let silent = dir.join("silence.wav");
    write_pcm_wav(&silent, &[0; 16000]);
    assert_eq!(
        ok_stdout(&["tones-detect", p(&silent), "--plan", "etsi"]),
        ""
    );
}

#[test]
fn unusable_files_are_refused_naming_file_and_reason() {
    let dir = dir("bad-files");
    let tone: Vec<u8> = (0..1600)
        .flat_map(|n: i16| ((n % 50) * 100).to_le_bytes())
        .collect();

    let stereo = dir.join("stereo.wav");
    write_wav(&stereo, 1, 2, 8000, 16, &tone);
    let fast = dir.join("cd-rate.wav");
    write_wav(&fast, 1, 1, 44_100, 16, &tone);
    let float = dir.join("float.wav");
    write_wav(&float, 3, 1, 8000, 32, &tone);
    let not_wav = dir.join("notes.wav");
    std::fs::write(&not_wav, "this is a text file").unwrap();
    let truncated = dir.join("truncated.wav");
    write_pcm_wav(&truncated, &[100; 800]);
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() - 300]).unwrap();
    let header_only = dir.join("header-only.wav");
    std::fs::write(&header_only, &bytes[..20]).unwrap();
    let missing = dir.join("missing.wav");

    let cases: [(&Path, &[&str]); 7] = [
        (&stereo, &["stereo.wav", "2 channels", "mono"]),
        (&fast, &["cd-rate.wav", "44100 Hz", "8000 Hz"]),
        (&float, &["float.wav", "tag 3", "IEEE float"]),
        (&not_wav, &["notes.wav", "not a WAV file"]),
        (&truncated, &["truncated.wav", "truncated", "1600 bytes"]),
        (&header_only, &["header-only.wav"]),
        (&missing, &["missing.wav", "cannot read"]),
    ];
    for (file, expected) in cases {
        fails_with(&["dtmf-detect", p(file)], expected);
        fails_with(&["mf-detect", p(file), "--direction", "forward"], expected);
        fails_with(&["tones-detect", p(file), "--plan", "na"], expected);
        fails_with(&["cid-decode", p(file)], expected);
    }
}
