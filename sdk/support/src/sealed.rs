//! Getting what the `exec` hook knows past progenitor, with nothing lost.
//!
//! progenitor decodes a response body itself, and when it cannot it reports
//! only the bytes (`InvalidResponsePayload`), without the status, the
//! headers or the operation; a failed request reaches the conversion into
//! [`crate::Error`] as a bare `reqwest::Error`. That conversion is a
//! synchronous `From` with no other input, so the hook, which sees the
//! whole exchange first, hands over what the error needs through the two
//! channels progenitor keeps:
//!
//! - **A response** that becomes an error (every error status, and a
//!   success whose body is not the documented one) has its body replaced
//!   by a sealed JSON string carrying the operation, the status, the
//!   headers and the original bytes. A JSON string decodes as no
//!   documented body (each is an object), so progenitor always hands it
//!   over: as `InvalidResponsePayload`'s bytes, or, where an API's error
//!   type is untyped JSON, as the string value. A status progenitor does
//!   not route to its decoding gets the same data as a response extension.
//! - **A failed request** keeps its `reqwest::Error`, whose URL gets a
//!   fragment naming the operation and the timeout that fired; request URLs
//!   never have one (the builder refuses a base URL with a fragment), and
//!   the conversion removes it again.

use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::context::Timeout;

/// What begins every sealed body, so that no server's own string is taken
/// for one.
const SEAL: &str = "sdk-support/response/v2 ";

/// What begins the URL fragment of a failed request.
const FRAGMENT: &str = "sdk-support:";

/// A response as received, and the operation it answered.
#[derive(Clone, Debug)]
pub struct Received {
    /// progenitor's name for the operation.
    pub operation: String,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    operation: String,
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

/// The JSON body that carries `received` through progenitor.
pub fn seal(received: &Received) -> Bytes {
    let sealed = Sealed {
        operation: received.operation.clone(),
        status: received.status.as_u16(),
        headers: received
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().to_string(), value.as_bytes().to_vec()))
            .collect(),
        body: received.body.to_vec(),
    };
    let inner = serde_json::to_string(&sealed).unwrap_or_default();
    Bytes::from(serde_json::to_vec(&format!("{SEAL}{inner}")).unwrap_or_default())
}

/// The response sealed in `body`, if it is a sealed body.
pub fn open(body: &[u8]) -> Option<Received> {
    open_value(&serde_json::from_slice(body).ok()?)
}

/// The response sealed in a JSON value, if it is a sealed body.
pub fn open_value(body: &Value) -> Option<Received> {
    let sealed: Sealed = serde_json::from_str(body.as_str()?.strip_prefix(SEAL)?).ok()?;
    let mut headers = HeaderMap::new();
    for (name, value) in sealed.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(&value),
        ) {
            headers.append(name, value);
        }
    }
    Some(Received {
        operation: sealed.operation,
        status: StatusCode::from_u16(sealed.status).ok()?,
        headers,
        body: Bytes::from(sealed.body),
    })
}

/// The response attached to a rebuilt response whose status progenitor did
/// not route to its decoding.
pub fn attached(response: &reqwest::Response) -> Option<Received> {
    response.extensions().get::<Received>().cloned()
}

/// What the hook knew about a failed request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Failure {
    /// progenitor's name for the operation.
    pub operation: Option<String>,
    pub timeout: Option<Timeout>,
}

/// Marks `error`'s URL with `failure`, as
/// `sdk-support:<operation>:<timeout>:<nanoseconds>` (progenitor's operation
/// names are snake_case identifiers, so nothing needs escaping).
pub fn mark(mut error: reqwest::Error, failure: &Failure) -> reqwest::Error {
    let nanos = |d: Duration| d.as_nanos().to_string();
    let (kind, after) = match failure.timeout {
        None => ("none", String::new()),
        Some(Timeout::Connect(after)) => ("connect", after.map(nanos).unwrap_or_default()),
        Some(Timeout::Read(after)) => ("read", nanos(after)),
        Some(Timeout::Total(after)) => ("total", nanos(after)),
        Some(Timeout::ReadOrTotal) => ("read-or-total", String::new()),
    };
    let operation = failure.operation.as_deref().unwrap_or_default();
    if let Some(url) = error.url_mut() {
        url.set_fragment(Some(&format!("{FRAGMENT}{operation}:{kind}:{after}")));
    }
    error
}

/// What the hook marked on `error`, removing the mark.
pub fn unmark(error: &mut reqwest::Error) -> Failure {
    let Some(url) = error.url_mut() else {
        return Failure::default();
    };
    let Some(mark) = url.fragment().and_then(|f| f.strip_prefix(FRAGMENT)) else {
        return Failure::default();
    };
    let mut parts = mark.splitn(3, ':');
    let operation = parts.next().filter(|o| !o.is_empty()).map(str::to_string);
    let kind = parts.next().unwrap_or_default();
    let after = parts
        .next()
        .and_then(|n| n.parse::<u64>().ok())
        .map(Duration::from_nanos);
    let timeout = match (kind, after) {
        ("connect", after) => Some(Timeout::Connect(after)),
        ("read", Some(after)) => Some(Timeout::Read(after)),
        ("total", Some(after)) => Some(Timeout::Total(after)),
        ("read-or-total", _) => Some(Timeout::ReadOrTotal),
        _ => None,
    };
    url.set_fragment(None);
    Failure { operation, timeout }
}
