//! The Q.921 decoder and a data link entity in every role and state must survive any
//! frame: no panic, and whatever it transmits decodes.
#![no_main]

use isdn::q921::{decode, Lapd, Role, Timers};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(frame) = decode(data) {
        // Anything that decodes re-encodes to the same octets.
        if let Ok(bytes) = frame.encode() {
            assert_eq!(bytes.as_slice(), data);
        }
    }
    // First octet picks the role and the state to start from; the rest is a sequence of
    // frames, each prefixed by its length.
    let Some((&sel, mut rest)) = data.split_first() else { return };
    let role = if sel & 1 == 0 { Role::User } else { Role::Network };
    let mut lapd = Lapd::new(role, Timers::default());
    let mut now = 0u64;
    match (sel >> 1) & 3 {
        0 => {}
        1 => lapd.establish(now),
        2 => {
            // Established by a peer SABME.
            let cr = role == Role::User;
            lapd.handle_frame(now, &[u8::from(cr) << 1, 0x01, 0x7F]);
        }
        _ => lapd.physical_down(now),
    }
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        let (frame, tail) = tail.split_at(n);
        lapd.handle_frame(now, frame);
        now += 50;
        lapd.handle_timeout(now);
        while let Some(out) = lapd.poll_transmit() {
            assert!(decode(&out).is_ok());
        }
        while lapd.poll_event().is_some() {}
        rest = tail;
    }
});
