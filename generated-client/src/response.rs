//! Turning what the generated code returns into this crate's results: the one bounded body reader,
//! decoding with the JSON path of the first mismatch, and error responses classified by status. Every
//! result names its request from the [`Exchange`] the send path recorded.

use bytes::Bytes;
use futures::{Stream, StreamExt};
use progenitor_client::ResponseValue;
use reqwest::header::HeaderMap;
use reqwest::{Response, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{DecodeError, Error, ErrorBody, RequestInfo, RequestProblem, Result, excerpt};
use crate::retry;
use crate::transport::Exchange;

/// Default limit of a response body (the hooks enforce the configured one on every response):
/// a page of 300 accounts is about 300 KB.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Error bodies are read up to this size; the rest is dropped (only a message is needed).
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// A successful response: the decoded value with the headers it came with and the request it answers.
#[derive(Debug)]
pub(crate) struct Reply<T> {
    pub value: T,
    pub headers: HeaderMap,
    pub exchange: Exchange,
}

/// The one body reader: at most `limit` bytes of `body`; `Ok(Err(len))` when it is longer (`len`: what
/// was seen so far, or the declared length).
pub(crate) async fn read_limited(
    declared: Option<u64>,
    body: impl Stream<Item = reqwest::Result<Bytes>>,
    limit: usize,
) -> reqwest::Result<Result<Bytes, usize>> {
    if let Some(len) = declared
        && len > limit as u64
    {
        return Ok(Err(usize::try_from(len).unwrap_or(usize::MAX)));
    }
    let mut body = std::pin::pin!(body);
    let mut buf = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
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
    if status.is_redirection()
        && let Some(location) = redirect_target(&response)
    {
        return Error::Redirected { request, status, location };
    }
    let retry_after = retry::retry_after(response.headers());
    let body = match read_limited(response.content_length(), response.bytes_stream(), MAX_ERROR_BODY_BYTES).await {
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

/// Where a redirect the client did not follow points (see `ClientBuilder::build`): origin and path,
/// the query left out.
fn redirect_target(response: &Response) -> Option<String> {
    let location = response.headers().get(reqwest::header::LOCATION)?.to_str().ok()?;
    let mut target = response.url().join(location).ok()?;
    target.set_query(None);
    target.set_fragment(None);
    let _ = target.set_password(None);
    let _ = target.set_username("");
    Some(target.to_string())
}

/// A full read of a success body (the send path already bounds it), decoded as `T`.
pub(crate) async fn decode_response<T: DeserializeOwned>(exchange: Exchange, response: Response) -> Result<Reply<T>> {
    let status = response.status();
    let headers = response.headers().clone();
    let value = decode_body(&exchange, status, response.content_length(), response.bytes_stream()).await?;
    Ok(Reply { value, headers, exchange })
}

/// Reads a success body and decodes it; a body that breaks off is a transport error of the request.
pub(crate) async fn decode_body<T: DeserializeOwned>(
    exchange: &Exchange,
    status: StatusCode,
    declared: Option<u64>,
    body: impl Stream<Item = reqwest::Result<Bytes>>,
) -> Result<T> {
    let request = exchange.request();
    match read_limited(declared, body, usize::MAX).await {
        Ok(Ok(bytes)) => decode(&request, Some(status), &bytes),
        Ok(Err(len)) => Err(Error::Decode(Box::new(DecodeError {
            request,
            status: Some(status),
            json_path: ".".into(),
            message: format!("the body is {len} bytes, over the limit"),
            excerpt: String::new(),
        }))),
        Err(e) => Err(Error::transport(request, e)),
    }
}

/// The result of a call through the generated client, in this crate's terms; `exchange` is what the
/// send path recorded (`None` when nothing was sent). Undeclared 2xx answers (a newer server's 202
/// where the schema says 201, say) are decoded as `T` rather than treated as errors; a body that does
/// not decode keeps its status, so a 2xx write is known to be done ([`Error::is_done`]).
pub(crate) async fn from_generated<T: DeserializeOwned>(
    exchange: Option<Exchange>,
    result: std::result::Result<ResponseValue<T>, progenitor_client::Error<()>>,
) -> Result<Reply<T>> {
    use progenitor_client::Error as G;
    let Some(exchange) = exchange else { return Err(unsent(result.err())) };
    match result {
        Ok(value) => {
            let headers = value.headers().clone();
            Ok(Reply { value: value.into_inner(), headers, exchange })
        }
        Err(G::UnexpectedResponse(response)) if response.status().is_success() => {
            decode_response(exchange, response).await
        }
        Err(G::InvalidResponsePayload(bytes, _)) => {
            // The generated decoder failed, ours names the place; both failing is the expected case.
            let value = decode::<T>(&exchange.request(), exchange.status, &bytes)?;
            Ok(Reply { value, headers: HeaderMap::new(), exchange })
        }
        Err(other) => Err(generated_error(&exchange, other).await),
    }
}

/// The error of a generated call that sent nothing: the generated code refused to build the request.
pub(crate) fn unsent(error: Option<progenitor_client::Error<()>>) -> Error {
    use progenitor_client::Error as G;
    let message = match error {
        Some(G::InvalidRequest(message) | G::Custom(message)) => message,
        // Without a request sent there is no answer to have; said rather than assumed.
        _ => "the generated code returned without sending the request".to_string(),
    };
    Error::InvalidRequest(RequestProblem::Generated(message))
}

/// A generated call's failure as this crate's error (success statuses are the caller's business).
pub(crate) async fn generated_error(exchange: &Exchange, error: progenitor_client::Error<()>) -> Error {
    use progenitor_client::Error as G;
    let request = exchange.request();
    match error {
        G::UnexpectedResponse(response) => error_from_response(request, response).await,
        G::InvalidResponsePayload(bytes, e) => Error::Decode(Box::new(DecodeError {
            request,
            status: exchange.status,
            json_path: ".".into(),
            message: e.to_string(),
            excerpt: excerpt(&String::from_utf8_lossy(&bytes), 200),
        })),
        G::CommunicationError(e) | G::ResponseBodyError(e) | G::InvalidUpgrade(e) => Error::transport(request, e),
        G::ErrorResponse(value) => {
            Error::from_status(request, value.status(), ErrorBody::default(), retry::retry_after(value.headers()))
        }
        G::InvalidRequest(message) | G::Custom(message) => Error::InvalidRequest(RequestProblem::Generated(message)),
    }
}
