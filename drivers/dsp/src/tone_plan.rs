//! National tone plans: which [`ToneSpec`] each call-progress [`Tone`] is.
//!
//! Sources (values as commonly published; levels are the nominal sending levels):
//! - China: YD/T 1076 / GF 002-9002 signal tone table — 450 Hz; dial continuous,
//!   ringback 1 s on 4 s off, busy 0.35/0.35 s, congestion 0.7/0.7 s, call waiting
//!   0.4 s on 4 s off; nominal level −10 dBm0.
//! - ETSI: ES 201 970 / TR 101 041 common values — 425 Hz; dial continuous, ringback
//!   1/4 s, busy 0.5/0.5 s, congestion 0.25/0.25 s, call waiting 0.2 on 0.2 off 0.2 on
//!   then about 4.4 s off; −13 dBm0 (inside the allowed −3…−24 dBm0 window).
//! - North America: Telcordia GR-506 / ANSI T1.401 "precise tone plan" — dial 350+440 Hz
//!   at −13 dBm0 each, ringback 440+480 Hz at −19 dBm0 each 2/4 s, busy 480+620 Hz at
//!   −24 dBm0 each 0.5/0.5 s, reorder 480+620 Hz at −24 dBm0 each 0.25/0.25 s, call waiting
//!   440 Hz at −13 dBm0, 0.3 s every 10 s.
//!
//! The 1004 Hz test tone is the same everywhere: continuous at −13 dBm0.

use crate::tone::ToneSpec;
use core::fmt;
use core::str::FromStr;
use line_boundary::Tone;

/// The tone plans the box ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TonePlanName {
    China,
    Etsi,
    NorthAmerica,
}

impl TonePlanName {
    pub const ALL: [TonePlanName; 3] = [
        TonePlanName::China,
        TonePlanName::Etsi,
        TonePlanName::NorthAmerica,
    ];

    /// The short name used in configuration ("cn", "etsi", "na").
    pub fn as_str(self) -> &'static str {
        match self {
            TonePlanName::China => "cn",
            TonePlanName::Etsi => "etsi",
            TonePlanName::NorthAmerica => "na",
        }
    }
}

impl fmt::Display for TonePlanName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown tone plan {given:?} (expected \"cn\", \"etsi\" or \"na\")")]
pub struct UnknownTonePlan {
    pub given: heapless::String<16>,
}

impl FromStr for TonePlanName {
    type Err = UnknownTonePlan;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        TonePlanName::ALL
            .into_iter()
            .find(|name| name.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownTonePlan {
                given: truncated(text),
            })
    }
}

/// Keeps the error allocation-free while still showing what was given.
fn truncated(text: &str) -> heapless::String<16> {
    let mut out = heapless::String::new();
    for c in text.chars() {
        if out.push(c).is_err() {
            break;
        }
    }
    out
}

const TEST_TONE: ToneSpec = ToneSpec {
    freqs_hz: [1004, 0],
    level_dbm0: -13.0,
    cadence_ms: &[],
};

/// A national tone plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TonePlan {
    name: TonePlanName,
}

impl TonePlan {
    pub fn new(name: TonePlanName) -> Self {
        TonePlan { name }
    }

    pub fn name(&self) -> TonePlanName {
        self.name
    }

    /// The tone the plan plays for `tone`.
    pub fn spec(&self, tone: Tone) -> ToneSpec {
        match self.name {
            TonePlanName::China => china(tone),
            TonePlanName::Etsi => etsi(tone),
            TonePlanName::NorthAmerica => north_america(tone),
        }
    }
}

impl From<TonePlanName> for TonePlan {
    fn from(name: TonePlanName) -> Self {
        TonePlan::new(name)
    }
}

fn china(tone: Tone) -> ToneSpec {
    let cadence_ms: &'static [u16] = match tone {
        Tone::Dial => &[],
        Tone::Ringback => &[1000, 4000],
        Tone::Busy => &[350, 350],
        Tone::Congestion => &[700, 700],
        Tone::CallWaiting => &[400, 4000],
        Tone::Test1004Hz => return TEST_TONE,
    };
    ToneSpec {
        freqs_hz: [450, 0],
        level_dbm0: -10.0,
        cadence_ms,
    }
}

fn etsi(tone: Tone) -> ToneSpec {
    let cadence_ms: &'static [u16] = match tone {
        Tone::Dial => &[],
        Tone::Ringback => &[1000, 4000],
        Tone::Busy => &[500, 500],
        Tone::Congestion => &[250, 250],
        Tone::CallWaiting => &[200, 200, 200, 4400],
        Tone::Test1004Hz => return TEST_TONE,
    };
    ToneSpec {
        freqs_hz: [425, 0],
        level_dbm0: -13.0,
        cadence_ms,
    }
}

fn north_america(tone: Tone) -> ToneSpec {
    match tone {
        Tone::Dial => ToneSpec {
            freqs_hz: [350, 440],
            level_dbm0: -13.0,
            cadence_ms: &[],
        },
        Tone::Ringback => ToneSpec {
            freqs_hz: [440, 480],
            level_dbm0: -19.0,
            cadence_ms: &[2000, 4000],
        },
        Tone::Busy => ToneSpec {
            freqs_hz: [480, 620],
            level_dbm0: -24.0,
            cadence_ms: &[500, 500],
        },
        Tone::Congestion => ToneSpec {
            freqs_hz: [480, 620],
            level_dbm0: -24.0,
            cadence_ms: &[250, 250],
        },
        Tone::CallWaiting => ToneSpec {
            freqs_hz: [440, 0],
            level_dbm0: -13.0,
            cadence_ms: &[300, 9700],
        },
        Tone::Test1004Hz => TEST_TONE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_configuration_names() {
        assert_eq!("cn".parse::<TonePlanName>(), Ok(TonePlanName::China));
        assert_eq!("etsi".parse::<TonePlanName>(), Ok(TonePlanName::Etsi));
        assert_eq!("NA".parse::<TonePlanName>(), Ok(TonePlanName::NorthAmerica));
        let error = "uk-long-name-beyond-sixteen"
            .parse::<TonePlanName>()
            .unwrap_err();
        assert_eq!(error.given.as_str(), "uk-long-name-bey");
        assert!(error
            .to_string()
            .contains("expected \"cn\", \"etsi\" or \"na\""));
        for name in TonePlanName::ALL {
            assert_eq!(name.to_string().parse::<TonePlanName>(), Ok(name));
        }
    }

    #[test]
    fn plans_use_their_national_frequencies_and_cadences() {
        let cn = TonePlan::new(TonePlanName::China);
        assert_eq!(cn.spec(Tone::Busy).freqs_hz, [450, 0]);
        assert_eq!(cn.spec(Tone::Busy).cadence_ms, &[350, 350]);
        assert_eq!(cn.spec(Tone::Congestion).cadence_ms, &[700, 700]);
        let etsi = TonePlan::new(TonePlanName::Etsi);
        assert_eq!(etsi.spec(Tone::Ringback).freqs_hz, [425, 0]);
        assert_eq!(etsi.spec(Tone::Ringback).cadence_ms, &[1000, 4000]);
        assert!(etsi.spec(Tone::Dial).is_continuous());
        let na = TonePlan::new(TonePlanName::NorthAmerica);
        assert_eq!(na.spec(Tone::Dial).freqs_hz, [350, 440]);
        assert_eq!(na.spec(Tone::Congestion).freqs_hz, [480, 620]);
        assert_eq!(na.spec(Tone::Congestion).cadence_ms, &[250, 250]);
        assert_eq!(na.spec(Tone::CallWaiting).cycle_ms(), 10_000);
        for name in TonePlanName::ALL {
            let test_tone = TonePlan::new(name).spec(Tone::Test1004Hz);
            assert_eq!(test_tone.freqs_hz, [1004, 0]);
            assert_eq!(test_tone.level_dbm0, -13.0);
            assert!(test_tone.is_continuous());
        }
    }
}
