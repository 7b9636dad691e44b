//! The client processes of the all-pages section: the child mode a process of this benchmark runs
//! in to fetch every account with one client (this crate's stream or the hand-written loop), and the
//! parent's side, which starts one under the launcher of `rss`, checks the count it fetched and reads
//! its median fetch and peak RSS.

use std::process::{Command, Stdio};
use std::time::Instant;

use clap::ValueEnum;
use futures::TryStreamExt;
use serde_json::{Value, json};
use waldur_course_accounts::{Client, CourseAccount, Filter, Token};

use crate::{TOKEN, median, rss};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Variant {
    Ours,
    Loop,
}

/// Child mode: one client, held across the fetches as an application holds one (Python's too).
pub async fn client_mode(variant: Variant, base_url: &str, reps: usize) -> Result<(), String> {
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
pub fn reps_for(n: usize) -> usize {
    (20_000 / n.max(1)).max(1)
}

/// One measured run of a client process: its median fetch and its peak RSS.
#[derive(Clone, Copy)]
pub struct Run {
    pub seconds: f64,
    pub peak_rss_kib: u64,
}

pub fn run_child(command: &Command, expected: usize) -> Result<Run, String> {
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
