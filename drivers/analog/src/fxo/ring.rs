//! Ring-burst qualification: ringing voltage must stay on for a minimum time to count,
//! so line transients and test pulses do not offer calls.

/// What a change of the ringing bit meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RingEdge {
    /// A qualified burst ended (ringing voltage went away after at least `min_on_ms`).
    BurstEnded,
    /// Anything else: a burst started, or a spurious pulse ended.
    Other,
}

#[derive(Debug, Clone)]
pub(super) struct RingDetector {
    min_on_ms: u64,
    /// When the ringing voltage came on, while it is on.
    on_since: Option<u64>,
    /// The current burst has already been reported as qualified.
    reported: bool,
    /// When the last qualified burst of this call ended.
    last_burst_end: Option<u64>,
}

impl RingDetector {
    pub(super) fn new(min_on_ms: u32) -> RingDetector {
        RingDetector {
            min_on_ms: u64::from(min_on_ms),
            on_since: None,
            reported: false,
            last_burst_end: None,
        }
    }

    pub(super) fn is_on(&self) -> bool {
        self.on_since.is_some()
    }

    pub(super) fn last_burst_end(&self) -> Option<u64> {
        self.last_burst_end
    }

    /// Forgets the call's ring history (the line went back to idle).
    pub(super) fn reset_call(&mut self) {
        self.last_burst_end = None;
    }

    pub(super) fn input(&mut self, now: u64, ringing: bool) -> RingEdge {
        match (ringing, self.on_since) {
            (true, None) => {
                self.on_since = Some(now);
                self.reported = false;
                RingEdge::Other
            }
            (false, Some(since)) => {
                self.on_since = None;
                // Judged by duration, not by `reported`: the qualification timer may not
                // have been polled in states that do not care about it.
                if now.saturating_sub(since) >= self.min_on_ms {
                    self.last_burst_end = Some(now);
                    RingEdge::BurstEnded
                } else {
                    RingEdge::Other
                }
            }
            _ => RingEdge::Other,
        }
    }

    /// When the current burst will qualify, if it has not been reported yet.
    pub(super) fn deadline(&self) -> Option<u64> {
        match self.on_since {
            Some(since) if !self.reported => Some(since.saturating_add(self.min_on_ms)),
            _ => None,
        }
    }

    /// Reports (once per burst) that the current burst has lasted long enough.
    pub(super) fn expire(&mut self, now: u64) -> bool {
        match self.deadline() {
            Some(at) if at <= now => {
                self.reported = true;
                true
            }
            _ => false,
        }
    }
}
