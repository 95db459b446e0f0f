//! The JSON:API media type, `application/vnd.api+json`, on every response
//! of the operation, errors included.
//!
//! Why this file exists: dropshot sends its typed responses
//! (`HttpResponseOk<T>`) as `application/json`, and a handler's error as
//! whatever the error type's `HttpResponseContent` impl says. For an error
//! type that is `Serialize + JsonSchema` that is dropshot's blanket impl,
//! which fixes `application/json`; and the trait cannot be implemented by
//! hand outside dropshot, because dropshot 0.18 exports neither
//! `HttpResponseContent` nor the `ApiSchemaGenerator` its
//! `content_metadata()` returns (tried: E0405 / E0603). Errors produced
//! before the handler runs (an unparsable path parameter, an unreadable
//! body) take the same route. So:
//!
//! - [`JsonApi<T>`] is the success type. It implements `HttpCodedResponse`
//!   (exported), so the derived document still shows `T` as the 200 body,
//!   and it renders itself: a `T` as 200, or a [`JsonApiError`] with the
//!   error's status, both as `application/vnd.api+json`. Handlers return
//!   their errors inside it rather than as `Err`, so no error reaches
//!   dropshot's `application/json` path.
//! - [`JsonApiPath<P>`] and [`JsonApiBody<T>`] are extractors that wrap
//!   dropshot's `Path<P>` and body reading, document exactly what those do
//!   (their metadata is delegated), and never fail: a failure is kept and
//!   handed to the handler, which answers it inside `JsonApi`, in its place
//!   in the order of checks.
//!
//! What stays out of reach: the derived OpenAPI document still says
//! `application/json` (a framework limit noted in framework-facts), and
//! requests to paths this API does not serve are answered by dropshot's
//! router in its own shape.

use std::marker::PhantomData;

use dropshot::{
    ApiEndpointBodyContentType, Body, ExclusiveExtractor, ExtractorMetadata, HttpCodedResponse,
    HttpError, Path, RequestContext, ServerContext, SharedExtractor, TypedBody,
};
use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, Response, StatusCode};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::errors::JsonApiError;
use crate::apis::body::ExtractorFuture;

/// The JSON:API media type.
pub const JSON_API: &str = "application/vnd.api+json";

/// A JSON:API response: the document `T` (200) or an error document.
pub struct JsonApi<T>(Result<T, JsonApiError>);

impl<T> JsonApi<T> {
    pub fn new(outcome: Result<T, JsonApiError>) -> Self {
        JsonApi(outcome)
    }
}

impl<T> HttpCodedResponse for JsonApi<T>
where
    T: Serialize + JsonSchema + Send + Sync + 'static,
{
    type Body = T;
    const STATUS_CODE: StatusCode = StatusCode::OK;
    const DESCRIPTION: &'static str = "successful operation";
}

fn render(status: StatusCode, body: Vec<u8>) -> Result<Response<Body>, HttpError> {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, JSON_API)
        .body(Body::from(body))
        .map_err(|e| HttpError::for_internal_error(format!("cannot build the response: {e}")))
}

fn render_error(error: JsonApiError) -> Result<Response<Body>, HttpError> {
    let body = serde_json::to_vec(&error.document)
        .map_err(|e| HttpError::for_internal_error(format!("cannot encode an error: {e}")))?;
    render(error.status, body)
}

impl<T: Serialize> From<JsonApi<T>> for Result<Response<Body>, HttpError> {
    fn from(response: JsonApi<T>) -> Self {
        match response.0 {
            Ok(document) => match serde_json::to_vec(&document) {
                Ok(body) => render(StatusCode::OK, body),
                Err(e) => render_error(JsonApiError::internal(format!(
                    "cannot encode the response: {e}"
                ))),
            },
            Err(error) => render_error(error),
        }
    }
}

/// Path parameters `P`, documented as dropshot's `Path<P>`; a parameter that
/// does not parse (a malformed uuid) is kept as a 400 for the handler.
pub struct JsonApiPath<P> {
    outcome: Result<P, JsonApiError>,
}

impl<P> JsonApiPath<P> {
    pub fn into_inner(self) -> Result<P, JsonApiError> {
        self.outcome
    }
}

impl<P> SharedExtractor for JsonApiPath<P>
where
    P: DeserializeOwned + JsonSchema + Send + Sync + 'static,
{
    fn from_request<'life0, 'async_trait, Context>(
        rqctx: &'life0 RequestContext<Context>,
    ) -> ExtractorFuture<'async_trait, Self>
    where
        Context: 'async_trait + ServerContext,
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let outcome = <Path<P> as SharedExtractor>::from_request(rqctx)
                .await
                .map(Path::into_inner)
                .map_err(JsonApiError::from);
            Ok(JsonApiPath { outcome })
        })
    }

    fn metadata(body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <Path<P> as SharedExtractor>::metadata(body_content_type)
    }
}

/// A JSON:API request document, documented as dropshot's `TypedBody<T>`
/// and handed over as parsed JSON: the handler checks it against the spec's
/// rules itself, so that each failing field is reported with its JSON
/// pointer (422) rather than as serde's first complaint (400). A wrong
/// media type (415), an oversized body (413) or a body that is not JSON
/// (400) is kept for the handler.
pub struct JsonApiBody<T> {
    outcome: Result<Value, JsonApiError>,
    document: PhantomData<fn() -> T>,
}

impl<T> JsonApiBody<T> {
    pub fn into_inner(self) -> Result<Value, JsonApiError> {
        self.outcome
    }
}

impl<T> ExclusiveExtractor for JsonApiBody<T>
where
    T: JsonSchema + DeserializeOwned + Send + Sync + 'static,
{
    fn from_request<'life0, 'async_trait, Context>(
        rqctx: &'life0 RequestContext<Context>,
        request: http::Request<Body>,
    ) -> ExtractorFuture<'async_trait, Self>
    where
        Context: 'async_trait + ServerContext,
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            Ok(JsonApiBody {
                outcome: read_document(rqctx, request).await,
                document: PhantomData,
            })
        })
    }

    fn metadata(body_content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        <TypedBody<T> as ExclusiveExtractor>::metadata(body_content_type)
    }
}

async fn read_document<Context: ServerContext>(
    rqctx: &RequestContext<Context>,
    request: http::Request<Body>,
) -> Result<Value, JsonApiError> {
    check_content_type(request.headers())?;
    // A declared length over the limit is refused as 413 before reading;
    // a body sent without a length (chunked) that grows over it is refused
    // by dropshot's reader, also as 413 (`body::read_raw`).
    let limit = rqctx.request_body_max_bytes();
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(JsonApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The request body exceeds the limit of {limit} bytes."),
        ));
    }
    let raw = crate::apis::body::read_raw(rqctx, request)
        .await
        .map_err(JsonApiError::from)?;
    // A member named twice is refused as on every API (`body::unique_members`).
    crate::apis::body::unique_members(raw.as_bytes())
        .and_then(|()| serde_json::from_slice::<Value>(raw.as_bytes()))
        .map_err(|e| {
            JsonApiError::new(
                StatusCode::BAD_REQUEST,
                format!("The request body is not valid JSON: {e}."),
            )
        })
}

/// The request's media type must be JSON:API's, without parameters: JSON:API
/// 1.0 (the version this server announces) requires 415 for any media type
/// parameter. Anything else, `application/json` and a missing header
/// included, is 415 too: the spec declares only `application/vnd.api+json`.
pub fn check_content_type(headers: &HeaderMap) -> Result<(), JsonApiError> {
    let unsupported = |detail: &str| {
        Err(JsonApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, detail).in_header("Content-Type"))
    };
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return unsupported("The request body must be sent as application/vnd.api+json.");
    };
    let Ok(value) = value.to_str() else {
        return unsupported("The Content-Type header is not readable text.");
    };
    let mut parts = value.split(';');
    let media_type = parts.next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case(JSON_API) {
        return unsupported(&format!(
            "The request body must be sent as application/vnd.api+json, not {media_type}."
        ));
    }
    if parts.any(|p| !p.trim().is_empty()) {
        return unsupported(
            "JSON:API 1.0 forbids media type parameters on application/vnd.api+json.",
        );
    }
    Ok(())
}

/// JSON:API 1.0: if `Accept` names the JSON:API media type only with media
/// type parameters, the server cannot answer acceptably: 406. A quality
/// weight (`q=`) is not a media type parameter. An `Accept` header that does
/// not name the JSON:API type at all (`*/*`, `application/json`) is not
/// refused: the answer is JSON:API either way.
pub fn check_accept(headers: &HeaderMap) -> Result<(), JsonApiError> {
    let mut named = false;
    let mut acceptable = false;
    for value in headers.get_all(ACCEPT) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            if !parts
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case(JSON_API)
            {
                continue;
            }
            named = true;
            let has_parameters = parts.any(|p| {
                let p = p.trim();
                !p.is_empty() && !p.to_ascii_lowercase().starts_with("q=")
            });
            acceptable |= !has_parameters;
        }
    }
    if named && !acceptable {
        return Err(JsonApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "JSON:API 1.0 responses are sent as application/vnd.api+json without media type parameters.",
        )
        .in_header("Accept"));
    }
    Ok(())
}
