//! CL2C's two error bodies, as an ASP.NET API sends them:
//! - a 400 is RFC 7807 `ValidationProblemDetails` (`{type, title, status,
//!   detail, instance, errors}`), one `errors` entry per failing field;
//! - every other error status is the vendor's default body `{messages,
//!   source, exception, errorId, supportMessage, statusCode}`.
//!
//! dropshot renders an endpoint's error type as `application/json` and offers
//! no way to change that (its `HttpResponseContent` trait cannot be
//! implemented outside the crate, because the type its `content_metadata`
//! returns is not exported). The update handler therefore sends its 400s as a
//! response of its own (see `api::ProfileUpdate`), which can carry
//! `application/problem+json`; [`Cl2cError::Validation`] is only reached by a
//! 400 that dropshot raises before the handler runs (a header that is not
//! ASCII), and goes out as `application/json`, which the spec also lists for
//! the 400.

use std::collections::BTreeMap;

use dropshot::{ErrorStatusCode, HttpError, HttpResponseError};
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

use crate::apis::REQUEST_BODY_MAX_BYTES;

/// The failing fields of a request, each with its messages.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Who raised a default error body (its `source`). Errors raised before the
/// request reaches the profile service (authentication, routing, the body
/// limit, dropshot's own checks) come from the gateway, as at the vendor;
/// errors of the update itself come from the service.
pub const SOURCE_GATEWAY: &str = "API Gateway";
pub const SOURCE_SERVICE: &str = "CL2C";

/// The `type` ASP.NET gives a 400 problem: the RFC 9110 section on 400.
const PROBLEM_TYPE_BAD_REQUEST: &str = "https://tools.ietf.org/html/rfc9110#section-15.5.1";
/// The `title` ASP.NET gives a validation problem.
const PROBLEM_TITLE: &str = "One or more validation errors occurred.";
/// The `errors` key ASP.NET uses for a failure of the body as a whole (its
/// JSON path of the document root).
pub const BODY_AS_A_WHOLE: &str = "$";

/// RFC 7807 problem details for a failed validation (ASP.NET's
/// `ValidationProblemDetails`).
///
/// The spec makes every member optional (RFC 7807 does), and so does this
/// type's schema: the members are `Option`s that may be absent but never
/// null, as in the spec. The constructors below set every one, so the server
/// always sends them all.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ValidationProblemDetails {
    /// Error type: a URI identifying the kind of problem.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub problem_type: Option<String>,
    /// Short error message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub title: Option<String>,
    /// HTTP status code: always 400.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "i32")]
    pub status: Option<i32>,
    /// Detailed error description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub detail: Option<String>,
    /// The specific occurrence: `urn:uuid:<request id>`, the id dropshot logs
    /// and returns in the `x-request-id` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub instance: Option<String>,
    /// Each failing field with its messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "FieldErrors")]
    pub errors: Option<FieldErrors>,
}

impl ValidationProblemDetails {
    /// Failing fields of a request that was read.
    pub fn invalid_fields(errors: FieldErrors, request_id: &str) -> Self {
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        ValidationProblemDetails {
            problem_type: Some(PROBLEM_TYPE_BAD_REQUEST.to_string()),
            title: Some(PROBLEM_TITLE.to_string()),
            status: Some(400),
            detail: Some(format!("Invalid fields: {}.", fields.join(", "))),
            instance: Some(format!("urn:uuid:{request_id}")),
            errors: Some(errors),
        }
    }

    /// A request that could not be read at all (malformed JSON, a wrong
    /// media type): the one failure is reported for the body as a whole.
    pub fn unreadable(message: &str, request_id: &str) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(BODY_AS_A_WHOLE.to_string(), vec![message.to_string()]);
        ValidationProblemDetails {
            problem_type: Some(PROBLEM_TYPE_BAD_REQUEST.to_string()),
            title: Some(PROBLEM_TITLE.to_string()),
            status: Some(400),
            detail: Some(message.to_string()),
            instance: Some(format!("urn:uuid:{request_id}")),
            errors: Some(errors),
        }
    }
}

/// The vendor's default error body, for every error status but 400. As for
/// [`ValidationProblemDetails`], the spec makes every member optional; the
/// schema says so and [`ErrorResponse::new`] sets every one.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorResponse {
    /// The HTTP status this error is sent with; `statusCode` repeats it.
    #[serde(skip)]
    #[schemars(skip)]
    pub http_status: ErrorStatusCode,
    /// What the server logs about this error (never sent: it may name
    /// internals such as a storage failure).
    #[serde(skip)]
    #[schemars(skip)]
    pub internal: String,
    /// List of error messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub messages: Option<Vec<String>>,
    /// Error source: "API Gateway" or "CL2C".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub source: Option<String>,
    /// Exception details: the .NET exception type the vendor's ASP.NET
    /// service reports for this kind of failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub exception: Option<String>,
    /// Unique error identifier (a fresh UUID), also written to the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub error_id: Option<String>,
    /// Message for support team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub support_message: Option<String>,
    /// HTTP status code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "i32")]
    pub status_code: Option<i32>,
}

impl ErrorResponse {
    pub fn new(http_status: ErrorStatusCode, source: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let status = http_status.as_u16();
        ErrorResponse {
            http_status,
            internal: message.clone(),
            messages: Some(vec![message]),
            source: Some(source.to_string()),
            exception: Some(exception_for(status).to_string()),
            error_id: Some(Uuid::new_v4().to_string()),
            support_message: Some("Please contact support with this error ID.".to_string()),
            status_code: Some(i32::from(status)),
        }
    }

    /// Missing headers, an unknown key, or a key used with a tenant it does
    /// not belong to: one answer for all, so that a caller learns nothing
    /// about which part was wrong.
    pub fn unauthorized() -> Self {
        Self::new(
            ErrorStatusCode::UNAUTHORIZED,
            SOURCE_GATEWAY,
            "The tenant or API key is missing or invalid.",
        )
    }

    pub fn payload_too_large() -> Self {
        Self::new(
            ErrorStatusCode::PAYLOAD_TOO_LARGE,
            SOURCE_GATEWAY,
            format!("Request body too large: the limit is {REQUEST_BODY_MAX_BYTES} bytes."),
        )
    }

    /// 503: the store takes no more changes for now (its queue is full);
    /// nothing was saved, and the same request may be sent again.
    pub fn unavailable() -> Self {
        Self::new(
            ErrorStatusCode::SERVICE_UNAVAILABLE,
            SOURCE_SERVICE,
            "The service is busy; nothing was saved. Retry shortly.",
        )
    }

    /// A failure of the server itself: the client gets a generic message and
    /// the error id; the cause goes to the log only.
    pub fn internal(why: impl std::fmt::Display) -> Self {
        let mut error = Self::new(
            ErrorStatusCode::INTERNAL_SERVER_ERROR,
            SOURCE_SERVICE,
            "An unexpected error occurred.",
        );
        error.internal = why.to_string();
        error
    }
}

/// The .NET exception type an ASP.NET service reports for each status.
fn exception_for(status: u16) -> &'static str {
    match status {
        401 => "System.UnauthorizedAccessException",
        405 => "System.NotSupportedException",
        // Kestrel's exception for a body over the limit.
        413 => "Microsoft.AspNetCore.Http.BadHttpRequestException",
        _ => "System.Exception",
    }
}

/// The update endpoint's error: problem details for a 400, the default body
/// for everything else. Sent untagged, so the body is exactly one of the two.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Cl2cError {
    Validation(ValidationProblemDetails),
    Other(ErrorResponse),
}

impl From<ErrorResponse> for Cl2cError {
    fn from(error: ErrorResponse) -> Self {
        Cl2cError::Other(error)
    }
}

impl std::fmt::Display for Cl2cError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // This is what dropshot logs for a failed request, so it carries the
        // id the client was given, for support to find the log line.
        match self {
            Cl2cError::Validation(problem) => write!(
                f,
                "400 ({}): {}",
                problem.instance.as_deref().unwrap_or_default(),
                problem.detail.as_deref().unwrap_or_default()
            ),
            Cl2cError::Other(error) => write!(
                f,
                "{} (errorId {}): {}",
                error.http_status.as_u16(),
                error.error_id.as_deref().unwrap_or_default(),
                error.internal
            ),
        }
    }
}

impl HttpResponseError for Cl2cError {
    fn status_code(&self) -> ErrorStatusCode {
        match self {
            Cl2cError::Validation(_) => ErrorStatusCode::BAD_REQUEST,
            Cl2cError::Other(error) => error.http_status,
        }
    }
}

/// dropshot's own errors in CL2C's shapes: a 400 as problem details for the
/// request as a whole, any other status as the default body from the
/// gateway. The request body's errors do not come this way (the update
/// handler receives them, to authenticate first); what does is a header that
/// is not ASCII (400), a failure to render a response (500), and errors of
/// the unpublished endpoints.
impl From<HttpError> for Cl2cError {
    fn from(error: HttpError) -> Self {
        if error.status_code == ErrorStatusCode::BAD_REQUEST {
            // No request id reaches this conversion; a fresh one identifies
            // the occurrence, and the Display above puts it in the log.
            let id = Uuid::new_v4().to_string();
            return Cl2cError::Validation(ValidationProblemDetails::unreadable(
                &error.external_message,
                &id,
            ));
        }
        let mut response = ErrorResponse::new(
            error.status_code,
            SOURCE_GATEWAY,
            error.external_message.clone(),
        );
        response.internal = error.internal_message;
        Cl2cError::Other(response)
    }
}

/// An error the front answers itself: a 400 (a body that cannot be read to
/// its end) as problem details for the body as a whole, the documented 400
/// shape, like every other body that cannot be read; any other status in
/// the default error body, as the vendor's gateway answers those.
pub fn error_body(status: http::StatusCode, message: &str) -> (&'static str, Vec<u8>) {
    if status == http::StatusCode::BAD_REQUEST {
        let id = Uuid::new_v4().to_string();
        let body = serde_json::to_vec(&ValidationProblemDetails::unreadable(message, &id));
        return (super::types::PROBLEM_JSON, body.unwrap_or_default());
    }
    let status =
        ErrorStatusCode::from_status(status).unwrap_or(ErrorStatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(&ErrorResponse::new(status, SOURCE_GATEWAY, message));
    ("application/json", body.unwrap_or_default())
}
