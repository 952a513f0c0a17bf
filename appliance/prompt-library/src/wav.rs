//! Reading WAV files of any common format into mono samples at the file's own rate.
//!
//! We parse the RIFF chunks ourselves: one parser for every format the box accepts,
//! including G.711 A-law and µ-law (WAVE formats 6 and 7), which hound cannot read.
//! Accepted: PCM 8 (unsigned), 16, 24 and 32-bit; IEEE float 32 and 64-bit; A-law and
//! µ-law; `WAVE_FORMAT_EXTENSIBLE` carrying any of those. Channels are averaged.

use std::path::Path;

const FORMAT_PCM: u16 = 1;
const FORMAT_FLOAT: u16 = 3;
const FORMAT_ALAW: u16 = 6;
const FORMAT_ULAW: u16 = 7;
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// Mono audio, samples in -1.0..=1.0, at `rate` Hz.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    pub rate: u32,
    pub samples: Vec<f32>,
}

/// Why a WAV file cannot be read; the caller adds which file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WavError {
    #[error("cannot read: {0}")]
    Io(String),
    #[error("not a RIFF/WAVE file")]
    NotWave,
    #[error("truncated: {0}")]
    Truncated(String),
    #[error("no `fmt ` chunk before the `data` chunk")]
    NoFormat,
    #[error("no `data` chunk")]
    NoData,
    #[error("unsupported format: {0}")]
    Unsupported(String),
}

/// Reads and decodes a WAV file.
pub fn read_wav(path: &Path) -> Result<Audio, WavError> {
    let bytes = std::fs::read(path).map_err(|error| WavError::Io(error.to_string()))?;
    decode_wav(&bytes)
}

/// What the `fmt ` chunk says.
#[derive(Debug, Clone, Copy)]
struct Format {
    /// The effective format code (the sub-format of an extensible file).
    code: u16,
    channels: u16,
    rate: u32,
    block_align: u16,
    bits: u16,
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn parse_format(chunk: &[u8]) -> Result<Format, WavError> {
    let short = || WavError::Truncated(format!("`fmt ` chunk of {} bytes", chunk.len()));
    let tag = u16_at(chunk, 0).ok_or_else(short)?;
    let channels = u16_at(chunk, 2).ok_or_else(short)?;
    let rate = u32_at(chunk, 4).ok_or_else(short)?;
    let block_align = u16_at(chunk, 12).ok_or_else(short)?;
    let bits = u16_at(chunk, 14).ok_or_else(short)?;
    // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format
    // GUID, at offset 24 of the chunk.
    let code = if tag == FORMAT_EXTENSIBLE {
        u16_at(chunk, 24).ok_or_else(short)?
    } else {
        tag
    };
    if channels == 0 || rate == 0 {
        return Err(WavError::Unsupported(format!(
            "{channels} channel(s) at {rate} Hz"
        )));
    }
    Ok(Format {
        code,
        channels,
        rate,
        block_align,
        bits,
    })
}

/// Decodes a whole WAV file held in memory.
pub fn decode_wav(bytes: &[u8]) -> Result<Audio, WavError> {
    if bytes.get(0..4) != Some(b"RIFF") || bytes.get(8..12) != Some(b"WAVE") {
        return Err(WavError::NotWave);
    }
    let mut format = None;
    let mut at = 12;
    while at < bytes.len() {
        let (Some(id), Some(size)) = (bytes.get(at..at + 4), u32_at(bytes, at + 4)) else {
            return Err(WavError::Truncated(format!("chunk header at byte {at}")));
        };
        let body_start = at + 8;
        let size = size as usize;
        let available = bytes.len() - body_start;
        if id == b"data" {
            let format = format.ok_or(WavError::NoFormat)?;
            if size > available {
                return Err(WavError::Truncated(format!(
                    "the `data` chunk says {size} bytes, the file holds {available}"
                )));
            }
            return decode_samples(format, &bytes[body_start..body_start + size]);
        }
        if size > available {
            return Err(WavError::Truncated(format!(
                "chunk `{}` says {size} bytes, the file holds {available}",
                String::from_utf8_lossy(id)
            )));
        }
        if id == b"fmt " {
            format = Some(parse_format(&bytes[body_start..body_start + size])?);
        }
        // Chunks are padded to an even length.
        at = body_start + size + (size & 1);
    }
    Err(WavError::NoData)
}

fn decode_samples(format: Format, data: &[u8]) -> Result<Audio, WavError> {
    let decode: fn(&[u8]) -> f32 = match (format.code, format.bits) {
        (FORMAT_PCM, 8) => |b| (f32::from(b[0]) - 128.0) / 128.0,
        (FORMAT_PCM, 16) => |b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0,
        (FORMAT_PCM, 24) => |b| {
            // Sign-extend by placing the three bytes at the top of an i32.
            (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 / 8_388_608.0
        },
        (FORMAT_PCM, 32) => |b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32 / 2_147_483_648.0,
        (FORMAT_FLOAT, 32) => |b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        (FORMAT_FLOAT, 64) => |b| {
            f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32
        },
        (FORMAT_ALAW, 8) => |b| f32::from(dsp::g711::alaw_decode(b[0])) / 32768.0,
        (FORMAT_ULAW, 8) => |b| f32::from(dsp::g711::ulaw_decode(b[0])) / 32768.0,
        (code, bits) => {
            return Err(WavError::Unsupported(format!(
                "WAVE format {code} with {bits} bits per sample (accepted: PCM 8/16/24/32-bit, float 32/64-bit, A-law, µ-law)"
            )))
        }
    };
    let block = usize::from(format.block_align);
    let channels = usize::from(format.channels);
    let width = usize::from(format.bits / 8);
    // Every frame must hold a sample for every channel, or decoding would read past it.
    if block < channels * width {
        return Err(WavError::Unsupported(format!(
            "block size {block} for {channels} channel(s) of {} bits",
            format.bits
        )));
    }
    if !data.len().is_multiple_of(block) {
        return Err(WavError::Truncated(format!(
            "the `data` chunk holds {} bytes, not a whole number of {block}-byte frames",
            data.len()
        )));
    }
    let samples = data
        .chunks_exact(block)
        .map(|frame| {
            let sum: f32 = (0..channels)
                .map(|channel| decode(&frame[channel * width..(channel + 1) * width]))
                .sum();
            (sum / channels as f32).clamp(-1.0, 1.0)
        })
        .collect();
    Ok(Audio {
        rate: format.rate,
        samples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAV file in memory: `fmt ` with `code`, then `data`.
    fn wav(code: u16, channels: u16, rate: u32, bits: u16, data: &[u8]) -> Vec<u8> {
        let block = channels * bits / 8;
        let mut fmt = Vec::new();
        fmt.extend(code.to_le_bytes());
        fmt.extend(channels.to_le_bytes());
        fmt.extend(rate.to_le_bytes());
        fmt.extend((rate * u32::from(block)).to_le_bytes());
        fmt.extend(block.to_le_bytes());
        fmt.extend(bits.to_le_bytes());
        let mut out = b"RIFF\0\0\0\0WAVE".to_vec();
        out.extend(b"fmt ");
        out.extend((fmt.len() as u32).to_le_bytes());
        out.extend(&fmt);
        // A chunk of odd size before the data: padding must be skipped.
        out.extend(b"LIST\x03\0\0\0abc\0");
        out.extend(b"data");
        out.extend((data.len() as u32).to_le_bytes());
        out.extend(data);
        out
    }

    fn close(found: &[f32], expected: &[f32]) {
        assert_eq!(found.len(), expected.len(), "{found:?}");
        for (f, e) in found.iter().zip(expected) {
            assert!((f - e).abs() < 1e-3, "{found:?} vs {expected:?}");
        }
    }

    #[test]
    fn pcm_of_every_width_decodes() {
        let pcm8 = decode_wav(&wav(1, 1, 8000, 8, &[128, 255, 0])).unwrap();
        close(&pcm8.samples, &[0.0, 127.0 / 128.0, -1.0]);
        let pcm16 = decode_wav(&wav(1, 1, 16000, 16, &[0x00, 0x40, 0x00, 0xC0])).unwrap();
        assert_eq!(pcm16.rate, 16000);
        close(&pcm16.samples, &[0.5, -0.5]);
        let pcm24 = decode_wav(&wav(1, 1, 8000, 24, &[0, 0, 0x40, 0, 0, 0xC0])).unwrap();
        close(&pcm24.samples, &[0.5, -0.5]);
        let pcm32 = decode_wav(&wav(1, 1, 8000, 32, &[0, 0, 0, 0x40, 0, 0, 0, 0xC0])).unwrap();
        close(&pcm32.samples, &[0.5, -0.5]);
    }

    #[test]
    fn float_decodes() {
        let mut data = Vec::new();
        data.extend(0.25f32.to_le_bytes());
        data.extend((-0.75f32).to_le_bytes());
        close(
            &decode_wav(&wav(3, 1, 8000, 32, &data)).unwrap().samples,
            &[0.25, -0.75],
        );
        let mut data = Vec::new();
        data.extend(0.5f64.to_le_bytes());
        close(
            &decode_wav(&wav(3, 1, 8000, 64, &data)).unwrap().samples,
            &[0.5],
        );
    }

    #[test]
    fn g711_decodes_with_the_dsp_codec() {
        let samples = [1000i16, -2000, 8000];
        let alaw: Vec<u8> = samples.iter().map(|s| dsp::g711::alaw_encode(*s)).collect();
        let ulaw: Vec<u8> = samples.iter().map(|s| dsp::g711::ulaw_encode(*s)).collect();
        for (code, coded, decode) in [
            (6u16, &alaw, dsp::g711::alaw_decode as fn(u8) -> i16),
            (7, &ulaw, dsp::g711::ulaw_decode),
        ] {
            let audio = decode_wav(&wav(code, 1, 8000, 8, coded)).unwrap();
            let expected: Vec<f32> = coded
                .iter()
                .map(|c| f32::from(decode(*c)) / 32768.0)
                .collect();
            close(&audio.samples, &expected);
            // Companding keeps each sample within a few percent.
            for (found, original) in audio.samples.iter().zip(samples) {
                assert!(
                    (found * 32768.0 - f32::from(original)).abs()
                        < 0.04 * f32::from(original).abs() + 16.0
                );
            }
        }
    }

    #[test]
    fn stereo_is_mixed_down() {
        let data = [0x00, 0x40, 0x00, 0x00, 0x00, 0xC0, 0x00, 0xC0];
        let audio = decode_wav(&wav(1, 2, 44100, 16, &data)).unwrap();
        close(&audio.samples, &[0.25, -0.5]);
    }

    #[test]
    fn extensible_format_uses_its_sub_format() {
        let mut bytes = wav(1, 1, 8000, 16, &[0x00, 0x40]);
        // Rewrite as WAVE_FORMAT_EXTENSIBLE: tag 0xFFFE, 22 more bytes, sub-format PCM.
        let fmt_start = 20;
        bytes[fmt_start..fmt_start + 2].copy_from_slice(&0xFFFEu16.to_le_bytes());
        let mut extra = vec![22, 0, 16, 0, 4, 0, 0, 0, 1, 0];
        extra.extend([0u8; 14]);
        bytes.splice(fmt_start + 16..fmt_start + 16, extra);
        bytes[16..20].copy_from_slice(&40u32.to_le_bytes());
        close(&decode_wav(&bytes).unwrap().samples, &[0.5]);
    }

    #[test]
    fn broken_files_are_refused_with_the_reason() {
        assert_eq!(decode_wav(b"not a wav"), Err(WavError::NotWave));
        let whole = wav(1, 1, 8000, 16, &[0, 0, 0, 0]);
        let cut = &whole[..whole.len() - 1];
        assert!(
            matches!(decode_wav(cut), Err(WavError::Truncated(_))),
            "{:?}",
            decode_wav(cut)
        );
        let header_only = &whole[..14];
        assert!(matches!(
            decode_wav(header_only),
            Err(WavError::Truncated(_))
        ));
        let odd = wav(1, 1, 8000, 16, &[0, 0, 0]);
        assert!(matches!(decode_wav(&odd), Err(WavError::Truncated(_))));
        let adpcm = wav(2, 1, 8000, 4, &[0, 0]);
        let error = decode_wav(&adpcm).unwrap_err().to_string();
        assert!(error.contains("format 2"), "{error}");
        let no_data = &whole[..whole.len() - 12];
        assert_eq!(decode_wav(no_data), Err(WavError::NoData));
    }
}
