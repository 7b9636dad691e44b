//! The workspace as xtask's commands see it: its root, path labels and the cargo that runs them
//! (`codegen::workspace`), and the client's version.

pub use codegen::workspace::{cargo, label, root};

/// A generator error whose file is named as [`label`] names it, ready to report.
pub fn relabel(mut e: codegen::Error) -> crate::exit::Failure {
    e.file = label(&e.file).into();
    crate::exit::Failure::from(e)
}

/// The client crate's version, read from its manifest (the generator never builds the client).
pub fn client_version() -> String {
    let manifest = std::fs::read_to_string(root().join("generated-client/Cargo.toml")).unwrap_or_default();
    codegen::release::package_version(&manifest).unwrap_or_else(|| "0.0.0".into())
}
