// Every public item has one path, the crate root (the modules are private: oxide.rs's SDK keeps the
// same shape), except the raw `generated` client, which keeps its own module as progenitor lays it out.
// The front page (docs.rs) is the crate's README, the client part of the workspace README, so its
// examples compile as doctests of this crate and say what the README says.
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod account;
mod auth;
mod bulk;
mod client;
mod close;
mod courses;
mod drf_body;
mod email;
mod error;
mod filter;
mod kind;
#[rustfmt::skip]
#[allow(missing_docs)]
pub mod generated;
mod ordering;
mod pagination;
mod problem;
mod reconcile;
mod response;
mod retry;
mod state;
mod sync;
mod transport;
mod wait;

pub use auth::{Credentials, Token};
pub use bulk::{
    BulkInput, BulkOptions, BulkOutcome, BulkPlan, ChunkOutcome, ChunkStatus, DEFAULT_CHUNK_SIZE, Duplicate, Existing,
    NewAccount, SkipReason,
};
pub use client::{Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, Deleted, NewCourseAccount};
pub use close::{CloseOutcome, CloseReport, CloseStatus};
pub use courses::{Course, EndedAccount, EndedCourse};
pub use email::{EmailKey, EmailProblem, as_sent, check_email, is_invisible};
pub use error::{
    ApiError, ConfigError, DecodeError, Error, ErrorBody, InputProblem, PaginationProblem, Refusal, RequestInfo,
    RequestProblem, Result, TransportKind, UnknownOutcome,
};
pub use filter::Filter;
pub use generated::types::CourseAccount;
pub use generated::types::MarketplaceCourseAccountsOrderingField as OrderingField;
pub use ordering::{Direction, Ordering};
pub use pagination::{AccountStream, Link, MAX_PAGE_SIZE, Page, parse_link_header};
pub use reconcile::{EmailStatus, Reconciliation, Standing};
pub use retry::{RetryPolicy, is_idempotent, is_retryable_status, retry_after};
pub use state::CourseAccountState;
pub use sync::SyncPlan;
pub use wait::{WaitOptions, WaitProgress, WaitReport};

// What the public signatures name from other crates, so that a consumer needs no dependency of its
// own (and no version of it to keep in step) to call every method: `Uuid` (account and project ids),
// `NaiveDate` (project date filters), `Url` (base and page URLs), and reqwest (`http_client`,
// `StatusCode` and `Method` in errors).
pub use chrono::NaiveDate;
pub use reqwest;
pub use reqwest::{Method, StatusCode};
pub use url::Url;
pub use uuid::Uuid;

#[cfg(test)]
mod front_page {
    #[test]
    fn the_front_page_is_the_client_part_of_the_workspace_readme() {
        let workspace = include_str!("../../README.md");
        let marker = "a test keeps them equal). -->\n";
        let front = include_str!("../README.md");
        let part =
            &front[front.find(marker).expect("the crate README marks where the shared part starts") + marker.len()..];
        assert!(
            workspace.contains(part),
            "generated-client/README.md and README.md's \"Using the client\" differ: make them the same text"
        );
    }
}
