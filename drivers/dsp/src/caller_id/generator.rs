//! Streams a caller ID transmission as V.23 FSK audio.

use super::message::{CallerIdFrame, CallerIdMessage, MAX_FRAME_BYTES};
use super::CallerIdError;
use crate::level::sine_peak_for_dbm0;
use crate::oscillator::{to_i16, Oscillator};

use super::FskModulation;
/// 8000 Hz / 1200 baud = 20/3 samples per bit; timing is kept in thirds of a sample.
pub(super) const THIRDS_PER_BIT: u64 = 20;
const SEIZURE_BITS: usize = 300;
const MARK_BITS: usize = 180;
/// A few marks after the checksum so the last stop bit is not cut by the line switching.
const TRAILING_MARK_BITS: usize = 10;
const BITS_PER_CHARACTER: usize = 10;
const DEFAULT_LEVEL_DBM0: f32 = -13.0;

/// Produces seizure, mark and message bits as continuous-phase FSK.
#[derive(Debug, Clone)]
pub struct FskCallerIdGenerator {
    frame: CallerIdFrame,
    oscillator: Oscillator,
    modulation: FskModulation,
    peak: f32,
    samples_sent: u64,
    total_bits: usize,
}

impl FskCallerIdGenerator {
    /// Sends `message` as MDMF at −13 dBm0.
    pub fn new(message: &CallerIdMessage) -> Result<Self, CallerIdError> {
        let frame = message.encode_mdmf()?;
        Self::from_frame(&frame, DEFAULT_LEVEL_DBM0)
    }

    /// Sends raw message bytes (any format, even a corrupt one) at `level_dbm0`.
    pub fn from_frame(frame: &[u8], level_dbm0: f32) -> Result<Self, CallerIdError> {
        Self::with_modulation(frame, level_dbm0, FskModulation::V23)
    }

    /// Sends `message` as Bell 202 (Telcordia GR-30) MDMF at −13 dBm0.
    pub fn bell202(message: &CallerIdMessage) -> Result<Self, CallerIdError> {
        let frame = message.encode_mdmf()?;
        Self::with_modulation(&frame, DEFAULT_LEVEL_DBM0, FskModulation::Bell202)
    }

    /// Sends raw message bytes (any format) at `level_dbm0` with either modulation:
    /// 300 alternating seizure bits, 180 mark bits, the message, a few marks.
    pub fn with_modulation(
        frame: &[u8],
        level_dbm0: f32,
        modulation: FskModulation,
    ) -> Result<Self, CallerIdError> {
        let frame = CallerIdFrame::from_slice(frame).map_err(|_| CallerIdError::FrameTooLong {
            length: frame.len(),
        })?;
        debug_assert!(frame.len() <= MAX_FRAME_BYTES);
        let total_bits =
            SEIZURE_BITS + MARK_BITS + frame.len() * BITS_PER_CHARACTER + TRAILING_MARK_BITS;
        Ok(FskCallerIdGenerator {
            frame,
            oscillator: Oscillator::new(modulation.mark_hz()),
            modulation,
            peak: sine_peak_for_dbm0(level_dbm0),
            samples_sent: 0,
            total_bits,
        })
    }

    /// Writes the next samples (silence once done); returns whether more remain.
    pub fn fill(&mut self, out: &mut [i16]) -> bool {
        for sample in out.iter_mut() {
            let bit_index = (self.samples_sent * 3 / THIRDS_PER_BIT) as usize;
            *sample = match self.bit(bit_index) {
                Some(bit) => {
                    self.oscillator.set_frequency(if bit {
                        self.modulation.mark_hz()
                    } else {
                        self.modulation.space_hz()
                    });
                    self.samples_sent += 1;
                    to_i16(self.oscillator.next_sample() * self.peak)
                }
                None => 0,
            };
        }
        self.bit((self.samples_sent * 3 / THIRDS_PER_BIT) as usize)
            .is_some()
    }

    /// The line bit at `index`, or `None` past the end of the transmission.
    fn bit(&self, index: usize) -> Option<bool> {
        if index >= self.total_bits {
            return None;
        }
        if index < SEIZURE_BITS {
            // Alternating, starting with a space: 0101…
            return Some(index % 2 == 1);
        }
        let Some(in_message) = index.checked_sub(SEIZURE_BITS + MARK_BITS) else {
            return Some(true);
        };
        let (character, position) = (
            in_message / BITS_PER_CHARACTER,
            in_message % BITS_PER_CHARACTER,
        );
        Some(match (self.frame.get(character), position) {
            (None, _) => true,
            (Some(_), 0) => false,
            (Some(&byte), 1..=8) => byte >> (position - 1) & 1 == 1,
            (Some(_), _) => true,
        })
    }
}
