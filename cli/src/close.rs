//! `close`: accounts by UUID, or every account of a project (`--all`): a snapshot first, confirmation
//! on a terminal unless `--yes`, then the closes, with one result line per account (`--quiet`: only
//! the ones not closed, and the summary); `--all --dry-run` lists what would be closed.

use std::io::{BufRead, IsTerminal, Write};

use waldur_course_accounts::{Client, CloseStatus, CourseAccountState, Error, Filter, Uuid};

use crate::connect::explain;
use crate::{Failure, Outcome};

#[derive(clap::Args)]
pub struct Args {
    /// Accounts to close.
    #[arg(conflicts_with = "all", required_unless_present = "all")]
    uuids: Vec<Uuid>,
    /// Close every account of --project (already Closed ones are left alone).
    #[arg(long, requires = "project")]
    all: bool,
    /// The project, with --all.
    #[arg(long, value_name = "UUID")]
    project: Option<Uuid>,
    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(long)]
    yes: bool,
    /// Closes at a time, with --all.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=32))]
    concurrency: u64,
    /// With --all: read the project and list what would be closed; close nothing.
    #[arg(long, requires = "all")]
    dry_run: bool,
}

pub async fn run(client: &Client, args: Args) -> Outcome {
    match (args.all, args.project) {
        (true, Some(project)) if args.dry_run => dry_run(client, project).await,
        (true, Some(project)) => all(client, project, args.yes, args.concurrency as usize).await,
        _ => each(client, &args.uuids).await,
    }
}

async fn each(client: &Client, uuids: &[Uuid]) -> Outcome {
    let (mut closed, mut already, mut not_closed) = (0, 0, 0);
    for uuid in uuids {
        match client.delete(*uuid).await {
            Ok(d) => {
                closed += 1;
                let how = if d.confirmed_by_read { " (the answer was lost; a read confirmed it)" } else { "" };
                if !crate::quiet() {
                    println!("{uuid}: closed{how}");
                }
            }
            Err(e) if e.is_outcome_unknown() => {
                not_closed += 1;
                println!("{uuid}: UNKNOWN whether it was closed: {e}");
            }
            // Refused because of its state: if that state is Closed, what was asked for is so.
            Err(Error::Conflict(e)) => match client.get(*uuid).await {
                Ok(account) if account.state == CourseAccountState::Closed => {
                    (closed, already) = (closed + 1, already + 1);
                    if !crate::quiet() {
                        println!("{uuid}: already closed");
                    }
                }
                _ => {
                    not_closed += 1;
                    println!("{uuid}: not closed: {}", e.body.message());
                }
            },
            Err(e) => {
                not_closed += 1;
                println!("{uuid}: not closed: {}", explain(&e));
            }
        }
    }
    if uuids.len() > 1 {
        println!("{closed} closed ({already} already), {not_closed} not closed");
    }
    if not_closed > 0 { Err(Failure::Partial) } else { Ok(()) }
}

/// What `--all` would close: the project's open accounts, one line each, and their count.
async fn dry_run(client: &Client, project: Uuid) -> Outcome {
    let mut open = 0;
    let mut total = 0;
    let mut accounts = client.list(Filter::new().project(project));
    while let Some(account) = futures::TryStreamExt::try_next(&mut accounts).await.map_err(|e| explain(&e))? {
        total += 1;
        if account.state != CourseAccountState::Closed {
            open += 1;
            if !crate::quiet() {
                let email = account.email.as_deref().map(String::as_str).unwrap_or("");
                println!("would close: {} ({}) {email}", account.uuid, account.state);
            }
        }
    }
    println!("dry run: {open} of the project's {total} accounts would be closed; nothing was sent");
    Ok(())
}

async fn all(client: &Client, project: Uuid, yes: bool, concurrency: usize) -> Outcome {
    let filter = Filter::new().project(project);
    let snapshot = client.snapshot(filter.clone()).await.map_err(|e| explain(&e))?;
    let open = snapshot.iter().filter(|(_, s)| *s != waldur_course_accounts::CourseAccountState::Closed).count();
    if open == 0 {
        println!("project {project}: {} accounts, none open; nothing to close", snapshot.len());
        return Ok(());
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::Error(format!(
                "refusing to close {open} accounts of project {project} without confirmation: stdin is not a terminal; pass --yes"
            )));
        }
        print!("Close {open} open accounts of project {project} ({} in all)? [y/N] ", snapshot.len());
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            println!("nothing closed");
            return Err(Failure::Partial);
        }
    }
    // close_all takes its own snapshot, so that an account created since the question is not closed
    // unasked... and one closed meanwhile is reported as already closed.
    let report = client.close_all(filter, concurrency).await.map_err(|e| explain(&e))?;
    for outcome in &report.accounts {
        let uuid = outcome.uuid;
        match &outcome.status {
            CloseStatus::Closed if crate::quiet() => {}
            CloseStatus::Closed => println!("{uuid}: closed"),
            CloseStatus::AlreadyClosed => {}
            CloseStatus::Refused(e) => println!("{uuid}: not closed ({}): {}", outcome.state_before, refusal(e)),
            CloseStatus::Unknown(e) => println!("{uuid}: UNKNOWN whether it was closed: {e}"),
        }
    }
    let (closed, already, refused, unknown) = report.counts();
    println!("summary: {closed} closed, {already} already closed, {refused} not closed, {unknown} unknown");
    if report.all_closed() { Ok(()) } else { Err(Failure::Partial) }
}

fn refusal(e: &Error) -> String {
    match e.api() {
        Some(api) if e.status().is_some_and(|s| s.as_u16() == 409) => api.body.message(),
        _ => explain(e),
    }
}
