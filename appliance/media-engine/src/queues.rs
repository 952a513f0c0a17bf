//! The bounded lock-free queues between the engine thread and the control plane, and the
//! eventfd that wakes the event dispatcher without the engine ever blocking.
//!
//! Both queues are `crossbeam_queue::ArrayQueue`s: allocated once, a push onto a full
//! queue fails at once. (heapless 0.8's `MpMcQueue` with `mpmc_large`, used before, spins
//! forever when a queue of more than 128 slots is full: rust-embedded/heapless#461.)
//! Like every array queue of that design, a pop can briefly wait for a push that has
//! claimed its slot but not yet published it (a few instructions on the other side).

use crate::messages::{EngineCommand, EngineEvent};
use crate::stats::EngineStats;
use crate::work::WorkToken;
use crossbeam_queue::ArrayQueue;
use nix::sys::eventfd::{EfdFlags, EventFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub const COMMAND_CAPACITY: usize = 1024;
pub const EVENT_CAPACITY: usize = 1024;

pub(crate) type CommandQueue = ArrayQueue<EngineCommand>;
pub(crate) type EventQueue = ArrayQueue<(EngineEvent, WorkToken)>;

pub(crate) fn command_queue() -> CommandQueue {
    ArrayQueue::new(COMMAND_CAPACITY)
}

pub(crate) fn event_queue() -> EventQueue {
    ArrayQueue::new(EVENT_CAPACITY)
}

/// The command queue is full: the engine is not keeping up (or not running).
#[derive(Debug, thiserror::Error)]
#[error("media engine command queue is full ({COMMAND_CAPACITY} commands waiting); dropped a {command} command")]
pub struct QueueFull {
    pub command: &'static str,
}

/// Clonable handle actors use to command the engine. Never blocks.
#[derive(Clone)]
pub struct CommandSender {
    pub(crate) queue: Arc<CommandQueue>,
    pub(crate) stats: Arc<EngineStats>,
}

impl CommandSender {
    /// Queues `command` for the next tick, or gives it back as `QueueFull` at once.
    pub fn send(&self, command: EngineCommand) -> Result<(), QueueFull> {
        self.queue.push(command).map_err(|dropped| {
            self.stats.commands_refused.fetch_add(1, Ordering::Relaxed);
            QueueFull {
                command: dropped.name(),
            }
        })
    }
}

/// Wakes the dispatcher thread. Writing an eventfd never blocks short of 2^64 wake-ups.
pub(crate) struct Doorbell {
    fd: EventFd,
    closed: AtomicBool,
}

impl Doorbell {
    pub(crate) fn new() -> nix::Result<Doorbell> {
        Ok(Doorbell {
            fd: EventFd::from_value_and_flags(0, EfdFlags::EFD_CLOEXEC)?,
            closed: AtomicBool::new(false),
        })
    }

    pub(crate) fn ring(&self) {
        // A failed write only delays delivery to the next ring; nothing to do in a tick.
        let _ = self.fd.write(1);
    }

    /// Blocks until rung. Returns false once closed.
    pub(crate) fn wait(&self) -> bool {
        let _ = self.fd.read();
        !self.closed.load(Ordering::Acquire)
    }

    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.ring();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::Slot;

    fn wake(slot: u16) -> EngineCommand {
        EngineCommand::WakeAt {
            slot: Slot(slot),
            at_ms: None,
        }
    }

    #[test]
    fn a_full_command_queue_says_so_and_takes_commands_again_once_drained() {
        let sender = CommandSender {
            queue: Arc::new(command_queue()),
            stats: Arc::new(EngineStats::new([])),
        };
        for n in 0..COMMAND_CAPACITY {
            sender
                .send(wake(n as u16))
                .expect("room for the first 1024");
        }
        let full = sender.send(wake(0)).expect_err("the 1025th is refused");
        assert_eq!(full.command, "wake-at");
        assert!(full.to_string().contains("1024 commands waiting"), "{full}");
        assert_eq!(sender.stats.snapshot().commands_refused, 1);
        // First in, first out, and room again after one is taken.
        assert!(matches!(
            sender.queue.pop(),
            Some(EngineCommand::WakeAt { slot: Slot(0), .. })
        ));
        sender.send(wake(7)).expect("room again");
    }
}
