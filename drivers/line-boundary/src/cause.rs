use serde::{Deserialize, Serialize};
use std::fmt;

/// A Q.850 cause value (1..=127): why a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cause(pub u8);

impl Cause {
    pub const UNALLOCATED_NUMBER: Cause = Cause(1);
    pub const NORMAL_CLEARING: Cause = Cause(16);
    pub const USER_BUSY: Cause = Cause(17);
    pub const NO_USER_RESPONDING: Cause = Cause(18);
    pub const NO_ANSWER: Cause = Cause(19);
    pub const CALL_REJECTED: Cause = Cause(21);
    pub const INVALID_NUMBER_FORMAT: Cause = Cause(28);
    pub const NORMAL_UNSPECIFIED: Cause = Cause(31);
    pub const NO_CIRCUIT_AVAILABLE: Cause = Cause(34);
    pub const NETWORK_OUT_OF_ORDER: Cause = Cause(38);
    pub const TEMPORARY_FAILURE: Cause = Cause(41);
    pub const SWITCHING_EQUIPMENT_CONGESTION: Cause = Cause(42);
    pub const RECOVERY_ON_TIMER_EXPIRY: Cause = Cause(102);

    /// The Q.850 name of this cause, for logs and CDR exports.
    pub fn name(self) -> &'static str {
        match self.0 {
            1 => "unallocated number",
            16 => "normal call clearing",
            17 => "user busy",
            18 => "no user responding",
            19 => "no answer from user",
            21 => "call rejected",
            28 => "invalid number format",
            31 => "normal, unspecified",
            34 => "no circuit/channel available",
            38 => "network out of order",
            41 => "temporary failure",
            42 => "switching equipment congestion",
            102 => "recovery on timer expiry",
            _ => "other",
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.0, self.name())
    }
}
