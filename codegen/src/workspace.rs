//! Where the workspace is, found at run time (never from the build's `CARGO_MANIFEST_DIR`, so a binary
//! built in one checkout acts on the checkout it is run in), and how paths are named in headers and
//! messages. Shared by `cargo xtask` and the whole-API binary it runs.

use std::path::{Path, PathBuf};

/// The workspace root: the nearest folder with a workspace manifest and `openapi/` above the running
/// package (`cargo run` sets `CARGO_MANIFEST_DIR` to it: `xtask/`, `tests/whole-api/`), else above
/// the current directory; the current directory when neither has one.
pub fn root() -> PathBuf {
    let is_root = |dir: &Path| {
        dir.join("openapi").is_dir()
            && std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|m| m.contains("[workspace]"))
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let starts = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).into_iter().chain([cwd.clone()]);
    for start in starts {
        if let Some(root) = start.ancestors().find(|d| is_root(d)) {
            return root.to_path_buf();
        }
    }
    cwd
}

/// A path as headers and messages name it: workspace-relative with `/` when inside the workspace.
pub fn label(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match absolute.strip_prefix(root()) {
        Ok(inside) => inside.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"),
        Err(_) => absolute.display().to_string(),
    }
}

/// The cargo that runs this command (`cargo run` and `cargo xtask` set `CARGO`), for the commands it
/// starts.
pub fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}
