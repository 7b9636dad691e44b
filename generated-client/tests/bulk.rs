//! Bulk creation in chunks: every email ends up created, failed, skipped or not attempted — none lost.

mod support;

use serde_json::Value;
use support::*;
use waldur_course_accounts::{BulkOptions, ChunkStatus};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Creates an account per email, like the server; a chunk holding `bad@` fails validation the way
/// Waldur reports it (400 keyed on `course_accounts`). Emails with `dup` are skipped (newer servers).
struct FakeBulk;

impl Respond for FakeBulk {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = request.body_json().unwrap();
        let emails: Vec<&str> =
            body["course_accounts"].as_array().unwrap().iter().map(|a| a["email"].as_str().unwrap()).collect();
        if let Some(i) = emails.iter().position(|e| e.starts_with("bad@")) {
            let mut errors = vec![serde_json::json!({}); emails.len()];
            errors[i] = serde_json::json!({"email": ["Enter a valid email address."]});
            return ResponseTemplate::new(400).set_body_json(serde_json::json!({ "course_accounts": errors }));
        }
        let accounts: Vec<Value> = emails
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.contains("dup"))
            .map(|(i, e)| {
                let mut a = account(i as u32, "OK");
                a["email"] = Value::from(*e);
                a
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(accounts)
    }
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path(format!("{LIST}create_bulk/"))).respond_with(FakeBulk).mount(&server).await;
    server
}

fn emails(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("student{i}@example.edu")).collect()
}

#[tokio::test]
async fn large_inputs_are_sent_in_chunks() {
    let server = server().await;
    let outcome = client(&server).create_bulk(PROJECT.parse().unwrap(), emails(250), &BulkOptions::default()).await;
    assert!(outcome.is_complete());
    assert_eq!(outcome.created().count(), 250);
    let sizes: Vec<usize> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.body_json::<Value>().unwrap()["course_accounts"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [100, 100, 50]);
}

#[tokio::test]
async fn a_failure_midway_says_exactly_which_emails_were_created_and_which_not() {
    let server = server().await;
    let mut input = emails(250);
    input[130] = "bad@".into();
    let outcome = client(&server).create_bulk(PROJECT.parse().unwrap(), input.clone(), &BulkOptions::default()).await;
    assert!(!outcome.is_complete());
    let statuses: Vec<&str> = outcome
        .chunks
        .iter()
        .map(|c| match c.status {
            ChunkStatus::Created { .. } => "created",
            ChunkStatus::Failed(_) => "failed",
            ChunkStatus::NotAttempted => "not attempted",
        })
        .collect();
    assert_eq!(statuses, ["created", "failed", "not attempted"]);
    let created: Vec<String> = outcome.created().map(|a| a.email.as_ref().unwrap().to_string()).collect();
    assert_eq!(created, input[..100]);
    assert_eq!(
        outcome.failed_emails().collect::<Vec<_>>(),
        input[100..200].iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert_eq!(outcome.not_attempted_emails().count(), 50);
    let err = outcome.errors().next().unwrap();
    assert_eq!(err.api().unwrap().body.field("course_accounts[30].email"), ["Enter a valid email address."]);
    assert_eq!(outcome.uncertain_emails().count(), 0, "a 400 created nothing");
    // Every input email is accounted for exactly once.
    let total: usize = outcome.chunks.iter().map(|c| c.emails.len()).sum();
    assert_eq!(total, input.len());
}

#[tokio::test]
async fn continuing_past_a_failure_and_reporting_skipped_duplicates() {
    let server = server().await;
    let mut input = emails(30);
    input[3] = "bad@".into();
    input[25] = "dup25@example.edu".into();
    let options = BulkOptions { chunk_size: 10, stop_on_error: false };
    let outcome = client(&server).create_bulk(PROJECT.parse().unwrap(), input, &options).await;
    assert_eq!(outcome.failed_emails().count(), 10);
    assert_eq!(outcome.created().count(), 19);
    assert_eq!(outcome.not_returned_emails().collect::<Vec<_>>(), ["dup25@example.edu"]);
}

#[tokio::test]
async fn no_emails_sends_nothing() {
    let server = server().await;
    let outcome =
        client(&server).create_bulk(PROJECT.parse().unwrap(), Vec::<String>::new(), &BulkOptions::default()).await;
    assert!(outcome.is_complete());
    assert!(server.received_requests().await.unwrap().is_empty());
}
