//! Errors for commands a stack refuses; the stack itself never panics on input.

use line_boundary::LineCommand;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AnalogError {
    /// The command exists for this side of the loop but not in the current state.
    #[error("{side} port in state {state} cannot take command {command}")]
    InvalidCommand {
        side: &'static str,
        state: &'static str,
        command: &'static str,
    },
    /// The command has no meaning for this side of the loop at all.
    #[error("{side} port does not support command {command}")]
    Unsupported {
        side: &'static str,
        command: &'static str,
    },
    /// An outgoing call was asked for while the line is being rung (glare).
    #[error("{side} port cannot call out in state {state}: an incoming call is arriving")]
    Glare {
        side: &'static str,
        state: &'static str,
    },
}

/// A short name for a command, for error messages and logs.
pub(crate) fn command_name(command: &LineCommand) -> &'static str {
    match command {
        LineCommand::Answer => "answer",
        LineCommand::Alert => "alert",
        LineCommand::CallOut { .. } => "call_out",
        LineCommand::Ring { .. } => "ring",
        LineCommand::PlayTone { .. } => "play_tone",
        LineCommand::StopTone => "stop_tone",
        LineCommand::Hangup { .. } => "hangup",
    }
}
