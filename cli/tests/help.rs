//! `--help` pinned: every command's help is compared with `tests/snapshots/help.txt`, so a change of
//! an option, a default or an example is seen in review, and README's "Command line" names every
//! command the help lists. `UPDATE_SNAPSHOTS=1 cargo test -p waldur-course-accounts-cli --test help`
//! rewrites the snapshot after a deliberate change.

use std::process::Command;

mod common;
use common::bin;

const COMMANDS: [&str; 14] = [
    "",
    "list",
    "count",
    "get",
    "create",
    "import",
    "wait",
    "sync",
    "courses",
    "close",
    "retry",
    "reconcile",
    "completions",
    "man",
];

fn help(command: &str) -> String {
    let mut args: Vec<&str> = command.split_whitespace().collect();
    args.push("--help");
    let out = Command::new(bin()).args(&args).env_remove("WALDUR_URL").env_remove("WALDUR_TOKEN").output().unwrap();
    assert!(out.status.success(), "{command} --help");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn help_matches_the_snapshot_and_readme_names_every_command() {
    let mut all = String::new();
    for command in COMMANDS {
        all.push_str(&format!("===== waldur-course-accounts {command} --help\n{}\n", help(command)));
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/help.txt");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(path, &all).unwrap();
    }
    let pinned = std::fs::read_to_string(path).unwrap_or_default();
    if pinned != all {
        let diff = similar::TextDiff::from_lines(&pinned, &all).unified_diff().header("pinned", "now").to_string();
        panic!(
            "--help changed; if on purpose, run UPDATE_SNAPSHOTS=1 cargo test -p waldur-course-accounts-cli --test help\n{diff}"
        );
    }
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let section = readme.split("## Command line").nth(1).and_then(|s| s.split("\n## ").next()).unwrap_or_default();
    for command in COMMANDS.iter().filter(|c| !c.is_empty()) {
        assert!(section.contains(&format!("**{command}**")), "README's Command line does not describe `{command}`");
    }
}
