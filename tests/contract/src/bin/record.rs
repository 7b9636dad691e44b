//! `record` (run by `cargo xtask record`): drives the contract scenarios through a recording proxy
//! against a live Waldur (token from `WALDUR_TOKEN`) or the built-in stand-in, and writes the
//! redacted recordings. Never run in CI against a live server.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use contract_tests::scenarios::{self, Context};
use waldur_course_accounts::Token;
use waldur_course_accounts_testkit::standin::seed;
use waldur_course_accounts_testkit::{Flavour, StandIn, Waldur};

#[derive(Parser)]
#[command(name = "cargo xtask record", about = "Record the contract scenarios against a Waldur server")]
struct Args {
    /// A live Waldur (token from WALDUR_TOKEN). Its data must fit --context.
    #[arg(long, conflicts_with = "standin", required_unless_present = "standin")]
    base_url: Option<String>,
    /// Record against the built-in stand-in Waldur instead: `7.8.7` or `8.1`.
    #[arg(long, value_parser = ["7.8.7", "8.1"])]
    standin: Option<String>,
    /// JSON file naming the projects and emails the scenarios use (see tests/contract/recordings/context.json).
    #[arg(long)]
    context: Option<PathBuf>,
    /// Scenarios to record [default: all but newer_server; only newer_server with --standin 8.1]
    #[arg(long)]
    scenario: Vec<String>,
    /// Where scenario folders are written [default: tests/contract/recordings]
    #[arg(long)]
    out: Option<PathBuf>,
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let out = args.out.unwrap_or_else(contract_tests::recordings_dir);
    let context = match &args.context {
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| contract_tests::parse_context(&t))
        {
            Ok(c) => c,
            Err(e) => return fail(format!("{}: {e}", path.display())),
        },
        None if args.standin.is_some() => Context::standin(),
        None => {
            return fail("--context FILE is required with --base-url: the scenarios need that server's project uuids");
        }
    };
    let newer = args.standin.as_deref() == Some("8.1");
    let chosen: Vec<&'static scenarios::Scenario> = if args.scenario.is_empty() {
        scenarios::ALL.iter().filter(|s| s.newer_server == newer).collect()
    } else {
        let mut chosen = Vec::new();
        for name in &args.scenario {
            match scenarios::find(name) {
                Some(s) => chosen.push(s),
                None => {
                    let known: Vec<&str> = scenarios::ALL.iter().map(|s| s.name).collect();
                    return fail(format!("unknown scenario `{name}`; known: {}", known.join(", ")));
                }
            }
        }
        chosen
    };
    // The stand-in lives as long as this function; a live server is given by URL.
    let mut _standin = None;
    let (upstream, token, source) = match (&args.base_url, &args.standin) {
        (Some(url), _) => match Token::from_env("WALDUR_TOKEN") {
            Some(token) => (url.clone(), token, "live server".to_string()),
            None => return fail("set WALDUR_TOKEN to the API token for --base-url"),
        },
        (None, Some(release)) => {
            let flavour = if newer { Flavour::V8_1 } else { Flavour::V7_8_7 };
            let server = match StandIn::start(Waldur::seeded(flavour, 23)).await {
                Ok(s) => s,
                Err(e) => return fail(format!("cannot start the stand-in: {e}")),
            };
            let uri = server.base_url();
            _standin = Some(server);
            (uri, Token::new(seed::TOKEN), format!("stand-in Waldur {release} (testkit/src/standin.rs)"))
        }
        (None, None) => return fail("give --base-url URL or --standin VERSION"),
    };
    let reports = match contract_tests::record::record(&upstream, &source, &token, &context, &chosen, &out).await {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let mut unexpected = 0;
    for report in &reports {
        match &report.outcome {
            Ok(()) => println!("{:<24} {:>3} recordings  as expected", report.name, report.recordings),
            Err(why) => {
                unexpected += 1;
                println!("{:<24} {:>3} recordings  NOT as expected: {why}", report.name, report.recordings);
            }
        }
    }
    println!("wrote {}", out.display());
    if unexpected > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
}
