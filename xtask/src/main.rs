//! `cargo xtask`: the workspace's task runner (alias in `.cargo/config.toml`). This file parses the
//! arguments and dispatches; each command group is a module, the work is in the `codegen` library,
//! and `exit` maps outcomes to exit codes. xtask depends on the generator only, never on the client
//! it generates: `record`, `mock`, `bench` and `whole-api` run the binaries of the crates that own them.

mod codegen_cmd;
mod delegate;
mod exit;
mod schema;
mod semver;
mod update;
mod workspace;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Tasks for the Waldur course-accounts client workspace")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate the client from the OpenAPI fragment, or with --check refuse a stale one.
    Codegen(codegen_cmd::Args),
    /// Cut the course-accounts slice (with every component it references) out of a whole Waldur schema.
    Extract(schema::ExtractArgs),
    /// Report the API changes between two schemas, classed breaking or compatible for Rust callers.
    Diff(schema::DiffArgs),
    /// Carry the client to a new Waldur release: slice, change report, regenerated client, crate version
    /// and CHANGELOG entry, all written only when every step succeeded.
    Update(update::Args),
    /// The crate-level semver check: cargo-semver-checks against a git revision (needs the tool installed).
    Semver(semver::Args),
    /// Generate a whole Waldur schema into a scratch crate and compile it, with time and memory (`whole-api`
    /// of tests/whole-api, built with the `whole-api` profile, minutes the first time, even for its
    /// --help; never in CI). Arguments go to it: --from FILE --dir DIR --no-compile --growth
    WholeApi(Passed),
    /// Benchmark the client against a hand-written loop and Waldur's Python client (release build of `bench`).
    /// Arguments go to it: --n 1000,10000 --runs 5 --no-python --smoke --build-time --json FILE
    Bench(Passed),
    /// Run the contract scenarios through a recording proxy and write the recordings (`record` of
    /// contract-tests; `cargo xtask record --help` for its options). Never in CI.
    Record(Passed),
    /// Serve a stand-in Waldur on loopback seeded from the recordings, to try the client without a
    /// server (`waldur-mock` of contract-tests; `--strict` serves only the recorded exchanges).
    Mock(Passed),
}

/// Arguments handed to another crate's binary as they are.
#[derive(clap::Args)]
#[command(disable_help_flag = true)]
struct Passed {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Command::Codegen(args) => codegen_cmd::run(args),
        Command::Extract(args) => schema::extract(args),
        Command::Diff(args) => schema::diff(args),
        Command::Update(args) => update::run(args),
        Command::Semver(args) => semver::run(args),
        Command::WholeApi(p) => delegate::run("whole-api", "whole-api", "whole-api", &p.args),
        Command::Bench(p) => delegate::run("bench", "bench", "release", &p.args),
        Command::Record(p) => delegate::run("contract-tests", "record", "dev", &p.args),
        Command::Mock(p) => delegate::run("contract-tests", "waldur-mock", "dev", &p.args),
    };
    exit::code(outcome)
}
