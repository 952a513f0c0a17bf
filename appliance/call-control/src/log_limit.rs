//! Rate limits for warnings a far end can trigger at will (a carrier sending garbage must
//! not flood the log): at most a burst per window of engine time, then one line saying how
//! many were held back.

/// Engine-time window over which [`LogLimit::BURST`] lines are allowed.
const WINDOW_MS: u64 = 10_000;

#[derive(Debug, Default)]
pub struct LogLimit {
    window_start_ms: u64,
    logged: u32,
    suppressed: u64,
}

/// What to do with one more line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Log it.
    Log,
    /// Log it, and say first that this many were held back in the last window.
    LogAfterSuppressing(u64),
    /// Hold it back (counted).
    Suppress,
}

impl LogLimit {
    /// Lines allowed per window.
    pub const BURST: u32 = 10;

    pub fn check(&mut self, now_ms: u64) -> Verdict {
        if now_ms >= self.window_start_ms + WINDOW_MS {
            self.window_start_ms = now_ms;
            self.logged = 0;
        }
        if self.logged >= Self::BURST {
            self.suppressed += 1;
            return Verdict::Suppress;
        }
        self.logged += 1;
        match std::mem::take(&mut self.suppressed) {
            0 => Verdict::Log,
            held => Verdict::LogAfterSuppressing(held),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_per_window_then_a_count_of_what_was_held_back() {
        let mut limit = LogLimit::default();
        for _ in 0..LogLimit::BURST {
            assert_eq!(limit.check(100), Verdict::Log);
        }
        for _ in 0..25 {
            assert_eq!(limit.check(5_000), Verdict::Suppress);
        }
        assert_eq!(limit.check(10_100), Verdict::LogAfterSuppressing(25));
        assert_eq!(limit.check(10_200), Verdict::Log);
    }
}
