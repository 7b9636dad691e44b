//! `cargo xtask bench`: measures, side by side in one run against one loopback server answering as
//! the stand-in does, (a) this crate's all-pages stream, (b) a hand-written reqwest + serde_json
//! loop decoding the same struct (the practical limit), and (c) Waldur's Python client
//! `waldur-api-client` 8.1.3 `sync_all`. Each client runs in its own process, under a launcher that
//! reports the process's own peak RSS (`rss`); figures are medians of several runs. Also bulk
//! creation, the command line (`cli`), the drift check's time (`xtask codegen --check`, as a
//! process) and (optionally) the consumer's clean build time.
//!
//! This file is the outline: the options and the plan they make are in `options`, each section in a
//! module of its own (`list` with `client` and `python`, `bulk`, `cli`, `term`, `developer`), and
//! `run` below runs them in order and writes their figures as one JSON document.

mod artifact;
mod bulk;
mod cli;
mod client;
mod developer;
mod list;
mod memo;
mod options;
mod python;
mod rss;
mod term;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use options::{Args, Child, Cli, Plan};
use serde_json::{Value, json};

const TOKEN: &str = waldur_course_accounts_testkit::standin::seed::TOKEN;

/// The middle figure (of an even count, the upper of the two).
fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

async fn run(args: Args) -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).unwrap_or(Path::new(".")).to_path_buf();
    let plan = Plan::of(&args);
    let floor_kib = rss::floor_kib()?;

    let rows_list = list::list_section(&plan, args.list_server, &root).await?;
    let rows = &rows_list;
    let ratios = list::print_list(rows, &plan, args.list_server, floor_kib);
    let bulk_rows = bulk::bulk_section(&plan.bulk).await?;

    let mut cli_rows = Value::Null;
    let mut term_rows = Value::Null;
    if !plan.cli_list.is_empty() || !plan.cli_import.is_empty() {
        let binary = artifact::build(&root, "waldur-course-accounts-cli", "waldur-course-accounts", artifact::PROFILE)?;
        let scratch = root.join("target/bench-cli");
        let rows = cli::run(&binary, &plan.cli_list, &plan.cli_import, &scratch, args.list_server, plan.runs).await?;
        // The library's own stream over the same accounts, to set the command line's list beside it.
        let stream: Vec<(usize, f64)> = list::rows_of_ours(&rows_list);
        cli_rows = cli::print(&rows, &stream);
        if !plan.term_sync.is_empty() {
            let (n, delay) = plan.term_wait;
            term_rows =
                term::run(&binary, &scratch, &plan.term_sync, &plan.term_courses, n, Duration::from_secs(delay))
                    .await?;
        }
    }
    let codegen = developer::codegen_section(&root)?;
    let build = if args.build_time { developer::build_section(&root)? } else { Value::Null };

    let report = json!({
        "profile": artifact::PROFILE,
        "list_server": args.list_server.name(),
        "peak_rss_floor_mb": floor_kib as f64 / 1024.0,
        "list": rows.iter().map(|r| json!({"n": r.n, "client": r.variant, "seconds": r.seconds, "accounts_per_second": r.n as f64 / r.seconds, "peak_rss_mb": r.peak_rss_kib as f64 / 1024.0})).collect::<Vec<_>>(),
        "ratios": ratios,
        "bulk": bulk_rows,
        "cli": cli_rows,
        "term": term_rows,
        "codegen_check": codegen,
        "clean_build": build,
    });
    let json_path = args.json.unwrap_or_else(|| root.join("target/bench.json"));
    std::fs::write(&json_path, serde_json::to_string_pretty(&report).unwrap_or_default() + "\n")
        .map_err(|e| e.to_string())?;
    println!("\nJSON: {}", json_path.display());
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.child {
        // The launcher starts no runtime: the less memory it holds, the lower the floor it adds.
        Some(Child::PeakRss { program, args }) => return rss::launch(&program, &args),
        Some(Child::Client { variant, base_url, reps }) => block_on(client::client_mode(variant, &base_url, reps)),
        None => block_on(run(cli.args)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn block_on(work: impl std::future::Future<Output = Result<(), String>>) -> Result<(), String> {
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(work)
}
