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
