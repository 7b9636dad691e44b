//! Every error the server answers with, as a typed error whose text says request, status and message.

mod support;

use serde_json::json;
use support::*;
use waldur_course_accounts::{Error, NewCourseAccount};
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
        let Error::Validation(api) = &err else { panic!("{body}: {err:?}") };
        if !field.is_empty() {
            assert_eq!(api.body.field(field), [message.to_string()], "{body}");
        }
        let text = err.to_string();
        assert!(text.contains("POST /api/marketplace-course-accounts/: 400 Bad Request"), "{text}");
        assert!(text.contains(message), "{text}");
    }
}

#[tokio::test]
async fn statuses_map_to_variants_with_method_path_and_message() {
    let item = uuid(3);
    type IsVariant = fn(&Error) -> bool;
    let cases: [(u16, &str, IsVariant); 7] = [
        (401, "Invalid token.", |e| matches!(e, Error::Unauthorized(_))),
        (403, "You do not have permission to perform this action.", |e| matches!(e, Error::Forbidden(_))),
        (404, "No CourseAccount matches the given query.", |e| matches!(e, Error::NotFound(_))),
        (405, "Method \"DELETE\" not allowed.", |e| matches!(e, Error::MethodNotAllowed(_))),
        (409, "Valid states for operation: OK, Erred.", |e| matches!(e, Error::Conflict(_))),
        (500, "Internal error.", |e| matches!(e, Error::Server(_))),
        (418, "I'm a teapot.", |e| matches!(e, Error::UnexpectedStatus(_))),
    ];
    for (status, detail, is_variant) in cases {
        let server = answering(status, json!({ "detail": detail })).await;
        let client = client(&server);
        let err = client.delete(item.parse().unwrap()).await.unwrap_err();
        assert!(is_variant(&err), "{status}: {err:?}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        let text = err.to_string();
        assert!(text.contains(&format!("DELETE /api/marketplace-course-accounts/{item}/: {status}")), "{text}");
        assert!(text.contains(detail), "{text}");
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
    assert!(matches!(err, Error::Server(_)));
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
    assert!(err.to_string().contains("could not connect"), "{err}");
    assert!(!err.is_outcome_unknown());
}
