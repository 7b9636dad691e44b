//! Sending the plan: create_bulk in chunks with progress, a busy server's refusal (429, 503) waited out
//! and the chunk sent again, a refusal of the request itself stopping the run, an interrupt leaving
//! the chunk at hand marked, and one read after the writes.

use std::io::IsTerminal;

use futures::StreamExt;
use waldur_course_accounts::{BulkOptions, BulkPlan, ChunkOutcome, ChunkStatus, Client, CourseAccount, Error, Uuid};

use super::ledger::{Entry, Ledger, Status};
use crate::connect::explain;
use crate::shown::shown;
use crate::{Failure, Outcome, interrupt};

/// Sends the plan in chunks, recording each chunk's outcome
/// as it arrives. A chunk the server refused without doing anything because it is busy (429, 503)
/// comes from the client as [`ChunkStatus::Busy`] (the rule, tries and longest wait are the
/// client's [`BulkOptions::busy_wait`]): it is waited out here, where a signal can end the wait, and
/// the client sends it again; meanwhile no other chunk is sent, which is what a rate limit asks for.
pub(crate) async fn create(client: &Client, chunk_size: usize, plan: BulkPlan, ledger: &mut Ledger) -> Outcome {
    let options = BulkOptions::chunks_of(chunk_size).going_on_after_errors();
    let progress = Progress::new(plan.to_send().len() as u64);
    let mut chunks = Box::pin(client.create_bulk_stream(plan, &options));
    let mut last_write = std::time::Instant::now();
    loop {
        // A signal between chunks: nothing is in flight, the rest is not attempted.
        if interrupt::requested() {
            return interrupt(ledger, &progress, &[]);
        }
        // A signal while a chunk is in flight: the chunk is let finish (the stream keeps its request
        // when the `next` future is dropped), recorded, and then the run stops above.
        let next = tokio::select! {
            biased;
            next = chunks.next() => next,
            _ = interrupt::wait() => {
                progress.say("interrupted: the chunk being sent finishes, then the run stops");
                chunks.next().await
            }
        };
        let Some(chunk) = next else { break };
        let number = chunk.number;
        if let ChunkStatus::Busy { error, retry_in, next_try } = &chunk.status {
            progress.say(&format!(
                "chunk {}: refused, nothing was created ({}); sending it again in {} s (try {next_try} of {})",
                number + 1,
                explain(error),
                retry_in.as_secs_f64().ceil(),
                options.busy_tries
            ));
            let emails: Vec<&str> = chunk.emails.iter().map(String::as_str).collect();
            tokio::select! {
                _ = tokio::time::sleep(*retry_in) => {}
                // Nothing of this chunk was done (the server refused it): it is not attempted.
                _ = interrupt::wait() => return interrupt(ledger, &progress, &emails),
            }
            continue;
        }
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
            // A report that cannot be written now does not stop the writes to Waldur; the last
            // write at the end says so if it still fails.
            if let Err(e) = ledger.write(false) {
                note!("warning: the report could not be brought up to date: {e}");
            }
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
pub(crate) fn refuses_every_chunk(error: &Error) -> bool {
    let Some(api) = error.api() else { return false };
    match api.status.as_u16() {
        400 => !api.body.mentions("course_accounts"),
        401 | 403 | 404 => true,
        _ => false,
    }
}

/// What to look at after [`refuses_every_chunk`].
pub(crate) fn what_to_check(error: &Error) -> &'static str {
    match error.api().map(|a| (a.status.as_u16(), a.body.mentions("project"))) {
        Some((400, true)) => {
            "Check --project: it must be a course project that exists and that this token can see (`waldur-course-accounts \
             list` shows the projects of your accounts)."
        }
        Some((400, false)) => "Check the project's settings in Waldur (a course project needs an end date).",
        _ => "Check WALDUR_TOKEN and its user's permissions on the project.",
    }
}

/// What a row of a refused chunk that was waiting to be sent again is told when a signal comes.
pub(crate) const INTERRUPTED_WAITING: &str = "interrupted while its refused chunk waited to be sent again";

/// A signal: the rows of a refused chunk that waited to be sent again (`emails`; nothing of it was
/// done) are marked not attempted, the report written, and the run ends.
pub(crate) fn interrupt(ledger: &mut Ledger, progress: &Progress, emails: &[&str]) -> Outcome {
    progress.finish();
    for email in emails {
        let line = ledger.line(email).unwrap_or(0);
        ledger.set(Entry::new(line, Some(email), Status::NotAttempted).with_message(INTERRUPTED_WAITING));
    }
    ledger.write(false)?;
    note!("interrupted: the report says what was done; run the same command again to finish (it skips what exists)");
    Err(Failure::Interrupted)
}

/// Records one chunk's outcome; returns a one-line summary of it.
pub(crate) fn record(ledger: &mut Ledger, number: usize, chunk: &ChunkOutcome) -> String {
    let entry =
        |ledger: &Ledger, email: &str, status: Status| Entry::new(ledger.line(email).unwrap_or(0), Some(email), status);
    match &chunk.status {
        ChunkStatus::Created { accounts, not_returned } => {
            for account in accounts {
                let email = account.email().unwrap_or_default();
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
                let message = if own.is_empty() {
                    format!("refused with its chunk: {}", explain(e))
                } else {
                    shown(&own).into_owned()
                };
                let entry = entry(ledger, email, Status::Failed).with_message(message);
                ledger.set(entry);
            }
            format!("chunk {}: {} refused: {}", number + 1, chunk.emails.len(), explain(e))
        }
        ChunkStatus::Uncertain(e) | ChunkStatus::Unreadable(e) => {
            for email in &chunk.emails {
                let entry = entry(ledger, email, Status::Uncertain).with_message(shown(&e.to_string()).into_owned());
                ledger.set(entry);
            }
            format!("chunk {}: {} uncertain: {}", number + 1, chunk.emails.len(), shown(&e.to_string()))
        }
        ChunkStatus::NotAttempted => format!("chunk {}: not attempted", number + 1),
        // Waited out by `create` before anything is recorded; the same chunk comes again.
        ChunkStatus::Busy { .. } => format!("chunk {}: waiting for a busy server", number + 1),
    }
}

/// One read of the project after the writes: an uncertain row whose account is found was created,
/// and a student who now has more than one open account (another run, on another machine or with
/// another tool, sent the same roster at the same time) is reported, not called a success.
pub(crate) async fn check_after(client: &Client, project: Uuid, ledger: &mut Ledger) {
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

/// A progress bar on a terminal, plain lines otherwise (both on stderr).
pub(crate) struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    pub(crate) fn new(total: u64) -> Progress {
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

    pub(crate) fn chunk(&self, line: &str, emails: u64) {
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
    pub(crate) fn say(&self, line: &str) {
        match &self.0 {
            Some(bar) => bar.println(crate::shown::shown(line)),
            None => note!("{line}"),
        }
    }

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
