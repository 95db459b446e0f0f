//! Exante's error body, as the spec's `default` response defines it: the
//! success envelope with `status: "error"`, the HTTP status repeated in
//! `status_code`, a message, and per-field messages in `errors` on
//! validation failures. The vendor's page shows no error body; the spec's
//! choice (Laravel-like, "The given data was invalid.") is followed here.

use dropshot::{ErrorStatusCode, HttpError, HttpResponseError};
use schemars::JsonSchema;
use serde::Serialize;

use super::types::{FieldErrors, plain_integer};

/// The message of every validation failure (422); the details are in
/// `errors`.
pub const INVALID_DATA: &str = "The given data was invalid.";

/// The error body.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(rename = "ErrorResponse")]
pub struct ErrorResponse {
    /// Always "error".
    pub status: String,
    /// The HTTP status code of the response.
    #[schemars(schema_with = "plain_integer")]
    pub status_code: u16,
    /// Human-readable error message.
    pub message: String,
    /// Field name to its error messages; present on validation failures
    /// only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "FieldErrors")]
    pub errors: Option<FieldErrors>,
}

impl ErrorResponse {
    /// An error without field details.
    pub fn new(status_code: u16, message: impl Into<String>) -> Self {
        ErrorResponse {
            status: "error".to_string(),
            status_code,
            message: message.into(),
            errors: None,
        }
    }

    /// 422 with one entry per failing field.
    pub fn invalid(errors: FieldErrors) -> Self {
        ErrorResponse {
            errors: Some(errors),
            ..Self::new(422, INVALID_DATA)
        }
    }

    pub fn unauthenticated() -> Self {
        Self::new(401, "Unauthenticated.")
    }

    /// A failure the client cannot fix; the cause goes to the log, not to
    /// the client.
    pub fn server_error() -> Self {
        Self::new(500, "Server Error.")
    }

    /// 503: the store takes no more changes for now (its queue is full);
    /// nothing was saved, and the same request may be sent again.
    pub fn unavailable() -> Self {
        Self::new(
            503,
            "Service Unavailable. Nothing was saved; retry shortly.",
        )
    }
}

impl std::fmt::Display for ErrorResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status_code, self.message)
    }
}

impl HttpResponseError for ErrorResponse {
    fn status_code(&self) -> ErrorStatusCode {
        http::StatusCode::from_u16(self.status_code)
            .ok()
            .and_then(|s| ErrorStatusCode::from_status(s).ok())
            .unwrap_or(ErrorStatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// dropshot's own errors (malformed JSON, wrong media type, a body over the
/// limit, a missing header) in Exante's shape, keeping their HTTP status
/// and their client-facing message. Errors of dropshot's router (an unknown
/// path, a method no endpoint declares) never reach this type; the
/// operation's other common methods are declared in `api.rs` for that
/// reason.
impl From<HttpError> for ErrorResponse {
    fn from(error: HttpError) -> Self {
        // The body extractors give 413 and 415 their own statuses (`body.rs`).
        ErrorResponse::new(
            error.status_code.as_status().as_u16(),
            error.external_message,
        )
    }
}

/// An error the front answers itself, in this API's body.
pub fn error_body(status: http::StatusCode, message: &str) -> (&'static str, Vec<u8>) {
    let body = serde_json::to_vec(&ErrorResponse::new(status.as_u16(), message));
    ("application/json", body.unwrap_or_default())
}
