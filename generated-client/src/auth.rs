//! Credentials. A token is a secret: it is only ever turned into a header marked sensitive, and its
//! `Debug` form is redacted, so it cannot leak through logs, error text or recordings.

use std::fmt;

use reqwest::header::HeaderValue;

/// How requests authenticate.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A Waldur API token, sent as `Authorization: Token <key>`.
    Token(Token),
    /// A personal access token (newer servers, `w_<ts>_<rand>`), sent as `Authorization: Bearer <token>`.
    Bearer(Token),
    /// No `Authorization` header (only useful against public endpoints or a mock).
    Anonymous,
}

/// A secret token. `Debug` and `Display` never show it.
///
/// ```
/// use waldur_course_accounts::Token;
/// let t = Token::new("0123456789abcdef");
/// assert_eq!(format!("{t:?}"), "Token(REDACTED)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a key (surrounding whitespace, as pasted from a file, is trimmed).
    pub fn new(key: impl Into<String>) -> Self {
        Token(key.into().trim().to_string())
    }

    /// Reads the token from an environment variable (e.g. `WALDUR_TOKEN`); `None` when unset or empty.
    pub fn from_env(var: &str) -> Option<Self> {
        std::env::var(var).ok().filter(|v| !v.trim().is_empty()).map(Token::new)
    }

    /// The secret itself, for callers that must hand it on. Nothing in this crate logs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(REDACTED)")
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Token(_) => f.write_str("Credentials::Token(REDACTED)"),
            Credentials::Bearer(_) => f.write_str("Credentials::Bearer(REDACTED)"),
            Credentials::Anonymous => f.write_str("Credentials::Anonymous"),
        }
    }
}

impl From<Token> for Credentials {
    fn from(token: Token) -> Self {
        Credentials::Token(token)
    }
}

impl Credentials {
    /// The `Authorization` header value, marked sensitive (reqwest and `http` then redact it in `Debug`).
    /// `Err` names the problem without echoing the token.
    pub(crate) fn header(&self) -> Result<Option<HeaderValue>, &'static str> {
        let (scheme, token) = match self {
            Credentials::Token(t) => ("Token", t),
            Credentials::Bearer(t) => ("Bearer", t),
            Credentials::Anonymous => return Ok(None),
        };
        if token.0.is_empty() {
            return Err("the token is empty");
        }
        let mut value = HeaderValue::from_str(&format!("{scheme} {}", token.0))
            .map_err(|_| "the token holds characters that cannot appear in an HTTP header")?;
        value.set_sensitive(true);
        Ok(Some(value))
    }
}
