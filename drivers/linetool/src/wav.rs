//! WAV files as the line carries audio: 8 kHz mono, 16-bit linear PCM (format tag 1),
//! A-law (6) or µ-law (7). Anything else is refused with a reason a field engineer can
//! act on.

use dsp::g711;
use std::fmt;
use std::path::Path;

pub const RATE_HZ: u32 = 8000;

const TAG_PCM: u16 = 1;
const TAG_FLOAT: u16 = 3;
const TAG_ALAW: u16 = 6;
const TAG_ULAW: u16 = 7;
const TAG_EXTENSIBLE: u16 = 0xFFFE;

/// How samples are stored in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Encoding {
    /// 16-bit linear PCM (format tag 1).
    Linear,
    /// G.711 A-law (format tag 6).
    Alaw,
    /// G.711 µ-law (format tag 7).
    Ulaw,
}

impl Encoding {
    fn tag(self) -> u16 {
        match self {
            Encoding::Linear => TAG_PCM,
            Encoding::Alaw => TAG_ALAW,
            Encoding::Ulaw => TAG_ULAW,
        }
    }

    fn bits(self) -> u16 {
        match self {
            Encoding::Linear => 16,
            Encoding::Alaw | Encoding::Ulaw => 8,
        }
    }
}

/// Why a file is not audio linetool can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WavError {
    NotWav,
    Truncated { what: String },
    MissingChunk { chunk: &'static str },
    UnsupportedFormat { tag: u16, bits: u16 },
    Channels { channels: u16 },
    Rate { rate: u32 },
    Inconsistent { what: String },
}

impl fmt::Display for WavError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WavError::NotWav => write!(f, "not a WAV file (no RIFF/WAVE header)"),
            WavError::Truncated { what } => write!(f, "truncated WAV file: {what}"),
            WavError::MissingChunk { chunk } => write!(f, "WAV file has no {chunk:?} chunk"),
            WavError::UnsupportedFormat { tag, bits } => {
                let name = match *tag {
                    TAG_PCM => "PCM",
                    TAG_FLOAT => "IEEE float",
                    TAG_ALAW => "A-law",
                    TAG_ULAW => "µ-law",
                    _ => "unknown",
                };
                write!(
                    f,
                    "unsupported sample format: tag {tag} ({name}) with {bits} bits per sample; \
                     expected 16-bit PCM (tag 1), 8-bit A-law (tag 6) or 8-bit µ-law (tag 7)"
                )
            }
            WavError::Channels { channels } => write!(
                f,
                "has {channels} channels; linetool needs mono (e.g. `sox IN -c 1 OUT.wav`)"
            ),
            WavError::Rate { rate } => write!(
                f,
                "sample rate is {rate} Hz; linetool needs {RATE_HZ} Hz (e.g. `sox IN -r 8000 OUT.wav`)"
            ),
            WavError::Inconsistent { what } => write!(f, "inconsistent WAV header: {what}"),
        }
    }
}

impl std::error::Error for WavError {}

/// Decoded audio and how it was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audio {
    pub samples: Vec<i16>,
    pub encoding: Encoding,
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

struct Format {
    tag: u16,
    channels: u16,
    rate: u32,
    block_align: u16,
    bits: u16,
}

fn parse_format(body: &[u8]) -> Result<Format, WavError> {
    if body.len() < 16 {
        return Err(WavError::Truncated {
            what: format!("\"fmt \" chunk is {} bytes, needs at least 16", body.len()),
        });
    }
    let mut tag = u16_at(body, 0);
    if tag == TAG_EXTENSIBLE {
        // WAVE_FORMAT_EXTENSIBLE: the real tag is the first two bytes of the sub-format GUID.
        if body.len() < 26 {
            return Err(WavError::Truncated {
                what: "extensible \"fmt \" chunk too short for its sub-format".into(),
            });
        }
        tag = u16_at(body, 24);
    }
    Ok(Format {
        tag,
        channels: u16_at(body, 2),
        rate: u32_at(body, 4),
        block_align: u16_at(body, 12),
        bits: u16_at(body, 14),
    })
}

/// Parses a WAV file image.
pub fn decode(bytes: &[u8]) -> Result<Audio, WavError> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(WavError::NotWav);
    }
    let mut at = 12;
    let mut format = None;
    let mut data = None;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32_at(bytes, at + 4) as usize;
        let body_start = at + 8;
        let available = bytes.len() - body_start;
        if id == b"fmt " {
            if size > available {
                return Err(WavError::Truncated {
                    what: format!("\"fmt \" chunk declares {size} bytes, {available} present"),
                });
            }
            format = Some(parse_format(&bytes[body_start..body_start + size])?);
        } else if id == b"data" {
            if size > available {
                return Err(WavError::Truncated {
                    what: format!("\"data\" chunk declares {size} bytes, only {available} present"),
                });
            }
            data = Some(&bytes[body_start..body_start + size]);
            break;
        }
        // Chunks are padded to an even length.
        at = body_start.saturating_add(size).saturating_add(size & 1);
    }
    let format = format.ok_or(WavError::MissingChunk { chunk: "fmt " })?;
    let data = data.ok_or(WavError::MissingChunk { chunk: "data" })?;
    let encoding = match (format.tag, format.bits) {
        (TAG_PCM, 16) => Encoding::Linear,
        (TAG_ALAW, 8) => Encoding::Alaw,
        (TAG_ULAW, 8) => Encoding::Ulaw,
        (tag, bits) => return Err(WavError::UnsupportedFormat { tag, bits }),
    };
    if format.channels != 1 {
        return Err(WavError::Channels {
            channels: format.channels,
        });
    }
    if format.rate != RATE_HZ {
        return Err(WavError::Rate { rate: format.rate });
    }
    let bytes_per_sample = usize::from(encoding.bits() / 8);
    if usize::from(format.block_align) != bytes_per_sample {
        return Err(WavError::Inconsistent {
            what: format!(
                "block align {} for mono {}-bit samples",
                format.block_align,
                encoding.bits()
            ),
        });
    }
    if data.len() % bytes_per_sample != 0 {
        return Err(WavError::Truncated {
            what: format!("\"data\" chunk of {} bytes ends mid-sample", data.len()),
        });
    }
    let samples = match encoding {
        Encoding::Linear => data
            .chunks_exact(2)
            .map(|pair| i16::from_le_bytes([pair[0], pair[1]]))
            .collect(),
        Encoding::Alaw => data.iter().map(|&code| g711::alaw_decode(code)).collect(),
        Encoding::Ulaw => data.iter().map(|&code| g711::ulaw_decode(code)).collect(),
    };
    Ok(Audio { samples, encoding })
}

/// The WAV file image of `samples` at 8 kHz mono.
pub fn encode(samples: &[i16], encoding: Encoding) -> Vec<u8> {
    let data: Vec<u8> = match encoding {
        Encoding::Linear => samples.iter().flat_map(|s| s.to_le_bytes()).collect(),
        Encoding::Alaw => samples.iter().map(|&s| g711::alaw_encode(s)).collect(),
        Encoding::Ulaw => samples.iter().map(|&s| g711::ulaw_encode(s)).collect(),
    };
    let bytes_per_sample = u32::from(encoding.bits() / 8);
    let compressed = encoding != Encoding::Linear;
    // Non-PCM formats carry cbSize in "fmt " and a "fact" chunk (sample count).
    let fmt_size: u32 = if compressed { 18 } else { 16 };
    let fact_size: u32 = if compressed { 12 } else { 0 };
    let pad = data.len() & 1;
    let riff_size = 4 + 8 + fmt_size + fact_size + 8 + data.len() as u32 + pad as u32;
    let mut out = Vec::with_capacity(riff_size as usize + 8);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&riff_size.to_le_bytes());
    out.extend_from_slice(b"WAVE");
    out.extend_from_slice(b"fmt ");
    out.extend_from_slice(&fmt_size.to_le_bytes());
    out.extend_from_slice(&encoding.tag().to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&RATE_HZ.to_le_bytes());
    out.extend_from_slice(&(RATE_HZ * bytes_per_sample).to_le_bytes());
    out.extend_from_slice(&(bytes_per_sample as u16).to_le_bytes());
    out.extend_from_slice(&encoding.bits().to_le_bytes());
    if compressed {
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(b"fact");
        out.extend_from_slice(&4u32.to_le_bytes());
        out.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&data);
    if pad == 1 {
        out.push(0);
    }
    out
}

/// Reads and decodes `path`; errors name the file.
pub fn read(path: &Path) -> anyhow::Result<Audio> {
    let bytes =
        std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    decode(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Encodes and writes `path`; errors name the file.
pub fn write(path: &Path, samples: &[i16], encoding: Encoding) -> anyhow::Result<()> {
    std::fs::write(path, encode(samples, encoding))
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_each_encoding() {
        let samples: Vec<i16> = (0..801)
            .map(|n| ((n * 37) % 2000 - 1000) as i16 * 16)
            .collect();
        for encoding in [Encoding::Linear, Encoding::Alaw, Encoding::Ulaw] {
            let audio = decode(&encode(&samples, encoding)).expect("decodes");
            assert_eq!(audio.encoding, encoding);
            assert_eq!(audio.samples.len(), samples.len());
            if encoding == Encoding::Linear {
                assert_eq!(audio.samples, samples);
            }
        }
    }

    #[test]
    fn refusals_say_why() {
        let good = encode(&[1, 2, 3], Encoding::Linear);
        assert_eq!(decode(b"hello world, not a wav"), Err(WavError::NotWav));
        assert!(matches!(
            decode(&good[..good.len() - 1]),
            Err(WavError::Truncated { .. })
        ));
        let mut stereo = good.clone();
        stereo[22] = 2;
        stereo[32] = 4;
        assert_eq!(decode(&stereo), Err(WavError::Channels { channels: 2 }));
        let mut fast = good.clone();
        fast[24..28].copy_from_slice(&44_100u32.to_le_bytes());
        assert_eq!(decode(&fast), Err(WavError::Rate { rate: 44_100 }));
        let mut float = good;
        float[20] = 3;
        float[34] = 32;
        assert_eq!(
            decode(&float),
            Err(WavError::UnsupportedFormat { tag: 3, bits: 32 })
        );
    }
}
