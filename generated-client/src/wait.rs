//! Waiting until the accounts a bulk create made are ready. The rules are documented on the public
//! items (what docs.rs shows).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use uuid::Uuid;

use crate::client::Client;
use crate::email::EmailKey;
use crate::error::{Error, Refusal, Result};
use crate::filter::Filter;
use crate::generated::types::CourseAccount;
use crate::state::CourseAccountState;

/// Waiting until the accounts a bulk create made are ready. Since Waldur 8.0.6 `create_bulk` answers
/// with `Pending` rows and a background task (waldur-mastermind `marketplace/tasks.py`,
/// `create_course_account_task`) makes each `OK` (with a username) or `Erred` (with `error_message`);
/// where the course service is switched off, rows stay `Pending` for good, so a wait needs a deadline.
/// Waldur's own web page polls the whole list every 3 s with no deadline.
///
/// Here polling stays cheap whatever the project's size: one full read to see where the accounts
/// stand, then only count requests (`HEAD` with `state=Pending`, one round trip and no body) with a
/// growing interval, and a full read again only when the count says the accounts waited for may all
/// be settled (and at the deadline). With a list of emails, Pending accounts of other students are
/// not waited for: the first read counts them, and the count is compared against that.
///
/// How [`Client::wait_until_settled`] waits.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitOptions {
    /// The longest wait; then the accounts still Pending are reported as such. Default 10 minutes.
    pub max_wait: Duration,
    /// The first pause between two counts, doubled after each count up to `longest_poll`. Default 1 s.
    pub first_poll: Duration,
    /// The longest pause between two counts. Default 5 s (12 count requests a minute at most).
    pub longest_poll: Duration,
    /// How many times each Erred account is sent to `retry` (Waldur 8.0.7+); 0 by default.
    pub retry_erred: u32,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            max_wait: Duration::from_secs(600),
            first_poll: Duration::from_secs(1),
            longest_poll: Duration::from_secs(5),
            retry_erred: 0,
        }
    }
}

impl WaitOptions {
    /// The defaults with another deadline.
    pub fn with_max_wait(max_wait: Duration) -> Self {
        WaitOptions { max_wait, ..WaitOptions::default() }
    }

    /// The same, with `retry_erred` retries of each Erred account.
    pub fn retrying_erred(mut self, times: u32) -> Self {
        self.retry_erred = times;
        self
    }
}

/// Where a wait stands, for a progress display: the counts of the last full read, and the number of
/// the project's accounts the last count found Pending.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitProgress {
    /// Accounts waited for, by state label, as the last full read found them.
    pub by_state: std::collections::BTreeMap<String, usize>,
    /// The project's Pending accounts at the last count (all students).
    pub pending_in_project: u64,
    /// Time since the wait began.
    pub elapsed: Duration,
}

/// How a wait ended.
#[derive(Debug)]
#[non_exhaustive]
pub struct WaitReport {
    /// The accounts waited for (the listed students' accounts, or the whole project's), as the last
    /// full read found them, in the server's order.
    pub accounts: Vec<CourseAccount>,
    /// Listed emails with no account at all in the project (none when no list was given).
    pub missing: Vec<String>,
    /// Whether the deadline passed with accounts still Pending.
    pub deadline_passed: bool,
    /// How many times each account was sent to `retry`, by UUID.
    pub retried: HashMap<Uuid, u32>,
    /// Count requests made (`HEAD`).
    pub counts: u64,
    /// Full reads of the project (each one walk of every page).
    pub reads: u64,
}

impl WaitReport {
    /// The accounts in `state`.
    pub fn in_state(&self, state: &CourseAccountState) -> impl Iterator<Item = &CourseAccount> {
        self.accounts.iter().filter(move |a| &a.state == state)
    }

    /// The accounts waited for, counted by state label.
    pub fn by_state(&self) -> std::collections::BTreeMap<String, usize> {
        by_state(&self.accounts)
    }

    /// True when every account waited for is OK (Closed ones aside).
    pub fn all_ok(&self) -> bool {
        self.missing.is_empty()
            && self.accounts.iter().all(|a| matches!(a.state, CourseAccountState::Ok | CourseAccountState::Closed))
    }
}

/// Waiting for provisioning.
impl Client {
    /// Waits until no account of `emails` (or, with `None`, of the project) is Pending, or the
    /// deadline passes, retrying Erred accounts as `options` says; `progress` is told after each
    /// count and read. Errors: a read that fails ends the wait with its error; `retry` on a server
    /// older than 8.0.7 is [`Error::Unsupported`] before anything is retried.
    ///
    /// ```no_run
    /// # async fn run(client: &waldur_course_accounts::Client, project: waldur_course_accounts::Uuid) -> waldur_course_accounts::Result<()> {
    /// use waldur_course_accounts::{CourseAccountState, WaitOptions};
    /// let emails = ["ada@example.edu".to_string()];
    /// let report = client.wait_until_settled(project, Some(&emails), &WaitOptions::default(), |_| {}).await?;
    /// for account in report.in_state(&CourseAccountState::Erred) {
    ///     println!("{:?}: {}", account.email, account.error_message);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn wait_until_settled(
        &self,
        project: Uuid,
        emails: Option<&[String]>,
        options: &WaitOptions,
        mut progress: impl FnMut(&WaitProgress),
    ) -> Result<WaitReport> {
        let started = Instant::now();
        // A year at most: `Instant` cannot hold any duration a caller can write.
        let deadline = started + options.max_wait.min(Duration::from_secs(366 * 24 * 3600));
        // A pause of nothing would send count requests in a tight loop.
        let first_poll = options.first_poll.max(Duration::from_millis(100));
        let longest_poll = options.longest_poll.max(first_poll);
        let mut pause = first_poll;
        let keys: Option<HashMap<EmailKey, &str>> =
            emails.map(|list| list.iter().map(|e| (EmailKey::of(e), e.as_str())).collect());
        let mut report = WaitReport {
            accounts: Vec::new(),
            missing: Vec::new(),
            deadline_passed: false,
            retried: HashMap::new(),
            counts: 0,
            reads: 0,
        };
        let pending = Filter::new().project(project).state(CourseAccountState::Pending);
        loop {
            // A full read: where every account waited for stands.
            let all: Vec<CourseAccount> = self.list(Filter::new().project(project)).try_collect().await?;
            report.reads += 1;
            let pending_in_project = all.iter().filter(|a| a.state == CourseAccountState::Pending).count() as u64;
            report.accounts = match &keys {
                Some(keys) => {
                    // One key per account: it both picks the account and marks its student found.
                    let mut found = std::collections::HashSet::new();
                    let mut waited = Vec::new();
                    for a in all {
                        if let Some(key) = a.email().map(EmailKey::of).filter(|k| keys.contains_key(k)) {
                            found.insert(key);
                            waited.push(a);
                        }
                    }
                    report.missing =
                        keys.iter().filter(|(k, _)| !found.contains(k)).map(|(_, e)| e.to_string()).collect();
                    waited
                }
                None => all,
            };
            progress(&WaitProgress {
                by_state: by_state(&report.accounts),
                pending_in_project,
                elapsed: started.elapsed(),
            });
            let pending_waited =
                |r: &WaitReport| r.accounts.iter().filter(|a| a.state == CourseAccountState::Pending).count() as u64;
            // Pending accounts of students not waited for; the count falling to this many means the
            // ones waited for (and those retried now, Pending again) may all be settled.
            let others = pending_in_project.saturating_sub(pending_waited(&report));
            if Instant::now() < deadline {
                self.retry_erred(&mut report, options.retry_erred).await?;
            }
            if pending_waited(&report) == 0 {
                return Ok(report);
            }
            if Instant::now() >= deadline {
                report.deadline_passed = true;
                return Ok(report);
            }
            // The pause keeps growing across full reads (other students' accounts settling must not
            // make every count a full read), and a full read comes at least every `REBASE` counts
            // (another import adding Pending accounts must not hide ours settling until the deadline).
            let mut counts_since_read = 0;
            loop {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                tokio::time::sleep(pause.min(deadline - now)).await;
                pause = (pause * 2).min(longest_poll);
                let count = self.count(&pending).await?;
                report.counts += 1;
                counts_since_read += 1;
                progress(&WaitProgress {
                    by_state: by_state(&report.accounts),
                    pending_in_project: count,
                    elapsed: started.elapsed(),
                });
                if count <= others || counts_since_read >= REBASE {
                    break;
                }
            }
        }
    }

    /// Sends each Erred account waited for to `retry`, up to `times` times each (each is Pending
    /// after it).
    async fn retry_erred(&self, report: &mut WaitReport, times: u32) -> Result<()> {
        if times == 0 {
            return Ok(());
        }
        for account in report.accounts.iter_mut().filter(|a| a.state == CourseAccountState::Erred) {
            let tries = report.retried.entry(account.uuid).or_insert(0);
            if *tries >= times {
                continue;
            }
            match self.retry(account.uuid).await {
                Ok(again) => {
                    *tries += 1;
                    *account = again;
                }
                // Not Erred any more (someone else retried or closed it), or the answer was lost:
                // the next read says where it stands; it counts as a try either way.
                Err(Error::Api(e)) if e.refusal() == Refusal::Conflict => *tries += 1,
                Err(e) if e.is_outcome_unknown() => *tries += 1,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// Count requests between two full reads at most, when the count alone does not say the accounts
/// waited for may be settled (12 counts: a minute at the longest pause of 5 s).
const REBASE: u32 = 12;

fn by_state(accounts: &[CourseAccount]) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for a in accounts {
        *counts.entry(a.state.to_string()).or_insert(0) += 1;
    }
    counts
}
