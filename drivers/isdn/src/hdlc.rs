//! HDLC framing of the 64 kbit/s D-channel carried in E1 timeslot 16.
//!
//! Bit order on the soft span (see `drivers/soft-hardware/WIRE-FORMAT.md`): the
//! D-channel is a serial bit stream; each timeslot-16 octet carries eight consecutive
//! bits of it, the earliest bit in the most significant position. Inside that stream
//! HDLC sends every frame octet (address, control, information) low-order bit first
//! and the FCS starting with the coefficient of the highest term (ISO/IEC 13239,
//! Q.921 §2.8). Frames are delimited by flags `0x7E`, a `0` is stuffed after five
//! consecutive `1`s inside a frame, seven or more `1`s abort the frame, and the idle
//! line carries back-to-back flags.
//!
//! Both directions are allocation-free: frames live in fixed `heapless` buffers.
//!
//! * [`HdlcTx`]: queue frames with [`HdlcTx::push_frame`], then call
//!   [`HdlcTx::fill`] once per 20 ms block to get its 160 timeslot-16 octets.
//! * [`HdlcRx`]: feed each received block's 160 octets to [`HdlcRx::process`] and drain
//!   [`HdlcRx::poll_frame`]: good frames (FCS checked and removed) and errors.

use heapless::{Deque, Vec};

/// Longest frame carried, FCS excluded: a Q.921 I frame with a 260-octet
/// information field (N201) behind a 2-octet address and 2-octet control field.
pub const MAX_FRAME_LEN: usize = 264;

/// Shortest frame accepted, FCS excluded (Q.921 has none shorter than 3 octets).
pub const MIN_FRAME_LEN: usize = 3;

/// Octets of timeslot 16 in one 20 ms block.
pub const BLOCK_OCTETS: usize = 160;

/// Frames waiting in [`HdlcTx`] before [`HdlcTx::push_frame`] refuses more. A 20 ms
/// block carries only a few frames, while a burst of calls makes Q.921 hand over a full
/// window of I frames plus an RR for each frame received: room for several such bursts.
pub const TX_QUEUE: usize = 64;

/// Received frames and errors waiting in [`HdlcRx`]; beyond this the oldest are lost
/// (counted in [`HdlcRx::overruns`]).
pub const RX_QUEUE: usize = 16;

const FLAG: u8 = 0x7E;
const FCS_LEN: usize = 2;

/// One frame, FCS excluded.
pub type Frame = Vec<u8, MAX_FRAME_LEN>;

/// Why a received frame was discarded, or why a frame could not be queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HdlcError {
    #[error("frame check sequence mismatch (computed {computed:#06x}, received {received:#06x})")]
    BadFcs { computed: u16, received: u16 },
    #[error("frame aborted (seven or more consecutive 1 bits)")]
    Aborted,
    #[error("frame too short: {len} octets between flags")]
    TooShort { len: usize },
    #[error("frame too long: more than {max} octets between flags", max = MAX_FRAME_LEN + FCS_LEN)]
    TooLong,
    #[error("frame is not a whole number of octets ({bits} bits)")]
    NotOctetAligned { bits: usize },
    #[error("transmit queue full ({TX_QUEUE} frames)")]
    QueueFull,
    #[error("frame of {len} octets is longer than {MAX_FRAME_LEN}")]
    FrameTooLong { len: usize },
    #[error("frame of {len} octets is shorter than {MIN_FRAME_LEN}")]
    FrameTooShort { len: usize },
}

/// CRC-16/X.25 (the HDLC FCS): polynomial x^16 + x^12 + x^5 + 1, reflected, initial
/// value 0xFFFF, final complement. `fcs16(b"123456789") == 0x906E`.
pub fn fcs16(data: &[u8]) -> u16 {
    !fcs16_update(0xFFFF, data)
}

fn fcs16_update(mut crc: u16, data: &[u8]) -> u16 {
    for &byte in data {
        crc ^= u16::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x8408
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// The frame being serialised: its octets with the FCS appended.
struct TxCurrent {
    octets: Vec<u8, { MAX_FRAME_LEN + FCS_LEN }>,
    index: usize,
    bit: u8,
}

/// Transmit side: frames in, timeslot-16 octets out.
pub struct HdlcTx {
    queue: Deque<Frame, TX_QUEUE>,
    current: Option<TxCurrent>,
    /// Bits of the flag still to send (0 = none, a frame may start).
    flag_bits_left: u8,
    /// Consecutive 1 bits sent inside the current frame (stuffing).
    ones: u8,
    /// A stuffed 0 is owed before the next data bit.
    stuff_pending: bool,
}

impl Default for HdlcTx {
    fn default() -> Self {
        Self::new()
    }
}

impl HdlcTx {
    pub fn new() -> Self {
        Self {
            queue: Deque::new(),
            current: None,
            flag_bits_left: 8,
            ones: 0,
            stuff_pending: false,
        }
    }

    /// Queue one frame (FCS excluded; it is computed and appended here).
    pub fn push_frame(&mut self, frame: &[u8]) -> Result<(), HdlcError> {
        if frame.len() > MAX_FRAME_LEN {
            return Err(HdlcError::FrameTooLong { len: frame.len() });
        }
        if frame.len() < MIN_FRAME_LEN {
            return Err(HdlcError::FrameTooShort { len: frame.len() });
        }
        let mut v = Frame::new();
        v.extend_from_slice(frame)
            .map_err(|_| HdlcError::FrameTooLong { len: frame.len() })?;
        self.queue.push_back(v).map_err(|_| HdlcError::QueueFull)
    }

    /// Frames queued and not yet started on the line.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// True when nothing is queued or being sent: the line carries idle flags.
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty() && self.current.is_none()
    }

    /// Produce the next block of timeslot-16 octets (MSB first in time).
    pub fn fill(&mut self, block: &mut [u8; BLOCK_OCTETS]) {
        self.fill_slice(block);
    }

    /// As [`HdlcTx::fill`], for any number of octets.
    pub fn fill_slice(&mut self, out: &mut [u8]) {
        for octet in out.iter_mut() {
            let mut v = 0u8;
            for _ in 0..8 {
                v = (v << 1) | self.next_bit();
            }
            *octet = v;
        }
    }

    fn next_bit(&mut self) -> u8 {
        if self.flag_bits_left == 0 && self.current.is_none() {
            match self.queue.pop_front() {
                Some(frame) => self.start(&frame),
                None => self.flag_bits_left = 8,
            }
        }
        if self.flag_bits_left > 0 {
            self.flag_bits_left -= 1;
            return (FLAG >> self.flag_bits_left) & 1;
        }
        if self.stuff_pending {
            self.stuff_pending = false;
            self.ones = 0;
            if self
                .current
                .as_ref()
                .is_none_or(|c| c.index >= c.octets.len())
            {
                self.end_frame();
            }
            return 0;
        }
        let Some(cur) = self.current.as_mut() else {
            // Unreachable by construction: no frame means a flag was scheduled above.
            self.flag_bits_left = 7;
            return 0;
        };
        let bit = cur.octets.get(cur.index).map_or(0, |o| (o >> cur.bit) & 1);
        cur.bit += 1;
        if cur.bit == 8 {
            cur.bit = 0;
            cur.index += 1;
        }
        let done = cur.index >= cur.octets.len();
        if bit == 1 {
            self.ones += 1;
            if self.ones == 5 {
                self.stuff_pending = true;
            }
        } else {
            self.ones = 0;
        }
        if done && !self.stuff_pending {
            self.end_frame();
        }
        bit
    }

    fn start(&mut self, frame: &Frame) {
        let mut octets = Vec::new();
        // Cannot fail: frame ≤ MAX_FRAME_LEN and the buffer holds two more.
        let _ = octets.extend_from_slice(frame);
        let fcs = fcs16(frame);
        let _ = octets.extend_from_slice(&fcs.to_le_bytes());
        self.current = Some(TxCurrent {
            octets,
            index: 0,
            bit: 0,
        });
        self.ones = 0;
        self.stuff_pending = false;
    }

    fn end_frame(&mut self) {
        self.current = None;
        self.flag_bits_left = 8;
        self.ones = 0;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RxState {
    /// Waiting for a flag (start-up, after an abort or an overlong frame).
    Hunt,
    /// Between flags, collecting a frame.
    Frame,
    /// Frame overflowed its buffer: discard until the next flag.
    Overflow,
}

/// Receive side: timeslot-16 octets in, frames out.
pub struct HdlcRx {
    state: RxState,
    buf: Vec<u8, { MAX_FRAME_LEN + FCS_LEN }>,
    acc: u8,
    acc_bits: u8,
    /// Consecutive 1 bits seen, not yet handed to the frame.
    ones: u8,
    /// A 0 bit seen and not yet handed to the frame: it may be a flag's first bit.
    zero_pending: bool,
    out: Deque<Result<Frame, HdlcError>, RX_QUEUE>,
    overruns: u64,
}

impl Default for HdlcRx {
    fn default() -> Self {
        Self::new()
    }
}

impl HdlcRx {
    pub fn new() -> Self {
        Self {
            state: RxState::Hunt,
            buf: Vec::new(),
            acc: 0,
            acc_bits: 0,
            ones: 0,
            zero_pending: false,
            out: Deque::new(),
            overruns: 0,
        }
    }

    /// Feed received timeslot-16 octets (MSB first in time).
    pub fn process(&mut self, octets: &[u8]) {
        for &octet in octets {
            for i in (0..8).rev() {
                self.bit((octet >> i) & 1);
            }
        }
    }

    /// Next received frame (FCS removed) or reception error, oldest first.
    pub fn poll_frame(&mut self) -> Option<Result<Frame, HdlcError>> {
        self.out.pop_front()
    }

    /// Frames or errors lost because [`HdlcRx::poll_frame`] was not drained.
    pub fn overruns(&self) -> u64 {
        self.overruns
    }

    /// Forget any partial frame and wait for the next flag (e.g. after loss of signal).
    pub fn reset(&mut self) {
        self.state = RxState::Hunt;
        self.clear_frame();
        self.ones = 0;
    }

    fn bit(&mut self, bit: u8) {
        if bit == 1 {
            self.ones = self.ones.saturating_add(1);
            if self.ones == 7 {
                // Abort (or idle all-ones): report only a frame that had begun.
                if self.state == RxState::Frame && self.frame_bits() > 0 {
                    self.emit(Err(HdlcError::Aborted));
                }
                self.state = RxState::Hunt;
                self.clear_frame();
            }
            return;
        }
        match self.ones {
            6 => {
                // Flag: the pending 0 was its first bit, not data.
                self.zero_pending = false;
                if self.state == RxState::Frame {
                    self.end_of_frame();
                } else if self.state == RxState::Overflow {
                    self.emit(Err(HdlcError::TooLong));
                }
                self.state = RxState::Frame;
                self.clear_frame();
            }
            5 => {
                // Stuffed 0: drop it.
                self.flush_pending();
                self.data_ones(5);
            }
            n if n >= 7 => {
                // End of an abort / idle-ones run; still hunting for a flag.
            }
            n => {
                self.flush_pending();
                self.data_ones(n);
                self.zero_pending = true;
            }
        }
        self.ones = 0;
    }

    fn flush_pending(&mut self) {
        if self.zero_pending {
            self.zero_pending = false;
            self.data_bit(0);
        }
    }

    fn data_ones(&mut self, n: u8) {
        for _ in 0..n {
            self.data_bit(1);
        }
    }

    fn data_bit(&mut self, bit: u8) {
        if self.state != RxState::Frame {
            return;
        }
        self.acc |= bit << self.acc_bits;
        self.acc_bits += 1;
        if self.acc_bits == 8 {
            if self.buf.push(self.acc).is_err() {
                self.state = RxState::Overflow;
                self.clear_frame();
                return;
            }
            self.acc = 0;
            self.acc_bits = 0;
        }
    }

    fn frame_bits(&self) -> usize {
        self.buf.len() * 8 + usize::from(self.acc_bits)
    }

    fn clear_frame(&mut self) {
        self.buf.clear();
        self.acc = 0;
        self.acc_bits = 0;
        self.zero_pending = false;
    }

    fn end_of_frame(&mut self) {
        let bits = self.buf.len() * 8 + usize::from(self.acc_bits);
        if bits == 0 {
            return; // back-to-back flags
        }
        if self.acc_bits != 0 {
            self.emit(Err(HdlcError::NotOctetAligned { bits }));
            return;
        }
        let len = self.buf.len();
        if len < MIN_FRAME_LEN + FCS_LEN {
            self.emit(Err(HdlcError::TooShort { len }));
            return;
        }
        let (body, fcs) = self.buf.split_at(len - FCS_LEN);
        let computed = fcs16(body);
        let received = u16::from_le_bytes([fcs[0], fcs[1]]);
        if computed != received {
            self.emit(Err(HdlcError::BadFcs { computed, received }));
            return;
        }
        let mut frame = Frame::new();
        // Cannot fail: body ≤ MAX_FRAME_LEN by the buffer's capacity.
        let _ = frame.extend_from_slice(body);
        self.emit(Ok(frame));
    }

    fn emit(&mut self, item: Result<Frame, HdlcError>) {
        if self.out.is_full() {
            self.out.pop_front();
            self.overruns += 1;
        }
        let _ = self.out.push_back(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fcs_check_value() {
        assert_eq!(fcs16(b"123456789"), 0x906E);
    }

    #[test]
    fn idle_line_is_flags() {
        let mut tx = HdlcTx::new();
        let mut block = [0u8; BLOCK_OCTETS];
        tx.fill(&mut block);
        assert!(block.iter().all(|&o| o == FLAG));
    }
}
