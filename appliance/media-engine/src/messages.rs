//! What actors tell the engine, and what the engine tells actors.

use dsp::caller_id::CallerIdMessage;
use line_boundary::Tone;
use serde::Serialize;

/// Index of a channel in the engine's fixed channel table (see `EngineHandle::slot`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Slot(pub u16);

/// Index of a prompt in the engine's prompt store, decoded to PCM before the engine starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct PromptId(pub u16);

pub const MAX_DIAL_DIGITS: usize = 32;

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
#[derive(Debug, Clone)]
pub enum EngineCommand {
    /// Play a tone of the box's tone plan toward the far end, replacing what plays now.
    PlayTone { slot: Slot, tone: Tone },
    /// Play a prompt once toward the far end; `PlaybackDone` follows.
    PlayPrompt { slot: Slot, prompt: PromptId },
    /// Send DTMF digits toward the far end; `PlaybackDone` follows.
    SendDtmf {
        slot: Slot,
        digits: heapless::String<MAX_DIAL_DIGITS>,
    },
    /// Send caller ID toward the far end in `format`; `PlaybackDone` follows.
    SendCallerId {
        slot: Slot,
        message: CallerIdMessage,
        format: CallerIdFormat,
    },
    /// Stop whatever tone, prompt or digits play toward the far end.
    StopPlayback { slot: Slot },
    /// Cross-connect two channels both ways (a bridge is a copy between timeslots);
    /// `a == b` loops a channel's audio back to its far end.
    Bridge { a: Slot, b: Slot },
    /// Undo the cross-connect this channel is part of.
    Unbridge { slot: Slot },
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
}

impl EngineCommand {
    /// The command's name, for errors and logs.
    pub fn name(&self) -> &'static str {
        match self {
            EngineCommand::PlayTone { .. } => "play-tone",
            EngineCommand::PlayPrompt { .. } => "play-prompt",
            EngineCommand::SendDtmf { .. } => "send-dtmf",
            EngineCommand::SendCallerId { .. } => "send-caller-id",
            EngineCommand::StopPlayback { .. } => "stop-playback",
            EngineCommand::Bridge { .. } => "bridge",
            EngineCommand::Unbridge { .. } => "unbridge",
            EngineCommand::SetSignal { .. } => "set-signal",
            EngineCommand::ListenCallerId { .. } => "listen-caller-id",
            EngineCommand::WakeAt { .. } => "wake-at",
            EngineCommand::SendDChannelFrame { .. } => "send-d-channel-frame",
            EngineCommand::WakeDeviceAt { .. } => "wake-device-at",
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
    /// A tone, prompt, DTMF or caller ID burst finished playing.
    PlaybackDone {
        slot: Slot,
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
            | EngineEvent::Wake { slot, .. } => Some(*slot),
            EngineEvent::DeviceLink { .. }
            | EngineEvent::LineConditions { .. }
            | EngineEvent::DChannelFrame { .. }
            | EngineEvent::DeviceWake { .. }
            | EngineEvent::Second { .. } => None,
        }
    }
}
