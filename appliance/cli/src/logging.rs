//! Structured logs (tracing) to stderr, filtered by an environment variable, and into
//! the web's log ring (the technician's log page).

use box_web::log_ring::{self, Level, LogLine};
use std::fmt::Write as _;
use std::io::IsTerminal;
use tracing_subscriber::prelude::*;

/// Starts logging at `default_level` unless `env_var` holds a filter (e.g. `debug`,
/// `info,call_control=debug`). Calling it twice is harmless.
pub fn init(env_var: &str, default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env(env_var)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let colour = use_colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let stderr = tracing_subscriber::fmt::layer()
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(stderr)
        .with(RingLayer)
        .try_init();
}

/// Copies every event that passes the filter into the web's log ring.
struct RingLayer;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for RingLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let metadata = event.metadata();
        let level = match *metadata.level() {
            tracing::Level::ERROR => Level::Error,
            tracing::Level::WARN => Level::Warn,
            tracing::Level::INFO => Level::Info,
            tracing::Level::DEBUG => Level::Debug,
            tracing::Level::TRACE => Level::Trace,
        };
        let mut message = Message(String::new());
        event.record(&mut message);
        log_ring::global().push(LogLine {
            unix_ms: box_web::auth::store::now_unix_ms(),
            level,
            target: metadata.target().to_owned(),
            message: message.0,
        });
    }
}

/// An event's message, then its other fields as `name=value`.
struct Message(String);

impl tracing::field::Visit for Message {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}

/// Colour codes only for a person at a terminal: a log file, a pipe or the journal gets
/// plain text. `NO_COLOR` (any non-empty value) turns colour off everywhere.
fn use_colour(stderr_is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::use_colour;
    use std::ffi::OsStr;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(use_colour(true, None));
        assert!(use_colour(true, Some(OsStr::new(""))));
        assert!(!use_colour(false, None));
        assert!(!use_colour(true, Some(OsStr::new("1"))));
    }
}
