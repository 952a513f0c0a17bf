//! G.711 conformance: table values, round trips, monotonicity and decision intervals.
//! The decision intervals are derived here from the G.711 segment tables, not from the
//! encoder, so an encoder bug cannot hide behind a mirrored test.

use dsp::g711::{alaw_decode, alaw_encode, ulaw_decode, ulaw_encode};

/// A half-open interval of 16-bit linear inputs `[low, high)` (as i32 to hold 32768).
#[derive(Debug, Clone, Copy)]
struct Interval {
    low: i32,
    high: i32,
}

/// Magnitude intervals per code (sign bit excluded) for A-law, in 16-bit units, from the
/// segment table: segment 0 and 1 step 16, then doubling; segment s>=1 starts at 256<<(s-1).
fn alaw_magnitude_interval(segment: i32, step_index: i32) -> Interval {
    let (start, step) = if segment == 0 {
        (0, 16)
    } else {
        (256 << (segment - 1), 16 << (segment - 1))
    };
    Interval {
        low: start + step_index * step,
        high: start + (step_index + 1) * step,
    }
}

/// µ-law: in biased 14-bit units segment s spans [32<<s, 64<<s) in 16 steps of 2<<s;
/// unbias (−33) and scale by 4 to get 16-bit units. The lowest interval starts at 0 and
/// the top one extends to full scale, because the encoder clips louder inputs into it.
fn ulaw_magnitude_interval(segment: i32, step_index: i32) -> Interval {
    let biased_low = (32 << segment) + step_index * (2 << segment);
    let biased_high = biased_low + (2 << segment);
    let is_top = segment == 7 && step_index == 15;
    Interval {
        low: ((biased_low - 33) * 4).max(0),
        high: if is_top {
            32768
        } else {
            (biased_high - 33) * 4
        },
    }
}

/// Magnitude interval [L,H) applies to `x` for x >= 0 and to `!x = -x-1` for negatives.
fn contains(magnitude: Interval, positive: bool, x: i32) -> bool {
    let m = if positive { x } else { -x - 1 };
    (positive == (x >= 0)) && m >= magnitude.low && m < magnitude.high
}

fn alaw_interval_of_code(code: u8) -> (Interval, bool) {
    let raw = code ^ 0x55;
    let positive = raw & 0x80 != 0;
    (
        alaw_magnitude_interval(i32::from((raw >> 4) & 7), i32::from(raw & 15)),
        positive,
    )
}

fn ulaw_interval_of_code(code: u8) -> (Interval, bool) {
    let raw = code ^ 0xFF;
    let positive = raw & 0x80 == 0;
    (
        ulaw_magnitude_interval(i32::from((raw >> 4) & 7), i32::from(raw & 15)),
        positive,
    )
}

#[test]
fn alaw_decode_matches_g711_table_values() {
    assert_eq!(alaw_decode(0xD5), 8);
    assert_eq!(alaw_decode(0x55), -8);
    assert_eq!(alaw_decode(0xAA), 32256);
    assert_eq!(alaw_decode(0x2A), -32256);
    // Segment 1 first step and segment 2 first step (G.711 table 1a).
    assert_eq!(alaw_decode(0x10 ^ 0x55 | 0x80), 264);
    assert_eq!(alaw_decode(0x20 ^ 0x55 | 0x80), 528);
}

#[test]
fn ulaw_decode_matches_g711_table_values() {
    assert_eq!(ulaw_decode(0xFF), 0);
    assert_eq!(ulaw_decode(0x7F), 0);
    assert_eq!(ulaw_decode(0x80), 32124);
    assert_eq!(ulaw_decode(0x00), -32124);
    assert_eq!(ulaw_decode(0xFE), 8);
    assert_eq!(ulaw_decode(0xEF), 132);
}

#[test]
fn every_alaw_code_decodes_to_the_middle_of_its_interval_and_round_trips() {
    for code in 0..=255u8 {
        let (interval, positive) = alaw_interval_of_code(code);
        let decoded = i32::from(alaw_decode(code));
        let middle = (interval.low + interval.high) / 2;
        assert_eq!(
            decoded,
            if positive { middle } else { -middle },
            "code {code:#04x}"
        );
        assert_eq!(alaw_encode(alaw_decode(code)), code, "code {code:#04x}");
    }
}

#[test]
fn every_ulaw_code_round_trips_except_negative_zero() {
    for code in 0..=255u8 {
        let expected = if code == 0x7F { 0xFF } else { code };
        assert_eq!(ulaw_encode(ulaw_decode(code)), expected, "code {code:#04x}");
    }
}

#[test]
fn every_input_falls_in_the_decision_interval_of_its_alaw_code() {
    for x in i16::MIN..=i16::MAX {
        let code = alaw_encode(x);
        let (interval, positive) = alaw_interval_of_code(code);
        assert!(
            contains(interval, positive, i32::from(x)),
            "x={x} code={code:#04x} {interval:?}"
        );
    }
}

#[test]
fn every_input_falls_in_the_decision_interval_of_its_ulaw_code() {
    for x in i16::MIN..=i16::MAX {
        let code = ulaw_encode(x);
        let (interval, positive) = ulaw_interval_of_code(code);
        assert!(
            contains(interval, positive, i32::from(x)),
            "x={x} code={code:#04x} {interval:?}"
        );
    }
}

#[test]
fn the_decision_intervals_tile_the_whole_input_range() {
    let mut alaw_total = 0i64;
    let mut ulaw_total = 0i64;
    for code in 0..=255u8 {
        let (a, _) = alaw_interval_of_code(code);
        alaw_total += i64::from(a.high - a.low);
        if code != 0x7F && code != 0xFF {
            let (u, _) = ulaw_interval_of_code(code);
            ulaw_total += i64::from(u.high - u.low);
        }
    }
    // Both zero codes of µ-law each take [0,4) of their sign's magnitudes.
    ulaw_total += 8;
    assert_eq!(alaw_total, 65536);
    assert_eq!(ulaw_total, 65536);
}

/// Orders codes by the value they represent, independent of the wire inversions.
fn alaw_rank(code: u8) -> i32 {
    let raw = code ^ 0x55;
    let magnitude = i32::from(raw & 0x7F);
    if raw & 0x80 != 0 {
        magnitude
    } else {
        -magnitude - 1
    }
}

fn ulaw_rank(code: u8) -> i32 {
    let raw = code ^ 0xFF;
    let magnitude = i32::from(raw & 0x7F);
    if raw & 0x80 == 0 {
        magnitude
    } else {
        -magnitude - 1
    }
}

#[test]
fn encoding_is_monotonic_over_all_inputs() {
    let mut previous_alaw = i32::MIN;
    let mut previous_ulaw = i32::MIN;
    for x in i16::MIN..=i16::MAX {
        let a = alaw_rank(alaw_encode(x));
        let u = ulaw_rank(ulaw_encode(x));
        assert!(a >= previous_alaw, "A-law not monotonic at {x}");
        assert!(u >= previous_ulaw, "µ-law not monotonic at {x}");
        previous_alaw = a;
        previous_ulaw = u;
    }
    assert_eq!(previous_alaw, 127);
    assert_eq!(previous_ulaw, 127);
}
