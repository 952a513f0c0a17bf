//! IVR flows, sans-IO like the protocol stacks: no actix, no clock, no I/O.
//!
//! - [`flow`]: the flow model as configured (TOML) and its validation, used by
//!   `check-config` and later by the web UI's flow editor.
//! - [`say`]: numbers, digits, dates, times and money amounts as sequences of prompt
//!   fragments, in English and Mandarin.
//! - [`schedule`]: time conditions: weekly opening hours, holidays, the box's time zone.
//! - [`session`]: the interpreter: an IVR session fed digits, playback completions, time
//!   and lookup results, drained for actions and log events; a call session runs it as
//!   an application.

pub mod flow;
pub mod say;
pub mod schedule;
pub mod session;
