//! The command line under load, each run its own process against a loopback stand-in: `list
//! --format json` of N accounts and `import` of an N-email roster, with wall time and the child's own
//! peak RSS, side by side for two sizes so that flat memory (streaming) shows.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::{Value, json};
use waldur_course_accounts_testkit::standin::seed;
use waldur_course_accounts_testkit::{Flavour, StandIn, Waldur};

/// The release build of the CLI, built next to this binary if it is not there yet.
pub fn binary(root: &Path) -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let cli = me.with_file_name("waldur-course-accounts");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--locked", "--quiet", "-p", "waldur-course-accounts-cli"])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot build the CLI: {e}"))?;
    if !status.success() || !cli.exists() {
        return Err(format!("building the CLI failed ({status}); expected {}", cli.display()));
    }
    Ok(cli)
}

/// Wall seconds and peak RSS (KiB) of one child, which must succeed. The peak is the child's own
/// `VmHWM`, read from /proc while it runs: `wait4`'s `ru_maxrss` would be polluted by this (large)
/// process, whose memory the child shares between spawn and exec.
fn measure(mut command: Command) -> Result<(f64, u64), String> {
    let started = Instant::now();
    let child = command.stdin(Stdio::null()).stderr(Stdio::piped()).spawn().map_err(|e| e.to_string())?;
    let pid = child.id() as libc::pid_t;
    let mut peak = 0u64;
    let mut status: libc::c_int = 0;
    loop {
        // The high-water mark only grows; the last read before exit misses at most a millisecond.
        if let Some(kib) = codegen::measure::peak_rss_kib_of(child.id()) {
            peak = peak.max(kib);
        }
        // SAFETY: `pid` is our own child, not waited for yet; the pointer is valid for the call.
        let waited = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if waited == pid {
            break;
        }
        if waited < 0 {
            return Err(format!("waitpid: {}", std::io::Error::last_os_error()));
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let seconds = started.elapsed().as_secs_f64();
    let exit = std::process::ExitStatus::from_raw(status);
    if !exit.success() {
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr {
            use std::io::Read;
            let _ = pipe.read_to_string(&mut stderr);
        }
        return Err(format!("the CLI failed ({exit}): {}", stderr.lines().last().unwrap_or_default()));
    }
    Ok((seconds, peak))
}

pub struct Row {
    pub what: String,
    pub n: usize,
    pub seconds: f64,
    pub peak_rss_kib: u64,
}

pub async fn run(cli: &Path, list_sizes: &[usize], import_sizes: &[usize], scratch: &Path) -> Result<Vec<Row>, String> {
    std::fs::create_dir_all(scratch).map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    for &n in list_sizes {
        let server = StandIn::start(Waldur::synthetic(Flavour::V8_1, n)).await.map_err(|e| e.to_string())?;
        let out_path = scratch.join("list.json");
        let out = std::fs::File::create(&out_path).map_err(|e| e.to_string())?;
        let mut command = Command::new(cli);
        command
            .args(["list", "--format", "json"])
            .env("WALDUR_URL", server.base_url())
            .env("WALDUR_TOKEN", seed::TOKEN);
        command.stdout(out);
        let (seconds, peak) =
            tokio::task::spawn_blocking(move || measure(command)).await.map_err(|e| e.to_string())??;
        let listed: Vec<Value> = serde_json::from_reader(std::io::BufReader::new(
            std::fs::File::open(&out_path).map_err(|e| e.to_string())?,
        ))
        .map_err(|e| format!("the CLI's JSON: {e}"))?;
        if listed.len() != n {
            return Err(format!("list printed {} accounts, expected {n}", listed.len()));
        }
        rows.push(Row { what: "list --format json".into(), n, seconds, peak_rss_kib: peak });
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
            .env("WALDUR_TOKEN", seed::TOKEN)
            .stdout(Stdio::null());
        let (seconds, peak) =
            tokio::task::spawn_blocking(move || measure(command)).await.map_err(|e| e.to_string())??;
        let created = server.with_state(|w| w.accounts.len());
        if created != n {
            return Err(format!("import created {created} accounts, expected {n}"));
        }
        rows.push(Row { what: "import roster.csv".into(), n, seconds, peak_rss_kib: peak });
    }
    Ok(rows)
}

pub fn print(rows: &[Row]) -> Value {
    println!("\ncommand line (release build, one process per run, loopback stand-in; peak RSS of that process)");
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
                "{what}: {}x the accounts, {:.2}x the peak RSS",
                large.n / small.n.max(1),
                large.peak_rss_kib as f64 / small.peak_rss_kib.max(1) as f64
            );
        }
    }
    json!(rows
        .iter()
        .map(|r| json!({"command": r.what, "n": r.n, "seconds": r.seconds, "peak_rss_mb": r.peak_rss_kib as f64 / 1024.0}))
        .collect::<Vec<_>>())
}
