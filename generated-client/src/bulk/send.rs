//! Sending a [`BulkPlan`](super::BulkPlan): the options, one create_bulk request per chunk as a
//! stream of outcomes, a busy server's refusal waited out, and the collected outcome.

use std::collections::VecDeque;

use futures::stream::{self, Stream, StreamExt};
use uuid::Uuid;

use super::{BulkInput, BulkPlan, DEFAULT_CHUNK_SIZE, Duplicate, Existing, NewAccount};
use crate::client::Client;
use crate::email::EmailKey;
use crate::error::{Error, RequestProblem, Result};
use crate::generated::{self, types::CourseAccount};
use crate::reconcile::Reconciliation;

/// How [`Client::create_bulk`] splits and proceeds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkOptions {
    /// Emails per request (at least 1).
    pub chunk_size: usize,
    /// Stop at the first chunk that was refused or whose outcome is unknown (the rest is reported as
    /// not attempted); default true.
    pub stop_on_error: bool,
    /// Sends of one chunk a server too busy to act may refuse (429, 503: [`Error::busy_refusal`]),
    /// the first included, before the refusal stands; default 5. Sending such a chunk again cannot
    /// make an account twice: the server made none.
    pub busy_tries: u32,
    /// The longest wait for a busy server before a chunk is sent again; a server asking for more
    /// (`Retry-After`) gets the refusal reported instead. Default 120 s.
    pub longest_busy_wait: std::time::Duration,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            chunk_size: DEFAULT_CHUNK_SIZE,
            stop_on_error: true,
            busy_tries: 5,
            longest_busy_wait: std::time::Duration::from_secs(120),
        }
    }
}

impl BulkOptions {
    /// The defaults with another chunk size.
    pub fn chunks_of(chunk_size: usize) -> BulkOptions {
        BulkOptions { chunk_size, ..BulkOptions::default() }
    }

    /// The same, going on past a refused or uncertain chunk (`stop_on_error` false).
    pub fn going_on_after_errors(mut self) -> BulkOptions {
        self.stop_on_error = false;
        self
    }

    /// How long to wait before sending again a chunk refused with `error` on its send number `tries`
    /// (1 for the first), if at all: only a busy refusal qualifies; its `Retry-After`, else 1, 2, 4,
    /// 8 s; not after `busy_tries` sends, nor longer than `longest_busy_wait`.
    pub fn busy_wait(&self, error: &Error, tries: u32) -> Option<std::time::Duration> {
        let refusal = error.busy_refusal()?;
        let backoff = std::time::Duration::from_secs(1 << tries.saturating_sub(1).min(3));
        let wait = refusal.retry_after.unwrap_or(backoff);
        (tries < self.busy_tries && wait <= self.longest_busy_wait).then_some(wait)
    }
}

/// What happened to one chunk. Only `Refused` means nothing was created. Exhaustive on purpose (unlike
/// the outcome structs): a new kind of outcome must make every caller decide what it means.
#[derive(Debug)]
pub enum ChunkStatus {
    /// The server answered with these accounts. `not_returned` lists the emails of the chunk that are
    /// not among them: the server skipped them (since 7.8.8 it skips an address with an account in
    /// the project), so an account for them appeared after the plan was read. They were not created
    /// by this request; [`Client::reconcile`] says what the project holds for them.
    Created {
        /// The accounts the server returned.
        accounts: Vec<CourseAccount>,
        /// Emails of the chunk the server returned no account for.
        not_returned: Vec<String>,
    },
    /// The server answered 2xx (it created them) but the answer does not decode ([`Error::is_done`]):
    /// which accounts exist is for [`Client::reconcile`] to say. Never send these again blindly.
    Unreadable(Error),
    /// The answer was lost ([`Error::is_outcome_unknown`]): some or all may have been created.
    /// Settle with [`Client::reconcile`] before sending them again.
    Uncertain(Error),
    /// The server refused the chunk (a 4xx, 501, 503, ...): nothing of it was created.
    Refused(Error),
    /// The server was too busy to act (429, 503) and nothing of the chunk was created; the stream
    /// sends it again when next polled, as send number `next_try` of [`BulkOptions::busy_tries`]. Wait
    /// `retry_in` before polling ([`Client::create_bulk`] does). Not a final outcome: the same chunk
    /// comes again.
    Busy {
        /// The refusal.
        error: Error,
        /// How long the server asked to wait (or the back-off).
        retry_in: std::time::Duration,
        /// The send that comes next, 2 for the first repeat.
        next_try: u32,
    },
    /// Not sent, because an earlier chunk was refused or uncertain and `stop_on_error` is set.
    NotAttempted,
}

impl ChunkStatus {
    fn of_error(error: Error) -> ChunkStatus {
        if error.is_done() {
            ChunkStatus::Unreadable(error)
        } else if error.is_outcome_unknown() {
            ChunkStatus::Uncertain(error)
        } else {
            ChunkStatus::Refused(error)
        }
    }

    /// The error of a chunk that was not plainly created.
    pub fn error(&self) -> Option<&Error> {
        match self {
            ChunkStatus::Unreadable(e) | ChunkStatus::Uncertain(e) | ChunkStatus::Refused(e) => Some(e),
            ChunkStatus::Busy { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// One chunk: its emails (normalised), in input order, and its status.
#[derive(Debug)]
#[non_exhaustive]
pub struct ChunkOutcome {
    /// 0-based number of the chunk.
    pub number: usize,
    /// The chunk's emails, trimmed, in input order.
    pub emails: Vec<String>,
    /// What happened to them.
    pub status: ChunkStatus,
}

/// The outcome of a bulk create, chunk by chunk, covering every email given.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct BulkOutcome {
    /// Every chunk, in input order; together with `duplicates` they hold every email given.
    pub chunks: Vec<ChunkOutcome>,
    /// Input emails not sent because they repeat an earlier one.
    pub duplicates: Vec<Duplicate>,
    /// Input emails not sent because the project has an account for them (see [`SkipReason`](super::SkipReason)).
    pub existing: Vec<Existing>,
}

impl BulkOutcome {
    /// Every account the server returned.
    pub fn created(&self) -> impl Iterator<Item = &CourseAccount> {
        self.chunks.iter().flat_map(|c| match &c.status {
            ChunkStatus::Created { accounts, .. } => accounts.as_slice(),
            _ => &[],
        })
    }

    /// Emails of refused chunks: nothing of them was created.
    pub fn refused_emails(&self) -> impl Iterator<Item = &str> {
        self.emails_where(|s| matches!(s, ChunkStatus::Refused(_)))
    }

    /// Emails of chunks whose outcome is unknown: reconcile before sending them again.
    pub fn uncertain_emails(&self) -> impl Iterator<Item = &str> {
        self.emails_where(|s| matches!(s, ChunkStatus::Uncertain(_)))
    }

    /// Emails of chunks the server created but whose answer could not be read.
    pub fn unreadable_emails(&self) -> impl Iterator<Item = &str> {
        self.emails_where(|s| matches!(s, ChunkStatus::Unreadable(_)))
    }

    /// Emails never sent.
    pub fn not_attempted_emails(&self) -> impl Iterator<Item = &str> {
        self.emails_where(|s| matches!(s, ChunkStatus::NotAttempted))
    }

    /// Emails the server accepted but did not return an account for (an account appeared meanwhile).
    pub fn not_returned_emails(&self) -> impl Iterator<Item = &str> {
        self.chunks.iter().flat_map(|c| match &c.status {
            ChunkStatus::Created { not_returned, .. } => not_returned.iter().map(String::as_str).collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    }

    /// The errors of chunks that were not plainly created.
    pub fn errors(&self) -> impl Iterator<Item = &Error> {
        self.chunks.iter().filter_map(|c| c.status.error())
    }

    /// True when every chunk was created and its answer read.
    pub fn is_complete(&self) -> bool {
        self.chunks.iter().all(|c| matches!(c.status, ChunkStatus::Created { .. }))
    }

    fn emails_where(&self, pick: impl Fn(&ChunkStatus) -> bool) -> impl Iterator<Item = &str> {
        self.chunks.iter().filter(move |c| pick(&c.status)).flat_map(|c| c.emails.iter().map(String::as_str))
    }
}

/// Bulk creation.
impl Client {
    /// Creates accounts for any number of emails, in chunks, and returns when all are done. The input
    /// is normalised and checked first ([`BulkInput::new`]): an unusable email is
    /// [`Error::InvalidInput`] and nothing is sent. Then the project is read ([`Client::plan_bulk`]):
    /// an email that has an account there is not sent and is reported in [`BulkOutcome::existing`].
    /// Never retried automatically. To keep what was learned when the run is cut short, use
    /// [`Client::create_bulk_stream`].
    pub async fn create_bulk<I, A>(&self, project: Uuid, accounts: I, options: &BulkOptions) -> Result<BulkOutcome>
    where
        I: IntoIterator<Item = A>,
        A: Into<NewAccount>,
    {
        let plan = self.plan_bulk(project, BulkInput::new(accounts)?).await?;
        let (duplicates, existing) = (plan.duplicates().to_vec(), plan.existing.clone());
        let mut stream = std::pin::pin!(self.create_bulk_stream(plan, options));
        let mut chunks = Vec::new();
        while let Some(chunk) = stream.next().await {
            match chunk.status {
                // Waited out here; the same chunk comes again.
                ChunkStatus::Busy { retry_in, .. } => tokio::time::sleep(retry_in).await,
                _ => chunks.push(chunk),
            }
        }
        Ok(BulkOutcome { chunks, duplicates, existing })
    }

    /// Reads the project ([`Client::reconcile`] of the input's emails) and plans the input against it.
    /// Reads only.
    pub async fn plan_bulk(&self, project: Uuid, input: BulkInput) -> Result<BulkPlan> {
        if input.accounts.is_empty() {
            let nothing = Reconciliation { project, ..Reconciliation::default() };
            return Ok(BulkPlan::new(input, &nothing));
        }
        let found = self.reconcile(project, input.accounts.iter().map(|a| a.email.as_str())).await?;
        Ok(BulkPlan::new(input, &found))
    }

    /// The chunks of a bulk create as they finish, in order. Dropping the stream stops the run: the
    /// chunks already yielded are final; a chunk in flight when it was dropped has an unknown outcome
    /// (its emails are the next ones after the last yielded chunk: [`Client::reconcile`] them). A
    /// chunk a busy server refused comes as [`ChunkStatus::Busy`] first: wait its `retry_in`, then
    /// poll again to send it again (or drop the stream: nothing of it was created).
    pub fn create_bulk_stream(
        &self,
        plan: BulkPlan,
        options: &BulkOptions,
    ) -> impl Stream<Item = ChunkOutcome> + Send + 'static + use<> {
        let project = plan.project;
        // The state: the chunks left (each with the sends it is on), the next chunk's number, and
        // whether an error stopped the run.
        let chunks: VecDeque<(Vec<NewAccount>, u32)> =
            plan.to_send.accounts.chunks(options.chunk_size.max(1)).map(|c| (c.to_vec(), 1)).collect();
        let options = options.clone();
        let state = (self.clone(), chunks, 0usize, false, options);
        stream::unfold(state, move |(client, mut chunks, number, stopped, options)| async move {
            let (chunk, tries) = chunks.pop_front()?;
            let emails: Vec<String> = chunk.iter().map(|a| a.email.clone()).collect();
            let status = if stopped {
                ChunkStatus::NotAttempted
            } else {
                match client.create_bulk_chunk(project, &chunk).await {
                    Ok(accounts) => {
                        let returned: std::collections::HashSet<EmailKey> =
                            accounts.iter().filter_map(|a| a.email().map(EmailKey::of)).collect();
                        let not_returned =
                            emails.iter().filter(|e| !returned.contains(&EmailKey::of(e))).cloned().collect();
                        ChunkStatus::Created { accounts, not_returned }
                    }
                    Err(e) => match options.busy_wait(&e, tries) {
                        Some(retry_in) => {
                            chunks.push_front((chunk, tries + 1));
                            let busy = ChunkStatus::Busy { error: e, retry_in, next_try: tries + 1 };
                            return Some((
                                ChunkOutcome { number, emails, status: busy },
                                (client, chunks, number, stopped, options),
                            ));
                        }
                        None => {
                            let status = ChunkStatus::of_error(e);
                            tracing::warn!(chunk = number, emails = emails.len(), status = ?std::mem::discriminant(&status), "bulk create chunk not plainly created");
                            status
                        }
                    },
                }
            };
            let stop = stopped
                || (options.stop_on_error && matches!(status, ChunkStatus::Refused(_) | ChunkStatus::Uncertain(_)));
            Some((ChunkOutcome { number, emails, status }, (client, chunks, number + 1, stop, options)))
        })
    }

    /// One create_bulk request: the accounts the server returned.
    async fn create_bulk_chunk(&self, project: Uuid, accounts: &[NewAccount]) -> Result<Vec<CourseAccount>> {
        use generated::types::{
            CourseAccountCreateNestedRequest, CourseAccountCreateNestedRequestDescription,
            CourseAccountCreateNestedRequestEmail,
        };
        let mut items = Vec::with_capacity(accounts.len());
        for a in accounts {
            // Checked by BulkInput already; the generated types check length again.
            items.push(CourseAccountCreateNestedRequest {
                email: Some(
                    CourseAccountCreateNestedRequestEmail::try_from(a.email.as_str())
                        .map_err(|e| RequestProblem::field("email", e))?,
                ),
                description: a
                    .description
                    .as_deref()
                    .map(CourseAccountCreateNestedRequestDescription::try_from)
                    .transpose()
                    .map_err(|e| RequestProblem::field("description", e))?,
            });
        }
        let body = generated::types::CourseAccountsBulkCreateRequest { course_accounts: items, project };
        let call = self.call();
        let sent = call.raw().marketplace_course_accounts_create_bulk().body(body).send().await;
        Ok(call.reply(sent).await?.value)
    }
}
