//! Supervisors' notices to agents ("system X is down, tell callers…"): to every agent or
//! to one queue's agents, until they expire or are withdrawn. Sans-IO like the monitor:
//! post, withdraw and time in; changes out.

use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// Longest a notice may stay up.
pub const MAX_NOTICE_MS: u64 = 7 * 24 * 3_600_000;
/// Longest text, in characters.
pub const MAX_NOTICE_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub id: u64,
    pub text: String,
    /// `None`: every agent.
    pub queue: Option<String>,
    pub by: String,
    pub posted_at_ms: u64,
    pub expires_at_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum NoticeChange {
    Posted(Notice),
    Expired(Notice),
    Withdrawn(Notice),
}

impl NoticeChange {
    pub fn notice(&self) -> &Notice {
        match self {
            NoticeChange::Posted(n) | NoticeChange::Expired(n) | NoticeChange::Withdrawn(n) => n,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            NoticeChange::Posted(_) => "posted",
            NoticeChange::Expired(_) => "expired",
            NoticeChange::Withdrawn(_) => "withdrawn",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    #[error("the notice is empty")]
    Empty,
    #[error("the notice is {0} characters long; at most {MAX_NOTICE_CHARS}")]
    TooLong(usize),
    #[error("a notice stays up for 1 s to 7 days, not {0} ms")]
    Expiry(u64),
    #[error("no notice {0} up")]
    Unknown(u64),
}

/// The notices up now.
#[derive(Debug, Default)]
pub struct NoticeBoard {
    next_id: u64,
    up: BTreeMap<u64, Notice>,
    changes: VecDeque<NoticeChange>,
}

impl NoticeBoard {
    /// Posts a notice for `lasts_ms` from `now_ms`; its id.
    pub fn post(
        &mut self,
        now_ms: u64,
        text: &str,
        queue: Option<String>,
        by: &str,
        lasts_ms: u64,
    ) -> Result<u64, NoticeError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(NoticeError::Empty);
        }
        let chars = text.chars().count();
        if chars > MAX_NOTICE_CHARS {
            return Err(NoticeError::TooLong(chars));
        }
        if !(1000..=MAX_NOTICE_MS).contains(&lasts_ms) {
            return Err(NoticeError::Expiry(lasts_ms));
        }
        self.next_id += 1;
        let notice = Notice {
            id: self.next_id,
            text: text.to_owned(),
            queue,
            by: by.to_owned(),
            posted_at_ms: now_ms,
            expires_at_ms: now_ms + lasts_ms,
        };
        self.up.insert(notice.id, notice.clone());
        self.changes.push_back(NoticeChange::Posted(notice));
        Ok(self.next_id)
    }

    pub fn withdraw(&mut self, id: u64) -> Result<(), NoticeError> {
        let notice = self.up.remove(&id).ok_or(NoticeError::Unknown(id))?;
        self.changes.push_back(NoticeChange::Withdrawn(notice));
        Ok(())
    }

    /// Takes down what expired by `now_ms`.
    pub fn handle_time(&mut self, now_ms: u64) {
        let expired: Vec<u64> = self
            .up
            .values()
            .filter(|n| n.expires_at_ms <= now_ms)
            .map(|n| n.id)
            .collect();
        for id in expired {
            if let Some(notice) = self.up.remove(&id) {
                self.changes.push_back(NoticeChange::Expired(notice));
            }
        }
    }

    /// The notices up, oldest first; with `queue`, those for everyone and that queue.
    pub fn up(&self, queue: Option<&str>) -> Vec<&Notice> {
        self.up
            .values()
            .filter(|n| queue.is_none() || n.queue.is_none() || n.queue.as_deref() == queue)
            .collect()
    }

    pub fn poll_change(&mut self) -> Option<NoticeChange> {
        self.changes.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_is_up_until_it_expires_or_is_withdrawn() {
        let mut board = NoticeBoard::default();
        let all = board
            .post(1000, " System X is down ", None, "sup", 60_000)
            .unwrap();
        let billing = board
            .post(
                2000,
                "Billing: new tariff",
                Some("billing".into()),
                "sup",
                10_000,
            )
            .unwrap();
        let names: Vec<&str> = std::iter::from_fn(|| board.poll_change())
            .map(|c| c.name())
            .collect::<Vec<_>>()
            .into_iter()
            .collect();
        assert_eq!(names, ["posted", "posted"]);
        assert_eq!(board.up(Some("billing")).len(), 2);
        assert_eq!(board.up(Some("general")).len(), 1);
        assert_eq!(board.up(Some("general"))[0].text, "System X is down");
        board.handle_time(11_999);
        assert!(board.poll_change().is_none());
        board.handle_time(12_000);
        assert_eq!(
            board.poll_change().map(|c| (c.name(), c.notice().id)),
            Some(("expired", billing))
        );
        board.withdraw(all).unwrap();
        assert_eq!(board.poll_change().map(|c| c.name()), Some("withdrawn"));
        assert!(board.up(None).is_empty());
        assert_eq!(board.withdraw(all), Err(NoticeError::Unknown(all)));
    }

    #[test]
    fn bad_notices_are_refused() {
        let mut board = NoticeBoard::default();
        assert_eq!(
            board.post(0, "  ", None, "s", 5000),
            Err(NoticeError::Empty)
        );
        let long = "x".repeat(MAX_NOTICE_CHARS + 1);
        assert_eq!(
            board.post(0, &long, None, "s", 5000),
            Err(NoticeError::TooLong(MAX_NOTICE_CHARS + 1))
        );
        assert_eq!(
            board.post(0, "hi", None, "s", 999),
            Err(NoticeError::Expiry(999))
        );
        assert!(board.poll_change().is_none());
    }
}
