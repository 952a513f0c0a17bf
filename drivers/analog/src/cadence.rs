//! Ring cadences and caller-ID vocabulary shared by both sides of the loop.

use line_boundary::PhoneNumber;

/// One ringing cycle: ringing voltage on for `on_ms`, then silence for `off_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingCadence {
    pub on_ms: u32,
    pub off_ms: u32,
}

impl RingCadence {
    /// China (YD/T 1076): 1 s on, 4 s off.
    pub const fn china() -> RingCadence {
        RingCadence {
            on_ms: 1000,
            off_ms: 4000,
        }
    }

    /// ETSI / most of Europe (ETSI ES 201 970 typical): 1 s on, 4 s off.
    pub const fn etsi() -> RingCadence {
        RingCadence {
            on_ms: 1000,
            off_ms: 4000,
        }
    }

    /// North America (Telcordia GR-506): 2 s on, 4 s off.
    pub const fn north_america() -> RingCadence {
        RingCadence {
            on_ms: 2000,
            off_ms: 4000,
        }
    }
}

impl Default for RingCadence {
    fn default() -> Self {
        RingCadence::china()
    }
}

/// How caller ID arrives on an FXO line, which decides when the receiver listens and when
/// the call can be offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CallerIdMode {
    /// No caller ID: offer the call on the first valid ring burst.
    None,
    /// FSK before the first ring (EN 300 659-1 prior-to-ringing): a polarity reversal
    /// while idle switches the receiver on.
    #[default]
    FskBeforeRing,
    /// FSK in the silence after the first ring (Bell 202 / ETSI during-ringing): the call
    /// is offered when the caller ID arrives or the second ring starts.
    FskAfterFirstRing,
    /// DTMF caller ID before the first ring: the receiver listens whenever the line is idle.
    Dtmf,
}

/// Which caller-ID signal an FXS port sends to its phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CidStandard {
    None,
    /// ETSI EN 300 659 FSK (V.23), sent between the first and second ring.
    #[default]
    Etsi,
    /// Bellcore GR-30 FSK (Bell 202), sent between the first and second ring.
    Bell,
    /// DTMF caller ID, sent before the first ring.
    Dtmf,
}

/// Caller ID as decoded by the DSP (FSK or DTMF receiver).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallerIdInfo {
    pub number: Option<PhoneNumber>,
    pub name: Option<String>,
}
