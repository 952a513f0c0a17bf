//! ITU-T G.711 A-law and µ-law companding, bit-exact to the ITU-T G.191 reference
//! implementation (STL `g711.c` behaviour, written afresh here).
//!
//! A-law works on the 13-bit magnitude taken from the top of the 16-bit sample; negative
//! samples use the one's complement, so `-1` and `0` both land in the smallest interval.
//! Even bits are inverted (XOR 0x55) on the wire.
//!
//! µ-law works on the 14-bit magnitude with a bias of 33 and inverts all bits (XOR 0xFF).
//! µ-law has two zero codes: 0xFF (+0) and 0x7F (-0). Both decode to 0, and 0 encodes to
//! 0xFF, so 0x7F is the one code that does not survive `encode(decode(code))`.

/// A-law even-bit inversion mask (G.711 §3.2 "bits 2, 4, 6 and 8 are inverted").
const ALAW_INVERT: u8 = 0x55;
/// µ-law inverts every bit of the code.
const ULAW_INVERT: u8 = 0xFF;
/// µ-law bias (in 14-bit units) that makes the segments start at powers of two.
const ULAW_BIAS: i32 = 33;
/// Largest biased 14-bit µ-law magnitude; louder samples clip into the top interval.
const ULAW_MAX_BIASED: i32 = 0x1FFF;
const SIGN_BIT: u8 = 0x80;

/// Encodes one 16-bit linear sample as an A-law code.
pub fn alaw_encode(sample: i16) -> u8 {
    // One's complement for negatives keeps the quantiser symmetric around -0.5 LSB.
    let magnitude = if sample < 0 { !sample } else { sample };
    // 12 significant magnitude bits (the 13th is the sign).
    let mut value = (magnitude >> 4) as u16;
    let mut code: u16 = value;
    if value > 15 {
        let mut segment: u16 = 1;
        while value > 31 {
            value >>= 1;
            segment += 1;
        }
        code = (segment << 4) | (value - 16);
    }
    let sign = if sample >= 0 { SIGN_BIT } else { 0 };
    (code as u8 | sign) ^ ALAW_INVERT
}

/// Decodes one A-law code to the 16-bit linear value at the middle of its interval.
pub fn alaw_decode(code: u8) -> i16 {
    let raw = code ^ ALAW_INVERT;
    let segment = (raw & 0x7F) >> 4;
    let mut mantissa = i32::from(raw & 0x0F);
    if segment > 0 {
        mantissa += 16;
    }
    let mut value = (mantissa << 4) + 8;
    if segment > 1 {
        value <<= segment - 1;
    }
    if raw & SIGN_BIT != 0 {
        value as i16
    } else {
        -value as i16
    }
}

/// Encodes one 16-bit linear sample as a µ-law code.
pub fn ulaw_encode(sample: i16) -> u8 {
    let magnitude = if sample < 0 { !sample } else { sample };
    let biased = ((i32::from(magnitude) >> 2) + ULAW_BIAS).min(ULAW_MAX_BIASED);
    // Segment number = position of the highest set bit above bit 5.
    let mut segment_plus_one: i32 = 1;
    let mut rest = biased >> 6;
    while rest != 0 {
        segment_plus_one += 1;
        rest >>= 1;
    }
    let step_index = (biased >> segment_plus_one) & 0x0F;
    // Built already inverted: high nibble 7-segment, low nibble 15-step.
    let code = (((8 - segment_plus_one) << 4) | (0x0F - step_index)) as u8;
    if sample >= 0 {
        code | SIGN_BIT
    } else {
        code
    }
}

/// Decodes one µ-law code to the 16-bit linear value at the middle of its interval.
pub fn ulaw_decode(code: u8) -> i16 {
    let raw = code ^ ULAW_INVERT;
    let segment = i32::from((raw >> 4) & 0x07);
    let step_index = i32::from(raw & 0x0F);
    let step = 4 << (segment + 1);
    let magnitude = (0x80 << segment) + step * step_index + step / 2 - 4 * ULAW_BIAS;
    // After inversion a set sign bit means negative.
    if raw & SIGN_BIT != 0 {
        -magnitude as i16
    } else {
        magnitude as i16
    }
}

/// Encodes `samples` into `codes` as A-law; extra elements of the longer slice are left alone.
/// Returns how many samples were converted.
pub fn alaw_encode_slice(samples: &[i16], codes: &mut [u8]) -> usize {
    convert(samples, codes, alaw_encode)
}

/// Decodes `codes` into `samples` from A-law. Returns how many codes were converted.
pub fn alaw_decode_slice(codes: &[u8], samples: &mut [i16]) -> usize {
    convert(codes, samples, alaw_decode)
}

/// Encodes `samples` into `codes` as µ-law. Returns how many samples were converted.
pub fn ulaw_encode_slice(samples: &[i16], codes: &mut [u8]) -> usize {
    convert(samples, codes, ulaw_encode)
}

/// Decodes `codes` into `samples` from µ-law. Returns how many codes were converted.
pub fn ulaw_decode_slice(codes: &[u8], samples: &mut [i16]) -> usize {
    convert(codes, samples, ulaw_decode)
}

fn convert<In: Copy, Out>(input: &[In], output: &mut [Out], f: fn(In) -> Out) -> usize {
    let count = input.len().min(output.len());
    for (out, &value) in output.iter_mut().zip(input.iter()) {
        *out = f(value);
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_helpers_convert_the_shorter_length() {
        let samples = [0i16, 1000, -1000, 32767];
        let mut codes = [0u8; 3];
        assert_eq!(alaw_encode_slice(&samples, &mut codes), 3);
        assert_eq!(
            codes,
            [alaw_encode(0), alaw_encode(1000), alaw_encode(-1000)]
        );
        let mut back = [7i16; 5];
        assert_eq!(ulaw_decode_slice(&[0xFF, 0x80], &mut back), 2);
        assert_eq!(back, [0, 32124, 7, 7, 7]);
        let mut ucodes = [0u8; 4];
        assert_eq!(ulaw_encode_slice(&samples, &mut ucodes), 4);
        assert_eq!(ucodes[3], 0x80);
        let mut adec = [0i16; 2];
        assert_eq!(alaw_decode_slice(&[0xD5, 0x2A], &mut adec), 2);
        assert_eq!(adec, [8, -32256]);
    }
}
