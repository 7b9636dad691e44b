//! Retries of idempotent requests (never of POSTs), Retry-After, the timeout, and switching them off.

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::*;
use waldur_course_accounts::{Client, Error, NewCourseAccount, Refusal, RetryPolicy, Token};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn flaky(method_name: &str, failures: u64, failure: ResponseTemplate, success: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(method_name))
        .respond_with(failure)
        .up_to_n_times(failures)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method(method_name)).respond_with(success).with_priority(2).mount(&server).await;
    server
}

#[tokio::test]
async fn get_head_and_delete_retry_on_gateway_errors_then_succeed() {
    for status in [502, 503, 504] {
        let server =
            flaky("GET", 2, ResponseTemplate::new(status), ResponseTemplate::new(200).set_body_json(account(1, "OK")))
                .await;
        let got = client(&server).get(uuid(1).parse().unwrap()).await.unwrap();
        assert_eq!(got.uuid.to_string(), uuid(1));
        assert_eq!(server.received_requests().await.unwrap().len(), 3, "{status}");
    }
    let server =
        flaky("HEAD", 1, ResponseTemplate::new(503), ResponseTemplate::new(200).insert_header("x-result-count", "4"))
            .await;
    assert_eq!(client(&server).count(&Default::default()).await.unwrap(), 4);
    let server = flaky("DELETE", 1, ResponseTemplate::new(503), ResponseTemplate::new(204)).await;
    assert!(client(&server).delete(uuid(1).parse().unwrap()).await.is_ok());
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn retries_are_capped_and_the_last_error_is_returned() {
    let server = flaky("GET", 100, ResponseTemplate::new(503), ResponseTemplate::new(200)).await;
    let err = client(&server).get(uuid(1).parse().unwrap()).await.unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.refusal() == Refusal::Server), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 4, "1 attempt + max_retries 3");
}

#[tokio::test]
async fn posts_are_never_retried() {
    let server =
        flaky("POST", 1, ResponseTemplate::new(503), ResponseTemplate::new(201).set_body_json(account(1, "OK"))).await;
    let err = client(&server)
        .create(&NewCourseAccount { project: PROJECT.parse().unwrap(), email: None, description: None })
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.refusal() == Refusal::Server));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn retry_after_is_honoured_and_a_long_one_is_returned_to_the_caller() {
    let limited = ResponseTemplate::new(429)
        .insert_header("retry-after", "1")
        .set_body_json(json!({"detail": "Request was throttled."}));
    let server = flaky("GET", 1, limited, ResponseTemplate::new(200).set_body_json(account(1, "OK"))).await;
    let started = Instant::now();
    client(&server).get(uuid(1).parse().unwrap()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900), "waited {:?}", started.elapsed());

    let long = ResponseTemplate::new(429)
        .insert_header("retry-after", "120")
        .set_body_json(json!({"detail": "Request was throttled. Expected available in 120 seconds."}));
    let server = flaky("GET", 5, long, ResponseTemplate::new(200)).await;
    let err = client(&server).get(uuid(1).parse().unwrap()).await.unwrap_err();
    let Error::Api(api) = &err else { panic!("{err:?}") };
    assert_eq!(api.refusal(), Refusal::RateLimited, "{err:?}");
    assert_eq!(api.retry_after, Some(Duration::from_secs(120)));
    assert!(err.to_string().contains("retry after 120s"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn retries_can_be_switched_off() {
    let server =
        flaky("GET", 1, ResponseTemplate::new(503), ResponseTemplate::new(200).set_body_json(account(1, "OK"))).await;
    let client = Client::builder(&server.uri(), Token::new(TOKEN)).retry(RetryPolicy::none()).build().unwrap();
    assert!(client.get(uuid(1).parse().unwrap()).await.is_err());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// A server that answers after 5 s, and a client with a 200 ms timeout built by `configure`.
async fn slow_server_error(
    configure: impl FnOnce(waldur_course_accounts::ClientBuilder) -> waldur_course_accounts::ClientBuilder,
) -> (Error, Duration) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(account(1, "OK")).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let builder = Client::builder(&server.uri(), Token::new(TOKEN))
        .timeout(Duration::from_millis(200))
        .retry(RetryPolicy::none());
    let client = configure(builder).build().unwrap();
    let started = Instant::now();
    let err = client.get(uuid(1).parse().unwrap()).await.unwrap_err();
    (err, started.elapsed())
}

#[tokio::test]
async fn a_slow_server_hits_the_timeout_instead_of_hanging() {
    let (err, elapsed) = slow_server_error(|b| b).await;
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
    assert!(err.to_string().contains("timed out"), "{err}");
}

#[tokio::test]
async fn a_caller_supplied_http_client_without_timeout_still_gets_one() {
    let (err, elapsed) = slow_server_error(|b| b.http_client(reqwest::Client::new())).await;
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
    assert!(err.to_string().contains("timed out"), "{err}");
}

/// A caller's reqwest client keeps the timeout it was built with: it used to be replaced by the
/// 30 s default on every request (here: the caller's 300 ms must win over a 1.5 s answer).
#[tokio::test]
async fn a_caller_supplied_http_client_keeps_its_own_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(account(1, "OK")).set_delay(Duration::from_millis(1500)))
        .mount(&server)
        .await;
    let theirs = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
    let client = Client::builder(&server.uri(), Token::new(TOKEN))
        .http_client(theirs)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.get(uuid(1).parse().unwrap()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(1200), "{:?}", started.elapsed());
    assert!(err.to_string().contains("timed out"), "{err}");
}

/// ... and its user agent, unless the caller sets one on our builder.
#[tokio::test]
async fn a_caller_supplied_http_client_keeps_its_user_agent_unless_one_is_set_here() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(account(1, "OK")))
        .mount(&server)
        .await;
    let theirs = || reqwest::Client::builder().user_agent("course-admin-portal/2.3").build().unwrap();
    let plain = Client::builder(&server.uri(), Token::new(TOKEN)).http_client(theirs()).build().unwrap();
    plain.get(uuid(1).parse().unwrap()).await.unwrap();
    let chosen =
        Client::builder(&server.uri(), Token::new(TOKEN)).http_client(theirs()).user_agent("chosen/1").build().unwrap();
    chosen.get(uuid(1).parse().unwrap()).await.unwrap();
    let agents: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.headers.get("user-agent").unwrap().to_str().unwrap().to_string())
        .collect();
    assert_eq!(agents, ["course-admin-portal/2.3", "chosen/1"]);
}
