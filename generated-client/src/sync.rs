//! Making a project match a roster, as a plan first: who gets an account, whose account is closed, who
//! is left as they are. The rules are documented on the public items (what docs.rs shows).

use crate::generated::types::CourseAccount;
use crate::reconcile::{Reconciliation, Standing};
use crate::state::CourseAccountState;

/// Making a project match a roster, as a plan first: who gets an account, whose account is closed,
/// who is left as they are. [`SyncPlan`] only decides (from a [`Reconciliation`], one complete read
/// of the project); the caller shows it, asks, and then applies it: the creates through the bulk path
/// ([`crate::BulkPlan`]), re-admissions through the single create, the closes through
/// [`Client::close_each`](crate::Client::close_each).
///
/// Its rules, each one a promise to the admin:
/// - a student on the roster is never closed, under whichever spelling the roster and the account
///   use ([`crate::EmailKey`]: the reconciliation matched them by key);
/// - a student with only Closed accounts is re-admitted (a new account, through the single create,
///   which Waldur allows, since bulk create skips every address with an account) only when asked;
/// - an open account (OK or Erred) whose student is on no roster line is closed; a Pending one cannot
///   be closed yet (Waldur allows closing in OK or Erred only) and is reported; an account without an
///   address is left alone (nothing says whose it is);
/// - a roster student with more than one open account is reported, and none of them closed: which
///   one the student uses is for the admin to say.
///
/// What a sync will do.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SyncPlan {
    /// Roster emails with no account at all: created through the bulk path.
    pub to_create: Vec<String>,
    /// Roster emails with only Closed accounts, when re-admitting: one new account each.
    pub to_readmit: Vec<String>,
    /// Roster emails with only Closed accounts, when not re-admitting: left closed.
    pub closed_only: Vec<String>,
    /// Open accounts (OK or Erred) of students on no roster line: closed.
    pub to_close: Vec<CourseAccount>,
    /// Pending accounts of students on no roster line: they cannot be closed until provisioned.
    pub pending_not_on_roster: Vec<CourseAccount>,
    /// Accounts of the project without an address: left alone.
    pub without_address: Vec<CourseAccount>,
    /// Roster emails whose student has more than one open account: reported, none closed.
    pub several_open: Vec<String>,
    /// Roster emails with an open account: nothing to do.
    pub unchanged: Vec<String>,
}

impl SyncPlan {
    /// The plan for the reconciliation of a roster with its project.
    pub fn new(found: &Reconciliation, readmit_closed: bool) -> SyncPlan {
        let mut plan = SyncPlan::default();
        for status in &found.emails {
            match status.standing() {
                Standing::NoAccount => plan.to_create.push(status.email.clone()),
                Standing::Closed { .. } if readmit_closed => plan.to_readmit.push(status.email.clone()),
                Standing::Closed { .. } => plan.closed_only.push(status.email.clone()),
                Standing::Open { .. } => {
                    if status.has_several_open() {
                        plan.several_open.push(status.email.clone());
                    }
                    plan.unchanged.push(status.email.clone());
                }
            }
        }
        for account in &found.not_listed {
            match account.state {
                _ if account.email.is_none() => plan.without_address.push(account.clone()),
                CourseAccountState::Ok | CourseAccountState::Erred => plan.to_close.push(account.clone()),
                CourseAccountState::Pending => plan.pending_not_on_roster.push(account.clone()),
                // Closed, or a state a newer server has: not open as far as this client knows.
                _ => {}
            }
        }
        plan
    }

    /// True when applying the plan would change nothing.
    pub fn is_empty(&self) -> bool {
        self.to_create.is_empty() && self.to_readmit.is_empty() && self.to_close.is_empty()
    }
}
