//! `close`: accounts by UUID, students by address (`--project P --email ADDRESS...`), every account
//! of a project (`--all`), or every open account of every course that has ended (`--ended [--before
//! DATE]`, Waldur never does it: an ended course's OK accounts keep cluster access until closed). For
//! the last three: a snapshot first, confirmation on a terminal unless `--yes` (grouped by course for
//! `--ended`), then the closes, with one result line per account as it happens (`--quiet`: only the
//! ones not closed, and the summary); `--dry-run` lists what would be closed. Pending accounts cannot
//! be closed (Waldur allows OK and Erred) and are reported as such. A signal or a closed output stops the closes not yet started, lets those in flight finish
//! (so none is left with an unknown outcome), and prints the summary of what was done (on stderr
//! when stdout is gone).

use std::io::{BufRead, IsTerminal};
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use waldur_course_accounts::{Client, CloseStatus, CourseAccountState, Error, Filter, Uuid};

use crate::connect::explain;
use crate::{Failure, Outcome, interrupt};

#[derive(clap::Args)]
pub struct Args {
    /// Accounts to close.
    #[arg(conflicts_with_all = ["all", "ended", "email"], required_unless_present_any = ["all", "ended", "email"])]
    uuids: Vec<Uuid>,
    /// Close every account of --project (already Closed ones are left alone).
    #[arg(long, requires = "project", conflicts_with_all = ["ended", "email"])]
    all: bool,
    /// Close the open accounts of these students (by address, as the email key compares) in --project.
    #[arg(long, value_name = "ADDRESS", num_args = 1.., requires = "project", conflicts_with = "ended")]
    email: Vec<String>,
    /// Close every OK or Erred account of every course whose end date is before --before (default:
    /// today, so a course ending today is swept from tomorrow); courses without an end date never are.
    /// With --project, of that course only.
    #[arg(long)]
    ended: bool,
    /// With --ended: the day the courses must have ended before (YYYY-MM-DD).
    #[arg(long, requires = "ended", value_name = "DATE")]
    before: Option<chrono::NaiveDate>,
    /// The project, with --all or --email (and optionally --ended).
    #[arg(long, value_name = "UUID")]
    project: Option<Uuid>,
    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(long)]
    yes: bool,
    /// Closes at a time, with --all.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=32))]
    concurrency: u64,
    /// With --all, --ended or --email: list what would be closed; close nothing.
    #[arg(long)]
    dry_run: bool,
}

pub async fn run(client: &Client, args: Args) -> Outcome {
    let concurrency = args.concurrency as usize;
    if args.ended {
        let before = args.before.unwrap_or_else(|| chrono::Local::now().date_naive());
        return ended(client, before, args.project, args.dry_run, args.yes, concurrency).await;
    }
    match (args.all, args.project) {
        (true, Some(project)) if args.dry_run => dry_run(client, project).await,
        (true, Some(project)) => all(client, project, args.yes, concurrency).await,
        (false, Some(project)) if !args.email.is_empty() => {
            by_email(client, project, &args.email, args.dry_run, args.yes, concurrency).await
        }
        _ if args.dry_run => Err(Failure::Error("--dry-run goes with --all, --ended or --email".into())),
        _ => each(client, &args.uuids).await,
    }
}

/// What was done so far, for the summary line.
#[derive(Default)]
struct Tally {
    closed: usize,
    already: usize,
    not_closed: usize,
    unknown: usize,
}

impl Tally {
    /// The summary of `--all` (and of an interrupted run): what this run closed, apart from what was
    /// closed before.
    fn line(&self) -> String {
        format!(
            "{} closed, {} already closed, {} not closed, {} unknown",
            self.closed, self.already, self.not_closed, self.unknown
        )
    }

    /// The summary of `close UUID UUID...`: every account asked for that is closed now.
    fn line_by_uuid(&self) -> String {
        format!(
            "{} closed ({} already), {} not closed",
            self.closed + self.already,
            self.already,
            self.not_closed + self.unknown
        )
    }
}

/// Ends a run: the summary (on stdout, or stderr when stdout is gone), and the exit the ending calls for.
fn summarise(tally: &Tally, stopped: Option<Failure>, left: usize) -> Outcome {
    let mut summary = format!("summary: {}", tally.line());
    if left > 0 {
        summary.push_str(&format!(", {left} not attempted"));
    }
    match stopped {
        Some(Failure::ClosedPipe) => {
            note!("output closed: stopped; {summary}");
            Err(Failure::ClosedPipe)
        }
        Some(failure) => {
            out!("{summary}")?;
            note!("interrupted: {}; the accounts not attempted are still open", tally.line());
            Err(failure)
        }
        None => {
            out!("{summary}")?;
            if tally.not_closed + tally.unknown > 0 { Err(Failure::Partial) } else { Ok(()) }
        }
    }
}

async fn each(client: &Client, uuids: &[Uuid]) -> Outcome {
    let mut tally = Tally::default();
    let mut stopped = None;
    for (i, uuid) in uuids.iter().enumerate() {
        if interrupt::requested() {
            stopped = Some((Failure::Interrupted, uuids.len() - i));
            break;
        }
        let line = match client.delete(*uuid).await {
            Ok(d) => {
                tally.closed += 1;
                let how = if d.confirmed_by_read { " (the answer was lost; a read confirmed it)" } else { "" };
                (!crate::quiet()).then(|| format!("{uuid}: closed{how}"))
            }
            Err(e) if e.is_outcome_unknown() => {
                tally.unknown += 1;
                Some(format!("{uuid}: UNKNOWN whether it was closed: {}", crate::shown::shown(&e.to_string())))
            }
            // Refused because of its state: if that state is Closed, what was asked for is so.
            Err(Error::Conflict(e)) => match client.get(*uuid).await {
                Ok(account) if account.state == CourseAccountState::Closed => {
                    tally.already += 1;
                    (!crate::quiet()).then(|| format!("{uuid}: already closed"))
                }
                Ok(account) if account.state == CourseAccountState::Pending => {
                    tally.not_closed += 1;
                    Some(format!(
                        "{uuid}: not closed: it is still Pending (being created); close it once it is OK or Erred"
                    ))
                }
                _ => {
                    tally.not_closed += 1;
                    Some(format!("{uuid}: not closed: {}", crate::shown::shown(&e.body.message())))
                }
            },
            Err(e) => {
                tally.not_closed += 1;
                Some(format!("{uuid}: not closed: {}", explain(&e)))
            }
        };
        if let Some(line) = line
            && let Err(failure) = out!("{line}")
        {
            stopped = Some((failure, uuids.len() - i - 1));
            break;
        }
    }
    match stopped {
        Some((failure, left)) => summarise(&tally, Some(failure), left),
        None if uuids.len() > 1 => {
            out!("{}", tally.line_by_uuid())?;
            if tally.not_closed + tally.unknown > 0 { Err(Failure::Partial) } else { Ok(()) }
        }
        None if tally.not_closed + tally.unknown > 0 => Err(Failure::Partial),
        None => Ok(()),
    }
}

/// What `--all` would close: the project's open accounts, one line each, and their count.
async fn dry_run(client: &Client, project: Uuid) -> Outcome {
    let mut open = 0;
    let mut total = 0;
    let mut accounts = client.list(Filter::new().project(project));
    loop {
        let next = tokio::select! {
            next = futures::TryStreamExt::try_next(&mut accounts) => next.map_err(|e| explain(&e))?,
            _ = interrupt::wait() => {
                note!("interrupted: nothing was closed (a dry run closes nothing)");
                return Err(Failure::Interrupted);
            }
        };
        let Some(account) = next else { break };
        total += 1;
        if account.state != CourseAccountState::Closed {
            open += 1;
            if !crate::quiet() {
                let email = account.email.as_deref().map(String::as_str).unwrap_or("");
                out!("would close: {} ({}) {}", account.uuid, account.state, crate::shown::shown(email))?;
            }
        }
    }
    out!("dry run: {open} of the project's {total} accounts would be closed; nothing was sent")
}

async fn all(client: &Client, project: Uuid, yes: bool, concurrency: usize) -> Outcome {
    let _lock = crate::lock::acquire(client.base_url().as_str(), project, "close --all")?;
    let filter = Filter::new().project(project);
    let snapshot = tokio::select! {
        snapshot = client.snapshot(filter.clone()) => snapshot.map_err(|e| explain(&e))?,
        _ = interrupt::wait() => {
            note!("interrupted while reading the project: nothing was closed");
            return Err(Failure::Interrupted);
        }
    };
    let open = snapshot.iter().filter(|(_, s)| *s != CourseAccountState::Closed).count();
    if open == 0 {
        return out!("project {project}: {} accounts, none open; nothing to close", snapshot.len());
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::Error(format!(
                "refusing to close {open} accounts of project {project} without confirmation: stdin is not a terminal; pass --yes"
            )));
        }
        let question = format!("Close {open} open accounts of project {project} ({} in all)? [y/N] ", snapshot.len());
        if !ask(&question)? {
            return Err(Failure::Partial);
        }
    }
    // After a question, the accounts as they are now (`--all` means every account of the project,
    // so one created since is closed too; one closed meanwhile is reported as already closed).
    let snapshot = if yes { snapshot } else { client.snapshot(filter).await.map_err(|e| explain(&e))? };
    closes(client, snapshot, concurrency, &std::collections::HashMap::new()).await
}

/// Closes the accounts of a snapshot (those Closed in it are counted as already closed), a line per
/// account as it happens (`label` adds what the admin knows it by), then the summary. A signal or a
/// closed output starts no more closes and lets those in flight finish.
async fn closes(
    client: &Client,
    snapshot: Vec<(Uuid, CourseAccountState)>,
    concurrency: usize,
    label: &std::collections::HashMap<Uuid, String>,
) -> Outcome {
    let total = snapshot.len();
    // Set by a signal or a closed output: no close is started after it; those in flight finish.
    let stop = AtomicBool::new(false);
    let accounts = futures::stream::iter(snapshot)
        .take_while(|_| std::future::ready(!stop.load(Ordering::SeqCst) && !interrupt::requested()));
    let mut outcomes = std::pin::pin!(client.close_each(accounts, concurrency));
    let mut tally = Tally::default();
    let mut stopped: Option<Failure> = None;
    let mut seen = 0;
    loop {
        let outcome = tokio::select! {
            outcome = outcomes.next() => outcome,
            _ = interrupt::wait(), if stopped.is_none() => {
                stop.store(true, Ordering::SeqCst);
                stopped = Some(Failure::Interrupted);
                continue;
            }
        };
        let Some(outcome) = outcome else { break };
        seen += 1;
        let uuid = outcome.uuid;
        let name = label.get(&uuid).map(|l| format!(" {l}")).unwrap_or_default();
        let line = match &outcome.status {
            CloseStatus::Closed => {
                tally.closed += 1;
                (!crate::quiet()).then(|| format!("{uuid}: closed{name}"))
            }
            CloseStatus::AlreadyClosed => {
                tally.already += 1;
                None
            }
            CloseStatus::Refused(e) => {
                tally.not_closed += 1;
                Some(format!(
                    "{uuid}: not closed ({}): {}{name}",
                    outcome.state_before,
                    refusal(e, &outcome.state_before)
                ))
            }
            CloseStatus::Unknown(e) => {
                tally.unknown += 1;
                Some(format!("{uuid}: UNKNOWN whether it was closed: {}{name}", crate::shown::shown(&e.to_string())))
            }
        };
        if let Some(line) = line
            && stopped.as_ref().is_none_or(|s| !matches!(s, Failure::ClosedPipe))
            && let Err(failure) = out!("{line}")
        {
            stop.store(true, Ordering::SeqCst);
            stopped = Some(failure);
        }
    }
    if interrupt::requested() && stopped.is_none() && seen < total {
        stopped = Some(Failure::Interrupted);
    }
    summarise(&tally, stopped, total - seen)
}

/// `--ended`: the open accounts of every course that ended before `before`, grouped by course.
async fn ended(
    client: &Client,
    before: chrono::NaiveDate,
    project: Option<Uuid>,
    dry_run: bool,
    yes: bool,
    concurrency: usize,
) -> Outcome {
    let courses = tokio::select! {
        courses = client.ended_courses(before, project) => courses.map_err(|e| explain(&e))?,
        _ = interrupt::wait() => {
            note!("interrupted while reading the courses: nothing was closed");
            return Err(Failure::Interrupted);
        }
    };
    let mut snapshot = Vec::new();
    let mut label = std::collections::HashMap::new();
    let mut pending = 0;
    out!("courses that ended before {before}: {}", courses.len())?;
    for course in &courses {
        let closable: Vec<_> = course
            .open
            .iter()
            .filter(|a| matches!(a.state, CourseAccountState::Ok | CourseAccountState::Erred))
            .collect();
        let waiting = course.open.iter().filter(|a| a.state == CourseAccountState::Pending).count();
        pending += waiting;
        out!(
            "  {} {} (ended {}): {} to close{}",
            course.course.uuid,
            crate::shown::shown(&course.course.name),
            course.course.end.map(|d| d.to_string()).unwrap_or_default(),
            closable.len(),
            if waiting > 0 { format!(", {waiting} Pending (cannot be closed yet)") } else { String::new() }
        )?;
        for a in closable {
            let email = a.email.as_deref().unwrap_or("");
            label.insert(
                a.uuid,
                format!("{} ({})", crate::shown::shown(email), crate::shown::shown(&course.course.name)),
            );
            snapshot.push((a.uuid, a.state.clone()));
        }
    }
    if pending > 0 {
        out!(
            "{pending} Pending accounts of ended courses cannot be closed until they are provisioned; run this again later"
        )?;
    }
    if snapshot.is_empty() {
        return out!("nothing to close");
    }
    if dry_run {
        if !crate::quiet() {
            for (uuid, state) in &snapshot {
                out!("would close: {uuid} ({state}) {}", label.get(uuid).map(String::as_str).unwrap_or(""))?;
            }
        }
        return out!(
            "dry run: {} accounts of {} courses would be closed; nothing was sent",
            snapshot.len(),
            courses.len()
        );
    }
    if !yes {
        let question = format!("Close {} accounts of {} ended courses? [y/N] ", snapshot.len(), courses.len());
        if !ask(&question)? {
            return Err(Failure::Partial);
        }
        // Read again: only what was shown and is still an open account of an ended course is closed
        // (an end date moved meanwhile takes its course out).
        let now = client.ended_courses(before, project).await.map_err(|e| explain(&e))?;
        let still: std::collections::HashSet<Uuid> = now.iter().flat_map(|c| c.open.iter().map(|a| a.uuid)).collect();
        snapshot.retain(|(uuid, _)| still.contains(uuid));
    }
    closes(client, snapshot, concurrency, &label).await
}

/// `--project P --email ADDRESS...`: the open accounts of these students, found by the email key.
async fn by_email(
    client: &Client,
    project: Uuid,
    emails: &[String],
    dry_run: bool,
    yes: bool,
    concurrency: usize,
) -> Outcome {
    let found = client.reconcile(project, emails).await.map_err(|e| explain(&e))?;
    let mut snapshot = Vec::new();
    let mut label = std::collections::HashMap::new();
    let mut missing = 0;
    for status in &found.emails {
        let open: Vec<_> = status.open_accounts().collect();
        if open.is_empty() {
            let what = if status.accounts.is_empty() { "has no account in the project" } else { "is closed already" };
            out!("{}: {what}", crate::shown::shown(&status.email))?;
            missing += usize::from(status.accounts.is_empty());
        }
        for a in open {
            label.insert(a.uuid, status.email.clone());
            snapshot.push((a.uuid, a.state.clone()));
        }
    }
    if dry_run {
        for (uuid, state) in &snapshot {
            out!("would close: {uuid} ({state}) {}", label.get(uuid).map(String::as_str).unwrap_or(""))?;
        }
        return out!("dry run: {} accounts would be closed; nothing was sent", snapshot.len());
    }
    if !snapshot.is_empty() && !yes && !ask(&format!("Close {} accounts of project {project}? [y/N] ", snapshot.len()))?
    {
        return Err(Failure::Partial);
    }
    let outcome = if snapshot.is_empty() { Ok(()) } else { closes(client, snapshot, concurrency, &label).await };
    match outcome {
        Ok(()) if missing > 0 => Err(Failure::Partial),
        other => other,
    }
}

/// Asks on the terminal; refuses without one (the caller's `--yes` skips this).
fn ask(question: &str) -> Result<bool, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Error(
            "refusing to close without confirmation: stdin is not a terminal; pass --yes".into(),
        ));
    }
    crate::output::bytes(question.as_bytes())?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    let yes = matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes");
    if !yes {
        out!("nothing closed")?;
    }
    Ok(yes)
}

/// Why a close was refused, in the admin's words where Waldur's are about its internals (its 409
/// names the states "UPDATE_SCHEDULED, OK", which this tool does not have).
fn refusal(e: &Error, state: &CourseAccountState) -> String {
    match e.api() {
        Some(_) if e.status().is_some_and(|s| s.as_u16() == 409) && *state == CourseAccountState::Pending => {
            "it is still Pending (being created); close it once it is OK or Erred".to_string()
        }
        Some(api) if e.status().is_some_and(|s| s.as_u16() == 409) => {
            crate::shown::shown(&api.body.message()).into_owned()
        }
        _ => explain(e),
    }
}
