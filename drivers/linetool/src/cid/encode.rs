//! Builds a caller ID transmission from command-line fields, with the dsp crate's
//! generators (the same ones the box's FXS ports play).

use super::{Absence, Standard};
use anyhow::{bail, Context, Result};
use dsp::caller_id::{CallerIdDateTime, DtmfClipFormat, DtmfClipGenerator, FskModulation};
use dsp::{CallerIdMessage, FskCallerIdGenerator};

const FRAME: usize = 160;
/// Silence around the transmission, so a receiver sees it start and end.
const QUIET_SAMPLES: usize = 200 * 8;
/// EN 300 659-1 level for FSK caller ID.
const FSK_LEVEL_DBM0: f32 = -13.0;

/// How DTMF caller ID frames the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DtmfFormat {
    /// A<number>C; withheld as B00C / B10C.
    Ac,
    /// A<number>#; withheld as D3# / D1#.
    AHash,
    /// D<number>C (Taiwan, many Chinese exchanges).
    Dc,
}

/// What to send, as given on the command line.
#[derive(Debug, Clone)]
pub struct EncodeRequest {
    pub standard: Standard,
    pub number: Option<String>,
    pub name: Option<String>,
    /// MMDDHHMM.
    pub datetime: Option<String>,
    pub number_absent: Option<Absence>,
    pub name_absent: Option<Absence>,
    pub dtmf_format: DtmfFormat,
}

/// The audio (8 kHz) of the transmission with silence either side.
pub fn encode(request: &EncodeRequest) -> Result<Vec<i16>> {
    let message = message_of(request)?;
    let mut samples = vec![0i16; QUIET_SAMPLES];
    match request.standard {
        Standard::Etsi | Standard::Bell => {
            let modulation = if request.standard == Standard::Bell {
                FskModulation::Bell202
            } else {
                FskModulation::V23
            };
            let frame = message
                .encode_mdmf()
                .context("cannot encode the caller ID")?;
            let mut generator =
                FskCallerIdGenerator::with_modulation(&frame, FSK_LEVEL_DBM0, modulation)
                    .context("cannot encode the caller ID")?;
            render(&mut samples, |frame| generator.fill(frame));
        }
        Standard::Dtmf => {
            let format = match request.dtmf_format {
                DtmfFormat::Ac => DtmfClipFormat::AC,
                DtmfFormat::AHash => DtmfClipFormat::AHash,
                DtmfFormat::Dc => DtmfClipFormat::DC,
            };
            let mut generator = DtmfClipGenerator::new(&message, format)
                .context("cannot encode the DTMF caller ID")?;
            render(&mut samples, |frame| generator.fill(frame));
        }
    }
    samples.extend(std::iter::repeat_n(0, QUIET_SAMPLES));
    Ok(samples)
}

/// Appends 20 ms frames from `fill` until it reports it is done (that frame included).
fn render(samples: &mut Vec<i16>, mut fill: impl FnMut(&mut [i16]) -> bool) {
    let mut frame = [0i16; FRAME];
    loop {
        let more = fill(&mut frame);
        samples.extend_from_slice(&frame);
        if !more {
            break;
        }
    }
}

fn message_of(request: &EncodeRequest) -> Result<CallerIdMessage> {
    if request.number.is_none()
        && request.name.is_none()
        && request.number_absent.is_none()
        && request.name_absent.is_none()
    {
        bail!("give at least --number, --name, --number-absent or --name-absent");
    }
    if request.number.is_some() && request.number_absent.is_some() {
        bail!("give --number or --number-absent, not both");
    }
    if request.name.is_some() && request.name_absent.is_some() {
        bail!("give --name or --name-absent, not both");
    }
    if request.standard == Standard::Dtmf {
        if request.name.is_some() || request.name_absent.is_some() || request.datetime.is_some() {
            bail!(
                "DTMF caller ID carries only the number or why it is withheld: \
                 drop --name, --name-absent and --datetime, or use --standard etsi|bell"
            );
        }
        if let Some(number) = &request.number {
            if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) {
                bail!("--number {number:?}: DTMF caller ID carries digits 0-9 only");
            }
        }
    }
    let mut message = CallerIdMessage {
        number_absent: request.number_absent.map(Into::into),
        name_absent: request.name_absent.map(Into::into),
        ..CallerIdMessage::default()
    };
    if let Some(number) = &request.number {
        if number.is_empty()
            || !number
                .chars()
                .all(|c| c.is_ascii_digit() || "+*#".contains(c))
        {
            bail!("--number {number:?} may only hold digits, +, * and #");
        }
        message.number =
            Some(number.as_str().try_into().map_err(|_| {
                anyhow::anyhow!("--number {number:?} is longer than 20 characters")
            })?);
    }
    if let Some(name) = &request.name {
        message.name = Some(
            name.as_str()
                .try_into()
                .map_err(|_| anyhow::anyhow!("--name {name:?} is longer than 50 bytes"))?,
        );
    }
    if let Some(datetime) = &request.datetime {
        message.datetime = Some(parse_datetime(datetime)?);
    }
    Ok(message)
}

fn parse_datetime(text: &str) -> Result<CallerIdDateTime> {
    let bytes = text.as_bytes();
    if bytes.len() != 8 || !bytes.iter().all(u8::is_ascii_digit) {
        bail!("--datetime {text:?} is not MMDDHHMM (8 digits)");
    }
    let pair = |i: usize| (bytes[i] - b'0') * 10 + (bytes[i + 1] - b'0');
    let datetime = CallerIdDateTime {
        month: pair(0),
        day: pair(2),
        hour: pair(4),
        minute: pair(6),
    };
    let valid = (1..=12).contains(&datetime.month)
        && (1..=31).contains(&datetime.day)
        && datetime.hour <= 23
        && datetime.minute <= 59;
    if !valid {
        bail!("--datetime {text:?} is out of range (month 01-12, day 01-31, hour 00-23, minute 00-59)");
    }
    Ok(datetime)
}
