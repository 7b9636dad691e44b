//! `import`: a class roster into a project. Every row is read and checked first (bad rows and repeats
//! reported by line), the project is read and the roster planned against it by the client's
//! [`BulkPlan`] (an email with an account is not sent, Closed included: Waldur's bulk create on 8.x
//! would skip it, so a re-run, or a run after an interruption, sends nothing twice), the rest is created in
//! chunks with progress as it happens, and a per-email report is written when `--report` is given
//! (when a chunk lands and a second has passed since the last write, and at the end or on Ctrl-C, so an
//! interrupted run leaves an accurate one behind).
//!
//! The report (`--report FILE.json`), version 1:
//! `{"version": 1, "project": UUID, "roster": PATH, "dry_run": bool, "finished": bool,
//!   "summary": {STATUS: COUNT, ...}, "rows": [ROW, ...]}` with one ROW per data line of the roster,
//! in line order: `{"line": N, "email": TEXT or null, "status": STATUS, "account": UUID or null,
//! "state": LABEL or null, "message": TEXT or null, "first_line": N or null}`. STATUS is one of
//! `created`, `already_present` (had an open account: skipped; `message` names the account's address
//! when it differs in case only), `closed_account` (has only a Closed account: not sent, since
//! Waldur's bulk create will not make a new one; `create` does), `would_create` (dry run), `failed`
//! (the server refused; `message` says why), `uncertain` (the answer was lost and no account was
//! found afterwards, or the run was interrupted while its chunk was sent; re-run to settle), `not_attempted` (the run stopped first), `invalid` (`email`
//! null, `message` says why), `duplicate` (repeats `first_line`), `readmitted` (sync
//! `--readmit-closed`: a new account for a student who had only a Closed one), `several_accounts` (created, but a
//! read after the run found the student with more than one open account: another run made one at
//! the same time; `message` names them). `finished` is false when the run was interrupted.
//!
//! Safety: the report is checked before anything is read ([`ReportFile`]: never the roster, a link,
//! or a read-only file); a run that writes holds the project's lock on this machine ([`crate::lock`]);
//! a refusal of the request itself (the project, the token, not the addresses) stops after the first
//! chunk, since every other chunk would get it too.

use waldur_course_accounts::{BulkInput, BulkPlan, Client, DEFAULT_CHUNK_SIZE, SkipReason};

mod ledger;
mod send;

pub(crate) use ledger::{Entry, Ledger, Status, finish};
pub(crate) use send::{check_after, create};

use crate::connect::explain;
use crate::report_file::ReportFile;
use crate::roster;
use crate::{Failure, Outcome, interrupt};

pub const HELP: &str = "The roster is a CSV file with a header row (UTF-8, with or without BOM; `,`, `;` or tab), or `-` for\n\
standard input; the email column is found by its name (--email-column, default `email`), other columns\n\
are ignored; a row with more or fewer fields than the header is reported and not used.\n\
Re-running the same import is safe: emails that already have an account (Closed included) are skipped;\n\
give a student whose account was closed a new one with `create`.\n\n\
Examples:\n  waldur-course-accounts import --project UUID roster.csv --dry-run\n  \
waldur-course-accounts import --project UUID roster.csv --email-column \"E-mail address\" --report import.json";

/// `--chunk-size`, as import and sync take it (both create through [`create`]).
#[derive(clap::Args)]
pub struct ChunkSize {
    /// Emails per create request.
    #[arg(long, default_value_t = DEFAULT_CHUNK_SIZE as u64, value_parser = clap::value_parser!(u64).range(1..=1000))]
    chunk_size: u64,
}

impl ChunkSize {
    pub fn get(&self) -> usize {
        self.chunk_size as usize
    }
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    source: roster::Source,
    /// Read the roster and the project and say what would happen; send no write request.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    chunks: ChunkSize,
    /// Write the per-email report (JSON, described in the README) here, kept current while it runs.
    #[arg(long, value_name = "FILE.json")]
    report: Option<std::path::PathBuf>,
    /// Then wait until the roster's accounts are no longer Pending (as `wait` does; its exit codes).
    #[arg(long)]
    wait: bool,
    #[command(flatten)]
    waiting: crate::wait::WaitArgs,
}

pub async fn run(client: &Client, args: Args) -> Outcome {
    // Before anything is read: a report that would replace the roster (or follow a link) is refused.
    let report = args.report.as_deref().map(|p| ReportFile::check(p, &args.source.files())).transpose()?;
    let roster = args.source.read()?;
    let name = args.source.name();
    let mut ledger = Ledger::from_roster(&roster, name, args.source.project, report, args.dry_run, "import");
    // A second run at once against the same project from this machine would read the project before
    // this one writes: held until the process ends.
    let _lock = if args.dry_run {
        None
    } else {
        Some(crate::lock::acquire(client.base_url().as_str(), args.source.project, "import")?)
    };
    let outcome = work(client, &args, &roster, &mut ledger).await;
    ledger.write_after(&outcome);
    // The wait reads only: it leaves the import's report as it is. Its exit code counts unless the
    // import's own says more (writes that failed: run the import again, not the wait).
    if args.wait && !args.dry_run && matches!(outcome, Ok(()) | Err(Failure::InputRejected)) {
        let emails: Vec<String> = roster.rows.iter().map(|r| r.email.clone()).collect();
        out!(
            "waiting until the roster's accounts are ready (at most {})",
            humantime::format_duration(args.waiting.max_wait)
        )?;
        let waited =
            crate::wait::wait(client, args.source.project, Some(&emails), Some(&ledger.roster), &args.waiting, None);
        waited.await?;
    }
    outcome
}

/// Reads the project, plans, and sends; the ledger holds every row's standing as it goes.
async fn work(client: &Client, args: &Args, roster: &roster::Roster, ledger: &mut Ledger) -> Outcome {
    let name = ledger.roster.clone();
    ledger.write(false)?;
    // What the project has already is not sent (Closed included: Waldur's bulk create skips those),
    // which makes a re-run safe and keeps every report true.
    let found = tokio::select! {
        found = client.reconcile(args.source.project, roster.rows.iter().map(|r| r.email.as_str())) => {
            found.map_err(|e| explain(&e))?
        }
        _ = interrupt::wait() => {
            note!("interrupted while reading the project: nothing was sent; the report lists every row as not attempted");
            return Err(Failure::Interrupted);
        }
    };
    // The roster's rows are checked and unique already, so the input keeps them all, in order.
    let input = BulkInput::new(roster.rows.iter().map(|r| r.email.clone())).map_err(|e| e.to_string())?;
    let plan = BulkPlan::new(input, &found);
    for existing in plan.existing() {
        let row = &roster.rows[existing.index];
        let entry = match existing.reason {
            SkipReason::HasAccount { exact } => {
                let entry =
                    Entry::new(row.line, Some(&row.email), Status::AlreadyPresent).with_account(&existing.account);
                match existing.account.email() {
                    Some(other) if !exact => entry.with_message(format!(
                        "has an account as `{}` (the same address in other case; not sent, Waldur would make a second account)",
                        other
                    )),
                    _ => entry,
                }
            }
            SkipReason::Closed => Entry::new(row.line, Some(&row.email), Status::ClosedAccount)
                .with_account(&existing.account)
                .with_message(CLOSED),
        };
        ledger.set(entry);
    }
    let counts = ledger.counts();
    let count = |status| counts.get(&status).copied().unwrap_or(0);
    let (present, closed) = (count(Status::AlreadyPresent), count(Status::ClosedAccount));
    out!(
        "{name}: {} rows: {} to create, {present} already have an account, {closed} have only a closed account, {} invalid, {} repeated",
        roster.rows.len() + roster.repeats.len() + roster.bad.len(),
        plan.to_send().len(),
        roster.bad.len(),
        roster.repeats.len()
    )?;
    for e in ledger.entries.values().filter(|e| e.status == Status::ClosedAccount) {
        out!("line {}: {}: {CLOSED}", e.line, e.email.as_deref().unwrap_or_default())?;
    }
    if closed > 0 {
        out!(
            "to give one of them a new account: waldur-course-accounts create --project {} EMAIL",
            args.source.project
        )?;
    }
    if args.dry_run {
        for account in plan.to_send().iter().filter(|_| !crate::quiet()) {
            out!("would create: line {}: {}", ledger.line(&account.email).unwrap_or(0), account.email)?;
        }
        out!("dry run: nothing was sent")?;
        ledger.write(true)?;
        return finish(ledger);
    }
    ledger.write(false)?;
    if interrupt::requested() {
        note!("interrupted before anything was sent; the report lists every row to create as not attempted");
        return Err(Failure::Interrupted);
    }
    if !plan.to_send().is_empty() {
        create(client, args.chunks.get(), plan, ledger).await?;
        check_after(client, args.source.project, ledger).await;
    }
    ledger.write(true)?;
    finish(ledger)
}

/// What a row with only a Closed account is told (once, in the output and in the report).
const CLOSED: &str = "has a closed account: Waldur's bulk create will not make a new one";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_docs_and_this_module_name_every_status_of_the_report() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/command-line.md")).unwrap();
        let docs = include_str!("mod.rs").split("\nuse ").next().unwrap_or_default();
        for status in Status::ALL {
            let name = format!("`{}`", status.name());
            assert!(readme.contains(&name), "docs/command-line.md's report description lacks {name}");
            assert!(docs.contains(&name), "import.rs's module docs lack {name}");
        }
    }
}
