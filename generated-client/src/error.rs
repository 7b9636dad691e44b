//! The crate's one error type (the parser of Django REST framework error bodies it carries is in
//! `drf_body`).
//!
//! Every error that comes from a response says which request it answers (method and path) and what
//! the server said; none carries the token (credentials only live in a sensitive header).

use std::fmt;
use std::time::Duration;

use reqwest::{Method, StatusCode};

pub use crate::drf_body::ErrorBody;
pub(crate) use crate::drf_body::excerpt;
pub use crate::problem::{ConfigError, PaginationProblem, RequestProblem, UnknownOutcome};

/// Which request an error belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInfo {
    /// The operationId, e.g. `marketplace_course_accounts_destroy`.
    pub operation: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The URL path (no host, no query).
    pub path: String,
}

impl fmt::Display for RequestInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// An error response: a status the call does not succeed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The request this answers.
    pub request: RequestInfo,
    /// The HTTP status.
    pub status: StatusCode,
    /// What the server said.
    pub body: ErrorBody,
    /// From `Retry-After`, on 429 and 503.
    pub retry_after: Option<Duration>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.request, self.status)?;
        let message = self.body.message();
        if !message.is_empty() {
            write!(f, ": {message}")?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, " (retry after {}s)", wait.as_secs())?;
        }
        Ok(())
    }
}

/// A response that arrived but does not decode into the expected type.
#[derive(Debug, Clone)]
pub struct DecodeError {
    /// The request this answers.
    pub request: RequestInfo,
    /// The HTTP status, when known.
    pub status: Option<StatusCode>,
    /// Where in the body decoding failed, as a path like `[3].created` (`.` is the whole body).
    pub json_path: String,
    /// What did not fit.
    pub message: String,
    /// The first characters of the body.
    pub excerpt: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.request)?;
        if let Some(status) = self.status {
            write!(f, ": {status}")?;
        }
        write!(
            f,
            ": the response does not decode at `{}`: {}; body starts: {}",
            self.json_path, self.message, self.excerpt
        )
    }
}

/// Everything that can go wrong talking to the course-accounts API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 400: the request was refused; field errors are in `body`.
    #[error("validation failed: {0}")]
    Validation(Box<ApiError>),
    /// 401: no, an invalid, or an expired token.
    #[error("unauthorized: {0}")]
    Unauthorized(Box<ApiError>),
    /// 403: authenticated but not allowed.
    #[error("forbidden: {0}")]
    Forbidden(Box<ApiError>),
    /// 404: no such account, no access to it (Waldur answers 404, not 403), or a page past the end.
    #[error("not found: {0}")]
    NotFound(Box<ApiError>),
    /// 405: the server does not offer this method here (PUT/PATCH on an account).
    #[error("method not allowed: {0}")]
    MethodNotAllowed(Box<ApiError>),
    /// 409: the account is in a state that forbids the operation (delete outside OK/Erred).
    #[error("conflict: {0}")]
    Conflict(Box<ApiError>),
    /// 429: too many requests; `retry_after` says when to come back.
    #[error("rate limited: {0}")]
    RateLimited(Box<ApiError>),
    /// 5xx.
    #[error("server error: {0}")]
    Server(Box<ApiError>),
    /// Any other status the call does not succeed with.
    #[error("unexpected status: {0}")]
    UnexpectedStatus(Box<ApiError>),
    /// The server answered with a redirect to another origin (host, port or scheme), which the client
    /// does not follow: credentials are not sent to another origin, so the request would reach it
    /// unauthenticated. Nothing was done. Use the address it points to as the base URL if it is
    /// Waldur's.
    #[error(
        "{request}: the server redirects to {location} ({status}); the client does not follow a redirect to another origin, where the token would not be sent: use that address as the base URL"
    )]
    Redirected {
        /// The request that was redirected.
        request: RequestInfo,
        /// The redirect status (301, 302, 307, 308, ...).
        status: StatusCode,
        /// Where it points: origin and path, without the query (which may hold filter values).
        location: String,
    },
    /// Connecting, sending or receiving failed, or the timeout passed.
    #[error("{request}: transport error: {reason}")]
    Transport {
        /// The request that failed.
        request: RequestInfo,
        /// What failed (timeout, connection, body), without the URL.
        reason: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The body does not decode into the expected type.
    #[error("{0}")]
    Decode(Box<DecodeError>),
    /// The server's pagination cannot be followed safely (a loop, a link elsewhere, a short result).
    #[error("{request}: pagination: {reason}")]
    Pagination {
        /// The page request at fault.
        request: RequestInfo,
        /// What is wrong with the server's pagination.
        reason: PaginationProblem,
    },
    /// The server does not have this operation: it is older than the release that added it (e.g.
    /// `retry`, added in Waldur 8.0.7). Nothing was done.
    #[error(
        "{request}: this Waldur server does not support {operation} (added in Waldur {since}); it answered {status}"
    )]
    Unsupported {
        /// The request the server did not recognise.
        request: RequestInfo,
        /// The operation, as users know it (`retry`).
        operation: &'static str,
        /// The first Waldur release that has it.
        since: &'static str,
        /// What the server answered (404 or 405).
        status: reqwest::StatusCode,
    },
    /// A write whose outcome the client could not learn: the answer was lost or unreadable and the
    /// follow-up read that would have told failed too. The account may or may not have changed; look
    /// it up ([`crate::Client::get`], [`crate::Client::reconcile`]) before repeating the write.
    #[error("{request}: outcome unknown: {reason}")]
    OutcomeUnknown {
        /// The write in question.
        request: RequestInfo,
        /// Why the outcome is unknown.
        reason: UnknownOutcome,
    },
    /// The request could not be built from the given values (nothing was sent).
    #[error("invalid request: {0}")]
    InvalidRequest(RequestProblem),
    /// Some of the input is unusable, so nothing was sent (e.g. bulk create with an invalid email).
    /// Each problem names the input position, never the value: emails are personal data.
    #[error("invalid input, nothing was sent: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    InvalidInput(Vec<InputProblem>),
    /// The client was configured in a way it refuses (e.g. a token over plain HTTP).
    #[error("configuration: {0}")]
    Config(ConfigError),
}

impl Error {
    /// The error response, for errors that are one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Validation(e)
            | Error::Unauthorized(e)
            | Error::Forbidden(e)
            | Error::NotFound(e)
            | Error::MethodNotAllowed(e)
            | Error::Conflict(e)
            | Error::RateLimited(e)
            | Error::Server(e)
            | Error::UnexpectedStatus(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Decode(d) => d.status,
            Error::Unsupported { status, .. } | Error::Redirected { status, .. } => Some(*status),
            other => other.api().map(|e| e.status),
        }
    }

    /// True when a write may have taken effect although it failed: the connection broke after
    /// sending or the timeout passed, a gateway gave up waiting (502, 504), the application failed
    /// midway (500: Waldur's create calls the course service before it saves, so not all of its work
    /// is undone), or the client could not confirm the outcome ([`Error::OutcomeUnknown`]). The caller
    /// cannot know whether accounts were created or closed: look before repeating. 501, 503 and other
    /// statuses are answers of a server that did not do the work (maintenance pages, a missing
    /// feature), so they are refusals.
    pub fn is_outcome_unknown(&self) -> bool {
        match self {
            Error::Transport { source, .. } => !source.is_connect() && !source.is_builder(),
            Error::Server(e) => matches!(e.status.as_u16(), 500 | 502 | 504),
            Error::OutcomeUnknown { .. } => true,
            _ => false,
        }
    }

    /// The refusal of a server too busy to act (429, or 503 from a proxy's maintenance page), with
    /// the `Retry-After` it asked for, if any. Nothing was done, so even a write may be sent again
    /// (after the wait); [`Error::is_outcome_unknown`] is false for these.
    pub fn busy_refusal(&self) -> Option<&ApiError> {
        match self {
            Error::RateLimited(e) => Some(e),
            Error::Server(e) if e.status == StatusCode::SERVICE_UNAVAILABLE => Some(e),
            _ => None,
        }
    }

    /// True when the server did the write but its answer does not decode: a 2xx to a POST or DELETE
    /// whose body a proxy mangled or a newer server shaped differently. The accounts exist (or are
    /// closed); only their details are missing. Never repeat such a write: read the accounts instead.
    pub fn is_done(&self) -> bool {
        match self {
            Error::Decode(d) => {
                d.status.is_some_and(|s| s.is_success())
                    && matches!(d.request.method, Method::POST | Method::DELETE | Method::PUT | Method::PATCH)
            }
            _ => false,
        }
    }

    /// Classifies an error response by status.
    pub fn from_status(
        request: RequestInfo,
        status: StatusCode,
        body: ErrorBody,
        retry_after: Option<Duration>,
    ) -> Error {
        let e = Box::new(ApiError { request, status, body, retry_after });
        match status.as_u16() {
            400 => Error::Validation(e),
            401 => Error::Unauthorized(e),
            403 => Error::Forbidden(e),
            404 => Error::NotFound(e),
            405 => Error::MethodNotAllowed(e),
            409 => Error::Conflict(e),
            429 => Error::RateLimited(e),
            500..=599 => Error::Server(e),
            _ => Error::UnexpectedStatus(e),
        }
    }

    pub(crate) fn transport(request: RequestInfo, source: reqwest::Error) -> Error {
        // reqwest's own Display and Debug print the URL, query included (filter values such as a
        // student's email); the URL is dropped so that no part of the error chain carries it.
        let source = source.without_url();
        Error::Transport { reason: transport_reason(&source), request, source }
    }
}

/// One unusable input item: its 0-based position in what the caller gave, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputProblem {
    /// 0-based position in the caller's input.
    pub index: usize,
    /// What is wrong with it (never the value itself).
    pub reason: String,
}

impl fmt::Display for InputProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "item {}: {}", self.index, self.reason)
    }
}

/// A reqwest error described without its URL (which may carry filter values) and with its cause.
pub(crate) fn transport_reason(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the response body broke off"
    } else if e.is_request() {
        "sending the request failed"
    } else {
        "failed"
    };
    let mut reason = kind.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        reason.push_str(&format!(": {s}"));
        source = s.source();
    }
    reason
}

/// Result of this crate's calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;
