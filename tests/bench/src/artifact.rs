//! The binaries the benchmark runs (the command line, xtask), built by cargo and found by the path
//! cargo reports for them, so that the benchmark works in any profile and any target directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// The cargo profile this benchmark was built in, and so the one it builds the command line in.
pub const PROFILE: &str = if cfg!(debug_assertions) { "dev" } else { "release" };

/// Builds binary `bin` of `package` in `profile` (a no-op when it is fresh) and returns its path.
///
/// In the dev profile it asks for what `cargo test --workspace` and `.ci/run` build (the whole
/// workspace, all targets): `--package X` alone would resolve X's features on their own and compile
/// much of the dependency tree a second time, so the smoke run in CI would rebuild what is there.
pub fn build(root: &Path, package: &str, bin: &str, profile: &str) -> Result<PathBuf, String> {
    let selection: &[&str] =
        if profile == "dev" { &["--workspace", "--all-targets"] } else { &["--package", package, "--bin", bin] };
    let output = Command::new(env!("CARGO"))
        .args(["build", "--locked", "--quiet", "--message-format=json"])
        .args(selection)
        .args(["--profile", profile])
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo to build {package}: {e}"))?;
    if !output.status.success() {
        return Err(format!("building {package} ({profile}) failed ({})", output.status));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| {
            m["reason"] == "compiler-artifact"
                && m["target"]["name"] == bin
                && m["target"]["kind"].as_array().is_some_and(|k| k.iter().any(|k| k == "bin"))
                && m["profile"]["test"] == false
        })
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| format!("cargo built {package} but named no `{bin}` executable"))
}
