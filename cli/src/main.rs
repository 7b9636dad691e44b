//! `waldur-course-accounts`: the command line for course admins. This file declares the commands and
//! their options (clap), runs the one that was asked for, and maps its outcome to the exit code; the
//! work is in one module per command group, all on top of the `waldur-course-accounts` crate.
//!
//! Exit codes (the `Failure` variants; README's "Command line" documents them for scripts): 0
//! everything done; 1 the command ran but not everything was done (an account not created or not
//! closed, an outcome unknown; reconcile: the roster and the project differ); 2 bad usage,
//! configuration, input file or connection (one line on stderr says which); 3 everything done but
//! input lines that cannot be used (import's invalid rows); 130 interrupted; 141 the output's reader
//! went away.

mod accounts;
mod close;
mod connect;
mod filter;
mod import;
mod output;
mod reconcile;
mod roster;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use waldur_course_accounts::Client;

/// How a command ended, beyond plain success.
pub enum Failure {
    /// Ran to the end, but not everything was done (details were printed): exit 1.
    Partial,
    /// Did everything it could, but some of the input cannot be used (import: invalid roster lines,
    /// named in the output): exit 3. Fixing the input and running again finishes the work.
    InputRejected,
    /// Could not do its work: exit 2 with this one-line message.
    Error(String),
    /// Stopped by Ctrl-C (what was done was printed and reported): exit 130.
    Interrupted,
    /// The reader of the output went away (`list | head`): exit 141 (128 + SIGPIPE, the status a
    /// shell reports for a tool the closed pipe stopped) without a message.
    ClosedPipe,
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Error(e.to_string())
    }
}

pub type Outcome = Result<(), Failure>;

#[derive(Parser)]
#[command(
    name = "waldur-course-accounts",
    version,
    about = "Manage Waldur course accounts: import a class roster, list, count, close, retry, reconcile.",
    after_help = "Connection: --url or WALDUR_URL; the token always from WALDUR_TOKEN (never a flag).\n\
                  Exit codes: 0 all done, 1 not everything done (writes failed or uncertain; reconcile: differences),\n\
                  2 usage/configuration/connection error, 3 all done except invalid input lines, 130 interrupted,\n\
                  141 the output's reader went away (list | head).\n\n\
                  Example:\n  export WALDUR_URL=https://waldur.example.edu WALDUR_TOKEN=...\n  \
                  waldur-course-accounts import --project 7c4b2f3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f roster.csv --dry-run"
)]
struct Cli {
    #[command(flatten)]
    connection: connect::Connection,
    /// Print only summaries, refusals and errors: no progress and no line per account.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List accounts (every page, streamed).
    #[command(after_help = "Examples:\n  waldur-course-accounts list --project UUID --state Erred --state Pending\n  \
                            waldur-course-accounts list --email example.edu --order -created,email --format csv > accounts.csv")]
    List(accounts::ListArgs),
    /// Count accounts matching the filters (one HEAD request).
    #[command(after_help = "Example:\n  waldur-course-accounts count --project UUID --state OK")]
    Count(accounts::CountArgs),
    /// Show one account.
    #[command(after_help = "Example:\n  waldur-course-accounts get 3f0c9a52-8d0e-4c1a-9b7e-2a6f4d1c8e90 --format json")]
    Get(accounts::GetArgs),
    /// Create one account.
    #[command(
        after_help = "Example:\n  waldur-course-accounts create --project UUID jane.doe@example.edu --description \"HPC course\""
    )]
    Create(accounts::CreateArgs),
    /// Create accounts for a class roster (CSV): checks every row first, skips emails that already have
    /// an account, creates the rest in chunks, and reports per email.
    #[command(after_help = import::HELP)]
    Import(import::Args),
    /// Close accounts by UUID, or every account of a project (snapshot first, then close).
    #[command(after_help = "Examples:\n  waldur-course-accounts close 3f0c9a52-8d0e-4c1a-9b7e-2a6f4d1c8e90\n  \
                            waldur-course-accounts close --project UUID --all --yes")]
    Close(close::Args),
    /// Retry accounts whose creation ended in Erred (Waldur 8.0.7 and newer).
    #[command(after_help = "Example:\n  waldur-course-accounts retry 3f0c9a52-8d0e-4c1a-9b7e-2a6f4d1c8e90")]
    Retry(accounts::RetryArgs),
    /// Compare a roster with a project: missing accounts, accounts not on the roster, Erred/Pending ones.
    #[command(after_help = "Example:\n  waldur-course-accounts reconcile --project UUID roster.csv --format json")]
    Reconcile(reconcile::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Examples:\n  waldur-course-accounts completions bash > ~/.local/share/bash-completion/completions/waldur-course-accounts\n  \
                            waldur-course-accounts completions zsh > ~/.zfunc/_waldur-course-accounts"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `waldur-course-accounts man > waldur-course-accounts.1`.
    Man,
}

/// `--quiet`, set once at start: what the commands print beyond summaries, refusals and errors.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether lines per account and progress are left out (`--quiet`).
pub fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// The documents the command line carries about itself; they need no connection.
fn describe(command: &Command) -> Option<Outcome> {
    use clap::CommandFactory;
    let mut cli = Cli::command();
    let mut out = std::io::stdout();
    let written = match command {
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut cli, "waldur-course-accounts", &mut out);
            Ok(())
        }
        Command::Man => clap_mangen::Man::new(cli).render(&mut out),
        _ => return None,
    };
    Some(written.map_err(|e| Failure::Error(format!("cannot write the output: {e}"))))
}

/// The commands that talk to Waldur.
async fn run(client: &Client, command: Command) -> Outcome {
    match command {
        Command::List(args) => accounts::list(client, args).await,
        Command::Count(args) => accounts::count(client, args).await,
        Command::Get(args) => accounts::get(client, args).await,
        Command::Create(args) => accounts::create(client, args).await,
        Command::Retry(args) => accounts::retry(client, args).await,
        Command::Import(args) => import::run(client, args).await,
        Command::Close(args) => close::run(client, args).await,
        Command::Reconcile(args) => reconcile::run(client, args).await,
        // Answered by `describe` before any connection.
        Command::Completions { .. } | Command::Man => Ok(()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    let outcome = match describe(&cli.command) {
        Some(written) => written,
        None => match connect::client(&cli.connection) {
            Ok(client) => run(&client, cli.command).await,
            Err(e) => Err(e),
        },
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Partial) => ExitCode::from(1),
        Err(Failure::InputRejected) => ExitCode::from(3),
        Err(Failure::Error(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Interrupted) => ExitCode::from(130),
        Err(Failure::ClosedPipe) => ExitCode::from(141),
    }
}
