//! `linetool`: field diagnosis of line audio. Reads and writes WAV files of 8 kHz mono
//! audio (16-bit linear, A-law or µ-law) and runs the box's own DSP on them.

mod cid;
mod tones;
mod wav;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use dsp::dtmf::{
    frequencies_of as dtmf_frequencies_of, DtmfDetector, DtmfGenerator, DtmfGeneratorConfig,
};
use dsp::mf_r2::{Direction, MfR2Detector};
use dsp::tone_plan::TonePlanName;
use std::io::Write;
use std::path::{Path, PathBuf};
use wav::Encoding;

const FRAME: usize = 160;
const SAMPLES_PER_MS: u64 = 8;

#[derive(Parser)]
#[command(
    name = "linetool",
    version,
    about = "DTMF, call-progress tones, MF-R2 and caller ID from and to WAV files (8 kHz mono; 16-bit, A-law or µ-law)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print each DTMF digit in FILE as `<ms> <digit>`.
    DtmfDetect { file: PathBuf },
    /// Write DIGITS (0-9, A-D, *, #) as DTMF, 80 ms on / 80 ms off, to OUT.
    DtmfGen {
        digits: String,
        out: PathBuf,
        #[arg(long, value_enum, default_value = "linear")]
        encoding: Encoding,
    },
    /// Print each call-progress tone (dial, ringback, busy, congestion, sit) of a national
    /// plan found in FILE as `<ms> <tone>`, judged by frequency and cadence.
    TonesDetect {
        file: PathBuf,
        #[arg(long, value_enum)]
        plan: Plan,
    },
    /// Print each MFC/R2 signal in FILE as `<ms> <signal 1-15>`.
    MfDetect {
        file: PathBuf,
        #[arg(long, value_enum)]
        direction: MfDirection,
    },
    /// Decode the caller ID in FILE, whichever standard (ETSI V.23 FSK, Bell 202 FSK or
    /// DTMF) it was sent in: one `field: value` line per field, `standard:` first.
    CidDecode { file: PathBuf },
    /// Write a caller ID transmission to OUT.
    CidEncode {
        #[arg(long)]
        number: Option<String>,
        #[arg(long)]
        name: Option<String>,
        /// Date and time as MMDDHHMM (FSK only).
        #[arg(long)]
        datetime: Option<String>,
        /// Send why the number is withheld instead of a number.
        #[arg(long, value_enum)]
        number_absent: Option<cid::Absence>,
        /// Send why the name is withheld instead of a name (FSK only).
        #[arg(long, value_enum)]
        name_absent: Option<cid::Absence>,
        #[arg(long, value_enum, default_value = "etsi")]
        standard: cid::Standard,
        /// Start and end digits of DTMF caller ID.
        #[arg(long, value_enum, default_value = "ac")]
        dtmf_format: cid::DtmfFormat,
        #[arg(long, value_enum, default_value = "linear")]
        encoding: Encoding,
        out: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Plan {
    Cn,
    Etsi,
    Na,
}

#[derive(Clone, Copy, ValueEnum)]
enum MfDirection {
    Forward,
    Backward,
}

fn main() {
    let cli = Cli::parse();
    if let Err(error) = run(cli) {
        eprintln!("linetool: {error:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::DtmfDetect { file } => dtmf_detect(&file, &mut out),
        Command::DtmfGen {
            digits,
            out: path,
            encoding,
        } => dtmf_gen(&digits, &path, encoding),
        Command::TonesDetect { file, plan } => tones_detect(&file, plan, &mut out),
        Command::MfDetect { file, direction } => mf_detect(&file, direction, &mut out),
        Command::CidDecode { file } => cid_decode(&file, &mut out),
        Command::CidEncode {
            number,
            name,
            datetime,
            number_absent,
            name_absent,
            standard,
            dtmf_format,
            encoding,
            out: path,
        } => {
            let request = cid::EncodeRequest {
                standard,
                number,
                name,
                datetime,
                number_absent,
                name_absent,
                dtmf_format,
            };
            cid_encode(&request, &path, encoding)
        }
    }
}

fn ms(sample: u64) -> u64 {
    sample / SAMPLES_PER_MS
}

fn dtmf_detect(file: &Path, out: &mut impl Write) -> Result<()> {
    let audio = wav::read(file)?;
    let mut detector = DtmfDetector::default();
    for frame in audio.samples.chunks(FRAME) {
        detector.process(frame);
        while let Some(digit) = detector.poll_digit() {
            writeln!(out, "{} {}", ms(digit.at_sample), digit.digit)?;
        }
    }
    Ok(())
}

fn dtmf_gen(digits: &str, path: &Path, encoding: Encoding) -> Result<()> {
    if digits.is_empty() {
        bail!("no digits given");
    }
    for digit in digits.chars() {
        dtmf_frequencies_of(digit).with_context(|| format!("cannot send {digits:?}"))?;
    }
    let mut generator = DtmfGenerator::new(DtmfGeneratorConfig::default())?;
    let mut samples = vec![0i16; 100 * SAMPLES_PER_MS as usize];
    let mut frame = [0i16; FRAME];
    let mut buffer = [0u8; 4];
    for digit in digits.chars() {
        generator.push_digits(digit.encode_utf8(&mut buffer))?;
        while generator.is_busy() {
            generator.fill(&mut frame);
            samples.extend_from_slice(&frame);
        }
    }
    samples.extend(std::iter::repeat_n(0, 100 * SAMPLES_PER_MS as usize));
    wav::write(path, &samples, encoding)
}

fn tones_detect(file: &Path, plan: Plan, out: &mut impl Write) -> Result<()> {
    let audio = wav::read(file)?;
    let plan = match plan {
        Plan::Cn => TonePlanName::China,
        Plan::Etsi => TonePlanName::Etsi,
        Plan::Na => TonePlanName::NorthAmerica,
    };
    for heard in tones::detect(&audio.samples, plan) {
        writeln!(out, "{} {}", heard.at_ms, tones::name(heard.tone))?;
    }
    Ok(())
}

fn mf_detect(file: &Path, direction: MfDirection, out: &mut impl Write) -> Result<()> {
    let audio = wav::read(file)?;
    let mut detector = MfR2Detector::new(match direction {
        MfDirection::Forward => Direction::Forward,
        MfDirection::Backward => Direction::Backward,
    });
    for frame in audio.samples.chunks(FRAME) {
        detector.process(frame);
        while let Some(signal) = detector.poll() {
            if signal.on {
                writeln!(out, "{} {}", ms(signal.at_sample), signal.digit)?;
            }
        }
    }
    Ok(())
}

fn cid_decode(file: &Path, out: &mut impl Write) -> Result<()> {
    let audio = wav::read(file)?;
    let mut decoded = 0;
    let mut failures = Vec::new();
    for found in cid::decode(&audio.samples) {
        match found.result {
            Ok(message) => {
                // A blank line between transmissions when a file holds several.
                if decoded > 0 {
                    writeln!(out)?;
                }
                decoded += 1;
                cid::write_message(found.standard, &message, out)?;
            }
            Err(error) => failures.push(format!(
                "{}: {} caller ID ending at {} ms not decoded: {error}",
                file.display(),
                found.standard.description(),
                found.at_ms
            )),
        }
    }
    // With nothing decoded the last failure is the error; the others are told first.
    let last = if decoded == 0 { failures.pop() } else { None };
    for failure in &failures {
        eprintln!("linetool: {failure}");
    }
    match (decoded, last) {
        (0, Some(failure)) => bail!("{failure}"),
        (0, None) => bail!(
            "{}: no caller ID found (looked for ETSI V.23 FSK, Bell 202 FSK and DTMF caller ID)",
            file.display()
        ),
        _ => Ok(()),
    }
}

fn cid_encode(request: &cid::EncodeRequest, path: &Path, encoding: Encoding) -> Result<()> {
    let samples = cid::encode(request)?;
    wav::write(path, &samples, encoding)
}
