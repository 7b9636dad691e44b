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
//! null, `message` says why), `duplicate` (repeats `first_line`). `finished` is false when the run
//! was interrupted.

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;
use std::path::PathBuf;

use futures::StreamExt;
use serde::Serialize;
use waldur_course_accounts::{
    BulkInput, BulkOptions, BulkPlan, ChunkOutcome, ChunkStatus, Client, CourseAccount, EmailKey, Error,
    Reconciliation, SkipReason, Uuid,
};

use crate::connect::explain;
use crate::roster::{self, Row};
use crate::{Failure, Outcome};

pub const HELP: &str = "The roster is a CSV file with a header row (UTF-8, with or without BOM; `,` or `;`);\n\
the email column is found by its name (--email-column, default `email`), other columns are ignored.\n\
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
    report: Option<PathBuf>,
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
}

impl Status {
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
    report: Option<PathBuf>,
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
        let tmp = path.with_extension("json.partial");
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n";
        std::fs::write(&tmp, text).map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
    }
}

pub async fn run(client: &Client, args: Args) -> Outcome {
    let roster = args.source.read()?;
    let name = args.source.roster.display().to_string();
    let mut ledger = Ledger {
        entries: BTreeMap::new(),
        line_of: roster.rows.iter().map(|r| (EmailKey::of(&r.email), r.line)).collect(),
        report: args.report.clone(),
        project: args.source.project,
        roster: name.clone(),
        dry_run: args.dry_run,
    };
    for bad in &roster.bad {
        eprintln!("{name}: line {}: {}; skipped", bad.line, bad.reason);
        ledger.set(Entry::new(bad.line, None, Status::Invalid).with_message(bad.reason.clone()));
    }
    for repeat in &roster.repeats {
        eprintln!("{name}: line {}: repeats line {} (ignoring case); imported once", repeat.line, repeat.first_line);
        let mut entry = Entry::new(repeat.line, Some(&repeat.email), Status::Duplicate);
        entry.first_line = Some(repeat.first_line);
        ledger.set(entry);
    }

    // What the project has already is not sent (Closed included: Waldur's bulk create skips those),
    // which makes a re-run safe and keeps every report true.
    let found = client
        .reconcile(args.source.project, roster.rows.iter().map(|r| r.email.as_str()))
        .await
        .map_err(|e| explain(&e))?;
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
    for account in plan.to_send() {
        let status = if args.dry_run { Status::WouldCreate } else { Status::NotAttempted };
        ledger.set(Entry::new(ledger.line(&account.email).unwrap_or(0), Some(&account.email), status));
    }
    let counts = ledger.counts();
    let count = |status| counts.get(&status).copied().unwrap_or(0);
    let (present, closed) = (count(Status::AlreadyPresent), count(Status::ClosedAccount));
    println!(
        "{name}: {} rows: {} to create, {present} already have an account, {closed} have only a closed account, {} invalid, {} repeated",
        roster.rows.len() + roster.repeats.len() + roster.bad.len(),
        plan.to_send().len(),
        roster.bad.len(),
        roster.repeats.len()
    );
    for e in ledger.entries.values().filter(|e| e.status == Status::ClosedAccount) {
        println!("line {}: {}: {CLOSED}", e.line, e.email.as_deref().unwrap_or_default());
    }
    if closed > 0 {
        println!(
            "to give one of them a new account: waldur-course-accounts create --project {} EMAIL",
            args.source.project
        );
    }
    if args.dry_run {
        for account in plan.to_send().iter().filter(|_| !crate::quiet()) {
            println!("would create: line {}: {}", ledger.line(&account.email).unwrap_or(0), account.email);
        }
        println!("dry run: nothing was sent");
        ledger.write(true)?;
        return finish(&ledger);
    }
    ledger.write(false)?;
    let to_create: Vec<Row> = plan
        .to_send()
        .iter()
        .map(|a| Row { line: ledger.line(&a.email).unwrap_or(0), email: a.email.clone() })
        .collect();
    if !to_create.is_empty() {
        create(client, &args, (plan, &found), &to_create, &mut ledger).await?;
    }
    ledger.write(true)?;
    finish(&ledger)
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
    let mut interrupted = std::pin::pin!(tokio::signal::ctrl_c());
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
        // At most once a second: rewriting the whole report after every small chunk would cost
        // time that grows with the square of the roster. Ctrl-C and the end write it anyway.
        if last_write.elapsed() >= std::time::Duration::from_secs(1) {
            ledger.write(false)?;
            last_write = std::time::Instant::now();
        }
    }
    progress.finish();
    settle(client, args.source.project, ledger).await;
    Ok(())
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
    eprintln!(
        "interrupted: the report says what was done; run the same command again to finish (it skips what exists)"
    );
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

/// Uncertain rows are looked up: an account found means created.
async fn settle(client: &Client, project: Uuid, ledger: &mut Ledger) {
    let uncertain: Vec<String> =
        ledger.entries.values().filter(|e| e.status == Status::Uncertain).filter_map(|e| e.email.clone()).collect();
    if uncertain.is_empty() {
        return;
    }
    match client.reconcile(project, &uncertain).await {
        Ok(found) => {
            for status in found.emails {
                if let Some(account) = status.open_account()
                    && let Some(line) = ledger.line(&status.email)
                {
                    ledger.set(
                        Entry::new(line, Some(&status.email), Status::Created)
                            .with_account(account)
                            .with_message("confirmed by reading the project after an uncertain answer"),
                    );
                }
            }
        }
        Err(e) => eprintln!("could not settle {} uncertain rows: {}", uncertain.len(), explain(&e)),
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
            [e] => println!("line {}: {}: {} {message}", e.line, status.name(), e.email.as_deref().unwrap_or("")),
            many => {
                let lines = ranges(many.iter().map(|e| e.line));
                println!("{}: {} rows (lines {lines}): {message}", status.name(), many.len());
            }
        }
    }
    let counts = ledger.counts();
    let summary: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {}", s.name())).collect();
    println!("summary: {}", if summary.is_empty() { "nothing to do".to_string() } else { summary.join(", ") });
    if let Some(path) = &ledger.report {
        println!("report: {}", path.display());
    }
    let unfinished = counts.keys().any(|s| !s.is_fine() && *s != Status::Invalid);
    let invalid = counts.contains_key(&Status::Invalid);
    if unfinished {
        println!(
            "next: run the same command again: it sends only what the project still lacks; `waldur-course-accounts \
             reconcile --project {} {}` shows where every row stands",
            ledger.project, ledger.roster
        );
        Err(Failure::Partial)
    } else if invalid {
        println!("next: correct the invalid lines named above and run the same command again");
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
            None => eprintln!("{line}"),
        }
    }

    /// A line that must be seen now (above the bar on a terminal).
    fn say(&self, line: &str) {
        match &self.0 {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
