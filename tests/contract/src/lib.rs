//! This workspace's contract tests against the recorded server: the recordings (in `recordings/`,
//! their format in [`recording`]) are checked against the spec ([`conformance`]), the [`scenarios`]
//! drive the client through them over a strict [`replay`] server, [`reproduce`] sends them to the
//! stand-in the other way round, and [`record`] makes them through a recording proxy. The binary
//! `waldur-mock` (`cargo xtask mock`) serves the stand-in seeded from them ([`mock`]). The stand-in
//! Waldur itself is the published `waldur-course-accounts-testkit`.

use std::path::{Path, PathBuf};

pub mod conformance;
pub mod mock;
pub mod record;
pub mod recording;
pub mod replay;
pub mod reproduce;
pub mod scenarios;

/// `tests/contract/recordings/` of this workspace.
pub fn recordings_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("recordings")
}

/// Parses a scenario context file (`context.json`).
pub fn parse_context(text: &str) -> Result<scenarios::Context, String> {
    serde_json::from_str(text)
        .map_err(|e| format!("line {}, column {}: not a scenario context: {e}", e.line(), e.column()))
}
