//! FXO configuration with defaults chosen for Chinese and ETSI loop-start lines.

use crate::cadence::{CallerIdMode, RingCadence};

/// How the far end hanging up is recognised on a line that has no other clear-down signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisconnectSupervision {
    /// Open-loop disconnect (CPC): loop battery absent for at least this long clears the
    /// call. COs drop battery for 350..600 ms or more; shorter dips are switching transients.
    pub battery_drop_ms: Option<u32>,
    /// A polarity change while connected clears the call (lines that reverse on clear-down).
    pub polarity_reversal: bool,
    /// A busy/congestion cadence confirmed by the DSP clears the call (lines with no
    /// electrical clear-down signal at all).
    pub busy_tone: bool,
}

impl Default for DisconnectSupervision {
    fn default() -> Self {
        DisconnectSupervision {
            battery_drop_ms: Some(350),
            polarity_reversal: false,
            busy_tone: true,
        }
    }
}

/// How an outbound call learns that the far end answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnswerSupervision {
    /// No signal on the line: treat the call as answered once dialling is done.
    #[default]
    AfterDialling,
    /// The CO reverses polarity when the called party answers.
    PolarityReversal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FxoConfig {
    /// The CO's ring cadence: its off time bounds how long silence can mean "still ringing".
    pub ring_cadence: RingCadence,
    pub caller_id: CallerIdMode,
    pub disconnect: DisconnectSupervision,
    pub answer_supervision: AnswerSupervision,
    /// A ring burst must last this long to count (default 150 ms; transients are shorter).
    pub ring_min_ms: u32,
    /// Silence longer than the cadence's off time plus this margin means the caller gave
    /// up (default 2500 ms: 6.5 s for a 4 s off time).
    pub abandon_margin_ms: u32,
    /// How long caller ID is awaited, and kept, before the first ring (default 5000 ms).
    pub caller_id_wait_ms: u32,
    /// After seizing the loop to answer, supervision waits this long for the CO to trip
    /// ringing and for battery/polarity transients to settle (default 300 ms).
    pub answer_delay_ms: u32,
    /// After seizing for an outbound call, dial after this long unless dial tone is
    /// reported earlier (default 2000 ms).
    pub dial_tone_wait_ms: u32,
    /// Time one DTMF digit takes to send, tone plus pause (default 200 ms), to know when
    /// dialling is over.
    pub dtmf_digit_ms: u32,
}

impl Default for FxoConfig {
    fn default() -> Self {
        FxoConfig {
            ring_cadence: RingCadence::default(),
            caller_id: CallerIdMode::default(),
            disconnect: DisconnectSupervision::default(),
            answer_supervision: AnswerSupervision::default(),
            ring_min_ms: 150,
            abandon_margin_ms: 2500,
            caller_id_wait_ms: 5000,
            answer_delay_ms: 300,
            dial_tone_wait_ms: 2000,
            dtmf_digit_ms: 200,
        }
    }
}
