use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of physical (or soft) line a channel belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// A 2.048 Mbit/s E1 span: 30 bearer timeslots, TS16 for signalling.
    E1,
    /// An analog port where the box is the FXO (it faces the telco's line).
    Fxo,
    /// An analog port where the box is the FXS (it feeds a phone).
    Fxs,
}

/// One call-carrying channel of the box: a timeslot of a span, or an analog port.
/// `device` numbers spans and ports in one space (as configured); `channel` is the E1
/// timeslot (1..=31, never 16 on PRI) or 1 for an analog port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ChannelId {
    pub device: u16,
    pub channel: u16,
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.device, self.channel)
    }
}
