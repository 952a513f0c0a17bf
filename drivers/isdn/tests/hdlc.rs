//! HDLC framing on timeslot 16: round trips, bit stuffing, FCS, errors.

use isdn::hdlc::{fcs16, Frame, HdlcError, HdlcRx, HdlcTx, BLOCK_OCTETS, MAX_FRAME_LEN};
use proptest::prelude::*;

/// Serialise `frames` through a transmitter into `blocks` blocks of timeslot 16.
fn transmit(frames: &[Vec<u8>], blocks: usize) -> Vec<u8> {
    let mut tx = HdlcTx::new();
    let mut line = Vec::new();
    let mut pending = frames.iter();
    for _ in 0..blocks {
        // Keep the queue topped up, as a driver would each tick.
        while tx.queued() < 4 {
            match pending.next() {
                Some(f) => tx.push_frame(f).expect("queue"),
                None => break,
            }
        }
        let mut block = [0u8; BLOCK_OCTETS];
        tx.fill(&mut block);
        line.extend_from_slice(&block);
    }
    assert!(tx.is_idle(), "all frames sent");
    line
}

fn receive(line: &[u8], cuts: &[usize]) -> Vec<Result<Frame, HdlcError>> {
    let mut rx = HdlcRx::new();
    let mut out = Vec::new();
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&line.len())) {
        let end = cut.clamp(start, line.len());
        rx.process(&line[start..end]);
        while let Some(r) = rx.poll_frame() {
            out.push(r);
        }
        start = end;
    }
    out
}

/// Bits in time order of a line (MSB of each timeslot octet first).
fn bits(line: &[u8]) -> Vec<u8> {
    line.iter()
        .flat_map(|o| (0..8).rev().map(move |i| (o >> i) & 1))
        .collect()
}

fn pack(bits: &[u8]) -> Vec<u8> {
    bits.chunks(8)
        .map(|c| {
            c.iter()
                .chain(std::iter::repeat(&1))
                .take(8)
                .fold(0u8, |a, b| (a << 1) | b)
        })
        .collect()
}

#[test]
fn fcs_known_vectors() {
    // CRC-16/X.25 check value.
    assert_eq!(fcs16(b"123456789"), 0x906E);
    assert_eq!(fcs16(b""), 0x0000);
    // A SABME from the network side (0x02 0x01 0x7F): FCS sent low octet first.
    let fcs = fcs16(&[0x02, 0x01, 0x7F]);
    let mut with_fcs = vec![0x02, 0x01, 0x7F];
    with_fcs.extend_from_slice(&fcs.to_le_bytes());
    // Good-frame residue of the reflected CRC over data + FCS.
    let residue = !fcs16(&with_fcs);
    assert_eq!(residue, 0xF0B8);
}

#[test]
fn octets_go_lsb_first_and_flags_delimit() {
    let mut tx = HdlcTx::new();
    tx.push_frame(&[0x01, 0x02, 0x03]).unwrap();
    let mut block = [0u8; BLOCK_OCTETS];
    tx.fill(&mut block);
    let b = bits(&block);
    // First a flag, then 0x01 LSB first: 1,0,0,0,0,0,0,0.
    assert_eq!(&b[..8], &[0, 1, 1, 1, 1, 1, 1, 0]);
    assert_eq!(&b[8..16], &[1, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(&b[16..24], &[0, 1, 0, 0, 0, 0, 0, 0]);
    // The rest of the block is idle flags again after the frame.
    assert_eq!(block[BLOCK_OCTETS - 1], 0x7E);
}

#[test]
fn stuffing_of_flag_and_ones_rich_payloads() {
    let payloads: Vec<Vec<u8>> = vec![
        vec![0x7E; 40],
        vec![0xFF; 200],
        vec![0x3F, 0x7E, 0xFC, 0x7F, 0xFE, 0x1F, 0xF8],
        vec![0x00, 0xFF, 0x00],
        (0..=255u8).collect(),
    ];
    let line = transmit(&payloads, 10);
    // No more than five 1s in a row anywhere but in flags (six 1s): never seven.
    let b = bits(&line);
    let mut run = 0;
    for &bit in &b {
        run = if bit == 1 { run + 1 } else { 0 };
        assert!(run <= 6, "seven 1s on the line");
    }
    let got = receive(&line, &[]);
    let got: Vec<Vec<u8>> = got
        .into_iter()
        .map(|r| r.expect("good frame").to_vec())
        .collect();
    assert_eq!(got, payloads);
}

#[test]
fn stuffed_bits_counted_between_flags() {
    // 0xFF × 3 = 24 ones → 4 stuffed zeros (after each run of five ones).
    let mut tx = HdlcTx::new();
    tx.push_frame(&[0xFF, 0xFF, 0xFF]).unwrap();
    let mut block = [0u8; BLOCK_OCTETS];
    tx.fill(&mut block);
    let b = bits(&block);
    assert_eq!(&b[8..14], &[1, 1, 1, 1, 1, 0]);
    assert_eq!(&b[14..20], &[1, 1, 1, 1, 1, 0]);
}

#[test]
fn corrupted_fcs_is_detected() {
    let line = transmit(&[vec![0x00, 0x01, 0x7F], vec![0x02, 0x01, 0x73]], 2);
    let mut b = bits(&line);
    // Flip one bit inside the first frame (bit 3 of its first octet, after the flag).
    let first_flag = b
        .windows(8)
        .position(|w| w == [0, 1, 1, 1, 1, 1, 1, 0])
        .unwrap();
    b[first_flag + 8 + 3] ^= 1;
    let got = receive(&pack(&b), &[]);
    assert!(matches!(got[0], Err(HdlcError::BadFcs { .. })), "{got:?}");
    assert_eq!(got[1].as_ref().unwrap().as_slice(), &[0x02, 0x01, 0x73]);
    assert_eq!(got.len(), 2);
}

#[test]
fn abort_sequence_discards_frame() {
    let line = transmit(&[vec![0x10, 0x20, 0x30, 0x40, 0x50]], 1);
    let mut b = bits(&line);
    let first_flag = b
        .windows(8)
        .position(|w| w == [0, 1, 1, 1, 1, 1, 1, 0])
        .unwrap();
    // Overwrite part of the frame with seven 1s, then idle flags follow the frame.
    for i in 0..7 {
        b[first_flag + 8 + 10 + i] = 1;
    }
    let got = receive(&pack(&b), &[]);
    assert_eq!(got.first(), Some(&Err(HdlcError::Aborted)), "{got:?}");
    assert!(got.iter().all(|r| r.is_err()), "nothing delivered: {got:?}");
}

#[test]
fn too_short_too_long_and_misaligned() {
    // Too short: flag, two octets (no room for an FCS and content), flag.
    let mut b = vec![0, 1, 1, 1, 1, 1, 1, 0];
    b.extend([1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    b.extend([0, 1, 1, 1, 1, 1, 1, 0]);
    // Misaligned: 12 bits.
    b.extend([1, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
    b.extend([0, 1, 1, 1, 1, 1, 1, 0]);
    // Too long: 300 octets of 0x00.
    b.extend(std::iter::repeat_n(0, 300 * 8));
    b.extend([0, 1, 1, 1, 1, 1, 1, 0]);
    let got = receive(&pack(&b), &[]);
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(matches!(got[0], Err(HdlcError::TooShort { len: 2 })));
    assert!(matches!(
        got[1],
        Err(HdlcError::NotOctetAligned { bits: 12 })
    ));
    assert!(matches!(got[2], Err(HdlcError::TooLong)));
}

#[test]
fn push_frame_rejects_bad_sizes_and_full_queue() {
    let mut tx = HdlcTx::new();
    assert!(matches!(
        tx.push_frame(&[0u8; MAX_FRAME_LEN + 1]),
        Err(HdlcError::FrameTooLong { .. })
    ));
    assert!(matches!(
        tx.push_frame(&[1, 2]),
        Err(HdlcError::FrameTooShort { .. })
    ));
    for _ in 0..isdn::hdlc::TX_QUEUE {
        tx.push_frame(&[1, 2, 3]).unwrap();
    }
    assert_eq!(tx.push_frame(&[1, 2, 3]), Err(HdlcError::QueueFull));
}

#[test]
fn idle_and_all_ones_line_yield_nothing() {
    let got = receive(&[0x7E; 160], &[]);
    assert!(got.is_empty());
    let got = receive(&[0xFF; 160], &[]);
    assert!(got.is_empty());
}

#[test]
fn max_length_frame_round_trips() {
    let frame: Vec<u8> = (0..MAX_FRAME_LEN).map(|i| (i * 37) as u8).collect();
    let line = transmit(std::slice::from_ref(&frame), 3);
    let got = receive(&line, &[]);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].as_ref().unwrap().as_slice(), frame.as_slice());
}

proptest! {
    #[test]
    fn random_frames_round_trip_split_anywhere(
        frames in proptest::collection::vec(
            proptest::collection::vec(any::<u8>(), 3..=MAX_FRAME_LEN), 1..8),
        cuts in proptest::collection::vec(0usize..4000, 0..12),
    ) {
        let total: usize = frames.iter().map(|f| f.len() * 10 / 8 + 6).sum();
        let blocks = total / BLOCK_OCTETS + 2;
        let line = transmit(&frames, blocks);
        let mut cuts = cuts;
        cuts.sort_unstable();
        let got = receive(&line, &cuts);
        let got: Vec<Vec<u8>> = got.into_iter().map(|r| r.expect("good frame").to_vec()).collect();
        prop_assert_eq!(got, frames);
    }

    #[test]
    fn random_line_never_panics(line in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let mut rx = HdlcRx::new();
        rx.process(&line);
        while let Some(r) = rx.poll_frame() {
            if let Ok(f) = r {
                prop_assert!(f.len() >= 3 && f.len() <= MAX_FRAME_LEN);
            }
        }
    }
}
