/// Audio at the line boundary is 8 kHz linear PCM.
pub const SAMPLE_RATE_HZ: u32 = 8_000;
/// Every frame that crosses the line boundary covers 20 ms.
pub const FRAME_MS: u32 = 20;
/// Samples in one 20 ms frame at 8 kHz.
pub const FRAME_SAMPLES: usize = (SAMPLE_RATE_HZ * FRAME_MS / 1000) as usize;

/// One 20 ms frame of 16-bit linear audio for one channel.
pub type AudioFrame = [i16; FRAME_SAMPLES];
