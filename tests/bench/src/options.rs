//! The benchmark's command line: its options ([`Args`]), the child modes it starts itself in
//! ([`Child`]), and what one run covers once `--smoke` and the `--no-*` options are applied ([`Plan`]).

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::client::Variant;
use crate::memo::ListServer;

#[derive(Parser)]
#[command(
    name = "cargo xtask bench",
    about = "Benchmark the client against a hand-written loop and Waldur's Python client, on a loopback stand-in",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub child: Option<Child>,
    #[command(flatten)]
    pub args: Args,
}

#[derive(clap::Args)]
pub struct Args {
    /// Account counts to list, comma-separated
    #[arg(long = "n", value_delimiter = ',', default_value = "1000,10000,100000")]
    pub sizes: Vec<usize>,
    /// Processes per client and size (the figure is their median)
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Leave out Waldur's Python client (otherwise installed with pip into target/bench-venv)
    #[arg(long)]
    pub no_python: bool,
    /// Emails to create in bulk, comma-separated
    #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
    pub bulk: Vec<usize>,
    /// Also time a clean debug build of the client crate (minutes)
    #[arg(long)]
    pub build_time: bool,
    /// Leave out the command line
    #[arg(long)]
    pub no_cli: bool,
    /// Where to write the figures as JSON [default: target/bench.json]
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// What answers the listing clients (the command line's `list` too)
    #[arg(long, value_enum, default_value_t = ListServer::Memo)]
    pub list_server: ListServer,
    /// A quick check that every part works (CI): N = 1,000, one run, no Python, bulk 1,000; the
    /// command line on 1,000 and 5,000 accounts and 200 and 1,000 emails
    #[arg(long, conflicts_with_all = ["sizes", "runs", "bulk"])]
    pub smoke: bool,
}

/// The modes the benchmark runs itself in, as child processes.
#[derive(Subcommand)]
pub enum Child {
    /// Fetch every account REPS times with one client and print `{accounts, seconds}` (the median
    /// of one fetch)
    #[command(hide = true)]
    Client { variant: Variant, base_url: String, reps: usize },
    /// Run PROGRAM and report its wall time and peak RSS on stderr (see `rss`)
    #[command(hide = true)]
    PeakRss {
        program: OsString,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

/// What one run of the benchmark covers, after `--smoke` and `--no-*`.
pub struct Plan {
    pub sizes: Vec<usize>,
    pub runs: usize,
    pub python: bool,
    pub bulk: Vec<usize>,
    pub cli_list: Vec<usize>,
    pub cli_import: Vec<usize>,
    /// A term: sync sizes, close --ended (courses, accounts each), wait's accounts and settle delay.
    pub term_sync: Vec<usize>,
    pub term_courses: Vec<(usize, usize)>,
    pub term_wait: (usize, u64),
}

impl Plan {
    pub fn of(args: &Args) -> Plan {
        let mut plan = if args.smoke {
            Plan {
                sizes: vec![1_000],
                runs: 1,
                python: false,
                bulk: vec![1_000],
                cli_list: vec![1_000, 5_000],
                cli_import: vec![200, 1_000],
                term_sync: vec![200, 1_000],
                term_courses: vec![(10, 20), (20, 20)],
                term_wait: (200, 2),
            }
        } else {
            Plan {
                sizes: args.sizes.clone(),
                runs: args.runs.max(1),
                python: !args.no_python,
                bulk: args.bulk.clone(),
                cli_list: vec![10_000, 100_000],
                cli_import: vec![1_000, 10_000],
                term_sync: vec![1_000, 10_000],
                term_courses: vec![(20, 100), (200, 100)],
                term_wait: (1_000, 5),
            }
        };
        if args.no_cli {
            plan.cli_list.clear();
            plan.cli_import.clear();
            plan.term_sync.clear();
        }
        plan
    }
}
