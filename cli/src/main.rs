//! `waldur-course-accounts`: the command line for course admins. This file declares the commands and
//! their options (clap), runs the one that was asked for, and maps its outcome to the exit code
//! ([`exit`] holds the table); the work is in one module per command group, all on top of the
//! `waldur-course-accounts` crate.
//!
//! Rules every command follows, each stated once: what goes to stdout goes through [`out!`] (a closed
//! pipe ends the command quietly with 141, never a panic); what goes to stderr through [`note!`]
//! (never fails: after SIGHUP there may be no terminal to write to); text from a server or a file
//! through [`shown::shown`]; signals through [`interrupt`].

/// A line on stdout. `Err(Failure::ClosedPipe)` when the reader went away, so the caller stops.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}

/// A line on stderr (progress, warnings). It never fails: a stderr that is gone is ignored.
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::output::note(format_args!($($arg)*))
    };
}

mod accounts;
mod ask;
mod close;
mod connect;
mod courses;
mod exit;
mod filter;
mod import;
mod interrupt;
mod lock;
mod output;
mod reconcile;
mod report_file;
mod roster;
mod shown;
mod sync;
mod wait;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use waldur_course_accounts::Client;

pub use exit::Failure;

pub type Outcome = Result<(), Failure>;

#[derive(Parser)]
#[command(
    name = "waldur-course-accounts",
    version,
    about = "Manage Waldur course accounts over a term: import a class roster, wait until its accounts are ready, sync it as students come and go, close every account when the course ends.",
    after_help = "Connection: --url or WALDUR_URL; the token always from WALDUR_TOKEN (never a flag).\n\n\
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
    /// Make a project match a roster: create the missing, close those not on it (plan first).
    #[command(after_help = sync::HELP)]
    Sync(sync::Args),
    /// Wait until the project's (or a roster's) Pending accounts are OK or Erred; report the others.
    #[command(after_help = "Examples:\n  waldur-course-accounts wait --project UUID roster.csv --max-wait 15m\n  \
                      waldur-course-accounts wait --project UUID --retry-erred 2 --report ready.json")]
    Wait(wait::Args),
    /// The course projects the token sees (through their accounts): dates, whether ended, counts by state.
    #[command(after_help = "Example:\n  waldur-course-accounts courses --format json")]
    Courses(courses::Args),
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

/// The command line as clap sees it, with the exit codes from [`exit::CODES`] at the end of
/// `--help` (and so of the manual page).
fn command() -> clap::Command {
    let main = Cli::command();
    let after = format!("{}\n\n{}", main.get_after_help().map(|h| h.to_string()).unwrap_or_default(), exit::help());
    main.after_help(after)
}

/// The documents the command line carries about itself; they need no connection. Made in memory
/// first: the generators panic when their output cannot be written.
fn describe(command: &Command) -> Option<Outcome> {
    let mut text = Vec::new();
    match command {
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut self::command(), "waldur-course-accounts", &mut text)
        }
        Command::Man => {
            if let Err(e) = clap_mangen::Man::new(self::command()).render(&mut text) {
                return Some(Err(Failure::Error(format!("cannot make the manual page: {e}"))));
            }
        }
        _ => return None,
    }
    Some(output::bytes(&text))
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
        Command::Sync(args) => sync::run(client, args).await,
        Command::Wait(args) => wait::run(client, args).await,
        Command::Courses(args) => courses::run(client, args).await,
        // Answered by `describe` before any connection.
        Command::Completions { .. } | Command::Man => Ok(()),
    }
}

/// Commands that only read: a signal simply stops them (nothing is half done). The others stop
/// themselves between steps ([`interrupt`]), so that no write is abandoned with its outcome unknown.
fn only_reads(command: &Command) -> bool {
    matches!(command, Command::Count(_) | Command::Get(_) | Command::Reconcile(_) | Command::Courses(_))
}

#[tokio::main]
async fn main() -> ExitCode {
    let matches = command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    if let Err(e) = interrupt::install() {
        note!("warning: cannot listen for Ctrl-C ({e}); an interrupted run may leave its report behind");
    }
    let outcome = match describe(&cli.command) {
        Some(written) => written,
        None => match connect::client(&cli.connection) {
            Ok(client) if only_reads(&cli.command) => tokio::select! {
                outcome = run(&client, cli.command) => outcome,
                _ = interrupt::wait() => {
                    note!("interrupted: nothing was changed");
                    Err(Failure::Interrupted)
                }
            },
            Ok(client) => run(&client, cli.command).await,
            Err(e) => Err(e),
        },
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if let Failure::Error(message) = &failure {
                note!("error: {}", shown::shown(message));
            }
            ExitCode::from(failure.code())
        }
    }
}
