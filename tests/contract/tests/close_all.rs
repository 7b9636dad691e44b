//! `Client::close_all` against the stateful stand-in: several pages of accounts, closed from a
//! snapshot with bounded concurrency, one truthful outcome per account, and the server's data and
//! request log to prove it. Also why a snapshot is needed: closing while walking pages skips accounts.

use futures::TryStreamExt;
use waldur_course_accounts::{Client, CloseStatus, CourseAccountState, Filter, Token};
use waldur_course_accounts_testkit::standin::{State, seed};
use waldur_course_accounts_testkit::{Flavour, StandIn, Waldur};

fn states(waldur: &StandIn, project: uuid::Uuid) -> Vec<State> {
    waldur.with_state(|w| {
        let i = w.projects.iter().position(|p| p.uuid == project).unwrap();
        w.accounts.iter().filter(|a| a.project == i).map(|a| a.state).collect()
    })
}

#[tokio::test]
async fn close_all_closes_every_matching_account_across_pages_and_reports_each() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 900)).await.unwrap();
    let project = seed::course_project();
    // A few accounts the server will refuse to close (Pending: only OK and Erred can be closed).
    waldur.with_state(|w| {
        for a in w.accounts.iter_mut().filter(|a| a.project == 0 && a.state == State::Ok).take(3) {
            a.state = State::Pending;
        }
    });
    let before = states(&waldur, project);
    let count = |s: State| before.iter().filter(|x| **x == s).count();
    let (ok, erred, closed, pending) =
        (count(State::Ok), count(State::Erred), count(State::Closed), count(State::Pending));
    assert!(before.len() > 600, "more than two pages of 300: {}", before.len());

    let client = Client::new(&waldur.base_url(), Token::new(waldur.token())).unwrap();
    let report = client.close_all(Filter::new().project(project), 8).await.unwrap();

    assert_eq!(report.accounts.len(), before.len(), "every account of the snapshot has an outcome");
    assert_eq!(report.counts(), (ok + erred, closed, pending, 0));
    for outcome in &report.accounts {
        match (&outcome.status, &outcome.state_before) {
            (CloseStatus::Refused(e), CourseAccountState::Pending) => {
                assert_eq!(e.status().map(|s| s.as_u16()), Some(409), "{e}")
            }
            (CloseStatus::Closed, s) => assert!(matches!(s, CourseAccountState::Ok | CourseAccountState::Erred)),
            (CloseStatus::AlreadyClosed, CourseAccountState::Closed) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let after = states(&waldur, project);
    assert_eq!(after.iter().filter(|s| **s == State::Closed).count(), ok + erred + closed);
    assert_eq!(after.iter().filter(|s| **s == State::Pending).count(), pending);
    // Closed accounts of the snapshot cost no request; the rest exactly one DELETE each.
    let deletes = waldur.requests().iter().filter(|r| r.method == "DELETE").count();
    assert_eq!(deletes, ok + erred + pending);
    assert!(!report.all_closed());
}

/// What close_all avoids: deleting while walking the OK accounts page by page. Each close removes an
/// account from the filtered list, page 2 then starts further on, and accounts are skipped.
#[tokio::test]
async fn closing_while_walking_pages_skips_accounts() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 60)).await.unwrap();
    let client = Client::new(&waldur.base_url(), Token::new(waldur.token())).unwrap();
    let filter = Filter::new().project(seed::course_project()).state(CourseAccountState::Ok);
    let open_before = client.count(&filter).await.unwrap();
    let mut page = 1;
    loop {
        let listed = match client.list_page(&filter, page, 10).await {
            Ok(listed) => listed,
            Err(_) => break, // the page is gone: the list shrank under the walk
        };
        for account in &listed.items {
            client.delete(account.uuid).await.unwrap();
        }
        if listed.next.is_none() {
            break;
        }
        page += 1;
    }
    let left = client.count(&filter).await.unwrap();
    assert!(left > 0, "the naive walk closed all {open_before}; the pitfall did not show");
    let report = client.close_all(filter.clone(), 4).await.unwrap();
    assert_eq!(report.counts().0 as u64, left);
    assert_eq!(client.count(&filter).await.unwrap(), 0);
    let listed: Vec<_> = client.list(filter).try_collect().await.unwrap();
    assert!(listed.is_empty());
}
