//! spandsp's DTMF receiver and sender (`dtmf.h`), wrapped safely.
//!
//! Declarations written by hand from the public header of spandsp 0.0.6. Both states are
//! allocated by spandsp (`*_init(NULL, …)`) and freed in `Drop`.

use std::os::raw::{c_char, c_int, c_void};
use std::ptr::{self, NonNull};

#[repr(C)]
struct DtmfRxState {
    _opaque: [u8; 0],
}

#[repr(C)]
struct DtmfTxState {
    _opaque: [u8; 0],
}

type DigitsRxCallback = extern "C" fn(user_data: *mut c_void, digits: *const c_char, len: c_int);

extern "C" {
    fn dtmf_rx_init(
        s: *mut DtmfRxState,
        callback: Option<DigitsRxCallback>,
        user_data: *mut c_void,
    ) -> *mut DtmfRxState;
    fn dtmf_rx_parms(
        s: *mut DtmfRxState,
        filter_dialtone: c_int,
        twist: c_int,
        reverse_twist: c_int,
        threshold: c_int,
    );
    fn dtmf_rx(s: *mut DtmfRxState, amp: *const i16, samples: c_int) -> c_int;
    fn dtmf_rx_get(s: *mut DtmfRxState, digits: *mut c_char, max: c_int) -> usize;
    fn dtmf_rx_free(s: *mut DtmfRxState) -> c_int;

    fn dtmf_tx_init(s: *mut DtmfTxState) -> *mut DtmfTxState;
    fn dtmf_tx_set_level(s: *mut DtmfTxState, level: c_int, twist: c_int);
    fn dtmf_tx_set_timing(s: *mut DtmfTxState, on_time: c_int, off_time: c_int);
    fn dtmf_tx_put(s: *mut DtmfTxState, digits: *const c_char, len: c_int) -> c_int;
    fn dtmf_tx(s: *mut DtmfTxState, amp: *mut i16, max_samples: c_int) -> c_int;
    fn dtmf_tx_free(s: *mut DtmfTxState) -> c_int;
}

/// spandsp `dtmf_rx` with its default parameters (digits buffered, read with `take_digits`).
pub struct SpandspDtmfRx {
    state: NonNull<DtmfRxState>,
}

impl Default for SpandspDtmfRx {
    fn default() -> Self {
        Self::new()
    }
}

impl SpandspDtmfRx {
    pub fn new() -> Self {
        // SAFETY: a null state asks spandsp to allocate one; no callback, so digits are
        // buffered inside the state. We own the state until `drop`.
        let state = unsafe { dtmf_rx_init(ptr::null_mut(), None, ptr::null_mut()) };
        SpandspDtmfRx {
            state: NonNull::new(state).expect("spandsp dtmf_rx_init failed to allocate"),
        }
    }

    /// `dtmf_rx_parms`: negative values (or `threshold_dbm0 <= -99`) leave a setting as is.
    pub fn set_parameters(
        &mut self,
        filter_dialtone: Option<bool>,
        twist_db: i32,
        reverse_twist_db: i32,
        threshold_dbm0: i32,
    ) {
        let filter = filter_dialtone.map_or(-1, c_int::from);
        // SAFETY: the state is live; the call only stores the values.
        unsafe {
            dtmf_rx_parms(
                self.state.as_ptr(),
                filter,
                twist_db,
                reverse_twist_db,
                threshold_dbm0,
            )
        }
    }

    /// Feeds audio of any length.
    pub fn process(&mut self, samples: &[i16]) {
        for chunk in samples.chunks(c_int::MAX as usize) {
            // SAFETY: `chunk` is valid for `chunk.len()` reads; spandsp only reads it.
            unsafe { dtmf_rx(self.state.as_ptr(), chunk.as_ptr(), chunk.len() as c_int) };
        }
    }

    /// Digits detected so far and not yet taken.
    pub fn take_digits(&mut self) -> String {
        let mut out = String::new();
        let mut buffer = [0 as c_char; 130];
        loop {
            // SAFETY: `buffer` has room for 128 digits plus spandsp's terminating NUL.
            let count = unsafe { dtmf_rx_get(self.state.as_ptr(), buffer.as_mut_ptr(), 128) };
            let count = count.min(128);
            out.extend(buffer[..count].iter().map(|&c| c as u8 as char));
            if count < 128 {
                return out;
            }
        }
    }
}

impl Drop for SpandspDtmfRx {
    fn drop(&mut self) {
        // SAFETY: allocated by `dtmf_rx_init(NULL, …)`, freed exactly once.
        unsafe { dtmf_rx_free(self.state.as_ptr()) };
    }
}

/// spandsp `dtmf_tx`: queues digits and sends them with its own timing and levels.
pub struct SpandspDtmfTx {
    state: NonNull<DtmfTxState>,
}

impl Default for SpandspDtmfTx {
    fn default() -> Self {
        Self::new()
    }
}

impl SpandspDtmfTx {
    pub fn new() -> Self {
        // SAFETY: as for the receiver.
        let state = unsafe { dtmf_tx_init(ptr::null_mut()) };
        SpandspDtmfTx {
            state: NonNull::new(state).expect("spandsp dtmf_tx_init failed to allocate"),
        }
    }

    /// Low-group level in dBm0 and twist (high group above low) in dB.
    pub fn set_level(&mut self, low_dbm0: i32, twist_db: i32) {
        // SAFETY: live state; stores values.
        unsafe { dtmf_tx_set_level(self.state.as_ptr(), low_dbm0, twist_db) }
    }

    pub fn set_timing(&mut self, on_ms: i32, off_ms: i32) {
        // SAFETY: live state; stores values.
        unsafe { dtmf_tx_set_timing(self.state.as_ptr(), on_ms, off_ms) }
    }

    /// Queues digits; returns how many were queued. spandsp 0.0.6 queues the whole string
    /// or nothing, and returns how many digits did not fit (0 = all queued).
    pub fn push_digits(&mut self, digits: &str) -> usize {
        let bytes = digits.as_bytes();
        if bytes.is_empty() {
            return 0;
        }
        // SAFETY: `bytes` is valid for its length; spandsp copies it.
        let not_queued = unsafe {
            dtmf_tx_put(
                self.state.as_ptr(),
                bytes.as_ptr().cast::<c_char>(),
                bytes.len() as c_int,
            )
        };
        if not_queued == 0 {
            bytes.len()
        } else {
            0
        }
    }

    /// Fills `out` (silence after the queue empties); returns the samples spandsp produced.
    pub fn fill(&mut self, out: &mut [i16]) -> usize {
        out.fill(0);
        // SAFETY: `out` is valid for `out.len()` writes.
        let produced =
            unsafe { dtmf_tx(self.state.as_ptr(), out.as_mut_ptr(), out.len() as c_int) };
        usize::try_from(produced).unwrap_or(0)
    }

    /// Renders everything queued, as one buffer.
    pub fn render_all(&mut self) -> Vec<i16> {
        let mut audio = Vec::new();
        let mut frame = [0i16; 160];
        loop {
            let produced = self.fill(&mut frame);
            audio.extend_from_slice(&frame[..produced]);
            if produced < frame.len() {
                return audio;
            }
        }
    }
}

impl Drop for SpandspDtmfTx {
    fn drop(&mut self) {
        // SAFETY: allocated by `dtmf_tx_init(NULL)`, freed exactly once.
        unsafe { dtmf_tx_free(self.state.as_ptr()) };
    }
}
