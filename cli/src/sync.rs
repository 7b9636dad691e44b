//! `sync`: make a project match a roster. One plan ([`SyncPlan`], from one complete read of the
//! project), printed first: to create, to re-admit (`--readmit-closed`), to close, unchanged,
//! closed-only students, students with more than one open account, Pending accounts not on the roster
//! (which cannot be closed yet), invalid lines. Then, after confirmation (a terminal) or `--yes`,
//! applied: creates through the bulk path (as `import` sends them), re-admissions one single create
//! each, closes with bounded concurrency, each close printed as it happens.
//!
//! Safety: nothing is written when the roster yields no valid address, when the read of the project
//! fails midway, or when more accounts would be closed than `--max-close` allows (default: the larger
//! of 5 and a tenth of the project's open accounts). A student on the roster is never closed, under
//! any spelling the email key treats as the same. The report (`--report`) is the import's (`"kind":
//! "sync"`): a row per roster line and `"closed": [{"account", "email", "status", "message"}]`. A
//! finished sync run again does nothing.

use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use waldur_course_accounts::{
    BulkInput, BulkPlan, Client, CloseStatus, CourseAccountState, NewCourseAccount, SyncPlan, Uuid,
};

use crate::connect::explain;
use crate::import::{Entry, Ledger, Status};
use crate::report_file::ReportFile;
use crate::roster;
use crate::shown::shown;
use crate::{Failure, Outcome, interrupt};

pub const HELP: &str = "The plan is printed first; nothing is written without confirmation on a terminal or --yes.\n\
Closes only OK or Erred accounts whose student is on no roster line (never one whose address the roster\n\
has in another spelling), at most --max-close of them (default: the larger of 5 and a tenth of the\n\
project's open accounts). Students whose account was closed get a new one only with --readmit-closed.\n\n\
Examples:\n  waldur-course-accounts sync --project UUID roster.csv --dry-run\n  \
waldur-course-accounts sync --project UUID roster.csv --readmit-closed --yes --report sync.json";

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    source: roster::Source,
    /// Print the plan; send no write request.
    #[arg(long)]
    dry_run: bool,
    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(long)]
    yes: bool,
    /// Give roster students who have only a Closed account a new one (one single create each).
    #[arg(long)]
    readmit_closed: bool,
    /// The most accounts this run may close (default: the larger of 5 and a tenth of the project's
    /// open accounts).
    #[arg(long, value_name = "N")]
    max_close: Option<usize>,
    /// Close accounts even though some roster lines cannot be read (a student on such a line would
    /// look absent from the roster and be closed).
    #[arg(long)]
    close_despite_invalid_lines: bool,
    #[command(flatten)]
    chunks: crate::import::ChunkSize,
    /// Closes at a time.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=32))]
    concurrency: u64,
    /// Write the report (JSON: a row per roster line, an entry per closed account) here.
    #[arg(long, value_name = "FILE.json")]
    report: Option<std::path::PathBuf>,
}

pub async fn run(client: &Client, args: Args) -> Outcome {
    let report = args.report.as_deref().map(|p| ReportFile::check(p, &args.source.files())).transpose()?;
    let roster = args.source.read()?;
    if roster.rows.is_empty() {
        return Err(Failure::Error(format!(
            "{}: no line has a valid address; refusing to sync (it would close every account of the project)",
            args.source.name()
        )));
    }
    let project = args.source.project;
    let mut ledger = Ledger::from_roster(&roster, args.source.name(), project, report, args.dry_run, "sync");
    let _lock =
        if args.dry_run { None } else { Some(crate::lock::acquire(client.base_url().as_str(), project, "sync")?) };
    let outcome = work(client, &args, &roster, &mut ledger).await;
    ledger.write_after(&outcome);
    outcome
}

async fn work(client: &Client, args: &Args, roster: &roster::Roster, ledger: &mut Ledger) -> Outcome {
    let project = args.source.project;
    ledger.write(false)?;
    // One complete read: a read that fails midway is an error here, before any write.
    let found = tokio::select! {
        found = client.reconcile(project, roster.rows.iter().map(|r| r.email.as_str())) => found.map_err(|e| {
            Failure::Error(format!("the project could not be read completely, so nothing was changed: {}", explain(&e)))
        })?,
        _ = interrupt::wait() => {
            note!("interrupted while reading the project: nothing was changed");
            return Err(Failure::Interrupted);
        }
    };
    let plan = SyncPlan::new(&found, args.readmit_closed);
    let open_in_project = found.emails.iter().flat_map(|e| e.open_accounts()).count()
        + found.not_listed.iter().filter(|a| a.state != CourseAccountState::Closed).count();
    let max_close = args.max_close.unwrap_or((open_in_project / 10).max(5));
    show(&plan, ledger)?;
    for email in &plan.unchanged {
        if let (Some(line), Some(status)) = (ledger.line(email), found.status(email))
            && let Some(account) = status.open_account()
        {
            ledger.set(Entry::new(line, Some(email), Status::AlreadyPresent).with_account(account));
        }
    }
    for email in &plan.closed_only {
        if let Some(line) = ledger.line(email) {
            ledger.set(
                Entry::new(line, Some(email), Status::ClosedAccount)
                    .with_message("has only a closed account; left closed (--readmit-closed gives a new one)"),
            );
        }
    }
    if !roster.bad.is_empty() && !plan.to_close.is_empty() && !args.close_despite_invalid_lines {
        return Err(Failure::Error(format!(
            "refusing to close {} accounts while {} roster lines cannot be read (named above): a student on one of \
             them would look absent and be closed. Fix the lines, or pass --close-despite-invalid-lines",
            plan.to_close.len(),
            roster.bad.len()
        )));
    }
    if plan.to_close.len() > max_close {
        return Err(Failure::Error(format!(
            "refusing to close {} accounts, more than --max-close {max_close} (of {open_in_project} open accounts in \
             the project); check the roster is the whole class, then pass --max-close {} if that is right",
            plan.to_close.len(),
            plan.to_close.len()
        )));
    }
    if plan.is_empty() {
        out!("nothing to do: the project matches the roster")?;
        ledger.write(true)?;
        return crate::import::finish(ledger);
    }
    if args.dry_run {
        out!("dry run: nothing was sent")?;
        ledger.write(true)?;
        return crate::import::finish(ledger);
    }
    if !args.yes {
        confirm(&plan, project)?;
    }
    // Creates first (students get access), then re-admissions, then closes.
    let bulk = BulkPlan::new(BulkInput::new(plan.to_create.iter().cloned()).map_err(|e| e.to_string())?, &found);
    let creates = !bulk.to_send().is_empty();
    if creates {
        crate::import::create(client, args.chunks.get(), bulk, ledger).await?;
    }
    readmit(client, project, &plan.to_readmit, ledger).await?;
    close(client, &plan, args.concurrency as usize, ledger).await?;
    if creates || !plan.to_readmit.is_empty() {
        crate::import::check_after(client, project, ledger).await;
    }
    ledger.write(true)?;
    let closes_failed = ledger.closed.iter().any(|c| c["status"] != "closed" && c["status"] != "already_closed");
    match crate::import::finish(ledger) {
        Ok(()) if closes_failed => Err(Failure::Partial),
        other => other,
    }
}

/// The plan, as counts and a line per change.
fn show(plan: &SyncPlan, ledger: &Ledger) -> Outcome {
    let line = |email: &str| ledger.line(email).map(|l| format!("line {l}: ")).unwrap_or_default();
    out!(
        "plan: {} to create, {} to re-admit, {} to close, {} unchanged, {} with only a closed account, {} with more \
         than one open account, {} Pending not on the roster (cannot be closed yet)",
        plan.to_create.len(),
        plan.to_readmit.len(),
        plan.to_close.len(),
        plan.unchanged.len(),
        plan.closed_only.len(),
        plan.several_open.len(),
        plan.pending_not_on_roster.len()
    )?;
    if crate::quiet() {
        return Ok(());
    }
    for email in &plan.to_create {
        out!("create: {}{email}", line(email))?;
    }
    for email in &plan.to_readmit {
        out!("re-admit: {}{email} (a new account; the closed one stays closed)", line(email))?;
    }
    for a in &plan.to_close {
        out!("close: {} {} ({}, not on the roster)", a.uuid, shown(&email_of(a)), a.state)?;
    }
    for email in &plan.several_open {
        out!(
            "attention: {}{email} has more than one open account; none is closed (close the extra one by UUID)",
            line(email)
        )?;
    }
    for a in &plan.pending_not_on_roster {
        out!(
            "cannot close yet: {} {} is Pending (being created); run sync again once it is ready",
            a.uuid,
            shown(&email_of(a))
        )?;
    }
    for a in &plan.without_address {
        out!("left alone: {} has no address", a.uuid)?;
    }
    Ok(())
}

fn email_of(a: &waldur_course_accounts::CourseAccount) -> String {
    a.email().unwrap_or_default().to_string()
}

fn confirm(plan: &SyncPlan, project: Uuid) -> Outcome {
    let question = format!(
        "Create {}, re-admit {} and close {} accounts of project {project}? [y/N] ",
        plan.to_create.len(),
        plan.to_readmit.len(),
        plan.to_close.len()
    );
    if crate::ask::confirm(&question, "change the project", "nothing changed")? {
        Ok(())
    } else {
        Err(Failure::Partial)
    }
}

/// One single create per student with only Closed accounts (Waldur's bulk create would skip them).
async fn readmit(client: &Client, project: Uuid, emails: &[String], ledger: &mut Ledger) -> Outcome {
    for email in emails {
        if interrupt::requested() {
            note!("interrupted before re-admitting the rest; the report says what was done");
            return Err(Failure::Interrupted);
        }
        let line = ledger.line(email).unwrap_or(0);
        let new = NewCourseAccount { project, email: Some(email.clone()), description: None };
        let entry = match client.create(&new).await {
            Ok(account) => Entry::new(line, Some(email), Status::Readmitted).with_account(&account),
            Err(e) if e.is_done() => {
                Entry::new(line, Some(email), Status::Readmitted).with_message("created; the answer could not be read")
            }
            Err(e) if e.is_outcome_unknown() => {
                Entry::new(line, Some(email), Status::Uncertain).with_message(shown(&e.to_string()).into_owned())
            }
            Err(e) => Entry::new(line, Some(email), Status::Failed).with_message(explain(&e)),
        };
        if entry.status != Status::Readmitted || !crate::quiet() {
            out!("line {line}: {}: {email}", entry.status.name())?;
        }
        ledger.set(entry);
    }
    Ok(())
}

/// The closes of the plan, each printed and recorded as it happens; a signal or a closed output
/// starts no more and lets those in flight finish.
async fn close(client: &Client, plan: &SyncPlan, concurrency: usize, ledger: &mut Ledger) -> Outcome {
    let stop = AtomicBool::new(false);
    let snapshot = plan.to_close.iter().map(|a| (a.uuid, a.state.clone())).collect();
    let emails: std::collections::HashMap<Uuid, String> = plan.to_close.iter().map(|a| (a.uuid, email_of(a))).collect();
    let mut outcomes = std::pin::pin!(crate::close::stoppable(client, snapshot, concurrency, &stop));
    let mut stopped: Option<Failure> = None;
    while let Some(outcome) = outcomes.next().await {
        let email = emails.get(&outcome.uuid).cloned().unwrap_or_default();
        let (status, message) = match &outcome.status {
            CloseStatus::Closed => ("closed", String::new()),
            CloseStatus::AlreadyClosed => ("already_closed", String::new()),
            CloseStatus::Refused(e) => ("refused", explain(e)),
            CloseStatus::Unknown(e) => ("unknown", shown(&e.to_string()).into_owned()),
        };
        let email = shown(&email).into_owned();
        ledger
            .closed
            .push(serde_json::json!({"account": outcome.uuid, "email": email, "status": status, "message": message}));
        if (status != "closed" || !crate::quiet())
            && stopped.is_none()
            && let Err(failure) = out!(
                "{}: {status} ({email}){}",
                outcome.uuid,
                if message.is_empty() { String::new() } else { format!(": {message}") }
            )
        {
            stop.store(true, Ordering::SeqCst);
            stopped = Some(failure);
        }
    }
    let left = plan.to_close.len() - ledger.closed.len();
    if let Some(failure) = stopped {
        return Err(failure);
    }
    if left > 0 {
        note!("interrupted: {left} accounts not closed yet; run the same sync again to finish");
        return Err(Failure::Interrupted);
    }
    Ok(())
}
