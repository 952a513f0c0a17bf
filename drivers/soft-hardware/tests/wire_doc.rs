//! WIRE-FORMAT.md against the code: the worked D-channel example is what the box's HDLC
//! encoder sends (and its receiver takes back), and a busy device answers before HELLO.

mod common;

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;

use common::{connect, pump, TempDir, T};
use isdn::hdlc::{fcs16, HdlcRx, HdlcTx};
use isdn::q921::{Lapd, Role, Timers};
use soft_hardware::codec::{self, FrameDecoder, Message};
use soft_hardware::{ClockMode, DeviceKind, ErrorCode, Hello, SoftDevice};

const DOC: &str = include_str!("../WIRE-FORMAT.md");

/// The text after `label` on the doc's line that starts with it (after indentation).
fn doc_line(label: &str) -> &'static str {
    DOC.lines()
        .map(str::trim_start)
        .find_map(|line| line.strip_prefix(label))
        .unwrap_or_else(|| panic!("WIRE-FORMAT.md has no line starting {label:?}"))
}

/// Leading two-digit hex tokens of `text`, up to the first other token.
fn hex_octets(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .map_while(|token| {
            (token.len() == 2)
                .then(|| u8::from_str_radix(token, 16).ok())
                .flatten()
        })
        .collect()
}

/// The example's "on the line" listing: for each line, the octet and its bits as shown
/// (flag lines included), in time order.
fn doc_bit_listing() -> Vec<(u8, String)> {
    let start = DOC
        .find("on the line, each octet least significant bit first:")
        .expect("the example's bit listing");
    DOC[start..]
        .lines()
        .skip(1)
        .map(|line| line.trim_start().trim_start_matches("flag").trim_start())
        .take_while(|line| !line.starts_with("timeslot-16 octets:"))
        .map(|line| {
            let (octet, rest) = line.split_at(2);
            let bits: String = rest
                .split("<-")
                .next()
                .unwrap_or_default()
                .split("then")
                .next()
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let octet = u8::from_str_radix(octet, 16)
                .unwrap_or_else(|_| panic!("bad octet in listing line {line:?}"));
            (octet, bits)
        })
        .collect()
}

#[test]
fn the_sabme_example_is_what_our_hdlc_sends_and_takes_back() {
    let frame = hex_octets(doc_line("frame octets:"));
    assert_eq!(frame, [0x00, 0x01, 0x7F]);

    // It is the SABME our Q.921 sends as the user side (a pri-cpe span).
    let mut user = Lapd::new(Role::User, Timers::default());
    user.establish(0);
    let sabme = user.poll_transmit().expect("SABME");
    assert_eq!(&sabme[..], &frame[..]);

    // The FCS as the doc states it, and its low octet first.
    let fcs_line = doc_line("FCS:");
    let stated = fcs_line
        .split_whitespace()
        .find_map(|t| t.trim_end_matches(',').strip_prefix("0x"))
        .and_then(|hex| u16::from_str_radix(hex, 16).ok())
        .expect("FCS value in the doc");
    assert_eq!(fcs16(&frame), stated);
    let sent_as = hex_octets(fcs_line.split("sent as").nth(1).unwrap_or_default());
    assert_eq!(sent_as, stated.to_le_bytes());
    assert_eq!(fcs16(b"123456789"), 0x906E);
    assert!(DOC.contains("gives `0x906E`"));

    // Our encoder, starting idle with the frame queued, sends the doc's octets.
    let expected = hex_octets(doc_line("timeslot-16 octets:"));
    assert_eq!(expected.len(), 12);
    let mut tx = HdlcTx::new();
    tx.push_frame(&frame).unwrap();
    let mut sent = vec![0u8; expected.len()];
    tx.fill_slice(&mut sent);
    assert_eq!(
        sent,
        expected,
        "ours: {}",
        sent.iter()
            .map(|o| format!("{o:02X}"))
            .collect::<Vec<_>>()
            .join(" ")
    );

    // The bit listing: frame octets least significant bit first with the stuffed zero
    // shown, packed most significant bit first into the timeslot-16 octets.
    let listing = doc_bit_listing();
    let mut on_line = frame.clone();
    on_line.extend_from_slice(&sent_as);
    let listed: Vec<u8> = listing.iter().map(|(o, _)| *o).collect();
    assert_eq!(listed[0], 0x7E);
    assert_eq!(&listed[1..listed.len() - 1], &on_line[..]);
    assert_eq!(listed[listed.len() - 1], 0x7E);
    let mut stream = String::new();
    for (octet, bits) in &listing {
        let lsb_first: String = (0..8)
            .map(|i| char::from(b'0' + ((octet >> i) & 1)))
            .collect();
        let mut unstuffed = String::new();
        let mut ones = 0;
        for bit in bits.chars() {
            if *octet != 0x7E && bit == '0' && ones == 5 {
                ones = 0;
                continue; // the stuffed zero
            }
            ones = if bit == '1' { ones + 1 } else { 0 };
            unstuffed.push(bit);
        }
        assert_eq!(unstuffed, lsb_first, "octet {octet:02X}");
        stream.push_str(bits);
    }
    let packed: Vec<u8> = stream
        .as_bytes()
        .chunks_exact(8)
        .map(|bits| bits.iter().fold(0u8, |v, b| (v << 1) | (b - b'0')))
        .collect();
    assert_eq!(&packed[..], &expected[..packed.len()]);

    // The box's receiver takes the octets back as the frame.
    let mut rx = HdlcRx::new();
    rx.process(&expected);
    assert_eq!(
        rx.poll_frame().map(|f| f.map(|f| f.to_vec())),
        Some(Ok(frame))
    );
    assert!(rx.poll_frame().is_none());
}

#[test]
fn a_busy_device_answers_error_3_before_hello_so_writing_hello_may_fail() {
    let dir = TempDir::new("busydoc");
    let mut dev = SoftDevice::bind(dir.path(), DeviceKind::E1, 1, ClockMode::LockStep).unwrap();
    let (_first, _) = connect(&mut dev, None, None).unwrap();

    let mut second = UnixStream::connect(dev.path()).unwrap();
    second.set_read_timeout(Some(T)).unwrap();
    // The box accepts, answers and closes without having read a byte from us.
    for _ in 0..20 {
        pump(&mut dev);
    }
    let mut hello = [0u8; codec::HELLO_FRAME_LEN];
    let n = codec::encode_hello(&Hello::far_end(None, None), &mut hello).unwrap();
    match second.write_all(&hello[..n]) {
        Err(e) => assert!(
            matches!(
                e.kind(),
                io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
            ),
            "{e}"
        ),
        Ok(()) => panic!("the box had not closed the busy connection"),
    }
    // The ERROR is still there to read.
    let mut said = Vec::new();
    second.read_to_end(&mut said).unwrap();
    let mut input = &said[..];
    match FrameDecoder::new().decode(&mut input) {
        Ok(Some(Message::Error { code, .. })) => assert_eq!(code, ErrorCode::Busy),
        other => panic!("expected ERROR 3, got {other:?}"),
    }
    assert!(input.is_empty(), "nothing but the ERROR");
    assert!(DOC.contains("before the box reads anything from it"));
}
