//! DTMF sender: queues digits and streams them as tone/pause pairs.

use super::{frequencies_of, DtmfError};
use crate::level::sine_peak_for_dbm0;
use crate::oscillator::{to_i16, Oscillator};
use heapless::Deque;

const QUEUE_CAPACITY: usize = 64;
const SAMPLES_PER_MS: u32 = 8;

/// Timing and levels of sent digits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DtmfGeneratorConfig {
    pub tone_ms: u16,
    pub pause_ms: u16,
    /// Low group level per tone. Q.23 leaves levels to administrations; −6/−4 dBm0 with
    /// the high group 2 dB up (pre-emphasis for loop loss) is a common choice.
    pub low_group_dbm0: f32,
    pub high_group_dbm0: f32,
}

impl Default for DtmfGeneratorConfig {
    fn default() -> Self {
        DtmfGeneratorConfig {
            tone_ms: 80,
            pause_ms: 80,
            low_group_dbm0: -6.0,
            high_group_dbm0: -4.0,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    Idle,
    Tone {
        low: Oscillator,
        high: Oscillator,
        samples_left: u32,
    },
    Pause {
        samples_left: u32,
    },
}

/// Streams queued digits; allocation-free (fixed queue of 64 digits).
#[derive(Debug, Clone)]
pub struct DtmfGenerator {
    config: DtmfGeneratorConfig,
    low_peak: f32,
    high_peak: f32,
    pending: Deque<(u16, u16), QUEUE_CAPACITY>,
    phase: Phase,
}

impl DtmfGenerator {
    pub fn new(config: DtmfGeneratorConfig) -> Result<Self, DtmfError> {
        if config.tone_ms == 0 {
            return Err(DtmfError::ZeroToneDuration);
        }
        Ok(DtmfGenerator {
            config,
            low_peak: sine_peak_for_dbm0(config.low_group_dbm0),
            high_peak: sine_peak_for_dbm0(config.high_group_dbm0),
            pending: Deque::new(),
            phase: Phase::Idle,
        })
    }

    /// Queues every digit of `digits`; nothing is queued if any digit is invalid or the
    /// queue would overflow.
    pub fn push_digits(&mut self, digits: &str) -> Result<(), DtmfError> {
        let mut count = 0;
        for digit in digits.chars() {
            frequencies_of(digit)?;
            count += 1;
        }
        if self.pending.len() + count > QUEUE_CAPACITY {
            return Err(DtmfError::QueueFull {
                capacity: QUEUE_CAPACITY,
            });
        }
        for digit in digits.chars() {
            let pair = frequencies_of(digit)?;
            self.pending
                .push_back(pair)
                .map_err(|_| DtmfError::QueueFull {
                    capacity: QUEUE_CAPACITY,
                })?;
        }
        Ok(())
    }

    /// Whether digits or a pause remain to be sent.
    pub fn is_busy(&self) -> bool {
        !matches!(self.phase, Phase::Idle) || !self.pending.is_empty()
    }

    /// Writes the next samples (silence when idle); returns whether still busy afterwards.
    pub fn fill(&mut self, out: &mut [i16]) -> bool {
        for sample in out.iter_mut() {
            *sample = self.next_sample();
        }
        self.is_busy()
    }

    fn next_sample(&mut self) -> i16 {
        if let Phase::Idle = self.phase {
            if let Some((low, high)) = self.pending.pop_front() {
                self.phase = Phase::Tone {
                    low: Oscillator::new(f32::from(low)),
                    high: Oscillator::new(f32::from(high)),
                    samples_left: u32::from(self.config.tone_ms) * SAMPLES_PER_MS,
                };
            }
        }
        match &mut self.phase {
            Phase::Idle => 0,
            Phase::Tone {
                low,
                high,
                samples_left,
            } => {
                let value = low.next_sample() * self.low_peak + high.next_sample() * self.high_peak;
                *samples_left -= 1;
                if *samples_left == 0 {
                    let pause = u32::from(self.config.pause_ms) * SAMPLES_PER_MS;
                    self.phase = if pause == 0 {
                        Phase::Idle
                    } else {
                        Phase::Pause {
                            samples_left: pause,
                        }
                    };
                }
                to_i16(value)
            }
            Phase::Pause { samples_left } => {
                *samples_left -= 1;
                if *samples_left == 0 {
                    self.phase = Phase::Idle;
                }
                0
            }
        }
    }
}
