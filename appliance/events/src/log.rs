//! The sans-IO core of the bus: numbers events, keeps the newest of them, pages through
//! them. No actor, no clock: the caller passes both times in.

use crate::event::{Envelope, Event};
use serde::Serialize;
use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::sync::Arc;

/// Envelopes the box keeps for readers that come late or fall behind.
pub const DEFAULT_HISTORY: usize = 10_000;
/// The most envelopes one page holds, so one request cannot copy the whole history.
pub const MAX_PAGE: usize = 1_000;
/// A page's size when the reader does not say.
pub const DEFAULT_PAGE: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("limit must be at least 1")]
    ZeroLimit,
    #[error("limit {limit} is more than the {max} events a page holds")]
    LimitTooLarge { limit: usize, max: usize },
}

/// "The envelopes after `after`, at most `limit` of them", checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    after: u64,
    limit: usize,
}

impl PageRequest {
    pub fn new(after: u64, limit: usize) -> Result<PageRequest, QueryError> {
        match limit {
            0 => Err(QueryError::ZeroLimit),
            limit if limit > MAX_PAGE => Err(QueryError::LimitTooLarge {
                limit,
                max: MAX_PAGE,
            }),
            limit => Ok(PageRequest { after, limit }),
        }
    }

    /// The largest page, for readers catching up.
    pub fn largest(after: u64) -> PageRequest {
        PageRequest {
            after,
            limit: MAX_PAGE,
        }
    }

    pub fn after(&self) -> u64 {
        self.after
    }

    pub fn limit(&self) -> usize {
        self.limit
    }
}

/// One page of history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    /// In `seq` order, without gaps.
    pub events: Vec<Arc<Envelope>>,
    /// What to ask after next time: the last `seq` returned, or what was asked if none.
    pub next: u64,
    /// Events between `after` and the first one returned are lost to this reader: they
    /// fell out of the history, or `after` is from before the box restarted (it is
    /// beyond `last_seq`; numbering starts at 1 on every start, and the page then starts
    /// from the oldest held).
    pub missed: bool,
    /// The oldest `seq` still held; `None` before the first event.
    pub oldest_seq: Option<u64>,
    /// The newest `seq` published; 0 before the first event.
    pub last_seq: u64,
}

impl Page {
    /// Whether this page reached the newest event (no need to ask again at once).
    pub fn is_last(&self) -> bool {
        self.next >= self.last_seq
    }
}

/// Numbers events and keeps the newest `capacity` of them.
#[derive(Debug)]
pub struct EventLog {
    history: VecDeque<Arc<Envelope>>,
    capacity: NonZeroUsize,
    last_seq: u64,
}

impl Default for EventLog {
    fn default() -> EventLog {
        EventLog::new(NonZeroUsize::new(DEFAULT_HISTORY).unwrap_or(NonZeroUsize::MIN))
    }
}

impl EventLog {
    pub fn new(capacity: NonZeroUsize) -> EventLog {
        EventLog {
            // Allocated as it fills: a box that sees few events stays small.
            history: VecDeque::new(),
            capacity,
            last_seq: 0,
        }
    }

    /// Numbers `event` (the next `seq`), keeps it, dropping the oldest kept if full.
    pub fn append(&mut self, event: Event, at_ms: u64, unix_ms: u64) -> Arc<Envelope> {
        self.last_seq += 1;
        let envelope = Arc::new(Envelope {
            seq: self.last_seq,
            at_ms,
            unix_ms,
            event,
        });
        if self.history.len() == self.capacity.get() {
            self.history.pop_front();
        }
        self.history.push_back(envelope.clone());
        envelope
    }

    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    pub fn oldest_seq(&self) -> Option<u64> {
        self.history.front().map(|envelope| envelope.seq)
    }

    pub fn len(&self) -> usize {
        self.history.len()
    }

    pub fn is_empty(&self) -> bool {
        self.history.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity.get()
    }

    pub fn after(&self, request: PageRequest) -> Page {
        let (after, restarted) = if request.after > self.last_seq {
            (0, true)
        } else {
            (request.after, false)
        };
        let oldest_seq = self.oldest_seq();
        // The history holds oldest..=last_seq without gaps, so a seq is an index.
        let start = match oldest_seq {
            Some(oldest) => {
                usize::try_from((after + 1).saturating_sub(oldest)).unwrap_or(usize::MAX)
            }
            None => 0,
        };
        let events: Vec<Arc<Envelope>> = self
            .history
            .iter()
            .skip(start)
            .take(request.limit)
            .cloned()
            .collect();
        Page {
            next: events.last().map_or(after, |envelope| envelope.seq),
            missed: restarted || oldest_seq.is_some_and(|oldest| oldest > after + 1),
            events,
            oldest_seq,
            last_seq: self.last_seq,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::LineKind;

    fn line(n: u64) -> Event {
        Event::LineStateChanged {
            channel: format!("{n}/1"),
            kind: LineKind::Fxs,
            state: "idle".into(),
        }
    }

    fn log_of(capacity: usize, count: u64) -> EventLog {
        let mut log = EventLog::new(NonZeroUsize::new(capacity).expect("capacity"));
        for n in 1..=count {
            log.append(line(n), n * 20, 1_000 + n);
        }
        log
    }

    fn seqs(page: &Page) -> Vec<u64> {
        page.events.iter().map(|envelope| envelope.seq).collect()
    }

    fn request(after: u64, limit: usize) -> PageRequest {
        PageRequest::new(after, limit).expect("valid request")
    }

    #[test]
    fn appending_numbers_from_one_without_gaps_and_keeps_the_times() {
        let mut log = EventLog::default();
        assert_eq!(log.last_seq(), 0);
        assert_eq!(log.oldest_seq(), None);
        for expected in 1..=50 {
            let envelope = log.append(line(expected), expected * 20, 7);
            assert_eq!(envelope.seq, expected);
            assert_eq!(envelope.at_ms, expected * 20);
            assert_eq!(envelope.unix_ms, 7);
            assert_eq!(envelope.event, line(expected));
        }
        assert_eq!(log.last_seq(), 50);
        assert_eq!(
            seqs(&log.after(request(0, 100))),
            (1..=50).collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_history_keeps_only_the_newest_and_numbering_goes_on() {
        let log = log_of(10, 25);
        assert_eq!(log.len(), 10);
        assert_eq!(log.capacity(), 10);
        assert_eq!(log.oldest_seq(), Some(16));
        assert_eq!(log.last_seq(), 25);
        let page = log.after(request(15, 100));
        assert_eq!(seqs(&page), (16..=25).collect::<Vec<_>>());
        assert!(!page.missed, "nothing after 15 was dropped");
    }

    #[test]
    fn after_and_limit_page_through_the_history() {
        let log = log_of(100, 30);
        let first = log.after(request(0, 12));
        assert_eq!(seqs(&first), (1..=12).collect::<Vec<_>>());
        assert_eq!(first.next, 12);
        assert!(!first.is_last());
        let second = log.after(request(first.next, 12));
        assert_eq!(seqs(&second), (13..=24).collect::<Vec<_>>());
        let third = log.after(request(second.next, 12));
        assert_eq!(seqs(&third), (25..=30).collect::<Vec<_>>());
        assert_eq!(third.next, 30);
        assert!(third.is_last());
        assert_eq!(third.last_seq, 30);
        let empty = log.after(request(30, 12));
        assert!(empty.events.is_empty());
        assert_eq!(
            empty.next, 30,
            "asked after 30, nothing new: ask after 30 again"
        );
        assert!(!empty.missed);
    }

    #[test]
    fn asking_for_dropped_events_says_so_and_starts_at_the_oldest() {
        let log = log_of(10, 25);
        let page = log.after(request(3, 5));
        assert!(page.missed, "4..=15 are gone");
        assert_eq!(page.oldest_seq, Some(16));
        assert_eq!(seqs(&page), (16..=20).collect::<Vec<_>>());
        assert_eq!(page.next, 20);
        // Exactly at the edge nothing is missed: 16 is the next the reader needs.
        assert!(!log.after(request(15, 5)).missed);
        assert!(log.after(request(14, 5)).missed);
        assert!(log.after(request(0, 5)).missed);
    }

    #[test]
    fn a_seq_from_before_a_restart_starts_from_the_oldest_and_is_missed() {
        let log = log_of(100, 5);
        let page = log.after(request(4_000, 10));
        assert!(page.missed);
        assert_eq!(seqs(&page), vec![1, 2, 3, 4, 5]);
        let huge = log.after(request(u64::MAX, 10));
        assert_eq!(seqs(&huge), vec![1, 2, 3, 4, 5]);
        let empty = EventLog::default().after(request(9, 10));
        assert!(empty.events.is_empty());
        assert_eq!(empty.next, 0);
        assert_eq!(empty.oldest_seq, None);
    }

    #[test]
    fn an_empty_log_returns_an_empty_page() {
        let page = EventLog::default().after(request(0, 10));
        assert!(page.events.is_empty());
        assert!(!page.missed);
        assert_eq!(page.next, 0);
        assert_eq!(page.last_seq, 0);
        assert!(page.is_last());
    }

    #[test]
    fn a_page_request_needs_a_limit_between_one_and_the_maximum() {
        assert_eq!(PageRequest::new(0, 0), Err(QueryError::ZeroLimit));
        assert_eq!(
            PageRequest::new(0, MAX_PAGE + 1),
            Err(QueryError::LimitTooLarge {
                limit: MAX_PAGE + 1,
                max: MAX_PAGE
            })
        );
        assert_eq!(request(5, MAX_PAGE).limit(), MAX_PAGE);
        assert_eq!(PageRequest::largest(5).after(), 5);
    }

    #[test]
    fn a_page_serialises_for_the_web() {
        let json = serde_json::to_value(log_of(10, 12).after(request(0, 2))).expect("json");
        assert_eq!(json["events"][0]["seq"], 3);
        assert_eq!(json["events"][0]["event"]["type"], "line_state_changed");
        assert_eq!(json["next"], 4);
        assert_eq!(json["missed"], true);
        assert_eq!(json["oldest_seq"], 3);
        assert_eq!(json["last_seq"], 12);
    }
}
