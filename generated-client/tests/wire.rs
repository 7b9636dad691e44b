//! What goes over the wire: query encoding (`o` comma-joined, `state` repeated), credentials and
//! headers, for the generated client and the hand-written one, and the base URLs refused before
//! anything is sent. That no secret shows in any output is `secrets.rs`.

mod support;

use futures::TryStreamExt;
use support::*;
use waldur_course_accounts::{
    Client, ConfigError, CourseAccountState, Credentials, Error, Filter, Ordering, OrderingField, Token,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn list_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(vec![account(1, "OK")]).insert_header("x-result-count", "1"),
        )
        .mount(&server)
        .await;
    server
}

fn query(request: &wiremock::Request) -> String {
    request.url.query().unwrap_or_default().to_string()
}

#[tokio::test]
async fn generated_list_sends_ordering_as_one_comma_joined_value_and_state_repeated() {
    let server = list_server().await;
    let client = client(&server);
    let ordering = Ordering::new().desc(OrderingField::Created).asc(OrderingField::Email);
    let page = client
        .raw()
        .marketplace_course_accounts_list()
        .o(ordering)
        .state(vec![CourseAccountState::Ok, CourseAccountState::Erred])
        .send()
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    let requests = server.received_requests().await.unwrap();
    let q = query(&requests[0]);
    assert_eq!(q.matches("o=").count(), 1, "one o= key: {q}");
    assert!(q.contains("o=-created%2Cemail"), "{q}");
    assert!(q.contains("state=OK&state=Erred"), "{q}");
    let decoded: Vec<(String, String)> = requests[0].url.query_pairs().map(|(k, v)| (k.into(), v.into())).collect();
    assert!(decoded.contains(&("o".into(), "-created,email".into())), "{decoded:?}");
}

#[tokio::test]
async fn filters_are_sent_as_the_server_reads_them() {
    let server = list_server().await;
    let filter = Filter::new()
        .email("@example.edu")
        .username("student00001")
        .state(CourseAccountState::Pending)
        .project(PROJECT.parse().unwrap())
        .project_start(Some("2025-09-01".parse().unwrap()), None)
        .project_end(None, Some("2025-12-31".parse().unwrap()))
        .order_by(Ordering::new().asc(OrderingField::ProjectName).desc(OrderingField::Created));
    let all: Vec<_> = client(&server).list(filter.clone()).try_collect().await.unwrap();
    assert_eq!(all.len(), 1);
    let requests = server.received_requests().await.unwrap();
    let mut sent: Vec<(String, String)> = requests[0].url.query_pairs().map(|(k, v)| (k.into(), v.into())).collect();
    sent.sort();
    let expected = [
        ("email", "@example.edu"),
        ("o", "project_name,-created"),
        ("page_size", "300"),
        ("project_end_date_before", "2025-12-31"),
        ("project_start_date_after", "2025-09-01"),
        ("project_uuid", PROJECT),
        // A state newer than the schema can be filtered on.
        ("state", "Pending"),
        ("username", "student00001"),
    ];
    assert_eq!(sent, expected.map(|(k, v)| (k.to_string(), v.to_string())));
}

#[tokio::test]
async fn credentials_user_agent_and_no_api_version_header() {
    let server = list_server().await;
    client(&server).count(&Filter::new()).await.unwrap_or_default();
    client(&server).list_page(&Filter::new(), 1, 10).await.unwrap();
    let bearer = Client::new(&server.uri(), Credentials::Bearer(Token::new("w_1700000000_abcdef"))).unwrap();
    bearer.list_page(&Filter::new(), 1, 10).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    for r in &requests[..2] {
        assert_eq!(r.headers.get("authorization").unwrap(), &format!("Token {TOKEN}"));
        assert!(r.headers.get("api-version").is_none(), "progenitor's api-version header is stripped");
        let ua = r.headers.get("user-agent").unwrap().to_str().unwrap();
        // The crate version's build metadata and the generated `info.version` name the same release.
        let version = env!("CARGO_PKG_VERSION");
        let schema = version.split_once("+waldur.").map(|(_, s)| s).expect("version carries +waldur.<release>");
        assert_eq!(ua, format!("waldur-course-accounts/{version} (Waldur schema {schema})"));
    }
    assert_eq!(requests[2].headers.get("authorization").unwrap(), "Bearer w_1700000000_abcdef");
}

#[tokio::test]
async fn count_uses_head_and_reads_x_result_count() {
    let server = MockServer::start().await;
    Mock::given(method("HEAD"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(200).insert_header("x-result-count", "1234"))
        .expect(1)
        .mount(&server)
        .await;
    let n = client(&server).count(&Filter::new().state(CourseAccountState::Ok)).await.unwrap();
    assert_eq!(n, 1234);
    let q = query(&server.received_requests().await.unwrap()[0]);
    assert_eq!(q, "state=OK");
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused_unless_opted_in() {
    let err = Client::new("http://waldur.example.edu", Token::new(TOKEN)).unwrap_err();
    assert!(
        matches!(&err, Error::Config(ConfigError::InsecureHttp { host }) if host == "waldur.example.edu"),
        "{err:?}"
    );
    assert!(err.to_string().contains("refusing to send credentials over plain http"), "{err}");
    assert!(!err.to_string().contains(TOKEN));
    assert!(Client::builder("http://waldur.example.edu", Token::new(TOKEN)).allow_insecure_http(true).build().is_ok());
    assert!(Client::new("http://127.0.0.1:9", Token::new(TOKEN)).is_ok());
    assert!(Client::new("http://localhost:9", Token::new(TOKEN)).is_ok());
    assert!(Client::new("https://waldur.example.edu", Token::new(TOKEN)).is_ok());
}

#[test]
fn a_base_url_with_a_password_is_refused_without_repeating_it() {
    for url in ["https://someuser:s3cr3tpass@waldur.example.edu", "https://someuser@waldur.example.edu"] {
        let err = Client::new(url, Token::new(TOKEN)).unwrap_err();
        assert!(matches!(err, Error::Config(ConfigError::CredentialsInUrl)), "{err:?}");
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains("s3cr3tpass") && !text.contains("someuser"), "{text}");
        }
    }
    // A URL that does not parse (the port is out of range) is not repeated either.
    let err = Client::new("http://someuser:s3cr3tpass@127.0.0.1:99999", Token::new(TOKEN)).unwrap_err();
    assert!(matches!(err, Error::Config(ConfigError::NotAUrl(_))), "{err:?}");
    assert!(!err.to_string().contains("s3cr3tpass"), "{err}");
}

/// A redirect within the server is followed, with the token; one to another origin is not (the token
/// would not go along, and the other server's 401 would read as a bad token): it is
/// `Error::Redirected`, naming where it points without the query.
#[tokio::test]
async fn a_redirect_to_another_origin_is_reported_not_followed() {
    let elsewhere = list_server().await;
    let server = MockServer::start().await;
    Mock::given(method("HEAD"))
        .and(path(LIST))
        .and(wiremock::matchers::query_param("state", "OK"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}{LIST}?email=ada%40example.edu", elsewhere.uri()).as_str()),
        )
        .mount(&server)
        .await;
    Mock::given(method("HEAD"))
        .and(path(LIST))
        .and(wiremock::matchers::query_param("state", "Erred"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", format!("/moved{LIST}").as_str()))
        .mount(&server)
        .await;
    Mock::given(method("HEAD"))
        .and(path(format!("/moved{LIST}")))
        .respond_with(ResponseTemplate::new(200).insert_header("x-result-count", "7"))
        .mount(&server)
        .await;
    let client = client(&server);
    let err = client.count(&Filter::new().state(CourseAccountState::Ok).email("ada@example.edu")).await.unwrap_err();
    match &err {
        Error::Redirected { status, location, .. } => {
            assert_eq!(status.as_u16(), 302);
            assert_eq!(location, &format!("{}{LIST}", elsewhere.uri()));
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.to_string().contains("ada"), "{err}");
    assert!(elsewhere.received_requests().await.unwrap().is_empty(), "nothing reached the other origin");

    assert_eq!(client.count(&Filter::new().state(CourseAccountState::Erred)).await.unwrap(), 7);
    let requests = server.received_requests().await.unwrap();
    let moved = requests.iter().find(|r| r.url.path().starts_with("/moved")).expect("the redirect was followed");
    assert_eq!(moved.headers.get("authorization").unwrap(), &format!("Token {TOKEN}"));
}
