//! The all-pages section: every client (this crate's stream, the hand-written reqwest loop, the
//! Python client) on every size, each run its own process against one loopback server, runs
//! interleaved; then its table and the ratios between the clients.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use waldur_course_accounts_testkit::{Flavour, Waldur};

use crate::client::{Run, reps_for, run_child};
use crate::memo::{ListAnswers, ListServer};
use crate::options::Plan;
use crate::{TOKEN, artifact, median, python};

pub struct Row {
    pub n: usize,
    pub variant: &'static str,
    pub seconds: f64,
    pub peak_rss_kib: u64,
}

/// The all-pages section: every client on every size, runs interleaved.
pub async fn list_section(plan: &Plan, list_server: ListServer, root: &Path) -> Result<Vec<Row>, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let python = if plan.python {
        match python::python_env(root) {
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

pub fn print_list(rows: &[Row], plan: &Plan, list_server: ListServer, floor_kib: u64) -> Value {
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
pub fn rows_of_ours(rows: &[Row]) -> Vec<(usize, f64)> {
    rows.iter().filter(|r| r.variant == "ours").map(|r| (r.n, r.seconds)).collect()
}
