//! What the server holds for a list of emails in one project: which have an account, in which
//! state, and which accounts of the project are on no list. The answer to "what did that interrupted
//! or uncertain bulk create do?", the first step of resuming one, and what a bulk plan is made from.

use std::collections::HashMap;

use futures::TryStreamExt;
use uuid::Uuid;

use crate::client::Client;
use crate::email::{EmailKey, as_sent};
use crate::error::Result;
use crate::filter::Filter;
use crate::generated::types::CourseAccount;

/// One email of the list and the project's accounts for it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EmailStatus {
    /// The email as given, trimmed.
    pub email: String,
    /// The project's accounts with this email (the same [`EmailKey`]), in the server's order: none,
    /// one, or several when earlier ones were closed or an address was given in two spellings.
    pub accounts: Vec<CourseAccount>,
}

/// Where an email stands in the project, and so what a bulk create of it would do. Exhaustive on
/// purpose: a new standing must make every caller decide what it means.
#[derive(Debug, Clone, Copy)]
pub enum Standing<'a> {
    /// No account under this email's key: a bulk create makes one.
    NoAccount,
    /// An account that is not Closed (OK, Erred, Pending or a newer state). `exact` is false when its
    /// address differs from the given one in case only: Waldur's bulk create, which compares exactly,
    /// would make a second account, so the client does not send it.
    Open {
        /// The open account (one with the exact address if there is one, else the first).
        account: &'a CourseAccount,
        /// Whether its address is the given one exactly.
        exact: bool,
    },
    /// Only Closed accounts. Waldur's bulk create skips an address that has an account in any state
    /// (`CourseAccountViewSet.create_bulk`), so it will not make a new one; the single
    /// [`Client::create`] does.
    Closed {
        /// The most recent closed account (the last, in the server's order).
        account: &'a CourseAccount,
    },
}

impl EmailStatus {
    /// Where the email stands (see [`Standing`]).
    pub fn standing(&self) -> Standing<'_> {
        let exact = |a: &CourseAccount| a.email.as_ref().is_some_and(|e| as_sent(e) == self.email);
        let mut open = self.open_accounts();
        if let Some(account) = open.clone().find(|a| exact(a)) {
            return Standing::Open { account, exact: true };
        }
        if let Some(account) = open.next() {
            return Standing::Open { account, exact: false };
        }
        match self.accounts.last() {
            Some(account) => Standing::Closed { account },
            None => Standing::NoAccount,
        }
    }

    /// True when the email has an account that is not Closed (OK, Erred, Pending or a newer state):
    /// creating it again would be refused or duplicated.
    pub fn has_open_account(&self) -> bool {
        self.open_account().is_some()
    }

    /// The first of the email's accounts that is not Closed, if any.
    pub fn open_account(&self) -> Option<&CourseAccount> {
        self.open_accounts().next()
    }

    /// Every one of the email's accounts that is not Closed, in the server's order.
    pub fn open_accounts(&self) -> impl Iterator<Item = &CourseAccount> + Clone {
        self.accounts.iter().filter(|a| a.state != crate::CourseAccountState::Closed)
    }

    /// True when the student has more than one open account (see [`Reconciliation::several_open`]).
    pub(crate) fn has_several_open(&self) -> bool {
        self.open_accounts().nth(1).is_some()
    }
}

/// The list against the project.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Reconciliation {
    /// The project that was read.
    pub project: Uuid,
    /// Every distinct email given (repeats under one [`EmailKey`] are merged), in input order.
    pub emails: Vec<EmailStatus>,
    /// Accounts of the project whose email is not on the list (or that have none).
    pub not_listed: Vec<CourseAccount>,
    /// The position in `emails` of each key, so that a plan looks each email up once.
    pub(crate) index: HashMap<EmailKey, usize>,
}

impl Reconciliation {
    /// Emails with no account at all: what a bulk create still makes. (An email with only Closed
    /// accounts is not among them: Waldur's bulk create skips it; see [`Standing::Closed`].)
    pub fn missing(&self) -> impl Iterator<Item = &str> {
        self.emails.iter().filter(|e| matches!(e.standing(), Standing::NoAccount)).map(|e| e.email.as_str())
    }

    /// Emails whose accounts are all Closed.
    pub fn closed_only(&self) -> impl Iterator<Item = &str> {
        self.emails.iter().filter(|e| matches!(e.standing(), Standing::Closed { .. })).map(|e| e.email.as_str())
    }

    /// Emails with more than one open account: one student with two logins (two runs at once against a
    /// server that skips nothing, such as 7.8.7, or two spellings created one by one).
    pub fn several_open(&self) -> impl Iterator<Item = &EmailStatus> {
        self.emails.iter().filter(|e| e.has_several_open())
    }

    /// The entry for `email` (by its [`EmailKey`]), if it was on the list.
    pub fn status(&self, email: &str) -> Option<&EmailStatus> {
        self.index.get(&EmailKey::of(email)).map(|&i| &self.emails[i])
    }
}

/// Reconciling a list of emails with a project.
impl Client {
    /// Lists the project's accounts (every page, one walk) and classifies each email: has an account,
    /// in which state, or has none. Reads only; safe to repeat.
    pub async fn reconcile<I, S>(&self, project: Uuid, emails: I) -> Result<Reconciliation>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut result = Reconciliation { project, ..Reconciliation::default() };
        let mut position: HashMap<EmailKey, usize> = HashMap::new();
        for email in emails {
            let email = as_sent(email.as_ref());
            if let std::collections::hash_map::Entry::Vacant(slot) = position.entry(EmailKey::of(email)) {
                slot.insert(result.emails.len());
                result.emails.push(EmailStatus { email: email.to_string(), accounts: Vec::new() });
            }
        }
        let mut accounts = self.list(Filter::new().project(project));
        while let Some(account) = accounts.try_next().await? {
            let key = account.email().map(EmailKey::of);
            match key.and_then(|k| position.get(&k)) {
                Some(&i) => result.emails[i].accounts.push(account),
                None => result.not_listed.push(account),
            }
        }
        result.index = position;
        Ok(result)
    }
}
