//! Test-only bindings to libpri. Nothing shipped depends on this crate.
//!
//! * [`libpri`]: hand-written FFI to libpri and [`libpri::LibPri`], a safe wrapper whose
//!   D-channel frames the test code carries (feed / take_written / check_event, plus the
//!   call helpers for Q.931 tests).
//! * [`harness`]: [`harness::PriHarness`], our Q.921 facing libpri in real time,
//!   optionally through our HDLC framing.
//!
//! libpri keeps some global state (its message hooks); tests that use it should hold
//! [`LIBPRI_LOCK`] so they do not run concurrently.

pub mod harness;
pub mod libpri;

/// Serialises tests that drive libpri.
pub static LIBPRI_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Take [`LIBPRI_LOCK`], surviving a poisoned lock (a failed test elsewhere).
pub fn libpri_lock() -> std::sync::MutexGuard<'static, ()> {
    LIBPRI_LOCK.lock().unwrap_or_else(|p| p.into_inner())
}
