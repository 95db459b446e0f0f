//! The two documents every API serves beside its operation, registered once
//! for all APIs: its hand-written spec as JSON at `/openapi.json` (for
//! Schemathesis, Prism or a browser), and a human reference page rendered
//! from it at `/docs` by the `reference` crate (plain HTML, no JavaScript,
//! nothing fetched). Neither is part of the derived document
//! (`unpublished`), which mirrors the vendor's operation only.

use dropshot::{ApiDescription, Body, HttpError, HttpResponseOk, RequestContext};
use http::header::{CONTENT_TYPE, HeaderValue};
use serde_json::Value;

use super::ApiContext;

/// Where the spec is served.
pub const SPEC_PATH: &str = "/openapi.json";
/// Where the reference page is served.
pub const REFERENCE_PATH: &str = "/docs";

/// Whether `path` is one of the two documents.
pub fn is_document(path: &str) -> bool {
    path == SPEC_PATH || path == REFERENCE_PATH
}

/// What the documents are made of, prepared once when the API starts.
pub struct Documents {
    /// The hand-written spec as JSON.
    pub spec: Value,
    /// The reference page's HTML.
    pub reference_page: String,
}

impl Documents {
    /// The spec, and the page rendered from it.
    pub fn new(spec: Value) -> Documents {
        let reference_page = reference::page(&spec);
        Documents {
            spec,
            reference_page,
        }
    }
}

/// Adds the two documents' endpoints to an API's description.
pub fn register(description: &mut ApiDescription<ApiContext>) -> Result<(), String> {
    description
        .register(serve_spec)
        .and_then(|()| description.register(serve_reference_page))
        .map_err(|e| format!("cannot register the documents: {e}"))
}

/// The hand-written spec of this API as JSON.
#[dropshot::endpoint { method = GET, path = "/openapi.json", unpublished = true }]
async fn serve_spec(rqctx: RequestContext<ApiContext>) -> Result<HttpResponseOk<Value>, HttpError> {
    Ok(HttpResponseOk(rqctx.context().documents.spec.clone()))
}

/// The human reference page rendered from the spec.
#[dropshot::endpoint { method = GET, path = "/docs", unpublished = true }]
async fn serve_reference_page(
    rqctx: RequestContext<ApiContext>,
) -> Result<http::Response<Body>, HttpError> {
    let mut response =
        http::Response::new(Body::from(rqctx.context().documents.reference_page.clone()));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Ok(response)
}
