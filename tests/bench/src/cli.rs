//! The command line under load, each run its own process against a loopback server: `list --format
//! json` of N accounts and `import` of an N-email roster, with wall time and the process's own peak
//! RSS (under the launcher of `rss`), side by side for two sizes so that flat memory (streaming)
//! shows. The list is answered as the list benchmark's is (`--list-server`: by default the
//! stand-in's answers remembered, after one unmeasured run that fills them); the import, which
//! writes, by the stand-in itself.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use waldur_course_accounts_testkit::standin::seed;
use waldur_course_accounts_testkit::{Flavour, StandIn, Waldur};

use crate::artifact::PROFILE;
use crate::memo::{ListAnswers, ListServer};
use crate::rss;

/// Wall seconds and peak RSS (KiB) of one run of the command line, writing to `stdout`, which must
/// succeed. The time is the launcher's, around the process alone. (The term's benchmark uses it too.)
pub(crate) fn measure(command: Command, stdout: Stdio) -> Result<(f64, u64), String> {
    let output = rss::under_launcher(&command)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run the launcher: {e}"))?;
    let (measured, stderr) = rss::report(&output.stderr)?;
    if measured.code != Some(0) {
        return Err(format!("the CLI failed ({:?}): {}", measured.code, stderr.lines().last().unwrap_or_default()));
    }
    Ok((measured.seconds, measured.peak_rss_kib))
}

/// The same program, arguments and environment (`Command` is not `Clone`).
fn clone(command: &Command) -> Command {
    let mut copy = Command::new(command.get_program());
    copy.args(command.get_args());
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            copy.env(key, value);
        }
    }
    copy
}

pub struct Row {
    pub what: String,
    pub n: usize,
    pub seconds: f64,
    pub peak_rss_kib: u64,
}

pub async fn run(
    cli: &Path,
    list_sizes: &[usize],
    import_sizes: &[usize],
    scratch: &Path,
    list_server: ListServer,
    runs: usize,
) -> Result<Vec<Row>, String> {
    std::fs::create_dir_all(scratch).map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    for &n in list_sizes {
        let server = ListAnswers::start(list_server, Waldur::synthetic(Flavour::V8_1, n)).await?;
        let out_path = scratch.join("list.json");
        let mut list = Command::new(cli);
        list.args(["list", "--format", "json"]).env("WALDUR_URL", server.base_url()).env("WALDUR_TOKEN", seed::TOKEN);
        let to_file = || std::fs::File::create(&out_path).map(Stdio::from).map_err(|e| e.to_string());
        // Unmeasured: fills the memo with the pages the CLI asks for (and warms the OS either way).
        let (warm, out) = (clone(&list), to_file()?);
        tokio::task::spawn_blocking(move || measure(warm, out)).await.map_err(|e| e.to_string())??;
        // The median of `runs` processes: one process of a second or less is at the mercy of the
        // machine's noise.
        let mut times = Vec::new();
        let mut peak = 0;
        for _ in 0..runs.max(1) {
            let (run, out) = (clone(&list), to_file()?);
            let (seconds, rss) =
                tokio::task::spawn_blocking(move || measure(run, out)).await.map_err(|e| e.to_string())??;
            times.push(seconds);
            peak = peak.max(rss);
        }
        let seconds = crate::median(times);
        let listed: Vec<Value> = serde_json::from_reader(std::io::BufReader::new(
            std::fs::File::open(&out_path).map_err(|e| e.to_string())?,
        ))
        .map_err(|e| format!("the CLI's JSON: {e}"))?;
        if listed.len() != n {
            return Err(format!("list printed {} accounts, expected {n}", listed.len()));
        }
        rows.push(Row { what: "list --format json".into(), n, seconds, peak_rss_kib: peak });
        // The hand-out: three fields of each account, from the same pages.
        let mut fields = clone(&list);
        fields.args(["--fields", "email,username,state"]);
        let mut times = Vec::new();
        let mut peak = 0;
        for _ in 0..runs.max(1) {
            let (run, out) = (clone(&fields), to_file()?);
            let (seconds, rss) =
                tokio::task::spawn_blocking(move || measure(run, out)).await.map_err(|e| e.to_string())??;
            times.push(seconds);
            peak = peak.max(rss);
        }
        let listed: Vec<Value> = serde_json::from_reader(std::io::BufReader::new(
            std::fs::File::open(&out_path).map_err(|e| e.to_string())?,
        ))
        .map_err(|e| format!("the CLI's JSON: {e}"))?;
        if listed.len() != n || listed.first().is_some_and(|a| a.as_object().map(|o| o.len()) != Some(3)) {
            return Err(format!("list --fields printed {} accounts, expected {n} of 3 fields", listed.len()));
        }
        rows.push(Row { what: "list --fields (json)".into(), n, seconds: crate::median(times), peak_rss_kib: peak });
    }
    for &n in import_sizes {
        let server = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.map_err(|e| e.to_string())?;
        let roster = scratch.join("roster.csv");
        let mut text = String::from("name,email\n");
        for i in 0..n {
            text.push_str(&format!("Student {i},import{i}@example.edu\n"));
        }
        std::fs::write(&roster, text).map_err(|e| e.to_string())?;
        let mut command = Command::new(cli);
        command
            .args(["import", "--project", &seed::course_project().to_string()])
            .arg(&roster)
            .env("WALDUR_URL", server.base_url())
            .env("WALDUR_TOKEN", seed::TOKEN);
        let (seconds, peak) =
            tokio::task::spawn_blocking(move || measure(command, Stdio::null())).await.map_err(|e| e.to_string())??;
        let created = server.with_state(|w| w.accounts.len());
        if created != n {
            return Err(format!("import created {created} accounts, expected {n}"));
        }
        rows.push(Row { what: "import roster.csv".into(), n, seconds, peak_rss_kib: peak });
    }
    Ok(rows)
}

/// Prints the command-line figures; `stream` is the library's own all-pages stream, `(N, seconds)`,
/// measured in the same run, for the ratio of `list --format json` to it at the same N.
pub fn print(rows: &[Row], stream: &[(usize, f64)]) -> Value {
    println!("\ncommand line ({PROFILE} build, one process per run, loopback server; peak RSS of that process)");
    println!("{:<22} {:>8} {:>9} {:>12} {:>11}", "command", "N", "wall s", "per second", "peak RSS MB");
    for r in rows {
        println!(
            "{:<22} {:>8} {:>9.3} {:>12.0} {:>11.1}",
            r.what,
            r.n,
            r.seconds,
            r.n as f64 / r.seconds,
            r.peak_rss_kib as f64 / 1024.0
        );
    }
    for what in ["list --format json", "import roster.csv"] {
        let of: Vec<&Row> = rows.iter().filter(|r| r.what == what).collect();
        if let [small, .., large] = of.as_slice() {
            println!(
                "{what}: {}x the accounts, {:.1}x the time, {:.2}x the peak RSS",
                large.n / small.n.max(1),
                large.seconds / small.seconds,
                large.peak_rss_kib as f64 / small.peak_rss_kib.max(1) as f64
            );
        }
    }
    for r in rows.iter().filter(|r| r.what.starts_with("list")) {
        if let Some((_, library)) = stream.iter().find(|(n, _)| *n == r.n) {
            println!("{} / the library's stream at {}: {:.2}x", r.what, r.n, r.seconds / library);
        }
    }
    json!(rows
        .iter()
        .map(|r| json!({"command": r.what, "n": r.n, "seconds": r.seconds, "peak_rss_mb": r.peak_rss_kib as f64 / 1024.0}))
        .collect::<Vec<_>>())
}
