//! Taps: each channel's audio, both ways, handed to a consumer thread (the recorder)
//! through a pre-allocated single-producer single-consumer ring of fixed frames.
//!
//! The engine thread is the only producer; a [`TapReader`] (at most one per channel at a
//! time) the only consumer. Pushing never waits: a full ring drops the frame and counts
//! it. Neither side allocates, locks or spins.

use crate::messages::{Slot, TapId};
use line_boundary::{AudioFrame, FRAME_SAMPLES};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Frames a tap ring holds: 640 ms of audio for the consumer to fall behind by before
/// frames drop.
pub const TAP_RING_FRAMES: usize = 32;

/// 20 ms of one channel, both directions, as the engine handled them in one tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TapFrame {
    pub tap: TapId,
    /// 0 for a tap's first frame, +1 per tick; a gap is frames dropped on a full ring.
    pub seq: u32,
    /// Engine time of the tick.
    pub at_ms: u64,
    /// What the channel received from its far end.
    pub rx: AudioFrame,
    /// What the engine sent to its far end (the mix and playback, before A-law).
    pub tx: AudioFrame,
}

impl TapFrame {
    pub const EMPTY: TapFrame = TapFrame {
        tap: TapId(0),
        seq: 0,
        at_ms: 0,
        rx: [0; FRAME_SAMPLES],
        tx: [0; FRAME_SAMPLES],
    };
}

/// The ring. `tail` counts frames pushed (written by the engine only), `head` frames
/// read (written by the reader only); `tail - head` frames are waiting.
pub struct TapRing {
    frames: Box<[UnsafeCell<TapFrame>]>,
    head: AtomicU64,
    tail: AtomicU64,
    dropped: AtomicU64,
    claimed: AtomicBool,
}

// SAFETY: a slot is written only by the single producer while it is outside `head..tail`
// and read only by the single consumer while it is inside; the Release/Acquire pairs on
// `tail` and `head` order those accesses. `push` is crate-private and called from the
// engine thread only; reading needs the one `TapReader` (claimed by `claimed`).
unsafe impl Sync for TapRing {}
unsafe impl Send for TapRing {}

impl TapRing {
    pub(crate) fn new() -> TapRing {
        TapRing {
            frames: (0..TAP_RING_FRAMES)
                .map(|_| UnsafeCell::new(TapFrame::EMPTY))
                .collect(),
            head: AtomicU64::new(0),
            tail: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            claimed: AtomicBool::new(false),
        }
    }

    /// Producer side (the engine thread only). False if the ring was full: the frame is
    /// dropped and counted.
    pub(crate) fn push(&self, frame: &TapFrame) -> bool {
        let tail = self.tail.load(Ordering::Relaxed);
        // Acquire: the reader is done with the slot it released before we overwrite it.
        let head = self.head.load(Ordering::Acquire);
        if tail.wrapping_sub(head) >= TAP_RING_FRAMES as u64 {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        let slot = &self.frames[(tail % TAP_RING_FRAMES as u64) as usize];
        // SAFETY: `tail` is outside `head..tail`, so the reader does not touch this slot
        // until the Release store below publishes it.
        unsafe { *slot.get() = *frame };
        self.tail.store(tail.wrapping_add(1), Ordering::Release);
        true
    }

    /// Consumer side: only through the claimed `TapReader`.
    fn pop(&self) -> Option<TapFrame> {
        let head = self.head.load(Ordering::Relaxed);
        // Acquire: the frame's contents were written before `tail` moved past it.
        let tail = self.tail.load(Ordering::Acquire);
        if head == tail {
            return None;
        }
        let slot = &self.frames[(head % TAP_RING_FRAMES as u64) as usize];
        // SAFETY: `head` is inside `head..tail`: published and not yet released, so the
        // producer does not write it until the Release store below.
        let frame = unsafe { *slot.get() };
        self.head.store(head.wrapping_add(1), Ordering::Release);
        Some(frame)
    }

    pub(crate) fn waiting(&self) -> usize {
        let head = self.head.load(Ordering::Acquire);
        let tail = self.tail.load(Ordering::Acquire);
        tail.wrapping_sub(head) as usize
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Why a tap reader could not be had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TapError {
    #[error("no channel has slot {0:?}: there is no tap ring to read")]
    NoSuchSlot(Slot),
    #[error("the tap ring of slot {0:?} already has a reader (one consumer per ring)")]
    AlreadyReading(Slot),
}

/// The consumer end of one channel's tap ring. Not `Clone`: one reader per ring at a
/// time; dropping it lets another be had.
pub struct TapReader {
    slot: Slot,
    ring: Arc<TapRing>,
}

impl TapReader {
    pub(crate) fn claim(slot: Slot, ring: &Arc<TapRing>) -> Result<TapReader, TapError> {
        if ring.claimed.swap(true, Ordering::AcqRel) {
            return Err(TapError::AlreadyReading(slot));
        }
        Ok(TapReader {
            slot,
            ring: Arc::clone(ring),
        })
    }

    pub fn slot(&self) -> Slot {
        self.slot
    }

    /// The oldest frame waiting, if any. Never blocks.
    pub fn read(&mut self) -> Option<TapFrame> {
        self.ring.pop()
    }

    /// Frames waiting to be read.
    pub fn waiting(&self) -> usize {
        self.ring.waiting()
    }

    /// Frames dropped on this ring because it was full, since the engine started.
    pub fn dropped(&self) -> u64 {
        self.ring.dropped()
    }
}

impl Drop for TapReader {
    fn drop(&mut self) {
        self.ring.claimed.store(false, Ordering::Release);
    }
}

impl std::fmt::Debug for TapReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TapReader")
            .field("slot", &self.slot)
            .field("waiting", &self.waiting())
            .field("dropped", &self.dropped())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(seq: u32) -> TapFrame {
        TapFrame {
            seq,
            rx: [seq as i16; FRAME_SAMPLES],
            tx: [-(seq as i16); FRAME_SAMPLES],
            ..TapFrame::EMPTY
        }
    }

    #[test]
    fn a_full_ring_drops_and_counts_and_keeps_what_it_had() {
        let ring = Arc::new(TapRing::new());
        let mut reader = TapReader::claim(Slot(0), &ring).unwrap();
        for seq in 0..TAP_RING_FRAMES as u32 + 5 {
            let pushed = ring.push(&frame(seq));
            assert_eq!(pushed, (seq as usize) < TAP_RING_FRAMES, "frame {seq}");
        }
        assert_eq!(reader.dropped(), 5);
        assert_eq!(reader.waiting(), TAP_RING_FRAMES);
        for seq in 0..TAP_RING_FRAMES as u32 {
            assert_eq!(reader.read(), Some(frame(seq)));
        }
        assert_eq!(reader.read(), None);
        assert!(ring.push(&frame(99)), "room again");
        assert_eq!(reader.read(), Some(frame(99)));
    }

    #[test]
    fn one_reader_at_a_time() {
        let ring = Arc::new(TapRing::new());
        let first = TapReader::claim(Slot(3), &ring).unwrap();
        assert_eq!(
            TapReader::claim(Slot(3), &ring).unwrap_err(),
            TapError::AlreadyReading(Slot(3))
        );
        drop(first);
        assert!(TapReader::claim(Slot(3), &ring).is_ok());
    }

    #[test]
    fn frames_cross_threads_whole_and_in_order() {
        let ring = Arc::new(TapRing::new());
        let mut reader = TapReader::claim(Slot(0), &ring).unwrap();
        const FRAMES: u32 = 20_000;
        let producer = {
            let ring = Arc::clone(&ring);
            std::thread::spawn(move || {
                for seq in 0..FRAMES {
                    while !ring.push(&frame(seq)) {
                        std::thread::yield_now();
                    }
                }
            })
        };
        let mut expected = 0;
        while expected < FRAMES {
            match reader.read() {
                Some(got) => {
                    // A torn frame would mix two sequence numbers' samples.
                    assert_eq!(got, frame(expected));
                    expected += 1;
                }
                None => std::thread::yield_now(),
            }
        }
        producer.join().unwrap();
        assert_eq!(reader.read(), None);
    }
}
