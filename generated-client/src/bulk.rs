//! Bulk creation of any number of accounts: split into server-friendly chunks, one create_bulk request
//! each, with an outcome per chunk so that a failure midway says exactly which emails have accounts.

use reqwest::Method;
use uuid::Uuid;

use crate::client::{Client, LIST_PATH};
use crate::error::{Error, Result};
use crate::generated::{self, types::CourseAccount};
use crate::response;

/// Emails per create_bulk request by default: the server creates each account synchronously through
/// the course service, so one request with thousands of rows risks proxy timeouts.
pub const DEFAULT_CHUNK_SIZE: usize = 100;

/// One account to create in bulk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// The student's email; the server validates it.
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
pub struct BulkOptions {
    /// Emails per request (at least 1).
    pub chunk_size: usize,
    /// Stop at the first failed chunk (the rest is reported as not attempted); default true.
    pub stop_on_error: bool,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions { chunk_size: DEFAULT_CHUNK_SIZE, stop_on_error: true }
    }
}

/// What happened to one chunk.
#[derive(Debug)]
pub enum ChunkStatus {
    /// The server answered with these accounts. `not_returned` lists the emails of the chunk that are
    /// not among them: newer servers skip duplicates and emails already in the project.
    Created {
        /// The accounts the server returned.
        accounts: Vec<CourseAccount>,
        /// Emails of the chunk the server returned no account for.
        not_returned: Vec<String>,
    },
    /// The request failed. If [`Error::is_outcome_unknown`], the server may have created some of them.
    Failed(Error),
    /// Not sent, because an earlier chunk failed and `stop_on_error` is set.
    NotAttempted,
}

/// One chunk: its emails, in input order, and its status.
#[derive(Debug)]
pub struct ChunkOutcome {
    /// The chunk's emails, in input order.
    pub emails: Vec<String>,
    /// What happened to them.
    pub status: ChunkStatus,
}

/// The outcome of a bulk create, chunk by chunk, covering every email given.
#[derive(Debug, Default)]
pub struct BulkOutcome {
    /// Every chunk, in input order; together they hold every email given.
    pub chunks: Vec<ChunkOutcome>,
}

impl BulkOutcome {
    /// Every account the server returned.
    pub fn created(&self) -> impl Iterator<Item = &CourseAccount> {
        self.chunks.iter().flat_map(|c| match &c.status {
            ChunkStatus::Created { accounts, .. } => accounts.as_slice(),
            _ => &[],
        })
    }

    /// Emails of chunks that failed (check [`BulkOutcome::uncertain_emails`] for those that may exist).
    pub fn failed_emails(&self) -> impl Iterator<Item = &str> {
        self.emails_where(|s| matches!(s, ChunkStatus::Failed(_)))
    }

    /// Emails of failed chunks whose outcome is unknown (timeout or broken connection after sending).
    pub fn uncertain_emails(&self) -> impl Iterator<Item = &str> {
        self.emails_where(|s| matches!(s, ChunkStatus::Failed(e) if e.is_outcome_unknown()))
    }

    /// Emails never sent.
    pub fn not_attempted_emails(&self) -> impl Iterator<Item = &str> {
        self.emails_where(|s| matches!(s, ChunkStatus::NotAttempted))
    }

    /// Emails the server accepted but did not return an account for (skipped as duplicates).
    pub fn not_returned_emails(&self) -> impl Iterator<Item = &str> {
        self.chunks.iter().flat_map(|c| match &c.status {
            ChunkStatus::Created { not_returned, .. } => not_returned.iter().map(String::as_str).collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    }

    /// The errors of failed chunks.
    pub fn errors(&self) -> impl Iterator<Item = &Error> {
        self.chunks.iter().filter_map(|c| match &c.status {
            ChunkStatus::Failed(e) => Some(e),
            _ => None,
        })
    }

    /// True when every chunk was created.
    pub fn is_complete(&self) -> bool {
        self.chunks.iter().all(|c| matches!(c.status, ChunkStatus::Created { .. }))
    }

    fn emails_where(&self, pick: impl Fn(&ChunkStatus) -> bool) -> impl Iterator<Item = &str> {
        self.chunks.iter().filter(move |c| pick(&c.status)).flat_map(|c| c.emails.iter().map(String::as_str))
    }
}

/// Bulk creation.
impl Client {
    /// Creates accounts for any number of emails, in chunks; the outcome says, per chunk, what was
    /// created, what failed and what was not attempted. Never retried automatically.
    pub async fn create_bulk<I, A>(&self, project: Uuid, accounts: I, options: &BulkOptions) -> BulkOutcome
    where
        I: IntoIterator<Item = A>,
        A: Into<NewAccount>,
    {
        run(self, project, accounts.into_iter().map(Into::into).collect(), options).await
    }

    /// One create_bulk request: the accounts the server returned.
    async fn create_bulk_chunk(&self, project: Uuid, accounts: &[NewAccount]) -> Result<Vec<CourseAccount>> {
        use generated::types::{
            CourseAccountCreateNestedRequest, CourseAccountCreateNestedRequestDescription,
            CourseAccountCreateNestedRequestEmail,
        };
        let mut items = Vec::with_capacity(accounts.len());
        for a in accounts {
            let invalid = |e: &dyn std::fmt::Display| Error::InvalidRequest(format!("{}: {e}", a.email));
            items.push(CourseAccountCreateNestedRequest {
                email: Some(
                    CourseAccountCreateNestedRequestEmail::try_from(a.email.as_str()).map_err(|e| invalid(&e))?,
                ),
                description: a
                    .description
                    .as_deref()
                    .map(CourseAccountCreateNestedRequestDescription::try_from)
                    .transpose()
                    .map_err(|e| invalid(&e))?,
            });
        }
        let body = generated::types::CourseAccountsBulkCreateRequest { course_accounts: items, project };
        let info =
            self.info("marketplace_course_accounts_create_bulk", Method::POST, format!("{LIST_PATH}create_bulk/"));
        let result = self.raw().marketplace_course_accounts_create_bulk().body(body).send().await;
        Ok(response::from_generated(info, result).await?.value)
    }
}

async fn run(client: &Client, project: Uuid, accounts: Vec<NewAccount>, options: &BulkOptions) -> BulkOutcome {
    let mut outcome = BulkOutcome::default();
    let mut stopped = false;
    for chunk in accounts.chunks(options.chunk_size.max(1)) {
        let emails: Vec<String> = chunk.iter().map(|a| a.email.clone()).collect();
        if stopped {
            outcome.chunks.push(ChunkOutcome { emails, status: ChunkStatus::NotAttempted });
            continue;
        }
        let status = match client.create_bulk_chunk(project, chunk).await {
            Ok(accounts) => {
                let returned: Vec<String> =
                    accounts.iter().filter_map(|a| a.email.as_ref().map(|e| e.to_string().to_lowercase())).collect();
                let not_returned = emails.iter().filter(|e| !returned.contains(&e.to_lowercase())).cloned().collect();
                ChunkStatus::Created { accounts, not_returned }
            }
            Err(e) => {
                stopped = options.stop_on_error;
                tracing::warn!(error = %e, emails = emails.len(), "bulk create chunk failed");
                ChunkStatus::Failed(e)
            }
        };
        outcome.chunks.push(ChunkOutcome { emails, status });
    }
    outcome
}
