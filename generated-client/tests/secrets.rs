//! A recognisable token appears in no Debug or Display output, no error, and no log line, with
//! tracing at TRACE (reqwest's and hyper's own logs included).

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::json;
use support::*;
use waldur_course_accounts::{BulkOptions, Client, Credentials, Filter, NewCourseAccount, Token};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "tok_SECRET_7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c1e";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_token_is_in_no_debug_display_error_or_log_line() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .try_init()
        .unwrap();

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(vec![account(1, "OK")]).insert_header("x-result-count", "1"),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"email": ["Enter a valid email address."]})))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"detail": "Invalid token."})))
        .mount(&server)
        .await;

    let mut texts = Vec::new();
    for credentials in [Credentials::Token(Token::new(SECRET)), Credentials::Bearer(Token::new(SECRET))] {
        let client = Client::builder(&server.uri(), credentials.clone()).retry(fast_retries()).build().unwrap();
        texts.push(format!("{credentials:?}"));
        texts.push(format!("{client:?}"));
        texts.push(format!("{:?}", client.list_page(&Filter::new(), 1, 10).await.unwrap()));
        let created = client
            .create(&NewCourseAccount { project: PROJECT.parse().unwrap(), email: Some("x".into()), description: None })
            .await;
        let err = created.unwrap_err();
        texts.push(format!("{err:?}"));
        texts.push(err.to_string());
        let err = client.delete(uuid(1).parse().unwrap()).await.unwrap_err();
        texts.push(format!("{err:?} {err} {:#}", anyhow_like(&err)));
        let outcome = client.create_bulk(PROJECT.parse().unwrap(), ["a@example.edu"], &BulkOptions::default()).await;
        texts.push(format!("{outcome:?}"));
    }
    let refused = Client::new("http://waldur.example.edu", Token::new(SECRET)).unwrap_err();
    texts.push(format!("{refused:?} {refused}"));
    let bad = Client::new(&server.uri(), Token::new(format!("{SECRET}\u{1}x"))).map(|_| ()).unwrap_err();
    texts.push(format!("{bad:?} {bad}"));

    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("retrying idempotent request"), "the retry is logged");
    assert!(
        logged.lines().count() > 20,
        "TRACE logging of the HTTP stack is captured: {} lines",
        logged.lines().count()
    );
    texts.push(logged);
    for text in texts {
        assert!(!text.contains(SECRET) && !text.contains("SECRET"), "token leaked in: {text}");
    }
    let requests = server.received_requests().await.unwrap();
    assert!(
        requests.iter().any(|r| r.headers.get("authorization").is_some_and(|v| v.to_str().unwrap().ends_with(SECRET)))
    );
}

/// The error and its whole source chain, as `anyhow`'s `{:#}` would print it.
fn anyhow_like(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(&format!(": {s}"));
        source = s.source();
    }
    out
}

/// Filter values are personal data (a student's email): a transport error's whole chain, Display and
/// Debug, names method and path but never the URL's query. reqwest's own error carries the URL.
#[tokio::test]
async fn a_transport_error_never_carries_the_query() {
    // A port nobody listens on: the connection is refused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = waldur_course_accounts::Client::builder(&base, waldur_course_accounts::Token::new(TOKEN))
        .retry(waldur_course_accounts::RetryPolicy::none())
        .build()
        .unwrap();
    let filter = waldur_course_accounts::Filter::new().email("jane.doe@student.example.edu").username("jdoe42");
    let err = client.list_page(&filter, 1, 10).await.unwrap_err();
    let mut text = format!("{err} {err:?}");
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        text.push_str(&format!(" | {s} {s:?}"));
        source = s.source();
    }
    assert!(matches!(err, waldur_course_accounts::Error::Transport { .. }), "{err:?}");
    for secret in ["jane.doe", "student.example.edu", "jdoe42", "email="] {
        assert!(!text.contains(secret), "`{secret}` leaks: {text}");
    }
}
