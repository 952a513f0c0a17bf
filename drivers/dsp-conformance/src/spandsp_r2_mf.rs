//! spandsp's MFC/R2 tone sender and receiver (`bell_r2_mf.h`), wrapped safely.
//!
//! Declarations written by hand from the public header. spandsp names signals by
//! character: '1'…'9' for 1…9, '0' for 10, then 'B' 'C' 'D' 'E' 'F' for 11…15 (checked by
//! `tests/mf_r2.rs`, which measures the frequencies spandsp sends for each).

use std::os::raw::{c_char, c_int, c_void};
use std::ptr::{self, NonNull};

#[repr(C)]
struct R2MfTxState {
    _opaque: [u8; 0],
}

#[repr(C)]
struct R2MfRxState {
    _opaque: [u8; 0],
}

type ToneReportFn = extern "C" fn(user_data: *mut c_void, code: c_int, level: c_int, delay: c_int);

extern "C" {
    fn r2_mf_tx_init(s: *mut R2MfTxState, fwd: c_int) -> *mut R2MfTxState;
    fn r2_mf_tx(s: *mut R2MfTxState, amp: *mut i16, samples: c_int) -> c_int;
    fn r2_mf_tx_put(s: *mut R2MfTxState, digit: c_char) -> c_int;
    fn r2_mf_tx_free(s: *mut R2MfTxState) -> c_int;

    fn r2_mf_rx_init(
        s: *mut R2MfRxState,
        fwd: c_int,
        callback: Option<ToneReportFn>,
        user_data: *mut c_void,
    ) -> *mut R2MfRxState;
    fn r2_mf_rx(s: *mut R2MfRxState, amp: *const i16, samples: c_int) -> c_int;
    fn r2_mf_rx_get(s: *mut R2MfRxState) -> c_int;
    fn r2_mf_rx_free(s: *mut R2MfRxState) -> c_int;
}

const SIGNAL_CHARS: &[u8; 15] = b"1234567890BCDEF";

/// spandsp's character for signal 1…15.
pub fn char_of_signal(signal: u8) -> Option<u8> {
    match signal {
        1..=15 => Some(SIGNAL_CHARS[usize::from(signal - 1)]),
        _ => None,
    }
}

/// Signal 1…15 of a spandsp character (0 and unknown characters give `None`).
pub fn signal_of_char(code: c_int) -> Option<u8> {
    let byte = u8::try_from(code).ok()?;
    SIGNAL_CHARS
        .iter()
        .position(|&c| c == byte)
        .map(|index| index as u8 + 1)
}

/// spandsp `r2_mf_tx`: sends one signal until told otherwise.
pub struct SpandspR2MfTx {
    state: NonNull<R2MfTxState>,
}

impl SpandspR2MfTx {
    pub fn new(forward: bool) -> Self {
        // SAFETY: a null state asks spandsp to allocate one; we own it until `drop`.
        let state = unsafe { r2_mf_tx_init(ptr::null_mut(), c_int::from(forward)) };
        SpandspR2MfTx {
            state: NonNull::new(state).expect("spandsp r2_mf_tx_init failed to allocate"),
        }
    }

    /// Starts `Some(signal)` (1…15) or stops (`None`). Returns false if spandsp refused.
    pub fn set(&mut self, signal: Option<u8>) -> bool {
        let code = match signal {
            Some(signal) => match char_of_signal(signal) {
                Some(c) => c,
                None => return false,
            },
            None => 0,
        };
        // SAFETY: `state` is a live spandsp context.
        unsafe { r2_mf_tx_put(self.state.as_ptr(), code as c_char) == 0 }
    }

    /// Fills `out` with the current signal (or silence).
    pub fn fill(&mut self, out: &mut [i16]) {
        for chunk in out.chunks_mut(c_int::MAX as usize) {
            // SAFETY: `chunk` is valid for `chunk.len()` writes.
            let written = unsafe {
                r2_mf_tx(
                    self.state.as_ptr(),
                    chunk.as_mut_ptr(),
                    chunk.len() as c_int,
                )
            };
            let written = usize::try_from(written).unwrap_or(0).min(chunk.len());
            chunk[written..].fill(0);
        }
    }
}

impl Drop for SpandspR2MfTx {
    fn drop(&mut self) {
        // SAFETY: allocated by `r2_mf_tx_init(NULL, …)`, freed once.
        unsafe {
            r2_mf_tx_free(self.state.as_ptr());
        }
    }
}

/// One change reported by spandsp's receiver: `signal` is `None` when the tone ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpandspR2Report {
    pub signal: Option<u8>,
    /// Samples fed before the block in which spandsp reported the change.
    pub at_sample: u64,
}

struct Reports {
    samples_fed: u64,
    reports: Vec<SpandspR2Report>,
}

extern "C" fn on_report(user_data: *mut c_void, code: c_int, _level: c_int, _delay: c_int) {
    // SAFETY: `user_data` is the `Reports` boxed by the owning `SpandspR2MfRx`, alive for
    // as long as its context (the callback is only called from `r2_mf_rx`).
    let reports = unsafe { &mut *(user_data as *mut Reports) };
    reports.reports.push(SpandspR2Report {
        signal: signal_of_char(code),
        at_sample: reports.samples_fed,
    });
}

/// spandsp `r2_mf_rx`: reports each change of the received signal.
pub struct SpandspR2MfRx {
    state: NonNull<R2MfRxState>,
    reports: Box<Reports>,
}

impl SpandspR2MfRx {
    pub fn new(forward: bool) -> Self {
        let mut reports = Box::new(Reports {
            samples_fed: 0,
            reports: Vec::new(),
        });
        let user_data = (&mut *reports as *mut Reports).cast::<c_void>();
        // SAFETY: spandsp allocates the context; `user_data` outlives it (dropped after).
        let state = unsafe {
            r2_mf_rx_init(
                ptr::null_mut(),
                c_int::from(forward),
                Some(on_report),
                user_data,
            )
        };
        SpandspR2MfRx {
            state: NonNull::new(state).expect("spandsp r2_mf_rx_init failed to allocate"),
            reports,
        }
    }

    pub fn process(&mut self, samples: &[i16]) {
        for chunk in samples.chunks(c_int::MAX as usize) {
            // SAFETY: `chunk` is valid for `chunk.len()` reads.
            unsafe {
                r2_mf_rx(self.state.as_ptr(), chunk.as_ptr(), chunk.len() as c_int);
            }
            self.reports.samples_fed += chunk.len() as u64;
        }
    }

    /// The signal spandsp currently hears.
    pub fn current(&mut self) -> Option<u8> {
        // SAFETY: `state` is a live spandsp context.
        signal_of_char(unsafe { r2_mf_rx_get(self.state.as_ptr()) })
    }

    /// Changes reported so far (drained).
    pub fn take_reports(&mut self) -> Vec<SpandspR2Report> {
        std::mem::take(&mut self.reports.reports)
    }
}

impl Drop for SpandspR2MfRx {
    fn drop(&mut self) {
        // SAFETY: allocated by `r2_mf_rx_init(NULL, …)`, freed once, before `reports`.
        unsafe {
            r2_mf_rx_free(self.state.as_ptr());
        }
    }
}
