//! Proves the claim that a tick never allocates: a counting allocator counts allocations
//! made on this thread while it ticks a busy engine (tones, bridges, DTMF, caller ID,
//! prompts, detectors on every channel, far ends on real sockets; mixing modes, a
//! conference, taps, stream playback, and their teardown).

mod common;

use common::{sine, Harness};
use line_boundary::{ChannelId, Tone};
use media_engine::{EngineCommand, PlaybackId, PromptStore};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct CountingAllocator;

// Per thread, so tests running side by side do not see each other's allocations.
thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count_one() {
    if COUNTING.with(|c| c.get()) {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
    }
}

fn allocations() -> u64 {
    ALLOCATIONS.with(|a| a.get())
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn counted<R>(f: impl FnOnce() -> R) -> R {
    COUNTING.with(|c| c.set(true));
    let result = f();
    COUNTING.with(|c| c.set(false));
    result
}

#[test]
fn ticks_do_not_allocate() {
    // With a subscriber installed every enabled log line would format (and allocate): a
    // log call on the tick's path is caught too.
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(std::io::sink)
        .try_init();
    let mut prompts = PromptStore::default();
    let prompt = prompts.add("long", sine(500.0, 5000.0, 0, 8000 * 30));
    let mut rig = Harness::new(prompts);
    let slot = |device, channel| rig_slot(&rig, device, channel);
    let (fxs1, fxs2, fxo3) = (slot(1, 1), slot(2, 1), slot(3, 1));
    let e1: Vec<_> = (1..32u16)
        .filter(|ts| *ts != 16)
        .map(|ts| slot(4, ts))
        .collect();
    let commands = rig.engine.commands();
    commands
        .send(EngineCommand::Bridge { a: fxs1, b: fxo3 })
        .unwrap();
    commands
        .send(EngineCommand::PlayTone {
            slot: fxs2,
            tone: Tone::Dial,
            id: PlaybackId(1),
        })
        .unwrap();
    commands
        .send(EngineCommand::ListenCallerId {
            slot: fxo3,
            on: true,
        })
        .unwrap();
    for (n, ts) in e1.iter().enumerate() {
        let command = match n % 3 {
            0 => EngineCommand::PlayTone {
                slot: *ts,
                tone: Tone::Ringback,
                id: PlaybackId(n as u32),
            },
            1 => EngineCommand::PlayPrompt {
                slot: *ts,
                prompt,
                id: PlaybackId(n as u32),
            },
            _ => EngineCommand::Bridge {
                a: *ts,
                b: e1[(n + 1) % e1.len()],
            },
        };
        commands.send(command).unwrap();
    }
    let mut far_hdlc = isdn::hdlc::HdlcTx::new();
    let mut ticks = 0;
    let mut dtmf = dsp::dtmf::DtmfGenerator::new(Default::default()).unwrap();
    for round in 0..300usize {
        // Far-end input and new commands are prepared outside the counted region: only the
        // engine's own work is measured.
        let mut frame = [0i16; 160];
        if !dtmf.fill(&mut frame) {
            dtmf.push_digits("1234567890*#ABCD").unwrap();
        }
        rig.set_audio(0, 0, &frame);
        rig.set_audio(2, 0, &sine(1004.0, 4000.0, round * 160, 160));
        if round % 50 == 10 {
            let mut digits = heapless::String::new();
            digits.push_str("5551234").unwrap();
            commands
                .send(EngineCommand::SendDtmf {
                    slot: fxs2,
                    digits,
                    id: PlaybackId(round as u32),
                })
                .unwrap();
            commands
                .send(EngineCommand::WakeAt {
                    slot: fxs1,
                    at_ms: Some(round as u64 * 20 + 60),
                })
                .unwrap();
        }
        // D-channel traffic both ways: frames in on timeslot 16, frames out, a span wake.
        if round % 5 == 0 {
            let mut frame = isdn::hdlc::Frame::new();
            frame
                .extend_from_slice(&[0x02, 0x01, 0x01, (round as u8).wrapping_mul(2)])
                .unwrap();
            commands
                .send(EngineCommand::SendDChannelFrame { device: 4, frame })
                .unwrap();
            commands
                .send(EngineCommand::WakeDeviceAt {
                    device: 4,
                    at_ms: Some(round as u64 * 20 + 40),
                })
                .unwrap();
            far_hdlc
                .push_frame(&[0x00, 0x01, 0x00, round as u8, 0x08, 0x02, 0x00, 0x01, 0x05])
                .unwrap();
        }
        let mut ts16 = [0u8; 160];
        far_hdlc.fill(&mut ts16);
        rig.outgoing[3].channels[16].audio = ts16;
        if round % 50 == 20 {
            // A say-number style sequence with barge-in (the DTMF above keys over it) and
            // music on hold on a few B-channels.
            let fragments: heapless::Vec<_, { media_engine::MAX_SEQUENCE }> =
                [prompt, prompt, prompt].into_iter().collect();
            commands
                .send(EngineCommand::PlaySequence {
                    slot: fxs1,
                    prompts: fragments,
                    id: PlaybackId(round as u32),
                    barge_in: true,
                })
                .unwrap();
            for ts in e1.iter().take(6) {
                commands
                    .send(EngineCommand::PlayMusic {
                        slot: *ts,
                        music: prompt,
                        id: PlaybackId(round as u32),
                    })
                    .unwrap();
            }
        }
        if round % 100 == 70 {
            let mut message = dsp::caller_id::CallerIdMessage::default();
            let mut number = heapless::String::new();
            number.push_str("5550123").unwrap();
            message.number = Some(number);
            commands
                .send(EngineCommand::SendCallerId {
                    slot: fxs1,
                    message,
                    format: media_engine::CallerIdFormat::EtsiFsk,
                    id: PlaybackId(round as u32),
                })
                .unwrap();
        }
        if round % 50 == 30 {
            commands
                .send(EngineCommand::PlayTone {
                    slot: fxs2,
                    tone: Tone::Busy,
                    id: PlaybackId(round as u32),
                })
                .unwrap();
            commands
                .send(EngineCommand::SetSignal {
                    slot: fxs2,
                    bits: 5,
                })
                .unwrap();
        }
        for (far, block) in rig.far.iter_mut().zip(&rig.outgoing) {
            far.send_block(block).unwrap();
        }
        // Receiving the far ends' blocks is part of the engine's loop: counted too.
        assert!(counted(|| rig
            .engine
            .wait_blocks(std::time::Duration::from_secs(5))));
        counted(|| rig.engine.tick());
        ticks += 1;
        for (far, block) in rig.far.iter_mut().zip(rig.incoming.iter_mut()) {
            far.recv_block(block, std::time::Duration::from_secs(5))
                .unwrap();
        }
        // Events are drained (and their tokens dropped) outside the counted region too.
        let _ = rig.engine.drain_events();
    }
    assert_eq!(ticks, 300);
    let stats = rig.engine.stats();
    assert!(
        stats.dchannel_frames_in >= 59 && stats.dchannel_frames_out == 60,
        "{stats:?}"
    );
    assert_eq!(allocations(), 0, "allocations made inside ticks");
    // The counter itself works: an allocation inside the region is seen.
    counted(|| drop(std::hint::black_box(vec![1u8; 64])));
    assert_eq!(allocations(), 1);
}

#[test]
fn mixing_taps_and_teardown_do_not_allocate() {
    use media_engine::{modes, Gain, TapId};
    let mut prompts = PromptStore::default();
    let prompt = prompts.add("long", sine(700.0, 5000.0, 0, 8000 * 30));
    let mut rig = Harness::new(prompts);
    let slot = |device, channel| rig_slot(&rig, device, channel);
    let (agent, supervisor, caller) = (slot(1, 1), slot(2, 1), slot(3, 1));
    let e1: Vec<_> = (1..32u16)
        .filter(|ts| *ts != 16)
        .map(|ts| slot(4, ts))
        .collect();
    let commands = rig.engine.commands();
    let mut readers: Vec<_> = [agent, caller, e1[0], e1[7]]
        .iter()
        .map(|s| rig.engine.tap_reader(*s).unwrap())
        .collect();
    // A stream playback on fxs2 (the supervisor's phone otherwise hears nothing of its
    // own): its writer runs outside the counted tick, as a player thread would.
    let mut stream_writer = Some(rig.engine.stream_writer(supervisor).unwrap());
    let mut stream_frames = 0u32;
    let mut tap = 0u32;
    let mut id = 0u32;
    // Everything below is applied inside counted ticks: commands are only queued here.
    let mut setup = |round: usize| -> Vec<EngineCommand> {
        id += 1;
        tap += 1;
        let mut list = vec![EngineCommand::Bridge {
            a: agent,
            b: caller,
        }];
        match round % 4 {
            0 => list.extend(modes::listen(supervisor, [agent, caller])),
            1 => list.extend(modes::whisper(supervisor, agent, caller)),
            _ => list.extend(modes::barge(supervisor, [agent, caller])),
        }
        // A conference of 9 (each hears 8: full), then one more that is refused.
        list.extend(modes::conference(&e1[0..9]));
        list.push(EngineCommand::Connect {
            listener: e1[0],
            source: e1[9],
            gain: Gain::from_db(-3.0),
        });
        // Two-party bridges, some with a prompt or tone mixed under them.
        for pair in e1[10..].chunks(2) {
            if let [a, b] = pair {
                list.push(EngineCommand::Bridge { a: *a, b: *b });
            }
        }
        list.push(EngineCommand::PlayPrompt {
            slot: e1[12],
            prompt,
            id: PlaybackId(id),
        });
        list.push(EngineCommand::PlayTone {
            slot: e1[2],
            tone: Tone::Ringback,
            id: PlaybackId(id),
        });
        list.push(EngineCommand::PlayTone {
            slot: agent,
            tone: Tone::CallWaiting,
            id: PlaybackId(id),
        });
        for s in [agent, caller, e1[0], e1[7]] {
            list.push(EngineCommand::StartTap {
                slot: s,
                tap: TapId(tap),
            });
        }
        list
    };
    let teardown = |round: usize| -> Vec<EngineCommand> {
        let mut list = vec![
            EngineCommand::Isolate { slot: supervisor },
            EngineCommand::Unbridge { slot: agent },
            EngineCommand::Disconnect {
                listener: e1[1],
                source: e1[0],
            },
            EngineCommand::StopPlayback { slot: e1[12] },
            EngineCommand::StopPlayback { slot: agent },
            EngineCommand::StopTap { slot: e1[7] },
        ];
        if round.is_multiple_of(2) {
            list.extend(e1[0..9].iter().map(|s| EngineCommand::Isolate { slot: *s }));
            list.push(EngineCommand::StopTap { slot: agent });
        }
        list
    };
    for round in 0..200usize {
        let batch = match round % 20 {
            0 => setup(round / 20),
            10 => teardown(round / 20),
            _ => Vec::new(),
        };
        for command in batch {
            commands.send(command).unwrap();
        }
        // Streams: each written for 40 ticks then drained, stopped early every other
        // time; a new writer is claimed once the last one's playback ended.
        match round % 80 {
            0 => {
                if stream_writer.is_none() {
                    stream_writer = Some(rig.engine.stream_writer(supervisor).unwrap());
                }
                commands
                    .send(EngineCommand::PlayStream {
                        slot: supervisor,
                        id: PlaybackId(1000 + round as u32),
                    })
                    .unwrap();
            }
            30 if round % 160 == 30 => commands
                .send(EngineCommand::StopPlayback { slot: supervisor })
                .unwrap(),
            40 => {
                // The end is marked (dropping the writer): the ring drains, then done.
                stream_writer.take();
            }
            _ => {}
        }
        if let Some(writer) = stream_writer.as_mut() {
            while writer.space() > 0 && !writer.is_cancelled() {
                let frame: [i16; 160] = sine(850.0, 3000.0, stream_frames as usize * 160, 160)
                    .try_into()
                    .unwrap();
                writer.write(&frame);
                stream_frames += 1;
            }
        }
        rig.set_audio(0, 0, &sine(1100.0, 4000.0, round * 160, 160));
        rig.set_audio(1, 0, &sine(1900.0, 4000.0, round * 160, 160));
        rig.set_audio(2, 0, &sine(500.0, 4000.0, round * 160, 160));
        for (n, ts) in (1..32usize).filter(|ts| *ts != 16).enumerate() {
            let tone = 300.0 + 100.0 * n as f64;
            rig.set_audio(3, ts, &sine(tone, 3000.0, round * 160, 160));
        }
        counted_step(&mut rig);
        // The tap reader runs outside the counted tick, as the recorder thread would;
        // one reader lags to keep its ring full (drops counted in the tick).
        for reader in readers.iter_mut().skip(1) {
            while reader.read().is_some() {}
        }
        let _ = rig.engine.drain_events();
    }
    let stats = rig.engine.stats();
    assert!(stats.connects_refused >= 10, "{stats:?}");
    assert!(
        stats.tap_frames_dropped > 0,
        "a full tap ring was exercised"
    );
    assert_eq!(readers[0].dropped(), stats.tap_frames_dropped);
    assert!(
        stream_frames > 100,
        "streams were played: {stream_frames} frames"
    );
    assert_eq!(allocations(), 0, "allocations made inside ticks");
}

/// One lock-step exchange with the far ends plugged in, only the tick counted.
fn counted_step(rig: &mut Harness) {
    for (far, block) in rig.far.iter_mut().zip(&rig.outgoing) {
        far.send_block(block).unwrap();
    }
    assert!(rig.engine.wait_blocks(std::time::Duration::from_secs(5)));
    counted(|| rig.engine.tick());
    for (far, block) in rig.far.iter_mut().zip(rig.incoming.iter_mut()) {
        far.recv_block(block, std::time::Duration::from_secs(5))
            .unwrap();
    }
}

#[test]
fn a_span_far_end_leaving_and_coming_back_costs_the_tick_no_allocation() {
    use soft_hardware::{ClockMode, DeviceKind, FarEnd};
    let mut rig = Harness::new(PromptStore::default());
    let span = 3; // E1 span 4, last, so the analog far ends step on without it
                  // Frames half sent both ways when the cable is pulled: the resets have work to do.
    let mut long = isdn::hdlc::Frame::new();
    while long.push(0x55).is_ok() {}
    rig.engine
        .commands()
        .send(EngineCommand::SendDChannelFrame {
            device: 4,
            frame: long.clone(),
        })
        .unwrap();
    let mut far_hdlc = isdn::hdlc::HdlcTx::new();
    far_hdlc.push_frame(&long).unwrap();
    far_hdlc.fill(&mut rig.outgoing[span].channels[16].audio);
    counted_step(&mut rig);
    let _ = rig.engine.drain_events();

    drop(rig.far.remove(span));
    let mut links = Vec::new();
    for _ in 0..50 {
        counted_step(&mut rig);
        links.extend(
            rig.engine
                .drain_events()
                .into_iter()
                .filter_map(|e| match e {
                    media_engine::EngineEvent::DeviceLink {
                        device: 4,
                        connected,
                        ..
                    } => Some(connected),
                    _ => None,
                }),
        );
        if !links.is_empty() {
            break;
        }
    }
    assert_eq!(
        links,
        vec![false],
        "the engine saw the span's far end leave"
    );

    let path = soft_hardware::socket_path(rig.device_dir(), DeviceKind::E1, 4);
    let connecting = std::thread::spawn(move || {
        FarEnd::connect(
            &path,
            Some(DeviceKind::E1),
            Some(ClockMode::LockStep),
            std::time::Duration::from_secs(5),
        )
    });
    while !connecting.is_finished() {
        rig.engine.pump();
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    rig.far.push(connecting.join().unwrap().unwrap().0);
    for _ in 0..3 {
        counted_step(&mut rig);
    }
    let came_back = rig.engine.drain_events().into_iter().any(|e| {
        matches!(
            e,
            media_engine::EngineEvent::DeviceLink {
                device: 4,
                connected: true,
                ..
            }
        )
    });
    assert!(came_back, "the engine saw the new far end");
    let stats = rig.engine.stats();
    assert_eq!(stats.devices[span].counters.connects, 2, "{stats:?}");
    assert_eq!(allocations(), 0, "allocations made inside ticks");
}

/// Issue #10: a busy IVR hour on a full box. Eight E1 spans (240 B-channels, as in
/// `benches/tick.rs`): half the channels play say-number style prompt sequences back to back
/// (each restarted when its `PlaybackDone` comes back; barge-in on some, with callers keying
/// digits over a few), the other half hear one shared looping music source, and a sixth of
/// them switch between the two every 3 s. 11 s of ticks are counted after a 1 s warm-up;
/// every far end must hear audio, and the music listeners the same audio.
#[test]
fn sequences_and_music_on_hold_on_240_channels_do_not_allocate() {
    use dsp::g711::alaw_decode;
    use media_engine::{EngineEvent, PromptId, Slot};
    use soft_hardware::DeviceKind;

    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(std::io::sink)
        .try_init();
    const SPANS: u16 = 8;
    const WARM_UP: usize = 50;
    const MEASURED: usize = 550;
    const SWITCH_EVERY: usize = 150;
    const KEY_EVERY: usize = 50;

    let mut prompts = PromptStore::default();
    // Say-number fragments: a tone each, lengths that are not whole frames, so fragments
    // meet inside a frame and the sequences end on different ticks.
    let fragments: Vec<PromptId> = [
        (500.0, 2_470),
        (700.0, 3_130),
        (900.0, 1_990),
        (1100.0, 4_050),
        (1300.0, 2_810),
    ]
    .iter()
    .enumerate()
    .map(|(n, (hz, len))| prompts.add(&format!("fragment-{n}"), sine(*hz, 4000.0, 0, *len)))
    .collect();
    // 30 s of a two-tone "tune": longer than a frame, not a multiple of one.
    let music: Vec<i16> = sine(440.0, 3000.0, 0, 8000 * 30 + 77)
        .iter()
        .zip(sine(660.0, 2000.0, 0, 8000 * 30 + 77))
        .map(|(a, b)| a + b)
        .collect();
    let music = prompts.add("moh", music);

    let devices: Vec<media_engine::DeviceSpec> = (1..=SPANS)
        .map(|id| media_engine::DeviceSpec {
            id,
            kind: DeviceKind::E1,
        })
        .collect();
    let mut rig = Harness::with_devices(prompts, &devices);
    // Channel n: span n / 30, its (n % 30)th B-channel.
    let channels: Vec<(usize, usize, Slot)> = (1..=SPANS)
        .flat_map(|span| (1..32u16).filter(|ts| *ts != 16).map(move |ts| (span, ts)))
        .map(|(span, ts)| (span as usize - 1, ts as usize, rig_slot(&rig, span, ts)))
        .collect();
    assert_eq!(channels.len(), 240);
    let index_of = |slot: Slot| channels.iter().position(|c| c.2 == slot).expect("ours");
    let sequence_for = |n: usize| -> heapless::Vec<PromptId, { media_engine::MAX_SEQUENCE }> {
        (0..3 + n % 3)
            .map(|k| fragments[(n + 2 * k) % fragments.len()])
            .collect()
    };
    let barge_in = |n: usize| n.is_multiple_of(4);
    let switches = |n: usize| matches!(n % 12, 5 | 6);
    // Callers keying a digit every second: five over barge-in sequences, one over a
    // sequence without barge-in (which must play on).
    let keyed = [0usize, 8, 16, 24, 32, 2];
    assert!(keyed.iter().all(|n| !switches(*n)));

    #[derive(Clone, Copy, PartialEq, Debug)]
    enum Mode {
        Sequence,
        Music,
    }
    let mut mode: Vec<Mode> = (0..240usize)
        .map(|n| {
            if n.is_multiple_of(2) {
                Mode::Sequence
            } else {
                Mode::Music
            }
        })
        .collect();
    let mut current = vec![PlaybackId(0); 240];
    let mut next_id = 1u32;
    let commands = rig.engine.commands();
    let mut start = |n: usize, mode: Mode, current: &mut [PlaybackId]| {
        let id = PlaybackId(next_id);
        next_id += 1;
        current[n] = id;
        let slot = channels[n].2;
        let command = match mode {
            Mode::Sequence => EngineCommand::PlaySequence {
                slot,
                prompts: sequence_for(n),
                id,
                barge_in: barge_in(n),
            },
            Mode::Music => EngineCommand::PlayMusic { slot, music, id },
        };
        commands.send(command).unwrap();
    };
    for (n, mode) in mode.iter().enumerate() {
        start(n, *mode, &mut current);
    }

    let mut dtmf: Vec<_> = keyed
        .iter()
        .map(|_| dsp::dtmf::DtmfGenerator::new(Default::default()).unwrap())
        .collect();
    let (mut done, mut stopped, mut digits) = (vec![0u32; 240], vec![0u32; 240], vec![0u32; 240]);
    let mut heard = vec![0usize; 240];
    let mut switched = 0;
    let mut music_frames_compared = 0usize;
    let mut warm_up_allocations = 0;
    for round in 0..WARM_UP + MEASURED {
        let measuring = round >= WARM_UP;
        if round == WARM_UP {
            warm_up_allocations = allocations();
        }
        // Far-end input and new commands are prepared outside the counted region.
        if measuring && (round - WARM_UP) % SWITCH_EVERY == SWITCH_EVERY - 1 {
            for n in (0..240).filter(|n| switches(*n)) {
                mode[n] = match mode[n] {
                    Mode::Sequence => Mode::Music,
                    Mode::Music => Mode::Sequence,
                };
                start(n, mode[n], &mut current);
                switched += 1;
            }
        }
        for (k, n) in keyed.iter().enumerate() {
            if measuring && (round - WARM_UP) % KEY_EVERY == 10 {
                dtmf[k].push_digits("5").unwrap();
            }
            let mut frame = [0i16; 160];
            dtmf[k].fill(&mut frame);
            let (span, ts, _) = channels[*n];
            rig.set_audio(span, ts, &frame);
        }
        for (far, block) in rig.far.iter_mut().zip(&rig.outgoing) {
            far.send_block(block).unwrap();
        }
        assert!(counted(|| rig
            .engine
            .wait_blocks(std::time::Duration::from_secs(5))));
        counted(|| rig.engine.tick());
        for (far, block) in rig.far.iter_mut().zip(rig.incoming.iter_mut()) {
            far.recv_block(block, std::time::Duration::from_secs(5))
                .unwrap();
        }
        if measuring {
            // What every far end heard this tick: something, and on music the one source.
            let mut music_frame: Option<&[u8; 160]> = None;
            for (n, (span, ts, _)) in channels.iter().enumerate() {
                let audio = &rig.incoming[*span].channels[*ts].audio;
                if audio.iter().any(|o| alaw_decode(*o).abs() > 500) {
                    heard[n] += 1;
                }
                if mode[n] == Mode::Music {
                    match music_frame {
                        None => music_frame = Some(audio),
                        Some(first) => {
                            assert_eq!(
                                first, audio,
                                "channel {n} on music hears the shared source"
                            );
                            music_frames_compared += 1;
                        }
                    }
                }
            }
        }
        // Events are drained (and their tokens dropped) outside the counted region; a
        // sequence that ends or is barged into starts again.
        for event in rig.engine.drain_events() {
            match event {
                EngineEvent::PlaybackDone { slot, id, .. } => {
                    let n = index_of(slot);
                    if id == current[n] {
                        assert_eq!(mode[n], Mode::Sequence, "music never runs out");
                        if measuring {
                            done[n] += 1;
                        }
                        start(n, Mode::Sequence, &mut current);
                    }
                }
                EngineEvent::PlaybackStopped { slot, id, .. } => {
                    let n = index_of(slot);
                    // Replaced by a switch: `current` already names the newer one.
                    if id == current[n] {
                        assert!(barge_in(n) && keyed.contains(&n), "channel {n} stopped");
                        stopped[n] += 1;
                        start(n, Mode::Sequence, &mut current);
                    }
                }
                EngineEvent::Digit { slot, digit, .. } => {
                    let n = index_of(slot);
                    assert!(keyed.contains(&n) && digit == '5', "digit {digit} on {n}");
                    digits[n] += 1;
                }
                _ => {}
            }
        }
    }
    let measured_allocations = allocations() - warm_up_allocations;

    let stats = rig.engine.stats();
    assert_eq!(stats.events_dropped, 0, "{stats:?}");
    assert_eq!(switched, 40 * (MEASURED / SWITCH_EVERY));
    assert!(
        music_frames_compared > 100 * MEASURED,
        "{music_frames_compared}"
    );
    let quiet: Vec<(usize, usize)> = heard
        .iter()
        .enumerate()
        .filter(|(_, frames)| **frames < MEASURED * 9 / 10)
        .map(|(n, frames)| (n, *frames))
        .collect();
    assert!(
        quiet.is_empty(),
        "(channel, frames heard of {MEASURED}) with silence on more than a tenth: {quiet:?}"
    );
    for (n, done) in done.iter().enumerate() {
        let done = *done;
        let sequences = n.is_multiple_of(2) || switches(n);
        let expected_done = if switches(n) {
            1
        } else if barge_in(n) && keyed.contains(&n) {
            0
        } else if n.is_multiple_of(2) {
            // Sequences are at most 1.8 s long: 11 s plays at least 6 to the end.
            6
        } else {
            0
        };
        assert!(
            done >= expected_done,
            "channel {n}: {done} sequences done, expected {expected_done}"
        );
        if !sequences {
            assert_eq!(done, 0, "channel {n} only hears music");
        }
    }
    let digits_keyed = (MEASURED / KEY_EVERY) as u32;
    for n in keyed {
        assert_eq!(digits[n], digits_keyed, "channel {n} digits");
        if barge_in(n) {
            assert!(
                stopped[n] >= digits_keyed - 1,
                "channel {n}: barge-in stopped {} sequences",
                stopped[n]
            );
        } else {
            assert_eq!(stopped[n], 0, "channel {n} has no barge-in");
        }
    }
    assert_eq!(
        (measured_allocations, warm_up_allocations),
        (0, 0),
        "(measured, warm-up) allocations made inside ticks"
    );
}

fn rig_slot(rig: &Harness, device: u16, channel: u16) -> media_engine::Slot {
    rig.engine.slot(ChannelId { device, channel }).unwrap()
}
