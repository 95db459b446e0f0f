//! Sending one request: the body of every SDK's `exec` hook.
//!
//! It emits one `tracing` span per request and one event when the response
//! arrives (or the request fails), and hands an undocumented error response
//! on whole (see [`crate::undocumented`]). The span and event carry the
//! API, the operation id, the method, the URL's path, the status, the
//! duration and the server's request id: never a header value otherwise,
//! never a body, never the query string, so no credential can reach a log.

use std::time::Instant;

use reqwest::header::{
    CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, TRANSFER_ENCODING,
};
use serde_json::Value;
use tracing::Instrument;

use crate::error::ErrorBody;
use crate::undocumented::{Undocumented, seal};

/// Sends `request` with `client` for operation `operation_id` of `api`,
/// whose documented error body is `B`.
pub async fn execute<B: ErrorBody>(
    client: &reqwest::Client,
    api: &'static str,
    operation_id: &'static str,
    request: reqwest::Request,
) -> reqwest::Result<reqwest::Response> {
    let span = tracing::debug_span!(
        "sdk_request",
        api,
        operation = operation_id,
        method = %request.method(),
        path = request.url().path(),
    );
    let started = Instant::now();
    let result = client.execute(request).instrument(span.clone()).await;
    let duration_ms = started.elapsed().as_millis() as u64;
    let response = match result {
        Ok(response) => response,
        Err(error) => {
            tracing::debug!(parent: &span, duration_ms, %error, "request failed");
            return Err(error);
        }
    };
    let status = response.status();
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    tracing::debug!(parent: &span, status = status.as_u16(), duration_ms, request_id, "response");
    if status.is_success() {
        return Ok(response);
    }
    keep_error_response::<B>(response).await
}

/// Reads an error response and rebuilds it: unchanged when its body is the
/// documented one, sealed otherwise.
async fn keep_error_response<B: ErrorBody>(
    response: reqwest::Response,
) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    let documented = serde_json::from_slice::<Value>(&body)
        .ok()
        .is_some_and(|value| B::decode(status, &value).is_some());
    let mut rebuilt = http::Response::builder().status(status).version(version);
    if documented {
        if let Some(map) = rebuilt.headers_mut() {
            *map = headers;
            // The body is whole in memory now, no longer as framed on the wire.
            for framing in [CONTENT_LENGTH, CONTENT_ENCODING, TRANSFER_ENCODING] {
                map.remove(framing);
            }
        }
        // Building cannot fail: the status and headers come from a response
        // already received.
        return Ok(reqwest::Response::from(
            rebuilt.body(body).unwrap_or_default(),
        ));
    }
    let raw = Undocumented {
        status,
        headers,
        body,
    };
    let sealed = seal(&raw);
    let rebuilt = rebuilt
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .extension(raw)
        .body(sealed)
        .unwrap_or_default();
    Ok(reqwest::Response::from(rebuilt))
}
