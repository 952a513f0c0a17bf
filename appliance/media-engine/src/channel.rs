//! One channel's media state: what it hears, what it plays, what it is bridged to.

use crate::messages::{PromptId, Slot};
use dsp::caller_id::{DtmfClipGenerator, FskCallerIdDecoder, FskCallerIdGenerator};
use dsp::dtmf::{DtmfDetector, DtmfGenerator};
use dsp::tone::ToneGenerator;
use line_boundary::{AudioFrame, ChannelId, FRAME_SAMPLES};

/// What a channel plays toward its far end, besides a bridge.
pub(crate) enum Source {
    Silence,
    Tone(ToneGenerator),
    Prompt { id: PromptId, position: usize },
    Dtmf(DtmfGenerator),
    CallerId(FskCallerIdGenerator),
    DtmfClip(DtmfClipGenerator),
}

impl Source {
    pub(crate) fn is_silent(&self) -> bool {
        matches!(self, Source::Silence)
    }
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
    pub source: Source,
    pub bridge: Option<Slot>,
    pub dtmf: DtmfDetector,
    pub caller_id: FskCallerIdDecoder,
    pub caller_id_on: bool,
    pub wake_at: Option<u64>,
    /// Call-progress tone receiver (analog trunks); boxed: it is large and most
    /// channels have none.
    pub progress: Option<Box<dsp::call_progress::CallProgressDetector>>,
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
            source: Source::Silence,
            bridge: None,
            dtmf: DtmfDetector::default(),
            caller_id: FskCallerIdDecoder::new(),
            caller_id_on: false,
            wake_at: None,
            progress: None,
        }
    }
}
