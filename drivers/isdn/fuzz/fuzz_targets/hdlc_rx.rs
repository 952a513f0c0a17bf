//! The HDLC deframer must survive any timeslot-16 bit stream.
#![no_main]

use isdn::hdlc::{HdlcRx, MAX_FRAME_LEN, MIN_FRAME_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut rx = HdlcRx::new();
    rx.process(data);
    while let Some(r) = rx.poll_frame() {
        if let Ok(f) = r {
            assert!((MIN_FRAME_LEN..=MAX_FRAME_LEN).contains(&f.len()));
        }
    }
});
