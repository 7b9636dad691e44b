//! The course service behind Pending accounts: how a Pending row becomes OK or Erred.
//!
//! The rule, as Waldur 8.x has it (waldur-mastermind `marketplace/views.py` `CourseAccountViewSet`
//! `create_bulk` and `retry`, `marketplace/tasks.py` `create_course_account_task`, read at f5d6474f,
//! and `marketplace/utils.py` `create_course_account`):
//!
//! - `create_bulk` saves each new row Pending and queues one `create_course_account_task` per row;
//!   `retry` (Erred only) clears `error_message` and `error_traceback`, saves the row Pending and
//!   queues the task again.
//! - The task asks the course service for a temporary account. With the setting
//!   `WALDUR_CORE["COURSE_ACCOUNT_USE_API"]` off, `create_course_account` returns nothing and the task
//!   returns early: the row stays Pending for good (nothing queues it again but a retry, and retry
//!   takes Erred rows only).
//! - On success the task gets or creates the User named by the service's `tempAccount.username` and
//!   saves the row OK with that user (`user_uuid` and `username` appear).
//! - On any exception it saves `error_message` (the service's error details, or the exception's
//!   text) and state Erred, with no user and no `error_traceback`. The task is no Celery retry: the
//!   row stays Erred until someone calls `retry`.
//! - Both saves name their fields (`update_fields=["user", "state"]`, `["error_message", "state"]`),
//!   so `modified` is not written: it keeps the value the request that queued the task gave it.
//!
//! The stand-in runs no background worker. Each queued row carries the [`Instant`] its answer is due
//! (`now + delay` when it was queued); at the start of every request (`routes::settle`, the router's
//! outermost layer, so [`Waldur::handle`] and [`crate::StandIn`] both pass through it) every row whose
//! time has come is settled, in queue order (due time, then the order queued): a peek at a heap when
//! nothing is due, whatever the number of accounts. Whether an attempt fails is decided by a hash of
//! (seed, account uuid, attempt number), so a run is reproducible and a retried row, on its next
//! attempt, may succeed.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::{State, Waldur, seed};

/// What the course service behind Pending rows does. [`Provisioning::off`] is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provisioning {
    /// `WALDUR_CORE["COURSE_ACCOUNT_USE_API"]`: off, the task returns early and a Pending row stays
    /// Pending for good.
    pub service_on: bool,
    /// How long after a row becomes Pending the service's answer is applied.
    pub delay: Duration,
    /// Of every 1000 attempts, about how many the service refuses (the row becomes Erred); 0 none,
    /// 1000 (or more) all.
    pub erred_per_mille: u16,
    /// Which attempts fail: the same seed fails the same (account, attempt) pairs.
    pub seed: u64,
}

impl Provisioning {
    /// The service is off: Pending rows stay Pending for good (the stand-in's behaviour before
    /// provisioning existed, and the default).
    pub fn off() -> Provisioning {
        Provisioning { service_on: false, delay: Duration::ZERO, erred_per_mille: 0, seed: 0 }
    }

    /// The service is on: each Pending row is settled `delay` after it became Pending, Erred for
    /// about `erred_per_mille` of every 1000 attempts (chosen by `seed`), OK with a user otherwise.
    pub fn on(delay: Duration, erred_per_mille: u16, seed: u64) -> Provisioning {
        Provisioning { service_on: true, delay, erred_per_mille, seed }
    }
}

impl Default for Provisioning {
    fn default() -> Provisioning {
        Provisioning::off()
    }
}

/// The text a refused attempt leaves in `error_message`: what the task saves from the course
/// service's error details.
pub const REFUSED: &str = "Unable to create temporary account: the course service answered 500";

/// The tasks Waldur's worker has not run yet.
#[derive(Debug, Default)]
pub(super) struct Queue {
    tasks: BinaryHeap<Reverse<Task>>,
    queued: u64,
    /// Attempts made so far per account: a retry's task is the next attempt.
    attempts: HashMap<Uuid, u32>,
}

/// One queued `create_course_account_task`. Ordered by due time, then by the order queued.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Task {
    due: Instant,
    order: u64,
    /// The row's index in [`Waldur::accounts`] when queued (checked against `uuid` when run).
    account: usize,
    uuid: Uuid,
    attempt: u32,
}

impl Waldur {
    /// A row has just become Pending (create_bulk on 8.1, retry): with the service on, its task is
    /// queued to be answered `delay` from now; with it off, the task returns at once and the row
    /// stays Pending.
    pub(super) fn queue_provisioning(&mut self, account: usize) {
        if !self.provisioning.service_on {
            return;
        }
        let uuid = self.accounts[account].uuid;
        let attempt = self.queue.attempts.entry(uuid).or_default();
        *attempt += 1;
        let task = Task {
            due: Instant::now() + self.provisioning.delay,
            order: self.queue.queued,
            account,
            uuid,
            attempt: *attempt,
        };
        self.queue.queued += 1;
        self.queue.tasks.push(Reverse(task));
    }

    /// Runs every queued task due by `now`, in queue order. Called at the start of every request.
    pub(super) fn settle_due(&mut self, now: Instant) {
        while let Some(Reverse(task)) = self.queue.tasks.peek() {
            if task.due > now {
                break;
            }
            let Some(Reverse(task)) = self.queue.tasks.pop() else { break };
            self.settle(&task);
        }
    }

    /// Runs every queued task now, due or not, in queue order: for tests that do not want to wait.
    pub fn settle_all_now(&mut self) {
        while let Some(Reverse(task)) = self.queue.tasks.pop() {
            self.settle(&task);
        }
    }

    /// How many tasks are queued and not yet run (0 with the service off).
    pub fn pending_queue_len(&self) -> usize {
        self.queue.tasks.len()
    }

    /// One task's answer. A row a test has removed or moved out of Pending meanwhile is left alone.
    fn settle(&mut self, task: &Task) {
        let index = match self.accounts.get(task.account) {
            Some(a) if a.uuid == task.uuid => task.account,
            _ => match self.accounts.iter().position(|a| a.uuid == task.uuid) {
                Some(i) => i,
                None => return,
            },
        };
        let p = self.provisioning;
        let erred = refused(p.seed, task.uuid, task.attempt, p.erred_per_mille);
        let account = &mut self.accounts[index];
        if account.state != State::Pending {
            return;
        }
        if erred {
            account.state = State::Erred;
            account.error_message = REFUSED.to_string();
        } else {
            // The service's username, as `add` names a provisioned row; the same number makes the
            // same user (get_or_create by username).
            let (user_uuid, username) = seed::user(seed::number(account.uuid));
            account.state = State::Ok;
            account.user_uuid = Some(user_uuid);
            account.username = Some(username);
        }
    }
}

/// Whether the service refuses this attempt: a hash of (seed, account, attempt) below `per_mille`
/// of 1000. splitmix64's mixing, so the answer is the same on every platform and Rust release.
fn refused(seed: u64, account: Uuid, attempt: u32, per_mille: u16) -> bool {
    fn mix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    let id = account.as_u128();
    let h = mix(mix(mix(mix(seed) ^ (id >> 64) as u64) ^ id as u64) ^ u64::from(attempt));
    h % 1000 < u64::from(per_mille)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_refused_follows_per_mille() {
        let refused_of = |per_mille| (0..10_000u64).filter(|n| refused(7, seed::id(2, *n), 1, per_mille)).count();
        assert_eq!(refused_of(0), 0);
        assert_eq!(refused_of(1000), 10_000);
        let tenth = refused_of(100);
        assert!((800..1200).contains(&tenth), "{tenth} of 10,000 at 100 per mille");
    }

    #[test]
    fn attempts_and_seeds_decide_independently() {
        let a = seed::id(2, 1);
        let by_attempt: Vec<bool> = (1..=64).map(|t| refused(1, a, t, 500)).collect();
        assert!(by_attempt.contains(&true) && by_attempt.contains(&false), "{by_attempt:?}");
        let by_seed: Vec<bool> = (0..64).map(|s| refused(s, a, 1, 500)).collect();
        assert!(by_seed.contains(&true) && by_seed.contains(&false), "{by_seed:?}");
    }
}
