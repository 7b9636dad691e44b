//! This workspace's contract tests against the recorded server: the recordings (in `recordings/`)
//! are checked against the spec ([`conformance`]), the [`scenarios`] drive the client through them
//! over a strict replay, and [`record`] makes them through a recording proxy. The servers themselves
//! (stand-in Waldur, replay) are the published `waldur-course-accounts-testkit`.

use std::path::{Path, PathBuf};

pub mod conformance;
pub mod record;
pub mod scenarios;

pub use waldur_course_accounts_testkit::recording;

/// `tests/contract/recordings/` of this workspace.
pub fn recordings_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("recordings")
}

/// Parses a scenario context file (`context.json`).
pub fn parse_context(text: &str) -> Result<scenarios::Context, String> {
    serde_json::from_str(text)
        .map_err(|e| format!("line {}, column {}: not a scenario context: {e}", e.line(), e.column()))
}
