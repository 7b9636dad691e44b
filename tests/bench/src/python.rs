//! Waldur's Python client (`waldur-api-client`, pinned), installed with pip into a venv under
//! target/ on first use, for the all-pages section to run `bench_client.py` with.

use std::path::{Path, PathBuf};
use std::process::Command;

const PYTHON_CLIENT: &str = "waldur-api-client==8.1.3";

/// A venv with the Python client, under target/; `Err` (with the reason) when it cannot be had.
pub fn python_env(root: &Path) -> Result<PathBuf, String> {
    let venv = root.join("target/bench-venv");
    let python = venv.join("bin/python");
    let ready =
        Command::new(&python).args(["-c", "import waldur_api_client"]).output().is_ok_and(|o| o.status.success());
    if ready {
        return Ok(python);
    }
    let created =
        Command::new("python3").args(["-m", "venv"]).arg(&venv).output().map_err(|e| format!("python3: {e}"))?;
    if !created.status.success() {
        return Err(format!("python3 -m venv failed: {}", String::from_utf8_lossy(&created.stderr).trim()));
    }
    let installed = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", PYTHON_CLIENT])
        .output()
        .map_err(|e| e.to_string())?;
    if !installed.status.success() {
        return Err(format!(
            "pip install {PYTHON_CLIENT} failed: {}",
            String::from_utf8_lossy(&installed.stderr).trim()
        ));
    }
    Ok(python)
}
