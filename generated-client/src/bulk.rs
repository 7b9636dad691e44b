//! Bulk creation of any number of accounts: the input is normalised and checked before anything is
//! sent, planned against what the project already holds (so nothing is sent that Waldur would skip or
//! duplicate), then split into server-friendly chunks, one create_bulk request each, whose outcomes
//! arrive as they happen (a stream), so that a run cut short (a timeout around it, Ctrl-C) still knows
//! which chunks were created, and `reconcile` settles the ones it does not.
//!
//! Waldur's rule on 8.x servers (7.8.7 creates every row), which the plan follows (waldur-mastermind `marketplace/views.py`,
//! `CourseAccountViewSet.create_bulk`): the request is deduplicated by exact address, every address
//! that already has an account in the project **in any state, Closed included**, compared exactly, is
//! skipped without a word, and the rest are created (Pending, 202, only the created rows returned).
//! The client adds one rule of its own ([`crate::email`]): an address with an account under another
//! spelling (`Ada@` beside `ada@`) is not sent either, since Waldur would make a second account.

use std::collections::{HashMap, VecDeque};

use futures::stream::{self, Stream, StreamExt};
use uuid::Uuid;

use crate::client::Client;
use crate::email::{EmailKey, as_sent, check_email};
use crate::error::{Error, InputProblem, RequestProblem, Result};
use crate::generated::{self, types::CourseAccount};
use crate::reconcile::{Reconciliation, Standing};

/// Emails per create_bulk request by default: the server creates each account synchronously through
/// the course service, so one request with thousands of rows risks proxy timeouts.
pub const DEFAULT_CHUNK_SIZE: usize = 100;

/// One account to create in bulk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// The student's email (surrounding whitespace is ignored, as the server ignores it).
    pub email: String,
    /// Free text stored with the account (up to 4,096 characters).
    pub description: Option<String>,
}

impl From<&str> for NewAccount {
    fn from(email: &str) -> Self {
        NewAccount { email: email.to_string(), description: None }
    }
}

impl From<String> for NewAccount {
    fn from(email: String) -> Self {
        NewAccount { email, description: None }
    }
}

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

/// An input email that repeats an earlier one (the same [`EmailKey`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duplicate {
    /// 0-based position of the repeat in the caller's input; it is not sent.
    pub index: usize,
    /// 0-based position of the first occurrence, which is sent.
    pub first: usize,
}

/// Bulk input after normalisation: every email trimmed and checked, repeats (the same [`EmailKey`])
/// dropped and recorded. Building one sends nothing; [`BulkPlan`] decides what is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkInput {
    accounts: Vec<NewAccount>,
    /// The caller's 0-based position of each of `accounts`.
    positions: Vec<usize>,
    duplicates: Vec<Duplicate>,
}

impl BulkInput {
    /// Normalises and checks every email; [`Error::InvalidInput`] lists every unusable one by its
    /// position (never by value), so the whole input can be fixed at once.
    pub fn new<I, A>(accounts: I) -> Result<BulkInput>
    where
        I: IntoIterator<Item = A>,
        A: Into<NewAccount>,
    {
        let mut problems = Vec::new();
        let mut kept: Vec<NewAccount> = Vec::new();
        let mut positions = Vec::new();
        let mut first_seen: HashMap<EmailKey, usize> = HashMap::new();
        let mut duplicates = Vec::new();
        for (index, account) in accounts.into_iter().map(Into::into).enumerate() {
            let email = as_sent(&account.email).to_string();
            if let Err(reason) = check_email(&email) {
                problems.push(InputProblem { index, reason: reason.to_string() });
                continue;
            }
            if let Some(description) = &account.description
                && description.chars().count() > 4096
            {
                problems.push(InputProblem { index, reason: "the description is longer than 4,096 characters".into() });
                continue;
            }
            match first_seen.entry(EmailKey::of(&email)) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    duplicates.push(Duplicate { index, first: *first.get() })
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(index);
                    positions.push(index);
                    kept.push(NewAccount { email, description: account.description });
                }
            }
        }
        if problems.is_empty() {
            Ok(BulkInput { accounts: kept, positions, duplicates })
        } else {
            Err(Error::InvalidInput(problems))
        }
    }

    /// The accounts to create: trimmed, unique, in input order.
    pub fn accounts(&self) -> &[NewAccount] {
        &self.accounts
    }

    /// The repeats that were dropped.
    pub fn duplicates(&self) -> &[Duplicate] {
        &self.duplicates
    }
}

/// Why an email of the input is not sent: the project has an account for it already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// An account that is not Closed. `exact` is false when its address differs in case only (sending
    /// it would make Waldur create a second account for the student).
    HasAccount {
        /// Whether the account's address is the given one exactly.
        exact: bool,
    },
    /// Only Closed accounts: Waldur's bulk create will not make a new one (it skips any address with
    /// an account, Closed included). The single [`Client::create`] does make one.
    Closed,
}

/// An email of the input that is not sent, and the account that is the reason.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Existing {
    /// 0-based position in the caller's input.
    pub index: usize,
    /// The email, trimmed, as given.
    pub email: String,
    /// Why it is not sent.
    pub reason: SkipReason,
    /// The account that is the reason (an open one, or the latest Closed one).
    pub account: CourseAccount,
}

/// What a bulk create will send, and what it will not because the project has it already: made from
/// a [`Reconciliation`] of the input's emails with the project, so that nothing is sent that Waldur
/// would skip (and never be reported as created) or duplicate. Building one sends nothing.
#[derive(Debug, Clone)]
pub struct BulkPlan {
    project: Uuid,
    to_send: BulkInput,
    existing: Vec<Existing>,
}

impl BulkPlan {
    /// Plans `input` against what `found` says the project holds. `found` should cover every email of
    /// the input; an email it does not list is planned as having no account.
    pub fn new(input: BulkInput, found: &Reconciliation) -> BulkPlan {
        let mut existing = Vec::new();
        let mut to_send = BulkInput { accounts: Vec::new(), positions: Vec::new(), duplicates: input.duplicates };
        for (account, index) in input.accounts.into_iter().zip(input.positions) {
            let skip = found.status(&account.email).and_then(|status| match status.standing() {
                Standing::NoAccount => None,
                Standing::Open { account, exact } => Some((SkipReason::HasAccount { exact }, account.clone())),
                Standing::Closed { account } => Some((SkipReason::Closed, account.clone())),
            });
            match skip {
                Some((reason, found)) => {
                    existing.push(Existing { index, email: account.email, reason, account: found })
                }
                None => {
                    to_send.accounts.push(account);
                    to_send.positions.push(index);
                }
            }
        }
        BulkPlan { project: found.project, to_send, existing }
    }

    /// The project the plan is for.
    pub fn project(&self) -> Uuid {
        self.project
    }

    /// What will be sent: trimmed, unique, in input order.
    pub fn to_send(&self) -> &[NewAccount] {
        self.to_send.accounts()
    }

    /// What will not be sent, because the project has an account for it.
    pub fn existing(&self) -> &[Existing] {
        &self.existing
    }

    /// The repeats of the input that were dropped.
    pub fn duplicates(&self) -> &[Duplicate] {
        self.to_send.duplicates()
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
    /// Input emails not sent because the project has an account for them (see [`SkipReason`]).
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
        let chunks: VecDeque<Vec<NewAccount>> =
            plan.to_send.accounts.chunks(options.chunk_size.max(1)).map(<[NewAccount]>::to_vec).collect();
        let options = options.clone();
        // The state: the chunks left (the front one with the sends it has had), the next chunk's
        // number, and whether an error stopped the run.
        let chunks: VecDeque<(Vec<NewAccount>, u32)> = chunks.into_iter().map(|c| (c, 1)).collect();
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
                            accounts.iter().filter_map(|a| a.email.as_ref().map(|e| EmailKey::of(e))).collect();
                        let not_returned =
                            emails.iter().filter(|e| !returned.contains(&EmailKey::of(e))).cloned().collect();
                        ChunkStatus::Created { accounts, not_returned }
                    }
                    Err(e) if options.busy_wait(&e, tries).is_some() => {
                        let retry_in = options.busy_wait(&e, tries).unwrap_or_default();
                        chunks.push_front((chunk, tries + 1));
                        let busy = ChunkStatus::Busy { error: e, retry_in, next_try: tries + 1 };
                        return Some((
                            ChunkOutcome { number, emails, status: busy },
                            (client, chunks, number, stopped, options),
                        ));
                    }
                    Err(e) => {
                        let status = ChunkStatus::of_error(e);
                        tracing::warn!(chunk = number, emails = emails.len(), status = ?std::mem::discriminant(&status), "bulk create chunk not plainly created");
                        status
                    }
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
            let invalid = |field: &'static str, e: &dyn std::fmt::Display| {
                Error::InvalidRequest(RequestProblem::Field { field, constraint: e.to_string() })
            };
            items.push(CourseAccountCreateNestedRequest {
                email: Some(
                    CourseAccountCreateNestedRequestEmail::try_from(a.email.as_str())
                        .map_err(|e| invalid("email", &e))?,
                ),
                description: a
                    .description
                    .as_deref()
                    .map(CourseAccountCreateNestedRequestDescription::try_from)
                    .transpose()
                    .map_err(|e| invalid("description", &e))?,
            });
        }
        let body = generated::types::CourseAccountsBulkCreateRequest { course_accounts: items, project };
        let call = self.call();
        let sent = call.raw().marketplace_course_accounts_create_bulk().body(body).send().await;
        Ok(call.reply(sent).await?.value)
    }
}
