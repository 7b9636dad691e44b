//! Typed client for Waldur's marketplace course-accounts API (temporary student accounts attached to a
//! course project).
//!
//! [`Client`] is the hand-written layer most callers need: token or bearer credentials, all-pages
//! streaming, typed errors, retries of idempotent requests, chunked bulk creation, and tolerance of
//! newer Waldur servers. [`generated`] is the raw progenitor client it is built on, regenerated from
//! `openapi/course-accounts.yaml` by `cargo xtask codegen` and never edited by hand.

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
pub use courses::{Course, EndedCourse};
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

/// The README's code blocks, compiled as doctests so the usage example cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
