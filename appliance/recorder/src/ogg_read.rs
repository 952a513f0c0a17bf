//! Reading a recording back: its headers, its length, and its audio as 8 kHz stereo PCM
//! (for the WAV download and for checking a file a killed box left behind).

use crate::ogg_opus::INPUT_RATE_HZ;
use ogg::reading::PacketReader;
use std::io::{Read, Seek};

const GRANULE_PER_INPUT_SAMPLE: u64 = 48_000 / INPUT_RATE_HZ as u64;
/// The longest Opus packet decodes to 120 ms.
const MAX_DECODED_PER_CHANNEL: usize = INPUT_RATE_HZ as usize * 120 / 1000;

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("not an Ogg stream: {0}")]
    Ogg(#[from] ogg::OggReadError),
    #[error("not an Ogg Opus recording: {0}")]
    NotOpus(&'static str),
    #[error("an Opus packet would not decode: {0}")]
    Opus(#[from] opus::Error),
}

/// What the headers say and how long the stream is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingInfo {
    pub channels: u8,
    pub pre_skip: u16,
    pub input_rate_hz: u32,
    /// The OpusTags comments, `KEY=value` split at the first `=`.
    pub tags: Vec<(String, String)>,
    /// Audio after pre-skip, as the last page's granule position says.
    pub duration_ms: u64,
    /// The stream's last page carries the end-of-stream flag: it was closed, not cut off.
    pub complete: bool,
}

impl RecordingInfo {
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// A recording's stereo samples at 8 kHz, interleaved left (caller), right (box).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedRecording {
    pub info: RecordingInfo,
    pub interleaved: Vec<i16>,
}

impl DecodedRecording {
    pub fn left(&self) -> Vec<i16> {
        self.interleaved.iter().step_by(2).copied().collect()
    }

    pub fn right(&self) -> Vec<i16> {
        self.interleaved
            .iter()
            .skip(1)
            .step_by(2)
            .copied()
            .collect()
    }
}

/// Reads the headers and every page, without decoding audio.
pub fn read_info<R: Read + Seek>(input: R) -> Result<RecordingInfo, ReadError> {
    Ok(walk(input, false)?.info)
}

/// Reads and decodes the whole recording.
pub fn decode<R: Read + Seek>(input: R) -> Result<DecodedRecording, ReadError> {
    walk(input, true)
}

fn walk<R: Read + Seek>(input: R, decode_audio: bool) -> Result<DecodedRecording, ReadError> {
    let mut packets = PacketReader::new(input);
    let head = packets
        .read_packet()?
        .ok_or(ReadError::NotOpus("the stream is empty"))?;
    let (channels, pre_skip, input_rate_hz) = parse_head(&head.data)?;
    let tags_packet = packets
        .read_packet()?
        .ok_or(ReadError::NotOpus("no OpusTags header"))?;
    let tags = parse_tags(&tags_packet.data)?;

    let mut decoder = if decode_audio {
        Some(opus::Decoder::new(INPUT_RATE_HZ, opus_channels(channels)?)?)
    } else {
        None
    };
    let mut interleaved = Vec::new();
    let mut buffer = vec![0i16; MAX_DECODED_PER_CHANNEL * channels as usize];
    let mut last_granule = 0u64;
    let mut complete = false;
    // A file cut off mid-page (not ours: we write whole pages) ends the walk there.
    while let Ok(Some(packet)) = packets.read_packet() {
        if packet.last_in_page() {
            last_granule = packet.absgp_page();
        }
        complete = packet.last_in_stream();
        if let Some(decoder) = decoder.as_mut() {
            let per_channel = decoder.decode(&packet.data, &mut buffer, false)?;
            interleaved.extend_from_slice(&buffer[..per_channel * channels as usize]);
        }
    }
    let playable = last_granule.saturating_sub(pre_skip as u64) / GRANULE_PER_INPUT_SAMPLE;
    if decode_audio {
        let skip = (pre_skip as u64 / GRANULE_PER_INPUT_SAMPLE) as usize * channels as usize;
        let keep = playable as usize * channels as usize;
        interleaved = interleaved.into_iter().skip(skip).take(keep).collect();
    }
    Ok(DecodedRecording {
        info: RecordingInfo {
            channels,
            pre_skip,
            input_rate_hz,
            tags,
            duration_ms: playable * 1000 / INPUT_RATE_HZ as u64,
            complete,
        },
        interleaved,
    })
}

fn opus_channels(channels: u8) -> Result<opus::Channels, ReadError> {
    match channels {
        1 => Ok(opus::Channels::Mono),
        2 => Ok(opus::Channels::Stereo),
        _ => Err(ReadError::NotOpus(
            "only mono and stereo recordings are read",
        )),
    }
}

fn parse_head(head: &[u8]) -> Result<(u8, u16, u32), ReadError> {
    if head.len() < 19 || &head[..8] != b"OpusHead" {
        return Err(ReadError::NotOpus("the first packet is not OpusHead"));
    }
    if head[8] != 1 {
        return Err(ReadError::NotOpus("OpusHead version is not 1"));
    }
    let channels = head[9];
    let pre_skip = u16::from_le_bytes([head[10], head[11]]);
    let input_rate = u32::from_le_bytes([head[12], head[13], head[14], head[15]]);
    Ok((channels, pre_skip, input_rate))
}

fn parse_tags(packet: &[u8]) -> Result<Vec<(String, String)>, ReadError> {
    const BAD: ReadError = ReadError::NotOpus("OpusTags is malformed");
    if packet.len() < 16 || &packet[..8] != b"OpusTags" {
        return Err(ReadError::NotOpus("the second packet is not OpusTags"));
    }
    let mut at = 8;
    let take_len = |at: &mut usize| -> Result<usize, ReadError> {
        let bytes = packet.get(*at..*at + 4).ok_or(BAD)?;
        *at += 4;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize)
    };
    let vendor_len = take_len(&mut at)?;
    at = at
        .checked_add(vendor_len)
        .filter(|&end| end <= packet.len())
        .ok_or(BAD)?;
    let count = take_len(&mut at)?;
    let mut tags = Vec::new();
    for _ in 0..count {
        let len = take_len(&mut at)?;
        let text = packet.get(at..at + len).ok_or(BAD)?;
        at += len;
        let text = String::from_utf8_lossy(text);
        if let Some((key, value)) = text.split_once('=') {
            tags.push((key.to_string(), value.to_string()));
        }
    }
    Ok(tags)
}
