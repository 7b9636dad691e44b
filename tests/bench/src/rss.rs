//! Peak memory of a measured process, from the kernel's own accounting: the benchmark runs each
//! measured process under a small launcher (this binary's hidden `peak-rss` mode), which waits for
//! it and reports `getrusage(RUSAGE_CHILDREN).ru_maxrss` (KiB on Linux) and its wall time.
//!
//! Why a launcher and not `ru_maxrss` of the benchmark's own children: Linux folds into a process's
//! peak the memory it had before `exec`, and a child spawned by the benchmark has, until it execs,
//! the benchmark's memory (a server holding 100,000 accounts and their answers). Under the launcher
//! that memory is the launcher's, a few MB and printed as the floor, so the figure is the measured
//! process's own peak whenever that is above the floor.

use std::ffi::OsString;
use std::process::{Command, ExitCode};
use std::time::Instant;

use serde_json::{Value, json};

/// The launcher mode: runs `program` as the only child, then writes one JSON line to stderr,
/// `{"seconds", "peak_rss_kib", "code"}`, and exits as the child did.
pub fn launch(program: &OsString, args: &[OsString]) -> ExitCode {
    let started = Instant::now();
    let status = match Command::new(program).args(args).status() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot run {}: {e}", program.to_string_lossy());
            return ExitCode::from(2);
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("{}", json!({"seconds": seconds, "peak_rss_kib": children_peak_kib(), "code": status.code()}));
    // A child killed by a signal has no code: a failure all the same.
    ExitCode::from(status.code().and_then(|c| u8::try_from(c).ok()).unwrap_or(1))
}

/// The largest peak resident set of the waited-for children (and theirs), in KiB.
fn children_peak_kib() -> u64 {
    // SAFETY: `rusage` is plain integers, so all-zero is a valid value; getrusage fills it in and
    // only reads the pointer, which is valid for the call.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    if rc == 0 { u64::try_from(usage.ru_maxrss).unwrap_or(0) } else { 0 }
}

/// `command` run under the launcher: the same program, arguments, environment and directory; the
/// caller sets stdin and stdout, which the measured process inherits. Its stderr must be piped.
pub fn under_launcher(command: &Command) -> Command {
    let me = std::env::current_exe().unwrap_or_else(|_| "bench".into());
    let mut launcher = Command::new(me);
    launcher.arg("peak-rss").arg(command.get_program()).args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => launcher.env(key, value),
            None => launcher.env_remove(key),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        launcher.current_dir(dir);
    }
    launcher
}

/// What the launcher measured of one process.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    pub seconds: f64,
    pub peak_rss_kib: u64,
    pub code: Option<i32>,
}

/// Reads the launcher's report, the last line of its stderr; the lines before it are the measured
/// process's own stderr (returned, for error messages).
pub fn report(stderr: &[u8]) -> Result<(Measured, String), String> {
    let text = String::from_utf8_lossy(stderr);
    let (own, last) = match text.trim_end().rsplit_once('\n') {
        Some((own, last)) => (own.to_string(), last),
        None => (String::new(), text.trim_end()),
    };
    let v: Value = serde_json::from_str(last).map_err(|_| format!("no report from the launcher: {}", text.trim()))?;
    let measured = Measured {
        seconds: v["seconds"].as_f64().unwrap_or(f64::NAN),
        peak_rss_kib: v["peak_rss_kib"].as_u64().unwrap_or(0),
        code: v["code"].as_i64().and_then(|c| i32::try_from(c).ok()),
    };
    Ok((measured, own))
}

/// The launcher's floor: its peak around a process that uses almost no memory (`true`).
pub fn floor_kib() -> Result<u64, String> {
    let output = under_launcher(&Command::new("true")).output().map_err(|e| format!("cannot run the launcher: {e}"))?;
    Ok(report(&output.stderr)?.0.peak_rss_kib)
}
