//! The same FSK caller ID bursts through our receivers and spandsp's `adsi_rx`, for
//! ETSI (V.23) and Telcordia (Bell 202), over level, white noise, frequency offset and
//! mark/space level difference. The bursts come from a plain FSK modulator written here,
//! independent of both implementations. Prints a table; with `WRITE_COMPARISON=1`
//! writes it to `COMPARISON.md`. Asserts that ours never hands over a wrong message, and
//! decodes at least as many bursts as spandsp on every row: the "required" ones (what a
//! working line delivers: levels down to −35 dBm0, tones within ±2 %, mark and space
//! within 6 dB of each other, SNR ≥ 20 dB) and the harsher ones alike.

mod common;

use common::{add_white_noise, sine_power, to_i16, Noise, FRAME, MS};
use dsp::caller_id::{CallerIdDateTime, FskModulation};
use dsp::level::sine_peak_for_dbm0;
use dsp::{CallerIdMessage, FskCallerIdDecoder};
use dsp_conformance::spandsp_fsk::{AdsiStandard, SpandspAdsiRx};
use std::f64::consts::TAU;

const BURSTS: usize = 16;
const NAMES: [&str; 4] = [
    "Li Na",
    "ACME Support Desk",
    "Jane Doe",
    "Wang Wei / Shenzhen",
];

#[derive(Debug, Clone)]
struct Condition {
    group: &'static str,
    label: String,
    /// Mark and space levels, dBm0.
    levels: (f64, f64),
    /// Relative frequency error of both tones.
    deviation: f64,
    /// Power of one tone over white noise across 0–4 kHz.
    snr_db: Option<f64>,
    /// Ours must decode at least as many bursts as spandsp here.
    required: bool,
}

impl Condition {
    fn new(group: &'static str, label: String) -> Self {
        Condition {
            group,
            label,
            levels: (-13.0, -13.0),
            deviation: 0.0,
            snr_db: None,
            required: true,
        }
    }
}

fn conditions() -> Vec<Condition> {
    let mut rows = Vec::new();
    for level in [-5.0, -13.0, -25.0, -35.0, -40.0, -45.0] {
        let mut row = Condition::new("level", format!("{level} dBm0"));
        row.levels = (level, level);
        row.required = level >= -35.0;
        rows.push(row);
    }
    for snr in [30.0, 20.0, 15.0, 12.0, 10.0, 8.0, 6.0] {
        let mut row = Condition::new("noise", format!("SNR {snr} dB, -13 dBm0"));
        row.snr_db = Some(snr);
        row.required = snr >= 20.0;
        rows.push(row);
    }
    for percent in [1.0, 2.0, 3.0] {
        for sign in [1.0, -1.0] {
            let mut row =
                Condition::new("frequency", format!("{:+.0} % both tones", sign * percent));
            row.deviation = sign * percent / 100.0;
            row.required = percent <= 2.0;
            rows.push(row);
        }
    }
    for db in [6.0, 10.0] {
        for (label, levels) in [
            ("mark", (-13.0 - db, -13.0)),
            ("space", (-13.0, -13.0 - db)),
        ] {
            let mut row = Condition::new("twist", format!("{label} {db} dB weaker"));
            row.levels = levels;
            row.required = db <= 6.0;
            rows.push(row);
        }
    }
    rows
}

/// A different message for every burst: date/time, 7–15 digits, one of a few names.
fn message(noise: &mut Noise) -> CallerIdMessage {
    let digits: String = (0..7 + (noise.uniform() * 9.0) as usize)
        .map(|_| char::from(b'0' + (noise.uniform() * 10.0) as u8))
        .collect();
    CallerIdMessage {
        datetime: Some(CallerIdDateTime {
            month: 1 + (noise.uniform() * 12.0) as u8,
            day: 1 + (noise.uniform() * 28.0) as u8,
            hour: (noise.uniform() * 24.0) as u8,
            minute: (noise.uniform() * 60.0) as u8,
        }),
        number: Some(digits.as_str().try_into().expect("fits")),
        name: Some(
            NAMES[(noise.uniform() * 4.0) as usize]
                .try_into()
                .expect("fits"),
        ),
        ..CallerIdMessage::default()
    }
}

/// Line bits: 300 bits of channel seizure (0101…), 180 marks, the frame as 8N1
/// characters least significant bit first, 5 marks.
fn line_bits(frame: &[u8]) -> Vec<bool> {
    let mut bits: Vec<bool> = (0..300).map(|i| i % 2 == 1).collect();
    bits.extend(std::iter::repeat_n(true, 180));
    for &byte in frame {
        bits.push(false);
        bits.extend((0..8).map(|k| byte >> k & 1 == 1));
        bits.push(true);
    }
    bits.extend(std::iter::repeat_n(true, 5));
    bits
}

/// Continuous-phase FSK at 1200 baud, 100 ms of silence before and 300 ms after.
fn modulate(
    frame: &[u8],
    modulation: FskModulation,
    condition: &Condition,
    noise: &mut Noise,
) -> Vec<i16> {
    let bits = line_bits(frame);
    let scale = 1.0 + condition.deviation;
    let mark = (
        f64::from(modulation.mark_hz()) * scale,
        f64::from(sine_peak_for_dbm0(condition.levels.0 as f32)),
    );
    let space = (
        f64::from(modulation.space_hz()) * scale,
        f64::from(sine_peak_for_dbm0(condition.levels.1 as f32)),
    );
    // A random fraction of a bit of lead, so bit edges fall anywhere between samples.
    let mut audio = vec![0i16; 100 * MS + (noise.uniform() * 7.0) as usize];
    let mut phase = noise.uniform() * TAU;
    let samples = bits.len() * 8000 / 1200;
    for n in 0..samples {
        let (freq, peak) = if bits[n * 1200 / 8000] { mark } else { space };
        phase = (phase + TAU * freq / 8000.0) % TAU;
        audio.push(to_i16(peak * phase.sin()));
    }
    audio.extend(std::iter::repeat_n(0, 300 * MS));
    audio
}

#[derive(Debug, Default, Clone, Copy)]
struct Score {
    correct: usize,
    wrong: usize,
}

fn ours(modulation: FskModulation, audio: &[i16], sent: &CallerIdMessage) -> Score {
    let mut decoder = FskCallerIdDecoder::with_modulation(modulation);
    let mut score = Score::default();
    for frame in audio.chunks(FRAME) {
        decoder.process(frame);
        while let Some(result) = decoder.poll() {
            match result {
                Ok(message) if &message == sent => score.correct += 1,
                Ok(_) => score.wrong += 1,
                Err(_) => {} // refused: a failure, but not a wrong message
            }
        }
    }
    score
}

fn spandsp(standard: AdsiStandard, audio: &[i16], frame: &[u8]) -> Score {
    let mut rx = SpandspAdsiRx::new(standard);
    let mut score = Score::default();
    // spandsp hands over type, length and body (it has checked the checksum).
    let body = &frame[..frame.len() - 1];
    for piece in audio.chunks(FRAME) {
        rx.process(piece);
        for received in rx.take_messages() {
            if received.get(..body.len()) == Some(body) {
                score.correct += 1;
            } else {
                score.wrong += 1;
            }
        }
    }
    score
}

#[test]
fn fsk_sweep_ours_decodes_at_least_as_many_bursts_as_spandsp() {
    let mut table = String::from(
        "| standard | group | condition | required | ours decoded | spandsp decoded | ours wrong | spandsp wrong |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    let mut failures = Vec::new();
    for (name, modulation, standard) in [
        ("ETSI V.23", FskModulation::V23, AdsiStandard::Clip),
        ("Bell 202", FskModulation::Bell202, AdsiStandard::Class),
    ] {
        for (index, condition) in conditions().iter().enumerate() {
            let mut noise = Noise::new(7000 + index as u64);
            let (mut mine, mut theirs) = (Score::default(), Score::default());
            for _ in 0..BURSTS {
                let sent = message(&mut noise);
                let frame = sent.encode_mdmf().expect("valid message");
                let mut audio = modulate(&frame, modulation, condition, &mut noise);
                if let Some(snr) = condition.snr_db {
                    let power = sine_power(condition.levels.0) / 10f64.powf(snr / 10.0);
                    add_white_noise(&mut audio, power, &mut noise);
                }
                let a = ours(modulation, &audio, &sent);
                let b = spandsp(standard, &audio, &frame);
                mine.correct += a.correct;
                mine.wrong += a.wrong;
                theirs.correct += b.correct;
                theirs.wrong += b.wrong;
            }
            table.push_str(&format!(
                "| {name} | {} | {} | {} | {}/{BURSTS} | {}/{BURSTS} | {} | {} |\n",
                condition.group,
                condition.label,
                if condition.required { "yes" } else { "shown" },
                mine.correct,
                theirs.correct,
                mine.wrong,
                theirs.wrong
            ));
            // Every row, harsher ones included: a regression anywhere should fail CI.
            if mine.correct < theirs.correct || mine.wrong > 0 {
                failures.push(format!("{name} {}", condition.label));
            }
        }
    }
    println!("{table}");
    let body = format!(
        "## FSK caller ID receiver sweep\n\n\
         Same bursts to both receivers (ours: `FskCallerIdDecoder` with V.23 or Bell 202; \
         spandsp: `adsi_rx` with `ADSI_STANDARD_CLIP` or `ADSI_STANDARD_CLASS`). Each row sends \
         {BURSTS} different MDMF messages (date/time, 7–15 digit number, name), each as 300 \
         seizure bits, 180 marks, the message and 5 marks, from a continuous-phase modulator \
         in `tests/fsk_sweep.rs`, at −13 dBm0 per tone unless the row says otherwise, bit \
         edges at random sub-sample offsets. SNR is one tone's power over white noise across \
         the whole 0–4 kHz band. \"decoded\" counts bursts delivered exactly as sent; \
         \"wrong\" counts messages delivered with different content (both receivers check \
         the checksum, so this should stay 0). \"required\" rows are what a working line \
         delivers; \"shown\" rows are harsher. The test asserts, on every row of both kinds, \
         that ours decodes at least as many bursts as spandsp and never a wrong message.\n\n{table}"
    );
    common::write_comparison_section("fsk-sweep", &body);
    assert!(
        failures.is_empty(),
        "ours worse than spandsp (or wrong) on: {failures:?}\n{table}"
    );
}
