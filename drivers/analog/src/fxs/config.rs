//! FXS configuration; defaults follow common PBX practice (and ETSI ES 201 970 ranges).

use crate::cadence::{CidStandard, RingCadence};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FxsConfig {
    pub ring_cadence: RingCadence,
    pub caller_id: CidStandard,
    /// A raw hook change must hold this long to count (default 40 ms: contact bounce).
    pub hook_debounce_ms: u32,
    /// An on-hook of at least this long is a flash (default 80 ms; shorter is a glitch).
    pub flash_min_ms: u32,
    /// An on-hook this long or longer is a hang-up (default 700 ms; shorter is a flash).
    pub flash_max_ms: u32,
    /// Dialling is complete after this silence between digits (default 4000 ms).
    pub interdigit_timeout_ms: u32,
    /// With no digit this long after dial tone, play congestion (default 15000 ms).
    pub first_digit_timeout_ms: u32,
    /// Dialling is complete at this many digits (default 20; at most 32 are kept).
    pub max_digits: usize,
    /// FSK caller ID starts this long after the first ring ends (default 500 ms, the
    /// EN 300 659-1 / GR-30 minimum).
    pub caller_id_delay_ms: u32,
    /// DTMF caller ID is sent this long before the first ring (default 2000 ms).
    pub dtmf_caller_id_lead_ms: u32,
    /// When the far end clears while the phone is off hook, drop battery this long first
    /// so answering machines and FXO devices notice (default off).
    pub open_loop_disconnect_ms: Option<u32>,
}

impl Default for FxsConfig {
    fn default() -> Self {
        FxsConfig {
            ring_cadence: RingCadence::default(),
            caller_id: CidStandard::default(),
            hook_debounce_ms: 40,
            flash_min_ms: 80,
            flash_max_ms: 700,
            interdigit_timeout_ms: 4000,
            first_digit_timeout_ms: 15000,
            max_digits: 20,
            caller_id_delay_ms: 500,
            dtmf_caller_id_lead_ms: 2000,
            open_loop_disconnect_ms: None,
        }
    }
}
