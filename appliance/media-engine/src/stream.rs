//! Stream playback: audio made outside the engine (a stored voicemail message, decoded by
//! a player thread) played toward a channel's far end, through a pre-allocated
//! single-producer single-consumer ring of 20 ms frames per channel.
//!
//! The tap ring (`tap.rs`) reversed: a [`StreamWriter`] (at most one per channel at a
//! time) is the only producer, the engine thread the only consumer. While a
//! `PlayStream` runs the channel plays one frame popped from its ring each tick, silence
//! when the ring is empty and the writer is still writing; once the writer has marked the
//! end (or is gone) and the ring is drained the playback is done. Stopping the playback
//! tells the writer to give up. Neither side allocates, locks or spins.

use crate::messages::Slot;
use line_boundary::{AudioFrame, FRAME_SAMPLES};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Frames a stream ring holds: 640 ms the writer may run ahead by.
pub const STREAM_RING_FRAMES: usize = 32;

/// The ring. `tail` counts frames written (by the writer only), `head` frames played (by
/// the engine only, or by a new writer while no playback reads the ring); `tail - head`
/// frames wait.
pub struct StreamRing {
    frames: Box<[UnsafeCell<AudioFrame>]>,
    head: AtomicU64,
    tail: AtomicU64,
    /// The writer wrote its last frame (or was dropped).
    ended: AtomicBool,
    /// The engine stopped playing: the writer should stop writing.
    cancelled: AtomicBool,
    /// A `PlayStream` reads the ring now (set and cleared by the engine thread).
    playing: AtomicBool,
    claimed: AtomicBool,
    /// Ticks that found the ring empty while the writer was still writing.
    underruns: AtomicU64,
}

// SAFETY: a slot is written only by the single writer while it is outside `head..tail`
// and read only by the engine while it is inside; the Release/Acquire pairs on `tail`
// and `head` order those accesses. Writing needs the one claimed `StreamWriter`; the
// engine reads only from its own thread. `head` is moved by a new writer only while
// `playing` is false, when the engine does not touch it.
unsafe impl Sync for StreamRing {}
unsafe impl Send for StreamRing {}

/// What the engine found in the ring this tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreamRead {
    Frame,
    /// Nothing yet: silence this tick.
    Empty,
    /// The writer has ended and every frame was played.
    Finished,
}

impl StreamRing {
    pub(crate) fn new() -> StreamRing {
        StreamRing {
            frames: (0..STREAM_RING_FRAMES)
                .map(|_| UnsafeCell::new([0; FRAME_SAMPLES]))
                .collect(),
            head: AtomicU64::new(0),
            tail: AtomicU64::new(0),
            ended: AtomicBool::new(false),
            cancelled: AtomicBool::new(false),
            playing: AtomicBool::new(false),
            claimed: AtomicBool::new(false),
            underruns: AtomicU64::new(0),
        }
    }

    /// Engine thread: a `PlayStream` starts reading the ring.
    pub(crate) fn start_playing(&self) {
        self.playing.store(true, Ordering::Release);
    }

    /// Engine thread: the playback is over (done or stopped). What waits is dropped and
    /// a writer still writing is told to stop.
    pub(crate) fn stop_playing(&self) {
        self.cancelled.store(true, Ordering::Release);
        let tail = self.tail.load(Ordering::Acquire);
        self.head.store(tail, Ordering::Release);
        self.playing.store(false, Ordering::Release);
    }

    /// Engine thread: the next frame into `out`.
    pub(crate) fn read(&self, out: &mut AudioFrame) -> StreamRead {
        let head = self.head.load(Ordering::Relaxed);
        // `ended` before `tail`: a frame written before the end was marked is seen.
        let ended = self.ended.load(Ordering::Acquire);
        let tail = self.tail.load(Ordering::Acquire);
        if head == tail {
            if ended {
                return StreamRead::Finished;
            }
            self.underruns.fetch_add(1, Ordering::Relaxed);
            return StreamRead::Empty;
        }
        let slot = &self.frames[(head % STREAM_RING_FRAMES as u64) as usize];
        // SAFETY: `head` is inside `head..tail`: published by the writer and not yet
        // released, so the writer does not touch it until the Release store below.
        *out = unsafe { *slot.get() };
        self.head.store(head.wrapping_add(1), Ordering::Release);
        StreamRead::Frame
    }

    /// Frames written and not yet played.
    pub(crate) fn waiting(&self) -> usize {
        let head = self.head.load(Ordering::Acquire);
        let tail = self.tail.load(Ordering::Acquire);
        tail.wrapping_sub(head) as usize
    }

    /// Lock-step: the engine should give the writer time before the next tick.
    pub(crate) fn writer_behind(&self) -> bool {
        self.playing.load(Ordering::Acquire)
            && !self.ended.load(Ordering::Acquire)
            && self.waiting() < STREAM_RING_FRAMES / 2
    }
}

/// Why a stream writer could not be had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    #[error("no channel has slot {0:?}: there is no stream ring to write")]
    NoSuchSlot(Slot),
    #[error("the stream ring of slot {0:?} already has a writer (one producer per ring)")]
    AlreadyWriting(Slot),
    #[error("slot {0:?} still plays its previous stream")]
    StillPlaying(Slot),
}

/// The producer end of one channel's stream ring. Not `Clone`: one writer per ring at a
/// time; dropping it marks the end of the stream and lets another be had.
pub struct StreamWriter {
    slot: Slot,
    ring: Arc<StreamRing>,
}

impl StreamWriter {
    pub(crate) fn claim(slot: Slot, ring: &Arc<StreamRing>) -> Result<StreamWriter, StreamError> {
        if ring.claimed.swap(true, Ordering::AcqRel) {
            return Err(StreamError::AlreadyWriting(slot));
        }
        if ring.playing.load(Ordering::Acquire) {
            ring.claimed.store(false, Ordering::Release);
            return Err(StreamError::StillPlaying(slot));
        }
        // No playback reads the ring: what a stopped stream left is dropped and the new
        // stream starts clean.
        let tail = ring.tail.load(Ordering::Acquire);
        ring.head.store(tail, Ordering::Release);
        ring.cancelled.store(false, Ordering::Release);
        ring.ended.store(false, Ordering::Release);
        Ok(StreamWriter {
            slot,
            ring: Arc::clone(ring),
        })
    }

    pub fn slot(&self) -> Slot {
        self.slot
    }

    /// Appends one frame; false if the ring is full (try again later). Never blocks.
    pub fn write(&mut self, frame: &AudioFrame) -> bool {
        let ring = &self.ring;
        let tail = ring.tail.load(Ordering::Relaxed);
        // Acquire: the engine is done with the slot it released before we overwrite it.
        let head = ring.head.load(Ordering::Acquire);
        if tail.wrapping_sub(head) >= STREAM_RING_FRAMES as u64 {
            return false;
        }
        let slot = &ring.frames[(tail % STREAM_RING_FRAMES as u64) as usize];
        // SAFETY: `tail` is outside `head..tail`, so the engine does not read this slot
        // until the Release store below publishes it.
        unsafe { *slot.get() = *frame };
        ring.tail.store(tail.wrapping_add(1), Ordering::Release);
        true
    }

    /// Room for this many frames now.
    pub fn space(&self) -> usize {
        STREAM_RING_FRAMES.saturating_sub(self.ring.waiting())
    }

    /// The playback was stopped (or never started and was replaced): stop writing.
    pub fn is_cancelled(&self) -> bool {
        self.ring.cancelled.load(Ordering::Acquire)
    }

    /// Ticks that found the ring empty while this stream was still being written, since
    /// the engine started.
    pub fn underruns(&self) -> u64 {
        self.ring.underruns.load(Ordering::Relaxed)
    }

    /// No more frames: the playback ends once the ring is drained.
    pub fn finish(self) {
        // Drop marks the end.
    }
}

impl Drop for StreamWriter {
    fn drop(&mut self) {
        self.ring.ended.store(true, Ordering::Release);
        self.ring.claimed.store(false, Ordering::Release);
    }
}

impl std::fmt::Debug for StreamWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamWriter")
            .field("slot", &self.slot)
            .field("space", &self.space())
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: u16) -> AudioFrame {
        [n as i16; FRAME_SAMPLES]
    }

    #[test]
    fn frames_play_in_order_then_the_end_once_drained() {
        let ring = Arc::new(StreamRing::new());
        let mut writer = StreamWriter::claim(Slot(0), &ring).unwrap();
        ring.start_playing();
        let mut out = [0; FRAME_SAMPLES];
        assert_eq!(ring.read(&mut out), StreamRead::Empty, "writer still open");
        for n in 0..STREAM_RING_FRAMES as u16 {
            assert!(writer.write(&frame(n)));
        }
        assert!(!writer.write(&frame(99)), "full");
        assert_eq!(writer.space(), 0);
        writer.finish();
        for n in 0..STREAM_RING_FRAMES as u16 {
            assert_eq!(ring.read(&mut out), StreamRead::Frame);
            assert_eq!(out, frame(n));
        }
        assert_eq!(ring.read(&mut out), StreamRead::Finished);
    }

    #[test]
    fn one_writer_at_a_time_and_not_while_a_stream_plays() {
        let ring = Arc::new(StreamRing::new());
        let first = StreamWriter::claim(Slot(2), &ring).unwrap();
        assert_eq!(
            StreamWriter::claim(Slot(2), &ring).unwrap_err(),
            StreamError::AlreadyWriting(Slot(2))
        );
        ring.start_playing();
        drop(first);
        assert_eq!(
            StreamWriter::claim(Slot(2), &ring).unwrap_err(),
            StreamError::StillPlaying(Slot(2))
        );
        ring.stop_playing();
        assert!(StreamWriter::claim(Slot(2), &ring).is_ok());
    }

    #[test]
    fn a_stop_cancels_the_writer_and_a_new_stream_starts_clean() {
        let ring = Arc::new(StreamRing::new());
        let mut writer = StreamWriter::claim(Slot(0), &ring).unwrap();
        ring.start_playing();
        for n in 0..5 {
            assert!(writer.write(&frame(n)));
        }
        ring.stop_playing();
        assert!(writer.is_cancelled());
        assert!(writer.write(&frame(7)), "a late frame is harmless");
        drop(writer);
        let mut writer = StreamWriter::claim(Slot(0), &ring).unwrap();
        assert!(!writer.is_cancelled());
        ring.start_playing();
        assert!(writer.write(&frame(42)));
        let mut out = [0; FRAME_SAMPLES];
        assert_eq!(ring.read(&mut out), StreamRead::Frame);
        assert_eq!(out, frame(42), "nothing of the stopped stream");
        assert_eq!(ring.read(&mut out), StreamRead::Empty);
    }

    #[test]
    fn frames_cross_threads_whole_and_in_order() {
        let ring = Arc::new(StreamRing::new());
        let mut writer = StreamWriter::claim(Slot(0), &ring).unwrap();
        ring.start_playing();
        const FRAMES: u16 = 20_000;
        let producer = std::thread::spawn(move || {
            for n in 0..FRAMES {
                while !writer.write(&frame(n)) {
                    std::thread::yield_now();
                }
            }
        });
        let mut expected = 0;
        let mut out = [0; FRAME_SAMPLES];
        loop {
            match ring.read(&mut out) {
                StreamRead::Frame => {
                    assert_eq!(out, frame(expected), "whole frames, in order");
                    expected += 1;
                }
                StreamRead::Empty => std::thread::yield_now(),
                StreamRead::Finished => break,
            }
        }
        producer.join().unwrap();
        assert_eq!(expected, FRAMES);
    }
}
