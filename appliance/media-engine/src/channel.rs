//! One channel's media state: what it hears, what it plays, whether it is tapped.

use crate::messages::{Gain, PlaybackId, PromptId, Slot, TapId, MAX_SEQUENCE, MAX_SOURCES};
use crate::stream::StreamRing;
use crate::tap::TapRing;
use dsp::caller_id::{DtmfClipGenerator, FskCallerIdDecoder, FskCallerIdGenerator};
use dsp::dtmf::{DtmfDetector, DtmfGenerator};
use dsp::tone::ToneGenerator;
use line_boundary::{AudioFrame, ChannelId, FRAME_SAMPLES};
use std::sync::Arc;

/// What a channel plays toward its far end, mixed with what it hears.
pub(crate) enum Playback {
    Tone(ToneGenerator),
    Prompt {
        id: PromptId,
        position: usize,
    },
    /// Prompts back to back: `index` is the one playing, `position` its next sample.
    Sequence {
        prompts: heapless::Vec<PromptId, MAX_SEQUENCE>,
        index: usize,
        position: usize,
        barge_in: bool,
    },
    /// A shared looping source: its place is engine time, not per-channel state.
    Music(PromptId),
    Dtmf(DtmfGenerator),
    CallerId(FskCallerIdGenerator),
    DtmfClip(DtmfClipGenerator),
    /// Frames from the channel's stream ring (`stream.rs`), written by a thread outside
    /// the engine.
    Stream,
}

/// The playback under way and the caller's id for it.
pub(crate) struct Playing {
    pub id: PlaybackId,
    pub what: Playback,
}

/// One channel this channel hears, at a gain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Input {
    pub slot: Slot,
    pub gain: Gain,
}

/// A tap under way: its id and the sequence number of its next frame.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ActiveTap {
    pub id: TapId,
    pub next_seq: u32,
}

pub(crate) struct Channel {
    pub id: ChannelId,
    /// Index of the device (in the engine's device table) carrying this channel.
    pub device: usize,
    /// Index of this channel's record in the device's 20 ms block.
    pub record: usize,
    /// Received audio of the current tick, linear.
    pub rx: AudioFrame,
    pub signal_in: u8,
    pub signal_out: u8,
    pub playing: Option<Playing>,
    /// The channels this one hears (fixed capacity: no allocation when they change).
    pub inputs: heapless::Vec<Input, MAX_SOURCES>,
    pub dtmf: DtmfDetector,
    pub caller_id: FskCallerIdDecoder,
    pub caller_id_on: bool,
    pub wake_at: Option<u64>,
    /// Call-progress tone receiver (analog trunks); boxed: it is large and most
    /// channels have none.
    pub progress: Option<Box<dsp::call_progress::CallProgressDetector>>,
    /// Allocated when the engine is built, whether tapped or not, so that starting a tap
    /// in a tick allocates nothing. The engine thread is its only writer.
    pub tap_ring: Arc<TapRing>,
    pub tap: Option<ActiveTap>,
    /// Allocated when the engine is built, like the tap ring; the engine thread is its
    /// only reader.
    pub stream_ring: Arc<StreamRing>,
}

impl Channel {
    pub(crate) fn new(id: ChannelId, device: usize, record: usize) -> Channel {
        Channel {
            id,
            device,
            record,
            rx: [0; FRAME_SAMPLES],
            signal_in: 0,
            signal_out: 0,
            playing: None,
            inputs: heapless::Vec::new(),
            dtmf: DtmfDetector::default(),
            caller_id: FskCallerIdDecoder::new(),
            caller_id_on: false,
            wake_at: None,
            progress: None,
            tap_ring: Arc::new(TapRing::new()),
            tap: None,
            stream_ring: Arc::new(StreamRing::new()),
        }
    }
}
