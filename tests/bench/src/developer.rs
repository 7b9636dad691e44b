//! What a developer of this crate waits for: the drift check (`xtask codegen --check`, as a process)
//! and, when asked for, a clean debug build of the client crate.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::{Value, json};

use crate::{artifact, median, rss};

/// The drift check as a developer runs it: the xtask binary `cargo xtask` runs (dev profile),
/// started as a process, without cargo's own startup. `--check` loads the fragment, renders it and
/// compares the result with generated.rs; it exits 1 when the client is stale, which is measured
/// all the same (the work is the same) and said.
pub fn codegen_section(root: &Path) -> Result<Value, String> {
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

pub fn build_section(root: &Path) -> Result<Value, String> {
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
