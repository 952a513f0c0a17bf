//! spandsp's ADSI (caller ID) transmitter and receiver (`adsi.h`), wrapped safely:
//! ETSI CLIP (V.23 FSK), Bellcore CLASS (Bell 202 FSK) and CLIP over DTMF.
//!
//! Declarations written by hand from the public header of spandsp 0.0.6. spandsp's
//! transmitter takes a message without its checksum (it appends one); its receiver
//! delivers what it framed through a callback, collected here into a `Vec`.

use std::os::raw::{c_int, c_void};
use std::ptr::{self, NonNull};

#[repr(C)]
struct AdsiRxState {
    _opaque: [u8; 0],
}

#[repr(C)]
struct AdsiTxState {
    _opaque: [u8; 0],
}

type PutMsgFn = extern "C" fn(user_data: *mut c_void, msg: *const u8, len: c_int);

extern "C" {
    fn adsi_rx_init(
        s: *mut AdsiRxState,
        standard: c_int,
        put_msg: Option<PutMsgFn>,
        user_data: *mut c_void,
    ) -> *mut AdsiRxState;
    fn adsi_rx(s: *mut AdsiRxState, amp: *const i16, len: c_int) -> c_int;
    fn adsi_rx_free(s: *mut AdsiRxState) -> c_int;

    fn adsi_tx_init(s: *mut AdsiTxState, standard: c_int) -> *mut AdsiTxState;
    fn adsi_tx_set_preamble(
        s: *mut AdsiTxState,
        preamble_len: c_int,
        preamble_ones_len: c_int,
        postamble_ones_len: c_int,
        stop_bits: c_int,
    );
    fn adsi_tx(s: *mut AdsiTxState, amp: *mut i16, max_len: c_int) -> c_int;
    fn adsi_tx_put_message(s: *mut AdsiTxState, msg: *const u8, len: c_int) -> c_int;
    fn adsi_tx_free(s: *mut AdsiTxState) -> c_int;
}

/// The ADSI standards this crate uses (values of spandsp's `ADSI_STANDARD_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdsiStandard {
    /// Bellcore/Telcordia GR-30 CLASS, Bell 202 FSK (1200/2200 Hz).
    Class = 1,
    /// ETSI EN 300 659 CLIP, V.23 FSK (1300/2100 Hz).
    Clip = 2,
    /// ETSI CLIP sent as DTMF digits.
    ClipDtmf = 5,
}

/// spandsp `adsi_rx`: every message it delivers, as raw bytes.
#[allow(clippy::box_collection)] // boxed so the address given to spandsp is stable
pub struct SpandspAdsiRx {
    state: NonNull<AdsiRxState>,
    /// Boxed so the pointer handed to spandsp stays put when `self` moves.
    messages: Box<Vec<Vec<u8>>>,
}

extern "C" fn collect_message(user_data: *mut c_void, msg: *const u8, len: c_int) {
    let Ok(len) = usize::try_from(len) else {
        return; // spandsp reports status changes with negative lengths
    };
    if user_data.is_null() || msg.is_null() {
        return;
    }
    // SAFETY: `user_data` is the `Box<Vec<Vec<u8>>>` of the `SpandspAdsiRx` that owns this
    // state (alive while spandsp runs inside `process`); `msg` is valid for `len` bytes.
    unsafe {
        let messages = &mut *user_data.cast::<Vec<Vec<u8>>>();
        messages.push(std::slice::from_raw_parts(msg, len).to_vec());
    }
}

impl SpandspAdsiRx {
    pub fn new(standard: AdsiStandard) -> Self {
        let mut messages: Box<Vec<Vec<u8>>> = Box::default();
        let user_data = (&mut *messages as *mut Vec<Vec<u8>>).cast::<c_void>();
        // SAFETY: null state asks spandsp to allocate; the callback only runs inside
        // `adsi_rx` calls made by `process`, while `messages` is alive.
        let state = unsafe {
            adsi_rx_init(
                ptr::null_mut(),
                standard as c_int,
                Some(collect_message),
                user_data,
            )
        };
        SpandspAdsiRx {
            state: NonNull::new(state).expect("spandsp adsi_rx_init failed"),
            messages,
        }
    }

    pub fn process(&mut self, samples: &[i16]) {
        for chunk in samples.chunks(c_int::MAX as usize) {
            // SAFETY: `chunk` valid for reads; the callback writes only to `messages`.
            unsafe { adsi_rx(self.state.as_ptr(), chunk.as_ptr(), chunk.len() as c_int) };
        }
    }

    /// Messages delivered since the last call.
    pub fn take_messages(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut *self.messages)
    }
}

impl Drop for SpandspAdsiRx {
    fn drop(&mut self) {
        // SAFETY: allocated by `adsi_rx_init(NULL, …)`, freed exactly once.
        unsafe { adsi_rx_free(self.state.as_ptr()) };
    }
}

/// spandsp `adsi_tx`.
pub struct SpandspAdsiTx {
    state: NonNull<AdsiTxState>,
}

impl SpandspAdsiTx {
    pub fn new(standard: AdsiStandard) -> Self {
        // SAFETY: null state asks spandsp to allocate one; owned until `drop`.
        let state = unsafe { adsi_tx_init(ptr::null_mut(), standard as c_int) };
        SpandspAdsiTx {
            state: NonNull::new(state).expect("spandsp adsi_tx_init failed"),
        }
    }

    /// Seizure bits, mark bits before and after the message, stop bits per character.
    pub fn set_preamble(
        &mut self,
        seizure_bits: i32,
        marks: i32,
        trailing_marks: i32,
        stop_bits: i32,
    ) {
        // SAFETY: live state; stores values.
        unsafe {
            adsi_tx_set_preamble(
                self.state.as_ptr(),
                seizure_bits,
                marks,
                trailing_marks,
                stop_bits,
            )
        }
    }

    /// Queues a message: for FSK standards type, length and body (spandsp adds the
    /// checksum and rewrites the length); for DTMF the digit string. Returns what spandsp
    /// reports (bytes taken, 0 busy, -1 invalid).
    pub fn put_message(&mut self, message: &[u8]) -> i32 {
        // SAFETY: `message` valid for its length; spandsp copies it.
        unsafe {
            adsi_tx_put_message(
                self.state.as_ptr(),
                message.as_ptr(),
                message.len() as c_int,
            )
        }
    }

    /// Fills `out`; returns the samples produced (fewer once the message is done).
    pub fn fill(&mut self, out: &mut [i16]) -> usize {
        out.fill(0);
        // SAFETY: `out` valid for `out.len()` writes.
        let produced =
            unsafe { adsi_tx(self.state.as_ptr(), out.as_mut_ptr(), out.len() as c_int) };
        usize::try_from(produced).unwrap_or(0)
    }

    /// Renders the queued message, as one buffer (stops at `max_samples`).
    pub fn render_all(&mut self, max_samples: usize) -> Vec<i16> {
        let mut audio = Vec::new();
        let mut frame = [0i16; 160];
        while audio.len() < max_samples {
            let produced = self.fill(&mut frame);
            audio.extend_from_slice(&frame[..produced]);
            if produced < frame.len() {
                break;
            }
        }
        audio
    }
}

impl Drop for SpandspAdsiTx {
    fn drop(&mut self) {
        // SAFETY: allocated by `adsi_tx_init(NULL, …)`, freed exactly once.
        unsafe { adsi_tx_free(self.state.as_ptr()) };
    }
}
