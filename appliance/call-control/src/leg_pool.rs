//! The one owner of "is this channel free": every line (analog port or B-channel) with what
//! its line reports and which call, if any, holds it. Sans-IO: the switchboard feeds it line
//! reports and reserves and releases channels for calls; tests drive it directly.
//!
//! A channel is free only when its line says idle *and* no call holds it. A call holds its
//! channels from the moment it is routed (before the line is told anything) until it ends;
//! a line may stay busy after that (a B-channel until RELEASE COMPLETE, a phone until it
//! is hung up), which its own reports say.

use crate::messages::CallId;
use line_boundary::{ChannelId, LineKind};
use std::collections::BTreeMap;

pub use crate::messages::LineState;

/// Why a channel could not be reserved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReserveError {
    #[error("no channel {0} in the pool")]
    Unknown(ChannelId),
    #[error("channel {channel} is held by call {call}")]
    HeldBy { channel: ChannelId, call: CallId },
    #[error("channel {channel}'s line is {state:?}")]
    LineBusy {
        channel: ChannelId,
        state: LineState,
    },
}

/// Which end of a span's B-channels to take first: the two sides of a PRI hunt from
/// opposite ends, so they rarely pick the same channel at once (glare).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hunt {
    Upward,
    Downward,
}

/// One channel of the pool.
#[derive(Debug, Clone)]
pub struct PoolEntry {
    pub kind: LineKind,
    /// The extension an FXS port answers to.
    pub extension: Option<String>,
    pub line: LineState,
    /// The line's own word for its state (the stack's state name), for status pages.
    pub detail: &'static str,
    pub call: Option<CallId>,
}

impl PoolEntry {
    pub fn is_free(&self) -> bool {
        self.line == LineState::Idle && self.call.is_none()
    }
}

#[derive(Debug, Default)]
pub struct LegPool {
    entries: BTreeMap<ChannelId, PoolEntry>,
}

impl LegPool {
    /// Adds a channel; it is out of service until its line first reports.
    pub fn add(&mut self, channel: ChannelId, kind: LineKind, extension: Option<String>) {
        self.entries.insert(
            channel,
            PoolEntry {
                kind,
                extension,
                line: LineState::OutOfService,
                detail: "starting",
                call: None,
            },
        );
    }

    pub fn get(&self, channel: ChannelId) -> Option<&PoolEntry> {
        self.entries.get(&channel)
    }

    pub fn entries(&self) -> impl Iterator<Item = (ChannelId, &PoolEntry)> {
        self.entries.iter().map(|(c, e)| (*c, e))
    }

    /// The line reported its state.
    pub fn line_changed(&mut self, channel: ChannelId, line: LineState, detail: &'static str) {
        if let Some(entry) = self.entries.get_mut(&channel) {
            entry.line = line;
            entry.detail = detail;
        }
    }

    pub fn is_free(&self, channel: ChannelId) -> bool {
        self.entries.get(&channel).is_some_and(PoolEntry::is_free)
    }

    /// Holds a free channel for `call`.
    pub fn reserve(&mut self, channel: ChannelId, call: &CallId) -> Result<(), ReserveError> {
        let entry = self
            .entries
            .get_mut(&channel)
            .ok_or(ReserveError::Unknown(channel))?;
        if let Some(holder) = &entry.call {
            return Err(ReserveError::HeldBy {
                channel,
                call: holder.clone(),
            });
        }
        if entry.line != LineState::Idle {
            return Err(ReserveError::LineBusy {
                channel,
                state: entry.line,
            });
        }
        entry.call = Some(call.clone());
        Ok(())
    }

    /// Holds a channel for a call its own line started (the call's origin): the line is
    /// busy by definition. Returns the call that held it before, which must give way.
    pub fn seize(&mut self, channel: ChannelId, call: &CallId) -> Option<CallId> {
        let entry = self.entries.get_mut(&channel)?;
        entry.call.replace(call.clone())
    }

    /// Lets go of every channel `call` holds.
    pub fn release_call(&mut self, call: &CallId) {
        for entry in self.entries.values_mut() {
            if entry.call.as_ref() == Some(call) {
                entry.call = None;
            }
        }
    }

    /// Lets go of one channel, if `call` holds it.
    pub fn release(&mut self, channel: ChannelId, call: &CallId) {
        if let Some(entry) = self.entries.get_mut(&channel) {
            if entry.call.as_ref() == Some(call) {
                entry.call = None;
            }
        }
    }

    pub fn call_on(&self, channel: ChannelId) -> Option<&CallId> {
        self.entries.get(&channel).and_then(|e| e.call.as_ref())
    }

    /// The channel of the FXS port with this extension.
    pub fn extension(&self, extension: &str) -> Option<ChannelId> {
        self.entries
            .iter()
            .find(|(_, e)| e.extension.as_deref() == Some(extension))
            .map(|(c, _)| *c)
    }

    /// A free trunk channel on `device` (an FXO port, or a B-channel), hunting as asked.
    pub fn free_trunk(&self, device: u16, hunt: Hunt) -> Option<ChannelId> {
        let mut free = self
            .entries
            .iter()
            .filter(|(c, e)| c.device == device && e.kind != LineKind::Fxs && e.is_free())
            .map(|(c, _)| *c);
        match hunt {
            Hunt::Upward => free.next(),
            Hunt::Downward => free.next_back(),
        }
    }

    /// How many of `device`'s channels are busy (held by a call or not idle).
    pub fn busy_on(&self, device: u16) -> usize {
        self.entries
            .iter()
            .filter(|(c, e)| c.device == device && !e.is_free())
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(device: u16, channel: u16) -> ChannelId {
        ChannelId { device, channel }
    }

    fn call(name: &str) -> CallId {
        name.into()
    }

    fn span_pool() -> LegPool {
        let mut pool = LegPool::default();
        for ts in [1, 2, 3] {
            pool.add(ch(1, ts), LineKind::E1, None);
            pool.line_changed(ch(1, ts), LineState::Idle, "idle");
        }
        pool.add(ch(4, 1), LineKind::Fxs, Some("201".into()));
        pool
    }

    #[test]
    fn a_channel_is_free_only_when_its_line_is_idle_and_no_call_holds_it() {
        let mut pool = span_pool();
        assert!(!pool.is_free(ch(4, 1)), "not free before its line reports");
        pool.line_changed(ch(4, 1), LineState::Idle, "idle");
        assert!(pool.is_free(ch(4, 1)));
        pool.reserve(ch(4, 1), &call("c1")).unwrap();
        assert!(!pool.is_free(ch(4, 1)));
        assert_eq!(
            pool.reserve(ch(4, 1), &call("c2")),
            Err(ReserveError::HeldBy {
                channel: ch(4, 1),
                call: call("c1")
            })
        );
        pool.release_call(&call("c1"));
        assert!(pool.is_free(ch(4, 1)));
        pool.line_changed(ch(4, 1), LineState::InUse, "dial_tone");
        assert!(matches!(
            pool.reserve(ch(4, 1), &call("c3")),
            Err(ReserveError::LineBusy { .. })
        ));
        assert_eq!(
            pool.reserve(ch(9, 9), &call("c3")),
            Err(ReserveError::Unknown(ch(9, 9)))
        );
    }

    #[test]
    fn a_call_that_ended_leaves_its_b_channel_busy_until_the_line_is_idle() {
        let mut pool = span_pool();
        pool.reserve(ch(1, 1), &call("c1")).unwrap();
        pool.line_changed(ch(1, 1), LineState::InUse, "busy");
        pool.release_call(&call("c1"));
        assert_eq!(pool.busy_on(1), 1, "still clearing on the line");
        assert_eq!(pool.free_trunk(1, Hunt::Upward), Some(ch(1, 2)));
        pool.line_changed(ch(1, 1), LineState::Idle, "idle");
        assert_eq!(pool.busy_on(1), 0);
        assert_eq!(pool.free_trunk(1, Hunt::Upward), Some(ch(1, 1)));
        assert_eq!(pool.free_trunk(1, Hunt::Downward), Some(ch(1, 3)));
    }

    #[test]
    fn a_line_that_starts_its_own_call_takes_its_channel_from_the_reserved_call() {
        let mut pool = span_pool();
        pool.line_changed(ch(4, 1), LineState::Idle, "idle");
        pool.reserve(ch(4, 1), &call("c1")).unwrap();
        assert_eq!(pool.seize(ch(4, 1), &call("c2")), Some(call("c1")));
        assert_eq!(pool.call_on(ch(4, 1)), Some(&call("c2")));
        // The old call's end no longer frees the channel.
        pool.release_call(&call("c1"));
        assert_eq!(pool.call_on(ch(4, 1)), Some(&call("c2")));
    }

    #[test]
    fn releasing_a_call_frees_every_channel_it_held_and_no_other() {
        let mut pool = span_pool();
        pool.reserve(ch(1, 1), &call("c1")).unwrap();
        pool.reserve(ch(1, 2), &call("c1")).unwrap();
        pool.reserve(ch(1, 3), &call("c2")).unwrap();
        pool.release_call(&call("c1"));
        assert_eq!(pool.busy_on(1), 1);
        assert_eq!(pool.call_on(ch(1, 3)), Some(&call("c2")));
        assert_eq!(pool.extension("201"), Some(ch(4, 1)));
        assert_eq!(pool.extension("999"), None);
    }
}
