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
pub use crate::kind::{Refusal, TransportKind};
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

impl ApiError {
    /// What the status means: [`Refusal::NotFound`] for 404, [`Refusal::Conflict`] for 409,
    /// [`Refusal::Server`] for any 5xx, [`Refusal::Other`] for a status without a kind of its own.
    pub fn refusal(&self) -> Refusal {
        Refusal::of(self.status)
    }
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
///
/// Branch on the kind of failure, not on the message: a refusal by the server is [`Error::Api`]
/// (match [`ApiError::refusal`] for the common cases, or compare [`ApiError::status`]); a request
/// that got no usable response is [`Error::Transport`], whose [`TransportKind`] says what failed; the
/// other variants carry typed reasons ([`PaginationProblem`], [`UnknownOutcome`], [`ConfigError`],
/// ...). Across kinds, [`Error::is_outcome_unknown`], [`Error::busy_refusal`] and [`Error::is_done`]
/// say whether a write may be repeated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server refused the request: an error status, with what the server said (the DRF body),
    /// its `Retry-After` and the request. [`ApiError::refusal`] classifies the status.
    #[error("{refusal}: {0}", refusal = .0.refusal())]
    Api(Box<ApiError>),
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
    /// Connecting, sending or receiving failed, or the timeout passed. The message gives the kind
    /// and the chain of causes, without the URL.
    #[error("{request}: transport error: {kind}{}", causes(source))]
    Transport {
        /// The request that failed.
        request: RequestInfo,
        /// What failed (timeout, connection, body, ...).
        kind: TransportKind,
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
            Error::Api(e) => Some(e),
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
            Error::Api(e) => matches!(e.status.as_u16(), 500 | 502 | 504),
            Error::OutcomeUnknown { .. } => true,
            _ => false,
        }
    }

    /// The refusal of a server too busy to act (429, or 503 from a proxy's maintenance page), with
    /// the `Retry-After` it asked for, if any. Nothing was done, so even a write may be sent again
    /// (after the wait); [`Error::is_outcome_unknown`] is false for these.
    pub fn busy_refusal(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) if e.refusal() == Refusal::RateLimited || e.status == StatusCode::SERVICE_UNAVAILABLE => {
                Some(e)
            }
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

    /// The error of an error response ([`Error::Api`]); [`ApiError::refusal`] classifies its status.
    pub fn from_status(
        request: RequestInfo,
        status: StatusCode,
        body: ErrorBody,
        retry_after: Option<Duration>,
    ) -> Error {
        Error::Api(Box::new(ApiError { request, status, body, retry_after }))
    }

    pub(crate) fn transport(request: RequestInfo, source: reqwest::Error) -> Error {
        // reqwest's own Display and Debug print the URL, query included (filter values such as a
        // student's email); the URL is dropped so that no part of the error chain carries it.
        let source = source.without_url();
        Error::Transport { kind: TransportKind::of(&source), request, source }
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

/// A reqwest error described without its URL (which may carry filter values) and with its cause:
/// what [`Error::Transport`]'s message says after "transport error: ".
pub(crate) fn transport_reason(e: &reqwest::Error) -> String {
    format!("{}{}", TransportKind::of(e), causes(e))
}

/// The causes of `e` (not `e` itself), each after ": ".
fn causes(e: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

/// Result of this crate's calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;
