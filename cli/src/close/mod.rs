//! `close`: accounts by UUID, students by address (`--project P --email ADDRESS...`), every account
//! of a project (`--all`), or every open account of every course that has ended (`--ended [--before
//! DATE]`, Waldur never does it: an ended course's OK accounts keep cluster access until closed). For
//! the last three: a snapshot first, confirmation on a terminal unless `--yes` (grouped by course for
//! `--ended`), then the closes, with one result line per account as it happens (`--quiet`: only the
//! ones not closed, and the summary); `--dry-run` lists what would be closed. Pending accounts cannot
//! be closed (Waldur allows OK and Erred) and are reported as such. This file: the options, closing
//! by UUID, `--all` and its dry run; `sweep` closes a snapshot and sums up (a signal or a closed
//! output stops the closes not yet started and lets those in flight finish); `ended` has `--ended`
//! and `--email`.

use waldur_course_accounts::{ApiError, Client, CourseAccountState, Error, Filter, Refusal, Uuid};

mod ended;
mod sweep;

use ended::{by_email, ended};
pub(crate) use sweep::stoppable;
use sweep::{Tally, closes, summarise};

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
            Err(Error::Api(e)) if e.refusal() == Refusal::Conflict => match client.get(*uuid).await {
                Ok(account) if account.state == CourseAccountState::Closed => {
                    tally.already += 1;
                    (!crate::quiet()).then(|| format!("{uuid}: already closed"))
                }
                read => {
                    tally.not_closed += 1;
                    let pending = read.is_ok_and(|a| a.state == CourseAccountState::Pending);
                    Some(format!("{uuid}: not closed: {}", conflict_reason(&e, pending)))
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
                let email = account.email().unwrap_or("");
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
        let question = format!("Close {open} open accounts of project {project} ({} in all)? [y/N] ", snapshot.len());
        if !ask(&question, &format!("close {open} accounts of project {project}"))? {
            return Err(Failure::Partial);
        }
    }
    // After a question, the accounts as they are now (`--all` means every account of the project,
    // so one created since is closed too; one closed meanwhile is reported as already closed).
    let snapshot = if yes { snapshot } else { client.snapshot(filter).await.map_err(|e| explain(&e))? };
    closes(client, snapshot, concurrency, &std::collections::HashMap::new()).await
}

/// Asks before closing (the caller's `--yes` skips this); `change` says what for a refusal.
pub(super) fn ask(question: &str, change: &str) -> Result<bool, Failure> {
    crate::ask::confirm(question, change, "nothing closed")
}

/// Why a close was refused, in the admin's words where Waldur's are about its internals (its 409
/// names the states "UPDATE_SCHEDULED, OK", which this tool does not have).
pub(super) fn refusal(e: &Error, state: &CourseAccountState) -> String {
    match e.api() {
        Some(api) if api.refusal() == Refusal::Conflict => conflict_reason(api, *state == CourseAccountState::Pending),
        _ => explain(e),
    }
}

/// A 409 on close, for an account that is `pending` or in another state that forbids closing.
fn conflict_reason(api: &ApiError, pending: bool) -> String {
    if pending {
        "it is still Pending (being created); close it once it is OK or Erred".to_string()
    } else {
        crate::shown::shown(&api.body.message()).into_owned()
    }
}
