//! Driving the engine by hand, one tick at a time, on the caller's thread: for tests that
//! must observe the tick itself (allocation counting) and for benchmarks.

use crate::engine::Engine;
use crate::handle::{build, EngineError, EngineSetup, StreamRings, TapRings};
use crate::messages::{EngineEvent, Slot};
use crate::queues::CommandSender;
use crate::stats::EngineStatsSnapshot;
use crate::stream::{StreamError, StreamWriter};
use crate::tap::{TapError, TapReader};
use line_boundary::ChannelId;
use std::time::Duration;

pub struct ManualEngine {
    engine: Engine,
    commands: CommandSender,
    slots: std::sync::Arc<std::collections::BTreeMap<ChannelId, Slot>>,
    taps: TapRings,
    streams: StreamRings,
    swapper: crate::PromptSwapper,
}

impl ManualEngine {
    pub fn new(setup: EngineSetup<'_>) -> Result<ManualEngine, EngineError> {
        let (engine, parts) = build(setup)?;
        let commands = CommandSender {
            queue: parts.commands,
            stats: std::sync::Arc::clone(&parts.stats),
        };
        let swapper = crate::PromptSwapper::new(commands.clone(), parts.stats, parts.prompts);
        Ok(ManualEngine {
            engine,
            commands,
            slots: parts.slots,
            taps: parts.taps,
            streams: parts.streams,
            swapper,
        })
    }

    /// Replaces the prompt store while the engine runs, as `EngineHandle::prompt_swapper`.
    pub fn prompt_swapper(&self) -> crate::PromptSwapper {
        self.swapper.clone()
    }

    pub fn commands(&self) -> CommandSender {
        self.commands.clone()
    }

    pub fn slot(&self, channel: ChannelId) -> Option<Slot> {
        self.slots.get(&channel).copied()
    }

    /// The reader of this channel's tap ring (see `EngineHandle::tap_reader`).
    pub fn tap_reader(&self, slot: Slot) -> Result<TapReader, TapError> {
        self.taps.reader(slot)
    }

    /// The writer of this channel's stream ring (see `EngineHandle::stream_writer`).
    pub fn stream_writer(&self, slot: Slot) -> Result<StreamWriter, StreamError> {
        self.streams.writer(slot)
    }

    /// Sets every device's HELLO timeout (the engine checks it on the wall clock).
    pub fn set_hello_timeout(&mut self, timeout: Duration) {
        for device in &mut self.engine.devices {
            device.soft.set_hello_timeout(timeout);
        }
    }

    /// Accepts far ends (dropping those silent past the HELLO timeout) and reads what
    /// they sent, without ticking.
    pub fn pump(&mut self) {
        self.engine.accept_far_ends();
        self.engine.receive_all();
    }

    /// Waits (in poll) until every connected far end has a block waiting; false on timeout.
    pub fn wait_blocks(&mut self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if self.engine.wait_lockstep_blocks() {
                return true;
            }
        }
        false
    }

    /// One tick: commands, input, detectors, output.
    pub fn tick(&mut self) {
        self.engine.tick();
    }

    pub fn now_ms(&self) -> u64 {
        self.engine.tick_index * line_boundary::FRAME_MS as u64
    }

    /// Takes every event the engine queued so far.
    pub fn drain_events(&mut self) -> Vec<EngineEvent> {
        let mut events = Vec::new();
        while let Some((event, _token)) = self.engine.events.pop() {
            events.push(event);
        }
        events
    }

    pub fn stats(&self) -> EngineStatsSnapshot {
        self.engine.stats.snapshot()
    }
}
