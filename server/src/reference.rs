//! Each API's human reference page at `/docs`, rendered from its
//! hand-written spec by the `reference` crate (plain HTML, no JavaScript,
//! nothing fetched). Like `/openapi.json`, it is not part of the derived
//! document.

use dropshot::Body;
use http::header::{CONTENT_TYPE, HeaderValue};
use serde_json::Value;

/// The `/docs` response for `spec`.
pub fn page_response(spec: &Value) -> http::Response<Body> {
    let mut response = http::Response::new(Body::from(reference::page(spec)));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}
