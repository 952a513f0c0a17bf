//! Hook-switch debouncing: a raw hook state counts only once it has held for the
//! debounce time, so contact bounce and dial-pulse-like glitches do not reach the call.

#[derive(Debug, Clone)]
pub(super) struct HookDebouncer {
    debounce_ms: u64,
    raw_off_hook: bool,
    /// When the raw state last changed: the edge time of the next accepted change.
    raw_since: u64,
    off_hook: bool,
}

impl HookDebouncer {
    pub(super) fn new(debounce_ms: u32) -> HookDebouncer {
        HookDebouncer {
            debounce_ms: u64::from(debounce_ms),
            raw_off_hook: false,
            raw_since: 0,
            off_hook: false,
        }
    }

    pub(super) fn input(&mut self, now: u64, off_hook: bool) {
        if off_hook != self.raw_off_hook {
            self.raw_off_hook = off_hook;
            self.raw_since = now;
        }
    }

    pub(super) fn deadline(&self) -> Option<u64> {
        (self.raw_off_hook != self.off_hook)
            .then(|| self.raw_since.saturating_add(self.debounce_ms))
    }

    /// Accepts a raw change that has held long enough: `Some((off_hook, edge_time))`.
    pub(super) fn expire(&mut self, now: u64) -> Option<(bool, u64)> {
        match self.deadline() {
            Some(at) if at <= now => {
                self.off_hook = self.raw_off_hook;
                Some((self.off_hook, self.raw_since))
            }
            _ => None,
        }
    }
}
