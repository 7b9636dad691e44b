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

use codegen::compare::Bump;
use codegen::release;

use crate::exit::{Failure, Outcome};
use crate::workspace;

#[derive(clap::Args)]
pub struct Args {
    /// The git revision holding the previous release of the crate.
    #[arg(long, default_value = "HEAD")]
    baseline_rev: String,
}

pub fn run(args: Args) -> Outcome {
    if !installed() {
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
    let baseline = release::package_version(&String::from_utf8_lossy(&shown.stdout))
        .ok_or_else(|| format!("{manifest} at `{}` has no package version", args.baseline_rev))?;
    let current = workspace::client_version();
    println!("({baseline} → {current})");
    let (verdict, _) = check(&root, &args.baseline_rev, true)?;
    let bumped = release::is_breaking_release(&baseline, &current)
        .ok_or_else(|| format!("`{baseline}` or `{current}` is not a version"))?;
    match (verdict == Bump::Major, bumped) {
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

/// Whether cargo-semver-checks can be run. `XTASK_NO_SEMVER_CHECKS=1` says no whatever is installed:
/// for a scratch workspace that is not a crate it could build, and for the tests of that path.
fn installed() -> bool {
    std::env::var_os("XTASK_NO_SEMVER_CHECKS").is_none()
        && Command::new(workspace::cargo())
            .args(["semver-checks", "--version"])
            .output()
            .is_ok_and(|o| o.status.success())
}

/// The crate-level verdict of the working tree against the last commit, for `cargo xtask update`:
/// `None` when cargo-semver-checks is not installed; else `Major` with the failing lints' names, or
/// `Minor` (nothing that needs a major release).
pub fn crate_level(root: &std::path::Path) -> Result<Option<(Bump, Vec<String>)>, String> {
    if !installed() {
        return Ok(None);
    }
    check(root, "HEAD", false).map(Some)
}

/// Runs cargo-semver-checks on the client against `baseline_rev`, asking for every change that needs
/// a major release (`--release-type minor`), and reads its verdict and the failing lints.
fn check(root: &std::path::Path, baseline_rev: &str, show: bool) -> Result<(Bump, Vec<String>), String> {
    println!("cargo semver-checks -p {} --baseline-rev {baseline_rev} --release-type minor", release::CLIENT_PACKAGE);
    let output = Command::new(workspace::cargo())
        .current_dir(root)
        .args(["semver-checks", "-p", release::CLIENT_PACKAGE, "--baseline-rev", baseline_rev])
        .args(["--release-type", "minor"])
        .output()
        .map_err(|e| format!("cannot run cargo semver-checks: {e}"))?;
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    if show {
        print!("{text}");
    }
    // Its lints report as `--- failure NAME: description ---`.
    let lints: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("--- failure "))
        .filter_map(|l| l.split(':').next())
        .map(str::to_string)
        .collect();
    // It exits non-zero both when a lint fails and when it cannot run; its summary tells them apart.
    match (output.status.success(), text.contains("semver requires new major version")) {
        (true, _) => Ok((Bump::Minor, lints)),
        (false, true) => Ok((Bump::Major, lints)),
        (false, false) => Err(format!("cargo semver-checks failed to run ({}):\n{text}", output.status)),
    }
}
