//! `cargo xtask semver [--baseline-rev REV]`: the crate-level semver verdict Rust users trust,
//! `cargo-semver-checks` on `waldur-course-accounts` against a git revision (default `HEAD`: after
//! `cargo xtask update`, the last commit is the previous release).
//!
//! It asks cargo-semver-checks for every change that needs a major release (`--release-type minor`:
//! had the version only gone up by a minor step, would it be enough?). Run against the real bump
//! instead, a major bump would skip every lint and say nothing. Then it checks the version in
//! `generated-client/Cargo.toml` against the baseline's: breaking changes need a breaking bump. Not
//! part of `.ci/run`: the tool is a separate install (about 6 minutes) and the check takes about 95 s warm.

use std::process::Command;

use crate::exit::{Failure, Outcome};
use crate::workspace;

#[derive(clap::Args)]
pub struct Args {
    /// The git revision holding the previous release of the crate.
    #[arg(long, default_value = "HEAD")]
    baseline_rev: String,
}

pub fn run(args: Args) -> Outcome {
    let installed = Command::new(workspace::cargo())
        .args(["semver-checks", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        return Err(Failure::from(
            "cargo-semver-checks is not installed on this machine, so the crate-level check cannot run here. \
             Install it with `cargo install cargo-semver-checks --locked` (about 6 minutes on 2 cores; needs \
             crates.io) and run `cargo xtask semver` again. The schema-level verdict needs no extra tool: \
             `cargo xtask diff OLD NEW`.",
        ));
    }
    let root = workspace::root();
    let manifest = "generated-client/Cargo.toml";
    let shown = Command::new("git")
        .current_dir(&root)
        .args(["show", &format!("{}:{manifest}", args.baseline_rev)])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !shown.status.success() {
        return Err(Failure::from(format!(
            "git cannot show {manifest} at `{}`: {}",
            args.baseline_rev,
            String::from_utf8_lossy(&shown.stderr).trim()
        )));
    }
    let baseline = workspace::package_version(&String::from_utf8_lossy(&shown.stdout))
        .ok_or_else(|| format!("{manifest} at `{}` has no package version", args.baseline_rev))?;
    let current = workspace::client_version();
    println!(
        "cargo semver-checks -p {} --baseline-rev {} --release-type minor   ({baseline} → {current})",
        codegen::release::CLIENT_PACKAGE,
        args.baseline_rev
    );
    let output = Command::new(workspace::cargo())
        .current_dir(&root)
        .args(["semver-checks", "-p", codegen::release::CLIENT_PACKAGE, "--baseline-rev", &args.baseline_rev])
        .args(["--release-type", "minor"])
        .output()
        .map_err(|e| format!("cannot run cargo semver-checks: {e}"))?;
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    print!("{text}");
    // It exits non-zero both when a lint fails and when it cannot run; its summary tells them apart.
    let breaking = match (output.status.success(), text.contains("semver requires new major version")) {
        (true, _) => false,
        (false, true) => true,
        (false, false) => {
            return Err(Failure::from(format!("cargo semver-checks failed to run ({})", output.status)));
        }
    };
    let bumped = is_breaking_bump(&baseline, &current);
    match (breaking, bumped) {
        (true, true) => {
            println!("verdict: breaking changes (above), and {baseline} → {current} is a breaking release: OK")
        }
        (false, _) => println!(
            "verdict: nothing breaking for Rust callers; {baseline} → {current} is {}",
            if bumped { "a breaking release (more than needed, not wrong)" } else { "enough" }
        ),
        (true, false) => {
            eprintln!(
                "error: breaking changes (above), but {baseline} → {current} is not a breaking release; \
                 bump the version (`cargo xtask diff` gives the next one)"
            );
            return Err(Failure::Found);
        }
    }
    Ok(())
}

/// Whether `old → new` is a breaking release by Cargo's rules (below 1.0 the minor number breaks).
fn is_breaking_bump(old: &str, new: &str) -> bool {
    let core = |v: &str| -> (u64, u64) {
        let mut parts = v.split(['+', '-']).next().unwrap_or(v).split('.').map(|p| p.parse().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    };
    let ((old_major, old_minor), (new_major, new_minor)) = (core(old), core(new));
    new_major > old_major || (old_major == 0 && new_major == 0 && new_minor > old_minor)
}

#[cfg(test)]
mod tests {
    #[test]
    fn breaking_bumps_follow_cargo() {
        use super::is_breaking_bump as b;
        assert!(b("0.1.0+waldur.7.8.7", "0.2.0+waldur.8.1.2"));
        assert!(!b("0.1.0", "0.1.1"));
        assert!(b("1.4.2", "2.0.0"));
        assert!(!b("1.4.2", "1.5.0"));
    }
}
