//! The one error type of the five SDKs: `Error<B>`, where `B` is the API's
//! documented error body.
//!
//! Whatever the server said is kept: the operation, the status and the
//! headers of every response that became an error, and either the
//! documented body, decoded, or, when the body is not the documented one (a
//! proxy's HTML 502, an empty 401, JSON of another shape, HTML with a 200),
//! the body exactly as received. Every message names the API and the
//! operation, and a timeout says which one fired. An error body is taken
//! as documented only when it is a JSON object that decodes as `B` and sets
//! at least one of `B`'s members, so `{"error":"bad gateway"}` is never
//! silently read as a body whose fields are all absent.

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::context::Timeout;
use crate::operation::{ApiInfo, Operation};
use crate::sealed::{self, Received};

/// An API's documented error body. The API's name and operations
/// ([`ApiInfo`]) come with it, so that every error names them.
pub trait ErrorBody: ApiInfo + Sized + std::fmt::Debug {
    /// The body the spec documents for `status`, if `body` is that body.
    /// [`documented`] does this for an API with one error body.
    fn decode(status: StatusCode, body: &Value) -> Option<Self>;

    /// The vendor's code and message in a few words, for `Display`: e.g.
    /// `FAILED_PRECONDITION (9): Errors.User.NotChanged`.
    fn summary(&self) -> String;
}

/// `body` decoded as `T`, if it is a JSON object that decodes as `T` and
/// sets at least one of `T`'s members.
pub fn documented<T: DeserializeOwned + Serialize>(body: &Value) -> Option<T> {
    if !body.is_object() {
        return None;
    }
    let decoded: T = serde_json::from_value(body.clone()).ok()?;
    // The generated types leave absent members out when serialised, so an
    // empty object means nothing documented was present.
    match serde_json::to_value(&decoded) {
        Ok(Value::Object(members)) if !members.is_empty() => Some(decoded),
        _ => None,
    }
}

/// What an SDK call fails with. `send().await?` converts into it from
/// progenitor's error in any function returning it.
///
/// `operation` is `None` only when the request never reached the SDK's
/// hooks (a value refused while building it); [`Error::operation`] then
/// still names an API's only operation.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<B> {
    /// A documented error response: its status, its headers (`Retry-After`,
    /// a request id) and its decoded body.
    Api {
        operation: Option<&'static Operation>,
        status: StatusCode,
        headers: HeaderMap,
        body: B,
    },
    /// An error status whose body is not the documented one (not JSON, or
    /// JSON of another shape), or a status the spec does not list: the
    /// status, the headers and the body exactly as received.
    UnexpectedResponse {
        operation: Option<&'static Operation>,
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    },
    /// Nothing was sent: a value was refused while the request was built.
    /// The message names the field.
    InvalidRequest(String),
    /// The request could not be sent, or the response could not be read
    /// (connection refused, TLS, a timeout: `timeout` says which).
    Communication {
        operation: Option<&'static Operation>,
        timeout: Option<Timeout>,
        source: reqwest::Error,
    },
    /// A documented success status whose body is not the documented one:
    /// the status, the headers, the body as received and why it does not
    /// decode.
    InvalidResponsePayload {
        operation: Option<&'static Operation>,
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
        error: serde_json::Error,
    },
    /// A hook of the SDK refused the request.
    Hook(String),
}

/// Header names a request id is sent under, most common first.
const REQUEST_ID_HEADERS: [&str; 3] = ["x-request-id", "request-id", "x-correlation-id"];

impl<B> Error<B> {
    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. }
            | Error::UnexpectedResponse { status, .. }
            | Error::InvalidResponsePayload { status, .. } => Some(*status),
            Error::Communication { source, .. } => source.status(),
            _ => None,
        }
    }

    /// The response's headers, when a response arrived.
    pub fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Error::Api { headers, .. }
            | Error::UnexpectedResponse { headers, .. }
            | Error::InvalidResponsePayload { headers, .. } => Some(headers),
            _ => None,
        }
    }

    /// One response header as text (names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers()?.get(name)?.to_str().ok()
    }

    /// The response's `Content-Type`, when a response arrived with one.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    /// `Retry-After` in seconds (its HTTP-date form is left to
    /// [`Error::header`]).
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        let seconds = self.header("retry-after")?.trim().parse().ok()?;
        Some(std::time::Duration::from_secs(seconds))
    }

    /// The server's id for the request (`X-Request-Id` or a common variant),
    /// for quoting to the vendor's support.
    pub fn request_id(&self) -> Option<&str> {
        REQUEST_ID_HEADERS.iter().find_map(|name| self.header(name))
    }

    /// The documented error body, when there is one.
    pub fn body(&self) -> Option<&B> {
        match self {
            Error::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The body as received, when it was not the documented one.
    pub fn raw_body(&self) -> Option<&[u8]> {
        match self {
            Error::UnexpectedResponse { body, .. } | Error::InvalidResponsePayload { body, .. } => {
                Some(body)
            }
            _ => None,
        }
    }

    /// Which timeout ended the request, when one did.
    pub fn timeout(&self) -> Option<Timeout> {
        match self {
            Error::Communication { timeout, .. } => *timeout,
            _ => None,
        }
    }
}

impl<B: ErrorBody> Error<B> {
    /// The operation that failed: the one the error came from, or the API's
    /// only operation.
    pub fn operation(&self) -> Option<&'static Operation> {
        let known = match self {
            Error::Api { operation, .. }
            | Error::UnexpectedResponse { operation, .. }
            | Error::Communication { operation, .. }
            | Error::InvalidResponsePayload { operation, .. } => *operation,
            Error::InvalidRequest(_) | Error::Hook(_) => None,
        };
        known.or(match B::OPERATIONS {
            [only] => Some(only),
            _ => None,
        })
    }

    /// The error a response the hook handed over stands for.
    fn from_received(received: Received) -> Self {
        let Received {
            operation,
            status,
            headers,
            body,
        } = received;
        let operation = B::operation(&operation);
        if status.is_success() {
            if let Some(error) = operation
                .filter(|o| o.is_documented_success(status.as_u16()))
                .and_then(|o| o.success_body_error(&body))
            {
                return Error::InvalidResponsePayload {
                    operation,
                    status,
                    headers,
                    body,
                    error,
                };
            }
        } else if let Some(decoded) = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|value| B::decode(status, &value))
        {
            return Error::Api {
                operation,
                status,
                headers,
                body: decoded,
            };
        }
        Error::UnexpectedResponse {
            operation,
            status,
            headers,
            body,
        }
    }
}

impl<B: ErrorBody, E: Serialize> From<progenitor_client::Error<E>> for Error<B> {
    fn from(error: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as P;
        match error {
            P::InvalidRequest(message) => Error::InvalidRequest(message),
            P::CommunicationError(mut source)
            | P::InvalidUpgrade(mut source)
            | P::ResponseBodyError(mut source) => {
                let failure = sealed::unmark(&mut source);
                Error::Communication {
                    operation: failure.operation.as_deref().and_then(B::operation),
                    timeout: failure.timeout,
                    source,
                }
            }
            P::ErrorResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                let body = serde_json::to_value(response.into_inner()).unwrap_or(Value::Null);
                match sealed::open_value(&body) {
                    Some(received) => Error::from_received(received),
                    // Only a response that did not pass the hook (a client
                    // assembled without it) arrives unsealed.
                    None => Error::from_received(Received {
                        operation: String::new(),
                        status,
                        headers,
                        body: Bytes::from(serde_json::to_vec(&body).unwrap_or_default()),
                    }),
                }
            }
            P::InvalidResponsePayload(body, error) => match sealed::open(&body) {
                Some(received) => Error::from_received(received),
                None => Error::InvalidResponsePayload {
                    operation: None,
                    status: StatusCode::OK,
                    headers: HeaderMap::new(),
                    body,
                    error,
                },
            },
            P::UnexpectedResponse(response) => match sealed::attached(&response) {
                Some(received) => Error::from_received(received),
                None => Error::UnexpectedResponse {
                    operation: None,
                    status: response.status(),
                    headers: response.headers().clone(),
                    body: Bytes::new(),
                },
            },
            P::Custom(message) => Error::Hook(message),
        }
    }
}

/// At most this much of a body is quoted by `Display`.
const QUOTED_BODY_MAX: usize = 200;

/// ` (text/html): <excerpt>` or ` (no content type), the body is empty`.
fn describe_body(
    f: &mut std::fmt::Formatter<'_>,
    content_type: Option<&str>,
    body: &[u8],
) -> std::fmt::Result {
    match content_type {
        Some(content_type) => write!(f, " ({content_type})")?,
        None => write!(f, " (no content type)")?,
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return write!(f, ", the body is empty");
    }
    // One line: a body's line breaks and control characters are escaped,
    // so that the message stays one log line.
    let quoted: String = text
        .chars()
        .take(QUOTED_BODY_MAX)
        .flat_map(|c| match c {
            '\n' | '\r' | '\t' => c.escape_default().collect::<Vec<_>>(),
            c if c.is_control() => c.escape_unicode().collect(),
            c => vec![c],
        })
        .collect();
    let more = if text.chars().count() > QUOTED_BODY_MAX {
        " …"
    } else {
        ""
    };
    write!(f, ": {quoted}{more}")
}

impl<B: ErrorBody> std::fmt::Display for Error<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", B::API)?;
        if let Some(operation) = self.operation() {
            write!(f, " {operation}")?;
        }
        write!(f, ": ")?;
        match self {
            Error::Api { status, body, .. } => {
                write!(f, "the server answered {status}")?;
                if let Some(content_type) = self.content_type() {
                    write!(f, " ({content_type})")?;
                }
                write!(f, ": {}", body.summary())?;
            }
            Error::UnexpectedResponse { status, body, .. } if status.is_success() => {
                write!(
                    f,
                    "the server answered {status}, a status the spec does not list"
                )?;
                describe_body(f, self.content_type(), body)?;
            }
            Error::UnexpectedResponse { status, body, .. } => {
                write!(
                    f,
                    "the server answered {status} without its documented error body"
                )?;
                describe_body(f, self.content_type(), body)?;
            }
            Error::InvalidRequest(message) => write!(f, "the request was not sent: {message}")?,
            Error::Communication {
                timeout, source, ..
            } => {
                write!(f, "the request could not be completed")?;
                if let Some(timeout) = timeout {
                    write!(f, ", {timeout}")?;
                }
                write!(f, ": {source}")?;
                let mut cause = std::error::Error::source(source);
                while let Some(inner) = cause {
                    write!(f, ": {inner}")?;
                    cause = inner.source();
                }
            }
            Error::InvalidResponsePayload {
                status,
                body,
                error,
                ..
            } => {
                write!(
                    f,
                    "the server answered {status} but not with the documented body ({error})"
                )?;
                describe_body(f, self.content_type(), body)?;
            }
            Error::Hook(message) => write!(f, "the request was refused by the SDK: {message}")?,
        }
        if let Some(id) = self.request_id() {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// `Display` already says every cause, as one sentence for a log reader, so
/// no `source` is given: a reporter walking the chain would repeat them.
impl<B: ErrorBody> std::error::Error for Error<B> {}
