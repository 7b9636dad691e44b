//! `cargo xtask bench`: measures, side by side in one run against one loopback server answering as
//! the stand-in does, (a) this crate's all-pages stream, (b) a hand-written reqwest + serde_json
//! loop decoding the same struct (the practical limit), and (c) Waldur's Python client
//! `waldur-api-client` 8.1.3 `sync_all`. Each client runs in its own process, under a launcher that
//! reports the process's own peak RSS (`rss`); figures are medians of several runs. Also bulk
//! creation, the command line (`cli`), the drift check's time (`xtask codegen --check`, as a
//! process) and (optionally) the consumer's clean build time.

mod artifact;
mod cli;
mod memo;
mod rss;
mod term;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};
use futures::TryStreamExt;
use memo::{ListAnswers, ListServer};
use serde_json::{Value, json};
use waldur_course_accounts::{BulkOptions, Client, CourseAccount, Filter, Token};
use waldur_course_accounts_testkit::{Flavour, StandIn, Waldur};

const TOKEN: &str = waldur_course_accounts_testkit::standin::seed::TOKEN;
const PYTHON_CLIENT: &str = "waldur-api-client==8.1.3";

#[derive(Parser)]
#[command(
    name = "cargo xtask bench",
    about = "Benchmark the client against a hand-written loop and Waldur's Python client, on a loopback stand-in",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    child: Option<Child>,
    #[command(flatten)]
    args: Args,
}

#[derive(clap::Args)]
struct Args {
    /// Account counts to list, comma-separated
    #[arg(long = "n", value_delimiter = ',', default_value = "1000,10000,100000")]
    sizes: Vec<usize>,
    /// Processes per client and size (the figure is their median)
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Leave out Waldur's Python client (otherwise installed with pip into target/bench-venv)
    #[arg(long)]
    no_python: bool,
    /// Emails to create in bulk, comma-separated
    #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
    bulk: Vec<usize>,
    /// Also time a clean debug build of the client crate (minutes)
    #[arg(long)]
    build_time: bool,
    /// Leave out the command line
    #[arg(long)]
    no_cli: bool,
    /// Where to write the figures as JSON [default: target/bench.json]
    #[arg(long)]
    json: Option<PathBuf>,
    /// What answers the listing clients (the command line's `list` too)
    #[arg(long, value_enum, default_value_t = ListServer::Memo)]
    list_server: ListServer,
    /// A quick check that every part works (CI): N = 1,000, one run, no Python, bulk 1,000; the
    /// command line on 1,000 and 5,000 accounts and 200 and 1,000 emails
    #[arg(long, conflicts_with_all = ["sizes", "runs", "bulk"])]
    smoke: bool,
}

/// The modes the benchmark runs itself in, as child processes.
#[derive(Subcommand)]
enum Child {
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

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Variant {
    Ours,
    Loop,
}

/// What one run of the benchmark covers, after `--smoke` and `--no-*`.
struct Plan {
    sizes: Vec<usize>,
    runs: usize,
    python: bool,
    bulk: Vec<usize>,
    cli_list: Vec<usize>,
    cli_import: Vec<usize>,
    /// A term: sync sizes, close --ended (courses, accounts each), wait's accounts and settle delay.
    term_sync: Vec<usize>,
    term_courses: Vec<(usize, usize)>,
    term_wait: (usize, u64),
}

impl Plan {
    fn of(args: &Args) -> Plan {
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

/// Child mode: one client, held across the fetches as an application holds one (Python's too).
async fn client_mode(variant: Variant, base_url: &str, reps: usize) -> Result<(), String> {
    let ours = Client::new(base_url, Token::new(TOKEN)).map_err(|e| e.to_string())?;
    let http = reqwest::Client::new();
    let mut times = Vec::with_capacity(reps);
    let mut accounts = 0;
    for _ in 0..reps.max(1) {
        let started = Instant::now();
        accounts = fetch_all(variant, base_url, &ours, &http).await?;
        times.push(started.elapsed().as_secs_f64());
    }
    println!("{}", json!({"accounts": accounts, "seconds": median(times)}));
    Ok(())
}

async fn fetch_all(variant: Variant, base_url: &str, ours: &Client, http: &reqwest::Client) -> Result<u64, String> {
    Ok(match variant {
        Variant::Ours => {
            let mut stream = ours.list(Filter::new());
            let mut n = 0u64;
            while let Some(_account) = stream.try_next().await.map_err(|e| e.to_string())? {
                n += 1;
            }
            n
        }
        Variant::Loop => {
            // What a careful developer writes by hand: page numbers, page_size 300, decode, count.
            let mut n = 0u64;
            for page in 1.. {
                let response = http
                    .get(format!("{base_url}/api/marketplace-course-accounts/?page={page}&page_size=300"))
                    .header("authorization", format!("Token {TOKEN}"))
                    .send()
                    .await
                    .map_err(|e| e.to_string())?
                    .error_for_status()
                    .map_err(|e| e.to_string())?;
                let total: u64 =
                    response.headers().get("x-result-count").and_then(|v| v.to_str().ok()?.parse().ok()).unwrap_or(0);
                let bytes = response.bytes().await.map_err(|e| e.to_string())?;
                let items: Vec<CourseAccount> = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
                n += items.len() as u64;
                if n >= total || items.is_empty() {
                    break;
                }
            }
            n
        }
    })
}

/// Fetches per child process: enough that one measurement lasts well over the machine's jitter.
fn reps_for(n: usize) -> usize {
    (20_000 / n.max(1)).max(1)
}

/// One measured run of a client process: its median fetch and its peak RSS.
#[derive(Clone, Copy)]
struct Run {
    seconds: f64,
    peak_rss_kib: u64,
}

fn run_child(command: &Command, expected: usize) -> Result<Run, String> {
    let output = rss::under_launcher(command)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start the client: {e}"))?;
    let (measured, stderr) = rss::report(&output.stderr)?;
    if !output.status.success() {
        return Err(format!("client failed: {}", stderr.lines().last().unwrap_or_default()));
    }
    let line = String::from_utf8_lossy(&output.stdout);
    let v: Value = serde_json::from_str(line.lines().last().unwrap_or_default())
        .map_err(|e| format!("client output `{line}`: {e}"))?;
    let accounts = v["accounts"].as_u64().unwrap_or(0) as usize;
    if accounts != expected {
        return Err(format!("the client fetched {accounts} accounts, expected {expected}"));
    }
    Ok(Run { seconds: v["seconds"].as_f64().unwrap_or(f64::NAN), peak_rss_kib: measured.peak_rss_kib })
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// A venv with the Python client, under target/; `Err` (with the reason) when it cannot be had.
fn python_env(root: &Path) -> Result<PathBuf, String> {
    let venv = root.join("target/bench-venv");
    let python = venv.join("bin/python");
    let ready =
        Command::new(&python).args(["-c", "import waldur_api_client"]).output().is_ok_and(|o| o.status.success());
    if ready {
        return Ok(python);
    }
    let created =
        Command::new("python3").args(["-m", "venv"]).arg(&venv).output().map_err(|e| format!("python3: {e}"))?;
    if !created.status.success() {
        return Err(format!("python3 -m venv failed: {}", String::from_utf8_lossy(&created.stderr).trim()));
    }
    let installed = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", PYTHON_CLIENT])
        .output()
        .map_err(|e| e.to_string())?;
    if !installed.status.success() {
        return Err(format!(
            "pip install {PYTHON_CLIENT} failed: {}",
            String::from_utf8_lossy(&installed.stderr).trim()
        ));
    }
    Ok(python)
}

struct Row {
    n: usize,
    variant: &'static str,
    seconds: f64,
    peak_rss_kib: u64,
}

/// The all-pages section: every client on every size, runs interleaved.
async fn list_section(plan: &Plan, list_server: ListServer, root: &Path) -> Result<Vec<Row>, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let python = if plan.python {
        match python_env(root) {
            Ok(p) => Some(p),
            Err(why) => {
                println!("python client skipped: {why}");
                None
            }
        }
    } else {
        None
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench_client.py");
    let mut rows: Vec<Row> = Vec::new();
    for &n in &plan.sizes {
        let server = ListAnswers::start(list_server, Waldur::synthetic(Flavour::V7_8_7, n)).await?;
        let base = server.base_url();
        let reps = reps_for(n).to_string();
        let ours = |variant: &str| {
            let mut c = Command::new(&me);
            c.args(["client", variant, &base, &reps]);
            c
        };
        let mut variants: Vec<(&'static str, Command)> = vec![("ours", ours("ours")), ("reqwest loop", ours("loop"))];
        if let Some(python) = &python {
            let mut c = Command::new(python);
            c.arg(&script).args([base.as_str(), TOKEN, &reps]);
            variants.push(("python", c));
        }
        // Each client once unmeasured: it fills the memo with its own first page (the others are
        // shared) and warms the OS. Then the variants interleave run by run, so drift in the
        // machine's load hits them alike.
        for (_, command) in &variants {
            run_child(command, n)?;
        }
        let mut results: Vec<Vec<Run>> = vec![Vec::new(); variants.len()];
        let runs = if n >= 100_000 && python.is_some() { plan.runs.min(3) } else { plan.runs };
        for _ in 0..runs {
            for (i, (_, command)) in variants.iter().enumerate() {
                results[i].push(run_child(command, n)?);
            }
        }
        for ((name, _), runs) in variants.iter().zip(results) {
            let seconds = median(runs.iter().map(|r| r.seconds).collect());
            let peak = runs.iter().map(|r| r.peak_rss_kib).max().unwrap_or(0);
            rows.push(Row { n, variant: name, seconds, peak_rss_kib: peak });
        }
    }
    Ok(rows)
}

async fn bulk_section(sizes: &[usize]) -> Result<Vec<Value>, String> {
    let mut bulk_rows = Vec::new();
    for &n in sizes {
        let server = StandIn::start(Waldur::seeded(Flavour::V7_8_7, 0)).await.map_err(|e| e.to_string())?;
        let client = Client::new(&server.base_url(), Token::new(TOKEN)).map_err(|e| e.to_string())?;
        let emails: Vec<String> = (0..n).map(|i| format!("bulk{i}@example.edu")).collect();
        let started = Instant::now();
        let outcome = client
            .create_bulk(
                waldur_course_accounts_testkit::standin::seed::course_project(),
                emails,
                &BulkOptions::default(),
            )
            .await
            .map_err(|e| format!("bulk create of {n}: {e}"))?;
        let seconds = started.elapsed().as_secs_f64();
        if !outcome.is_complete() || outcome.created().count() != n {
            return Err(format!("bulk create of {n} did not complete"));
        }
        println!(
            "bulk create {n:>6} emails: {seconds:.3} s in {} requests of {}",
            outcome.chunks.len(),
            BulkOptions::default().chunk_size
        );
        bulk_rows.push(json!({"emails": n, "seconds": seconds, "requests": outcome.chunks.len()}));
    }
    Ok(bulk_rows)
}

/// The drift check as a developer runs it: the xtask binary `cargo xtask` runs (dev profile),
/// started as a process, without cargo's own startup. `--check` loads the fragment, renders it and
/// compares the result with generated.rs; it exits 1 when the client is stale, which is measured
/// all the same (the work is the same) and said.
fn codegen_section(root: &Path) -> Result<Value, String> {
    let xtask = artifact::build(root, "xtask", "xtask", "dev")?;
    let mut check = Command::new(&xtask);
    check.args(["codegen", "--check"]).current_dir(root);
    let mut times = Vec::new();
    let mut peak = 0;
    let mut up_to_date = true;
    for _ in 0..5 {
        let output = rss::under_launcher(&check)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run the launcher: {e}"))?;
        let (measured, stderr) = rss::report(&output.stderr)?;
        match measured.code {
            Some(0) => {}
            Some(1) => up_to_date = false,
            _ => return Err(format!("xtask codegen --check failed: {}", stderr.lines().last().unwrap_or_default())),
        }
        times.push(measured.seconds);
        peak = peak.max(measured.peak_rss_kib);
    }
    let ms = median(times) * 1000.0;
    let peak_mb = peak as f64 / 1024.0;
    println!(
        "codegen --check of the fragment: {ms:.0} ms wall (median of 5), peak RSS {peak_mb:.1} MB; the process `{} codegen --check` (dev profile, as `cargo xtask` runs it; without cargo's startup); client {}",
        xtask.strip_prefix(root).unwrap_or(&xtask).display(),
        if up_to_date { "up to date" } else { "STALE (exit 1)" }
    );
    Ok(
        json!({"command": "xtask codegen --check", "profile": "dev", "ms": ms, "peak_rss_mb": peak_mb, "up_to_date": up_to_date}),
    )
}

fn build_section(root: &Path) -> Result<Value, String> {
    let target = root.join("target/bench-clean-build");
    let _ = std::fs::remove_dir_all(&target);
    let started = Instant::now();
    let status = Command::new(env!("CARGO"))
        .args(["build", "--locked", "--quiet", "-p", "waldur-course-accounts"])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "clean build of the client crate (debug): {seconds:.0} s ({})",
        if status.success() { "ok" } else { "FAILED" }
    );
    let _ = std::fs::remove_dir_all(&target);
    Ok(json!({"seconds": seconds, "ok": status.success()}))
}

fn print_list(rows: &[Row], plan: &Plan, list_server: ListServer, floor_kib: u64) -> Value {
    let server = match list_server {
        ListServer::Memo => "the stand-in's answers, each computed once",
        ListServer::Standin => "the stand-in itself",
    };
    println!(
        "\nall pages: median over {} processes, each the median of max(1, 20000/N) fetches by one client; loopback server: {server}; page_size 300 (Rust), 100 (Python sync_all); {} build",
        plan.runs,
        artifact::PROFILE
    );
    println!(
        "peak RSS: each process's own (getrusage under a launcher whose floor is {:.1} MB)",
        floor_kib as f64 / 1024.0
    );
    println!("{:>8}  {:<13} {:>9} {:>13} {:>11}", "N", "client", "wall s", "accounts/s", "peak RSS MB");
    for r in rows {
        println!(
            "{:>8}  {:<13} {:>9.3} {:>13.0} {:>11.1}",
            r.n,
            r.variant,
            r.seconds,
            r.n as f64 / r.seconds,
            r.peak_rss_kib as f64 / 1024.0
        );
    }
    let find = |n: usize, v: &str| rows.iter().find(|r| r.n == n && r.variant == v).map(|r| r.seconds);
    let mut ratios = Vec::new();
    println!("\nratios");
    for &n in &plan.sizes {
        let ours = find(n, "ours").unwrap_or(f64::NAN);
        let hand = find(n, "reqwest loop").unwrap_or(f64::NAN);
        let python = find(n, "python");
        let py = python.map(|p| format!("{:.1}x", p / ours)).unwrap_or_else(|| "n/a".into());
        println!("{n:>8}  ours / reqwest loop = {:.3}   python / ours = {py}", ours / hand);
        ratios.push(json!({"n": n, "ours_over_loop": ours / hand, "python_over_ours": python.map(|p| p / ours)}));
    }
    Value::Array(ratios)
}

/// `(N, seconds)` of this crate's stream, from the list section.
fn rows_of_ours(rows: &[Row]) -> Vec<(usize, f64)> {
    rows.iter().filter(|r| r.variant == "ours").map(|r| (r.n, r.seconds)).collect()
}

async fn run(args: Args) -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).unwrap_or(Path::new(".")).to_path_buf();
    let plan = Plan::of(&args);
    let floor_kib = rss::floor_kib()?;

    let rows_list = list_section(&plan, args.list_server, &root).await?;
    let rows = &rows_list;
    let ratios = print_list(rows, &plan, args.list_server, floor_kib);
    let bulk_rows = bulk_section(&plan.bulk).await?;

    let mut cli_rows = Value::Null;
    let mut term_rows = Value::Null;
    if !plan.cli_list.is_empty() || !plan.cli_import.is_empty() {
        let binary = artifact::build(&root, "waldur-course-accounts-cli", "waldur-course-accounts", artifact::PROFILE)?;
        let scratch = root.join("target/bench-cli");
        let rows = cli::run(&binary, &plan.cli_list, &plan.cli_import, &scratch, args.list_server, plan.runs).await?;
        // The library's own stream over the same accounts, to set the command line's list beside it.
        let stream: Vec<(usize, f64)> = rows_of_ours(&rows_list);
        cli_rows = cli::print(&rows, &stream);
        if !plan.term_sync.is_empty() {
            let (n, delay) = plan.term_wait;
            term_rows =
                term::run(&binary, &scratch, &plan.term_sync, &plan.term_courses, n, Duration::from_secs(delay))
                    .await?;
        }
    }
    let codegen = codegen_section(&root)?;
    let build = if args.build_time { build_section(&root)? } else { Value::Null };

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
        Some(Child::Client { variant, base_url, reps }) => block_on(client_mode(variant, &base_url, reps)),
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
