//! The client keeps working against Waldur 8.x answers the schema (8.1.2) does not describe.

mod support;

use futures::TryStreamExt;
use serde_json::json;
use support::*;
use waldur_course_accounts::{BulkOptions, CourseAccountState, Filter};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn pending_and_unknown_states_null_dates_and_null_user_fields_decode() {
    let server = MockServer::start().await;
    let body = vec![account_8x(1, "Pending"), account_8x(2, "Archived"), account(3, "Closed")];
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(200).set_body_json(body).insert_header("x-result-count", "3"))
        .mount(&server)
        .await;
    let all: Vec<_> = client(&server).list(Filter::new()).try_collect().await.unwrap();
    assert_eq!(all[0].state, CourseAccountState::Pending);
    assert_eq!(all[1].state, CourseAccountState::Unknown("Archived".into()));
    assert_eq!(all[2].state, CourseAccountState::Closed);
    assert_eq!(all[0].project_start_date, None);
    assert_eq!(all[0].project_end_date, None);
    assert_eq!(all[0].user_uuid, None);
    assert_eq!(all[0].username, None);
    assert_eq!(all[2].project_end_date, Some("2025-12-20".parse().unwrap()));
}

#[tokio::test]
async fn delete_answers_204_on_old_servers_and_202_with_the_closed_account_on_new_ones() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(format!("{LIST}{}/", uuid(1))))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{LIST}{}/", uuid(2))))
        .respond_with(ResponseTemplate::new(202).set_body_json(account_8x(2, "Closed")))
        .mount(&server)
        .await;
    let client = client(&server);
    assert_eq!(client.delete(uuid(1).parse().unwrap()).await.unwrap().account, None);
    let closed = client.delete(uuid(2).parse().unwrap()).await.unwrap().account.unwrap();
    assert_eq!(closed.state, CourseAccountState::Closed);
}

#[tokio::test]
async fn create_bulk_answers_an_array_with_200_or_202() {
    for status in [200, 202] {
        let server = MockServer::start().await;
        // The plan reads the project first: it holds no account yet.
        Mock::given(method("GET"))
            .and(path(LIST))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])).insert_header("x-result-count", "0"))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(format!("{LIST}create_bulk/")))
            .respond_with(
                ResponseTemplate::new(status).set_body_json(vec![account_8x(1, "Pending"), account_8x(2, "Pending")]),
            )
            .mount(&server)
            .await;
        let outcome = client(&server)
            .create_bulk(
                PROJECT.parse().unwrap(),
                ["student1@example.edu", "student2@example.edu"],
                &BulkOptions::default(),
            )
            .await
            .unwrap();
        assert!(outcome.is_complete(), "{status}: {outcome:?}");
        assert_eq!(outcome.created().count(), 2);
        let requests = server.received_requests().await.unwrap();
        let post = requests.iter().find(|r| r.method.as_str() == "POST").unwrap();
        let sent: serde_json::Value = post.body_json().unwrap();
        assert_eq!(
            sent,
            json!({"project": PROJECT, "course_accounts": [{"email": "student1@example.edu"}, {"email": "student2@example.edu"}]})
        );
    }
}

#[tokio::test]
async fn create_answering_an_undocumented_success_status_still_decodes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202).set_body_json(account_8x(5, "Pending")))
        .mount(&server)
        .await;
    let created = client(&server)
        .create(&waldur_course_accounts::NewCourseAccount {
            project: PROJECT.parse().unwrap(),
            email: Some("s@example.edu".into()),
            description: None,
        })
        .await
        .unwrap();
    assert_eq!(created.state, CourseAccountState::Pending);
}
