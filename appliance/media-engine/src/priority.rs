//! Scheduling: the media engine's thread asks for real-time priority (SCHED_FIFO), so a
//! busy box (recorder threads encoding 240 calls, the web, the control plane) never makes
//! a tick late; threads doing bulk work (the recorder) ask for less than normal. Both
//! are requests: without the right (root or CAP_SYS_NICE) the box runs as before, and
//! says so once.

/// SCHED_FIFO priority of the engine thread: above anything a desktop or service runs
/// at by default, below the kernel's own threads (99) and the watchdog-type tasks.
pub const ENGINE_RT_PRIORITY: i32 = 50;

/// Asks for SCHED_FIFO at `priority` for the calling thread; whether it was granted.
pub fn request_realtime(priority: i32) -> bool {
    let param = libc::sched_param {
        sched_priority: priority,
    };
    // SAFETY: plain syscall on the calling thread (pid 0) with a valid parameter.
    let result = unsafe { libc::sched_setscheduler(0, libc::SCHED_FIFO, &param) };
    if result == 0 {
        tracing::info!(
            priority,
            "media engine runs at real-time priority (SCHED_FIFO)"
        );
        true
    } else {
        let error = std::io::Error::last_os_error();
        tracing::warn!(%error, "no real-time priority for the media engine (needs root or CAP_SYS_NICE); ticks may be late on a busy box");
        false
    }
}

/// Lowers the calling thread's priority by `nice` (1-19): bulk work that must not
/// compete with calls.
pub fn lower_priority(nice: i32) {
    // SAFETY: gettid and setpriority on the calling thread's own id.
    let result = unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, nice.clamp(1, 19))
    };
    if result != 0 {
        tracing::debug!(error = %std::io::Error::last_os_error(), "thread priority unchanged");
    }
}
