//! Test-only bindings to libpri. Nothing shipped depends on this crate.
