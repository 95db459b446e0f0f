//! Getting an undocumented error response past progenitor with nothing lost.
//!
//! progenitor decodes an error body itself, as the documented type, and when
//! it cannot it reports only the bytes (`InvalidResponsePayload`), without
//! the status or the headers. The conversion into [`crate::Error`] is a
//! synchronous `From`, which cannot read a body. So the SDK's `exec` hook,
//! which sees the whole response first, replaces an undocumented error
//! body with a sealed JSON string carrying the status, the headers and the
//! original bytes; the conversion opens it. A JSON string decodes as no
//! documented error body (each is an object), so progenitor always hands
//! it over: as `InvalidResponsePayload`'s bytes, or, where an API's error
//! type is untyped JSON, as the string value. A status progenitor does not
//! route to its error decoding gets the same data as a response extension.

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What begins every sealed body, so that no server's own string is taken
/// for one.
const SEAL: &str = "sdk-support/undocumented-response/v1 ";

/// An error response as received.
#[derive(Clone, Debug)]
pub struct Undocumented {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

/// The JSON body that carries `raw` through progenitor.
pub fn seal(raw: &Undocumented) -> Bytes {
    let sealed = Sealed {
        status: raw.status.as_u16(),
        headers: raw
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().to_string(), value.as_bytes().to_vec()))
            .collect(),
        body: raw.body.to_vec(),
    };
    let inner = serde_json::to_string(&sealed).unwrap_or_default();
    Bytes::from(serde_json::to_vec(&format!("{SEAL}{inner}")).unwrap_or_default())
}

/// The response sealed in `body`, if it is a sealed body.
pub fn open(body: &[u8]) -> Option<Undocumented> {
    open_value(&serde_json::from_slice(body).ok()?)
}

/// The response sealed in a JSON value, if it is a sealed body.
pub fn open_value(body: &Value) -> Option<Undocumented> {
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
    Some(Undocumented {
        status: StatusCode::from_u16(sealed.status).ok()?,
        headers,
        body: Bytes::from(sealed.body),
    })
}

/// The response attached to a rebuilt response whose status progenitor did
/// not route to its error decoding.
pub fn attached(response: &reqwest::Response) -> Option<Undocumented> {
    response.extensions().get::<Undocumented>().cloned()
}
