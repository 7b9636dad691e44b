//! The command line as an admin uses it, driven as a process against the stand-in Waldur on loopback
//! (and the mock seeded from the recordings): the server's data and request log prove what was sent.
//!
//! Over 400 lines as one thing: the README's command-line page, command by command, as tests (the
//! term's commands are in `term.rs`, hostile input in `hostile.rs`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use waldur_course_accounts_testkit::standin::State;
use waldur_course_accounts_testkit::{Flavour, StandIn, Waldur};

mod common;
use common::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_real_roster_with_bom_semicolons_and_bad_rows_imports_and_reports_per_line() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 10)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Exported from a spreadsheet: BOM, `;`, an extra column, a bad address, a repeat in other case,
    // a blank line, an address with spaces around it, and an email already in the project.
    let roster = write(
        dir.path(),
        "class.csv",
        "\u{feff}Student;E-Mail Address;Group\nAda;ada@example.edu;1\nBob;bob(at)example.edu;1\n\nCy; cy@example.edu ;2\nAda again;ADA@example.edu;2\nOld;student0@example.edu;1\n"
            .as_bytes(),
    );
    let report = dir.path().join("report.json");
    let out = run(
        &waldur,
        &[
            "import",
            "--project",
            &project(),
            &roster,
            "--email-column",
            "e-mail address",
            "--report",
            report.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "every valid row imported, an invalid one left: exit 3, not the 1 of failed writes\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("next: correct the invalid lines"), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("class.csv: line 3: the email contains a character"), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("bob(at)"), "no address in error text");
    assert_eq!(accounts_with(&waldur, "ada@example.edu"), 1);
    assert_eq!(accounts_with(&waldur, "cy@example.edu"), 1);
    assert_eq!(accounts_with(&waldur, "student0@example.edu"), 1, "not created twice");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let rows: Vec<(u64, &str)> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(rows, [(2, "created"), (3, "invalid"), (5, "created"), (6, "duplicate"), (7, "already_present")]);
    assert_eq!(report["finished"], true);
    assert_eq!(report["summary"]["created"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_sends_no_write_and_a_rerun_creates_nothing_twice() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 5)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let emails: Vec<String> = (0..250).map(|i| format!("pupil{i}@example.edu")).collect();
    let roster = write(dir.path(), "r.csv", format!("email\n{}\n", emails.join("\n")).as_bytes());

    let dry = run(&waldur, &["import", "--project", &project(), &roster, "--dry-run"]).await;
    assert!(dry.status.success(), "{}{}", text(&dry.stdout), text(&dry.stderr));
    assert!(text(&dry.stdout).contains("250 to create") && text(&dry.stdout).contains("nothing was sent"));
    assert_eq!(writes(&waldur), 0, "the request log proves the dry run wrote nothing");

    let first = run(&waldur, &["import", "--project", &project(), &roster, "--chunk-size", "100"]).await;
    assert!(first.status.success(), "{}{}", text(&first.stdout), text(&first.stderr));
    assert_eq!(writes(&waldur), 3, "three chunks");
    let again = run(&waldur, &["import", "--project", &project(), &roster]).await;
    assert!(again.status.success());
    assert!(text(&again.stdout).contains("0 to create, 250 already have an account"), "{}", text(&again.stdout));
    assert_eq!(writes(&waldur), 3, "the re-run sent no write");
    assert!(emails.iter().all(|e| accounts_with(&waldur, e) == 1));
}

/// Waldur's bulk create skips every address that has an account in the project, Closed included,
/// compared exactly (waldur-mastermind `CourseAccountViewSet.create_bulk`). The import plans on that
/// rule: a student whose account was closed is its own outcome, reported once and never sent; an
/// address whose account is spelled in other case is not sent either (Waldur would make a second
/// account); and a re-run sends nothing that an earlier run sent.
#[tokio::test(flavor = "multi_thread")]
async fn closed_accounts_are_their_own_outcome_and_a_rerun_sends_nothing_again() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.unwrap();
    waldur.with_state(|w| {
        w.add(0, "closed@example.edu", "", State::Closed);
        w.add(0, "Old@example.edu", "", State::Closed);
        w.add(0, "Ada@example.edu", "", State::Ok);
    });
    let dir = tempfile::tempdir().unwrap();
    let roster = write(
        dir.path(),
        "r.csv",
        b"email\nnew1@example.edu\nclosed@example.edu\nold@example.edu\nada@example.edu\nnew2@example.edu\n",
    );
    let report = dir.path().join("report.json");
    let args = ["import", "--project", &project(), &roster, "--report", report.to_str().unwrap()];
    let first = run(&waldur, &args).await;
    let out = text(&first.stdout);
    assert!(first.status.success(), "{out}{}", text(&first.stderr));
    assert!(out.contains("2 to create, 1 already have an account, 2 have only a closed account"), "{out}");
    assert_eq!(out.matches("has a closed account: Waldur's bulk create will not make a new one").count(), 2, "{out}");
    assert_eq!(bulk_sent(&waldur), ["new1@example.edu", "new2@example.edu"]);
    let rows: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let statuses: Vec<&str> = rows["rows"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["created", "closed_account", "closed_account", "already_present", "created"]);
    assert!(rows["rows"][3]["message"].as_str().unwrap().contains("`Ada@example.edu`"), "{rows}");

    let again = run(&waldur, &args).await;
    let out = text(&again.stdout);
    assert!(again.status.success(), "{out}");
    assert!(out.contains("0 to create, 3 already have an account, 2 have only a closed account"), "{out}");
    assert_eq!(bulk_sent(&waldur), ["new1@example.edu", "new2@example.edu"], "the re-run sent nothing");
    for email in ["new1@example.edu", "closed@example.edu", "old@example.edu", "ada@example.edu", "new2@example.edu"] {
        assert_eq!(accounts_with(&waldur, email), 1, "{email}: one account per student");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_import_is_reported_and_resumed_without_duplicates() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 1)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let emails: Vec<String> = (0..3000).map(|i| format!("late{i}@example.edu")).collect();
    let roster = write(dir.path(), "r.csv", format!("email\n{}\n", emails.join("\n")).as_bytes());
    let report = dir.path().join("report.json");
    let report_arg = report.to_str().unwrap().to_string();
    let child =
        cli(&waldur, &["import", "--project", &project(), &roster, "--chunk-size", "1", "--report", &report_arg])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
    // Wait until some accounts exist, then press Ctrl-C.
    let started = Instant::now();
    while writes(&waldur) < 20 && started.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let interrupted = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success();
    assert!(interrupted);
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    let first: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    // 2,980 one-email chunks were still to go when the signal came.
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert_eq!(first["finished"], false, "{}", first["summary"]);
    assert!(first["summary"]["not_attempted"].as_u64().unwrap() > 0, "{}", first["summary"]);
    assert!(first["summary"]["created"].as_u64().unwrap() >= 19, "{}", first["summary"]);
    assert!(text(&out.stderr).contains("run the same command again"), "{}", text(&out.stderr));
    let created_first = first["summary"]["created"].as_u64().unwrap_or(0);
    let writes_first = writes(&waldur);

    let resumed =
        run(&waldur, &["import", "--project", &project(), &roster, "--chunk-size", "500", "--report", &report_arg])
            .await;
    assert!(resumed.status.success(), "{}{}", text(&resumed.stdout), text(&resumed.stderr));
    let second: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(second["finished"], true);
    let present = second["summary"]["already_present"].as_u64().unwrap_or(0);
    assert!(present >= created_first, "what the first run created is skipped: {present} < {created_first}");
    assert!(writes(&waldur) - writes_first <= 6, "the rest in chunks of 500");
    assert!(emails.iter().all(|e| accounts_with(&waldur, e) == 1), "every email has exactly one account");
}

#[tokio::test(flavor = "multi_thread")]
async fn close_all_over_several_pages_needs_yes_without_a_terminal_and_reports_each() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 800)).await.unwrap();
    let refused = run(&waldur, &["close", "--project", &project(), "--all"]).await;
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("pass --yes"), "{}", text(&refused.stderr));
    assert_eq!(writes(&waldur), 0);

    let open = waldur.with_state(|w| w.accounts.iter().filter(|a| a.project == 0 && a.state != State::Closed).count());
    assert!(open > 300, "more than one page: {open}");
    // A dry run lists what would be closed and sends nothing.
    let dry = run(&waldur, &["close", "--project", &project(), "--all", "--dry-run"]).await;
    let stdout = text(&dry.stdout);
    assert!(dry.status.success(), "{stdout}{}", text(&dry.stderr));
    assert_eq!(stdout.lines().filter(|l| l.starts_with("would close: ")).count(), open);
    assert!(stdout.contains(&format!("dry run: {open} of the project's")), "{stdout}");
    assert_eq!(writes(&waldur), 0);

    let out = run(&waldur, &["close", "--project", &project(), "--all", "--yes"]).await;
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().filter(|l| l.ends_with(": closed")).count(), open);
    assert!(stdout.contains(&format!("summary: {open} closed")), "{stdout}");
    assert_eq!(
        waldur.with_state(|w| w.accounts.iter().filter(|a| a.project == 0 && a.state != State::Closed).count()),
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_streams_json_and_csv_and_filters_count_and_close_by_uuid() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 30)).await.unwrap();
    let json =
        run(&waldur, &["list", "--project", &project(), "--state", "erred", "--order", "-created", "--format", "json"])
            .await;
    assert!(json.status.success(), "{}", text(&json.stderr));
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    assert!(!listed.is_empty() && listed.iter().all(|a| a["state"] == "Erred"));
    let created: Vec<&str> = listed.iter().map(|a| a["created"].as_str().unwrap()).collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "ordered newest first");
    let count = run(&waldur, &["count", "--project", &project(), "--state", "Erred"]).await;
    assert_eq!(text(&count.stdout).trim(), listed.len().to_string());

    let csv = run(&waldur, &["list", "--format", "csv", "--page-size", "7"]).await;
    let lines: Vec<String> = text(&csv.stdout).lines().map(str::to_string).collect();
    assert_eq!(lines[0], "uuid,state,email,username,project_name,project_uuid,created,error_message");
    let all = run(&waldur, &["count"]).await;
    assert_eq!((lines.len() - 1).to_string(), text(&all.stdout).trim(), "every page of 7");

    let uuid = listed[0]["uuid"].as_str().unwrap();
    let closed = run(&waldur, &["close", uuid]).await;
    assert!(closed.status.success() && text(&closed.stdout).contains(&format!("{uuid}: closed")));
    let again = run(&waldur, &["close", uuid]).await;
    assert_eq!(again.status.code(), Some(0), "closing a closed account is done");
    assert_eq!(text(&again.stdout), format!("{uuid}: already closed\n"));
    // A refusal that stands (Pending cannot be closed) is still one.
    let pending = waldur.with_state(|w| {
        let i = w.add(0, "pending@example.edu", "", State::Pending);
        w.accounts[i].uuid.to_string()
    });
    let refused = run(&waldur, &["close", &pending]).await;
    assert_eq!(refused.status.code(), Some(1));
    // In the admin's words (Waldur's 409 names states this tool does not have: UPDATE_SCHEDULED).
    assert!(text(&refused.stdout).contains("not closed: it is still Pending"), "{}", text(&refused.stdout));
}

#[tokio::test(flavor = "multi_thread")]
async fn reconcile_reports_missing_extra_and_attention_as_json() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 14)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // student6 is Erred in the seed; student0 OK; nobody@ has no account.
    let roster = write(dir.path(), "r.csv", b"email\nstudent0@example.edu\nstudent6@example.edu\nnobody@example.edu\n");
    let out = run(&waldur, &["reconcile", "--project", &project(), &roster, "--format", "json"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["missing"][0]["email"], "nobody@example.edu");
    assert_eq!(r["attention"][0]["state"], "Erred");
    assert_eq!(r["present"], 2);
    assert!(!r["not_on_roster"].as_array().unwrap().is_empty());
    assert_eq!(writes(&waldur), 0, "reconcile only reads");
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_problems_are_one_clear_line() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 1)).await.unwrap();
    // (environment changes, what the one line says)
    type Case = (Vec<(&'static str, Option<String>)>, &'static str);
    let cases: Vec<Case> = vec![
        (vec![("WALDUR_URL", None)], "no Waldur URL: pass --url URL or set WALDUR_URL"),
        (vec![("WALDUR_TOKEN", None)], "no token: set WALDUR_TOKEN"),
        (vec![("WALDUR_TOKEN", Some("wrong".into()))], "Waldur refused the token"),
        (
            vec![("WALDUR_URL", Some("http://waldur.example.edu".into()))],
            "refusing to send credentials over plain http",
        ),
        // A typo in the port of a URL with a password: the URL is not repeated.
        (vec![("WALDUR_URL", Some("http://someuser:s3cr3tpass@127.0.0.1:99999".into()))], "the base URL is not a URL"),
        (
            vec![("WALDUR_URL", Some("https://someuser:s3cr3tpass@waldur.example.edu".into()))],
            "the base URL holds a user name or password",
        ),
    ];
    for (env, expected) in cases {
        let mut command = cli(&waldur, &["count"]);
        for (key, value) in env {
            match value {
                Some(v) => command.env(key, v),
                None => command.env_remove(key),
            };
        }
        let out = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{expected}: {stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains(expected) && stderr.lines().count() == 1, "{stderr}");
        assert!(!stderr.contains(waldur.token()), "the token is never echoed");
        assert!(!stderr.contains("s3cr3tpass") && !stderr.contains("someuser"), "credentials in a URL: {stderr}");
    }
}

/// Against the stand-in seeded from the recordings as `cargo xtask mock` seeds it (contract-tests'
/// `mock::from_recordings`): every account a successful recorded answer shows, in recording order.
#[tokio::test(flavor = "multi_thread")]
async fn against_the_recorded_mock() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/contract/recordings");
    let sorted = |dir: &Path| {
        let mut paths: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        paths
    };
    let mut recorded = Waldur::seeded(Flavour::V8_1, 0);
    for file in sorted(&dir).iter().filter(|p| p.is_dir()).flat_map(|d| sorted(d)) {
        if file.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let exchange: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let (status, body) = (&exchange["response"]["status"], &exchange["response"]["body"]);
        let accounts = match body {
            serde_json::Value::Array(items) => items.iter().collect(),
            object if object.get("uuid").is_some() => vec![object],
            _ => vec![],
        };
        for account in accounts.into_iter().filter(|_| status.as_u64().is_some_and(|s| s < 300)) {
            recorded.import(account).unwrap();
        }
    }
    recorded.accept_any_token = true;
    let waldur = StandIn::start(recorded).await.unwrap();
    let out = run(&waldur, &["list", "--state", "Erred", "--format", "json"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(listed.iter().any(|a| a["uuid"] == "00000000-0000-4000-8002-000000000007"));
    let retried = run(&waldur, &["retry", "00000000-0000-4000-8002-000000000007"]).await;
    assert!(retried.status.success() && text(&retried.stdout).contains("now Pending"), "{}", text(&retried.stdout));
}

/// An account that is already Closed is what `close` was asked for: said so and counted done (exit 0),
/// not "not closed" with the server's 409 text.
#[tokio::test(flavor = "multi_thread")]
async fn closing_an_account_that_is_already_closed_is_done() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.unwrap();
    let (closed, open) = waldur.with_state(|w| {
        let closed = w.add(0, "gone@example.edu", "", State::Closed);
        let open = w.add(0, "here@example.edu", "", State::Ok);
        (w.accounts[closed].uuid, w.accounts[open].uuid)
    });
    let out = run(&waldur, &["close", &closed.to_string(), &open.to_string()]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains(&format!("{closed}: already closed")), "{stdout}");
    assert!(stdout.contains(&format!("{open}: closed")), "{stdout}");
    assert!(stdout.ends_with("2 closed (1 already), 0 not closed\n"), "{stdout}");
}

/// `list | head`: the reader went away; the command stops quietly with the shell's status for a
/// closed pipe (128 + SIGPIPE), never "error: ... Broken pipe".
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_pipe_ends_list_quietly() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 2_000)).await.unwrap();
    for format in ["json", "csv", "table"] {
        let mut command = cli(&waldur, &["list", "--format", format]);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let out = tokio::task::spawn_blocking(move || {
            let mut child = command.spawn().unwrap();
            // Read one line, then hang up, as `head -1` does.
            let mut stdout = child.stdout.take().unwrap();
            let mut first = [0u8; 64];
            std::io::Read::read(&mut stdout, &mut first).unwrap();
            drop(stdout);
            child.wait_with_output().unwrap()
        })
        .await
        .unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(141), "{format}: {stderr}");
        assert!(stderr.is_empty(), "{format}: {stderr}");
    }
}

/// A server that redirects every request to another origin (a load balancer moved to a new name, a
/// plain-http front sending to https): said as such, not as "Waldur refused the token".
#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_to_another_host_is_said_as_such() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let answer = "HTTP/1.1 302 Found\r\nlocation: https://waldur.example.org/api/marketplace-course-accounts/?email=x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    let mut command = Command::new(BIN);
    command
        .args(["count"])
        .env("WALDUR_URL", format!("http://{addr}"))
        .env("WALDUR_TOKEN", "t0ken")
        .stdin(Stdio::null());
    let out = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("redirects to https://waldur.example.org/api/marketplace-course-accounts/ (302 Found)"),
        "{stderr}"
    );
    assert!(!stderr.contains("refused the token") && !stderr.contains("email=x"), "{stderr}");
}

/// Completions and the manual page are there without a server, URL or token.
#[test]
fn shell_completions_and_a_man_page_need_no_connection() {
    for (args, expected) in [
        (vec!["completions", "bash"], "complete -F _waldur__course__accounts"),
        (vec!["completions", "zsh"], "#compdef waldur-course-accounts"),
        (vec!["completions", "fish"], "complete -c waldur-course-accounts"),
        (vec!["man"], ".TH waldur-course-accounts"),
    ] {
        let out = Command::new(BIN).args(&args).env_remove("WALDUR_URL").env_remove("WALDUR_TOKEN").output().unwrap();
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        assert!(stdout.contains(expected), "{args:?}: {}", &stdout[..stdout.len().min(300)]);
        assert!(stdout.contains("import") && stdout.contains("reconcile"), "{args:?} covers every command");
    }
}

/// `--quiet`: no progress and no line per account or chunk; the summary and the report stay.
#[tokio::test(flavor = "multi_thread")]
async fn quiet_keeps_only_the_summary() {
    // 7.8.7 creates accounts OK at once, so that close has something to close.
    let waldur = StandIn::start(Waldur::seeded(Flavour::V7_8_7, 3)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let emails: String = (0..250).map(|i| format!("quiet{i}@example.edu\n")).collect();
    let roster = write(dir.path(), "class.csv", format!("email\n{emails}").as_bytes());
    let out = run(&waldur, &["import", "--project", &project(), &roster, "--quiet"]).await;
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(text(&out.stderr), "", "no chunk lines");
    assert!(text(&out.stdout).contains("summary: 250 created"), "{}", text(&out.stdout));
    let closed = run(&waldur, &["close", "--project", &project(), "--all", "--yes", "-q"]).await;
    let stdout = text(&closed.stdout);
    assert!(closed.status.success(), "{stdout}");
    assert!(!stdout.contains(": closed"), "no line per account: {stdout}");
    assert!(stdout.contains("summary: "), "{stdout}");
}

/// A list that fails midway (page 2 answers 500) leaves well-formed output: the JSON array closed,
/// the CSV rows so far; the exit status (2) and stderr say it is short.
#[tokio::test(flavor = "multi_thread")]
async fn a_list_that_fails_midway_leaves_well_formed_output_and_says_so() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 1)).await.unwrap();
    let page = waldur_course_accounts::reqwest::Client::new()
        .get(format!("{}/api/marketplace-course-accounts/?page_size=1", waldur.base_url()))
        .header("authorization", format!("Token {}", waldur.token()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let page = page.clone();
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = vec![0u8; 8192];
                loop {
                    let Ok(n) = socket.read(&mut buf).await else { return };
                    if n == 0 {
                        return;
                    }
                    let request = String::from_utf8_lossy(&buf[..n]).into_owned();
                    let answer = if request.contains("page=2") {
                        "HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/html\r\ncontent-length: 5\r\n\r\noops!"
                            .to_string()
                    } else {
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-result-count: 2\r\nlink: <http://{addr}/api/marketplace-course-accounts/?page=2&page_size=300>; rel=\"next\"\r\ncontent-length: {}\r\n\r\n{page}",
                            page.len()
                        )
                    };
                    if socket.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    for format in ["json", "csv"] {
        let mut command = Command::new(BIN);
        command
            .args(["list", "--format", format])
            .env("WALDUR_URL", format!("http://{addr}"))
            .env("WALDUR_TOKEN", "t0ken")
            .stdin(Stdio::null());
        let out = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(2), "{format}: {stderr}");
        assert!(stderr.starts_with("error: the list is incomplete: ") && stderr.contains("500"), "{stderr}");
        match format {
            "json" => {
                let parsed: Vec<serde_json::Value> = serde_json::from_str(&stdout).expect("a closed JSON array");
                assert_eq!(parsed.len(), 1, "{stdout}");
            }
            _ => assert_eq!(stdout.lines().count(), 2, "the header and the one row fetched: {stdout}"),
        }
    }
}

/// A chunk refused with 429 (Retry-After) and then 503 changed nothing on the server, so the import
/// waits each out and sends the chunk again within the run, saying so; the run ends done (exit 0).
#[tokio::test(flavor = "multi_thread")]
async fn a_chunk_refused_with_429_or_503_is_waited_out_and_sent_again() {
    use waldur_course_accounts_testkit::faults::{Fault, FaultPlan, FaultProxy};
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.unwrap();
    let plan = FaultPlan {
        first: vec![Some(Fault::RateLimited), Some(Fault::Unavailable)],
        only: Some(("POST".into(), "/create_bulk/".into())),
        ..FaultPlan::none(7)
    };
    let proxy = FaultProxy::start(waldur.addr(), plan).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let emails: String = (0..30).map(|i| format!("busy{i}@example.edu\n")).collect();
    let roster = write(dir.path(), "class.csv", format!("email\n{emails}").as_bytes());
    let mut command = cli(&waldur, &["import", "--project", &project(), &roster, "--chunk-size", "10"]);
    command.env("WALDUR_URL", proxy.base_url());
    let started = Instant::now();
    let out = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stderr.contains("chunk 1: refused, nothing was created (rate limited: "), "{stderr}");
    assert!(stderr.contains("sending it again in 1 s (try 2 of 5)"), "Retry-After is honoured: {stderr}");
    assert!(stderr.contains("sending it again in 2 s (try 3 of 5)"), "then backoff: {stderr}");
    assert!(started.elapsed() >= Duration::from_secs(3), "it waited");
    assert!(stdout.contains("summary: 30 created"), "{stdout}");
    assert!((0..30).all(|i| accounts_with(&waldur, &format!("busy{i}@example.edu")) == 1));
    let faults: Vec<Option<Fault>> = proxy.injected().iter().filter(|i| i.method == "POST").map(|i| i.fault).collect();
    assert_eq!(faults, [Some(Fault::RateLimited), Some(Fault::Unavailable), None, None, None]);
}

/// Import and `close --all` through lost answers, resets, 429, 503 and slow answers (seeded: a
/// failing seed replays), run again until done: after every run no student has two accounts, every
/// roster line is in the report, and the report agrees with the server.
#[tokio::test(flavor = "multi_thread")]
async fn import_and_close_all_under_faults_never_duplicate_lose_or_misreport() {
    use waldur_course_accounts_testkit::faults::{Fault, FaultPlan, FaultProxy};
    let mut kinds = std::collections::BTreeMap::new();
    for (seed, flavour) in [(1, Flavour::V7_8_7), (2, Flavour::V7_8_7), (3, Flavour::V8_1)] {
        let waldur = StandIn::start(Waldur::seeded(flavour, 0)).await.unwrap();
        let plan =
            FaultPlan { lost: 60, reset: 60, rate_limited: 40, unavailable: 40, slow: 40, ..FaultPlan::none(seed) };
        let proxy = FaultProxy::start(waldur.addr(), plan).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let emails: Vec<String> = (0..120).map(|i| format!("soak{i}@example.edu")).collect();
        let roster = write(dir.path(), "class.csv", format!("email\n{}\n", emails.join("\n")).as_bytes());
        let report_path = dir.path().join("report.json");
        let report_arg = report_path.to_str().unwrap().to_string();
        let mut finished = false;
        for run_number in 1..=8 {
            let args = ["import", "--project", &project(), &roster, "--chunk-size", "10", "--report", &report_arg];
            let mut command = cli(&waldur, &args);
            command.env("WALDUR_URL", proxy.base_url());
            let out = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
            let context = format!("seed {seed}, run {run_number}: {}{}", text(&out.stdout), text(&out.stderr));
            for email in &emails {
                assert!(accounts_with(&waldur, email) <= 1, "{email} has two accounts; {context}");
            }
            let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
            let rows = report["rows"].as_array().unwrap();
            assert_eq!(rows.len(), emails.len(), "every line is in the report; {context}");
            for row in rows {
                let email = row["email"].as_str().unwrap();
                let on_server = accounts_with(&waldur, email);
                match row["status"].as_str().unwrap() {
                    "created" | "already_present" => assert_eq!(on_server, 1, "{email}: {row}; {context}"),
                    "failed" | "not_attempted" => assert_eq!(on_server, 0, "{email}: {row}; {context}"),
                    "uncertain" => {}
                    other => panic!("{email}: {other}; {context}"),
                }
            }
            if out.status.code() == Some(0) {
                finished = true;
                break;
            }
        }
        assert!(finished, "seed {seed}: the import did not settle in 8 runs");
        assert!(emails.iter().all(|e| accounts_with(&waldur, e) == 1), "seed {seed}");
        if flavour == Flavour::V8_1 {
            continue; // Pending accounts cannot be closed.
        }
        let mut closed_all = false;
        for run_number in 1..=8 {
            let mut command = cli(&waldur, &["close", "--project", &project(), "--all", "--yes"]);
            command.env("WALDUR_URL", proxy.base_url());
            let out = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
            let stdout = text(&out.stdout);
            let context = format!("seed {seed}, close run {run_number}: {stdout}{}", text(&out.stderr));
            for line in stdout.lines() {
                if let Some(uuid) = line.strip_suffix(": closed") {
                    let state =
                        waldur.with_state(|w| w.accounts.iter().find(|a| a.uuid.to_string() == uuid).map(|a| a.state));
                    assert_eq!(state, Some(State::Closed), "{line}; {context}");
                }
            }
            if out.status.code() == Some(0) {
                closed_all = true;
                break;
            }
        }
        assert!(closed_all, "seed {seed}: close --all did not finish in 8 runs");
        assert!(waldur.with_state(|w| w.accounts.iter().all(|a| a.state == State::Closed)), "seed {seed}");
        for fault in proxy.injected().into_iter().filter_map(|i| i.fault) {
            *kinds.entry(format!("{fault:?}")).or_insert(0) += 1;
        }
    }
    // The soak is only worth its time if every kind of fault happened (counts printed for the log).
    println!("faults injected: {kinds:?}");
    for fault in [Fault::Lost, Fault::Reset, Fault::RateLimited, Fault::Unavailable, Fault::Slow] {
        assert!(kinds.contains_key(&format!("{fault:?}")), "no {fault:?} was injected: {kinds:?}");
    }
}

/// A refusal the import does not wait out (the server asks for 10 minutes) is one line for its chunk,
/// not one per email, with the next step; exit 1; the re-run sends only what is missing.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_chunk_is_one_grouped_line_with_the_next_step() {
    use waldur_course_accounts_testkit::faults::{Fault, FaultPlan, FaultProxy};
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.unwrap();
    let plan = FaultPlan {
        first: vec![Some(Fault::RateLimited)],
        only: Some(("POST".into(), "/create_bulk/".into())),
        retry_after_secs: 600,
        ..FaultPlan::none(11)
    };
    let proxy = FaultProxy::start(waldur.addr(), plan).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let emails: String = (0..20).map(|i| format!("later{i}@example.edu\n")).collect();
    let roster = write(dir.path(), "class.csv", format!("email\n{emails}").as_bytes());
    let args = ["import", "--project", &project(), &roster, "--chunk-size", "10"];
    let mut command = cli(&waldur, &args);
    command.env("WALDUR_URL", proxy.base_url());
    let out = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let failed: Vec<&str> = stdout.lines().filter(|l| l.contains("refused with its chunk")).collect();
    assert_eq!(failed.len(), 1, "one line for the chunk: {stdout}");
    assert!(failed[0].starts_with("failed: 10 rows (lines 2-11): refused with its chunk: rate limited"), "{stdout}");
    assert!(stdout.contains("next: run the same command again"), "{stdout}");
    assert!(stdout.contains(&format!("reconcile --project {} {roster}", project())), "{stdout}");
    let mut again = cli(&waldur, &args);
    again.env("WALDUR_URL", proxy.base_url());
    let out = tokio::task::spawn_blocking(move || again.output().unwrap()).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("10 to create, 10 already have an account"), "{}", text(&out.stdout));
}
