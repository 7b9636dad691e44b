//! Writes are reported truthfully: done, refused, or unknown. A close whose answer was lost is not a
//! refusal; a 2xx that does not decode is done; a 500 to a POST is unknown; nothing is repeated
//! behind the caller's back unless repeating cannot do harm.

mod support;

use serde_json::json;
use support::*;
use waldur_course_accounts::{Error, NewCourseAccount, Refusal};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn item(i: u32) -> String {
    format!("{LIST}{}/", uuid(i))
}

/// The first DELETE closes the account but its answer is lost (502 from the gateway); the retry is
/// refused with 409 because the account is Closed now.
async fn lost_close(read: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(item(1)))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(item(1)))
        .respond_with(
            ResponseTemplate::new(409).set_body_json(json!({"detail": "Valid states for operation: OK, Erred."})),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path(item(1))).respond_with(read).mount(&server).await;
    server
}

#[tokio::test]
async fn a_close_whose_answer_was_lost_is_confirmed_by_reading_not_reported_as_refused() {
    let server = lost_close(ResponseTemplate::new(200).set_body_json(account(1, "Closed"))).await;
    let deleted = client(&server).delete(uuid(1).parse().unwrap()).await.expect("the account is closed");
    assert!(deleted.confirmed_by_read);
    assert_eq!(deleted.account.unwrap().state.as_str(), "Closed");
}

#[tokio::test]
async fn a_retried_close_that_cannot_be_confirmed_is_unknown_not_refused() {
    let server = lost_close(ResponseTemplate::new(503)).await;
    let err = client(&server).delete(uuid(1).parse().unwrap()).await.unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    assert!(err.is_outcome_unknown());
}

#[tokio::test]
async fn a_retried_close_refused_for_an_account_that_is_not_closed_stays_refused() {
    let server = lost_close(ResponseTemplate::new(200).set_body_json(account(1, "Pending"))).await;
    let err = client(&server).delete(uuid(1).parse().unwrap()).await.unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.refusal() == Refusal::Conflict), "{err:?}");
}

#[tokio::test]
async fn a_first_time_409_is_a_refusal_and_costs_no_read() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(
            ResponseTemplate::new(409).set_body_json(json!({"detail": "Valid states for operation: OK, Erred."})),
        )
        .mount(&server)
        .await;
    let err = client(&server).delete(uuid(1).parse().unwrap()).await.unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.refusal() == Refusal::Conflict) && !err.is_outcome_unknown(), "{err:?}");
    let methods: Vec<String> = server.received_requests().await.unwrap().iter().map(|r| r.method.to_string()).collect();
    assert_eq!(methods, ["DELETE"]);
}

fn new_account() -> NewCourseAccount {
    NewCourseAccount { project: PROJECT.parse().unwrap(), email: Some("student@example.edu".into()), description: None }
}

async fn create_answering(response: ResponseTemplate) -> (MockServer, Error) {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path(LIST)).respond_with(response).mount(&server).await;
    let err = client(&server).create(&new_account()).await.unwrap_err();
    (server, err)
}

/// progenitor drops the status of a body it cannot decode; the client keeps it, so a 201 with a
/// mangled body is known to be done.
#[tokio::test]
async fn a_201_whose_body_does_not_decode_is_done_with_its_status() {
    let (server, err) = create_answering(ResponseTemplate::new(201).set_body_string("{\"uuid\": trunc")).await;
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(201), "{err}");
    assert!(err.is_done() && !err.is_outcome_unknown());
    assert!(err.to_string().contains("201"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "never repeated");
}

#[tokio::test]
async fn a_decode_failure_of_a_read_is_not_a_done_write() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200).set_body_string("nope")).mount(&server).await;
    let err = client(&server).get(uuid(1).parse().unwrap()).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    assert!(!err.is_done());
}

#[tokio::test]
async fn which_post_failures_leave_the_outcome_unknown() {
    for (status, unknown) in [(500, true), (502, true), (504, true), (503, false), (501, false), (400, false)] {
        let (server, err) = create_answering(ResponseTemplate::new(status)).await;
        assert_eq!(err.is_outcome_unknown(), unknown, "{status}: {err}");
        assert_eq!(server.received_requests().await.unwrap().len(), 1, "{status}: a POST is never repeated");
    }
}
