//! Where the workspace is, found at run time (never from the build's `CARGO_MANIFEST_DIR`, so a
//! binary built in one checkout acts on the checkout it is run in), and how paths are named to users.

use std::path::{Path, PathBuf};

/// The workspace root: the `cargo xtask` caller's (`cargo run` sets `CARGO_MANIFEST_DIR` to this
/// checkout's `xtask/`), else the nearest folder above the current directory with a workspace
/// manifest and `openapi/`.
pub fn root() -> PathBuf {
    let is_root = |dir: &Path| {
        dir.join("openapi").is_dir()
            && std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|m| m.contains("[workspace]"))
    };
    if let Some(xtask) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from)
        && let Some(root) = xtask.parent().filter(|r| is_root(r))
    {
        return root.to_path_buf();
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    cwd.ancestors().find(|d| is_root(d)).map(Path::to_path_buf).unwrap_or(cwd)
}

/// A path as headers and messages name it: workspace-relative with `/` when inside the workspace.
pub fn label(path: &Path) -> String {
    let root = root();
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match absolute.strip_prefix(&root) {
        Ok(inside) => inside.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"),
        Err(_) => absolute.display().to_string(),
    }
}

/// A generator error whose file is named as [`label`] names it, ready to report.
pub fn relabel(mut e: codegen::Error) -> crate::exit::Failure {
    e.file = label(&e.file).into();
    crate::exit::Failure::from(e)
}

/// The cargo that runs this command (`cargo xtask` sets `CARGO`), for the commands it starts.
pub fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The client crate's version, read from its manifest (the generator never builds the client).
pub fn client_version() -> String {
    let manifest = std::fs::read_to_string(root().join("generated-client/Cargo.toml")).unwrap_or_default();
    codegen::release::package_version(&manifest).unwrap_or_else(|| "0.0.0".into())
}
