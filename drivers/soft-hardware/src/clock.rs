//! Clocking the media engine: a timerfd for real time, poll(2) for lock-step.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::time::Duration;

use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};

use crate::device::SoftDevice;
use crate::error::SoftHwError;

/// Periodic CLOCK_MONOTONIC timer for real-time clocking (normally 20 ms).
pub struct RealTimeClock {
    timer: TimerFd,
}

impl RealTimeClock {
    pub fn new(period: Duration) -> Result<Self, SoftHwError> {
        if period.is_zero() {
            // A zero interval would disarm the timerfd and wait_tick would never return.
            return Err(SoftHwError::Clock {
                doing: "period must be non-zero",
                source: Errno::EINVAL,
            });
        }
        let timer =
            TimerFd::new(ClockId::CLOCK_MONOTONIC, TimerFlags::TFD_CLOEXEC).map_err(|source| {
                SoftHwError::Clock {
                    doing: "creating timerfd",
                    source,
                }
            })?;
        timer
            .set(
                Expiration::Interval(TimeSpec::from_duration(period)),
                TimerSetTimeFlags::empty(),
            )
            .map_err(|source| SoftHwError::Clock {
                doing: "arming timerfd",
                source,
            })?;
        Ok(RealTimeClock { timer })
    }

    /// Blocks until the next tick. Returns the periods elapsed since the last call:
    /// 1 is on time, more means ticks were missed (the engine should catch up or count).
    pub fn wait_tick(&mut self) -> Result<u64, SoftHwError> {
        let mut buf = [0u8; 8];
        loop {
            match nix::unistd::read(self.timer.as_fd().as_raw_fd(), &mut buf) {
                Ok(8) => return Ok(u64::from_ne_bytes(buf)),
                Ok(_) => {
                    return Err(SoftHwError::Clock {
                        doing: "reading timerfd",
                        source: Errno::EIO,
                    })
                }
                Err(Errno::EINTR) => continue,
                Err(source) => {
                    return Err(SoftHwError::Clock {
                        doing: "reading timerfd",
                        source,
                    })
                }
            }
        }
    }

    /// For callers that poll the timer together with other fds.
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.timer.as_fd()
    }
}

/// Most devices [`wait_readable`] watches at once (two fds each, fixed array).
pub const MAX_POLL_DEVICES: usize = 64;

/// Blocks in poll(2) until any device's listener or connection is readable (or a
/// connection with pending output is writable), or `timeout` passes. Call
/// `poll_accept` and `receive` afterwards; `receive` also flushes pending output.
/// Interrupted waits return `Ok` early.
pub fn wait_readable<'a, I>(devices: I, timeout: Duration) -> Result<(), SoftHwError>
where
    I: IntoIterator<Item = &'a SoftDevice>,
{
    // heapless: the poll set lives on the stack, no allocation per wait.
    let mut fds: heapless::Vec<PollFd<'a>, { 2 * MAX_POLL_DEVICES }> = heapless::Vec::new();
    for dev in devices {
        let (listener, conn) = dev.poll_interest();
        fds.push(PollFd::new(listener, PollFlags::POLLIN))
            .map_err(|_| too_many_devices())?;
        if let Some((fd, wants_write)) = conn {
            let mut flags = PollFlags::POLLIN;
            if wants_write {
                flags |= PollFlags::POLLOUT;
            }
            fds.push(PollFd::new(fd, flags))
                .map_err(|_| too_many_devices())?;
        }
    }
    let timeout = PollTimeout::try_from(timeout).unwrap_or(PollTimeout::MAX);
    match poll(&mut fds, timeout) {
        Ok(_) | Err(Errno::EINTR) => Ok(()),
        Err(source) => Err(SoftHwError::Poll { source }),
    }
}

fn too_many_devices() -> SoftHwError {
    SoftHwError::TooManyDevices {
        max: MAX_POLL_DEVICES,
    }
}
