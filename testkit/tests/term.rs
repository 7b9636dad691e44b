//! The term (`Waldur::term`, `Waldur::add_term`): several courses dated around a day, seen through
//! the list's filters as a client sees them. (The data `waldur-mock` serves, the recordings' accounts
//! and a term, is checked in contract-tests' `tests/mock.rs`.)

use chrono::NaiveDate;
use serde_json::Value;
use waldur_course_accounts_testkit::http::HttpRequest;
use waldur_course_accounts_testkit::standin::{LIST_PATH, State, seed};
use waldur_course_accounts_testkit::{Flavour, Provisioning, Waldur};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
}

/// Every account a list with `query` finds (one page of 300 is enough here).
fn listed(w: &mut Waldur, query: &str) -> Vec<Value> {
    let request = HttpRequest {
        method: "GET".into(),
        path: LIST_PATH.into(),
        query: Some(format!("page_size=300&{query}")),
        headers: vec![("authorization".into(), format!("Token {}", seed::TOKEN))],
        body: Default::default(),
    };
    let r = w.handle(&request);
    assert_eq!(r.status, 200);
    serde_json::from_slice::<Value>(&r.body).unwrap().as_array().unwrap().clone()
}

fn names(accounts: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = accounts.iter().map(|a| a["project_name"].as_str().unwrap().to_string()).collect();
    names.dedup();
    names
}

#[test]
fn the_term_has_ended_ending_and_running_courses_around_today() {
    let mut w = Waldur::term(Flavour::V8_1, today());
    let courses: Vec<_> = w.projects[4..].iter().map(|p| (p.uuid, p.name.clone(), p.end.unwrap())).collect();
    let uuids: Vec<_> = (5..=10).map(|n| seed::id(1, n)).collect();
    assert_eq!(courses.iter().map(|c| c.0).collect::<Vec<_>>(), uuids);
    let day = |d: i64| today() + chrono::Duration::days(d);
    assert_eq!(
        courses.iter().map(|c| c.2).collect::<Vec<_>>(),
        [day(-75), day(-40), day(-1), day(0), day(75), day(110)]
    );
    assert_eq!(courses[0].1, "Intro to HPC — spring");

    // Ended means an end date before today: the filter is inclusive, so up to yesterday.
    let ended = listed(&mut w, &format!("project_end_date_before={}&o=project_end_date", day(-1)));
    assert_eq!(names(&ended), ["Intro to HPC — spring", "Parallel Programming with MPI", "GPU Computing Workshop"]);
    let from_today = listed(&mut w, &format!("project_end_date_after={}&o=project_end_date", today()));
    assert_eq!(
        names(&from_today),
        ["Data Analysis with Python", "Machine Learning on Clusters", "Linux Shell for Scientists"]
    );

    for (i, (uuid, name, _)) in courses.iter().enumerate() {
        let rows = listed(&mut w, &format!("project_uuid={uuid}"));
        assert!((10..=40).contains(&rows.len()), "{name}: {}", rows.len());
        let count = |s: &str| rows.iter().filter(|a| a["state"] == s).count();
        assert!(count("OK") * 2 > rows.len() - count("Pending"), "{name}: mostly OK");
        assert!(count("Closed") > 0 && count("Erred") > 0, "{name}");
        assert_eq!(count("Pending"), if i == 4 { 8 } else { 0 }, "{name}");
    }
    let undated = listed(&mut w, &format!("project_uuid={}", seed::project_without_end_date()));
    assert_eq!(undated.len(), 4);
    assert!(undated.iter().all(|a| a["state"] == "OK"));

    let emails: Vec<&str> = w.accounts.iter().map(|a| a.email.as_str()).collect();
    assert_eq!(emails.len(), 144);
    let mut unique = emails.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), emails.len(), "each student once");
    for e in emails {
        let (local, domain) = e.split_once('@').unwrap();
        assert!(domain == "uni.example" && local.split('.').count() == 2 && e.is_ascii(), "{e}");
    }
}

#[test]
fn the_term_on_7_8_7_has_no_pending_rows() {
    let w = Waldur::term(Flavour::V7_8_7, today());
    assert_eq!(w.accounts.len(), 144);
    assert!(w.accounts.iter().all(|a| a.state != State::Pending));
}

#[test]
fn the_terms_pending_rows_settle_when_the_service_is_on_before_it_is_added() {
    let mut w = Waldur::seeded(Flavour::V8_1, 0);
    w.provisioning = Provisioning::on(std::time::Duration::ZERO, 0, 1);
    w.add_term(today(), true);
    assert_eq!(w.pending_queue_len(), 8);
    assert!(listed(&mut w, "state=Pending").is_empty(), "settled at the next request");
    let off = Waldur::term(Flavour::V8_1, today());
    assert_eq!(off.pending_queue_len(), 0, "the service is off by default: Pending for good");
}

#[test]
fn add_project_takes_the_next_free_number_after_the_seeded_four() {
    let mut w = Waldur::seeded(Flavour::V8_1, 0);
    let a = w.add_project("Summer school", NaiveDate::from_ymd_opt(2026, 6, 1), NaiveDate::from_ymd_opt(2026, 6, 30));
    let b = w.add_project("Undated", None, None);
    assert_eq!((w.projects[a].uuid, w.projects[b].uuid), (seed::id(1, 5), seed::id(1, 6)));
    assert!(w.projects[a].is_course && w.projects[a].accessible);
}
