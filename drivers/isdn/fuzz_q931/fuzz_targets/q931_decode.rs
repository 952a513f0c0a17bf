//! The Q.931 decoder takes any octets without panicking; whatever it accepts encodes
//! again and decodes to the same message.
#![no_main]

use isdn::q931::{decode, encode_to_vec};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(d) = decode(data) {
        let bytes = encode_to_vec(&d.message).expect("a decoded message encodes");
        let again = decode(&bytes).expect("an encoded message decodes");
        assert_eq!(again.message, d.message);
        assert!(again.errors.is_empty() && again.unknown.is_empty());
    }
});
