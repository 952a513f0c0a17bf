//! Line conditions of a span or port: the alarm bits a device reports for each 20 ms
//! block (the BLOCK `conditions` byte of `drivers/soft-hardware/WIRE-FORMAT.md`). The span
//! actor turns them into [`Alarm`](crate::Alarm)s.

/// Line condition bits of a block: what the *receiver* of the block sees on its line.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct LineConditions(pub u8);

impl LineConditions {
    pub const NONE: LineConditions = LineConditions(0);
    /// Loss of signal: ignore audio and signalling of this block.
    pub const LOS: LineConditions = LineConditions(1 << 0);
    /// Alarm indication signal: the sender transmits all ones.
    pub const AIS: LineConditions = LineConditions(1 << 1);
    /// Remote alarm indication: the sender is itself in alarm.
    pub const RAI: LineConditions = LineConditions(1 << 2);

    pub const fn contains(self, other: LineConditions) -> bool {
        self.0 & other.0 == other.0
    }
    pub fn insert(&mut self, other: LineConditions) {
        self.0 |= other.0;
    }
    pub fn remove(&mut self, other: LineConditions) {
        self.0 &= !other.0;
    }
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

#[cfg(test)]
mod tests {
    use super::LineConditions;

    #[test]
    fn bits_are_the_wire_bits() {
        assert_eq!(LineConditions::LOS.0, 0b001);
        assert_eq!(LineConditions::AIS.0, 0b010);
        assert_eq!(LineConditions::RAI.0, 0b100);
        let mut c = LineConditions::NONE;
        assert!(c.is_empty());
        c.insert(LineConditions::LOS);
        c.insert(LineConditions::RAI);
        assert!(c.contains(LineConditions::LOS) && !c.contains(LineConditions::AIS));
        c.remove(LineConditions::LOS);
        assert_eq!(c, LineConditions::RAI);
    }
}
