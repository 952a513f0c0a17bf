//! Structured logs (tracing) to stderr, filtered by an environment variable.

/// Starts logging at `default_level` unless `env_var` holds a filter (e.g. `debug`,
/// `info,call_control=debug`). Calling it twice is harmless.
pub fn init(env_var: &str, default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env(env_var)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
