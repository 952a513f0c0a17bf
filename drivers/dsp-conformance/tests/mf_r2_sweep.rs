//! The same MFC/R2 inputs through our receiver and spandsp's `r2_mf_rx`, over level,
//! frequency deviation, twist, white noise and tone length. Prints a table; with
//! `WRITE_COMPARISON=1` writes it to `COMPARISON.md`. Asserts ours is at least as good as
//! spandsp (no fewer correct signals, no more false ones) on every row except those
//! outside Q.441's tolerance that we refuse on purpose (frequency offsets past ±25 Hz,
//! see `OUTSIDE_NOTE`), which are shown, not asserted.

mod common;

use common::{add_dual_tone, add_white_noise, sine_power, Noise, FRAME, MS};
use dsp::mf_r2::{frequencies_of, Direction, MfR2Detector};
use dsp_conformance::spandsp_r2_mf::SpandspR2MfRx;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Accept,
    Reject,
    Open,
    /// Beyond what Q.441 asks a receiver to operate on, and refused by ours by design.
    Outside,
}

/// Why the `Outside` rows are not asserted (also written under the table).
const OUTSIDE_NOTE: &str = "Rows marked *outside* lie beyond Q.441's tolerance (the \
receiver must operate on ±10 Hz; nothing obliges it at ±30 Hz) and ours refuses them by \
design: it accepts ±25 Hz, measured from each bin's phase advance. The six frequencies \
are 120 Hz apart, so at ±45 Hz a tone is nearer the middle of two MF frequencies than its \
own, and a receiver that takes it is one that also turns speech into signals: widening \
ours to ±35 Hz roughly doubled its false MF-R2 signals on the talk-off audio, and \
spandsp, which takes ±30/±45 Hz in part, reports about 25 times as many false signals \
there (talk-off table). These rows are shown, not asserted.";

#[derive(Debug, Clone)]
struct Condition {
    group: &'static str,
    label: String,
    expect: Expect,
    /// Added to both frequencies, Hz.
    offset_hz: f64,
    /// Levels of the lower and the higher frequency of the pair, dBm0.
    levels: (f64, f64),
    snr_db: Option<f64>,
    on_ms: usize,
    off_ms: usize,
}

const REPEATS: usize = 2;
const LEAD_MS: usize = 100;
const DIRECTIONS: [Direction; 2] = [Direction::Forward, Direction::Backward];

impl Condition {
    fn new(group: &'static str, label: String, expect: Expect) -> Self {
        Condition {
            group,
            label,
            expect,
            offset_hz: 0.0,
            levels: (-8.0, -8.0),
            snr_db: None,
            on_ms: 100,
            off_ms: 100,
        }
    }

    fn slot_samples(&self) -> usize {
        (self.on_ms + self.off_ms) * MS
    }

    /// The 15 signals `REPEATS` times in `direction`, and the signal of each slot.
    fn render(&self, direction: Direction, seed: u64) -> (Vec<i16>, Vec<u8>) {
        let mut noise = Noise::new(seed);
        let signals: Vec<u8> = (0..15 * REPEATS).map(|i| (i % 15) as u8 + 1).collect();
        let lead = LEAD_MS * MS;
        let mut audio = vec![0i16; lead + signals.len() * self.slot_samples() + 100 * MS];
        for (slot, &signal) in signals.iter().enumerate() {
            let (a, b) = frequencies_of(direction, signal).expect("valid signal");
            let (low, high) = (f64::from(a.min(b)), f64::from(a.max(b)));
            let start = lead + slot * self.slot_samples();
            let phases = (
                noise.uniform() * std::f64::consts::TAU,
                noise.uniform() * std::f64::consts::TAU,
            );
            add_dual_tone(
                &mut audio[start..start + self.on_ms * MS],
                (low + self.offset_hz, high + self.offset_hz),
                self.levels,
                phases,
            );
        }
        if let Some(snr) = self.snr_db {
            let signal = sine_power(self.levels.0) + sine_power(self.levels.1);
            add_white_noise(&mut audio, signal / 10f64.powf(snr / 10.0), &mut noise);
        }
        (audio, signals)
    }
}

/// (signal, end sample of the 20 ms frame in which it was reported on).
fn ours_detect(direction: Direction, audio: &[i16]) -> Vec<(u8, usize)> {
    let mut detector = MfR2Detector::new(direction);
    let mut out = Vec::new();
    for (index, frame) in audio.chunks(FRAME).enumerate() {
        detector.process(frame);
        while let Some(event) = detector.poll() {
            if event.on {
                out.push((event.digit, (index + 1) * FRAME));
            }
        }
    }
    out
}

fn spandsp_detect(direction: Direction, audio: &[i16]) -> Vec<(u8, usize)> {
    let mut rx = SpandspR2MfRx::new(direction == Direction::Forward);
    let mut out = Vec::new();
    for frame in audio.chunks(FRAME) {
        rx.process(frame);
        for report in rx.take_reports() {
            if let Some(signal) = report.signal {
                out.push((signal, report.at_sample as usize + frame.len()));
            }
        }
    }
    out
}

#[derive(Debug, Default, Clone, Copy)]
struct Score {
    correct: usize,
    false_signals: usize,
}

impl Score {
    fn add(&mut self, other: Score) {
        self.correct += other.correct;
        self.false_signals += other.false_signals;
    }
}

/// A slot is correct when it holds exactly one report, of its signal; every other
/// report is false.
fn score(condition: &Condition, expected: &[u8], found: &[(u8, usize)]) -> Score {
    let lead = LEAD_MS * MS;
    let mut per_slot: Vec<Vec<u8>> = vec![Vec::new(); expected.len()];
    let mut score = Score::default();
    for &(signal, end) in found {
        match end.checked_sub(lead).map(|t| t / condition.slot_samples()) {
            Some(slot) if slot < expected.len() => per_slot[slot].push(signal),
            _ => score.false_signals += 1,
        }
    }
    for (slot, signals) in per_slot.iter().enumerate() {
        let wanted = condition.expect != Expect::Reject;
        if wanted && signals.first() == Some(&expected[slot]) {
            score.correct += 1;
            score.false_signals += signals.len() - 1;
        } else {
            score.false_signals += signals.len();
        }
    }
    score
}

fn conditions() -> Vec<Condition> {
    use Expect::*;
    let mut rows = Vec::new();
    for (level, expect) in [
        (-5.0, Accept),
        (-15.0, Accept),
        (-25.0, Accept),
        (-30.0, Accept),
        (-35.0, Accept),
        (-40.0, Open),
        (-45.0, Open),
    ] {
        let mut row = Condition::new("level", format!("{level} dBm0 per tone"), expect);
        row.levels = (level, level);
        rows.push(row);
    }
    for (offset, expect) in [
        (5.0, Accept),
        (10.0, Accept),
        (20.0, Open),
        (30.0, Outside),
        (45.0, Outside),
    ] {
        for sign in [1.0, -1.0] {
            let mut row = Condition::new(
                "frequency",
                format!("{:+} Hz both tones", sign * offset),
                expect,
            );
            row.offset_hz = sign * offset;
            rows.push(row);
        }
    }
    for (twist, expect) in [(5.0, Accept), (7.0, Open), (10.0, Open), (20.0, Reject)] {
        for (label, levels) in [
            ("higher", (-8.0 - twist, -8.0)),
            ("lower", (-8.0, -8.0 - twist)),
        ] {
            let mut row =
                Condition::new("twist", format!("{label} tone {twist} dB stronger"), expect);
            row.levels = levels;
            rows.push(row);
        }
    }
    for snr in [30.0, 20.0, 10.0, 6.0, 3.0, 0.0] {
        let mut row = Condition::new("noise", format!("SNR {snr} dB, -20 dBm0 per tone"), Open);
        row.levels = (-20.0, -20.0);
        row.snr_db = Some(snr);
        rows.push(row);
    }
    for (on, expect) in [(60, Accept), (40, Open), (20, Open), (5, Reject)] {
        let mut row = Condition::new("timing", format!("{on} ms on / 100 ms off"), expect);
        row.on_ms = on;
        rows.push(row);
    }
    rows
}

#[test]
fn mf_r2_sweep_ours_is_at_least_as_good_as_spandsp_on_every_row() {
    let mut table = String::from(
        "| group | condition | Q.441 | ours correct/expected | spandsp correct/expected | ours false | spandsp false |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    let mut failures = Vec::new();
    for (index, condition) in conditions().iter().enumerate() {
        let (mut ours, mut theirs, mut expected_total) = (Score::default(), Score::default(), 0);
        for (d, direction) in DIRECTIONS.into_iter().enumerate() {
            let (audio, expected) = condition.render(direction, 5000 + 2 * index as u64 + d as u64);
            ours.add(score(condition, &expected, &ours_detect(direction, &audio)));
            theirs.add(score(
                condition,
                &expected,
                &spandsp_detect(direction, &audio),
            ));
            expected_total += expected.len();
        }
        let wanted = if condition.expect == Expect::Reject {
            0
        } else {
            expected_total
        };
        let expect = match condition.expect {
            Expect::Accept => "accept",
            Expect::Reject => "reject",
            Expect::Open => "open",
            Expect::Outside => "outside",
        };
        table.push_str(&format!(
            "| {} | {} | {} | {}/{} | {}/{} | {} | {} |\n",
            condition.group,
            condition.label,
            expect,
            ours.correct,
            wanted,
            theirs.correct,
            wanted,
            ours.false_signals,
            theirs.false_signals
        ));
        // Every row but the documented `Outside` ones: fewer correct or more false
        // signals than spandsp anywhere else is a regression.
        let lost = ours.correct < theirs.correct || ours.false_signals > theirs.false_signals;
        if lost && condition.expect != Expect::Outside {
            failures.push(condition.label.clone());
        }
    }
    println!("{table}");
    let body = format!(
        "## MFC/R2 receiver sweep\n\n\
         Same input to both receivers (spandsp `r2_mf_rx`). Each row sends the 15 signals \
         {REPEATS} times in each direction ({} bursts), 100 ms tone / 100 ms pause unless the \
         row says otherwise, random start phases, −8 dBm0 per tone unless the row says \
         otherwise. SNR is the power of both tones over white noise across the whole 0–4 kHz \
         band. \"correct\" counts bursts whose first report is their signal; \"false\" counts \
         every other report. Q.441 column: accept / reject as Q.441 §4.3 requires (operate on \
         −5…−35 dBm0 and ±10 Hz, 5 dB twist; refuse 20 dB twist and very short bursts), open \
         where it sets no limit. The test asserts ours has no fewer correct and no more false \
         signals than spandsp on every row, open ones included, except the *outside* \
         rows.\n\n{table}\n{OUTSIDE_NOTE}\n",
        15 * REPEATS * 2
    );
    common::write_comparison_section("mf-r2-sweep", &body);
    assert!(
        failures.is_empty(),
        "ours worse than spandsp on: {failures:?}\n{table}"
    );
}
