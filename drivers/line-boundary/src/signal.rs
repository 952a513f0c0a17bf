//! Named bits of the per-channel signalling byte: what a channel's signalling says, one
//! byte per channel per 20 ms block. The soft-hardware wire format carries this byte as
//! is (the table in `drivers/soft-hardware/WIRE-FORMAT.md`); port and span actors read and
//! write it through these names.
//!
//! Ports: the *line* side (telco line or box feeding a phone) sends [`RINGING`],
//! [`REVERSED`], [`BATTERY`]; the *loop* side (box on an FXO, phone on an FXS) sends
//! [`OFF_HOOK`]. E1: CAS bits `ABCD` in bits 3..0 ([`Abcd`]).

/// Ringing voltage present (line side → loop side).
pub const RINGING: u8 = 1 << 0;
/// Polarity reversed (line side → loop side).
pub const REVERSED: u8 = 1 << 1;
/// Battery / line feed present (line side → loop side).
pub const BATTERY: u8 = 1 << 2;
/// Loop closed (loop side → line side).
pub const OFF_HOOK: u8 = 1 << 0;

/// Builds a line-side byte.
pub const fn line(ringing: bool, reversed: bool, battery: bool) -> u8 {
    ((ringing as u8) * RINGING) | ((reversed as u8) * REVERSED) | ((battery as u8) * BATTERY)
}
pub const fn is_ringing(signal: u8) -> bool {
    signal & RINGING != 0
}
pub const fn is_reversed(signal: u8) -> bool {
    signal & REVERSED != 0
}
pub const fn has_battery(signal: u8) -> bool {
    signal & BATTERY != 0
}

/// Builds a loop-side byte.
pub const fn hook(off_hook: bool) -> u8 {
    (off_hook as u8) * OFF_HOOK
}
pub const fn is_off_hook(signal: u8) -> bool {
    signal & OFF_HOOK != 0
}

/// E1 CAS bits of one timeslot.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug, Hash)]
pub struct Abcd {
    pub a: bool,
    pub b: bool,
    pub c: bool,
    pub d: bool,
}

impl Abcd {
    /// From a signalling byte; bits above D are ignored.
    pub const fn from_byte(signal: u8) -> Abcd {
        Abcd {
            a: signal & 0b1000 != 0,
            b: signal & 0b0100 != 0,
            c: signal & 0b0010 != 0,
            d: signal & 0b0001 != 0,
        }
    }
    pub const fn to_byte(self) -> u8 {
        ((self.a as u8) << 3) | ((self.b as u8) << 2) | ((self.c as u8) << 1) | (self.d as u8)
    }
    /// From a 4-bit nibble written as on paper: `0b1001` is A=1 B=0 C=0 D=1.
    pub const fn from_nibble(abcd: u8) -> Abcd {
        Abcd::from_byte(abcd)
    }
}

/// Whether E1 timeslot `ts` carries CAS bits (1–15 and 17–31); 0 and 16 carry 0.
pub const fn is_cas_timeslot(ts: usize) -> bool {
    matches!(ts, 1..=15 | 17..=31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_bits() {
        let s = line(true, false, true);
        assert_eq!(s, 0b101);
        assert!(is_ringing(s) && !is_reversed(s) && has_battery(s));
        assert!(is_off_hook(hook(true)) && !is_off_hook(hook(false)));
    }

    #[test]
    fn abcd_bit_order() {
        let x = Abcd {
            a: true,
            b: false,
            c: true,
            d: true,
        };
        assert_eq!(x.to_byte(), 0b1011);
        assert_eq!(Abcd::from_byte(0xF0 | 0b1011), x);
        for b in 0..16u8 {
            assert_eq!(Abcd::from_nibble(b).to_byte(), b);
        }
        assert!(
            !is_cas_timeslot(0)
                && !is_cas_timeslot(16)
                && is_cas_timeslot(1)
                && is_cas_timeslot(31)
        );
    }
}
