//! Login throttling, sans-IO: wrong passwords counted per account and per address over a
//! sliding minute. Five are allowed; while five or more lie within the last minute, the
//! next attempt is refused without the password being checked.

use std::collections::{HashMap, VecDeque};

/// Wrong passwords allowed per key within `WINDOW_MS` before attempts are refused.
pub const ALLOWED_FAILURES: usize = 5;
pub const WINDOW_MS: u64 = 60_000;
/// Keys kept at most (an address flood cannot grow memory without bound): the oldest
/// failures are forgotten first.
const MAX_KEYS: usize = 10_000;

#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: HashMap<String, VecDeque<u64>>,
}

/// Why an attempt is refused, and for how long more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after_ms: u64,
}

impl LoginThrottle {
    pub fn new() -> Self {
        Self::default()
    }

    fn keys(account: &str, address: &str) -> [String; 2] {
        [
            format!("account:{}", account.to_lowercase()),
            format!("address:{address}"),
        ]
    }

    /// May this attempt go ahead? Refused when the account or the address has
    /// `ALLOWED_FAILURES` wrong passwords within the last minute.
    pub fn check(&mut self, account: &str, address: &str, now_ms: u64) -> Result<(), Throttled> {
        let mut wait = 0;
        for key in Self::keys(account, address) {
            if let Some(times) = self.failures.get_mut(&key) {
                while times
                    .front()
                    .is_some_and(|&t| now_ms.saturating_sub(t) >= WINDOW_MS)
                {
                    times.pop_front();
                }
                if times.len() >= ALLOWED_FAILURES {
                    let oldest_counted = times[times.len() - ALLOWED_FAILURES];
                    wait = wait.max(oldest_counted + WINDOW_MS - now_ms);
                }
            }
        }
        if wait > 0 {
            Err(Throttled {
                retry_after_ms: wait,
            })
        } else {
            Ok(())
        }
    }

    /// A wrong password (or unknown account) for `account` from `address`.
    pub fn failed(&mut self, account: &str, address: &str, now_ms: u64) {
        if self.failures.len() >= MAX_KEYS {
            self.forget_stale(now_ms);
        }
        for key in Self::keys(account, address) {
            let times = self.failures.entry(key).or_default();
            times.push_back(now_ms);
            if times.len() > ALLOWED_FAILURES * 2 {
                times.pop_front();
            }
        }
    }

    /// A right password: the account's count starts again (the address's stays, so one
    /// address cannot guess across accounts by signing in to its own between guesses).
    pub fn succeeded(&mut self, account: &str) {
        self.failures
            .remove(&format!("account:{}", account.to_lowercase()));
    }

    fn forget_stale(&mut self, now_ms: u64) {
        self.failures.retain(|_, times| {
            times
                .back()
                .is_some_and(|&t| now_ms.saturating_sub(t) < WINDOW_MS)
        });
        while self.failures.len() >= MAX_KEYS {
            let Some(key) = self.failures.keys().next().cloned() else {
                break;
            };
            self.failures.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_wrong_password_within_a_minute_is_refused() {
        let mut throttle = LoginThrottle::new();
        for n in 0..5 {
            assert_eq!(throttle.check("alice", "10.0.0.1", n * 1000), Ok(()));
            throttle.failed("alice", "10.0.0.1", n * 1000);
        }
        let refused = throttle.check("alice", "10.0.0.1", 5000).unwrap_err();
        assert_eq!(
            refused.retry_after_ms, 55_000,
            "until the first failure is a minute old"
        );
        // The account is throttled from any address, and the address for any account.
        assert!(throttle.check("alice", "10.0.0.2", 5000).is_err());
        assert!(throttle.check("bob", "10.0.0.1", 5000).is_err());
        assert_eq!(throttle.check("bob", "10.0.0.2", 5000), Ok(()));
        // A minute after the first failure one attempt is allowed again.
        assert_eq!(throttle.check("alice", "10.0.0.3", 60_000), Ok(()));
    }

    #[test]
    fn failures_spread_over_more_than_a_minute_are_not_throttled() {
        let mut throttle = LoginThrottle::new();
        for n in 0..20 {
            assert_eq!(
                throttle.check("alice", "a", n * 15_000),
                Ok(()),
                "attempt {n}"
            );
            throttle.failed("alice", "a", n * 15_000);
        }
    }

    #[test]
    fn a_right_password_clears_the_accounts_count_but_not_the_addresss() {
        let mut throttle = LoginThrottle::new();
        for n in 0..4 {
            throttle.failed("alice", "a", n);
        }
        throttle.succeeded("alice");
        throttle.failed("alice", "a", 10);
        assert_eq!(throttle.check("alice", "b", 11), Ok(()));
        assert!(
            throttle.check("carol", "a", 11).is_err(),
            "the address has five"
        );
    }

    #[test]
    fn account_names_are_counted_whatever_their_case() {
        let mut throttle = LoginThrottle::new();
        for n in 0..5 {
            throttle.failed(
                if n % 2 == 0 { "Alice" } else { "alice" },
                &format!("a{n}"),
                n,
            );
        }
        assert!(throttle.check("ALICE", "z", 10).is_err());
    }
}
