//! What a far end says (a [`Mouth`]: a queue of things to play) and hears (an [`Ear`]:
//! tone meter, DTMF detector and the last seconds of audio).

use std::collections::VecDeque;
use std::path::Path;

use dsp::dtmf::{frequencies_of, DtmfDetector, DtmfError, DtmfGenerator, DtmfGeneratorConfig};
use dsp::level::dbm0_for_mean_square;
use dsp::tone::{ToneGenerator, ToneSpec};

use crate::{BLOCK_MS, BLOCK_SAMPLES};

/// How much received audio an [`Ear`] keeps (and so the longest run a [`ToneMeter`] can
/// measure).
pub const HISTORY_MS: u64 = 10_000;
const HISTORY_BLOCKS: usize = (HISTORY_MS / BLOCK_MS) as usize;
/// A block below this level counts as silence.
pub const SILENCE_DBM0: f32 = -45.0;
/// A tone counts as present in a block when it carries at least this share of the
/// block's power (so a tone buried in speech or another tone does not count).
pub const DEFAULT_MIN_SHARE: f32 = 0.5;
const SAMPLE_RATE: f32 = 8000.0;

/// One thing for a far end to play.
#[derive(Debug, Clone, PartialEq)]
pub enum PlayItem {
    /// A steady sine.
    Tone {
        freq_hz: u16,
        level_dbm0: f32,
        duration_ms: u32,
    },
    /// DTMF digits at the dsp generator's default timing (80 ms tone, 80 ms pause).
    Dtmf(String),
    Silence {
        duration_ms: u32,
    },
}

enum Playing {
    Tone {
        generator: ToneGenerator,
        samples_left: u64,
    },
    Dtmf {
        generator: Box<DtmfGenerator>,
        remaining: VecDeque<char>,
    },
    Silence {
        samples_left: u64,
    },
}

/// A queue of [`PlayItem`]s played one after the other.
#[derive(Default)]
pub struct Mouth {
    queue: VecDeque<PlayItem>,
    current: Option<Playing>,
}

impl Mouth {
    pub fn new() -> Mouth {
        Mouth::default()
    }

    /// Queues `item` after what is already queued. DTMF digits are checked here, so a
    /// bad digit is reported when queued rather than skipped later.
    pub fn push(&mut self, item: PlayItem) -> Result<(), DtmfError> {
        if let PlayItem::Dtmf(digits) = &item {
            for d in digits.chars() {
                frequencies_of(d)?;
            }
        }
        self.queue.push_back(item);
        Ok(())
    }

    /// Drops everything queued and playing.
    pub fn clear(&mut self) {
        self.queue.clear();
        self.current = None;
    }

    /// Nothing playing and nothing queued.
    pub fn is_idle(&self) -> bool {
        self.current.is_none() && self.queue.is_empty()
    }

    /// Writes the next samples (silence when idle); returns whether more remains.
    pub fn fill(&mut self, out: &mut [i16]) -> bool {
        for sample in out.iter_mut() {
            *sample = self.next_sample();
        }
        !self.is_idle()
    }

    fn next_sample(&mut self) -> i16 {
        loop {
            if self.current.is_none() {
                let Some(item) = self.queue.pop_front() else {
                    return 0;
                };
                self.current = Some(start(item));
            }
            let Some(playing) = self.current.as_mut() else {
                return 0;
            };
            let mut one = [0i16; 1];
            let produced = match playing {
                Playing::Tone {
                    generator,
                    samples_left,
                } if *samples_left > 0 => {
                    generator.fill(&mut one);
                    *samples_left -= 1;
                    true
                }
                Playing::Silence { samples_left } if *samples_left > 0 => {
                    *samples_left -= 1;
                    true
                }
                Playing::Dtmf {
                    generator,
                    remaining,
                } => {
                    if !generator.is_busy() {
                        if let Some(d) = remaining.pop_front() {
                            let mut buf = [0u8; 4];
                            // Digits were validated in `push`; an error here only skips it.
                            let _ = generator.push_digits(d.encode_utf8(&mut buf));
                        }
                    }
                    if generator.is_busy() {
                        generator.fill(&mut one);
                        true
                    } else {
                        false
                    }
                }
                _ => false,
            };
            let finished = match playing {
                Playing::Tone { samples_left, .. } | Playing::Silence { samples_left } => {
                    *samples_left == 0
                }
                Playing::Dtmf {
                    generator,
                    remaining,
                } => !generator.is_busy() && remaining.is_empty(),
            };
            if finished {
                self.current = None;
            }
            if produced {
                return one[0];
            }
        }
    }
}

fn start(item: PlayItem) -> Playing {
    match item {
        PlayItem::Tone {
            freq_hz,
            level_dbm0,
            duration_ms,
        } => Playing::Tone {
            generator: ToneGenerator::new(&ToneSpec {
                freqs_hz: [freq_hz, 0],
                level_dbm0,
                cadence_ms: &[],
            }),
            samples_left: u64::from(duration_ms) * 8,
        },
        PlayItem::Dtmf(digits) => match DtmfGenerator::new(DtmfGeneratorConfig::default()) {
            Ok(generator) => Playing::Dtmf {
                generator: Box::new(generator),
                remaining: digits.chars().collect(),
            },
            // The default config is valid; should it ever not be, play nothing.
            Err(_) => Playing::Silence { samples_left: 0 },
        },
        PlayItem::Silence { duration_ms } => Playing::Silence {
            samples_left: u64::from(duration_ms) * 8,
        },
    }
}

/// What a [`ToneMeter`] measured for one frequency in one block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToneMeasurement {
    pub freq_hz: f32,
    /// Level of the component at `freq_hz`, in dBm0.
    pub level_dbm0: f32,
    /// Share of the block's power carried by that component (0…1).
    pub share: f32,
    /// Level of the whole block, in dBm0.
    pub block_dbm0: f32,
}

impl ToneMeasurement {
    pub fn is_present(&self, min_dbm0: f32, min_share: f32) -> bool {
        self.level_dbm0 >= min_dbm0 && self.share >= min_share
    }
}

/// Goertzel tone meter over the last [`HISTORY_MS`] of received 20 ms blocks.
///
/// Each block is Hann-windowed and evaluated at the asked frequency (any frequency, not
/// just bin centres); the main lobe is ±100 Hz, so tones 150 Hz apart are told apart.
/// Tones on a 100 Hz grid (odd multiples of 50 Hz: 350, 450, … Hz) sit in each other's
/// nulls: through A-law none shows above −55 dBm0 at another's frequency
/// (`hil-scenario`'s test of `pri-30-inbound.hil`'s 30 tones).
pub struct ToneMeter {
    blocks: VecDeque<[i16; BLOCK_SAMPLES]>,
    window: [f32; BLOCK_SAMPLES],
    window_sum: f32,
}

impl Default for ToneMeter {
    fn default() -> Self {
        ToneMeter::new()
    }
}

impl ToneMeter {
    pub fn new() -> ToneMeter {
        let mut window = [0f32; BLOCK_SAMPLES];
        for (n, w) in window.iter_mut().enumerate() {
            *w = 0.5 - 0.5 * (std::f32::consts::TAU * n as f32 / BLOCK_SAMPLES as f32).cos();
        }
        let window_sum = window.iter().sum();
        ToneMeter {
            blocks: VecDeque::with_capacity(HISTORY_BLOCKS),
            window,
            window_sum,
        }
    }

    pub fn push(&mut self, block: &[i16; BLOCK_SAMPLES]) {
        if self.blocks.len() == HISTORY_BLOCKS {
            self.blocks.pop_front();
        }
        self.blocks.push_back(*block);
    }

    /// Blocks held (newest last).
    pub fn len(&self) -> usize {
        self.blocks.len()
    }
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    fn block(&self, blocks_ago: usize) -> Option<&[i16; BLOCK_SAMPLES]> {
        let len = self.blocks.len();
        if blocks_ago >= len {
            return None;
        }
        self.blocks.get(len - 1 - blocks_ago)
    }

    /// Level of a whole block (0 = newest), in dBm0.
    pub fn block_level_dbm0(&self, blocks_ago: usize) -> Option<f32> {
        self.block(blocks_ago)
            .map(|b| dbm0_for_mean_square(mean_square(b)))
    }

    /// The component at `freq_hz` in a block (0 = newest).
    pub fn measure(&self, freq_hz: f32, blocks_ago: usize) -> Option<ToneMeasurement> {
        let block = self.block(blocks_ago)?;
        Some(self.measure_block(block, freq_hz))
    }

    fn measure_block(&self, block: &[i16; BLOCK_SAMPLES], freq_hz: f32) -> ToneMeasurement {
        let coeff = 2.0 * (std::f32::consts::TAU * freq_hz / SAMPLE_RATE).cos();
        let (mut s1, mut s2) = (0f32, 0f32);
        for (x, w) in block.iter().zip(self.window.iter()) {
            let s = f32::from(*x) * w + coeff * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        let magnitude_sq = (s1 * s1 + s2 * s2 - coeff * s1 * s2).max(0.0);
        // A sine of peak A gives |X| = A * sum(w) / 2.
        let peak = 2.0 * magnitude_sq.sqrt() / self.window_sum;
        let component_ms = peak * peak / 2.0;
        let block_ms = mean_square(block);
        let share = if block_ms > 0.0 {
            (component_ms / block_ms).min(1.0)
        } else {
            0.0
        };
        ToneMeasurement {
            freq_hz,
            level_dbm0: dbm0_for_mean_square(component_ms),
            share,
            block_dbm0: dbm0_for_mean_square(block_ms),
        }
    }

    /// How long (ms, a multiple of 20) the tone has been present in the newest blocks
    /// without a break, counting back at most until `want_ms` is reached.
    pub fn tone_run_ms(&self, freq_hz: f32, min_dbm0: f32, min_share: f32, want_ms: u64) -> u64 {
        let mut run = 0;
        for ago in 0..self.blocks.len() {
            if run >= want_ms {
                break;
            }
            match self.measure(freq_hz, ago) {
                Some(m) if m.is_present(min_dbm0, min_share) => run += BLOCK_MS,
                _ => break,
            }
        }
        run
    }

    /// How long the newest blocks have all been below `max_dbm0`, counting back at most
    /// until `want_ms` is reached.
    pub fn silence_run_ms(&self, max_dbm0: f32, want_ms: u64) -> u64 {
        let mut run = 0;
        for ago in 0..self.blocks.len() {
            if run >= want_ms {
                break;
            }
            match self.block_level_dbm0(ago) {
                Some(level) if level < max_dbm0 => run += BLOCK_MS,
                _ => break,
            }
        }
        run
    }

    /// The strongest tone in a block (0 = newest), scanning 200…3600 Hz in 5 Hz steps.
    /// For messages ("heard 425 Hz at -13 dBm0 instead"); not cheap.
    pub fn dominant(&self, blocks_ago: usize) -> Option<ToneMeasurement> {
        let block = self.block(blocks_ago)?;
        let mut best: Option<ToneMeasurement> = None;
        let mut freq = 200.0;
        while freq <= 3600.0 {
            let m = self.measure_block(block, freq);
            if best.is_none_or(|b| m.level_dbm0 > b.level_dbm0) {
                best = Some(m);
            }
            freq += 5.0;
        }
        best
    }

    /// All held audio, oldest first.
    pub fn samples(&self) -> Vec<i16> {
        self.blocks.iter().flat_map(|b| b.iter().copied()).collect()
    }
}

fn mean_square(block: &[i16]) -> f32 {
    if block.is_empty() {
        return 0.0;
    }
    block
        .iter()
        .map(|&x| f32::from(x) * f32::from(x))
        .sum::<f32>()
        / block.len() as f32
}

/// A DTMF digit an [`Ear`] detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceivedDigit {
    pub digit: char,
    /// Rig time of the block in which the detector reported it.
    pub at_ms: u64,
}

/// Listens to received audio: tone meter, DTMF detector, recent audio.
pub struct Ear {
    meter: ToneMeter,
    dtmf: Box<DtmfDetector>,
    digits: Vec<ReceivedDigit>,
}

impl Default for Ear {
    fn default() -> Self {
        Ear::new()
    }
}

impl Ear {
    pub fn new() -> Ear {
        Ear {
            meter: ToneMeter::new(),
            dtmf: Box::new(DtmfDetector::default()),
            digits: Vec::new(),
        }
    }

    /// Decodes and analyses one received block of A-law; returns the linear samples.
    pub fn hear(&mut self, now_ms: u64, alaw: &[u8; BLOCK_SAMPLES]) -> [i16; BLOCK_SAMPLES] {
        let mut linear = [0i16; BLOCK_SAMPLES];
        dsp::g711::alaw_decode_slice(alaw, &mut linear);
        self.hear_linear(now_ms, &linear);
        linear
    }

    /// Analyses one block of linear audio.
    pub fn hear_linear(&mut self, now_ms: u64, linear: &[i16; BLOCK_SAMPLES]) {
        self.meter.push(linear);
        self.dtmf.process(linear);
        while let Some(d) = self.dtmf.poll_digit() {
            self.digits.push(ReceivedDigit {
                digit: d.digit,
                at_ms: now_ms,
            });
        }
    }

    pub fn meter(&self) -> &ToneMeter {
        &self.meter
    }

    /// Every DTMF digit heard so far, oldest first.
    pub fn digits(&self) -> &[ReceivedDigit] {
        &self.digits
    }

    /// The digits heard so far as a string.
    pub fn digit_string(&self) -> String {
        self.digits.iter().map(|d| d.digit).collect()
    }

    /// The last [`HISTORY_MS`] of received audio, oldest first.
    pub fn recent_audio(&self) -> Vec<i16> {
        self.meter.samples()
    }

    /// Writes the recent audio as a 8 kHz 16-bit mono WAV file (for debugging failures).
    pub fn write_wav(&self, path: &Path) -> std::io::Result<()> {
        let samples = self.recent_audio();
        let data_len = (samples.len() * 2) as u32;
        let mut out = Vec::with_capacity(44 + samples.len() * 2);
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + data_len).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes()); // PCM
        out.extend_from_slice(&1u16.to_le_bytes()); // mono
        out.extend_from_slice(&8000u32.to_le_bytes());
        out.extend_from_slice(&16000u32.to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&16u16.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data_len.to_le_bytes());
        for s in samples {
            out.extend_from_slice(&s.to_le_bytes());
        }
        std::fs::write(path, out)
    }

    /// One line for state summaries: level and strongest tone of the newest block, digits.
    pub fn summary(&self) -> String {
        let heard = match (self.meter.block_level_dbm0(0), self.meter.dominant(0)) {
            (Some(level), _) if level < SILENCE_DBM0 => "silence".to_string(),
            (Some(level), Some(tone)) if tone.share >= DEFAULT_MIN_SHARE => {
                format!("{:.0} Hz at {:.1} dBm0", tone.freq_hz, level)
            }
            (Some(level), _) => format!("a mix at {level:.1} dBm0"),
            (None, _) => "nothing yet".to_string(),
        };
        format!("hears {heard}, dtmf heard {:?}", self.digit_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(meter: &mut ToneMeter, mouth: &mut Mouth, blocks: usize) {
        for _ in 0..blocks {
            let mut b = [0i16; BLOCK_SAMPLES];
            mouth.fill(&mut b);
            meter.push(&b);
        }
    }

    #[test]
    fn tone_meter_measures_level_and_tells_close_tones_apart() {
        let mut mouth = Mouth::new();
        mouth
            .push(PlayItem::Tone {
                freq_hz: 1004,
                level_dbm0: -13.0,
                duration_ms: 400,
            })
            .unwrap();
        let mut meter = ToneMeter::new();
        feed(&mut meter, &mut mouth, 20);
        let m = meter.measure(1004.0, 0).unwrap();
        assert!((m.level_dbm0 + 13.0).abs() < 0.5, "{m:?}");
        assert!(m.share > 0.95, "{m:?}");
        // 880 Hz is 124 Hz away: well outside the main lobe.
        let other = meter.measure(880.0, 0).unwrap();
        assert!(other.level_dbm0 < -40.0, "{other:?}");
        assert_eq!(
            meter.tone_run_ms(1004.0, -20.0, DEFAULT_MIN_SHARE, 10_000),
            400
        );
        assert_eq!(
            meter.tone_run_ms(1004.0, -10.0, DEFAULT_MIN_SHARE, 10_000),
            0,
            "too quiet for -10"
        );
        let dominant = meter.dominant(0).unwrap();
        assert!((dominant.freq_hz - 1004.0).abs() <= 5.0, "{dominant:?}");
    }

    #[test]
    fn silence_and_tone_runs_follow_the_queue() {
        let mut mouth = Mouth::new();
        mouth
            .push(PlayItem::Tone {
                freq_hz: 425,
                level_dbm0: -13.0,
                duration_ms: 200,
            })
            .unwrap();
        mouth.push(PlayItem::Silence { duration_ms: 300 }).unwrap();
        mouth
            .push(PlayItem::Tone {
                freq_hz: 660,
                level_dbm0: -13.0,
                duration_ms: 100,
            })
            .unwrap();
        let mut meter = ToneMeter::new();
        feed(&mut meter, &mut mouth, 10);
        assert_eq!(
            meter.tone_run_ms(425.0, -20.0, DEFAULT_MIN_SHARE, 1000),
            200
        );
        feed(&mut meter, &mut mouth, 15);
        assert_eq!(meter.silence_run_ms(SILENCE_DBM0, 1000), 300);
        assert_eq!(meter.tone_run_ms(425.0, -20.0, DEFAULT_MIN_SHARE, 1000), 0);
        feed(&mut meter, &mut mouth, 5);
        assert_eq!(
            meter.tone_run_ms(660.0, -20.0, DEFAULT_MIN_SHARE, 1000),
            100
        );
        assert!(mouth.is_idle());
        feed(&mut meter, &mut mouth, 5);
        assert_eq!(meter.silence_run_ms(SILENCE_DBM0, 1000), 100);
    }

    #[test]
    fn bad_dtmf_digit_is_refused_when_queued() {
        let mut mouth = Mouth::new();
        assert!(mouth.push(PlayItem::Dtmf("12x".into())).is_err());
        assert!(mouth.is_idle());
    }

    #[test]
    fn ear_hears_dtmf_through_alaw() {
        let mut mouth = Mouth::new();
        mouth.push(PlayItem::Dtmf("*#*9".into())).unwrap();
        let mut ear = Ear::new();
        for tick in 0..50u64 {
            let mut b = [0i16; BLOCK_SAMPLES];
            mouth.fill(&mut b);
            let mut alaw = [0u8; BLOCK_SAMPLES];
            dsp::g711::alaw_encode_slice(&b, &mut alaw);
            ear.hear(tick * BLOCK_MS, &alaw);
        }
        assert_eq!(ear.digit_string(), "*#*9");
        assert!(ear.summary().contains("*#*9"));
    }
}
