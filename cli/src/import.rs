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
//! null, `message` says why), `duplicate` (repeats `first_line`), `several_accounts` (created, but a
//! read after the run found the student with more than one open account: another run made one at
//! the same time; `message` names them). `finished` is false when the run was interrupted.
//!
//! Safety: the report is checked before anything is read ([`ReportFile`]: never the roster, a link,
//! or a read-only file); a run that writes holds the project's lock on this machine ([`crate::lock`]);
//! a refusal of the request itself (the project, the token, not the addresses) stops after the first
//! chunk, since every other chunk would get it too.

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;

use futures::StreamExt;
use serde::Serialize;
use waldur_course_accounts::{
    BulkInput, BulkOptions, BulkPlan, ChunkOutcome, ChunkStatus, Client, CourseAccount, EmailKey, Error,
    Reconciliation, SkipReason, Uuid,
};

use crate::connect::explain;
use crate::report_file::ReportFile;
use crate::roster::{self, Row};
use crate::{Failure, Outcome, interrupt};

pub const HELP: &str = "The roster is a CSV file with a header row (UTF-8, with or without BOM; `,`, `;` or tab), or `-` for\n\
standard input; the email column is found by its name (--email-column, default `email`), other columns\n\
are ignored; a row with more or fewer fields than the header is reported and not used.\n\
Re-running the same import is safe: emails that already have an account (Closed included) are skipped;\n\
give a student whose account was closed a new one with `create`.\n\n\
Examples:\n  waldur-course-accounts import --project UUID roster.csv --dry-run\n  \
waldur-course-accounts import --project UUID roster.csv --email-column \"E-mail address\" --report import.json";

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    source: roster::Source,
    /// Read the roster and the project and say what would happen; send no write request.
    #[arg(long)]
    dry_run: bool,
    /// Emails per create request.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=1000))]
    chunk_size: u64,
    /// Write the per-email report (JSON, described in the README) here, kept current while it runs.
    #[arg(long, value_name = "FILE.json")]
    report: Option<std::path::PathBuf>,
}

#[derive(Serialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
#[serde(rename_all = "snake_case")]
enum Status {
    Created,
    AlreadyPresent,
    ClosedAccount,
    WouldCreate,
    Failed,
    Uncertain,
    NotAttempted,
    Invalid,
    Duplicate,
    SeveralAccounts,
}

impl Status {
    /// Every status, for the test that keeps README's report description complete.
    #[cfg(test)]
    const ALL: [Status; 10] = [
        Status::Created,
        Status::AlreadyPresent,
        Status::ClosedAccount,
        Status::WouldCreate,
        Status::Failed,
        Status::Uncertain,
        Status::NotAttempted,
        Status::Invalid,
        Status::Duplicate,
        Status::SeveralAccounts,
    ];

    fn name(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::AlreadyPresent => "already_present",
            Status::ClosedAccount => "closed_account",
            Status::WouldCreate => "would_create",
            Status::Failed => "failed",
            Status::Uncertain => "uncertain",
            Status::NotAttempted => "not_attempted",
            Status::Invalid => "invalid",
            Status::Duplicate => "duplicate",
            Status::SeveralAccounts => "several_accounts",
        }
    }

    /// Everything but these means the import did not finish what it can do (a closed account is
    /// settled: no re-run of the import changes it).
    fn is_fine(self) -> bool {
        matches!(
            self,
            Status::Created | Status::AlreadyPresent | Status::ClosedAccount | Status::WouldCreate | Status::Duplicate
        )
    }
}

#[derive(Serialize, Clone, Debug)]
struct Entry {
    line: u64,
    email: Option<String>,
    status: Status,
    account: Option<Uuid>,
    state: Option<String>,
    message: Option<String>,
    first_line: Option<u64>,
}

impl Entry {
    fn new(line: u64, email: Option<&str>, status: Status) -> Entry {
        Entry {
            line,
            email: email.map(str::to_string),
            status,
            account: None,
            state: None,
            message: None,
            first_line: None,
        }
    }

    fn with_account(mut self, account: &CourseAccount) -> Entry {
        self.account = Some(account.uuid);
        self.state = Some(account.state.to_string());
        self
    }

    fn with_message(mut self, message: impl Into<String>) -> Entry {
        self.message = Some(message.into());
        self
    }
}

/// Every row's entry, by line, and where the report goes.
struct Ledger {
    entries: BTreeMap<u64, Entry>,
    line_of: HashMap<EmailKey, u64>,
    report: Option<ReportFile>,
    project: Uuid,
    roster: String,
    dry_run: bool,
}

impl Ledger {
    fn set(&mut self, entry: Entry) {
        self.entries.insert(entry.line, entry);
    }

    fn line(&self, email: &str) -> Option<u64> {
        self.line_of.get(&EmailKey::of(email)).copied()
    }

    fn counts(&self) -> BTreeMap<Status, usize> {
        let mut counts = BTreeMap::new();
        for e in self.entries.values() {
            *counts.entry(e.status).or_insert(0) += 1;
        }
        counts
    }

    /// Writes the report (temporary file, then rename: a reader never sees half a report).
    fn write(&self, finished: bool) -> Result<(), String> {
        let Some(path) = &self.report else { return Ok(()) };
        let summary: BTreeMap<&str, usize> = self.counts().into_iter().map(|(s, n)| (s.name(), n)).collect();
        let report = serde_json::json!({
            "version": 1,
            "project": self.project,
            "roster": self.roster,
            "dry_run": self.dry_run,
            "finished": finished,
            "summary": summary,
            "rows": self.entries.values().collect::<Vec<_>>(),
        });
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n";
        path.write(&text)
    }
}

pub async fn run(client: &Client, args: Args) -> Outcome {
    // Before anything is read: a report that would replace the roster (or follow a link) is refused.
    let report = args.report.as_deref().map(|p| ReportFile::check(p, &args.source.files())).transpose()?;
    let roster = args.source.read()?;
    let name = args.source.name();
    let mut ledger = Ledger {
        entries: BTreeMap::new(),
        line_of: roster.rows.iter().map(|r| (EmailKey::of(&r.email), r.line)).collect(),
        report,
        project: args.source.project,
        roster: name.clone(),
        dry_run: args.dry_run,
    };
    for bad in &roster.bad {
        note!("{name}: line {}: {}; skipped", bad.line, bad.reason);
        ledger.set(Entry::new(bad.line, None, Status::Invalid).with_message(bad.reason.clone()));
    }
    for repeat in &roster.repeats {
        note!("{name}: line {}: repeats line {} (ignoring case); imported once", repeat.line, repeat.first_line);
        let mut entry = Entry::new(repeat.line, Some(&repeat.email), Status::Duplicate);
        entry.first_line = Some(repeat.first_line);
        ledger.set(entry);
    }
    for row in &roster.rows {
        let status = if args.dry_run { Status::WouldCreate } else { Status::NotAttempted };
        ledger.set(Entry::new(row.line, Some(&row.email), status));
    }
    // A second run at once against the same project from this machine would read the project before
    // this one writes: held until the process ends.
    let _lock = if args.dry_run {
        None
    } else {
        Some(crate::lock::acquire(client.base_url().as_str(), args.source.project, "import")?)
    };
    let outcome = work(client, &args, &roster, &mut ledger).await;
    // Whatever ended the run (a closed output, a signal, an error), the report says what was done.
    if let Err(failure) = &outcome
        && !matches!(failure, Failure::Partial | Failure::InputRejected)
        && let Err(e) = ledger.write(false)
    {
        note!("error: the report could not be written: {e}");
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
                match existing.account.email.as_deref() {
                    Some(other) if !exact => entry.with_message(format!(
                        "has an account as `{}` (the same address in other case; not sent, Waldur would make a second account)",
                        other.as_str()
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
    let to_create: Vec<Row> = plan
        .to_send()
        .iter()
        .map(|a| Row { line: ledger.line(&a.email).unwrap_or(0), email: a.email.clone() })
        .collect();
    if !to_create.is_empty() {
        create(client, args, (plan, &found), &to_create, ledger).await?;
        check_after(client, args.source.project, ledger).await;
    }
    ledger.write(true)?;
    finish(ledger)
}

/// What a row with only a Closed account is told (once, in the output and in the report).
const CLOSED: &str = "has a closed account: Waldur's bulk create will not make a new one";

/// Sends the plan in chunks (`rows` are its emails with their lines), recording each chunk's outcome
/// as it arrives. A chunk the server refused without doing anything because it is busy (429, 503) is
/// waited out and sent again (see [`wait_out`]); while it waits, no other chunk is sent, which is
/// what a rate limit asks for.
async fn create(
    client: &Client,
    args: &Args,
    (plan, found): (BulkPlan, &Reconciliation),
    rows: &[Row],
    ledger: &mut Ledger,
) -> Outcome {
    let chunk_size = args.chunk_size as usize;
    let options = BulkOptions { chunk_size, stop_on_error: false };
    let mut chunks = Box::pin(client.create_bulk_stream(plan, &options));
    let progress = Progress::new(rows.len() as u64);
    let mut done = 0usize;
    let mut last_write = std::time::Instant::now();
    // One listener for the whole run: a signal that arrives while a chunk is being recorded is kept.
    let mut interrupted = std::pin::pin!(interrupt::wait());
    loop {
        // The chunk being sent, should Ctrl-C come: the rows after those already recorded.
        let in_flight: Vec<&str> = rows.iter().skip(done).take(chunk_size).map(|r| r.email.as_str()).collect();
        let mut chunk = tokio::select! {
            next = chunks.next() => match next { Some(chunk) => chunk, None => break },
            _ = &mut interrupted => return interrupt(ledger, &progress, &in_flight, INTERRUPTED_SENDING),
        };
        let number = chunk.number;
        let mut tries = 1;
        while let ChunkStatus::Refused(error) = &chunk.status
            && let Some(wait) = wait_out(error, tries)
        {
            progress.say(&format!(
                "chunk {}: refused, nothing was created ({}); sending it again in {} s (try {} of {REFUSAL_TRIES})",
                number + 1,
                explain(error),
                wait.as_secs_f64().ceil(),
                tries + 1
            ));
            let emails: Vec<&str> = chunk.emails.iter().map(String::as_str).collect();
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = &mut interrupted => return interrupt(ledger, &progress, &emails, INTERRUPTED_WAITING),
            }
            let again = BulkPlan::new(BulkInput::new(chunk.emails.iter().cloned())?, found);
            let mut resent = Box::pin(client.create_bulk_stream(again, &options));
            chunk = tokio::select! {
                next = resent.next() => match next { Some(chunk) => chunk, None => break },
                _ = &mut interrupted => return interrupt(ledger, &progress, &emails, INTERRUPTED_SENDING),
            };
            tries += 1;
        }
        done += chunk.emails.len();
        let line = record(ledger, number, &chunk);
        progress.chunk(&line, chunk.emails.len() as u64);
        if let ChunkStatus::Refused(error) = &chunk.status
            && refuses_every_chunk(error)
        {
            progress.finish();
            ledger.write(false)?;
            return Err(Failure::Error(format!(
                "Waldur refused the request itself, not the addresses, so every chunk would be refused alike: {}; \
                 nothing was created. {}",
                explain(error),
                what_to_check(error)
            )));
        }
        // At most once a second: rewriting the whole report after every small chunk would cost
        // time that grows with the square of the roster. Ctrl-C and the end write it anyway.
        if last_write.elapsed() >= std::time::Duration::from_secs(1) {
            ledger.write(false)?;
            last_write = std::time::Instant::now();
        }
    }
    progress.finish();
    Ok(())
}

/// Whether a refused chunk says something about the request as a whole (the project, the token, the
/// permission) rather than about its addresses, so that every other chunk would be refused alike.
/// Waldur keys what concerns the addresses on `course_accounts` (`CourseAccountsBulkCreateSerializer`);
/// the project is keyed `project` (not found, or no course) or `non_field_errors` (a course without an
/// end date), and 401/403/404 concern the token and the permission.
fn refuses_every_chunk(error: &Error) -> bool {
    let Some(api) = error.api() else { return false };
    match api.status.as_u16() {
        400 => !api.body.mentions("course_accounts"),
        401 | 403 | 404 => true,
        _ => false,
    }
}

/// What to look at after [`refuses_every_chunk`].
fn what_to_check(error: &Error) -> &'static str {
    match error.api().map(|a| (a.status.as_u16(), a.body.mentions("project"))) {
        Some((400, true)) => {
            "Check --project: it must be a course project that exists and that this token can see (`waldur-course-accounts \
             list` shows the projects of your accounts)."
        }
        Some((400, false)) => "Check the project's settings in Waldur (a course project needs an end date).",
        _ => "Check WALDUR_TOKEN and its user's permissions on the project.",
    }
}

/// Tries of one chunk the server refused because it was busy, the first send included.
const REFUSAL_TRIES: u32 = 5;
/// A server that asks for a longer pause than this (`Retry-After`) is not waited for: the chunk is
/// reported failed, and a later re-run sends it.
const LONGEST_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// How long to wait before sending a refused chunk again, if at all. Only a refusal of a server too
/// busy to act qualifies ([`Error::busy_refusal`]): sending such a chunk again cannot make an account
/// twice, since the server made none. `Retry-After` when given, else 1, 2, 4, 8 s.
fn wait_out(error: &Error, tries: u32) -> Option<std::time::Duration> {
    let refusal = error.busy_refusal()?;
    let wait = refusal.retry_after.unwrap_or(std::time::Duration::from_secs(1 << (tries - 1).min(3)));
    (tries < REFUSAL_TRIES && wait <= LONGEST_WAIT).then_some(wait)
}

const INTERRUPTED_SENDING: &str = "interrupted while its chunk was being sent";
const INTERRUPTED_WAITING: &str = "interrupted while its refused chunk waited to be sent again";

/// Ctrl-C: the rows of the chunk at hand are marked (`why`), the report written, and the run ends.
fn interrupt(ledger: &mut Ledger, progress: &Progress, emails: &[&str], why: &str) -> Outcome {
    progress.finish();
    // A chunk being sent may or may not have been created; one waiting to be sent again was not.
    let status = if why == INTERRUPTED_WAITING { Status::NotAttempted } else { Status::Uncertain };
    for email in emails {
        let line = ledger.line(email).unwrap_or(0);
        ledger.set(Entry::new(line, Some(email), status).with_message(why));
    }
    ledger.write(false)?;
    note!("interrupted: the report says what was done; run the same command again to finish (it skips what exists)");
    Err(Failure::Interrupted)
}

/// Records one chunk's outcome; returns a one-line summary of it.
fn record(ledger: &mut Ledger, number: usize, chunk: &ChunkOutcome) -> String {
    let entry =
        |ledger: &Ledger, email: &str, status: Status| Entry::new(ledger.line(email).unwrap_or(0), Some(email), status);
    match &chunk.status {
        ChunkStatus::Created { accounts, not_returned } => {
            for account in accounts {
                let email = account.email.as_deref().map(String::as_str).unwrap_or_default();
                if ledger.line(email).is_some() {
                    let e = entry(ledger, email, Status::Created).with_account(account);
                    ledger.set(e);
                }
            }
            for email in not_returned {
                let e = entry(ledger, email, Status::AlreadyPresent).with_message(
                    "the server skipped it: an account for this address appeared after the project was read",
                );
                ledger.set(e);
            }
            format!("chunk {}: {} created, {} already present", number + 1, accounts.len(), not_returned.len())
        }
        ChunkStatus::Refused(e) => {
            for (i, email) in chunk.emails.iter().enumerate() {
                let own =
                    e.api().map(|a| a.body.field(&format!("course_accounts[{i}].email")).join(" ")).unwrap_or_default();
                let message = if own.is_empty() { format!("refused with its chunk: {}", explain(e)) } else { own };
                let entry = entry(ledger, email, Status::Failed).with_message(message);
                ledger.set(entry);
            }
            format!("chunk {}: {} refused: {}", number + 1, chunk.emails.len(), explain(e))
        }
        ChunkStatus::Uncertain(e) | ChunkStatus::Unreadable(e) => {
            for email in &chunk.emails {
                let entry = entry(ledger, email, Status::Uncertain).with_message(e.to_string());
                ledger.set(entry);
            }
            format!("chunk {}: {} uncertain: {e}", number + 1, chunk.emails.len())
        }
        ChunkStatus::NotAttempted => format!("chunk {}: not attempted", number + 1),
    }
}

/// One read of the project after the writes: an uncertain row whose account is found was created,
/// and a student who now has more than one open account (another run, on another machine or with
/// another tool, sent the same roster at the same time) is reported, not called a success.
async fn check_after(client: &Client, project: Uuid, ledger: &mut Ledger) {
    let sent: Vec<String> = ledger
        .entries
        .values()
        .filter(|e| matches!(e.status, Status::Created | Status::Uncertain))
        .filter_map(|e| e.email.clone())
        .collect();
    let found = tokio::select! {
        found = client.reconcile(project, &sent) => found,
        _ = interrupt::wait() => {
            note!("interrupted while checking the project after the writes; the report says what was sent");
            return;
        }
    };
    let found = match found {
        Ok(found) => found,
        Err(e) => {
            note!("could not check the project after the writes ({}); `reconcile` does", explain(&e));
            return;
        }
    };
    for status in &found.emails {
        let Some(line) = ledger.line(&status.email) else { continue };
        let open: Vec<&CourseAccount> = status.open_accounts().collect();
        let uncertain = ledger.entries.get(&line).is_some_and(|e| e.status == Status::Uncertain);
        if let [_, _, ..] = open.as_slice() {
            let uuids: Vec<String> = open.iter().map(|a| a.uuid.to_string()).collect();
            ledger.set(Entry::new(line, Some(&status.email), Status::SeveralAccounts).with_account(open[0]).with_message(
                format!(
                    "{} open accounts ({}): another run created one at the same time; close the extra one with `close UUID`",
                    open.len(),
                    uuids.join(", ")
                ),
            ));
        } else if let (true, Some(account)) = (uncertain, open.first()) {
            ledger.set(
                Entry::new(line, Some(&status.email), Status::Created)
                    .with_account(account)
                    .with_message("confirmed by reading the project after an uncertain answer"),
            );
        }
    }
}

/// Prints the rows that need attention, grouped by what happened to them (one refused chunk of 100
/// is one line, not 100), the summary, and the next step; the exit code follows: 0 all done, 3 all
/// done but rows of the roster that cannot be imported, 1 writes that failed or are uncertain.
fn finish(ledger: &Ledger) -> Outcome {
    let mut groups: BTreeMap<(Status, &str), Vec<&Entry>> = BTreeMap::new();
    for e in ledger.entries.values().filter(|e| !e.status.is_fine() && e.status != Status::Invalid) {
        groups.entry((e.status, e.message.as_deref().unwrap_or(""))).or_default().push(e);
    }
    for ((status, message), entries) in &groups {
        match entries.as_slice() {
            [e] => out!("line {}: {}: {} {message}", e.line, status.name(), e.email.as_deref().unwrap_or(""))?,
            many => {
                let lines = ranges(many.iter().map(|e| e.line));
                out!("{}: {} rows (lines {lines}): {message}", status.name(), many.len())?;
            }
        }
    }
    let counts = ledger.counts();
    let summary: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {}", s.name())).collect();
    out!("summary: {}", if summary.is_empty() { "nothing to do".to_string() } else { summary.join(", ") })?;
    if let Some(report) = &ledger.report {
        out!("report: {}", crate::shown::shown(&report.path().display().to_string()))?;
    }
    let unfinished = counts.keys().any(|s| !s.is_fine() && !matches!(s, Status::Invalid | Status::SeveralAccounts));
    let invalid = counts.contains_key(&Status::Invalid);
    if counts.contains_key(&Status::SeveralAccounts) {
        out!(
            "next: the students above have more than one open account: close the extra ones (`waldur-course-accounts \
             close UUID`); a second import run at the same time made them"
        )?;
    }
    if unfinished {
        out!(
            "next: run the same command again: it sends only what the project still lacks; `waldur-course-accounts \
             reconcile --project {} {}` shows where every row stands",
            ledger.project,
            ledger.roster
        )?;
        Err(Failure::Partial)
    } else if counts.contains_key(&Status::SeveralAccounts) {
        Err(Failure::Partial)
    } else if invalid {
        out!("next: correct the invalid lines named above and run the same command again")?;
        Err(Failure::InputRejected)
    } else {
        Ok(())
    }
}

/// Line numbers as ranges: `2-41, 43, 50-51`.
fn ranges(lines: impl Iterator<Item = u64>) -> String {
    let mut spans: Vec<(u64, u64)> = Vec::new();
    for line in lines {
        match spans.last_mut() {
            Some((_, end)) if *end + 1 == line => *end = line,
            _ => spans.push((line, line)),
        }
    }
    let span = |(a, b): &(u64, u64)| if a == b { a.to_string() } else { format!("{a}-{b}") };
    spans.iter().map(span).collect::<Vec<_>>().join(", ")
}

/// A progress bar on a terminal, plain lines otherwise (both on stderr).
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new(total: u64) -> Progress {
        if crate::quiet() {
            return Progress(None);
        }
        if !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} emails sent {elapsed_precise} ({eta} left)")
        {
            bar.set_style(style);
        }
        Progress(Some(bar))
    }

    fn chunk(&self, line: &str, emails: u64) {
        match &self.0 {
            Some(bar) => {
                bar.inc(emails);
                bar.set_message(line.to_string());
            }
            None if crate::quiet() => {}
            None => note!("{line}"),
        }
    }

    /// A line that must be seen now (above the bar on a terminal).
    fn say(&self, line: &str) {
        match &self.0 {
            Some(bar) => bar.println(crate::shown::shown(line)),
            None => note!("{line}"),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readme_and_this_module_name_every_status_of_the_report() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
        let docs = include_str!("import.rs").split("\nuse ").next().unwrap_or_default();
        for status in Status::ALL {
            let name = format!("`{}`", status.name());
            assert!(readme.contains(&name), "README's report description lacks {name}");
            assert!(docs.contains(&name), "import.rs's module docs lack {name}");
        }
    }
}
