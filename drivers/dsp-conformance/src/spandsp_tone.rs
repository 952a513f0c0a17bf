//! spandsp's cadenced tone generator (`tone_generate.h`) and supervisory tone receiver
//! (`super_tone_rx.h`), wrapped safely. Declarations written by hand from the headers.

use std::os::raw::{c_int, c_void};
use std::ptr::{self, NonNull};

#[repr(C)]
struct ToneGenDescriptor {
    _opaque: [u8; 0],
}
#[repr(C)]
struct ToneGenState {
    _opaque: [u8; 0],
}
#[repr(C)]
struct SuperToneRxDescriptor {
    _opaque: [u8; 0],
}
#[repr(C)]
struct SuperToneRxState {
    _opaque: [u8; 0],
}

type ToneReportFn = extern "C" fn(user_data: *mut c_void, code: c_int, level: c_int, delay: c_int);

extern "C" {
    #[allow(clippy::too_many_arguments)]
    fn tone_gen_descriptor_init(
        s: *mut ToneGenDescriptor,
        f1: c_int,
        l1: c_int,
        f2: c_int,
        l2: c_int,
        d1: c_int,
        d2: c_int,
        d3: c_int,
        d4: c_int,
        repeat: c_int,
    ) -> *mut ToneGenDescriptor;
    fn tone_gen_descriptor_free(s: *mut ToneGenDescriptor);
    fn tone_gen_init(s: *mut ToneGenState, t: *mut ToneGenDescriptor) -> *mut ToneGenState;
    fn tone_gen(s: *mut ToneGenState, amp: *mut i16, max_samples: c_int) -> c_int;
    fn tone_gen_free(s: *mut ToneGenState) -> c_int;

    fn super_tone_rx_make_descriptor(
        desc: *mut SuperToneRxDescriptor,
    ) -> *mut SuperToneRxDescriptor;
    fn super_tone_rx_free_descriptor(desc: *mut SuperToneRxDescriptor) -> c_int;
    fn super_tone_rx_add_tone(desc: *mut SuperToneRxDescriptor) -> c_int;
    fn super_tone_rx_add_element(
        desc: *mut SuperToneRxDescriptor,
        tone: c_int,
        f1: c_int,
        f2: c_int,
        min: c_int,
        max: c_int,
    ) -> c_int;
    fn super_tone_rx_init(
        s: *mut SuperToneRxState,
        desc: *mut SuperToneRxDescriptor,
        callback: Option<ToneReportFn>,
        user_data: *mut c_void,
    ) -> *mut SuperToneRxState;
    fn super_tone_rx(s: *mut SuperToneRxState, amp: *const i16, samples: c_int) -> c_int;
    fn super_tone_rx_free(s: *mut SuperToneRxState) -> c_int;
}

/// spandsp `tone_gen`: up to two frequencies (integer Hz, integer dBm0 each) with an
/// on/off/on/off cadence in ms, repeated or not.
pub struct SpandspToneGen {
    descriptor: NonNull<ToneGenDescriptor>,
    state: NonNull<ToneGenState>,
}

impl SpandspToneGen {
    /// `cadence_ms`: up to four durations (on, off, on, off); all zero means continuous.
    pub fn new(freqs_hz: [i32; 2], level_dbm0: i32, cadence_ms: [i32; 4], repeat: bool) -> Self {
        let [d1, d2, d3, d4] = cadence_ms;
        let (d1, repeat) = if cadence_ms == [0; 4] {
            (i32::MAX / 8, false)
        } else {
            (d1, repeat)
        };
        // SAFETY: null descriptor/state ask spandsp to allocate; both are freed in `drop`,
        // state first. The state keeps no pointer to the descriptor after init in 0.0.6,
        // but we keep it alive anyway.
        unsafe {
            let descriptor = tone_gen_descriptor_init(
                ptr::null_mut(),
                freqs_hz[0],
                level_dbm0,
                freqs_hz[1],
                level_dbm0,
                d1,
                d2,
                d3,
                d4,
                c_int::from(repeat),
            );
            let descriptor = NonNull::new(descriptor).expect("tone_gen_descriptor_init failed");
            let state = tone_gen_init(ptr::null_mut(), descriptor.as_ptr());
            SpandspToneGen {
                descriptor,
                state: NonNull::new(state).expect("tone_gen_init failed"),
            }
        }
    }

    pub fn fill(&mut self, out: &mut [i16]) -> usize {
        out.fill(0);
        // SAFETY: `out` valid for writes.
        let n = unsafe { tone_gen(self.state.as_ptr(), out.as_mut_ptr(), out.len() as c_int) };
        usize::try_from(n).unwrap_or(0)
    }
}

impl Drop for SpandspToneGen {
    fn drop(&mut self) {
        // SAFETY: each allocated by spandsp above, freed once.
        unsafe {
            tone_gen_free(self.state.as_ptr());
            tone_gen_descriptor_free(self.descriptor.as_ptr());
        }
    }
}

/// One cadence element for spandsp's supervisory tone receiver.
#[derive(Debug, Clone, Copy)]
pub struct SuperToneElement {
    /// Frequencies, -1 for silence (second -1 or 0 for a single tone).
    pub f1: i32,
    pub f2: i32,
    pub min_ms: i32,
    pub max_ms: i32,
}

/// spandsp `super_tone_rx`: reports (tone id, level, delay) through a callback; code -1
/// means "tone ended".
#[allow(clippy::box_collection)] // boxed so the address given to spandsp is stable
pub struct SpandspSuperToneRx {
    descriptor: NonNull<SuperToneRxDescriptor>,
    state: NonNull<SuperToneRxState>,
    reports: Box<Vec<i32>>,
}

extern "C" fn collect_tone(user_data: *mut c_void, code: c_int, _level: c_int, _delay: c_int) {
    if user_data.is_null() {
        return;
    }
    // SAFETY: `user_data` is the boxed Vec of the owning `SpandspSuperToneRx`.
    unsafe { (*user_data.cast::<Vec<i32>>()).push(code) };
}

impl SpandspSuperToneRx {
    /// `tones`: each a list of cadence elements; tone ids are the indices.
    pub fn new(tones: &[&[SuperToneElement]]) -> Self {
        let mut reports: Box<Vec<i32>> = Box::default();
        let user_data = (&mut *reports as *mut Vec<i32>).cast::<c_void>();
        // SAFETY: spandsp allocates descriptor and state; the callback only runs inside
        // `super_tone_rx` while `reports` is alive; both freed in `drop`.
        unsafe {
            let descriptor = NonNull::new(super_tone_rx_make_descriptor(ptr::null_mut()))
                .expect("super_tone_rx_make_descriptor failed");
            for elements in tones {
                let id = super_tone_rx_add_tone(descriptor.as_ptr());
                for e in elements.iter() {
                    super_tone_rx_add_element(
                        descriptor.as_ptr(),
                        id,
                        e.f1,
                        e.f2,
                        e.min_ms,
                        e.max_ms,
                    );
                }
            }
            let state = super_tone_rx_init(
                ptr::null_mut(),
                descriptor.as_ptr(),
                Some(collect_tone),
                user_data,
            );
            SpandspSuperToneRx {
                descriptor,
                state: NonNull::new(state).expect("super_tone_rx_init failed"),
                reports,
            }
        }
    }

    pub fn process(&mut self, samples: &[i16]) {
        // SAFETY: `samples` valid for reads.
        unsafe {
            super_tone_rx(
                self.state.as_ptr(),
                samples.as_ptr(),
                samples.len() as c_int,
            )
        };
    }

    /// Tone ids reported since the last call (-1 = tone ended).
    pub fn take_reports(&mut self) -> Vec<i32> {
        std::mem::take(&mut *self.reports)
    }
}

impl Drop for SpandspSuperToneRx {
    fn drop(&mut self) {
        // SAFETY: allocated by spandsp, freed once, state before descriptor.
        unsafe {
            super_tone_rx_free(self.state.as_ptr());
            super_tone_rx_free_descriptor(self.descriptor.as_ptr());
        }
    }
}
