//! Time for the records. Each envelope carries engine time (`at_ms`: exact, the clock
//! the ACD measures waits and talk with, but it starts again at 0 with every boot) and
//! the bus's wall clock (`unix_ms`: continuous across boots, but it may be stepped, and
//! in lock-step runs it moves slower than engine time).
//!
//! So within a boot an event's time is its engine time plus the boot's anchor (wall
//! minus engine time at the boot's first event): durations are engine-exact, and times
//! never go back. The anchor moves forward when the wall clock runs more than
//! [`MAX_LAG_MS`] ahead of it (the clock set by NTP after boot, an engine that fell
//! behind); a lagging wall clock (lock-step runs, a clock stepped back) leaves it.

/// How far the wall clock may run ahead of the anchored engine time before the anchor
/// catches up.
pub const MAX_LAG_MS: u64 = 2_000;

/// A moment: its wall-clock time and, when it is an event's, the boot and engine time
/// it happened at (what durations within a boot are measured with).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub wall_ms: u64,
    pub engine: Option<(u64, u64)>,
}

impl Stamp {
    pub fn wall(wall_ms: u64) -> Stamp {
        Stamp {
            wall_ms,
            engine: None,
        }
    }

    /// From `earlier` to this: engine time within one boot, else wall time; never
    /// negative.
    pub fn since(self, earlier: Stamp) -> u64 {
        match (self.engine, earlier.engine) {
            (Some((boot, now)), Some((boot_then, then))) if boot == boot_then => {
                now.saturating_sub(then)
            }
            _ => self.wall_ms.saturating_sub(earlier.wall_ms),
        }
    }
}

/// The boot being read and its anchor.
#[derive(Debug, Clone, Default)]
pub(crate) struct BootClock {
    boot: u64,
    /// Wall minus engine time; `None` before the boot's first event.
    anchor: Option<i128>,
    last_seq: Option<u64>,
    latest: Option<Stamp>,
}

impl BootClock {
    /// Whether `seq` starts a new boot: the bus numbers from 1 at every start, so a
    /// number not above the last one means the box restarted.
    pub fn is_new_boot(&self, seq: u64) -> bool {
        self.last_seq.is_some_and(|last| seq <= last)
    }

    /// Starts the next boot (its anchor comes from its first event).
    pub fn next_boot(&mut self) {
        self.boot += 1;
        self.anchor = None;
        self.last_seq = None;
    }

    /// The stamp of an envelope of the current boot.
    pub fn stamp(&mut self, seq: u64, at_ms: u64, unix_ms: u64) -> Stamp {
        self.last_seq = Some(seq);
        let wall_now = i128::from(unix_ms) - i128::from(at_ms);
        let anchor = match self.anchor {
            Some(anchor) if wall_now - anchor <= i128::from(MAX_LAG_MS) => anchor,
            // The first event, or the wall clock ran ahead: catch up (never back).
            Some(anchor) => anchor.max(wall_now),
            None => wall_now,
        };
        self.anchor = Some(anchor);
        let wall_ms = clamp_to_u64(anchor + i128::from(at_ms));
        // Engine time only goes forward; an out-of-order stamp counts as the latest.
        let stamp = match self.latest {
            Some(Stamp {
                engine: Some((boot, latest_at)),
                wall_ms: latest_wall,
            }) if boot == self.boot && at_ms < latest_at => Stamp {
                wall_ms: latest_wall,
                engine: Some((boot, latest_at)),
            },
            _ => Stamp {
                wall_ms,
                engine: Some((self.boot, at_ms)),
            },
        };
        self.latest = Some(stamp);
        stamp
    }

    /// `unix_ms` as a moment of the current boot (never before its latest event), for
    /// a flush at that wall time.
    pub fn at_wall(&self, unix_ms: u64) -> Stamp {
        match (self.latest, self.anchor) {
            (
                Some(Stamp {
                    engine: Some((boot, latest_at)),
                    ..
                }),
                Some(anchor),
            ) if boot == self.boot => {
                let at_ms = clamp_to_u64(i128::from(unix_ms) - anchor).max(latest_at);
                Stamp {
                    wall_ms: clamp_to_u64(anchor + i128::from(at_ms)),
                    engine: Some((boot, at_ms)),
                }
            }
            (Some(latest), _) => Stamp::wall(unix_ms.max(latest.wall_ms)),
            (None, _) => Stamp::wall(unix_ms),
        }
    }

    /// The latest event's stamp, if any.
    pub fn latest(&self) -> Option<Stamp> {
        self.latest
    }
}

fn clamp_to_u64(value: i128) -> u64 {
    u64::try_from(value.max(0)).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_within_a_boot_are_engine_time_and_times_never_go_back() {
        let mut clock = BootClock::default();
        let first = clock.stamp(1, 1_000, 50_000);
        // Lock-step: the wall clock lags behind engine time; the anchor stays.
        let later = clock.stamp(2, 61_000, 50_500);
        assert_eq!(first.wall_ms, 50_000);
        assert_eq!(later.wall_ms, 110_000);
        assert_eq!(later.since(first), 60_000);
    }

    #[test]
    fn a_wall_clock_set_forward_moves_the_anchor() {
        let mut clock = BootClock::default();
        clock.stamp(1, 0, 1_000);
        let after_ntp = clock.stamp(2, 10_000, 1_700_000_000_000);
        assert_eq!(after_ntp.wall_ms, 1_700_000_000_000);
    }

    #[test]
    fn a_lower_sequence_number_is_a_new_boot() {
        let mut clock = BootClock::default();
        clock.stamp(7, 0, 1_000);
        assert!(!clock.is_new_boot(8));
        assert!(clock.is_new_boot(1));
    }
}
