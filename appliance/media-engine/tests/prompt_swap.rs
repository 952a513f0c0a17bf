//! A prompt store replaced while the engine runs (a configuration applied live): the
//! tick that takes the new store neither allocates nor frees (the swapper keeps the old
//! one and frees it on its own thread later), a prompt already playing plays on
//! unchanged, and the new store's prompts play.

mod common;

use common::{sine, Harness};
use line_boundary::ChannelId;
use media_engine::{EngineCommand, EngineEvent, PlaybackId, PromptStore};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;

struct CountingAllocator;

// Per thread: only the ticking thread's allocations and frees are counted.
thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static FREES: Cell<u64> = const { Cell::new(0) };
}

fn counting() -> bool {
    COUNTING.with(|c| c.get())
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counting() {
            ALLOCATIONS.with(|a| a.set(a.get() + 1));
        }
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if counting() {
            FREES.with(|f| f.set(f.get() + 1));
        }
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if counting() {
            ALLOCATIONS.with(|a| a.set(a.get() + 1));
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Steps the rig `ticks` times, the engine's part counted; the events it gave.
fn step_counted(rig: &mut Harness, ticks: usize) -> Vec<EngineEvent> {
    let mut events = Vec::new();
    for _ in 0..ticks {
        for (far, block) in rig.far.iter_mut().zip(&rig.outgoing) {
            far.send_block(block).expect("far end sends");
        }
        assert!(rig.engine.wait_blocks(std::time::Duration::from_secs(5)));
        COUNTING.with(|c| c.set(true));
        rig.engine.tick();
        COUNTING.with(|c| c.set(false));
        for (far, block) in rig.far.iter_mut().zip(rig.incoming.iter_mut()) {
            far.recv_block(block, std::time::Duration::from_secs(5))
                .expect("far end receives");
        }
        events.extend(rig.engine.drain_events());
    }
    events
}

fn done_at(events: &[EngineEvent], id: PlaybackId) -> Option<u64> {
    events.iter().find_map(|event| match event {
        EngineEvent::PlaybackDone {
            id: done, at_ms, ..
        } if *done == id => Some(*at_ms),
        _ => None,
    })
}

#[test]
fn a_store_swapped_live_plays_new_prompts_and_the_tick_neither_allocates_nor_frees() {
    // "welcome" 1 s at 500 Hz, then changed to 0.4 s at 1000 Hz; "menu" new, 0.6 s.
    let mut first = PromptStore::default();
    let welcome = first.add("welcome", sine(500.0, 5000.0, 0, 8000));
    let mut rig = Harness::new(first.clone());
    let phone = rig
        .engine
        .slot(ChannelId {
            device: 1,
            channel: 1,
        })
        .expect("slot");
    let commands = rig.engine.commands();
    let swapper = rig.engine.prompt_swapper();
    commands
        .send(EngineCommand::PlayPrompt {
            slot: phone,
            prompt: welcome,
            id: PlaybackId(1),
        })
        .unwrap();
    let mut events = step_counted(&mut rig, 10);

    let mut fresh = PromptStore::default();
    fresh.add("welcome", sine(1000.0, 5000.0, 0, 3200));
    fresh.add("menu", sine(700.0, 5000.0, 0, 4800));
    let second = Arc::new(swapper.current().extended_by(&fresh));
    let (new_welcome, menu) = (
        second.find("welcome").unwrap(),
        second.find("menu").unwrap(),
    );
    assert_ne!(new_welcome, welcome);
    swapper.replace(Arc::clone(&second)).expect("queued");
    drop(second);
    assert_eq!(swapper.retired(), 1, "the old store is kept for the engine");
    commands
        .send(EngineCommand::PlayPrompt {
            slot: rig
                .engine
                .slot(ChannelId {
                    device: 2,
                    channel: 1,
                })
                .unwrap(),
            prompt: menu,
            id: PlaybackId(2),
        })
        .unwrap();
    events.extend(step_counted(&mut rig, 60));

    // The prompt that was playing ran its whole second (not the new 0.4 s version); the
    // new one its 0.6 s from the tick it was asked at. Done is told at the last frame's
    // tick.
    assert_eq!(
        done_at(&events, PlaybackId(1)),
        Some(1000 - 20),
        "{events:?}"
    );
    let menu_done = done_at(&events, PlaybackId(2)).expect("menu played");
    assert_eq!(menu_done, 200 + 600 - 20, "{events:?}");

    // A second swap frees the first store here, on this thread: the engine let it go.
    let third = Arc::new(swapper.current().extended_by(&PromptStore::default()));
    swapper.replace(third).expect("queued");
    assert_eq!(
        swapper.retired(),
        1,
        "only the store the engine may still hold"
    );
    step_counted(&mut rig, 5);

    assert_eq!(ALLOCATIONS.with(|a| a.get()), 0, "allocations inside ticks");
    assert_eq!(FREES.with(|f| f.get()), 0, "frees inside ticks");
}
