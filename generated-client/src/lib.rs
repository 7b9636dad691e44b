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
pub mod error;
pub mod filter;
#[rustfmt::skip]
#[allow(missing_docs)]
pub mod generated;
pub mod ordering;
pub mod pagination;
mod response;
pub mod retry;
pub mod state;
pub mod transport;

pub use auth::{Credentials, Token};
pub use bulk::{BulkOptions, BulkOutcome, ChunkOutcome, ChunkStatus, NewAccount};
pub use client::{Client, ClientBuilder, Deleted, NewCourseAccount};
pub use error::{ApiError, DecodeError, Error, ErrorBody, RequestInfo, Result};
pub use filter::Filter;
pub use generated::types::CourseAccount;
pub use generated::types::MarketplaceCourseAccountsOrderingField as OrderingField;
pub use ordering::{Direction, Ordering};
pub use pagination::{AccountStream, Page};
pub use retry::RetryPolicy;
pub use state::CourseAccountState;

/// The README's code blocks, compiled as doctests so the usage example cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
