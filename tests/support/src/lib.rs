//! What the workspace's test suites share, so that a change of policy is made once: the proptest
//! configuration of every property test (case count, where found failures are kept and replayed).

use proptest::test_runner::{Config, FileFailurePersistence};

/// Cases per property unless `PROPTEST_CASES` says otherwise (a longer campaign).
pub const DEFAULT_CASES: u32 = 2000;

/// The configuration of every property test: `cases` (or `PROPTEST_CASES` when set), and failures
/// kept next to the test's source (`tests/fuzz.rs` → `tests/fuzz.proptest-regressions`), where
/// proptest reads them back and replays them before any new case.
pub fn proptest_config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..Config::default()
    }
}
