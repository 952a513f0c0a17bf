//! Our caller ID sender and receiver against spandsp's `adsi_tx` / `adsi_rx`.

mod common;

use common::{add_white_noise, sine_power, Noise, FRAME};
use dsp::caller_id::{AbsenceReason, CallerIdDateTime};
use dsp::caller_id::{DtmfClipDecoder, DtmfClipFormat, DtmfClipGenerator, FskModulation};
use dsp::{CallerIdError, CallerIdMessage, FskCallerIdDecoder, FskCallerIdGenerator};
use dsp_conformance::spandsp_fsk::{AdsiStandard, SpandspAdsiRx, SpandspAdsiTx};
use heapless::String;

fn full_message() -> CallerIdMessage {
    CallerIdMessage {
        datetime: Some(CallerIdDateTime {
            month: 2,
            day: 29,
            hour: 23,
            minute: 59,
        }),
        number: Some(String::try_from("+8675512345678").expect("fits")),
        name: Some(String::try_from("Li Na / Shenzhen Support").expect("fits")),
        number_absent: None,
        name_absent: None,
    }
}

fn withheld_message() -> CallerIdMessage {
    CallerIdMessage {
        datetime: Some(CallerIdDateTime {
            month: 12,
            day: 1,
            hour: 0,
            minute: 5,
        }),
        number_absent: Some(AbsenceReason::Private),
        name_absent: Some(AbsenceReason::Unavailable),
        ..Default::default()
    }
}

fn ours_decode(audio: &[i16]) -> Vec<Result<CallerIdMessage, CallerIdError>> {
    let mut decoder = FskCallerIdDecoder::new();
    let mut out = Vec::new();
    for frame in audio.chunks(FRAME) {
        decoder.process(frame);
        while let Some(result) = decoder.poll() {
            out.push(result);
        }
    }
    out
}

fn spandsp_decode(standard: AdsiStandard, audio: &[i16]) -> Vec<Vec<u8>> {
    let mut rx = SpandspAdsiRx::new(standard);
    let mut out = Vec::new();
    for frame in audio.chunks(FRAME) {
        rx.process(frame);
        out.extend(rx.take_messages());
    }
    out
}

/// spandsp sends `frame` (our encoding, checksum dropped: spandsp appends its own).
fn spandsp_sends(standard: AdsiStandard, frame: &[u8]) -> Vec<i16> {
    let mut tx = SpandspAdsiTx::new(standard);
    let body = &frame[..frame.len() - 1];
    assert_eq!(tx.put_message(body), body.len() as i32);
    let mut audio = vec![0i16; 800];
    audio.extend(tx.render_all(8000 * 5));
    audio.extend(std::iter::repeat_n(0, 1600));
    audio
}

fn ours_sends(message: &CallerIdMessage) -> Vec<i16> {
    let mut generator = FskCallerIdGenerator::new(message).expect("valid message");
    let mut audio = vec![0i16; 800];
    let mut frame = [0i16; FRAME];
    while generator.fill(&mut frame) {
        audio.extend_from_slice(&frame);
    }
    audio.extend_from_slice(&frame);
    audio.extend(std::iter::repeat_n(0, 1600));
    audio
}

#[test]
fn spandsp_sends_etsi_mdmf_and_we_decode_it() {
    for message in [full_message(), withheld_message()] {
        let frame = message.encode_mdmf().expect("valid");
        let audio = spandsp_sends(AdsiStandard::Clip, &frame);
        assert_eq!(
            ours_decode(&audio),
            vec![Ok(message.clone())],
            "{message:?}"
        );
    }
}

#[test]
fn we_send_etsi_mdmf_and_spandsp_decodes_it() {
    for message in [full_message(), withheld_message()] {
        let frame = message.encode_mdmf().expect("valid");
        let audio = ours_sends(&message);
        let received = spandsp_decode(AdsiStandard::Clip, &audio);
        assert_eq!(received.len(), 1, "spandsp messages: {received:?}");
        // spandsp hands over type, length and body (its checksum check passed).
        assert_eq!(&received[0][..], &frame[..received[0].len()]);
        assert!(received[0].len() >= frame.len() - 1);
        // And what spandsp received parses back to the message with our parser.
        let mut with_checksum = received[0][..frame.len() - 1].to_vec();
        with_checksum.push(frame[frame.len() - 1]);
        assert_eq!(CallerIdMessage::decode_frame(&with_checksum), Ok(message));
    }
}

#[test]
fn spandsp_sends_with_line_noise_and_we_decode_it() {
    // −13 dBm0 FSK (spandsp's level) with white noise 20 dB down, 5 seeds.
    let message = full_message();
    let frame = message.encode_mdmf().expect("valid");
    let clean = spandsp_sends(AdsiStandard::Clip, &frame);
    for seed in 1..=5 {
        let mut audio = clean.clone();
        add_white_noise(&mut audio, sine_power(-13.0 - 20.0), &mut Noise::new(seed));
        assert_eq!(
            ours_decode(&audio),
            vec![Ok(message.clone())],
            "seed {seed}"
        );
    }
}

fn ours_decode_with(
    decoder: &mut FskCallerIdDecoder,
    audio: &[i16],
) -> Vec<Result<CallerIdMessage, CallerIdError>> {
    let mut out = Vec::new();
    for frame in audio.chunks(FRAME) {
        decoder.process(frame);
        while let Some(result) = decoder.poll() {
            out.push(result);
        }
    }
    out
}

fn sdmf_message() -> CallerIdMessage {
    CallerIdMessage {
        name: None,
        number: Some(String::try_from("2125551234").expect("fits")),
        ..full_message()
    }
}

#[test]
fn spandsp_sends_bell202_mdmf_and_sdmf_and_we_decode_them() {
    for (message, frame) in [
        (full_message(), full_message().encode_mdmf().expect("valid")),
        (sdmf_message(), sdmf_message().encode_sdmf().expect("valid")),
        (
            withheld_message(),
            withheld_message().encode_mdmf().expect("valid"),
        ),
    ] {
        let audio = spandsp_sends(AdsiStandard::Class, &frame);
        let mut decoder = FskCallerIdDecoder::with_modulation(FskModulation::Bell202);
        assert_eq!(
            ours_decode_with(&mut decoder, &audio),
            vec![Ok(message.clone())],
            "{message:?}"
        );
    }
}

#[test]
fn we_send_bell202_and_spandsp_decodes_it() {
    for (message, frame) in [
        (full_message(), full_message().encode_mdmf().expect("valid")),
        (sdmf_message(), sdmf_message().encode_sdmf().expect("valid")),
    ] {
        let generator =
            FskCallerIdGenerator::with_modulation(&frame, -13.0, FskModulation::Bell202)
                .expect("valid");
        let mut audio = vec![0i16; 800];
        let mut piece = [0i16; FRAME];
        let mut generator = generator;
        while generator.fill(&mut piece) {
            audio.extend_from_slice(&piece);
        }
        audio.extend_from_slice(&piece);
        audio.extend(std::iter::repeat_n(0, 1600));
        let received = spandsp_decode(AdsiStandard::Class, &audio);
        assert_eq!(received.len(), 1, "spandsp messages: {received:?}");
        assert_eq!(&received[0][..frame.len() - 1], &frame[..frame.len() - 1]);
        let mut decoder = FskCallerIdDecoder::with_modulation(FskModulation::Bell202);
        assert_eq!(ours_decode_with(&mut decoder, &audio), vec![Ok(message)]);
    }
    // The MDMF shortcut constructor sends the same thing.
    let mut generator = FskCallerIdGenerator::bell202(&full_message()).expect("valid");
    let mut audio = vec![0i16; 800];
    let mut piece = [0i16; FRAME];
    while generator.fill(&mut piece) {
        audio.extend_from_slice(&piece);
    }
    audio.extend(std::iter::repeat_n(0, 1600));
    assert_eq!(spandsp_decode(AdsiStandard::Class, &audio).len(), 1);
}

fn dtmf_clip_decode(audio: &[i16]) -> Vec<Result<CallerIdMessage, CallerIdError>> {
    let mut decoder = DtmfClipDecoder::new();
    let mut out = Vec::new();
    for frame in audio.chunks(FRAME) {
        decoder.process(frame);
        while let Some(result) = decoder.poll() {
            out.push(result);
        }
    }
    out
}

#[test]
fn spandsp_sends_dtmf_caller_id_and_we_decode_it() {
    let number = CallerIdMessage {
        number: Some(String::try_from("13800138000").expect("fits")),
        ..Default::default()
    };
    for text in ["A13800138000C", "D13800138000C", "A13800138000#"] {
        let audio = spandsp_sends_raw(AdsiStandard::ClipDtmf, text.as_bytes());
        assert_eq!(dtmf_clip_decode(&audio), vec![Ok(number.clone())], "{text}");
    }
    let audio = spandsp_sends_raw(AdsiStandard::ClipDtmf, b"B10C");
    assert_eq!(
        dtmf_clip_decode(&audio),
        vec![Ok(CallerIdMessage {
            number_absent: Some(AbsenceReason::Private),
            ..Default::default()
        })]
    );
}

#[test]
fn we_send_dtmf_caller_id_and_spandsp_decodes_it() {
    let number = CallerIdMessage {
        number: Some(String::try_from("8675512345678").expect("fits")),
        ..Default::default()
    };
    for (format, text) in [
        (DtmfClipFormat::AC, "A8675512345678C"),
        (DtmfClipFormat::DC, "D8675512345678C"),
        (DtmfClipFormat::AHash, "A8675512345678#"),
    ] {
        let mut generator = DtmfClipGenerator::new(&number, format).expect("valid");
        let mut audio = vec![0i16; 800];
        let mut piece = [0i16; FRAME];
        while generator.fill(&mut piece) {
            audio.extend_from_slice(&piece);
        }
        audio.extend(std::iter::repeat_n(0, 8000 * 4));
        let received = spandsp_decode(AdsiStandard::ClipDtmf, &audio);
        assert_eq!(
            received.len(),
            1,
            "{format:?}: spandsp messages {received:?}"
        );
        assert_eq!(
            std::str::from_utf8(&received[0]).ok(),
            Some(text),
            "{format:?}"
        );
        assert_eq!(dtmf_clip_decode(&audio), vec![Ok(number.clone())]);
    }
}

fn spandsp_sends_raw(standard: AdsiStandard, message: &[u8]) -> Vec<i16> {
    let mut tx = SpandspAdsiTx::new(standard);
    assert!(tx.put_message(message) > 0, "spandsp refused {message:?}");
    let mut audio = vec![0i16; 800];
    audio.extend(tx.render_all(8000 * 5));
    audio.extend(std::iter::repeat_n(0, 8000 * 4));
    audio
}
