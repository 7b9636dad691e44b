//! Commands that belong to other crates and keep their `cargo xtask` spelling: xtask runs their
//! binaries with cargo, so that it never builds the client itself (a broken `generated.rs` cannot
//! block `cargo xtask codegen`).

use crate::exit::{Failure, Outcome};
use crate::workspace;

/// `cargo run --profile PROFILE --package PACKAGE --bin BIN -- ARGS` in the workspace, passing the
/// exit status on.
pub fn run(package: &str, bin: &str, profile: &str, args: &[String]) -> Outcome {
    let cargo = workspace::cargo();
    let mut command = std::process::Command::new(cargo);
    command.args(["run", "--locked", "--quiet", "--profile", profile, "--package", package, "--bin", bin]);
    let status = command.arg("--").args(args).current_dir(workspace::root()).status();
    passed_on(status, &format!("`{bin}` of {package}"))
}

/// A child's exit status as this command's outcome: success, its own code passed on, or why it could
/// not run.
fn passed_on(status: std::io::Result<std::process::ExitStatus>, what: &str) -> Outcome {
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(Failure::Passed(s.code().and_then(|c| u8::try_from(c).ok()).unwrap_or(1))),
        Err(e) => Err(Failure::Error(format!("cannot run {what}: {e}"))),
    }
}
