//! Test helpers: a temp dir, and driving the box while a blocking far end runs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use soft_hardware::{ClockMode, DeviceKind, FarEnd, Hello, SoftDevice, SoftHwError};

pub const T: Duration = Duration::from_secs(5);

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "softhw-{}-{}-{}",
            tag,
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One box "tick" of I/O.
pub fn pump(dev: &mut SoftDevice) {
    dev.poll_accept().unwrap();
    dev.receive().unwrap();
}

/// Pumps the box until `done(dev)` or a timeout (panics).
pub fn pump_until(dev: &mut SoftDevice, what: &str, mut done: impl FnMut(&SoftDevice) -> bool) {
    let deadline = Instant::now() + T;
    while !done(dev) {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        pump(dev);
        thread::sleep(Duration::from_millis(1));
    }
}

/// Runs `f` on a thread while pumping the box; returns its result.
pub fn with_pumping<R: Send + 'static>(
    dev: &mut SoftDevice,
    f: impl FnOnce() -> R + Send + 'static,
) -> R {
    let h = thread::spawn(f);
    let deadline = Instant::now() + T + T;
    while !h.is_finished() {
        assert!(Instant::now() < deadline, "far end thread hung");
        pump(dev);
        thread::sleep(Duration::from_millis(1));
    }
    h.join().unwrap()
}

/// `FarEnd::connect` while the box is pumped.
pub fn connect(
    dev: &mut SoftDevice,
    kind: Option<DeviceKind>,
    clock: Option<ClockMode>,
) -> Result<(FarEnd, Hello), SoftHwError> {
    let path = dev.path().to_path_buf();
    with_pumping(dev, move || FarEnd::connect(&path, kind, clock, T))
}
