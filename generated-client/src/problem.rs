//! The typed reasons behind the errors that are not a status: a configuration the builder refuses, a
//! request that cannot be built, pagination that cannot be followed, a write whose outcome is unknown.
//! Callers branch on these enums (never on message text); `Display` words them for people and never
//! repeats a credential, a URL's query or an email (personal data).

use std::fmt;

use crate::error::{ApiError, Error};

/// Why [`crate::ClientBuilder::build`] refused the settings ([`Error::Config`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The base URL does not parse. The URL itself is not repeated: it may hold a password.
    NotAUrl(url::ParseError),
    /// The base URL carries a user name or password (`https://user:secret@host`). Waldur
    /// authenticates with a token, so they would never be used; refused rather than sent along or
    /// echoed.
    CredentialsInUrl,
    /// The scheme is not `http` or `https`.
    Scheme(String),
    /// Credentials over plain `http://` to a host that is not loopback, without
    /// [`crate::ClientBuilder::allow_insecure_http`].
    InsecureHttp {
        /// The host the token would have gone to in clear text.
        host: String,
    },
    /// The base URL has a query or a fragment (requests append `/api/...` to it).
    QueryOrFragment,
    /// The user agent is not a valid header value.
    UserAgent,
    /// The credentials cannot be sent (an empty token, characters a header cannot hold).
    Credentials(&'static str),
    /// reqwest could not build its client (TLS backend, resolver).
    HttpClient(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NotAUrl(e) => write!(f, "the base URL is not a URL: {e}"),
            ConfigError::CredentialsInUrl => f.write_str(
                "the base URL holds a user name or password; Waldur authenticates with a token, so give the URL \
                 without them and the token as credentials",
            ),
            ConfigError::Scheme(scheme) => write!(f, "base URL scheme `{scheme}` is not http or https"),
            ConfigError::InsecureHttp { host } => write!(
                f,
                "refusing to send credentials over plain http to {host}; use https, or opt in with allow_insecure_http(true)"
            ),
            ConfigError::QueryOrFragment => f.write_str("the base URL must not have a query or fragment"),
            ConfigError::UserAgent => f.write_str("the user agent is not a valid header value"),
            ConfigError::Credentials(why) => write!(f, "credentials: {why}"),
            ConfigError::HttpClient(why) => write!(f, "cannot build the HTTP client: {why}"),
        }
    }
}

/// Why a request could not be built from the given values ([`Error::InvalidRequest`]); nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestProblem {
    /// A value breaks the schema's constraint on a field (a length, a format).
    Field {
        /// The field, as the schema names it (`email`, `description`).
        field: &'static str,
        /// The constraint it breaks, as the generated types word it (never the value).
        constraint: String,
    },
    /// The generated code refused to build the request.
    Generated(String),
}

impl RequestProblem {
    /// The error of a value the generated type for `field` refuses (`e` is its reason).
    pub(crate) fn field(field: &'static str, e: impl fmt::Display) -> Error {
        Error::InvalidRequest(RequestProblem::Field { field, constraint: e.to_string() })
    }
}

impl fmt::Display for RequestProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestProblem::Field { field, constraint } => write!(f, "{field}: {constraint}"),
            RequestProblem::Generated(why) => f.write_str(why),
        }
    }
}

/// Why the server's pagination cannot be followed safely ([`Error::Pagination`]). Going on would
/// return a list that is silently short or repeated, so the walk stops.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaginationProblem {
    /// `X-Result-Count` is not a number.
    CountNotANumber,
    /// A count (HEAD) answer without `X-Result-Count`.
    NoCount,
    /// The `next` link does not resolve to a URL.
    LinkNotAUrl(url::ParseError),
    /// The next link points to another origin (the token is not sent there).
    OtherOrigin {
        /// The origin it points to.
        origin: String,
    },
    /// The next link leaves the list endpoint.
    LeavesList {
        /// The path it points to.
        path: String,
    },
    /// The next link repeats a page already read.
    Loop,
    /// The next link goes back to an earlier page.
    GoesBack {
        /// The page just read.
        from: u64,
        /// The page the link names.
        to: u64,
    },
    /// The next link has no page number.
    NoPageNumber,
    /// The next link drops a query parameter of the first request (a filter would be lost).
    DropsParameter {
        /// The parameter's name (its value may be personal data and is not kept).
        name: String,
    },
    /// A page that is empty but links to a next one.
    EmptyPageLinksOn {
        /// The empty page's number.
        page: u64,
    },
    /// The pages ended with fewer accounts than `X-Result-Count` announced.
    Short {
        /// What `X-Result-Count` announced.
        announced: u64,
        /// What the pages held.
        received: u64,
    },
    /// A page a previous one linked to answered 404: the list shrank while it was walked, page
    /// numbers shifted, and continuing would skip accounts.
    PageVanished(Box<ApiError>),
}

impl fmt::Display for PaginationProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaginationProblem::CountNotANumber => f.write_str("X-Result-Count is not a number"),
            PaginationProblem::NoCount => f.write_str("the count response has no X-Result-Count header"),
            PaginationProblem::LinkNotAUrl(e) => write!(f, "its `next` link is not a URL: {e}"),
            PaginationProblem::OtherOrigin { origin } => {
                write!(f, "the next link points to another origin ({origin}); the token is not sent there")
            }
            PaginationProblem::LeavesList { path } => write!(f, "the next link leaves the list endpoint ({path})"),
            PaginationProblem::Loop => f.write_str("the next link repeats a page already read (a loop)"),
            PaginationProblem::GoesBack { from, to } => {
                write!(f, "the next link goes back from page {from} to page {to}")
            }
            PaginationProblem::NoPageNumber => f.write_str("the next link has no page number"),
            PaginationProblem::DropsParameter { name } => {
                write!(f, "the next link drops the query parameter `{name}` of the first request")
            }
            PaginationProblem::EmptyPageLinksOn { page } => write!(f, "page {page} is empty but links to a next page"),
            PaginationProblem::Short { announced, received } => write!(
                f,
                "the server announced {announced} accounts (X-Result-Count) but its pages held {received} and no next link follows"
            ),
            PaginationProblem::PageVanished(said) => write!(
                f,
                "the next page vanished while the list was walked ({}: {}): the list shrank, page numbers shifted, and \
                 continuing would skip accounts; list again, or take a snapshot first (Client::close_all does)",
                said.status,
                said.body.message()
            ),
        }
    }
}

/// Why a write's outcome is unknown ([`Error::OutcomeUnknown`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum UnknownOutcome {
    /// A close whose answer was lost was sent again and refused (409), and reading the account to see
    /// whether the first attempt closed it failed.
    CloseUnconfirmed {
        /// The refusal of the repeated close.
        refusal: Box<ApiError>,
        /// Why the read failed.
        read: Box<Error>,
    },
}

impl fmt::Display for UnknownOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnknownOutcome::CloseUnconfirmed { refusal, read } => write!(
                f,
                "the close was sent again after a lost answer and refused ({refusal}); reading the account to see \
                 whether the first attempt closed it failed: {read}"
            ),
        }
    }
}
