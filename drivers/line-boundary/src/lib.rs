//! The line boundary: the only vocabulary `drivers` hands to `appliance`.
//!
//! Whether a call arrived over ISDN PRI, MFC/R2 or an analog line is invisible above this
//! line: the appliance sees [`LineEvent`]s, sends [`LineCommand`]s and moves
//! [`AudioFrame`]s of 20 ms at 8 kHz. Below the line events sit the raw line states a
//! device reports every block: the per-channel signalling byte ([`signal`]) and the
//! span's [`LineConditions`] (LOS, AIS, RAI).

mod alarm;
mod audio;
mod cause;
mod conditions;
mod ids;
mod number;
pub mod signal;

pub use alarm::Alarm;
pub use audio::{AudioFrame, FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE_HZ};
pub use cause::Cause;
pub use conditions::LineConditions;
pub use ids::{ChannelId, LineKind};
pub use number::{NumberError, PhoneNumber};

use serde::{Deserialize, Serialize};

/// Caller category as signalled by the trunk (MFC/R2 group II, ISDN calling-party category).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallerCategory {
    #[default]
    Ordinary,
    Priority,
    Payphone,
    Operator,
    Data,
}

/// Hook state of an analog terminal, as seen by the port that serves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hook {
    OnHook,
    OffHook,
}

/// Tones the appliance can ask a line to play toward the far end.
/// The tone plan of the box (China, ETSI, North America) decides frequencies and cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    Dial,
    Ringback,
    Busy,
    Congestion,
    CallWaiting,
    /// A steady 1004 Hz test tone (ITU-T O.150 digital milliwatt frequency).
    Test1004Hz,
}

/// Something that happened on a line, reported upward to the appliance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LineEvent {
    /// A call is offered to the box (trunk seizure, PRI SETUP, ringing on an FXO line,
    /// or an FXS phone that went off hook and dialled).
    IncomingCall {
        calling: Option<PhoneNumber>,
        called: Option<PhoneNumber>,
        category: CallerCategory,
        /// Display name, where the line carried one (caller ID name, Q.931 display).
        name: Option<String>,
    },
    /// An outgoing call is progressing (dialling accepted, in-band information may follow).
    Progress,
    /// The far end is being alerted (ringing).
    Alerting,
    /// The far end answered.
    Answered,
    /// A DTMF (or MF) digit arrived from the far end.
    Digit { digit: char },
    /// An analog terminal changed hook state.
    Hook { hook: Hook },
    /// An analog terminal flashed the hook (register recall).
    Flash,
    /// The call on this line is over, with its Q.850 cause.
    Hangup { cause: Cause },
    /// A line alarm was raised (`active: true`) or cleared.
    Alarm { alarm: Alarm, active: bool },
}

/// Something the appliance asks a line to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum LineCommand {
    /// Answer the incoming call on this line.
    Answer,
    /// Tell the caller the call is alerting (ringback starts where the line needs it).
    Alert,
    /// Place a call out of this line (trunk) toward `called`.
    CallOut {
        calling: Option<PhoneNumber>,
        called: PhoneNumber,
    },
    /// Ring the terminal on this line (FXS), with optional caller ID.
    Ring {
        calling: Option<PhoneNumber>,
        name: Option<String>,
    },
    /// Play a tone toward the far end until stopped or replaced.
    PlayTone {
        tone: Tone,
    },
    StopTone,
    /// End the call on this line with a Q.850 cause.
    Hangup {
        cause: Cause,
    },
}
