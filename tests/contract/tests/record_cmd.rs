//! `cargo xtask record` (the `record` binary) against the stand-in on loopback writes what is checked in; bad arguments fail cleanly.

use std::process::Command;

#[test]
fn record_against_the_standin_writes_the_checked_in_recordings() {
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_record"))
        .args(["--standin", "7.8.7", "--scenario", "list_pages", "--scenario", "create_invalid", "--out"])
        .arg(out.path())
        .env_remove("WALDUR_TOKEN")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{stdout}{}", String::from_utf8_lossy(&run.stderr));
    assert!(stdout.contains("list_pages") && stdout.contains("as expected"), "{stdout}");
    for scenario in ["list_pages", "create_invalid"] {
        let stored = contract_tests::recordings_dir().join(scenario);
        for entry in std::fs::read_dir(&stored).unwrap() {
            let path = entry.unwrap().path();
            let fresh = out.path().join(scenario).join(path.file_name().unwrap());
            assert_eq!(
                std::fs::read_to_string(&fresh).unwrap(),
                std::fs::read_to_string(&path).unwrap(),
                "{}",
                path.display()
            );
        }
    }
}

#[test]
fn record_refuses_unclear_requests_before_touching_anything() {
    let out = tempfile::tempdir().unwrap();
    let record = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_record")).args(args).env_remove("WALDUR_TOKEN").output().unwrap()
    };
    let o = out.path().to_str().unwrap();
    // The context file exists, so only the missing token can stop this run.
    let context = contract_tests::recordings_dir().join("context.json");
    let context = context.to_str().unwrap();
    let no_token = record(&["--base-url", "https://waldur.example.edu", "--context", context, "--out", o]);
    assert_eq!(no_token.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&no_token.stderr);
    assert!(stderr.contains("set WALDUR_TOKEN to the API token for --base-url"), "{stderr}");
    let unknown = record(&["--standin", "7.8.7", "--scenario", "nope", "--out", o]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown scenario `nope`"));
    let no_context = record(&["--base-url", "https://waldur.example.edu", "--out", o]);
    assert!(String::from_utf8_lossy(&no_context.stderr).contains("--context FILE is required"));
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0, "nothing was written");
}
