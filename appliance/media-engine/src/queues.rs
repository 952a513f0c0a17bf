//! The bounded lock-free queues between the engine thread and the control plane, and the
//! eventfd that wakes the event dispatcher without the engine ever blocking.

use crate::messages::{EngineCommand, EngineEvent};
use crate::work::WorkToken;
use heapless::mpmc::MpMcQueue;
use nix::sys::eventfd::{EfdFlags, EventFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub const COMMAND_CAPACITY: usize = 1024;
pub const EVENT_CAPACITY: usize = 1024;

pub(crate) type CommandQueue = MpMcQueue<EngineCommand, COMMAND_CAPACITY>;
pub(crate) type EventQueue = MpMcQueue<(EngineEvent, WorkToken), EVENT_CAPACITY>;

/// The command queue is full: the engine is not keeping up (or not running).
#[derive(Debug, thiserror::Error)]
#[error("media engine command queue is full ({COMMAND_CAPACITY} commands waiting); dropped a {command} command")]
pub struct QueueFull {
    pub command: &'static str,
}

/// Clonable handle actors use to command the engine.
#[derive(Clone)]
pub struct CommandSender {
    pub(crate) queue: Arc<CommandQueue>,
}

impl CommandSender {
    pub fn send(&self, command: EngineCommand) -> Result<(), QueueFull> {
        self.queue.enqueue(command).map_err(|dropped| QueueFull {
            command: dropped.name(),
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
