//! All-pages streaming against Waldur-format pagination, and the ways a server's links can go wrong.

mod support;

use futures::{StreamExt, TryStreamExt};
use support::*;
use waldur_course_accounts::{CourseAccountState, Error, Filter, PaginationProblem, Refusal};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A page link the way Django REST framework builds it: the request URL with `page` replaced.
fn page_url(server: &MockServer, page: u32, page_size: u32) -> String {
    if page == 1 {
        format!("{}{LIST}?page_size={page_size}&state=OK", server.uri())
    } else {
        format!("{}{LIST}?page={page}&page_size={page_size}&state=OK", server.uri())
    }
}

/// Waldur's Link header: first and last always, prev and next when they exist.
fn links(server: &MockServer, page: u32, last: u32, page_size: u32) -> String {
    let mut parts = vec![format!("<{}>; rel=\"first\"", page_url(server, 1, page_size))];
    if page > 1 {
        parts.push(format!("<{}>; rel=\"prev\"", page_url(server, page - 1, page_size)));
    }
    if page < last {
        parts.push(format!("<{}>; rel=\"next\"", page_url(server, page + 1, page_size)));
    }
    parts.push(format!("<{}>; rel=\"last\"", page_url(server, last, page_size)));
    parts.join(", ")
}

/// Serves `total` accounts in pages of `page_size`.
async fn paged_server(total: u32, page_size: u32) -> MockServer {
    let server = MockServer::start().await;
    let last = total.div_ceil(page_size).max(1);
    for page in 1..=last {
        let items: Vec<_> = ((page - 1) * page_size..(page * page_size).min(total)).map(|i| account(i, "OK")).collect();
        let response = ResponseTemplate::new(200)
            .set_body_json(items)
            .insert_header("x-result-count", total.to_string().as_str())
            .insert_header("link", links(&server, page, last, page_size).as_str());
        let mock = Mock::given(method("GET")).and(path(LIST)).and(query_param("page_size", page_size.to_string()));
        let mock = if page == 1 {
            mock.and(query_param_is_missing("page"))
        } else {
            mock.and(query_param("page", page.to_string()))
        };
        mock.respond_with(response).expect(1).mount(&server).await;
    }
    server
}

#[tokio::test]
async fn streams_every_page_in_order_and_reports_the_total() {
    let server = paged_server(7, 3).await;
    let mut stream = client(&server).list_with_page_size(Filter::new().state(CourseAccountState::Ok), 3);
    assert_eq!(stream.total(), None);
    let mut seen = Vec::new();
    while let Some(account) = stream.try_next().await.unwrap() {
        seen.push(account.username.unwrap());
        assert_eq!(stream.total(), Some(7));
    }
    let expected: Vec<String> = (0..7).map(|i| format!("student{i:05}")).collect();
    assert_eq!(seen, expected);
    // The next links carried the filters and the token went with each request.
    for r in server.received_requests().await.unwrap() {
        assert!(r.url.query().unwrap().contains("state=OK"));
        assert_eq!(r.headers.get("authorization").unwrap(), &format!("Token {TOKEN}"));
    }
}

#[tokio::test]
async fn page_size_defaults_to_the_server_maximum() {
    let server = paged_server(2, 300).await;
    let all: Vec<_> = client(&server).list(Filter::new().state(CourseAccountState::Ok)).try_collect().await.unwrap();
    assert_eq!(all.len(), 2);
}

async fn first_page_links_to(next: &str, total: u32) -> MockServer {
    let server = MockServer::start().await;
    let next = next.replace("{uri}", &server.uri());
    let page = ResponseTemplate::new(200)
        .set_body_json(vec![account(0, "OK")])
        .insert_header("x-result-count", total.to_string().as_str())
        .insert_header("link", format!("<{next}>; rel=\"next\"").as_str());
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param_is_missing("page"))
        .respond_with(page.clone())
        .mount(&server)
        .await;
    // Whatever the link points to on this server answers with the same page again.
    Mock::given(method("GET")).and(path(LIST)).and(query_param("page", "1")).respond_with(page).mount(&server).await;
    server
}

/// Why the walk of the whole list stopped (it must stop with a pagination error).
async fn pagination_problem(server: &MockServer, filter: Filter) -> PaginationProblem {
    let results: Vec<_> = client(server).list(filter).collect().await;
    match results.into_iter().find_map(Result::err).expect("the stream must end in an error") {
        Error::Pagination { reason, .. } => reason,
        other => panic!("not a pagination error: {other:?}"),
    }
}

#[tokio::test]
async fn a_link_to_another_host_is_refused_and_gets_no_token() {
    let server = first_page_links_to("https://evil.example.com/api/marketplace-course-accounts/?page=2", 5).await;
    let problem = pagination_problem(&server, Filter::new()).await;
    assert_eq!(problem, PaginationProblem::OtherOrigin { origin: "https://evil.example.com".into() });
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_link_to_the_page_itself_is_a_loop_not_a_hang() {
    let server = first_page_links_to("{uri}/api/marketplace-course-accounts/?page=1&page_size=300", 5).await;
    assert_eq!(pagination_problem(&server, Filter::new()).await, PaginationProblem::Loop);
}

#[tokio::test]
async fn a_link_back_to_an_earlier_page_is_refused() {
    let server = MockServer::start().await;
    let link = |page: u32| format!("<{}{LIST}?page={page}&page_size=300>; rel=\"next\"", server.uri());
    for (page, next) in [(None, 2), (Some("2"), 1)] {
        let reply = ResponseTemplate::new(200)
            .set_body_json(vec![account(0, "OK")])
            .insert_header("x-result-count", "5")
            .insert_header("link", link(next).as_str());
        let on_page = Mock::given(method("GET")).and(path(LIST));
        match page {
            None => on_page.and(query_param_is_missing("page")).respond_with(reply).mount(&server).await,
            Some(p) => on_page.and(query_param("page", p)).respond_with(reply).mount(&server).await,
        }
    }
    assert_eq!(pagination_problem(&server, Filter::new()).await, PaginationProblem::GoesBack { from: 2, to: 1 });
}

#[tokio::test]
async fn a_link_that_drops_the_filters_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(vec![account(0, "OK")])
                .insert_header("x-result-count", "2")
                .insert_header("link", format!("<{}{LIST}?page=2>; rel=\"next\"", server.uri()).as_str()),
        )
        .mount(&server)
        .await;
    let problem = pagination_problem(&server, Filter::new().state(CourseAccountState::Ok)).await;
    assert_eq!(problem, PaginationProblem::DropsParameter { name: "page_size".into() });
}

#[tokio::test]
async fn a_short_walk_is_an_error_not_a_silently_incomplete_list() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(vec![account(0, "OK")]).insert_header("x-result-count", "3"),
        )
        .mount(&server)
        .await;
    let problem = pagination_problem(&server, Filter::new()).await;
    assert_eq!(problem, PaginationProblem::Short { announced: 3, received: 1 });
    assert!(problem.to_string().contains("announced 3 accounts"), "{problem}");
}

#[tokio::test]
async fn a_page_past_the_end_is_not_found() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .respond_with(ResponseTemplate::new(404).set_body_json(serde_json::json!({"detail": "Invalid page."})))
        .mount(&server)
        .await;
    let err = client(&server).list_page(&Filter::new(), 9, 300).await.unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.refusal() == Refusal::NotFound), "{err:?}");
    assert!(err.to_string().contains("Invalid page."), "{err}");
}

#[tokio::test]
async fn a_base_url_with_a_path_prefix_is_kept_for_every_page() {
    let server = MockServer::start().await;
    let prefixed = format!("/waldur{LIST}");
    let next = format!("<{}{prefixed}?page=2&page_size=300>; rel=\"next\"", server.uri());
    Mock::given(method("GET"))
        .and(path(prefixed.clone()))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(vec![account(2, "OK")]).insert_header("x-result-count", "2"),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(prefixed))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(vec![account(1, "OK")])
                .insert_header("x-result-count", "2")
                .insert_header("link", next.as_str()),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let client = waldur_course_accounts::Client::new(
        &format!("{}/waldur/", server.uri()),
        waldur_course_accounts::Token::new(TOKEN),
    )
    .unwrap();
    let all: Vec<_> = client.list(Filter::new()).try_collect().await.unwrap();
    assert_eq!(all.len(), 2);
    let page = client.list_page(&Filter::new(), 1, 300).await.unwrap();
    assert_eq!(page.next.unwrap().path(), "/waldur/api/marketplace-course-accounts/");
    let err = client.get(uuid(1).parse().unwrap()).await.unwrap_err();
    assert!(err.to_string().contains(&format!("GET /waldur/api/marketplace-course-accounts/{}/", uuid(1))), "{err}");
}

/// A page that vanishes mid-walk (the list shrank: accounts closed meanwhile) is a pagination error
/// that says so, not a bare NotFound that reads like "no such account".
#[tokio::test]
async fn a_page_that_vanishes_mid_walk_is_a_pagination_error_that_says_why() {
    let server = MockServer::start().await;
    let next = format!("{}{LIST}?page=2&page_size=300", server.uri());
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param_is_missing("page"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(vec![account(0, "OK")])
                .insert_header("x-result-count", "2")
                .insert_header("link", format!("<{next}>; rel=\"next\"").as_str()),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(404).set_body_json(serde_json::json!({"detail": "Invalid page."})))
        .mount(&server)
        .await;
    let problem = pagination_problem(&server, Filter::new()).await;
    assert!(matches!(&problem, PaginationProblem::PageVanished(said) if said.status == 404), "{problem:?}");
    let text = problem.to_string();
    assert!(text.contains("vanished") && text.contains("Invalid page."), "{text}");
}

/// `list_page` used to drop a malformed X-Result-Count or next link silently (total None, next None:
/// "this is the last page"). Both are errors now.
#[tokio::test]
async fn list_page_refuses_a_malformed_count_or_link_instead_of_dropping_it() {
    for (header, value, expected) in [
        ("x-result-count", "many", PaginationProblem::CountNotANumber),
        (
            "link",
            "<http://[::1/broken>; rel=\"next\"",
            PaginationProblem::LinkNotAUrl(waldur_course_accounts::reqwest::Url::parse("http://[::1").unwrap_err()),
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(LIST))
            .respond_with(ResponseTemplate::new(200).set_body_json(vec![account(0, "OK")]).insert_header(header, value))
            .mount(&server)
            .await;
        let err = client(&server).list_page(&Filter::new(), 1, 10).await.unwrap_err();
        assert!(matches!(&err, Error::Pagination { reason, .. } if *reason == expected), "{header}: {err:?}");
    }
}
