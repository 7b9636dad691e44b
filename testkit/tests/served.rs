//! The stand-in as served, read off the socket: what `Waldur::handle` cannot show. The routes run on
//! axum, whose own defaults (a `Content-Length: 0` on a bodiless HEAD answer, an `Allow` header on a
//! 405, a 2 MB body limit, `Content-Type` checks) must not reach the client; these tests hold the
//! answers to what the stand-in has always sent.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use waldur_course_accounts_testkit::standin::{LIST_PATH, seed};
use waldur_course_accounts_testkit::{Flavour, StandIn, Waldur};

/// One raw HTTP/1.1 exchange on its own connection: the status, the header lines (lowercased names)
/// and the body.
async fn exchange(waldur: &StandIn, method: &str, target: &str, extra: &str, body: &str) -> (u16, Vec<String>, String) {
    let mut stream = tokio::net::TcpStream::connect(waldur.addr()).await.unwrap();
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: served.test\r\nConnection: close\r\nAuthorization: Token {}\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        seed::TOKEN,
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines.map(|l| l.to_ascii_lowercase()).collect();
    (status, headers, body.to_string())
}

fn has(headers: &[String], name: &str) -> Option<String> {
    headers.iter().find_map(|h| h.strip_prefix(&format!("{name}: ")).map(str::to_string))
}

#[tokio::test]
async fn head_answers_carry_the_length_get_would_have_or_none() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 25)).await.unwrap();
    let (status, headers, body) = exchange(&waldur, "HEAD", &format!("{LIST_PATH}?page_size=5"), "", "").await;
    assert_eq!((status, body.as_str()), (200, ""));
    assert_eq!(has(&headers, "x-result-count").as_deref(), Some("20"));
    assert!(has(&headers, "link").is_some());
    // The list's HEAD builds no body: no length at all, never a `0` that GET would contradict.
    assert_eq!(has(&headers, "content-length"), None, "{headers:?}");

    let item = format!("{LIST_PATH}{}/", seed::id(2, 1));
    let (_, get, get_body) = exchange(&waldur, "GET", &item, "", "").await;
    let (status, head, body) = exchange(&waldur, "HEAD", &item, "", "").await;
    assert_eq!((status, body.as_str()), (200, ""));
    assert_eq!(has(&head, "content-length"), Some(get_body.len().to_string()));
    assert_eq!(has(&get, "content-length"), Some(get_body.len().to_string()));
}

#[tokio::test]
async fn a_405_is_drfs_body_without_an_allow_header() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 1)).await.unwrap();
    for (method, target) in [("PUT", format!("{LIST_PATH}{}/", seed::id(2, 1))), ("DELETE", LIST_PATH.to_string())] {
        let (status, headers, body) = exchange(&waldur, method, &target, "", "").await;
        assert_eq!(status, 405);
        assert_eq!(body, format!("{{\"detail\":\"Method \\\"{method}\\\" not allowed.\"}}"));
        assert_eq!(has(&headers, "allow"), None, "{headers:?}");
    }
}

#[tokio::test]
async fn bodies_are_read_whatever_their_size_or_content_type() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 0)).await.unwrap();
    let body = serde_json::json!({
        "project": seed::course_project(),
        "email": "big@example.edu",
        "description": "x".repeat(3 << 20),
    })
    .to_string();
    let (status, _, _) = exchange(&waldur, "POST", LIST_PATH, "Content-Type: text/plain\r\n", &body).await;
    assert_eq!(status, 201, "over axum's 2 MB default, and not declared JSON");
    let logged = waldur.requests();
    assert_eq!(logged.last().map(|r| (r.status, r.body.len())), Some((201, body.len())));
}

/// Not Waldur's behaviour (its router matches neither an empty segment nor a second slash, so it
/// answers its 404 page) but the stand-in's since before it routed with axum: a segment followed by
/// two or more slashes is an account it cannot read.
#[tokio::test]
async fn a_segment_with_extra_slashes_is_an_unreadable_account() {
    let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 1)).await.unwrap();
    let doubled = format!("{LIST_PATH}{}//", seed::id(2, 1));
    let (status, _, body) = exchange(&waldur, "GET", &doubled, "", "").await;
    assert_eq!((status, body.as_str()), (404, "{\"detail\":\"Not found.\"}"));
    assert_eq!(exchange(&waldur, "POST", &doubled, "", "").await.0, 405);
    let (status, headers, _) = exchange(&waldur, "GET", &format!("{LIST_PATH}a/b//"), "", "").await;
    assert_eq!(status, 404);
    assert!(has(&headers, "content-type").is_some_and(|t| t.starts_with("text/html")), "{headers:?}");
}
