//! `wait`, and `import --wait`: until no account of the roster (or of the project) is Pending, or
//! `--max-wait` passes, retrying Erred accounts with `--retry-erred N` (Waldur 8.0.7+). The client's
//! [`Client::wait_until_settled`] does the polling (count requests while anything is Pending, a full
//! read only when the count says it may be done). Progress: counts by state, on a terminal in place,
//! otherwise a line when they change. The end: one line per account that is not OK (email, state,
//! error_message), the summary, and `--report` (JSON, version 1, the import report's family:
//! `{"version": 1, "kind": "wait", "project", "roster", "finished", "deadline_passed", "summary":
//! {STATE: COUNT}, "accounts": [{"email", "account", "state", "username", "error_message",
//! "retried"}], "missing": [EMAIL, ...]}`). Exit 0 when every account is OK, 1 when some are Erred or
//! missing, 4 when some are still Pending at the deadline.

use std::io::IsTerminal;
use std::time::Duration;

use waldur_course_accounts::{Client, CourseAccountState, Error, Uuid, WaitOptions, WaitProgress, WaitReport};

use crate::connect::explain;
use crate::report_file::ReportFile;
use crate::shown::shown;
use crate::{Failure, Outcome, interrupt};

/// The options of waiting, shared by `wait` and `import --wait`.
#[derive(clap::Args, Clone)]
pub struct WaitArgs {
    /// The longest wait, e.g. `90s`, `10m`, `1h`; accounts still Pending then are reported.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = humantime::parse_duration)]
    pub max_wait: Duration,
    /// Send each Erred account to `retry` up to N times (Waldur 8.0.7 and newer).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub retry_erred: u32,
}

#[derive(clap::Args)]
pub struct Args {
    /// The course project.
    #[arg(long, value_name = "UUID")]
    project: Uuid,
    /// Wait only for the accounts of this roster (CSV with a header row, or `-`); without it, for
    /// every account of the project.
    roster: Option<std::path::PathBuf>,
    /// The header of the roster's email column (without case).
    #[arg(long, default_value = "email", value_name = "NAME")]
    email_column: String,
    #[command(flatten)]
    waiting: WaitArgs,
    /// Write the per-account report (JSON) here.
    #[arg(long, value_name = "FILE.json")]
    report: Option<std::path::PathBuf>,
}

pub async fn run(client: &Client, args: Args) -> Outcome {
    let source = args.roster.clone().map(|roster| crate::roster::Source {
        project: args.project,
        roster,
        email_column: args.email_column.clone(),
    });
    let inputs: Vec<&std::path::Path> = source.as_ref().map(|s| s.files()).unwrap_or_default();
    let report = args.report.as_deref().map(|p| ReportFile::check(p, &inputs)).transpose()?;
    let emails = match &source {
        Some(source) => {
            let roster = source.read()?;
            for bad in &roster.bad {
                note!("{}: line {}: {}; not waited for", source.name(), bad.line, bad.reason);
            }
            Some((roster.rows.into_iter().map(|r| r.email).collect::<Vec<_>>(), !roster.bad.is_empty()))
        }
        None => None,
    };
    let name = source.as_ref().map(|s| s.name());
    let (emails, invalid) = match emails {
        Some((emails, invalid)) => (Some(emails), invalid),
        None => (None, false),
    };
    wait(client, args.project, emails.as_deref(), name.as_deref(), &args.waiting, report.as_ref()).await?;
    // Everything waited for is OK, but some roster lines could not be read: those students were not.
    if invalid { Err(Failure::InputRejected) } else { Ok(()) }
}

/// Waits, prints the end and writes the report; the exit follows the module's rule.
pub async fn wait(
    client: &Client,
    project: Uuid,
    emails: Option<&[String]>,
    roster: Option<&str>,
    waiting: &WaitArgs,
    report: Option<&ReportFile>,
) -> Outcome {
    let options = WaitOptions::with_max_wait(waiting.max_wait).retrying_erred(waiting.retry_erred);
    let progress = Progress::new();
    let outcome = tokio::select! {
        outcome = client.wait_until_settled(project, emails, &options, |p| progress.show(p)) => outcome,
        _ = interrupt::wait() => {
            progress.finish();
            note!(
                "interrupted: waiting only reads; retries already answered stand, and one being sent at that moment \
                 may or may not have taken effect"
            );
            return Err(Failure::Interrupted);
        }
    };
    progress.finish();
    let done = match outcome {
        Ok(done) => done,
        Err(e @ Error::Unsupported { .. }) => {
            return Err(Failure::Error(format!(
                "--retry-erred: this server cannot retry Erred accounts (Waldur 8.0.7 and newer can): {}",
                shown(&e.to_string())
            )));
        }
        Err(e) => return Err(Failure::Error(explain(&e))),
    };
    for account in
        done.accounts.iter().filter(|a| !matches!(a.state, CourseAccountState::Ok | CourseAccountState::Closed))
    {
        let email = shown(account.email().unwrap_or("(no email)")).into_owned();
        let tail = if account.state == CourseAccountState::Pending {
            "still being created".to_string()
        } else {
            account.error_message.clone()
        };
        out!("{} {} {}: {}", account.state, email, account.uuid, shown(&tail))?;
    }
    for email in &done.missing {
        out!("missing {email}: no account in the project (import it first)")?;
    }
    let summary = summary(&done);
    out!(
        "summary: {summary}{}; {} count requests, {} full reads",
        if done.deadline_passed { " (the deadline passed)" } else { "" },
        done.counts,
        done.reads
    )?;
    if let Some(report) = report {
        report.write(&report_json(project, roster, &done))?;
        out!("report: {}", shown(&report.path().display().to_string()))?;
    }
    if done.deadline_passed && done.in_state(&CourseAccountState::Pending).next().is_some() {
        Err(Failure::StillPending)
    } else if done.all_ok() {
        Ok(())
    } else {
        Err(Failure::Partial)
    }
}

fn summary(done: &WaitReport) -> String {
    let mut parts: Vec<String> = done.by_state().iter().map(|(state, n)| format!("{n} {state}")).collect();
    if !done.missing.is_empty() {
        parts.push(format!("{} missing", done.missing.len()));
    }
    if parts.is_empty() { "no accounts".into() } else { parts.join(", ") }
}

fn report_json(project: Uuid, roster: Option<&str>, done: &WaitReport) -> String {
    let summary = done.by_state();
    let accounts: Vec<serde_json::Value> = done
        .accounts
        .iter()
        .map(|a| {
            serde_json::json!({
                "email": a.email(),
                "account": a.uuid,
                "state": a.state.to_string(),
                "username": a.username,
                "error_message": a.error_message,
                "retried": done.retried.get(&a.uuid).copied().unwrap_or(0),
            })
        })
        .collect();
    let report = serde_json::json!({
        "version": 1,
        "kind": "wait",
        "project": project,
        "roster": roster,
        "finished": true,
        "deadline_passed": done.deadline_passed,
        "summary": summary,
        "accounts": accounts,
        "missing": done.missing,
    });
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

/// Counts by state: in place on a terminal, a line when they change otherwise (both on stderr).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    last: std::sync::Mutex<String>,
}

impl Progress {
    fn new() -> Progress {
        let bar = (!crate::quiet() && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress { bar, last: std::sync::Mutex::new(String::new()) }
    }

    fn show(&self, p: &WaitProgress) {
        let states: Vec<String> = p.by_state.iter().map(|(s, n)| format!("{n} {s}")).collect();
        let line = format!(
            "waiting: {} Pending in the project; last read: {}",
            p.pending_in_project,
            if states.is_empty() { "no accounts".to_string() } else { states.join(", ") }
        );
        match &self.bar {
            Some(bar) => bar.set_message(format!("{line} ({} s)", p.elapsed.as_secs())),
            None if crate::quiet() => {}
            None => {
                let mut last = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if *last != line {
                    note!("{line}");
                    *last = line;
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
