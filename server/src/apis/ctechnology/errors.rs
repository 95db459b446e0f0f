//! c.technology's error body: the `header` envelope of its successful
//! answers with `status` "error", a `message` saying what went wrong, and no
//! `data` (the spec's `default` response; the vendor's page shows none).

use dropshot::{ErrorStatusCode, HttpError, HttpResponseError};
use schemars::JsonSchema;
use serde::Serialize;

use super::types::ApiHeaderSingle;

/// The API version every answer names in its header.
pub const API_VERSION: &str = "2.2";

/// The error body, with the HTTP status it is sent with.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(rename = "ErrorResponse")]
pub struct ErrorResponse {
    /// The HTTP status this error is sent with; not part of the body.
    #[serde(skip)]
    #[schemars(skip)]
    pub http_status: u16,
    pub header: ApiHeaderSingle,
}

impl ErrorResponse {
    pub fn new(http_status: u16, message: impl Into<String>) -> Self {
        ErrorResponse {
            http_status,
            header: ApiHeaderSingle {
                api_version: Some(API_VERSION.to_string()),
                status: Some("error".to_string()),
                message: Some(message.into()),
                permission_via: None,
            },
        }
    }

    /// No usable `Authorization` header was sent.
    pub fn missing_credentials() -> Self {
        Self::new(
            401,
            "Authorization: missing; send the API key as `Authorization: Token <key>`.",
        )
    }

    /// An `Authorization` header was sent, but not in the `Token <key>` form.
    pub fn wrong_scheme() -> Self {
        Self::new(
            401,
            "Authorization: expected the form `Token <key>` (the literal word Token, one space, the key).",
        )
    }

    /// `Authorization` was sent more than once (`apis::sent_once` says why
    /// that is refused).
    pub fn repeated_credentials() -> Self {
        Self::new(
            401,
            "Authorization: sent more than once; send the API key in one `Authorization: Token <key>` header.",
        )
    }

    /// The key is unknown, wrong, or belongs to another API. The wording is
    /// the spec's own error example.
    pub fn invalid_token() -> Self {
        Self::new(401, "Invalid token.")
    }

    /// 503: the store takes no more changes for now (its queue is full);
    /// nothing was saved, and the same request may be sent again.
    pub fn unavailable() -> Self {
        Self::new(503, "Service busy; nothing was saved. Retry shortly.")
    }

    /// Something failed on our side; the detail goes to the log, not to the
    /// client.
    pub fn internal() -> Self {
        Self::new(500, "Internal server error.")
    }
}

impl std::fmt::Display for ErrorResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}",
            self.http_status,
            self.header.message.as_deref().unwrap_or_default()
        )
    }
}

impl HttpResponseError for ErrorResponse {
    fn status_code(&self) -> ErrorStatusCode {
        http::StatusCode::from_u16(self.http_status)
            .ok()
            .and_then(|s| ErrorStatusCode::from_status(s).ok())
            .unwrap_or(ErrorStatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// dropshot's own errors (malformed JSON, a value the types refuse, wrong
/// media type, a body over the limit) in c.technology's shape.
///
/// A body over the limit and an unsupported media type are 413 and 415
/// (the body extractors give them their own statuses, `body.rs`).
impl From<HttpError> for ErrorResponse {
    fn from(error: HttpError) -> Self {
        let status = error.status_code.as_status().as_u16();
        ErrorResponse::new(status, error.external_message)
    }
}

/// An error the front answers itself, in this API's body.
pub fn error_body(status: http::StatusCode, message: &str) -> (&'static str, Vec<u8>) {
    let body = serde_json::to_vec(&ErrorResponse::new(status.as_u16(), message));
    ("application/json", body.unwrap_or_default())
}
