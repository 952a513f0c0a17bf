//! Proves the claim that a tick never allocates: a counting allocator counts allocations
//! made on this thread while it ticks a busy engine (tones, bridges, DTMF, caller ID,
//! prompts, detectors on every channel, far ends on real sockets; mixing modes, a
//! conference, taps, and their teardown).

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

fn rig_slot(rig: &Harness, device: u16, channel: u16) -> media_engine::Slot {
    rig.engine.slot(ChannelId { device, channel }).unwrap()
}
