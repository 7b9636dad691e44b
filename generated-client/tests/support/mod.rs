//! Fixtures for the client's wire tests: Waldur-shaped bodies and a client pointed at a loopback mock.

#![allow(dead_code)]

use serde_json::{Value, json};
use waldur_course_accounts::{Client, RetryPolicy, Token};
use wiremock::MockServer;

pub const TOKEN: &str = "9f2c1e7d5b3a4c6e8f0a1b2c3d4e5f60SECRET";
pub const PROJECT: &str = "7c4b2f3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f";

/// A course account as Waldur 7.8.7 serializes it.
pub fn account(i: u32, state: &str) -> Value {
    json!({
        "url": format!("https://waldur.example.edu/api/marketplace-course-accounts/{}/", uuid(i)),
        "uuid": uuid(i),
        "created": "2025-09-01T08:30:00.123456Z",
        "modified": "2025-09-02T10:00:00Z",
        "project": PROJECT,
        "project_uuid": PROJECT,
        "project_name": "HPC course autumn 2025",
        "project_slug": "hpc-course-autumn-2025",
        "project_start_date": "2025-09-01",
        "project_end_date": "2025-12-20",
        "user_uuid": "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
        "username": format!("student{i:05}"),
        "customer_uuid": "11111111-2222-4333-8444-555555555555",
        "customer_name": "University of Tartu",
        "state": state,
        "email": format!("student{i}@example.edu"),
        "description": "",
        "error_message": "",
        "error_traceback": ""
    })
}

/// The same account as newer servers send it: nullable dates (8.0.8) and user fields (8.1.3).
pub fn account_8x(i: u32, state: &str) -> Value {
    let mut a = account(i, state);
    a["project_start_date"] = Value::Null;
    a["project_end_date"] = Value::Null;
    a["user_uuid"] = Value::Null;
    a["username"] = Value::Null;
    a
}

pub fn uuid(i: u32) -> String {
    format!("a1b2c3d4-e5f6-4890-abcd-{i:012x}")
}

pub fn client(server: &MockServer) -> Client {
    Client::builder(&server.uri(), Token::new(TOKEN)).retry(fast_retries()).build().unwrap()
}

/// Retries with millisecond backoff so tests stay quick.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        initial_delay: std::time::Duration::from_millis(1),
        max_delay: std::time::Duration::from_millis(5),
        max_retry_after: std::time::Duration::from_secs(2),
    }
}

pub const LIST: &str = "/api/marketplace-course-accounts/";
