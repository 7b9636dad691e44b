//! The one place that turns a command's outcome into an exit code and a message: 0 done, 1 the
//! check found something (stale code, breaking changes; a delegated run passes its binary's own code on), 2 the input or the
//! environment is wrong (the message names the file and place).

use std::process::ExitCode;

/// Why a command did not succeed.
pub enum Failure {
    /// The check ran and found a problem; the command has printed what (diff, report).
    Found,
    /// The command could not do its work: bad input, I/O, a tool that cannot run.
    Error(String),
    /// A delegated binary's own exit code (it printed its own message).
    Passed(u8),
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Error(e.to_string())
    }
}

/// What every command returns.
pub type Outcome = Result<(), Failure>;

pub fn code(outcome: Outcome) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Found) => ExitCode::from(1),
        Err(Failure::Passed(code)) => ExitCode::from(code),
        Err(Failure::Error(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
