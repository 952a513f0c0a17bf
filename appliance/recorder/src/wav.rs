//! A decoded recording as a WAV file (16-bit PCM), for the download that plays anywhere.

use crate::ogg_read::DecodedRecording;

/// The whole WAV file: RIFF header, `fmt ` and `data` chunks.
pub fn wav_bytes(recording: &DecodedRecording) -> Vec<u8> {
    let channels = recording.info.channels.max(1) as u16;
    let rate = crate::ogg_opus::INPUT_RATE_HZ;
    let data_len = (recording.interleaved.len() * 2) as u32;
    let block_align = channels * 2;
    let mut wav = Vec::with_capacity(44 + data_len as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&channels.to_le_bytes());
    wav.extend_from_slice(&rate.to_le_bytes());
    wav.extend_from_slice(&(rate * block_align as u32).to_le_bytes());
    wav.extend_from_slice(&block_align.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    for sample in &recording.interleaved {
        wav.extend_from_slice(&sample.to_le_bytes());
    }
    wav
}
