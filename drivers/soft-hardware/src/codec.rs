//! Wire codec: encode into caller buffers, decode from caller bytes. No allocation.
//!
//! Frame: `length: u16 LE` (bytes after it: type + body), `type: u8`, body.

use crate::types::{
    Block, ChannelRecord, ClockMode, DeviceKind, Hello, LineConditions, AUDIO_OCTETS, MAX_CHANNELS,
};
use std::fmt;

pub const TYPE_HELLO: u8 = 0x01;
pub const TYPE_BLOCK: u8 = 0x02;
pub const TYPE_ERROR: u8 = 0x03;

/// Largest permitted `length` field.
pub const MAX_LENGTH: usize = 8192;
/// Largest frame on the wire, including the length field.
pub const MAX_FRAME: usize = 2 + MAX_LENGTH;
/// HELLO body size.
pub const HELLO_BODY: usize = 6;
/// BLOCK body bytes before the channel records.
pub const BLOCK_HEADER: usize = 6;
/// One channel record on the wire: signalling byte + audio.
pub const RECORD_LEN: usize = 1 + AUDIO_OCTETS;

/// Bytes on the wire of a BLOCK with `channels` records (5161 for an E1, 170 for a port).
pub const fn block_frame_len(channels: usize) -> usize {
    2 + 1 + BLOCK_HEADER + channels * RECORD_LEN
}
/// Bytes on the wire of a HELLO.
pub const HELLO_FRAME_LEN: usize = 2 + 1 + HELLO_BODY;

/// The `code` of an ERROR message.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum ErrorCode {
    HelloMismatch,
    Malformed,
    Busy,
    SequenceGap,
    /// The far end connected and sent no HELLO within the box's HELLO timeout.
    HelloTimeout,
    /// A code this version does not know; kept so it can be reported.
    Other(u16),
}

impl ErrorCode {
    pub const fn wire(self) -> u16 {
        match self {
            ErrorCode::HelloMismatch => 1,
            ErrorCode::Malformed => 2,
            ErrorCode::Busy => 3,
            ErrorCode::SequenceGap => 4,
            ErrorCode::HelloTimeout => 5,
            ErrorCode::Other(c) => c,
        }
    }
    pub const fn from_wire(c: u16) -> ErrorCode {
        match c {
            1 => ErrorCode::HelloMismatch,
            2 => ErrorCode::Malformed,
            3 => ErrorCode::Busy,
            4 => ErrorCode::SequenceGap,
            5 => ErrorCode::HelloTimeout,
            c => ErrorCode::Other(c),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorCode::HelloMismatch => f.write_str("1 (HELLO mismatch)"),
            ErrorCode::Malformed => f.write_str("2 (malformed message)"),
            ErrorCode::Busy => f.write_str("3 (device busy)"),
            ErrorCode::SequenceGap => f.write_str("4 (sequence gap)"),
            ErrorCode::HelloTimeout => f.write_str("5 (no HELLO in time)"),
            ErrorCode::Other(c) => write!(f, "{c} (unknown)"),
        }
    }
}

/// Everything that can be wrong with bytes on the wire (or with an output buffer).
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum CodecError {
    #[error("length field is 0 (a frame needs at least its type byte)")]
    EmptyFrame,
    #[error("length field {0} exceeds the maximum {MAX_LENGTH}")]
    Oversize(usize),
    #[error("unknown message type 0x{0:02x}")]
    UnknownType(u8),
    #[error("{message} body is {got} bytes, expected {expected}")]
    BadLength {
        message: &'static str,
        expected: usize,
        got: usize,
    },
    #[error("{message} body is {got} bytes, at least {min} needed")]
    TooShort {
        message: &'static str,
        min: usize,
        got: usize,
    },
    #[error("HELLO {field} has invalid value {value}")]
    BadField { field: &'static str, value: u8 },
    #[error("BLOCK claims {0} channels, at most {MAX_CHANNELS} exist")]
    TooManyChannels(usize),
    #[error("BLOCK has {got} channels, this connection carries {expected}")]
    WrongChannelCount { expected: usize, got: usize },
    #[error("ERROR text is not valid UTF-8")]
    BadText,
    #[error("output buffer holds {have} bytes, {need} needed")]
    BufferTooSmall { need: usize, have: usize },
}

/// A decoded message; BLOCK and ERROR borrow the decoder's buffer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Message<'a> {
    Hello(Hello),
    Block(BlockRef<'a>),
    Error { code: ErrorCode, text: &'a str },
}

/// A validated BLOCK body, read in place.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BlockRef<'a> {
    body: &'a [u8],
}

impl<'a> BlockRef<'a> {
    pub fn seq(&self) -> u32 {
        u32::from_le_bytes([self.body[0], self.body[1], self.body[2], self.body[3]])
    }
    pub fn conditions(&self) -> LineConditions {
        LineConditions(self.body[4])
    }
    pub fn channel_count(&self) -> usize {
        self.body[5] as usize
    }
    /// Signalling byte and audio of channel `i` (validated: all records are present).
    pub fn record(&self, i: usize) -> Option<(u8, &'a [u8; AUDIO_OCTETS])> {
        if i >= self.channel_count() {
            return None;
        }
        let at = BLOCK_HEADER + i * RECORD_LEN;
        let audio = self.body[at + 1..at + RECORD_LEN].try_into().ok()?;
        Some((self.body[at], audio))
    }
    /// Copies the whole block into `into`, replacing its contents.
    pub fn copy_into(&self, into: &mut Block) {
        into.seq = self.seq();
        into.conditions = self.conditions();
        into.channels.clear();
        for i in 0..self.channel_count() {
            if let Some((signal, audio)) = self.record(i) {
                // Cannot overflow: channel_count <= MAX_CHANNELS was validated.
                let _ = into.channels.push(ChannelRecord {
                    signal,
                    audio: *audio,
                });
            }
        }
    }
}

fn put_header(out: &mut [u8], ty: u8, body_len: usize) -> Result<usize, CodecError> {
    let total = 3 + body_len;
    if out.len() < total {
        return Err(CodecError::BufferTooSmall {
            need: total,
            have: out.len(),
        });
    }
    let length = (1 + body_len) as u16;
    out[..2].copy_from_slice(&length.to_le_bytes());
    out[2] = ty;
    Ok(total)
}

/// Writes a HELLO frame into `out`; returns its length.
pub fn encode_hello(hello: &Hello, out: &mut [u8]) -> Result<usize, CodecError> {
    let n = put_header(out, TYPE_HELLO, HELLO_BODY)?;
    out[3] = hello.version;
    out[4] = hello.kind.map_or(0, DeviceKind::wire);
    out[5] = hello.channels;
    out[6] = hello.clock.map_or(255, ClockMode::wire);
    out[7..9].copy_from_slice(&hello.device_id.to_le_bytes());
    Ok(n)
}

/// Writes a BLOCK frame into `out` (with `block.seq` as is); returns its length.
pub fn encode_block(block: &Block, out: &mut [u8]) -> Result<usize, CodecError> {
    let n_ch = block.channels.len();
    let n = put_header(out, TYPE_BLOCK, BLOCK_HEADER + n_ch * RECORD_LEN)?;
    out[3..7].copy_from_slice(&block.seq.to_le_bytes());
    out[7] = block.conditions.0;
    out[8] = n_ch as u8;
    for (i, rec) in block.channels.iter().enumerate() {
        let at = 3 + BLOCK_HEADER + i * RECORD_LEN;
        out[at] = rec.signal;
        out[at + 1..at + RECORD_LEN].copy_from_slice(&rec.audio);
    }
    Ok(n)
}

/// Writes an ERROR frame into `out`. Text longer than the frame limit or the buffer is
/// cut at a character boundary, so an ERROR can always be sent. Returns its length.
pub fn encode_error(code: ErrorCode, text: &str, out: &mut [u8]) -> Result<usize, CodecError> {
    let room = out.len().saturating_sub(5).min(MAX_LENGTH - 3);
    let mut cut = text.len().min(room);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let text = &text[..cut];
    let n = put_header(out, TYPE_ERROR, 2 + text.len())?;
    out[3..5].copy_from_slice(&code.wire().to_le_bytes());
    out[5..n].copy_from_slice(text.as_bytes());
    Ok(n)
}

/// Parses one complete frame payload (`type` + body, i.e. what `length` counts).
pub fn decode_payload(payload: &[u8]) -> Result<Message<'_>, CodecError> {
    let (&ty, body) = payload.split_first().ok_or(CodecError::EmptyFrame)?;
    match ty {
        TYPE_HELLO => decode_hello(body).map(Message::Hello),
        TYPE_BLOCK => decode_block(body).map(Message::Block),
        TYPE_ERROR => {
            if body.len() < 2 {
                return Err(CodecError::TooShort {
                    message: "ERROR",
                    min: 2,
                    got: body.len(),
                });
            }
            let code = ErrorCode::from_wire(u16::from_le_bytes([body[0], body[1]]));
            let text = core::str::from_utf8(&body[2..]).map_err(|_| CodecError::BadText)?;
            Ok(Message::Error { code, text })
        }
        other => Err(CodecError::UnknownType(other)),
    }
}

fn decode_hello(body: &[u8]) -> Result<Hello, CodecError> {
    if body.len() != HELLO_BODY {
        return Err(CodecError::BadLength {
            message: "HELLO",
            expected: HELLO_BODY,
            got: body.len(),
        });
    }
    let kind = match body[1] {
        0 => None,
        b => Some(DeviceKind::from_wire(b).ok_or(CodecError::BadField {
            field: "kind",
            value: b,
        })?),
    };
    let clock = match body[3] {
        255 => None,
        b => Some(ClockMode::from_wire(b).ok_or(CodecError::BadField {
            field: "clock",
            value: b,
        })?),
    };
    Ok(Hello {
        version: body[0],
        kind,
        channels: body[2],
        clock,
        device_id: u16::from_le_bytes([body[4], body[5]]),
    })
}

fn decode_block(body: &[u8]) -> Result<BlockRef<'_>, CodecError> {
    if body.len() < BLOCK_HEADER {
        return Err(CodecError::TooShort {
            message: "BLOCK",
            min: BLOCK_HEADER,
            got: body.len(),
        });
    }
    let n = body[5] as usize;
    if n > MAX_CHANNELS {
        return Err(CodecError::TooManyChannels(n));
    }
    let expected = BLOCK_HEADER + n * RECORD_LEN;
    if body.len() != expected {
        return Err(CodecError::BadLength {
            message: "BLOCK",
            expected,
            got: body.len(),
        });
    }
    Ok(BlockRef { body })
}

/// Reassembles frames from bytes split anywhere. Holds at most one frame, in a fixed
/// buffer; a bad `length` is reported as soon as its two bytes have arrived.
pub struct FrameDecoder {
    buf: [u8; MAX_FRAME],
    filled: usize,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameDecoder {
    pub const fn new() -> Self {
        FrameDecoder {
            buf: [0; MAX_FRAME],
            filled: 0,
        }
    }

    /// Forgets any partial frame (use after a reconnect).
    pub fn reset(&mut self) {
        self.filled = 0;
    }

    /// Bytes of an incomplete frame currently held.
    pub fn pending(&self) -> usize {
        self.filled
    }

    /// Total frame length once the length field is known.
    fn frame_len(&self) -> Result<Option<usize>, CodecError> {
        if self.filled < 2 {
            return Ok(None);
        }
        let length = u16::from_le_bytes([self.buf[0], self.buf[1]]) as usize;
        if length == 0 {
            return Err(CodecError::EmptyFrame);
        }
        if length > MAX_LENGTH {
            return Err(CodecError::Oversize(length));
        }
        Ok(Some(2 + length))
    }

    /// Takes bytes from the front of `input` (advancing it) until one frame is complete,
    /// and returns that frame; `Ok(None)` once `input` is used up without completing one.
    /// Call repeatedly until it returns `Ok(None)`. After an `Err` the stream is broken:
    /// close the connection (or `reset`).
    pub fn decode<'s>(&'s mut self, input: &mut &[u8]) -> Result<Option<Message<'s>>, CodecError> {
        loop {
            let want = match self.frame_len()? {
                Some(total) if self.filled == total => break,
                Some(total) => total,
                None => 2,
            };
            if input.is_empty() {
                return Ok(None);
            }
            let take = (want - self.filled).min(input.len());
            self.buf[self.filled..self.filled + take].copy_from_slice(&input[..take]);
            self.filled += take;
            *input = &input[take..];
        }
        let total = self.filled;
        // The frame is released now; its bytes stay valid until the next `decode`.
        self.filled = 0;
        decode_payload(&self.buf[2..total]).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_example_from_the_spec() {
        let far = Hello::far_end(Some(DeviceKind::E1), Some(ClockMode::LockStep));
        let mut out = [0u8; 16];
        let n = encode_hello(&far, &mut out).unwrap();
        assert_eq!(
            &out[..n],
            &[0x07, 0x00, 0x01, 0x01, 0x01, 0x20, 0x01, 0x00, 0x00]
        );
        let own = Hello::for_device(DeviceKind::E1, 1, ClockMode::LockStep);
        let n = encode_hello(&own, &mut out).unwrap();
        assert_eq!(
            &out[..n],
            &[0x07, 0x00, 0x01, 0x01, 0x01, 0x20, 0x01, 0x01, 0x00]
        );
    }

    #[test]
    fn e1_block_size_from_the_spec() {
        let b = Block::idle(32);
        let mut out = [0u8; MAX_FRAME];
        let n = encode_block(&b, &mut out).unwrap();
        assert_eq!(n, 5161);
        assert_eq!(u16::from_le_bytes([out[0], out[1]]), 5159);
        assert_eq!(block_frame_len(32), 5161);
    }

    #[test]
    fn encode_into_short_buffer_is_an_error() {
        let b = Block::idle(1);
        let mut out = [0u8; 100];
        assert_eq!(
            encode_block(&b, &mut out),
            Err(CodecError::BufferTooSmall {
                need: block_frame_len(1),
                have: 100
            })
        );
    }

    #[test]
    fn error_text_is_cut_at_char_boundary() {
        let mut out = [0u8; 8];
        let n = encode_error(ErrorCode::Busy, "ééé", &mut out).unwrap();
        let mut input = &out[..n];
        let mut d = FrameDecoder::new();
        match d.decode(&mut input).unwrap() {
            Some(Message::Error { code, text }) => {
                assert_eq!(code, ErrorCode::Busy);
                assert_eq!(text, "é");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
