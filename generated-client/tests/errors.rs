//! Every error the server answers with, as a typed error whose text says request, status and message.

mod support;

use serde_json::json;
use support::*;
use waldur_course_accounts::{
    Error, ErrorBody, Method, NewCourseAccount, Refusal, RequestInfo, StatusCode, TransportKind,
};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn answering(status: u16, body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body.clone()))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body.clone()))
        .mount(&server)
        .await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(status).set_body_json(body)).mount(&server).await;
    server
}

fn new_account() -> NewCourseAccount {
    NewCourseAccount { project: PROJECT.parse().unwrap(), email: Some("student@example.edu".into()), description: None }
}

#[tokio::test]
async fn validation_errors_in_every_drf_shape() {
    let cases = [
        (json!({"email": ["Enter a valid email address."]}), "email", "Enter a valid email address."),
        (json!({"project": ["Project must be a course project."]}), "project", "Project must be a course project."),
        (json!({"non_field_errors": ["Project end date is required."]}), "", "Project end date is required."),
        (json!({"detail": "Course service is unavailable."}), "", "Course service is unavailable."),
        (json!(["Project has no end date."]), "", "Project has no end date."),
        (
            json!({"course_accounts": [{}, {"email": ["Enter a valid email address."]}]}),
            "course_accounts[1].email",
            "Enter a valid email address.",
        ),
    ];
    for (body, field, message) in cases {
        let server = answering(400, body.clone()).await;
        let err = client(&server).create(&new_account()).await.unwrap_err();
        let Error::Api(api) = &err else { panic!("{body}: {err:?}") };
        assert_eq!(api.refusal(), Refusal::Validation, "{body}: {err:?}");
        if !field.is_empty() {
            assert_eq!(api.body.field(field), [message.to_string()], "{body}");
        }
        let text = err.to_string();
        assert!(text.contains("POST /api/marketplace-course-accounts/: 400 Bad Request"), "{text}");
        assert!(text.contains(message), "{text}");
    }
}

#[tokio::test]
async fn statuses_map_to_refusals_with_method_path_and_message() {
    let item = uuid(3);
    let cases = [
        (401, "Invalid token.", Refusal::Unauthorized),
        (403, "You do not have permission to perform this action.", Refusal::Forbidden),
        (404, "No CourseAccount matches the given query.", Refusal::NotFound),
        (405, "Method \"DELETE\" not allowed.", Refusal::MethodNotAllowed),
        (409, "Valid states for operation: OK, Erred.", Refusal::Conflict),
        (500, "Internal error.", Refusal::Server),
        (418, "I'm a teapot.", Refusal::Other),
    ];
    for (status, detail, refusal) in cases {
        let server = answering(status, json!({ "detail": detail })).await;
        let client = client(&server);
        let err = client.delete(item.parse().unwrap()).await.unwrap_err();
        assert!(matches!(&err, Error::Api(e) if e.refusal() == refusal), "{status}: {err:?}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        let text = err.to_string();
        assert!(text.contains(&format!("DELETE /api/marketplace-course-accounts/{item}/: {status}")), "{text}");
        assert!(text.contains(detail), "{text}");
    }
}

/// One variant for every refusal; its message starts with what the status means, in the words each
/// status had when it was a variant of its own.
#[test]
fn a_refusal_says_what_its_status_means() {
    let cases = [
        (400, Refusal::Validation, "validation failed"),
        (401, Refusal::Unauthorized, "unauthorized"),
        (403, Refusal::Forbidden, "forbidden"),
        (404, Refusal::NotFound, "not found"),
        (405, Refusal::MethodNotAllowed, "method not allowed"),
        (409, Refusal::Conflict, "conflict"),
        (429, Refusal::RateLimited, "rate limited"),
        (500, Refusal::Server, "server error"),
        (503, Refusal::Server, "server error"),
        (418, Refusal::Other, "unexpected status"),
        (302, Refusal::Other, "unexpected status"),
    ];
    for (status, refusal, words) in cases {
        let request = RequestInfo {
            operation: "marketplace_course_accounts_list",
            method: Method::GET,
            path: "/api/marketplace-course-accounts/".into(),
        };
        let status = StatusCode::from_u16(status).unwrap();
        let err = Error::from_status(request, status, ErrorBody::parse(br#"{"detail": "No."}"#), None);
        let Error::Api(api) = &err else { panic!("{status}: {err:?}") };
        assert_eq!(api.refusal(), refusal, "{status}");
        assert_eq!(refusal.to_string(), words);
        assert_eq!(err.to_string(), format!("{words}: GET /api/marketplace-course-accounts/: {status}: No."));
    }
}

/// Which refusals may be sent again after a wait (429, 503) and which may have done a write (500,
/// 502, 504): by status, whatever the kind.
#[test]
fn a_refusal_is_busy_or_of_unknown_outcome_by_its_status() {
    for code in 300..600 {
        let request = RequestInfo {
            operation: "marketplace_course_accounts_destroy",
            method: Method::DELETE,
            path: "/api/marketplace-course-accounts/x/".into(),
        };
        let status = StatusCode::from_u16(code).unwrap();
        let err = Error::from_status(request, status, ErrorBody::default(), None);
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.api().map(|e| e.status), Some(status));
        assert_eq!(err.busy_refusal().is_some(), matches!(code, 429 | 503), "{code}");
        assert_eq!(err.is_outcome_unknown(), matches!(code, 500 | 502 | 504), "{code}");
        assert!(!err.is_done(), "{code}");
    }
}

#[tokio::test]
async fn an_html_error_page_becomes_a_readable_message() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(502).set_body_raw(
                "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
                "text/html",
            ),
        )
        .mount(&server)
        .await;
    let client = waldur_course_accounts::Client::builder(&server.uri(), waldur_course_accounts::Token::new(TOKEN))
        .retry(waldur_course_accounts::RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.get(uuid(1).parse().unwrap()).await.unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.refusal() == Refusal::Server));
    assert!(err.to_string().ends_with(": 502 Bad Gateway: 502 Bad Gateway"), "{err}");
}

#[tokio::test]
async fn a_body_that_does_not_decode_names_the_json_path_and_shows_an_excerpt() {
    let server = MockServer::start().await;
    let mut bad = account(1, "OK");
    bad["created"] = json!("yesterday");
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(vec![account(0, "OK"), bad]))
        .mount(&server)
        .await;
    let err = client(&server).list_page(&Default::default(), 1, 10).await.unwrap_err();
    let Error::Decode(d) = &err else { panic!("{err:?}") };
    assert_eq!(d.json_path, "[1].created");
    let text = err.to_string();
    assert!(text.contains("GET /api/marketplace-course-accounts/"), "{text}");
    assert!(text.contains("body starts: [{"), "{text}");
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client =
        waldur_course_accounts::Client::builder(&format!("http://{addr}"), waldur_course_accounts::Token::new(TOKEN))
            .retry(fast_retries())
            .build()
            .unwrap();
    let err = client.get(uuid(1).parse().unwrap()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(matches!(err, Error::Transport { kind: TransportKind::Connect, .. }), "{err:?}");
    assert!(err.to_string().contains("could not connect"), "{err}");
    let start = format!("GET /api/marketplace-course-accounts/{}/: transport error: could not connect: ", uuid(1));
    assert!(err.to_string().starts_with(&start), "{err}");
    assert!(!err.is_outcome_unknown());
}
