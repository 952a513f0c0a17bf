//! Codec: round trips, frames split anywhere, malformed input rejected as values.

use proptest::prelude::*;
use soft_hardware::codec::{self, CodecError, FrameDecoder, Message, MAX_FRAME};
use soft_hardware::{
    Block, ChannelRecord, ClockMode, DeviceKind, ErrorCode, Hello, LineConditions, AUDIO_OCTETS,
};

fn arb_record() -> impl Strategy<Value = ChannelRecord> {
    (
        any::<u8>(),
        proptest::collection::vec(any::<u8>(), AUDIO_OCTETS),
    )
        .prop_map(|(signal, audio)| {
            let mut rec = ChannelRecord::IDLE;
            rec.signal = signal;
            rec.audio.copy_from_slice(&audio);
            rec
        })
}

fn arb_block() -> impl Strategy<Value = Block> {
    (
        any::<u32>(),
        any::<u8>(),
        proptest::collection::vec(arb_record(), 0..=32),
    )
        .prop_map(|(seq, cond, recs)| {
            let mut b = Block::idle(0);
            b.seq = seq;
            b.conditions = LineConditions(cond);
            for r in recs {
                b.channels.push(r).unwrap();
            }
            b
        })
}

fn arb_hello() -> impl Strategy<Value = Hello> {
    let kind = prop_oneof![
        Just(None),
        Just(Some(DeviceKind::E1)),
        Just(Some(DeviceKind::Fxo)),
        Just(Some(DeviceKind::Fxs))
    ];
    let clock = prop_oneof![
        Just(None),
        Just(Some(ClockMode::RealTime)),
        Just(Some(ClockMode::LockStep))
    ];
    (any::<u8>(), kind, any::<u8>(), clock, any::<u16>()).prop_map(
        |(version, kind, channels, clock, device_id)| Hello {
            version,
            kind,
            channels,
            clock,
            device_id,
        },
    )
}

/// Decodes every frame in `bytes`, fed in pieces cut at `cuts`.
fn decode_all(bytes: &[u8], cuts: &[usize]) -> Result<Vec<Owned>, CodecError> {
    let mut d = FrameDecoder::new();
    let mut out = Vec::new();
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.push(0);
    points.push(bytes.len());
    points.sort_unstable();
    for w in points.windows(2) {
        let mut input = &bytes[w[0]..w[1]];
        while let Some(m) = d.decode(&mut input)? {
            out.push(Owned::from(m));
        }
        assert!(input.is_empty(), "decoder returned None with input left");
    }
    assert_eq!(d.pending(), 0, "trailing partial frame");
    Ok(out)
}

#[derive(Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // test-only value type
enum Owned {
    Hello(Hello),
    Block(Block),
    Error(ErrorCode, String),
}

impl From<Message<'_>> for Owned {
    fn from(m: Message<'_>) -> Self {
        match m {
            Message::Hello(h) => Owned::Hello(h),
            Message::Block(b) => {
                let mut blk = Block::idle(0);
                b.copy_into(&mut blk);
                Owned::Block(blk)
            }
            Message::Error { code, text } => Owned::Error(code, text.to_owned()),
        }
    }
}

fn frame_of_block(b: &Block) -> Vec<u8> {
    let mut out = vec![0; MAX_FRAME];
    let n = codec::encode_block(b, &mut out).unwrap();
    out.truncate(n);
    out
}

proptest! {
    #[test]
    fn block_round_trip(b in arb_block()) {
        let bytes = frame_of_block(&b);
        prop_assert_eq!(bytes.len(), codec::block_frame_len(b.channels.len()));
        prop_assert_eq!(decode_all(&bytes, &[]).unwrap(), vec![Owned::Block(b)]);
    }

    #[test]
    fn hello_round_trip(h in arb_hello()) {
        let mut out = [0u8; 16];
        let n = codec::encode_hello(&h, &mut out).unwrap();
        prop_assert_eq!(decode_all(&out[..n], &[]).unwrap(), vec![Owned::Hello(h)]);
    }

    #[test]
    fn error_round_trip(code in 0u16.., text in "\\PC{0,100}") {
        let mut out = vec![0u8; MAX_FRAME];
        let n = codec::encode_error(ErrorCode::from_wire(code), &text, &mut out).unwrap();
        prop_assert_eq!(decode_all(&out[..n], &[]).unwrap(), vec![Owned::Error(ErrorCode::from_wire(code), text)]);
    }

    /// A stream of messages decodes identically however it is cut into reads.
    #[test]
    fn fragmented_stream(blocks in proptest::collection::vec(arb_block(), 1..4), h in arb_hello(),
                         cuts in proptest::collection::vec(any::<usize>(), 0..40)) {
        let mut bytes = Vec::new();
        let mut hello = [0u8; 16];
        let n = codec::encode_hello(&h, &mut hello).unwrap();
        bytes.extend_from_slice(&hello[..n]);
        let mut expected = vec![Owned::Hello(h)];
        for b in &blocks {
            bytes.extend_from_slice(&frame_of_block(b));
            expected.push(Owned::Block(b.clone()));
        }
        let mut err = vec![0u8; 64];
        let n = codec::encode_error(ErrorCode::Busy, "busy", &mut err).unwrap();
        bytes.extend_from_slice(&err[..n]);
        expected.push(Owned::Error(ErrorCode::Busy, "busy".into()));
        prop_assert_eq!(decode_all(&bytes, &cuts).unwrap(), expected);
    }

    /// Arbitrary bytes never panic the decoder.
    #[test]
    fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..12000),
                            cuts in proptest::collection::vec(any::<usize>(), 0..10)) {
        let _ = decode_all_lenient(&bytes, &cuts);
    }
}

fn decode_all_lenient(bytes: &[u8], cuts: &[usize]) -> Result<usize, CodecError> {
    let mut d = FrameDecoder::new();
    let mut n = 0;
    let mut start = 0;
    for c in cuts
        .iter()
        .map(|c| c % (bytes.len() + 1))
        .chain([bytes.len()])
    {
        let end = c.max(start);
        let mut input = &bytes[start..end];
        while d.decode(&mut input)?.is_some() {
            n += 1;
        }
        start = end;
    }
    Ok(n)
}

/// Every byte fed one at a time: each message appears exactly when its last byte arrives.
#[test]
fn one_byte_at_a_time() {
    let mut b = Block::idle(32);
    b.seq = 7;
    b.channels[5].signal = 0b1001;
    let bytes = frame_of_block(&b);
    let mut d = FrameDecoder::new();
    for (i, byte) in bytes.iter().enumerate() {
        let mut input = std::slice::from_ref(byte);
        let got = d.decode(&mut input).unwrap().map(Owned::from);
        if i + 1 < bytes.len() {
            assert!(got.is_none(), "message completed early at byte {i}");
        } else {
            assert_eq!(got, Some(Owned::Block(b.clone())));
        }
    }
}

fn decode_one(bytes: &[u8]) -> Result<Option<Owned>, CodecError> {
    let mut d = FrameDecoder::new();
    let mut input = bytes;
    d.decode(&mut input).map(|m| m.map(Owned::from))
}

#[test]
fn zero_length_is_rejected() {
    assert_eq!(decode_one(&[0, 0]), Err(CodecError::EmptyFrame));
}

#[test]
fn oversize_length_is_rejected_before_the_body_arrives() {
    // 8193 = 0x2001: only the length field has arrived.
    assert_eq!(decode_one(&[0x01, 0x20]), Err(CodecError::Oversize(8193)));
    // 8192 itself is allowed: incomplete, not an error.
    assert_eq!(decode_one(&[0x00, 0x20, 0x02]), Ok(None));
}

#[test]
fn unknown_type_is_rejected() {
    assert_eq!(
        decode_one(&[1, 0, 0x09]),
        Err(CodecError::UnknownType(0x09))
    );
}

#[test]
fn hello_with_wrong_size_is_rejected() {
    assert_eq!(
        decode_one(&[6, 0, 1, 1, 1, 32, 1, 0]),
        Err(CodecError::BadLength {
            message: "HELLO",
            expected: 6,
            got: 5
        })
    );
    assert_eq!(
        decode_one(&[8, 0, 1, 1, 1, 32, 1, 0, 0, 0]),
        Err(CodecError::BadLength {
            message: "HELLO",
            expected: 6,
            got: 7
        })
    );
}

#[test]
fn hello_with_bad_kind_or_clock_is_rejected() {
    assert_eq!(
        decode_one(&[7, 0, 1, 1, 4, 1, 0, 0, 0]),
        Err(CodecError::BadField {
            field: "kind",
            value: 4
        })
    );
    assert_eq!(
        decode_one(&[7, 0, 1, 1, 3, 1, 2, 0, 0]),
        Err(CodecError::BadField {
            field: "clock",
            value: 2
        })
    );
}

#[test]
fn block_whose_size_disagrees_with_its_channel_count_is_rejected() {
    let mut bytes = frame_of_block(&Block::idle(2));
    bytes[8] = 3; // claims 3 channels, carries 2
    assert_eq!(
        decode_one(&bytes),
        Err(CodecError::BadLength {
            message: "BLOCK",
            expected: 6 + 3 * 161,
            got: 6 + 2 * 161
        })
    );
}

#[test]
fn block_with_too_many_channels_is_rejected() {
    let mut bytes = frame_of_block(&Block::idle(32));
    bytes[8] = 33;
    assert_eq!(decode_one(&bytes), Err(CodecError::TooManyChannels(33)));
}

#[test]
fn short_block_and_error_are_rejected() {
    assert_eq!(
        decode_one(&[4, 0, 2, 0, 0, 0]),
        Err(CodecError::TooShort {
            message: "BLOCK",
            min: 6,
            got: 3
        })
    );
    assert_eq!(
        decode_one(&[2, 0, 3, 1]),
        Err(CodecError::TooShort {
            message: "ERROR",
            min: 2,
            got: 1
        })
    );
}

#[test]
fn error_with_invalid_utf8_is_rejected() {
    assert_eq!(
        decode_one(&[5, 0, 3, 1, 0, 0xff, 0xfe]),
        Err(CodecError::BadText)
    );
}
