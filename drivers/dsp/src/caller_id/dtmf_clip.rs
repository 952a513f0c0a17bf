//! Caller ID sent as DTMF digits (ETSI EN 300 659-1 annex / ES 200 778 "DTMF CLIP" and
//! its national variants), receiver and sender.
//!
//! Formats (start digit, number, end digit):
//! - [`DtmfClipFormat::AC`]: `A<number>C`; absence as `B00C` (unavailable) or `B10C`
//!   (private); a redirecting number after `D` is skipped (Belgium, Brazil, Denmark,
//!   Finland, India, the Netherlands, Sweden, …).
//! - [`DtmfClipFormat::AHash`]: `A<number>#`; absence as `D1#` (private), `D3#`
//!   (unavailable; `D2#`, international, also reads as unavailable).
//! - [`DtmfClipFormat::DC`]: `D<number>C` (Taiwan, Kuwait, and common on Chinese
//!   exchanges that send DTMF caller ID).

use super::message::{AbsenceReason, CallerIdMessage};
use super::CallerIdError;
use crate::dtmf::{DtmfDetector, DtmfGenerator, DtmfGeneratorConfig};
use heapless::{Deque, String};

/// Parameter code used in errors for the number (as in the FSK formats).
const PARAM_NUMBER: u8 = 0x02;
/// Longest digit string accepted (start + 32 digits + end, with room for fields).
pub const MAX_DTMF_CLIP_DIGITS: usize = 40;
/// A transmission with no new digit for this long is cut off (3 s).
const INTER_DIGIT_TIMEOUT_SAMPLES: u64 = 3 * 8000;
const RESULT_CAPACITY: usize = 4;

/// How the digits are framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DtmfClipFormat {
    #[default]
    AC,
    AHash,
    DC,
}

/// The digit string for `message` in `format`. The number must be digits 0-9 only.
pub fn encode_dtmf_clip(
    message: &CallerIdMessage,
    format: DtmfClipFormat,
) -> Result<String<MAX_DTMF_CLIP_DIGITS>, CallerIdError> {
    let too_long = CallerIdError::InvalidParameter {
        parameter: PARAM_NUMBER,
        reason: "too long for DTMF caller ID",
    };
    let mut out: String<MAX_DTMF_CLIP_DIGITS> = String::new();
    let mut push = |text: &str| out.push_str(text).map_err(|_| too_long);
    match (&message.number, message.number_absent, format) {
        (Some(number), _, _) => {
            if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
                return Err(CallerIdError::InvalidParameter {
                    parameter: PARAM_NUMBER,
                    reason: "DTMF caller ID carries digits 0-9 only",
                });
            }
            let (start, end) = match format {
                DtmfClipFormat::AC => ("A", "C"),
                DtmfClipFormat::AHash => ("A", "#"),
                DtmfClipFormat::DC => ("D", "C"),
            };
            push(start)?;
            push(number)?;
            push(end)?;
        }
        (None, Some(reason), DtmfClipFormat::AC) => push(match reason {
            AbsenceReason::Unavailable => "B00C",
            AbsenceReason::Private => "B10C",
        })?,
        (None, Some(reason), DtmfClipFormat::AHash) => push(match reason {
            AbsenceReason::Unavailable => "D3#",
            AbsenceReason::Private => "D1#",
        })?,
        _ => {
            return Err(CallerIdError::InvalidParameter {
                parameter: PARAM_NUMBER,
                reason: "nothing this DTMF caller ID format can carry",
            })
        }
    }
    Ok(out)
}

/// Parses a complete digit string (start digit to end digit included).
pub fn decode_dtmf_clip(digits: &str) -> Result<CallerIdMessage, CallerIdError> {
    let invalid = |reason| CallerIdError::InvalidParameter {
        parameter: PARAM_NUMBER,
        reason,
    };
    let bytes = digits.as_bytes();
    let (&start, rest) = bytes.split_first().ok_or(invalid("empty DTMF caller ID"))?;
    let (&end, body) = rest
        .split_last()
        .ok_or(invalid("DTMF caller ID has no end digit"))?;
    if !matches!(end, b'C' | b'#') {
        return Err(invalid("DTMF caller ID does not end in C or #"));
    }
    let mut message = CallerIdMessage::default();
    // Fields: a leading letter, then digits up to the next letter.
    let mut fields = [(start, &body[..0]); 4];
    let mut count = 0;
    let mut field_start = 0;
    let mut letter = start;
    for (i, &b) in body
        .iter()
        .enumerate()
        .chain(core::iter::once((body.len(), &b'C')))
    {
        if b.is_ascii_digit() && i < body.len() {
            continue;
        }
        if count == fields.len() {
            return Err(invalid("too many DTMF caller ID fields"));
        }
        fields[count] = (letter, &body[field_start..i]);
        count += 1;
        letter = b;
        field_start = i + 1;
    }
    for &(letter, value) in &fields[..count] {
        // Cannot fail: `value` holds ASCII digits only.
        let text = core::str::from_utf8(value).unwrap_or("");
        match (letter, end, value) {
            (b'B', _, b"00") => message.number_absent = Some(AbsenceReason::Unavailable),
            (b'B', _, b"10") => message.number_absent = Some(AbsenceReason::Private),
            (b'D', b'#', b"1") => message.number_absent = Some(AbsenceReason::Private),
            (b'D', b'#', b"2" | b"3") => message.number_absent = Some(AbsenceReason::Unavailable),
            (b'A', _, _) | (b'D', b'C', _) if message.number.is_none() && !value.is_empty() => {
                let mut number = String::new();
                number
                    .push_str(text)
                    .map_err(|_| invalid("number longer than allowed"))?;
                message.number = Some(number);
            }
            // Redirecting number (D after A) and unknown fields are skipped.
            _ => {}
        }
    }
    if message.number.is_none() && message.number_absent.is_none() {
        return Err(invalid(
            "DTMF caller ID holds neither a number nor a reason",
        ));
    }
    Ok(message)
}

/// Receives DTMF caller ID: a DTMF receiver plus the framing above. Allocation-free.
#[derive(Debug, Clone)]
pub struct DtmfClipDecoder {
    detector: DtmfDetector,
    digits: String<MAX_DTMF_CLIP_DIGITS>,
    samples: u64,
    last_digit_at: u64,
    results: Deque<Result<CallerIdMessage, CallerIdError>, RESULT_CAPACITY>,
}

impl Default for DtmfClipDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl DtmfClipDecoder {
    /// Accepts every format above (starts with A or D, ends with C or #).
    pub fn new() -> Self {
        DtmfClipDecoder {
            detector: DtmfDetector::default(),
            digits: String::new(),
            samples: 0,
            last_digit_at: 0,
            results: Deque::new(),
        }
    }

    pub fn process(&mut self, samples: &[i16]) {
        self.detector.process(samples);
        self.samples += samples.len() as u64;
        while let Some(found) = self.detector.poll_digit() {
            self.on_digit(found.digit);
        }
        if !self.digits.is_empty()
            && self.samples - self.last_digit_at > INTER_DIGIT_TIMEOUT_SAMPLES
        {
            let received = self.digits.len();
            self.digits.clear();
            self.finish(Err(CallerIdError::Truncated {
                received,
                expected: received + 1,
            }));
        }
    }

    /// The oldest finished message or error (at most 4 kept).
    pub fn poll(&mut self) -> Option<Result<CallerIdMessage, CallerIdError>> {
        self.results.pop_front()
    }

    fn on_digit(&mut self, digit: char) {
        self.last_digit_at = self.samples;
        if self.digits.is_empty() && !matches!(digit, 'A' | 'D' | 'B') {
            return; // not the start of a caller ID
        }
        if self.digits.push(digit).is_err() {
            self.digits.clear();
            self.finish(Err(CallerIdError::FrameTooLong {
                length: MAX_DTMF_CLIP_DIGITS + 1,
            }));
            return;
        }
        if matches!(digit, 'C' | '#') {
            let result = decode_dtmf_clip(&self.digits);
            self.digits.clear();
            self.finish(result);
        }
    }

    fn finish(&mut self, result: Result<CallerIdMessage, CallerIdError>) {
        if self.results.is_full() {
            self.results.pop_front();
        }
        let _ = self.results.push_back(result);
    }
}

/// Sends DTMF caller ID: 60 ms tones, 60 ms pauses, −7/−5 dBm0 (within EN 300 659's
/// 50–70 ms and level ranges).
#[derive(Debug, Clone)]
pub struct DtmfClipGenerator {
    generator: DtmfGenerator,
}

impl DtmfClipGenerator {
    pub fn new(message: &CallerIdMessage, format: DtmfClipFormat) -> Result<Self, CallerIdError> {
        let digits = encode_dtmf_clip(message, format)?;
        let config = DtmfGeneratorConfig {
            tone_ms: 60,
            pause_ms: 60,
            low_group_dbm0: -7.0,
            high_group_dbm0: -5.0,
        };
        let mut generator =
            DtmfGenerator::new(config).map_err(|_| CallerIdError::InvalidParameter {
                parameter: PARAM_NUMBER,
                reason: "DTMF generator refused its configuration",
            })?;
        generator
            .push_digits(&digits)
            .map_err(|_| CallerIdError::InvalidParameter {
                parameter: PARAM_NUMBER,
                reason: "too long for DTMF caller ID",
            })?;
        Ok(DtmfClipGenerator { generator })
    }

    /// Writes the next samples; returns whether more remain.
    pub fn fill(&mut self, out: &mut [i16]) -> bool {
        self.generator.fill(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(digits: &str) -> CallerIdMessage {
        CallerIdMessage {
            number: Some(String::try_from(digits).expect("fits")),
            ..Default::default()
        }
    }

    #[test]
    fn formats_encode_and_decode() {
        let message = number("13800138000");
        for (format, text) in [
            (DtmfClipFormat::AC, "A13800138000C"),
            (DtmfClipFormat::AHash, "A13800138000#"),
            (DtmfClipFormat::DC, "D13800138000C"),
        ] {
            let digits = encode_dtmf_clip(&message, format).expect("valid");
            assert_eq!(digits.as_str(), text);
            assert_eq!(decode_dtmf_clip(&digits), Ok(message.clone()));
        }
        let private = CallerIdMessage {
            number_absent: Some(AbsenceReason::Private),
            ..Default::default()
        };
        assert_eq!(
            encode_dtmf_clip(&private, DtmfClipFormat::AC)
                .expect("ok")
                .as_str(),
            "B10C"
        );
        assert_eq!(
            encode_dtmf_clip(&private, DtmfClipFormat::AHash)
                .expect("ok")
                .as_str(),
            "D1#"
        );
        assert_eq!(decode_dtmf_clip("B10C"), Ok(private.clone()));
        assert_eq!(decode_dtmf_clip("D1#"), Ok(private));
        assert_eq!(
            decode_dtmf_clip("D3#").expect("ok").number_absent,
            Some(AbsenceReason::Unavailable)
        );
        // A redirecting number is skipped.
        assert_eq!(decode_dtmf_clip("A123D456C"), Ok(number("123")));
    }

    #[test]
    fn invalid_input_is_an_error_not_a_panic() {
        assert!(encode_dtmf_clip(&number("+44123"), DtmfClipFormat::AC).is_err());
        assert!(encode_dtmf_clip(&CallerIdMessage::default(), DtmfClipFormat::DC).is_err());
        for text in ["", "A", "A123", "AC", "A1B2D3B4D5C", "#", "X12C"] {
            assert!(decode_dtmf_clip(text).is_err(), "{text:?}");
        }
    }
}
