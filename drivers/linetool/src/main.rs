//! `linetool`: field diagnosis of line audio. Reads and writes WAV files of 8 kHz mono
//! audio (16-bit linear, A-law or µ-law) and runs the box's own DSP on them.

mod tones;
mod wav;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use dsp::caller_id::{AbsenceReason, CallerIdMessage, FskCallerIdDecoder, FskCallerIdGenerator};
use dsp::dtmf::{
    frequencies_of as dtmf_frequencies_of, DtmfDetector, DtmfGenerator, DtmfGeneratorConfig,
};
use dsp::mf_r2::{Direction, MfR2Detector};
use dsp::tone_plan::{TonePlan, TonePlanName};
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
    /// Print the call-progress tones of a national plan found in FILE.
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
    /// Decode the caller ID in FILE, one `field: value` line per field.
    CidDecode { file: PathBuf },
    /// Write a caller ID transmission to OUT.
    CidEncode {
        #[arg(long)]
        number: Option<String>,
        #[arg(long)]
        name: Option<String>,
        /// Date and time as MMDDHHMM.
        #[arg(long)]
        datetime: Option<String>,
        #[arg(long, value_enum, default_value = "etsi")]
        standard: CidStandard,
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

#[derive(Clone, Copy, ValueEnum)]
enum CidStandard {
    /// ETSI EN 300 659, V.23 FSK.
    Etsi,
    /// Bellcore GR-30, Bell 202 FSK.
    Bell,
    /// DTMF caller ID (ETSI EN 300 659-1 annex B style).
    Dtmf,
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
            standard,
            encoding,
            out: path,
        } => cid_encode(number, name, datetime, standard, &path, encoding),
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
    let plan = TonePlan::new(match plan {
        Plan::Cn => TonePlanName::China,
        Plan::Etsi => TonePlanName::Etsi,
        Plan::Na => TonePlanName::NorthAmerica,
    });
    let segments = tones::scan(&audio.samples, plan);
    for segment in &segments {
        let freqs: Vec<String> = segment.freqs.iter().map(u16::to_string).collect();
        writeln!(
            out,
            "{} {} {} Hz",
            segment.start_ms,
            segment.end_ms,
            freqs.join("+")
        )?;
    }
    let total_ms = (audio.samples.len() as u64 / SAMPLES_PER_MS) as u32;
    for tone in tones::recognise(&segments, plan, total_ms) {
        writeln!(out, "{} tone: {}", tone.at_ms, tone.name)?;
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

fn absence(reason: AbsenceReason) -> &'static str {
    match reason {
        AbsenceReason::Unavailable => "unavailable",
        AbsenceReason::Private => "private",
    }
}

fn cid_decode(file: &Path, out: &mut impl Write) -> Result<()> {
    let audio = wav::read(file)?;
    let mut decoder = FskCallerIdDecoder::new();
    let mut messages = 0;
    let mut last_error = None;
    // Feed some silence after the end so a burst ending with the file still completes.
    let tail = [0i16; FRAME];
    for frame in audio
        .samples
        .chunks(FRAME)
        .chain(std::iter::once(&tail[..]))
    {
        decoder.process(frame);
        while let Some(result) = decoder.poll() {
            match result {
                Ok(message) => {
                    if messages > 0 {
                        writeln!(out)?;
                    }
                    messages += 1;
                    write_message(&message, out)?;
                }
                Err(error) => {
                    eprintln!(
                        "linetool: {}: caller ID burst not decoded: {error}",
                        file.display()
                    );
                    last_error = Some(error);
                }
            }
        }
    }
    if messages == 0 {
        match last_error {
            Some(error) => bail!(
                "{}: caller ID burst found but not decoded: {error}",
                file.display()
            ),
            None => bail!(
                "{}: no caller ID found (looked for ETSI V.23 FSK)",
                file.display()
            ),
        }
    }
    Ok(())
}

fn write_message(message: &CallerIdMessage, out: &mut impl Write) -> Result<()> {
    writeln!(out, "standard: etsi")?;
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
        writeln!(out, "number-absent: {}", absence(reason))?;
    }
    if let Some(name) = &message.name {
        writeln!(out, "name: {name}")?;
    }
    if let Some(reason) = message.name_absent {
        writeln!(out, "name-absent: {}", absence(reason))?;
    }
    Ok(())
}

fn parse_datetime(text: &str) -> Result<dsp::caller_id::CallerIdDateTime> {
    let bytes = text.as_bytes();
    if bytes.len() != 8 || !bytes.iter().all(u8::is_ascii_digit) {
        bail!("--datetime {text:?} is not MMDDHHMM (8 digits)");
    }
    let pair = |i: usize| (bytes[i] - b'0') * 10 + (bytes[i + 1] - b'0');
    Ok(dsp::caller_id::CallerIdDateTime {
        month: pair(0),
        day: pair(2),
        hour: pair(4),
        minute: pair(6),
    })
}

fn cid_encode(
    number: Option<String>,
    name: Option<String>,
    datetime: Option<String>,
    standard: CidStandard,
    path: &Path,
    encoding: Encoding,
) -> Result<()> {
    match standard {
        CidStandard::Etsi => {}
        CidStandard::Bell => bail!(
            "Bell (Bell 202 FSK) caller ID is not available in this build: dsp::caller_id only generates ETSI V.23 FSK"
        ),
        CidStandard::Dtmf => bail!(
            "DTMF caller ID is not available in this build: dsp::caller_id only generates ETSI V.23 FSK"
        ),
    }
    if number.is_none() && name.is_none() {
        bail!("give at least --number or --name");
    }
    let mut message = CallerIdMessage::default();
    if let Some(number) = number {
        if !number
            .chars()
            .all(|c| c.is_ascii_digit() || c == '+' || c == '*' || c == '#')
        {
            bail!("--number {number:?} may only hold digits, +, * and #");
        }
        message.number =
            Some(number.as_str().try_into().map_err(|_| {
                anyhow::anyhow!("--number {number:?} is longer than 20 characters")
            })?);
    }
    if let Some(name) = name {
        message.name = Some(
            name.as_str()
                .try_into()
                .map_err(|_| anyhow::anyhow!("--name {name:?} is longer than 50 bytes"))?,
        );
    }
    if let Some(datetime) = datetime {
        message.datetime = Some(parse_datetime(&datetime)?);
    }
    let mut generator =
        FskCallerIdGenerator::new(&message).context("cannot encode the caller ID")?;
    let mut samples = vec![0i16; 200 * SAMPLES_PER_MS as usize];
    let mut frame = [0i16; FRAME];
    while generator.fill(&mut frame) {
        samples.extend_from_slice(&frame);
    }
    samples.extend_from_slice(&frame);
    samples.extend(std::iter::repeat_n(0, 200 * SAMPLES_PER_MS as usize));
    wav::write(path, &samples, encoding)
}
