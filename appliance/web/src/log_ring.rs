//! The box's recent log lines, kept in memory for the technician's log page: a bounded
//! ring (the oldest line goes when it is full) that the logging layer (`cli/logging.rs`)
//! writes every event into.

use serde::Serialize;
use std::collections::VecDeque;
use std::sync::{Mutex, OnceLock};

/// Lines kept.
pub const CAPACITY: usize = 5000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Error,
        Level::Warn,
        Level::Info,
        Level::Debug,
        Level::Trace,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|level| level.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub unix_ms: u64,
    pub level: Level,
    pub target: String,
    pub message: String,
}

#[derive(Default)]
pub struct LogRing {
    lines: Mutex<VecDeque<LogLine>>,
}

impl LogRing {
    pub fn push(&self, line: LogLine) {
        if let Ok(mut lines) = self.lines.lock() {
            if lines.len() >= CAPACITY {
                lines.pop_front();
            }
            lines.push_back(line);
        }
    }

    /// The newest `limit` lines at `min_level` or more severe whose target or message
    /// holds `text` (any case), newest first.
    pub fn recent(&self, min_level: Level, text: &str, limit: usize) -> Vec<LogLine> {
        let text = text.to_lowercase();
        let Ok(lines) = self.lines.lock() else {
            return Vec::new();
        };
        lines
            .iter()
            .rev()
            .filter(|line| line.level >= min_level)
            .filter(|line| {
                text.is_empty()
                    || line.message.to_lowercase().contains(&text)
                    || line.target.to_lowercase().contains(&text)
            })
            .take(limit)
            .cloned()
            .collect()
    }
}

/// The process's ring (the log is the process's too).
pub fn global() -> &'static LogRing {
    static RING: OnceLock<LogRing> = OnceLock::new();
    RING.get_or_init(LogRing::default)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: u64, level: Level, message: &str) -> LogLine {
        LogLine {
            unix_ms: n,
            level,
            target: "call_control::span".into(),
            message: message.into(),
        }
    }

    #[test]
    fn the_ring_keeps_the_newest_and_filters_by_level_and_text() {
        let ring = LogRing::default();
        for n in 0..(CAPACITY as u64 + 10) {
            ring.push(line(
                n,
                if n % 2 == 0 { Level::Info } else { Level::Warn },
                &format!("line {n}"),
            ));
        }
        let all = ring.recent(Level::Trace, "", usize::MAX);
        assert_eq!(all.len(), CAPACITY);
        assert_eq!(all[0].unix_ms, CAPACITY as u64 + 9, "newest first");
        assert_eq!(
            all.last().map(|l| l.unix_ms),
            Some(10),
            "the oldest ten are gone"
        );
        let warnings = ring.recent(Level::Warn, "", 3);
        assert_eq!(
            warnings.iter().map(|l| l.unix_ms).collect::<Vec<_>>(),
            [5009, 5007, 5005]
        );
        assert!(warnings.iter().all(|l| l.level == Level::Warn));
        let found = ring.recent(Level::Trace, "LINE 4999", 10);
        assert_eq!(found.len(), 1);
        assert_eq!(ring.recent(Level::Error, "", 10), []);
        assert_eq!(
            ring.recent(Level::Trace, "SPAN", 2).len(),
            2,
            "matches the target too"
        );
    }
}
