//! Streaming caller ID receiver: FSK demodulator → 8N1 UART → message framer.

use super::demodulator::FskDemodulator;
use super::generator::THIRDS_PER_BIT;
use super::message::{CallerIdFrame, CallerIdMessage};
use super::{CallerIdError, MESSAGE_TYPE_MDMF, MESSAGE_TYPE_SDMF};
use heapless::Deque;

/// Continuous mark (with carrier) that arms the framer: the 180-bit mark period qualifies,
/// the alternating channel seizure never does.
const ARMING_MARK_SAMPLES: u32 = 267; // 40 bits
/// Silence or mark this long inside a message means it was cut off.
const INTER_BYTE_TIMEOUT_SAMPLES: u32 = 200; // 30 bits
const RESULT_CAPACITY: usize = 4;

#[derive(Debug, Clone, Copy)]
enum Uart {
    Idle { previous_was_mark: bool },
    /// `edge` is the start-bit edge in thirds of a sample; `bit` the next bit to sample.
    Receiving { edge: u64, bit: u8, byte: u8 },
}

/// What the UART made of one sample.
enum UartEvent {
    Nothing,
    Byte(u8),
}

/// Decodes caller ID messages from line audio; allocation-free.
#[derive(Debug, Clone)]
pub struct FskCallerIdDecoder {
    demodulator: FskDemodulator,
    uart: Uart,
    sample_index: u64,
    mark_run: u32,
    armed: bool,
    frame: CallerIdFrame,
    collecting: bool,
    samples_since_byte: u32,
    results: Deque<Result<CallerIdMessage, CallerIdError>, RESULT_CAPACITY>,
}

impl Default for FskCallerIdDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FskCallerIdDecoder {
    pub fn new() -> Self {
        FskCallerIdDecoder {
            demodulator: FskDemodulator::new(),
            uart: Uart::Idle { previous_was_mark: false },
            sample_index: 0,
            mark_run: 0,
            armed: false,
            frame: CallerIdFrame::new(),
            collecting: false,
            samples_since_byte: 0,
            results: Deque::new(),
        }
    }

    /// Feeds received audio of any length.
    pub fn process(&mut self, samples: &[i16]) {
        for &sample in samples {
            let decision = self.demodulator.push(sample);
            let event = self.clock_uart(decision);
            self.frame_sample(decision, event);
            self.sample_index += 1;
        }
    }

    /// The oldest finished message or error. At most 4 are kept; older ones are dropped.
    pub fn poll(&mut self) -> Option<Result<CallerIdMessage, CallerIdError>> {
        self.results.pop_front()
    }

    fn clock_uart(&mut self, decision: Option<bool>) -> UartEvent {
        let now = self.sample_index * 3;
        match self.uart {
            Uart::Idle { previous_was_mark } => {
                if previous_was_mark && decision == Some(false) {
                    self.uart = Uart::Receiving { edge: now, bit: 0, byte: 0 };
                } else {
                    self.uart = Uart::Idle { previous_was_mark: decision == Some(true) };
                }
                UartEvent::Nothing
            }
            Uart::Receiving { edge, bit, byte } => {
                // Sample each bit in its middle.
                let due = edge + THIRDS_PER_BIT / 2 + THIRDS_PER_BIT * u64::from(bit);
                if now < due {
                    return UartEvent::Nothing;
                }
                let Some(level) = decision else {
                    self.uart = Uart::Idle { previous_was_mark: false };
                    return UartEvent::Nothing;
                };
                match bit {
                    0 if level => self.uart = Uart::Idle { previous_was_mark: true }, // glitch, not a start bit
                    0 => self.uart = Uart::Receiving { edge, bit: 1, byte },
                    1..=8 => {
                        let byte = byte | (u8::from(level) << (bit - 1));
                        self.uart = Uart::Receiving { edge, bit: bit + 1, byte };
                    }
                    _ => {
                        self.uart = Uart::Idle { previous_was_mark: level };
                        if level {
                            return UartEvent::Byte(byte);
                        }
                        // Framing error: no stop bit. Drop the character.
                    }
                }
                UartEvent::Nothing
            }
        }
    }

    fn frame_sample(&mut self, decision: Option<bool>, event: UartEvent) {
        let uart_idle = matches!(self.uart, Uart::Idle { .. });
        if uart_idle && decision == Some(true) {
            self.mark_run = self.mark_run.saturating_add(1);
            if self.mark_run >= ARMING_MARK_SAMPLES && !self.collecting {
                self.armed = true;
            }
        } else {
            self.mark_run = 0;
        }
        match event {
            UartEvent::Byte(byte) => self.on_byte(byte),
            UartEvent::Nothing if self.collecting => {
                self.samples_since_byte += 1;
                if self.samples_since_byte > INTER_BYTE_TIMEOUT_SAMPLES {
                    let expected = self.expected_length().unwrap_or(3);
                    self.finish(Err(CallerIdError::Truncated { received: self.frame.len(), expected }));
                }
            }
            UartEvent::Nothing => {}
        }
    }

    fn expected_length(&self) -> Option<usize> {
        self.frame.get(1).map(|&length| usize::from(length) + 3)
    }

    fn on_byte(&mut self, byte: u8) {
        self.samples_since_byte = 0;
        if !self.collecting {
            if !self.armed {
                return; // channel seizure or noise before the mark period
            }
            if byte != MESSAGE_TYPE_MDMF && byte != MESSAGE_TYPE_SDMF {
                self.finish(Err(CallerIdError::UnknownMessageType { message_type: byte }));
                return;
            }
            self.collecting = true;
            self.frame.clear();
        }
        // Cannot overflow: the length byte caps a frame at MAX_FRAME_BYTES.
        let _ = self.frame.push(byte);
        if self.expected_length() == Some(self.frame.len()) {
            let result = CallerIdMessage::decode_frame(&self.frame);
            self.finish(result);
        }
    }

    fn finish(&mut self, result: Result<CallerIdMessage, CallerIdError>) {
        self.collecting = false;
        self.armed = false;
        self.frame.clear();
        if self.results.is_full() {
            self.results.pop_front();
        }
        let _ = self.results.push_back(result);
    }
}
