//! A course's term under load, each command its own process against the stand-in (which writes):
//! `sync` of an N-line roster against a project of N accounts (5% to add, 5% to close) beside `import`
//! of an N-line roster into an empty project, at two sizes; `close --ended` across C ended courses of
//! A accounts each, at two sizes (peak RSS too); and `wait` for 1,000 Pending accounts that the
//! stand-in's provisioning task settles after a delay: the requests it made, and how long after the
//! last account settled it noticed (the detection delay).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use waldur_course_accounts_testkit::standin::{Provisioning, State, seed};
use waldur_course_accounts_testkit::{Flavour, StandIn, Waldur};

use crate::cli::measure;

fn cli(binary: &Path, server: &StandIn, args: &[&str]) -> Command {
    let mut command = Command::new(binary);
    command.args(args).env("WALDUR_URL", server.base_url()).env("WALDUR_TOKEN", seed::TOKEN);
    command
}

fn roster(path: &Path, emails: impl Iterator<Item = String>) -> Result<String, String> {
    let mut text = String::from("email\n");
    for e in emails {
        text.push_str(&e);
        text.push('\n');
    }
    std::fs::write(path, text).map_err(|e| e.to_string())?;
    Ok(path.to_string_lossy().into_owned())
}

/// `sync` at N beside `import` at N: seconds of each, and the ratio.
async fn sync_beside_import(binary: &Path, scratch: &Path, n: usize) -> Result<Value, String> {
    let project = seed::course_project().to_string();
    let cut = n / 20;
    // The import: N new addresses into an empty project (8.1: Pending rows, 202).
    let server = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.map_err(|e| e.to_string())?;
    let path = roster(&scratch.join("import.csv"), (0..n).map(|i| format!("student{i}@example.edu")))?;
    let import = cli(binary, &server, &["import", "--project", &project, &path]);
    let (import_s, _) =
        tokio::task::spawn_blocking(move || measure(import, Stdio::null())).await.map_err(|e| e.to_string())??;
    // The sync: a project of N OK accounts, a roster that drops the first 5% and adds 5% new ones.
    let mut w = Waldur::seeded(Flavour::V8_1, 0);
    for i in 0..n {
        w.add(0, &format!("student{i}@example.edu"), "", State::Ok);
    }
    let server = StandIn::start(w).await.map_err(|e| e.to_string())?;
    let path = roster(
        &scratch.join("sync.csv"),
        (cut..n).map(|i| format!("student{i}@example.edu")).chain((0..cut).map(|i| format!("joiner{i}@example.edu"))),
    )?;
    let max = n.to_string();
    let sync = cli(binary, &server, &["sync", "--project", &project, &path, "--yes", "--max-close", &max, "--quiet"]);
    let (sync_s, sync_rss) =
        tokio::task::spawn_blocking(move || measure(sync, Stdio::null())).await.map_err(|e| e.to_string())??;
    let (open, closed) = server.with_state(|w| {
        let closed = w.accounts.iter().filter(|a| a.state == State::Closed).count();
        (w.accounts.len() - closed, closed)
    });
    if open != n || closed != cut {
        return Err(format!("sync at {n}: {open} open and {closed} closed, expected {n} and {cut}"));
    }
    Ok(json!({"n": n, "added": cut, "closed": cut, "import_seconds": import_s, "sync_seconds": sync_s,
              "sync_peak_rss_mb": sync_rss as f64 / 1024.0, "sync_over_import": sync_s / import_s}))
}

/// `close --ended` across `courses` ended courses of `each` accounts (and one running course of
/// `each` that must stay open).
async fn close_ended(binary: &Path, courses: usize, each: usize) -> Result<Value, String> {
    let mut w = Waldur::seeded(Flavour::V8_1, 0);
    let today = chrono::Utc::now().date_naive();
    for c in 0..=courses {
        // The last one is running.
        let end = if c == courses {
            today + chrono::Duration::days(30)
        } else {
            today - chrono::Duration::days(1 + c as i64 % 90)
        };
        let p = w.add_project(&format!("Course {c}"), Some(end - chrono::Duration::days(100)), Some(end));
        for i in 0..each {
            w.add(p, &format!("c{c}s{i}@example.edu"), "", State::Ok);
        }
    }
    let server = StandIn::start(w).await.map_err(|e| e.to_string())?;
    let close = cli(binary, &server, &["close", "--ended", "--yes", "--quiet", "--concurrency", "8"]);
    let (seconds, rss) =
        tokio::task::spawn_blocking(move || measure(close, Stdio::null())).await.map_err(|e| e.to_string())??;
    let (closed, open) = server.with_state(|w| {
        let closed = w.accounts.iter().filter(|a| a.state == State::Closed).count();
        (closed, w.accounts.len() - closed)
    });
    if closed != courses * each || open != each {
        return Err(format!("close --ended: {closed} closed, {open} open; expected {} and {each}", courses * each));
    }
    Ok(json!({"courses": courses, "accounts": courses * each, "seconds": seconds, "peak_rss_mb": rss as f64 / 1024.0}))
}

/// `import` of `n` addresses (Pending, settling `delay` after creation), then `wait`: its requests and
/// how long after the last settlement it returned.
async fn wait_for(binary: &Path, scratch: &Path, n: usize, delay: Duration) -> Result<Value, String> {
    let mut w = Waldur::seeded(Flavour::V8_1, 0);
    w.provisioning = Provisioning::on(delay, 0, 1);
    let server = StandIn::start(w).await.map_err(|e| e.to_string())?;
    let project = seed::course_project().to_string();
    let path = roster(&scratch.join("wait.csv"), (0..n).map(|i| format!("ready{i}@example.edu")))?;
    let import = cli(binary, &server, &["import", "--project", &project, &path, "--quiet"]);
    tokio::task::spawn_blocking(move || measure(import, Stdio::null())).await.map_err(|e| e.to_string())??;
    // Every row was created by now, so the last one settles at most `delay` from here.
    let last_due = Instant::now() + delay;
    let before = server.requests().len();
    let wait = cli(binary, &server, &["wait", "--project", &project, "--max-wait", "5m", "--quiet"]);
    let started = Instant::now();
    tokio::task::spawn_blocking(move || measure(wait, Stdio::null())).await.map_err(|e| e.to_string())??;
    let ended = Instant::now();
    let requests: Vec<_> = server.requests().into_iter().skip(before).collect();
    let heads = requests.iter().filter(|r| r.method == "HEAD").count();
    let pages = requests.iter().filter(|r| r.method == "GET").count();
    let minutes = ended.duration_since(started).as_secs_f64() / 60.0;
    Ok(json!({"accounts": n, "settle_delay_s": delay.as_secs_f64(), "count_requests": heads, "page_reads": pages,
              "wait_seconds": ended.duration_since(started).as_secs_f64(),
              "count_requests_per_minute": heads as f64 / minutes,
              "page_reads_per_1000_accounts": pages as f64 * 1000.0 / n as f64,
              "detection_delay_s": ended.saturating_duration_since(last_due).as_secs_f64()}))
}

/// The term's figures, printed and as JSON. `sizes`: the sync sizes; `courses`: (courses, each).
pub async fn run(
    binary: &Path,
    scratch: &Path,
    sizes: &[usize],
    courses: &[(usize, usize)],
    wait_n: usize,
    delay: Duration,
) -> Result<Value, String> {
    std::fs::create_dir_all(scratch).map_err(|e| e.to_string())?;
    println!("\na course's term (one process per command, the stand-in on loopback)");
    let mut syncs = Vec::new();
    for &n in sizes {
        let row = sync_beside_import(binary, scratch, n).await?;
        println!(
            "sync of {n} lines against {n} accounts ({} added, {} closed): {:.3} s; import of {n}: {:.3} s; sync/import {:.2}x; peak RSS {:.1} MB",
            row["added"],
            row["closed"],
            row["sync_seconds"].as_f64().unwrap_or(0.0),
            row["import_seconds"].as_f64().unwrap_or(0.0),
            row["sync_over_import"].as_f64().unwrap_or(0.0),
            row["sync_peak_rss_mb"].as_f64().unwrap_or(0.0)
        );
        syncs.push(row);
    }
    if let [small, .., large] = syncs.as_slice() {
        println!(
            "sync: {:.0}x the lines, {:.1}x the time",
            large["n"].as_f64().unwrap_or(1.0) / small["n"].as_f64().unwrap_or(1.0),
            large["sync_seconds"].as_f64().unwrap_or(0.0) / small["sync_seconds"].as_f64().unwrap_or(1.0)
        );
    }
    let mut ended = Vec::new();
    for &(c, each) in courses {
        let row = close_ended(binary, c, each).await?;
        println!(
            "close --ended across {c} ended courses, {} accounts: {:.3} s, peak RSS {:.1} MB",
            c * each,
            row["seconds"].as_f64().unwrap_or(0.0),
            row["peak_rss_mb"].as_f64().unwrap_or(0.0)
        );
        ended.push(row);
    }
    if let [small, .., large] = ended.as_slice() {
        println!(
            "close --ended: {:.0}x the accounts, {:.1}x the time, {:.2}x the peak RSS",
            large["accounts"].as_f64().unwrap_or(1.0) / small["accounts"].as_f64().unwrap_or(1.0),
            large["seconds"].as_f64().unwrap_or(0.0) / small["seconds"].as_f64().unwrap_or(1.0),
            large["peak_rss_mb"].as_f64().unwrap_or(0.0) / small["peak_rss_mb"].as_f64().unwrap_or(1.0)
        );
    }
    let wait = wait_for(binary, scratch, wait_n, delay).await?;
    println!(
        "wait for {wait_n} Pending accounts settling {:.0} s after creation: {} count requests ({:.1} a minute), {} page reads ({:.1} per 1,000 accounts), {:.2} s after the last settled",
        delay.as_secs_f64(),
        wait["count_requests"],
        wait["count_requests_per_minute"].as_f64().unwrap_or(0.0),
        wait["page_reads"],
        wait["page_reads_per_1000_accounts"].as_f64().unwrap_or(0.0),
        wait["detection_delay_s"].as_f64().unwrap_or(0.0)
    );
    Ok(json!({"sync": syncs, "close_ended": ended, "wait": wait}))
}
