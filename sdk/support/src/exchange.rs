//! Sending one request: the body of every SDK's `exec` hook.
//!
//! It emits one `tracing` span per request and one event when the response
//! arrives (or the request fails), reads the whole response, and hands
//! every response that becomes an error, and every failure, over to the
//! conversion into [`crate::Error`] with what it knows (see
//! [`crate::sealed`]). The span and event carry the API, the operation id,
//! the method, the URL's path, the status, the duration and the server's
//! request id: never a header value otherwise, never a body, never the
//! query string, so no credential can reach a log.

use std::time::Instant;

use reqwest::header::{
    CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, TRANSFER_ENCODING,
};
use tracing::Instrument;

use crate::context::{Timeout, Timeouts};
use crate::operation::ApiInfo;
use crate::sealed::{Failure, Received, mark, seal};

/// Sends `request` with `client` for the operation progenitor calls
/// `operation_id` of the API whose error body is `B`; `timeouts` are the
/// client's, when known, and `api` names the API in traces.
pub async fn execute<B: ApiInfo>(
    client: &reqwest::Client,
    timeouts: Option<Timeouts>,
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
    let exchange = async {
        let response = client.execute(request).await?;
        let status = response.status();
        let version = response.version();
        let headers = response.headers().clone();
        // The body is read here, not by progenitor, so that a success body
        // can be checked before it is decoded and a timeout while reading
        // is classified like one while waiting.
        let body = response.bytes().await?;
        Ok((status, version, headers, body))
    }
    .instrument(span.clone())
    .await;
    let elapsed = started.elapsed();
    let duration_ms = elapsed.as_millis() as u64;
    let (status, version, headers, body) = match exchange {
        Ok(parts) => parts,
        Err(error) => {
            tracing::debug!(parent: &span, duration_ms, %error, "request failed");
            let failure = Failure {
                operation: Some(operation_id.to_string()),
                timeout: Timeout::classify(&error, elapsed, timeouts),
            };
            return Err(mark(error, &failure));
        }
    };
    let request_id = headers
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    tracing::debug!(parent: &span, status = status.as_u16(), duration_ms, request_id, "response");

    // A success is handed on as it came when the spec documents its status
    // and the body decodes as the documented type. (An operation missing
    // from the table cannot happen with a current generated file; its
    // successes are handed on unchecked rather than refused.)
    let documented_success = status.is_success()
        && B::operation(operation_id).is_none_or(|operation| {
            operation.is_documented_success(status.as_u16())
                && operation.success_body_error(&body).is_none()
        });
    let mut rebuilt = http::Response::builder().status(status).version(version);
    if documented_success {
        if let Some(map) = rebuilt.headers_mut() {
            *map = headers;
            // The body is whole in memory now, no longer as framed on the wire.
            for framing in [CONTENT_LENGTH, CONTENT_ENCODING, TRANSFER_ENCODING] {
                map.remove(framing);
            }
            map.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        }
        // Building cannot fail: the status and headers come from a response
        // already received.
        return Ok(reqwest::Response::from(
            rebuilt.body(body).unwrap_or_default(),
        ));
    }
    // Every other response becomes an error: an error status, an
    // undocumented success, or a documented one with another body.
    let received = Received {
        operation: operation_id.to_string(),
        status,
        headers,
        body,
    };
    let sealed = seal(&received);
    let rebuilt = rebuilt
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .extension(received)
        .body(sealed)
        .unwrap_or_default();
    Ok(reqwest::Response::from(rebuilt))
}
