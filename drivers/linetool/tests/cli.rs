//! Runs the built `linetool` binary on WAV files the tests write: with our DSP, with
//! spandsp (through dsp-conformance, test-only) and with sox as independent sources.

mod support;

use dsp::caller_id::{CallerIdDateTime, CallerIdMessage, FskCallerIdGenerator};
use dsp::mf_r2::{Direction, MfR2Generator};
use dsp::tone::ToneGenerator;
use dsp::tone_plan::{TonePlan, TonePlanName};
use dsp_conformance::spandsp_fsk::{AdsiStandard, SpandspAdsiTx};
use line_boundary::Tone;
use std::path::Path;
use support::{
    dir, fails_with, ok_stdout, p, require_sox, sox_synth, timed_lines, write_pcm_wav, write_wav,
    MS,
};

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
fn dtmf_detect_reads_g711_files_made_by_sox() {
    require_sox();
    let dir = dir("dtmf-sox");
    // 1 (697+1209), 5 (770+1336), 9 (852+1477), # (941+1477), D (941+1633): 70 ms on,
    // 80 ms off, after 200 ms of silence.
    let tones = [
        (697, 1209),
        (770, 1336),
        (852, 1477),
        (941, 1477),
        (941, 1633),
    ];
    let effects: Vec<String> = tones
        .iter()
        .map(|(low, high)| format!("synth 0.07 sine {low} sine mix {high} gain -12 pad 0 0.08"))
        .collect();
    for encoding in ["a-law", "u-law"] {
        let file = dir.join(format!("{encoding}.wav"));
        // sox joins effect chains with ":" one after another in time.
        let chain = format!("{} pad 0.2 0", effects.join(" : "));
        sox_synth(&file, &["-r", "8000", "-c", "1", "-e", encoding], &chain);
        let found = timed_lines(&ok_stdout(&["dtmf-detect", p(&file)]));
        let digits: String = found.iter().map(|(_, d)| d.as_str()).collect();
        assert_eq!(digits, "159#D", "{encoding}: {found:?}");
    }
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
            generator.start(signal).expect("valid signal");
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

/// (cid-encode arguments, what cid-decode must print) covering every standard, DTMF
/// format and absence reason.
fn cid_cases() -> Vec<(Vec<&'static str>, &'static str)> {
    vec![
        (
            vec![
                "--standard",
                "etsi",
                "--number",
                "0201234",
                "--name",
                "Jane Doe",
            ],
            "standard: etsi\nnumber: 0201234\nname: Jane Doe\n",
        ),
        (
            vec!["--number", "+4930123", "--datetime", "11231530"],
            "standard: etsi\ndatetime: 11-23 15:30\nnumber: +4930123\n",
        ),
        (
            vec![
                "--standard",
                "etsi",
                "--number-absent",
                "private",
                "--name-absent",
                "unavailable",
            ],
            "standard: etsi\nnumber-absent: private\nname-absent: unavailable\n",
        ),
        (
            vec![
                "--standard",
                "bell",
                "--number",
                "2125551234",
                "--name",
                "ACME SUPPORT",
                "--datetime",
                "01020304",
            ],
            "standard: bell\ndatetime: 01-02 03:04\nnumber: 2125551234\nname: ACME SUPPORT\n",
        ),
        (
            vec![
                "--standard",
                "bell",
                "--number-absent",
                "unavailable",
                "--name",
                "Pay Phone",
            ],
            "standard: bell\nnumber-absent: unavailable\nname: Pay Phone\n",
        ),
        (
            vec!["--standard", "dtmf", "--number", "13800138000"],
            "standard: dtmf\nnumber: 13800138000\n",
        ),
        (
            vec![
                "--standard",
                "dtmf",
                "--dtmf-format",
                "dc",
                "--number",
                "0755123",
            ],
            "standard: dtmf\nnumber: 0755123\n",
        ),
        (
            vec![
                "--standard",
                "dtmf",
                "--dtmf-format",
                "a-hash",
                "--number",
                "4711",
            ],
            "standard: dtmf\nnumber: 4711\n",
        ),
        (
            vec!["--standard", "dtmf", "--number-absent", "private"],
            "standard: dtmf\nnumber-absent: private\n",
        ),
        (
            vec![
                "--standard",
                "dtmf",
                "--dtmf-format",
                "a-hash",
                "--number-absent",
                "unavailable",
            ],
            "standard: dtmf\nnumber-absent: unavailable\n",
        ),
    ]
}

#[test]
fn cid_encode_then_decode_every_standard_and_encoding() {
    let dir = dir("cid");
    for (index, (args, expected)) in cid_cases().into_iter().enumerate() {
        for encoding in ["linear", "alaw", "ulaw"] {
            let file = dir.join(format!("case{index}-{encoding}.wav"));
            let mut command = vec!["cid-encode"];
            command.extend(&args);
            command.extend(["--encoding", encoding, p(&file)]);
            ok_stdout(&command);
            assert_eq!(
                ok_stdout(&["cid-decode", p(&file)]),
                expected,
                "{args:?} {encoding}"
            );
        }
    }
}

/// A caller ID message rendered by spandsp's `adsi_tx`, with silence either side.
fn spandsp_renders(standard: AdsiStandard, message: &[u8]) -> Vec<i16> {
    let mut tx = SpandspAdsiTx::new(standard);
    assert!(tx.put_message(message) > 0, "spandsp refused {message:?}");
    let mut audio = vec![0i16; 300 * MS];
    audio.extend(tx.render_all(8000 * 5));
    audio.extend(vec![0i16; 300 * MS]);
    audio
}

/// An FSK frame without its checksum (spandsp appends its own).
fn without_checksum(frame: &[u8]) -> &[u8] {
    &frame[..frame.len() - 1]
}

#[test]
fn cid_decode_identifies_each_standard_sent_by_spandsp() {
    let dir = dir("cid-spandsp");
    let full = CallerIdMessage {
        datetime: Some(CallerIdDateTime {
            month: 2,
            day: 29,
            hour: 23,
            minute: 59,
        }),
        number: Some("8675512345678".try_into().expect("fits")),
        name: Some("Li Na".try_into().expect("fits")),
        ..CallerIdMessage::default()
    };
    let full_lines = "datetime: 02-29 23:59\nnumber: 8675512345678\nname: Li Na\n";
    let sdmf = CallerIdMessage {
        name: None,
        number: Some("2125551234".try_into().expect("fits")),
        ..full.clone()
    };
    let mdmf = full.encode_mdmf().expect("valid");
    let sdmf = sdmf.encode_sdmf().expect("valid");
    let cases: [(&str, AdsiStandard, &[u8], String); 5] = [
        (
            "etsi-mdmf",
            AdsiStandard::Clip,
            without_checksum(&mdmf),
            format!("standard: etsi\n{full_lines}"),
        ),
        (
            "bell-mdmf",
            AdsiStandard::Class,
            without_checksum(&mdmf),
            format!("standard: bell\n{full_lines}"),
        ),
        (
            "bell-sdmf",
            AdsiStandard::Class,
            without_checksum(&sdmf),
            "standard: bell\ndatetime: 02-29 23:59\nnumber: 2125551234\n".to_string(),
        ),
        (
            "dtmf-ac",
            AdsiStandard::ClipDtmf,
            b"A13800138000C",
            "standard: dtmf\nnumber: 13800138000\n".to_string(),
        ),
        (
            "dtmf-private",
            AdsiStandard::ClipDtmf,
            b"B10C",
            "standard: dtmf\nnumber-absent: private\n".to_string(),
        ),
    ];
    for (name, standard, message, expected) in cases {
        let file = dir.join(format!("{name}.wav"));
        write_pcm_wav(&file, &spandsp_renders(standard, message));
        assert_eq!(ok_stdout(&["cid-decode", p(&file)]), expected, "{name}");
    }
}

#[test]
fn cid_decode_failures_name_the_file_and_what_is_wrong() {
    let dir = dir("cid-bad");
    let silent = dir.join("silence.wav");
    write_pcm_wav(&silent, &[0; 8000]);
    fails_with(
        &["cid-decode", p(&silent)],
        &[
            "silence.wav",
            "no caller ID found",
            "V.23",
            "Bell 202",
            "DTMF",
        ],
    );

    // A burst whose checksum does not add up.
    let message = CallerIdMessage {
        number: Some("5551212".try_into().expect("fits")),
        ..CallerIdMessage::default()
    };
    let mut frame = message.encode_mdmf().expect("valid");
    frame[4] ^= 0x01;
    let mut generator = FskCallerIdGenerator::from_frame(&frame, -13.0).expect("fits");
    let mut samples = vec![0i16; 1600];
    let mut piece = [0i16; 160];
    while generator.fill(&mut piece) {
        samples.extend_from_slice(&piece);
    }
    samples.extend(vec![0i16; 1600]);
    let corrupt = dir.join("corrupt.wav");
    write_pcm_wav(&corrupt, &samples);
    fails_with(
        &["cid-decode", p(&corrupt)],
        &["corrupt.wav", "ETSI V.23 FSK", "checksum"],
    );

    // DTMF caller ID that starts but never ends.
    let unfinished = dir.join("unfinished.wav");
    write_pcm_wav(
        &unfinished,
        &spandsp_renders(AdsiStandard::ClipDtmf, b"A123"),
    );
    fails_with(
        &["cid-decode", p(&unfinished)],
        &["unfinished.wav", "DTMF", "truncated"],
    );
}

#[test]
fn cid_encode_refuses_what_it_cannot_send() {
    let dir = dir("cid-refused");
    let out = dir.join("x.wav");
    let cases: [(&[&str], &[&str]); 8] = [
        (&["--number", "12ab"], &["--number", "12ab"]),
        (&["--number", "1", "--datetime", "1399"], &["MMDDHHMM"]),
        (
            &["--number", "1", "--datetime", "13010000"],
            &["out of range"],
        ),
        (&[], &["at least --number"]),
        (
            &["--number", "1", "--number-absent", "private"],
            &["not both"],
        ),
        (
            &["--standard", "dtmf", "--number", "123", "--name", "Jane"],
            &["DTMF caller ID carries only the number"],
        ),
        (
            &["--standard", "dtmf", "--number", "+44123"],
            &["digits 0-9 only"],
        ),
        (
            &[
                "--standard",
                "dtmf",
                "--dtmf-format",
                "dc",
                "--number-absent",
                "private",
            ],
            &["cannot encode the DTMF caller ID"],
        ),
    ];
    for (args, expected) in cases {
        let mut command = vec!["cid-encode"];
        command.extend(args);
        command.push(p(&out));
        fails_with(&command, expected);
        assert!(!out.exists(), "{args:?}: no file written on failure");
    }
}

fn plan_tone(plan: TonePlanName, tone: Tone, ms: usize) -> Vec<i16> {
    let mut generator = ToneGenerator::new(&TonePlan::new(plan).spec(tone));
    let mut samples = vec![0i16; ms * MS];
    generator.fill(&mut samples);
    samples
}

const PLANS: [(TonePlanName, &str); 3] = [
    (TonePlanName::China, "cn"),
    (TonePlanName::Etsi, "etsi"),
    (TonePlanName::NorthAmerica, "na"),
];

#[test]
fn tones_detect_reports_each_plan_tone_with_its_start() {
    let dir = dir("tones");
    let tones = [
        (Tone::Busy, "busy"),
        (Tone::Congestion, "congestion"),
        (Tone::Ringback, "ringback"),
        (Tone::Dial, "dial"),
    ];
    for (plan, plan_arg) in PLANS {
        for (tone, name) in tones {
            let mut samples = vec![0i16; 500 * MS];
            samples.extend(plan_tone(plan, tone, 7000));
            let file = dir.join(format!("{plan_arg}-{name}.wav"));
            write_pcm_wav(&file, &samples);
            let found = timed_lines(&ok_stdout(&["tones-detect", p(&file), "--plan", plan_arg]));
            assert_eq!(found.len(), 1, "{plan_arg} {name}: {found:?}");
            assert_eq!(found[0].1, name, "{plan_arg} {name}: {found:?}");
            assert!(
                found[0].0.abs_diff(500) <= 40,
                "{plan_arg} {name}: reported from {} ms, tone began at 500 ms",
                found[0].0
            );
        }
        // Silence is nothing at all.
        let silent = dir.join("silence.wav");
        write_pcm_wav(&silent, &[0; 16000]);
        assert_eq!(
            ok_stdout(&["tones-detect", p(&silent), "--plan", plan_arg]),
            ""
        );
    }
    // Busy of one plan is not busy of another (425, 450 and 480+620 Hz).
    let etsi_busy = dir.join("etsi-busy.wav");
    for other in ["cn", "na"] {
        assert_eq!(
            ok_stdout(&["tones-detect", p(&etsi_busy), "--plan", other]),
            "",
            "{other}"
        );
    }
}

#[test]
fn tones_detect_recognises_special_information_tone() {
    let dir = dir("tones-sit");
    let mut samples = vec![0i16; 300 * MS];
    let peak = 0.2 * 32767.0;
    for freq in [913.8f64, 1370.6, 1776.7] {
        samples.extend((0..274 * MS).map(|n| {
            (peak * (std::f64::consts::TAU * freq * n as f64 / 8000.0).sin()).round() as i16
        }));
    }
    samples.extend(vec![0i16; 1000 * MS]);
    let file = dir.join("sit.wav");
    write_pcm_wav(&file, &samples);
    for (_, plan) in PLANS {
        let found = timed_lines(&ok_stdout(&["tones-detect", p(&file), "--plan", plan]));
        assert_eq!(found.len(), 1, "{plan}: {found:?}");
        assert_eq!(found[0].1, "sit");
        assert!(found[0].0.abs_diff(300) <= 40, "{plan}: {found:?}");
    }
}

#[test]
fn tones_detect_recognises_busy_tones_made_by_sox() {
    require_sox();
    let dir = dir("tones-sox");
    // (plan, tone synthesis, on/off seconds, file format): cadence by sox's pad + repeat,
    // 300 ms of silence first.
    let cases = [
        ("cn", "sine 450", 0.35, &["-b", "16"][..]),
        ("etsi", "sine 425", 0.5, &["-e", "a-law"][..]),
        ("na", "sine 480 sine mix 620", 0.5, &["-e", "u-law"][..]),
    ];
    for (plan, synth, seconds, format) in cases {
        let file = dir.join(format!("{plan}-busy.wav"));
        let effects =
            format!("synth {seconds} {synth} gain -18 pad 0 {seconds} repeat 5 pad 0.3 0");
        let mut options = vec!["-r", "8000", "-c", "1"];
        options.extend(format);
        sox_synth(&file, &options, &effects);
        let found = timed_lines(&ok_stdout(&["tones-detect", p(&file), "--plan", plan]));
        assert_eq!(found.len(), 1, "{plan}: {found:?}");
        assert_eq!(found[0].1, "busy", "{plan}: {found:?}");
        assert!(found[0].0.abs_diff(300) <= 40, "{plan}: {found:?}");
    }
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
    std::fs::write(&not_wav, "this is a text file").expect("write");
    let truncated = dir.join("truncated.wav");
    write_pcm_wav(&truncated, &[100; 800]);
    let bytes = std::fs::read(&truncated).expect("read back");
    std::fs::write(&truncated, &bytes[..bytes.len() - 300]).expect("write");
    let header_only = dir.join("header-only.wav");
    std::fs::write(&header_only, &bytes[..20]).expect("write");
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
        check_refused_everywhere(file, expected);
    }
}

fn check_refused_everywhere(file: &Path, expected: &[&str]) {
    fails_with(&["dtmf-detect", p(file)], expected);
    fails_with(&["mf-detect", p(file), "--direction", "forward"], expected);
    fails_with(&["tones-detect", p(file), "--plan", "na"], expected);
    fails_with(&["cid-decode", p(file)], expected);
}

#[test]
fn wav_files_sox_writes_in_other_formats_are_refused() {
    require_sox();
    let dir = dir("bad-files-sox");
    let cases: [(&str, &[&str], &[&str]); 5] = [
        (
            "stereo.wav",
            &["-r", "8000", "-c", "2", "-b", "16"],
            &["2 channels", "mono"],
        ),
        (
            "wideband.wav",
            &["-r", "16000", "-c", "1", "-b", "16"],
            &["16000 Hz", "8000 Hz"],
        ),
        (
            "float.wav",
            &["-r", "8000", "-c", "1", "-e", "floating-point", "-b", "32"],
            &["IEEE float"],
        ),
        (
            "pcm8.wav",
            &["-r", "8000", "-c", "1", "-e", "unsigned-integer", "-b", "8"],
            &["8 bits", "expected 16-bit PCM"],
        ),
        (
            "pcm24.wav",
            &["-r", "8000", "-c", "1", "-b", "24"],
            &["24 bits", "expected 16-bit PCM"],
        ),
    ];
    for (name, format, expected) in cases {
        let file = dir.join(name);
        sox_synth(&file, format, "synth 0.2 sine 1000 gain -10");
        let mut wanted = vec![name];
        wanted.extend(expected);
        check_refused_everywhere(&file, &wanted);
    }
}
