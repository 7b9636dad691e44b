//! Output formats: a table for people (the default on a terminal), JSON for programs (the default
//! otherwise) and CSV for spreadsheets. Accounts are written as they arrive, never collected first.
//!
//! JSON of an account is exactly the API's CourseAccount object (the same field names and values as
//! Waldur returns: `uuid`, `url`, `email`, `username`, `state`, `project`, `project_uuid`,
//! `project_name`, `project_slug`, `project_start_date`, `project_end_date`, `customer_uuid`,
//! `customer_name`, `user_uuid`, `description`, `error_message`, `error_traceback`, `created`,
//! `modified`); `list` writes a JSON array of them.
//!
//! What any of them prints that came from a server is made safe first ([`crate::shown`]): table
//! cells escaped, CSV cells escaped and neutralised for spreadsheets, and in JSON the characters JSON
//! allows raw but a terminal obeys (DEL, C1 controls, direction overrides) written as `\uXXXX`
//! escapes, which JSON readers read back as the same text.
//!
//! This file holds what every write goes through: the lines of the `out!` and `note!` macros, bytes
//! of our own, the rule for a failed write (a reader that went away is exit 141, not an error) and
//! the choice of format. The rest is one module per job: [`json`](mod@json) (JSON text made
//! terminal-safe, and whole documents), [`fields`](mod@fields) (an account's fields by name, for
//! `list --fields`) and [`accounts`] (the writer of accounts, one by one, in any format).

mod accounts;
mod fields;
mod json;

use std::io::{IsTerminal, Write};

use crate::Failure;
use crate::shown::shown;

pub use accounts::AccountWriter;
pub use fields::fields;
pub use json::json;

/// One line on stdout (the `out!` macro): text from elsewhere is already [`shown`]; any control
/// character left but the line breaks of our own text is escaped here too, as a last guard.
pub fn line(args: std::fmt::Arguments<'_>) -> Result<(), Failure> {
    let safe = guarded(args);
    let mut out = std::io::stdout().lock();
    out.write_all(safe.as_bytes()).and_then(|()| out.write_all(b"\n")).map_err(write_failed)
}

/// One line on stderr (the `note!` macro), guarded as [`line`] is; a stderr that is gone is ignored.
pub fn note(args: std::fmt::Arguments<'_>) {
    let safe = guarded(args);
    let _ = writeln!(std::io::stderr(), "{safe}");
}

/// A line of ours with anything from elsewhere in it escaped, our own line breaks kept.
fn guarded(args: std::fmt::Arguments<'_>) -> String {
    args.to_string().split('\n').map(|part| shown(part).into_owned()).collect::<Vec<_>>().join("\n")
}

/// Bytes made by this program (a completion script, the manual page) to stdout.
pub fn bytes(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush()).map_err(write_failed)
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// The formats of the commands that show one document (`get`, `reconcile`): no CSV.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShowFormat {
    Table,
    Json,
}

impl From<ShowFormat> for Format {
    fn from(format: ShowFormat) -> Format {
        match format {
            ShowFormat::Table => Format::Table,
            ShowFormat::Json => Format::Json,
        }
    }
}

/// The format asked for, else a table on a terminal and JSON otherwise.
pub fn resolve(format: Option<Format>) -> Format {
    format.unwrap_or(if std::io::stdout().is_terminal() { Format::Table } else { Format::Json })
}

/// A write of the output that failed. A reader that went away (`list | head`) is not an error of
/// ours: the command stops quietly, as Unix tools do ([`Failure::ClosedPipe`]).
pub fn write_failed(e: std::io::Error) -> Failure {
    // After SIGHUP the terminal is gone and a write fails with EIO: the run was interrupted.
    if crate::interrupt::requested() {
        Failure::Interrupted
    } else if e.kind() == std::io::ErrorKind::BrokenPipe {
        Failure::ClosedPipe
    } else {
        Failure::Error(format!("cannot write the output: {e}"))
    }
}
