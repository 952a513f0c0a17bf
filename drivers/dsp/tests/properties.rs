//! Property tests: arbitrary input never panics the receivers, and every encodable
//! caller ID message survives encode → decode.

use dsp::caller_id::{AbsenceReason, CallerIdDateTime};
use dsp::{CallerIdMessage, DtmfDetector, FskCallerIdDecoder};
use proptest::prelude::*;

fn message_strategy() -> impl Strategy<Value = CallerIdMessage> {
    let datetime = proptest::option::of((1u8..=12, 1u8..=31, 0u8..=23, 0u8..=59)).prop_map(|d| {
        d.map(|(month, day, hour, minute)| CallerIdDateTime {
            month,
            day,
            hour,
            minute,
        })
    });
    let reason = proptest::option::of(prop_oneof![
        Just(AbsenceReason::Unavailable),
        Just(AbsenceReason::Private)
    ]);
    (
        datetime,
        proptest::option::of("[0-9*#+]{1,20}"),
        proptest::option::of("[ -~]{1,50}"),
        reason.clone(),
        reason,
    )
        .prop_map(
            |(datetime, number, name, number_absent, name_absent)| CallerIdMessage {
                datetime,
                number: number
                    .map(|n| heapless::String::try_from(n.as_str()).expect("regex bounds length")),
                name: name
                    .map(|n| heapless::String::try_from(n.as_str()).expect("regex bounds length")),
                number_absent,
                name_absent,
            },
        )
}

proptest! {
    #[test]
    fn encoded_messages_decode_to_themselves(message in message_strategy()) {
        let frame = message.encode_mdmf().expect("valid message");
        prop_assert_eq!(CallerIdMessage::decode_frame(&frame), Ok(message));
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_message_parser(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = CallerIdMessage::decode_frame(&bytes);
    }

    #[test]
    fn arbitrary_audio_never_panics_the_receivers(audio in proptest::collection::vec(any::<i16>(), 0..2000)) {
        let mut dtmf = DtmfDetector::default();
        let mut caller_id = FskCallerIdDecoder::new();
        dtmf.process(&audio);
        caller_id.process(&audio);
        while dtmf.poll_digit().is_some() {}
        while caller_id.poll().is_some() {}
    }
}
