mod common;

use common::{add_noise, goertzel_power, mean_square, Noise};
use dsp::caller_id::{AbsenceReason, CallerIdDateTime};
use dsp::{CallerIdError, CallerIdMessage, FskCallerIdDecoder, FskCallerIdGenerator};
use heapless::String;
use line_boundary::FRAME_SAMPLES;

fn message() -> CallerIdMessage {
    CallerIdMessage {
        datetime: Some(CallerIdDateTime {
            month: 11,
            day: 5,
            hour: 8,
            minute: 30,
        }),
        number: Some(String::try_from("+8613800138000").expect("fits")),
        name: Some(String::try_from("Zhang Wei / Support Line 3").expect("fits")),
        number_absent: None,
        name_absent: None,
    }
}

fn render(mut generator: FskCallerIdGenerator) -> Vec<i16> {
    let mut audio = vec![0i16; 800]; // on-hook silence before the burst
    let mut frame = [0i16; FRAME_SAMPLES];
    while generator.fill(&mut frame) {
        audio.extend_from_slice(&frame);
    }
    audio.extend_from_slice(&frame);
    audio.extend(std::iter::repeat_n(0, 1600));
    audio
}

fn decode_all(audio: &[i16], chunk: usize) -> Vec<Result<CallerIdMessage, CallerIdError>> {
    let mut decoder = FskCallerIdDecoder::new();
    let mut results = Vec::new();
    for piece in audio.chunks(chunk) {
        decoder.process(piece);
        while let Some(result) = decoder.poll() {
            results.push(result);
        }
    }
    results
}

#[test]
fn round_trip_in_20_ms_frames() {
    let audio = render(FskCallerIdGenerator::new(&message()).expect("valid"));
    assert_eq!(decode_all(&audio, FRAME_SAMPLES), vec![Ok(message())]);
}

#[test]
fn bytes_split_across_odd_frame_boundaries() {
    let audio = render(FskCallerIdGenerator::new(&message()).expect("valid"));
    for chunk in [1, 7, 13, 101] {
        assert_eq!(
            decode_all(&audio, chunk),
            vec![Ok(message())],
            "chunk {chunk}"
        );
    }
}

#[test]
fn transmission_has_seizure_mark_and_message_timing_at_minus_13_dbm0() {
    let frame_bytes = message().encode_mdmf().expect("valid");
    let audio = render(FskCallerIdGenerator::new(&message()).expect("valid"));
    let burst = &audio[800..];
    let burst_len = burst.iter().rposition(|&x| x != 0).map_or(0, |i| i + 1);
    let bits = 300 + 180 + 10 * frame_bytes.len() + 10;
    let expected_samples = bits * 8000 / 1200;
    assert!(
        burst_len.abs_diff(expected_samples) <= 8,
        "burst {burst_len} vs {expected_samples}"
    );
    // Seizure: equal mark and space energy; mark period: mark only.
    let seizure = &burst[200..1800];
    let ratio_db =
        10.0 * (goertzel_power(seizure, 1300.0) / goertzel_power(seizure, 2100.0)).log10();
    assert!(ratio_db.abs() < 1.5, "seizure mark/space {ratio_db} dB");
    let mark = &burst[2100..3100];
    assert!(goertzel_power(mark, 1300.0) > 1000.0 * goertzel_power(mark, 2100.0));
    let level = common::level_dbm0(mark);
    assert!((level + 13.0).abs() < 0.2, "level {level}");
}

#[test]
fn absence_of_number_and_name_round_trips() {
    let hidden = CallerIdMessage {
        datetime: Some(CallerIdDateTime {
            month: 1,
            day: 31,
            hour: 23,
            minute: 59,
        }),
        number_absent: Some(AbsenceReason::Private),
        name_absent: Some(AbsenceReason::Unavailable),
        ..Default::default()
    };
    let audio = render(FskCallerIdGenerator::new(&hidden).expect("valid"));
    assert_eq!(decode_all(&audio, FRAME_SAMPLES), vec![Ok(hidden)]);
}

#[test]
fn corrupted_checksum_is_reported() {
    let mut bytes = message().encode_mdmf().expect("valid");
    let last = bytes.len() - 1;
    bytes[last] = bytes[last].wrapping_add(1);
    let audio = render(FskCallerIdGenerator::from_frame(&bytes, -13.0).expect("fits"));
    assert_eq!(
        decode_all(&audio, FRAME_SAMPLES),
        vec![Err(CallerIdError::ChecksumMismatch { sum: 1 })]
    );
}

#[test]
fn corrupted_body_byte_is_reported() {
    let mut bytes = message().encode_mdmf().expect("valid");
    bytes[20] ^= 0x04;
    let audio = render(FskCallerIdGenerator::from_frame(&bytes, -13.0).expect("fits"));
    assert!(matches!(
        decode_all(&audio, FRAME_SAMPLES).as_slice(),
        [Err(CallerIdError::ChecksumMismatch { .. })]
    ));
}

#[test]
fn cut_off_transmission_is_reported_as_truncated() {
    let bytes = message().encode_mdmf().expect("valid");
    let mut audio = render(FskCallerIdGenerator::from_frame(&bytes, -13.0).expect("fits"));
    // Silence the line from the middle of byte 20 on.
    let cut = 800 + (300 + 180 + 10 * 20 + 5) * 8000 / 1200;
    audio[cut..].fill(0);
    let results = decode_all(&audio, FRAME_SAMPLES);
    assert_eq!(
        results,
        vec![Err(CallerIdError::Truncated {
            received: 20,
            expected: bytes.len()
        })]
    );
}

#[test]
fn unknown_message_type_is_reported() {
    let audio =
        render(FskCallerIdGenerator::from_frame(&[0x42, 1, 0x30, 0x8E], -13.0).expect("fits"));
    assert_eq!(
        decode_all(&audio, FRAME_SAMPLES),
        vec![Err(CallerIdError::UnknownMessageType {
            message_type: 0x42
        })]
    );
}

#[test]
fn sdmf_is_decoded() {
    let mut bytes = vec![0x04u8, 18];
    bytes.extend_from_slice(b"0704120055512345");
    bytes[1] = (bytes.len() - 2) as u8;
    let sum = bytes.iter().fold(0u8, |s, &b| s.wrapping_add(b));
    bytes.push(sum.wrapping_neg());
    let audio = render(FskCallerIdGenerator::from_frame(&bytes, -13.0).expect("fits"));
    let results = decode_all(&audio, FRAME_SAMPLES);
    let expected = CallerIdMessage {
        datetime: Some(CallerIdDateTime {
            month: 7,
            day: 4,
            hour: 12,
            minute: 0,
        }),
        number: Some(String::try_from("55512345").expect("fits")),
        ..Default::default()
    };
    assert_eq!(results, vec![Ok(expected)]);
}

#[test]
fn decodes_at_minus_30_dbm0() {
    let bytes = message().encode_mdmf().expect("valid");
    let audio = render(FskCallerIdGenerator::from_frame(&bytes, -30.0).expect("fits"));
    assert_eq!(decode_all(&audio, FRAME_SAMPLES), vec![Ok(message())]);
}

#[test]
fn decodes_with_noise_at_20_db_snr() {
    let audio = render(FskCallerIdGenerator::new(&message()).expect("valid"));
    let signal_power = mean_square(&audio[1000..4000]);
    for seed in 1..=5 {
        let mut noisy = audio.clone();
        add_noise(&mut noisy, signal_power / 100.0, &mut Noise::new(seed));
        assert_eq!(
            decode_all(&noisy, FRAME_SAMPLES),
            vec![Ok(message())],
            "seed {seed}"
        );
    }
}

#[test]
fn noise_alone_decodes_nothing() {
    let mut audio = vec![0i16; 8000 * 5];
    add_noise(&mut audio, 1e6, &mut Noise::new(3));
    assert_eq!(decode_all(&audio, FRAME_SAMPLES), vec![]);
}

#[test]
fn two_transmissions_in_a_row_give_two_messages() {
    let mut audio = render(FskCallerIdGenerator::new(&message()).expect("valid"));
    audio.extend(render(
        FskCallerIdGenerator::new(&CallerIdMessage::default()).expect("valid"),
    ));
    assert_eq!(
        decode_all(&audio, FRAME_SAMPLES),
        vec![Ok(message()), Ok(CallerIdMessage::default())]
    );
}
