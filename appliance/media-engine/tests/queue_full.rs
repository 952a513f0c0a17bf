//! Full queues: the engine drops and counts an event it cannot queue and goes on ticking;
//! a sender gets `QueueFull` back at once. Never a hang: every fill runs under a time limit.

mod common;

use common::{within, Harness};
use line_boundary::ChannelId;
use media_engine::{
    EngineCommand, EngineEvent, PlaybackId, PromptId, PromptStore, COMMAND_CAPACITY,
};
use media_engine::{Slot, EVENT_CAPACITY};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(20);

fn fxs1(rig: &Harness) -> Slot {
    rig.engine
        .slot(ChannelId {
            device: 1,
            channel: 1,
        })
        .expect("fxs1 has a slot")
}

#[test]
fn a_full_command_queue_refuses_at_once_and_takes_commands_again_after_a_tick() {
    within(LIMIT, "command queue fill", || {
        let mut rig = Harness::new(PromptStore::default());
        let slot = fxs1(&rig);
        let commands = rig.engine.commands();
        let wake = EngineCommand::WakeAt { slot, at_ms: None };
        for n in 0..COMMAND_CAPACITY {
            if let Err(full) = commands.send(wake.clone()) {
                panic!("command {n} of {COMMAND_CAPACITY} refused: {full}");
            }
        }
        let asked = Instant::now();
        let full = commands
            .send(wake.clone())
            .expect_err("one past capacity is refused");
        assert!(
            asked.elapsed() < Duration::from_millis(100),
            "refused at once, not after {:?}",
            asked.elapsed()
        );
        assert_eq!(full.command, "wake-at");
        assert_eq!(rig.engine.stats().commands_refused, 1);
        // A tick applies up to 256 commands: room again.
        rig.step();
        commands.send(wake).expect("the engine drained some");
        assert_eq!(rig.engine.stats().commands_refused, 1);
    });
}

#[test]
fn a_full_event_queue_drops_and_counts_and_the_engine_keeps_ticking() {
    within(LIMIT, "event queue fill", || {
        let mut rig = Harness::new(PromptStore::default());
        let slot = fxs1(&rig);
        let commands = rig.engine.commands();
        // An unknown prompt ends at once: one `PlaybackDone` per command, 256 a tick.
        let burst = |commands: &media_engine::CommandSender| {
            for _ in 0..256 {
                commands
                    .send(EngineCommand::PlayPrompt {
                        slot,
                        prompt: PromptId(999),
                        id: PlaybackId(1),
                    })
                    .expect("room for the burst");
            }
        };
        let ticks_before = rig.engine.stats().ticks;
        for _ in 0..6 {
            burst(&commands);
            rig.step();
        }
        let stats = rig.engine.stats();
        assert_eq!(stats.ticks, ticks_before + 6, "every tick ran");
        assert!(
            stats.events_dropped >= 6 * 256 - EVENT_CAPACITY as u64,
            "drops counted: {stats:?}"
        );
        // The queue held exactly its capacity; what did not fit was dropped, not blocked on.
        let queued = rig.engine.drain_events();
        assert_eq!(queued.len(), EVENT_CAPACITY);
        // Drained, events flow again.
        commands
            .send(EngineCommand::WakeAt {
                slot,
                at_ms: Some(rig.engine.now_ms()),
            })
            .expect("room");
        rig.step();
        let after = rig.engine.drain_events();
        assert!(
            after
                .iter()
                .any(|e| matches!(e, EngineEvent::Wake { slot: s, .. } if *s == slot)),
            "events delivered again: {after:?}"
        );
        assert_eq!(
            rig.engine.stats().events_dropped,
            stats.events_dropped,
            "nothing dropped once drained"
        );
    });
}
