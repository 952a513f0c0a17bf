//! Caller ID to and from audio in the three standards the box meets: ETSI EN 300 659
//! (V.23 FSK), Telcordia GR-30 (Bell 202 FSK) and DTMF caller ID.

mod decode;
mod encode;

pub use decode::decode;
pub use encode::{encode, DtmfFormat, EncodeRequest};

use dsp::caller_id::{AbsenceReason, CallerIdMessage};
use std::io::Write;

/// How a caller ID was (or is to be) sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Standard {
    /// ETSI EN 300 659, V.23 FSK (1300/2100 Hz), MDMF.
    Etsi,
    /// Telcordia GR-30, Bell 202 FSK (1200/2200 Hz), MDMF.
    Bell,
    /// DTMF caller ID (EN 300 659-1 annex style, as used in China and elsewhere).
    Dtmf,
}

impl Standard {
    pub fn name(self) -> &'static str {
        match self {
            Standard::Etsi => "etsi",
            Standard::Bell => "bell",
            Standard::Dtmf => "dtmf",
        }
    }

    /// What a field engineer recognises in an error message.
    pub fn description(self) -> &'static str {
        match self {
            Standard::Etsi => "ETSI V.23 FSK",
            Standard::Bell => "Bell 202 FSK",
            Standard::Dtmf => "DTMF",
        }
    }
}

/// Why a number or name is withheld, as given on the command line and printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Absence {
    /// Out of area / not available ('O').
    Unavailable,
    /// Withheld by the caller ('P').
    Private,
}

impl From<Absence> for AbsenceReason {
    fn from(absence: Absence) -> Self {
        match absence {
            Absence::Unavailable => AbsenceReason::Unavailable,
            Absence::Private => AbsenceReason::Private,
        }
    }
}

fn absence_name(reason: AbsenceReason) -> &'static str {
    match reason {
        AbsenceReason::Unavailable => "unavailable",
        AbsenceReason::Private => "private",
    }
}

/// One `field: value` line per field present, the standard first.
pub fn write_message(
    standard: Standard,
    message: &CallerIdMessage,
    out: &mut impl Write,
) -> std::io::Result<()> {
    writeln!(out, "standard: {}", standard.name())?;
    if let Some(datetime) = message.datetime {
        writeln!(
            out,
            "datetime: {:02}-{:02} {:02}:{:02}",
            datetime.month, datetime.day, datetime.hour, datetime.minute
        )?;
    }
    if let Some(number) = &message.number {
        writeln!(out, "number: {number}")?;
    }
    if let Some(reason) = message.number_absent {
        writeln!(out, "number-absent: {}", absence_name(reason))?;
    }
    if let Some(name) = &message.name {
        writeln!(out, "name: {name}")?;
    }
    if let Some(reason) = message.name_absent {
        writeln!(out, "name-absent: {}", absence_name(reason))?;
    }
    Ok(())
}
