//! The import's ledger: one entry per roster line, what happened to it, the report written from it
//! (`--report`, described in this module's parent), and the closing lines and exit code.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use waldur_course_accounts::{CourseAccount, EmailKey, Uuid};

use crate::report_file::ReportFile;
use crate::{Failure, Outcome};

#[derive(Serialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Status {
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
    Readmitted,
}

impl Status {
    /// Every status, for the test that keeps README's report description complete.
    #[cfg(test)]
    pub(crate) const ALL: [Status; 11] = [
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
        Status::Readmitted,
    ];

    pub(crate) fn name(self) -> &'static str {
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
            Status::Readmitted => "readmitted",
        }
    }

    /// Everything but these means the import did not finish what it can do (a closed account is
    /// settled: no re-run of the import changes it).
    pub(crate) fn is_fine(self) -> bool {
        matches!(
            self,
            Status::Created
                | Status::AlreadyPresent
                | Status::ClosedAccount
                | Status::WouldCreate
                | Status::Duplicate
                | Status::Readmitted
        )
    }
}

#[derive(Serialize, Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) line: u64,
    pub(crate) email: Option<String>,
    pub(crate) status: Status,
    pub(crate) account: Option<Uuid>,
    pub(crate) state: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) first_line: Option<u64>,
}

impl Entry {
    pub(crate) fn new(line: u64, email: Option<&str>, status: Status) -> Entry {
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

    pub(crate) fn with_account(mut self, account: &CourseAccount) -> Entry {
        self.account = Some(account.uuid);
        self.state = Some(account.state.to_string());
        self
    }

    pub(crate) fn with_message(mut self, message: impl Into<String>) -> Entry {
        self.message = Some(message.into());
        self
    }
}

/// Every row's entry, by line, and where the report goes.
pub(crate) struct Ledger {
    pub(crate) entries: BTreeMap<u64, Entry>,
    pub(crate) line_of: HashMap<EmailKey, u64>,
    pub(crate) report: Option<ReportFile>,
    pub(crate) project: Uuid,
    pub(crate) roster: String,
    pub(crate) dry_run: bool,
    /// `import` or `sync`: the report says which wrote it.
    pub(crate) kind: &'static str,
    /// sync: one entry per account it closed or tried to (`{"account", "email", "status", "message"}`).
    pub(crate) closed: Vec<serde_json::Value>,
}

impl Ledger {
    /// A ledger with every line of `roster`: invalid and repeated lines said on stderr and recorded,
    /// the others not attempted yet (would create, in a dry run).
    pub(crate) fn from_roster(
        roster: &crate::roster::Roster,
        name: String,
        project: Uuid,
        report: Option<ReportFile>,
        dry_run: bool,
        kind: &'static str,
    ) -> Ledger {
        let mut ledger = Ledger {
            entries: BTreeMap::new(),
            line_of: roster.rows.iter().map(|r| (EmailKey::of(&r.email), r.line)).collect(),
            report,
            project,
            roster: name.clone(),
            dry_run,
            kind,
            closed: Vec::new(),
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
            let status = if dry_run { Status::WouldCreate } else { Status::NotAttempted };
            ledger.set(Entry::new(row.line, Some(&row.email), status));
        }
        ledger
    }

    pub(crate) fn set(&mut self, entry: Entry) {
        self.entries.insert(entry.line, entry);
    }

    pub(crate) fn line(&self, email: &str) -> Option<u64> {
        self.line_of.get(&EmailKey::of(email)).copied()
    }

    pub(crate) fn counts(&self) -> BTreeMap<Status, usize> {
        let mut counts = BTreeMap::new();
        for e in self.entries.values() {
            *counts.entry(e.status).or_insert(0) += 1;
        }
        counts
    }

    /// After a run that ended in `outcome`: whatever ended it (a closed output, a signal, an error),
    /// the report says what was done. A run that ended on its own (done, partial, invalid lines) has
    /// written it already.
    pub(crate) fn write_after(&self, outcome: &Outcome) {
        if let Err(failure) = outcome
            && !matches!(failure, Failure::Partial | Failure::InputRejected)
            && let Err(e) = self.write(false)
        {
            note!("error: the report could not be written: {e}");
        }
    }

    /// Writes the report (temporary file, then rename: a reader never sees half a report).
    pub(crate) fn write(&self, finished: bool) -> Result<(), String> {
        let Some(path) = &self.report else { return Ok(()) };
        let summary: BTreeMap<&str, usize> = self.counts().into_iter().map(|(s, n)| (s.name(), n)).collect();
        let report = serde_json::json!({
            "version": 1,
            "kind": self.kind,
            "project": self.project,
            "roster": self.roster,
            "dry_run": self.dry_run,
            "finished": finished,
            "summary": summary,
            "rows": self.entries.values().collect::<Vec<_>>(),
            "closed": self.closed,
        });
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n";
        path.write(&text)
    }
}

/// Prints the rows that need attention, grouped by what happened to them (one refused chunk of 100
/// is one line, not 100), the summary, and the next step; the exit code follows: 0 all done, 3 all
/// done but rows of the roster that cannot be imported, 1 writes that failed or are uncertain.
pub(crate) fn finish(ledger: &Ledger) -> Outcome {
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
pub(crate) fn ranges(lines: impl Iterator<Item = u64>) -> String {
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
