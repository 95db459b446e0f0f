//! Ctrl-Hub's error body: a JSON:API error document
//! `{"errors": [{status, title, detail, source}], "jsonapi": {"version"}}`,
//! sent as `application/vnd.api+json` with the status it names.
//!
//! How the media type is kept on errors is explained in `media.rs`: at run
//! time an error travels inside [`super::media::JsonApi`], which renders it;
//! [`JsonApiError`] is also the endpoints' declared error type, so that the
//! derived document describes 4XX/5XX bodies as an `ErrorDocument`.

use dropshot::{ErrorStatusCode, HttpError, HttpResponseError};
use http::StatusCode;
use schemars::JsonSchema;
use schemars::r#gen::SchemaGenerator;
use schemars::schema::Schema;
use serde::{Serialize, Serializer};

use super::types::JsonApiObject;

/// Where in the request an error comes from.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ErrorSource {
    /// A JSON pointer (RFC 6901) into the request document to the value
    /// that caused the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub pointer: Option<String>,
    /// The query parameter that caused the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub parameter: Option<String>,
    /// The request header that caused the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub header: Option<String>,
}

/// A JSON:API error object.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ErrorObject {
    /// The HTTP status code of this problem, as a string (per JSON:API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub status: Option<String>,
    /// An application-specific error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub code: Option<String>,
    /// A short, human-readable summary of the problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub title: Option<String>,
    /// A human-readable explanation of this occurrence of the problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "ErrorSource")]
    pub source: Option<ErrorSource>,
}

/// A JSON:API error document.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ErrorDocument {
    /// The errors that occurred.
    #[schemars(length(min = 1))]
    pub errors: Vec<ErrorObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "JsonApiObject")]
    pub jsonapi: Option<JsonApiObject>,
}

/// A failed request: the HTTP status and the JSON:API error document sent
/// with it.
#[derive(Clone, Debug)]
pub struct JsonApiError {
    pub status: StatusCode,
    pub document: ErrorDocument,
    /// What is logged for a 5xx; never sent to the client.
    pub internal: Option<String>,
}

/// The title of a status: its reason phrase ("Not Found").
fn title(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("Error").to_string()
}

impl JsonApiError {
    /// One error object with the status' reason phrase as its title.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self::with_errors(
            status,
            vec![ErrorObject {
                status: Some(status.as_u16().to_string()),
                code: None,
                title: Some(title(status)),
                detail: Some(detail.into()),
                source: None,
            }],
        )
    }

    fn with_errors(status: StatusCode, errors: Vec<ErrorObject>) -> Self {
        JsonApiError {
            status,
            document: ErrorDocument {
                errors,
                jsonapi: Some(JsonApiObject::v1_0()),
            },
            internal: None,
        }
    }

    /// Points every error object at `pointer` in the request document.
    pub fn at(mut self, pointer: &str) -> Self {
        for error in &mut self.document.errors {
            error.source = Some(ErrorSource {
                pointer: Some(pointer.to_string()),
                parameter: None,
                header: None,
            });
        }
        self
    }

    /// Names the request header that caused every error.
    pub fn in_header(mut self, header: &str) -> Self {
        for error in &mut self.document.errors {
            error.source = Some(ErrorSource {
                pointer: None,
                parameter: None,
                header: Some(header.to_string()),
            });
        }
        self
    }

    /// 422: one error object per failing field, each with its pointer.
    pub fn invalid(failures: Vec<(String, String)>) -> Self {
        Self::per_field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid attribute",
            failures,
        )
    }

    /// 409: the resource object is not the one the URL names (JSON:API's
    /// answer to a mismatched `id` or `type`), one error object per member.
    pub fn conflict(failures: Vec<(String, String)>) -> Self {
        Self::per_field(StatusCode::CONFLICT, "Conflict", failures)
    }

    /// One error object per `(pointer, detail)`.
    fn per_field(status: StatusCode, title: &str, failures: Vec<(String, String)>) -> Self {
        let errors = failures
            .into_iter()
            .map(|(pointer, detail)| ErrorObject {
                status: Some(status.as_u16().to_string()),
                code: None,
                title: Some(title.to_string()),
                detail: Some(detail),
                source: Some(ErrorSource {
                    pointer: Some(pointer),
                    parameter: None,
                    header: None,
                }),
            })
            .collect();
        Self::with_errors(status, errors)
    }

    /// 401: the session token is missing or not valid for Ctrl-Hub. Nothing
    /// more is said, so that a caller cannot probe which it was.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "A valid session token is required in the X-Session-Token header.",
        )
        .in_header("X-Session-Token")
    }

    /// 503: the store takes no more changes for now (its queue is full);
    /// nothing was saved, and the same request may be sent again.
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "The service is busy; nothing was saved. Retry shortly.",
        )
    }

    /// 500: the client learns only that it failed; the cause is logged.
    pub fn internal(why: impl std::fmt::Display) -> Self {
        let mut error = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server failed to process the request.",
        );
        error.internal = Some(why.to_string());
        error
    }
}

impl std::fmt::Display for JsonApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let details: Vec<&str> = self
            .document
            .errors
            .iter()
            .filter_map(|e| e.detail.as_deref())
            .collect();
        write!(f, "{}: {}", self.status, details.join("; "))?;
        if let Some(internal) = &self.internal {
            write!(f, " ({internal})")?;
        }
        Ok(())
    }
}

/// The body is the error document alone; the status and headers travel
/// beside it.
impl Serialize for JsonApiError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.document.serialize(serializer)
    }
}

/// Described as a reference to `ErrorDocument`, the spec's schema for
/// every error status.
impl JsonSchema for JsonApiError {
    fn schema_name() -> String {
        "JsonApiError".to_string()
    }

    fn is_referenceable() -> bool {
        false
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<ErrorDocument>()
    }
}

impl HttpResponseError for JsonApiError {
    fn status_code(&self) -> ErrorStatusCode {
        ErrorStatusCode::from_status(self.status).unwrap_or(ErrorStatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// dropshot's own errors (an unparsable path parameter, an unreadable body)
/// keep their status; the detail is dropshot's client-facing message,
/// except for 5xx, whose cause is logged instead of sent.
impl From<HttpError> for JsonApiError {
    fn from(error: HttpError) -> Self {
        // The body extractors give 413 and 415 their own statuses (`body.rs`).
        let status = error.status_code.as_status();
        if status.is_server_error() {
            JsonApiError::internal(error.internal_message)
        } else {
            JsonApiError::new(status, error.external_message)
        }
    }
}

/// An error the front answers itself, as a JSON:API error document.
pub fn error_body(status: http::StatusCode, message: &str) -> (&'static str, Vec<u8>) {
    let body = serde_json::to_vec(&JsonApiError::new(status, message).document);
    (super::media::JSON_API, body.unwrap_or_default())
}
