//! The data `waldur-mock` serves by default (`contract_tests::mock::from_recordings` and the term),
//! which `.ci/run` and Waldur's Python client check point at fixed accounts of the recordings.

use chrono::NaiveDate;
use contract_tests::mock::from_recordings;
use contract_tests::recording;
use waldur_course_accounts_testkit::standin::{State, seed};
use waldur_course_accounts_testkit::{Flavour, Provisioning};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
}

/// What `waldur-mock` serves by default: the recordings' accounts unchanged (`.ci/run` closes
/// `…0001`, deletes `…001b`, retries `…0007`; the Python client check expects `…001b` OK and `…0007`
/// Erred in the course project), the term after them, and no account without a user (the Python
/// client cannot decode one).
#[test]
fn the_mocks_data_keeps_the_recorded_accounts_and_adds_the_term() {
    let scenarios = recording::load_all(&contract_tests::recordings_dir()).unwrap();
    for flavour in [Flavour::V8_1, Flavour::V7_8_7] {
        let recorded = from_recordings(flavour, &scenarios).unwrap();
        let mut w = from_recordings(flavour, &scenarios).unwrap();
        w.provisioning = Provisioning::on(std::time::Duration::from_secs(3), 100, 1);
        w.add_term(today(), false);
        assert_eq!(w.accounts.len(), recorded.accounts.len() + 144);
        for (a, b) in recorded.accounts.iter().zip(&w.accounts) {
            assert_eq!((a.uuid, a.state, a.project, &a.email), (b.uuid, b.state, b.project, &b.email));
        }
        let state_of = |n: u64| w.accounts.iter().find(|a| a.uuid == seed::id(2, n)).map(|a| (a.state, a.project));
        assert_eq!(state_of(0x1), Some((State::Ok, 0)));
        assert_eq!(state_of(0x1b), Some((State::Ok, 0)));
        assert_eq!(state_of(0x7), Some((State::Erred, 0)));
        let term = &w.accounts[recorded.accounts.len()..];
        assert!(term.iter().all(|a| a.project != 0), "the course project .ci/run imports into is left alone");
        assert!(w.accounts.iter().all(|a| a.user_uuid.is_some() && a.state != State::Pending));
        assert_eq!(w.pending_queue_len(), 0);
    }
}
