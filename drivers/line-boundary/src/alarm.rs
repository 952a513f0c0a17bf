//! Line alarms on a span (ITU-T G.775 / G.732), named as a technician reads them on the
//! status page: `los` (red), `ais` (blue), `rai` (yellow).

use serde::{Deserialize, Serialize};

/// An alarm on an E1 span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Alarm {
    /// Loss of signal: nothing arrives (cable pulled, far end gone).
    Los,
    /// Alarm indication signal: the far end sends all ones (a failure upstream of it).
    Ais,
    /// Remote alarm indication: the far end lost our signal.
    Rai,
}

impl Alarm {
    pub fn as_str(self) -> &'static str {
        match self {
            Alarm::Los => "los",
            Alarm::Ais => "ais",
            Alarm::Rai => "rai",
        }
    }
}

impl std::fmt::Display for Alarm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
