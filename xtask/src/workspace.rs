//! The workspace as xtask's commands see it: its root and path labels (`codegen::workspace`), the
//! cargo that runs them, and the client's version.

pub use codegen::workspace::{label, root};

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
