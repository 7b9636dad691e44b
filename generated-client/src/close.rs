//! Closing every account that matches a filter: a snapshot of the matching accounts first (closing
//! while walking page numbers shifts the pages under the walk and skips accounts), then the closes
//! with bounded concurrency, and an outcome per account.

use futures::{Stream, StreamExt, TryStreamExt};
use uuid::Uuid;

use crate::client::Client;
use crate::error::{Error, Refusal, Result};
use crate::filter::Filter;
use crate::state::CourseAccountState;

/// What happened to one account. Exhaustive on purpose: a new kind of outcome must make every caller
/// decide what it means.
#[derive(Debug)]
pub enum CloseStatus {
    /// This run closed it.
    Closed,
    /// It was Closed already (in the snapshot, or when the close was refused and a read showed it).
    AlreadyClosed,
    /// The server refused to close it (e.g. 409 in a state other than OK or Erred); it is not closed.
    Refused(Error),
    /// The answer was lost and could not be confirmed ([`Error::is_outcome_unknown`]): look before
    /// closing it again.
    Unknown(Error),
}

/// One account of the snapshot and its outcome.
#[derive(Debug)]
#[non_exhaustive]
pub struct CloseOutcome {
    /// The account.
    pub uuid: Uuid,
    /// Its state in the snapshot.
    pub state_before: CourseAccountState,
    /// What happened.
    pub status: CloseStatus,
}

/// The outcome of [`Client::close_all`], one entry per account of the snapshot, in snapshot order.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct CloseReport {
    /// Every account that matched the filter when the snapshot was taken.
    pub accounts: Vec<CloseOutcome>,
}

impl CloseReport {
    /// How many ended in each status: (closed, already closed, refused, unknown).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let mut counts = (0, 0, 0, 0);
        for a in &self.accounts {
            match a.status {
                CloseStatus::Closed => counts.0 += 1,
                CloseStatus::AlreadyClosed => counts.1 += 1,
                CloseStatus::Refused(_) => counts.2 += 1,
                CloseStatus::Unknown(_) => counts.3 += 1,
            }
        }
        counts
    }

    /// True when every account of the snapshot is closed now (by this run or before).
    pub fn all_closed(&self) -> bool {
        self.accounts.iter().all(|a| matches!(a.status, CloseStatus::Closed | CloseStatus::AlreadyClosed))
    }
}

/// Closing many accounts.
impl Client {
    /// The UUIDs and states of every account matching `filter`, read in one walk before anything
    /// changes (the snapshot [`Client::close_all`] works from).
    pub async fn snapshot(&self, filter: Filter) -> Result<Vec<(Uuid, CourseAccountState)>> {
        self.list(filter).map_ok(|a| (a.uuid, a.state)).try_collect().await
    }

    /// Closes every account matching `filter`: snapshot first (an error there closes nothing), then
    /// up to `concurrency` closes at a time (at least 1). Accounts Closed in the snapshot are not
    /// sent. A refused close is checked by reading the account, so one closed meanwhile is reported
    /// as already closed, not as refused.
    pub async fn close_all(&self, filter: Filter, concurrency: usize) -> Result<CloseReport> {
        let snapshot = self.snapshot(filter).await?;
        let accounts = self.close_each(futures::stream::iter(snapshot), concurrency).collect().await;
        Ok(CloseReport { accounts })
    }

    /// Closes the accounts of a snapshot (as [`Client::snapshot`] gives it) up to `concurrency` at a
    /// time, yielding each outcome as it is known, in snapshot order; those Closed in the snapshot
    /// are not sent. To stop early without abandoning a close in flight (whose outcome would then be
    /// unknown), end the `accounts` stream: the closes already started finish and are yielded, and
    /// then the stream ends. Dropping the returned stream instead cancels the closes in flight.
    ///
    /// ```no_run
    /// # async fn run(client: &waldur_course_accounts::Client) -> waldur_course_accounts::Result<()> {
    /// use futures::StreamExt;
    /// use waldur_course_accounts::Filter;
    /// let snapshot = client.snapshot(Filter::new().project(waldur_course_accounts::Uuid::nil())).await?;
    /// let stop = std::sync::atomic::AtomicBool::new(false);
    /// let accounts = futures::stream::iter(snapshot)
    ///     .take_while(|_| std::future::ready(!stop.load(std::sync::atomic::Ordering::Relaxed)));
    /// let mut outcomes = std::pin::pin!(client.close_each(accounts, 4));
    /// while let Some(outcome) = outcomes.next().await {
    ///     println!("{}: {:?}", outcome.uuid, outcome.status);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn close_each<'a, S>(&'a self, accounts: S, concurrency: usize) -> impl Stream<Item = CloseOutcome> + 'a
    where
        S: Stream<Item = (Uuid, CourseAccountState)> + 'a,
    {
        accounts
            .map(move |(uuid, state_before)| async move {
                let status = if state_before == CourseAccountState::Closed {
                    CloseStatus::AlreadyClosed
                } else {
                    self.close_one(uuid).await
                };
                CloseOutcome { uuid, state_before, status }
            })
            .buffered(concurrency.max(1))
    }

    async fn close_one(&self, uuid: Uuid) -> CloseStatus {
        match self.delete(uuid).await {
            // Also when confirmed by a read after a lost answer: closed, whoever's attempt did it.
            Ok(_) => CloseStatus::Closed,
            Err(e) if e.is_outcome_unknown() => CloseStatus::Unknown(e),
            Err(refusal) if refusal.api().is_some_and(|e| e.refusal() == Refusal::Conflict) => {
                match self.get(uuid).await {
                    Ok(account) if account.state == CourseAccountState::Closed => CloseStatus::AlreadyClosed,
                    _ => CloseStatus::Refused(refusal),
                }
            }
            Err(e) => CloseStatus::Refused(e),
        }
    }
}
