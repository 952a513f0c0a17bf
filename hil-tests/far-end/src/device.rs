//! What every far-end simulator is to the rig: a device that is fed the box's blocks and
//! asked for its own. Its own module so the simulators and the rig both depend on it
//! rather than on each other.

use soft_hardware::Block;

/// A far-end simulator: fed the box's blocks and asked for its own, once per 20 ms.
pub trait FarEndDevice {
    /// Our block for the tick starting at `now_ms`.
    fn produce(&mut self, now_ms: u64, out: &mut Block);
    /// The box's block for the tick starting at `now_ms`.
    fn consume(&mut self, now_ms: u64, inp: &Block);
    /// One line for logs and failure messages.
    fn state_summary(&self) -> String;
}
