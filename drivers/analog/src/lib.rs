//! Loop-start analog signalling, sans-IO.
//!
//! Two state machines, shaped like quinn-proto's `Connection`: feed them input with the
//! current engine time (`handle_*(now_ms, ..)`), drain their output (`poll_event`,
//! `poll_action`) and wake them at `poll_timeout` with `handle_timeout`. No clocks,
//! sockets or threads inside, so a test is a loop over a script of inputs and times.
//!
//! - [`FxoLine`]: the box is the terminal on a telco loop-start line (ring detection,
//!   caller ID, answer, outbound dialling, disconnect supervision).
//! - [`FxsPort`]: the box feeds an analog phone (hook debounce, flash, dial tone, digit
//!   collection, ringing cadence with caller ID).

mod cadence;
mod error;
mod fxo;
mod fxs;

pub use cadence::{CallerIdInfo, CallerIdMode, CidStandard, RingCadence};
pub use error::AnalogError;
pub use fxo::{
    AnswerSupervision, DisconnectSupervision, FxoAction, FxoConfig, FxoLine, FxoState,
    LineFromTelco,
};
pub use fxs::{FxsAction, FxsConfig, FxsPort, FxsState};

/// Upper bound on timers one `handle_*` call processes, so a misconfigured zero-length
/// timer can never spin a caller forever.
const MAX_TIMER_STEPS: usize = 32;

/// The clock discipline both stacks share: time never runs backwards, and every timer
/// that is due fires, in order, before new input is looked at.
trait Clocked {
    fn clock(&mut self) -> &mut u64;
    /// Fires the first due timer; false when none is due.
    fn fire_next_timer(&mut self, now: u64) -> bool;

    fn advance(&mut self, now_ms: u64) -> u64 {
        let clock = self.clock();
        *clock = (*clock).max(now_ms);
        let now = *clock;
        self.expire(now);
        now
    }

    fn expire(&mut self, now: u64) {
        for _ in 0..MAX_TIMER_STEPS {
            if !self.fire_next_timer(now) {
                break;
            }
        }
    }
}
