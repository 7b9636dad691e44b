// The front page (docs.rs) is the crate's README, the client part of the workspace README, so its
// examples compile as doctests of this crate and say what the README says.
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod auth;
pub mod bulk;
pub mod client;
pub mod close;
pub mod courses;
pub mod email;
pub mod error;
pub mod filter;
#[rustfmt::skip]
#[allow(missing_docs)]
pub mod generated;
pub mod ordering;
pub mod pagination;
mod problem;
pub mod reconcile;
mod response;
pub mod retry;
pub mod state;
pub mod sync;
pub mod transport;
pub mod wait;

pub use auth::{Credentials, Token};
pub use bulk::{
    BulkInput, BulkOptions, BulkOutcome, BulkPlan, ChunkOutcome, ChunkStatus, Duplicate, Existing, NewAccount,
    SkipReason,
};
pub use client::{Client, ClientBuilder, Deleted, NewCourseAccount};
pub use close::{CloseOutcome, CloseReport, CloseStatus};
pub use courses::{Course, EndedAccount, EndedCourse};
pub use email::{EmailKey, EmailProblem, check_email};
pub use error::{
    ApiError, ConfigError, DecodeError, Error, ErrorBody, InputProblem, PaginationProblem, RequestInfo, RequestProblem,
    Result, UnknownOutcome,
};
pub use filter::Filter;
pub use generated::types::CourseAccount;
pub use generated::types::MarketplaceCourseAccountsOrderingField as OrderingField;
pub use ordering::{Direction, Ordering};
pub use pagination::{AccountStream, Page};
pub use reconcile::{EmailStatus, Reconciliation, Standing};
pub use retry::RetryPolicy;
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
