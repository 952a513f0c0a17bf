//! In-process stand-ins for the box, so simulators can be tested against each other.

use soft_hardware::{Block, DeviceKind};

pub use crate::pri_user::{lock as lock_user_span, PriUserSide, UserEvent, UserSpan};

/// Takes the place of the box behind a [`crate::Rig::simulated`]: once per tick it gets
/// every device's block (in rig order) and fills the block each device receives.
pub trait SimulatedBox {
    /// Called once with the rig's devices `(name, kind, id)` in rig order.
    fn attach(&mut self, devices: &[(String, DeviceKind, u16)]) -> Result<(), String>;
    fn tick(&mut self, now_ms: u64, from_far_ends: &[&Block], to_far_ends: &mut [Block]);
}

/// Cables a telco line (on an `fxo` name) straight to a phone (on an `fxs` name), as if
/// the phone were plugged into the telco's line: the phone sees the telco's battery,
/// ringing, polarity and audio (caller ID included); the telco sees the phone's loop.
/// Devices in no pair receive idle blocks (no battery, silence).
pub struct Patch {
    pairs: Vec<(String, String)>,
    resolved: Vec<(usize, usize)>,
}

impl Patch {
    /// `pairs` of (telco device name, phone device name).
    pub fn new(pairs: &[(&str, &str)]) -> Patch {
        Patch {
            pairs: pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            resolved: Vec::new(),
        }
    }
}

impl SimulatedBox for Patch {
    fn attach(&mut self, devices: &[(String, DeviceKind, u16)]) -> Result<(), String> {
        let find = |name: &str, kind: DeviceKind| {
            devices
                .iter()
                .position(|(n, k, _)| n == name && *k == kind)
                .ok_or_else(|| format!("patch needs a {kind} named {name:?}"))
        };
        self.resolved.clear();
        for (line, phone) in &self.pairs {
            self.resolved
                .push((find(line, DeviceKind::Fxo)?, find(phone, DeviceKind::Fxs)?));
        }
        Ok(())
    }

    fn tick(&mut self, _now_ms: u64, from: &[&Block], to: &mut [Block]) {
        for &(line, phone) in &self.resolved {
            if let (Some(l), Some(p)) = (from.get(line), from.get(phone)) {
                if let Some(t) = to.get_mut(phone) {
                    t.copy_from(l);
                }
                if let Some(t) = to.get_mut(line) {
                    t.copy_from(p);
                }
            }
        }
    }
}

/// Cables E1 far ends back to back in pairs, as a crossover cable would: what one sends
/// (alarms, the D-channel, every B-channel) is what the other receives. Two
/// [`crate::Carrier`]s, one with [`crate::PriRole::User`], then talk PRI to each other
/// without a box. Devices in no pair receive idle blocks.
pub struct Crossover {
    pairs: Vec<(String, String)>,
    resolved: Vec<(usize, usize)>,
}

impl Crossover {
    /// `pairs` of E1 device names.
    pub fn new(pairs: &[(&str, &str)]) -> Crossover {
        Crossover {
            pairs: pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            resolved: Vec::new(),
        }
    }
}

impl SimulatedBox for Crossover {
    fn attach(&mut self, devices: &[(String, DeviceKind, u16)]) -> Result<(), String> {
        let find = |name: &str| {
            devices
                .iter()
                .position(|(n, k, _)| n == name && *k == DeviceKind::E1)
                .ok_or_else(|| format!("crossover needs an E1 named {name:?}"))
        };
        self.resolved.clear();
        for (a, b) in &self.pairs {
            if a == b {
                return Err(format!("crossover: {a} cannot be cabled to itself"));
            }
            self.resolved.push((find(a)?, find(b)?));
        }
        Ok(())
    }

    fn tick(&mut self, _now_ms: u64, from: &[&Block], to: &mut [Block]) {
        for &(a, b) in &self.resolved {
            if let (Some(from_a), Some(from_b)) = (from.get(a), from.get(b)) {
                if let Some(t) = to.get_mut(b) {
                    t.copy_from(from_a);
                }
                if let Some(t) = to.get_mut(a) {
                    t.copy_from(from_b);
                }
            }
        }
    }
}
