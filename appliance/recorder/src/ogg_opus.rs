//! Stereo Ogg Opus (RFC 7845) from 20 ms blocks of 8 kHz audio, written page by page.
//!
//! The identification and comment headers get a page each, as RFC 7845 requires. After
//! that a page ends every [`PAGE_FRAMES`] frames (one second) and goes to the file in a
//! single `write`: a box killed at any point leaves whole pages only, at most a second
//! short, which players accept as a stream that ends early.

use line_boundary::FRAME_SAMPLES;
use ogg::writing::{PacketWriteEndInfo, PacketWriter};
use std::io::Write;

/// The rate the box's audio runs at; OpusHead records it as the input rate.
pub const INPUT_RATE_HZ: u32 = 8_000;
/// Ogg Opus granule positions always count 48 kHz samples (RFC 7845 §4).
const GRANULE_RATE_HZ: u32 = 48_000;
const GRANULE_PER_FRAME: u64 = (FRAME_SAMPLES as u64) * (GRANULE_RATE_HZ / INPUT_RATE_HZ) as u64;
/// Frames per page: a page ends at least every second (crash safety).
pub const PAGE_FRAMES: u64 = 50;
/// Opus complexity for recordings: 240 calls are encoded on two cores beside the media
/// engine (`benches/encode.rs` gives the cost of each level).
pub const ENCODER_COMPLEXITY: i32 = 0;
/// Opus's own ceiling for one packet.
const MAX_PACKET_BYTES: usize = 1_275;
/// Both voices at telephone bandwidth, kept apart: enough that a tone on one side does not
/// leak into the other when the encoder shares bits between them.
const BITRATE_BPS: i32 = 32_000;

/// What a recording says about itself in its OpusTags (`KEY=value` comments).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordingTags {
    pub call_id: String,
    /// Calling number, when known.
    pub caller: Option<String>,
    /// Called number or extension, when known.
    pub called: Option<String>,
    /// Wall-clock start, RFC 3339 (UTC).
    pub started: String,
}

impl RecordingTags {
    fn comments(&self) -> Vec<(&'static str, &str)> {
        let mut comments = vec![("CALL_ID", self.call_id.as_str())];
        if let Some(caller) = &self.caller {
            comments.push(("CALLER", caller));
        }
        if let Some(called) = &self.called {
            comments.push(("CALLED", called));
        }
        comments.push(("START", &self.started));
        comments.push(("CHANNELS", "left=caller right=box"));
        comments
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the Opus encoder refused: {0}")]
    Opus(#[from] opus::Error),
    #[error("writing the recording: {0}")]
    Io(#[from] std::io::Error),
}

/// One stereo Ogg Opus stream being written to `out`.
pub struct OggOpusWriter<W: Write> {
    encoder: opus::Encoder,
    pages: PacketWriter<'static, Vec<u8>>,
    out: W,
    serial: u32,
    /// Pre-skip in 48 kHz samples: the encoder's lookahead, dropped by players.
    pre_skip: u16,
    frames: u64,
    bytes_written: u64,
    interleaved: [i16; FRAME_SAMPLES * 2],
    packet: [u8; MAX_PACKET_BYTES],
}

impl<W: Write> OggOpusWriter<W> {
    /// Starts the stream: both header pages are written to `out` before this returns.
    pub fn new(out: W, serial: u32, tags: &RecordingTags) -> Result<Self, WriteError> {
        Self::with_complexity(out, serial, tags, ENCODER_COMPLEXITY)
    }

    /// As [`OggOpusWriter::new`], at Opus complexity 0-10 (the bench compares them).
    pub fn with_complexity(
        out: W,
        serial: u32,
        tags: &RecordingTags,
        complexity: i32,
    ) -> Result<Self, WriteError> {
        // CELT only (restricted low delay): half the CPU of SILK's stereo at telephone
        // bandwidth (`benches/encode.rs`), which is what lets two cores record 240 calls.
        let mut encoder = opus::Encoder::new(
            INPUT_RATE_HZ,
            opus::Channels::Stereo,
            opus::Application::LowDelay,
        )?;
        encoder.set_bitrate(opus::Bitrate::Bits(BITRATE_BPS))?;
        encoder.set_complexity(complexity.clamp(0, 10))?;
        // Lookahead is reported at the encoder's rate; OpusHead wants 48 kHz samples.
        let lookahead = encoder.get_lookahead()?.max(0) as u32;
        let pre_skip = (lookahead * (GRANULE_RATE_HZ / INPUT_RATE_HZ)).min(u16::MAX as u32) as u16;
        let mut writer = OggOpusWriter {
            encoder,
            pages: PacketWriter::new(Vec::with_capacity(8 * 1024)),
            out,
            serial,
            pre_skip,
            frames: 0,
            bytes_written: 0,
            interleaved: [0; FRAME_SAMPLES * 2],
            packet: [0; MAX_PACKET_BYTES],
        };
        let head = opus_head(pre_skip);
        writer.write_packet(head, PacketWriteEndInfo::EndPage, 0)?;
        let tags = opus_tags(tags);
        writer.write_packet(tags, PacketWriteEndInfo::EndPage, 0)?;
        Ok(writer)
    }

    /// Encodes one 20 ms block: `left` is the caller, `right` the box's side.
    pub fn write_frame(
        &mut self,
        left: &[i16; FRAME_SAMPLES],
        right: &[i16; FRAME_SAMPLES],
    ) -> Result<(), WriteError> {
        self.frames += 1;
        let end = if self.frames % PAGE_FRAMES == 0 {
            PacketWriteEndInfo::EndPage
        } else {
            PacketWriteEndInfo::NormalPacket
        };
        self.encode(left, right, end, self.frames * GRANULE_PER_FRAME)
    }

    /// Ends the stream: one more block of silence brings out the encoder's lookahead, and
    /// the last granule position trims the stream to exactly the frames written.
    pub fn finish(mut self) -> Result<W, WriteError> {
        let silence = [0i16; FRAME_SAMPLES];
        let end_granule = self.pre_skip as u64 + self.frames * GRANULE_PER_FRAME;
        self.encode(
            &silence,
            &silence,
            PacketWriteEndInfo::EndStream,
            end_granule,
        )?;
        self.out.flush()?;
        Ok(self.out)
    }

    /// Frames written so far (20 ms each).
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Bytes handed to `out` so far (whole pages).
    pub fn bytes_written(&self) -> u64 {
        self.bytes_written
    }

    pub fn get_ref(&self) -> &W {
        &self.out
    }

    fn encode(
        &mut self,
        left: &[i16; FRAME_SAMPLES],
        right: &[i16; FRAME_SAMPLES],
        end: PacketWriteEndInfo,
        granule: u64,
    ) -> Result<(), WriteError> {
        for (i, (l, r)) in left.iter().zip(right.iter()).enumerate() {
            self.interleaved[2 * i] = *l;
            self.interleaved[2 * i + 1] = *r;
        }
        let len = self.encoder.encode(&self.interleaved, &mut self.packet)?;
        let packet = self.packet[..len].to_vec();
        self.write_packet(packet, end, granule)
    }

    /// Hands a packet to the Ogg layer and moves any page it completed to `out` in one
    /// write, so a kill never leaves half a page behind.
    fn write_packet(
        &mut self,
        packet: Vec<u8>,
        end: PacketWriteEndInfo,
        granule: u64,
    ) -> Result<(), WriteError> {
        self.pages.write_packet(packet, self.serial, end, granule)?;
        let done = self.pages.inner_mut();
        if !done.is_empty() {
            self.out.write_all(done)?;
            self.bytes_written += done.len() as u64;
            done.clear();
        }
        Ok(())
    }
}

/// RFC 7845 §5.1: version 1, two channels, pre-skip, the input rate, no gain, mapping
/// family 0 (mono or stereo, one stream).
fn opus_head(pre_skip: u16) -> Vec<u8> {
    let mut head = Vec::with_capacity(19);
    head.extend_from_slice(b"OpusHead");
    head.push(1);
    head.push(2);
    head.extend_from_slice(&pre_skip.to_le_bytes());
    head.extend_from_slice(&INPUT_RATE_HZ.to_le_bytes());
    head.extend_from_slice(&0i16.to_le_bytes());
    head.push(0);
    head
}

/// RFC 7845 §5.2: the vendor string, then `KEY=value` comments, lengths little-endian.
fn opus_tags(tags: &RecordingTags) -> Vec<u8> {
    let vendor = format!("call-center box recorder, {}", opus::version());
    let comments = tags.comments();
    let mut packet = Vec::with_capacity(128);
    packet.extend_from_slice(b"OpusTags");
    packet.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    packet.extend_from_slice(vendor.as_bytes());
    packet.extend_from_slice(&(comments.len() as u32).to_le_bytes());
    for (key, value) in comments {
        let comment = format!("{key}={value}");
        packet.extend_from_slice(&(comment.len() as u32).to_le_bytes());
        packet.extend_from_slice(comment.as_bytes());
    }
    packet
}
