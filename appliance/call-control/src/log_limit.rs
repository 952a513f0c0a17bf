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

impl LogLimit {
    /// Lines allowed per window.
    pub const BURST: u32 = 10;

    /// `Some(n)`: log this line, saying `n` were held back before it (0: none);
    /// `None`: hold it back (counted).
    pub fn allow(&mut self, now_ms: u64) -> Option<u64> {
        if now_ms >= self.window_start_ms + WINDOW_MS {
            self.window_start_ms = now_ms;
            self.logged = 0;
        }
        if self.logged >= Self::BURST {
            self.suppressed += 1;
            return None;
        }
        self.logged += 1;
        Some(std::mem::take(&mut self.suppressed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_per_window_then_a_count_of_what_was_held_back() {
        let mut limit = LogLimit::default();
        for _ in 0..LogLimit::BURST {
            assert_eq!(limit.allow(100), Some(0));
        }
        for _ in 0..25 {
            assert_eq!(limit.allow(5_000), None);
        }
        assert_eq!(limit.allow(10_100), Some(25));
        assert_eq!(limit.allow(10_200), Some(0));
    }
}
