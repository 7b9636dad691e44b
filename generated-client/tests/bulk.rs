//! Bulk creation in chunks: every email ends up created, already present, refused, uncertain,
//! unreadable or not attempted — none lost, none reported failed that was created — and the input is
//! checked and normalised before anything is sent.

mod support;

use futures::StreamExt;
use serde_json::{Value, json};
use support::*;
use waldur_course_accounts::{BulkInput, BulkOptions, ChunkOutcome, ChunkStatus, Error, SkipReason};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Creates an account per email, like the server; a chunk holding a `blocked` address is refused the
/// way Waldur reports it (400 keyed on `course_accounts`). Emails with `dup` are skipped (newer
/// servers skip emails already in the project).
struct FakeBulk;

impl Respond for FakeBulk {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = request.body_json().unwrap();
        let emails: Vec<&str> =
            body["course_accounts"].as_array().unwrap().iter().map(|a| a["email"].as_str().unwrap()).collect();
        if let Some(i) = emails.iter().position(|e| e.starts_with("blocked")) {
            let mut errors = vec![json!({}); emails.len()];
            errors[i] = json!({"email": ["Enter a valid email address."]});
            return ResponseTemplate::new(400).set_body_json(json!({ "course_accounts": errors }));
        }
        let accounts: Vec<Value> = emails
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.contains("dup"))
            .map(|(i, e)| {
                let mut a = account(i as u32, "OK");
                // The server stores the address trimmed.
                a["email"] = Value::from(e.trim());
                a
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(accounts)
    }
}

/// A project that holds `accounts`: what the plan reads before anything is sent.
async fn project_holding(server: &MockServer, accounts: Value) {
    let n = accounts.as_array().map_or(0, Vec::len).to_string();
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("project_uuid", PROJECT))
        .respond_with(ResponseTemplate::new(200).set_body_json(accounts).insert_header("x-result-count", n))
        .mount(server)
        .await;
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    project_holding(&server, json!([])).await;
    Mock::given(method("POST")).and(path(format!("{LIST}create_bulk/"))).respond_with(FakeBulk).mount(&server).await;
    server
}

/// A server answering every create_bulk with `response`.
async fn answering(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    project_holding(&server, json!([])).await;
    Mock::given(method("POST")).and(path(format!("{LIST}create_bulk/"))).respond_with(response).mount(&server).await;
    server
}

fn emails(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("student{i}@example.edu")).collect()
}

fn project() -> uuid::Uuid {
    PROJECT.parse().unwrap()
}

/// The create_bulk requests received.
async fn posts(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap().into_iter().filter(|r| r.method.as_str() == "POST").collect()
}

async fn sent(server: &MockServer) -> Vec<Vec<String>> {
    posts(server)
        .await
        .iter()
        .map(|r| {
            r.body_json::<Value>().unwrap()["course_accounts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["email"].as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn large_inputs_are_sent_in_chunks() {
    let server = server().await;
    let outcome = client(&server).create_bulk(project(), emails(250), &BulkOptions::default()).await.unwrap();
    assert!(outcome.is_complete());
    assert_eq!(outcome.created().count(), 250);
    let sizes: Vec<usize> = sent(&server).await.iter().map(Vec::len).collect();
    assert_eq!(sizes, [100, 100, 50]);
}

#[tokio::test]
async fn a_refusal_midway_says_exactly_which_emails_were_created_and_which_not() {
    let server = server().await;
    let mut input = emails(250);
    input[130] = "blocked@example.edu".into();
    let outcome = client(&server).create_bulk(project(), input.clone(), &BulkOptions::default()).await.unwrap();
    assert!(!outcome.is_complete());
    let statuses: Vec<&str> = outcome
        .chunks
        .iter()
        .map(|c| match c.status {
            ChunkStatus::Created { .. } => "created",
            ChunkStatus::Refused(_) => "refused",
            ChunkStatus::NotAttempted => "not attempted",
            _ => "other",
        })
        .collect();
    assert_eq!(statuses, ["created", "refused", "not attempted"]);
    let created: Vec<String> = outcome.created().map(|a| a.email.as_ref().unwrap().to_string()).collect();
    assert_eq!(created, input[..100]);
    assert_eq!(
        outcome.refused_emails().collect::<Vec<_>>(),
        input[100..200].iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert_eq!(outcome.not_attempted_emails().count(), 50);
    let err = outcome.errors().next().unwrap();
    assert_eq!(err.api().unwrap().body.field("course_accounts[30].email"), ["Enter a valid email address."]);
    assert_eq!(outcome.uncertain_emails().count() + outcome.unreadable_emails().count(), 0, "a 400 created nothing");
    let total: usize = outcome.chunks.iter().map(|c| c.emails.len()).sum();
    assert_eq!(total, input.len(), "every input email is accounted for exactly once");
}

#[tokio::test]
async fn continuing_past_a_refusal_and_reporting_emails_already_present() {
    let server = server().await;
    let mut input = emails(30);
    input[3] = "blocked@example.edu".into();
    input[25] = "dup25@example.edu".into();
    let options = BulkOptions::chunks_of(10).going_on_after_errors();
    let outcome = client(&server).create_bulk(project(), input, &options).await.unwrap();
    assert_eq!(outcome.refused_emails().count(), 10);
    assert_eq!(outcome.created().count(), 19);
    assert_eq!(outcome.not_returned_emails().collect::<Vec<_>>(), ["dup25@example.edu"]);
}

#[tokio::test]
async fn no_emails_sends_nothing() {
    let server = server().await;
    let outcome = client(&server).create_bulk(project(), Vec::<String>::new(), &BulkOptions::default()).await.unwrap();
    assert!(outcome.is_complete());
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// The server trims addresses; the client compares what it sent, trimmed, so nothing created is
/// reported as "not returned", and a repeat in another case is sent once and reported.
#[tokio::test]
async fn emails_are_trimmed_and_repeats_ignoring_case_are_sent_once() {
    let server = server().await;
    let input = [" a@example.org ", "b@example.org", "A@Example.ORG\t", "c@example.org"];
    let outcome = client(&server).create_bulk(project(), input, &BulkOptions::default()).await.unwrap();
    assert_eq!(sent(&server).await, [["a@example.org", "b@example.org", "c@example.org"]]);
    assert_eq!(outcome.not_returned_emails().count(), 0, "{outcome:?}");
    assert_eq!(outcome.created().count(), 3);
    assert_eq!(outcome.duplicates.len(), 1);
    assert_eq!((outcome.duplicates[0].index, outcome.duplicates[0].first), (2, 0));
}

/// One bad address no longer stops a run halfway: every address is checked first, all problems are
/// reported at once by position (never by value: emails are personal data), and nothing is sent.
#[tokio::test]
async fn invalid_emails_are_all_reported_before_anything_is_sent() {
    let server = server().await;
    let mut input = emails(250);
    input[2] = "not-an-email".into();
    input[180] = "two words@example.org".into();
    input[240] = "   ".into();
    let err = client(&server).create_bulk(project(), input, &BulkOptions::default()).await.unwrap_err();
    let Error::InvalidInput(problems) = &err else { panic!("{err:?}") };
    assert_eq!(problems.iter().map(|p| p.index).collect::<Vec<_>>(), [2, 180, 240]);
    let text = format!("{err} {err:?}");
    assert!(!text.contains("not-an-email") && !text.contains("two words"), "{text}");
    assert!(server.received_requests().await.unwrap().is_empty(), "nothing may be sent");
}

/// A 2xx means the server created them: an answer that does not decode is "created, unreadable",
/// with the status kept, never a failure that invites a re-run that would duplicate them.
#[tokio::test]
async fn a_2xx_whose_body_does_not_decode_is_done_not_failed() {
    let server = answering(ResponseTemplate::new(200).set_body_string("<html>proxy says hi</html>")).await;
    let outcome = client(&server).create_bulk(project(), emails(3), &BulkOptions::default()).await.unwrap();
    let ChunkStatus::Unreadable(e) = &outcome.chunks[0].status else { panic!("{outcome:?}") };
    assert!(e.is_done() && !e.is_outcome_unknown(), "{e:?}");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(outcome.refused_emails().count(), 0);
    assert_eq!(outcome.unreadable_emails().count(), 3);
}

/// A 500 may come after the course service was called: outcome unknown, and the run stops.
#[tokio::test]
async fn a_500_leaves_the_chunk_uncertain() {
    let server = answering(ResponseTemplate::new(500).set_body_string("Server Error (500)")).await;
    let options = BulkOptions::chunks_of(2);
    let outcome = client(&server).create_bulk(project(), emails(4), &options).await.unwrap();
    assert!(matches!(outcome.chunks[0].status, ChunkStatus::Uncertain(_)), "{outcome:?}");
    assert!(matches!(outcome.chunks[1].status, ChunkStatus::NotAttempted), "{outcome:?}");
    assert_eq!(outcome.uncertain_emails().count(), 2);
    assert_eq!(posts(&server).await.len(), 1, "never repeated");
}

/// Outcomes arrive as they happen; dropping the stream stops the run, and what was yielded stands.
#[tokio::test]
async fn the_stream_yields_each_chunk_as_it_finishes_and_stops_when_dropped() {
    let server = server().await;
    let input = BulkInput::new(emails(50)).unwrap();
    let options = BulkOptions::chunks_of(10);
    let client = client(&server);
    let plan = client.plan_bulk(project(), input).await.unwrap();
    let mut chunks = Box::pin(client.create_bulk_stream(plan, &options));
    let first = chunks.next().await.unwrap();
    assert!(matches!(first.status, ChunkStatus::Created { ref accounts, .. } if accounts.len() == 10));
    assert_eq!(posts(&server).await.len(), 1, "nothing runs ahead of the consumer");
    let second = chunks.next().await.unwrap();
    assert_eq!(second.number, 1);
    drop(chunks);
    assert_eq!(posts(&server).await.len(), 2);
}

/// Reconcile: each email's accounts in the project, and the project's accounts on no list.
#[tokio::test]
async fn reconcile_classifies_every_email_against_the_project() {
    let server = MockServer::start().await;
    let with = |i: u32, state: &str, email: &str| {
        let mut a = account(i, state);
        a["email"] = Value::from(email);
        a
    };
    let body = json!([
        with(1, "OK", "a@example.org"),
        with(2, "Closed", "b@example.org"),
        with(3, "Erred", "c@example.org"),
        with(4, "OK", "stranger@example.org")
    ]);
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(query_param("project_uuid", PROJECT))
        .respond_with(ResponseTemplate::new(200).set_body_json(body).insert_header("x-result-count", "4"))
        .mount(&server)
        .await;
    let found = client(&server)
        .reconcile(project(), ["A@example.org ", "b@example.org", "c@example.org", "d@example.org"])
        .await
        .unwrap();
    let open: Vec<bool> = found.emails.iter().map(|e| e.has_open_account()).collect();
    assert_eq!(open, [true, false, true, false]);
    assert_eq!(found.missing().collect::<Vec<_>>(), ["d@example.org"]);
    assert_eq!(found.closed_only().collect::<Vec<_>>(), ["b@example.org"]);
    assert_eq!(found.not_listed.len(), 1);
    assert_eq!(found.not_listed[0].email.as_ref().unwrap().to_string(), "stranger@example.org");
}

/// Waldur's bulk create skips an address with an account in the project in any state, Closed
/// included, compared exactly (`CourseAccountViewSet.create_bulk`); the plan sends none of those, nor
/// an address whose account is spelled in another case (Waldur would make a second account), and says
/// why for each. What it sends, the server creates: nothing is reported "not returned".
#[tokio::test]
async fn the_plan_sends_nothing_the_project_has_an_account_for_and_says_why() {
    let server = server().await;
    let with = |i: u32, state: &str, email: &str| {
        let mut a = account(i, state);
        a["email"] = Value::from(email);
        a
    };
    server.reset().await;
    project_holding(
        &server,
        json!([
            with(1, "OK", "open@example.org"),
            with(2, "Closed", "closed@example.org"),
            with(3, "Erred", "Ada@example.org"),
            with(4, "Closed", "Old@example.org"),
        ]),
    )
    .await;
    Mock::given(method("POST")).and(path(format!("{LIST}create_bulk/"))).respond_with(FakeBulk).mount(&server).await;
    let input = ["new@example.org", "open@example.org", "closed@example.org", "ada@example.org", "old@example.org"];
    let outcome = client(&server).create_bulk(project(), input, &BulkOptions::default()).await.unwrap();
    assert_eq!(sent(&server).await, [["new@example.org"]]);
    let reasons: Vec<(usize, SkipReason)> = outcome.existing.iter().map(|e| (e.index, e.reason)).collect();
    assert_eq!(
        reasons,
        [
            (1, SkipReason::HasAccount { exact: true }),
            (2, SkipReason::Closed),
            (3, SkipReason::HasAccount { exact: false }),
            (4, SkipReason::Closed),
        ]
    );
    assert_eq!(outcome.created().count(), 1);
    assert_eq!(outcome.not_returned_emails().count(), 0);
}

/// A server too busy to act (429 with `Retry-After`, then 503) refused the chunk and made nothing:
/// the client sends it again after the wait it asked for, and the stream says so first (`Busy`).
#[tokio::test]
async fn a_chunk_a_busy_server_refused_is_sent_again_after_its_wait() {
    let server = MockServer::start().await;
    project_holding(&server, json!([])).await;
    let bulk = format!("{LIST}create_bulk/");
    Mock::given(method("POST"))
        .and(path(bulk.as_str()))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"detail": "Request was throttled."})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(bulk.as_str()))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path(bulk.as_str())).respond_with(FakeBulk).mount(&server).await;
    let busy = client(&server);
    let plan = busy.plan_bulk(project(), BulkInput::new(emails(3)).unwrap()).await.unwrap();
    let items: Vec<_> = busy.create_bulk_stream(plan, &BulkOptions::default()).collect().await;
    let kinds: Vec<String> = items
        .iter()
        .map(|c| match &c.status {
            ChunkStatus::Busy { retry_in, next_try, .. } => format!("busy {}s try {next_try}", retry_in.as_secs()),
            ChunkStatus::Created { accounts, .. } => format!("created {}", accounts.len()),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(kinds, ["busy 1s try 2", "busy 2s try 3", "created 3"], "Retry-After, then the back-off");
    assert_eq!(sent(&server).await.len(), 3);

    // create_bulk waits them out itself; past `busy_tries` the refusal stands.
    let server = answering(ResponseTemplate::new(503)).await;
    let mut options = BulkOptions::chunks_of(10);
    options.busy_tries = 2;
    let started = std::time::Instant::now();
    let outcome = client(&server).create_bulk(project(), emails(3), &options).await.unwrap();
    assert!(matches!(outcome.chunks[..], [ChunkOutcome { status: ChunkStatus::Refused(_), .. }]), "{outcome:?}");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1), "it waited once");
    assert_eq!(sent(&server).await.len(), 2);
}
