//! Tick duration with 240 busy channels: 8 E1 spans, 30 B-channels each, far ends on
//! real sockets in lock-step. Only `tick()` is timed (decode, detectors on every channel,
//! mixing, playback, taps, encode, D-channels); the far ends' socket traffic is not.
//! Timed in CPU time of the ticking thread, not wall time: on a shared 2-core machine a
//! tick preempted by another process would otherwise count the other's work.
//! Figures and how to compare with the engine before mixing: BENCH.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use dsp::g711::alaw_encode;
use dsp::tone_plan::{TonePlan, TonePlanName};
use line_boundary::{ChannelId, Tone};
use media_engine::testing::ManualEngine;
use media_engine::{
    DeviceSpec, EngineCommand, EngineEvent, EngineSetup, PromptStore, Slot, WorkGauge,
};
use soft_hardware::{Block, ClockMode, DeviceKind, FarEnd};
use std::time::Duration;

/// CPU time this thread has used: what a tick costs, whatever else the machine runs.
fn thread_cpu_time() -> Duration {
    let now = nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID)
        .expect("the thread CPU clock is readable");
    Duration::new(now.tv_sec() as u64, now.tv_nsec() as u32)
}

const SPANS: u16 = 8;

struct Rig {
    engine: ManualEngine,
    far: Vec<FarEnd>,
    outgoing: Vec<Block>,
    incoming: Vec<Block>,
    _dir: tempfile::TempDir,
}

/// The B-channel timeslots of an E1 (16 carries the D-channel).
fn timeslots() -> impl Iterator<Item = u16> {
    (1..32u16).filter(|ts| *ts != 16)
}

impl Rig {
    fn new() -> Rig {
        Rig::with_prompts(PromptStore::default())
    }

    fn with_prompts(prompts: PromptStore) -> Rig {
        let dir = tempfile::tempdir().expect("temp dir");
        let devices: Vec<DeviceSpec> = (1..=SPANS)
            .map(|id| DeviceSpec {
                id,
                kind: DeviceKind::E1,
            })
            .collect();
        let mut engine = ManualEngine::new(EngineSetup {
            devices: &devices,
            device_dir: dir.path(),
            clock: ClockMode::LockStep,
            plan: TonePlan::new(TonePlanName::Etsi),
            prompts,
            gauge: WorkGauge::new(),
        })
        .expect("engine builds");
        let mut far = Vec::new();
        for spec in &devices {
            let path = soft_hardware::socket_path(dir.path(), spec.kind, spec.id);
            let connecting = std::thread::spawn(move || {
                FarEnd::connect(
                    &path,
                    Some(DeviceKind::E1),
                    Some(ClockMode::LockStep),
                    Duration::from_secs(5),
                )
            });
            while !connecting.is_finished() {
                engine.pump();
                std::thread::sleep(Duration::from_millis(1));
            }
            far.push(connecting.join().expect("thread").expect("connects").0);
        }
        // Every channel talks: a tone of its own, a whole number of cycles per frame so
        // the same 20 ms repeat seamlessly.
        let mut outgoing: Vec<Block> = devices.iter().map(|_| Block::idle(32)).collect();
        for (span, block) in outgoing.iter_mut().enumerate() {
            for ts in timeslots() {
                let hz = 300.0 + 50.0 * ((ts as usize + span * 3) % 50) as f64;
                for (n, octet) in block.channels[ts as usize].audio.iter_mut().enumerate() {
                    let x = 3000.0 * (2.0 * std::f64::consts::PI * hz * n as f64 / 8000.0).sin();
                    *octet = alaw_encode(x as i16);
                }
            }
        }
        let incoming = devices.iter().map(|_| Block::idle(32)).collect();
        Rig {
            engine,
            far,
            outgoing,
            incoming,
            _dir: dir,
        }
    }

    fn slot(&self, span: u16, ts: u16) -> Slot {
        self.engine
            .slot(ChannelId {
                device: span,
                channel: ts,
            })
            .expect("B-channel has a slot")
    }

    /// The 120 two-party bridges: neighbouring timeslots of each span.
    fn pairs(&self) -> Vec<(Slot, Slot)> {
        let mut pairs = Vec::new();
        for span in 1..=SPANS {
            let slots: Vec<Slot> = timeslots().map(|ts| self.slot(span, ts)).collect();
            for pair in slots.chunks(2) {
                pairs.push((pair[0], pair[1]));
            }
        }
        pairs
    }

    fn send(&self, command: EngineCommand) {
        self.engine
            .commands()
            .send(command)
            .expect("queue has room");
    }

    /// One lock-step exchange; returns how long the tick took.
    fn step(&mut self) -> Duration {
        self.step_with(|_, _| {})
    }

    /// `step`, handing each event of the tick to `on_event` (after the timed tick).
    fn step_with(&mut self, mut on_event: impl FnMut(&mut Rig, EngineEvent)) -> Duration {
        for (far, block) in self.far.iter_mut().zip(&self.outgoing) {
            far.send_block(block).expect("far end sends");
        }
        assert!(self.engine.wait_blocks(Duration::from_secs(5)), "blocks");
        let began = thread_cpu_time();
        self.engine.tick();
        let took = thread_cpu_time().saturating_sub(began);
        for (far, block) in self.far.iter_mut().zip(self.incoming.iter_mut()) {
            far.recv_block(block, Duration::from_secs(5))
                .expect("far end receives");
        }
        for event in self.engine.drain_events() {
            on_event(self, event);
        }
        took
    }
}

/// 120 bridges; in `playing` of every 4 bridges one side hears a tone as well.
fn bridged(playing: usize) -> Rig {
    let mut rig = Rig::new();
    for (n, (a, b)) in rig.pairs().into_iter().enumerate() {
        rig.send(EngineCommand::Bridge { a, b });
        if n % 4 < playing {
            rig.send(EngineCommand::PlayTone {
                slot: a,
                tone: if n % 2 == 0 {
                    Tone::Ringback
                } else {
                    Tone::CallWaiting
                },
                id: media_engine::PlaybackId(n as u32),
            });
        }
    }
    // Commands are applied at most 256 a tick: settle before timing.
    for _ in 0..4 {
        rig.step();
    }
    rig
}

fn tick_240_channels(c: &mut Criterion) {
    let mut group = c.benchmark_group("tick_240_channels");
    group.sample_size(50);
    group.measurement_time(Duration::from_secs(10));
    for (name, playing) in [("120_bridges", 0), ("120_bridges_30_playing", 1)] {
        let mut rig = bridged(playing);
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| rig.step()).sum())
        });
    }
    group.finish();
}

/// What only the mixing engine can do, on the same 240 channels: conferences, and every
/// channel tapped with a reader draining the rings between ticks (untimed).
fn mixing_240_channels(c: &mut Criterion) {
    let mut group = c.benchmark_group("mixing_240_channels");
    group.sample_size(50);
    group.measurement_time(Duration::from_secs(10));

    let mut rig = Rig::new();
    let all: Vec<Slot> = (1..=SPANS)
        .flat_map(|span| timeslots().map(move |ts| (span, ts)))
        .map(|(span, ts)| rig.slot(span, ts))
        .collect();
    for members in all.chunks(6) {
        for command in media_engine::modes::conference(members) {
            rig.send(command);
        }
        // 30 commands per conference: a tick applies 256 at most, so tick as we go.
        rig.step();
    }
    group.bench_function(BenchmarkId::from_parameter("40_conferences_of_6"), |b| {
        b.iter_custom(|iters| (0..iters).map(|_| rig.step()).sum())
    });
    drop(rig);

    let mut rig = bridged(0);
    let mut readers: Vec<_> = all
        .iter()
        .map(|slot| rig.engine.tap_reader(*slot).expect("reader"))
        .collect();
    for (n, slot) in all.iter().enumerate() {
        rig.send(EngineCommand::StartTap {
            slot: *slot,
            tap: media_engine::TapId(n as u32),
        });
    }
    rig.step();
    group.bench_function(BenchmarkId::from_parameter("120_bridges_240_tapped"), |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let took = rig.step();
                    for reader in &mut readers {
                        while reader.read().is_some() {}
                    }
                    took
                })
                .sum()
        })
    });
    assert_eq!(rig.engine.stats().tap_frames_dropped, 0, "readers kept up");
    group.finish();
}

/// Say-number style fragments for `240_sequences`: a tone each, lengths that are not whole
/// frames, so fragments meet inside a frame and the sequences end on different ticks.
fn fragments(prompts: &mut PromptStore) -> Vec<media_engine::PromptId> {
    [
        (500.0, 2_470),
        (700.0, 3_130),
        (900.0, 1_990),
        (1100.0, 4_050),
        (1300.0, 2_810),
    ]
    .iter()
    .enumerate()
    .map(|(n, (hz, len))| {
        let samples = (0..*len)
            .map(|k| (4000.0 * (2.0 * std::f64::consts::PI * hz * k as f64 / 8000.0).sin()) as i16)
            .collect();
        prompts.add(&format!("fragment-{n}"), samples)
    })
    .collect()
}

/// Channel `n`'s sequence: three to five of the fragments, in an order of its own.
fn sequence_for(
    n: usize,
    fragments: &[media_engine::PromptId],
) -> heapless::Vec<media_engine::PromptId, { media_engine::MAX_SEQUENCE }> {
    (0..3 + n % 3)
        .map(|k| fragments[(n + 2 * k) % fragments.len()])
        .collect()
}

/// Music on hold: 240 channels all hearing one shared looping source, against the same 240
/// channels idle, and against all 240 playing prompt sequences (each restarted, outside the
/// timed tick, as soon as its `PlaybackDone` comes back).
fn music_on_hold_240_channels(c: &mut Criterion) {
    let mut group = c.benchmark_group("music_on_hold_240_channels");
    group.sample_size(50);
    group.measurement_time(Duration::from_secs(10));
    for on_hold in [false, true] {
        let mut prompts = PromptStore::default();
        // 30 s of a two-tone "tune": longer than a frame, not a multiple of one.
        let music: Vec<i16> = (0..8000 * 30 + 77)
            .map(|k| {
                let t = k as f64 / 8000.0;
                (3000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()
                    + 2000.0 * (2.0 * std::f64::consts::PI * 660.0 * t).sin())
                    as i16
            })
            .collect();
        let music = prompts.add("moh", music);
        let mut rig = Rig::with_prompts(prompts);
        if on_hold {
            let all: Vec<Slot> = (1..=SPANS)
                .flat_map(|span| timeslots().map(move |ts| (span, ts)))
                .map(|(span, ts)| rig.slot(span, ts))
                .collect();
            for (n, slot) in all.into_iter().enumerate() {
                rig.send(EngineCommand::PlayMusic {
                    slot,
                    music,
                    id: media_engine::PlaybackId(n as u32),
                });
            }
        }
        for _ in 0..4 {
            rig.step();
        }
        let name = if on_hold { "240_on_hold" } else { "240_idle" };
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| rig.step()).sum())
        });
    }

    let mut prompts = PromptStore::default();
    let fragments = fragments(&mut prompts);
    let mut rig = Rig::with_prompts(prompts);
    let all: Vec<Slot> = (1..=SPANS)
        .flat_map(|span| timeslots().map(move |ts| (span, ts)))
        .map(|(span, ts)| rig.slot(span, ts))
        .collect();
    let play = |rig: &Rig, n: usize, id: u32| {
        rig.send(EngineCommand::PlaySequence {
            slot: all[n],
            prompts: sequence_for(n, &fragments),
            id: media_engine::PlaybackId(id),
            barge_in: n.is_multiple_of(2),
        })
    };
    for n in 0..all.len() {
        play(&rig, n, n as u32);
    }
    let mut next_id = all.len() as u32;
    let mut done = 0u64;
    let mut steps = 0u64;
    let mut step = |rig: &mut Rig| {
        steps += 1;
        rig.step_with(|rig, event| {
            if let EngineEvent::PlaybackDone { slot, .. } = event {
                let n = all.iter().position(|s| *s == slot).expect("one of ours");
                play(rig, n, next_id);
                next_id += 1;
                done += 1;
            }
        })
    };
    for _ in 0..4 {
        step(&mut rig);
    }
    group.bench_function(BenchmarkId::from_parameter("240_sequences"), |b| {
        b.iter_custom(|iters| (0..iters).map(|_| step(&mut rig)).sum())
    });
    drop(step);
    // Only when the bench ran long enough for a sequence to end (the longest is about 130
    // ticks): filtered out (`-- three_party`) or run once (`--test`) it ran 4 steps.
    if steps > 200 {
        assert!(done > 0, "sequences ended and were restarted");
    }
    group.finish();
}

/// Every tick's CPU time as the bench runs it (Criterion's warm-up included: the same
/// steady state), for the mean and tail Criterion's per-sample figures do not give.
#[derive(Default)]
struct TickLog(Vec<Duration>);

impl TickLog {
    fn record(&mut self, took: Duration) -> Duration {
        self.0.push(took);
        took
    }

    /// One line per bench: ticks, mean, p50, p99, min, max in µs. Nothing when the bench
    /// was filtered out or ran once (`cargo test --benches`).
    fn report(&mut self, name: &str) {
        let ticks = &mut self.0;
        if ticks.len() < 100 {
            return;
        }
        ticks.sort_unstable();
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        let at = |q: f64| us(ticks[((ticks.len() - 1) as f64 * q).round() as usize]);
        let mean = ticks.iter().map(|d| us(*d)).sum::<f64>() / ticks.len() as f64;
        println!(
            "ticks {name}: n={} mean={mean:.1} p50={:.1} p99={:.1} min={:.1} max={:.1} (µs CPU)",
            ticks.len(),
            at(0.5),
            at(0.99),
            us(ticks[0]),
            us(ticks[ticks.len() - 1]),
        );
    }
}

/// What a listener should receive: the sum of its sources' frames as the far ends sent
/// them (decoded, summed, A-law encoded again), sample by sample.
fn expected_mix(rig: &Rig, sources: &[(u16, u16)]) -> Vec<u8> {
    (0..line_boundary::FRAME_SAMPLES)
        .map(|n| {
            let sum: i32 = sources
                .iter()
                .map(|&(span, ts)| {
                    let octet = rig.outgoing[span as usize - 1].channels[ts as usize].audio[n];
                    i32::from(dsp::g711::alaw_decode(octet))
                })
                .sum();
            alaw_encode(sum.clamp(i16::MIN.into(), i16::MAX.into()) as i16)
        })
        .collect()
}

/// Checks, on the frames of the last tick, that each listener received exactly the sum of
/// its sources, that the sum is sound (not silence, not one source alone), and that every
/// channel in no mix received silence.
fn assert_heard(rig: &Rig, heard: &[((u16, u16), Vec<(u16, u16)>)]) {
    let silence = alaw_encode(0);
    let received = |(span, ts): (u16, u16)| {
        rig.incoming[span as usize - 1].channels[ts as usize]
            .audio
            .to_vec()
    };
    for (listener, sources) in heard {
        let got = received(*listener);
        assert_eq!(
            got,
            expected_mix(rig, sources),
            "{listener:?} hears the sum of {sources:?}"
        );
        assert!(
            got.iter()
                .any(|octet| dsp::g711::alaw_decode(*octet).unsigned_abs() > 1000),
            "{listener:?} hears sound"
        );
        if sources.len() > 1 {
            for source in sources {
                assert_ne!(
                    got,
                    expected_mix(rig, &[*source]),
                    "{listener:?} hears more than {source:?}"
                );
            }
        }
    }
    for span in 1..=SPANS {
        for ts in timeslots() {
            if heard.iter().all(|(listener, _)| *listener != (span, ts)) {
                assert!(
                    received((span, ts)).iter().all(|octet| *octet == silence),
                    "{:?} is in no mix and hears silence",
                    (span, ts)
                );
            }
        }
    }
}

/// The shapes of issue #11 on the same 240 talking channels.
#[derive(Clone, Copy)]
enum Shape {
    /// Nothing connected: every channel decoded, detected and encoded, sending silence.
    Idle,
    /// Two-party bridges (`Bridge`): each party hears the other, a copy.
    Bridges(usize),
    /// Three-party mixes as a supervisor's barge makes them: A and B bridged, then
    /// `modes::barge(C, [A, B])`; each of the three hears the other two.
    Barges(usize),
    /// Whisper: A and B bridged, then `modes::whisper(C, B, A)`: C hears A and B, B hears
    /// A and C, A hears B only.
    Whispers(usize),
}

/// A rig with `shape` set up and settled, and who hears whom in it.
fn shaped(shape: Shape) -> (Rig, Vec<((u16, u16), Vec<(u16, u16)>)>) {
    let mut rig = Rig::new();
    let all: Vec<(u16, u16)> = (1..=SPANS)
        .flat_map(|span| timeslots().map(move |ts| (span, ts)))
        .collect();
    let (size, count) = match shape {
        Shape::Idle => (2, 0),
        Shape::Bridges(n) => (2, n),
        Shape::Barges(n) | Shape::Whispers(n) => (3, n),
    };
    assert!(size * count <= all.len(), "{count} groups of {size} fit");
    let mut heard = Vec::new();
    for (n, group) in all.chunks(size).take(count).enumerate() {
        let slot = |at: (u16, u16)| rig.slot(at.0, at.1);
        let (a, b) = (group[0], group[1]);
        rig.send(EngineCommand::Bridge {
            a: slot(a),
            b: slot(b),
        });
        match shape {
            Shape::Idle => {}
            Shape::Bridges(_) => {
                heard.push((a, vec![b]));
                heard.push((b, vec![a]));
            }
            Shape::Barges(_) => {
                let c = group[2];
                for command in media_engine::modes::barge(slot(c), [slot(a), slot(b)]) {
                    rig.send(command);
                }
                heard.push((a, vec![b, c]));
                heard.push((b, vec![a, c]));
                heard.push((c, vec![a, b]));
            }
            Shape::Whispers(_) => {
                let c = group[2];
                for command in media_engine::modes::whisper(slot(c), slot(b), slot(a)) {
                    rig.send(command);
                }
                heard.push((a, vec![b]));
                heard.push((b, vec![a, c]));
                heard.push((c, vec![a, b]));
            }
        }
        // At most 5 commands a group: a tick applies 256 at most, so tick now and then.
        if n % 10 == 9 {
            rig.step();
        }
    }
    for _ in 0..4 {
        rig.step_with(|_, event| {
            assert!(
                !matches!(event, EngineEvent::ConnectRefused { .. }),
                "{event:?}"
            )
        });
    }
    assert_eq!(rig.engine.stats().connects_refused, 0);
    assert_eq!(rig.engine.stats().commands_refused, 0);
    assert_heard(&rig, &heard);
    (rig, heard)
}

/// Issue #11: three-party mixes (barge) and whispers against two-party bridges. 60 mixes
/// of 3 (180 channels mixing two sources, or 120 for whispers) against 60 bridges (120
/// channels copying one), on the same 8 spans as the other groups, all 240 channels
/// talking; `idle` (no connections) is the floor they share, `120_bridges` the scale.
/// Who hears whom is checked on real frames before and after timing (untimed).
fn three_party_240_channels(c: &mut Criterion) {
    let mut group = c.benchmark_group("three_party_240_channels");
    group.sample_size(50);
    group.measurement_time(Duration::from_secs(10));
    for (name, shape) in [
        ("idle", Shape::Idle),
        ("60_bridges", Shape::Bridges(60)),
        ("60_three_party", Shape::Barges(60)),
        ("60_whispers", Shape::Whispers(60)),
        ("120_bridges", Shape::Bridges(120)),
    ] {
        let (mut rig, heard) = shaped(shape);
        let mut log = TickLog::default();
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| log.record(rig.step())).sum())
        });
        assert_heard(&rig, &heard);
        log.report(&format!("three_party_240_channels/{name}"));
    }
    group.finish();
}

criterion_group!(
    benches,
    tick_240_channels,
    mixing_240_channels,
    music_on_hold_240_channels,
    three_party_240_channels
);
criterion_main!(benches);
