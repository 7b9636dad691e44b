//! The kinds a caller branches on: [`Refusal`], what an error response's status means, and
//! [`TransportKind`], what part of the exchange failed when no response arrived. Each holds its rule
//! (status → kind, reqwest error → kind) and the words the error's message uses for it.

use std::fmt;

use reqwest::StatusCode;

/// What an error response ([`crate::Error::Api`]) means, by its status: the cases callers act on,
/// to match without remembering numbers. [`crate::ApiError::refusal`] gives it; the status itself
/// stays in [`crate::ApiError::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// 400: the request was refused; field errors are in the body.
    Validation,
    /// 401: no, an invalid, or an expired token.
    Unauthorized,
    /// 403: authenticated but not allowed.
    Forbidden,
    /// 404: no such account, no access to it (Waldur answers 404, not 403), or a page past the end.
    NotFound,
    /// 405: the server does not offer this method here (PUT/PATCH on an account).
    MethodNotAllowed,
    /// 409: the account is in a state that forbids the operation (delete outside OK/Erred).
    Conflict,
    /// 429: too many requests; `retry_after` says when to come back.
    RateLimited,
    /// 5xx.
    Server,
    /// Any other status the call does not succeed with.
    Other,
}

impl Refusal {
    /// The one rule from an error response's status to its kind.
    pub(crate) fn of(status: StatusCode) -> Refusal {
        match status.as_u16() {
            400 => Refusal::Validation,
            401 => Refusal::Unauthorized,
            403 => Refusal::Forbidden,
            404 => Refusal::NotFound,
            405 => Refusal::MethodNotAllowed,
            409 => Refusal::Conflict,
            429 => Refusal::RateLimited,
            500..=599 => Refusal::Server,
            _ => Refusal::Other,
        }
    }
}

/// The words that start an [`crate::Error::Api`]'s message ("not found", "conflict", ...).
impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::Validation => "validation failed",
            Refusal::Unauthorized => "unauthorized",
            Refusal::Forbidden => "forbidden",
            Refusal::NotFound => "not found",
            Refusal::MethodNotAllowed => "method not allowed",
            Refusal::Conflict => "conflict",
            Refusal::RateLimited => "rate limited",
            Refusal::Server => "server error",
            Refusal::Other => "unexpected status",
        })
    }
}

/// What failed when no usable response arrived ([`crate::Error::Transport`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportKind {
    /// The timeout passed.
    Timeout,
    /// No connection to the server could be made (nothing was sent).
    Connect,
    /// The response body broke off, went over the size limit, or could not be read.
    Body,
    /// Sending the request failed (e.g. the connection broke while it was sent).
    Send,
    /// Anything else reqwest reports.
    Other,
}

impl TransportKind {
    /// The one rule from a reqwest error to its kind (the first that applies, in this order).
    pub(crate) fn of(e: &reqwest::Error) -> TransportKind {
        if e.is_timeout() {
            TransportKind::Timeout
        } else if e.is_connect() {
            TransportKind::Connect
        } else if e.is_body() || e.is_decode() {
            TransportKind::Body
        } else if e.is_request() {
            TransportKind::Send
        } else {
            TransportKind::Other
        }
    }
}

/// The words that start a transport error's reason ("timed out", "could not connect", ...).
impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Timeout => "timed out",
            TransportKind::Connect => "could not connect",
            TransportKind::Body => "the response body broke off",
            TransportKind::Send => "sending the request failed",
            TransportKind::Other => "failed",
        })
    }
}
