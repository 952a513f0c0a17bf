//! Starting the engine: bind the soft devices, spawn the engine thread and the event
//! dispatcher, hand back a handle for commands, status and shutdown.

use crate::engine::{DChannel, Device, Engine};
use crate::messages::{EngineEvent, Slot};
use crate::prompts::PromptStore;
use crate::queues::{
    command_queue, event_queue, CommandQueue, CommandSender, Doorbell, EventQueue,
};
use crate::stats::{EngineStats, EngineStatsSnapshot};
use crate::stream::{StreamError, StreamRing, StreamWriter};
use crate::tap::{TapError, TapReader, TapRing};
use crate::watchdog;
use crate::work::{WorkGauge, WorkToken};
use dsp::tone_plan::TonePlan;
use line_boundary::ChannelId;
use soft_hardware::{Block, ClockMode, DeviceKind, SoftDevice};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("cannot create soft {kind:?} device {id} in {dir}")]
    Bind {
        kind: DeviceKind,
        id: u16,
        dir: PathBuf,
        #[source]
        source: soft_hardware::SoftHwError,
    },
    #[error("cannot create the engine's event doorbell")]
    Doorbell(#[source] nix::Error),
    #[error("cannot start the {0} thread")]
    Thread(&'static str, #[source] std::io::Error),
}

/// A span or port the engine serves.
#[derive(Debug, Clone, Copy)]
pub struct DeviceSpec {
    pub id: u16,
    pub kind: DeviceKind,
}

pub struct EngineSetup<'a> {
    pub devices: &'a [DeviceSpec],
    pub device_dir: &'a Path,
    pub clock: ClockMode,
    pub plan: TonePlan,
    pub prompts: PromptStore,
    pub gauge: Arc<WorkGauge>,
}

/// Where engine events go: called on the dispatcher thread, one event at a time.
pub type EventSink = Box<dyn FnMut(EngineEvent, WorkToken) + Send>;

#[derive(Clone)]
pub struct StatsSource(Arc<EngineStats>);

impl StatsSource {
    pub fn snapshot(&self) -> EngineStatsSnapshot {
        self.0.snapshot()
    }
}

pub struct EngineHandle {
    commands: CommandSender,
    stats: Arc<EngineStats>,
    slots: Arc<BTreeMap<ChannelId, Slot>>,
    taps: TapRings,
    streams: StreamRings,
    prompts: Arc<PromptStore>,
    swapper: crate::PromptSwapper,
    stop: Arc<AtomicBool>,
    engine_thread: Option<JoinHandle<()>>,
    dispatcher_thread: Option<JoinHandle<()>>,
    watchdog_thread: Option<JoinHandle<()>>,
}

/// Clears its flag when the thread that holds it ends, by return or by panic.
struct AliveGuard(Arc<AtomicBool>);

impl Drop for AliveGuard {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// Every channel's tap ring, in slot order: where readers are had (the recorder holds a
/// clone).
#[derive(Clone)]
pub struct TapRings(Arc<[Arc<TapRing>]>);

impl TapRings {
    /// The reader of `slot`'s ring; one at a time per ring.
    pub fn reader(&self, slot: Slot) -> Result<TapReader, TapError> {
        let ring = self
            .0
            .get(slot.0 as usize)
            .ok_or(TapError::NoSuchSlot(slot))?;
        TapReader::claim(slot, ring)
    }
}

/// Every channel's stream ring, in slot order: where writers are had (the recorder holds
/// a clone to play stored messages).
#[derive(Clone)]
pub struct StreamRings(Arc<[Arc<StreamRing>]>);

impl StreamRings {
    /// The writer of `slot`'s ring; one at a time per ring, and not while the channel
    /// still plays the previous stream.
    pub fn writer(&self, slot: Slot) -> Result<StreamWriter, StreamError> {
        let ring = self
            .0
            .get(slot.0 as usize)
            .ok_or(StreamError::NoSuchSlot(slot))?;
        StreamWriter::claim(slot, ring)
    }
}

/// The shared ends of an engine that is built but not yet running.
pub(crate) struct EngineParts {
    pub commands: Arc<CommandQueue>,
    pub events: Arc<EventQueue>,
    pub doorbell: Arc<Doorbell>,
    pub stats: Arc<EngineStats>,
    pub slots: Arc<BTreeMap<ChannelId, Slot>>,
    pub taps: TapRings,
    pub streams: StreamRings,
    pub prompts: Arc<PromptStore>,
    pub stop: Arc<AtomicBool>,
}

/// Binds the devices and builds the engine and its queues, without starting a thread.
pub(crate) fn build(setup: EngineSetup<'_>) -> Result<(Engine, EngineParts), EngineError> {
    let mut devices = Vec::with_capacity(setup.devices.len());
    for spec in setup.devices {
        let soft = SoftDevice::bind(setup.device_dir, spec.kind, spec.id, setup.clock).map_err(
            |source| EngineError::Bind {
                kind: spec.kind,
                id: spec.id,
                dir: setup.device_dir.to_owned(),
                source,
            },
        )?;
        let channels = spec.kind.channels();
        devices.push(Device {
            soft,
            rx: Block::idle(channels),
            tx: Block::idle(channels),
            first_slot: 0,
            connected: false,
            conditions: 0,
            // Every E1 carries an HDLC D-channel on timeslot 16; a CAS span's stays idle.
            dchannel: (spec.kind == DeviceKind::E1).then(DChannel::new),
            wake_at: None,
            rx_fresh: false,
            connects: 0,
        });
    }
    let ids: Vec<u16> = setup.devices.iter().map(|d| d.id).collect();
    let kinds: Vec<DeviceKind> = setup.devices.iter().map(|d| d.kind).collect();
    let channels = Engine::new_channels(&mut devices, &ids, &kinds, &setup.plan);
    let slots: BTreeMap<ChannelId, Slot> = channels
        .iter()
        .enumerate()
        .map(|(index, c)| (c.id, Slot(index as u16)))
        .collect();
    let taps = TapRings(channels.iter().map(|c| Arc::clone(&c.tap_ring)).collect());
    let streams = StreamRings(
        channels
            .iter()
            .map(|c| Arc::clone(&c.stream_ring))
            .collect(),
    );
    let parts = EngineParts {
        commands: Arc::new(command_queue()),
        events: Arc::new(event_queue()),
        doorbell: Arc::new(Doorbell::new().map_err(EngineError::Doorbell)?),
        stats: Arc::new(EngineStats::new(setup.devices.iter().map(|d| d.id))),
        slots: Arc::new(slots),
        taps,
        streams,
        prompts: Arc::new(setup.prompts),
        stop: Arc::new(AtomicBool::new(false)),
    };
    let engine = Engine {
        devices,
        channels,
        commands: Arc::clone(&parts.commands),
        events: Arc::clone(&parts.events),
        doorbell: Arc::clone(&parts.doorbell),
        gauge: setup.gauge,
        stats: Arc::clone(&parts.stats),
        prompts: Arc::clone(&parts.prompts),
        plan: setup.plan,
        clock: setup.clock,
        stop: Arc::clone(&parts.stop),
        tick_index: 0,
        events_waiting: std::cell::Cell::new(false),
        bus: dsp::mix::MixBus::new(),
    };
    Ok((engine, parts))
}

impl EngineHandle {
    pub fn start(setup: EngineSetup<'_>, mut sink: EventSink) -> Result<EngineHandle, EngineError> {
        let (engine, parts) = build(setup)?;
        let EngineParts {
            commands,
            events,
            doorbell,
            stats,
            slots,
            taps,
            streams,
            prompts,
            stop,
        } = parts;
        let real_time = engine.clock == ClockMode::RealTime;
        let engine_alive = Arc::new(AtomicBool::new(true));
        let guard = AliveGuard(Arc::clone(&engine_alive));
        let engine_thread = std::thread::Builder::new()
            .name("media-engine".into())
            .spawn(move || {
                let _alive = guard;
                engine.run()
            })
            .map_err(|e| EngineError::Thread("media engine", e))?;
        let dispatcher_alive = Arc::new(AtomicBool::new(true));
        let guard = AliveGuard(Arc::clone(&dispatcher_alive));
        let dispatch_stats = Arc::clone(&stats);
        let dispatch_events = Arc::clone(&events);
        let dispatcher_thread = std::thread::Builder::new()
            .name("engine-events".into())
            .spawn(move || {
                let _alive = guard;
                while doorbell.wait() {
                    while let Some((event, token)) = dispatch_events.pop() {
                        sink(event, token);
                        dispatch_stats
                            .events_dispatched
                            .fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
            .map_err(|e| EngineError::Thread("engine event dispatcher", e))?;
        let watched = Watched {
            stats: Arc::clone(&stats),
            events,
            stop: Arc::clone(&stop),
            engine_alive,
            dispatcher_alive,
            real_time,
        };
        let watchdog_thread = std::thread::Builder::new()
            .name("engine-watchdog".into())
            .spawn(move || watched.run())
            .map_err(|e| EngineError::Thread("engine watchdog", e))?;
        let commands = CommandSender {
            queue: commands,
            stats: Arc::clone(&stats),
        };
        let swapper =
            crate::PromptSwapper::new(commands.clone(), Arc::clone(&stats), Arc::clone(&prompts));
        Ok(EngineHandle {
            commands,
            stats,
            slots,
            taps,
            streams,
            prompts,
            swapper,
            stop,
            engine_thread: Some(engine_thread),
            dispatcher_thread: Some(dispatcher_thread),
            watchdog_thread: Some(watchdog_thread),
        })
    }

    pub fn commands(&self) -> CommandSender {
        self.commands.clone()
    }

    pub fn slot(&self, channel: ChannelId) -> Option<Slot> {
        self.slots.get(&channel).copied()
    }

    /// Every channel the engine serves, in slot order.
    pub fn channels(&self) -> Arc<BTreeMap<ChannelId, Slot>> {
        Arc::clone(&self.slots)
    }

    /// The reader of this channel's tap ring (one at a time per channel): frames arrive
    /// while a `StartTap` runs on the channel. Poll it from any thread; it never blocks.
    pub fn tap_reader(&self, slot: Slot) -> Result<TapReader, TapError> {
        self.taps.reader(slot)
    }

    /// Every channel's tap ring, for a consumer on another thread (the recorder).
    pub fn tap_rings(&self) -> TapRings {
        self.taps.clone()
    }

    /// The writer of this channel's stream ring (one at a time per channel): what it
    /// writes plays while a `PlayStream` runs on the channel. Write from any thread; it
    /// never blocks.
    pub fn stream_writer(&self, slot: Slot) -> Result<StreamWriter, StreamError> {
        self.streams.writer(slot)
    }

    /// Every channel's stream ring, for a producer on another thread (the message
    /// player).
    pub fn stream_rings(&self) -> StreamRings {
        self.streams.clone()
    }

    /// The store the engine started with (after a live swap, ask the swapper).
    pub fn prompts(&self) -> Arc<PromptStore> {
        Arc::clone(&self.prompts)
    }

    /// Replaces the engine's prompt store while it runs (one swapper per engine: every
    /// clone shares its state).
    pub fn prompt_swapper(&self) -> crate::PromptSwapper {
        self.swapper.clone()
    }

    pub fn stats(&self) -> EngineStatsSnapshot {
        self.stats.snapshot()
    }

    /// A read-only view of the engine's figures that outlives no one (for the web port).
    pub fn stats_source(&self) -> StatsSource {
        StatsSource(Arc::clone(&self.stats))
    }

    /// Stops the engine and the dispatcher and waits for both threads.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.engine_thread.take() {
            let _ = thread.join();
        }
        if let Some(thread) = self.dispatcher_thread.take() {
            let _ = thread.join();
        }
        if let Some(thread) = self.watchdog_thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the watchdog thread samples.
struct Watched {
    stats: Arc<EngineStats>,
    events: Arc<EventQueue>,
    stop: Arc<AtomicBool>,
    engine_alive: Arc<AtomicBool>,
    dispatcher_alive: Arc<AtomicBool>,
    real_time: bool,
}

impl Watched {
    fn run(self) {
        let started = std::time::Instant::now();
        let mut dog = watchdog::Watchdog::default();
        loop {
            std::thread::sleep(std::time::Duration::from_millis(watchdog::SAMPLE_MS));
            if self.stop.load(Ordering::Acquire) {
                return;
            }
            let sample = watchdog::Sample {
                now_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                engine_alive: self.engine_alive.load(Ordering::Acquire),
                engine_time_ms: self.stats.engine_time_ms.load(Ordering::Relaxed),
                real_time: self.real_time,
                dispatcher_alive: self.dispatcher_alive.load(Ordering::Acquire),
                dispatched: self.stats.events_dispatched.load(Ordering::Relaxed),
                events_waiting: self.events.len(),
            };
            watchdog::record(&self.stats.health, dog.observe(sample));
        }
    }
}

impl Drop for EngineHandle {
    fn drop(&mut self) {
        self.stop();
    }
}
