//! `cargo xtask bench`: measures, side by side in one run against one loopback stand-in server,
//! (a) this crate's all-pages stream, (b) a hand-written reqwest + serde_json loop decoding the same
//! struct (the practical limit), and (c) Waldur's Python client `waldur-api-client` 8.1.3 `sync_all`.
//! Each client runs in its own process so its peak RSS is its own; figures are medians of several runs.
//! Also bulk creation, the command line (`cli`), codegen time and (optionally) the consumer's clean
//! build time.

mod cli;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use futures::TryStreamExt;
use serde_json::{Value, json};
use waldur_course_accounts::{BulkOptions, Client, CourseAccount, Filter, Token};
use waldur_course_accounts_testkit::{Flavour, StandIn, Waldur};

const TOKEN: &str = waldur_course_accounts_testkit::standin::seed::TOKEN;
const PYTHON_CLIENT: &str = "waldur-api-client==8.1.3";

struct Args {
    sizes: Vec<usize>,
    runs: usize,
    python: bool,
    bulk: Vec<usize>,
    build_time: bool,
    json: Option<PathBuf>,
    cli_list: Vec<usize>,
    cli_import: Vec<usize>,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut args = Args {
        sizes: vec![1_000, 10_000, 100_000],
        runs: 5,
        python: true,
        bulk: vec![1_000, 10_000],
        build_time: false,
        json: None,
        cli_list: vec![10_000, 100_000],
        cli_import: vec![1_000, 10_000],
    };
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--n" => {
                args.sizes =
                    value()?.split(',').map(|n| n.parse().map_err(|e| format!("--n: {e}"))).collect::<Result<_, _>>()?
            }
            "--runs" => args.runs = value()?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--no-python" => args.python = false,
            "--bulk" => {
                args.bulk = value()?
                    .split(',')
                    .map(|n| n.parse().map_err(|e| format!("--bulk: {e}")))
                    .collect::<Result<_, _>>()?
            }
            "--build-time" => args.build_time = true,
            "--no-cli" => {
                args.cli_list.clear();
                args.cli_import.clear();
            }
            "--json" => args.json = Some(PathBuf::from(value()?)),
            "--smoke" => {
                args.sizes = vec![1_000];
                args.runs = 1;
                args.python = false;
                args.bulk = vec![1_000];
                args.cli_list = vec![1_000, 5_000];
                args.cli_import = vec![200, 1_000];
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(args)
}

/// Child mode: fetch every account `reps` times with one variant and print
/// `{accounts, seconds (median per fetch), peak_rss_kib}`.
async fn client_mode(variant: &str, base_url: &str, reps: usize) -> Result<(), String> {
    // One client per process, reused across fetches, as an application holds one (Python's too).
    let ours = Client::new(base_url, Token::new(TOKEN)).map_err(|e| e.to_string())?;
    let http = reqwest::Client::new();
    let mut times = Vec::with_capacity(reps);
    let mut accounts = 0;
    for _ in 0..reps.max(1) {
        let started = Instant::now();
        accounts = fetch_all(variant, base_url, &ours, &http).await?;
        times.push(started.elapsed().as_secs_f64());
    }
    println!(
        "{}",
        json!({"accounts": accounts, "seconds": median(times), "peak_rss_kib": codegen::measure::peak_rss_kib().unwrap_or(0)})
    );
    Ok(())
}

async fn fetch_all(variant: &str, base_url: &str, ours: &Client, http: &reqwest::Client) -> Result<u64, String> {
    Ok(match variant {
        "ours" => {
            let mut stream = ours.list(Filter::new());
            let mut n = 0u64;
            while let Some(_account) = stream.try_next().await.map_err(|e| e.to_string())? {
                n += 1;
            }
            n
        }
        "loop" => {
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
        other => return Err(format!("unknown variant {other}")),
    })
}

/// Fetches per child process: enough that one measurement lasts well over the machine's jitter.
fn reps_for(n: usize) -> usize {
    (20_000 / n.max(1)).max(1)
}

/// One measured run of a child process.
#[derive(Clone, Copy)]
struct Run {
    seconds: f64,
    peak_rss_kib: u64,
}

fn run_child(mut command: Command, expected: usize) -> Result<Run, String> {
    let output = command.output().map_err(|e| format!("cannot start the client: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "client failed: {}",
            String::from_utf8_lossy(&output.stderr).lines().last().unwrap_or_default()
        ));
    }
    let line = String::from_utf8_lossy(&output.stdout);
    let v: Value = serde_json::from_str(line.lines().last().unwrap_or_default())
        .map_err(|e| format!("client output `{line}`: {e}"))?;
    let accounts = v["accounts"].as_u64().unwrap_or(0) as usize;
    if accounts != expected {
        return Err(format!("the client fetched {accounts} accounts, expected {expected}"));
    }
    Ok(Run {
        seconds: v["seconds"].as_f64().unwrap_or(f64::NAN),
        peak_rss_kib: v["peak_rss_kib"].as_u64().unwrap_or(0),
    })
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// A venv with the Python client, under target/; `None` (with the reason) when it cannot be had.
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

/// Builds the command that runs one client variant once.
type Launcher<'a> = Box<dyn Fn() -> Command + 'a>;

struct Row {
    n: usize,
    variant: &'static str,
    seconds: f64,
    peak_rss_kib: u64,
}

async fn run(args: Args) -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).unwrap_or(Path::new(".")).to_path_buf();
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let python = if args.python {
        match python_env(&root) {
            Ok(p) => Some(p),
            Err(why) => {
                println!("python client skipped: {why}");
                None
            }
        }
    } else {
        None
    };
    let mut rows: Vec<Row> = Vec::new();
    for &n in &args.sizes {
        let server = StandIn::start(Waldur::synthetic(Flavour::V7_8_7, n)).await.map_err(|e| e.to_string())?;
        let base = server.base_url();
        let mut variants: Vec<(&'static str, Launcher<'_>)> = vec![
            (
                "ours",
                Box::new(|| {
                    let mut c = Command::new(&me);
                    c.args(["client", "ours", &base, &reps_for(n).to_string()]);
                    c
                }),
            ),
            (
                "reqwest loop",
                Box::new(|| {
                    let mut c = Command::new(&me);
                    c.args(["client", "loop", &base, &reps_for(n).to_string()]);
                    c
                }),
            ),
        ];
        if let Some(python) = &python {
            let script = root.join("bench/bench_client.py");
            let base = base.clone();
            variants.push((
                "python",
                Box::new(move || {
                    let mut c = Command::new(python);
                    c.arg(&script).args([base.as_str(), TOKEN, &reps_for(n).to_string()]);
                    c
                }),
            ));
        }
        // Warm the server's cache and the OS once, then interleave the variants run by run so drift
        // in the machine's load hits them alike.
        run_child(variants[0].1(), n)?;
        let mut results: Vec<Vec<Run>> = vec![Vec::new(); variants.len()];
        let runs = if n >= 100_000 && python.is_some() { args.runs.min(3) } else { args.runs };
        for _ in 0..runs {
            for (i, (_, command)) in variants.iter().enumerate() {
                results[i].push(run_child(command(), n)?);
            }
        }
        for ((name, _), runs) in variants.iter().zip(results) {
            let seconds = median(runs.iter().map(|r| r.seconds).collect());
            let peak = runs.iter().map(|r| r.peak_rss_kib).max().unwrap_or(0);
            rows.push(Row { n, variant: name, seconds, peak_rss_kib: peak });
        }
    }

    println!(
        "\nall pages: median over {} processes, each the median of max(1, 20000/N) fetches by one client; loopback stand-in; page_size 300 (Rust), 100 (Python sync_all)",
        args.runs
    );
    println!("{:>8}  {:<13} {:>9} {:>13} {:>11}", "N", "client", "wall s", "accounts/s", "peak RSS MB");
    for r in &rows {
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
    for &n in &args.sizes {
        let ours = find(n, "ours").unwrap_or(f64::NAN);
        let hand = find(n, "reqwest loop").unwrap_or(f64::NAN);
        let python = find(n, "python");
        let py = python.map(|p| format!("{:.1}x", p / ours)).unwrap_or_else(|| "n/a".into());
        println!("{n:>8}  ours / reqwest loop = {:.3}   python / ours = {py}", ours / hand);
        ratios.push(json!({"n": n, "ours_over_loop": ours / hand, "python_over_ours": python.map(|p| p / ours)}));
    }

    let mut bulk_rows = Vec::new();
    for &n in &args.bulk {
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

    let mut cli_rows = Value::Null;
    if !args.cli_list.is_empty() || !args.cli_import.is_empty() {
        let binary = cli::binary(&root)?;
        let rows = cli::run(&binary, &args.cli_list, &args.cli_import, &root.join("target/bench-cli")).await?;
        cli_rows = cli::print(&rows);
    }

    let fragment = codegen::Spec::load(&root.join(codegen::DEFAULT_SPEC)).map_err(|e| e.to_string())?;
    let mut times = Vec::new();
    let mut operations = 0;
    for _ in 0..5 {
        let started = Instant::now();
        operations = codegen::render(&fragment, &codegen::Options::default()).map_err(|e| e.to_string())?.operations;
        times.push(started.elapsed().as_secs_f64());
    }
    let codegen_fragment = median(times);
    println!("codegen, fragment ({operations} operations): {:.1} ms (median of 5)", codegen_fragment * 1000.0);
    let mut build = Value::Null;
    if args.build_time {
        let target = root.join("target/bench-clean-build");
        let _ = std::fs::remove_dir_all(&target);
        let started = Instant::now();
        let status = Command::new(env!("CARGO"))
            .args(["build", "--locked", "--quiet", "-p", "waldur-course-accounts"])
            .current_dir(&root)
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .map_err(|e| e.to_string())?;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "clean build of the client crate (debug): {seconds:.0} s ({})",
            if status.success() { "ok" } else { "FAILED" }
        );
        build = json!({"seconds": seconds, "ok": status.success()});
        let _ = std::fs::remove_dir_all(&target);
    }

    let report = json!({
        "list": rows.iter().map(|r| json!({"n": r.n, "client": r.variant, "seconds": r.seconds, "accounts_per_second": r.n as f64 / r.seconds, "peak_rss_mb": r.peak_rss_kib as f64 / 1024.0})).collect::<Vec<_>>(),
        "ratios": ratios,
        "bulk": bulk_rows,
        "cli": cli_rows,
        "codegen_fragment_ms": codegen_fragment * 1000.0,
        "clean_build": build,
    });
    let json_path = args.json.unwrap_or_else(|| root.join("target/bench.json"));
    std::fs::write(&json_path, serde_json::to_string_pretty(&report).unwrap_or_default() + "\n")
        .map_err(|e| e.to_string())?;
    println!("\nJSON: {}", json_path.display());
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut argv = std::env::args().skip(1).peekable();
    let result = if argv.peek().map(String::as_str) == Some("client") {
        let rest: Vec<String> = argv.skip(1).collect();
        match rest.as_slice() {
            [variant, base, reps] => match reps.parse() {
                Ok(reps) => client_mode(variant, base, reps).await,
                Err(e) => Err(format!("reps: {e}")),
            },
            _ => Err("usage: bench client ours|loop BASE_URL REPS".into()),
        }
    } else {
        match parse_args(argv) {
            Ok(args) => run(args).await,
            Err(e) => Err(e),
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
