//! A course's term with the command line (issue 26): `wait` until imported accounts are ready,
//! `sync` a roster as students come and go, `close --ended` when courses end, `courses` to find them,
//! `close --email`, `list --fields`. Driven as a process against the stand-in, whose provisioning task
//! turns Pending accounts OK or Erred after a delay (or never, with the course service off).
//!
//! Over 400 lines as one thing: a term from first import to the last close, each test a stage of it.

use std::time::Duration;

use waldur_course_accounts::EmailKey;
use waldur_course_accounts_testkit::faults::{FaultPlan, FaultProxy};
use waldur_course_accounts_testkit::standin::{Provisioning, State};
use waldur_course_accounts_testkit::{Flavour, StandIn, Waldur};

mod common;
use common::*;

fn open_accounts(waldur: &StandIn, email: &str) -> usize {
    let key = EmailKey::of(email);
    waldur
        .with_state(|w| w.accounts.iter().filter(|a| a.state != State::Closed && EmailKey::of(&a.email) == key).count())
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)))
}

#[tokio::test(flavor = "multi_thread")]
async fn import_then_wait_reports_ok_erred_and_exits_by_the_outcome() {
    let mut w = Waldur::seeded(Flavour::V8_1, 0);
    w.provisioning = Provisioning::on(Duration::from_millis(300), 200, 7);
    let waldur = StandIn::start(w).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let emails: Vec<String> = (0..40).map(|i| format!("term{i}@example.edu")).collect();
    let roster = write(dir.path(), "class.csv", format!("email\n{}\n", emails.join("\n")).as_bytes());
    let report = dir.path().join("ready.json");
    let args = ["import", "--project", &project(), &roster, "--wait", "--max-wait", "30s"];
    let out = run(&waldur, &args).await;
    let stdout = text(&out.stdout);
    // Some Erred (20% of attempts): not everything done.
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let erred = waldur.with_state(|w| w.accounts.iter().filter(|a| a.state == State::Erred).count());
    assert!(erred > 0 && erred < 40, "{erred}");
    assert_eq!(stdout.lines().filter(|l| l.starts_with("Erred ")).count(), erred, "one line per account not OK");
    assert!(stdout.contains(&format!("summary: {erred} Erred, {} OK", 40 - erred)), "{stdout}");
    // Retrying Erred ones until they succeed; the report has every account.
    let out = run(
        &waldur,
        &[
            "wait",
            "--project",
            &project(),
            &roster,
            "--retry-erred",
            "10",
            "--max-wait",
            "60s",
            "--report",
            report.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(written["summary"]["OK"], 40, "{written}");
    assert!(written["accounts"].as_array().unwrap().iter().all(|a| a["username"].is_string()));
    assert!(waldur.with_state(|w| w.accounts.iter().all(|a| a.state == State::Ok && a.username.is_some())));
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_with_the_service_off_ends_at_the_deadline_with_4_using_count_requests() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.unwrap();
    waldur.with_state(|w| (0..30).for_each(|i| _ = w.add(0, &format!("stuck{i}@example.edu"), "", State::Pending)));
    let out = run(&waldur, &["wait", "--project", &project(), "--max-wait", "4s"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{stdout}{}", text(&out.stderr));
    assert_eq!(stdout.lines().filter(|l| l.starts_with("Pending ")).count(), 30);
    let requests = waldur.requests();
    let heads = requests.iter().filter(|r| r.method == "HEAD").count();
    let gets = requests.iter().filter(|r| r.method == "GET").count();
    assert!((2..=5).contains(&heads), "counts back off: {heads}");
    assert_eq!(gets, 2, "one full read at the start and one at the deadline");
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_erred_on_a_server_without_retry_says_it_cannot() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V7_8_7, 0)).await.unwrap();
    waldur.with_state(|w| _ = w.add(0, "failed@example.edu", "", State::Erred));
    let out = run(&waldur, &["wait", "--project", &project(), "--retry-erred", "1"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("this server cannot retry Erred accounts"), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_plans_first_then_creates_closes_and_readmits_and_a_rerun_does_nothing() {
    for flavour in [Flavour::V7_8_7, Flavour::V8_1] {
        let waldur = StandIn::start(Waldur::seeded(flavour, 0)).await.unwrap();
        waldur.with_state(|w| {
            for name in ["stays", "drops", "dropped.too"] {
                w.add(0, &format!("{name}@example.edu"), "", State::Ok);
            }
            w.add(0, "Spelled@Example.edu", "", State::Ok); // on the roster in lower case: never closed
            w.add(0, "left@example.edu", "", State::Closed); // only a closed account: re-admitted on request
            w.add(0, "twice@example.edu", "", State::Ok);
            w.add(0, "twice@example.edu", "", State::Erred); // two open accounts: reported, none closed
        });
        let dir = tempfile::tempdir().unwrap();
        let roster = write(
            dir.path(),
            "class.csv",
            b"email\nstays@example.edu\nspelled@example.edu\nleft@example.edu\ntwice@example.edu\nnew1@example.edu\nnew2@example.edu\nnot-an-address\n",
        );
        let base = ["sync", "--project", &project(), &roster];
        let dry = run(&waldur, &[&base[..], &["--dry-run"]].concat()).await;
        let plan = text(&dry.stdout);
        assert!(plan.contains("plan: 2 to create, 0 to re-admit, 2 to close, 3 unchanged, 1 with only a closed account, 1 with more than one open account"), "{plan}");
        assert_eq!(writes(&waldur), 0, "a dry run writes nothing");
        let refused = run(&waldur, &base).await;
        assert_eq!(refused.status.code(), Some(2), "no terminal, no --yes");
        assert_eq!(writes(&waldur), 0);

        let report = dir.path().join("sync.json");
        let out =
            // The invalid line is no student's (nothing in the project looks like it): closing is safe.
            run(&waldur, &[&base[..], &["--yes", "--readmit-closed", "--close-despite-invalid-lines", "--report", report.to_str().unwrap()]].concat())
                .await;
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(3), "done but for the invalid line: {stdout}{}", text(&out.stderr));
        for (email, open) in [
            ("stays@example.edu", 1),
            ("spelled@example.edu", 1),
            ("left@example.edu", 1),
            ("twice@example.edu", 2),
            ("new1@example.edu", 1),
            ("new2@example.edu", 1),
            ("drops@example.edu", 0),
            ("dropped.too@example.edu", 0),
        ] {
            assert_eq!(open_accounts(&waldur, email), open, "{flavour:?} {email}: {stdout}");
        }
        let written: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        assert_eq!(written["kind"], "sync");
        assert_eq!(written["closed"].as_array().unwrap().len(), 2);
        assert_eq!(written["summary"]["readmitted"], 1, "{written}");
        let before = writes(&waldur);
        let again = run(&waldur, &[&base[..], &["--yes"]].concat()).await;
        assert!(text(&again.stdout).contains("nothing to do"), "{}", text(&again.stdout));
        assert_eq!(writes(&waldur), before, "a finished sync run again writes nothing");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_refuses_an_empty_roster_and_more_closes_than_allowed() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.unwrap();
    waldur.with_state(|w| (0..40).for_each(|i| _ = w.add(0, &format!("s{i}@example.edu"), "", State::Ok)));
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.csv", b"email\nnot-an-address\n");
    let out = run(&waldur, &["sync", "--project", &project(), &empty, "--yes"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no line has a valid address"), "{}", text(&out.stderr));
    // A roster of 10 of the 40: 30 to close, more than max(5, 40/10).
    let ten: String = (0..10).map(|i| format!("s{i}@example.edu\n")).collect();
    let roster = write(dir.path(), "ten.csv", format!("email\n{ten}").as_bytes());
    let out = run(&waldur, &["sync", "--project", &project(), &roster, "--yes"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("refusing to close 30 accounts, more than --max-close 5"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(writes(&waldur), 0);
    // A student on a line that cannot be read (an unquoted comma) would look absent: no close at all.
    let garbled = write(dir.path(), "garbled.csv", format!("email\n{ten}s10@example.edu,Lab C\n").as_bytes());
    let out = run(&waldur, &["sync", "--project", &project(), &garbled, "--yes", "--max-close", "100"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("roster lines cannot be read"), "{}", text(&out.stderr));
    assert_eq!(writes(&waldur), 0);
    assert_eq!(open_accounts(&waldur, "s10@example.edu"), 1);
    let out = run(&waldur, &["sync", "--project", &project(), &roster, "--yes", "--max-close", "30"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(waldur.with_state(|w| w.accounts.iter().filter(|a| a.state == State::Ok).count()), 10);
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_never_writes_after_a_read_that_failed_midway() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.unwrap();
    waldur.with_state(|w| (0..700).for_each(|i| _ = w.add(0, &format!("p{i}@example.edu"), "", State::Ok)));
    // The third page read answers 503 every time (beyond the client's retries).
    let plan = FaultPlan { unavailable: 1000, only: Some(("GET".into(), "page=3".into())), ..FaultPlan::none(9) };
    let proxy = FaultProxy::start(waldur.addr(), plan).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let roster = write(dir.path(), "r.csv", b"email\nnew@example.edu\n");
    let mut command = cli(&waldur, &["sync", "--project", &project(), &roster, "--yes", "--max-close", "1000"]);
    command.env("WALDUR_URL", proxy.base_url());
    let out = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("could not be read completely, so nothing was changed"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(writes(&waldur), 0);
}

/// A term: two ended courses, one ending today, one running, one without dates.
fn term(flavour: Flavour) -> (Waldur, Vec<usize>) {
    let mut w = Waldur::seeded(flavour, 0);
    let today = chrono::Local::now().date_naive();
    let day = |n: i64| today + chrono::Duration::days(n);
    let projects = vec![
        w.add_project("Ended long ago", Some(day(-200)), Some(day(-90))),
        w.add_project("Ended yesterday", Some(day(-120)), Some(day(-1))),
        w.add_project("Ends today", Some(day(-100)), Some(today)),
        w.add_project("Running", Some(day(-10)), Some(day(80))),
        w.add_project("Undated", None, None),
    ];
    for (n, &p) in projects.iter().enumerate() {
        for i in 0..6 {
            let state = match i {
                4 => State::Erred,
                5 => State::Closed,
                _ => State::Ok,
            };
            w.add(p, &format!("c{n}s{i}@example.edu"), "", state);
        }
    }
    (w, projects)
}

#[tokio::test(flavor = "multi_thread")]
async fn close_ended_closes_only_courses_that_ended_before_the_day() {
    let (w, projects) = term(Flavour::V8_1);
    let waldur = StandIn::start(w).await.unwrap();
    let pending = waldur.with_state(|w| w.add(projects[0], "late@example.edu", "", State::Pending));
    let courses = run(&waldur, &["courses", "--format", "json"]).await;
    let listed = json(&courses);
    let ended: Vec<&str> =
        listed.as_array().unwrap().iter().filter(|c| c["ended"] == true).map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(ended, ["Ended long ago", "Ended yesterday"]);

    let dry = run(&waldur, &["close", "--ended", "--dry-run"]).await;
    assert!(text(&dry.stdout).contains("dry run: 10 accounts of 2 courses would be closed"), "{}", text(&dry.stdout));
    assert!(
        text(&dry.stdout).contains("1 Pending accounts of ended courses cannot be closed"),
        "{}",
        text(&dry.stdout)
    );
    assert_eq!(writes(&waldur), 0);
    let out = run(&waldur, &["close", "--ended", "--yes"]).await;
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    waldur.with_state(|w| {
        for a in &w.accounts {
            let ended = a.project == projects[0] || a.project == projects[1];
            let open = a.state != State::Closed;
            if ended {
                assert!(!open || a.state == State::Pending, "{} of an ended course is open", a.email);
            } else {
                assert_eq!(open, !a.email.ends_with("s5@example.edu"), "{} of a running course was closed", a.email);
            }
        }
        assert_eq!(w.accounts[pending].state, State::Pending);
    });
    // --before a later day sweeps the course ending today too; courses without dates never.
    let tomorrow = (chrono::Local::now().date_naive() + chrono::Duration::days(1)).to_string();
    let out = run(&waldur, &["close", "--ended", "--before", &tomorrow, "--yes"]).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("summary: 5 closed"), "{}", text(&out.stdout));
    assert_eq!(open_accounts(&waldur, "c4s0@example.edu"), 1, "undated course untouched");
}

#[tokio::test(flavor = "multi_thread")]
async fn close_by_email_and_list_fields_for_the_hand_out() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.unwrap();
    waldur.with_state(|w| {
        w.add(0, "Ada@Example.edu", "", State::Ok);
        w.add(0, "bob@example.edu", "", State::Ok);
        w.add(0, "cy@example.edu", "", State::Pending);
    });
    let asked = run(&waldur, &["close", "--project", &project(), "--email", "ada@example.edu"]).await;
    assert_eq!(asked.status.code(), Some(2), "no terminal and no --yes: refused");
    assert_eq!(open_accounts(&waldur, "ada@example.edu"), 1);
    let out =
        run(&waldur, &["close", "--project", &project(), "--email", "ada@example.edu", "nobody@example.edu", "--yes"])
            .await;
    assert_eq!(out.status.code(), Some(1), "one address has no account: {}", text(&out.stdout));
    assert!(text(&out.stdout).contains("nobody@example.edu: has no account in the project"));
    assert_eq!(open_accounts(&waldur, "ada@example.edu"), 0);

    let csv =
        run(&waldur, &["list", "--project", &project(), "--fields", "email,username,state", "--format", "csv"]).await;
    let lines: Vec<String> = text(&csv.stdout).lines().map(str::to_string).collect();
    assert_eq!(lines[0], "email,username,state");
    assert!(lines.iter().any(|l| l.starts_with("bob@example.edu,course_") && l.ends_with(",OK")), "{lines:?}");
    assert!(lines.contains(&"cy@example.edu,,Pending".to_string()), "no username invented: {lines:?}");
    let listed =
        json(&run(&waldur, &["list", "--project", &project(), "--fields", "email,state", "--format", "json"]).await);
    assert_eq!(listed[0].as_object().unwrap().keys().collect::<Vec<_>>(), ["email", "state"]);
    let bad = run(&waldur, &["list", "--fields", "email,password"]).await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("`password` is not a field; the fields are: uuid, url, email"),
        "{}",
        text(&bad.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn closing_a_pending_account_is_said_in_the_admins_words() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.unwrap();
    let uuid = waldur.with_state(|w| {
        let i = w.add(0, "wait@example.edu", "", State::Pending);
        w.accounts[i].uuid.to_string()
    });
    let out = run(&waldur, &["close", &uuid]).await;
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("still Pending (being created)") && !stdout.contains("UPDATE_SCHEDULED"), "{stdout}");
}

/// Sync and close --ended through lost answers, resets, 429, 503 and slow answers, run again until
/// done: no student on the roster lost an open account, no account of a running course was closed,
/// no duplicate was made, and the report agrees with the server.
#[tokio::test(flavor = "multi_thread")]
async fn sync_and_close_ended_under_faults_keep_their_promises() {
    for (seed, flavour) in [(21, Flavour::V7_8_7), (22, Flavour::V8_1)] {
        let (w, projects) = term(flavour);
        let waldur = StandIn::start(w).await.unwrap();
        let course = projects[3]; // running
        let course_uuid = waldur.with_state(|w| w.projects[course].uuid.to_string());
        waldur.with_state(|w| (0..60).for_each(|i| _ = w.add(course, &format!("old{i}@example.edu"), "", State::Ok)));
        let plan =
            FaultPlan { lost: 60, reset: 60, rate_limited: 40, unavailable: 40, slow: 40, ..FaultPlan::none(seed) };
        let proxy = FaultProxy::start(waldur.addr(), plan).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        // Keeps old0..old49, drops old50..old59 (and the seeded c3s*), adds new0..new29.
        let roster_emails: Vec<String> = (0..50)
            .map(|i| format!("old{i}@example.edu"))
            .chain((0..30).map(|i| format!("new{i}@example.edu")))
            .collect();
        let roster = write(dir.path(), "class.csv", format!("email\n{}\n", roster_emails.join("\n")).as_bytes());
        let report = dir.path().join("sync.json");
        let mut done = false;
        for attempt in 1..=8 {
            let args = [
                "sync",
                "--project",
                &course_uuid,
                &roster,
                "--yes",
                "--max-close",
                "100",
                "--chunk-size",
                "10",
                "--report",
                report.to_str().unwrap(),
            ];
            let mut command = cli(&waldur, &args);
            command.env("WALDUR_URL", proxy.base_url());
            let out = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
            let context = format!("seed {seed} run {attempt}: {}{}", text(&out.stdout), text(&out.stderr));
            for email in roster_emails.iter().take(50) {
                assert_eq!(open_accounts(&waldur, email), 1, "{email} lost its account or got two; {context}");
            }
            for email in roster_emails.iter().skip(50) {
                assert!(open_accounts(&waldur, email) <= 1, "{email} has two accounts; {context}");
            }
            if let Ok(bytes) = std::fs::read(&report) {
                let written: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                for closed in written["closed"].as_array().unwrap() {
                    if closed["status"] == "closed" {
                        assert_eq!(open_accounts(&waldur, closed["email"].as_str().unwrap()), 0, "{closed}; {context}");
                    }
                }
            }
            if out.status.code() == Some(0) {
                done = true;
                break;
            }
        }
        assert!(done, "seed {seed}: sync did not finish in 8 runs");
        assert!((50..60).all(|i| open_accounts(&waldur, &format!("old{i}@example.edu")) == 0));
        let mut swept = false;
        for _ in 1..=8 {
            let mut command = cli(&waldur, &["close", "--ended", "--yes"]);
            command.env("WALDUR_URL", proxy.base_url());
            let out = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
            // Closed in a running course: only what was closed before (c2s5, c3s5) or dropped by sync.
            let may_be_closed = |email: &str| {
                email == "c2s5@example.edu"
                    || email.starts_with("c3s")
                    || (50..60).any(|i| email == format!("old{i}@example.edu"))
            };
            waldur.with_state(|w| {
                for a in w.accounts.iter().filter(|a| a.project == course || a.project == projects[2]) {
                    assert!(
                        a.state != State::Closed || may_be_closed(&a.email),
                        "{} of a running course was closed",
                        a.email
                    );
                }
            });
            if out.status.code() == Some(0) {
                swept = true;
                break;
            }
        }
        assert!(swept, "seed {seed}: close --ended did not finish in 8 runs");
        waldur.with_state(|w| {
            let ended = [projects[0], projects[1]];
            assert!(w.accounts.iter().filter(|a| ended.contains(&a.project)).all(|a| a.state == State::Closed));
        });
    }
}
