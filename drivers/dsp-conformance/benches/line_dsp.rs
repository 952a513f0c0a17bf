//! Ours against spandsp, per 20 ms frame (160 samples), on the same audio:
//! DTMF detection, DTMF + call-progress detection, MFC/R2 detection, FSK caller ID
//! decoding.
//!
//! Run: `CARGO_TARGET_DIR=… cargo bench -p dsp-conformance --bench line_dsp`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use dsp::call_progress::CallProgressDetector;
use dsp::caller_id::CallerIdDateTime;
use dsp::mf_r2::{Direction, MfR2Detector, MfR2Generator};
use dsp::tone_plan::{TonePlan, TonePlanName};
use dsp::{
    CallerIdMessage, DtmfDetector, DtmfGenerator, DtmfGeneratorConfig, FskCallerIdDecoder,
    FskCallerIdGenerator, ToneGenerator,
};
use dsp_conformance::spandsp_dtmf::SpandspDtmfRx;
use dsp_conformance::spandsp_fsk::{AdsiStandard, SpandspAdsiRx};
use dsp_conformance::spandsp_r2_mf::SpandspR2MfRx;
use dsp_conformance::spandsp_tone::{SpandspSuperToneRx, SuperToneElement};
use line_boundary::Tone;
use std::time::Duration;

const FRAME: usize = 160;

/// 10 s: DTMF digits, then ETSI busy tone, with low-level noise throughout.
fn line_audio() -> Vec<i16> {
    let mut audio = Vec::new();
    let mut generator = DtmfGenerator::new(DtmfGeneratorConfig::default()).expect("valid");
    generator
        .push_digits("0123456789*#ABCD0123456789")
        .expect("valid");
    let mut frame = [0i16; FRAME];
    while generator.fill(&mut frame) {
        audio.extend_from_slice(&frame);
    }
    let mut busy = ToneGenerator::new(&TonePlan::new(TonePlanName::Etsi).spec(Tone::Busy));
    while audio.len() < 80_000 {
        busy.fill(&mut frame);
        audio.extend_from_slice(&frame);
    }
    audio.truncate(80_000);
    add_line_noise(&mut audio, 0x1234_5678);
    audio
}

/// xorshift noise of about ±128 added in place (a quiet line, never digital silence).
fn add_line_noise(audio: &mut [i16], seed: u32) {
    let mut state = seed;
    for x in audio.iter_mut() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        *x = x.saturating_add((state >> 24) as i16 - 128);
    }
}

/// 10 s of a forward MFC/R2 register exchange as one side hears it: the 15 signals in
/// turn, 100 ms on (compelled tones last about that long) and 60 ms off, with line noise.
fn mf_audio() -> Vec<i16> {
    let mut generator = MfR2Generator::new(Direction::Forward);
    let mut audio = Vec::new();
    let mut frame = [0i16; FRAME];
    'signals: for signal in (1..=15u8).cycle() {
        generator.start(signal).expect("valid signal");
        for step in 0..8 {
            if step == 5 {
                generator.stop();
            }
            generator.fill(&mut frame);
            audio.extend_from_slice(&frame);
            if audio.len() >= 80_000 {
                break 'signals;
            }
        }
    }
    add_line_noise(&mut audio, 0x8765_4321);
    audio
}

fn fsk_audio() -> Vec<i16> {
    let message = CallerIdMessage {
        datetime: Some(CallerIdDateTime {
            month: 6,
            day: 1,
            hour: 9,
            minute: 30,
        }),
        number: Some(heapless::String::try_from("8675512345678").expect("fits")),
        name: Some(heapless::String::try_from("Call Centre Bench").expect("fits")),
        ..Default::default()
    };
    let mut generator = FskCallerIdGenerator::new(&message).expect("valid");
    let mut audio = vec![0i16; 1600];
    let mut frame = [0i16; FRAME];
    while generator.fill(&mut frame) {
        audio.extend_from_slice(&frame);
    }
    audio.extend(std::iter::repeat_n(0, 1600));
    let whole = audio.len() / FRAME * FRAME;
    audio.truncate(whole);
    audio
}

/// spandsp's supervisory tone receiver set up for the ETSI plan (425 Hz).
fn spandsp_etsi_progress() -> SpandspSuperToneRx {
    let on = |min, max| SuperToneElement {
        f1: 425,
        f2: -1,
        min_ms: min,
        max_ms: max,
    };
    let off = |min, max| SuperToneElement {
        f1: -1,
        f2: -1,
        min_ms: min,
        max_ms: max,
    };
    let dial = [on(1000, 0)];
    let ringback = [on(800, 1200), off(3000, 5000)];
    let busy = [on(400, 600), off(400, 600), on(400, 600), off(400, 600)];
    let congestion = [on(200, 300), off(200, 300), on(200, 300), off(200, 300)];
    SpandspSuperToneRx::new(&[&dial, &ringback, &busy, &congestion])
}

fn frames(audio: &[i16]) -> impl Iterator<Item = &[i16]> + '_ {
    audio.chunks_exact(FRAME).cycle()
}

fn bench(c: &mut Criterion) {
    let line = line_audio();
    let mf = mf_audio();
    let fsk = fsk_audio();

    let mut group = c.benchmark_group("dtmf_detect_20ms");
    let mut ours = DtmfDetector::default();
    let mut input = frames(&line);
    group.bench_function("ours", |b| {
        b.iter(|| {
            ours.process(black_box(input.next().unwrap_or(&[])));
            black_box(ours.poll_digit())
        })
    });
    let mut theirs = SpandspDtmfRx::new();
    let mut input = frames(&line);
    group.bench_function("spandsp", |b| {
        b.iter(|| {
            theirs.process(black_box(input.next().unwrap_or(&[])));
            black_box(theirs.take_digits())
        })
    });
    group.finish();

    let mut group = c.benchmark_group("dtmf_and_call_progress_20ms");
    let mut ours = DtmfDetector::default();
    let mut progress = CallProgressDetector::new(&TonePlan::new(TonePlanName::Etsi));
    let mut input = frames(&line);
    group.bench_function("ours", |b| {
        b.iter(|| {
            let frame = black_box(input.next().unwrap_or(&[]));
            ours.process(frame);
            progress.process(frame);
            black_box((ours.poll_digit(), progress.poll()))
        })
    });
    let mut theirs = SpandspDtmfRx::new();
    let mut tones = spandsp_etsi_progress();
    let mut input = frames(&line);
    group.bench_function("spandsp", |b| {
        b.iter(|| {
            let frame = black_box(input.next().unwrap_or(&[]));
            theirs.process(frame);
            tones.process(frame);
            black_box((theirs.take_digits(), tones.take_reports()))
        })
    });
    group.finish();

    // Both receivers must be doing the real work on this audio: every signal heard.
    let mut check = MfR2Detector::new(Direction::Forward);
    let mut check_theirs = SpandspR2MfRx::new(true);
    let (mut heard, mut heard_theirs) = (0, 0);
    for frame in mf.chunks_exact(FRAME) {
        check.process(frame);
        check_theirs.process(frame);
        while let Some(event) = check.poll() {
            heard += usize::from(event.on);
        }
        heard_theirs += check_theirs
            .take_reports()
            .iter()
            .filter(|r| r.signal.is_some())
            .count();
    }
    assert_eq!(
        (heard, heard_theirs),
        (63, 63),
        "MF-R2 bench audio: signals heard"
    );

    let mut group = c.benchmark_group("mf_r2_detect_20ms");
    let mut ours = MfR2Detector::new(Direction::Forward);
    let mut input = frames(&mf);
    group.bench_function("ours", |b| {
        b.iter(|| {
            ours.process(black_box(input.next().unwrap_or(&[])));
            black_box(ours.poll())
        })
    });
    let mut theirs = SpandspR2MfRx::new(true);
    let mut input = frames(&mf);
    group.bench_function("spandsp", |b| {
        b.iter(|| {
            theirs.process(black_box(input.next().unwrap_or(&[])));
            black_box(theirs.take_reports())
        })
    });
    group.finish();

    let mut group = c.benchmark_group("fsk_caller_id_decode_20ms");
    let mut ours = FskCallerIdDecoder::new();
    let mut input = frames(&fsk);
    group.bench_function("ours", |b| {
        b.iter(|| {
            ours.process(black_box(input.next().unwrap_or(&[])));
            black_box(ours.poll())
        })
    });
    let mut theirs = SpandspAdsiRx::new(AdsiStandard::Clip);
    let mut input = frames(&fsk);
    group.bench_function("spandsp", |b| {
        b.iter(|| {
            theirs.process(black_box(input.next().unwrap_or(&[])));
            black_box(theirs.take_messages())
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    targets = bench
}
criterion_main!(benches);
