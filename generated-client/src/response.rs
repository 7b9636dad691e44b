//! Turning what the generated code returns into this crate's results: bounded body reads, decoding
//! with the JSON path of the first mismatch, and error responses classified by status.

use bytes::Bytes;
use progenitor_client::ResponseValue;
use reqwest::header::HeaderMap;
use reqwest::{Response, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{DecodeError, Error, ErrorBody, RequestInfo, Result, excerpt};
use crate::retry;
use crate::transport::Observed;

/// Default limit of a response body (the hooks enforce the configured one on every response):
/// a page of 300 accounts is about 300 KB.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Error bodies are read up to this size; the rest is dropped (only a message is needed).
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// A successful response: the decoded value with the status and headers it came with.
#[derive(Debug)]
pub(crate) struct Reply<T> {
    pub value: T,
    pub headers: HeaderMap,
}

/// Reads at most `limit` bytes of body; `Ok(Err(len))` when the body is larger.
pub(crate) async fn read_limited(mut response: Response, limit: usize) -> reqwest::Result<Result<Bytes, usize>> {
    if let Some(len) = response.content_length()
        && len > limit as u64
    {
        return Ok(Err(len as usize));
    }
    let mut buf = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if buf.len() + chunk.len() > limit {
            return Ok(Err(buf.len() + chunk.len()));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Ok(Bytes::from(buf)))
}

/// Decodes JSON, naming the path of the first mismatch (`[2].state`, `created`, ...).
pub(crate) fn decode<T: DeserializeOwned>(
    request: &RequestInfo,
    status: Option<StatusCode>,
    bytes: &[u8],
) -> Result<T> {
    // `()` and `Option` accept an empty body as JSON null (204, HEAD).
    let input: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"null" } else { bytes };
    // The fast path decodes plainly; only a failure pays for tracking the JSON path.
    if let Ok(value) = serde_json::from_slice::<T>(input) {
        return Ok(value);
    }
    let fail = |json_path: String, message: String| {
        Error::Decode(Box::new(DecodeError {
            request: request.clone(),
            status,
            json_path: if json_path.is_empty() { ".".into() } else { json_path },
            message,
            excerpt: excerpt(&String::from_utf8_lossy(bytes), 200),
        }))
    };
    let mut de = serde_json::Deserializer::from_slice(input);
    let value = serde_path_to_error::deserialize::<_, T>(&mut de)
        .map_err(|e| fail(e.path().to_string(), e.inner().to_string()))?;
    de.end().map_err(|e| fail(".".into(), e.to_string()))?;
    Ok(value)
}

/// An error response, read (bounded) and classified by status.
pub(crate) async fn error_from_response(request: RequestInfo, response: Response) -> Error {
    let status = response.status();
    let retry_after = retry::retry_after(response.headers());
    let body = match read_limited(response, MAX_ERROR_BODY_BYTES).await {
        Ok(Ok(bytes)) => ErrorBody::parse(&bytes),
        Ok(Err(len)) => {
            ErrorBody { text: Some(format!("<error body of {len} bytes, not read>")), ..ErrorBody::default() }
        }
        Err(e) => ErrorBody {
            text: Some(format!("<error body broke off: {}>", crate::error::transport_reason(&e))),
            ..ErrorBody::default()
        },
    };
    Error::from_status(request, status, body, retry_after)
}

/// A full, bounded read of a success body, decoded as `T`.
pub(crate) async fn decode_response<T: DeserializeOwned>(
    request: &RequestInfo,
    response: Response,
) -> Result<Reply<T>> {
    let status = response.status();
    let headers = response.headers().clone();
    // The hooks already bound every body; this limit only keeps the function safe on its own.
    let bytes = match read_limited(response, usize::MAX).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(len)) => {
            return Err(Error::Decode(Box::new(DecodeError {
                request: request.clone(),
                status: Some(status),
                json_path: ".".into(),
                message: format!("the body is {len} bytes, over the limit"),
                excerpt: String::new(),
            })));
        }
        Err(e) => return Err(Error::transport(request.clone(), e)),
    };
    let value = decode(request, Some(status), &bytes)?;
    Ok(Reply { value, headers })
}

/// The result of a generated call (run inside [`crate::transport::observe`]), in this crate's terms.
/// Undeclared 2xx answers (a newer server's 202 where the schema says 201, say) are decoded as `T`
/// rather than treated as errors; a body that does not decode keeps its status, so a 2xx write is
/// known to be done ([`Error::is_done`]).
pub(crate) async fn from_generated<T: DeserializeOwned>(
    request: RequestInfo,
    (result, seen): (std::result::Result<ResponseValue<T>, progenitor_client::Error<()>>, Observed),
) -> Result<Reply<T>> {
    use progenitor_client::Error as G;
    match result {
        Ok(value) => {
            let headers = value.headers().clone();
            Ok(Reply { value: value.into_inner(), headers })
        }
        Err(G::UnexpectedResponse(response)) if response.status().is_success() => {
            decode_response(&request, response).await
        }
        Err(G::InvalidResponsePayload(bytes, _)) => match decode::<T>(&request, seen.status, &bytes) {
            // The generated decoder failed, ours names the place; both failing is the expected case.
            Err(e) => Err(e),
            Ok(value) => Ok(Reply { value, headers: HeaderMap::new() }),
        },
        Err(other) => Err(generated_error(request, other, seen.status).await),
    }
}

/// A generated call's failure as this crate's error (success statuses are the caller's business).
/// `status`: what the transport saw, for the failures that lose it.
pub(crate) async fn generated_error(
    request: RequestInfo,
    error: progenitor_client::Error<()>,
    status: Option<StatusCode>,
) -> Error {
    use progenitor_client::Error as G;
    match error {
        G::UnexpectedResponse(response) => error_from_response(request, response).await,
        G::InvalidResponsePayload(bytes, e) => Error::Decode(Box::new(DecodeError {
            request,
            status,
            json_path: ".".into(),
            message: e.to_string(),
            excerpt: excerpt(&String::from_utf8_lossy(&bytes), 200),
        })),
        G::CommunicationError(e) | G::ResponseBodyError(e) | G::InvalidUpgrade(e) => Error::transport(request, e),
        G::ErrorResponse(value) => {
            Error::from_status(request, value.status(), ErrorBody::default(), retry::retry_after(value.headers()))
        }
        G::InvalidRequest(message) | G::Custom(message) => Error::InvalidRequest(message),
    }
}
