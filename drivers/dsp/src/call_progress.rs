//! Call-progress tone receiver: dial, ringback, busy, congestion (per national plan) and
//! the special information tone (SIT).
//!
//! Audio is cut into 20 ms blocks. For every *tone class* (each distinct frequency set the
//! plan uses, e.g. 450 Hz in China or 480+620 Hz in North America, and each SIT frequency)
//! the receiver precomputes an orthonormal basis of the sines and cosines of its
//! frequencies over one block; the energy of a block's projection onto that subspace is
//! the energy a least-squares fit of those tones explains. A block is "on" for the class
//! that explains the most, when it explains at least 70 % of the block's energy and its
//! level is above −40 dBm0. Close frequencies (440 and 480 Hz are less than one
//! 50 Hz-wide block bin apart) are fitted jointly, so they are measured exactly rather
//! than through overlapping filters.
//!
//! Block states pass a 3-tap majority filter (a single odd block at a cadence edge or in a
//! dropout does not split a run), then are run-length coded into segments, and the recent
//! segments are matched against each tone's cadence:
//! - dial tone: one run longer than any cadenced tone of the same frequencies can be
//!   (at least 1 s);
//! - ringback (off period ≥ 2 s): one on period of the right length followed by at least
//!   1 s of off (nothing else in a plan is that long on, then that long off);
//! - busy, congestion: two full cycles (on, off, on, off) each the right length, confirmed
//!   when the third on period begins (ETSI call waiting, 200/200/200 ms then a long
//!   pause, must not pass for 250/250 congestion);
//! - SIT (ITU-T E.180 §8): three tones in ascending order, 913.8 or 985.2 Hz, then 1370.6
//!   or 1428.5 Hz, then 1776.7 Hz, each 200–440 ms (nominal 274 or 380 ms).
//!
//! Lengths are accepted within ±(10 % + 40 ms) of nominal; with the shipped plans no two
//! tones of the same frequencies overlap. Each tone is reported once per episode: again
//! only after another tone was reported or after 6 s without it.

use crate::level::dbm0_for_mean_square;
use crate::tone_plan::TonePlan;
use core::f64::consts::TAU;
use heapless::Deque;
use line_boundary::{Tone, SAMPLE_RATE_HZ};

const BLOCK: usize = 160;
const BLOCK_MS: u32 = 1000 * BLOCK as u32 / SAMPLE_RATE_HZ;
const MAX_CLASSES: usize = 8;
const MAX_DIMENSIONS: usize = 4;
const HISTORY: usize = 8;
const QUEUE_CAPACITY: usize = 4;
/// Share of a block's energy the class must explain.
const MIN_SHARE: f32 = 0.7;
const MIN_LEVEL_DBM0: f32 = -40.0;
/// Dial tone is confirmed after at least this much continuous tone.
const MIN_DIAL_MS: u32 = 1000;
/// Off time after a ringback on period that confirms ringback.
const RINGBACK_CONFIRM_OFF_MS: u32 = 1000;
/// A tone is reported again only after this long without it.
const REARM_MS: u32 = 6000;
/// SIT segment lengths: E.180 allows 274 ± 7 or 380 ± 10 ms; edges cost up to a block.
const SIT_MIN_MS: u32 = 200;
const SIT_MAX_MS: u32 = 440;
/// Blocks of "nothing" tolerated between SIT tones (a block straddling two tones).
const SIT_MAX_GAP_BLOCKS: u32 = 2;
/// ITU-T E.180 SIT frequencies: (frequency, position 0/1/2 in the sequence).
const SIT_FREQS: [(f64, u8); 5] = [
    (913.8, 0),
    (985.2, 0),
    (1370.6, 1),
    (1428.5, 1),
    (1776.7, 2),
];

/// A call-progress tone the receiver recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProgressTone {
    Dial,
    Ringback,
    Busy,
    Congestion,
    /// Special information tone (ITU-T E.180: number unobtainable, congestion, …).
    Sit,
}

impl ProgressTone {
    /// The line-boundary tone this is, where there is one (SIT has none).
    pub fn as_line_tone(self) -> Option<Tone> {
        match self {
            ProgressTone::Dial => Some(Tone::Dial),
            ProgressTone::Ringback => Some(Tone::Ringback),
            ProgressTone::Busy => Some(Tone::Busy),
            ProgressTone::Congestion => Some(Tone::Congestion),
            ProgressTone::Sit => None,
        }
    }
}

/// A confirmed tone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetectedTone {
    pub tone: ProgressTone,
    /// Sample index (from the first sample processed) where the confirming pattern began:
    /// the start of its first on period, to within a block (20 ms).
    pub at_sample: u64,
    /// Sample index at which it was confirmed.
    pub confirmed_at_sample: u64,
}

#[derive(Debug, Clone, Copy)]
struct Range {
    min_ms: u32,
    max_ms: u32,
}

impl Range {
    fn around(nominal_ms: u16) -> Self {
        let nominal = u32::from(nominal_ms);
        Range {
            min_ms: (nominal * 9 / 10).saturating_sub(40),
            max_ms: nominal * 11 / 10 + 40,
        }
    }

    fn contains(&self, ms: u32) -> bool {
        (self.min_ms..=self.max_ms).contains(&ms)
    }
}

#[derive(Debug, Clone, Copy)]
enum Pattern {
    Continuous {
        min_ms: u32,
    },
    /// On, then a long off: confirmed by one on period and `confirm_off_ms` of off.
    LongOff {
        on: Range,
        confirm_off_ms: u32,
    },
    /// On, off, on.
    Repeating {
        on: Range,
        off: Range,
    },
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    tone: ProgressTone,
    class: u8,
    pattern: Pattern,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    /// Tone class, or `None` for anything else (silence, speech, other tones).
    class: Option<u8>,
    start: u64,
    blocks: u32,
}

impl Segment {
    fn ms(&self) -> u32 {
        self.blocks * BLOCK_MS
    }
}

/// (on for the class, length in ms, start sample) of the last runs, newest last.
type View = [Option<(bool, u32, u64)>; 5];

/// Streaming call-progress receiver for one national plan; allocation-free after
/// construction.
#[derive(Debug, Clone)]
pub struct CallProgressDetector {
    /// Orthonormal basis of each class's tones over one block.
    bases: [[[f32; BLOCK]; MAX_DIMENSIONS]; MAX_CLASSES],
    dimensions: [usize; MAX_CLASSES],
    /// SIT position of each class, if it is a SIT class.
    sit_position: [Option<u8>; MAX_CLASSES],
    class_count: usize,
    candidates: [Option<Candidate>; 4],
    block: [f32; BLOCK],
    filled: usize,
    samples_seen: u64,
    /// Raw states of the last blocks, for the majority filter.
    raw: [Option<u8>; 3],
    raw_count: u32,
    current: Option<Segment>,
    history: Deque<Segment, HISTORY>,
    reported: Option<ProgressTone>,
    reported_class: Option<u8>,
    /// Run of blocks without the reported tone's class.
    absent_blocks: u32,
    detected: Deque<DetectedTone, QUEUE_CAPACITY>,
}

/// Orthonormalises the sines and cosines of `freqs` over one block (modified
/// Gram–Schmidt, in f64); returns the basis and its dimension.
fn basis(freqs: &[f64]) -> ([[f32; BLOCK]; MAX_DIMENSIONS], usize) {
    let mut vectors = [[0.0f64; BLOCK]; MAX_DIMENSIONS];
    let mut count = 0;
    for &freq in freqs.iter().take(MAX_DIMENSIONS / 2) {
        for phase in [0.0, core::f64::consts::FRAC_PI_2] {
            let mut v = [0.0f64; BLOCK];
            for (n, x) in v.iter_mut().enumerate() {
                *x = (TAU * freq * n as f64 / f64::from(SAMPLE_RATE_HZ) + phase).sin();
            }
            for previous in vectors.iter().take(count) {
                let dot: f64 = v.iter().zip(previous.iter()).map(|(a, b)| a * b).sum();
                for (x, p) in v.iter_mut().zip(previous.iter()) {
                    *x -= dot * p;
                }
            }
            let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm > 1e-6 {
                for x in v.iter_mut() {
                    *x /= norm;
                }
                vectors[count] = v;
                count += 1;
            }
        }
    }
    let mut out = [[0.0f32; BLOCK]; MAX_DIMENSIONS];
    for (o, v) in out.iter_mut().zip(vectors.iter()) {
        for (a, b) in o.iter_mut().zip(v.iter()) {
            *a = *b as f32;
        }
    }
    (out, count)
}

/// Dot product over one block with eight independent partial sums (vectorises).
fn dot(a: &[f32; BLOCK], b: &[f32; BLOCK]) -> f32 {
    let mut lanes = [0.0f32; 8];
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for lane in 0..8 {
            lanes[lane] += x[lane] * y[lane];
        }
    }
    lanes.iter().sum()
}

impl CallProgressDetector {
    pub fn new(plan: &TonePlan) -> Self {
        let mut detector = CallProgressDetector {
            bases: [[[0.0; BLOCK]; MAX_DIMENSIONS]; MAX_CLASSES],
            dimensions: [0; MAX_CLASSES],
            sit_position: [None; MAX_CLASSES],
            class_count: 0,
            candidates: [None; 4],
            block: [0.0; BLOCK],
            filled: 0,
            samples_seen: 0,
            raw: [None; 3],
            raw_count: 0,
            current: None,
            history: Deque::new(),
            reported: None,
            reported_class: None,
            absent_blocks: 0,
            detected: Deque::new(),
        };
        let mut class_freqs: [[u16; 2]; MAX_CLASSES] = [[0; 2]; MAX_CLASSES];
        let tones = [
            (Tone::Dial, ProgressTone::Dial),
            (Tone::Ringback, ProgressTone::Ringback),
            (Tone::Busy, ProgressTone::Busy),
            (Tone::Congestion, ProgressTone::Congestion),
        ];
        for (slot, (tone, progress)) in tones.into_iter().enumerate() {
            let spec = plan.spec(tone);
            let class = match class_freqs[..detector.class_count]
                .iter()
                .position(|&f| f == spec.freqs_hz)
            {
                Some(class) => class,
                None => {
                    let class = detector.class_count;
                    class_freqs[class] = spec.freqs_hz;
                    let mut freqs = [0.0f64; 2];
                    let mut used = 0;
                    for &f in spec.freqs_hz.iter().filter(|&&f| f != 0) {
                        freqs[used] = f64::from(f);
                        used += 1;
                    }
                    let (b, d) = basis(&freqs[..used]);
                    detector.bases[class] = b;
                    detector.dimensions[class] = d;
                    detector.class_count += 1;
                    class
                }
            };
            let pattern = match spec.cadence_ms {
                _ if spec.is_continuous() => Pattern::Continuous {
                    min_ms: MIN_DIAL_MS,
                },
                [on, off, ..] if *off >= 2000 => Pattern::LongOff {
                    on: Range::around(*on),
                    confirm_off_ms: RINGBACK_CONFIRM_OFF_MS,
                },
                [on, off, ..] => Pattern::Repeating {
                    on: Range::around(*on),
                    off: Range::around(*off),
                },
                _ => continue,
            };
            detector.candidates[slot] = Some(Candidate {
                tone: progress,
                class: class as u8,
                pattern,
            });
        }
        // Dial tone must outlast every cadenced on period of the same frequencies.
        let mut longest_on = [0u32; MAX_CLASSES];
        for candidate in detector.candidates.iter().flatten() {
            if let Pattern::LongOff { on, .. } | Pattern::Repeating { on, .. } = candidate.pattern {
                let slot = &mut longest_on[usize::from(candidate.class)];
                *slot = (*slot).max(on.max_ms);
            }
        }
        for candidate in detector.candidates.iter_mut().flatten() {
            if let Pattern::Continuous { min_ms } = &mut candidate.pattern {
                *min_ms = (*min_ms).max(longest_on[usize::from(candidate.class)] + 100);
            }
        }
        for (freq, position) in SIT_FREQS {
            let class = detector.class_count;
            if class >= MAX_CLASSES {
                break;
            }
            let (b, d) = basis(&[freq]);
            detector.bases[class] = b;
            detector.dimensions[class] = d;
            detector.sit_position[class] = Some(position);
            detector.class_count += 1;
        }
        detector
    }

    /// Feeds received audio of any length.
    pub fn process(&mut self, samples: &[i16]) {
        for &sample in samples {
            self.block[self.filled] = f32::from(sample);
            self.filled += 1;
            self.samples_seen += 1;
            if self.filled == BLOCK {
                self.filled = 0;
                let state = self.classify_block();
                self.push_state(state);
            }
        }
    }

    /// The oldest confirmed tone not yet taken (at most 4 are kept).
    pub fn poll(&mut self) -> Option<DetectedTone> {
        self.detected.pop_front()
    }

    fn classify_block(&self) -> Option<u8> {
        let energy = dot(&self.block, &self.block);
        // Too quiet for any tone to pass the level test: skip the projections.
        if energy <= 0.0 || dbm0_for_mean_square(energy / BLOCK as f32) < MIN_LEVEL_DBM0 {
            return None;
        }
        let mut best: Option<(usize, f32)> = None;
        for class in 0..self.class_count {
            let explained: f32 = self.bases[class][..self.dimensions[class]]
                .iter()
                .map(|vector| {
                    let projection = dot(vector, &self.block);
                    projection * projection
                })
                .sum();
            if best.is_none_or(|(_, e)| explained > e) {
                best = Some((class, explained));
            }
        }
        let (class, explained) = best?;
        let loud_enough = dbm0_for_mean_square(explained / BLOCK as f32) >= MIN_LEVEL_DBM0;
        (loud_enough && explained >= MIN_SHARE * energy).then_some(class as u8)
    }

    /// Majority filter over three blocks, then run-length coding.
    fn push_state(&mut self, state: Option<u8>) {
        self.raw = [self.raw[1], self.raw[2], state];
        self.raw_count = self.raw_count.saturating_add(1);
        if self.raw_count < 3 {
            return;
        }
        let [a, b, c] = self.raw;
        let filtered = if a == c { a } else { b };
        // The filtered state belongs to the block before the newest one.
        let block_start = self.samples_seen - 2 * BLOCK as u64;
        match &mut self.current {
            Some(segment) if segment.class == filtered => segment.blocks += 1,
            _ => {
                if let Some(done) = self.current.take() {
                    if self.history.is_full() {
                        self.history.pop_front();
                    }
                    let _ = self.history.push_back(done);
                }
                self.current = Some(Segment {
                    class: filtered,
                    start: block_start,
                    blocks: 1,
                });
            }
        }
        self.track_absence(filtered);
        self.match_patterns();
    }

    fn track_absence(&mut self, state: Option<u8>) {
        if self.reported_class.is_some() && state != self.reported_class {
            self.absent_blocks += 1;
            if self.absent_blocks * BLOCK_MS >= REARM_MS {
                self.reported = None;
                self.reported_class = None;
            }
        } else {
            self.absent_blocks = 0;
        }
    }

    /// Segments (oldest first) as seen by one class: its own runs, and everything else
    /// merged into off runs. Returns up to the last 5, newest last; the last one is the
    /// run in progress.
    fn view(&self, class: u8) -> (View, usize) {
        let mut out = [None; 5];
        let mut count = 0;
        let segments = self.history.iter().chain(self.current.iter());
        let mut merged: [(bool, u32, u64); HISTORY + 1] = [(false, 0, 0); HISTORY + 1];
        let mut merged_count = 0;
        for segment in segments {
            let on = segment.class == Some(class);
            if merged_count > 0 && merged[merged_count - 1].0 == on {
                merged[merged_count - 1].1 += segment.ms();
            } else if merged_count < merged.len() {
                merged[merged_count] = (on, segment.ms(), segment.start);
                merged_count += 1;
            }
        }
        let from = merged_count.saturating_sub(5);
        for item in &merged[from..merged_count] {
            out[count] = Some(*item);
            count += 1;
        }
        (out, count)
    }

    fn match_patterns(&mut self) {
        let now = self.samples_seen;
        for index in 0..self.candidates.len() {
            let Some(candidate) = self.candidates[index] else {
                continue;
            };
            let (view, count) = self.view(candidate.class);
            let runs = &view[..count];
            let started = match (candidate.pattern, runs) {
                (Pattern::Continuous { min_ms }, [.., Some((true, ms, start))])
                    if *ms >= min_ms =>
                {
                    Some(*start)
                }
                (
                    Pattern::LongOff { on, confirm_off_ms },
                    [.., Some((true, on_ms, start)), Some((false, off_ms, _))],
                ) if on.contains(*on_ms) && *off_ms >= confirm_off_ms => Some(*start),
                (
                    Pattern::Repeating { on, off },
                    [.., Some((true, on1, start)), Some((false, off1, _)), Some((true, on2, _)), Some((false, off2, _)), Some((true, _, _))],
                ) if on.contains(*on1)
                    && off.contains(*off1)
                    && on.contains(*on2)
                    && off.contains(*off2) =>
                {
                    Some(*start)
                }
                _ => None,
            };
            if let Some(start) = started {
                self.report(candidate.tone, Some(candidate.class), start, now);
            }
        }
        self.match_sit(now);
    }

    fn match_sit(&mut self, now: u64) {
        // Checked once, when the segment after the third tone begins: the last closed
        // segments must be SIT positions 0, 1, 2, with at most a short gap (a block that
        // straddled two tones) between them.
        if self.current.is_none_or(|c| c.blocks != 1) {
            return;
        }
        let mut wanted = 3u8;
        for segment in self.history.iter().rev() {
            let position = segment
                .class
                .and_then(|class| self.sit_position[usize::from(class)]);
            match position {
                Some(at) if wanted > 0 && at == wanted - 1 => {
                    if !(SIT_MIN_MS..=SIT_MAX_MS).contains(&segment.ms()) {
                        return;
                    }
                    wanted -= 1;
                    if wanted == 0 {
                        let start = segment.start;
                        self.report(ProgressTone::Sit, None, start, now);
                        return;
                    }
                }
                None if segment.class.is_none()
                    && wanted < 3
                    && segment.blocks <= SIT_MAX_GAP_BLOCKS => {}
                _ => return,
            }
        }
    }

    fn report(&mut self, tone: ProgressTone, class: Option<u8>, at_sample: u64, now: u64) {
        if self.reported == Some(tone) {
            return;
        }
        self.reported = Some(tone);
        self.reported_class = class;
        self.absent_blocks = 0;
        if self.detected.is_full() {
            self.detected.pop_front();
        }
        let _ = self.detected.push_back(DetectedTone {
            tone,
            at_sample,
            confirmed_at_sample: now,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basis_is_orthonormal_and_joint_for_two_tones() {
        let (b, d) = basis(&[440.0, 480.0]);
        assert_eq!(d, 4);
        for i in 0..4 {
            for j in 0..4 {
                let dot: f32 = b[i].iter().zip(b[j].iter()).map(|(x, y)| x * y).sum();
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((dot - want).abs() < 1e-3, "{i}·{j} = {dot}");
            }
        }
    }

    #[test]
    fn tolerance_ranges_separate_the_china_cadences() {
        let busy = Range::around(350);
        let congestion = Range::around(700);
        let ringback = Range::around(1000);
        assert!(busy.max_ms < congestion.min_ms);
        assert!(congestion.max_ms < ringback.min_ms);
        assert!(busy.contains(350) && congestion.contains(700) && ringback.contains(1000));
    }
}
