//! `appliance`: the call-center box.

use anyhow::Context;
use appliance::boot::{start_box, BoxOptions};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "appliance",
    version,
    about = "Call-center appliance: IVR, ACD, recording and reporting over E1 and analog lines"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the box: media engine, line and call actors, database and web port.
    ///
    /// With no telephony card the box serves soft spans and ports: Unix sockets in the
    /// configured device directory that a far end (the HIL rig, or your own program
    /// speaking drivers/soft-hardware/WIRE-FORMAT.md) plugs into.
    Run {
        /// Configuration directory (system.toml, lines.toml, routes.toml).
        #[arg(long, default_value = "/etc/appliance")]
        config: PathBuf,
        /// Data directory: database, recordings.
        #[arg(long, default_value = "/var/lib/appliance")]
        data: PathBuf,
        /// Start the box's wall clock at this Unix time in milliseconds instead of the
        /// system clock's (IVR time conditions, CDR times; for test rigs).
        #[arg(long, value_name = "UNIX_MS")]
        epoch_unix_ms: Option<u64>,
        /// A file holding an API token (32 characters or more) to install as the admin
        /// token `provisioning`: how an installer or a test rig reaches the API before
        /// anyone has signed in. Keep the file readable by root only.
        #[arg(long, value_name = "FILE")]
        provision_token_file: Option<PathBuf>,
    },
    /// Check a configuration directory and report every error with file, line, field and
    /// reason. Exits non-zero when there is any.
    CheckConfig {
        /// Configuration directory to check.
        dir: PathBuf,
    },
    /// Run the box with a traffic generator: simulated callers ring the FXO lines and
    /// simulated phones on the FXS ports answer, talk and hang up, so calls flow.
    #[cfg(feature = "demo")]
    Demo {
        #[arg(long, default_value = "config/demo")]
        config: PathBuf,
        #[arg(long, default_value = "target/demo-data")]
        data: PathBuf,
        /// Mean seconds between new calls on each FXO line.
        #[arg(long, default_value_t = 8.0)]
        call_interval: f64,
        /// Stop after this many seconds (runs until Ctrl-C when absent).
        #[arg(long)]
        seconds: Option<u64>,
    },
    /// Built without the `demo` feature, the binary has no traffic generator (it would
    /// link the HIL rig's simulators); this only says where the demo is.
    #[cfg(not(feature = "demo"))]
    #[command(hide = true, disable_help_flag = true)]
    Demo {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
        _args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::CheckConfig { dir } => return check_config(&dir),
        Command::Run {
            config,
            data,
            epoch_unix_ms,
            provision_token_file,
        } => run(config, data, epoch_unix_ms, provision_token_file),
        #[cfg(feature = "demo")]
        Command::Demo {
            config,
            data,
            call_interval,
            seconds,
        } => {
            init_logs("info");
            appliance::demo::run_demo(&config, &data, call_interval, seconds)
        }
        #[cfg(not(feature = "demo"))]
        Command::Demo { .. } => Err(anyhow::anyhow!(
            "this appliance is built without the demo (its traffic generator is not part of \
             the shipped binary): run `bash xtask/demo.sh`, or build with \
             `cargo build -p appliance --features demo`"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("appliance: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logs(default_level: &str) {
    appliance::logging::init("APPLIANCE_LOG", default_level);
}

fn check_config(dir: &std::path::Path) -> ExitCode {
    match box_config::Config::load(dir) {
        Ok(config) => {
            println!(
                "{}: configuration is valid ({}, {})",
                dir.display(),
                counted(config.spans.len(), "span"),
                counted(config.ports.len(), "port")
            );
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for error in errors.iter() {
                eprintln!("{error}");
            }
            eprintln!(
                "{}: {} error(s); configuration refused",
                dir.display(),
                errors.len()
            );
            ExitCode::FAILURE
        }
    }
}

fn run(
    config: PathBuf,
    data: PathBuf,
    epoch_unix_ms: Option<u64>,
    provision_token_file: Option<PathBuf>,
) -> anyhow::Result<()> {
    init_logs("info");
    let signals = appliance::boot::block_stop_signals()?;
    let mut options = BoxOptions::new(config, data);
    options.epoch_unix_ms = epoch_unix_ms;
    if let Some(file) = provision_token_file {
        let token = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read the provisioning token {}", file.display()))?;
        options.provision_token = Some(token.trim().to_owned());
    }
    let running = start_box(options).context("box did not start")?;
    println!("web UI: {}/", running.web_url());
    println!("status: {}/api/status", running.web_url());
    running.wait_for(&signals)
}

/// `1 span`, `3 spans`.
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
