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

use std::collections::HashMap;

use uuid::Uuid;

mod send;

pub use send::{BulkOptions, BulkOutcome, ChunkOutcome, ChunkStatus};

use crate::email::{EmailKey, as_sent, check_email};
use crate::error::{Error, InputProblem, Result};
use crate::generated::types::CourseAccount;
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
    /// an account, Closed included). The single [`Client::create`](crate::Client::create) does make one.
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
