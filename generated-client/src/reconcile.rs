//! What the server holds for a list of emails in one project: which have an account, in which
//! state, and which accounts of the project are on no list. The answer to "what did that interrupted
//! or uncertain bulk create do?", and the first step of resuming one.

use std::collections::HashMap;

use futures::TryStreamExt;
use uuid::Uuid;

use crate::client::Client;
use crate::error::Result;
use crate::filter::Filter;
use crate::generated::types::CourseAccount;

/// One email of the list and the project's accounts for it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EmailStatus {
    /// The email as given, trimmed.
    pub email: String,
    /// The project's accounts with this email (compared without case), in the server's order: none,
    /// one, or several when earlier ones were closed.
    pub accounts: Vec<CourseAccount>,
}

impl EmailStatus {
    /// True when the email has an account that is not Closed (OK, Erred, Pending or a newer state):
    /// creating it again would be refused or duplicated.
    pub fn has_open_account(&self) -> bool {
        self.open_account().is_some()
    }

    /// The first of the email's accounts that is not Closed, if any.
    pub fn open_account(&self) -> Option<&CourseAccount> {
        self.accounts.iter().find(|a| a.state != crate::CourseAccountState::Closed)
    }
}

/// The list against the project.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Reconciliation {
    /// Every distinct email given (repeats ignoring case are merged), in input order.
    pub emails: Vec<EmailStatus>,
    /// Accounts of the project whose email is not on the list (or that have none).
    pub not_listed: Vec<CourseAccount>,
}

impl Reconciliation {
    /// Emails with no account, or only Closed ones: what a resumed run still has to create.
    pub fn missing(&self) -> impl Iterator<Item = &str> {
        self.emails.iter().filter(|e| !e.has_open_account()).map(|e| e.email.as_str())
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
        let mut result = Reconciliation::default();
        let mut position: HashMap<String, usize> = HashMap::new();
        for email in emails {
            let email = email.as_ref().trim();
            let key = email.to_lowercase();
            if let std::collections::hash_map::Entry::Vacant(slot) = position.entry(key) {
                slot.insert(result.emails.len());
                result.emails.push(EmailStatus { email: email.to_string(), accounts: Vec::new() });
            }
        }
        let mut accounts = self.list(Filter::new().project(project));
        while let Some(account) = accounts.try_next().await? {
            let key = account.email.as_ref().map(|e| e.trim().to_lowercase());
            match key.and_then(|k| position.get(&k)) {
                Some(&i) => result.emails[i].accounts.push(account),
                None => result.not_listed.push(account),
            }
        }
        Ok(result)
    }
}
