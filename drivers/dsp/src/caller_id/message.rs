//! Caller ID messages and their byte encoding (MDMF encode/decode, SDMF decode).

use super::{CallerIdError, MESSAGE_TYPE_MDMF, MESSAGE_TYPE_SDMF};
use heapless::{String, Vec};

/// Type, length byte (≤ 255), body, checksum.
pub const MAX_FRAME_BYTES: usize = 258;
/// A whole message as sent on the line.
pub type CallerIdFrame = Vec<u8, MAX_FRAME_BYTES>;

const PARAM_DATE_TIME: u8 = 0x01;
const PARAM_NUMBER: u8 = 0x02;
const PARAM_NUMBER_ABSENT: u8 = 0x04;
const PARAM_NAME: u8 = 0x07;
const PARAM_NAME_ABSENT: u8 = 0x08;
const DATE_TIME_LEN: usize = 8;
const NUMBER_CAPACITY: usize = 20;
const NAME_CAPACITY: usize = 50;

/// Local time of the call as the network sends it (no year).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallerIdDateTime {
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
}

/// Why a number or name is not presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbsenceReason {
    /// 'O': out of area / unavailable.
    Unavailable,
    /// 'P': presentation restricted by the caller.
    Private,
}

impl AbsenceReason {
    fn to_byte(self) -> u8 {
        match self {
            AbsenceReason::Unavailable => b'O',
            AbsenceReason::Private => b'P',
        }
    }

    fn from_byte(byte: u8, parameter: u8) -> Result<Self, CallerIdError> {
        match byte {
            b'O' => Ok(AbsenceReason::Unavailable),
            b'P' => Ok(AbsenceReason::Private),
            _ => Err(CallerIdError::InvalidParameter {
                parameter,
                reason: "absence reason is not 'O' or 'P'",
            }),
        }
    }
}

/// What the caller ID of one call says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallerIdMessage {
    pub datetime: Option<CallerIdDateTime>,
    pub number: Option<String<NUMBER_CAPACITY>>,
    pub name: Option<String<NAME_CAPACITY>>,
    pub number_absent: Option<AbsenceReason>,
    pub name_absent: Option<AbsenceReason>,
}

fn push(frame: &mut CallerIdFrame, bytes: &[u8]) -> Result<(), CallerIdError> {
    let length = frame.len() + bytes.len();
    frame
        .extend_from_slice(bytes)
        .map_err(|_| CallerIdError::FrameTooLong { length })
}

fn push_parameter(
    frame: &mut CallerIdFrame,
    parameter: u8,
    value: &[u8],
) -> Result<(), CallerIdError> {
    push(frame, &[parameter, value.len() as u8])?;
    push(frame, value)
}

fn two_digits(value: u8) -> [u8; 2] {
    [b'0' + value / 10, b'0' + value % 10]
}

impl CallerIdDateTime {
    fn validate(&self) -> Result<(), CallerIdError> {
        let in_range = (1..=12).contains(&self.month)
            && (1..=31).contains(&self.day)
            && self.hour <= 23
            && self.minute <= 59;
        if in_range {
            Ok(())
        } else {
            Err(CallerIdError::InvalidParameter {
                parameter: PARAM_DATE_TIME,
                reason: "date/time out of range",
            })
        }
    }

    fn to_ascii(self) -> [u8; DATE_TIME_LEN] {
        let mut out = [0; DATE_TIME_LEN];
        for (slot, value) in out
            .chunks_mut(2)
            .zip([self.month, self.day, self.hour, self.minute])
        {
            slot.copy_from_slice(&two_digits(value));
        }
        out
    }

    fn from_ascii(bytes: &[u8]) -> Result<Self, CallerIdError> {
        let invalid = CallerIdError::InvalidParameter {
            parameter: PARAM_DATE_TIME,
            reason: "not 8 decimal digits MMDDHHMM",
        };
        if bytes.len() != DATE_TIME_LEN || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(invalid);
        }
        let pair = |i: usize| (bytes[i] - b'0') * 10 + (bytes[i + 1] - b'0');
        let datetime = CallerIdDateTime {
            month: pair(0),
            day: pair(2),
            hour: pair(4),
            minute: pair(6),
        };
        datetime.validate()?;
        Ok(datetime)
    }
}

fn text<const N: usize>(bytes: &[u8], parameter: u8) -> Result<String<N>, CallerIdError> {
    if bytes.len() > N {
        return Err(CallerIdError::InvalidParameter {
            parameter,
            reason: "longer than allowed",
        });
    }
    let text = core::str::from_utf8(bytes).map_err(|_| CallerIdError::InvalidParameter {
        parameter,
        reason: "not valid text",
    })?;
    let mut out = String::new();
    out.push_str(text)
        .map_err(|_| CallerIdError::InvalidParameter {
            parameter,
            reason: "longer than allowed",
        })?;
    Ok(out)
}

/// Two's complement of the byte sum, so the whole message sums to 0.
fn checksum(bytes: &[u8]) -> u8 {
    bytes
        .iter()
        .fold(0u8, |sum, &b| sum.wrapping_add(b))
        .wrapping_neg()
}

impl CallerIdMessage {
    /// The MDMF message (type 0x80) with its checksum, parameters in EN 300 659-3 order.
    pub fn encode_mdmf(&self) -> Result<CallerIdFrame, CallerIdError> {
        let mut frame = CallerIdFrame::new();
        push(&mut frame, &[MESSAGE_TYPE_MDMF, 0])?;
        if let Some(datetime) = self.datetime {
            datetime.validate()?;
            push_parameter(&mut frame, PARAM_DATE_TIME, &datetime.to_ascii())?;
        }
        if let Some(number) = &self.number {
            push_parameter(&mut frame, PARAM_NUMBER, number.as_bytes())?;
        }
        if let Some(reason) = self.number_absent {
            push_parameter(&mut frame, PARAM_NUMBER_ABSENT, &[reason.to_byte()])?;
        }
        if let Some(name) = &self.name {
            push_parameter(&mut frame, PARAM_NAME, name.as_bytes())?;
        }
        if let Some(reason) = self.name_absent {
            push_parameter(&mut frame, PARAM_NAME_ABSENT, &[reason.to_byte()])?;
        }
        let body_length = frame.len() - 2;
        if body_length > usize::from(u8::MAX) {
            return Err(CallerIdError::FrameTooLong {
                length: frame.len() + 1,
            });
        }
        frame[1] = body_length as u8;
        let sum = checksum(&frame);
        push(&mut frame, &[sum])?;
        Ok(frame)
    }

    /// The Telcordia GR-30 SDMF message (type 0x04): MMDDHHMM, then the number or a
    /// single 'O'/'P' absence reason; the name cannot be carried. Date/time is required.
    pub fn encode_sdmf(&self) -> Result<CallerIdFrame, CallerIdError> {
        let datetime = self.datetime.ok_or(CallerIdError::InvalidParameter {
            parameter: PARAM_DATE_TIME,
            reason: "SDMF requires the date and time",
        })?;
        datetime.validate()?;
        let mut frame = CallerIdFrame::new();
        push(&mut frame, &[MESSAGE_TYPE_SDMF, 0])?;
        push(&mut frame, &datetime.to_ascii())?;
        match (&self.number, self.number_absent) {
            (Some(number), _) => {
                if matches!(number.as_bytes(), [b'O' | b'P']) {
                    return Err(CallerIdError::InvalidParameter {
                        parameter: PARAM_NUMBER,
                        reason: "a one-letter SDMF number would read as an absence reason",
                    });
                }
                push(&mut frame, number.as_bytes())?;
            }
            (None, Some(reason)) => push(&mut frame, &[reason.to_byte()])?,
            (None, None) => {}
        }
        let body_length = frame.len() - 2;
        if body_length > usize::from(u8::MAX) {
            return Err(CallerIdError::FrameTooLong {
                length: frame.len() + 1,
            });
        }
        frame[1] = body_length as u8;
        let sum = checksum(&frame);
        push(&mut frame, &[sum])?;
        Ok(frame)
    }

    /// Parses a complete message (type, length, body, checksum) of either format.
    pub fn decode_frame(frame: &[u8]) -> Result<Self, CallerIdError> {
        let (&message_type, rest) = frame.split_first().ok_or(CallerIdError::Truncated {
            received: 0,
            expected: 3,
        })?;
        if message_type != MESSAGE_TYPE_MDMF && message_type != MESSAGE_TYPE_SDMF {
            return Err(CallerIdError::UnknownMessageType { message_type });
        }
        let body_length = usize::from(*rest.first().ok_or(CallerIdError::Truncated {
            received: 1,
            expected: 3,
        })?);
        let expected = body_length + 3;
        if frame.len() < expected {
            return Err(CallerIdError::Truncated {
                received: frame.len(),
                expected,
            });
        }
        let sum = frame[..expected]
            .iter()
            .fold(0u8, |sum, &b| sum.wrapping_add(b));
        if sum != 0 {
            return Err(CallerIdError::ChecksumMismatch { sum });
        }
        let body = &frame[2..2 + body_length];
        if message_type == MESSAGE_TYPE_MDMF {
            Self::parse_mdmf_body(body)
        } else {
            Self::parse_sdmf_body(body)
        }
    }

    fn parse_mdmf_body(mut body: &[u8]) -> Result<Self, CallerIdError> {
        let mut message = CallerIdMessage::default();
        while let [parameter, length, rest @ ..] = body {
            let length = usize::from(*length);
            let value = rest.get(..length).ok_or(CallerIdError::InvalidParameter {
                parameter: *parameter,
                reason: "parameter runs past the end of the message",
            })?;
            match *parameter {
                PARAM_DATE_TIME => message.datetime = Some(CallerIdDateTime::from_ascii(value)?),
                PARAM_NUMBER => message.number = Some(text(value, PARAM_NUMBER)?),
                PARAM_NAME => message.name = Some(text(value, PARAM_NAME)?),
                PARAM_NUMBER_ABSENT | PARAM_NAME_ABSENT => {
                    let [byte] = value else {
                        return Err(CallerIdError::InvalidParameter {
                            parameter: *parameter,
                            reason: "absence reason is not one byte",
                        });
                    };
                    let reason = AbsenceReason::from_byte(*byte, *parameter)?;
                    if *parameter == PARAM_NUMBER_ABSENT {
                        message.number_absent = Some(reason);
                    } else {
                        message.name_absent = Some(reason);
                    }
                }
                // EN 300 659-3: receivers skip parameters they do not know.
                _ => {}
            }
            body = &rest[length..];
        }
        if !body.is_empty() {
            return Err(CallerIdError::InvalidParameter {
                parameter: body[0],
                reason: "parameter header cut short",
            });
        }
        Ok(message)
    }

    /// SDMF: MMDDHHMM, then the number digits or a single 'O'/'P'.
    fn parse_sdmf_body(body: &[u8]) -> Result<Self, CallerIdError> {
        if body.len() < DATE_TIME_LEN {
            return Err(CallerIdError::InvalidParameter {
                parameter: PARAM_DATE_TIME,
                reason: "SDMF body shorter than its date/time",
            });
        }
        let mut message = CallerIdMessage {
            datetime: Some(CallerIdDateTime::from_ascii(&body[..DATE_TIME_LEN])?),
            ..Default::default()
        };
        match &body[DATE_TIME_LEN..] {
            [] => {}
            [single @ (b'O' | b'P')] => {
                message.number_absent =
                    Some(AbsenceReason::from_byte(*single, PARAM_NUMBER_ABSENT)?)
            }
            number => message.number = Some(text(number, PARAM_NUMBER)?),
        }
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_message() -> CallerIdMessage {
        CallerIdMessage {
            datetime: Some(CallerIdDateTime {
                month: 3,
                day: 14,
                hour: 15,
                minute: 9,
            }),
            number: Some(String::try_from("01234567890").expect("fits")),
            name: Some(String::try_from("ACME Call Center").expect("fits")),
            number_absent: None,
            name_absent: None,
        }
    }

    #[test]
    fn mdmf_layout_and_checksum() {
        let frame = sample_message().encode_mdmf().expect("valid message");
        assert_eq!(
            &frame[..12],
            &[
                0x80,
                10 + 13 + 18,
                0x01,
                8,
                b'0',
                b'3',
                b'1',
                b'4',
                b'1',
                b'5',
                b'0',
                b'9'
            ]
        );
        assert_eq!(&frame[12..14], &[0x02, 11]);
        assert_eq!(frame.len(), 2 + 41 + 1);
        assert_eq!(frame.iter().fold(0u8, |s, &b| s.wrapping_add(b)), 0);
        assert_eq!(CallerIdMessage::decode_frame(&frame), Ok(sample_message()));
    }

    #[test]
    fn absence_reasons_round_trip() {
        let message = CallerIdMessage {
            number_absent: Some(AbsenceReason::Private),
            name_absent: Some(AbsenceReason::Unavailable),
            ..Default::default()
        };
        let frame = message.encode_mdmf().expect("valid");
        assert_eq!(&frame[2..8], &[0x04, 1, b'P', 0x08, 1, b'O']);
        assert_eq!(CallerIdMessage::decode_frame(&frame), Ok(message));
    }

    #[test]
    fn decode_reports_each_error() {
        let mut frame = sample_message().encode_mdmf().expect("valid");
        assert!(matches!(
            CallerIdMessage::decode_frame(&frame[..20]),
            Err(CallerIdError::Truncated {
                received: 20,
                expected: 44
            })
        ));
        frame[5] ^= 0x01;
        assert!(matches!(
            CallerIdMessage::decode_frame(&frame),
            Err(CallerIdError::ChecksumMismatch { .. })
        ));
        assert_eq!(
            CallerIdMessage::decode_frame(&[0x42, 0, 0xBE]),
            Err(CallerIdError::UnknownMessageType { message_type: 0x42 })
        );
        let bad_month = CallerIdMessage {
            datetime: Some(CallerIdDateTime {
                month: 13,
                day: 1,
                hour: 0,
                minute: 0,
            }),
            ..Default::default()
        };
        assert!(matches!(
            bad_month.encode_mdmf(),
            Err(CallerIdError::InvalidParameter {
                parameter: 0x01,
                ..
            })
        ));
    }

    #[test]
    fn unknown_parameters_are_skipped() {
        let mut frame: CallerIdFrame =
            Vec::from_slice(&[0x80, 7, 0x03, 2, b'1', b'2', 0x02, 1, b'9']).expect("fits");
        let sum = checksum(&frame);
        frame.push(sum).expect("fits");
        let message = CallerIdMessage::decode_frame(&frame).expect("valid");
        assert_eq!(message.number.as_deref(), Some("9"));
    }

    #[test]
    fn sdmf_encodes_and_round_trips() {
        let message = CallerIdMessage {
            name: None,
            ..sample_message()
        };
        let frame = message.encode_sdmf().expect("valid");
        assert_eq!(&frame[..2], &[0x04, 8 + 11]);
        assert_eq!(&frame[2..10], b"03141509");
        assert_eq!(&frame[10..21], b"01234567890");
        assert_eq!(frame.iter().fold(0u8, |s, &b| s.wrapping_add(b)), 0);
        assert_eq!(CallerIdMessage::decode_frame(&frame), Ok(message));
        let private = CallerIdMessage {
            datetime: sample_message().datetime,
            number_absent: Some(AbsenceReason::Private),
            ..Default::default()
        };
        let frame = private.encode_sdmf().expect("valid");
        assert_eq!(&frame[10..11], b"P");
        assert_eq!(CallerIdMessage::decode_frame(&frame), Ok(private));
        assert!(CallerIdMessage::default().encode_sdmf().is_err());
    }

    #[test]
    fn sdmf_decodes() {
        let mut frame: CallerIdFrame = Vec::new();
        frame.extend_from_slice(&[0x04, 18]).expect("fits");
        frame.extend_from_slice(b"12312359").expect("fits");
        frame.extend_from_slice(b"5551234567").expect("fits");
        let sum = checksum(&frame);
        frame.push(sum).expect("fits");
        let message = CallerIdMessage::decode_frame(&frame).expect("valid");
        assert_eq!(
            message.datetime,
            Some(CallerIdDateTime {
                month: 12,
                day: 31,
                hour: 23,
                minute: 59
            })
        );
        assert_eq!(message.number.as_deref(), Some("5551234567"));
        let private: &[u8] = &[
            0x04, 9, b'0', b'1', b'0', b'1', b'0', b'0', b'0', b'0', b'P',
        ];
        let mut frame: CallerIdFrame = Vec::from_slice(private).expect("fits");
        frame.push(checksum(private)).expect("fits");
        assert_eq!(
            CallerIdMessage::decode_frame(&frame)
                .expect("valid")
                .number_absent,
            Some(AbsenceReason::Private)
        );
    }
}
