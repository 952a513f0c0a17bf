mod common;

use common::{add_noise, Noise};
use dsp::call_progress::{CallProgressDetector, DetectedTone, ProgressTone};
use dsp::level::sine_peak_for_dbm0;
use dsp::tone::{ToneGenerator, ToneSpec};
use dsp::tone_plan::{TonePlan, TonePlanName};
use dsp::{DtmfGenerator, DtmfGeneratorConfig};
use line_boundary::{Tone, FRAME_SAMPLES};

const MS: usize = 8;

fn render(spec: &ToneSpec, ms: usize) -> Vec<i16> {
    let mut generator = ToneGenerator::new(spec);
    let mut out = vec![0i16; ms * MS];
    generator.fill(&mut out);
    out
}

fn with_lead(lead_ms: usize, mut audio: Vec<i16>) -> Vec<i16> {
    let mut out = vec![0i16; lead_ms * MS];
    out.append(&mut audio);
    out
}

fn detect_in_chunks(plan: TonePlanName, audio: &[i16], chunk: usize) -> Vec<DetectedTone> {
    let mut detector = CallProgressDetector::new(&TonePlan::new(plan));
    let mut out = Vec::new();
    for piece in audio.chunks(chunk) {
        detector.process(piece);
        while let Some(found) = detector.poll() {
            out.push(found);
        }
    }
    out
}

fn detect(plan: TonePlanName, audio: &[i16]) -> Vec<DetectedTone> {
    detect_in_chunks(plan, audio, FRAME_SAMPLES)
}

fn tones(found: &[DetectedTone]) -> Vec<ProgressTone> {
    found.iter().map(|d| d.tone).collect()
}

const CASES: [(Tone, ProgressTone); 4] = [
    (Tone::Dial, ProgressTone::Dial),
    (Tone::Ringback, ProgressTone::Ringback),
    (Tone::Busy, ProgressTone::Busy),
    (Tone::Congestion, ProgressTone::Congestion),
];

/// Latest time (ms after the tone starts) each tone may be confirmed at: dial after
/// 1.0–1.4 s; ringback one on period + 1 s; busy/congestion two cycles + a block or two.
fn deadline_ms(spec: &ToneSpec, tone: Tone) -> usize {
    let c = spec.cadence_ms;
    match tone {
        Tone::Dial => 1400,
        Tone::Ringback => usize::from(c[0]) + 1000 + 100,
        _ => 2 * usize::from(c[0]) + 2 * usize::from(c[1]) + 100,
    }
}

#[test]
fn every_plan_tone_is_recognised_once_and_on_time() {
    for name in TonePlanName::ALL {
        let plan = TonePlan::new(name);
        for (tone, expected) in CASES {
            let spec = plan.spec(tone);
            let audio = with_lead(500, render(&spec, 14_000));
            let found = detect(name, &audio);
            assert_eq!(tones(&found), vec![expected], "{name} {tone:?}");
            let confirmed_ms = found[0].confirmed_at_sample as usize / MS - 500;
            assert!(
                confirmed_ms <= deadline_ms(&spec, tone),
                "{name} {tone:?} confirmed after {confirmed_ms} ms"
            );
            let started_ms = found[0].at_sample as usize / MS;
            assert!(
                started_ms.abs_diff(500) <= 40,
                "{name} {tone:?} start {started_ms} ms"
            );
        }
    }
}

#[test]
fn recognised_in_any_chunking_at_low_level_and_in_noise() {
    for name in TonePlanName::ALL {
        let plan = TonePlan::new(name);
        for (tone, expected) in CASES {
            let mut spec = plan.spec(tone);
            for chunk in [1, 37, 160, 1000] {
                let audio = with_lead(330, render(&spec, 10_000));
                assert_eq!(
                    tones(&detect_in_chunks(name, &audio, chunk)),
                    vec![expected],
                    "{name} {tone:?} chunk {chunk}"
                );
            }
            // 20 dB below nominal and white noise 15 dB below the tone.
            spec.level_dbm0 -= 15.0;
            let mut audio = with_lead(210, render(&spec, 10_000));
            let peak = f64::from(sine_peak_for_dbm0(spec.level_dbm0));
            let components = if spec.freqs_hz[1] == 0 { 1.0 } else { 2.0 };
            add_noise(
                &mut audio,
                components * peak * peak / 2.0 / 10f64.powf(1.5),
                &mut Noise::new(7),
            );
            assert_eq!(
                tones(&detect(name, &audio)),
                vec![expected],
                "{name} {tone:?} at {} dBm0 in noise",
                spec.level_dbm0
            );
        }
    }
}

#[test]
fn cadence_off_by_a_third_is_not_busy_or_congestion() {
    // A 450 Hz tone cadenced 500/500 is neither China's busy (350/350) nor its
    // congestion (700/700).
    let spec = ToneSpec {
        freqs_hz: [450, 0],
        level_dbm0: -10.0,
        cadence_ms: &[500, 500],
    };
    assert_eq!(
        tones(&detect(TonePlanName::China, &render(&spec, 10_000))),
        vec![]
    );
    // And ETSI's busy cadence (500/500) in North America's 480+620 Hz is not NA ringback.
    let na_like = ToneSpec {
        freqs_hz: [440, 480],
        level_dbm0: -19.0,
        cadence_ms: &[500, 500],
    };
    assert_eq!(
        tones(&detect(
            TonePlanName::NorthAmerica,
            &render(&na_like, 10_000)
        )),
        vec![]
    );
}

fn sit(first_hz: u16, second_hz: u16, segment_ms: usize) -> Vec<i16> {
    let mut audio = Vec::new();
    for freq in [first_hz, second_hz, 1777] {
        let spec = ToneSpec {
            freqs_hz: [freq, 0],
            level_dbm0: -24.0,
            cadence_ms: &[],
        };
        audio.extend(render(&spec, segment_ms));
    }
    audio.extend(vec![0; 1000 * MS]);
    audio
}

#[test]
fn special_information_tone_in_every_plan() {
    for name in TonePlanName::ALL {
        for (first, second, ms) in [
            (914, 1371, 274),
            (985, 1429, 380),
            (914, 1429, 274),
            (985, 1371, 380),
        ] {
            let audio = with_lead(130, sit(first, second, ms));
            let found = detect(name, &audio);
            assert_eq!(
                tones(&found),
                vec![ProgressTone::Sit],
                "{name} {first}/{second} {ms} ms"
            );
            assert!((found[0].at_sample as usize / MS).abs_diff(130) <= 40);
        }
        // Wrong order, or a segment too short, is not SIT.
        let mut reversed = Vec::new();
        for freq in [1777u16, 1371, 914] {
            reversed.extend(render(
                &ToneSpec {
                    freqs_hz: [freq, 0],
                    level_dbm0: -24.0,
                    cadence_ms: &[],
                },
                274,
            ));
        }
        reversed.extend(vec![0; 8000]);
        assert_eq!(tones(&detect(name, &reversed)), vec![], "{name} reversed");
        assert_eq!(
            tones(&detect(name, &sit(914, 1371, 120))),
            vec![],
            "{name} short"
        );
    }
}

#[test]
fn dtmf_noise_and_other_tones_are_not_call_progress() {
    let mut dtmf = DtmfGenerator::new(DtmfGeneratorConfig::default()).expect("valid");
    let mut audio = Vec::new();
    for _ in 0..4 {
        dtmf.push_digits("0123456789*#ABCD").expect("valid");
        let mut frame = [0i16; FRAME_SAMPLES];
        while dtmf.fill(&mut frame) {
            audio.extend_from_slice(&frame);
        }
    }
    let long_dtmf = DtmfGeneratorConfig {
        tone_ms: 2000,
        pause_ms: 500,
        ..Default::default()
    };
    let mut held = DtmfGenerator::new(long_dtmf).expect("valid");
    held.push_digits("5D").expect("valid");
    let mut frame = [0i16; FRAME_SAMPLES];
    while held.fill(&mut frame) {
        audio.extend_from_slice(&frame);
    }
    let mut noise = vec![0i16; 20 * 8000];
    add_noise(&mut noise, 1.0e6, &mut Noise::new(3));
    for name in TonePlanName::ALL {
        let plan = TonePlan::new(name);
        assert_eq!(tones(&detect(name, &audio)), vec![], "{name} DTMF");
        assert_eq!(tones(&detect(name, &noise)), vec![], "{name} noise");
        for tone in [Tone::Test1004Hz, Tone::CallWaiting] {
            assert_eq!(
                tones(&detect(name, &render(&plan.spec(tone), 15_000))),
                vec![],
                "{name} {tone:?}"
            );
        }
    }
}

#[test]
fn one_report_per_episode_and_a_new_one_after_a_change() {
    let plan = TonePlan::new(TonePlanName::Etsi);
    let mut audio = render(&plan.spec(Tone::Dial), 3000);
    audio.extend(vec![0; 500 * MS]);
    audio.extend(render(&plan.spec(Tone::Busy), 8000));
    audio.extend(vec![0; 7000 * MS]);
    audio.extend(render(&plan.spec(Tone::Busy), 3000));
    assert_eq!(
        tones(&detect(TonePlanName::Etsi, &audio)),
        vec![ProgressTone::Dial, ProgressTone::Busy, ProgressTone::Busy]
    );
}
