//! Server faults on loopback: every one ends in a typed error or a correct result, within bounded
//! time, without a panic, and the all-pages stream never yields a silently incomplete list.

mod support;

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use waldur_course_accounts::{Client, Error, Filter, PaginationProblem, Refusal, RetryPolicy, Token, TransportKind};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Every fault must resolve well within this.
const BOUND: Duration = Duration::from_secs(10);

async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, f).await.expect("the client must not hang")
}

fn no_retries(uri: &str) -> Client {
    Client::builder(uri, Token::new(TOKEN)).retry(RetryPolicy::none()).timeout(Duration::from_secs(2)).build().unwrap()
}

/// A raw TCP server that answers every request with `response` bytes and then closes the connection.
async fn raw_server(response: Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let response = response.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut read = Vec::new();
                while !read.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => read.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = socket.write_all(&response).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn connection_closed_mid_body_is_a_transport_error() {
    let head =
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\nx-result-count: 3\r\n\r\n";
    let uri = raw_server(format!("{head}[{{\"uuid\": \"a1b2").into_bytes()).await;
    let client = no_retries(&uri);
    let err = bounded(client.list_page(&Filter::new(), 1, 10)).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let results: Vec<_> = bounded(client.list(Filter::new()).collect()).await;
    assert!(results.iter().any(Result::is_err), "the stream ends in the error");
}

#[tokio::test]
async fn a_garbage_status_line_is_a_transport_error() {
    let uri = raw_server(b"SPDY/9 banana\r\n\r\n".to_vec()).await;
    let err = bounded(no_retries(&uri).get(uuid(1).parse().unwrap())).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_naming_where() {
    let server = MockServer::start().await;
    let full = serde_json::to_string(&vec![account(1, "OK"), account(2, "OK")]).unwrap();
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(full[..full.len() / 2].to_string(), "application/json"))
        .mount(&server)
        .await;
    let err = bounded(no_retries(&server.uri()).list_page(&Filter::new(), 1, 10)).await.unwrap_err();
    let Error::Decode(d) = &err else { panic!("{err:?}") };
    assert!(d.message.contains("EOF"), "{err}");
}

#[tokio::test]
async fn a_wrong_content_type_with_valid_json_still_decodes_and_html_with_200_does_not() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{LIST}{}/", uuid(1))))
        .respond_with(ResponseTemplate::new(200).set_body_raw(account(1, "OK").to_string(), "text/plain"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{LIST}{}/", uuid(2))))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html><body>Maintenance</body></html>", "text/html"))
        .mount(&server)
        .await;
    let client = no_retries(&server.uri());
    assert_eq!(bounded(client.get(uuid(1).parse().unwrap())).await.unwrap().uuid.to_string(), uuid(1));
    let err = bounded(client.get(uuid(2).parse().unwrap())).await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(err.to_string().contains("body starts: <html>"), "{err}");
}

#[tokio::test]
async fn a_huge_body_is_refused_without_reading_it_all() {
    let server = MockServer::start().await;
    let many: Vec<_> = (0..3_000).map(|i| account(i, "OK")).collect();
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200).set_body_json(many)).mount(&server).await;
    let client = Client::builder(&server.uri(), Token::new(TOKEN))
        .retry(RetryPolicy::none())
        .max_response_bytes(256 * 1024)
        .build()
        .unwrap();
    let err = bounded(client.list_page(&Filter::new(), 1, 300)).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(matches!(err, Error::Transport { kind: TransportKind::Body, .. }), "{err:?}");
    assert!(err.to_string().contains("exceeds the 262144-byte limit"), "{err}");
    // A chunked body without Content-Length is cut off too.
    let body: Vec<u8> = std::iter::repeat_n(b' ', 400 * 1024).collect();
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
    let mut raw = head.as_bytes().to_vec();
    raw.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
    raw.extend_from_slice(&body);
    raw.extend_from_slice(b"\r\n0\r\n\r\n");
    let uri = raw_server(raw).await;
    let client = Client::builder(&uri, Token::new(TOKEN))
        .retry(RetryPolicy::none())
        .max_response_bytes(256 * 1024)
        .build()
        .unwrap();
    let err = bounded(client.get(uuid(1).parse().unwrap())).await.unwrap_err();
    assert!(err.to_string().contains("exceeds the 262144-byte limit"), "{err}");
}

#[tokio::test]
async fn server_errors_exhaust_retries_within_bounded_time() {
    for status in [500, 502, 503, 504] {
        let server = MockServer::start().await;
        Mock::given(method("GET")).respond_with(ResponseTemplate::new(status)).mount(&server).await;
        let err = bounded(client(&server).list_page(&Filter::new(), 1, 10)).await.unwrap_err();
        assert!(matches!(&err, Error::Api(e) if e.refusal() == Refusal::Server), "{status}: {err:?}");
        let expected = if status == 500 { 1 } else { 4 };
        assert_eq!(server.received_requests().await.unwrap().len(), expected, "{status}");
    }
}

#[tokio::test]
async fn a_count_that_is_too_low_still_yields_every_account_and_one_too_high_is_an_error() {
    let server = MockServer::start().await;
    let next = format!("<{}{LIST}?page=2&page_size=300>; rel=\"next\"", server.uri());
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param_is_missing("page"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(vec![account(1, "OK")])
                .insert_header("x-result-count", "1")
                .insert_header("link", next.as_str()),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(vec![account(2, "OK")]).insert_header("x-result-count", "1"),
        )
        .mount(&server)
        .await;
    let all: Vec<_> = bounded(client(&server).list(Filter::new()).try_collect()).await.unwrap();
    assert_eq!(all.len(), 2, "every page the server links is read");

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(vec![account(1, "OK")])
                .insert_header("x-result-count", "not-a-number"),
        )
        .mount(&server)
        .await;
    let results: Vec<_> = bounded(client(&server).list(Filter::new()).collect()).await;
    assert!(
        matches!(results.last(), Some(Err(Error::Pagination { reason: PaginationProblem::CountNotANumber, .. }))),
        "{results:?}"
    );
}

#[tokio::test]
async fn a_link_to_the_same_page_or_an_empty_page_with_a_next_link_ends_in_an_error() {
    let server = MockServer::start().await;
    let same = format!("<{}{LIST}?page=1&page_size=300>; rel=\"next\"", server.uri());
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(vec![account(1, "OK")]).insert_header("link", same.as_str()),
        )
        .mount(&server)
        .await;
    let results: Vec<_> = bounded(client(&server).list(Filter::new()).collect()).await;
    assert!(
        matches!(results.last(), Some(Err(Error::Pagination { reason: PaginationProblem::Loop, .. }))),
        "{results:?}"
    );

    let server = MockServer::start().await;
    let next = format!("<{}{LIST}?page=2&page_size=300>; rel=\"next\"", server.uri());
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(Vec::<serde_json::Value>::new())
                .insert_header("link", next.as_str()),
        )
        .mount(&server)
        .await;
    let results: Vec<_> = bounded(client(&server).list(Filter::new()).collect()).await;
    let err = results.into_iter().find_map(Result::err).expect("an error");
    assert!(
        matches!(err, Error::Pagination { reason: PaginationProblem::EmptyPageLinksOn { page: 1 }, .. }),
        "{err:?}"
    );
}

/// Each garbled `Link` has one outcome: entries that are not links are skipped (the list is whole); a
/// link that does not resolve fails its page; one that resolves but cannot be followed ends the walk
/// after the page with its reason. Never a panic.
#[tokio::test]
async fn a_garbled_link_header_is_skipped_or_refused_as_each_deserves_never_a_panic() {
    // (header, accounts yielded, the reason the walk stopped).
    let cases: [(&str, usize, Option<PaginationProblem>); 6] = [
        // An empty target resolves to the page itself.
        ("<>; rel=next", 1, Some(PaginationProblem::Loop)),
        ("garbage", 1, None),
        ("<http://[::1>; rel=\"next\"", 0, Some(PaginationProblem::LinkNotAUrl(url::ParseError::InvalidIpv6Address))),
        // No closing `>`: not a link.
        ("<;rel=\"next\"", 1, None),
        ("<%%%>; rel=next", 1, Some(PaginationProblem::LeavesList { path: format!("{LIST}%%%") })),
        (", , ,", 1, None),
    ];
    for (link, accounts, expected) in cases {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(vec![account(1, "OK")])
                    .insert_header("link", link)
                    .insert_header("x-result-count", "1"),
            )
            .mount(&server)
            .await;
        let results: Vec<_> = bounded(client(&server).list(Filter::new()).collect()).await;
        let yielded = results.iter().take_while(|r| r.is_ok()).count();
        let stopped = match &results[yielded..] {
            [] => None,
            [Err(Error::Pagination { reason, .. })] => Some(reason.clone()),
            other => panic!("{link}: not one pagination error at the end: {other:?}"),
        };
        assert_eq!((yielded, stopped), (accounts, expected), "{link}");
    }
}
