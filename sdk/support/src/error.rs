//! The one error type of the five SDKs: `Error<B>`, where `B` is the API's
//! documented error body.
//!
//! Whatever the server said is kept: the status and the headers of every
//! error response, and either the documented body, decoded, or, when the
//! body is not the documented one (a proxy's HTML 502, an empty 401, JSON
//! of another shape), the body exactly as received. An error body is taken
//! as documented only when it is a JSON object that decodes as `B` and sets
//! at least one of `B`'s members, so `{"error":"bad gateway"}` is never
//! silently read as a body whose fields are all absent.

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::undocumented::{self, Undocumented};

/// An API's documented error body.
pub trait ErrorBody: Sized + std::fmt::Debug {
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
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<B> {
    /// A documented error response: its status, its headers (`Retry-After`,
    /// a request id) and its decoded body.
    Api {
        status: StatusCode,
        headers: HeaderMap,
        body: B,
    },
    /// An error status whose body is not the documented one (not JSON, or
    /// JSON of another shape), or a status the spec does not list: the
    /// status, the headers and the body exactly as received.
    UnexpectedResponse {
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    },
    /// Nothing was sent: a value was refused while the request was built.
    /// The message names the field.
    InvalidRequest(String),
    /// The request could not be sent, or the response could not be read
    /// (connection refused, TLS, a timeout).
    Communication(reqwest::Error),
    /// A success status whose body is not the documented one.
    InvalidResponsePayload {
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
            Error::Api { status, .. } | Error::UnexpectedResponse { status, .. } => Some(*status),
            Error::Communication(e) => e.status(),
            _ => None,
        }
    }

    /// The response's headers, when an error response arrived.
    pub fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Error::Api { headers, .. } | Error::UnexpectedResponse { headers, .. } => Some(headers),
            _ => None,
        }
    }

    /// One response header as text (names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers()?.get(name)?.to_str().ok()
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
}

impl<B: ErrorBody> Error<B> {
    fn from_response(status: StatusCode, headers: HeaderMap, body: Value) -> Self {
        match B::decode(status, &body) {
            Some(body) => Error::Api {
                status,
                headers,
                body,
            },
            None => Error::UnexpectedResponse {
                status,
                headers,
                body: Bytes::from(serde_json::to_vec(&body).unwrap_or_default()),
            },
        }
    }
}

impl<B> From<Undocumented> for Error<B> {
    fn from(raw: Undocumented) -> Self {
        Error::UnexpectedResponse {
            status: raw.status,
            headers: raw.headers,
            body: raw.body,
        }
    }
}

impl<B: ErrorBody, E: Serialize> From<progenitor_client::Error<E>> for Error<B> {
    fn from(error: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as P;
        match error {
            P::InvalidRequest(message) => Error::InvalidRequest(message),
            P::CommunicationError(e) | P::InvalidUpgrade(e) | P::ResponseBodyError(e) => {
                Error::Communication(e)
            }
            P::ErrorResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                let body = serde_json::to_value(response.into_inner()).unwrap_or(Value::Null);
                match undocumented::open_value(&body) {
                    Some(raw) => raw.into(),
                    None => Error::from_response(status, headers, body),
                }
            }
            P::InvalidResponsePayload(body, error) => match undocumented::open(&body) {
                Some(raw) => raw.into(),
                None => Error::InvalidResponsePayload { body, error },
            },
            P::UnexpectedResponse(response) => match undocumented::attached(&response) {
                Some(raw) => raw.into(),
                None => Error::UnexpectedResponse {
                    status: response.status(),
                    headers: response.headers().clone(),
                    body: Bytes::new(),
                },
            },
            P::Custom(message) => Error::Hook(message),
        }
    }
}

/// At most this much of an undocumented body is quoted by `Display`.
const QUOTED_BODY_MAX: usize = 200;

impl<B: ErrorBody> std::fmt::Display for Error<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Api { status, body, .. } => {
                write!(f, "the server answered {status}: {}", body.summary())?;
            }
            Error::UnexpectedResponse { status, body, .. } => {
                write!(
                    f,
                    "the server answered {status} without its documented error body"
                )?;
                let text = String::from_utf8_lossy(body);
                let text = text.trim();
                if text.is_empty() {
                    write!(f, " (the body is empty)")?;
                } else {
                    let quoted: String = text.chars().take(QUOTED_BODY_MAX).collect();
                    let more = if quoted.len() < text.len() {
                        " …"
                    } else {
                        ""
                    };
                    write!(f, ": {quoted}{more}")?;
                }
            }
            Error::InvalidRequest(message) => write!(f, "the request was not sent: {message}")?,
            Error::Communication(e) => {
                write!(f, "the request could not be completed: {e}")?;
                let mut source = std::error::Error::source(e);
                while let Some(cause) = source {
                    write!(f, ": {cause}")?;
                    source = cause.source();
                }
            }
            Error::InvalidResponsePayload { error, .. } => write!(
                f,
                "the server answered with success but not with the documented body: {error}"
            )?,
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
