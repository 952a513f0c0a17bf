//! Q.931 message codec: hand-checked octets, error reporting, and round trips.

use isdn::q931::ie::{
    BearerCapability, CallStateIe, CalledNumber, CallingNumber, CauseIe, ChannelId,
    ChannelSelection, CodingStandard, Digits, Display, IeErrorKind, InterfaceType, Layer1Protocol,
    Location, NumberingPlan, Presentation, PresentationIndicator, ProgressDescription,
    ProgressIndicator, RedirectReason, RedirectingNumber, RestartClass, Screening,
    TransferCapability, TypeOfNumber,
};
use isdn::q931::{
    decode, encode, encode_to_vec, CallRef, DecodeError, EncodeError, Message, MessageType,
};
use line_boundary::Cause;
use proptest::prelude::*;

fn digits(s: &str) -> Digits {
    let mut d = Digits::new();
    d.push_str(s).unwrap();
    d
}

/// A typical EuroISDN SETUP from the network: en-bloc, speech A-law, exclusive B1,
/// display name, national calling number (network provided), called number 1000.
const EURO_SETUP: &[u8] = &[
    0x08, 0x02, 0x00, 0x01, 0x05, // PD, CR length 2, CR 1 (flag 0), SETUP
    0xA1, // sending complete
    0x04, 0x03, 0x80, 0x90, 0xA3, // bearer: ITU speech, circuit 64k, G.711 A-law
    0x18, 0x03, 0xA9, 0x83, 0x81, // channel id: PRI, exclusive, B-channel units, ch 1
    0x28, 0x04, b'A', b'n', b'n', b'a', // display
    0x6C, 0x0B, 0x21, 0x83, b'3', b'0', b'1', b'2', b'3', b'4', b'5', b'6', b'7', // calling
    0x70, 0x05, 0x81, b'1', b'0', b'0', b'0', // called: unknown/ISDN "1000"
];

fn euro_setup() -> Message {
    let mut m = Message::new(CallRef::new(1, false), MessageType::Setup);
    m.ies.sending_complete = true;
    m.ies.bearer_capability = Some(BearerCapability::speech_alaw());
    m.ies.channel_id = Some(ChannelId::pri(1, true));
    m.ies.display = Some(Display("Anna".try_into().unwrap()));
    m.ies.calling = Some(CallingNumber {
        type_of_number: TypeOfNumber::National,
        plan: NumberingPlan::Isdn,
        presentation: Some(Presentation {
            indicator: PresentationIndicator::Allowed,
            screening: Screening::Network,
        }),
        digits: digits("301234567"),
    });
    m.ies.called = Some(CalledNumber {
        type_of_number: TypeOfNumber::Unknown,
        plan: NumberingPlan::Isdn,
        digits: digits("1000"),
    });
    m
}

#[test]
fn euro_setup_encodes_to_hand_checked_octets() {
    let bytes = encode_to_vec(&euro_setup()).unwrap();
    assert_eq!(bytes.as_slice(), EURO_SETUP);
}

#[test]
fn euro_setup_decodes_from_hand_checked_octets() {
    let d = decode(EURO_SETUP).unwrap();
    assert!(d.errors.is_empty() && d.unknown.is_empty());
    assert_eq!(d.message, euro_setup());
}

#[test]
fn clearing_and_restart_messages_match_hand_checked_octets() {
    let mut disc = Message::new(CallRef::new(1, true), MessageType::Disconnect);
    disc.ies.cause = Some(CauseIe::new(Location::User, Cause::NORMAL_CLEARING));
    assert_eq!(
        encode_to_vec(&disc).unwrap().as_slice(),
        &[0x08, 0x02, 0x80, 0x01, 0x45, 0x08, 0x02, 0x80, 0x90]
    );

    let mut all = Message::new(CallRef::new(0, false), MessageType::Restart);
    all.ies.restart_indicator = Some(RestartClass::SingleInterface);
    assert_eq!(
        encode_to_vec(&all).unwrap().as_slice(),
        &[0x08, 0x02, 0x00, 0x00, 0x46, 0x79, 0x01, 0x86]
    );

    let mut one = Message::new(CallRef::new(0, false), MessageType::Restart);
    one.ies.channel_id = Some(ChannelId::pri(5, true));
    one.ies.restart_indicator = Some(RestartClass::Indicated);
    assert_eq!(
        encode_to_vec(&one).unwrap().as_slice(),
        &[0x08, 0x02, 0x00, 0x00, 0x46, 0x18, 0x03, 0xA9, 0x83, 0x85, 0x79, 0x01, 0x80]
    );

    let mut status = Message::new(CallRef::new(0x1234, true), MessageType::Status);
    status.ies.cause =
        Some(CauseIe::new(Location::PrivateLocal, Cause(101)).with_diagnostics(&[0x07]));
    status.ies.call_state = Some(CallStateIe(10));
    assert_eq!(
        encode_to_vec(&status).unwrap().as_slice(),
        &[0x08, 0x02, 0x92, 0x34, 0x7D, 0x08, 0x03, 0x81, 0xE5, 0x07, 0x14, 0x01, 0x0A]
    );
}

#[test]
fn preferred_and_any_channel_forms() {
    let d = decode(&[0x08, 0x02, 0x00, 0x01, 0x02, 0x18, 0x03, 0xA1, 0x83, 0x9F]).unwrap();
    let ch = d.message.ies.channel_id.unwrap();
    assert!(!ch.exclusive);
    assert_eq!(ch.channel(), Some(31));
    let d = decode(&[0x08, 0x02, 0x00, 0x01, 0x05, 0x18, 0x01, 0xA3]).unwrap();
    assert_eq!(
        d.message.ies.channel_id.unwrap().selection,
        ChannelSelection::Any
    );
}

#[test]
fn header_errors_are_reported_not_panicked() {
    assert_eq!(decode(&[]), Err(DecodeError::TooShort { len: 0 }));
    assert_eq!(
        decode(&[0x08, 0x02, 0x00]),
        Err(DecodeError::TooShort { len: 3 })
    );
    assert_eq!(
        decode(&[0x08, 0x02, 0x00, 0x01]),
        Err(DecodeError::TooShort { len: 4 })
    );
    assert_eq!(
        decode(&[0x09, 0x02, 0x00, 0x01, 0x05]),
        Err(DecodeError::ProtocolDiscriminator(0x09))
    );
    assert_eq!(
        decode(&[0x08, 0x03, 0x00, 0x00, 0x01, 0x05]),
        Err(DecodeError::CallReferenceFormat(0x03))
    );
    assert_eq!(
        decode(&[0x08, 0x12, 0x00, 0x01, 0x05]),
        Err(DecodeError::CallReferenceFormat(0x12))
    );
    assert_eq!(
        decode(&[0x08, 0x00, 0x05]),
        Err(DecodeError::DummyCallReference)
    );
    // A one-octet call reference (basic-rate form) is understood.
    let d = decode(&[0x08, 0x01, 0x85, 0x45]).unwrap();
    assert_eq!(d.message.call_ref, CallRef::new(5, true));
}

#[test]
fn unknown_and_broken_elements_are_reported_and_skipped() {
    let bytes = [
        0x08, 0x02, 0x00, 0x01, 0x05, //
        0x01, 0x01, 0x00, // unknown, comprehension required (bits 8-5 = 0000)
        0x04, 0x03, 0x80, 0x90, 0xA3, // bearer
        0x5F, 0x02, 0x11, 0x22, // unknown, not comprehension required
        0x7D, 0x02, 0x91, 0x81, // high layer compatibility: known, ignored
        0x96, 0x01, 0x01, 0x03, // locking shift to codeset 6, then one codeset-6 element
        0x6C, 0x02, 0x81, b'x', // (codeset 6: not a calling number)
    ];
    let d = decode(&bytes).unwrap();
    assert!(d.message.ies.bearer_capability.is_some());
    assert!(d.message.ies.calling.is_none());
    let unknown: Vec<(u8, u8, bool)> = d
        .unknown
        .iter()
        .map(|u| (u.codeset, u.id, u.comprehension_required))
        .collect();
    assert_eq!(
        unknown,
        vec![
            (0, 0x01, true),
            (0, 0x5F, false),
            (6, 0x01, false),
            (6, 0x6C, false)
        ]
    );
    assert_eq!(d.comprehension_required_unknown(), Some(0x01));

    // A calling number with a letter, a truncated last element.
    let bytes = [
        0x08, 0x02, 0x00, 0x01, 0x05, //
        0x6C, 0x02, 0x81, b'x', //
        0x70, 0x09, 0x81, b'1',
    ];
    let d = decode(&bytes).unwrap();
    let errors: Vec<(u8, IeErrorKind)> = d.errors.iter().map(|e| (e.id, e.kind)).collect();
    assert_eq!(
        errors,
        vec![
            (0x6C, IeErrorKind::BadValue),
            (0x70, IeErrorKind::Truncated)
        ]
    );
    assert!(d.message.ies.calling.is_none() && d.message.ies.called.is_none());
}

#[test]
fn repeated_elements_keep_the_first() {
    let bytes = [
        0x08, 0x02, 0x00, 0x01, 0x45, //
        0x08, 0x02, 0x80, 0x90, // cause 16
        0x08, 0x02, 0x80, 0x91, // cause 17, ignored
    ];
    let d = decode(&bytes).unwrap();
    assert_eq!(d.message.ies.cause.unwrap().value, Cause(16));
}

#[test]
fn encode_reports_a_small_buffer() {
    let mut buf = [0u8; 10];
    assert_eq!(
        encode(&euro_setup(), &mut buf),
        Err(EncodeError::BufferTooSmall { capacity: 10 })
    );
    let mut m = euro_setup();
    m.call_ref.value = 0x8000;
    assert_eq!(
        encode_to_vec(&m),
        Err(EncodeError::CallReferenceTooLarge(0x8000))
    );
}

// ---- round trip ----------------------------------------------------------------------

fn digits_strategy() -> impl Strategy<Value = Digits> {
    "[0-9*#]{0,32}".prop_map(|s| digits(&s))
}

fn presentation() -> impl Strategy<Value = Presentation> {
    (0u8..4, 0u8..4).prop_map(|(p, s)| Presentation {
        indicator: PresentationIndicator::from_bits(p),
        screening: Screening::from_bits(s),
    })
}

fn bearer() -> impl Strategy<Value = BearerCapability> {
    (
        0u8..4,
        0u8..32,
        0u8..4,
        0u8..32,
        proptest::option::of(0u8..32),
    )
        .prop_map(|(cs, cap, mode, rate, l1)| BearerCapability {
            coding_standard: CodingStandard::from_bits(cs),
            capability: TransferCapability::from_bits(cap),
            transfer_mode: mode,
            transfer_rate: rate,
            layer1: l1.map(Layer1Protocol::from_bits),
        })
}

fn channel_id() -> impl Strategy<Value = ChannelId> {
    let primary = (
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(0u8..128),
        0u8..3,
        1u8..128,
    )
        .prop_map(|(excl, d, iid, sel, ch)| ChannelId {
            interface: InterfaceType::Primary,
            interface_id: iid,
            exclusive: excl,
            d_channel: d,
            selection: match sel {
                0 => ChannelSelection::None,
                1 => ChannelSelection::Any,
                _ => ChannelSelection::Channel(ch),
            },
        });
    let basic = (any::<bool>(), 0u8..4).prop_map(|(excl, sel)| ChannelId {
        interface: InterfaceType::Basic,
        interface_id: None,
        exclusive: excl,
        d_channel: false,
        selection: match sel {
            0 => ChannelSelection::None,
            3 => ChannelSelection::Any,
            n => ChannelSelection::Channel(n),
        },
    });
    prop_oneof![primary, basic]
}

fn cause() -> impl Strategy<Value = CauseIe> {
    (
        0u8..4,
        0u8..16,
        proptest::option::of(0u8..128),
        1u8..128,
        proptest::collection::vec(any::<u8>(), 0..28),
    )
        .prop_map(|(cs, loc, rec, value, diag)| CauseIe {
            coding_standard: CodingStandard::from_bits(cs),
            location: Location::from_bits(loc),
            recommendation: rec,
            value: Cause(value),
            diagnostics: heapless::Vec::from_slice(&diag).unwrap(),
        })
}

fn progress() -> impl Strategy<Value = ProgressIndicator> {
    (0u8..4, 0u8..16, 0u8..128).prop_map(|(cs, loc, desc)| ProgressIndicator {
        coding_standard: CodingStandard::from_bits(cs),
        location: Location::from_bits(loc),
        description: ProgressDescription::from_bits(desc),
    })
}

fn message_type() -> impl Strategy<Value = MessageType> {
    (0u8..0x80).prop_map(MessageType::from_octet)
}

prop_compose! {
    fn message()(
        cr in 0u16..0x8000,
        flag in any::<bool>(),
        kind in message_type(),
        sc in any::<bool>(),
        bc in proptest::option::of(bearer()),
        cause in proptest::option::of(cause()),
        state in proptest::option::of(0u8..64),
        chan in proptest::option::of(channel_id()),
        progress in proptest::collection::vec(progress(), 0..=2),
        display in proptest::option::of("[ -~]{0,82}"),
        calling in proptest::option::of((0u8..8, 0u8..16, proptest::option::of(presentation()), digits_strategy())),
        called in proptest::option::of((0u8..8, 0u8..16, digits_strategy())),
        redirecting in proptest::option::of((0u8..8, 0u8..16, proptest::option::of((presentation(), proptest::option::of(0u8..16))), digits_strategy())),
        restart in proptest::option::of(prop_oneof![Just(RestartClass::Indicated), Just(RestartClass::SingleInterface), Just(RestartClass::AllInterfaces)]),
    ) -> Message {
        let mut m = Message::new(CallRef::new(cr, flag), kind);
        m.ies.sending_complete = sc;
        m.ies.bearer_capability = bc;
        m.ies.cause = cause;
        m.ies.call_state = state.map(CallStateIe);
        m.ies.channel_id = chan;
        m.ies.progress = heapless::Vec::from_slice(&progress).unwrap();
        m.ies.display = display.map(|s| Display(s.as_str().try_into().unwrap()));
        m.ies.calling = calling.map(|(t, p, pr, d)| CallingNumber {
            type_of_number: TypeOfNumber::from_bits(t), plan: NumberingPlan::from_bits(p), presentation: pr, digits: d,
        });
        m.ies.called = called.map(|(t, p, d)| CalledNumber {
            type_of_number: TypeOfNumber::from_bits(t), plan: NumberingPlan::from_bits(p), digits: d,
        });
        m.ies.redirecting = redirecting.map(|(t, p, pr, d)| RedirectingNumber {
            type_of_number: TypeOfNumber::from_bits(t),
            plan: NumberingPlan::from_bits(p),
            presentation: pr.map(|(p, _)| p),
            reason: pr.and_then(|(_, r)| r).map(RedirectReason::from_bits),
            digits: d,
        });
        m.ies.restart_indicator = restart;
        m
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decode_of_encode_is_identity(m in message()) {
        let bytes = encode_to_vec(&m).unwrap();
        let d = decode(&bytes).unwrap();
        prop_assert!(d.errors.is_empty(), "errors: {:?}", d.errors);
        prop_assert!(d.unknown.is_empty(), "unknown: {:?}", d.unknown);
        prop_assert_eq!(d.message, m);
    }

    #[test]
    fn decode_never_panics_and_reencodes_what_it_accepts(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(d) = decode(&bytes) {
            // Whatever we accepted we can write out again, and read back the same.
            if let Ok(again) = encode_to_vec(&d.message) {
                let d2 = decode(&again).unwrap();
                prop_assert_eq!(d2.message, d.message);
            }
        }
    }
}
