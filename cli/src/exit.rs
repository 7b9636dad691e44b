//! How a run ends, and the exit code that says so: the one table of exit codes. `--help`, the manual
//! page and README's "Command line" are made from [`CODES`] (a test compares README with it), and
//! [`Failure::code`] is the only place a failure becomes a number.

/// Every exit code with what it means to a script, in the order `--help` shows them.
pub const CODES: [(u8, &str); 7] = [
    (0, "everything done"),
    (
        1,
        "ran to the end, but not everything was done: a write was refused, failed or has an unknown outcome \
         (each one printed); reconcile: the roster and the project differ",
    ),
    (
        2,
        "could not do its work: bad usage, configuration, input file, connection, or a refusal that would \
         repeat (one line on stderr: `error: ...`)",
    ),
    (3, "everything done except input lines that cannot be used (named in the output); fix them and run again"),
    (4, "still waiting: accounts still Pending when `--max-wait` passed (wait, import --wait); run `wait` again later"),
    (130, "interrupted (Ctrl-C, SIGTERM, SIGHUP): what was done is printed and in the report"),
    (141, "the output's reader went away (e.g. `head` stopped reading): stopped quietly, the report written"),
];

/// How a command ended, beyond plain success.
pub enum Failure {
    /// Ran to the end, but not everything was done (details were printed).
    Partial,
    /// Did everything it could, but some of the input cannot be used (import: invalid roster lines,
    /// named in the output). Fixing the input and running again finishes the work.
    InputRejected,
    /// Could not do its work: this one-line message.
    Error(String),
    /// `wait`: accounts still Pending at the deadline (printed).
    StillPending,
    /// Stopped by a signal (what was done was printed and reported).
    Interrupted,
    /// The reader of the output went away (`list | head`): no message, as Unix tools do.
    ClosedPipe,
}

impl Failure {
    /// The exit code (one of [`CODES`]).
    pub fn code(&self) -> u8 {
        match self {
            Failure::Partial => 1,
            Failure::Error(_) => 2,
            Failure::InputRejected => 3,
            Failure::StillPending => 4,
            Failure::Interrupted => 130,
            Failure::ClosedPipe => 141,
        }
    }
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Error(e.to_string())
    }
}

/// The exit codes as `--help` shows them.
pub fn help() -> String {
    let mut text = String::from("Exit codes:\n");
    for (code, meaning) in CODES {
        text.push_str(&format!("  {code:<4} {}\n", meaning.replace('`', "")));
    }
    text
}

/// The exit codes as README's "Command line" shows them (a Markdown table; a test keeps README so).
#[cfg(test)]
pub fn markdown() -> String {
    let mut text = String::from("| exit | meaning |\n|---|---|\n");
    for (code, meaning) in CODES {
        text.push_str(&format!("| {code} | {meaning} |\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_has_a_documented_code_and_readme_shows_the_table() {
        let failures = [
            Failure::Partial,
            Failure::InputRejected,
            Failure::StillPending,
            Failure::Error(String::new()),
            Failure::Interrupted,
            Failure::ClosedPipe,
        ];
        for failure in failures {
            assert!(CODES.iter().any(|(code, _)| *code == failure.code()), "{} is not in CODES", failure.code());
        }
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
        assert!(
            readme.contains(&markdown()),
            "README's exit codes differ from the code's; put this table in README's \"Command line\":\n{}",
            markdown()
        );
    }
}
