//! The tick: read every device's block, run detectors, mix, play, tap, send.

use crate::channel::{ActiveTap, Channel, Input, Playback, Playing};
use crate::messages::{CallerIdFormat, EngineCommand, EngineEvent, Gain, PlaybackId, Slot, TapId};
use crate::prompts::PromptStore;
use crate::queues::{CommandQueue, Doorbell, EventQueue};
use crate::stats::EngineStats;
use crate::tap::TapFrame;
use crate::work::WorkGauge;
use dsp::call_progress::CallProgressDetector;
use dsp::caller_id::{DtmfClipFormat, DtmfClipGenerator, FskCallerIdGenerator};
use dsp::dtmf::{DtmfGenerator, DtmfGeneratorConfig};
use dsp::g711::{alaw_decode, alaw_encode};
use dsp::mix::MixBus;
use dsp::tone::ToneGenerator;
use dsp::tone_plan::TonePlan;
use isdn::hdlc::{HdlcRx, HdlcTx};
use line_boundary::{ChannelId, FRAME_MS, FRAME_SAMPLES};
use soft_hardware::{Block, ClockMode, DeviceKind, LineConditions, SoftDevice};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Commands applied per tick at most, so a flood cannot stretch a tick.
const COMMANDS_PER_TICK: usize = 256;
const TICKS_PER_SECOND: u64 = 1000 / FRAME_MS as u64;
/// How long a lock-step tick waits for the control plane before it counts a timeout.
const QUIESCENCE_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) struct Device {
    pub soft: SoftDevice,
    pub rx: Block,
    pub tx: Block,
    pub first_slot: usize,
    pub connected: bool,
    pub conditions: u8,
    pub dchannel: Option<DChannel>,
    /// A `DeviceWake` is due at this engine time (the span's protocol timers).
    pub wake_at: Option<u64>,
    /// `rx` holds a block received this tick (not the previous one, kept on underrun).
    pub rx_fresh: bool,
    /// The device's connection count when links were last looked at: a change with
    /// `connected` unchanged is a new far end behind an unseen gap.
    pub connects: u64,
}

/// The D-channel of an E1: HDLC framing of timeslot 16, both directions.
pub(crate) struct DChannel {
    pub tx: HdlcTx,
    pub rx: HdlcRx,
    /// Timeslot 16 was being received (far end connected, no LOS or AIS) last tick.
    pub line_up: bool,
}

impl DChannel {
    pub(crate) fn new() -> DChannel {
        DChannel {
            tx: HdlcTx::new(),
            rx: HdlcRx::new(),
            line_up: false,
        }
    }

    /// A far end came or went: the bits of a half-received frame would make a bad frame
    /// with the next connection's. In place, no allocation.
    fn reset_rx(&mut self) {
        self.rx.reset();
        while self.rx.poll_frame().is_some() {}
    }

    /// The far end went away: what is queued or half sent was for it, not for the next
    /// one. (Frames queued by the time a far end connects are for that far end: they
    /// stay, even if pushed in the tick that sees it arrive.)
    fn reset_tx(&mut self) {
        self.tx = HdlcTx::new();
    }
}

/// Timeslot 16 of an E1 block: the D-channel.
const DCHANNEL_TIMESLOT: usize = 16;

pub(crate) struct Engine {
    pub devices: Vec<Device>,
    pub channels: Vec<Channel>,
    pub commands: Arc<CommandQueue>,
    pub events: Arc<EventQueue>,
    pub doorbell: Arc<Doorbell>,
    pub gauge: Arc<WorkGauge>,
    pub stats: Arc<EngineStats>,
    pub prompts: Arc<PromptStore>,
    pub plan: TonePlan,
    pub clock: ClockMode,
    pub stop: Arc<AtomicBool>,
    pub tick_index: u64,
    /// Events were queued since the dispatcher was last woken.
    pub events_waiting: std::cell::Cell<bool>,
    /// Scratch sum for mixing a channel's inputs (one, reused: no allocation per tick).
    pub bus: MixBus<FRAME_SAMPLES>,
}

/// Which timeslots of a device carry calls (and so get detectors and a slot).
pub(crate) fn voice_channels(kind: DeviceKind) -> impl Iterator<Item = usize> {
    let (range, skip) = match kind {
        DeviceKind::E1 => (1..32, Some(16)),
        DeviceKind::Fxo | DeviceKind::Fxs => (0..1, None),
    };
    range.filter(move |ts| Some(*ts) != skip)
}

impl Engine {
    pub(crate) fn new_channels(
        devices: &mut [Device],
        ids: &[u16],
        kinds: &[DeviceKind],
        plan: &TonePlan,
    ) -> Vec<Channel> {
        let mut channels = Vec::new();
        for (index, device) in devices.iter_mut().enumerate() {
            device.first_slot = channels.len();
            for record in voice_channels(kinds[index]) {
                // Analog ports are channel 1; E1 channels are named by timeslot.
                let channel = if kinds[index] == DeviceKind::E1 {
                    record as u16
                } else {
                    1
                };
                let mut new = Channel::new(
                    ChannelId {
                        device: ids[index],
                        channel,
                    },
                    index,
                    record,
                );
                // An analog trunk is supervised by ear too: busy or congestion after the
                // far end hung up is often the only disconnect signal a line gives.
                if kinds[index] == DeviceKind::Fxo {
                    new.progress = Some(Box::new(CallProgressDetector::new(plan)));
                }
                channels.push(new);
            }
        }
        channels
    }

    fn now_ms(&self) -> u64 {
        self.tick_index * FRAME_MS as u64
    }

    fn emit(&self, event: EngineEvent) {
        let token = self.gauge.token();
        // A full queue gives the event back (its token drops with it): count it and go on.
        if self.events.push((event, token)).is_err() {
            self.stats.events_dropped.fetch_add(1, Ordering::Relaxed);
        }
        self.events_waiting.set(true);
    }

    /// The engine thread's loop: clock, tick, repeat until stopped.
    pub(crate) fn run(mut self) {
        let mut realtime = match self.clock {
            ClockMode::RealTime => {
                match soft_hardware::RealTimeClock::new(Duration::from_millis(FRAME_MS as u64)) {
                    Ok(clock) => {
                        crate::priority::request_realtime(crate::priority::ENGINE_RT_PRIORITY);
                        Some(clock)
                    }
                    Err(error) => {
                        tracing::error!(%error, "media engine cannot start its 20 ms clock");
                        return;
                    }
                }
            }
            ClockMode::LockStep => None,
        };
        let started = Instant::now();
        while !self.stop.load(Ordering::Acquire) {
            self.accept_far_ends();
            match realtime.as_mut() {
                Some(clock) => match clock.wait_tick() {
                    Ok(expirations) => {
                        let expected = started
                            + Duration::from_millis((self.tick_index + 1) * FRAME_MS as u64);
                        let late = Instant::now().saturating_duration_since(expected);
                        self.stats.tick_lateness.record(late.as_micros() as u64);
                        if expirations > 1 {
                            self.stats
                                .missed_ticks
                                .fetch_add(expirations - 1, Ordering::Relaxed);
                            // Keep engine time on the wall clock: skip the ticks we missed.
                            self.tick_index += expirations - 1;
                        }
                        self.receive_all();
                    }
                    Err(error) => {
                        tracing::error!(%error, "media engine clock failed");
                        return;
                    }
                },
                None => {
                    if !self.wait_lockstep_blocks() {
                        continue;
                    }
                }
            }
            let began = Instant::now();
            self.tick();
            self.stats
                .tick_duration
                .record(began.elapsed().as_micros() as u64);
            if realtime.is_none() && !self.gauge.wait_quiet(QUIESCENCE_TIMEOUT) {
                self.stats
                    .quiescence_timeouts
                    .fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    pending = self.gauge.pending(),
                    at_ms = self.now_ms(),
                    "control plane still busy after a lock-step tick; going on"
                );
            }
            if realtime.is_none() {
                self.wait_taps_read(QUIESCENCE_TIMEOUT);
                self.wait_streams_written(QUIESCENCE_TIMEOUT);
            }
        }
        self.doorbell.close();
    }

    /// Lock-step: a tap's reader (the recorder, on its own thread) keeps up however fast
    /// the rig drives, so a test's recording loses no frame to a full ring. Real time
    /// never waits: a reader that falls behind loses frames, counted.
    fn wait_taps_read(&self, limit: Duration) {
        let began = Instant::now();
        let behind = || {
            self.channels
                .iter()
                .any(|c| c.tap.is_some() && c.tap_ring.waiting() > crate::tap::TAP_RING_FRAMES / 2)
        };
        while behind() {
            if began.elapsed() > limit {
                tracing::warn!(
                    at_ms = self.now_ms(),
                    "a tap's reader is behind after a lock-step tick; going on"
                );
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Lock-step: a stream's writer (a player thread) gets ahead however fast the rig
    /// drives, so a message plays without gaps. Real time never waits: a writer that
    /// falls behind leaves silence, counted as underruns.
    fn wait_streams_written(&self, limit: Duration) {
        let began = Instant::now();
        let behind = || {
            self.channels.iter().any(|c| {
                matches!(c.playing.as_ref().map(|p| &p.what), Some(Playback::Stream))
                    && c.stream_ring.writer_behind()
            })
        };
        while behind() {
            if began.elapsed() > limit {
                tracing::warn!(
                    at_ms = self.now_ms(),
                    "a stream's writer is behind after a lock-step tick; going on"
                );
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Accepts far ends, drops those silent past the HELLO timeout (a wall-clock limit:
    /// engine time stands still in lock-step while nobody is connected) and publishes
    /// the devices' counters. Outside the tick.
    pub(crate) fn accept_far_ends(&mut self) {
        let now = Instant::now();
        for device in &mut self.devices {
            if let Err(error) = device.soft.poll_accept() {
                tracing::warn!(device = device.soft.id(), %error, "soft device accept failed");
            }
            device.soft.drop_silent(now);
        }
        self.publish_devices();
    }

    /// Copies each device's counters where the status page reads them (no allocation).
    fn publish_devices(&self) {
        for (device, counters) in self.devices.iter().zip(self.stats.devices.iter()) {
            counters.publish(&device.soft.stats(), device.soft.is_connected());
        }
    }

    pub(crate) fn receive_all(&mut self) {
        for device in &mut self.devices {
            if let Err(error) = device.soft.receive() {
                tracing::warn!(device = device.soft.id(), %error, "soft device receive failed");
            }
        }
        // Connects, overruns and protocol errors happen here, between ticks too.
        self.publish_devices();
    }

    /// Lock-step: returns true once every connected far end has sent its next block.
    pub(crate) fn wait_lockstep_blocks(&mut self) -> bool {
        self.receive_all();
        let mut any = false;
        let mut all_ready = true;
        for device in &self.devices {
            if device.soft.is_connected() {
                any = true;
                all_ready &= device.soft.has_block();
            }
        }
        if any && all_ready {
            return true;
        }
        // Nobody connected, or someone's block is still on its way: sleep in poll(2).
        let _ = soft_hardware::wait_readable(
            self.devices.iter().map(|d| &d.soft),
            Duration::from_millis(50),
        );
        // Links can change while we wait; report them even though time stands still.
        self.report_links();
        if self.events_waiting.replace(false) {
            self.doorbell.ring();
        }
        false
    }

    fn report_links(&mut self) {
        let now_ms = self.now_ms();
        for index in 0..self.devices.len() {
            let device = &mut self.devices[index];
            let connected = device.soft.is_connected();
            let connects = device.soft.stats().connects;
            let was_connected = device.connected;
            // A far end that left and one that arrived since we last looked.
            let replaced = connected && was_connected && connects != device.connects;
            if connected == was_connected && !replaced {
                continue;
            }
            device.connected = connected;
            device.connects = connects;
            if let Some(dchannel) = device.dchannel.as_mut() {
                dchannel.reset_rx();
                if !connected || replaced {
                    dchannel.reset_tx();
                }
            }
            let id = device.soft.id();
            if replaced {
                self.emit(EngineEvent::DeviceLink {
                    device: id,
                    connected: false,
                    at_ms: now_ms,
                });
            }
            self.emit(EngineEvent::DeviceLink {
                device: id,
                connected,
                at_ms: now_ms,
            });
        }
    }

    pub(crate) fn tick(&mut self) {
        self.stats.ticks.fetch_add(1, Ordering::Relaxed);
        self.apply_commands();
        self.report_links();
        self.read_devices();
        self.run_detectors();
        self.produce_output();
        self.run_dchannels();
        self.wake_devices();
        if self.tick_index.is_multiple_of(TICKS_PER_SECOND) {
            let at_ms = self.now_ms();
            self.emit(EngineEvent::Second { at_ms });
        }
        // Published before the blocks go out, so a far end that has the box's answer
        // finds engine time already past this tick.
        self.stats
            .engine_time_ms
            .store((self.tick_index + 1) * FRAME_MS as u64, Ordering::Relaxed);
        // Last: it also wakes the dispatcher for every event this tick queued.
        self.send_devices();
        self.tick_index += 1;
    }

    fn apply_commands(&mut self) {
        for _ in 0..COMMANDS_PER_TICK {
            let Some(command) = self.commands.pop() else {
                break;
            };
            self.apply(command);
        }
    }

    fn channel_mut(&mut self, slot: Slot) -> Option<&mut Channel> {
        self.channels.get_mut(slot.0 as usize)
    }

    fn apply(&mut self, command: EngineCommand) {
        match command {
            EngineCommand::PlayTone { slot, tone, id } => {
                let spec = self.plan.spec(tone);
                self.start_playback(slot, id, Some(Playback::Tone(ToneGenerator::new(&spec))));
            }
            EngineCommand::PlayPrompt { slot, prompt, id } => {
                let playback = self.prompts.samples(prompt).map(|_| Playback::Prompt {
                    id: prompt,
                    position: 0,
                });
                self.start_playback(slot, id, playback);
            }
            EngineCommand::PlaySequence {
                slot,
                prompts,
                id,
                barge_in,
            } => {
                let playback = Playback::Sequence {
                    prompts,
                    index: 0,
                    position: 0,
                    barge_in,
                };
                self.start_playback(slot, id, Some(playback));
            }
            EngineCommand::PlayMusic { slot, music, id } => {
                let playback = self
                    .prompts
                    .samples(music)
                    .filter(|samples| !samples.is_empty())
                    .map(|_| Playback::Music(music));
                self.start_playback(slot, id, playback);
            }
            EngineCommand::SendDtmf { slot, digits, id } => {
                let generator = DtmfGenerator::new(DtmfGeneratorConfig::default())
                    .and_then(|mut generator| generator.push_digits(&digits).map(|()| generator));
                self.start_playback(slot, id, generator.ok().map(Playback::Dtmf));
            }
            EngineCommand::SendCallerId {
                slot,
                message,
                format,
                id,
            } => {
                let playback = match format {
                    CallerIdFormat::EtsiFsk => FskCallerIdGenerator::new(&message)
                        .ok()
                        .map(Playback::CallerId),
                    CallerIdFormat::Bell202 => FskCallerIdGenerator::bell202(&message)
                        .ok()
                        .map(Playback::CallerId),
                    CallerIdFormat::Dtmf => DtmfClipGenerator::new(&message, DtmfClipFormat::AC)
                        .ok()
                        .map(Playback::DtmfClip),
                };
                self.start_playback(slot, id, playback);
            }
            EngineCommand::PlayStream { slot, id } => {
                self.start_playback(slot, id, Some(Playback::Stream));
                if let Some(channel) = self.channel_mut(slot) {
                    channel.stream_ring.start_playing();
                }
            }
            EngineCommand::StopPlayback { slot } => self.stop_playback(slot),
            EngineCommand::Bridge { a, b } => {
                // `a == b` is a loopback: the channel hears itself (the echo test).
                if self.has_slot(a) && self.has_slot(b) {
                    self.isolate(a);
                    self.isolate(b);
                    self.connect(a, b, Gain::UNITY);
                    if a != b {
                        self.connect(b, a, Gain::UNITY);
                    }
                }
            }
            EngineCommand::Unbridge { slot } | EngineCommand::Isolate { slot } => {
                self.isolate(slot)
            }
            EngineCommand::Connect {
                listener,
                source,
                gain,
            } => {
                if self.has_slot(listener) && self.has_slot(source) {
                    self.connect(listener, source, gain);
                }
            }
            EngineCommand::Disconnect { listener, source } => {
                if let Some(channel) = self.channel_mut(listener) {
                    channel.inputs.retain(|input| input.slot != source);
                }
            }
            EngineCommand::StartTap { slot, tap } => self.start_tap(slot, tap),
            EngineCommand::StopTap { slot } => self.stop_tap(slot),
            EngineCommand::SetSignal { slot, bits } => {
                if let Some(channel) = self.channel_mut(slot) {
                    channel.signal_out = bits;
                }
            }
            EngineCommand::ListenCallerId { slot, on } => {
                if let Some(channel) = self.channel_mut(slot) {
                    if on && !channel.caller_id_on {
                        channel.caller_id = dsp::caller_id::FskCallerIdDecoder::new();
                    }
                    channel.caller_id_on = on;
                }
            }
            EngineCommand::SendDChannelFrame { device, frame } => {
                let queued = self
                    .devices
                    .iter_mut()
                    .find(|d| d.soft.id() == device)
                    .and_then(|d| d.dchannel.as_mut())
                    .is_some_and(|dchannel| dchannel.tx.push_frame(&frame).is_ok());
                // Q.921 retransmits what is lost here (T200), as it would on a bad line.
                let counter = if queued {
                    &self.stats.dchannel_frames_out
                } else {
                    &self.stats.dchannel_tx_dropped
                };
                counter.fetch_add(1, Ordering::Relaxed);
            }
            EngineCommand::WakeDeviceAt { device, at_ms } => {
                if let Some(d) = self.devices.iter_mut().find(|d| d.soft.id() == device) {
                    d.wake_at = at_ms;
                }
            }
            EngineCommand::WakeAt { slot, at_ms } => {
                if let Some(channel) = self.channel_mut(slot) {
                    channel.wake_at = at_ms;
                }
            }
            EngineCommand::ReplacePrompts { store, generation } => {
                // The swapper still holds the old store: this drop only counts down.
                self.prompts = store;
                self.stats
                    .prompts_generation
                    .store(generation, Ordering::Release);
            }
        }
    }

    fn has_slot(&self, slot: Slot) -> bool {
        (slot.0 as usize) < self.channels.len()
    }

    /// Starts `playback` (None: it could not be built), replacing what plays; the
    /// replaced one is reported stopped, and one that could not be built done at once,
    /// so the actor waiting for it is not left hanging.
    fn start_playback(&mut self, slot: Slot, id: PlaybackId, playback: Option<Playback>) {
        if !self.has_slot(slot) {
            return;
        }
        self.stop_playback(slot);
        match playback {
            Some(what) => {
                if let Some(channel) = self.channel_mut(slot) {
                    channel.playing = Some(Playing { id, what });
                }
            }
            None => {
                let at_ms = self.now_ms();
                self.emit(EngineEvent::PlaybackDone { slot, id, at_ms });
            }
        }
    }

    fn stop_playback(&mut self, slot: Slot) {
        let stopped = self.channel_mut(slot).and_then(|c| {
            let playing = c.playing.take();
            if matches!(playing.as_ref().map(|p| &p.what), Some(Playback::Stream)) {
                c.stream_ring.stop_playing();
            }
            playing
        });
        if let Some(Playing { id, .. }) = stopped {
            let at_ms = self.now_ms();
            self.emit(EngineEvent::PlaybackStopped { slot, id, at_ms });
        }
    }

    /// `listener` hears `source` at `gain` (both known to exist).
    fn connect(&mut self, listener: Slot, source: Slot, gain: Gain) {
        let inputs = &mut self.channels[listener.0 as usize].inputs;
        if let Some(input) = inputs.iter_mut().find(|input| input.slot == source) {
            input.gain = gain;
            return;
        }
        if inputs.push(Input { slot: source, gain }).is_err() {
            self.stats.connects_refused.fetch_add(1, Ordering::Relaxed);
            let at_ms = self.now_ms();
            self.emit(EngineEvent::ConnectRefused {
                listener,
                source,
                at_ms,
            });
        }
    }

    /// Nobody hears `slot` and it hears nobody. A scan of every channel's few inputs:
    /// bounded, no allocation.
    fn isolate(&mut self, slot: Slot) {
        if !self.has_slot(slot) {
            return;
        }
        for channel in &mut self.channels {
            channel.inputs.retain(|input| input.slot != slot);
        }
        self.channels[slot.0 as usize].inputs.clear();
    }

    fn start_tap(&mut self, slot: Slot, tap: TapId) {
        if !self.has_slot(slot) {
            return;
        }
        self.stop_tap(slot);
        self.channels[slot.0 as usize].tap = Some(ActiveTap {
            id: tap,
            next_seq: 0,
        });
    }

    fn stop_tap(&mut self, slot: Slot) {
        let stopped = self.channel_mut(slot).and_then(|c| c.tap.take());
        if let Some(tap) = stopped {
            let at_ms = self.now_ms();
            self.emit(EngineEvent::TapStopped {
                slot,
                tap: tap.id,
                frames: tap.next_seq,
                at_ms,
            });
        }
    }

    fn read_devices(&mut self) {
        let now_ms = self.now_ms();
        for index in 0..self.devices.len() {
            let device = &mut self.devices[index];
            // Underruns are the device's own count (published with its other counters).
            device.rx_fresh = device.soft.take_block(&mut device.rx);
            let conditions = device.rx.conditions.0;
            if conditions != device.conditions {
                device.conditions = conditions;
                let id = device.soft.id();
                self.emit(EngineEvent::LineConditions {
                    device: id,
                    bits: conditions,
                    at_ms: now_ms,
                });
            }
        }
        for slot in 0..self.channels.len() {
            let channel = &mut self.channels[slot];
            let Some(record) = self.devices[channel.device].rx.channels.get(channel.record) else {
                continue;
            };
            for (sample, octet) in channel.rx.iter_mut().zip(record.audio.iter()) {
                *sample = alaw_decode(*octet);
            }
            if record.signal != channel.signal_in {
                channel.signal_in = record.signal;
                let bits = record.signal;
                self.emit(EngineEvent::Signal {
                    slot: Slot(slot as u16),
                    bits,
                    at_ms: now_ms,
                });
            }
        }
    }

    fn run_detectors(&mut self) {
        let now_ms = self.now_ms();
        for slot in 0..self.channels.len() {
            let channel = &mut self.channels[slot];
            channel.dtmf.process(&channel.rx);
            let mut found: heapless::Vec<char, 4> = heapless::Vec::new();
            while let Some(detected) = channel.dtmf.poll_digit() {
                let _ = found.push(detected.digit);
            }
            let mut progress: heapless::Vec<dsp::call_progress::ProgressTone, 4> =
                heapless::Vec::new();
            if let Some(detector) = channel.progress.as_mut() {
                detector.process(&channel.rx);
                while let Some(detected) = detector.poll() {
                    let _ = progress.push(detected.tone);
                }
            }
            let mut caller_id = None;
            if channel.caller_id_on {
                channel.caller_id.process(&channel.rx);
                if let Some(Ok(message)) = channel.caller_id.poll() {
                    caller_id = Some(message);
                }
            }
            let barge = !found.is_empty()
                && matches!(
                    channel.playing.as_ref().map(|p| &p.what),
                    Some(Playback::Sequence { barge_in: true, .. })
                );
            let slot = Slot(slot as u16);
            if barge {
                // The caller keyed over the prompt: it stops before the digit is told.
                self.stop_playback(slot);
            }
            for digit in found {
                self.emit(EngineEvent::Digit {
                    slot,
                    digit,
                    at_ms: now_ms,
                });
            }
            for tone in progress {
                self.emit(EngineEvent::ProgressTone {
                    slot,
                    tone,
                    at_ms: now_ms,
                });
            }
            if let Some(message) = caller_id {
                self.emit(EngineEvent::CallerId {
                    slot,
                    message,
                    at_ms: now_ms,
                });
            }
        }
    }

    /// What each channel sends: its inputs mixed with its playback, then taps and A-law.
    fn produce_output(&mut self) {
        let now_ms = self.now_ms();
        for slot in 0..self.channels.len() {
            let (out, finished) = self.mix_channel(slot);
            let channel = &mut self.channels[slot];
            let finished = if finished {
                channel.playing.take().map(|playing| {
                    if matches!(playing.what, Playback::Stream) {
                        channel.stream_ring.stop_playing();
                    }
                    playing.id
                })
            } else {
                None
            };
            let woke = matches!(channel.wake_at, Some(at) if at <= now_ms);
            if woke {
                channel.wake_at = None;
            }
            let mut tap_dropped = false;
            if let Some(tap) = channel.tap.as_mut() {
                let frame = TapFrame {
                    tap: tap.id,
                    seq: tap.next_seq,
                    at_ms: now_ms,
                    rx: channel.rx,
                    tx: out,
                };
                tap.next_seq = tap.next_seq.wrapping_add(1);
                tap_dropped = !channel.tap_ring.push(&frame);
            }
            let (device, record, signal) = (channel.device, channel.record, channel.signal_out);
            if let Some(tx) = self.devices[device].tx.channels.get_mut(record) {
                tx.signal = signal;
                for (octet, sample) in tx.audio.iter_mut().zip(out.iter()) {
                    *octet = alaw_encode(*sample);
                }
            }
            if tap_dropped {
                self.stats
                    .tap_frames_dropped
                    .fetch_add(1, Ordering::Relaxed);
            }
            let slot = Slot(slot as u16);
            if let Some(id) = finished {
                self.emit(EngineEvent::PlaybackDone {
                    slot,
                    id,
                    at_ms: now_ms,
                });
            }
            if woke {
                self.emit(EngineEvent::Wake {
                    slot,
                    at_ms: now_ms,
                });
            }
        }
    }

    /// One channel's output for this tick, and whether its playback ran out.
    fn mix_channel(&mut self, slot: usize) -> ([i16; FRAME_SAMPLES], bool) {
        let mut played = [0i16; FRAME_SAMPLES];
        let channel = &mut self.channels[slot];
        let (playing, finished) = match channel.playing.as_mut() {
            None => (false, false),
            // The stream's frames are the channel's own ring's: read here, not in `play`.
            Some(Playing {
                what: Playback::Stream,
                ..
            }) => (
                true,
                channel.stream_ring.read(&mut played) == crate::stream::StreamRead::Finished,
            ),
            Some(playing) => (
                true,
                play(
                    &mut playing.what,
                    &self.prompts,
                    self.tick_index,
                    &mut played,
                ),
            ),
        };
        let inputs = &self.channels[slot].inputs;
        match (inputs.as_slice(), playing) {
            // Nothing heard, or only the playback: no sum to form.
            ([], _) => (played, finished),
            // The two-party bridge: a copy, as cheap as before mixing existed.
            ([only], false) if only.gain == Gain::UNITY => {
                (self.channels[only.slot.0 as usize].rx, finished)
            }
            (inputs, _) => {
                self.bus.clear(FRAME_SAMPLES);
                for input in inputs {
                    self.bus
                        .add(&self.channels[input.slot.0 as usize].rx, input.gain);
                }
                if playing {
                    self.bus.add(&played, Gain::UNITY);
                }
                let mut out = [0i16; FRAME_SAMPLES];
                self.bus.read(&mut out);
                (out, finished)
            }
        }
    }

    /// Deframes what arrived on each D-channel and frames what is queued to go out.
    fn run_dchannels(&mut self) {
        let now_ms = self.now_ms();
        let alarm_bits = LineConditions::LOS.0 | LineConditions::AIS.0;
        for index in 0..self.devices.len() {
            let device = &mut self.devices[index];
            let id = device.soft.id();
            let line_up = device.connected && device.conditions & alarm_bits == 0;
            // A stale block fed twice would duplicate D-channel bits: skip it (the bits
            // are lost, as on a real line slip; Q.921 retransmits).
            let receiving = device.rx_fresh && line_up;
            let Some(dchannel) = device.dchannel.as_mut() else {
                continue;
            };
            if line_up != dchannel.line_up {
                // Bits before LOS or AIS do not continue after it: start at a flag.
                dchannel.line_up = line_up;
                dchannel.rx.reset();
            }
            if let Some(record) = device.tx.channels.get_mut(DCHANNEL_TIMESLOT) {
                record.signal = 0;
                dchannel.tx.fill(&mut record.audio);
            }
            if !receiving {
                continue;
            }
            if let Some(record) = device.rx.channels.get(DCHANNEL_TIMESLOT) {
                dchannel.rx.process(&record.audio);
            }
            loop {
                // Re-borrowed per frame so `emit` can take `&self` in between.
                let polled = self.devices[index]
                    .dchannel
                    .as_mut()
                    .and_then(|d| d.rx.poll_frame());
                match polled {
                    None => break,
                    Some(Ok(frame)) => {
                        self.stats
                            .dchannel_frames_in
                            .fetch_add(1, Ordering::Relaxed);
                        self.emit(EngineEvent::DChannelFrame {
                            device: id,
                            frame,
                            at_ms: now_ms,
                        });
                    }
                    Some(Err(_)) => {
                        self.stats.dchannel_errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
    }

    fn wake_devices(&mut self) {
        let now_ms = self.now_ms();
        for index in 0..self.devices.len() {
            if matches!(self.devices[index].wake_at, Some(at) if at <= now_ms) {
                self.devices[index].wake_at = None;
                let device = self.devices[index].soft.id();
                self.emit(EngineEvent::DeviceWake {
                    device,
                    at_ms: now_ms,
                });
            }
        }
    }

    fn send_devices(&mut self) {
        for device in &mut self.devices {
            // A span in alarm tells the far end so (remote alarm indication).
            let alarm_bits = LineConditions::LOS.0 | LineConditions::AIS.0;
            let in_alarm = device.conditions & alarm_bits != 0;
            device.tx.conditions = if in_alarm {
                LineConditions::RAI
            } else {
                LineConditions::NONE
            };
            if device.soft.is_connected() {
                if let Err(error) = device.soft.send_block(&device.tx) {
                    tracing::warn!(device = device.soft.id(), %error, "soft device send failed");
                }
            }
        }
        self.publish_devices();
        if self.events_waiting.replace(false) {
            self.doorbell.ring();
        }
    }
}

/// Plays the next 20 ms of `playback` into `out`; true once it has run out. `tick` is the
/// engine's tick count, which places shared music.
fn play(
    playback: &mut Playback,
    prompts: &PromptStore,
    tick: u64,
    out: &mut [i16; FRAME_SAMPLES],
) -> bool {
    match playback {
        Playback::Tone(generator) => {
            generator.fill(out);
            false
        }
        Playback::Prompt { id, position } => match prompts.samples(*id) {
            Some(samples) => {
                let rest = &samples[(*position).min(samples.len())..];
                let take = rest.len().min(FRAME_SAMPLES);
                out[..take].copy_from_slice(&rest[..take]);
                *position += take;
                *position >= samples.len()
            }
            None => true,
        },
        Playback::Sequence {
            prompts: list,
            index,
            position,
            ..
        } => {
            // Fill the whole frame, running on into the next prompt where one ends: no gap
            // between fragments.
            let mut filled = 0;
            while filled < FRAME_SAMPLES {
                let Some(prompt) = list.get(*index) else {
                    return true;
                };
                let samples = prompts.samples(*prompt).unwrap_or(&[]);
                let rest = &samples[(*position).min(samples.len())..];
                let take = rest.len().min(FRAME_SAMPLES - filled);
                out[filled..filled + take].copy_from_slice(&rest[..take]);
                filled += take;
                *position += take;
                if *position >= samples.len() {
                    *index += 1;
                    *position = 0;
                }
            }
            *index >= list.len()
        }
        Playback::Music(id) => {
            let samples = prompts.samples(*id).unwrap_or(&[]);
            if samples.is_empty() {
                return true;
            }
            // Copy in runs (at most two, or more for a loop shorter than a frame).
            let mut position = (tick as usize).wrapping_mul(FRAME_SAMPLES) % samples.len();
            let mut filled = 0;
            while filled < FRAME_SAMPLES {
                let take = (samples.len() - position).min(FRAME_SAMPLES - filled);
                out[filled..filled + take].copy_from_slice(&samples[position..position + take]);
                filled += take;
                position = 0;
            }
            false
        }
        Playback::Dtmf(generator) => !generator.fill(out),
        Playback::CallerId(generator) => !generator.fill(out),
        Playback::DtmfClip(generator) => !generator.fill(out),
        // Read from the channel's ring by `mix_channel`; never reaches here.
        Playback::Stream => false,
    }
}
