//! What actors tell the engine, and what the engine tells actors.

use dsp::caller_id::CallerIdMessage;
pub use dsp::mix::Gain;
use line_boundary::Tone;
use serde::Serialize;

/// Index of a channel in the engine's fixed channel table (see `EngineHandle::slot`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Slot(pub u16);

/// Index of a prompt in the engine's prompt store, decoded to PCM before the engine starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct PromptId(pub u16);

/// The caller's name for one playback (tone, prompt, digits, caller ID): the engine never
/// reads it, only hands it back in `PlaybackDone` / `PlaybackStopped`, so a completion is
/// matched to what was asked and a late one for a replaced playback is told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PlaybackId(pub u32);

/// The caller's name for one tap session on a channel; every [`crate::TapFrame`] carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct TapId(pub u32);

pub const MAX_DIAL_DIGITS: usize = 32;

/// How many channels one channel can hear at once (a conference of `MAX_SOURCES + 1`).
pub const MAX_SOURCES: usize = 8;
/// Most prompts one `PlaySequence` plays (say-number is a handful of fragments).
pub const MAX_SEQUENCE: usize = 24;

/// How caller ID is sent to a phone: the standard its country uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CallerIdFormat {
    /// ETSI EN 300 659 V.23 FSK, MDMF.
    EtsiFsk,
    /// Telcordia GR-30 Bell 202 FSK, MDMF.
    Bell202,
    /// DTMF digits (China and elsewhere), `A…C` framing.
    Dtmf,
}

/// A request from the control plane. Fixed size: it crosses a lock-free queue.
///
/// **Playback.** A channel plays at most one thing at a time (tone, prompt, digits,
/// caller ID) toward its far end, mixed with what it hears from other channels. Starting
/// one replaces the one playing, which ends with `PlaybackStopped`; one that runs out ends
/// with `PlaybackDone` (a tone never runs out).
///
/// **Mixing.** Each channel hears up to [`MAX_SOURCES`] other channels, each at a gain
/// (`Connect`/`Disconnect`/`Isolate`), summed with its playback and saturated to 16 bits.
/// A connection is one way: `Connect { listener: a, source: b }` lets `a` hear `b`.
/// The modes in [`crate::modes`] are made of these: listen (supervisor hears both
/// parties, heard by none), whisper (heard by the agent only), barge (three-way),
/// conference of N.
#[derive(Debug, Clone)]
pub enum EngineCommand {
    /// Play a tone of the box's tone plan toward the far end until stopped or replaced.
    PlayTone {
        slot: Slot,
        tone: Tone,
        id: PlaybackId,
    },
    /// Play a prompt once toward the far end; `PlaybackDone` follows (at once for a
    /// prompt the store does not have).
    PlayPrompt {
        slot: Slot,
        prompt: PromptId,
        id: PlaybackId,
    },
    /// Play prompts back to back, without a gap between them (say-number is a sequence
    /// of fragments); `PlaybackDone` follows the last. With `barge_in` a DTMF digit from
    /// the far end stops it (`PlaybackStopped`, before the `Digit`). Prompts the store
    /// does not have are skipped.
    PlaySequence {
        slot: Slot,
        prompts: heapless::Vec<PromptId, MAX_SEQUENCE>,
        id: PlaybackId,
        barge_in: bool,
    },
    /// Music on hold: `music` loops until stopped. Every channel on the same music hears
    /// the same place in it (one shared source, positioned by engine time), no copy per
    /// channel; joining starts wherever the music is now.
    PlayMusic {
        slot: Slot,
        music: PromptId,
        id: PlaybackId,
    },
    /// Send DTMF digits toward the far end; `PlaybackDone` follows (at once for digits
    /// that cannot be sent).
    SendDtmf {
        slot: Slot,
        digits: heapless::String<MAX_DIAL_DIGITS>,
        id: PlaybackId,
    },
    /// Send caller ID toward the far end in `format`; `PlaybackDone` follows.
    SendCallerId {
        slot: Slot,
        message: CallerIdMessage,
        format: CallerIdFormat,
        id: PlaybackId,
    },
    /// Play the frames a writer outside the engine puts in this channel's stream ring
    /// (`EngineHandle::stream_writer`), one per tick, silence while the ring is empty and
    /// the writer still writes; `PlaybackDone` once the writer has ended and the ring is
    /// drained. Stopping it (or replacing it) tells the writer to stop. A channel's next
    /// stream needs its writer claimed after this one ended.
    PlayStream { slot: Slot, id: PlaybackId },
    /// Stop whatever plays toward the far end (`PlaybackStopped` if something did).
    StopPlayback { slot: Slot },
    /// The two-party case: `a` and `b` hear exactly each other at unity gain, and every
    /// other connection of either ends first (as `Isolate` of both). While neither plays
    /// anything this costs what a copy costs. `a == b` loops a channel's audio back to
    /// its far end (the echo test).
    Bridge { a: Slot, b: Slot },
    /// Ends every connection of this channel, both ways (the same as `Isolate`).
    Unbridge { slot: Slot },
    /// `listener` hears `source` at `gain` from the next tick (a new gain if it already
    /// did). `ConnectRefused` if `listener` already hears `MAX_SOURCES` channels.
    Connect {
        listener: Slot,
        source: Slot,
        gain: Gain,
    },
    /// `listener` stops hearing `source`.
    Disconnect { listener: Slot, source: Slot },
    /// This channel hears no one and no one hears it.
    Isolate { slot: Slot },
    /// Start handing this channel's audio, both ways, to its tap ring (see
    /// `EngineHandle::tap_reader`), one `TapFrame` per tick tagged `tap`. Replaces a tap
    /// running on the channel (which ends with `TapStopped`).
    StartTap { slot: Slot, tap: TapId },
    /// Stop the channel's tap; `TapStopped` says how many frames it produced.
    StopTap { slot: Slot },
    /// Set the signalling byte sent on this channel (analog line bits or E1 CAS ABCD).
    SetSignal { slot: Slot, bits: u8 },
    /// Turn the FSK caller ID receiver of this channel on or off.
    ListenCallerId { slot: Slot, on: bool },
    /// Queue one frame (LAPD, no FCS) on the D-channel of span `device`.
    SendDChannelFrame {
        device: u16,
        frame: isdn::hdlc::Frame,
    },
    /// Send a `DeviceWake` event once engine time reaches `at_ms` (None cancels).
    WakeDeviceAt { device: u16, at_ms: Option<u64> },
    /// Send a `Wake` event once engine time reaches `at_ms` (None cancels).
    WakeAt { slot: Slot, at_ms: Option<u64> },
    /// Play from this store from now on (a configuration applied live). Send it through
    /// [`crate::PromptSwapper`], which keeps the old store alive until the engine has let
    /// go of it, so the tick only moves pointers and never frees a store.
    ReplacePrompts {
        store: std::sync::Arc<crate::PromptStore>,
        generation: u64,
    },
}

impl EngineCommand {
    /// The command's name, for errors and logs.
    pub fn name(&self) -> &'static str {
        match self {
            EngineCommand::PlayTone { .. } => "play-tone",
            EngineCommand::PlayPrompt { .. } => "play-prompt",
            EngineCommand::PlaySequence { .. } => "play-sequence",
            EngineCommand::PlayMusic { .. } => "play-music",
            EngineCommand::SendDtmf { .. } => "send-dtmf",
            EngineCommand::SendCallerId { .. } => "send-caller-id",
            EngineCommand::PlayStream { .. } => "play-stream",
            EngineCommand::StopPlayback { .. } => "stop-playback",
            EngineCommand::Bridge { .. } => "bridge",
            EngineCommand::Unbridge { .. } => "unbridge",
            EngineCommand::Connect { .. } => "connect",
            EngineCommand::Disconnect { .. } => "disconnect",
            EngineCommand::Isolate { .. } => "isolate",
            EngineCommand::StartTap { .. } => "start-tap",
            EngineCommand::StopTap { .. } => "stop-tap",
            EngineCommand::SetSignal { .. } => "set-signal",
            EngineCommand::ListenCallerId { .. } => "listen-caller-id",
            EngineCommand::WakeAt { .. } => "wake-at",
            EngineCommand::SendDChannelFrame { .. } => "send-d-channel-frame",
            EngineCommand::WakeDeviceAt { .. } => "wake-device-at",
            EngineCommand::ReplacePrompts { .. } => "replace-prompts",
        }
    }
}

/// What the engine noticed during a tick. `at_ms` is engine time (20 ms per tick).
#[derive(Debug, Clone)]
pub enum EngineEvent {
    /// The signalling byte received on this channel changed.
    Signal {
        slot: Slot,
        bits: u8,
        at_ms: u64,
    },
    Digit {
        slot: Slot,
        digit: char,
        at_ms: u64,
    },
    CallerId {
        slot: Slot,
        message: CallerIdMessage,
        at_ms: u64,
    },
    /// A call-progress tone (with its cadence) was confirmed on an analog trunk.
    ProgressTone {
        slot: Slot,
        tone: dsp::call_progress::ProgressTone,
        at_ms: u64,
    },
    /// A prompt, DTMF or caller ID burst finished playing (or could not start).
    PlaybackDone {
        slot: Slot,
        id: PlaybackId,
        at_ms: u64,
    },
    /// A playback was stopped (`StopPlayback`) or replaced by a newer one before it ended.
    PlaybackStopped {
        slot: Slot,
        id: PlaybackId,
        at_ms: u64,
    },
    /// `Connect` found `listener` already hearing `MAX_SOURCES` channels: not connected.
    ConnectRefused {
        listener: Slot,
        source: Slot,
        at_ms: u64,
    },
    /// A tap ended (`StopTap`, or replaced by `StartTap`) after handing out `frames`
    /// frames (sequence numbers `0..frames`, dropped ones included).
    TapStopped {
        slot: Slot,
        tap: TapId,
        frames: u32,
        at_ms: u64,
    },
    /// A deadline set with `WakeAt` passed.
    Wake {
        slot: Slot,
        at_ms: u64,
    },
    /// A far end connected to (or left) the soft device with this id.
    DeviceLink {
        device: u16,
        connected: bool,
        at_ms: u64,
    },
    /// The line conditions (LOS/AIS/RAI bits) received on a span changed.
    LineConditions {
        device: u16,
        bits: u8,
        at_ms: u64,
    },
    /// A good frame (FCS checked and removed) arrived on the D-channel of span `device`.
    DChannelFrame {
        device: u16,
        frame: isdn::hdlc::Frame,
        at_ms: u64,
    },
    /// A deadline set with `WakeDeviceAt` passed.
    DeviceWake {
        device: u16,
        at_ms: u64,
    },
    /// Another second of engine time passed: drives call-level timers deterministically.
    Second {
        at_ms: u64,
    },
}

impl EngineEvent {
    /// The span or port this event is about, if it is about a whole device.
    pub fn device(&self) -> Option<u16> {
        match self {
            EngineEvent::DeviceLink { device, .. }
            | EngineEvent::LineConditions { device, .. }
            | EngineEvent::DChannelFrame { device, .. }
            | EngineEvent::DeviceWake { device, .. } => Some(*device),
            _ => None,
        }
    }

    /// Engine time of the tick that produced this event.
    pub fn at_ms(&self) -> u64 {
        match self {
            EngineEvent::Signal { at_ms, .. }
            | EngineEvent::Digit { at_ms, .. }
            | EngineEvent::CallerId { at_ms, .. }
            | EngineEvent::ProgressTone { at_ms, .. }
            | EngineEvent::PlaybackDone { at_ms, .. }
            | EngineEvent::PlaybackStopped { at_ms, .. }
            | EngineEvent::ConnectRefused { at_ms, .. }
            | EngineEvent::TapStopped { at_ms, .. }
            | EngineEvent::Wake { at_ms, .. }
            | EngineEvent::DeviceLink { at_ms, .. }
            | EngineEvent::LineConditions { at_ms, .. }
            | EngineEvent::DChannelFrame { at_ms, .. }
            | EngineEvent::DeviceWake { at_ms, .. }
            | EngineEvent::Second { at_ms } => *at_ms,
        }
    }

    /// The channel this event is about, if it is about one channel.
    pub fn slot(&self) -> Option<Slot> {
        match self {
            EngineEvent::Signal { slot, .. }
            | EngineEvent::Digit { slot, .. }
            | EngineEvent::CallerId { slot, .. }
            | EngineEvent::ProgressTone { slot, .. }
            | EngineEvent::PlaybackDone { slot, .. }
            | EngineEvent::PlaybackStopped { slot, .. }
            | EngineEvent::TapStopped { slot, .. }
            | EngineEvent::Wake { slot, .. } => Some(*slot),
            EngineEvent::ConnectRefused { listener, .. } => Some(*listener),
            EngineEvent::DeviceLink { .. }
            | EngineEvent::LineConditions { .. }
            | EngineEvent::DChannelFrame { .. }
            | EngineEvent::DeviceWake { .. }
            | EngineEvent::Second { .. } => None,
        }
    }
}
