//! Proves the claim that a tick never allocates: a counting allocator counts allocations
//! made on this thread while it ticks a busy engine (tones, bridges, DTMF, caller ID,
//! prompts, detectors on every channel, far ends on real sockets).

mod common;

use common::{sine, Harness};
use line_boundary::{ChannelId, Tone};
use media_engine::{EngineCommand, PromptStore};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

struct CountingAllocator;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(|c| c.get()) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
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
            },
            1 => EngineCommand::PlayPrompt { slot: *ts, prompt },
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
                .send(EngineCommand::SendDtmf { slot: fxs2, digits })
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
        if round % 50 == 30 {
            commands
                .send(EngineCommand::PlayTone {
                    slot: fxs2,
                    tone: Tone::Busy,
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
        assert!(rig.engine.wait_blocks(std::time::Duration::from_secs(5)));
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
    assert_eq!(
        ALLOCATIONS.load(Ordering::Relaxed),
        0,
        "allocations made inside ticks"
    );
    // The counter itself works: an allocation inside the region is seen.
    counted(|| drop(std::hint::black_box(vec![1u8; 64])));
    assert_eq!(ALLOCATIONS.load(Ordering::Relaxed), 1);
}

fn rig_slot(rig: &Harness, device: u16, channel: u16) -> media_engine::Slot {
    rig.engine.slot(ChannelId { device, channel }).unwrap()
}
