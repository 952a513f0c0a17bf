//! DTMF (ITU-T Q.23) generation and detection (aiming at Q.24 acceptance).

mod detector;
mod generator;

pub use detector::{DetectedDigit, DtmfDetector, DtmfDetectorConfig};
pub use generator::{DtmfGenerator, DtmfGeneratorConfig};

/// Low (row) group frequencies, Q.23.
pub const ROW_FREQS_HZ: [u16; 4] = [697, 770, 852, 941];
/// High (column) group frequencies, Q.23.
pub const COLUMN_FREQS_HZ: [u16; 4] = [1209, 1336, 1477, 1633];

const KEYPAD: [[char; 4]; 4] = [
    ['1', '2', '3', 'A'],
    ['4', '5', '6', 'B'],
    ['7', '8', '9', 'C'],
    ['*', '0', '#', 'D'],
];

/// Every digit DTMF can carry, in keypad order.
pub const DIGITS: [char; 16] = [
    '1', '2', '3', 'A', '4', '5', '6', 'B', '7', '8', '9', 'C', '*', '0', '#', 'D',
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DtmfError {
    #[error("{digit:?} is not a DTMF digit (expected 0-9, A-D, * or #)")]
    InvalidDigit { digit: char },
    #[error("DTMF digit queue is full ({capacity} digits pending)")]
    QueueFull { capacity: usize },
    #[error("DTMF tone duration must be at least 1 ms")]
    ZeroToneDuration,
}

/// (low, high) frequency pair of `digit`; lower-case a-d are accepted.
pub fn frequencies_of(digit: char) -> Result<(u16, u16), DtmfError> {
    let wanted = digit.to_ascii_uppercase();
    for (row, keys) in KEYPAD.iter().enumerate() {
        if let Some(column) = keys.iter().position(|&key| key == wanted) {
            return Ok((ROW_FREQS_HZ[row], COLUMN_FREQS_HZ[column]));
        }
    }
    Err(DtmfError::InvalidDigit { digit })
}

fn digit_at(row: usize, column: usize) -> char {
    KEYPAD[row][column]
}
